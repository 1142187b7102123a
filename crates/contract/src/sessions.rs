//! The `SessionStore` contract: values round-trip, overwrite, expire after their TTL (a write
//! refreshes it, a read does not), delete is idempotent, and users and kinds never mix.

use crate::Wait;
use aisha_domain::UserId;
use aisha_domain::coordination::UpdateClaim;
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
    written_once_per_claim(store, UserId(Uuid::new_v4())).await;
}

/// For a store that keeps update claims with its locks: a claim taken with a session write
/// is the lock `Locks::acquire` takes for the same update, and the other way round.
pub async fn claims_are_locks(store: &dyn SessionStore, locks: &dyn aisha_domain::coordination::Locks) {
    let k = SessionKey::gallery(UserId(Uuid::new_v4()));
    let update = i64::try_from(Uuid::new_v4().as_u128() >> 66).expect("62 bits");
    let (one, two) = (UpdateClaim::of(update), UpdateClaim::of(update + 1));
    assert!(store.put_claimed(&one, &k, "stepped".into(), Duration::from_secs(600)).await.unwrap());
    let taken = locks.acquire(&one.name, UpdateClaim::HOLDER, UpdateClaim::TTL).await.unwrap();
    assert!(!taken, "the intake sees a step's claim");
    assert!(locks.acquire(&two.name, UpdateClaim::HOLDER, UpdateClaim::TTL).await.unwrap());
    let written = store.put_claimed(&two, &k, "again".into(), Duration::from_secs(600)).await.unwrap();
    assert!(!written, "a step sees the intake's claim");
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("stepped"));
}

/// A session write with an update's claim: written with the first claim only, and a second
/// claim of the same update writes nothing even with another value.
async fn written_once_per_claim(store: &dyn SessionStore, u: UserId) {
    let k = SessionKey::gallery(u);
    // update ids are unique per bot; a random one keeps runs on a shared server apart
    let update = i64::try_from(Uuid::new_v4().as_u128() >> 66).expect("62 bits");
    let claim = UpdateClaim::of(update);
    assert!(store.put_claimed(&claim, &k, "first".into(), Duration::from_secs(600)).await.unwrap(), "first claim");
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("first"));
    assert!(!store.put_claimed(&claim, &k, "again".into(), Duration::from_secs(600)).await.unwrap(), "claimed before");
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("first"), "a repeated delivery writes nothing");
    let next = UpdateClaim::of(update + 1);
    assert!(store.put_claimed(&next, &k, "next".into(), Duration::from_secs(600)).await.unwrap(), "another update");
    assert_eq!(store.get(&k).await.unwrap().as_deref(), Some("next"));
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
