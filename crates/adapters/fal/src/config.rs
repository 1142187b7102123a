//! What the client needs to know: where FAL lives, which models to call, how long to wait and
//! how often to try again. Everything has a production default except the key.

use secrecy::SecretString;
use std::time::Duration;

/// The FAL client's settings. `Debug` is safe to log: the key prints as redacted.
#[derive(Clone, Debug)]
pub struct FalConfig {
    /// Sent as `Authorization: Key …` to the queue and storage APIs only, never to file hosts.
    pub key: SecretString,
    /// The queue host: submit, status, result, cancel.
    pub queue_base: String,
    /// The REST host: storage uploads.
    pub rest_base: String,
    /// Public keys that sign webhooks.
    pub jwks_url: String,
    /// The platform API (`aisha doctor`: key and model checks).
    pub api_base: String,
    pub models: ModelIds,
    /// Where FAL should call back when a job is done; without it the runner polls.
    pub webhook_url: Option<String>,
    pub connect_timeout: Duration,
    /// One API call (not counting retries).
    pub request_timeout: Duration,
    /// One result download or archive upload.
    pub transfer_timeout: Duration,
    /// Results larger than this are refused while downloading.
    pub max_download_bytes: u64,
    /// Trained LoRA weights (FLUX LoRAs are tens to a few hundred MB) larger than this are
    /// not copied.
    pub max_lora_bytes: u64,
    pub retry: RetryPolicy,
    /// Asked of every image model. JPEG keeps results under Telegram's photo limits.
    pub output_format: OutputFormat,
    /// The avatar's weight in "photos with me".
    pub lora_scale: f32,
    /// Trainer steps; `None` leaves the trainer's own default.
    pub training_steps: Option<u32>,
    /// How long FAL keeps an uploaded training archive (people's photos): long enough for
    /// the training to start, no longer.
    pub archive_lifetime: Duration,
    /// How long FAL keeps a trained LoRA and each re-upload of it. Our own copy is the lasting
    /// one, and the runner replaces the URL before this runs out (its `lora_max_age` is
    /// shorter), so FAL holds the weights of a face no longer than needed.
    pub lora_lifetime: Duration,
}

impl FalConfig {
    pub const QUEUE_BASE: &'static str = "https://queue.fal.run";
    pub const REST_BASE: &'static str = "https://rest.fal.ai";
    pub const JWKS_URL: &'static str = "https://rest.alpha.fal.ai/.well-known/jwks.json";
    pub const API_BASE: &'static str = "https://api.fal.ai";

    /// Production defaults around `key`.
    pub fn new(key: SecretString) -> Self {
        Self {
            key,
            queue_base: Self::QUEUE_BASE.to_owned(),
            rest_base: Self::REST_BASE.to_owned(),
            jwks_url: Self::JWKS_URL.to_owned(),
            api_base: Self::API_BASE.to_owned(),
            models: ModelIds::default(),
            webhook_url: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            transfer_timeout: Duration::from_secs(120),
            max_download_bytes: 25 * 1024 * 1024,
            max_lora_bytes: 1024 * 1024 * 1024,
            retry: RetryPolicy::default(),
            output_format: OutputFormat::Jpeg,
            lora_scale: 1.0,
            training_steps: None,
            archive_lifetime: Duration::from_secs(24 * 3600),
            lora_lifetime: Duration::from_secs(7 * 24 * 3600),
        }
    }

    /// Points every host at one server (the sandbox emulator serves queue, REST and JWKS).
    pub fn at(mut self, base: &str) -> Self {
        let base = base.trim_end_matches('/');
        self.queue_base = base.to_owned();
        self.rest_base = base.to_owned();
        self.api_base = base.to_owned();
        self.jwks_url = format!("{base}/.well-known/jwks.json");
        self
    }
}

/// The avatar models' ids. Text-to-image models come with each request, from the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelIds {
    pub flux_lora: String,
    pub trainer: String,
    /// Which input dialect `trainer` speaks.
    pub trainer_kind: Trainer,
}

impl Default for ModelIds {
    fn default() -> Self {
        Self {
            flux_lora: "fal-ai/flux-lora".to_owned(),
            trainer: Trainer::FastTraining.default_id().to_owned(),
            trainer_kind: Trainer::FastTraining,
        }
    }
}

impl ModelIds {
    /// Switches the trainer, with its default id.
    pub fn with_trainer(mut self, trainer: Trainer) -> Self {
        self.trainer = trainer.default_id().to_owned();
        self.trainer_kind = trainer;
        self
    }
}

/// The two LoRA trainers differ in what they call the trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trainer {
    /// `fal-ai/flux-lora-fast-training`: `trigger_word`.
    FastTraining,
    /// `fal-ai/flux-lora-portrait-trainer`: `trigger_phrase`.
    Portrait,
}

impl Trainer {
    pub const ALL: [Trainer; 2] = [Trainer::FastTraining, Trainer::Portrait];

    /// The trainer an endpoint id names, so the trigger goes in the field that trainer reads.
    pub fn of(id: &str) -> Option<Trainer> {
        Self::ALL.into_iter().find(|t| t.default_id() == id.trim_matches('/'))
    }

    pub fn default_id(self) -> &'static str {
        match self {
            Trainer::FastTraining => "fal-ai/flux-lora-fast-training",
            Trainer::Portrait => "fal-ai/flux-lora-portrait-trainer",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Jpeg,
    Png,
}

impl OutputFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpeg",
            OutputFormat::Png => "png",
        }
    }
}

/// Retries inside one call, for transient failures only. Kept short on purpose: the runner
/// has its own, much longer backoff between attempts, and a worker should not sit on one job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Further tries after the first; 0 disables retrying.
    pub retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { retries: 3, min_delay: Duration::from_millis(200), max_delay: Duration::from_secs(2) }
    }
}
