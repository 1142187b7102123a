//! The real `aisha` binary under test, and the emulators it talks to.

use crate::backend::Backend;
use crate::chat::Chat;
use aisha_sandbox::fal::FalEmulator;
use aisha_sandbox::telegram::TelegramEmulator;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How much of the app's stderr [`AppProcess::stderr`] keeps (the start is kept; later lines
/// are still echoed and still counted by [`AppProcess::panics`]).
const STDERR_KEEP: usize = 16 << 20;

/// What the app wrote to stderr, over all its restarts.
#[derive(Default)]
struct StderrLog {
    text: String,
    panics: usize,
}

/// Both emulators, in the test process: they keep their state (chats, pending updates,
/// provider requests) while the app is killed and started again.
pub struct Emulators {
    pub telegram: TelegramEmulator,
    pub fal: FalEmulator,
}

impl Emulators {
    pub async fn start() -> Emulators {
        let telegram = TelegramEmulator::start().await.expect("the Telegram emulator starts");
        let fal = FalEmulator::start().await.expect("the FAL emulator starts");
        Emulators { telegram, fal }
    }

    /// A user of the bot, registered with a name and a Telegram language (`"ru"`, `"en"`).
    pub fn user(&self, id: i64, language: &str) -> Chat<'_> {
        self.telegram.add_user(id, &format!("User{id}"), Some(language));
        Chat::new(&self.telegram, id)
    }

    /// The bytes of a file the bot sent (a photo's `file_id`), fetched the way a client would:
    /// `getFile`, then the file URL.
    pub async fn file_bytes(&self, file_id: &str) -> Vec<u8> {
        let (base, token) = (self.telegram.base_url(), self.telegram.token().to_owned());
        let http = reqwest::Client::new();
        let r: serde_json::Value = http
            .post(format!("{base}/bot{token}/getFile"))
            .json(&serde_json::json!({ "file_id": file_id }))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("getFile answers")
            .json()
            .await
            .expect("getFile returns JSON");
        let path = r["result"]["file_path"].as_str().expect("a file_path").to_owned();
        let bytes = http.get(format!("{base}/file/bot{token}/{path}")).send().await.expect("the file downloads");
        bytes.bytes().await.expect("the file's bytes").to_vec()
    }

    /// The settings that point the real (non-sandbox) wiring at these emulators.
    pub fn env(&self) -> Vec<(String, String)> {
        let fal = self.fal.url();
        vec![
            ("AISHA__TELEGRAM__TOKEN".into(), self.telegram.token().to_owned()),
            ("AISHA__TELEGRAM__API_URL".into(), self.telegram.base_url()),
            ("AISHA__FAL__KEY".into(), "e2e-key".into()),
            ("AISHA__FAL__QUEUE_URL".into(), fal.clone()),
            ("AISHA__FAL__REST_URL".into(), fal),
            ("AISHA__FAL__JWKS_URL".into(), self.fal.jwks_url()),
        ]
    }
}

/// The `aisha` binary of this build: next to the running executable (`target/<profile>/`),
/// or `AISHA_BIN`. Tests in the `aisha` package pass `env!("CARGO_BIN_EXE_aisha")` instead.
pub fn default_binary() -> PathBuf {
    if let Ok(p) = std::env::var("AISHA_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("the running executable");
    let dir = exe.parent().expect("a directory");
    // tests run from target/<profile>/deps, binaries from target/<profile>
    let candidates = [dir.join("aisha"), dir.parent().map(|d| d.join("aisha")).unwrap_or_default()];
    candidates.into_iter().find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("no aisha binary next to {}; build it first (cargo build [--release] -p aisha)", exe.display())
    })
}

