//! `JobOutcomes`: the two endings (`succeed`, `fail`) together with their refund and the
//! avatar a training finishes — each one transaction — and the record of outcomes told to
//! the user.

use super::{ended, load};
use crate::avatars::find_locked;
use crate::entity::{avatars, images, jobs};
use crate::error::SqlResult;
use crate::ledger;
use crate::{Backend, Db, convert};
use aisha_domain::avatar::{Avatar, TrainingEnd};
use aisha_domain::generation::{Failure, FailureKind, JobKind};
use aisha_domain::ledger::NewLedgerEntry;
use aisha_domain::ports::{JobOutcomes, JobOutput, SettleError, Settled, StoreError};
use aisha_domain::{Job, JobId, JobSpec, JobStatus, LedgerEntryId, truncate};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
/// Reads the job for an ending, locked on PostgreSQL until the transaction ends (SQLite's
/// single writer gives the same exclusion).
async fn load_for_update(tx: &DatabaseTransaction, id: JobId) -> Result<Option<Job>, StoreError> {
    jobs::Entity::find_by_id(id.0).lock_exclusive().one(tx).await.sql()?.map(convert::job).transpose()
}

/// Writes an ending: compare-and-set on the status and version the job was read with.
async fn write_ending(tx: &DatabaseTransaction, job: &Job, was: (JobStatus, i64)) -> Result<bool, StoreError> {
    let mut row = jobs::ActiveModel::default();
    convert::set_job_progress(&mut row, job)?;
    let result = jobs::Entity::update_many()
        .set(row)
        .filter(jobs::Column::Id.eq(job.id.0))
        .filter(jobs::Column::Status.eq(jobs::Status(was.0)))
        .filter(jobs::Column::Version.eq(was.1))
        .exec(tx)
        .await
        .sql()?;
    Ok(result.rows_affected == 1)
}

impl Db {
    /// The shared part of `succeed` and `fail`: lock, refuse an ended job, let the domain
    /// decide the transition and the refund, write it all, commit.
    async fn settle(
        &self,
        id: JobId,
        now: DateTime<Utc>,
        end: impl FnOnce(&mut Job) -> Result<aisha_domain::Coins, SettleError>,
        output: Option<JobOutput>,
        failure: Option<FailureKind>,
    ) -> Result<Settled, SettleError> {
        let now = truncate(now);
        let tx = self.begin().await?;
        let Some(mut job) = load_for_update(&tx, id).await? else {
            return Err(SettleError::NotFound);
        };
        if job.status.is_terminal() {
            return Err(SettleError::AlreadyEnded(Box::new(job)));
        }
        let was = (job.status, job.version);
        end(&mut job)?; // sets job.refunded, the amount the refund row below credits
        job.version += 1;
        if !write_ending(&tx, &job, was).await? {
            drop(tx);
            let current = load(&self.conn, id).await?.ok_or(SettleError::NotFound)?;
            return Err(SettleError::AlreadyEnded(Box::new(current)));
        }

        let mut avatar = None;
        match output {
            Some(JobOutput::Images(records)) => {
                for record in &records {
                    images::Entity::insert(convert::image_row(record)?).exec_without_returning(&tx).await.sql()?;
                }
            }
            Some(JobOutput::Lora(lora)) => {
                avatar = self.finish_training(&tx, &job, Ok(lora), now).await?;
            }
            None => {
                if job.spec.kind() == JobKind::Training {
                    avatar = self.finish_training(&tx, &job, Err(failure), now).await?;
                }
            }
        }

        let refund_row = match NewLedgerEntry::job_refund(&job, LedgerEntryId(self.new_id()), now) {
            None => None,
            Some(entry) => match ledger::append(&tx, &entry).await.sql()? {
                Ok(row) => Some(row),
                Err(_) => return Err(StoreError::internal(format!("no balance row for {}", job.owner)).into()),
            },
        };
        tx.commit().await.sql()?;
        Ok(Settled { job, refund: refund_row, avatar })
    }

    /// A training ended: with a LoRA the avatar is ready (and main if its owner has none);
    /// without one it failed, or went back to draft when the user cancelled.
    async fn finish_training(
        &self,
        tx: &DatabaseTransaction,
        job: &Job,
        result: Result<aisha_domain::avatar::Lora, Option<FailureKind>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Avatar>, StoreError> {
        let JobSpec::Training { avatar: avatar_id } = job.spec else { return Ok(None) };
        let Some(mut a) = find_locked(tx, job.owner, avatar_id).await? else { return Ok(None) };
        let end = match result {
            Ok(lora) => {
                let owner_has_main = avatars::Entity::find()
                    .filter(avatars::Column::UserId.eq(job.owner.0))
                    .filter(avatars::Column::IsMain.eq(true))
                    .count(tx)
                    .await
                    .sql()?
                    > 0;
                TrainingEnd::Trained { lora, owner_has_main }
            }
            Err(Some(kind)) => TrainingEnd::of_failure(kind),
            Err(None) => TrainingEnd::Failed,
        };
        a.finish_training(end, now);
        avatars::Entity::update_many()
            .set(crate::convert::lora_columns(
                a.lora.as_ref(),
                avatars::ActiveModel {
                    status: Set(avatars::Status(a.status)),
                    is_main: Set(a.is_main),
                    updated_at: Set(now),
                    ..Default::default()
                },
            ))
            .filter(avatars::Column::Id.eq(a.id.0))
            .exec(tx)
            .await
            .sql()?;
        Ok(Some(a))
    }
}

#[async_trait]
impl JobOutcomes for Db {
    async fn succeed(&self, id: JobId, output: JobOutput, now: DateTime<Utc>) -> Result<Settled, SettleError> {
        let delivered = match &output {
            JobOutput::Images(images) => u8::try_from(images.len()).unwrap_or(u8::MAX),
            JobOutput::Lora(_) => 1,
        };
        let now = truncate(now);
        self.settle(id, now, |job| Ok(job.succeed(delivered, now)?), Some(output), None).await
    }

    async fn fail(&self, id: JobId, failure: Failure, now: DateTime<Utc>) -> Result<Settled, SettleError> {
        let now = truncate(now);
        let kind = failure.kind;
        self.settle(id, now, |job| Ok(job.fail(failure, now)?), None, Some(kind)).await
    }

    async fn mark_outcome_sent(&self, id: JobId, at: DateTime<Utc>) -> Result<(), StoreError> {
        jobs::Entity::update_many()
            .col_expr(jobs::Column::OutcomeSentAt, Expr::val(Some(truncate(at))))
            .filter(jobs::Column::Id.eq(id.0))
            .filter(jobs::Column::OutcomeSentAt.is_null())
            .filter(jobs::Column::Status.is_in(ended()))
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(())
    }

    async fn claim_unsent_outcomes(
        &self,
        older_than: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let (older_than, now) = (truncate(older_than), truncate(now));
        if limit == 0 {
            return Ok(Vec::new());
        }
        match self.backend {
            Backend::Postgres => self.claim_unsent_postgres(older_than, now, limit).await,
            Backend::Sqlite => self.claim_unsent_sqlite(older_than, now, limit).await,
        }
    }
}
