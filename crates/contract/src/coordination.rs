//! The `RateLimiter` and `Locks` contracts.
//!
//! Rate limiter: a burst is granted at once, the next request is refused with a retry time
//! no longer than one interval, a refusal consumes nothing, the allowance refills with time,
//! and keys do not share allowances.
//!
//! Locks: one holder at a time, only the holder extends or releases, a lock nobody extends
//! expires after its TTL, and a leader that keeps extending keeps the lock until it stops,
//! after which another holder takes over.

use crate::Wait;
use aisha_domain::coordination::{Decision, Locks, Rate, RateLimiter};
use std::time::Duration;
use uuid::Uuid;

fn fresh(what: &str) -> String {
    format!("contract-{what}-{}", Uuid::new_v4())
}

/// Every rate-limiter check. `unit` is the interval of the rates used (one grant per `unit`):
/// long enough that the few calls between two waits never see a refill (a second or so for a
/// real server; anything for a manual clock). `wait` lets time pass.
pub async fn rate_limiter(limiter: &dyn RateLimiter, wait: Wait, unit: Duration) {
    burst_then_refill(limiter, &wait, unit).await;
    retry_after_is_sensible(limiter, unit).await;
    keys_are_independent(limiter, unit).await;
}

/// Every lock check. `ttl` is the lock TTL used: a second or two for a real server (the
/// checks wait a few TTLs in all), anything for a manual clock.
pub async fn locks(locks: &dyn Locks, wait: Wait, ttl: Duration) {
    exclusive_and_holder_only(locks, ttl).await;
    expires_after_ttl(locks, &wait, ttl).await;
    leader_handover(locks, &wait, ttl).await;
    names_are_independent(locks, ttl).await;
}

async fn limited(limiter: &dyn RateLimiter, key: &str, rate: Rate, what: &str) -> Duration {
    match limiter.try_acquire(key, rate).await.unwrap() {
        Decision::Limited { retry_after } => retry_after,
        Decision::Allowed => panic!("{what}: expected a refusal, got a grant"),
    }
}

async fn allowed(limiter: &dyn RateLimiter, key: &str, rate: Rate, what: &str) {
    let d = limiter.try_acquire(key, rate).await.unwrap();
    assert_eq!(d, Decision::Allowed, "{what}");
}

async fn burst_then_refill(limiter: &dyn RateLimiter, wait: &Wait, unit: Duration) {
    let rate = Rate::new(1, unit, 3).unwrap();
    let key = fresh("burst");
    for i in 1..=3 {
        allowed(limiter, &key, rate, &format!("grant {i} of a burst of 3 on an idle key")).await;
    }
    let retry_after = limited(limiter, &key, rate, "the 4th request right after a burst of 3").await;
    assert!(
        !retry_after.is_zero() && retry_after <= unit,
        "retry_after {retry_after:?} must be above zero and at most one interval ({unit:?})"
    );
    let again = limited(limiter, &key, rate, "asking again at once").await;
    assert!(again <= retry_after, "a refusal consumes nothing: retry_after grew from {retry_after:?} to {again:?}");

    wait(retry_after + unit / 10).await;
    allowed(limiter, &key, rate, "one grant after waiting retry_after").await;
    limited(limiter, &key, rate, "only one grant came back").await;

    wait(unit * 3 + unit / 10).await;
    for i in 1..=3 {
        allowed(limiter, &key, rate, &format!("grant {i} of 3 after a full refill")).await;
    }
    limited(limiter, &key, rate, "the refilled burst is 3, not more").await;
}

async fn retry_after_is_sensible(limiter: &dyn RateLimiter, unit: Duration) {
    let rate = Rate::new(1, unit, 1).unwrap();
    let key = fresh("retry");
    allowed(limiter, &key, rate, "the first request on an idle key").await;
    let retry_after = limited(limiter, &key, rate, "a second request at once with a burst of 1").await;
    assert!(
        retry_after > unit / 2 && retry_after <= unit,
        "right after the only grant, retry_after ({retry_after:?}) is about one interval ({unit:?})"
    );
}

async fn keys_are_independent(limiter: &dyn RateLimiter, unit: Duration) {
    let rate = Rate::new(1, unit, 1).unwrap();
    let (a, b) = (fresh("key-a"), fresh("key-b"));
    allowed(limiter, &a, rate, "key a, first request").await;
    limited(limiter, &a, rate, "key a is spent").await;
    allowed(limiter, &b, rate, "key b has its own allowance").await;
    // a different rate on another key does not change anything for a
    let generous = Rate::new(1000, unit, 1000).unwrap();
    let c = fresh("key-c");
    for _ in 0..10 {
        allowed(limiter, &c, generous, "key c, generous rate").await;
    }
    limited(limiter, &a, rate, "key a is still spent").await;
}

