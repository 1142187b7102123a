//! The `SessionStore` contract: values round-trip, overwrite, expire after their TTL (a write
//! refreshes it, a read does not), delete is idempotent, and users and kinds never mix.

use crate::Wait;
use aisha_domain::UserId;
use aisha_domain::ports::SessionStore;
use aisha_domain::session::SessionKey;
use std::time::Duration;
use uuid::Uuid;

/// Runs every check. `users` must be fresh ids nobody else uses (tests may share a server).
/// `ttl` is the unit of time the expiry checks use: short for real servers, any for a manual
/// clock. `wait` lets that much time pass.
pub async fn run(store: &dyn SessionStore, wait: Wait, ttl: Duration) {
    let a = UserId(Uuid::new_v4());
    let b = UserId(Uuid::new_v4());
    round_trip_and_overwrite(store, a).await;
    kinds_and_users_are_separate(store, a, b).await;
    delete_is_idempotent(store, b).await;
    expiry(store, wait, ttl, UserId(Uuid::new_v4())).await;
}

async fn round_trip_and_overwrite(store: &dyn SessionStore, u: UserId) {
    let k = SessionKey::dialogue(u);
    assert_eq!(store.get(&k).await.unwrap(), None, "a fresh key reads as absent");
    store.put(&k, "first".into(), Duration::from_secs(600)).await.unwrap();
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("first"));
    store.put(&k, "второе ✓".into(), Duration::from_secs(600)).await.unwrap();
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("второе ✓"), "a put overwrites, unicode intact");
}

async fn kinds_and_users_are_separate(store: &dyn SessionStore, a: UserId, b: UserId) {
    store.put(&SessionKey::gallery(a), "gallery-a".into(), Duration::from_secs(600)).await.unwrap();
    assert_ne!(
        store.get(&SessionKey::dialogue(a)).await.unwrap().as_deref(),
        Some("gallery-a"),
        "dialogue and gallery of one user are different values"
    );
    assert_eq!(store.get(&SessionKey::gallery(b)).await.unwrap(), None, "another user's session is not visible");
}

async fn delete_is_idempotent(store: &dyn SessionStore, u: UserId) {
    let k = SessionKey::gallery(u);
    store.put(&k, "x".into(), Duration::from_secs(600)).await.unwrap();
    store.delete(&k).await.unwrap();
    assert_eq!(store.get(&k).await.unwrap(), None);
    store.delete(&k).await.unwrap();
}

async fn expiry(store: &dyn SessionStore, wait: Wait, ttl: Duration, u: UserId) {
    let k = SessionKey::dialogue(u);
    store.put(&k, "short".into(), ttl * 2).await.unwrap();
    wait(ttl).await;
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("short"), "alive before its TTL");
    // a write refreshes the TTL; a read (above) did not
    store.put(&k, "refreshed".into(), ttl * 2).await.unwrap();
    wait(ttl + ttl / 2).await;
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("refreshed"), "the write restarted the TTL");
    wait(ttl).await;
    assert_eq!(store.get(&k).await.unwrap(), None, "gone after its TTL");
}
