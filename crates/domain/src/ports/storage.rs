//! Object storage.

use crate::storage::StorageKey;
use async_trait::async_trait;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("no object at {0}")]
    NotFound(StorageKey),
    #[error("bucket {0} does not exist")]
    BucketMissing(String),
    #[error("storage refused the credentials: {0}")]
    PermissionDenied(String),
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Other(String),
}

impl StorageError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StorageError::Unavailable(_))
    }
}

#[async_trait]
pub trait ImageStore: Send + Sync {
    /// The bucket (or directory) recorded next to each key.
    fn bucket(&self) -> &str;
    async fn put(&self, key: &StorageKey, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError>;
    async fn get(&self, key: &StorageKey) -> Result<Vec<u8>, StorageError>;
    /// Deleting a missing object succeeds.
    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError>;
    async fn exists(&self, key: &StorageKey) -> Result<bool, StorageError>;
    /// A URL the outside world can fetch for `ttl`, if this store has such URLs.
    async fn public_url(&self, key: &StorageKey, ttl: std::time::Duration) -> Result<Option<String>, StorageError>;
}
