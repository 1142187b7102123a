//! The S3 store: AWS S3, MinIO, SeaweedFS or anything else that speaks the S3 API.

use crate::errors::ErrorContext;
use crate::objects::Objects;
use aisha_domain::ports::{ImageStore, StorageError};
use aisha_domain::storage::StorageKey;
use async_trait::async_trait;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::signer::{Method, Signer};
use object_store::{BackoffConfig, ClientOptions, RetryConfig};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The longest a SigV4 presigned URL may live.
const MAX_PRESIGN: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How to reach one bucket.
#[derive(Clone)]
pub struct S3Config {
    /// `None` for AWS itself (the endpoint follows from the region); for MinIO and the like,
    /// e.g. `http://127.0.0.1:9000`.
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    /// Allow a plain-HTTP endpoint. Needed for a local server; keep off in production.
    pub allow_http: bool,
    /// `https://bucket.host/key` instead of `https://host/bucket/key`. Off by default, since
    /// MinIO-style servers expect path-style requests.
    pub virtual_hosted_style: bool,
    /// When the bucket (or a CDN in front of it) is publicly readable: URLs are built as
    /// `{public_base_url}/{key}` and never expire. Otherwise `public_url` presigns a GET.
    pub public_base_url: Option<String>,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole request, upload or download included.
    pub request_timeout: Duration,
}

impl S3Config {
    /// A configuration with the defaults: path-style, HTTPS only, no public base URL, 3 s to
    /// connect and 60 s per request.
    pub fn new(
        region: impl Into<String>,
        bucket: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: SecretString,
    ) -> Self {
        Self {
            endpoint: None,
            region: region.into(),
            bucket: bucket.into(),
            access_key_id: access_key_id.into(),
            secret_access_key,
            allow_http: false,
            virtual_hosted_style: false,
            public_base_url: None,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(60),
        }
    }

    fn place(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("S3 endpoint {endpoint}"),
            None => format!("S3 region {}", self.region),
        }
    }
}

/// The secret shows as `[REDACTED]`, so the config can be logged.
impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("allow_http", &self.allow_http)
            .field("virtual_hosted_style", &self.virtual_hosted_style)
            .field("public_base_url", &self.public_base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// Retries a failed request at most twice, and never for more than 3 s in all, so a server
/// that is down is reported as `Unavailable` within seconds rather than minutes (object_store
/// would otherwise retry ten times over three minutes).
fn retry_policy() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            base: 2.0,
        },
        max_retries: 2,
        retry_timeout: Duration::from_secs(3),
    }
}

/// `ImageStore` on an S3 bucket.
pub struct S3ImageStore {
    objects: Objects,
    signer: Arc<AmazonS3>,
    bucket: String,
    public_base_url: Option<String>,
}

impl fmt::Debug for S3ImageStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3ImageStore").field("place", &self.objects.ctx.place).field("bucket", &self.bucket).finish()
    }
}

impl S3ImageStore {
    /// Builds the client. Nothing is sent yet: a wrong endpoint or key shows on first use
    /// (run [`crate::probe`] to check at start-up).
    pub fn new(config: S3Config) -> Result<Self, StorageError> {
        let ctx = ErrorContext {
            place: config.place(),
            bucket: config.bucket.clone(),
            access_key_id: Some(config.access_key_id.clone()),
            secret: Some(config.secret_access_key.clone()),
        };
        if config.bucket.is_empty() {
            return Err(StorageError::Other("the S3 bucket name is empty".into()));
        }
        let options = ClientOptions::new()
            .with_allow_http(config.allow_http)
            .with_connect_timeout(config.connect_timeout)
            .with_timeout(config.request_timeout);
        let mut builder = AmazonS3Builder::new()
            .with_region(&config.region)
            .with_bucket_name(&config.bucket)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose_secret())
            .with_virtual_hosted_style_request(config.virtual_hosted_style)
            .with_client_options(options)
            .with_retry(retry_policy());
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let s3 =
            Arc::new(builder.build().map_err(|e| {
                StorageError::Other(format!("invalid S3 configuration: {}", ctx.scrub(&e.to_string())))
            })?);
        Ok(Self {
            objects: Objects { store: s3.clone(), ctx, keeps_content_type: true, multipart: true },
            signer: s3,
            bucket: config.bucket,
            public_base_url: config.public_base_url.map(|u| u.trim_end_matches('/').to_owned()),
        })
    }
}

#[async_trait]
impl ImageStore for S3ImageStore {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn put(&self, key: &StorageKey, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        self.objects.put(key, bytes, content_type).await
    }

    async fn get(&self, key: &StorageKey) -> Result<Vec<u8>, StorageError> {
        self.objects.get(key).await
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        self.objects.delete(key).await
    }

    async fn exists(&self, key: &StorageKey) -> Result<bool, StorageError> {
        self.objects.exists(key, true).await
    }

    /// With a public base URL, a permanent URL (no request is made and `ttl` is ignored);
    /// otherwise a presigned GET valid for `ttl` (at least 1 s, at most 7 days). Presigning is
    /// local computation: it does not check that the object exists.
    async fn public_url(&self, key: &StorageKey, ttl: Duration) -> Result<Option<String>, StorageError> {
        if let Some(base) = &self.public_base_url {
            return Ok(Some(format!("{base}/{key}")));
        }
        let path = crate::objects::path_of(key)?;
        let ttl = ttl.clamp(Duration::from_secs(1), MAX_PRESIGN);
        let url =
            self.signer.signed_url(Method::GET, &path, ttl).await.map_err(|e| self.objects.ctx.map(e, Some(key)))?;
        Ok(Some(url.to_string()))
    }
}
