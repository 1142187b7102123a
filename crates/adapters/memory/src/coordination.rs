//! `RateLimiter` and `Locks` in memory, with time measured on the injected clock. The rate
//! limiter is GCRA, the same algorithm as the Redis script, so both answer alike.

use aisha_domain::Clock;
use aisha_domain::coordination::{Decision, Locks, Rate, RateLimiter};
use aisha_domain::ports::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn chrono_duration(d: Duration) -> Result<chrono::Duration, StoreError> {
    chrono::Duration::from_std(d).map_err(|e| StoreError::internal_from(format!("duration {d:?}"), e))
}

/// GCRA: each key keeps its theoretical arrival time (TAT), the moment its allowance would be
/// back to full burst minus the grants taken. A request is allowed when granting it keeps the
/// TAT within `burst` intervals of now.
pub struct MemoryRateLimiter {
    clock: Arc<dyn Clock>,
    tats: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl MemoryRateLimiter {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, tats: Mutex::new(HashMap::new()) }
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn try_acquire(&self, key: &str, rate: Rate) -> Result<Decision, StoreError> {
        let now = self.clock.now();
        let interval = chrono_duration(rate.interval())?;
        let window = rate
            .interval()
            .checked_mul(rate.burst())
            .ok_or_else(|| StoreError::internal(format!("rate {rate:?} overflows")))
            .and_then(chrono_duration)?;
        let mut tats = self.tats.lock().expect("rate limiter lock");
        // a TAT in the past means a full allowance: forget it, as Redis lets the key expire
        tats.retain(|_, tat| *tat > now);
        let tat = tats.get(key).copied().unwrap_or(now).max(now);
        let new_tat = tat + interval;
        let allow_at = new_tat - window;
        if now < allow_at {
            let retry_after =
                (allow_at - now).to_std().map_err(|e| StoreError::internal_from("rate limit delay", e))?;
            return Ok(Decision::Limited { retry_after });
        }
        tats.insert(key.to_owned(), new_tat);
        Ok(Decision::Allowed)
    }
}

struct Held {
    holder: String,
    expires: DateTime<Utc>,
}

/// Locks as a map of name to holder and expiry; an expired entry counts as free.
pub struct MemoryLocks {
    clock: Arc<dyn Clock>,
    held: Mutex<HashMap<String, Held>>,
}

impl MemoryLocks {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, held: Mutex::new(HashMap::new()) }
    }

    /// Runs `f` on the map after dropping `name`'s entry if it has expired.
    fn with_live<T>(&self, name: &str, f: impl FnOnce(&mut HashMap<String, Held>, DateTime<Utc>) -> T) -> T {
        let now = self.clock.now();
        let mut held = self.held.lock().expect("locks lock");
        if held.get(name).is_some_and(|h| h.expires <= now) {
            held.remove(name);
        }
        f(&mut held, now)
    }
}

/// Redis keeps TTLs in whole milliseconds and refuses zero; round the same way here.
fn lock_ttl(ttl: Duration) -> Result<chrono::Duration, StoreError> {
    let millis = ttl.as_micros().div_ceil(1000).max(1);
    chrono_duration(Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX)))
}

#[async_trait]
impl Locks for MemoryLocks {
    async fn acquire(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let ttl = lock_ttl(ttl)?;
        Ok(self.with_live(name, |held, now| {
            if held.contains_key(name) {
                return false;
            }
            held.insert(name.to_owned(), Held { holder: holder.to_owned(), expires: now + ttl });
            true
        }))
    }

    async fn extend(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let ttl = lock_ttl(ttl)?;
        Ok(self.with_live(name, |held, now| match held.get_mut(name) {
            Some(h) if h.holder == holder => {
                h.expires = now + ttl;
                true
            }
            _ => false,
        }))
    }

    async fn release(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        Ok(self.with_live(name, |held, _| match held.get(name) {
            Some(h) if h.holder == holder => {
                held.remove(name);
                true
            }
            _ => false,
        }))
    }
}
