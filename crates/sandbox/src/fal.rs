//! The FAL queue API emulator: one axum server on loopback that speaks the queue protocol for
//! Imagen 4, flux-lora and the LoRA trainers, the storage upload, the webhook JWKS, and serves
//! the files its jobs produce. Results are real images of the size the model and aspect ratio
//! imply, drawn deterministically from the prompt and seed.
//!
//! Everything that can go wrong at FAL can be switched on while it runs, through [`Knobs`]
//! (struct methods, or `GET`/`PUT /_control/knobs` with the same JSON) and [`Fault`]s queued
//! for the next calls. See the crate README for the list.

mod family;
mod hooks;
mod knobs;
mod picture;
pub mod schemas;
mod server;
mod state;

use ed25519_dalek::SigningKey;
use serde::Serialize;
use serde_json::Value;
use state::{Req, Shared, State};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

pub use family::Family;
pub use knobs::{Knobs, WebhookKnobs};
pub use picture::{flux_size, gemini_size, imagen_size};

/// A failure queued for the next API call (or download).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// This HTTP status with FAL's usual body for it.
    Status(u16),
    /// 504 with `X-Fal-Request-Timeout-Type: user`, which must not be retried.
    UserTimeout,
}

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Phase {
    InQueue,
    InProgress,
    Completed,
}

/// A submitted job, as tests see it.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub id: String,
    pub model: String,
    pub family: Family,
    pub input: Value,
    pub phase: Phase,
    pub cancelled: bool,
    pub webhook: Option<String>,
    /// The `X-Fal-Object-Lifecycle-Preference` the submit carried, parsed.
    pub lifecycle: Option<Value>,
}

/// One API call the emulator answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// One webhook delivery attempt; `status` is `None` when the receiver could not be reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookAttempt {
    pub request_id: String,
    pub status: Option<u16>,
}

/// The order held webhooks go out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    AsCompleted,
    Reversed,
}

