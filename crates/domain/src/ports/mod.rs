//! Ports: what the domain needs from the outside world, named for what they mean here.
//!
//! Every port is an `async_trait` object-safe trait, `Send + Sync`, used as `Arc<dyn Port>`,
//! so the app can pick an adapter from configuration at run time and a test can hand in
//! another one. No adapter's library type appears in a signature.
//!
//! Money rule: where one use case must change two things together (a job and its charge, a
//! failure and its refund, a payment and its credit, a promo redemption and its credit), the
//! port offers ONE operation for it, and a SQL adapter runs it as ONE transaction. The amounts
//! and transitions are decided by the domain (`Job::succeed`, `Job::fail`, `Promo::check`,
//! `NewLedgerEntry::on_balance`); adapters apply them and enforce them under concurrency.
//!
//! Scoping rule: every read or write a user can cause takes the owner and matches on it. An id
//! that belongs to someone else is "not found", indistinguishable from an id that never existed.
//!
//! One file per concern; everything is re-exported here, so `ports::Jobs` is the path.

mod avatars;
mod gallery;
mod jobs;
mod ledger;
mod notices;
mod payments;
mod provider;
mod sessions;
mod storage;
mod users;

pub use avatars::*;
pub use gallery::*;
pub use jobs::*;
pub use ledger::*;
pub use notices::*;
pub use payments::*;
pub use provider::*;
pub use sessions::*;
pub use storage::*;
pub use users::*;

/// A store failed for reasons that have nothing to do with the request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Connection refused, timed out, pool exhausted: try again later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug, corrupt data, a constraint we did not expect.
    #[error("store error: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}
