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
use tokio_util::sync::CancellationToken;

/// Tells users what background work did, through the same outbox as every reply. Progress is
/// fire and forget. An outcome is handed to the outbox at once and followed in the
/// background: when Telegram has accepted its critical replies (or refused them for good: the
/// user blocked the bot), the job is marked `outcome_sent`; until then the runner's sweep
/// sends it again, so a crash in between delays the message instead of losing it.
struct BotNotifier {
    bot: OnceLock<Arc<Bot>>,
    outbox: Outbox,
    jobs: Arc<dyn Jobs>,
    env: Env,
    /// Outcomes handed to the outbox here and not through yet: a re-send of one of them (its
    /// delivery outlasted the sweep's wait) is skipped rather than doubled.
    delivering: Arc<Mutex<HashSet<JobId>>>,
}

impl BotNotifier {
    fn delivering(&self) -> std::sync::MutexGuard<'_, HashSet<JobId>> {
        self.delivering.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Outcomes still being delivered (shutdown waits for them, so none is sent again after a
    /// restart for want of its mark).
    fn in_flight(&self) -> usize {
        self.delivering().len()
    }

    async fn tell(&self, owner: UserId, notice: Notice) -> Told {
        let Some(bot) = self.bot.get() else { return Told::Pending };
        let Some(job) = notice.outcome_of().map(|j| j.id) else {
            match bot.render_notice(owner, notice).await {
                Ok(replies) => replies.into_iter().for_each(|r| self.outbox.send(r)),
                Err(e) => tracing::debug!(user = %owner, error = %e, "a progress notice could not be rendered"),
            }
            return Told::Pending;
        };
        if !self.delivering().insert(job) {
            tracing::info!(job = %job, "outcome still being delivered; not sent again");
            return Told::Pending;
        }
        let replies = match bot.render_notice(owner, notice).await {
            Ok(replies) => replies,
            Err(e) => {
                tracing::warn!(user = %owner, job = %job, error = %e, "an outcome could not be rendered; it will be sent again");
                self.delivering().remove(&job);
                return Told::Pending;
            }
        };
        let mut confirmations = Vec::new();
        for reply in replies {
            if reply.class == Class::Critical {
                confirmations.push(self.outbox.submit(reply));
            } else {
                self.outbox.send(reply);
            }
        }
        let (jobs, env, delivering) = (self.jobs.clone(), self.env.clone(), self.delivering.clone());
        tokio::spawn(async move {
            let mut through = true;
            for confirmation in confirmations {
                match confirmation.await {
                    Ok(_) => {}
                    // they blocked the bot: it can never reach them; the gallery has the images
                    Err(SendError::Blocked) => {}
                    // not sent (the outbox went away): the sweep sends it again
                    Err(SendError::Dropped) => through = false,
                    Err(e) if e.is_retryable() => through = false,
                    Err(e) => {
                        // refused for good (a bad request, a missing stored image): sending it
                        // again would be refused again
                        tracing::warn!(job = %job, error = %e, "an outcome reply was refused; not retried");
                    }
                }
            }
            if through && let Err(e) = jobs.mark_outcome_sent(job, env.now()).await {
                tracing::warn!(job = %job, error = %e, "could not mark an outcome sent; it may be sent again");
            }
            delivering.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&job);
        });
        Told::Pending
    }
}

#[async_trait]
impl Notifier for BotNotifier {
    async fn notify(&self, owner: UserId, notice: Notice) -> Told {
        crate::metrics::job_ended(&notice);
        self.tell(owner, notice).await
    }

    /// Counted once, when the job ended; not again.
    async fn resend(&self, owner: UserId, notice: Notice) -> Told {
        self.tell(owner, notice).await
    }
}

/// The outbox's feedback: unreachable users are marked, Telegram's file ids remembered.
struct StoreFeedback {
    stack: Arc<Stack>,
}

