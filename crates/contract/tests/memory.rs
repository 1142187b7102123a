//! The contract suites against the in-memory adapters.

use aisha_contract::Wait;
use aisha_memory::{ManualClock, MemorySessions};
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
fn images_in_memory() {
    let store = aisha_memory::MemoryImageStore::default();
    futures::executor::block_on(aisha_contract::storage::run(&store));
}
