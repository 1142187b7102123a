//! The transport-side runtime between intake and outbox: runs the bot's handler on each
//! update, one chat's updates strictly in order, different chats concurrently (bounded), and
//! hands the replies to the outbox.
//!
//! Two things the handler cannot be trusted with are done here:
//! * a pressed button's spinner must stop within about a second: if the handler has not
//!   answered the callback query by `callback_deadline` after the update arrived (it may
//!   still be queued behind the chat's previous update), an empty answer goes out, and the
//!   handler's own answer, arriving later, is dropped as a duplicate Telegram would refuse;
//! * a pre-checkout query has 10 s: it is handled at once, outside the chat lanes.

use crate::outbox::Outbox;
use aisha_bot::io::{ChatId, Event, Outgoing, Reply, Update};
use futures::FutureExt;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

#[derive(Clone, Debug)]
pub struct DispatcherConfig {
    /// Handlers running at once, across chats.
    pub concurrency: usize,
    /// Updates accepted but not yet handled; beyond it `dispatch` waits (backpressure on intake).
    pub queue: usize,
    /// When a callback query gets an empty answer if the handler has not answered it.
    pub callback_deadline: Duration,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self { concurrency: 64, queue: 10_000, callback_deadline: Duration::from_secs(1) }
    }
}

/// Whoever answers a callback query first: the handler or the deadline.
struct CallbackGuard {
    query_id: String,
    answered: Arc<AtomicBool>,
    timer: JoinHandle<()>,
}

struct Queued {
    update: Update,
    callback: Option<CallbackGuard>,
    _room: OwnedSemaphorePermit,
}

struct Inner<H> {
    handler: H,
    outbox: Outbox,
    config: DispatcherConfig,
    /// A chat has an entry while its lane task runs.
    lanes: Mutex<HashMap<ChatId, VecDeque<Queued>>>,
    running: Arc<Semaphore>,
    room: Arc<Semaphore>,
}

/// Cheap to clone; clones share the lanes.
pub struct Dispatcher<H> {
    inner: Arc<Inner<H>>,
}

impl<H> Clone for Dispatcher<H> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone() }
    }
}

impl<H, Fut> Dispatcher<H>
where
    H: Fn(Update) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<Outgoing>> + Send + 'static,
{
    pub fn new(handler: H, outbox: Outbox, config: DispatcherConfig) -> Self {
        let inner = Inner {
            handler,
            outbox,
            running: Arc::new(Semaphore::new(config.concurrency.max(1))),
            room: Arc::new(Semaphore::new(config.queue.max(1))),
            config,
            lanes: Mutex::new(HashMap::new()),
        };
        Self { inner: Arc::new(inner) }
    }

    /// Accepts an update; waits only when `queue` updates are already waiting.
    pub async fn dispatch(&self, update: Update) {
        let room = self.inner.room.clone().acquire_owned().await.expect("the semaphore is never closed");
        let callback = match &update.event {
            Event::Callback { query_id, .. } => Some(self.inner.start_callback_timer(query_id.clone())),
            _ => None,
        };
        let queued = Queued { update, callback, _room: room };
        let Some(chat) = queued.update.event.chat() else {
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.handle(queued).await });
            return;
        };
        // a user who writes has not blocked the bot (any more)
        self.inner.outbox.unblock(chat);
        let mut lanes = self.inner.lanes.lock().expect("dispatcher lock");
        if let Some(lane) = lanes.get_mut(&chat) {
            lane.push_back(queued);
        } else {
            lanes.insert(chat, VecDeque::from([queued]));
            drop(lanes);
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.run_lane(chat).await });
        }
    }

    /// Updates accepted and not yet fully handled.
    pub fn in_flight(&self) -> usize {
        self.inner.config.queue.max(1) - self.inner.room.available_permits()
    }
}

impl<H, Fut> Inner<H>
where
    H: Fn(Update) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<Outgoing>> + Send + 'static,
{
    fn start_callback_timer(&self, query_id: String) -> CallbackGuard {
        let answered = Arc::new(AtomicBool::new(false));
        let flag = answered.clone();
        let outbox = self.outbox.clone();
        let deadline = self.config.callback_deadline;
        let id = query_id.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(deadline).await;
            if !flag.swap(true, Ordering::AcqRel) {
                tracing::debug!("handler slow: answering the callback query empty");
                outbox.send(Outgoing::critical(Reply::AnswerCallback { query_id: id, text: None, alert: false }));
            }
        });
        CallbackGuard { query_id, answered, timer }
    }

    async fn run_lane(self: Arc<Self>, chat: ChatId) {
        loop {
            let next = {
                let mut lanes = self.lanes.lock().expect("dispatcher lock");
                match lanes.get_mut(&chat).and_then(VecDeque::pop_front) {
                    Some(q) => q,
                    None => {
                        lanes.remove(&chat);
                        return;
                    }
                }
            };
            let _running = self.running.acquire().await.expect("the semaphore is never closed");
            self.handle(next).await;
        }
    }

    async fn handle(&self, queued: Queued) {
        let Queued { update, callback, _room } = queued;
        let id = update.id;
        let mut replies = match AssertUnwindSafe((self.handler)(update)).catch_unwind().await {
            Ok(replies) => replies,
            Err(_) => {
                tracing::error!(update_id = id, "the handler panicked; update dropped");
                Vec::new()
            }
        };
        if let Some(guard) = callback {
            guard.timer.abort();
            let is_answer = |o: &Outgoing| matches!(&o.reply, Reply::AnswerCallback { query_id, .. } if *query_id == guard.query_id);
            if guard.answered.swap(true, Ordering::AcqRel) {
                replies.retain(|o| !is_answer(o));
            } else if !replies.iter().any(is_answer) {
                replies.insert(
                    0,
                    Outgoing::critical(Reply::AnswerCallback {
                        query_id: guard.query_id.clone(),
                        text: None,
                        alert: false,
                    }),
                );
            }
        }
        for reply in replies {
            self.outbox.send(reply);
        }
    }
}