#[async_trait]
impl Feedback for StoreFeedback {
    async fn on_blocked(&self, chat: ChatId) {
        let Ok(tg) = TelegramUserId::new(chat.0) else { return };
        match self.stack.users.by_telegram(tg).await {
            Ok(Some(u)) => {
                if let Err(e) = self.stack.users.set_blocked(u.id, true).await {
                    tracing::warn!(chat = chat.0, error = %e, "could not mark a user unreachable");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(chat = chat.0, error = %e, "could not look up a blocked chat"),
        }
    }

    async fn on_file_id(&self, chat: ChatId, image: ImageId, file_id: String) {
        let Ok(tg) = TelegramUserId::new(chat.0) else { return };
        if let Ok(Some(u)) = self.stack.users.by_telegram(tg).await
            && let Err(e) = self.stack.gallery.set_file_id(u.id, image, &file_id).await
        {
            tracing::debug!(error = %e, "file id not stored; the next view uploads again");
        }
    }
}

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

    // workers: reconcile once, then tick and sweep until shutdown
    match runner.reconcile().await {
        Ok(n) if n > 0 => tracing::info!(jobs = n, "unfinished jobs will be checked with the provider"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "start-up reconciliation failed; the workers will retry"),
    }
    for (every, sweep) in [(Duration::from_millis(500), false), (Duration::from_secs(15), true)] {
        let runner = runner.clone();
        every_period(&mut tasks, every, &shutdown, move || {
            let runner = runner.clone();
            async move {
                let result = if sweep { runner.sweep().await } else { runner.tick().await };
                if let Err(e) = result {
                    tracing::warn!(error = %e, "job worker pass failed; retrying");
                }
            }
        });
    }
    // the heartbeat: the jobs a tick holds keep their leases however long the batch takes
    let heartbeat = Duration::from_secs(u64::try_from(settings.timeouts.lease_seconds).unwrap_or(60)) / 3;
    let held = runner.clone();
    every_period(&mut tasks, heartbeat, &shutdown, move || {
        let runner = held.clone();
        async move {
            if let Err(e) = runner.renew_leases().await {
                tracing::warn!(error = %e, "could not renew the leases of the jobs in hand; retrying");
            }
            let leases = &runner.leases;
            crate::metrics::leases(leases.held(), leases.lost(), leases.duplicate_submits());
        }
    });
    // the chat action of running image jobs, renewed before it fades (~5 s), by one replica
    // per period (a lock a little shorter than the period)
    let (pulsed, locks) = (runner.clone(), stack.locks.clone());
    let holder = uuid::Uuid::now_v7().to_string();
    const PULSE: Duration = Duration::from_secs(4);
    every_period(&mut tasks, PULSE, &shutdown, move || {
        let (runner, locks, holder) = (pulsed.clone(), locks.clone(), holder.clone());
        async move {
            let ttl = PULSE - Duration::from_millis(500);
            if matches!(locks.acquire("job-pulse", &holder, ttl).await, Ok(true))
                && let Err(e) = runner.pulse().await
            {
                tracing::debug!(error = %e, "could not renew the chat actions of running jobs");
            }
        }
    });
    if settings.telegram.reconcile_seconds > 0 {
        let every = Duration::from_secs(settings.telegram.reconcile_seconds);
        tasks.spawn(reconcile_payments(stack.clone(), every, shutdown.clone()));
    }
    let gauge_stack = stack.clone();
    every_period(&mut tasks, Duration::from_secs(15), &shutdown, move || {
        let stack = gauge_stack.clone();
        async move { crate::metrics::refresh(&stack).await }
    });
    let purge_stack = stack.clone();
    every_period(&mut tasks, Duration::from_secs(3600), &shutdown, move || {
        let stack = purge_stack.clone();
        async move {
            if stack.redis.is_none()
                && let Err(e) = stack.db.purge_expired_sessions().await
            {
                tracing::warn!(error = %e, "could not purge expired sessions");
            }
        }
    });

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

/// How long the polling lock lasts without renewal, and how often it is renewed.
const LEADER_TTL: Duration = Duration::from_secs(15);
const LEADER_RENEW: Duration = Duration::from_secs(5);

/// How long the poller waits for a batch to be handled before confirming it to Telegram
/// anyway (so one slow handler cannot stop intake for everybody).
const BATCH_SETTLE_LIMIT: Duration = Duration::from_secs(10);

async fn lead_polling<F, Fut, S, SFut>(
    locks: Arc<dyn aisha_domain::coordination::Locks>,
    telegram: Telegram,
    intake: F,
    settled: S,
    shutdown: CancellationToken,
) where
    F: FnMut(aisha_bot::io::Update) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Confirm> + Send + 'static,
    S: FnMut() -> SFut + Clone + Send + 'static,
    SFut: std::future::Future<Output = ()> + Send + 'static,
{
    let holder = uuid::Uuid::now_v7().to_string();
    while !shutdown.is_cancelled() {
        match locks.acquire("telegram-poller", &holder, LEADER_TTL).await {
            Ok(true) => {
                tracing::info!(%holder, "this replica polls Telegram");
                crate::metrics::polling_leader(true);
                let term = shutdown.child_token();
                let poller = Poller::new(telegram.clone());
                let polling = tokio::spawn(poller.run_settled(intake.clone(), settled.clone(), term.clone()));
                loop {
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(LEADER_RENEW) => {}
                    }
                    match locks.extend("telegram-poller", &holder, LEADER_TTL).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!("lost the polling lock; another replica takes over");
                            break;
                        }
                        // Redis is down: no other replica can take the lock either, so this
                        // one keeps polling rather than leave nobody taking updates; when the
                        // store is back, the next renewal settles who polls (a second poller
                        // meanwhile gets Telegram's 409, and loses the lock)
                        Err(e) => {
                            tracing::warn!(error = %e, "could not reach the lock store; this replica keeps polling")
                        }
                    }
                }
                term.cancel();
                let _ = polling.await;
                crate::metrics::polling_leader(false);
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "could not reach the lock store; polling paused"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = tokio::time::sleep(LEADER_RENEW) => {}
        }
    }
    let _ = locks.release("telegram-poller", &holder).await;
}

