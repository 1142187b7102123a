//! The FAL adapter against the sandbox emulator, and the job runner wired the way the app
//! wires it: memory stores, this adapter, and a webhook endpoint that verifies before it acts.
#![allow(dead_code)] // each test file uses a different part

use aisha_domain::generation::{InFlightLimit, JobLimits};
use aisha_domain::ports::JobQueue;
use aisha_domain::services::accounts::Accounts;
use aisha_domain::services::avatars::AvatarService;
use aisha_domain::services::generation::Generation;
use aisha_domain::services::runner::{Delivery, JobRunner, RunnerConfig};
use aisha_domain::services::{Env, Ports, Rules, Services};
use aisha_domain::user::Profile;
use aisha_domain::{Job, JobId, JobSpec, TelegramUserId, User};
use aisha_fal::{FalClient, FalConfig, RetryPolicy, WebhookVerifier};
use aisha_memory::{ManualClock, MemoryImageStore, MemorySessions, MemoryStore, RecordingNotifier, SeqIds};
use aisha_sandbox::fal::{FalEmulator, Knobs};
use axum::http::{HeaderMap, StatusCode};
use secrecy::SecretString;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::net::TcpListener;

pub const KEY: &str = "test-key";

/// Fast retries, so retry tests take milliseconds.
pub fn config(emu: &FalEmulator) -> FalConfig {
    let mut c = FalConfig::new(SecretString::from(KEY)).at(&emu.url());
    c.retry = RetryPolicy { retries: 3, min_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) };
    c.request_timeout = Duration::from_secs(5);
    c
}

pub fn client(emu: &FalEmulator) -> FalClient {
    FalClient::new(config(emu)).unwrap()
}

/// Jobs finish quickly unless a test slows them down.
pub fn quick() -> Knobs {
    Knobs { queue_ms: 10, run_ms: 20, ..Knobs::default() }
}

/// What the webhook endpoint did with each delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    Rejected(String),
    Done(Delivery),
}

pub struct World {
    pub emu: FalEmulator,
    pub fal: Arc<FalClient>,
    pub clock: Arc<ManualClock>,
    pub store: Arc<MemoryStore>,
    pub images: Arc<MemoryImageStore>,
    pub notifier: Arc<RecordingNotifier>,
    pub env: Env,
    pub accounts: Accounts,
    pub generation: Generation,
    pub avatars: AvatarService,
    pub runner: Arc<JobRunner>,
    pub handled: Arc<Mutex<Vec<Handled>>>,
}

pub struct Options {
    pub knobs: Knobs,
    /// Submit with a webhook and serve an endpoint for it.
    pub webhook: bool,
    pub adjust: fn(&mut FalConfig),
}

impl Default for Options {
    fn default() -> Self {
        Self { knobs: quick(), webhook: false, adjust: |_| {} }
    }
}

impl World {
    pub async fn new() -> Self {
        Self::with(Options::default()).await
    }

    pub async fn with(opts: Options) -> Self {
        let emu = FalEmulator::start_with(opts.knobs).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut cfg = config(&emu);
        if opts.webhook {
            cfg.webhook_url = Some(format!("http://{}/fal/webhook", listener.local_addr().unwrap()));
        }
        (opts.adjust)(&mut cfg);
        let fal = Arc::new(FalClient::new(cfg).unwrap());
        let clock = Arc::new(ManualClock::default());
        let env = Env { clock: clock.clone(), ids: Arc::new(SeqIds::default()) };
        let store = Arc::new(MemoryStore::new());
        let images = Arc::new(MemoryImageStore::default());
        let notifier = Arc::new(RecordingNotifier::default());
        let sessions = Arc::new(MemorySessions::new(clock.clone()));
        let ports = Ports::over(store.clone(), sessions, images.clone(), fal.clone(), notifier.clone());
        let rules = Self::rules(opts.webhook);
        let Services { accounts, generation, avatars, runner, .. } = Services::assemble(&ports, &env, &rules);
        let runner = Arc::new(runner);
        let handled = Arc::new(Mutex::new(Vec::new()));
        let endpoint = Endpoint {
            runner: runner.clone(),
            fal: fal.clone(),
            verifier: Arc::new(fal.webhook_verifier()),
            handled: handled.clone(),
        };
        tokio::spawn(async move { axum::serve(listener, endpoint.router()).await.unwrap() });
        Self { accounts, generation, avatars, emu, fal, clock, store, images, notifier, env, runner, handled }
    }

    /// No in-flight limit to speak of; the runner submits with a webhook when `webhook`.
    fn rules(webhook: bool) -> Rules {
        Rules {
            limits: JobLimits { in_flight: InFlightLimit(1000), ..JobLimits::default() },
            runner: RunnerConfig { webhook, ..RunnerConfig::default() },
            ..Rules::default()
        }
    }

