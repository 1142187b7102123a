//! A Bot API stand-in for the press benchmark (`src/bin/press.rs`, docs/performance.md,
//! issue 22): just enough of the Telegram Bot API for a bot to poll, answer and edit, and
//! nothing that costs CPU per request beyond reading the few fields it needs.
//!
//! Each chat has one gallery message with an "older" and/or "newer" button. While a run is on,
//! a chat's next press (the button the bot last put on that message, read from its own
//! keyboard) is queued for the next `getUpdates` as soon as the bot's edit of the previous
//! press arrives: one press in flight per chat. A press is done when the edit arrives; its
//! latency runs from the moment it was queued. Setup (`say`) delivers text messages the same
//! way and waits for the bot's reply in each chat.
//!
//! The stand-in does not know callback encodings: a [`Buttons`] function says which button of
//! a keyboard moves older or newer.

mod http;
mod wire;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

pub use wire::Keyboard;

/// Which way a button moves through the gallery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Older,
    Newer,
}

/// Tells which callback data of a bot's keyboard is the "older" or "newer" button.
pub type Buttons = Arc<dyn Fn(&str) -> Option<Dir> + Send + Sync>;

/// What the stand-in does when a press is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No new presses (setup, or a run draining).
    Idle,
    /// The chat's next press is queued at once.
    Saturate,
    /// The chat waits in the idle queue for [`StandIn::pace`]'s next tick.
    Paced,
}

/// One chat of the benchmark.
#[derive(Default)]
struct Chat {
    id: i64,
    /// The gallery message the presses go to (0 until the bot sent it).
    message: i32,
    older: Option<String>,
    newer: Option<String>,
    to_older: bool,
    /// When its press in flight was queued.
    queued: Option<Instant>,
    /// Bot messages received in this chat (setup waits on this).
    replies: u32,
    /// The last message id given out in this chat (bot's or user's).
    last_id: i32,
}

impl Chat {
    /// The button to press next: on in the current direction, turning at either end.
    fn next_data(&mut self) -> Option<String> {
        if self.to_older && self.older.is_none() || !self.to_older && self.newer.is_none() {
            self.to_older = !self.to_older;
        }
        if self.to_older { self.older.clone() } else { self.newer.clone() }
    }
}

#[derive(Default)]
struct State {
    chats: Vec<Chat>,
    index: HashMap<i64, usize>,
    /// Delivered on every `getUpdates` until its offset passes them.
    pending: VecDeque<(i64, String)>,
    next_update: i64,
    mode: Option<Mode>,
    /// Chats with nothing in flight, for paced runs.
    idle: VecDeque<usize>,
    /// Latencies of the presses done since the last [`StandIn::reset`], in microseconds.
    latencies: Vec<u32>,
    done: u64,
    /// Edits that came for a chat without a press in flight, or another message.
    stray_edits: u64,
}

/// Bot API calls by kind.
#[derive(Default)]
pub struct Calls {
    pub get_updates: AtomicU64,
    pub edits: AtomicU64,
    pub answers: AtomicU64,
    pub sends: AtomicU64,
    pub other: AtomicU64,
}

/// A snapshot of the stand-in's counters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub done: u64,
    pub in_flight: usize,
    pub stray_edits: u64,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    /// A press or message was queued.
    queued: Notify,
    buttons: Buttons,
    pub(crate) calls: Calls,
}

/// The running stand-in (its server stops with the process).
#[derive(Clone)]
pub struct StandIn {
    shared: Arc<Shared>,
    pub url: String,
}

impl StandIn {
    /// Serves the Bot API on a free loopback port for `chats`, update ids from `first_update`.
    pub async fn start(chats: &[i64], first_update: i64, buttons: Buttons) -> std::io::Result<StandIn> {
        let mut state = State { next_update: first_update, mode: Some(Mode::Idle), ..State::default() };
        for (i, &id) in chats.iter().enumerate() {
            state.chats.push(Chat { id, to_older: true, last_id: 1_000, ..Chat::default() });
            state.index.insert(id, i);
        }
        let shared =
            Arc::new(Shared { state: Mutex::new(state), queued: Notify::new(), buttons, calls: Calls::default() });
        let url = http::serve(shared.clone()).await?;
        Ok(StandIn { shared, url })
    }

    pub fn calls(&self) -> &Calls {
        &self.shared.calls
    }

