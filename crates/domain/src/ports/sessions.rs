//! Sessions (dialogue and gallery session).

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
}
