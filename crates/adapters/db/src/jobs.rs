//! `Jobs`: creation together with the charge, claiming for workers, worker saves, and the
//! two endings (`succeed`, `fail`) together with their refund — each one transaction.

use crate::entity::{avatars, balances, images, jobs};
use crate::error::{SqlResult, TxFail};
use crate::ledger::{self, Refused};
use crate::{Backend, Db, convert};
use aisha_domain::avatar::{Avatar, TrainingEnd};
use aisha_domain::generation::{Failure, FailureKind, JobKind, JobLimits, NewJob};
use aisha_domain::ledger::NewLedgerEntry;
use aisha_domain::ports::{
    AvatarRefusal, CreateJobError, CreatedJob, JobOrders, JobOutcomes, JobOutput, JobQueue, SaveError, SettleError,
    Settled, StoreError,
};
use aisha_domain::{Job, JobId, JobSpec, JobStatus, LedgerEntryId, UserId, truncate};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult, IdenStatic,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};

fn non_terminal() -> [jobs::Status; 3] {
    JobStatus::NON_TERMINAL.map(jobs::Status)
}

fn ended() -> Vec<jobs::Status> {
    JobStatus::ALL.into_iter().filter(|s| s.is_terminal()).map(jobs::Status).collect()
}

async fn load(db: &impl ConnectionTrait, id: JobId) -> Result<Option<Job>, StoreError> {
    jobs::Entity::find_by_id(id.0).one(db).await.sql()?.map(convert::job).transpose()
}

/// Reads the job for an ending, locked on PostgreSQL until the transaction ends (SQLite's
/// single writer gives the same exclusion).
async fn load_for_update(tx: &DatabaseTransaction, id: JobId) -> Result<Option<Job>, StoreError> {
    jobs::Entity::find_by_id(id.0).lock_exclusive().one(tx).await.sql()?.map(convert::job).transpose()
}

async fn owned_avatar(
    tx: &DatabaseTransaction,
    owner: UserId,
    id: aisha_domain::AvatarId,
) -> Result<Option<Avatar>, StoreError> {
    avatars::Entity::find_by_id(id.0)
        .filter(avatars::Column::UserId.eq(owner.0))
        .lock_exclusive()
        .one(tx)
        .await
        .sql()?
        .map(convert::avatar)
        .transpose()
}

async fn count_in_flight(db: &impl ConnectionTrait, owner: UserId) -> Result<u32, StoreError> {
    let n = jobs::Entity::find()
        .filter(jobs::Column::UserId.eq(owner.0))
        .filter(jobs::Column::Status.is_in(non_terminal()))
        .count(db)
        .await
        .sql()?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
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
            let Some(mut a) = owned_avatar(&tx, new.owner, avatar).await? else {
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
        let Some(mut a) = owned_avatar(tx, job.owner, avatar_id).await? else { return Ok(None) };
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

    async fn claim_postgres(
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

    async fn claim_unsent_postgres(
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

    async fn claim_unsent_sqlite(
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

    async fn claim_sqlite(
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

/// Where a quarantined job's next attempt is parked: never due.
pub static QUARANTINE: std::sync::LazyLock<DateTime<Utc>> =
    std::sync::LazyLock::new(|| DateTime::from_timestamp(253_402_300_799, 0).expect("9999-12-31T23:59:59Z"));

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

#[cfg(test)]
mod quarantine_tests {
    use super::QUARANTINE;
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
