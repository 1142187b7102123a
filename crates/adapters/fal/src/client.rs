//! The `ImageGenerator` port over FAL's queue API.
//!
//! Every call goes to a URL FAL gave us when it can (the submit answer's status, response and
//! cancel URLs); the `{queue}/{owner}/{app}/requests/{id}` form is only a fallback for a job
//! stored without them. Transient failures are retried a few times with jittered backoff
//! inside the call; everything else is returned at once, classified.

use crate::config::FalConfig;
use crate::dialects::Dialect;
use crate::errors::{self, Attempt, Op};
use crate::models::{FluxLoraInput, ModelKind, TrainerInput, decode_output, owner_app, upload_initiate_body};
use crate::webhook::WebhookVerifier;
use aisha_domain::generation::ProviderRef;
use aisha_domain::ports::{
    CancelOutcome, ImageGenerator, ProviderError, ProviderErrorKind, ProviderOutput, ProviderRequest, ProviderStatus,
    Submitted,
};
use async_trait::async_trait;
use backon::{ExponentialBuilder, Retryable};
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode, Url};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::Value;

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

/// What an accepted HTTP answer carried.
struct Answer {
    status: StatusCode,
    body: Bytes,
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

    /// The model and its input for a request. A catalog entry whose dialect this adapter
    /// does not speak is refused at start (`dialects::catalog_problems`); one that slips
    /// through is an input error, refunded, not a panic.
    pub fn input_for(&self, request: &ProviderRequest) -> Result<(String, Value), ProviderError> {
        let c = &self.config;
        let to_value = |v: Result<Value, serde_json::Error>| v.expect("model inputs always serialize");
        Ok(match request {
            ProviderRequest::Text { prompt, aspect, count, model, seed } => {
                let dialect = Dialect::parse(&model.dialect).ok_or_else(|| {
                    ProviderError::new(
                        ProviderErrorKind::InvalidInput,
                        format!("no input dialect {:?} for {}", model.dialect, model.endpoint),
                    )
                })?;
                let input = dialect.input(prompt, *aspect, *count, model.resolution.as_deref(), c.output_format, *seed);
                (model.endpoint.clone(), input)
            }
            ProviderRequest::LoraImages { prompt, lora_url, aspect, count, seed } => {
                let input = FluxLoraInput::new(prompt, lora_url, c.lora_scale, *aspect, *count, c.output_format, *seed);
                (c.models.flux_lora.clone(), to_value(serde_json::to_value(input)))
            }
            ProviderRequest::Training { archive_url, trigger } => {
                let input = TrainerInput::new(c.models.trainer_kind, archive_url, trigger, c.training_steps);
                (c.models.trainer.clone(), to_value(serde_json::to_value(input)))
            }
        })
    }

    /// How long FAL keeps what a request produces. A training's LoRA is kept for
    /// `lora_lifetime`, longer than FAL's default and longer than the runner uses the URL
    /// before uploading our copy again; image results are copied into our storage at once and
    /// keep FAL's default. Header and shape: FAL's docs ("Media expiration") and fal-js
    /// `storageSettings` → `x-fal-object-lifecycle-preference` (`libs/client/src/storage.ts`,
    /// 381105e, 2026-08-02).
    fn lifecycle_for(&self, request: &ProviderRequest) -> Vec<(&'static str, String)> {
        match request {
            ProviderRequest::Training { .. } => {
                let secs = self.config.lora_lifetime.as_secs();
                vec![(LIFECYCLE_PREFERENCE, serde_json::json!({"expiration_duration_seconds": secs}).to_string())]
            }
            _ => Vec::new(),
        }
    }

    /// An authenticated GET on the platform API with `?endpoint_id=`.
    pub(crate) async fn platform_get(&self, path: &str, endpoint: &str) -> Result<Value, ProviderError> {
        self.platform_get_with(path, endpoint, &[]).await
    }

