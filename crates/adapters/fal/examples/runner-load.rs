//! Load and latency of the job runner on this adapter, against the sandbox emulator on
//! loopback, with memory stores and a real clock.
//!
//! ```text
//! cargo run --release -p aisha-fal --example runner-load -- [--jobs 500] [--samples 200] [--format jpeg|png]
//! ```
//!
//! 1. Load: `--jobs` image jobs in flight at FAL at once, completed by webhook (polling as the
//!    backstop), by four worker loops; reports wall time and the process's peak RSS (VmHWM).
//! 2. Overhead: `--samples` jobs one after another; for each, the time from the webhook
//!    reaching the endpoint to the job being settled, minus the time spent downloading its
//!    images (measured around each download in the same task).

use aisha_domain::generation::{InFlightLimit, JobLimits, ProviderRef};
use aisha_domain::ports::JobQueue;
use aisha_domain::ports::{
    CancelOutcome, ImageGenerator, ProviderError, ProviderOutput, ProviderRequest, ProviderStatus, Submitted,
};
use aisha_domain::services::accounts::Accounts;
use aisha_domain::services::generation::Generation;
use aisha_domain::services::runner::{Delivery, JobRunner, RunnerConfig};
use aisha_domain::services::{Env, Ports, Rules, Services};
use aisha_domain::user::Profile;
use aisha_domain::{AspectRatio, Clock, ImageCount, JobId, JobSpec, ModelKey, Prompt, TelegramUserId};
use aisha_fal::{FalClient, FalConfig, OutputFormat, WebhookVerifier};
use aisha_memory::{MemoryImageStore, MemorySessions, MemoryStore, RecordingNotifier};
use aisha_sandbox::fal::{FalEmulator, Knobs};
use async_trait::async_trait;
use axum::http::{HeaderMap, StatusCode};
use secrecy::SecretString;
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

tokio::task_local! {
    static DOWNLOADING: Cell<Duration>;
}

struct WallClock;

impl Clock for WallClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::<chrono::Utc>::from(SystemTime::now())
    }
}

struct Ids(AtomicU64);

impl aisha_domain::IdGen for Ids {
    fn new_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::from_u128(u128::from(self.0.fetch_add(1, Ordering::Relaxed)) + 1)
    }
}

/// The adapter, with the time spent in `download` added to the calling task's tally.
struct Timed(FalClient);

