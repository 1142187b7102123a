//! Stars top-ups, operators' refunds and promo codes.

use super::Env;
use crate::ledger::LedgerEntry;
use crate::payments::{
    InvoicePayload, PreCheckoutRefusal, StarsPackage, StarsPayment, check_pre_checkout, credit_for_payment,
};
use crate::ports::{
    PaymentRecorded, Payments, Promos, RedeemError, Redeemed, StarsRefundError, StarsRefunded, StoreError, Users,
};
use crate::{Coins, LedgerEntryId, PromoCode, TelegramUserId, User, ValidationError};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub struct PaymentService {
    pub users: Arc<dyn Users>,
    pub payments: Arc<dyn Payments>,
    pub promos: Arc<dyn Promos>,
    pub env: Env,
    pub packages: Vec<StarsPackage>,
}

/// A Telegram `successful_payment`, as the bot receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaidInvoice {
    pub payer: TelegramUserId,
    pub charge_id: String,
    pub payload: String,
    pub currency: String,
    pub stars: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopUp {
    pub payment: StarsPayment,
    /// The ledger row, when this delivery credited the coins (`None` for a replay).
    pub entry: Option<LedgerEntry>,
    pub replayed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TopUpError {
    /// Telegram took Stars from someone AISHA does not know: an operator must look.
    #[error("payment {charge_id} from unknown user {payer}")]
    UnknownPayer { payer: TelegramUserId, charge_id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One entry of Telegram's record of the bot's Star transactions (`getStarTransactions`), as
/// far as AISHA cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StarTransaction {
    /// A user paid one of the bot's invoices; `charge_id` is the payment's
    /// `telegram_payment_charge_id`.
    Payment { charge_id: String, payer: TelegramUserId, payload: String, stars: u32, at: DateTime<Utc> },
    /// Stars returned to a user; `charge_id` is the refunded payment's.
    Refund { charge_id: String, user: TelegramUserId, stars: u32, at: DateTime<Utc> },
}

impl StarTransaction {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            StarTransaction::Payment { at, .. } | StarTransaction::Refund { at, .. } => *at,
        }
    }
}

/// What one reconciliation found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Payments Telegram has and AISHA had not recorded: credited now.
    pub credited: Vec<StarsPayment>,
    /// Payments already recorded (the live path credited them): untouched.
    pub already_credited: usize,
    /// Refunds Telegram made that AISHA did not record (`refundStarPayment` called elsewhere,
    /// or Telegram's support): the coins are still on the balance; an operator decides.
    pub refunded_outside: Vec<(String, TelegramUserId, u32)>,
    /// Payments that could not be credited now (the store failed, an unknown payer), with why.
    pub failed: Vec<(String, String)>,
}

/// Telegram's `refundStarPayment`, as an operator's refund needs it (the app implements it
/// over the Bot API).
#[async_trait::async_trait]
pub trait StarsRefunder: Send + Sync {
    async fn refund_star_payment(&self, user: TelegramUserId, charge_id: &str) -> Result<(), RefundCallError>;
}

/// How Telegram answered `refundStarPayment`, when it did not say yes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundCallError {
    /// The charge was refunded already (an earlier, interrupted run got through).
    AlreadyRefunded,
    /// No answer (a timeout, the network, a 5xx): the refund may or may not have happened.
    Unanswered(String),
    /// Refused: nothing happened.
    Refused(String),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OperatorRefundError {
    #[error(transparent)]
    Payment(#[from] StarsRefundError),
    #[error(
        "Telegram did not answer ({0}); run the same command again in a minute: it continues where this run stopped and never pays twice"
    )]
    Unanswered(String),
    #[error("Telegram refused the refund ({0}); nothing changed")]
    TelegramRefused(String),
}

impl From<StoreError> for OperatorRefundError {
    fn from(e: StoreError) -> Self {
        OperatorRefundError::Payment(e.into())
    }
}

