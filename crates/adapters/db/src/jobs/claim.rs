//! Claiming job rows for a worker (due jobs, leased) or a sweep (ended jobs whose outcome was
//! not sent): `FOR UPDATE SKIP LOCKED` statements on PostgreSQL, compare-and-set on `version`
//! on SQLite. A claimed row that cannot be read is quarantined alone.

use super::{ended, non_terminal};
use crate::entity::jobs;
use crate::error::SqlResult;
use crate::{Db, convert};
use aisha_domain::Job;
use aisha_domain::ports::StoreError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement,
};
/// Where a quarantined job's next attempt is parked: never due.
pub static QUARANTINE: std::sync::LazyLock<DateTime<Utc>> =
    std::sync::LazyLock::new(|| DateTime::from_timestamp(253_402_300_799, 0).expect("9999-12-31T23:59:59Z"));

impl Db {
    /// The job in a claimed row, or `None` when the row cannot be read (a column no value is
    /// spelled as, a spec that no longer parses): then the job is quarantined.
    async fn readable_or_quarantined(&self, row: &sea_orm::QueryResult) -> Result<Option<Job>, StoreError> {
        let id: uuid::Uuid = row.try_get("", jobs::Column::Id.as_str()).sql()?;
        match jobs::Model::from_query_result(row, "").map_err(crate::error::store_err).and_then(convert::job) {
            Ok(job) => Ok(Some(job)),
            Err(e) => {
                self.quarantine(id, &e).await?;
                Ok(None)
            }
        }
    }

    /// A claimed row that does not read as a job (a spec or status this version cannot
    /// decode, a corrupt value): parked out of every claim — its next attempt set to
    /// [`QUARANTINE`] — logged with its id and the reason, and counted
    /// (`aisha_jobs_quarantined_total`), instead of failing every claim of every worker. Its
    /// money is untouched; an operator repairs the row (then sets `next_attempt_at` back) or
    /// ends it with `aisha admin jobs fail`.
    async fn quarantine(&self, id: uuid::Uuid, why: &StoreError) -> Result<(), StoreError> {
        tracing::error!(job = %id, error = %why, "JOB QUARANTINED: its row cannot be read; it is left out of every claim");
        metrics::counter!("aisha_jobs_quarantined_total").increment(1);
        jobs::Entity::update_many()
            .col_expr(jobs::Column::NextAttemptAt, Expr::val(*QUARANTINE))
            .filter(jobs::Column::Id.eq(id))
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(())
    }

