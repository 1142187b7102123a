//! The outbox: every reply the bot produces goes out through here, paced the way Telegram
//! wants it.
//!
//! * One lane per chat: a chat's replies go out in order, one at a time; lanes run
//!   concurrently. A lane exists only while it has work.
//! * Pacing through the [`RateLimiter`] port, so replicas sharing Redis share one budget: a
//!   per-chat allowance (about 1/s) and a global one (about 30/s). A lane takes both grants
//!   before it picks its next reply, so while it waits a newer progress edit can still replace
//!   the one at its head.
//! * A 429 pauses only the lane that got it, for `retry_after`. A 403 marks the chat blocked:
//!   its queue is dropped, [`Feedback::on_blocked`] is told once, and nothing more is sent until
//!   [`Outbox::unblock`] (the user wrote again).
//! * Classes: a progress edit replaces a pending edit of the same message (a chat action a
//!   pending chat action); progress is shed
//!   first when a lane or the whole outbox is over capacity and when it has waited too long;
//!   critical replies are never shed and are retried until they go through or are refused.
//! * Answers to callback and pre-checkout queries skip the lanes and the limits: they are not
//!   chat messages, and a pre-checkout query is void after 10 s.

use crate::api::ApiError;
use crate::client::Telegram;
use crate::send::{SendError, Sender, Sent, reply_chat, supersedes};
use aisha_bot::io::{ChatId, Class, Outgoing, Reply};
use aisha_domain::ImageId;
use aisha_domain::coordination::{Decision, Rate, RateLimiter};
use aisha_domain::ports::ImageStore;
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, oneshot};
use tokio::time::Instant;

/// What the outbox learns that the rest of the app must record: wire `on_blocked` to
/// `Users::set_blocked` and `on_file_id` to `Gallery::set_file_id` (the chat of a private
/// conversation is the user's Telegram id).
#[async_trait]
pub trait Feedback: Send + Sync {
    async fn on_blocked(&self, chat: ChatId);
    async fn on_file_id(&self, chat: ChatId, image: ImageId, file_id: String);
}

/// Feedback that goes nowhere.
pub struct NoFeedback;

#[async_trait]
impl Feedback for NoFeedback {
    async fn on_blocked(&self, _: ChatId) {}
    async fn on_file_id(&self, _: ChatId, _: ImageId, _: String) {}
}

#[derive(Clone, Debug)]
pub struct OutboxConfig {
    /// Per chat; `None` lifts the limit (benchmarks, emulators).
    pub chat_rate: Option<Rate>,
    /// For the whole bot.
    pub global_rate: Option<Rate>,
    /// Pending replies one chat may hold; beyond it progress is evicted, then normal replies refused.
    pub chat_capacity: usize,
    /// Pending replies across all chats above which progress edits are shed.
    pub pressure: usize,
    /// A progress edit still queued after this long is stale and skipped.
    pub progress_max_age: Duration,
    /// Attempts at a normal reply on retryable failures (critical replies retry without end).
    pub attempts: u32,
    /// How long a public URL handed to Telegram must stay valid.
    pub url_ttl: Duration,
    /// A pre-checkout answer after this is useless.
    pub pre_checkout_deadline: Duration,
    /// Bot API requests of the chat lanes in flight at once (query answers are not counted):
    /// bounds the connections to Telegram when many chats are busy.
    pub max_in_flight: usize,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            chat_rate: Some(Rate::per_second(1, 3).expect("valid rate")),
            global_rate: Some(Rate::per_second(30, 30).expect("valid rate")),
            chat_capacity: 200,
            pressure: 2_000,
            progress_max_age: Duration::from_secs(30),
            attempts: 5,
            url_ttl: Duration::from_secs(3600),
            pre_checkout_deadline: Duration::from_secs(10),
            max_in_flight: 32,
        }
    }
}

type Done = oneshot::Sender<Result<Sent, SendError>>;

struct Item {
    reply: Reply,
    class: Class,
    enqueued: Instant,
    done: Option<Done>,
}

impl Item {
    fn finish(self, result: Result<Sent, SendError>) {
        if let Some(done) = self.done {
            let _ = done.send(result);
        }
    }
}

#[derive(Default)]
struct Lane {
    queue: VecDeque<Item>,
    running: bool,
    blocked: bool,
}

struct Inner {
    sender: Sender,
    limiter: Arc<dyn RateLimiter>,
    feedback: Arc<dyn Feedback>,
    config: OutboxConfig,
    lanes: Mutex<HashMap<ChatId, Lane>>,
    pending: AtomicUsize,
    in_flight: Semaphore,
}

/// A handle on the outbox; clones share it.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

impl Outbox {
    pub fn new(
        telegram: &Telegram,
        images: Arc<dyn ImageStore>,
        limiter: Arc<dyn RateLimiter>,
        feedback: Arc<dyn Feedback>,
        config: OutboxConfig,
    ) -> Self {
        let sender = Sender::new(telegram.api.clone(), images, config.url_ttl);
        let inner = Inner {
            sender,
            limiter,
            feedback,
            lanes: Mutex::new(HashMap::new()),
            pending: AtomicUsize::new(0),
            in_flight: Semaphore::new(config.max_in_flight.max(1)),
            config,
        };
        Self { inner: Arc::new(inner) }
    }

