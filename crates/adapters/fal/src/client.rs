//! The `ImageGenerator` port over FAL's queue API.
//!
//! Every call goes to a URL FAL gave us when it can (the submit answer's status, response and
//! cancel URLs); the `{queue}/{owner}/{app}/requests/{id}` form is only a fallback for a job
//! stored without them. Transient failures are retried a few times with jittered backoff
//! inside the call; everything else is returned at once, classified.
//!
//! This module holds the client and its settings; [`request`] builds what each request sends,
//! [`http`] makes the authenticated calls (retries, classification), [`queue`] speaks the queue
//! protocol (the `ImageGenerator` port), and [`files`] moves files to and from FAL.

mod files;
mod http;
mod queue;
mod request;

use crate::config::FalConfig;
use crate::models::ModelKind;
use crate::webhook::WebhookVerifier;
use reqwest::Url;
use reqwest::header::HeaderValue;
use secrecy::ExposeSecret;

/// The lifecycle header of a queue submit (and, from fal_client, of uploads).
const LIFECYCLE_PREFERENCE: &str = "x-fal-object-lifecycle-preference";
/// The lifecycle header fal-js sends with a storage upload (`lifecycle` option,
/// `libs/client/src/storage.ts`); fal_client sends both (`upload(..., lifecycle=…)`).
const LIFECYCLE: &str = "x-fal-object-lifecycle";

/// Building the client failed: a setting is unusable.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the FAL key contains characters that cannot go in an HTTP header")]
    Key,
    #[error("invalid FAL URL setting {name}: {reason}")]
    Url { name: &'static str, reason: String },
    #[error("could not build the HTTP client: {0}")]
    Http(String),
}

/// The FAL adapter. Cheap to share behind an `Arc`; one connection pool for all calls.
#[derive(Clone, Debug)]
pub struct FalClient {
    http: reqwest::Client,
    config: FalConfig,
    auth: HeaderValue,
}

impl FalClient {
    pub fn new(config: FalConfig) -> Result<Self, SetupError> {
        for (name, url) in [
            ("queue_base", Some(&config.queue_base)),
            ("rest_base", Some(&config.rest_base)),
            ("jwks_url", Some(&config.jwks_url)),
            ("api_base", Some(&config.api_base)),
            ("webhook_url", config.webhook_url.as_ref()),
        ] {
            if let Some(url) = url {
                Url::parse(url).map_err(|e| SetupError::Url { name, reason: e.to_string() })?;
            }
        }
        let mut auth =
            HeaderValue::from_str(&format!("Key {}", config.key.expose_secret())).map_err(|_| SetupError::Key)?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("aisha/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SetupError::Http(e.to_string()))?;
        Ok(Self { http, config, auth })
    }

    pub fn config(&self) -> &FalConfig {
        &self.config
    }

    /// The family a stored job's model belongs to, for reading its webhook.
    pub fn model_kind(&self, model: &str) -> ModelKind {
        ModelKind::of(&self.config.models, model)
    }

    /// A webhook verifier that fetches keys from the configured JWKS URL with this client's
    /// connection pool.
    pub fn webhook_verifier(&self) -> WebhookVerifier {
        WebhookVerifier::new(self.http.clone(), &self.config.jwks_url)
    }
}