/// A free loopback port (for settings that must name the port before the app starts).
/// Sends `signal` (`STOP`, `CONT`, `TERM`, …) to process `pid`. SIGSTOP stops a process where
/// it is, holding whatever it holds (locks, leases, connections), as a frozen VM or a long
/// stall would; SIGCONT continues it.
pub fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status();
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// `bin` run in `dir` with nothing from the test's environment but `PATH`, the test defaults
/// (an HTTP port of its own, `warn` logs) and then `env` (later entries win).
pub fn command<K: AsRef<OsStr>, V: AsRef<OsStr>>(bin: &Path, dir: &Path, env: &[(K, V)]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AISHA__HTTP__BIND", "127.0.0.1:0")
        .env("AISHA__HTTP__METRICS_BIND", "127.0.0.1:0")
        .env("AISHA__LOGGING__LEVEL", "warn")
        // journeys count coins from what they give (`limits.welcome_bonus`); the first-image
        // gift is off unless a test turns it on
        .env("AISHA__LIMITS__FIRST_IMAGE_GIFT", "0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Spawns `cmd` and waits (up to 60 s) for its banner: the lines up to `Stop with …`, which
/// it returns. Its stdout keeps being drained after that, so the app never blocks on a full
/// pipe. Panics, with the exit status, if no banner comes.
pub fn spawn_with_banner(cmd: &mut Command) -> (Child, Vec<String>) {
    let mut child = cmd.stdout(Stdio::piped()).spawn().expect("the aisha binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut banner = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if banner.last().is_some_and(|l: &String| l.starts_with("Stop with")) {
                continue;
            }
            let done = line.starts_with("Stop with");
            banner.push(line);
            if done {
                let _ = tx.send(banner.clone());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(banner) => (child, banner),
        Err(_) => {
            let _ = child.kill();
            let status = child.wait().ok();
            panic!("aisha did not print its banner (exit {status:?})");
        }
    }
}

/// `http://<addr>` from the banner's `http` line.
pub fn http_base(banner: &[String]) -> String {
    let line = banner.iter().find_map(|l| l.trim().strip_prefix("http       ")).expect("the banner has an http line");
    line.split_whitespace().next().unwrap_or_default().trim_end_matches("/healthz").to_owned()
}

/// `http://<addr>` from the banner's `metrics` line (where `/metrics` is served).
pub fn metrics_base(banner: &[String]) -> String {
    let line = banner.iter().find_map(|l| l.trim().strip_prefix("metrics    ")).expect("the banner has a metrics line");
    line.split_whitespace().next().unwrap_or_default().trim_end_matches("/metrics").to_owned()
}

/// One running `aisha serve` process.
pub struct AppProcess {
    child: Child,
    bin: PathBuf,
    dir: PathBuf,
    env: Vec<(String, String)>,
    stderr: Arc<Mutex<StderrLog>>,
    /// `http://127.0.0.1:<port>` of its HTTP server.
    pub http: String,
    /// `http://127.0.0.1:<port>` of its metrics server.
    pub metrics: String,
}

impl AppProcess {
    /// Starts `bin serve` in the backend's directory with the backend's and the emulators'
    /// settings plus `extra` (later entries win), and waits for its banner.
    pub fn start(bin: &Path, emulators: &Emulators, backend: &Backend, extra: &[(&str, &str)]) -> AppProcess {
        let mut env = emulators.env();
        env.extend(backend.env.iter().cloned());
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Self::spawn(bin.to_owned(), backend.dir.path().to_owned(), env, Arc::default())
    }

    fn spawn(bin: PathBuf, dir: PathBuf, env: Vec<(String, String)>, log: Arc<Mutex<StderrLog>>) -> AppProcess {
        let mut cmd = command(&bin, &dir, &env);
        cmd.arg("serve").stderr(Stdio::piped());
        let (mut child, banner) = spawn_with_banner(&mut cmd);
        let stderr = child.stderr.take().expect("piped stderr");
        let stderr_log = log.clone();
        // echoed (the test harness shows it for a failing test) and kept for `stderr()`
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("{line}");
                let mut log = stderr_log.lock().expect("stderr log");
                if line.contains("panicked") {
                    log.panics += 1;
                }
                if log.text.len() < STDERR_KEEP {
                    log.text.push_str(&line);
                    log.text.push('\n');
                }
            }
        });
        let (http, metrics) = (http_base(&banner), metrics_base(&banner));
        AppProcess { child, bin, dir, env, stderr: log, http, metrics }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running (it has not exited or been killed).
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Everything the app wrote to stderr so far, over all its restarts (the first 16 MiB).
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr log").text.clone()
    }

    /// How many stderr lines so far said "panicked" (a Rust panic message), over all restarts.
    pub fn panics(&self) -> usize {
        self.stderr.lock().expect("stderr log").panics
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (up to `limit`) for the exit status.
    pub fn terminate(&mut self, limit: Duration) -> Option<ExitStatus> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The same binary with the same settings, started again (after [`kill9`](Self::kill9) or
    /// [`terminate`](Self::terminate)).
    pub fn restart(&mut self) {
        self.kill9();
        let next = Self::spawn(self.bin.clone(), self.dir.clone(), self.env.clone(), self.stderr.clone());
        drop(std::mem::replace(self, next)); // the old process is already reaped
    }

    /// Runs `aisha <args>` (an operator's command) with this app's settings.
    pub fn command(&self, args: &[&str]) -> Output {
        command(&self.bin, &self.dir, &self.env).args(args).output().expect("the aisha binary runs")
    }

    /// Runs `aisha admin <args>`, panics unless it succeeds, and returns what it printed.
    pub fn admin(&self, args: &[&str]) -> String {
        let mut all = vec!["admin"];
        all.extend_from_slice(args);
        let out = self.command(&all);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "aisha {} failed: {stdout}{}",
            all.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// A user's balance as `aisha admin balance show` reports it.
    pub fn balance(&self, telegram_id: i64) -> i64 {
        let out = self.admin(&["balance", "show", &telegram_id.to_string(), "--rows", "1"]);
        let line = out.lines().find_map(|l| l.strip_prefix("balance ")).expect("a balance line");
        line.trim().parse().unwrap_or_else(|_| panic!("a number of coins in {line:?}"))
    }

    /// `aisha admin audit`: panics with the violations if any invariant is broken.
    pub fn assert_audit(&self) -> String {
        let out = self.command(&["admin", "audit"]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "invariants broken:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
        stdout
    }

    /// GET a path of the app's HTTP server (`/metrics` from its metrics server); returns
    /// status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let base = if path.starts_with("/metrics") { &self.metrics } else { &self.http };
        let r = reqwest::get(format!("{base}{path}")).await.expect("the app's HTTP server answers");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
