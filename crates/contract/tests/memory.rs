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

fn now() -> chrono::DateTime<chrono::Utc> {
    ManualClock::default_start()
}

macro_rules! memory_suite {
    ($name:ident, $suite:path) => {
        #[test]
        fn $name() {
            let store = aisha_memory::MemoryStore::new();
            futures::executor::block_on($suite(aisha_contract::Stores::of(&store), now()));
        }
    };
}

memory_suite!(users_in_memory, aisha_contract::users::run);
memory_suite!(ledger_in_memory, aisha_contract::ledger::run);
memory_suite!(jobs_in_memory, aisha_contract::jobs::run);
memory_suite!(gallery_in_memory, aisha_contract::gallery::run);
memory_suite!(avatars_in_memory, aisha_contract::avatars::run);
memory_suite!(payments_in_memory, aisha_contract::payments::run);
memory_suite!(all_suites_on_one_memory_store, aisha_contract::run_persistence);

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

#[test]
fn images_in_memory() {
    let store = aisha_memory::MemoryImageStore::default();
    futures::executor::block_on(aisha_contract::storage::run(&store));
}