#[async_trait]
impl ImageGenerator for Timed {
    async fn submit(&self, request: &ProviderRequest, webhook: bool) -> Result<Submitted, ProviderError> {
        self.0.submit(request, webhook).await
    }
    async fn status(&self, job: &ProviderRef) -> Result<ProviderStatus, ProviderError> {
        self.0.status(job).await
    }
    async fn result(&self, job: &ProviderRef) -> Result<ProviderOutput, ProviderError> {
        self.0.result(job).await
    }
    async fn cancel(&self, job: &ProviderRef) -> Result<CancelOutcome, ProviderError> {
        self.0.cancel(job).await
    }
    async fn upload_archive(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError> {
        self.0.upload_archive(file_name, bytes).await
    }
    async fn find_submitted(
        &self,
        request: &ProviderRequest,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Submitted>, ProviderError> {
        self.0.find_submitted(request, since).await
    }
    async fn fetch_lora(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        self.0.fetch_lora(url).await
    }
    async fn upload_lora(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError> {
        self.0.upload_lora(file_name, bytes).await
    }
    async fn still_served(&self, url: &str) -> Result<bool, ProviderError> {
        self.0.still_served(url).await
    }
    async fn download(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        let started = Instant::now();
        let out = self.0.download(url).await;
        let _ = DOWNLOADING.try_with(|d| d.set(d.get() + started.elapsed()));
        out
    }
}

struct Bench {
    runner: Arc<JobRunner>,
    generation: Generation,
    accounts: Accounts,
    store: Arc<MemoryStore>,
    /// (total, downloading) per settled delivery.
    timings: Arc<std::sync::Mutex<Vec<(Duration, Duration)>>>,
    emu: FalEmulator,
}

#[derive(Clone)]
struct Endpoint {
    runner: Arc<JobRunner>,
    fal: Arc<FalClient>,
    verifier: Arc<WebhookVerifier>,
    timings: Arc<std::sync::Mutex<Vec<(Duration, Duration)>>>,
}

async fn receive(
    axum::extract::State(ep): axum::extract::State<Endpoint>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let arrived = Instant::now();
    DOWNLOADING
        .scope(Cell::new(Duration::ZERO), async move {
            let Ok(verified) = ep.verifier.verify(&headers, &body, SystemTime::now()).await else {
                return StatusCode::UNAUTHORIZED;
            };
            let kind = match ep.runner.jobs.by_request(verified.request_id()).await {
                Ok(job) => job.and_then(|j| j.provider).map(|p| ep.fal.model_kind(&p.model)),
                Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
            };
            let Ok(done) = verified.parse(kind) else { return StatusCode::BAD_REQUEST };
            match ep.runner.on_finished(&done.request_id, done.result).await {
                Ok(Delivery::Settled(_)) => {
                    let downloading = DOWNLOADING.with(Cell::get);
                    ep.timings.lock().expect("timings").push((arrived.elapsed(), downloading));
                    StatusCode::OK
                }
                // a webhook can outrun the save of its own submit: FAL will deliver it again
                Ok(Delivery::Unknown) => StatusCode::NOT_FOUND,
                Ok(_) => StatusCode::OK,
                Err(_) => StatusCode::SERVICE_UNAVAILABLE,
            }
        })
        .await
}

async fn bench(knobs: Knobs, format: OutputFormat) -> Bench {
    let emu = FalEmulator::start_with(knobs).await.expect("emulator");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let mut cfg = FalConfig::new(SecretString::from("bench-key")).at(&emu.url());
    cfg.webhook_url = Some(format!("http://{}/fal/webhook", listener.local_addr().expect("addr")));
    cfg.output_format = format;
    let fal = Arc::new(FalClient::new(cfg).expect("client"));
    let env = Env { clock: Arc::new(WallClock), ids: Arc::new(Ids(AtomicU64::new(0))) };
    let store = Arc::new(MemoryStore::new());
    let ports = Ports::over(
        store.clone(),
        Arc::new(MemorySessions::new(env.clock.clone())),
        Arc::new(MemoryImageStore::default()),
        Arc::new(Timed((*fal).clone())),
        Arc::new(RecordingNotifier::default()),
    );
    let rules = Rules {
        limits: JobLimits { in_flight: InFlightLimit(100_000), ..JobLimits::default() },
        runner: RunnerConfig { webhook: true, batch: 64, ..RunnerConfig::default() },
        ..Rules::default()
    };
    let Services { generation, accounts, runner, .. } = Services::assemble(&ports, &env, &rules);
    let runner = Arc::new(runner);
    let timings = Arc::new(std::sync::Mutex::new(Vec::new()));
    let endpoint = Endpoint {
        runner: runner.clone(),
        fal: fal.clone(),
        verifier: Arc::new(fal.webhook_verifier()),
        timings: timings.clone(),
    };
    let app = axum::Router::new().route("/fal/webhook", axum::routing::post(receive)).with_state(endpoint);
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    Bench { runner, generation, accounts, store, timings, emu }
}

impl Bench {
    async fn user(&self, coins: i64) -> aisha_domain::UserId {
        let profile = Profile {
            telegram_id: TelegramUserId::new(1).expect("id"),
            first_name: "load".into(),
            last_name: None,
            username: None,
            language_code: None,
        };
        let user = self.accounts.register(profile).await.expect("register").user;
        self.accounts.adjust(user.id, coins, "bench", None).await.expect("fund");
        user.id
    }

    async fn start(&self, owner: aisha_domain::UserId, n: usize, count: u8) -> JobId {
        let spec = JobSpec::Text {
            prompt: Prompt::parse(&format!("load test picture number {n}")).expect("prompt"),
            aspect: AspectRatio::Square,
            count: ImageCount::new(count).expect("count"),
            model: ModelKey::parse("flux-2").expect("a catalog key"),
        };
        let id = JobId(uuid::Uuid::new_v4());
        self.generation.start(owner, id, spec, None).await.expect("start");
        id
    }

    async fn open(&self) -> usize {
        self.store.non_terminal(100_000).await.expect("jobs").len()
    }
}

fn vm(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .map_or_else(|| "n/a".into(), |l| l[field.len()..].trim().to_owned())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn load(jobs: usize, format: OutputFormat) {
    // long enough at FAL that every job is there at once
    let b = bench(Knobs { queue_ms: 1_000, run_ms: 2_000, ..Knobs::default() }, format).await;
    let owner = b.user(10 * jobs as i64).await;
    let started = Instant::now();
    for n in 0..jobs {
        b.start(owner, n, 1).await;
    }
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let runner = b.runner.clone();
            tokio::spawn(async move {
                loop {
                    runner.tick().await.expect("tick");
                    runner.sweep().await.expect("sweep");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();
    let mut peak_at_fal = 0;
    let mut all_submitted = None;
    loop {
        let open = b.open().await;
        let at_fal = b.emu.requests().iter().filter(|r| r.phase != aisha_sandbox::fal::Phase::Completed).count();
        peak_at_fal = peak_at_fal.max(at_fal);
        if all_submitted.is_none() && b.emu.requests().len() == jobs {
            all_submitted = Some(started.elapsed());
        }
        if open == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "{open} jobs still open after 5 minutes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    workers.iter().for_each(tokio::task::JoinHandle::abort);
    let snap = b.store.snapshot();
    let succeeded = snap.jobs.iter().filter(|j| j.status == aisha_domain::JobStatus::Succeeded).count();
    let violations = aisha_domain::invariants::check(&snap.balances, &snap.ledger, &snap.jobs, &snap.images, &|_| true);
    println!(
        "load: {jobs} jobs ({succeeded} succeeded, {} images stored), at most {peak_at_fal} in flight at FAL at once, all done in {:.2} s",
        snap.images.len(),
        elapsed.as_secs_f64()
    );
    let log = b.emu.webhook_log();
    let failed = log.iter().filter(|a| !a.status.is_some_and(|s| (200..300).contains(&s))).count();
    println!(
        "load: all submitted after {:.2} s; {} webhook deliveries, {failed} not answered 2xx",
        all_submitted.unwrap_or_default().as_secs_f64(),
        log.len()
    );
    println!(
        "load: peak RSS (VmHWM) {}, now (VmRSS) {}; invariant violations: {}",
        vm("VmHWM:"),
        vm("VmRSS:"),
        violations.len()
    );
}

async fn overhead(samples: usize, format: OutputFormat) {
    let b = bench(Knobs { queue_ms: 0, run_ms: 5, ..Knobs::default() }, format).await;
    let owner = b.user(10 * samples as i64 + 100).await;
    let warmup = 10;
    for n in 0..samples + warmup {
        let id = b.start(owner, n, 2).await;
        b.runner.tick().await.expect("tick");
        loop {
            let job = b.store.find(id).await.expect("find").expect("job");
            if job.status.is_terminal() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let timings = b.timings.lock().expect("timings").clone();
    let measured = &timings[warmup.min(timings.len())..];
    let mut over: Vec<Duration> = measured.iter().map(|(t, d)| t.saturating_sub(*d)).collect();
    let mut totals: Vec<Duration> = measured.iter().map(|(t, _)| *t).collect();
    over.sort();
    totals.sort();
    println!(
        "overhead: {} webhooks (2 images each); webhook arrival -> job succeeded, minus downloads: median {}, p95 {}, max {}",
        over.len(),
        ms(percentile(&over, 0.5)),
        ms(percentile(&over, 0.95)),
        ms(*over.last().expect("samples"))
    );
    println!(
        "overhead: with downloads included: median {}, p95 {}",
        ms(percentile(&totals, 0.5)),
        ms(percentile(&totals, 0.95))
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (mut jobs, mut samples, mut format) = (500, 200, OutputFormat::Jpeg);
    while let Some(a) = args.next() {
        let value = args.next();
        match (a.as_str(), value.as_deref()) {
            ("--jobs", Some(n)) if n.parse::<usize>().is_ok() => jobs = n.parse().unwrap_or(jobs),
            ("--samples", Some(n)) if n.parse::<usize>().is_ok() => samples = n.parse().unwrap_or(samples),
            ("--format", Some("jpeg")) => format = OutputFormat::Jpeg,
            ("--format", Some("png")) => format = OutputFormat::Png,
            _ => {
                eprintln!("usage: runner-load [--jobs N] [--samples N] [--format jpeg|png]");
                std::process::exit(2);
            }
        }
    }
    println!("results as {}", format.as_str());
    load(jobs, format).await;
    overhead(samples, format).await;
}