    /// Queues a reply; its outcome is only logged.
    pub fn send(&self, out: Outgoing) {
        self.enqueue(out, None);
    }

    /// Queues a reply and resolves when it is delivered, dropped or refused.
    pub fn submit(&self, out: Outgoing) -> impl Future<Output = Result<Sent, SendError>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        self.enqueue(out, Some(tx));
        async move { rx.await.unwrap_or(Err(SendError::Dropped)) }
    }

    /// Replies queued in chat lanes and not yet sent.
    pub fn pending(&self) -> usize {
        self.inner.pending.load(Ordering::Relaxed)
    }

    pub fn is_blocked(&self, chat: ChatId) -> bool {
        self.inner.lanes.lock().expect("outbox lock").get(&chat).is_some_and(|l| l.blocked)
    }

    /// The user wrote to the bot again, so it is not blocked any more.
    pub fn unblock(&self, chat: ChatId) {
        let mut lanes = self.inner.lanes.lock().expect("outbox lock");
        if let Some(lane) = lanes.get_mut(&chat)
            && lane.blocked
        {
            lane.blocked = false;
            if lane.queue.is_empty() && !lane.running {
                lanes.remove(&chat);
            }
        }
    }

    fn enqueue(&self, out: Outgoing, done: Option<Done>) {
        let item = Item { reply: out.reply, class: out.class, enqueued: Instant::now(), done };
        let Some(chat) = reply_chat(&item.reply) else {
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.answer_query(item).await });
            return;
        };
        let inner = &self.inner;
        let mut lanes = inner.lanes.lock().expect("outbox lock");
        let lane = lanes.entry(chat).or_default();
        if lane.blocked {
            drop(lanes);
            item.finish(Err(SendError::Blocked));
            return;
        }
        if item.class == Class::Progress {
            if let Some(target) = supersedes(&item.reply)
                && let Some(slot) = lane
                    .queue
                    .iter_mut()
                    .find(|queued| queued.class == Class::Progress && supersedes(&queued.reply) == Some(target))
            {
                // the newest edit takes the older one's place; the older one is superseded
                let old = std::mem::replace(slot, item);
                drop(lanes);
                old.finish(Err(SendError::Dropped));
                return;
            }
            if inner.pending.load(Ordering::Relaxed) >= inner.config.pressure {
                forget_if_idle(&mut lanes, chat);
                drop(lanes);
                tracing::debug!(chat = chat.0, "outbox under pressure: progress edit shed");
                item.finish(Err(SendError::Dropped));
                return;
            }
        }
        if lane.queue.len() >= inner.config.chat_capacity {
            let evict = lane.queue.iter().position(|q| q.class == Class::Progress);
            match (evict, item.class) {
                (Some(i), _) => {
                    let old = lane.queue.remove(i).expect("position is in range");
                    inner.pending.fetch_sub(1, Ordering::Relaxed);
                    old.finish(Err(SendError::Dropped));
                }
                (None, Class::Critical) => {}
                (None, _) => {
                    forget_if_idle(&mut lanes, chat);
                    drop(lanes);
                    tracing::warn!(chat = chat.0, "chat queue full: reply dropped");
                    item.finish(Err(SendError::Dropped));
                    return;
                }
            }
        }
        lane.queue.push_back(item);
        inner.pending.fetch_add(1, Ordering::Relaxed);
        if !lane.running {
            lane.running = true;
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.run_lane(chat).await });
        }
    }
}

/// Drops a lane that holds nothing, so chats that got nothing queued leave no trace.
fn forget_if_idle(lanes: &mut HashMap<ChatId, Lane>, chat: ChatId) {
    if lanes.get(&chat).is_some_and(|l| l.queue.is_empty() && !l.running && !l.blocked) {
        lanes.remove(&chat);
    }
}

enum Next {
    Item(Item),
    Idle,
}

impl Inner {
    fn chat_key(chat: ChatId) -> String {
        format!("tg:chat:{}", chat.0)
    }

    fn next(&self, chat: ChatId) -> Next {
        let mut lanes = self.lanes.lock().expect("outbox lock");
        let Some(lane) = lanes.get_mut(&chat) else { return Next::Idle };
        match lane.queue.pop_front() {
            Some(item) => {
                self.pending.fetch_sub(1, Ordering::Relaxed);
                Next::Item(item)
            }
            None => {
                lane.running = false;
                if !lane.blocked {
                    lanes.remove(&chat);
                }
                Next::Idle
            }
        }
    }

    fn has_work(&self, chat: ChatId) -> bool {
        self.lanes.lock().expect("outbox lock").get(&chat).is_some_and(|l| !l.queue.is_empty())
    }

