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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// Connection refused, timed out, pool exhausted: try again later.
    Unavailable(String),
    /// Anything else: a bug, corrupt data, a constraint we did not expect. `message` says what
    /// the store was doing; `source`, when there is one, is the error that stopped it (a
    /// database driver's, a decoder's), kept whole rather than flattened into the message.
    Internal { message: String, source: Option<Cause> },
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    /// An internal error with nothing underneath it.
    pub fn internal(message: impl Into<String>) -> Self {
        StoreError::Internal { message: message.into(), source: None }
    }

    /// An internal error caused by `source`.
    pub fn internal_from(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Internal { message: message.into(), source: Some(Cause::new(source)) }
    }
}

/// Display shows the cause too ("store error: reading jobs: <the driver's words>"), so every log
/// line and every operator message that prints a `StoreError` carries the whole story;
/// `source()` hands the cause itself to code that inspects it (a downcast, an error reporter).
impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unavailable(message) => write!(f, "store unavailable: {message}"),
            StoreError::Internal { message, source: None } => write!(f, "store error: {message}"),
            StoreError::Internal { message, source: Some(cause) } => write!(f, "store error: {message}: {cause}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Internal { source: Some(cause), .. } => Some(cause.error()),
            _ => None,
        }
    }
}

/// The error underneath a [`StoreError::Internal`], of whatever type the adapter had (the
/// domain names none of them). Shared, so `StoreError` stays `Clone`; compared by its text, so
/// errors that contain a `StoreError` stay `Eq`.
#[derive(Clone)]
pub struct Cause(std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl Cause {
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Cause(std::sync::Arc::new(error))
    }

    /// The error itself, to downcast or to walk its own sources.
    pub fn error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl std::fmt::Debug for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for Cause {}
