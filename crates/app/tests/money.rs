//! What keeps money from leaking, through the real binary: the sandbox (emulated Telegram, where
//! anyone can act as any user and pay with emulated Stars) never starts on a production
//! configuration by accident, `/metrics` is off the public address, and payments are credited
//! exactly once however their delivery goes wrong.

use aisha_sandbox::telegram::PaymentOutcome;
use aisha_tests::app::{command, free_port, http_base, metrics_base, spawn_with_banner};
use aisha_tests::{AppProcess, Backend, Chat, Emulators};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_aisha"))
}

/// Runs `aisha <args>` with `env` and expects it to stop on its own (a refusal comes before
/// anything is connected); a process still running after a minute is killed and fails the test.
fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(bin(), dir.path(), env)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the aisha binary starts");
    let start = Instant::now();
    while child.try_wait().expect("the process can be waited for").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("aisha {args:?} kept running instead of refusing to start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("its output")
}

fn refused(args: &[&str], env: &[(&str, &str)], says: &[&str]) {
    let out = run_to_exit(args, env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "aisha {args:?} started:\n{stderr}");
    for s in says {
        assert!(stderr.contains(s), "aisha {args:?} refused without saying {s:?}:\n{stderr}");
    }
    assert!(!String::from_utf8_lossy(&out.stdout).contains("AISHA is running"), "it printed its banner");
}

/// A PostgreSQL URL nothing listens on: the refusal must come before any connection attempt.
const PG: (&str, &str) = ("AISHA__DATABASE__URL", "postgres://aisha@127.0.0.1:9/aisha");

#[test]
fn the_sandbox_refuses_postgresql_a_token_and_a_public_address() {
    refused(&["sandbox"], &[PG], &["PostgreSQL (database.url)", "--i-know-this-is-not-production"]);
    refused(&["sandbox"], &[("AISHA__HTTP__BIND", "0.0.0.0:0")], &["http.bind 0.0.0.0:0 is not a loopback address"]);
    refused(
        &["sandbox"],
        &[("AISHA__TELEGRAM__TOKEN", "123:abc"), ("AISHA__FAL__KEY", "k")],
        &["a Telegram token is configured"],
    );
    // serve without a token would become the sandbox: not on a public address either
    refused(&["serve"], &[("AISHA__HTTP__BIND", "0.0.0.0:0")], &["not a loopback address"]);
}

#[test]
fn serve_without_a_token_on_a_production_store_stops_with_one_error() {
    refused(&["serve"], &[PG], &["telegram.token (AISHA__TELEGRAM__TOKEN) is not set", "PostgreSQL"]);
    let s3 = [
        ("AISHA__STORAGE__KIND", "s3"),
        ("AISHA__STORAGE__BUCKET", "b"),
        ("AISHA__STORAGE__ACCESS_KEY_ID", "a"),
        ("AISHA__STORAGE__SECRET_ACCESS_KEY", "s"),
    ];
    refused(&["serve"], &s3, &["S3 (storage.kind)"]);
    // the flag is for the sandbox asked for by name, not for a forgotten token
    refused(&["serve", "--i-know-this-is-not-production"], &[PG], &["telegram.token (AISHA__TELEGRAM__TOKEN)"]);
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_only() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, banner) = spawn_with_banner(&mut command(bin(), dir.path(), &[] as &[(&str, &str)]));
    let (http, metrics) = (http_base(&banner), metrics_base(&banner));
    let public = reqwest::get(format!("{http}/metrics")).await.unwrap();
    assert_eq!(public.status().as_u16(), 404, "/metrics is not on the webhook address");
    let scraped = reqwest::get(format!("{metrics}/metrics")).await.unwrap();
    assert_eq!(scraped.status().as_u16(), 200);
    let ready = reqwest::get(format!("{http}/readyz")).await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn a_metrics_token_is_required_when_set() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("AISHA__HTTP__METRICS_TOKEN", "scrape-token")];
    let (mut child, banner) = spawn_with_banner(&mut command(bin(), dir.path(), &env));
    let metrics = metrics_base(&banner);
    let client = reqwest::Client::new();
    let without = client.get(format!("{metrics}/metrics")).send().await.unwrap();
    assert_eq!(without.status().as_u16(), 401);
    let wrong = client.get(format!("{metrics}/metrics")).bearer_auth("scrape-tokem").send().await.unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let with = client.get(format!("{metrics}/metrics")).bearer_auth("scrape-token").send().await.unwrap();
    assert_eq!(with.status().as_u16(), 200);
    let _ = child.kill();
    let _ = child.wait();
}