    async fn run_lane(self: Arc<Self>, chat: ChatId) {
        let key = Self::chat_key(chat);
        loop {
            // grants first, item second: the head may be replaced by a newer edit meanwhile
            if self.has_work(chat) {
                self.grant(&key, self.config.chat_rate).await;
                self.grant("tg:global", self.config.global_rate).await;
            }
            let item = match self.next(chat) {
                Next::Item(item) => item,
                Next::Idle => return,
            };
            if item.class == Class::Progress && item.enqueued.elapsed() > self.config.progress_max_age {
                item.finish(Err(SendError::Dropped));
                continue;
            }
            let result = self.deliver(chat, &key, &item).await;
            if matches!(result, Err(SendError::Blocked)) {
                item.finish(Err(SendError::Blocked));
                self.block(chat).await;
                continue;
            }
            if let Err(e) = &result {
                tracing::warn!(chat = chat.0, error = %e, "reply not delivered");
            }
            item.finish(result);
        }
    }

    /// Sends one item, retrying what is worth retrying. Grants for the first attempt are
    /// already taken.
    async fn deliver(&self, chat: ChatId, key: &str, item: &Item) -> Result<Sent, SendError> {
        let mut failures = 0u32;
        loop {
            let attempt = {
                let _slot = self.in_flight.acquire().await.expect("the semaphore is never closed");
                self.sender.execute(&item.reply).await
            };
            let error = match attempt {
                Ok(sent) => {
                    for (image, file_id) in &sent.file_ids {
                        self.feedback.on_file_id(chat, *image, file_id.clone()).await;
                    }
                    return Ok(sent);
                }
                Err(SendError::Api(ApiError::NotModified)) => return Ok(Sent::default()),
                Err(SendError::Api(ApiError::Forbidden(reason))) => {
                    tracing::info!(chat = chat.0, %reason, "chat refuses the bot");
                    return Err(SendError::Blocked);
                }
                Err(e) => e,
            };
            let wait = match &error {
                SendError::Api(ApiError::RetryAfter(wait)) => {
                    tracing::info!(chat = chat.0, ?wait, "429: pausing this chat");
                    *wait
                }
                e if e.is_retryable() => {
                    failures += 1;
                    if item.class == Class::Progress
                        || (item.class == Class::Normal && failures >= self.config.attempts)
                    {
                        return Err(error);
                    }
                    Duration::from_millis(200u64 << (failures - 1).min(8)).min(Duration::from_secs(30))
                }
                _ => return Err(error),
            };
            tokio::time::sleep(wait).await;
            self.grant(key, self.config.chat_rate).await;
            self.grant("tg:global", self.config.global_rate).await;
        }
    }

    /// Waits until `key` grants one send. A limiter that cannot answer (Redis down) gets a
    /// conservative local pace: one interval of the rate.
    async fn grant(&self, key: &str, rate: Option<Rate>) {
        let Some(rate) = rate else { return };
        loop {
            match self.limiter.try_acquire(key, rate).await {
                Ok(Decision::Allowed) => return,
                Ok(Decision::Limited { retry_after }) => tokio::time::sleep(retry_after).await,
                Err(e) => {
                    tracing::warn!(error = %e, "rate limiter unavailable; pacing locally");
                    tokio::time::sleep(rate.interval()).await;
                    return;
                }
            }
        }
    }

    async fn block(&self, chat: ChatId) {
        let dropped: Vec<Item> = {
            let mut lanes = self.lanes.lock().expect("outbox lock");
            let lane = lanes.entry(chat).or_default();
            let newly = !lane.blocked;
            lane.blocked = true;
            let dropped: Vec<Item> = lane.queue.drain(..).collect();
            self.pending.fetch_sub(dropped.len(), Ordering::Relaxed);
            if !newly {
                drop(lanes);
                for item in dropped {
                    item.finish(Err(SendError::Blocked));
                }
                return;
            }
            dropped
        };
        for item in dropped {
            item.finish(Err(SendError::Blocked));
        }
        self.feedback.on_blocked(chat).await;
    }

    /// Callback and pre-checkout answers: straight to the API, retried only within their
    /// deadline.
    async fn answer_query(&self, item: Item) {
        let deadline = match item.reply {
            Reply::AnswerPreCheckout { .. } => self.config.pre_checkout_deadline,
            // Telegram drops an unanswered callback query after about 15 s
            _ => Duration::from_secs(15),
        };
        let started = Instant::now();
        let attempt = async {
            loop {
                match self.sender.execute(&item.reply).await {
                    Err(SendError::Api(ApiError::RetryAfter(wait))) => tokio::time::sleep(wait).await,
                    Err(e) if e.is_retryable() => tokio::time::sleep(Duration::from_millis(200)).await,
                    other => return other,
                }
            }
        };
        let result = tokio::time::timeout_at(started + deadline, attempt).await.unwrap_or(Err(SendError::Deadline));
        if let Err(e) = &result {
            tracing::warn!(error = %e, "query answer not delivered");
        }
        item.finish(result);
    }
}