    /// [`platform_get`](Self::platform_get) with more query parameters.
    pub(crate) async fn platform_get_with(
        &self,
        path: &str,
        endpoint: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ProviderError> {
        let mut url = Url::parse(&format!("{}{path}", self.config.api_base.trim_end_matches('/')))
            .map_err(|e| ProviderError::new(ProviderErrorKind::InvalidInput, format!("bad FAL api_base: {e}")))?;
        url.query_pairs_mut().append_pair("endpoint_id", endpoint);
        for (k, v) in query {
            url.query_pairs_mut().append_pair(k, v);
        }
        let answer = self.api(Op::Read, Method::GET, url.as_str(), None, &[]).await?;
        json(&answer)
    }

    fn fallback(&self, job: &ProviderRef, tail: &str) -> String {
        format!(
            "{}/{}/requests/{}{tail}",
            self.config.queue_base.trim_end_matches('/'),
            owner_app(&job.model),
            job.request_id
        )
    }

    fn backoff(&self) -> ExponentialBuilder {
        let p = self.config.retry;
        ExponentialBuilder::default()
            .with_min_delay(p.min_delay)
            .with_max_delay(p.max_delay)
            .with_max_times(p.retries)
            .with_jitter()
    }

    /// Sends an authenticated API request, retrying what `op` allows (see `errors`). Answers
    /// outside 2xx are errors unless listed in `accept`.
    async fn api(
        &self,
        op: Op,
        method: Method,
        url: &str,
        body: Option<&Value>,
        accept: &[StatusCode],
    ) -> Result<Answer, ProviderError> {
        self.api_call(op, method, url, body, &[], accept).await.map_err(|a| a.error)
    }

    /// [`api`](Self::api) with extra headers, keeping the failed attempt's request id.
    async fn api_call(
        &self,
        op: Op,
        method: Method,
        url: &str,
        body: Option<&Value>,
        headers: &[(&'static str, String)],
        accept: &[StatusCode],
    ) -> Result<Answer, Attempt> {
        let url = Url::parse(url).map_err(|e| Attempt {
            error: ProviderError::new(ProviderErrorKind::NotFound, format!("bad FAL URL {url:?}: {e}")),
            retry: false,
            request_id: None,
        })?;
        let body = body.map(|b| Bytes::from(serde_json::to_vec(b).expect("JSON values serialize")));
        let attempt = || async {
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .header(AUTHORIZATION, self.auth.clone())
                .timeout(self.config.request_timeout);
            for (name, value) in headers {
                req = req.header(*name, value.as_str());
            }
            if let Some(b) = &body {
                req = req.header(CONTENT_TYPE, "application/json").body(b.clone());
            }
            send(op, req, accept).await
        };
        attempt
            .retry(self.backoff())
            .when(|a: &Attempt| a.retry)
            .notify(|a: &Attempt, after| {
                tracing::debug!(%method, error = %a.error, ?after, "FAL call failed; trying again");
            })
            .await
    }

    /// After a submit answered with a server error that carries a request id, asks FAL
    /// whether that request exists before anyone submits again: FAL's app saw it, and may
    /// have queued it.
    async fn adopt(&self, model: &str, request_id: &str) -> Option<Submitted> {
        let provider = ProviderRef {
            request_id: request_id.to_owned(),
            model: model.to_owned(),
            status_url: None,
            response_url: None,
            cancel_url: None,
        };
        match self.status(&provider).await {
            Ok(status) => {
                tracing::warn!(%model, %request_id, "FAL answered a submit with an error but has the request; following it");
                let queue_position = match status {
                    ProviderStatus::Queued { position } => position,
                    _ => None,
                };
                Some(Submitted { provider, queue_position })
            }
            Err(_) => None,
        }
    }
}

async fn send(op: Op, req: RequestBuilder, accept: &[StatusCode]) -> Result<Answer, Attempt> {
    let resp = req.send().await.map_err(|e| errors::transport(op, &e))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.map_err(|e| errors::transport(op, &e))?;
    if status.is_success() || accept.contains(&status) {
        Ok(Answer { status, body })
    } else {
        Err(errors::classify(op, status.as_u16(), &headers, &body))
    }
}

fn json(answer: &Answer) -> Result<Value, ProviderError> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        ProviderError::new(
            ProviderErrorKind::Transient,
            format!("FAL answered {} with unreadable JSON: {e}", answer.status),
        )
    })
}

