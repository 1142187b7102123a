//! Load test of the whole transport: long polling → decoding → dispatcher → trivial handler →
//! outbox → sendMessage, against a minimal Bot API stand-in on loopback with no rate limits.
//!
//! `cargo run --release -p aisha-telegram --example intake-load [-- UPDATES]`
//!
//! The stand-in runs in this process; the bot runs in a child process (this binary again,
//! with `bot <url> <updates>`), so the bot's CPU time can be read from its own
//! `/proc/self/stat` while both share the cores. Two runs:
//! 1. throughput: every update is waiting from the start; updates/s from the first
//!    `getUpdates` to the last reply, and the bot's CPU time per update;
//! 2. latency: updates become available at 500/s; the time from an update becoming
//!    available to its reply arriving, p50/p99/max.

use aisha_bot::io::{Event, Outgoing, Reply, Update};
use aisha_domain::{Clock, truncate};
use aisha_memory::{MemoryImageStore, MemoryRateLimiter};
use aisha_telegram::{
    Dispatcher, DispatcherConfig, NoFeedback, Outbox, OutboxConfig, Poller, Telegram, TelegramConfig,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::routing::post;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

const TOKEN: &str = "123:LOAD";
const CHATS: usize = 1_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = std::env::var("LOAD_WORKERS").ok().and_then(|n| n.parse().ok()) {
        builder.worker_threads(n);
    }
    let runtime = builder.enable_all().build().expect("runtime");
    if args.get(1).map(String::as_str) == Some("bot") {
        let url = args[2].clone();
        runtime.block_on(bot(url));
    } else {
        let updates = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(50_000);
        runtime.block_on(drive(updates));
    }
}

// ---- the bot (child process) -------------------------------------------------------------

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        truncate(chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()))
    }
}

/// utime + stime of this process, in seconds (clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // the command name may hold spaces; fields after it start at ')'
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // fields[0] is the state (field 3): utime is field 14, stime field 15
    (ticks(11) + ticks(12)) / 100.0
}

async fn bot(base: String) {
    let config = TelegramConfig::with_base(TOKEN.to_owned().into(), &base);
    let telegram = Telegram::new(&config).expect("client");
    let outbox = Outbox::new(
        &telegram,
        Arc::new(MemoryImageStore::default()),
        Arc::new(MemoryRateLimiter::new(Arc::new(SystemClock))),
        Arc::new(NoFeedback),
        OutboxConfig { chat_rate: None, global_rate: None, ..OutboxConfig::default() },
    );
    let stop = tokio_util::sync::CancellationToken::new();
    let on_stop = stop.clone();
    let handler = move |update: Update| {
        let stop = on_stop.clone();
        async move {
            match update.event {
                Event::Command { name, .. } if name == "stop" => {
                    stop.cancel();
                    Vec::new()
                }
                Event::Text { chat, text, .. } => {
                    vec![Outgoing::normal(Reply::SendText { chat, text: format!("echo {text}"), keyboard: None })]
                }
                _ => Vec::new(),
            }
        }
    };
    let dispatcher = Dispatcher::new(handler, outbox, DispatcherConfig::default());
    let cpu_start = cpu_seconds();
    Poller::new(telegram)
        .with_timeout(10)
        .run(
            move |u| {
                let d = dispatcher.clone();
                async move { d.dispatch(u).await }
            },
            stop,
        )
        .await;
    println!("cpu {}", cpu_seconds() - cpu_start);
}

// ---- the Bot API stand-in and the driver -------------------------------------------------

struct Run {
    /// Pre-rendered update JSON, one per update.
    updates: Vec<String>,
    /// Updates available so far: all at once, or released at a rate.
    release_per_second: Option<f64>,
    started: Mutex<Option<Instant>>,
    confirmed: AtomicUsize,
    received: Mutex<Vec<Option<Instant>>>,
    /// When the stand-in handed each update to the bot.
    handed: Mutex<Vec<Option<Instant>>>,
    replies: AtomicUsize,
    done: Notify,
}

impl Run {
    fn new(count: usize, release_per_second: Option<f64>) -> Self {
        let updates = (0..count)
            .map(|i| {
                let chat = i % CHATS + 1;
                format!(
                    r#"{{"update_id":{id},"message":{{"message_id":{id},"date":0,"chat":{{"id":{chat},"type":"private"}},"from":{{"id":{chat},"is_bot":false,"first_name":"Load","language_code":"en"}},"text":"{i}"}}}}"#,
                    id = i + 1
                )
            })
            .collect();
        Self {
            updates,
            release_per_second,
            started: Mutex::new(None),
            confirmed: AtomicUsize::new(0),
            received: Mutex::new(vec![None; count]),
            handed: Mutex::new(vec![None; count]),
            replies: AtomicUsize::new(0),
            done: Notify::new(),
        }
    }

    fn start(&self) -> Instant {
        *self.started.lock().unwrap().get_or_insert_with(Instant::now)
    }

    /// When update `i` becomes available.
    fn release_at(&self, i: usize) -> Instant {
        let start = self.start();
        match self.release_per_second {
            Some(rate) => start + Duration::from_secs_f64(i as f64 / rate),
            None => start,
        }
    }
}

