//! `aisha serve` / `aisha sandbox`: the running bot. [`App::build`] is the one place its graph
//! is assembled (stores, Telegram and FAL or their emulators, the outbox, the notifier, the use
//! cases and the bot); [`App::run`] starts intake, the job workers and the HTTP server, and
//! shuts them down in order on SIGINT/SIGTERM. Without a Telegram token it runs the sandbox:
//! both emulators on loopback, so the whole bot works offline.

use crate::cli::Command;
use crate::config::{Settings, TelegramMode};
use crate::http;
use crate::wiring::{Stack, WiringError};
use aisha_bot::io::{ChatId, Class, Outgoing};
use aisha_bot::{Bot, BotConfig};
use aisha_domain::ports::{Confirmation, Notice, Notifier, Told};
use aisha_domain::services::Services;
use aisha_domain::services::runner::JobRunner;
use aisha_domain::{ImageId, TelegramUserId, UserId};
use aisha_telegram::{Confirm, Feedback, Outbox, OutboxConfig, Poller, SendError, Telegram, TelegramConfig};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

mod console;
mod intake;
mod notifier;
mod workers;

use intake::{BATCH_SETTLE_LIMIT, Intake, PaymentPanics, lead_polling};
use notifier::{BotNotifier, StoreFeedback};

/// The emulators the sandbox runs, kept alive for the process's lifetime.
pub struct Sandbox {
    pub telegram: aisha_sandbox::telegram::TelegramEmulator,
    pub fal: aisha_sandbox::fal::FalEmulator,
}

/// Why the bot did not start or stopped with an error. Each cause keeps its source, and the
/// binary prints the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration does not allow this start (the sandbox on a production store, a
    /// missing key); the message says what to change.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Stores(#[from] WiringError),
    #[error("{what}")]
    Failed {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StartError {
    /// Wraps a failure with what was being done (`map_err(StartError::doing("…"))`).
    fn doing<E: std::error::Error + Send + Sync + 'static>(what: &str) -> impl FnOnce(E) -> StartError + '_ {
        move |e| StartError::Failed { what: what.to_owned(), source: Box::new(e) }
    }
}

pub async fn run(command: Command, settings: Settings, not_production: bool) -> ExitCode {
    let ran = match App::build(command, settings, not_production).await {
        Ok(app) => app.run().await,
        Err(e) => Err(e),
    };
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aisha: {}", chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// An error and its sources, one after another: "what: why: deeper why".
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        // some errors print their source in their own message already
        if !text.ends_with(&more) {
            text = format!("{text}: {more}");
        }
        source = cause.source();
    }
    text
}

/// Whether this start runs the sandbox, or why it must not start at all. The sandbox lets
/// anyone who reaches its address act as any user and pay with emulated Stars, so it never
/// becomes the sandbox by accident: `serve` without a token on a production store stops, and
/// the sandbox on PostgreSQL or S3, with a token, or on a non-loopback address needs
/// `--i-know-this-is-not-production`.
pub(crate) fn sandbox_mode(command: &Command, settings: &Settings, not_production: bool) -> Result<bool, String> {
    let explicit = matches!(command, Command::Sandbox);
    if !explicit && settings.telegram.token.is_some() {
        return Ok(false);
    }
    let postgres = !settings.database.url.starts_with("sqlite:");
    let s3 = settings.storage.kind == crate::config::StorageKind::S3;
    let production_store = match (postgres, s3) {
        (true, true) => Some("PostgreSQL (database.url) and S3 (storage.kind)"),
        (true, false) => Some("PostgreSQL (database.url)"),
        (false, true) => Some("S3 (storage.kind)"),
        (false, false) => None,
    };
    if !explicit && let Some(store) = production_store {
        return Err(format!(
            "telegram.token (AISHA__TELEGRAM__TOKEN) is not set, but the configuration names {store}: \
             set the token to run the bot; the sandbox (emulated Telegram, anyone can act as any user) \
             does not start on a production store by itself (`aisha sandbox --i-know-this-is-not-production` \
             if that is really wanted)"
        ));
    }
    if not_production {
        return Ok(true);
    }
    let mut why = Vec::new();
    if let Some(store) = production_store {
        why.push(format!("the configuration names {store}"));
    }
    if settings.telegram.token.is_some() {
        why.push("a Telegram token is configured (telegram.token)".to_owned());
    }
    if !crate::config::Http::is_loopback(&settings.http.bind) {
        why.push(format!("http.bind {} is not a loopback address", settings.http.bind));
    }
    if why.is_empty() {
        Ok(true)
    } else {
        Err(format!(
            "the sandbox lets anyone who reaches it act as any user, so it does not start when {}; \
             add --i-know-this-is-not-production if this is a demo",
            why.join(", ")
        ))
    }
}

