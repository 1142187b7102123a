//! [`Knobs`]: everything that can go wrong at FAL (or just take time), switched on while the
//! emulator runs, through struct methods or `GET`/`PUT /_control/knobs` with the same JSON.

use serde::{Deserialize, Serialize};

/// Runtime behaviour. Durations are in milliseconds so the JSON control API stays plain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Knobs {
    /// The accepted key; `None` accepts any `Authorization: Key …`. A missing header is
    /// always 401.
    pub api_key: Option<String>,
    /// Added before every API answer (queue and storage; not files).
    pub latency_ms: u64,
    /// How long a job waits IN_QUEUE, then runs IN_PROGRESS, before COMPLETED.
    pub queue_ms: u64,
    pub run_ms: u64,
    /// Share of API calls (0.0–1.0) answered with `error_status` instead, decided by a
    /// generator seeded with `seed`.
    pub error_rate: f64,
    pub error_status: u16,
    pub seed: u64,
    /// "User is locked: exhausted balance": 403 on submit and storage upload.
    pub locked: bool,
    /// A prompt (or trainer trigger) containing this completes with a 422 naming `prompt`.
    pub invalid_marker: Option<String>,
    /// … completes with a 422 `content_policy_violation`.
    pub content_policy_marker: Option<String>,
    /// … gets `nsfw_count` of its images flagged (all when `None`): flux-lora returns them
    /// black with `has_nsfw_concepts` true, Imagen leaves them out, as its filter does.
    pub nsfw_marker: Option<String>,
    pub nsfw_count: Option<u8>,
    /// … returns one image fewer than asked, or a training without its LoRA file.
    pub short_marker: Option<String>,
    /// … never completes.
    pub stuck_marker: Option<String>,
    /// … completes, but its result is a 500: FAL reports it COMPLETED with an `error`, the
    /// result answers 500, and the webhook says `ERROR` with "Invalid status code: 500".
    pub server_error_marker: Option<String>,
    /// Model ids answered 404 "Application not found", as for a model the provider retired
    /// (and missing from the platform API's model list).
    pub retired_models: Vec<String>,
    /// Model ids the platform API lists with `status: "deprecated"`.
    pub deprecated_models: Vec<String>,
    /// Result files and uploads older than this are gone (404), as FAL's CDN forgets files
    /// past their retention. An upload's own lifecycle header may make it shorter.
    pub file_ttl_ms: Option<u64>,
    /// Whether cancelling an IN_PROGRESS job stops it (FAL leaves that to the app).
    pub honor_cancel_running: bool,
    /// Files are sent without a Content-Length, in chunks.
    pub chunked_files: bool,
    pub webhooks: WebhookKnobs,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            api_key: None,
            latency_ms: 0,
            queue_ms: 30,
            run_ms: 60,
            error_rate: 0.0,
            error_status: 503,
            seed: 7,
            locked: false,
            invalid_marker: None,
            content_policy_marker: None,
            nsfw_marker: None,
            nsfw_count: None,
            short_marker: None,
            stuck_marker: None,
            server_error_marker: None,
            retired_models: Vec::new(),
            deprecated_models: Vec::new(),
            file_ttl_ms: None,
            honor_cancel_running: true,
            chunked_files: false,
            webhooks: WebhookKnobs::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookKnobs {
    /// Off: `fal_webhook` is accepted and ignored.
    pub enabled: bool,
    pub delay_ms: u64,
    /// Extra copies of every delivery.
    pub duplicates: u32,
    /// Keep deliveries until [`FalEmulator::release_webhooks`](super::FalEmulator::release_webhooks).
    pub hold: bool,
    /// Sign with a key the JWKS does not publish.
    pub bad_signature: bool,
    /// Added to the signed timestamp (negative: in the past).
    pub skew_secs: i64,
    /// Further attempts when the receiver does not answer 2xx.
    pub retries: u32,
    pub retry_ms: u64,
    /// For a job done the moment it is queued, send one copy before answering the submit:
    /// a webhook that outruns its own submit.
    pub early: bool,
    /// Deliveries carry a `gateway_request_id` other than the `request_id`, as after FAL
    /// retried the request inside its gateway.
    pub gateway_id_differs: bool,
}

impl Default for WebhookKnobs {
    fn default() -> Self {
        Self {
            enabled: true,
            delay_ms: 0,
            duplicates: 0,
            hold: false,
            bad_signature: false,
            skew_secs: 0,
            retries: 2,
            retry_ms: 50,
            early: false,
            gateway_id_differs: false,
        }
    }
}
