//! Jobs.

use crate::avatar::{Avatar, Lora};
use crate::gallery::ImageRecord;
use crate::generation::{Failure, Job, JobLimits, JobStatus, NewJob, TransitionError};
use crate::ledger::LedgerEntry;
use crate::{Coins, JobId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

pub use crate::avatar::AvatarRefusal;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreateJobError {
    #[error("not enough coins: {balance} available, {needed} needed")]
    InsufficientFunds { balance: Coins, needed: Coins },
    #[error("{limit} jobs already in progress")]
    TooManyInFlight { limit: u32 },
    #[error(transparent)]
    Avatar(#[from] AvatarRefusal),
    #[error("no such user")]
    UnknownUser,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedJob {
    pub job: Job,
    /// The same job id was created before: nothing new was written or charged.
    pub replayed: bool,
}

/// What a finished job produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobOutput {
    /// Images already written to storage. At least one.
    Images(Vec<ImageRecord>),
    Lora(Lora),
}

/// The result of ending a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    pub job: Job,
    /// The refund row, when anything was owed.
    pub refund: Option<LedgerEntry>,
    /// The trained avatar, for trainings.
    pub avatar: Option<Avatar>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    #[error("no such job")]
    NotFound,
    /// The job had already ended: nothing was changed (a duplicate webhook, a lost race).
    #[error("job already ended as {:?}", .0.status)]
    AlreadyEnded(Box<Job>),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SaveError {
    #[error("no such job")]
    NotFound,
    /// Someone else changed the job since it was read; read it again.
    #[error("job changed concurrently")]
    Conflict,
    /// `save` does not end jobs; `succeed` and `fail` do, with the money.
    #[error("use succeed/fail to end a job")]
    Terminal,
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What users' requests do with jobs: create one with its charge, read their own, count the
/// ones in flight (the bot and `Generation`).
#[async_trait]
pub trait JobOrders: Send + Sync {
    /// Creates the job and debits its price in one transaction, unless the user already has
    /// `limits.in_flight` jobs in flight or too few coins. For a training, also moves the
    /// avatar to `Training` and records the job on it (the avatar must be the owner's and pass
    /// `Avatar::check_trainable(&limits.photos)`); for avatar photos the avatar must be the
    /// owner's and usable. Creating the same job id again is a replay: one job, one debit.
    async fn create_charged(&self, job: NewJob, limits: &JobLimits) -> Result<CreatedJob, CreateJobError>;
    /// Owner-scoped read.
    async fn get(&self, owner: UserId, id: JobId) -> Result<Option<Job>, StoreError>;
    /// Owner-scoped read of several jobs in one query (in no particular order); ids that are
    /// not the owner's, or not there, are left out.
    async fn get_many(&self, owner: UserId, ids: &[JobId]) -> Result<Vec<Job>, StoreError>;
    async fn in_flight(&self, owner: UserId) -> Result<u32, StoreError>;
}

/// What the workers do with jobs: lease the due ones, keep the leases, step and save them, find
/// the overdue and the unfinished ones (the runner, operators' commands, the gauges).
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Worker read, by id or by the provider's request id.
    async fn find(&self, id: JobId) -> Result<Option<Job>, StoreError>;
    async fn by_request(&self, request_id: &str) -> Result<Option<Job>, StoreError>;
    /// Leases up to `limit` non-terminal jobs whose `next_attempt_at <= now`, by moving their
    /// `next_attempt_at` and `leased_until` to `lease_until` and bumping their version (the
    /// version a claim returns is the lease's token). Two workers never lease the same job at
    /// once.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError>;
    /// The holder's heartbeat: moves `next_attempt_at` and `leased_until` to `until` for each
    /// `(job, version)` whose stored version is still that one (nobody claimed or saved it
    /// since), without bumping the version, so the holder's own later `save` still matches.
    /// Returns the jobs renewed; a job left out was lost to another worker or ended.
    async fn renew_leases(&self, held: &[(JobId, i64)], until: DateTime<Utc>) -> Result<Vec<JobId>, StoreError>;
    /// Writes a non-terminal change (submitted, started, queue position, next attempt), if
    /// the stored version is `job.version`. Returns the job with its new version.
    async fn save(&self, job: &Job) -> Result<Job, SaveError>;
    /// Non-terminal jobs whose deadline has passed.
    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Job>, StoreError>;
    /// Non-terminal jobs, oldest first (start-up reconciliation, `admin jobs list --stuck`).
    async fn non_terminal(&self, limit: u32) -> Result<Vec<Job>, StoreError>;
    async fn count_by_status(&self) -> Result<Vec<(JobStatus, u64)>, StoreError>;
}

/// How a job ends and its owner is told: settle it with its money, and keep track of the
/// outcomes that reached their owner (the runner).
#[async_trait]
pub trait JobOutcomes: Send + Sync {
    /// Ends the job with its output and refunds what was not delivered, in one transaction:
    /// images become gallery rows; a LoRA makes the avatar ready (and main if it has none).
    async fn succeed(&self, id: JobId, output: JobOutput, now: DateTime<Utc>) -> Result<Settled, SettleError>;
    /// Ends the job without output and refunds it in full, in one transaction; a training's
    /// avatar goes to `Failed` (or back to `Draft` when cancelled).
    async fn fail(&self, id: JobId, failure: Failure, now: DateTime<Utc>) -> Result<Settled, SettleError>;
    /// Records that the outcome of the ended job `id` reached its owner (or never can: they
    /// blocked the bot), so it is not sent again. Marking twice keeps the first mark; an
    /// unknown id is not an error.
    async fn mark_outcome_sent(&self, id: JobId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Claims up to `limit` ended jobs whose outcome was never marked sent and which were
    /// settled, or last claimed here, at or before `older_than`, oldest first: each claimed
    /// job's `updated_at` moves to `now`, so a concurrent claimer (another replica's sweep)
    /// skips it and it is claimed again only once it is older than `older_than` again. For an
    /// ended job, `updated_at` is thus when it was settled or its outcome last re-sent.
    async fn claim_unsent_outcomes(
        &self,
        older_than: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError>;
}

/// All of a job store: what an adapter implements (the three parts above), and what a
/// consumer that needs more than one of them holds.
pub trait Jobs: JobOrders + JobQueue + JobOutcomes {}

impl<T: JobOrders + JobQueue + JobOutcomes + ?Sized> Jobs for T {}