/// How far back the periodic reconciliation looks (Telegram keeps redelivering an
/// unconfirmed update for about a day; older misses are for `aisha admin payments reconcile`).
const RECONCILE_WINDOW: chrono::Duration = chrono::Duration::days(7);

/// Every `every`, on one replica (whoever takes the lock, which lasts the whole period), credits
/// the payments Telegram has and AISHA missed, as `aisha admin payments reconcile` does.
async fn reconcile_payments(stack: Arc<Stack>, every: Duration, shutdown: CancellationToken) {
    let holder = uuid::Uuid::now_v7().to_string();
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = interval.tick() => {}
        }
        match stack.locks.acquire("payments-reconcile", &holder, every).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "could not reach the lock store; payment reconciliation skipped");
                continue;
            }
        }
        let since = stack.env.now() - RECONCILE_WINDOW;
        match crate::payments::reconcile(&stack, Some(since)).await {
            Ok(done) if done.credited.is_empty() && done.refunded_outside.is_empty() && done.failed.is_empty() => {}
            Ok(done) => {
                tracing::warn!(report = %crate::payments::report(&done), "payment reconciliation found differences")
            }
            Err(e) => tracing::warn!(error = %e, "payment reconciliation failed; it runs again next period"),
        }
    }
}

/// How long an update's claim is kept: longer than any restart or Telegram's redelivery of an
/// unanswered webhook takes, short enough that the claims of a busy day do not pile up.
const UPDATE_CLAIM_TTL: Duration = Duration::from_secs(600);

/// Whether this update is handled here for the first time. Telegram delivers an update again
/// when the process that fetched it died before confirming it (polling), or did not answer in
/// time (webhook); the claim makes the second delivery a no-op, so a user never sees an
/// answer twice. Payments are exempt: crediting is idempotent per charge id, and a payment
/// must never be skipped because a claim outlived a crash between claiming and crediting.
async fn first_delivery(claims: &dyn aisha_domain::coordination::Locks, update: &aisha_bot::io::Update) -> bool {
    if matches!(update.event, aisha_bot::io::Event::Payment { .. }) {
        return true;
    }
    match claims.acquire(&format!("update:{}", update.id), "handled", UPDATE_CLAIM_TTL).await {
        Ok(first) => first,
        Err(e) => {
            // better to risk a repeated answer than to drop what the user did
            tracing::warn!(update_id = update.id, error = %e, "could not claim an update; handling it anyway");
            true
        }
    }
}

