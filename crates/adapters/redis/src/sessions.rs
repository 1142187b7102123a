//! `SessionStore`: one string key per session, `{prefix}:session:{kind}:{user}`, written with
//! the TTL the caller gives (Redis expires it; reads do not touch it).

use crate::coordination::lock_millis;
use crate::{RedisStore, ttl_millis};
use aisha_domain::coordination::UpdateClaim;
use aisha_domain::ports::{SessionStore, StoreError};
use aisha_domain::session::SessionKey;
use async_trait::async_trait;
use fred::prelude::{Expiration, KeysInterface, Value};
use std::time::Duration;

impl RedisStore {
    fn session_key(&self, key: &SessionKey) -> String {
        self.key("session", key)
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn get(&self, key: &SessionKey) -> Result<Option<String>, StoreError> {
        let k = self.session_key(key);
        self.run("session get", self.client.get::<Option<String>, _>(k)).await
    }

    async fn put(&self, key: &SessionKey, value: String, ttl: Duration) -> Result<(), StoreError> {
        let k = self.session_key(key);
        let millis = ttl_millis(ttl);
        if millis == 0 {
            // expired as soon as written; Redis refuses a zero TTL
            return self.run("session put", self.client.del::<(), _>(k)).await;
        }
        self.run("session put", self.client.set::<(), _, _>(k, value, Some(Expiration::PX(millis)), None, false)).await
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), StoreError> {
        let k = self.session_key(key);
        self.run("session delete", self.client.del::<(), _>(k)).await
    }

    async fn put_claimed(
        &self,
        claim: &UpdateClaim,
        key: &SessionKey,
        value: String,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        // the claim under the very key `Locks::acquire` uses, so either path sees the other's
        let keys = vec![self.key("lock", &claim.name), self.session_key(key)];
        let args = vec![
            Value::from(UpdateClaim::HOLDER),
            Value::from(lock_millis(UpdateClaim::TTL)),
            Value::from(value),
            // a session that would expire at once still takes the claim (Redis refuses PX 0)
            Value::from(lock_millis(ttl)),
        ];
        let done: i64 =
            self.run("session put claimed", self.scripts.put_claimed.call(&self.client, keys, args)).await?;
        Ok(done == 1)
    }
}