/// How long a refund run may be waiting for Telegram before another run may take it over.
pub const REFUND_LEASE: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PromoError {
    #[error(transparent)]
    Format(#[from] ValidationError),
    #[error(transparent)]
    Redeem(#[from] RedeemError),
}

impl PaymentService {
    pub fn invoice(&self, package_id: &str, buyer: TelegramUserId) -> Option<(StarsPackage, InvoicePayload)> {
        let p = self.packages.iter().find(|p| p.id == package_id)?;
        Some((p.clone(), InvoicePayload::for_package(p, buyer)))
    }

    /// Decides a pre-checkout query; cheap (one user read) because Telegram waits 10 s at most.
    pub async fn pre_checkout(
        &self,
        payer: TelegramUserId,
        payload: &str,
        currency: &str,
        total: u32,
    ) -> Result<InvoicePayload, PreCheckoutRefusal> {
        let blocked = match self.users.by_telegram(payer).await {
            Ok(Some(u)) => u.blocked,
            Ok(None) => return Err(PreCheckoutRefusal::WrongBuyer),
            // a store hiccup must not take a user's money without a credit path: refuse
            Err(_) => return Err(PreCheckoutRefusal::UnknownInvoice),
        };
        check_pre_checkout(payload, currency, total, payer, blocked, &self.packages)
    }

    /// Credits a completed payment exactly once per charge id. Telegram already has the
    /// Stars, so this never refuses for business reasons; odd payloads are flagged.
    pub async fn complete(&self, paid: PaidInvoice) -> Result<TopUp, TopUpError> {
        let user = self
            .users
            .by_telegram(paid.payer)
            .await?
            .ok_or_else(|| TopUpError::UnknownPayer { payer: paid.payer, charge_id: paid.charge_id.clone() })?;
        let credit = credit_for_payment(&paid.payload, paid.stars, &self.packages);
        let payment = StarsPayment {
            charge_id: paid.charge_id,
            owner: user.id,
            telegram_id: paid.payer,
            payload: paid.payload,
            stars: paid.stars,
            coins: credit.coins,
            needs_attention: credit.needs_attention || paid.currency != "XTR",
            refunded_at: None,
            created_at: self.env.now(),
            refund_requested_at: None,
            refund_confirmed_at: None,
        };
        if payment.needs_attention {
            tracing::warn!(charge_id = %payment.charge_id, payload = %payment.payload, "payment does not match a package on sale; credited at the invoice's rate");
        }
        let entry = LedgerEntryId(self.env.ids.new_uuid());
        Ok(match self.payments.record_stars_payment(payment, entry).await? {
            PaymentRecorded::Credited { payment, entry } => TopUp { payment, entry: Some(entry), replayed: false },
            PaymentRecorded::Replayed { payment } => TopUp { payment, entry: None, replayed: true },
        })
    }

    /// Compares Telegram's record of Star transactions with the payments AISHA recorded:
    /// every payment Telegram has and AISHA has not is credited now, through [`complete`]
    /// (the live path's constructor, so once per charge id however often this runs or races
    /// the live path); refunds AISHA did not make are reported, not acted on.
    ///
    /// [`complete`]: Self::complete
    pub async fn reconcile(&self, transactions: &[StarTransaction]) -> Reconciled {
        let mut out = Reconciled::default();
        for tx in transactions {
            match tx {
                StarTransaction::Payment { charge_id, payer, payload, stars, .. } => {
                    let paid = PaidInvoice {
                        payer: *payer,
                        charge_id: charge_id.clone(),
                        payload: payload.clone(),
                        currency: "XTR".to_owned(),
                        stars: *stars,
                    };
                    match self.complete(paid).await {
                        Ok(TopUp { replayed: true, .. }) => out.already_credited += 1,
                        Ok(TopUp { payment, .. }) => {
                            tracing::warn!(charge_id = %payment.charge_id, telegram_id = payer.get(), stars,
                                coins = payment.coins.get(), "a payment Telegram delivered but AISHA had not credited is credited now");
                            out.credited.push(payment);
                        }
                        Err(e) => out.failed.push((charge_id.clone(), e.to_string())),
                    }
                }
                StarTransaction::Refund { charge_id, user, stars, .. } => {
                    match self.payments.stars_payment(charge_id).await {
                        Ok(Some(p)) if p.refunded_at.is_some() => {}
                        Ok(_) => {
                            tracing::warn!(charge_id = %charge_id, telegram_id = user.get(), stars,
                            "Telegram refunded a payment AISHA did not refund; its coins are still on the balance");
                            out.refunded_outside.push((charge_id.clone(), *user, *stars));
                        }
                        Err(e) => out.failed.push((charge_id.clone(), e.to_string())),
                    }
                }
            }
        }
        out
    }

    /// An operator's refund, as steps stored on the payment: requested (before Telegram is
    /// asked) → confirmed (Telegram returned the Stars) → coins taken. A run interrupted
    /// anywhere — a timeout after Telegram refunded, a crash — is continued by the next run:
    /// a confirmed refund is never asked again, and Telegram answers a repeated request with
    /// "already refunded", which counts as its confirmation; the coins are taken in one
    /// transaction that marks the payment refunded, so at most once. One run at a time
    /// ([`REFUND_LEASE`]). Unless `force`, refused before anything happens when the user has
    /// fewer coins than the payment bought; once Telegram has returned the Stars, what is left
    /// is taken whatever the balance.
    pub async fn operator_refund(
        &self,
        charge_id: &str,
        force: bool,
        balance: Coins,
        telegram: &dyn StarsRefunder,
    ) -> Result<StarsRefunded, OperatorRefundError> {
        let payment = self.payments.stars_payment(charge_id).await?.ok_or(StarsRefundError::NotFound)?;
        if payment.refunded_at.is_some() {
            return Err(StarsRefundError::AlreadyRefunded.into());
        }
        if payment.refund_confirmed_at.is_none() && !force && balance < payment.coins {
            return Err(StarsRefundError::CoinsSpent { balance, needed: payment.coins }.into());
        }
        let payment = self.payments.request_stars_refund(charge_id, self.env.now(), REFUND_LEASE).await?;
        if payment.refund_confirmed_at.is_none() {
            match telegram.refund_star_payment(payment.telegram_id, charge_id).await {
                Ok(()) | Err(RefundCallError::AlreadyRefunded) => {}
                Err(RefundCallError::Unanswered(e)) => return Err(OperatorRefundError::Unanswered(e)),
                Err(RefundCallError::Refused(e)) => {
                    self.payments.withdraw_stars_refund(charge_id).await?;
                    return Err(OperatorRefundError::TelegramRefused(e));
                }
            }
            self.payments.confirm_stars_refund(charge_id, self.env.now()).await?;
        }
        // the Stars are back with the user: the coins go, or what is left of them
        let entry = LedgerEntryId(self.env.ids.new_uuid());
        Ok(self.payments.refund_stars_payment(charge_id, true, entry, self.env.now()).await?)
    }

    /// The ledger half of an operator's refund; the app calls Telegram's refundStarPayment
    /// only after this succeeded.
    pub async fn refund(&self, charge_id: &str, force: bool) -> Result<StarsRefunded, StarsRefundError> {
        let entry = LedgerEntryId(self.env.ids.new_uuid());
        self.payments.refund_stars_payment(charge_id, force, entry, self.env.now()).await
    }

    /// Would a refund be refused? (Checked before asking Telegram, so a refusal costs nothing.)
    pub async fn refund_blocker(
        &self,
        charge_id: &str,
        balance: Coins,
    ) -> Result<Option<StarsRefundError>, StoreError> {
        Ok(match self.payments.stars_payment(charge_id).await? {
            None => Some(StarsRefundError::NotFound),
            Some(p) if p.refunded_at.is_some() => Some(StarsRefundError::AlreadyRefunded),
            Some(p) if balance < p.coins => Some(StarsRefundError::CoinsSpent { balance, needed: p.coins }),
            Some(_) => None,
        })
    }

    pub async fn redeem(&self, user: &User, typed: &str) -> Result<Redeemed, PromoError> {
        let code = PromoCode::parse(typed)?;
        let entry = LedgerEntryId(self.env.ids.new_uuid());
        Ok(self.promos.redeem(user.id, &code, entry, self.env.now()).await?)
    }
}
