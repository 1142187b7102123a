//! Coordination between replicas: rate limits and named locks.
//!
//! AISHA can run as several identical processes behind one bot token. Some rules only hold if
//! those processes agree, and agreeing needs shared state, so these two ports exist:
//!
//! * [`RateLimiter`]: Telegram throttles a bot as a whole (messages per second overall) and
//!   per chat (about one message a second in a private chat, fewer in groups). A limiter kept
//!   inside one process would let N replicas send N times the allowance and collect 429s. A
//!   shared limiter keyed by `global` and by chat makes the replicas spend one budget. The
//!   same port also throttles users who flood the bot with commands.
//! * [`Locks`]: two things must happen in one place at a time. Updates of one chat must be
//!   handled in the order they arrive, so a replica holds the chat's lock while it handles
//!   one, and another replica that receives the next update waits for it. And only one
//!   process may call `getUpdates` (Telegram answers a second long-poller with a conflict), so
//!   the poller is a leader: it acquires a lock and extends it while it runs. If that process
//!   dies it stops extending, the lock expires after its TTL, and another replica takes over.
//!
//! Both ports fail with [`StoreError`]. Callers decide what an unavailable store means: the
//! sender can fall back to a conservative local pace, the poller simply stays a follower.

use crate::ports::StoreError;
use async_trait::async_trait;
use std::time::Duration;

/// An allowance: on average `count` grants per `period`, with up to `burst` granted at once
/// when the key has been idle. Over any window of length `t`, at most `burst + count·t/period`
/// requests are allowed (GCRA / token bucket).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    count: u32,
    period: Duration,
    burst: u32,
}

/// A rate needs a count, a period and a burst above zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a rate needs a count, a period and a burst above zero")]
pub struct InvalidRate;

impl Rate {
    pub fn new(count: u32, period: Duration, burst: u32) -> Result<Self, InvalidRate> {
        if count == 0 || period.is_zero() || burst == 0 {
            return Err(InvalidRate);
        }
        Ok(Self { count, period, burst })
    }

    pub fn per_second(count: u32, burst: u32) -> Result<Self, InvalidRate> {
        Self::new(count, Duration::from_secs(1), burst)
    }

    pub fn per_minute(count: u32, burst: u32) -> Result<Self, InvalidRate> {
        Self::new(count, Duration::from_secs(60), burst)
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    pub fn period(&self) -> Duration {
        self.period
    }

    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The steady-state time between two grants: `period / count`, rounded up to whole
    /// microseconds (the precision every implementation keeps), so rounding never allows more
    /// than the rate.
    pub fn interval(&self) -> Duration {
        let micros = self.period.as_micros().div_ceil(u128::from(self.count)).max(1);
        Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
    }

    /// Grants allowed per second on average.
    pub fn per_second_f64(&self) -> f64 {
        f64::from(self.count) / self.period.as_secs_f64()
    }
}

/// The answer to one request for a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Nothing was consumed. Asking again after `retry_after` will be allowed, unless someone
    /// else takes the grant first.
    Limited {
        retry_after: Duration,
    },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed)
    }
}

/// A limiter shared by every replica.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Takes one grant from `key`'s allowance, if there is one. A key should always be used
    /// with the same rate; its state is forgotten once it would be full again.
    async fn try_acquire(&self, key: &str, rate: Rate) -> Result<Decision, StoreError>;
}

/// Named locks with a time to live, shared by every replica. A `holder` is any string unique
/// to the process or task that holds the lock (a replica id plus a task name, say).
///
/// A lock is held until its holder releases it or until its TTL passes without an `extend`,
/// whichever comes first: a crashed holder never blocks the others for longer than the TTL.
/// Anything done under a lock must therefore take less than the TTL, or extend it on the way.
#[async_trait]
pub trait Locks: Send + Sync {
    /// Takes the lock if nobody holds it, for `ttl`. `false` if it is held, also when it is
    /// held by `holder` itself: a holder keeps a lock with [`Locks::extend`].
    async fn acquire(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError>;
    /// Restarts the TTL at `ttl` from now, if `holder` holds the lock. `false` otherwise (it
    /// expired, or someone else holds it now): the caller has lost the lock.
    async fn extend(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError>;
    /// Frees the lock, if `holder` holds it. `false` otherwise; the lock is left alone.
    async fn release(&self, name: &str, holder: &str) -> Result<bool, StoreError>;
}

/// An update's claim: the [`Locks`] lock whose first taker answers the update. Telegram
/// delivers an update again when the process that fetched it died before confirming it
/// (polling) or did not answer in time (webhook); the claim makes the second delivery a no-op.
/// The intake takes it before handling most updates; a gallery step takes it together with
/// its session write ([`crate::ports::SessionStore::put_claimed`]), in one store round trip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateClaim {
    /// The lock's name, `update:<id>`.
    pub name: String,
}

impl UpdateClaim {
    /// The holder written into every update claim (nobody releases or extends one).
    pub const HOLDER: &'static str = "handled";
    /// How long a claim is kept: longer than any restart or Telegram's redelivery of an
    /// unanswered webhook takes, short enough that the claims of a busy day do not pile up.
    pub const TTL: Duration = Duration::from_secs(600);

    pub fn of(update_id: i64) -> Self {
        Self { name: format!("update:{update_id}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_must_be_positive() {
        assert_eq!(Rate::new(0, Duration::from_secs(1), 1), Err(InvalidRate));
        assert_eq!(Rate::new(1, Duration::ZERO, 1), Err(InvalidRate));
        assert_eq!(Rate::new(1, Duration::from_secs(1), 0), Err(InvalidRate));
        assert!(Rate::per_second(30, 30).is_ok());
    }

    #[test]
    fn interval_rounds_up_to_microseconds() {
        assert_eq!(Rate::per_second(1, 1).unwrap().interval(), Duration::from_secs(1));
        assert_eq!(Rate::per_second(3, 1).unwrap().interval(), Duration::from_micros(333_334));
        assert_eq!(Rate::per_minute(20, 3).unwrap().interval(), Duration::from_secs(3));
        let fast = Rate::new(u32::MAX, Duration::from_micros(1), 1).unwrap();
        assert_eq!(fast.interval(), Duration::from_micros(1), "never zero");
        assert!((Rate::per_minute(30, 1).unwrap().per_second_f64() - 0.5).abs() < 1e-12);
    }
}
