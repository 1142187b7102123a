//! `ImageStore` in memory. It has no public URLs, like the local-directory store.

use aisha_domain::ports::{ImageStore, StorageError};
use aisha_domain::storage::StorageKey;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryImageStore {
    objects: Mutex<BTreeMap<String, (Vec<u8>, String)>>,
    /// When set, every call fails as if the server were down (fault-injection tests).
    down: std::sync::atomic::AtomicBool,
}

impl MemoryImageStore {
    pub fn set_down(&self, down: bool) {
        self.down.store(down, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every key present, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.objects.lock().expect("images lock").keys().cloned().collect()
    }

    pub fn content_type(&self, key: &StorageKey) -> Option<String> {
        self.objects.lock().expect("images lock").get(key.as_str()).map(|(_, ct)| ct.clone())
    }

    fn check(&self) -> Result<(), StorageError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            Err(StorageError::Unavailable("memory store is down".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl ImageStore for MemoryImageStore {
    fn bucket(&self) -> &str {
        "memory"
    }

    async fn put(&self, key: &StorageKey, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        self.check()?;
        self.objects.lock().expect("images lock").insert(key.as_str().to_owned(), (bytes, content_type.to_owned()));
        Ok(())
    }

    async fn get(&self, key: &StorageKey) -> Result<Vec<u8>, StorageError> {
        self.check()?;
        self.objects
            .lock()
            .expect("images lock")
            .get(key.as_str())
            .map(|(b, _)| b.clone())
            .ok_or_else(|| StorageError::NotFound(key.clone()))
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        self.check()?;
        self.objects.lock().expect("images lock").remove(key.as_str());
        Ok(())
    }

    async fn exists(&self, key: &StorageKey) -> Result<bool, StorageError> {
        self.check()?;
        Ok(self.objects.lock().expect("images lock").contains_key(key.as_str()))
    }

    async fn public_url(&self, _key: &StorageKey, _ttl: std::time::Duration) -> Result<Option<String>, StorageError> {
        self.check()?;
        Ok(None)
    }
}