/// How many deliveries of one payment may panic before it is confirmed anyway (a handler that
/// panics on it every time must not stop intake for everybody).
const PAYMENT_PANICS: u32 = 3;

/// Panics per charge id in this process.
#[derive(Default)]
struct PaymentPanics(Mutex<std::collections::HashMap<String, u32>>);

impl PaymentPanics {
    /// Counts a panic; whether the payment's update should still be held back.
    fn hold_back(&self, charge_id: &str) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = seen.entry(charge_id.to_owned()).or_default();
        *n += 1;
        *n < PAYMENT_PANICS
    }
}

/// Credits a payment update before anything else, outside the chat lanes. It is confirmed to
/// Telegram only once the credit is committed, with two exceptions that would otherwise stop
/// intake for good: a store that refuses the row (not merely unreachable) fails the same way
/// on every delivery, and a handler that panicked [`PAYMENT_PANICS`] times on it. Both are
/// logged as PAYMENT NOT CREDITED with the charge id, the payer and the Stars.
async fn credit_payment(bot: &Bot, outbox: &Outbox, panics: &PaymentPanics, update: aisha_bot::io::Update) -> Confirm {
    use futures::FutureExt;
    let aisha_bot::io::Event::Payment { telegram_charge_id, total_amount, .. } = &update.event else {
        return Confirm::Done;
    };
    let (charge_id, stars, payer) = (telegram_charge_id.clone(), *total_amount, update.from.telegram_id.get());
    let started = std::time::Instant::now();
    let span = tracing::info_span!("update", id = update.id, user = payer);
    let handled = tracing::Instrument::instrument(bot.handle_payment(update), span);
    match std::panic::AssertUnwindSafe(handled).catch_unwind().await {
        Ok(Ok(replies)) => {
            replies.into_iter().for_each(|r| outbox.send(r));
            crate::metrics::update_handled(started.elapsed());
            Confirm::Done
        }
        Ok(Err(not_credited)) => {
            // logged with its charge id, payer and Stars where it failed
            crate::metrics::payment_not_credited();
            if not_credited.transient { Confirm::NotYet } else { Confirm::Done }
        }
        Err(_) if panics.hold_back(&charge_id) => {
            tracing::error!(charge_id = %charge_id, telegram_id = payer, stars,
                "PAYMENT NOT CREDITED yet: the handler panicked; not confirmed to Telegram, which delivers it again");
            crate::metrics::payment_not_credited();
            Confirm::NotYet
        }
        Err(_) => {
            tracing::error!(charge_id = %charge_id, telegram_id = payer, stars,
                "PAYMENT NOT CREDITED: the handler panicked on every delivery; confirmed so intake goes on, the reconciliation with Telegram tries it again");
            crate::metrics::payment_not_credited();
            Confirm::Done
        }
    }
}