/// The running bot's parts, assembled once by [`App::build`]; [`App::run`] starts them.
pub struct App {
    settings: Settings,
    sandbox: Option<Sandbox>,
    stack: Arc<Stack>,
    telegram: Telegram,
    username: String,
    fal: Arc<aisha_fal::FalClient>,
    outbox: Outbox,
    bot: Arc<Bot>,
    runner: Arc<JobRunner>,
}

impl App {
    /// Connects the stores, Telegram and FAL (or starts their emulators), and assembles the
    /// outbox, the notifier, the use cases and the bot over them. Nothing runs yet.
    pub async fn build(command: Command, settings: Settings, not_production: bool) -> Result<App, StartError> {
        let sandboxed = sandbox_mode(&command, &settings, not_production).map_err(StartError::Refused)?;
        crate::metrics::install();
        let mut stack = Stack::build(settings.clone(), true).await?;
        let (telegram_config, fal_config, sandbox) = providers(&settings, sandboxed).await?;
        let telegram = Telegram::new(&telegram_config).map_err(StartError::doing("Telegram client"))?;
        let me = telegram.get_me().await.map_err(StartError::doing("Telegram getMe failed (is the token right?)"))?;
        let fal = Arc::new(aisha_fal::FalClient::new(fal_config.clone()).map_err(StartError::doing("FAL client"))?);
        stack.stars_api = Some(Arc::new(crate::payments::BotApiStars(telegram.clone())));
        let stack = Arc::new(stack);
        let outbox = outbox(&stack, &telegram);
        let notifier = Arc::new(BotNotifier { bot: OnceLock::new(), outbox: outbox.clone() });
        let mut rules = stack.rules();
        rules.runner.webhook = fal_config.webhook_url.is_some();
        let ports = stack.ports(fal.clone(), notifier.clone());
        let services = Services::assemble(&ports, &stack.env, &rules);
        let assistant = assistant(&settings, &stack, &fal);
        let bot = Arc::new(Bot::new(services, &ports, Arc::new(telegram.clone()), assistant, bot_config(&settings)));
        let _ = notifier.bot.set(bot.clone());
        let runner = bot.runner.clone();
        let username = me.username.unwrap_or_default();
        Ok(App { settings, sandbox, stack, telegram, username, fal, outbox, bot, runner })
    }

