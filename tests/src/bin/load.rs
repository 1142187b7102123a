//! The load binary: N simulated users browsing pre-populated galleries (next, previous, open,
//! filters, favorite) against the real `aisha` release binary, with PostgreSQL and Redis, the
//! Telegram and FAL emulators in this process. Prints one table of figures.
//!
//! ```text
//! cargo build --release -p aisha
//! AISHA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//! AISHA_TEST_REDIS_URL=redis://127.0.0.1:6379/0 \
//!     cargo run --release -p aisha-tests --bin load -- [--users 10000] [--images 20] ...
//! ```
//!
//! Phases: (1) the app behind counting proxies: every user sends /start, their galleries are
//! seeded in SQL (one shared Telegram file id, so no uploads), every user opens the gallery,
//! then each action kind runs alone at a modest rate while the proxies count PostgreSQL round
//! trips (`Sync` + simple `Query` messages) and Redis commands per update; (2) the app
//! restarted with direct connections: RSS idle, the maximum sustained rate (closed loop, a
//! fixed number of users in flight), p50/p99 update→reply at a fixed offered rate (open loop),
//! CPU per update of the app and of this process, RSS after every user was active.
//!
//! "Update→reply" is from the moment the update is queued in the emulator until the user has
//! both the callback answer and the edited (or new) message.

use aisha_bot::callback::Cb;
use aisha_domain::gallery::ImageKind;
use aisha_sandbox::rng::Rng;
use aisha_sandbox::telegram::{ChatEvent, ChatMessage, png};
use aisha_tests::counting::{CountingProxy, Protocol};
use aisha_tests::measure::{address, cpu_seconds, percentile};
use aisha_tests::{AppProcess, Backend, Emulators};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

const FIRST_USER: i64 = 5_000_000;

struct Options {
    users: usize,
    images: usize,
    concurrency: usize,
    max_secs: u64,
    rate: u64,
    rate_secs: u64,
    count_updates: usize,
    bin: PathBuf,
}

impl Options {
    fn parse() -> Options {
        let mut o = Options {
            users: 10_000,
            images: 20,
            concurrency: 128,
            max_secs: 20,
            rate: 500,
            rate_secs: 20,
            count_updates: 2_000,
            bin: aisha_tests::app::default_binary(),
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
            let n = || value.parse::<u64>().unwrap_or_else(|_| usage(&format!("{flag}: not a number")));
            match flag.as_str() {
                "--users" => o.users = n() as usize,
                "--images" => o.images = n() as usize,
                "--concurrency" => o.concurrency = n() as usize,
                "--max-secs" => o.max_secs = n(),
                "--rate" => o.rate = n(),
                "--rate-secs" => o.rate_secs = n(),
                "--count-updates" => o.count_updates = n() as usize,
                "--bin" => o.bin = PathBuf::from(value),
                _ => usage(&format!("unknown option {flag}")),
            }
        }
        o
    }
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: load [--users N] [--images PER_USER] [--concurrency IN_FLIGHT] [--max-secs S] \
         [--rate UPDATES_PER_S] [--rate-secs S] [--count-updates N] [--bin PATH_TO_AISHA]\n\
         needs AISHA_TEST_DATABASE_URL and AISHA_TEST_REDIS_URL"
    );
    std::process::exit(2)
}

// ---- the simulated users ----------------------------------------------------------------

/// What one user waits for after an action.
struct Waiting {
    started: Instant,
    answer: bool,
    screen: bool,
    done: oneshot::Sender<Duration>,
}

#[derive(Default)]
struct UserState {
    /// The newest bot message with buttons: where the next press goes.
    message: Option<(i32, Vec<String>)>,
    waiting: Option<Waiting>,
}

#[derive(Default)]
struct Users {
    state: Mutex<HashMap<i64, UserState>>,
}

