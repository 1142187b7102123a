//! `RateLimiter` and `Locks`. The limiter is a GCRA Lua script timed by the server's clock, so
//! replicas with skewed clocks still share one allowance. A lock is a string key holding its
//! holder: `SET NX PX` takes it, scripts compare the holder before extending or deleting it.

use crate::{RedisStore, ttl_millis};
use aisha_domain::coordination::{Decision, Locks, Rate, RateLimiter};
use aisha_domain::ports::StoreError;
use async_trait::async_trait;
use fred::prelude::{Expiration, KeysInterface, SetOptions, Value};
use std::time::Duration;

fn micros(d: Duration) -> Result<i64, StoreError> {
    i64::try_from(d.as_micros()).map_err(|_| StoreError::internal(format!("duration {d:?} is too long")))
}

/// Lock TTLs in milliseconds, at least 1 (Redis refuses 0).
pub(crate) fn lock_millis(ttl: Duration) -> i64 {
    ttl_millis(ttl).max(1)
}

#[async_trait]
impl RateLimiter for RedisStore {
    async fn try_acquire(&self, key: &str, rate: Rate) -> Result<Decision, StoreError> {
        let k = self.key("rl", &key);
        let args = vec![Value::from(micros(rate.interval())?), Value::from(i64::from(rate.burst()))];
        let reply: Vec<i64> = self.run("rate limit", self.scripts.rate_limit.call(&self.client, vec![k], args)).await?;
        match reply.as_slice() {
            [1, _] => Ok(Decision::Allowed),
            [0, retry_us] => Ok(Decision::Limited {
                retry_after: Duration::from_micros(u64::try_from(*retry_us).unwrap_or(0).max(1)),
            }),
            other => Err(StoreError::internal(format!("redis rate limit: unexpected reply {other:?}"))),
        }
    }
}

#[async_trait]
impl Locks for RedisStore {
    async fn acquire(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let k = self.key("lock", &name);
        let expiry = Some(Expiration::PX(lock_millis(ttl)));
        let set = self.client.set::<Option<String>, _, _>(k, holder, expiry, Some(SetOptions::NX), false);
        Ok(self.run("lock acquire", set).await?.is_some())
    }

    async fn extend(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let k = self.key("lock", &name);
        let args = vec![Value::from(holder.to_owned()), Value::from(lock_millis(ttl))];
        let done: i64 = self.run("lock extend", self.scripts.extend.call(&self.client, vec![k], args)).await?;
        Ok(done == 1)
    }

    async fn release(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let k = self.key("lock", &name);
        let args = vec![Value::from(holder.to_owned())];
        let done: i64 = self.run("lock release", self.scripts.release.call(&self.client, vec![k], args)).await?;
        Ok(done == 1)
    }
}