async fn exclusive_and_holder_only(locks: &dyn Locks, ttl: Duration) {
    let name = fresh("lock");
    assert!(locks.acquire(&name, "a", ttl).await.unwrap(), "a free lock is acquired");
    assert!(!locks.acquire(&name, "b", ttl).await.unwrap(), "a held lock is not acquired by another holder");
    assert!(!locks.acquire(&name, "a", ttl).await.unwrap(), "acquire is not re-entrant: the holder extends instead");
    assert!(!locks.extend(&name, "b", ttl).await.unwrap(), "only the holder extends");
    assert!(!locks.release(&name, "b").await.unwrap(), "only the holder releases");
    assert!(!locks.acquire(&name, "b", ttl).await.unwrap(), "a refused release left the lock held");
    assert!(locks.extend(&name, "a", ttl).await.unwrap(), "the holder extends");
    assert!(locks.release(&name, "a").await.unwrap(), "the holder releases");
    assert!(!locks.release(&name, "a").await.unwrap(), "a second release finds nothing");
    assert!(!locks.extend(&name, "a", ttl).await.unwrap(), "a released lock cannot be extended");
    assert!(locks.acquire(&name, "b", ttl).await.unwrap(), "a released lock is free for anyone");
    assert!(locks.release(&name, "b").await.unwrap());
    let never = fresh("never-taken");
    assert!(!locks.extend(&never, "a", ttl).await.unwrap(), "extend does not create a lock");
    assert!(locks.acquire(&never, "b", ttl).await.unwrap(), "a failed extend left nothing behind");
    assert!(locks.release(&never, "b").await.unwrap());
}

async fn expires_after_ttl(locks: &dyn Locks, wait: &Wait, ttl: Duration) {
    let name = fresh("expiry");
    assert!(locks.acquire(&name, "a", ttl * 2).await.unwrap());
    wait(ttl).await;
    assert!(!locks.acquire(&name, "b", ttl).await.unwrap(), "held before its TTL");
    wait(ttl + ttl / 2).await;
    assert!(locks.acquire(&name, "b", ttl).await.unwrap(), "free after its TTL");
    assert!(!locks.extend(&name, "a", ttl).await.unwrap(), "the old holder lost it");
    assert!(!locks.release(&name, "a").await.unwrap(), "the old holder cannot free the new holder's lock");
    assert!(locks.release(&name, "b").await.unwrap(), "the new holder still has it");
}

async fn leader_handover(locks: &dyn Locks, wait: &Wait, ttl: Duration) {
    let name = fresh("leader");
    assert!(locks.acquire(&name, "leader-a", ttl).await.unwrap(), "a becomes leader");
    // a extends every half TTL, for longer than one TTL in total
    for round in 1..=3 {
        wait(ttl / 2).await;
        assert!(locks.extend(&name, "leader-a", ttl).await.unwrap(), "round {round}: the leader keeps its lock");
        assert!(!locks.acquire(&name, "leader-b", ttl).await.unwrap(), "round {round}: b stays a follower");
    }
    // a stops extending (it died); after the TTL b takes over
    wait(ttl + ttl / 2).await;
    assert!(locks.acquire(&name, "leader-b", ttl).await.unwrap(), "b takes over once a stops extending");
    assert!(!locks.extend(&name, "leader-a", ttl).await.unwrap(), "a, back, finds it is no longer leader");
    assert!(!locks.acquire(&name, "leader-a", ttl).await.unwrap(), "and cannot take it from b");
    assert!(locks.release(&name, "leader-b").await.unwrap());
}

async fn names_are_independent(locks: &dyn Locks, ttl: Duration) {
    let (x, y) = (fresh("name-x"), fresh("name-y"));
    assert!(locks.acquire(&x, "a", ttl).await.unwrap());
    assert!(locks.acquire(&y, "b", ttl).await.unwrap(), "another name is another lock");
    assert!(!locks.release(&y, "a").await.unwrap(), "holding x gives no power over y");
    assert!(locks.release(&x, "a").await.unwrap());
    assert!(locks.release(&y, "b").await.unwrap());
}