    /// Another runner on this world's stores, with its own FAL client.
    pub fn runner_on(&self, fal: Arc<FalClient>, webhook: bool) -> JobRunner {
        let sessions = Arc::new(MemorySessions::new(self.clock.clone()));
        let ports = Ports::over(self.store.clone(), sessions, self.images.clone(), fal, self.notifier.clone());
        JobRunner::assemble(&ports, &self.env, &Self::rules(webhook))
    }

    pub async fn user(&self, tg: i64, coins: i64) -> User {
        let profile = Profile {
            telegram_id: TelegramUserId::new(tg).unwrap(),
            first_name: format!("user{tg}"),
            last_name: None,
            username: None,
            language_code: Some("en".into()),
        };
        let user = self.accounts.register(profile).await.unwrap().user;
        self.accounts.adjust(user.id, coins, "test funds", None).await.unwrap();
        user
    }

    pub async fn balance(&self, user: &User) -> i64 {
        aisha_domain::ports::Ledger::balance(&*self.store, user.id).await.unwrap().get()
    }

    pub async fn start(&self, user: &User, spec: JobSpec) -> Job {
        self.generation.start(user.id, JobId(uuid::Uuid::new_v4()), spec, None).await.unwrap()
    }

    pub async fn job(&self, j: &Job) -> Job {
        self.store.find(j.id).await.unwrap().unwrap()
    }

    pub async fn request_id(&self, j: &Job) -> String {
        self.job(j).await.provider.expect("submitted").request_id
    }

    /// Ticks with the clock moving 3 s a step until the job ends (or `steps` run out).
    pub async fn drive(&self, j: &Job, steps: usize) -> Job {
        for _ in 0..steps {
            self.runner.tick().await.unwrap();
            let now = self.job(j).await;
            if now.status.is_terminal() {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(15)).await;
            self.clock.advance(chrono::Duration::seconds(3));
        }
        self.job(j).await
    }

    /// Waits (in real time) until the job ends without any tick: the webhook must do it.
    pub async fn settled_by_webhook(&self, j: &Job) -> Job {
        for _ in 0..400 {
            let now = self.job(j).await;
            if now.status.is_terminal() {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.job(j).await
    }

    pub fn handled(&self) -> Vec<Handled> {
        self.handled.lock().unwrap().clone()
    }

    pub async fn wait_handled(&self, n: usize) -> Vec<Handled> {
        for _ in 0..400 {
            if self.handled.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.handled()
    }

    /// Panics with every broken money or image invariant.
    pub fn assert_invariants(&self) {
        let violations = self.store.violations(&self.images);
        assert!(
            violations.is_empty(),
            "invariants broken:
{}",
            violations.join(
                "
"
            )
        );
    }
}

/// The app's FAL webhook endpoint in miniature: verify the signature over the raw body, look
/// the job up to learn its model, parse, and hand the completion to the runner. Anything not
/// settled for good is answered non-2xx, so FAL delivers it again.
#[derive(Clone)]
struct Endpoint {
    runner: Arc<JobRunner>,
    fal: Arc<FalClient>,
    verifier: Arc<WebhookVerifier>,
    handled: Arc<Mutex<Vec<Handled>>>,
}

impl Endpoint {
    fn router(self) -> axum::Router {
        axum::Router::new().route("/fal/webhook", axum::routing::post(receive)).with_state(self)
    }

    fn record(&self, h: Handled) {
        self.handled.lock().unwrap().push(h);
    }
}

async fn receive(
    axum::extract::State(ep): axum::extract::State<Endpoint>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let verified = match ep.verifier.verify(&headers, &body, SystemTime::now()).await {
        Ok(v) => v,
        Err(e) => {
            ep.record(Handled::Rejected(e.to_string()));
            return StatusCode::UNAUTHORIZED;
        }
    };
    let kind = match ep.runner.jobs.by_request(verified.request_id()).await {
        Ok(job) => job.and_then(|j| j.provider).map(|p| ep.fal.model_kind(&p.model)),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    };
    let completion = match verified.parse(kind) {
        Ok(c) => c,
        Err(e) => {
            ep.record(Handled::Rejected(e.to_string()));
            return StatusCode::BAD_REQUEST;
        }
    };
    match ep.runner.on_finished(&completion.request_id, completion.result).await {
        // a webhook can outrun the save of its own submit: not 2xx, so FAL delivers it again
        Ok(Delivery::Unknown) => {
            ep.record(Handled::Done(Delivery::Unknown));
            StatusCode::NOT_FOUND
        }
        Ok(delivery) => {
            ep.record(Handled::Done(delivery));
            StatusCode::OK
        }
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}
