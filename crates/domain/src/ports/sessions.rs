//! Sessions (dialogue and gallery session).

use crate::coordination::UpdateClaim;
use crate::session::SessionKey;
use async_trait::async_trait;

use super::StoreError;

/// Opaque per-user values with a time to live. Writing refreshes the TTL; reading does not.
/// An expired value reads as absent.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn get(&self, key: &SessionKey) -> Result<Option<String>, StoreError>;
    async fn put(&self, key: &SessionKey, value: String, ttl: std::time::Duration) -> Result<(), StoreError>;
    async fn delete(&self, key: &SessionKey) -> Result<(), StoreError>;
    /// Takes `claim` and, only if it was free, writes `value` under `key`, in one step: the
    /// claim is the same lock [`Locks::acquire`] takes (name, [`UpdateClaim::HOLDER`],
    /// [`UpdateClaim::TTL`]) in the store that keeps both. `false`: the claim was taken
    /// before and nothing was written. One round trip in a store that can.
    ///
    /// [`Locks::acquire`]: crate::coordination::Locks::acquire
    async fn put_claimed(
        &self,
        claim: &UpdateClaim,
        key: &SessionKey,
        value: String,
        ttl: std::time::Duration,
    ) -> Result<bool, StoreError>;
}
