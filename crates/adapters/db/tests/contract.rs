//! The contract suites of `aisha-contract` against the SQL store, on SQLite and PostgreSQL.

mod common;

use aisha_contract::Wait;
use aisha_db::Db;
use aisha_memory::ManualClock;
use std::sync::Arc;
use std::time::Duration;

fn now() -> chrono::DateTime<chrono::Utc> {
    ManualClock::default_start()
}

/// The store on a clock the test moves, and a `wait` that moves it (TTLs pass instantly).
fn on_a_manual_clock(db: &Db) -> (Db, Wait) {
    let clock = Arc::new(ManualClock::default());
    let store = db.clone().with_clock(clock.clone());
    let wait: Wait = Arc::new(move |d: Duration| {
        clock.advance(chrono::Duration::from_std(d).expect("small duration"));
        Box::pin(async {})
    });
    (store, wait)
}

macro_rules! suite {
    ($name:ident, $suite:path) => {
        mod $name {
            async fn body(db: &aisha_db::Db) {
                $suite(aisha_contract::Stores::of(db), super::now()).await;
            }
            crate::on_every_backend!(body);
        }
    };
}

suite!(users, aisha_contract::users::run);
suite!(ledger, aisha_contract::ledger::run);
suite!(jobs, aisha_contract::jobs::run);
suite!(gallery, aisha_contract::gallery::run);
suite!(avatars, aisha_contract::avatars::run);
suite!(payments, aisha_contract::payments::run);
suite!(all_suites_on_one_store, aisha_contract::run_persistence);

mod sessions {
    use super::*;

    async fn body(db: &Db) {
        let (store, wait) = on_a_manual_clock(db);
        aisha_contract::sessions::run(&store, wait, Duration::from_secs(60)).await;
        aisha_contract::sessions::claims_are_locks(&store, &store).await;
        assert_eq!(store.purge_expired_sessions().await.unwrap(), 0, "reads already removed what expired");
    }

    crate::on_every_backend!(body);
}

mod locks {
    use super::*;

    async fn body(db: &Db) {
        let (store, wait) = on_a_manual_clock(db);
        aisha_contract::coordination::locks(&store, wait, Duration::from_secs(30)).await;
    }

    crate::on_every_backend!(body);
}
