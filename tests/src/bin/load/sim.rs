//! The simulated users: what each one waits for, which button it presses next (read through
//! the bot's own callback decoder), and the closed- and open-loop drivers.

use aisha_bot::callback::Cb;
use aisha_domain::gallery::ImageKind;
use aisha_sandbox::rng::Rng;
use aisha_sandbox::telegram::{ChatEvent, ChatMessage};
use aisha_tests::Emulators;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

pub(super) struct Waiting {
    started: Instant,
    answer: bool,
    screen: bool,
    done: oneshot::Sender<Duration>,
}

#[derive(Default)]
pub(super) struct UserState {
    /// The newest bot message with buttons: where the next press goes.
    message: Option<(i32, Vec<String>)>,
    waiting: Option<Waiting>,
}

#[derive(Default)]
pub(super) struct Users {
    state: Mutex<HashMap<i64, UserState>>,
}

impl Users {
    /// Applies one emulator event; completes the user's action when both parts arrived.
    pub(super) fn on_event(&self, event: ChatEvent) {
        let (chat, message, answered) = match event {
            ChatEvent::Message { chat, message } | ChatEvent::Edited { chat, message } => (chat, Some(message), false),
            ChatEvent::CallbackAnswered { chat, .. } => (chat, None, true),
            _ => return,
        };
        let mut all = self.state.lock().expect("users");
        let Some(u) = all.get_mut(&chat) else { return };
        if let Some(m) = &message
            && !m.callback_data().is_empty()
        {
            u.message = Some((m.message_id, m.callback_data()));
        }
        let Some(w) = &mut u.waiting else { return };
        if answered {
            w.answer = true;
        }
        if message.as_ref().is_some_and(|m: &ChatMessage| m.from_bot) {
            w.screen = true;
        }
        if w.answer && w.screen {
            let w = u.waiting.take().expect("waiting");
            let _ = w.done.send(w.started.elapsed());
        }
    }

    pub(super) fn register(&self, id: i64) {
        self.state.lock().expect("users").insert(id, UserState::default());
    }

    /// Marks `id` as waiting; `answer` is whether a callback answer is expected.
    pub(super) fn wait(&self, id: i64, callback: bool) -> oneshot::Receiver<Duration> {
        let (tx, rx) = oneshot::channel();
        let mut all = self.state.lock().expect("users");
        let u = all.entry(id).or_default();
        u.waiting = Some(Waiting { started: Instant::now(), answer: !callback, screen: false, done: tx });
        rx
    }

    pub(super) fn buttons(&self, id: i64) -> Option<(i32, Vec<String>)> {
        self.state.lock().expect("users").get(&id).and_then(|u| u.message.clone())
    }

    pub(super) fn cancel(&self, id: i64) {
        if let Some(u) = self.state.lock().expect("users").get_mut(&id) {
            u.waiting = None;
        }
    }
}

/// The kinds of action a user takes, and how often in the gallery mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Action {
    Older,
    Newer,
    Favorite,
    Filters,
    /// A filter chosen on the filters screen (or back to the card).
    Filter,
    /// `/gallery`: the gallery opened again as a new card message.
    Open,
}

impl Action {
    const MIX: [(Action, u64); 6] = [
        (Action::Older, 40),
        (Action::Newer, 20),
        (Action::Favorite, 12),
        (Action::Filters, 12),
        (Action::Filter, 12),
        (Action::Open, 4),
    ];

    pub(super) fn label(self) -> &'static str {
        match self {
            Action::Older => "next card (➡️)",
            Action::Newer => "previous card (⬅️)",
            Action::Favorite => "favorite toggle",
            Action::Filters => "filters screen",
            Action::Filter => "filter chosen",
            Action::Open => "/gallery (new card message)",
        }
    }
}

/// The data of the button to press for `want`, given the buttons on the user's message; falls
/// back to whatever moves the user along (the card, a reset, the gallery). Buttons are read
/// through the bot's own decoder, so a change to the callback format cannot leave this binary
/// pressing buttons that no longer exist.
fn choose(want: Action, buttons: &[String], rng: &mut Rng) -> Option<(Action, String)> {
    let decoded: Vec<(Cb, &String)> = buttons.iter().filter_map(|d| Some((Cb::decode(d)?, d))).collect();
    let find = |wanted: &dyn Fn(&Cb) -> bool| decoded.iter().find(|(cb, _)| wanted(cb)).map(|(_, d)| (*d).clone());
    let on_card = find(&|cb| *cb == Cb::Filters).is_some();
    let on_filters = find(&|cb| matches!(cb, Cb::FilterType(_))).is_some();
    let pick = |a: Action, d: Option<String>| d.map(|d| (a, d));
    if on_filters {
        let choices = [
            Cb::FilterType(None),
            Cb::FilterType(Some(ImageKind::Text)),
            Cb::FilterFavorites(true),
            Cb::FilterFavorites(false),
            Cb::FilterReset,
            Cb::Card,
        ];
        let choice = choices[rng.below(choices.len())];
        return pick(Action::Filter, find(&|cb| *cb == choice));
    }
    if on_card {
        let older = || pick(Action::Older, find(&|cb| matches!(cb, Cb::Step(s) if s.older)));
        let newer = || pick(Action::Newer, find(&|cb| matches!(cb, Cb::Step(s) if !s.older)));
        let favorite = || pick(Action::Favorite, find(&|cb| matches!(cb, Cb::Favorite(_))));
        let got = match want {
            Action::Older => older().or_else(newer),
            Action::Newer => newer().or_else(older),
            Action::Favorite => favorite(),
            Action::Filters | Action::Filter => pick(Action::Filters, find(&|cb| *cb == Cb::Filters)),
            Action::Open => None,
        };
        // a one-card gallery has neither arrow: favorite instead
        return got.or_else(favorite);
    }
    // an empty filter result: reset it
    pick(Action::Filter, find(&|cb| *cb == Cb::GalleryReset))
}

