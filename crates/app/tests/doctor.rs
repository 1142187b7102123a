//! `aisha doctor` and start-up validation, through the binary: one clear line per failing
//! dependency, and a non-zero exit.

use aisha_sandbox::fal::{FalEmulator, Knobs};
use aisha_sandbox::telegram::TelegramEmulator;
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

#[test]
fn a_bad_model_catalog_stops_the_start_naming_each_entry() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aisha.toml");
    std::fs::write(
        &file,
        "[[models]]\nkey = \"dup\"\nendpoint = \"fal-ai/x\"\ndialect = \"dall-e\"\nname_ru = \"A\"\nname_en = \"A\"\nprice = 0\n\n\
         [[models]]\nkey = \"dup\"\nendpoint = \"fal-ai/flux-2\"\ndialect = \"flux-2\"\nname_ru = \"B\"\nname_en = \"B\"\nprice = 3\naspects = [\"2:1\"]\n",
    )
    .unwrap();
    for command in [["serve"], ["doctor"]] {
        let (out, _dir) = aisha(&["--config", file.to_str().unwrap(), command[0]], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {err}");
        for needle in [
            r#"models[0] "dup": unknown dialect "dall-e""#,
            r#"models[0] "dup": price must be at least 1 coin"#,
            r#"models[1] "dup": the key is used by an earlier entry"#,
            r#"models[1] "dup": aspect ratio "2:1" cannot be offered"#,
        ] {
            assert!(err.contains(needle), "{command:?}: {needle} missing from:\n{err}");
        }
    }
}

/// Runs the binary off the async threads, so the emulators keep answering it.
async fn doctor_against(env: Vec<(String, String)>) -> (bool, String) {
    tokio::task::spawn_blocking(move || {
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (out, _dir) = aisha(&["doctor"], &pairs);
        (out.status.success(), stdout(&out))
    })
    .await
    .unwrap()
}

fn real_services(tg: &TelegramEmulator, token: &str, fal: &FalEmulator, key: &str) -> Vec<(String, String)> {
    [
        ("AISHA__TELEGRAM__TOKEN", token.to_owned()),
        ("AISHA__TELEGRAM__API_URL", tg.base_url()),
        ("AISHA__FAL__KEY", key.to_owned()),
        ("AISHA__FAL__QUEUE_URL", fal.url()),
        ("AISHA__FAL__REST_URL", fal.url()),
        ("AISHA__FAL__API_URL", fal.url()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_the_fal_key_every_model_and_the_telegram_token() {
    let fal = FalEmulator::start_with(Knobs { api_key: Some("right-key".into()), ..Knobs::default() }).await.unwrap();
    let tg = TelegramEmulator::start().await.unwrap();

    let (healthy, text) = doctor_against(real_services(&tg, tg.token(), &fal, "right-key")).await;
    assert!(healthy, "{text}");
    assert!(text.contains("ok   fal-key    accepted by FAL"), "{text}");
    for line in [
        "ok   model      model nano-banana-2: fal-ai/nano-banana-2 available, 0.08 USD per image",
        "ok   model      model flux-2: fal-ai/flux-2 available",
        "ok   model      model nano-banana-pro: fal-ai/nano-banana-pro available",
        "ok   model      photos with me: fal-ai/flux-lora available",
        "ok   model      avatar training: fal-ai/flux-lora-portrait-trainer available",
        "ok   telegram   @",
    ] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }

    // a retired model is named, with what to do
    fal.update(|k| k.retired_models = vec!["fal-ai/nano-banana-pro".into()]);
    let (healthy, text) = doctor_against(real_services(&tg, tg.token(), &fal, "right-key")).await;
    assert!(!healthy);
    let retired: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(retired.len(), 1, "{text}");
    assert!(
        retired[0].starts_with(
            "FAIL model      model nano-banana-pro: FAL does not know fal-ai/nano-banana-pro — it may have been retired"
        ),
        "{text}"
    );
    fal.update(|k| k.retired_models.clear());

    // a bad key and a bad token: one line each, with the setting to fix
    let (healthy, text) = doctor_against(real_services(&tg, "123:wrong", &fal, "wrong-key")).await;
    assert!(!healthy);
    let key_line = text.lines().find(|l| l.contains("fal-key")).unwrap_or_default();
    assert!(key_line.starts_with("FAIL fal-key") && key_line.contains("AISHA__FAL__KEY"), "{text}");
    assert!(!text.contains("wrong-key"), "the key is not printed:\n{text}");
    let tg_line = text.lines().find(|l| l.contains("telegram")).unwrap_or_default();
    assert!(tg_line.starts_with("FAIL telegram") && tg_line.contains("AISHA__TELEGRAM__TOKEN"), "{text}");
}
