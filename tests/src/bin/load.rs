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

use aisha_sandbox::telegram::png;
use aisha_tests::counting::{CountingProxy, Protocol};
use aisha_tests::measure::{address, cpu_seconds, percentile};
use aisha_tests::{AppProcess, Backend, Emulators};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "load/sim.rs"]
mod sim;

use sim::{Action, Done, Sim, Users};

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

/// Telegram's send limits lifted and quiet logs: what both phases run the app with.
const LIFTED: [(&str, &str); 3] = [
    ("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "0"),
    ("AISHA__TELEGRAM__GLOBAL_PER_SECOND", "0"),
    ("AISHA__LOGGING__LEVEL", "warn"),
];

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
    let file_id = one_photo(&emu);
    // TLS to a server on loopback only costs CPU (the server has `ssl = on`, and sqlx prefers
    // it), and the proxies must read the protocol
    let database_url = format!(
        "{}{}sslmode=disable",
        backend.database_url,
        if backend.database_url.contains('?') { '&' } else { '?' }
    );

    // ---- phase 1: behind the counting proxies --------------------------------------------
    let redis_url = std::env::var(aisha_tests::backend::REDIS_VAR).expect("set");
    let (pg_addr, pg_via) = address(&database_url);
    let (redis_addr, redis_via) = address(&redis_url);
    let pg_proxy = CountingProxy::start(pg_addr, Protocol::Postgres).await.expect("a PostgreSQL proxy");
    let redis_proxy = CountingProxy::start(redis_addr, Protocol::Redis).await.expect("a Redis proxy");
    let (pg_proxied, redis_proxied) = (pg_via(pg_proxy.addr), redis_via(redis_proxy.addr));
    let mut env: Vec<(&str, &str)> = LIFTED.to_vec();
    env.push(("AISHA__DATABASE__URL", &pg_proxied));
    env.push(("AISHA__REDIS__URL", &redis_proxied));
    let mut app = AppProcess::start(&o.bin, &emu, &backend, &env);
    let (sim, listener) = populate(emu, &o, &database_url, &file_id).await;
    count_round_trips(&sim, &o, (&pg_proxy, &redis_proxy), &mut table).await;
    let _ = app.terminate(Duration::from_secs(10));
    drop(app);

    // ---- phase 2: direct connections -----------------------------------------------------
    let mut direct: Vec<(&str, &str)> = LIFTED.to_vec();
    direct.push(("AISHA__DATABASE__URL", &database_url));
    let app = AppProcess::start(&o.bin, &sim.emu, &backend, &direct);
    let done = measure_direct(&sim, &o, app.pid(), &mut table).await;
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

/// One real photo in the emulator: every seeded image shows it by its file id.
fn one_photo(emu: &Emulators) -> String {
    let uploader = FIRST_USER - 1;
    let m = emu.telegram.send_photo(uploader, png(640, 640), None).expect("a photo");
    emu.telegram
        .messages(uploader)
        .into_iter()
        .find(|x| x.message_id == m)
        .and_then(|x| x.photo)
        .and_then(|p| p.last().map(|s| s.file_id.clone()))
        .expect("the photo's file id")
}

/// The users registered (each with `/start`), their images seeded, their galleries open; and
/// the task that follows what the bot sends them.
async fn populate(
    emu: Emulators,
    o: &Options,
    database_url: &str,
    file_id: &str,
) -> (Arc<Sim>, tokio::task::JoinHandle<()>) {
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
    aisha_tests::seed::images(database_url, o.images, file_id, FIRST_USER).await;
    println!("{} images seeded in {:.1} s", o.users * o.images, t.elapsed().as_secs_f64());
    let t = Instant::now();
    sim.everyone_says("/gallery", 64).await;
    println!("{} galleries opened in {:.1} s", o.users, t.elapsed().as_secs_f64());
    (sim, listener)
}

/// Phase 1: the store round trips of each action alone, counted by the proxies.
async fn count_round_trips(
    sim: &Arc<Sim>,
    o: &Options,
    (pg, redis): (&CountingProxy, &CountingProxy),
    table: &mut Table,
) {
    println!("\nround trips per update, each action alone at 200 updates/s ({} updates each):", o.count_updates);
    println!("| action | updates | SQL round trips / update | Redis commands / update | Telegram calls / update |");
    println!("|---|---:|---:|---:|---:|");
    let secs = (o.count_updates as u64 / 200).max(1);
    let mut nav_sql = 0.0;
    let mut nav_redis = 0.0;
    for action in [Action::Older, Action::Newer, Action::Favorite, Action::Filters, Action::Open] {
        // filters alternate screen and choice, so both kinds are counted together
        let only = Some(action);
        let (pg0, r0, c0) = (pg.counts.total(), redis.counts.total(), sim.emu.telegram.calls().len());
        let (done, _) = sim.open_loop(200, secs, only).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let n = done.iter().filter(|d| d.latency.is_some()).count().max(1) as f64;
        let sql = (pg.counts.total() - pg0) as f64 / n;
        let redis_per = (redis.counts.total() - r0) as f64 / n;
        let calls = (sim.emu.telegram.calls().len() - c0) as f64 / n;
        let kinds: std::collections::BTreeSet<&str> = done.iter().map(|d| d.action.label()).collect();
        println!(
            "| {} | {} | {sql:.2} | {redis_per:.2} | {calls:.2} |",
            kinds.into_iter().collect::<Vec<_>>().join(" + "),
            n as u64
        );
        if action == Action::Older {
            (nav_sql, nav_redis) = (sql, redis_per);
        }
    }
    println!("Redis commands by name over all of phase 1: {:?}", redis.counts.names());
    println!("PostgreSQL round trips over all of phase 1: {:?}", pg.counts.names());
    table.row("SQL round trips per gallery navigation update (next card)", format!("{nav_sql:.2}"), "≤ 2");
    table.row("Redis round trips per gallery navigation update (next card)", format!("{nav_redis:.2}"), "≤ 2");
}

/// Phase 2, on direct connections: memory, the saturated gallery mix with its CPU per update,
/// and latency at a fixed offered rate. Returns the rate run's actions.
async fn measure_direct(sim: &Arc<Sim>, o: &Options, pid: u32, table: &mut Table) -> Vec<Done> {
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
    let per_update = |cpu: f64| format!("{:.3} ms", cpu / ok.max(1) as f64 * 1000.0);
    let lat = latencies(&done);
    table.row(
        format!("max sustained, gallery mix ({} users in flight, {} s)", o.concurrency, o.max_secs),
        format!("{:.0} updates/s", ok as f64 / took),
        "≥ 5 000 updates/s",
    );
    table.row("bot CPU per update (utime+stime of the app / updates)", per_update(app1 - app0), "≤ 0.25 ms");
    table.row("load generator + emulators CPU per update (this process)", per_update(me1 - me0), "–");
    let busy = (m1.0 - m0.0) / (m1.1 - m0.1).max(1.0) * 100.0;
    table.row("machine CPU busy during the max run (all processes, 2 cores = 100%)", format!("{busy:.0}%"), "–");
    table.row(
        "latency at max rate p50 / p99",
        format!("{} / {}", ms(percentile(&lat, 0.5)), ms(percentile(&lat, 0.99))),
        "–",
    );
    let calls = (sim.emu.telegram.calls().len() - c0) as f64 / ok.max(1) as f64;
    table.row("Telegram calls per update (mix)", format!("{calls:.2}"), "–");
    table.row("actions without a complete reply within 10 s (max run)", (done.len() - ok).to_string(), "0");

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
    done
}
