//! What keeps money from leaking, through the real binary: the sandbox (emulated Telegram, where
//! anyone can act as any user and pay with emulated Stars) never starts on a production
//! configuration by accident, `/metrics` is off the public address, and payments are credited
//! exactly once however their delivery goes wrong.

use aisha_tests::app::{command, http_base, metrics_base, spawn_with_banner};
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
