//! The transport-side runtime between intake and outbox: runs the bot's handler on each
//! update, one chat's updates strictly in order, different chats concurrently (bounded), and
//! hands the replies to the outbox.
//!
//! Two things the handler cannot be trusted with are done here:
//! * a pressed button's spinner must stop within about a second: if the handler has not
//!   answered the callback query by `callback_deadline` after the update arrived (it may
//!   still be queued behind the chat's previous update), an empty answer goes out, and the
//!   handler's own answer, arriving later, is dropped as a duplicate Telegram would refuse;
//! * a pre-checkout query has 10 s: it is handled at once, outside the chat lanes;
//! * Telegram delivers an album as one message per item; the items of one media group are
//!   collected into a single [`Event::Album`], handled in the album's place in the chat once
//!   no new item has arrived for `album_window`.

use crate::outbox::Outbox;
use aisha_bot::io::{AlbumItem, ChatId, Event, Outgoing, Reply, Update};
use futures::FutureExt;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

#[derive(Clone, Debug)]
pub struct DispatcherConfig {
    /// Handlers running at once, across chats.
    pub concurrency: usize,
    /// Updates accepted but not yet handled; beyond it `dispatch` waits (backpressure on intake).
    pub queue: usize,
    /// When a callback query gets an empty answer if the handler has not answered it.
    pub callback_deadline: Duration,
    /// An album is complete once no new item of it has arrived for this long.
    pub album_window: Duration,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self {
            concurrency: 64,
            queue: 10_000,
            callback_deadline: Duration::from_secs(1),
            album_window: Duration::from_millis(500),
        }
    }
}

/// Whoever answers a callback query first: the handler or the deadline.
struct CallbackGuard {
    query_id: String,
    answered: Arc<AtomicBool>,
    timer: JoinHandle<()>,
}

/// The items of one media group collected so far, and when the last one came.
struct AlbumBuf {
    items: Vec<AlbumItem>,
    last: Instant,
}

type Album = Arc<Mutex<AlbumBuf>>;

struct Queued {
    update: Update,
    /// Told once the update has been handled (its replies are with the outbox).
    done: Option<tokio::sync::oneshot::Sender<()>>,
    callback: Option<CallbackGuard>,
    /// Set on the first item of a media group: the group and its growing buffer.
    album: Option<(String, Album)>,
    _room: OwnedSemaphorePermit,
}

#[derive(Default)]
struct Lanes {
    /// A chat has an entry while its lane task runs.
    queues: HashMap<ChatId, VecDeque<Queued>>,
    /// Media groups still collecting items, by chat and group id.
    albums: HashMap<(ChatId, String), Album>,
}

/// The album item an update is, if it is part of a media group.
fn album_item(event: &Event) -> Option<(ChatId, &str, AlbumItem)> {
    let (chat, message, file, group, is_document) = match event {
        Event::Photo { chat, message, file, media_group: Some(g), .. } => (chat, message, file, g, false),
        Event::Document { chat, message, file, media_group: Some(g), .. } => (chat, message, file, g, true),
        _ => return None,
    };
    Some((*chat, group.as_str(), AlbumItem { message: *message, file: file.clone(), is_document }))
}