#[derive(Deserialize)]
struct SubmitBody {
    request_id: Option<String>,
    status_url: Option<String>,
    response_url: Option<String>,
    cancel_url: Option<String>,
    queue_position: Option<u32>,
}

#[derive(Deserialize)]
struct StatusBody {
    status: Option<String>,
    queue_position: Option<u32>,
}

#[derive(Deserialize)]
struct CancelBody {
    status: Option<String>,
}

#[derive(Deserialize)]
struct UploadTarget {
    upload_url: String,
    file_url: String,
}

#[async_trait]
impl ImageGenerator for FalClient {
    async fn submit(&self, request: &ProviderRequest, webhook: bool) -> Result<Submitted, ProviderError> {
        let (model, input) = self.input_for(request)?;
        let mut url = Url::parse(&format!("{}/{model}", self.config.queue_base.trim_end_matches('/')))
            .map_err(|e| ProviderError::new(ProviderErrorKind::InvalidInput, format!("bad model id {model:?}: {e}")))?;
        match (&self.config.webhook_url, webhook) {
            (Some(hook), true) => {
                url.query_pairs_mut().append_pair("fal_webhook", hook);
            }
            (None, true) => tracing::debug!("a webhook was asked for but none is configured; the job will be polled"),
            _ => {}
        }
        let headers = self.lifecycle_for(request);
        let answer = match self.api_call(Op::Submit, Method::POST, url.as_str(), Some(&input), &headers, &[]).await {
            Ok(a) => a,
            Err(Attempt { error, request_id: Some(id), .. }) if error.kind == ProviderErrorKind::Transient => {
                return self.adopt(&model, &id).await.ok_or(error);
            }
            Err(a) => return Err(a.error),
        };
        let body: SubmitBody = serde_json::from_value(json(&answer)?).map_err(|e| {
            ProviderError::new(ProviderErrorKind::Transient, format!("unreadable submit answer from FAL: {e}"))
        })?;
        let request_id = body.request_id.filter(|id| !id.is_empty()).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Transient, "FAL accepted the job without a request id")
        })?;
        tracing::debug!(%model, %request_id, "submitted to FAL");
        Ok(Submitted {
            provider: ProviderRef {
                request_id,
                model,
                status_url: body.status_url,
                response_url: body.response_url,
                cancel_url: body.cancel_url,
            },
            queue_position: body.queue_position,
        })
    }

    async fn status(&self, job: &ProviderRef) -> Result<ProviderStatus, ProviderError> {
        let url = job.status_url.clone().unwrap_or_else(|| self.fallback(job, "/status"));
        let answer = self.api(Op::Read, Method::GET, &url, None, &[]).await?;
        let body: StatusBody = serde_json::from_value(json(&answer)?).map_err(|e| {
            ProviderError::new(ProviderErrorKind::Transient, format!("unreadable status from FAL: {e}"))
        })?;
        Ok(match body.status.as_deref() {
            Some("IN_QUEUE") => ProviderStatus::Queued { position: body.queue_position },
            Some("IN_PROGRESS") => ProviderStatus::Running,
            Some("COMPLETED") => ProviderStatus::Completed,
            other => {
                // not one of the three documented states: keep following it rather than guess
                tracing::warn!(request_id = %job.request_id, status = ?other, "unknown FAL status; treated as running");
                ProviderStatus::Running
            }
        })
    }

    async fn result(&self, job: &ProviderRef) -> Result<ProviderOutput, ProviderError> {
        let url = job.response_url.clone().unwrap_or_else(|| self.fallback(job, ""));
        let answer = self.api(Op::Result, Method::GET, &url, None, &[]).await?;
        decode_output(Some(self.model_kind(&job.model)), &json(&answer)?)
    }

    async fn cancel(&self, job: &ProviderRef) -> Result<CancelOutcome, ProviderError> {
        let url = job.cancel_url.clone().unwrap_or_else(|| self.fallback(job, "/cancel"));
        let accept = [StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND];
        let answer = self.api(Op::Read, Method::PUT, &url, None, &accept).await?;
        let status = serde_json::from_slice::<CancelBody>(&answer.body).ok().and_then(|b| b.status);
        match (answer.status, status.as_deref()) {
            (_, Some("ALREADY_COMPLETED")) => Ok(CancelOutcome::AlreadyCompleted),
            (_, Some("NOT_FOUND")) | (StatusCode::NOT_FOUND, _) => Ok(CancelOutcome::NotFound),
            (StatusCode::BAD_REQUEST, _) => {
                Err(errors::classify(Op::Read, 400, &reqwest::header::HeaderMap::new(), &answer.body).error)
            }
            _ => Ok(CancelOutcome::Requested),
        }
    }

    async fn upload_archive(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError> {
        // the archive holds people's faces: FAL keeps it only as long as the training needs it
        self.upload(file_name, "application/zip", bytes, Some(self.config.archive_lifetime)).await
    }

    async fn download(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        self.fetch(url, self.config.max_download_bytes).await
    }

    async fn fetch_lora(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        self.fetch(url, self.config.max_lora_bytes).await
    }

    async fn find_submitted(
        &self,
        request: &ProviderRequest,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Submitted>, ProviderError> {
        let (model, input) = self.input_for(request)?;
        // a little before the job was created, for clocks that disagree
        let start = (since - chrono::Duration::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // a training's archive is uploaded again for each attempt; its avatar cannot have two
        // trainings at once, so the trigger and the trainer tell its request apart
        let ignore: &[&str] = match request {
            ProviderRequest::Training { .. } => &["images_data_url"],
            _ => &[],
        };
        let found = self.find_request(&model, &input, ignore, &start).await?;
        Ok(found.map(|request_id| Submitted {
            provider: ProviderRef { request_id, model, status_url: None, response_url: None, cancel_url: None },
            queue_position: None,
        }))
    }

    async fn upload_lora(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError> {
        let url = self.upload(file_name, "application/octet-stream", bytes, Some(self.config.lora_lifetime)).await?;
        metrics::counter!("aisha_lora_reuploads_total").increment(1);
        Ok(url)
    }

    async fn still_served(&self, url: &str) -> Result<bool, ProviderError> {
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

impl FalClient {
    /// FAL's storage upload: initiate (with the lifetime in the lifecycle headers; `None`
    /// keeps the file), then a PUT of the bytes to the signed URL.
    async fn upload(
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

    /// Submits `input` to `endpoint` on the queue, reads its status every `poll_every` until it
    /// completes, and returns the result's JSON: for short requests whose caller waits (the
    /// prompt assistant), never for jobs. The caller bounds the whole with its own timeout.
    pub(crate) async fn run_and_wait(
        &self,
        endpoint: &str,
        input: &Value,
        poll_every: std::time::Duration,
    ) -> Result<Value, ProviderError> {
        let url = format!("{}/{endpoint}", self.config.queue_base.trim_end_matches('/'));
        let answer = self.api(Op::Submit, Method::POST, &url, Some(input), &[]).await?;
        let body: SubmitBody = serde_json::from_value(json(&answer)?).map_err(|e| {
            ProviderError::new(ProviderErrorKind::Transient, format!("unreadable submit answer from FAL: {e}"))
        })?;
        let request_id = body.request_id.filter(|id| !id.is_empty()).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Transient, "FAL accepted the request without a request id")
        })?;
        let job = ProviderRef {
            request_id,
            model: endpoint.to_owned(),
            status_url: body.status_url,
            response_url: body.response_url,
            cancel_url: body.cancel_url,
        };
        loop {
            if self.status(&job).await? == ProviderStatus::Completed {
                break;
            }
            tokio::time::sleep(poll_every).await;
        }
        let url = job.response_url.clone().unwrap_or_else(|| self.fallback(&job, ""));
        let answer = self.api(Op::Result, Method::GET, &url, None, &[]).await?;
        json(&answer)
    }

    /// A public file, refused past `cap` bytes (checked against Content-Length and again
    /// while streaming), with transient failures retried.
    async fn fetch(&self, url: &str, cap: u64) -> Result<Vec<u8>, ProviderError> {
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
}
