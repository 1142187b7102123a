//! Operators' Stars refunds: the coins come back first (refused if spent, unless forced), then
//! Telegram returns the Stars. If Telegram refuses, the coins are restored with a ledger row.

use crate::admin::AdminError;
use crate::config::Settings;
use crate::wiring::{Stack, StarsApi};
use aisha_domain::ports::StarsRefundError;
use aisha_domain::services::payments::{
    OperatorRefundError, Reconciled, RefundCallError, StarTransaction, StarsRefunder,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Telegram's Stars methods through the Bot API client.
pub struct BotApiStars(pub aisha_telegram::Telegram);

#[async_trait]
impl StarsRefunder for BotApiStars {
    async fn refund_star_payment(
        &self,
        user: aisha_domain::TelegramUserId,
        charge_id: &str,
    ) -> Result<(), RefundCallError> {
        use aisha_telegram::ApiError;
        match self.0.refund_star_payment(user.get(), charge_id).await {
            Ok(()) => Ok(()),
            // what Telegram answers a second refund of a charge (400 CHARGE_ALREADY_REFUNDED,
            // as the Bot API emulator does too)
            Err(ApiError::Rejected { description, .. }) if description.contains("CHARGE_ALREADY_REFUNDED") => {
                Err(RefundCallError::AlreadyRefunded)
            }
            Err(e) if e.is_retryable() => Err(RefundCallError::Unanswered(e.to_string())),
            Err(e) => Err(RefundCallError::Refused(e.to_string())),
        }
    }
}

#[async_trait]
impl StarsApi for BotApiStars {
    async fn star_transactions(
        &self,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<aisha_domain::services::payments::StarTransaction>, usize), aisha_telegram::ApiError> {
        self.0.star_transactions(offset, limit).await
    }
}

/// The Bot API client the operators' commands reach Telegram through: the configured token at
/// `telegram.api_url`, or `None` without a token.
pub fn cli_stars(settings: &Settings) -> Result<Option<Arc<dyn StarsApi>>, aisha_telegram::ApiError> {
    let Some(token) = settings.telegram.token.clone() else { return Ok(None) };
    let config = aisha_telegram::TelegramConfig::with_base(token, &settings.telegram.api_url);
    let telegram = aisha_telegram::Telegram::new(&config)?;
    Ok(Some(Arc::new(BotApiStars(telegram))))
}

/// `aisha admin payments refund`: the domain's stored steps (requested → Telegram confirmed →
/// coins taken), so running it again after any interruption finishes the refund without paying
/// twice. Coins held by the user's unfinished jobs are named: they are not on the balance now
/// and come back to it if those jobs fail.
pub async fn refund(stack: &Stack, charge_id: &str, force: bool) -> Result<String, AdminError> {
    let Some(payment) = stack.payments.stars_payment(charge_id).await? else {
        return Err(AdminError::Refused(format!("no Stars payment with charge id {charge_id}")));
    };
    let Some(telegram) = &stack.stars_api else {
        return Err(AdminError::Refused(
            "no Telegram token is configured, so the Stars cannot be returned; set telegram.token (AISHA__TELEGRAM__TOKEN)".into(),
        ));
    };
    let balance = stack.ledger.balance(payment.owner).await?;
    let unfinished: Vec<_> =
        stack.jobs.non_terminal(10_000).await?.into_iter().filter(|j| j.owner == payment.owner).collect();
    let held = unfinished.iter().map(|j| j.quote.total.get()).sum::<i64>();
    let held_note = if held > 0 {
        format!(
            "; {held} more coins are held by {} unfinished job(s) and come back to the user if they fail",
            unfinished.len()
        )
    } else {
        String::new()
    };
    let service = stack.offline_services().payments;
    let done = service.operator_refund(charge_id, force, balance, telegram.as_ref()).await.map_err(|e| match e {
        OperatorRefundError::Payment(StarsRefundError::Store(s)) => AdminError::Store(s),
        OperatorRefundError::Payment(StarsRefundError::CoinsSpent { balance, needed }) => AdminError::Refused(format!(
            "refused: the payment bought {needed} coins but the user has {balance} left{held_note}; \
             use --force to take back what is left now"
        )),
        other => AdminError::Refused(format!("refused: {other}")),
    })?;
    Ok(format!(
        "refunded {} ⭐ of {charge_id} to {}; took back {} of {} coins{held_note}\n",
        payment.stars, payment.telegram_id, done.taken_back, payment.coins
    ))
}

/// Why a reconciliation could not read Telegram's record.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(
        "no Telegram token is configured, so Telegram's record cannot be read; set telegram.token (AISHA__TELEGRAM__TOKEN)"
    )]
    NoToken,
    #[error("getStarTransactions")]
    Telegram(#[source] aisha_telegram::ApiError),
}

/// Telegram's page size for `getStarTransactions` (at most 100).
const STAR_PAGE: u32 = 100;

/// Pages through Telegram's Star transactions from the first (keeping those at or after
/// `since`) and reconciles each page with the ledger: missed payments credited once, outside
/// refunds reported.
pub async fn reconcile(stack: &Stack, since: Option<DateTime<Utc>>) -> Result<Reconciled, ReconcileError> {
    let Some(telegram) = &stack.stars_api else { return Err(ReconcileError::NoToken) };
    let service = stack.offline_services().payments;
    let mut total = Reconciled::default();
    let mut offset = 0u32;
    loop {
        let (page, fetched) = telegram.star_transactions(offset, STAR_PAGE).await.map_err(ReconcileError::Telegram)?;
        let page: Vec<StarTransaction> = page.into_iter().filter(|t| since.is_none_or(|s| t.at() >= s)).collect();
        let done = service.reconcile(&page).await;
        total.credited.extend(done.credited);
        total.already_credited += done.already_credited;
        total.refunded_outside.extend(done.refunded_outside);
        total.failed.extend(done.failed);
        let fetched = u32::try_from(fetched).unwrap_or(STAR_PAGE);
        if fetched < STAR_PAGE {
            return Ok(total);
        }
        offset += fetched;
    }
}

/// What a reconciliation did, for an operator.
pub fn report(done: &Reconciled) -> String {
    let mut out =
        format!("credited {} missed payment(s); {} already credited\n", done.credited.len(), done.already_credited);
    for p in &done.credited {
        out += &format!("  credited {} from {}: {} ⭐ = {} coins\n", p.charge_id, p.telegram_id, p.stars, p.coins);
    }
    if !done.refunded_outside.is_empty() {
        out += &format!(
            "{} refund(s) made outside AISHA (their coins are still on the balance; take them back with \
             `aisha admin balance add <telegram id> -<coins> --reason …` if that is right):\n",
            done.refunded_outside.len()
        );
        for (charge, user, stars) in &done.refunded_outside {
            out += &format!("  refunded {charge} to {user}: {stars} ⭐\n");
        }
    }
    for (charge, why) in &done.failed {
        out += &format!("  NOT credited {charge}: {why} (run again once that is fixed)\n");
    }
    out
}
