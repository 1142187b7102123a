//! The press benchmark (issue 22): gallery "next" presses as fast as a bot polls, against the
//! Bot API stand-in (`aisha_tests::standin`), for the real `aisha` release binary and, when
//! `--bare` names it, the bare teloxide bot of `bench/teloxide-bare`. Prints one table.
//!
//! ```text
//! cargo build --release -p aisha --bin aisha && cargo build --release -p aisha-tests --bin press
//! cargo build --release --manifest-path bench/teloxide-bare/Cargo.toml
//! AISHA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//! AISHA_TEST_REDIS_URL=redis://127.0.0.1:6379/0 \
//!     target/release/press --bare bench/teloxide-bare/target/release/teloxide-bare [--chats 1000] ...
//! ```
//!
//! Phases: (1) AISHA behind the counting proxies: every chat sends /start, galleries are seeded
//! in SQL (as `load` does), every chat sends /gallery; then `--count-presses` presses at
//! 200/s count SQL round trips and Redis commands per press on the wire; the same for the bare
//! bot (its /gallery, its presses) on the same database. (2) Both bots restarted with direct
//! connections and kept running; `--repeat` times, each bot in turn: a saturated run (every
//! chat with a press in flight, `--warmup` s then `--secs` s measured) and a paced run
//! (`--rate` presses/s for `--rate-secs` s). CPU per press is the bot's utime + stime over the
//! measured part divided by the presses done in it; the stand-in's own CPU is reported too.
//! `--perf DIR` adds one saturated run per bot under `perf record`; `--callgrind DIR` instead
//! runs each bot under callgrind for `--count-presses` presses (counters zeroed after a
//! warm-up, dumped at the end) and skips phase 2.

mod profile;

use aisha_bot::callback::Cb;
use aisha_tests::counting::{CountingProxy, Protocol};
use aisha_tests::measure::{address, cpu_seconds, percentile};
use aisha_tests::standin::{Buttons, Dir, Mode, StandIn};
use aisha_tests::{AppProcess, Backend, Emulators};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const FIRST_USER: i64 = 7_000_000;
const FILE_ID: &str = "bench-photo";

struct Options {
    chats: usize,
    images: usize,
    warmup: f64,
    secs: f64,
    rate: u64,
    rate_secs: f64,
    repeat: usize,
    count_presses: u64,
    bin: PathBuf,
    bare: Option<PathBuf>,
    perf: Option<PathBuf>,
    callgrind: Option<PathBuf>,
}

impl Options {
    fn parse() -> Options {
        let mut o = Options {
            chats: 1_000,
            images: 100,
            warmup: 2.0,
            secs: 10.0,
            rate: 500,
            rate_secs: 10.0,
            repeat: 3,
            count_presses: 2_000,
            bin: aisha_tests::app::default_binary(),
            bare: None,
            perf: None,
            callgrind: None,
        };
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
            let n = || value.parse::<f64>().unwrap_or_else(|_| usage(&format!("{flag}: not a number")));
            match flag.as_str() {
                "--chats" => o.chats = n() as usize,
                "--images" => o.images = n() as usize,
                "--warmup" => o.warmup = n(),
                "--secs" => o.secs = n(),
                "--rate" => o.rate = n() as u64,
                "--rate-secs" => o.rate_secs = n(),
                "--repeat" => o.repeat = n() as usize,
                "--count-presses" => o.count_presses = n() as u64,
                "--bin" => o.bin = PathBuf::from(value),
                "--bare" => o.bare = Some(PathBuf::from(value)),
                "--perf" => o.perf = Some(PathBuf::from(value)),
                "--callgrind" => o.callgrind = Some(PathBuf::from(value)),
                _ => usage(&format!("unknown option {flag}")),
            }
        }
        o
    }
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: press [--chats N] [--images PER_CHAT] [--warmup S] [--secs S] [--rate PRESSES_PER_S] \
         [--rate-secs S] [--repeat N] [--count-presses N] [--bin AISHA] [--bare TELOXIDE_BARE] [--perf DIR] \
         [--callgrind DIR]\nneeds AISHA_TEST_DATABASE_URL and AISHA_TEST_REDIS_URL"
    );
    std::process::exit(2)
}

/// AISHA's "older"/"newer" gallery buttons, by its own decoder.
fn aisha_buttons() -> Buttons {
    Arc::new(|data| match Cb::decode(data) {
        Some(Cb::Step(s)) if s.older => Some(Dir::Older),
        Some(Cb::Step(_)) => Some(Dir::Newer),
        _ => None,
    })
}