async fn handle(
    bot: &Bot,
    claims: &dyn aisha_domain::coordination::Locks,
    update: aisha_bot::io::Update,
) -> Vec<Outgoing> {
    if !first_delivery(claims, &update).await {
        tracing::info!(update_id = update.id, "update delivered again; already handled");
        crate::metrics::update_repeated();
        return Vec::new();
    }
    let started = std::time::Instant::now();
    let span = tracing::info_span!("update", id = update.id, user = update.from.telegram_id.get());
    let out = tracing::Instrument::instrument(bot.handle(update), span).await;
    crate::metrics::update_handled(started.elapsed());
    out
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

/// Runs `pass` at once and then every `every` until `token` is cancelled; a pass that takes
/// longer than the period delays the next one instead of bunching them up.
fn every_period<F, Fut>(tasks: &mut tokio::task::JoinSet<()>, every: Duration, token: &CancellationToken, mut pass: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let token = token.clone();
    tasks.spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = interval.tick() => {}
            }
            pass().await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{first_delivery, sandbox_mode};
    use crate::cli::Command;
    use crate::config::Settings;
    use aisha_bot::io::{ChatId, Event, MessageId, Update};
    use aisha_domain::user::Profile;
    use aisha_domain::{Clock, TelegramUserId};
    use std::sync::Arc;

    fn update(id: i64, event: Event) -> Update {
        let from = Profile {
            telegram_id: TelegramUserId::new(5).unwrap(),
            first_name: "A".into(),
            last_name: None,
            username: None,
            language_code: None,
        };
        Update { id, from, event }
    }

    #[tokio::test]
    async fn an_update_is_handled_once_but_a_payment_every_time() {
        let clock: Arc<dyn Clock> = Arc::new(aisha_memory::ManualClock::default());
        let claims = aisha_memory::MemoryLocks::new(clock);
        let text = update(10, Event::Text { chat: ChatId(5), message: MessageId(1), text: "hi".into() });
        assert!(first_delivery(&claims, &text).await);
        assert!(!first_delivery(&claims, &text).await, "the same update again is skipped");
        assert!(first_delivery(&claims, &update(11, text.event.clone())).await, "another update id is new");
        let paid = update(
            12,
            Event::Payment {
                chat: ChatId(5),
                currency: "XTR".into(),
                total_amount: 50,
                payload: "p".into(),
                telegram_charge_id: "c".into(),
                provider_charge_id: String::new(),
            },
        );
        assert!(first_delivery(&claims, &paid).await);
        assert!(first_delivery(&claims, &paid).await, "payments are credited idempotently, never skipped");
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::load(None, pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
    }

    #[test]
    fn the_sandbox_starts_only_where_it_cannot_be_mistaken_for_the_bot() {
        let embedded = settings(&[]);
        assert_eq!(sandbox_mode(&Command::Serve, &embedded, false), Ok(true), "no token, SQLite, loopback");
        assert_eq!(sandbox_mode(&Command::Sandbox, &embedded, false), Ok(true));
        let bot = settings(&[("AISHA__TELEGRAM__TOKEN", "1:a"), ("AISHA__FAL__KEY", "k")]);
        assert_eq!(sandbox_mode(&Command::Serve, &bot, false), Ok(false), "a token: the real bot");
        assert!(sandbox_mode(&Command::Sandbox, &bot, false).unwrap_err().contains("Telegram token"));
        assert_eq!(sandbox_mode(&Command::Sandbox, &bot, true), Ok(true));
        let pg = settings(&[("AISHA__DATABASE__URL", "postgres://u@db/aisha")]);
        assert!(sandbox_mode(&Command::Serve, &pg, false).unwrap_err().contains("AISHA__TELEGRAM__TOKEN"));
        assert!(sandbox_mode(&Command::Serve, &pg, true).is_err(), "serve never becomes the sandbox on PostgreSQL");
        assert!(sandbox_mode(&Command::Sandbox, &pg, false).unwrap_err().contains("PostgreSQL"));
        assert_eq!(sandbox_mode(&Command::Sandbox, &pg, true), Ok(true));
        let public = settings(&[("AISHA__HTTP__BIND", "0.0.0.0:8080")]);
        assert!(sandbox_mode(&Command::Serve, &public, false).unwrap_err().contains("not a loopback address"));
        assert_eq!(sandbox_mode(&Command::Serve, &public, true), Ok(true));
    }

    #[test]
    fn a_payment_that_panics_is_held_back_a_few_times_then_let_through() {
        let panics = super::PaymentPanics::default();
        let held: Vec<bool> = (0..super::PAYMENT_PANICS).map(|_| panics.hold_back("c1")).collect();
        assert_eq!(held, [true, true, false], "held back, held back, then confirmed so intake goes on");
        assert!(panics.hold_back("c2"), "counted per charge id");
    }
}
