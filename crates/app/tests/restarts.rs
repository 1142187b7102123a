//! The process killed without warning (SIGKILL) and started again: jobs in flight finish,
//! money stays consistent, nothing the user sees happens twice. Runs on PostgreSQL, Redis and
//! S3 when their `AISHA_TEST_*` variables are set, on SQLite and a local directory otherwise.

use aisha_tests::{AppProcess, Backend, Chat, Emulators};
use std::path::Path;
use std::time::{Duration, Instant};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_aisha"))
}

/// /start → Create → prompt → 16:9 → 2 → Nano Banana 2 → confirm (22 coins).
async fn order_two_images(chat: &Chat<'_>, prompt: &str) {
    chat.say("/start");
    chat.press("Создать").await;
    chat.wait_text("Опишите одним сообщением").await;
    chat.say(prompt);
    chat.press("16:9").await;
    chat.press("2").await;
    chat.press("Nano Banana 2").await;
    chat.press("Создать за 22").await;
}

async fn until(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_in_flight_survives_sigkill_and_is_delivered_once_after_restart() {
    let emu = Emulators::start().await;
    emu.fal.update(|k| {
        k.queue_ms = 1_000;
        k.run_ms = 2_000;
    });
    let backend = Backend::from_env().await;
    println!("stores: {}", backend.describe());
    let mut app = AppProcess::start(bin(), &emu, &backend, &[("AISHA__LIMITS__WELCOME_BONUS", "100")]);
    let chat = emu.user(7001, "ru");
    order_two_images(&chat, "маяк на рассвете").await;
    // killed once the submission is on record (the status says queued or running); a kill
    // between FAL accepting a request and our record of it makes the restart submit again
    // (FAL has no idempotency key): the user still gets one result and pays once
    chat.wait_for("the job to be queued", |m| {
        let t = Chat::text(m);
        t.contains("В очереди") || t.contains("Рисую")
    })
    .await;

    app.kill9();
    app.restart();

    chat.wait_text("Готово: 2 из 2").await;
    assert_eq!(chat.photos().len(), 2, "both images arrive, once each");
    assert_eq!(emu.fal.requests().len(), 1, "the job was submitted once, not again after the restart");
    let done = chat.messages().iter().filter(|m| m.from_bot && Chat::text(m).contains("Готово")).count();
    assert_eq!(done, 1, "one result message");
    app.assert_audit();
    chat.say("/balance");
    chat.wait_text("−22 за изображения по описанию ×2").await;
    // the restarted process accounts for what it did
    let (_, metrics) = app.get("/metrics").await;
    for series in [
        "aisha_jobs_ended_total{kind=\"imagen\",status=\"succeeded\"} 1",
        "aisha_job_seconds_count{kind=\"imagen\",status=\"succeeded\"} 1",
        "aisha_telegram_calls_total{method=\"sendMediaGroup\",outcome=\"ok\"}",
        "aisha_updates_total",
    ] {
        assert!(metrics.contains(series), "/metrics lacks {series}:\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_of_updates_repeats_no_answer() {
    let emu = Emulators::start().await;
    let backend = Backend::from_env().await;
    // replies leave as fast as Telegram takes them, so the kill lands with work in hand
    let fast = [("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "1000"), ("AISHA__TELEGRAM__GLOBAL_PER_SECOND", "10000")];
    let mut app = AppProcess::start(bin(), &emu, &backend, &fast);
    let users: Vec<i64> = (7100..7120).collect();
    let chats: Vec<Chat<'_>> = users.iter().map(|u| emu.user(*u, "en")).collect();
    let rounds = 10;
    for round in 0..rounds {
        for chat in &chats {
            chat.say("/help");
        }
        if round == rounds / 2 {
            tokio::time::sleep(Duration::from_millis(30)).await;
            app.kill9();
        }
    }
    app.restart();
    // everything Telegram holds is fetched, handled and confirmed
    until("every update to be confirmed", || emu.telegram.pending_updates() == 0).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let help = |c: &Chat<'_>| c.messages().iter().filter(|m| m.from_bot && Chat::text(m).contains("/generate")).count();
    let mut answered = 0;
    for chat in &chats {
        let n = help(chat);
        assert!(n <= rounds, "user {} sent /help {rounds} times and saw {n} answers", chat.user);
        answered += n;
    }
    // the second half of the burst came after the restart: all of it is answered
    assert!(answered >= chats.len() * rounds / 2, "only {answered} answers");
    let (_, metrics) = app.get("/metrics").await;
    println!(
        "answers: {answered} of {}; after restart: {}",
        chats.len() * rounds,
        metric(&metrics, "aisha_updates_repeated_total")
    );
    app.assert_audit();
}

fn metric(text: &str, name: &str) -> String {
    text.lines().find(|l| l.starts_with(name)).unwrap_or("(none)").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_cleanly_and_a_job_in_flight_finishes_after_the_next_start() {
    let emu = Emulators::start().await;
    emu.fal.update(|k| {
        k.queue_ms = 1_000;
        k.run_ms = 1_500;
    });
    let backend = Backend::from_env().await;
    let mut app = AppProcess::start(bin(), &emu, &backend, &[("AISHA__LIMITS__WELCOME_BONUS", "100")]);
    let chat = emu.user(7201, "ru");
    order_two_images(&chat, "сад камней").await;
    chat.wait_for("the job to be queued", |m| Chat::text(m).contains("В очереди") || Chat::text(m).contains("Рисую"))
        .await;
    let status = app.terminate(Duration::from_secs(20)).expect("the process exits on SIGTERM");
    assert!(status.success(), "a clean stop exits 0, got {status:?}");
    app.restart();
    chat.wait_text("Готово: 2 из 2").await;
    assert_eq!(chat.photos().len(), 2);
    app.assert_audit();
}
