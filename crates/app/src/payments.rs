//! Operators' Stars refunds: the coins come back first (refused if spent, unless forced), then
//! Telegram returns the Stars. If Telegram refuses, the coins are restored with a ledger row.

use crate::admin::AdminError;
use crate::config::Settings;
use crate::wiring::{Stack, StarsRefunds};
use aisha_domain::ports::StarsRefundError;
use async_trait::async_trait;
use std::sync::Arc;

/// Telegram's `refundStarPayment` for an operator's command, when a token is configured.
struct BotApiRefunds(aisha_telegram::Telegram);

#[async_trait]
impl StarsRefunds for BotApiRefunds {
    async fn refund_star_payment(&self, user: aisha_domain::TelegramUserId, charge_id: &str) -> Result<(), String> {
        self.0.refund_star_payment(user.get(), charge_id).await.map_err(|e| e.to_string())
    }
}

/// The Bot API client `admin payments refund` returns Stars through: the configured token at
/// `telegram.api_url`, or `None` without a token.
pub fn cli_refunds(settings: &Settings) -> Result<Option<Arc<dyn StarsRefunds>>, String> {
    let Some(token) = settings.telegram.token.clone() else { return Ok(None) };
    let config = aisha_telegram::TelegramConfig::with_base(token, &settings.telegram.api_url);
    let telegram = aisha_telegram::Telegram::new(&config).map_err(|e| format!("Telegram client: {e}"))?;
    Ok(Some(Arc::new(BotApiRefunds(telegram))))
}

pub async fn refund(stack: &Stack, charge_id: &str, force: bool) -> Result<String, AdminError> {
    let Some(payment) = stack.payments.stars_payment(charge_id).await? else {
        return Err(AdminError::Refused(format!("no Stars payment with charge id {charge_id}")));
    };
    let Some(telegram) = &stack.stars_refunds else {
        return Err(AdminError::Refused(
            "no Telegram token is configured, so the Stars cannot be returned; set telegram.token (AISHA__TELEGRAM__TOKEN)".into(),
        ));
    };
    if payment.refunded_at.is_some() {
        // the coins were taken back by an earlier run that did not reach Telegram: finish it
        return match telegram.refund_star_payment(payment.telegram_id, charge_id).await {
            Ok(()) => Ok(format!(
                "the coins were already taken back; Telegram has now returned {} ⭐ of {charge_id}\n",
                payment.stars
            )),
            Err(e) => Err(AdminError::Refused(format!("the coins were already taken back; Telegram says: {e}"))),
        };
    }
    let balance = stack.ledger.balance(payment.owner).await?;
    let service = stack.payment_service();
    if !force && let Some(blocker) = service.refund_blocker(charge_id, balance).await? {
        return Err(AdminError::Refused(describe(&blocker)));
    }
    let done = service.refund(charge_id, force).await.map_err(|e| match e {
        StarsRefundError::Store(s) => AdminError::Store(s),
        other => AdminError::Refused(describe(&other)),
    })?;
    if let Err(e) = telegram.refund_star_payment(payment.telegram_id, charge_id).await {
        // Telegram kept the Stars: give the coins back so nobody loses anything
        let note = format!("Stars refund of {charge_id} refused by Telegram: {e}");
        if !done.taken_back.is_zero() {
            stack
                .accounts
                .adjust(payment.owner, done.taken_back.get(), &note)
                .await
                .map_err(|e| AdminError::Refused(e.to_string()))?;
        }
        return Err(AdminError::Refused(format!("{note}; the {} coins were given back", done.taken_back)));
    }
    Ok(format!(
        "refunded {} ⭐ of {charge_id} to {}; took back {} of {} coins\n",
        payment.stars, payment.telegram_id, done.taken_back, payment.coins
    ))
}

fn describe(e: &StarsRefundError) -> String {
    match e {
        StarsRefundError::CoinsSpent { balance, needed } => format!(
            "refused: the payment bought {needed} coins but the user has {balance} left; use --force to take back what is left"
        ),
        other => format!("refused: {other}"),
    }
}