    pub(super) async fn claim_postgres(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        // SKIP LOCKED: concurrent workers take disjoint rows instead of queueing behind each
        // other; a row another worker claimed and committed meanwhile fails the re-checked
        // `next_attempt_at <= now` and is left out.
        let sql = "WITH due AS ( \
                SELECT id, next_attempt_at AS due_at FROM jobs \
                WHERE status IN ($1, $2, $3) AND next_attempt_at <= $4 \
                ORDER BY next_attempt_at, id LIMIT $5 \
                FOR UPDATE SKIP LOCKED) \
            UPDATE jobs SET next_attempt_at = $6, leased_until = $6, version = jobs.version + 1 \
            FROM due WHERE jobs.id = due.id \
            RETURNING jobs.*, due.due_at";
        let [a, b, c] = non_terminal();
        let stmt = Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            sql,
            [a.into(), b.into(), c.into(), now.into(), i64::from(limit).into(), lease_until.into()],
        );
        self.claimed_in_order(stmt, "due_at").await
    }

    /// Runs a claiming `UPDATE … RETURNING jobs.*, <order_by>` and returns the jobs ordered by
    /// that column (then id): `RETURNING` gives no order of its own.
    async fn claimed_in_order(&self, stmt: Statement, order_by: &str) -> Result<Vec<Job>, StoreError> {
        let rows = self.conn.query_all_raw(stmt).await.sql()?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let at: DateTime<Utc> = row.try_get("", order_by).sql()?;
            if let Some(job) = self.readable_or_quarantined(&row).await? {
                claimed.push((at, job));
            }
        }
        claimed.sort_by_key(|(at, job)| (*at, job.id));
        Ok(claimed.into_iter().map(|(_, job)| job).collect())
    }

    pub(super) async fn claim_unsent_postgres(
        &self,
        older_than: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        // as in `claim_postgres`: disjoint rows for concurrent sweeps, and a row claimed and
        // committed meanwhile fails the re-checked `updated_at <= older_than`
        let ended = ended();
        let mut values: Vec<sea_orm::Value> = ended.iter().map(|s| (*s).into()).collect();
        let n = values.len();
        let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        let sql = format!(
            "WITH unsent AS ( \
                SELECT id, updated_at AS settled_at FROM jobs \
                WHERE outcome_sent_at IS NULL AND status IN ({}) AND updated_at <= ${} \
                ORDER BY updated_at, id LIMIT ${} \
                FOR UPDATE SKIP LOCKED) \
            UPDATE jobs SET updated_at = ${}, version = jobs.version + 1 \
            FROM unsent WHERE jobs.id = unsent.id AND jobs.outcome_sent_at IS NULL \
            RETURNING jobs.*, unsent.settled_at",
            marks.join(", "),
            n + 1,
            n + 2,
            n + 3
        );
        values.extend([older_than.into(), i64::from(limit).into(), now.into()]);
        let stmt = Statement::from_sql_and_values(sea_orm::DbBackend::Postgres, sql, values);
        self.claimed_in_order(stmt, "settled_at").await
    }

    pub(super) async fn claim_unsent_sqlite(
        &self,
        older_than: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let candidates = jobs::Entity::find()
            .filter(jobs::Column::OutcomeSentAt.is_null())
            .filter(jobs::Column::Status.is_in(ended()))
            .filter(jobs::Column::UpdatedAt.lte(older_than))
            .order_by_asc(jobs::Column::UpdatedAt)
            .order_by_asc(jobs::Column::Id)
            .limit(u64::from(limit));
        let still_unsent = Condition::all().add(jobs::Column::OutcomeSentAt.is_null());
        self.claim_each(candidates, &[jobs::Column::UpdatedAt], now, still_unsent, |job| job.updated_at = now).await
    }

    pub(super) async fn claim_sqlite(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let candidates = jobs::Entity::find()
            .filter(jobs::Column::Status.is_in(non_terminal()))
            .filter(jobs::Column::NextAttemptAt.lte(now))
            .order_by_asc(jobs::Column::NextAttemptAt)
            .order_by_asc(jobs::Column::Id)
            .limit(u64::from(limit));
        let leased = [jobs::Column::NextAttemptAt, jobs::Column::LeasedUntil];
        self.claim_each(candidates, &leased, lease_until, Condition::all(), |job| {
            job.next_attempt_at = lease_until;
            job.leased_until = Some(lease_until);
        })
        .await
    }

    /// Claims without row locks (SQLite): each candidate is taken with a compare-and-set on
    /// its version (and `still`), setting `columns` to `to`, so a concurrent claimer (another
    /// process on the same file) makes it miss, not share. `set` mirrors the change on the
    /// returned job.
    async fn claim_each(
        &self,
        candidates: sea_orm::Select<jobs::Entity>,
        columns: &[jobs::Column],
        to: DateTime<Utc>,
        still: Condition,
        set: impl Fn(&mut Job),
    ) -> Result<Vec<Job>, StoreError> {
        // rows are decoded one by one, so one unreadable row is quarantined, not every claim
        let candidates = self.conn.query_all_raw(candidates.build(self.db_backend())).await.sql()?;
        let mut claimed = Vec::with_capacity(candidates.len());
        for row in candidates {
            let id: uuid::Uuid = row.try_get("", jobs::Column::Id.as_str()).sql()?;
            let version: i64 = row.try_get("", jobs::Column::Version.as_str()).sql()?;
            let mut update = jobs::Entity::update_many();
            for column in columns {
                update = update.col_expr(*column, Expr::val(to));
            }
            let result = update
                .col_expr(jobs::Column::Version, Expr::col(jobs::Column::Version).add(1))
                .filter(jobs::Column::Id.eq(id))
                .filter(jobs::Column::Version.eq(version))
                .filter(still.clone())
                .exec(&self.conn)
                .await
                .sql()?;
            if result.rows_affected == 1
                && let Some(mut job) = self.readable_or_quarantined(&row).await?
            {
                set(&mut job);
                job.version += 1;
                claimed.push(job);
            }
        }
        Ok(claimed)
    }
}
