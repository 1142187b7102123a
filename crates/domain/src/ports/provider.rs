//! The image provider (FAL).

use crate::avatar::Lora;
use crate::generation::{AspectRatio, Failure, FailureKind, ProviderRef};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What to ask the provider for. Built by the domain from a job, with the avatar's LoRA and
/// trigger already applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderRequest {
    /// A catalog model: the provider side of its entry travels with the request. `seed`
    /// comes from the job id: a retried job asks for the same pictures, and its request can be
    /// told apart from every other job's in the provider's history.
    Text {
        prompt: String,
        aspect: AspectRatio,
        count: u8,
        model: crate::catalog::ProviderModel,
        seed: u32,
    },
    LoraImages {
        prompt: String,
        lora_url: String,
        aspect: AspectRatio,
        count: u8,
        seed: u32,
    },
    Training {
        archive_url: String,
        trigger: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub provider: ProviderRef,
    pub queue_position: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderStatus {
    Queued {
        position: Option<u32>,
    },
    Running,
    /// Finished; the result may still be a failure, which `result` reports.
    Completed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderImage {
    pub url: String,
    /// Flagged by the provider's safety checker: withheld from the user and refunded.
    pub nsfw: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderOutput {
    Images(Vec<ProviderImage>),
    /// `None`: the trainer finished without a LoRA file, which is a failure.
    Lora(Option<Lora>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProviderErrorKind {
    ContentPolicy,
    /// 422: a parameter was refused; the detail names it.
    InvalidInput,
    /// 403 "locked" / exhausted balance: operators must top up the provider account.
    OutOfCredit,
    /// 401: the key is wrong.
    Auth,
    NotFound,
    /// 429, 5xx, timeouts, connection errors: worth retrying with backoff.
    Transient,
    /// The provider ran the job and it ended in the provider's own server error, after the
    /// provider's own retries (FAL: COMPLETED with a 5xx result, or an `ERROR` webhook with
    /// "Invalid status code: 5xx"). Final: refunded at once, not retried until the deadline.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {detail}")]
pub struct ProviderError {
    pub kind: ProviderErrorKind,
    pub detail: String,
}

impl ProviderError {
    pub fn new(kind: ProviderErrorKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into() }
    }

    pub fn is_retryable(&self) -> bool {
        self.kind == ProviderErrorKind::Transient
    }

    /// How a job that met this error ends, as the user is told.
    pub fn failure(&self) -> Failure {
        let kind = match self.kind {
            ProviderErrorKind::ContentPolicy => FailureKind::ContentPolicy,
            ProviderErrorKind::InvalidInput => FailureKind::InvalidInput,
            ProviderErrorKind::OutOfCredit
            | ProviderErrorKind::Auth
            | ProviderErrorKind::NotFound
            | ProviderErrorKind::Transient
            | ProviderErrorKind::Failed => FailureKind::ProviderUnavailable,
        };
        Failure::new(kind, self.detail.clone())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    Requested,
    AlreadyCompleted,
    NotFound,
}

#[async_trait]
pub trait ImageGenerator: Send + Sync {
    /// Queues the request; with `webhook` the provider also calls back when done.
    async fn submit(&self, request: &ProviderRequest, webhook: bool) -> Result<Submitted, ProviderError>;
    async fn status(&self, job: &ProviderRef) -> Result<ProviderStatus, ProviderError>;
    /// The output of a completed request, or the error it completed with.
    async fn result(&self, job: &ProviderRef) -> Result<ProviderOutput, ProviderError>;
    async fn cancel(&self, job: &ProviderRef) -> Result<CancelOutcome, ProviderError>;
    /// Uploads a training archive and returns the URL the trainer reads it from.
    async fn upload_archive(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError>;
    /// Downloads a result file.
    async fn download(&self, url: &str) -> Result<Vec<u8>, ProviderError>;
    /// The request for exactly this input made since `since`, if the provider has one: asked
    /// before submitting a job again whose earlier submit may have reached the provider.
    async fn find_submitted(
        &self,
        request: &ProviderRequest,
        since: DateTime<Utc>,
    ) -> Result<Option<Submitted>, ProviderError>;
    /// Downloads trained LoRA weights (far larger than an image) to keep a copy.
    async fn fetch_lora(&self, url: &str) -> Result<Vec<u8>, ProviderError>;
    /// Uploads LoRA weights from our copy, asking the provider to keep them, and returns the
    /// URL generations read them from.
    async fn upload_lora(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError>;
    /// Whether the provider still serves a file it gave us (`false`: gone, 403/404/410).
    async fn still_served(&self, url: &str) -> Result<bool, ProviderError>;
}
