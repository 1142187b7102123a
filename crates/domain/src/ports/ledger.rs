//! Ledger.

use crate::ledger::{Applied, LedgerEntry, LedgerTotals, NewLedgerEntry};
use crate::{Coins, LedgerEntryId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("not enough coins: {balance} available, {needed} needed")]
    InsufficientFunds { balance: Coins, needed: Coins },
    #[error("no such user")]
    UnknownUser,
    /// The idempotency key was used before for a different change (another owner, amount or
    /// reason): a bug or a forgery, never a replay.
    #[error("idempotency key {key} was already used for a different change; refused")]
    KeyReused { key: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait Ledger: Send + Sync {
    async fn balance(&self, owner: UserId) -> Result<Coins, StoreError>;
    /// Appends one row and moves the balance with it, or nothing if the idempotency key was
    /// used before for the same change (`Applied::Replayed`; `KeyReused` if for another).
    /// Refuses a change that would go below zero.
    async fn apply(&self, entry: NewLedgerEntry) -> Result<Applied, ApplyError>;
    /// Newest first, strictly older than `before` when given (keyset on `(created_at, id)`).
    async fn history(
        &self,
        owner: UserId,
        before: Option<(DateTime<Utc>, LedgerEntryId)>,
        limit: u32,
    ) -> Result<Vec<LedgerEntry>, StoreError>;
    /// Coins spent on jobs, net of refunds.
    async fn spent_on_jobs(&self, owner: UserId) -> Result<Coins, StoreError>;
    /// Over all users, for operators.
    async fn totals(&self) -> Result<LedgerTotals, StoreError>;
}
