//! Payments and promo codes.

use crate::ledger::LedgerEntry;
use crate::payments::{Promo, PromoRefusal, StarsPayment};
use crate::{Coins, LedgerEntryId, PromoCode, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentRecorded {
    Credited {
        payment: StarsPayment,
        entry: LedgerEntry,
    },
    /// This charge id was recorded before: nothing changed.
    Replayed {
        payment: StarsPayment,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StarsRefundError {
    #[error("no such payment")]
    NotFound,
    #[error("the payment was already refunded")]
    AlreadyRefunded,
    #[error("the user has {balance} coins left of the {needed} this payment bought")]
    CoinsSpent { balance: Coins, needed: Coins },
    #[error("another refund of this payment is under way (Telegram asked at {since})")]
    InProgress { since: DateTime<Utc> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StarsRefunded {
    pub payment: StarsPayment,
    /// Coins taken back: all the payment bought, or with `force` what was left of it.
    pub taken_back: Coins,
    pub entry: Option<LedgerEntry>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StarsTotals {
    pub payments: u64,
    pub stars: u64,
    pub refunded_stars: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedeemError {
    #[error(transparent)]
    Refused(#[from] PromoRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redeemed {
    pub coins: Coins,
    pub entry: LedgerEntry,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreatePromoError {
    #[error("a code {0} already exists")]
    Exists(PromoCode),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait Payments: Send + Sync {
    /// Records the payment and credits its coins in one transaction, once per charge id.
    async fn record_stars_payment(
        &self,
        payment: StarsPayment,
        entry: LedgerEntryId,
    ) -> Result<PaymentRecorded, StoreError>;
    async fn stars_payment(&self, charge_id: &str) -> Result<Option<StarsPayment>, StoreError>;
    /// Marks the payment refunded and takes its coins back in one transaction. Refused if the
    /// coins were spent, unless `force`, which takes back what is left.
    async fn refund_stars_payment(
        &self,
        charge_id: &str,
        force: bool,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<StarsRefunded, StarsRefundError>;
    async fn stars_totals(&self) -> Result<StarsTotals, StoreError>;
    /// The first step of an operator's refund, stored before Telegram is asked: sets
    /// `refund_requested_at`, unless a request younger than `lease` exists (`InProgress`: one
    /// run at a time; an older one was interrupted and is taken over). A refund Telegram
    /// already confirmed is returned unchanged, so the caller goes on to take the coins.
    async fn request_stars_refund(
        &self,
        charge_id: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<StarsPayment, StarsRefundError>;
    /// Telegram returned the Stars: sets `refund_confirmed_at` (the first time only).
    async fn confirm_stars_refund(&self, charge_id: &str, now: DateTime<Utc>)
    -> Result<StarsPayment, StarsRefundError>;
    /// Telegram refused: clears an unconfirmed request, so a later run starts afresh.
    async fn withdraw_stars_refund(&self, charge_id: &str) -> Result<(), StoreError>;
}

#[async_trait]
pub trait Promos: Send + Sync {
    async fn create_promo(&self, promo: &Promo) -> Result<(), CreatePromoError>;
    async fn promo(&self, code: &PromoCode) -> Result<Option<Promo>, StoreError>;
    async fn promos(&self) -> Result<Vec<Promo>, StoreError>;
    /// `None` if there is no such code.
    async fn set_promo_active(&self, code: &PromoCode, active: bool) -> Result<Option<Promo>, StoreError>;
    /// Checks the code's rules and credits it in one transaction (limits hold under
    /// concurrent redemptions).
    async fn redeem(
        &self,
        owner: UserId,
        code: &PromoCode,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, RedeemError>;
}