/// /balance → Top up → the 100-coin package, until a new invoice is in the chat.
async fn open_invoice(chat: &Chat<'_>) {
    let invoices = || chat.messages().iter().filter(|m| m.from_bot && m.invoice.is_some()).count();
    let before = invoices();
    chat.say("/balance");
    chat.press("Пополнить").await;
    chat.press("100 монет").await;
    chat.wait_for("a new invoice", |_| invoices() > before).await;
}

/// Pays the newest invoice. Returns the charge id.
async fn pay(chat: &Chat<'_>) -> String {
    let PaymentOutcome::Paid { telegram_payment_charge_id } = chat.pay_invoice().await else {
        panic!("the pre-checkout was refused")
    };
    telegram_payment_charge_id
}

async fn top_up_100(chat: &Chat<'_>) -> String {
    open_invoice(chat).await;
    pay(chat).await
}

async fn until(what: &str, limit: Duration, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The app in webhook mode: the emulator delivers each update to `/telegram/webhook` with the
/// secret, and delivers it again until it gets a 2xx.
fn start_webhook(emu: &Emulators, backend: &Backend, extra: &[(&str, &str)]) -> AppProcess {
    let bind = format!("127.0.0.1:{}", free_port());
    let hook = format!("http://{bind}/telegram/webhook");
    let mut env = vec![
        ("AISHA__HTTP__BIND", bind.as_str()),
        ("AISHA__TELEGRAM__MODE", "webhook"),
        ("AISHA__TELEGRAM__WEBHOOK_URL", hook.as_str()),
        ("AISHA__TELEGRAM__WEBHOOK_SECRET", "e2e-Secret_1"),
        ("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "10"),
    ];
    env.extend_from_slice(extra);
    AppProcess::start(bin(), emu, backend, &env)
}

/// A payment whose only delivery fails, and which Telegram then gives up on (redelivery
/// off): only Telegram's transaction list still has it. `refused`: the store refuses the row
/// outright (the app then confirms the update itself), else it is unavailable.
async fn lose_a_payment(
    emu: &Emulators,
    backend: &Backend,
    app: &AppProcess,
    chat: &Chat<'_>,
    refused: bool,
) -> String {
    emu.telegram.set_redelivery(false);
    open_invoice(chat).await;
    let down = if refused { backend.payments_refused().await } else { backend.payments_down().await };
    let lost = pay(chat).await;
    until("the failed credit to be logged", Duration::from_secs(60), || app.stderr().contains(&lost)).await;
    until("Telegram to give up on it", Duration::from_secs(30), || emu.telegram.pending_updates() == 0).await;
    down.lift().await;
    emu.telegram.set_redelivery(true);
    lost
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_the_store_refuses_is_answered_503_and_credited_once_when_delivered_again() {
    let emu = Emulators::start().await;
    let backend = Backend::from_env().await;
    let app = start_webhook(&emu, &backend, &[]);
    let chat = emu.user(9301, "ru");
    chat.say("/start");
    chat.wait_text("Баланс: 0 монет").await;
    open_invoice(&chat).await;
    let down = backend.payments_down().await;
    let charge = pay(&chat).await;
    until("the failed credit to be logged", Duration::from_secs(30), || {
        let log = app.stderr();
        log.contains("PAYMENT NOT CREDITED") && log.contains(&charge)
    })
    .await;
    assert!(emu.telegram.pending_updates() >= 1, "the payment is not confirmed while its credit is not committed");
    assert_eq!(app.balance(9301), 0);
    assert_eq!(chat.count("Оплата прошла"), 0);
    down.lift().await;
    chat.wait_text("Оплата прошла: +100 монет. Баланс: 100 монет").await;
    until("the payment to be confirmed", Duration::from_secs(30), || emu.telegram.pending_updates() == 0).await;
    assert_eq!(app.balance(9301), 100, "credited once");
    assert_eq!(chat.count("Оплата прошла"), 1, "one receipt");
    app.assert_audit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_credits_a_payment_telegram_gave_up_on_once_and_not_one_credited_live() {
    let emu = Emulators::start().await;
    let backend = Backend::from_env().await;
    let app = start_webhook(&emu, &backend, &[("AISHA__TELEGRAM__RECONCILE_SECONDS", "0")]);
    let chat = emu.user(9302, "ru");
    chat.say("/start");
    chat.wait_text("Баланс: 0 монет").await;
    let live = top_up_100(&chat).await;
    chat.wait_text("Оплата прошла: +100 монет. Баланс: 100 монет").await;
    let lost = lose_a_payment(&emu, &backend, &app, &chat, false).await;
    assert_eq!(app.balance(9302), 100, "the lost payment is not credited");

    let out = app.admin(&["payments", "reconcile"]);
    assert!(out.contains("credited 1 missed payment(s); 1 already credited"), "{out}");
    assert!(out.contains(&format!("credited {lost} from 9302: 50 ⭐ = 100 coins")), "{out}");
    assert_eq!(app.balance(9302), 200);
    let again = app.admin(&["payments", "reconcile"]);
    assert!(again.contains("credited 0 missed payment(s); 2 already credited"), "{again}");
    assert_eq!(app.balance(9302), 200, "neither payment is credited twice");

    // a refund made with the bot's token but not through AISHA is reported, not acted on
    let refund = reqwest::Client::new()
        .post(format!("{}/bot{}/refundStarPayment", emu.telegram.base_url(), emu.telegram.token()))
        .json(&serde_json::json!({"user_id": 9302, "telegram_payment_charge_id": live}))
        .send()
        .await
        .unwrap();
    assert!(refund.status().is_success());
    let out = app.admin(&["payments", "reconcile", "--since", "2020-01-01T00:00:00Z"]);
    assert!(out.contains("1 refund(s) made outside AISHA"), "{out}");
    assert!(out.contains(&format!("refunded {live} to 9302: 50 ⭐")), "{out}");
    assert_eq!(app.balance(9302), 200);
    let future = app.admin(&["payments", "reconcile", "--since", "2100-01-01T00:00:00Z"]);
    assert!(future.contains("credited 0 missed payment(s); 0 already credited"), "{future}");
    app.assert_audit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconciliation_worker_credits_a_lost_payment_by_itself() {
    let emu = Emulators::start().await;
    let backend = Backend::from_env().await;
    let app = start_webhook(&emu, &backend, &[("AISHA__TELEGRAM__RECONCILE_SECONDS", "1")]);
    let chat = emu.user(9303, "ru");
    chat.say("/start");
    chat.wait_text("Баланс: 0 монет").await;
    // refused by the store: the app confirms it to Telegram, so only reconciliation is left
    let lost = lose_a_payment(&emu, &backend, &app, &chat, true).await;
    until("the worker to credit it", Duration::from_secs(60), || app.balance(9303) == 100).await;
    let out = app.admin(&["payments", "reconcile"]);
    assert!(out.contains("credited 0 missed payment(s); 1 already credited"), "{lost}: {out}");
    assert_eq!(app.balance(9303), 100);
    app.assert_audit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_names_the_coins_held_by_unfinished_jobs() {
    let emu = Emulators::start().await;
    // the provider keeps the job queued, so its 22 coins stay held
    emu.fal.update(|k| k.queue_ms = 600_000);
    let backend = Backend::from_env().await;
    let app = AppProcess::start(bin(), &emu, &backend, &[("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "10")]);
    let chat = emu.user(9304, "ru");
    chat.say("/start");
    chat.wait_text("Баланс: 0 монет").await;
    let charge = top_up_100(&chat).await;
    chat.wait_text("Оплата прошла: +100 монет").await;
    chat.say("/generate");
    chat.wait_text("Опишите одним сообщением").await;
    chat.order("маяк в тумане", "16:9", 2, Some("Nano Banana 2"), 22).await;
    until("the job to be charged", Duration::from_secs(30), || app.balance(9304) == 78).await;

    let refused = app.command(&["admin", "payments", "refund", &charge]);
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{why}");
    assert!(why.contains("the user has 78 left; 22 more coins are held by 1 unfinished job(s)"), "{why}");
    assert!(why.contains("--force"), "{why}");
    assert_eq!(app.balance(9304), 78, "nothing taken, nothing asked of Telegram");
    assert!(emu.telegram.star_transactions().iter().all(|t| t.get("receiver").is_none()));

    let out = app.admin(&["payments", "refund", &charge, "--force"]);
    assert!(out.contains("took back 78 of 100 coins; 22 more coins are held by 1 unfinished job(s)"), "{out}");
    assert_eq!(app.balance(9304), 0);
    let refunds = emu.telegram.star_transactions().iter().filter(|t| t.get("receiver").is_some()).count();
    assert_eq!(refunds, 1, "the Stars went back once");
    let again = app.command(&["admin", "payments", "refund", &charge, "--force"]);
    assert!(!again.status.success());
    assert_eq!(app.balance(9304), 0);
    app.assert_audit();
}