struct Inner<H> {
    handler: H,
    outbox: Outbox,
    config: DispatcherConfig,
    lanes: Mutex<Lanes>,
    running: Arc<Semaphore>,
    room: Arc<Semaphore>,
    /// Woken whenever the last update in hand has been handled.
    idle: tokio::sync::Notify,
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
            lanes: Mutex::new(Lanes::default()),
            idle: tokio::sync::Notify::new(),
        };
        Self { inner: Arc::new(inner) }
    }

    /// Accepts an update; waits only when `queue` updates are already waiting.
    pub async fn dispatch(&self, update: Update) {
        self.accept(update, None).await;
    }

    /// Accepts an update and waits until it has been handled — for a webhook, which should
    /// answer Telegram only then, so an update in hand when the process dies is delivered
    /// again. An album item joining an album already collecting returns at once (the album's
    /// first item waits for the whole album).
    pub async fn dispatch_handled(&self, update: Update) {
        let (done, handled) = tokio::sync::oneshot::channel();
        self.accept(update, Some(done)).await;
        let _ = handled.await;
    }

    async fn accept(&self, update: Update, done: Option<tokio::sync::oneshot::Sender<()>>) {
        let room = self.inner.room.clone().acquire_owned().await.expect("the semaphore is never closed");
        let callback = match &update.event {
            Event::Callback { query_id, .. } => Some(self.inner.start_callback_timer(query_id.clone())),
            _ => None,
        };
        let mut queued = Queued { update, done, callback, album: None, _room: room };
        let Some(chat) = queued.update.event.chat() else {
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.handle(queued).await });
            return;
        };
        // a user who writes has not blocked the bot (any more)
        self.inner.outbox.unblock(chat);
        let mut lanes = self.inner.lanes.lock().expect("dispatcher lock");
        if let Some((_, group, item)) = album_item(&queued.update.event) {
            let key = (chat, group.to_owned());
            if let Some(album) = lanes.albums.get(&key) {
                let mut album = album.lock().expect("album lock");
                album.items.push(item);
                album.last = Instant::now();
                return;
            }
            let album = Arc::new(Mutex::new(AlbumBuf { items: vec![item], last: Instant::now() }));
            lanes.albums.insert(key.clone(), album.clone());
            queued.album = Some((key.1, album));
        }
        if let Some(lane) = lanes.queues.get_mut(&chat) {
            lane.push_back(queued);
        } else {
            lanes.queues.insert(chat, VecDeque::from([queued]));
            drop(lanes);
            let inner = self.inner.clone();
            tokio::spawn(async move { inner.run_lane(chat).await });
        }
    }

    /// Updates accepted and not yet fully handled.
    pub fn in_flight(&self) -> usize {
        self.inner.in_flight()
    }

    /// Resolves once every update accepted so far has been handled (its replies are with the
    /// outbox), or after `limit`, whichever comes first; `true` when settled. Albums still
    /// collecting items do not count: their next items may be in the next batch.
    pub async fn settled(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, async {
            loop {
                // registered before the check, so a wake-up between the two is not missed
                let woken = self.inner.idle.notified();
                if self.inner.settled() {
                    return;
                }
                woken.await;
            }
        })
        .await
        .is_ok()
    }
}

impl<H, Fut> Inner<H>
where
    H: Fn(Update) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<Outgoing>> + Send + 'static,
{
    fn in_flight(&self) -> usize {
        self.config.queue.max(1) - self.room.available_permits()
    }

    /// Nothing in hand but the first items of albums still collecting (one each).
    fn settled(&self) -> bool {
        let collecting = self.lanes.lock().expect("dispatcher lock").albums.len();
        self.in_flight() <= collecting
    }

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
            let mut next = {
                let mut lanes = self.lanes.lock().expect("dispatcher lock");
                match lanes.queues.get_mut(&chat).and_then(VecDeque::pop_front) {
                    Some(q) => q,
                    None => {
                        lanes.queues.remove(&chat);
                        return;
                    }
                }
            };
            if let Some((group, album)) = next.album.take() {
                let items = self.seal(chat, &group, &album).await;
                next.update.event = Event::Album { chat, media_group: group, items };
            }
            let _running = self.running.acquire().await.expect("the semaphore is never closed");
            self.handle(next).await;
        }
    }

    /// Waits until the album has had no new item for `album_window`, then closes it: later
    /// items of the same group start a new album.
    async fn seal(&self, chat: ChatId, group: &str, album: &Album) -> Vec<AlbumItem> {
        loop {
            let due = album.lock().expect("album lock").last + self.config.album_window;
            if Instant::now() < due {
                tokio::time::sleep_until(due).await;
                continue;
            }
            // items are added under the lanes lock, so nothing slips in while closing
            let mut lanes = self.lanes.lock().expect("dispatcher lock");
            let mut buf = album.lock().expect("album lock");
            if Instant::now() < buf.last + self.config.album_window {
                continue;
            }
            let key = (chat, group.to_owned());
            if lanes.albums.get(&key).is_some_and(|a| Arc::ptr_eq(a, album)) {
                lanes.albums.remove(&key);
            }
            let mut items = std::mem::take(&mut buf.items);
            items.sort_by_key(|i| i.message.0);
            return items;
        }
    }

    async fn handle(&self, queued: Queued) {
        let Queued { update, done, callback, _room, .. } = queued;
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
        drop(_room);
        if let Some(done) = done {
            let _ = done.send(());
        }
        if self.settled() {
            self.idle.notify_waiters();
        }
    }
}
