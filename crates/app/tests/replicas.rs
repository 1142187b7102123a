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
        chat.wait_text("Опишите картинку").await;
        chat.say(&format!("маяк {n}"));
        chat.press("1:1").await;
        chat.wait_text("Сколько вариантов").await;
        chat.press("1").await;
        chat.press("быстро").await;
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
