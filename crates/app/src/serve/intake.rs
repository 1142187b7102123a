//! Intake: the poller (one across replicas), the once-per-update claim, and payments
//! credited before anything else.

use super::*;
use aisha_bot::io::Update;
use aisha_domain::coordination::UpdateClaim;
use aisha_telegram::{Dispatcher, DispatcherConfig};
use futures::future::BoxFuture;

/// How long the polling lock lasts without renewal, and how often it is renewed.
const LEADER_TTL: Duration = Duration::from_secs(15);
const LEADER_RENEW: Duration = Duration::from_secs(5);

/// How long the poller waits for a batch to be handled before confirming it to Telegram
/// anyway (so one slow handler cannot stop intake for everybody).
pub(super) const BATCH_SETTLE_LIMIT: Duration = Duration::from_secs(10);

pub(super) async fn lead_polling<F, Fut, S, SFut>(
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

/// Whether this update is handled here for the first time. Telegram delivers an update again
/// when the process that fetched it died before confirming it (polling), or did not answer in
/// time (webhook); the claim makes the second delivery a no-op, so a user never sees an
/// answer twice. Payments are exempt: crediting is idempotent per charge id, and a payment
/// must never be skipped because a claim outlived a crash between claiming and crediting.
async fn first_delivery(claims: &dyn aisha_domain::coordination::Locks, update: &aisha_bot::io::Update) -> bool {
    if matches!(update.event, aisha_bot::io::Event::Payment { .. }) {
        return true;
    }
    let claim = UpdateClaim::of(update.id);
    match claims.acquire(&claim.name, UpdateClaim::HOLDER, UpdateClaim::TTL).await {
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
pub(super) struct PaymentPanics(Mutex<std::collections::HashMap<String, u32>>);

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
pub(super) async fn credit_payment(
    bot: &Bot,
    outbox: &Outbox,
    panics: &PaymentPanics,
    update: aisha_bot::io::Update,
) -> Confirm {
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

/// What the dispatcher runs for each update, boxed so the dispatcher's type can be named.
pub(super) type Handler = Box<dyn Fn(Update) -> BoxFuture<'static, Vec<Outgoing>> + Send + Sync>;

/// The chat lanes every update but a payment goes through.
pub(super) type Updates = Dispatcher<Handler>;

/// The dispatcher over the bot: each update is claimed once, then handled in its chat's lane.
pub(super) fn dispatcher(bot: Arc<Bot>, claims: Arc<dyn aisha_domain::coordination::Locks>, outbox: Outbox) -> Updates {
    let handler: Handler = Box::new(move |update| {
        let (bot, claims) = (bot.clone(), claims.clone());
        Box::pin(async move { handle(&bot, claims.as_ref(), update).await })
    });
    Dispatcher::new(handler, outbox, DispatcherConfig::default())
}

/// Where updates come in, by polling or by webhook: payments first and inline (confirmed to
/// Telegram only once their credit is committed), everything else through the dispatcher.
#[derive(Clone)]
pub(super) struct Intake {
    pub(super) updates: Updates,
    pub(super) bot: Arc<Bot>,
    pub(super) outbox: Outbox,
    pub(super) panics: Arc<PaymentPanics>,
}

impl Intake {
    /// A polled update: confirmed once the dispatcher has taken it (the poller confirms a
    /// batch when it has been handled, or after `BATCH_SETTLE_LIMIT`).
    pub(super) async fn polled(self, update: Update) -> Confirm {
        if matches!(update.event, aisha_bot::io::Event::Payment { .. }) {
            return credit_payment(&self.bot, &self.outbox, &self.panics, update).await;
        }
        self.updates.dispatch(update).await;
        Confirm::Done
    }

    /// An update by webhook: answered once it is handled, so one in hand at a crash comes again.
    pub(super) async fn webhook(self, update: Update) -> Confirm {
        if matches!(update.event, aisha_bot::io::Event::Payment { .. }) {
            return credit_payment(&self.bot, &self.outbox, &self.panics, update).await;
        }
        self.updates.dispatch_handled(update).await;
        Confirm::Done
    }
}

async fn handle(
    bot: &Bot,
    claims: &dyn aisha_domain::coordination::Locks,
    update: aisha_bot::io::Update,
) -> Vec<Outgoing> {
    // a gallery step claims its update itself, with its session write (one round trip)
    if !bot.claims_itself(&update) && !first_delivery(claims, &update).await {
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

#[cfg(test)]
mod tests {
    use super::first_delivery;
    use crate::cli::Command;
    use crate::config::Settings;
    use crate::serve::sandbox_mode;
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
