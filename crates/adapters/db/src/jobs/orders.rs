//! `JobOrders`, the owner's side: a job created together with its charge (one transaction,
//! replays answered with the job already recorded), and the owner's reads.

use super::{load, non_terminal};
use crate::avatars::find_locked;
use crate::entity::{avatars, balances, jobs};
use crate::error::{SqlResult, TxFail};
use crate::ledger::{self, Refused};
use crate::{Db, convert};
use aisha_domain::generation::{JobKind, JobLimits, NewJob};
use aisha_domain::ledger::NewLedgerEntry;
use aisha_domain::ports::{AvatarRefusal, CreateJobError, CreatedJob, JobOrders, StoreError};
use aisha_domain::{Job, JobId, UserId, truncate};
use async_trait::async_trait;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
async fn count_in_flight(db: &impl ConnectionTrait, owner: UserId) -> Result<u32, StoreError> {
    let n = jobs::Entity::find()
        .filter(jobs::Column::UserId.eq(owner.0))
        .filter(jobs::Column::Status.is_in(non_terminal()))
        .count(db)
        .await
        .sql()?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

impl Db {
    async fn create_in_tx(&self, new: &NewJob, limits: &JobLimits) -> Result<CreatedJob, TxFail<CreateJobError>> {
        let tx = self.begin().await?;
        // Lock the payer's balance row first: on PostgreSQL this serialises every money change
        // of this user until commit, so the in-flight count below cannot go stale.
        let balance = balances::Entity::find_by_id(new.owner.0).lock_exclusive().one(&tx).await?;
        if balance.is_none() {
            return Err(TxFail::Err(CreateJobError::UnknownUser));
        }
        if let Some(existing) = load(&tx, new.id).await? {
            return replay(new, existing).map_err(TxFail::Err);
        }
        let in_flight = count_in_flight(&tx, new.owner).await?;
        if !limits.in_flight.allows_another(in_flight) {
            return Err(TxFail::Err(CreateJobError::TooManyInFlight { limit: limits.in_flight.0 }));
        }
        let mut job = new.clone().into_job();
        job.created_at = truncate(job.created_at);
        job.updated_at = truncate(job.updated_at);
        job.next_attempt_at = truncate(job.next_attempt_at);
        job.deadline = truncate(job.deadline);

        if let Some(avatar) = new.spec.avatar() {
            let Some(mut a) = find_locked(&tx, new.owner, avatar).await? else {
                return Err(TxFail::Err(AvatarRefusal::NotFound.into()));
            };
            if let Err(refusal) = a.check_for(&new.spec, &limits.photos) {
                return Err(TxFail::Err(refusal.into()));
            }
            if new.spec.kind() == JobKind::Training {
                a.start_training(new.id, job.created_at);
                avatars::Entity::update_many()
                    .set(avatars::ActiveModel {
                        status: Set(avatars::Status(a.status)),
                        training_job_id: Set(a.training_job.map(|j| j.0)),
                        updated_at: Set(a.updated_at),
                        ..Default::default()
                    })
                    .filter(avatars::Column::Id.eq(a.id.0))
                    .exec(&tx)
                    .await?;
            }
        }

        let debit = NewLedgerEntry::job_charge(new);
        match ledger::append(&tx, &debit).await? {
            Ok(_) => {}
            Err(Refused::Insufficient(balance)) => {
                return Err(TxFail::Err(CreateJobError::InsufficientFunds { balance, needed: new.quote.total }));
            }
            Err(Refused::UnknownUser) => return Err(TxFail::Err(CreateJobError::UnknownUser)),
        }
        jobs::Entity::insert(convert::job_row(&job)?).exec_without_returning(&tx).await?;
        tx.commit().await.sql()?;
        Ok(CreatedJob { job, replayed: false })
    }
}

/// The job already recorded under `new`'s id: a replay when it is the same job (owner, spec,
/// price), refused when a different job reuses the id.
fn replay(new: &NewJob, existing: Job) -> Result<CreatedJob, CreateJobError> {
    if (existing.owner, &existing.spec, existing.quote) != (new.owner, &new.spec, new.quote) {
        return Err(
            StoreError::internal(format!("job {} already exists with different contents; refused", new.id)).into()
        );
    }
    Ok(CreatedJob { job: existing, replayed: true })
}

#[async_trait]
impl JobOrders for Db {
    async fn create_charged(&self, job: NewJob, limits: &JobLimits) -> Result<CreatedJob, CreateJobError> {
        match self.create_in_tx(&job, limits).await {
            Ok(created) => Ok(created),
            Err(TxFail::Err(e)) => Err(e),
            // the same job id (or its charge key) committed by a concurrent call: a replay
            Err(TxFail::Duplicate(e)) => match load(&self.conn, job.id).await? {
                Some(existing) => replay(&job, existing),
                None => {
                    Err(StoreError::internal_from(format!("job {} conflicts with existing rows", job.id), e).into())
                }
            },
        }
    }

    async fn get(&self, owner: UserId, id: JobId) -> Result<Option<Job>, StoreError> {
        jobs::Entity::find_by_id(id.0)
            .filter(jobs::Column::UserId.eq(owner.0))
            .one(&self.conn)
            .await
            .sql()?
            .map(convert::job)
            .transpose()
    }

    async fn get_many(&self, owner: UserId, ids: &[JobId]) -> Result<Vec<Job>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        jobs::Entity::find()
            .filter(jobs::Column::Id.is_in(ids.iter().map(|id| id.0)))
            .filter(jobs::Column::UserId.eq(owner.0))
            .all(&self.conn)
            .await
            .sql()?
            .into_iter()
            .map(convert::job)
            .collect()
    }

    async fn in_flight(&self, owner: UserId) -> Result<u32, StoreError> {
        count_in_flight(&self.conn, owner).await
    }
}