async fn get_updates(run: &Run, body: &Value) -> String {
    if let Some(offset) = body.get("offset").and_then(Value::as_u64) {
        run.confirmed.fetch_max(offset.saturating_sub(1) as usize, Ordering::Relaxed);
    }
    let from = run.confirmed.load(Ordering::Relaxed);
    if from >= run.updates.len() {
        // everything delivered: once every reply is in, tell the bot to stop
        if run.replies.load(Ordering::Relaxed) >= run.updates.len() {
            let id = run.updates.len() + 1;
            return format!(
                r#"{{"ok":true,"result":[{{"update_id":{id},"message":{{"message_id":1,"date":0,"chat":{{"id":1,"type":"private"}},"from":{{"id":1,"is_bot":false,"first_name":"L"}},"text":"/stop"}}}}]}}"#
            );
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), run.done.notified()).await;
        return r#"{"ok":true,"result":[]}"#.to_owned();
    }
    run.start();
    let now = Instant::now();
    if run.release_at(from) > now {
        tokio::time::sleep_until(run.release_at(from)).await;
    }
    let now = Instant::now();
    let mut to = from;
    while to < run.updates.len() && to - from < 100 && run.release_at(to) <= now {
        to += 1;
    }
    let mut handed = run.handed.lock().unwrap();
    for slot in &mut handed[from..to] {
        slot.get_or_insert(now);
    }
    drop(handed);
    format!(r#"{{"ok":true,"result":[{}]}}"#, run.updates[from..to].join(","))
}

async fn api(State(run): State<Arc<Run>>, Path((_bot, method)): Path<(String, String)>, body: Json<Value>) -> String {
    match method.as_str() {
        "getUpdates" => get_updates(&run, &body).await,
        "sendMessage" => {
            let now = Instant::now();
            let chat = body.get("chat_id").and_then(Value::as_i64).unwrap_or(0);
            let index = body
                .get("text")
                .and_then(Value::as_str)
                .and_then(|t| t.strip_prefix("echo "))
                .and_then(|n| n.parse::<usize>().ok());
            if let Some(i) = index {
                let mut received = run.received.lock().unwrap();
                if let Some(slot) = received.get_mut(i) {
                    *slot = Some(now);
                }
            }
            if run.replies.fetch_add(1, Ordering::Relaxed) + 1 >= run.updates.len() {
                run.done.notify_waiters();
            }
            format!(
                r#"{{"ok":true,"result":{{"message_id":1,"date":0,"chat":{{"id":{chat},"type":"private"}},"text":"ok"}}}}"#
            )
        }
        _ => r#"{"ok":true,"result":true}"#.to_owned(),
    }
}

struct Outcome {
    seconds: f64,
    bot_cpu: f64,
    /// From the update becoming available to its reply arriving.
    latencies: Vec<Duration>,
    /// From the stand-in handing the update over to its reply arriving: what the bot adds.
    added: Vec<Duration>,
}

async fn one_run(count: usize, release_per_second: Option<f64>) -> Outcome {
    let run = Arc::new(Run::new(count, release_per_second));
    let app = axum::Router::new().route("/{bot}/{method}", post(api)).with_state(run.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    // without TCP_NODELAY, Nagle and delayed ACKs add tens of milliseconds to some answers
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(["bot", &base])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn the bot");
    let output =
        tokio::task::spawn_blocking(move || child.wait_with_output()).await.expect("join").expect("the bot ran");
    server.abort();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let bot_cpu = stdout.lines().find_map(|l| l.strip_prefix("cpu ")).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
    let received = run.received.lock().unwrap().clone();
    let last = received.iter().flatten().max().copied().expect("replies arrived");
    let start = run.start();
    let mut latencies: Vec<Duration> = received
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|at| at.saturating_duration_since(run.release_at(i))))
        .collect();
    latencies.sort();
    assert_eq!(latencies.len(), count, "every update got its reply");
    let handed = run.handed.lock().unwrap().clone();
    let mut added: Vec<Duration> = received
        .iter()
        .zip(&handed)
        .filter_map(|(r, h)| Some(r.as_ref()?.saturating_duration_since(*h.as_ref()?)))
        .collect();
    added.sort();
    Outcome { seconds: (last - start).as_secs_f64(), bot_cpu, latencies, added }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

async fn drive(count: usize) {
    println!("intake-load: {count} updates from {CHATS} chats, trivial handler, rate limits lifted");
    let t = one_run(count, None).await;
    println!(
        "throughput: {:.0} updates/s ({count} in {:.2} s); bot CPU {:.2} s = {:.3} ms/update",
        count as f64 / t.seconds,
        t.seconds,
        t.bot_cpu,
        t.bot_cpu * 1e3 / count as f64
    );
    let steady = 5_000;
    let l = one_run(steady, Some(500.0)).await;
    println!(
        "at 500 updates/s ({steady} updates): added latency (handed over -> reply) p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(&l.added, 0.5),
        pct(&l.added, 0.99),
        pct(&l.added, 1.0),
    );
    println!(
        "  from availability (incl. the stand-in's 1 ms timer): p50 {:.2} ms, p99 {:.2} ms; bot CPU {:.3} ms/update",
        pct(&l.latencies, 0.5),
        pct(&l.latencies, 0.99),
        l.bot_cpu * 1e3 / steady as f64
    );
}