    /// Sends `text` from every chat and waits (up to `limit`) until each has one more bot
    /// message than before; returns how many did not.
    pub async fn say(&self, text: &str, limit: Duration) -> usize {
        let before: Vec<u32> = {
            let mut s = self.shared.state.lock().expect("state");
            let before = s.chats.iter().map(|c| c.replies).collect();
            for i in 0..s.chats.len() {
                let u = s.next_update;
                s.next_update += 1;
                let c = &mut s.chats[i];
                c.last_id += 1;
                let json = wire::text_update(u, c.id, c.last_id, text);
                s.pending.push_back((u, json));
            }
            before
        };
        self.shared.queued.notify_waiters();
        let until = Instant::now() + limit;
        loop {
            let missing = {
                let s = self.shared.state.lock().expect("state");
                s.chats.iter().zip(&before).filter(|(c, b)| c.replies <= **b).count()
            };
            if missing == 0 || Instant::now() > until {
                return missing;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Chats that have a gallery message with a button to press.
    pub fn ready_chats(&self) -> usize {
        let s = self.shared.state.lock().expect("state");
        s.chats.iter().filter(|c| c.message != 0 && (c.older.is_some() || c.newer.is_some())).count()
    }

    /// Starts a run in `mode`: clears the latencies and counters; a saturated run queues a
    /// press in every ready chat, a paced one puts them all in the idle queue.
    pub fn start_run(&self, mode: Mode) {
        let mut s = self.shared.state.lock().expect("state");
        s.mode = Some(mode);
        s.latencies.clear();
        s.done = 0;
        s.idle.clear();
        for i in 0..s.chats.len() {
            if s.chats[i].queued.is_some() || s.chats[i].message == 0 {
                continue;
            }
            match mode {
                Mode::Saturate => queue_press(&mut s, i),
                Mode::Paced => s.idle.push_back(i),
                Mode::Idle => {}
            }
        }
        drop(s);
        self.shared.queued.notify_waiters();
    }

    /// Paced run: one press every `1/rate` s for `secs`, each in the chat idle longest;
    /// returns the ticks that found no idle chat.
    pub async fn pace(&self, rate: u64, secs: f64) -> u64 {
        let period = Duration::from_secs_f64(1.0 / rate as f64);
        let start = tokio::time::Instant::now();
        let (mut skipped, total) = (0, (rate as f64 * secs) as u32);
        for n in 0..total {
            tokio::time::sleep_until(start + period * n).await;
            let mut s = self.shared.state.lock().expect("state");
            match s.idle.pop_front() {
                Some(i) => queue_press(&mut s, i),
                None => skipped += 1,
            }
            drop(s);
            self.shared.queued.notify_waiters();
        }
        skipped
    }

    /// Stops queueing presses and waits (up to `limit`) for those in flight.
    pub async fn drain(&self, limit: Duration) -> Progress {
        self.shared.state.lock().expect("state").mode = Some(Mode::Idle);
        let until = Instant::now() + limit;
        loop {
            let p = self.progress();
            if p.in_flight == 0 || Instant::now() > until {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn progress(&self) -> Progress {
        let s = self.shared.state.lock().expect("state");
        Progress {
            done: s.done,
            in_flight: s.chats.iter().filter(|c| c.queued.is_some()).count(),
            stray_edits: s.stray_edits,
        }
    }

    /// Takes the latencies recorded since the run started, sorted.
    pub fn take_latencies(&self) -> Vec<Duration> {
        let mut l = std::mem::take(&mut self.shared.state.lock().expect("state").latencies);
        l.sort_unstable();
        l.into_iter().map(|us| Duration::from_micros(us.into())).collect()
    }
}

/// Queues chat `i`'s next press (nothing if its message has no button to press).
fn queue_press(s: &mut State, i: usize) {
    let Some(data) = s.chats[i].next_data() else { return };
    let (u, c) = (s.next_update, &mut s.chats[i]);
    c.queued = Some(Instant::now());
    let json = wire::press_update(u, c.id, c.message, &data);
    s.next_update += 1;
    s.pending.push_back((u, json));
}

impl Shared {
    /// A message the bot sent (`edit`: an edit of `message`) to `chat`, with its keyboard.
    /// Returns the message id it gets.
    pub(crate) fn bot_message(&self, chat: i64, edit: Option<i32>, keyboard: Option<Keyboard<'_>>) -> i32 {
        let mut s = self.state.lock().expect("state");
        let Some(&i) = s.index.get(&chat) else { return edit.unwrap_or(1) };
        let (mut older, mut newer, mut has) = (None, None, false);
        for data in keyboard.iter().flat_map(|k| k.callback_data()) {
            match (self.buttons)(data) {
                Some(Dir::Older) => (older, has) = (Some(data.to_owned()), true),
                Some(Dir::Newer) => (newer, has) = (Some(data.to_owned()), true),
                None => {}
            }
        }
        let c = &mut s.chats[i];
        c.replies += 1;
        let id = edit.unwrap_or_else(|| {
            c.last_id += 1;
            c.last_id
        });
        if edit.is_none() && has {
            c.message = id;
        }
        if id == c.message {
            (c.older, c.newer) = (older, newer);
        }
        let pressed = if edit == Some(c.message) { c.queued.take() } else { None };
        let Some(queued) = pressed else {
            s.stray_edits += u64::from(edit.is_some());
            return id;
        };
        s.done += 1;
        s.latencies.push(queued.elapsed().as_micros().min(u32::MAX as u128) as u32);
        match s.mode {
            Some(Mode::Saturate) => {
                queue_press(&mut s, i);
                drop(s);
                self.queued.notify_waiters();
            }
            Some(Mode::Paced) => s.idle.push_back(i),
            _ => {}
        }
        id
    }

    /// `getUpdates`: drops what `offset` confirms and returns the rest (up to `limit`) as a
    /// JSON array, waiting up to `timeout` for something to deliver.
    pub(crate) async fn updates(&self, offset: Option<i64>, limit: usize, timeout: Duration) -> String {
        let until = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.queued.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut s = self.state.lock().expect("state");
                if let Some(offset) = offset {
                    while s.pending.front().is_some_and(|(u, _)| *u < offset) {
                        s.pending.pop_front();
                    }
                }
                if !s.pending.is_empty() || tokio::time::Instant::now() >= until {
                    return wire::array(s.pending.iter().take(limit.max(1)).map(|(_, j)| j.as_str()));
                }
            }
            let _ = tokio::time::timeout_at(until, notified).await;
        }
    }
}

/// Counts a call (relaxed: only totals are read, after a run).
pub(crate) fn count(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}
