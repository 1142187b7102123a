//! `aisha doctor` and start-up validation, through the binary: one clear line per failing
//! dependency, and a non-zero exit.

use std::process::{Command, Output};

fn aisha(args: &[&str], env: &[(&str, &str)]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aisha"));
    cmd.current_dir(dir.path()).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.output().expect("the binary runs"), dir)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn embedded_default_is_healthy() {
    let (out, _dir) = aisha(&["doctor"], &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    for line in ["ok   config", "ok   database", "ok   redis", "ok   storage"] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }
}

#[test]
fn an_unreachable_database_is_one_clear_line() {
    let (out, _dir) = aisha(&["doctor"], &[("AISHA__DATABASE__URL", "postgres://aisha:secret@127.0.0.1:1/aisha")]);
    let text = stdout(&out);
    assert!(!out.status.success());
    assert!(text.contains("FAIL database"), "{text}");
    assert!(!text.contains("secret"), "the password is not printed:\n{text}");
}

#[test]
fn an_unreachable_redis_is_one_clear_line() {
    let (out, _dir) = aisha(&["doctor"], &[("AISHA__REDIS__URL", "redis://127.0.0.1:1/0")]);
    let text = stdout(&out);
    assert!(!out.status.success());
    assert!(text.contains("ok   database") && text.contains("FAIL redis"), "{text}");
}

#[test]
fn unreachable_storage_is_one_clear_line() {
    let (out, _dir) = aisha(
        &["doctor"],
        &[
            ("AISHA__STORAGE__KIND", "s3"),
            ("AISHA__STORAGE__ENDPOINT", "http://127.0.0.1:1"),
            ("AISHA__STORAGE__BUCKET", "images"),
            ("AISHA__STORAGE__ACCESS_KEY_ID", "k"),
            ("AISHA__STORAGE__SECRET_ACCESS_KEY", "s3-secret"),
        ],
    );
    let text = stdout(&out);
    assert!(!out.status.success());
    assert!(text.contains("FAIL storage"), "{text}");
    assert!(!text.contains("s3-secret"), "{text}");
}

#[test]
fn bad_settings_are_named_before_anything_starts() {
    let (out, _dir) = aisha(&["doctor"], &[("AISHA__LIMITS__IN_FLIGHT", "0"), ("AISHA__HTTP__BIND", "nowhere")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("limits.in_flight (AISHA__LIMITS__IN_FLIGHT)") && err.contains("http.bind"), "{err}");
}
