//! `aisha serve` / `aisha sandbox`: the running bot. Builds every adapter, starts intake,
//! the dispatcher, the outbox, the job workers and the HTTP server, and shuts them down in
//! order on SIGINT/SIGTERM. Without a Telegram token it runs the sandbox: both emulators on
//! loopback, so the whole bot works offline.

use crate::cli::Command;
use crate::config::{Settings, TelegramMode};
use crate::http;
use crate::wiring::Stack;
use aisha_bot::io::{ChatId, Class, Outgoing};
use aisha_bot::{Bot, BotConfig};
use aisha_domain::ports::{Jobs, Notice, Notifier, Told};
use aisha_domain::services::Env;
use aisha_domain::services::Services;
use aisha_domain::{ImageId, JobId, TelegramUserId, UserId};
use aisha_telegram::{
    Confirm, Dispatcher, DispatcherConfig, Feedback, Outbox, OutboxConfig, Poller, SendError, Telegram, TelegramConfig,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

mod intake;
mod notifier;
mod workers;

use intake::{BATCH_SETTLE_LIMIT, PaymentPanics, credit_payment, handle, lead_polling};
use notifier::{BotNotifier, StoreFeedback};
use tokio_util::sync::CancellationToken;

/// The emulators the sandbox runs, kept alive for the process's lifetime.
pub struct Sandbox {
    pub telegram: aisha_sandbox::telegram::TelegramEmulator,
    pub fal: aisha_sandbox::fal::FalEmulator,
}

pub async fn run(command: Command, settings: Settings, not_production: bool) -> ExitCode {
    match start(command, settings, not_production).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aisha: {e}");
            ExitCode::FAILURE
        }
    }
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