pub(super) struct Sim {
    pub(super) emu: Emulators,
    pub(super) users: Arc<Users>,
    pub(super) ids: Vec<i64>,
}

/// One finished action.
pub(super) struct Done {
    pub(super) action: Action,
    pub(super) latency: Option<Duration>,
}

impl Sim {
    /// Performs one action of `user` and waits (up to 10 s) for its reply.
    pub(super) async fn act(&self, user: i64, want: Action, rng: &mut Rng) -> Done {
        let tg = &self.emu.telegram;
        let plan = match want {
            Action::Open => None,
            _ => self.users.buttons(user).and_then(|(m, b)| choose(want, &b, rng).map(|(a, d)| (m, a, d))),
        };
        let (rx, action) = match plan {
            Some((message, action, data)) => {
                let rx = self.users.wait(user, true);
                if tg.press(user, message, &data).is_err() {
                    self.users.cancel(user);
                    return Done { action, latency: None };
                }
                (rx, action)
            }
            None => {
                let rx = self.users.wait(user, false);
                tg.send_text(user, "/gallery");
                (rx, Action::Open)
            }
        };
        match tokio::time::timeout(Duration::from_secs(10), rx).await {
            Ok(Ok(latency)) => Done { action, latency: Some(latency) },
            _ => {
                self.users.cancel(user);
                Done { action, latency: None }
            }
        }
    }

    /// Sends `text` from every user, `in_flight` at a time, each waiting for its reply.
    pub(super) async fn everyone_says(self: &Arc<Self>, text: &'static str, in_flight: usize) {
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..in_flight {
            let (sim, next) = (self.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&user) = sim.ids.get(i) else { break };
                    let rx = sim.users.wait(user, false);
                    sim.emu.telegram.send_text(user, text);
                    let _ = tokio::time::timeout(Duration::from_secs(30), rx).await;
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    }

    pub(super) fn random_action(rng: &mut Rng) -> Action {
        let total: u64 = Action::MIX.iter().map(|(_, w)| w).sum();
        let mut x = rng.below(total as usize) as u64;
        for (a, w) in Action::MIX {
            if x < w {
                return a;
            }
            x -= w;
        }
        Action::Older
    }

    /// Closed loop: `in_flight` users at a time act back to back for `secs`.
    pub(super) async fn closed_loop(self: &Arc<Self>, in_flight: usize, secs: u64, only: Option<Action>) -> Vec<Done> {
        let until = Instant::now() + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for worker in 0..in_flight {
            let sim = self.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15 ^ (worker as u64 + 1).wrapping_mul(0x1234_5678_9ABC_DEF1));
                let mut done = Vec::new();
                // each worker owns a disjoint slice of the users, so no user has two actions at once
                let mine: Vec<i64> = sim.ids.iter().copied().skip(worker).step_by(in_flight).collect();
                while Instant::now() < until && !mine.is_empty() {
                    let user = mine[rng.below(mine.len())];
                    let want = only.unwrap_or_else(|| Self::random_action(&mut rng));
                    done.push(sim.act(user, want, &mut rng).await);
                }
                done
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap_or_default());
        }
        all
    }

    /// Open loop: one action every `1/rate` s for `secs`, each by a user with nothing in
    /// flight. Returns the finished actions and how many ticks found no idle user.
    pub(super) async fn open_loop(self: &Arc<Self>, rate: u64, secs: u64, only: Option<Action>) -> (Vec<Done>, u64) {
        let busy: Arc<Mutex<std::collections::HashSet<i64>>> = Arc::default();
        let mut rng = Rng::new(0xC0FF_EE00_D15E_A5E5);
        let period = Duration::from_secs_f64(1.0 / rate as f64);
        let start = tokio::time::Instant::now();
        let total = rate * secs;
        let mut tasks = Vec::with_capacity(total as usize);
        let mut skipped = 0;
        for n in 0..total {
            tokio::time::sleep_until(start + period * n as u32).await;
            let user = self.ids[rng.below(self.ids.len())];
            if !busy.lock().expect("busy").insert(user) {
                skipped += 1;
                continue;
            }
            let (sim, busy) = (self.clone(), busy.clone());
            let want = only.unwrap_or_else(|| Self::random_action(&mut rng));
            let mut task_rng = Rng::new(rng.next_u64() | 1);
            tasks.push(tokio::spawn(async move {
                let done = sim.act(user, want, &mut task_rng).await;
                busy.lock().expect("busy").remove(&user);
                done
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            if let Ok(d) = t.await {
                all.push(d);
            }
        }
        (all, skipped)
    }
}

// ---- measurements ----------------------------------------------------------------------------
