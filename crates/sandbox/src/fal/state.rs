//! The emulator's memory: every job with the outcome decided at submit, uploads, held webhook
//! deliveries, queued faults and the call log, under one lock; and what a completed job
//! answers.

use super::family::{self, Family};
use super::picture;
use super::{Call, Fault, Knobs, Phase, WebhookAttempt};
use ed25519_dalek::SigningKey;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What a job will end with, decided when it is submitted.
#[derive(Clone, Debug)]
pub(super) enum Outcome {
    Images {
        pictures: Vec<picture::Picture>,
        flags: Option<Vec<bool>>,
    },
    Lora {
        missing: bool,
        trigger: String,
    },
    /// A language model's answer.
    Text {
        output: String,
    },
    Error {
        status: u16,
        body: Value,
    },
}

#[derive(Debug)]
pub(super) struct Req {
    pub(super) seq: u64,
    pub(super) id: String,
    pub(super) model: String,
    pub(super) family: Family,
    pub(super) input: Value,
    pub(super) started_at: Instant,
    /// `None`: stuck.
    pub(super) done_at: Option<Instant>,
    pub(super) cancelled: bool,
    pub(super) outcome: Outcome,
    pub(super) webhook: Option<String>,
    pub(super) lifecycle: Option<Value>,
    pub(super) changed: Arc<Notify>,
}

impl Req {
    pub(super) fn phase(&self, now: Instant) -> Phase {
        match self.done_at {
            Some(t) if now >= t => Phase::Completed,
            _ if now >= self.started_at => Phase::InProgress,
            _ => Phase::InQueue,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Held {
    pub(super) url: String,
    pub(super) request_id: String,
    pub(super) body: Vec<u8>,
}

#[derive(Debug)]
pub(super) struct Upload {
    pub(super) file_name: String,
    pub(super) content_type: String,
    pub(super) bytes: Option<Vec<u8>>,
    pub(super) at: Instant,
    /// `expiration_duration_seconds` from the upload's lifecycle header.
    pub(super) expires_after: Option<Duration>,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) knobs: Knobs,
    pub(super) requests: HashMap<String, Req>,
    pub(super) next_seq: u64,
    pub(super) rng: u64,
    pub(super) api_faults: VecDeque<Fault>,
    pub(super) file_faults: VecDeque<Fault>,
    pub(super) uploads: HashMap<String, Upload>,
    pub(super) calls: VecDeque<Call>,
    pub(super) held: Vec<Held>,
    pub(super) webhook_log: Vec<WebhookAttempt>,
    /// Paths under `/_files/` that are gone, as a CDN file past its retention.
    pub(super) expired: std::collections::HashSet<String>,
    /// Submits still to be taken with their answer lost.
    pub(super) lost_answers: u32,
    /// Submits still to be taken but answered 503 with their `x-fal-request-id`.
    pub(super) failed_after_taking: u32,
}

pub(super) const MAX_CALLS_KEPT: usize = 20_000;

pub(super) struct Shared {
    pub(super) base: String,
    pub(super) key: SigningKey,
    /// Signs deliveries when `bad_signature` is on; never published.
    pub(super) rogue: SigningKey,
    pub(super) http: reqwest::Client,
    /// Bounds how many pictures are drawn at once, and so the memory their pixels take.
    pub(super) drawing: tokio::sync::Semaphore,
    /// Stops webhook deliveries still pending when the emulator goes away.
    pub(super) stopped: tokio_util::sync::CancellationToken,
    pub(super) state: Mutex<State>,
}

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a completed job answers on its result URL: the output, or the error status and body.
pub(super) fn result_of(base: &str, r: &Req) -> Result<Value, (u16, Value)> {
    match &r.outcome {
        Outcome::Images { pictures, flags } => {
            let prompt = r.input.get("prompt").and_then(Value::as_str).unwrap_or_default();
            Ok(family::images_output(r.family, base, &r.id, pictures, flags.as_deref(), prompt))
        }
        Outcome::Lora { missing, .. } => Ok(family::training_output(base, &r.id, *missing)),
        Outcome::Text { output } => {
            let (asked, answered) = (r.input.to_string().len() / 4, output.len() / 4);
            Ok(serde_json::json!({
                "output": output,
                "partial": false,
                "usage": {"prompt_tokens": asked, "completion_tokens": answered,
                          "total_tokens": asked + answered, "cost": 0.00002 * (asked + answered) as f64},
            }))
        }
        Outcome::Error { status, body } => Err((*status, body.clone())),
    }
}

/// A one-line summary of an error body, as COMPLETED statuses carry it.
pub(super) fn error_text(body: &Value) -> String {
    match body.get("detail") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => {
            items.iter().filter_map(|i| i.get("msg").and_then(Value::as_str)).collect::<Vec<_>>().join("; ")
        }
        _ => body.to_string(),
    }
}

pub(super) fn error_type(body: &Value) -> String {
    body.get("error_type")
        .and_then(Value::as_str)
        .or_else(|| body.pointer("/detail/0/type").and_then(Value::as_str))
        .unwrap_or("validation_error")
        .to_owned()
}
