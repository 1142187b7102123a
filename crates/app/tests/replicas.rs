//! Two `aisha serve` replicas on one PostgreSQL and one Redis: one polls Telegram (the lock's
//! holder), both work jobs, and when the poller dies the other takes over within the lock's
//! TTL. Needs `AISHA_TEST_DATABASE_URL` and `AISHA_TEST_REDIS_URL` (set by `.ci/run`).

use aisha_tests::{AppProcess, Backend, Chat, Emulators};
use std::path::Path;
use std::time::{Duration, Instant};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_aisha"))
}

/// The value of a metric line starting with `series` (0 when absent).
fn value(metrics: &str, series: &str) -> f64 {
    metrics.lines().filter(|l| l.starts_with(series)).filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok()).sum()
}

async fn leader(apps: &[&AppProcess]) -> Vec<bool> {
    let mut out = Vec::new();
    for app in apps {
        out.push(value(&app.get("/metrics").await.1, "aisha_polling_leader") == 1.0);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_the_work_and_polling_fails_over() {
    let backend = Backend::from_env().await;
    if backend.postgres.is_none() || !backend.redis {
        aisha_tests::backend::skip_unless_ci("AISHA_TEST_DATABASE_URL and AISHA_TEST_REDIS_URL", "two replicas");
        return;
    }
    let emu = Emulators::start().await;
    emu.fal.update(|k| {
        k.queue_ms = 300;
        k.run_ms = 700;
    });
    let settings = [
        ("AISHA__LIMITS__WELCOME_BONUS", "100"),
        ("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "100"),
        ("AISHA__TELEGRAM__GLOBAL_PER_SECOND", "1000"),
    ];
    let a = AppProcess::start(bin(), &emu, &backend, &settings);
    let b = AppProcess::start(bin(), &emu, &backend, &settings);

    // exactly one of them polls
    let start = Instant::now();
    let roles = loop {
        let roles = leader(&[&a, &b]).await;
        if roles.iter().filter(|l| **l).count() == 1 {
            break roles;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no single leader: {roles:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (mut lead, follow) = if roles[0] { (a, b) } else { (b, a) };

    // jobs from several users: the leader takes the orders, both replicas work the jobs
    let chats: Vec<Chat<'_>> = (7300..7312).map(|u| emu.user(u, "ru")).collect();
    for (n, chat) in chats.iter().enumerate() {
        chat.say("/start");
        chat.press("Создать").await;
        chat.wait_text("Опишите одним сообщением").await;
        chat.say(&format!("маяк {n}"));
        chat.press("1:1").await;
        chat.wait_text("Сколько вариантов").await;
        chat.press("1").await;
        chat.press("быстрая").await;
        chat.press("Создать за 3").await;
    }
    for chat in &chats {
        chat.wait_text("Готово: 1 из 1").await;
    }
    let ended = |m: &str| value(m, "aisha_jobs_ended_total");
    let (by_lead, by_follow) = (ended(&lead.get("/metrics").await.1), ended(&follow.get("/metrics").await.1));
    println!("jobs settled: {by_lead} by the poller, {by_follow} by the other replica");
    assert_eq!(by_lead + by_follow, 12.0, "every job settled once, by one replica or the other");
    // each job goes to whichever replica's worker claims it first: both get some
    assert!(by_lead > 0.0 && by_follow > 0.0, "the jobs are split between the replicas");
    follow.assert_audit();

    // the poller dies; the other replica takes over within the lock's TTL (15 s)
    lead.kill9();
    let killed = Instant::now();
    let last = &chats[0];
    last.say("/help");
    last.wait_text("/paysupport").await;
    println!("the other replica answered {:?} after the kill", killed.elapsed());
    assert!(leader(&[&follow]).await[0], "the survivor now holds the polling lock");
    follow.assert_audit();
}

/// Settings for the lease tests: short leases (renewed every second) so a pause or a restart
/// outlasts them within a test, quick polling, money and rate limits out of the way.
const SHORT_LEASES: [(&str, &str); 5] = [
    ("AISHA__LIMITS__WELCOME_BONUS", "100"),
    ("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "100"),
    ("AISHA__TELEGRAM__GLOBAL_PER_SECOND", "1000"),
    ("AISHA__TIMEOUTS__LEASE_SECONDS", "3"),
    ("AISHA__TIMEOUTS__POLL_SECONDS", "1"),
];

/// /start → Create → `prompt` → 1:1 → 1 image → FLUX.2 → confirm (3 coins).
async fn order_one(chat: &Chat<'_>, prompt: &str) {
    chat.say("/start");
    chat.press("Создать").await;
    chat.wait_text("Опишите одним сообщением").await;
    chat.say(prompt);
    chat.press("1:1").await;
    chat.wait_text("Сколько вариантов").await;
    chat.press("1").await;
    chat.press("быстрая").await;
    chat.press("Создать за 3").await;
}

/// For each prompt, the FAL requests made with it: `(made, cancelled)`.
fn submissions(emu: &Emulators, prompts: &[String]) -> Vec<(usize, usize)> {
    let requests = emu.fal.requests();
    prompts
        .iter()
        .map(|p| {
            let mine: Vec<_> = requests.iter().filter(|r| r.input["prompt"].as_str() == Some(p.as_str())).collect();
            (mine.len(), mine.iter().filter(|r| r.cancelled).count())
        })
        .collect()
}

/// Two replicas work jobs while one of them is frozen (SIGSTOP) for longer than its leases
/// whenever it holds jobs, until it has lost one: the other takes over the jobs the frozen one
/// held. Every job is submitted to FAL once, or — when the freeze fell between the frozen
/// replica's last lease check and its submit — twice, with the extra request cancelled at FAL
/// (unless it already ran) and counted in `aisha_jobs_duplicate_submits_total`. Every user
/// gets one result and pays once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_frozen_past_its_leases_makes_no_uncounted_duplicate() {
    let backend = Backend::from_env().await;
    if backend.postgres.is_none() || !backend.redis {
        aisha_tests::backend::skip_unless_ci("AISHA_TEST_DATABASE_URL and AISHA_TEST_REDIS_URL", "frozen replica");
        return;
    }
    let emu = Emulators::start().await;
    emu.fal.update(|k| {
        // every FAL call takes a while, so a replica spends most of a job inside a step and a
        // freeze lands in the middle of one
        k.latency_ms = 2_000;
        k.queue_ms = 800;
        k.run_ms = 800;
    });
    let a = AppProcess::start(bin(), &emu, &backend, &SHORT_LEASES);
    let b = AppProcess::start(bin(), &emu, &backend, &SHORT_LEASES);

    // replica A freezes for 8 s (past its 3 s leases) whenever it reports jobs in hand, until
    // it reports a lease taken over (up to eight times), while orders come in
    let (pid, metrics_url) = (a.pid(), format!("{}/metrics", a.metrics));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let freezer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut freezes = 0;
            while freezes < 8 && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let metrics = match reqwest::get(&metrics_url).await {
                    Ok(r) => r.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                if value(&metrics, "aisha_jobs_leases_lost_total") > 0.0 {
                    break;
                }
                if value(&metrics, "aisha_jobs_held") > 0.0 {
                    aisha_tests::app::signal(pid, "STOP");
                    // long enough for the other replica, itself busy with 2 s calls, to claim
                    tokio::time::sleep(Duration::from_secs(8)).await;
                    aisha_tests::app::signal(pid, "CONT");
                    freezes += 1;
                    // the heartbeat after the freeze publishes what it found
                    tokio::time::sleep(Duration::from_millis(1_500)).await;
                } else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            freezes
        })
    };
    let chats: Vec<Chat<'_>> = (7400..7410).map(|u| emu.user(u, "ru")).collect();
    let prompts: Vec<String> = (0..chats.len()).map(|n| format!("маяк на скале номер {n}")).collect();
    for (chat, prompt) in chats.iter().zip(&prompts) {
        order_one(chat, prompt).await;
    }
    for chat in &chats {
        chat.wait_text("Готово: 1 из 1").await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let freezes = freezer.await.expect("the freezer task");
    tokio::time::sleep(Duration::from_secs(2)).await; // a heartbeat publishes the counters

    let per_job = submissions(&emu, &prompts);
    let extra: usize = per_job.iter().map(|(made, _)| made - 1).sum();
    let (mut counted, mut lost) = (0.0, 0.0);
    for app in [&a, &b] {
        let metrics = app.get("/metrics").await.1;
        counted += value(&metrics, "aisha_jobs_duplicate_submits_total");
        lost += value(&metrics, "aisha_jobs_leases_lost_total");
        println!(
            "replica: leases lost {}, duplicate submits {}",
            value(&metrics, "aisha_jobs_leases_lost_total"),
            value(&metrics, "aisha_jobs_duplicate_submits_total")
        );
    }
    println!("{} jobs, {freezes} freezes, FAL requests per job {per_job:?}", chats.len());
    for (n, (made, _)) in per_job.iter().enumerate() {
        assert!(*made >= 1, "job {n} was submitted");
    }
    // a request that already ran cannot be stopped (FAL bills it); every one was asked to
    let cancels = emu.fal.count_calls("PUT", "/cancel");
    assert!(cancels >= extra, "every extra FAL request was asked to stop: {cancels} cancels for {extra} extra");
    assert_eq!(extra as f64, counted, "every extra FAL request is counted by the replica that made it");
    assert!(freezes >= 1 && lost >= 1.0, "the freezes took leases from a replica in the middle of its work");
    for chat in &chats {
        assert_eq!(chat.count("Готово: 1 из 1"), 1, "user {} got one result", chat.user);
        assert_eq!(chat.photos().len(), 1, "user {} got one image", chat.user);
    }
    b.assert_audit();
    assert_eq!(a.panics() + b.panics(), 0);
}

/// A rolling restart (SIGTERM, start again; one replica, then the other) while jobs run: the
/// replica starting up leaves the jobs the other one holds alone, so no job reaches FAL twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_of_two_replicas_submits_no_job_twice() {
    let backend = Backend::from_env().await;
    if backend.postgres.is_none() || !backend.redis {
        aisha_tests::backend::skip_unless_ci("AISHA_TEST_DATABASE_URL and AISHA_TEST_REDIS_URL", "rolling restart");
        return;
    }
    let emu = Emulators::start().await;
    emu.fal.update(|k| {
        k.latency_ms = 200;
        k.queue_ms = 1_500;
        k.run_ms = 1_500;
    });
    let mut a = AppProcess::start(bin(), &emu, &backend, &SHORT_LEASES);
    let mut b = AppProcess::start(bin(), &emu, &backend, &SHORT_LEASES);
    let chats: Vec<Chat<'_>> = (7500..7512).map(|u| emu.user(u, "ru")).collect();
    let prompts: Vec<String> = (0..chats.len()).map(|n| format!("сад камней номер {n}")).collect();
    for (n, (chat, prompt)) in chats.iter().zip(&prompts).enumerate() {
        order_one(chat, prompt).await;
        // restart A after a third of the orders, B after two thirds, each with jobs in flight
        if n == chats.len() / 3 || n == 2 * chats.len() / 3 {
            let app = if n == chats.len() / 3 { &mut a } else { &mut b };
            assert!(app.terminate(Duration::from_secs(30)).is_some(), "a replica stops on SIGTERM");
            app.restart();
        }
    }
    for chat in &chats {
        chat.wait_text("Готово: 1 из 1").await;
    }
    let per_job = submissions(&emu, &prompts);
    println!("FAL requests per job over a rolling restart: {per_job:?}");
    assert!(per_job.iter().all(|(made, _)| *made == 1), "every job reached FAL once: {per_job:?}");
    for chat in &chats {
        assert_eq!(chat.count("Готово: 1 из 1"), 1, "user {} got one result", chat.user);
    }
    a.assert_audit();
    assert_eq!(a.panics() + b.panics(), 0);
}
