//! `SessionStore` in memory, with TTLs measured on the injected clock.

use aisha_domain::Clock;
use aisha_domain::coordination::UpdateClaim;
use aisha_domain::ports::{SessionStore, StoreError};
use aisha_domain::session::SessionKey;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct MemorySessions {
    clock: Arc<dyn Clock>,
    values: Mutex<HashMap<SessionKey, (String, DateTime<Utc>)>>,
    /// Update claims taken with a session write, until they expire.
    claims: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl MemorySessions {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, values: Mutex::new(HashMap::new()), claims: Mutex::new(HashMap::new()) }
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

    async fn put_claimed(
        &self,
        claim: &UpdateClaim,
        key: &SessionKey,
        value: String,
        ttl: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let as_chrono = |d| chrono::Duration::from_std(d).map_err(|e| StoreError::internal_from("ttl", e));
        let (claim_ttl, _) = (as_chrono(UpdateClaim::TTL)?, as_chrono(ttl)?);
        let now = self.clock.now();
        {
            let mut claims = self.claims.lock().expect("claims lock");
            claims.retain(|_, until| *until > now);
            if claims.contains_key(&claim.name) {
                return Ok(false);
            }
            claims.insert(claim.name.clone(), now + claim_ttl);
        }
        self.put(key, value, ttl).await?;
        Ok(true)
    }
}
