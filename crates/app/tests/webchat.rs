//! The sandbox web chat through the real binary: served at `/` in sandbox mode and only then,
//! named in the banner, and driven in headless Chromium when `AISHA_TEST_BROWSER` names one.

use aisha_tests::app::{command, http_base, spawn_with_banner};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

struct Running {
    child: Child,
    banner: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary in an empty directory with `env` and reads its banner.
fn start(env: &[(&str, &str)]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_aisha"));
    let (child, banner) = spawn_with_banner(&mut command(bin, dir.path(), env));
    Running { child, banner, _dir: dir }
}

#[tokio::test]
async fn sandbox_mode_serves_the_chat_page_and_names_it_last_in_the_banner() {
    let app = start(&[]);
    let n = app.banner.len();
    let base = http_base(&app.banner);
    assert_eq!(app.banner[n - 2], format!("  chat       open {base}/ in a browser"), "{:#?}", app.banner);

    let page = reqwest::get(format!("{base}/")).await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.text().await.unwrap().contains("AISHA"));

    // the emulator's user API is on the same origin, and the bot's commands are readable
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/sandbox/users/42"))
        .json(&serde_json::json!({"first_name": "Ann", "language_code": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let users: serde_json::Value =
        http.get(format!("{base}/sandbox/users")).send().await.unwrap().json().await.unwrap();
    assert_eq!(users[0]["first_name"], "Ann");
    assert_eq!(users[0]["language_code"], "en");
    let commands: serde_json::Value =
        http.get(format!("{base}/sandbox/commands")).send().await.unwrap().json().await.unwrap();
    let names: Vec<_> = commands.as_array().unwrap().iter().filter_map(|c| c["command"].as_str()).collect();
    assert!(names.contains(&"start") && names.contains(&"balance"), "{commands}");
    // the menu follows the user's language, as in Telegram
    let menu = |lang: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let v: serde_json::Value =
                http.get(format!("{base}/sandbox/commands?lang={lang}")).send().await.unwrap().json().await.unwrap();
            v.as_array().unwrap().iter().find(|c| c["command"] == "start").unwrap()["description"].clone()
        }
    };
    assert_eq!(menu("en").await, "Main menu");
    assert_eq!(menu("ru").await, "Главное меню");
    assert_eq!(menu("de").await, "Главное меню", "other languages get the default list");

    // bad input is refused cleanly
    let r = http
        .post(format!("{base}/sandbox/users/43"))
        .json(&serde_json::json!({"first_name": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http.get(format!("{base}/sandbox/chats/999/messages")).send().await.unwrap();
    assert_eq!(r.status(), 200, "an unknown chat is empty");
    assert_eq!(r.text().await.unwrap(), "[]");
}

// multi-threaded: the emulator must answer the app while this thread reads the banner
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_real_token_nothing_of_the_sandbox_is_served() {
    // a "real" Telegram: an emulator the app treats as api.telegram.org
    let tg = aisha_sandbox::telegram::TelegramEmulator::start().await.unwrap();
    let app = start(&[
        ("AISHA__TELEGRAM__TOKEN", tg.token()),
        ("AISHA__TELEGRAM__API_URL", &tg.base_url()),
        ("AISHA__FAL__KEY", "not-used"),
    ]);
    assert!(!app.banner.iter().any(|l| l.contains("chat ") || l.contains("emulator")), "{:#?}", app.banner);
    let base = http_base(&app.banner);
    for path in ["/", "/webchat/main.js", "/sandbox/users", "/sandbox/events"] {
        let r = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(r.status(), 404, "{path} is not served outside the sandbox");
    }
    assert_eq!(reqwest::get(format!("{base}/healthz")).await.unwrap().status(), 200);
}

/// Runs `tests/browser/webchat.mjs` (Playwright driving the given Chromium) against the binary.
#[test]
fn the_web_chat_in_headless_chromium() {
    let Some(browser) = std::env::var_os("AISHA_TEST_BROWSER") else {
        aisha_tests::backend::skip_unless_ci(
            "AISHA_TEST_BROWSER (a Chromium binary, e.g. /usr/bin/chromium)",
            "the web chat in a browser",
        );
        return;
    };
    assert!(Path::new(&browser).exists(), "AISHA_TEST_BROWSER={browser:?} does not exist");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci` in {}",
        dir.display()
    );
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_aisha"));
    // <target>/<profile>/aisha → <target>/webchat-screenshots
    let shots = binary.parent().and_then(Path::parent).unwrap_or(Path::new(".")).join("webchat-screenshots");
    let output = Command::new("node")
        .arg(dir.join("webchat.mjs"))
        .arg(&binary)
        .arg(&browser)
        .arg(&shots)
        .current_dir(&dir)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status();
    let status = output.expect("node runs (is Node.js installed?)");
    assert!(status.success(), "the browser test failed; screenshots in {}", shots.display());
    eprintln!("screenshots in {}", shots.display());
}