/// A running emulator. Dropping it stops the server.
pub struct FalEmulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl FalEmulator {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(Knobs::default()).await
    }

    /// Binds 127.0.0.1 on a free port and serves until dropped.
    pub async fn start_with(knobs: Knobs) -> std::io::Result<Self> {
        Self::start_at(SocketAddr::from(([127, 0, 0, 1], 0)), knobs).await
    }

    /// Serves on `addr` (for the offline demo, which wants a fixed port).
    pub async fn start_at(addr: SocketAddr, knobs: Knobs) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let seed = knobs.seed;
        let shared = Arc::new(Shared {
            base: format!("http://{addr}"),
            key: SigningKey::from_bytes(&[0x5a; 32]),
            rogue: SigningKey::from_bytes(&[0xa5; 32]),
            http,
            drawing: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
            stopped: tokio_util::sync::CancellationToken::new(),
            state: Mutex::new(State { knobs, rng: seed, ..State::default() }),
        });
        let app = server::router(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "FAL emulator stopped");
            }
        });
        Ok(Self { shared, addr, server })
    }

    /// The base of every API: use it as the queue base, the REST base, and for the JWKS.
    pub fn url(&self) -> String {
        self.shared.base.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.shared.base)
    }

    /// The key webhooks are signed with, as published in the JWKS.
    pub fn public_key(&self) -> [u8; 32] {
        self.shared.key.verifying_key().to_bytes()
    }

    pub fn knobs(&self) -> Knobs {
        self.shared.lock().knobs.clone()
    }

    pub fn set_knobs(&self, knobs: Knobs) {
        self.shared.lock().knobs = knobs;
    }

    /// Changes some knobs, e.g. `emu.update(|k| k.locked = true)`.
    pub fn update(&self, change: impl FnOnce(&mut Knobs)) {
        change(&mut self.shared.lock().knobs);
    }

    /// The next API calls fail with these, in order, before any other check.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.lock().api_faults.extend(faults);
    }

    /// The next file downloads fail with these.
    pub fn fail_next_downloads(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.lock().file_faults.extend(faults);
    }

    /// Every job, in submission order.
    pub fn requests(&self) -> Vec<RequestInfo> {
        let s = self.shared.lock();
        let now = Instant::now();
        let mut list: Vec<&Req> = s.requests.values().collect();
        list.sort_by_key(|r| r.seq);
        list.into_iter().map(|r| info(r, now)).collect()
    }

    pub fn request(&self, id: &str) -> Option<RequestInfo> {
        self.shared.lock().requests.get(id).map(|r| info(r, Instant::now()))
    }

    /// Finishes a job now, stuck or not.
    pub fn complete_now(&self, id: &str) {
        let mut s = self.shared.lock();
        if let Some(r) = s.requests.get_mut(id) {
            let now = Instant::now();
            r.started_at = r.started_at.min(now);
            r.done_at = Some(r.done_at.map_or(now, |t| t.min(now)));
            r.changed.notify_one();
        }
    }

    /// API calls answered so far (the most recent 20 000).
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.iter().cloned().collect()
    }

    /// How many calls matched a method and a path suffix or prefix.
    pub fn count_calls(&self, method: &str, path_contains: &str) -> usize {
        self.shared.lock().calls.iter().filter(|c| c.method == method && c.path.contains(path_contains)).count()
    }

    /// The next `n` submits are queued, but answered 500 without a request id, as when the
    /// answer is lost between FAL and the client.
    pub fn lose_next_submit_answers(&self, n: u32) {
        self.shared.lock().lost_answers = n;
    }

    /// The next `n` submits are queued, but answered 503 carrying their `x-fal-request-id`, as
    /// when FAL's app took the request and then failed to answer.
    pub fn fail_next_submits_after_taking(&self, n: u32) {
        self.shared.lock().failed_after_taking = n;
    }

    /// The file at `url` (a result, a LoRA or an upload of this emulator) is gone from now on.
    pub fn expire_file(&self, url: &str) {
        if let Some(path) = url.strip_prefix(&format!("{}/_files/", self.shared.base)) {
            self.shared.lock().expired.insert(path.to_owned());
        }
    }

    /// Uploaded files' names and sizes, in no particular order.
    pub fn uploads(&self) -> Vec<(String, usize)> {
        self.shared
            .lock()
            .uploads
            .values()
            .filter_map(|u| u.bytes.as_ref().map(|b| (u.file_name.clone(), b.len())))
            .collect()
    }

    /// Each upload's file name and the lifetime its lifecycle header asked for.
    pub fn upload_lifetimes(&self) -> Vec<(String, Option<Duration>)> {
        self.shared.lock().uploads.values().map(|u| (u.file_name.clone(), u.expires_after)).collect()
    }

    pub fn webhook_log(&self) -> Vec<WebhookAttempt> {
        self.shared.lock().webhook_log.clone()
    }

    /// Deliveries waiting for [`release_webhooks`](Self::release_webhooks).
    pub fn held_webhooks(&self) -> usize {
        self.shared.lock().held.len()
    }

    /// Sends every held delivery, one after the other, and returns when all were attempted.
    /// With `duplicates`, the copies follow after all first deliveries.
    pub async fn release_webhooks(&self, order: Order) {
        let mut held = std::mem::take(&mut self.shared.lock().held);
        if order == Order::Reversed {
            held.reverse();
        }
        hooks::send_all(&self.shared, held).await;
    }
}

impl Drop for FalEmulator {
    fn drop(&mut self) {
        self.shared.stopped.cancel();
        self.server.abort();
    }
}

fn info(r: &Req, now: Instant) -> RequestInfo {
    RequestInfo {
        id: r.id.clone(),
        model: r.model.clone(),
        family: r.family,
        input: r.input.clone(),
        phase: r.phase(now),
        cancelled: r.cancelled,
        webhook: r.webhook.clone(),
        lifecycle: r.lifecycle.clone(),
    }
}

/// splitmix64: a small, seedable generator for fault rates and picture colours.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `owner/app` of a model id, the only part status, result and cancel URLs carry.
fn owner_app(model: &str) -> String {
    let parts: Vec<&str> = model.trim_matches('/').split('/').collect();
    let take = if matches!(parts.first(), Some(&"workflows" | &"comfy")) { 3 } else { 2 };
    parts.iter().take(take).copied().collect::<Vec<_>>().join("/")
}
