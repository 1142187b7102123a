//! `SessionStore` in memory, with TTLs measured on the injected clock.

use aisha_domain::Clock;
use aisha_domain::ports::{SessionStore, StoreError};
use aisha_domain::session::SessionKey;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct MemorySessions {
    clock: Arc<dyn Clock>,
    values: Mutex<HashMap<SessionKey, (String, DateTime<Utc>)>>,
}

impl MemorySessions {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, values: Mutex::new(HashMap::new()) }
    }
}

#[async_trait]
impl SessionStore for MemorySessions {
    async fn get(&self, key: &SessionKey) -> Result<Option<String>, StoreError> {
        let now = self.clock.now();
        let mut values = self.values.lock().expect("sessions lock");
        match values.get(key) {
            Some((v, expires)) if *expires > now => Ok(Some(v.clone())),
            Some(_) => {
                values.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn put(&self, key: &SessionKey, value: String, ttl: std::time::Duration) -> Result<(), StoreError> {
        let ttl = chrono::Duration::from_std(ttl).map_err(|e| StoreError::internal_from("ttl", e))?;
        let expires = self.clock.now() + ttl;
        self.values.lock().expect("sessions lock").insert(*key, (value, expires));
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), StoreError> {
        self.values.lock().expect("sessions lock").remove(key);
        Ok(())
    }
}
