//! Long polling: `getUpdates` in a loop, each update decoded on its own.
//!
//! frankenstein's typed `get_updates` fails the whole batch on one update kind it does not
//! know, and then the offset can never move past it. Here the batch is read as raw JSON, every
//! update is decoded separately, and the offset advances past all of them, decoded or not.

use crate::Confirm;
use crate::api::ApiError;
use crate::client::{Telegram, allowed_updates};
use crate::decode::{decode_update, update_id};
use aisha_bot::io::Update;
use frankenstein::methods::GetUpdatesParams;
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct Poller {
    telegram: Telegram,
    /// Seconds Telegram holds a `getUpdates` open when there is nothing to deliver.
    timeout: u32,
    limit: u32,
    offset: Option<i64>,
}

impl Poller {
    pub fn new(telegram: Telegram) -> Self {
        Self { telegram, timeout: 25, limit: 100, offset: None }
    }

    /// The long-polling timeout in seconds (0 = short polling, for tests and benchmarks).
    pub fn with_timeout(mut self, seconds: u32) -> Self {
        self.timeout = seconds;
        self
    }

    /// The next offset to ask for: every update before it has been confirmed.
    pub fn offset(&self) -> Option<i64> {
        self.offset
    }

    /// One `getUpdates`: the decodable updates of the batch, in order. The offset moves past
    /// the whole batch, skipped updates included.
    pub async fn poll_once(&mut self) -> Result<Vec<Update>, ApiError> {
        let params = GetUpdatesParams::builder()
            .maybe_offset(self.offset)
            .limit(self.limit)
            .timeout(self.timeout)
            .allowed_updates(allowed_updates())
            .build();
        let batch: Vec<serde_json::Value> = self.telegram.api.call("getUpdates", &params).await?;
        let mut updates = Vec::with_capacity(batch.len());
        for value in batch {
            let Some(id) = update_id(&value) else {
                tracing::warn!("skipping an update without update_id");
                continue;
            };
            self.offset = Some(self.offset.map_or(id + 1, |o| o.max(id + 1)));
            match decode_update(value, self.telegram.username.as_deref()) {
                Ok(Some(update)) => updates.push(update),
                Ok(None) => tracing::debug!(update_id = id, "skipping an update kind the bot does not handle"),
                Err(e) => tracing::warn!(update_id = id, error = %e, "skipping an undecodable update"),
            }
        }
        Ok(updates)
    }

    /// Polls until `shutdown`, handing each update to `sink` in order (the sink may await, which
    /// holds back the next poll: that is the backpressure). Failures back off and retry; a 409
    /// means another poller or a webhook is active, which an operator must resolve.
    pub async fn run<F, Fut>(self, sink: F, shutdown: CancellationToken)
    where
        F: FnMut(Update) -> Fut,
        Fut: Future,
        Fut::Output: Into<Confirm>,
    {
        self.run_settled(sink, || async {}, shutdown).await;
    }

    /// [`run`](Self::run), awaiting `settled` after handing over each non-empty batch and
    /// before the next `getUpdates` (which is what confirms the batch to Telegram). With a
    /// `settled` that waits until the batch has been handled, a process that dies mid-batch
    /// gets the whole batch again at its next start, instead of losing what was in hand.
    ///
    /// An update the sink answers [`Confirm::NotYet`] (a payment whose credit is not
    /// committed) is not confirmed: the offset goes back to it, the rest of the batch is left
    /// for the next `getUpdates` (which delivers it again, from that update on), and polling
    /// backs off (1 s, doubling to 30 s) before asking.
    pub async fn run_settled<F, Fut, S, SFut>(mut self, mut sink: F, mut settled: S, shutdown: CancellationToken)
    where
        F: FnMut(Update) -> Fut,
        Fut: Future,
        Fut::Output: Into<Confirm>,
        S: FnMut() -> SFut,
        SFut: Future<Output = ()>,
    {
        let mut backoff = Duration::from_millis(500);
        let mut held_back = Duration::from_secs(1);
        loop {
            let batch = tokio::select! {
                () = shutdown.cancelled() => return,
                batch = self.poll_once() => batch,
            };
            match batch {
                Ok(updates) => {
                    backoff = Duration::from_millis(500);
                    // short polling answers at once: pause on an empty batch instead of spinning
                    if updates.is_empty() && self.timeout == 0 {
                        backoff = Duration::from_millis(100);
                    } else {
                        let mut refused = None;
                        for update in updates {
                            let id = update.id;
                            if let Confirm::NotYet = sink(update).await.into() {
                                refused = Some(id);
                                break;
                            }
                        }
                        tokio::select! {
                            () = shutdown.cancelled() => return,
                            () = settled() => {}
                        }
                        let Some(id) = refused else {
                            held_back = Duration::from_secs(1);
                            continue;
                        };
                        tracing::warn!(update_id = id, "an update is not confirmed to Telegram; it comes again");
                        self.offset = Some(id);
                        backoff = held_back;
                        held_back = (held_back * 2).min(Duration::from_secs(30));
                    }
                }
                Err(ApiError::RetryAfter(wait)) => backoff = wait,
                Err(e @ ApiError::Conflict(_)) => {
                    tracing::error!(error = %e, "getUpdates conflicts with another poller or a webhook");
                    backoff = Duration::from_secs(5);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "getUpdates failed; retrying");
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(backoff) => {}
            }
        }
    }
}