async fn start(command: Command, settings: Settings, not_production: bool) -> Result<(), String> {
    let sandboxed = sandbox_mode(&command, &settings, not_production)?;
    crate::metrics::install();
    let mut stack = Stack::build(settings.clone(), true).await.map_err(|e| e.to_string())?;

    // Telegram and FAL: real, or the emulators on loopback
    let (telegram_config, fal_config, sandbox) = if sandboxed {
        let tg = aisha_sandbox::telegram::TelegramEmulator::start()
            .await
            .map_err(|e| format!("starting the Telegram emulator: {e}"))?;
        let fal =
            aisha_sandbox::fal::FalEmulator::start().await.map_err(|e| format!("starting the FAL emulator: {e}"))?;
        let tg_config = TelegramConfig::with_base(SecretString::from(tg.token().to_owned()), &tg.base_url());
        let mut fal_config = aisha_fal::FalConfig::new(SecretString::from("sandbox".to_owned())).at(&fal.url());
        if let Some(trainer) = aisha_fal::Trainer::of(&settings.fal.trainer) {
            fal_config.models = fal_config.models.with_trainer(trainer);
        }
        (tg_config, fal_config, Some(Sandbox { telegram: tg, fal }))
    } else {
        let token = settings.telegram.token.clone().ok_or("telegram.token is required outside the sandbox")?;
        let tg_config = TelegramConfig::with_base(token, &settings.telegram.api_url);
        let fal_config = crate::wiring::fal_config(&settings)
            .ok_or("fal.key (AISHA__FAL__KEY) is required with a real Telegram token")?;
        (tg_config, fal_config, None)
    };
    let telegram = Telegram::new(&telegram_config).map_err(|e| format!("Telegram client: {e}"))?;
    let me = telegram.get_me().await.map_err(|e| format!("Telegram getMe failed (is the token right?): {e}"))?;
    let fal = Arc::new(aisha_fal::FalClient::new(fal_config.clone()).map_err(|e| format!("FAL client: {e}"))?);
    stack.stars_api = Some(Arc::new(crate::payments::BotApiStars(telegram.clone())));
    let stack = Arc::new(stack);

    // the outbox, the notifier, the runner and the bot
    let per_chat = settings.telegram.per_chat_per_second;
    let outbox = Outbox::new(
        &telegram,
        stack.images.clone(),
        stack.limiter.clone(),
        Arc::new(StoreFeedback { stack: stack.clone() }),
        OutboxConfig {
            // 0 lifts a limit (a local Bot API server, a benchmark): no limiter call at all
            chat_rate: aisha_domain::coordination::Rate::per_second(per_chat, per_chat.max(3)).ok(),
            global_rate: aisha_domain::coordination::Rate::per_second(
                settings.telegram.global_per_second,
                settings.telegram.global_per_second,
            )
            .ok(),
            ..OutboxConfig::default()
        },
    );
    let notifier = Arc::new(BotNotifier {
        bot: OnceLock::new(),
        outbox: outbox.clone(),
        jobs: stack.jobs.clone(),
        env: stack.env.clone(),
        delivering: Arc::default(),
    });
    // the use cases over the stores, FAL and this notifier, and the bot over them
    let mut rules = stack.rules();
    rules.runner.webhook = fal_config.webhook_url.is_some();
    let ports = stack.ports(fal.clone(), notifier.clone());
    let assistant = (settings.assistant.daily_free > 0).then(|| {
        let a = &settings.assistant;
        Arc::new(aisha_domain::services::assistant::PromptHelp {
            assistant: Arc::new(aisha_fal::FalAssistant {
                client: (*fal).clone(),
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
    });
    let config = BotConfig {
        admins: settings.telegram.admins.iter().filter_map(|a| TelegramUserId::new(*a).ok()).collect(),
        dialogue_ttl: Duration::from_secs(settings.limits.dialogue_hours * 3600),
        support_contact: settings.telegram.support_contact.clone().filter(|c| !c.trim().is_empty()),
        styles: settings.styles.clone(),
        ..BotConfig::default()
    };
    let services = Services::assemble(&ports, &stack.env, &rules);
    let bot = Arc::new(Bot::new(services, &ports, Arc::new(telegram.clone()), assistant, config));
    let runner = bot.runner.clone();
    let _ = notifier.bot.set(bot.clone());
    for (language, code) in [(aisha_domain::Language::Ru, None), (aisha_domain::Language::En, Some("en"))] {
        let menu = Bot::command_menu(language);
        let menu: Vec<(&str, &str)> = menu.iter().map(|(command, words)| (*command, words.as_str())).collect();
        if let Err(e) = telegram.set_commands(&menu, code).await {
            tracing::warn!(error = %e, "setMyCommands failed; the command menu may be stale");
        }
    }

    // intake → dispatcher (which also collects albums into one event)
    let handler = {
        let (bot, claims) = (bot.clone(), stack.locks.clone());
        move |update| {
            let (bot, claims) = (bot.clone(), claims.clone());
            async move { handle(&bot, claims.as_ref(), update).await }
        }
    };
    let dispatcher = Dispatcher::new(handler, outbox.clone(), DispatcherConfig::default());
    let shutdown = CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    // payments first and inline: confirmed to Telegram only once their credit is committed
    let panics = Arc::new(PaymentPanics::default());
    let intake = {
        let (dispatcher, bot, outbox, panics) = (dispatcher.clone(), bot.clone(), outbox.clone(), panics.clone());
        move |update: aisha_bot::io::Update| {
            let (dispatcher, bot, outbox, panics) = (dispatcher.clone(), bot.clone(), outbox.clone(), panics.clone());
            async move {
                if matches!(update.event, aisha_bot::io::Event::Payment { .. }) {
                    return credit_payment(&bot, &outbox, &panics, update).await;
                }
                dispatcher.dispatch(update).await;
                Confirm::Done
            }
        }
    };
    // a webhook answers Telegram once the update is handled, so one in hand at a crash comes again
    let webhook_intake = {
        let (dispatcher, bot, outbox) = (dispatcher.clone(), bot.clone(), outbox.clone());
        move |update: aisha_bot::io::Update| {
            let (dispatcher, bot, outbox, panics) = (dispatcher.clone(), bot.clone(), outbox.clone(), panics.clone());
            async move {
                if matches!(update.event, aisha_bot::io::Event::Payment { .. }) {
                    return credit_payment(&bot, &outbox, &panics, update).await;
                }
                dispatcher.dispatch_handled(update).await;
                Confirm::Done
            }
        }
    };
    let webhook_secret = settings.telegram.webhook_secret.as_ref().map(|s| s.expose_secret().to_owned());
    let polling = sandboxed || settings.telegram.mode == TelegramMode::Polling;
    if polling {
        if !sandboxed {
            let _ = telegram.delete_webhook(false).await;
        }
        // one poller across replicas: whoever holds the lock polls; the others wait to take over
        let (locks, telegram, token, intake) =
            (stack.locks.clone(), telegram.clone(), shutdown.clone(), intake.clone());
        let settled = {
            let dispatcher = dispatcher.clone();
            move || {
                let dispatcher = dispatcher.clone();
                async move {
                    if !dispatcher.settled(BATCH_SETTLE_LIMIT).await {
                        tracing::warn!("a batch of updates is still in hand after 10 s; confirming it anyway");
                    }
                }
            }
        };
        tasks.spawn(async move { lead_polling(locks, telegram, intake, settled, token).await });
    } else if let (Some(url), Some(secret)) = (&settings.telegram.webhook_url, &webhook_secret) {
        telegram.set_webhook(url, secret).await.map_err(|e| format!("setWebhook failed: {e}"))?;
    }

    workers::start(&mut tasks, &shutdown, runner.clone(), stack.clone()).await;

    // HTTP
    let state = http::State {
        stack: stack.clone(),
        runner: runner.clone(),
        verifier: Arc::new(fal.webhook_verifier()),
        telegram_webhook: (!polling).then(|| webhook_secret.clone()).flatten(),
        bot_username: me.username.clone(),
        intake: Arc::new(move |u| Box::pin(webhook_intake(u))),
    };
    let listener = tokio::net::TcpListener::bind(&settings.http.bind)
        .await
        .map_err(|e| format!("cannot listen on {} (http.bind): {e}", settings.http.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut router = http::router(state);
    if let Some(s) = &sandbox {
        // the web chat and the emulator's user API, on this server's origin
        router = router.merge(aisha_sandbox::web::router(&s.telegram.sandbox()));
    }
    let metrics_listener = tokio::net::TcpListener::bind(&settings.http.metrics_bind)
        .await
        .map_err(|e| format!("cannot listen on {} (http.metrics_bind): {e}", settings.http.metrics_bind))?;
    let metrics_addr = metrics_listener.local_addr().map_err(|e| e.to_string())?;
    let metrics_token = settings.http.metrics_token.as_ref().map(|t| t.expose_secret().to_owned());
    for (listener, router) in [(listener, router), (metrics_listener, http::metrics_router(metrics_token))] {
        let token = shutdown.clone();
        tasks.spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move { token.cancelled().await });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "the HTTP server stopped");
            }
        });
    }

    banner(&settings, &me.username.unwrap_or_default(), (addr, metrics_addr), sandbox.as_ref());
    wait_for_signal().await;
    tracing::info!("shutting down: intake stops, updates in hand finish, jobs stay for the next start");
    if let Some(s) = &sandbox {
        // open chat pages hold event streams; end them so the server can stop
        s.telegram.end_event_streams();
    }
    shutdown.cancel();
    let drained = tokio::time::timeout(Duration::from_secs(10), async {
        while tasks.join_next().await.is_some() {}
        while dispatcher.in_flight() > 0 || outbox.pending() > 0 || notifier.in_flight() > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("some work was still in hand after 10 s; it will be redone or reconciled at the next start");
    }
    if let Some(redis) = &stack.redis {
        redis.close().await;
    }
    Ok(())
}

fn banner(
    settings: &Settings,
    username: &str,
    (addr, metrics): (std::net::SocketAddr, std::net::SocketAddr),
    sandbox: Option<&Sandbox>,
) {
    println!("AISHA is running.");
    println!("  database   {}", crate::doctor::redact(&settings.database.url));
    println!("  sessions   {}", settings.redis.url.as_deref().map_or("database".to_owned(), crate::doctor::redact));
    println!(
        "  images     {}",
        match settings.storage.kind {
            crate::config::StorageKind::Local => settings.storage.dir.clone(),
            crate::config::StorageKind::S3 =>
                format!("s3 bucket {}", settings.storage.bucket.clone().unwrap_or_default()),
        }
    );
    if let Some(s) = sandbox {
        println!("  telegram   emulator at {} (bot @{username})", s.telegram.base_url());
        println!("  fal        emulator at {}", s.fal.url());
        println!(
            "  users      the emulator's user API under http://{addr}/sandbox (and {}/sandbox)",
            s.telegram.base_url()
        );
    } else {
        println!(
            "  telegram   @{username} ({})",
            if settings.telegram.mode == TelegramMode::Webhook { "webhook" } else { "long polling" }
        );
    }
    println!("  http       http://{addr}/healthz  /readyz");
    println!("  metrics    http://{metrics}/metrics");
    if sandbox.is_some() {
        // a wildcard bind is reachable on loopback; a browser cannot open 0.0.0.0
        let mut page = addr;
        if page.ip().is_unspecified() {
            page.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        println!("  chat       open http://{page}/ in a browser");
    }
    println!("Stop with Ctrl+C.");
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
