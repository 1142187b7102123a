//! The local-directory store for the embedded mode: one file per key under a root directory.

use crate::errors::ErrorContext;
use crate::objects::Objects;
use aisha_domain::ports::{ImageStore, StorageError};
use aisha_domain::storage::StorageKey;
use async_trait::async_trait;
use object_store::local::LocalFileSystem;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The name recorded as the "bucket" of objects kept here. It names the kind of store, not the
/// path, so moving the directory does not invalidate the database's records.
pub const LOCAL_BUCKET: &str = "local";

/// `ImageStore` on a directory. Writes are atomic (a temporary file renamed into place). The
/// Content-Type is not kept: a plain directory has nowhere to put it, and readers know the
/// format from the key's extension. There are no public URLs.
pub struct LocalImageStore {
    objects: Objects,
    root: PathBuf,
}

impl fmt::Debug for LocalImageStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalImageStore").field("root", &self.root).finish()
    }
}

impl LocalImageStore {
    /// Opens `root`, creating it (and its parents) if it does not exist.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, StorageError> {
        let root = root.as_ref();
        let place = format!("local directory {}", root.display());
        std::fs::create_dir_all(root).map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => {
                StorageError::PermissionDenied(format!("cannot create the {place}: {e}"))
            }
            _ => StorageError::Other(format!("cannot create the {place}: {e}")),
        })?;
        let fs = LocalFileSystem::new_with_prefix(root)
            .map_err(|e| StorageError::Other(format!("cannot open the {place}: {e}")))?;
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let ctx = ErrorContext {
            place: format!("local directory {}", root.display()),
            bucket: LOCAL_BUCKET.to_owned(),
            access_key_id: None,
            secret: None,
        };
        Ok(Self { objects: Objects { store: Arc::new(fs), ctx, keeps_content_type: false, multipart: false }, root })
    }

    /// The directory the objects live in.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[async_trait]
impl ImageStore for LocalImageStore {
    fn bucket(&self) -> &str {
        LOCAL_BUCKET
    }

    async fn put(&self, key: &StorageKey, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        self.objects.put(key, bytes, content_type).await
    }

    async fn get(&self, key: &StorageKey) -> Result<Vec<u8>, StorageError> {
        self.objects.get(key).await
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        self.objects.delete(key).await
    }

    async fn exists(&self, key: &StorageKey) -> Result<bool, StorageError> {
        self.objects.exists(key, false).await
    }

    async fn public_url(&self, _key: &StorageKey, _ttl: Duration) -> Result<Option<String>, StorageError> {
        Ok(None)
    }
}
