//! `JobQueue`, the workers' side: lookups, claims and lease renewals, compare-and-set saves,
//! and the sweeper's and operators' listings.

use super::{load, non_terminal};
use crate::entity::jobs;
use crate::error::SqlResult;
use crate::{Backend, Db, convert};
use aisha_domain::ports::{JobQueue, SaveError, StoreError};
use aisha_domain::{Job, JobId, JobStatus, truncate};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
#[async_trait]
impl JobQueue for Db {
    async fn find(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        load(&self.conn, id).await
    }

    async fn by_request(&self, request_id: &str) -> Result<Option<Job>, StoreError> {
        jobs::Entity::find()
            .filter(jobs::Column::RequestId.eq(request_id))
            .order_by_desc(jobs::Column::CreatedAt)
            .one(&self.conn)
            .await
            .sql()?
            .map(convert::job)
            .transpose()
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let (now, lease_until) = (truncate(now), truncate(lease_until));
        if limit == 0 {
            return Ok(Vec::new());
        }
        match self.backend {
            Backend::Postgres => self.claim_postgres(now, lease_until, limit).await,
            Backend::Sqlite => self.claim_sqlite(now, lease_until, limit).await,
        }
    }

    async fn renew_leases(&self, held: &[(JobId, i64)], until: DateTime<Utc>) -> Result<Vec<JobId>, StoreError> {
        let until = truncate(until);
        let mut renewed = Vec::with_capacity(held.len());
        // one statement per job: a heartbeat holds at most a batch, and each row's own
        // version is its condition
        for (id, version) in held {
            let result = jobs::Entity::update_many()
                .col_expr(jobs::Column::NextAttemptAt, Expr::val(until))
                .col_expr(jobs::Column::LeasedUntil, Expr::val(until))
                .filter(jobs::Column::Id.eq(id.0))
                .filter(jobs::Column::Version.eq(*version))
                .filter(jobs::Column::Status.is_in(non_terminal()))
                .exec(&self.conn)
                .await
                .sql()?;
            if result.rows_affected == 1 {
                renewed.push(*id);
            }
        }
        Ok(renewed)
    }

    async fn save(&self, job: &Job) -> Result<Job, SaveError> {
        let stored = load(&self.conn, job.id).await?.ok_or(SaveError::NotFound)?;
        if stored.version != job.version {
            return Err(SaveError::Conflict);
        }
        if job.status.is_terminal() || stored.status.is_terminal() {
            return Err(SaveError::Terminal);
        }
        if stored.status != job.status && !stored.status.can_become(job.status) {
            return Err(aisha_domain::generation::TransitionError::Illegal {
                job: job.id,
                from: stored.status,
                to: job.status,
            }
            .into());
        }
        let mut row = jobs::ActiveModel::default();
        convert::set_job_work(&mut row, &Job { version: job.version + 1, ..job.clone() })?;
        let result = jobs::Entity::update_many()
            .set(row)
            .filter(jobs::Column::Id.eq(job.id.0))
            .filter(jobs::Column::Version.eq(job.version))
            .filter(jobs::Column::Status.is_in(non_terminal()))
            .exec(&self.conn)
            .await
            .sql()?;
        if result.rows_affected != 1 {
            return Err(SaveError::Conflict);
        }
        load(&self.conn, job.id).await?.ok_or(SaveError::NotFound)
    }

    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Job>, StoreError> {
        jobs::Entity::find()
            .filter(jobs::Column::Status.is_in(non_terminal()))
            .filter(jobs::Column::Deadline.lte(truncate(now)))
            .order_by_asc(jobs::Column::Deadline)
            .order_by_asc(jobs::Column::Id)
            .limit(u64::from(limit))
            .all(&self.conn)
            .await
            .sql()?
            .into_iter()
            .map(convert::job)
            .collect()
    }

    async fn non_terminal(&self, limit: u32) -> Result<Vec<Job>, StoreError> {
        jobs::Entity::find()
            .filter(jobs::Column::Status.is_in(non_terminal()))
            .order_by_asc(jobs::Column::CreatedAt)
            .order_by_asc(jobs::Column::Id)
            .limit(u64::from(limit))
            .all(&self.conn)
            .await
            .sql()?
            .into_iter()
            .map(convert::job)
            .collect()
    }

    async fn count_by_status(&self) -> Result<Vec<(JobStatus, u64)>, StoreError> {
        let rows: Vec<(jobs::Status, i64)> = jobs::Entity::find()
            .select_only()
            .column(jobs::Column::Status)
            .column_as(jobs::Column::Id.count(), "n")
            .group_by(jobs::Column::Status)
            .into_tuple()
            .all(&self.conn)
            .await
            .sql()?;
        let mut counts = Vec::with_capacity(rows.len());
        for (status, n) in rows {
            counts.push((status.0, u64::try_from(n).unwrap_or(0)));
        }
        counts.sort_by_key(|(s, _)| JobStatus::ALL.iter().position(|x| x == s));
        Ok(counts)
    }
}
