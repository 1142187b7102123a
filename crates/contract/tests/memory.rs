//! The contract suites against the in-memory adapters.

use aisha_contract::Wait;
use aisha_memory::{ManualClock, MemoryLocks, MemoryRateLimiter, MemorySessions};
use std::sync::Arc;
use std::time::Duration;

fn manual_wait(clock: Arc<ManualClock>) -> Wait {
    Arc::new(move |d: Duration| {
        clock.advance(chrono::Duration::from_std(d).expect("small duration"));
        Box::pin(async {})
    })
}

#[test]
fn sessions_in_memory() {
    let clock = Arc::new(ManualClock::default());
    let store = MemorySessions::new(clock.clone());
    futures::executor::block_on(aisha_contract::sessions::run(&store, manual_wait(clock), Duration::from_secs(60)));
}

#[test]
fn rate_limiter_in_memory() {
    let clock = Arc::new(ManualClock::default());
    let limiter = MemoryRateLimiter::new(clock.clone());
    futures::executor::block_on(aisha_contract::coordination::rate_limiter(
        &limiter,
        manual_wait(clock),
        Duration::from_secs(1),
    ));
}

#[test]
fn locks_in_memory() {
    let clock = Arc::new(ManualClock::default());
    let locks = MemoryLocks::new(clock.clone());
    futures::executor::block_on(aisha_contract::coordination::locks(
        &locks,
        manual_wait(clock),
        Duration::from_secs(30),
    ));
}