    /// Runs the bot until SIGINT/SIGTERM: the command menu, intake (polling or webhook), the
    /// job workers and the HTTP servers; then stops intake, lets the updates in hand finish and
    /// waits (up to 10 s) for replies and outcome deliveries.
    pub async fn run(self) -> Result<(), StartError> {
        self.set_command_menu().await;
        let updates = intake::dispatcher(self.bot.clone(), self.stack.locks.clone(), self.outbox.clone());
        let intake = Intake {
            updates: updates.clone(),
            bot: self.bot.clone(),
            outbox: self.outbox.clone(),
            panics: Arc::new(PaymentPanics::default()),
        };
        let shutdown = CancellationToken::new();
        let mut tasks = tokio::task::JoinSet::new();
        let polling = self.start_intake(&intake, &mut tasks, &shutdown).await?;
        workers::start(&mut tasks, &shutdown, self.runner.clone(), self.stack.clone()).await;
        let addrs = self.serve_http(intake, polling, &mut tasks, &shutdown).await?;
        console::banner(&self.settings, &self.username, addrs, self.sandbox.as_ref());
        console::wait_for_signal().await;
        tracing::info!("shutting down: intake stops, updates in hand finish, jobs stay for the next start");
        if let Some(s) = &self.sandbox {
            // open chat pages hold event streams; end them so the server can stop
            s.telegram.end_event_streams();
        }
        shutdown.cancel();
        let drained = tokio::time::timeout(Duration::from_secs(10), async {
            while tasks.join_next().await.is_some() {}
            while updates.in_flight() > 0 || self.outbox.pending() > 0 || self.runner.deliveries.in_flight() > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                self.runner.confirm_deliveries().await;
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!("some work was still in hand after 10 s; it will be redone or reconciled at the next start");
        }
        if let Some(redis) = &self.stack.redis {
            redis.close().await;
        }
        Ok(())
    }

    async fn set_command_menu(&self) {
        for (language, code) in [(aisha_domain::Language::Ru, None), (aisha_domain::Language::En, Some("en"))] {
            let menu = Bot::command_menu(language);
            let menu: Vec<(&str, &str)> = menu.iter().map(|(command, words)| (*command, words.as_str())).collect();
            if let Err(e) = self.telegram.set_commands(&menu, code).await {
                tracing::warn!(error = %e, "setMyCommands failed; the command menu may be stale");
            }
        }
    }

    /// Polling (one poller across replicas: whoever holds the lock polls, the others wait to
    /// take over) or the webhook Telegram is told about. Returns whether it polls.
    async fn start_intake(
        &self,
        intake: &Intake,
        tasks: &mut tokio::task::JoinSet<()>,
        shutdown: &CancellationToken,
    ) -> Result<bool, StartError> {
        let tg = &self.settings.telegram;
        let polling = self.sandbox.is_some() || tg.mode == TelegramMode::Polling;
        if polling {
            if self.sandbox.is_none() {
                let _ = self.telegram.delete_webhook(false).await;
            }
            let (locks, telegram, token) = (self.stack.locks.clone(), self.telegram.clone(), shutdown.clone());
            let polled = {
                let intake = intake.clone();
                move |update| intake.clone().polled(update)
            };
            let updates = intake.updates.clone();
            let settled = move || {
                let updates = updates.clone();
                async move {
                    if !updates.settled(BATCH_SETTLE_LIMIT).await {
                        tracing::warn!("a batch of updates is still in hand after 10 s; confirming it anyway");
                    }
                }
            };
            tasks.spawn(async move { lead_polling(locks, telegram, polled, settled, token).await });
        } else if let (Some(url), Some(secret)) = (&tg.webhook_url, &tg.webhook_secret) {
            let secret = secret.expose_secret();
            self.telegram.set_webhook(url, secret).await.map_err(StartError::doing("setWebhook failed"))?;
        }
        Ok(polling)
    }

    /// The HTTP server (health, FAL's and Telegram's webhooks, and in the sandbox the web chat)
    /// and the metrics server. Returns the addresses they listen on.
    async fn serve_http(
        &self,
        intake: Intake,
        polling: bool,
        tasks: &mut tokio::task::JoinSet<()>,
        shutdown: &CancellationToken,
    ) -> Result<(std::net::SocketAddr, std::net::SocketAddr), StartError> {
        let http = &self.settings.http;
        let webhook_secret = self.settings.telegram.webhook_secret.as_ref().map(|s| s.expose_secret().to_owned());
        let state = http::State {
            stack: self.stack.clone(),
            runner: self.runner.clone(),
            verifier: Arc::new(self.fal.webhook_verifier()),
            telegram_webhook: (!polling).then_some(webhook_secret).flatten(),
            bot_username: Some(self.username.clone()).filter(|u| !u.is_empty()),
            intake: Arc::new(move |u| Box::pin(intake.clone().webhook(u))),
        };
        let mut router = http::router(state);
        if let Some(s) = &self.sandbox {
            // the web chat and the emulator's user API, on this server's origin
            router = router.merge(aisha_sandbox::web::router(&s.telegram.sandbox()));
        }
        let metrics_token = http.metrics_token.as_ref().map(|t| t.expose_secret().to_owned());
        let mut addrs = Vec::new();
        for (bind, what, router) in [
            (&http.bind, "http.bind", router),
            (&http.metrics_bind, "http.metrics_bind", http::metrics_router(metrics_token)),
        ] {
            let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| StartError::Failed {
                what: format!("cannot listen on {bind} ({what})"),
                source: e.into(),
            })?;
            addrs.push(listener.local_addr().map_err(StartError::doing("reading the bound address"))?);
            let token = shutdown.clone();
            tasks.spawn(async move {
                let serve =
                    axum::serve(listener, router).with_graceful_shutdown(async move { token.cancelled().await });
                if let Err(e) = serve.await {
                    tracing::error!(error = %e, "the HTTP server stopped");
                }
            });
        }
        Ok((addrs[0], addrs[1]))
    }
}

