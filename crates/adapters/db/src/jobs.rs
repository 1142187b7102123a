//! The job ports on the relational store, one module per port as the domain splits them:
//! [`orders`] (`JobOrders`: creation together with the charge, the owner's reads), [`queue`]
//! (`JobQueue`: claiming for workers, leases, worker saves) and [`outcomes`] (`JobOutcomes`:
//! the two endings together with their refund, each one transaction), with the claiming
//! statements both claims share in [`claim`]. This module holds the helpers they share.

mod claim;
mod orders;
mod outcomes;
mod queue;

use crate::convert;
use crate::entity::jobs;
use crate::error::SqlResult;
use aisha_domain::ports::StoreError;
use aisha_domain::{Job, JobId, JobStatus};
use sea_orm::{ConnectionTrait, EntityTrait};

fn non_terminal() -> [jobs::Status; 3] {
    JobStatus::NON_TERMINAL.map(jobs::Status)
}

fn ended() -> Vec<jobs::Status> {
    JobStatus::ALL.into_iter().filter(|s| s.is_terminal()).map(jobs::Status).collect()
}

async fn load(db: &impl ConnectionTrait, id: JobId) -> Result<Option<Job>, StoreError> {
    jobs::Entity::find_by_id(id.0).one(db).await.sql()?.map(convert::job).transpose()
}

#[cfg(test)]
mod quarantine_tests {
    use super::claim::QUARANTINE;
    use crate::Db;
    use aisha_contract::fixtures::{self, imagen, new_job};
    use aisha_domain::Job;
    use aisha_domain::generation::{InFlightLimit, JobLimits};

    use aisha_domain::ports::{JobOrders, JobQueue, Ledger, Users};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

    #[tokio::test]
    async fn an_unreadable_job_row_is_quarantined_instead_of_failing_every_claim() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        db.migrate().await.unwrap();
        quarantine_on(&db).await;
    }

    /// The same on PostgreSQL (`FOR UPDATE SKIP LOCKED` claims), when `AISHA_TEST_DATABASE_URL`
    /// names a server; under `CI=true` the variable missing is a failure.
    #[tokio::test]
    async fn an_unreadable_job_row_is_quarantined_on_postgres_too() {
        if let Some(scratch) = Scratch::postgres("aisha_quarantine").await {
            quarantine_on(&scratch.db).await;
            scratch.drop().await;
        }
    }

    /// A scratch PostgreSQL database, migrated, when `AISHA_TEST_DATABASE_URL` names a server;
    /// under `CI=true` the variable missing is a failure.
    struct Scratch {
        db: Db,
        admin: String,
        name: String,
    }

    impl Scratch {
        async fn postgres(prefix: &str) -> Option<Scratch> {
            let Ok(admin) = std::env::var("AISHA_TEST_DATABASE_URL") else {
                let ci = matches!(std::env::var("CI").ok().as_deref().map(str::trim), Some("true" | "1"));
                assert!(!ci, "AISHA_TEST_DATABASE_URL is not set and CI=true");
                println!("skipped: AISHA_TEST_DATABASE_URL is not set");
                return None;
            };
            let (name, url) = crate::scratch::create(&admin, prefix).await.expect("a scratch database");
            let db = Db::connect(&url).await.unwrap();
            db.migrate().await.unwrap();
            Some(Scratch { db, admin, name })
        }

        async fn drop(self) {
            self.db.conn.clone().close().await.unwrap();
            crate::scratch::drop(&self.admin, &self.name).await.unwrap();
        }
    }

    /// A funded user with two charged jobs, due a second after `now`.
    async fn user_with_two_jobs(db: &Db) -> (chrono::DateTime<chrono::Utc>, aisha_domain::User, Job, Job) {
        let now = aisha_memory::ManualClock::default_start();
        let u = fixtures::user(now);
        db.upsert(u.clone()).await.unwrap();
        db.apply(fixtures::welcome(u.id, 100, now)).await.unwrap();
        let limits = JobLimits { in_flight: InFlightLimit(10), ..JobLimits::default() };
        let first = db.create_charged(new_job(u.id, imagen(1, "imagen4/fast"), now), &limits).await.unwrap().job;
        let second = db.create_charged(new_job(u.id, imagen(1, "imagen4/fast"), now), &limits).await.unwrap().job;
        (now, u, first, second)
    }

    async fn quarantine_on(db: &Db) {
        let (now, _, good, bad) = user_with_two_jobs(db).await;
        crate::entity::jobs::Entity::update_many()
            .col_expr(
                crate::entity::jobs::Column::Spec,
                sea_orm::sea_query::Expr::val(serde_json::json!({"not": "a spec"})),
            )
            .filter(crate::entity::jobs::Column::Id.eq(bad.id.0))
            .exec(&db.conn)
            .await
            .unwrap();
        let later = now + chrono::Duration::seconds(1);
        let claimed = db.claim_due(later, later + chrono::Duration::seconds(30), 10).await.unwrap();
        assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), [good.id], "the readable job is claimed");
        let parked = crate::entity::jobs::Entity::find_by_id(bad.id.0).one(&db.conn).await.unwrap().unwrap();
        assert_eq!(parked.next_attempt_at, *QUARANTINE, "the unreadable row is parked out of every claim");
        let much_later = now + chrono::Duration::days(1);
        let again = db.claim_due(much_later, much_later + chrono::Duration::seconds(30), 10).await.unwrap();
        assert_eq!(again.iter().map(|j| j.id).collect::<Vec<_>>(), [good.id], "the quarantined row stays out");
    }

    /// A typed column holding a string no variant is spelled as: the claim quarantines that job
    /// alone, and reading it is an error that names the table, the column and the value.
    #[tokio::test]
    async fn an_unknown_spelling_is_quarantined_and_named() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        db.migrate().await.unwrap();
        unknown_spelling_on(&db).await;
    }

    #[tokio::test]
    async fn an_unknown_spelling_is_quarantined_and_named_on_postgres_too() {
        if let Some(scratch) = Scratch::postgres("aisha_spelling").await {
            unknown_spelling_on(&scratch.db).await;
            scratch.drop().await;
        }
    }

    async fn unknown_spelling_on(db: &Db) {
        let (now, u, good, odd) = user_with_two_jobs(db).await;
        crate::entity::jobs::Entity::update_many()
            .col_expr(crate::entity::jobs::Column::Kind, sea_orm::sea_query::Expr::val("sculpture"))
            .filter(crate::entity::jobs::Column::Id.eq(odd.id.0))
            .exec(&db.conn)
            .await
            .unwrap();
        let read = JobOrders::get(db, u.id, odd.id).await;
        assert_eq!(
            read,
            Err(aisha_domain::ports::StoreError::internal(r#"unreadable jobs.kind in the database: "sculpture""#)),
        );
        let later = now + chrono::Duration::seconds(1);
        let claimed = db.claim_due(later, later + chrono::Duration::seconds(30), 10).await.unwrap();
        assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), [good.id], "the readable job is claimed");
        let next_attempt_at: chrono::DateTime<chrono::Utc> = crate::entity::jobs::Entity::find_by_id(odd.id.0)
            .select_only()
            .column(crate::entity::jobs::Column::NextAttemptAt)
            .into_tuple()
            .one(&db.conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next_attempt_at, *QUARANTINE, "the unreadable row is parked out of every claim");
    }
}
