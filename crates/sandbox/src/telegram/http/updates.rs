//! How updates reach the bot: `setWebhook` and the delivery loop, or long polling with
//! `getUpdates`.

use crate::telegram::params::Params;
use crate::telegram::state::{self, State};
use crate::telegram::{BotError, Shared};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub(super) fn set_webhook(s: &mut State, p: &Params) -> Result<Value, BotError> {
    let url = p.str("url").unwrap_or_default();
    if url.is_empty() {
        s.webhook = None;
        return Ok(json!(true));
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(BotError::bad("bad webhook: An HTTPS URL must be provided for webhook"));
    }
    let secret = p.str("secret_token").filter(|t| !t.is_empty());
    if let Some(secret) = &secret
        && (secret.len() > 256 || !secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        return Err(BotError::bad("secret token contains unallowed characters"));
    }
    if let Some(allowed) = p.json("allowed_updates")? {
        s.allowed = serde_json::from_value(allowed).map_err(|_| BotError::bad("can't parse allowed_updates"))?;
    }
    if p.bool("drop_pending_updates") {
        s.updates.clear();
    }
    s.webhook = Some(state::Webhook { url, secret });
    Ok(json!(true))
}

/// Long polling: answers at once when updates are waiting, else when one arrives or the
/// timeout passes. A newer `getUpdates` ends an older one with 409, as Telegram does.
pub(super) async fn get_updates(shared: &Arc<Shared>, p: &Params) -> Result<Value, BotError> {
    let offset = p.i64("offset")?;
    let limit = p.i64("limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let timeout = p.i64("timeout")?.unwrap_or(0).clamp(0, 50) as u64;
    let allowed: Option<Vec<String>> = match p.json("allowed_updates")? {
        Some(v) => Some(serde_json::from_value(v).map_err(|_| BotError::bad("can't parse allowed_updates"))?),
        None => None,
    };
    let generation = shared.with(|s| {
        if s.webhook.is_some() {
            return Err(BotError::new(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            ));
        }
        if allowed.is_some() {
            s.allowed = allowed;
        }
        s.poll_generation += 1;
        Ok(s.poll_generation)
    })?;
    shared.updates_changed.notify_waiters();
    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let changed = shared.updates_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let batch = shared.with(|s| {
            if s.poll_generation != generation {
                return Err(BotError::new(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                ));
            }
            Ok(s.take_updates(offset, limit))
        })?;
        if !batch.is_empty() || Instant::now() >= deadline {
            return Ok(Value::Array(batch));
        }
        tokio::select! {
            () = &mut changed => {}
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

/// Delivers queued updates to the webhook one at a time, in order, with the secret header;
/// a failed delivery is retried, as Telegram does (unless redelivery was switched off).
pub(crate) async fn deliver_webhooks(shared: Arc<Shared>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let changed = shared.updates_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let job = shared.with(|s| {
            let hook = s.webhook.as_ref()?;
            let (id, update) = s.updates.front()?;
            Some((hook.url.clone(), hook.secret.clone(), *id, update.clone()))
        });
        let Some((url, secret, id, update)) = job else {
            tokio::select! {
                () = &mut changed => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            continue;
        };
        let mut request = shared.http.post(&url).json(&update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                backoff = Duration::from_millis(100);
                shared.with(|s| {
                    if s.updates.front().is_some_and(|(front, _)| *front == id) {
                        s.updates.pop_front();
                    }
                });
            }
            _ if !shared.with(|s| s.redeliver) => shared.with(|s| {
                if s.updates.front().is_some_and(|(front, _)| *front == id) {
                    s.updates.pop_front();
                }
            }),
            _ => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
