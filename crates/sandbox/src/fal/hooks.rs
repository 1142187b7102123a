//! Webhook delivery: wait for a job to complete, then POST its result signed the way FAL signs
//! (ED25519 over `request_id \n user_id \n timestamp \n sha256hex(body)`), with the knobs'
//! delays, duplicates, holds, wrong keys and skewed clocks applied.

use super::WebhookAttempt;
use super::state::{self, Held, Shared};
use ed25519_dalek::Signer;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

pub(super) const USER_ID: &str = "emulator-user";

/// Waits until the job completes (or is cancelled, or forced), then delivers or holds its
/// webhook. A stuck job is waited on until something changes it. Ends with the emulator.
pub(super) async fn follow(shared: Arc<Shared>, id: String, changed: Arc<Notify>) {
    let stopped = shared.stopped.clone();
    tokio::select! {
        () = follow_until_done(shared, id, changed) => {}
        () = stopped.cancelled() => {}
    }
}

async fn follow_until_done(shared: Arc<Shared>, id: String, changed: Arc<Notify>) {
    loop {
        let due = {
            let s = shared.lock();
            let Some(r) = s.requests.get(&id) else { return };
            r.done_at
        };
        match due {
            Some(t) if Instant::now() >= t => break,
            Some(t) => {
                tokio::select! {
                    () = tokio::time::sleep_until(tokio::time::Instant::from_std(t)) => {}
                    () = changed.notified() => {}
                }
            }
            None => changed.notified().await,
        }
    }
    let Some(item) = delivery_for(&shared, &id) else { return };
    let knobs = shared.lock().knobs.webhooks.clone();
    if knobs.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(knobs.delay_ms)).await;
    }
    if knobs.hold {
        shared.lock().held.push(item);
        return;
    }
    send_all(&shared, vec![item]).await;
}

/// The delivery for a completed job with a webhook.
pub(super) fn delivery_for(shared: &Shared, id: &str) -> Option<Held> {
    let s = shared.lock();
    let r = s.requests.get(id)?;
    let url = r.webhook.clone()?;
    // FAL's gateway retries a request under a new gateway id; the queue's id stays the key
    let gateway = if s.knobs.webhooks.gateway_id_differs { format!("{}-gw1", r.id) } else { r.id.clone() };
    let envelope = match state::result_of(&shared.base, r) {
        Ok(payload) => json!({"request_id": r.id, "gateway_request_id": gateway, "status": "OK", "payload": payload}),
        Err((status, body)) => json!({"request_id": r.id, "gateway_request_id": gateway, "status": "ERROR",
                                       "error": format!("Invalid status code: {status}"), "payload": body}),
    };
    let body = serde_json::to_vec(&envelope).expect("JSON values serialize");
    Some(Held { url, request_id: r.id.clone(), body })
}

/// One attempt, no retries (the copy that outruns the submit answer).
pub(super) async fn deliver_once(shared: &Shared, item: &Held) {
    let knobs = shared.lock().knobs.webhooks.clone();
    attempt(shared, item, &knobs).await;
}

/// Sends each delivery once, then the configured number of copies of the whole list again.
pub(super) async fn send_all(shared: &Shared, items: Vec<Held>) {
    let copies = shared.lock().knobs.webhooks.duplicates;
    for _ in 0..=copies {
        for item in &items {
            deliver(shared, item).await;
        }
    }
}

async fn deliver(shared: &Shared, item: &Held) {
    let knobs = shared.lock().knobs.webhooks.clone();
    for n in 0..=knobs.retries {
        if shared.stopped.is_cancelled() {
            return;
        }
        if n > 0 {
            tokio::time::sleep(Duration::from_millis(knobs.retry_ms)).await;
        }
        if attempt(shared, item, &knobs).await {
            return;
        }
    }
}

/// Signs and posts one delivery; `true` if the receiver answered 2xx.
async fn attempt(shared: &Shared, item: &Held, knobs: &super::WebhookKnobs) -> bool {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let timestamp = (now + knobs.skew_secs).to_string();
    let digest = hex::encode(Sha256::digest(&item.body));
    let message = format!("{}\n{USER_ID}\n{timestamp}\n{digest}", item.request_id);
    let key = if knobs.bad_signature { &shared.rogue } else { &shared.key };
    let signature = hex::encode(key.sign(message.as_bytes()).to_bytes());
    let sent = shared
        .http
        .post(&item.url)
        .header("content-type", "application/json")
        .header("x-fal-webhook-request-id", &item.request_id)
        .header("x-fal-webhook-user-id", USER_ID)
        .header("x-fal-webhook-timestamp", &timestamp)
        .header("x-fal-webhook-signature", signature)
        .body(item.body.clone())
        .send()
        .await;
    let status = sent.ok().map(|r| r.status().as_u16());
    shared.lock().webhook_log.push(WebhookAttempt { request_id: item.request_id.clone(), status });
    status.is_some_and(|s| (200..300).contains(&s))
}