/// The bare bot's buttons: `n:<image>` older, `p:<image>` newer (bench/teloxide-bare).
fn bare_buttons() -> Buttons {
    Arc::new(|data| match data.split_once(':') {
        Some(("n", _)) => Some(Dir::Older),
        Some(("p", _)) => Some(Dir::Newer),
        _ => None,
    })
}

/// A bot under test: its process and the stand-in it polls.
struct Bot {
    name: &'static str,
    standin: StandIn,
    process: Running,
}

enum Running {
    Aisha(AppProcess),
    Bare(Child),
}

impl Bot {
    fn pid(&self) -> u32 {
        match &self.process {
            Running::Aisha(app) => app.pid(),
            Running::Bare(child) => child.id(),
        }
    }

    fn stop(self) {
        match self.process {
            Running::Aisha(mut app) => drop(app.terminate(Duration::from_secs(10))),
            Running::Bare(child) => {
                let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
                wait_or_kill(child, Duration::from_secs(10));
            }
        }
    }
}

fn wait_or_kill(mut child: Child, limit: Duration) {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The stores and settings every start of a bot shares.
struct Setup {
    emu: Emulators,
    backend: Backend,
    /// The database URL with `sslmode=disable` (see docs/performance.md).
    database_url: String,
    redis_url: String,
    aisha: StandIn,
    bare: StandIn,
}

impl Setup {
    /// `aisha serve` (`bin` may be a wrapper script, as for callgrind) polling the stand-in,
    /// on `database` and `redis`, rate limits lifted.
    fn start_aisha(&self, bin: &std::path::Path, database: &str, redis: &str) -> Bot {
        let env = [
            ("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "0"),
            ("AISHA__TELEGRAM__GLOBAL_PER_SECOND", "0"),
            ("AISHA__LOGGING__LEVEL", "warn"),
            ("AISHA__TELEGRAM__TOKEN", "1:bench"),
            ("AISHA__TELEGRAM__API_URL", self.aisha.url.as_str()),
            ("AISHA__DATABASE__URL", database),
            ("AISHA__REDIS__URL", redis),
        ];
        let app = AppProcess::start(bin, &self.emu, &self.backend, &env);
        Bot { name: "AISHA", standin: self.aisha.clone(), process: Running::Aisha(app) }
    }

    /// The bare teloxide bot (optionally under `wrapper`, e.g. `valgrind …`) on `database`.
    fn start_bare(&self, bin: &std::path::Path, database: &str, wrapper: &[String]) -> Bot {
        let mut cmd = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TELOXIDE_TOKEN", "1:bench")
            .env("TELEGRAM_API_URL", &self.bare.url)
            .env("DATABASE_URL", database)
            .stdout(Stdio::null());
        let child = cmd.spawn().expect("the bare bot starts");
        Bot { name: "teloxide bare", standin: self.bare.clone(), process: Running::Bare(child) }
    }
}

/// One measured run of one bot.
struct Run {
    presses: u64,
    secs: f64,
    bot_cpu: f64,
    standin_cpu: f64,
    latencies: Vec<Duration>,
    skipped: u64,
    load: String,
}

impl Run {
    fn rate(&self) -> f64 {
        self.presses as f64 / self.secs
    }
    fn per_press_ms(&self, cpu: f64) -> f64 {
        cpu / self.presses.max(1) as f64 * 1000.0
    }
    fn p(&self, q: f64) -> f64 {
        percentile(&self.latencies, q).as_secs_f64() * 1000.0
    }
}

fn load_average() -> String {
    let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    l.split_whitespace().next().unwrap_or("?").to_owned()
}

/// A saturated run: every chat with a press in flight; `warmup` s, then `secs` s measured.
async fn saturated(bot: &Bot, warmup: f64, secs: f64) -> Run {
    let load = load_average();
    bot.standin.start_run(Mode::Saturate);
    tokio::time::sleep(Duration::from_secs_f64(warmup)).await;
    let (pid, me) = (bot.pid(), std::process::id());
    let _ = bot.standin.take_latencies();
    let (d0, b0, s0, t0) = (bot.standin.progress().done, cpu_seconds(pid), cpu_seconds(me), Instant::now());
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    let (d1, b1, s1, took) = (bot.standin.progress().done, cpu_seconds(pid), cpu_seconds(me), t0.elapsed());
    let latencies = bot.standin.take_latencies();
    bot.standin.drain(Duration::from_secs(30)).await;
    Run {
        presses: d1 - d0,
        secs: took.as_secs_f64(),
        bot_cpu: b1 - b0,
        standin_cpu: s1 - s0,
        latencies,
        skipped: 0,
        load,
    }
}

/// A paced run: `rate` presses/s offered for `secs`, after a second at that rate.
async fn paced(bot: &Bot, rate: u64, secs: f64) -> Run {
    let load = load_average();
    bot.standin.start_run(Mode::Paced);
    bot.standin.pace(rate, 1.0).await;
    let (pid, me) = (bot.pid(), std::process::id());
    let _ = bot.standin.take_latencies();
    let (d0, b0, s0, t0) = (bot.standin.progress().done, cpu_seconds(pid), cpu_seconds(me), Instant::now());
    let skipped = bot.standin.pace(rate, secs).await;
    let end = bot.standin.drain(Duration::from_secs(30)).await;
    let (b1, s1) = (cpu_seconds(pid), cpu_seconds(me));
    let latencies = bot.standin.take_latencies();
    Run {
        presses: end.done - d0,
        secs: t0.elapsed().as_secs_f64(),
        bot_cpu: b1 - b0,
        standin_cpu: s1 - s0,
        latencies,
        skipped,
        load,
    }
}

/// Presses until `n` more are done (saturated), then drains.
async fn presses(bot: &Bot, n: u64) {
    let start = bot.standin.progress().done;
    bot.standin.start_run(Mode::Saturate);
    while bot.standin.progress().done < start + n {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.standin.drain(Duration::from_secs(120)).await;
}

/// Opens the gallery in every chat (after `/start` and the seeding when `seed`).
async fn open_galleries(bot: &Bot, o: &Options, seed: Option<&str>) {
    let t = Instant::now();
    if let Some(url) = seed {
        let missing = bot.standin.say("/start", Duration::from_secs(120)).await;
        println!(
            "{}: {} chats sent /start in {:.1} s ({missing} unanswered)",
            bot.name,
            o.chats,
            t.elapsed().as_secs_f64()
        );
        aisha_tests::seed::images(url, o.images, FILE_ID, FIRST_USER).await;
        println!("{} images seeded", o.chats * o.images);
    }
    let t = Instant::now();
    let missing = bot.standin.say("/gallery", Duration::from_secs(120)).await;
    let ready = bot.standin.ready_chats();
    println!(
        "{}: /gallery in {:.1} s, {ready} chats ready ({missing} unanswered)",
        bot.name,
        t.elapsed().as_secs_f64()
    );
    assert!(ready > 0, "{}: no chat has a gallery card with a button to press", bot.name);
}

/// Round trips per press on the wire: `n` presses at 200/s behind the proxies.
async fn count_round_trips(bot: &Bot, n: u64, pg: &CountingProxy, redis: &CountingProxy) -> String {
    let calls = |b: &Bot| {
        let c = b.standin.calls();
        [&c.get_updates, &c.edits, &c.answers, &c.sends, &c.other].map(|a| a.load(std::sync::atomic::Ordering::Relaxed))
    };
    let (p0, r0, c0) = (pg.counts.total(), redis.counts.total(), calls(bot));
    let (pn0, rn0) = (pg.counts.names(), redis.counts.names());
    let d0 = bot.standin.progress().done;
    bot.standin.start_run(Mode::Paced);
    bot.standin.pace(200, n as f64 / 200.0).await;
    let done = bot.standin.drain(Duration::from_secs(30)).await.done - d0;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let d = done.max(1) as f64;
    let (p1, r1, c1) = (pg.counts.total(), redis.counts.total(), calls(bot));
    let per = |i: usize| (c1[i] - c0[i]) as f64 / d;
    let delta = |now: std::collections::BTreeMap<String, u64>, before: std::collections::BTreeMap<String, u64>| {
        now.into_iter().map(|(k, v)| (k.clone(), v - before.get(&k).copied().unwrap_or(0))).collect::<Vec<_>>()
    };
    println!("{}: SQL round trips by shape {:?}", bot.name, delta(pg.counts.names(), pn0));
    println!("{}: Redis commands by name {:?}", bot.name, delta(redis.counts.names(), rn0));
    format!(
        "| {} | {} | {:.2} | {:.2} | {:.2} getUpdates + {:.2} edits + {:.2} answers + {:.2} other |",
        bot.name,
        done,
        (p1 - p0) as f64 / d,
        (r1 - r0) as f64 / d,
        per(0),
        per(1),
        per(2),
        per(3) + per(4)
    )
}

fn print_runs(kind: &str, runs: &[(&str, Run)]) {
    println!("\n{kind}:");
    println!(
        "| bot | load avg | presses | presses/s | bot CPU / press | stand-in CPU / press | p50 | p99 | ticks with no idle chat |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, r) in runs {
        println!(
            "| {name} | {} | {} | {:.0} | {:.3} ms | {:.3} ms | {:.2} ms | {:.2} ms | {} |",
            r.load,
            r.presses,
            r.rate(),
            r.per_press_ms(r.bot_cpu),
            r.per_press_ms(r.standin_cpu),
            r.p(0.5),
            r.p(0.99),
            r.skipped
        );
    }
}

#[tokio::main]
async fn main() {
    let o = Options::parse();
    if std::env::var(aisha_tests::backend::PG_VAR).is_err() || std::env::var(aisha_tests::backend::REDIS_VAR).is_err() {
        usage("the press benchmark runs on PostgreSQL and Redis");
    }
    let emu = Emulators::start().await;
    let backend = Backend::from_env().await;
    let url = &backend.database_url;
    let database_url = format!("{url}{}sslmode=disable", if url.contains('?') { '&' } else { '?' });
    let redis_url = backend.env.iter().find(|(k, _)| k == "AISHA__REDIS__URL").map(|(_, v)| v.clone()).expect("redis");
    let ids: Vec<i64> = (0..o.chats as i64).map(|i| FIRST_USER + i).collect();
    let aisha = StandIn::start(&ids, 1_000_000, aisha_buttons()).await.expect("the stand-in");
    let bare = StandIn::start(&ids, 1_000_000, bare_buttons()).await.expect("the stand-in");
    let setup = Setup { emu, backend, database_url, redis_url, aisha, bare };
    println!("stores: {}; app {}; {} chats × {} images", setup.backend.describe(), o.bin.display(), o.chats, o.images);

    // ---- phase 1: behind the counting proxies --------------------------------------------
    let (pg_addr, pg_via) = address(&setup.database_url);
    let (redis_addr, redis_via) = address(&setup.redis_url);
    let pg = CountingProxy::start(pg_addr, Protocol::Postgres).await.expect("a PostgreSQL proxy");
    let redis = CountingProxy::start(redis_addr, Protocol::Redis).await.expect("a Redis proxy");
    let (pg_proxied, redis_proxied) = (pg_via(pg.addr), redis_via(redis.addr));
    let mut rows = Vec::new();
    let bot = setup.start_aisha(&o.bin, &pg_proxied, &redis_proxied);
    open_galleries(&bot, &o, Some(&setup.database_url)).await;
    rows.push(count_round_trips(&bot, o.count_presses, &pg, &redis).await);
    bot.stop();
    if let Some(bin) = &o.bare {
        let bot = setup.start_bare(bin, &pg_proxied, &[]);
        open_galleries(&bot, &o, None).await;
        rows.push(count_round_trips(&bot, o.count_presses, &pg, &redis).await);
        bot.stop();
    }
    println!("\nround trips per press on the wire ({} presses at 200/s):", o.count_presses);
    println!("| bot | presses | SQL round trips / press | Redis commands / press | Bot API calls / press |");
    println!("|---|---:|---:|---:|---:|");
    rows.iter().for_each(|r| println!("{r}"));

    if let Some(dir) = &o.callgrind {
        profile::callgrind(&setup, &o, dir).await;
        return;
    }
    series(&setup, &o).await;
}

/// Phase 2: both bots on direct connections, alternating, `--repeat` times.
async fn series(setup: &Setup, o: &Options) {
    let mut bots = vec![setup.start_aisha(&o.bin, &setup.database_url, &setup.redis_url)];
    if let Some(bin) = &o.bare {
        bots.push(setup.start_bare(bin, &setup.database_url, &[]));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mut sat, mut pace) = (Vec::new(), Vec::new());
    for round in 0..o.repeat {
        for bot in &bots {
            let r = saturated(bot, o.warmup, o.secs).await;
            println!("round {round} {}: saturated {:.0} presses/s (load {})", bot.name, r.rate(), r.load);
            sat.push((bot.name, r));
        }
        for bot in &bots {
            let r = paced(bot, o.rate, o.rate_secs).await;
            println!("round {round} {}: paced p99 {:.2} ms (load {})", bot.name, r.p(0.99), r.load);
            pace.push((bot.name, r));
        }
    }
    if let Some(dir) = &o.perf {
        std::fs::create_dir_all(dir).expect("the perf directory");
        for bot in &bots {
            profile::perf_run(bot, o, dir).await;
        }
    }
    print_runs(&format!("saturated ({} chats, {} s after {} s warm-up)", o.chats, o.secs, o.warmup), &sat);
    print_runs(&format!("paced ({} presses/s offered, {} s)", o.rate, o.rate_secs), &pace);
    for bot in bots {
        println!("{}: edits for no press in flight {}", bot.name, bot.standin.progress().stray_edits);
        bot.stop();
    }
}