/// Telegram and FAL: the real services, or the emulators on loopback in the sandbox.
async fn providers(
    settings: &Settings,
    sandboxed: bool,
) -> Result<(TelegramConfig, aisha_fal::FalConfig, Option<Sandbox>), StartError> {
    if !sandboxed {
        let token = settings
            .telegram
            .token
            .clone()
            .ok_or_else(|| StartError::Refused("telegram.token is required outside the sandbox".into()))?;
        let tg_config = TelegramConfig::with_base(token, &settings.telegram.api_url);
        let fal_config = crate::wiring::fal_config(settings).ok_or_else(|| {
            StartError::Refused("fal.key (AISHA__FAL__KEY) is required with a real Telegram token".into())
        })?;
        return Ok((tg_config, fal_config, None));
    }
    let tg = aisha_sandbox::telegram::TelegramEmulator::start()
        .await
        .map_err(StartError::doing("starting the Telegram emulator"))?;
    let fal = aisha_sandbox::fal::FalEmulator::start().await.map_err(StartError::doing("starting the FAL emulator"))?;
    let tg_config = TelegramConfig::with_base(SecretString::from(tg.token().to_owned()), &tg.base_url());
    let mut fal_config = aisha_fal::FalConfig::new(SecretString::from("sandbox".to_owned())).at(&fal.url());
    if let Some(trainer) = aisha_fal::Trainer::of(&settings.fal.trainer) {
        fal_config.models = fal_config.models.with_trainer(trainer);
    }
    Ok((tg_config, fal_config, Some(Sandbox { telegram: tg, fal })))
}

/// The outbox every reply leaves by, with Telegram's send limits from the configuration.
fn outbox(stack: &Arc<Stack>, telegram: &Telegram) -> Outbox {
    let tg = &stack.settings.telegram;
    let per_chat = tg.per_chat_per_second;
    let config = OutboxConfig {
        // 0 lifts a limit (a local Bot API server, a benchmark): no limiter call at all
        chat_rate: aisha_domain::coordination::Rate::per_second(per_chat, per_chat.max(3)).ok(),
        global_rate: aisha_domain::coordination::Rate::per_second(tg.global_per_second, tg.global_per_second).ok(),
        ..OutboxConfig::default()
    };
    let feedback = Arc::new(StoreFeedback { stack: stack.clone() });
    Outbox::new(telegram, stack.images.clone(), stack.limiter.clone(), feedback, config)
}

/// The prompt assistant on FAL, when users get a free daily allowance of it.
fn assistant(
    settings: &Settings,
    stack: &Stack,
    fal: &aisha_fal::FalClient,
) -> Option<Arc<aisha_domain::services::assistant::PromptHelp>> {
    let a = &settings.assistant;
    (a.daily_free > 0).then(|| {
        Arc::new(aisha_domain::services::assistant::PromptHelp {
            assistant: Arc::new(aisha_fal::FalAssistant {
                client: fal.clone(),
                config: aisha_fal::AssistantConfig {
                    model: a.model.clone(),
                    vision_model: a.vision_model.clone(),
                    timeout: Duration::from_secs(a.timeout_seconds),
                    ..aisha_fal::AssistantConfig::default()
                },
            }),
            limiter: stack.limiter.clone(),
            daily_free: a.daily_free,
        })
    })
}

fn bot_config(settings: &Settings) -> BotConfig {
    BotConfig {
        admins: settings.telegram.admins.iter().filter_map(|a| TelegramUserId::new(*a).ok()).collect(),
        dialogue_ttl: Duration::from_secs(settings.limits.dialogue_hours * 3600),
        support_contact: settings.telegram.support_contact.clone().filter(|c| !c.trim().is_empty()),
        styles: settings.styles.clone(),
        ..BotConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::{StartError, chain};

    #[test]
    fn a_start_error_prints_what_failed_and_every_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::AddrInUse, "address in use");
        let e = StartError::doing("cannot listen on 127.0.0.1:8080 (http.bind)")(io);
        assert_eq!(chain(&e), "cannot listen on 127.0.0.1:8080 (http.bind): address in use");
        let refused = StartError::Refused("telegram.token is required outside the sandbox".into());
        assert_eq!(chain(&refused), "telegram.token is required outside the sandbox");
        // a message that already ends with its cause does not repeat it
        let wiring = StartError::from(crate::wiring::WiringError::Storage(
            aisha_domain::ports::StorageError::Unavailable("no bucket".into()),
        ));
        assert_eq!(chain(&wiring).matches("no bucket").count(), 1, "{}", chain(&wiring));
    }
}