impl Users {
    /// Applies one emulator event; completes the user's action when both parts arrived.
    fn on_event(&self, event: ChatEvent) {
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

    fn register(&self, id: i64) {
        self.state.lock().expect("users").insert(id, UserState::default());
    }

    /// Marks `id` as waiting; `answer` is whether a callback answer is expected.
    fn wait(&self, id: i64, callback: bool) -> oneshot::Receiver<Duration> {
        let (tx, rx) = oneshot::channel();
        let mut all = self.state.lock().expect("users");
        let u = all.entry(id).or_default();
        u.waiting = Some(Waiting { started: Instant::now(), answer: !callback, screen: false, done: tx });
        rx
    }

    fn buttons(&self, id: i64) -> Option<(i32, Vec<String>)> {
        self.state.lock().expect("users").get(&id).and_then(|u| u.message.clone())
    }

    fn cancel(&self, id: i64) {
        if let Some(u) = self.state.lock().expect("users").get_mut(&id) {
            u.waiting = None;
        }
    }
}

/// The kinds of action a user takes, and how often in the gallery mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Action {
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

    fn label(self) -> &'static str {
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
        let older = || pick(Action::Older, find(&|cb| *cb == Cb::Older));
        let newer = || pick(Action::Newer, find(&|cb| *cb == Cb::Newer));
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

struct Sim {
    emu: Emulators,
    users: Arc<Users>,
    ids: Vec<i64>,
}

/// One finished action.
struct Done {
    action: Action,
    latency: Option<Duration>,
}

impl Sim {
    /// Performs one action of `user` and waits (up to 10 s) for its reply.
    async fn act(&self, user: i64, want: Action, rng: &mut Rng) -> Done {
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
    async fn everyone_says(self: &Arc<Self>, text: &'static str, in_flight: usize) {
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

    fn random_action(rng: &mut Rng) -> Action {
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
    async fn closed_loop(self: &Arc<Self>, in_flight: usize, secs: u64, only: Option<Action>) -> Vec<Done> {
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
    async fn open_loop(self: &Arc<Self>, rate: u64, secs: u64, only: Option<Action>) -> (Vec<Done>, u64) {
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

/// Busy and total jiffies of the whole machine.
fn machine_ticks() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu: Vec<f64> =
        stat.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    let total: f64 = cpu.iter().take(8).sum();
    let idle = cpu.get(3).copied().unwrap_or(0.0) + cpu.get(4).copied().unwrap_or(0.0);
    (total - idle, total)
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn latencies(done: &[Done]) -> Vec<Duration> {
    let mut l: Vec<Duration> = done.iter().filter_map(|d| d.latency).collect();
    l.sort();
    l
}

struct Table(Vec<(String, String, String)>);

impl Table {
    fn row(&mut self, what: impl Into<String>, value: impl Into<String>, target: impl Into<String>) {
        self.0.push((what.into(), value.into(), target.into()));
    }
    fn print(&self) {
        println!("| measure | result | target |");
        println!("|---|---:|---|");
        for (a, b, c) in &self.0 {
            println!("| {a} | {b} | {c} |");
        }
    }
}

#[tokio::main]
async fn main() {
    let o = Options::parse();
    if std::env::var(aisha_tests::backend::PG_VAR).is_err() || std::env::var(aisha_tests::backend::REDIS_VAR).is_err() {
        usage("the load runs on PostgreSQL and Redis");
    }
    let emu = Emulators::start().await;
    let backend = Backend::from_env().await;
    let mut table = Table(Vec::new());
    println!("stores: {}; app {}", backend.describe(), o.bin.display());

    // one real photo in the emulator: every seeded image shows it by file id
    let uploader = FIRST_USER - 1;
    let m = emu.telegram.send_photo(uploader, png(640, 640), None).expect("a photo");
    let file_id = emu
        .telegram
        .messages(uploader)
        .into_iter()
        .find(|x| x.message_id == m)
        .and_then(|x| x.photo)
        .and_then(|p| p.last().map(|s| s.file_id.clone()))
        .expect("the photo's file id");

    let lifted = [
        ("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "0"),
        ("AISHA__TELEGRAM__GLOBAL_PER_SECOND", "0"),
        ("AISHA__LOGGING__LEVEL", "warn"),
    ];
    // TLS to a server on loopback only costs CPU (the server has `ssl = on`, and sqlx prefers
    // it), and the proxies must read the protocol
    let database_url = format!(
        "{}{}sslmode=disable",
        backend.database_url,
        if backend.database_url.contains('?') { '&' } else { '?' }
    );
    let redis_url = std::env::var(aisha_tests::backend::REDIS_VAR).expect("set");
    let (pg_addr, pg_via) = address(&database_url);
    let (redis_addr, redis_via) = address(&redis_url);
    let pg_proxy = CountingProxy::start(pg_addr, Protocol::Postgres).await.expect("a PostgreSQL proxy");
    let redis_proxy = CountingProxy::start(redis_addr, Protocol::Redis).await.expect("a Redis proxy");
    let (pg_proxied, redis_proxied) = (pg_via(pg_proxy.addr), redis_via(redis_proxy.addr));
    let mut env: Vec<(&str, &str)> = lifted.to_vec();
    env.push(("AISHA__DATABASE__URL", &pg_proxied));
    env.push(("AISHA__REDIS__URL", &redis_proxied));

    // ---- phase 1: behind the counting proxies --------------------------------------------
    let mut app = AppProcess::start(&o.bin, &emu, &backend, &env);
    let ids: Vec<i64> = (0..o.users as i64).map(|i| FIRST_USER + i).collect();
    let users = Arc::new(Users::default());
    for id in &ids {
        emu.telegram.add_user(*id, &format!("Load{id}"), Some(if id % 2 == 0 { "ru" } else { "en" }));
        users.register(*id);
    }
    let mut events = emu.telegram.subscribe();
    let listener = {
        let users = users.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(e) => users.on_event(e),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        eprintln!("the event listener lagged by {n} events")
                    }
                    Err(_) => break,
                }
            }
        })
    };
    let sim = Arc::new(Sim { emu, users, ids });
    let t = Instant::now();
    sim.everyone_says("/start", 64).await;
    println!("{} users registered in {:.1} s", o.users, t.elapsed().as_secs_f64());
    let t = Instant::now();
    aisha_tests::seed::images(&database_url, o.images, &file_id, FIRST_USER).await;
    println!("{} images seeded in {:.1} s", o.users * o.images, t.elapsed().as_secs_f64());
    let t = Instant::now();
    sim.everyone_says("/gallery", 64).await;
    println!("{} galleries opened in {:.1} s", o.users, t.elapsed().as_secs_f64());

    println!("\nround trips per update, each action alone at 200 updates/s ({} updates each):", o.count_updates);
    println!("| action | updates | SQL round trips / update | Redis commands / update | Telegram calls / update |");
    println!("|---|---:|---:|---:|---:|");
    let secs = (o.count_updates as u64 / 200).max(1);
    let mut nav_sql = 0.0;
    let mut nav_redis = 0.0;
    for action in [Action::Older, Action::Newer, Action::Favorite, Action::Filters, Action::Open] {
        // filters alternate screen and choice, so both kinds are counted together
        let only = Some(action);
        let (pg0, r0, c0) = (pg_proxy.counts.total(), redis_proxy.counts.total(), sim.emu.telegram.calls().len());
        let (done, _) = sim.open_loop(200, secs, only).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let n = done.iter().filter(|d| d.latency.is_some()).count().max(1) as f64;
        let sql = (pg_proxy.counts.total() - pg0) as f64 / n;
        let redis = (redis_proxy.counts.total() - r0) as f64 / n;
        let calls = (sim.emu.telegram.calls().len() - c0) as f64 / n;
        let kinds: std::collections::BTreeSet<&str> = done.iter().map(|d| d.action.label()).collect();
        println!(
            "| {} | {} | {sql:.2} | {redis:.2} | {calls:.2} |",
            kinds.into_iter().collect::<Vec<_>>().join(" + "),
            n as u64
        );
        if action == Action::Older {
            (nav_sql, nav_redis) = (sql, redis);
        }
    }
    println!("Redis commands by name over all of phase 1: {:?}", redis_proxy.counts.names());
    println!("PostgreSQL round trips over all of phase 1: {:?}", pg_proxy.counts.names());
    table.row("SQL round trips per gallery navigation update (next card)", format!("{nav_sql:.2}"), "≤ 2");
    table.row("Redis round trips per gallery navigation update (next card)", format!("{nav_redis:.2}"), "≤ 2");
    let _ = app.terminate(Duration::from_secs(10));
    drop(app);

    // ---- phase 2: direct connections -----------------------------------------------------
    let mut direct: Vec<(&str, &str)> = lifted.to_vec();
    direct.push(("AISHA__DATABASE__URL", &database_url));
    let app = AppProcess::start(&o.bin, &sim.emu, &backend, &direct);
    let pid = app.pid();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = rss_mb(pid);
    table.row("RSS idle (after start, no traffic)", format!("{idle:.1} MB"), "≤ 60 MB");

    // warm the direct app's connections and statement caches
    let _ = sim.closed_loop(o.concurrency, 3, None).await;

    let (app0, me0, m0, c0) =
        (cpu_seconds(pid), cpu_seconds(std::process::id()), machine_ticks(), sim.emu.telegram.calls().len());
    let t = Instant::now();
    let done = sim.closed_loop(o.concurrency, o.max_secs, None).await;
    let took = t.elapsed().as_secs_f64();
    let (app1, me1, m1) = (cpu_seconds(pid), cpu_seconds(std::process::id()), machine_ticks());
    let ok = done.iter().filter(|d| d.latency.is_some()).count();
    let lost = done.len() - ok;
    let rate = ok as f64 / took;
    let calls = (sim.emu.telegram.calls().len() - c0) as f64 / ok.max(1) as f64;
    let busy = (m1.0 - m0.0) / (m1.1 - m0.1).max(1.0) * 100.0;
    let lat = latencies(&done);
    table.row(
        format!("max sustained, gallery mix ({} users in flight, {} s)", o.concurrency, o.max_secs),
        format!("{rate:.0} updates/s"),
        "≥ 5 000 updates/s",
    );
    table.row(
        "bot CPU per update (utime+stime of the app / updates)",
        format!("{:.3} ms", (app1 - app0) / ok.max(1) as f64 * 1000.0),
        "≤ 0.25 ms",
    );
    table.row(
        "load generator + emulators CPU per update (this process)",
        format!("{:.3} ms", (me1 - me0) / ok.max(1) as f64 * 1000.0),
        "–",
    );
    table.row("machine CPU busy during the max run (all processes, 2 cores = 100%)", format!("{busy:.0}%"), "–");
    table.row(
        "latency at max rate p50 / p99",
        format!("{} / {}", ms(percentile(&lat, 0.5)), ms(percentile(&lat, 0.99))),
        "–",
    );
    table.row("Telegram calls per update (mix)", format!("{calls:.2}"), "–");
    table.row("actions without a complete reply within 10 s (max run)", lost.to_string(), "0");

    let (done, skipped) = sim.open_loop(o.rate, o.rate_secs, None).await;
    let lat = latencies(&done);
    let lost = done.len() - lat.len();
    table.row(
        format!("update→reply at {} updates/s offered, p50 / p99 ({} s)", o.rate, o.rate_secs),
        format!("{} / {}", ms(percentile(&lat, 0.5)), ms(percentile(&lat, 0.99))),
        "p99 ≤ 5 ms",
    );
    table.row(
        "actions without a complete reply within 10 s / ticks with no idle user (rate run)",
        format!("{lost} / {skipped}"),
        "0",
    );
    let active = rss_mb(pid);
    table.row(format!("RSS after all {} users were active", o.users), format!("{active:.1} MB"), "≤ 200 MB");
    listener.abort();

    println!();
    table.print();
    let mut kinds: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for d in &done {
        *kinds.entry(d.action.label()).or_default() += 1;
    }
    println!("\nthe rate run's actions: {kinds:?}");
    drop(app);
}
