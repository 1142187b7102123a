//! Files: uploads to FAL's storage (training archives, LoRAs, the assistant's photos),
//! downloads of results capped in size, and the check that FAL still serves a file.

use super::http::{json, send};
use super::{FalClient, LIFECYCLE, LIFECYCLE_PREFERENCE};
use crate::errors::{self, Attempt, Op};
use crate::models::upload_initiate_body;
use aisha_domain::ports::{ProviderError, ProviderErrorKind};
use backon::Retryable;
use bytes::Bytes;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;

impl FalClient {
    /// FAL's storage upload: initiate (with the lifetime in the lifecycle headers; `None`
    /// keeps the file), then a PUT of the bytes to the signed URL.
    pub(super) async fn upload(
        &self,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
        lifetime: Option<std::time::Duration>,
    ) -> Result<String, ProviderError> {
        let url =
            format!("{}/storage/upload/initiate?storage_type=fal-cdn-v3", self.config.rest_base.trim_end_matches('/'));
        let ask = upload_initiate_body(file_name, content_type);
        let lifetime = serde_json::json!({"expiration_duration_seconds": lifetime.map(|d| d.as_secs())}).to_string();
        let headers = [(LIFECYCLE, lifetime.clone()), (LIFECYCLE_PREFERENCE, lifetime)];
        let answer =
            self.api_call(Op::Read, Method::POST, &url, Some(&ask), &headers, &[]).await.map_err(|a| a.error)?;
        let target: UploadTarget = serde_json::from_value(json(&answer)?).map_err(|e| {
            ProviderError::new(ProviderErrorKind::Transient, format!("unreadable upload answer from FAL: {e}"))
        })?;
        let bytes = Bytes::from(bytes);
        // a signed URL: no key goes with it
        let put = || async {
            let req = self
                .http
                .put(&target.upload_url)
                .header(CONTENT_TYPE, content_type)
                .timeout(self.config.transfer_timeout)
                .body(bytes.clone());
            send(Op::Read, req, &[]).await
        };
        put.retry(self.backoff()).when(|a: &Attempt| a.retry).await.map_err(|a| a.error)?;
        Ok(target.file_url)
    }

    /// Uploads bytes to FAL's storage, kept `lifetime`, and returns their URL (for the
    /// prompt assistant's photo).
    pub(crate) async fn upload_for(
        &self,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
        lifetime: std::time::Duration,
    ) -> Result<String, ProviderError> {
        self.upload(file_name, content_type, bytes, Some(lifetime)).await
    }

    /// A public file, refused past `cap` bytes (checked against Content-Length and again
    /// while streaming), with transient failures retried.
    pub(super) async fn fetch(&self, url: &str, cap: u64) -> Result<Vec<u8>, ProviderError> {
        let attempt = || async {
            // result files are public CDN objects: no key goes with them
            let mut resp = self
                .http
                .get(url)
                .timeout(self.config.transfer_timeout)
                .send()
                .await
                .map_err(|e| errors::transport(Op::Read, &e))?;
            let status = resp.status();
            if !status.is_success() {
                let transient = status.is_server_error() || matches!(status.as_u16(), 408 | 429);
                let kind = if transient { ProviderErrorKind::Transient } else { ProviderErrorKind::NotFound };
                let error = ProviderError::new(kind, format!("downloading a result failed: HTTP {status}"));
                return Err(Attempt { error, retry: transient, request_id: None });
            }
            let too_large = |size: u64| Attempt {
                error: ProviderError::new(
                    ProviderErrorKind::InvalidInput,
                    format!("a result file is larger than the {cap}-byte limit ({size} bytes or more)"),
                ),
                retry: false,
                request_id: None,
            };
            let declared = resp.content_length();
            if let Some(len) = declared
                && len > cap
            {
                return Err(too_large(len));
            }
            let mut buf = Vec::with_capacity(usize::try_from(declared.unwrap_or(0).min(cap)).unwrap_or(0));
            while let Some(chunk) = resp.chunk().await.map_err(|e| errors::transport(Op::Read, &e))? {
                let size = (buf.len() + chunk.len()) as u64;
                if size > cap {
                    return Err(too_large(size));
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(buf)
        };
        attempt.retry(self.backoff()).when(|a: &Attempt| a.retry).await.map_err(|a| a.error)
    }

    /// Whether FAL still serves the file at `url`: one byte of it, any 4xx but 408/429 meaning
    /// it is gone for us.
    pub(super) async fn is_served(&self, url: &str) -> Result<bool, ProviderError> {
        // one byte is enough to know; a public CDN object, so no key goes with it
        let attempt = || async {
            let resp = self
                .http
                .get(url)
                .header(reqwest::header::RANGE, "bytes=0-0")
                .timeout(self.config.request_timeout)
                .send()
                .await
                .map_err(|e| errors::transport(Op::Read, &e))?;
            match resp.status().as_u16() {
                200..=299 => Ok(true),
                // any refusal but "slow down": the file is not there for us, re-upload it
                status @ 400..=499 if !matches!(status, 408 | 429) => Ok(false),
                status => {
                    let transient = status >= 500 || matches!(status, 408 | 429);
                    let error = ProviderError::new(
                        ProviderErrorKind::Transient,
                        format!("checking a provider file answered HTTP {status}"),
                    );
                    Err(Attempt { error, retry: transient, request_id: None })
                }
            }
        };
        attempt.retry(self.backoff()).when(|a: &Attempt| a.retry).await.map_err(|a| a.error)
    }
}

#[derive(Deserialize)]
struct UploadTarget {
    upload_url: String,
    file_url: String,
}
