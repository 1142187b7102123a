//! Ports: what the domain needs from the outside world, named for what they mean here.
//!
//! Every port is an `async_trait` object-safe trait, `Send + Sync`, used as `Arc<dyn Port>`,
//! so the app can pick an adapter from configuration at run time and a test can hand in
//! another one. No adapter's library type appears in a signature.
//!
//! Money rule: where one use case must change two things together (a job and its charge, a
//! failure and its refund, a payment and its credit, a promo redemption and its credit), the
//! port offers ONE operation for it, and a SQL adapter runs it as ONE transaction. The amounts
//! and transitions are decided by the domain (`Job::succeed`, `Job::fail`, `Promo::check`,
//! `NewLedgerEntry::on_balance`); adapters apply them and enforce them under concurrency.
//!
//! Scoping rule: every read or write a user can cause takes the owner and matches on it. An id
//! that belongs to someone else is "not found", indistinguishable from an id that never existed.

use crate::avatar::{Avatar, AvatarPhoto, Lora, PhotoRejection, PhotoRules};
use crate::gallery::{CardAt, Cursor, GalleryCounts, GalleryQuery, ImageRecord, Position};
use crate::generation::{
    AspectRatio, Failure, FailureKind, Job, JobLimits, JobStatus, NewJob, ProviderRef, TransitionError,
};
use crate::ledger::{Applied, LedgerEntry, LedgerTotals, NewLedgerEntry};
use crate::payments::{Promo, PromoRefusal, StarsPayment};
use crate::session::SessionKey;
use crate::storage::StorageKey;
use crate::user::{Settings, User};
use crate::{AvatarId, AvatarName, Coins, ImageId, JobId, LedgerEntryId, PhotoId, PromoCode, TelegramUserId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A store failed for reasons that have nothing to do with the request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Connection refused, timed out, pool exhausted: try again later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug, corrupt data, a constraint we did not expect.
    #[error("store error: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

// ---------------------------------------------------------------------------------------------
// Users

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upserted {
    pub user: User,
    pub created: bool,
}

#[async_trait]
pub trait Users: Send + Sync {
    /// Registers `candidate` if its Telegram id is new; otherwise refreshes the stored profile
    /// fields and returns the stored user (its settings untouched).
    async fn upsert(&self, candidate: User) -> Result<Upserted, StoreError>;
    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError>;
    async fn by_telegram(&self, telegram_id: TelegramUserId) -> Result<Option<User>, StoreError>;
    /// `false` if there is no such user.
    async fn update_settings(&self, id: UserId, settings: Settings) -> Result<bool, StoreError>;
    /// `false` if there is no such user.
    async fn set_blocked(&self, id: UserId, blocked: bool) -> Result<bool, StoreError>;
    /// Newest first, for operators.
    async fn list(&self, limit: u32) -> Result<Vec<User>, StoreError>;
    async fn count(&self) -> Result<u64, StoreError>;
}

// ---------------------------------------------------------------------------------------------
// Ledger

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("not enough coins: {balance} available, {needed} needed")]
    InsufficientFunds { balance: Coins, needed: Coins },
    #[error("no such user")]
    UnknownUser,
    /// The idempotency key was used before for a different change (another owner, amount or
    /// reason): a bug or a forgery, never a replay.
    #[error("idempotency key {key} was already used for a different change; refused")]
    KeyReused { key: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait Ledger: Send + Sync {
    async fn balance(&self, owner: UserId) -> Result<Coins, StoreError>;
    /// Appends one row and moves the balance with it, or nothing if the idempotency key was
    /// used before for the same change (`Applied::Replayed`; `KeyReused` if for another).
    /// Refuses a change that would go below zero.
    async fn apply(&self, entry: NewLedgerEntry) -> Result<Applied, ApplyError>;
    /// Newest first, strictly older than `before` when given (keyset on `(created_at, id)`).
    async fn history(
        &self,
        owner: UserId,
        before: Option<(DateTime<Utc>, LedgerEntryId)>,
        limit: u32,
    ) -> Result<Vec<LedgerEntry>, StoreError>;
    /// Coins spent on jobs, net of refunds.
    async fn spent_on_jobs(&self, owner: UserId) -> Result<Coins, StoreError>;
    /// Over all users, for operators.
    async fn totals(&self) -> Result<LedgerTotals, StoreError>;
}

// ---------------------------------------------------------------------------------------------
// Jobs

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

#[async_trait]
pub trait Jobs: Send + Sync {
    /// Creates the job and debits its price in one transaction, unless the user already has
    /// `limits.in_flight` jobs in flight or too few coins. For a training, also moves the
    /// avatar to `Training` and records the job on it (the avatar must be the owner's and pass
    /// `Avatar::check_trainable(&limits.photos)`); for avatar photos the avatar must be the
    /// owner's and usable. Creating the same job id again is a replay: one job, one debit.
    async fn create_charged(&self, job: NewJob, limits: &JobLimits) -> Result<CreatedJob, CreateJobError>;
    /// Owner-scoped read.
    async fn get(&self, owner: UserId, id: JobId) -> Result<Option<Job>, StoreError>;
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
    /// Ends the job with its output and refunds what was not delivered, in one transaction:
    /// images become gallery rows; a LoRA makes the avatar ready (and main if it has none).
    async fn succeed(&self, id: JobId, output: JobOutput, now: DateTime<Utc>) -> Result<Settled, SettleError>;
    /// Ends the job without output and refunds it in full, in one transaction; a training's
    /// avatar goes to `Failed` (or back to `Draft` when cancelled).
    async fn fail(&self, id: JobId, failure: Failure, now: DateTime<Utc>) -> Result<Settled, SettleError>;
    async fn in_flight(&self, owner: UserId) -> Result<u32, StoreError>;
    /// Non-terminal jobs whose deadline has passed.
    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Job>, StoreError>;
    /// Non-terminal jobs, oldest first (start-up reconciliation, `admin jobs list --stuck`).
    async fn non_terminal(&self, limit: u32) -> Result<Vec<Job>, StoreError>;
    async fn count_by_status(&self) -> Result<Vec<(JobStatus, u64)>, StoreError>;
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

// ---------------------------------------------------------------------------------------------
// Gallery

#[async_trait]
pub trait Gallery: Send + Sync {
    /// One card under `query`, relative to a cursor (keyset, no OFFSET).
    async fn card(&self, owner: UserId, query: &GalleryQuery, at: CardAt) -> Result<Option<ImageRecord>, StoreError>;
    /// Where `cursor` stands under `query`: how many match and are newer or equal, of how many.
    async fn position(&self, owner: UserId, query: &GalleryQuery, cursor: Cursor) -> Result<Position, StoreError>;
    /// [`card`](Self::card) and that card's [`position`](Self::position) at once: one round
    /// trip in a store that can (the gallery's every step needs both).
    async fn card_with_position(
        &self,
        owner: UserId,
        query: &GalleryQuery,
        at: CardAt,
    ) -> Result<Option<(ImageRecord, Position)>, StoreError> {
        let Some(card) = self.card(owner, query, at).await? else { return Ok(None) };
        let position = self.position(owner, query, card.cursor()).await?;
        Ok(Some((card, position)))
    }
    async fn get(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError>;
    /// The images a job produced (still in the gallery), in the order they were stored.
    async fn of_job(&self, owner: UserId, job: JobId) -> Result<Vec<ImageRecord>, StoreError>;
    /// `None` if not found (or not the owner's).
    async fn set_favorite(&self, owner: UserId, id: ImageId, favorite: bool)
    -> Result<Option<ImageRecord>, StoreError>;
    /// Flips the favorite flag and returns the image as it is now; `None` if not found (or not
    /// the owner's). One round trip in a store that can.
    async fn toggle_favorite(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        let Some(image) = self.get(owner, id).await? else { return Ok(None) };
        self.set_favorite(owner, id, !image.favorite).await
    }
    /// Removes the row and returns it, so the caller can remove its stored object.
    async fn delete(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError>;
    async fn set_file_id(&self, owner: UserId, id: ImageId, file_id: &str) -> Result<(), StoreError>;
    async fn counts(&self, owner: UserId, month_start: DateTime<Utc>) -> Result<GalleryCounts, StoreError>;
}

// ---------------------------------------------------------------------------------------------
// Avatars

// An answer returned once per call and matched at once: boxing the avatar would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetMain {
    Done(Avatar),
    NotFound,
    NotUsable,
}

#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteAvatar {
    /// Gone, with its photos (whose stored objects the caller removes). Images made with it
    /// stay, labelled with its name.
    Deleted {
        avatar: Avatar,
        photos: Vec<AvatarPhoto>,
    },
    NotFound,
    /// Training is in progress: cancel it first.
    Busy,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddPhoto {
    Added { count: u32 },
    Rejected(PhotoRejection),
    AvatarNotFound,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemovePhoto {
    Removed { photo: AvatarPhoto, count: u32 },
    NotFound,
    NotAccepting,
}

#[async_trait]
pub trait Avatars: Send + Sync {
    async fn create(&self, avatar: &Avatar) -> Result<(), StoreError>;
    async fn get(&self, owner: UserId, id: AvatarId) -> Result<Option<Avatar>, StoreError>;
    /// Newest first.
    async fn list(&self, owner: UserId) -> Result<Vec<Avatar>, StoreError>;
    /// Also relabels the images made with it. `None` if not found.
    async fn rename(
        &self,
        owner: UserId,
        id: AvatarId,
        name: &AvatarName,
        now: DateTime<Utc>,
    ) -> Result<Option<Avatar>, StoreError>;
    /// Replaces a ready avatar's LoRA record (a fresh provider URL, or our copy of the
    /// weights). `false` if the avatar is gone or not ready.
    async fn refresh_lora(&self, owner: UserId, id: AvatarId, lora: &Lora) -> Result<bool, StoreError>;
    /// Makes `id` the one main avatar of its owner.
    async fn set_main(&self, owner: UserId, id: AvatarId) -> Result<SetMain, StoreError>;
    /// Deletes the avatar and its photo rows; if it was main, the newest usable one left
    /// becomes main.
    async fn delete(&self, owner: UserId, id: AvatarId) -> Result<DeleteAvatar, StoreError>;
    /// Adds a photo already written to storage, enforcing the count, duplicates (same hash in
    /// the avatar) and the avatar's status.
    async fn add_photo(&self, photo: &AvatarPhoto, rules: &PhotoRules) -> Result<AddPhoto, StoreError>;
    /// Oldest first.
    async fn photos(&self, owner: UserId, avatar: AvatarId) -> Result<Vec<AvatarPhoto>, StoreError>;
    async fn remove_photo(&self, owner: UserId, avatar: AvatarId, photo: PhotoId) -> Result<RemovePhoto, StoreError>;
}

// ---------------------------------------------------------------------------------------------
// Payments and promo codes

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentRecorded {
    Credited {
        payment: StarsPayment,
        entry: LedgerEntry,
    },
    /// This charge id was recorded before: nothing changed.
    Replayed {
        payment: StarsPayment,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StarsRefundError {
    #[error("no such payment")]
    NotFound,
    #[error("the payment was already refunded")]
    AlreadyRefunded,
    #[error("the user has {balance} coins left of the {needed} this payment bought")]
    CoinsSpent { balance: Coins, needed: Coins },
    #[error("another refund of this payment is under way (Telegram asked at {since})")]
    InProgress { since: DateTime<Utc> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StarsRefunded {
    pub payment: StarsPayment,
    /// Coins taken back: all the payment bought, or with `force` what was left of it.
    pub taken_back: Coins,
    pub entry: Option<LedgerEntry>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StarsTotals {
    pub payments: u64,
    pub stars: u64,
    pub refunded_stars: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RedeemError {
    #[error(transparent)]
    Refused(#[from] PromoRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redeemed {
    pub coins: Coins,
    pub entry: LedgerEntry,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreatePromoError {
    #[error("a code {0} already exists")]
    Exists(PromoCode),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait Payments: Send + Sync {
    /// Records the payment and credits its coins in one transaction, once per charge id.
    async fn record_stars_payment(
        &self,
        payment: StarsPayment,
        entry: LedgerEntryId,
    ) -> Result<PaymentRecorded, StoreError>;
    async fn stars_payment(&self, charge_id: &str) -> Result<Option<StarsPayment>, StoreError>;
    /// Marks the payment refunded and takes its coins back in one transaction. Refused if the
    /// coins were spent, unless `force`, which takes back what is left.
    async fn refund_stars_payment(
        &self,
        charge_id: &str,
        force: bool,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<StarsRefunded, StarsRefundError>;
    async fn stars_totals(&self) -> Result<StarsTotals, StoreError>;
    /// The first step of an operator's refund, stored before Telegram is asked: sets
    /// `refund_requested_at`, unless a request younger than `lease` exists (`InProgress`: one
    /// run at a time; an older one was interrupted and is taken over). A refund Telegram
    /// already confirmed is returned unchanged, so the caller goes on to take the coins.
    async fn request_stars_refund(
        &self,
        charge_id: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<StarsPayment, StarsRefundError>;
    /// Telegram returned the Stars: sets `refund_confirmed_at` (the first time only).
    async fn confirm_stars_refund(&self, charge_id: &str, now: DateTime<Utc>)
    -> Result<StarsPayment, StarsRefundError>;
    /// Telegram refused: clears an unconfirmed request, so a later run starts afresh.
    async fn withdraw_stars_refund(&self, charge_id: &str) -> Result<(), StoreError>;
}

#[async_trait]
pub trait Promos: Send + Sync {
    async fn create_promo(&self, promo: &Promo) -> Result<(), CreatePromoError>;
    async fn promo(&self, code: &PromoCode) -> Result<Option<Promo>, StoreError>;
    async fn promos(&self) -> Result<Vec<Promo>, StoreError>;
    /// `None` if there is no such code.
    async fn set_promo_active(&self, code: &PromoCode, active: bool) -> Result<Option<Promo>, StoreError>;
    /// Checks the code's rules and credits it in one transaction (limits hold under
    /// concurrent redemptions).
    async fn redeem(
        &self,
        owner: UserId,
        code: &PromoCode,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, RedeemError>;
}

// ---------------------------------------------------------------------------------------------
// Sessions (dialogue and gallery session)

/// Opaque per-user values with a time to live. Writing refreshes the TTL; reading does not.
/// An expired value reads as absent.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn get(&self, key: &SessionKey) -> Result<Option<String>, StoreError>;
    async fn put(&self, key: &SessionKey, value: String, ttl: std::time::Duration) -> Result<(), StoreError>;
    async fn delete(&self, key: &SessionKey) -> Result<(), StoreError>;
}

// ---------------------------------------------------------------------------------------------
// Object storage

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("no object at {0}")]
    NotFound(StorageKey),
    #[error("bucket {0} does not exist")]
    BucketMissing(String),
    #[error("storage refused the credentials: {0}")]
    PermissionDenied(String),
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage error: {0}")]
    Other(String),
}

impl StorageError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StorageError::Unavailable(_))
    }
}

#[async_trait]
pub trait ImageStore: Send + Sync {
    /// The bucket (or directory) recorded next to each key.
    fn bucket(&self) -> &str;
    async fn put(&self, key: &StorageKey, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError>;
    async fn get(&self, key: &StorageKey) -> Result<Vec<u8>, StorageError>;
    /// Deleting a missing object succeeds.
    async fn delete(&self, key: &StorageKey) -> Result<(), StorageError>;
    async fn exists(&self, key: &StorageKey) -> Result<bool, StorageError>;
    /// A URL the outside world can fetch for `ttl`, if this store has such URLs.
    async fn public_url(&self, key: &StorageKey, ttl: std::time::Duration) -> Result<Option<String>, StorageError>;
}

// ---------------------------------------------------------------------------------------------
// The image provider (FAL)

/// What to ask the provider for. Built by the domain from a job, with the avatar's LoRA and
/// trigger already applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderRequest {
    /// A catalog model: the provider side of its entry travels with the request. `seed`
    /// comes from the job id: a retried job asks for the same pictures, and its request can be
    /// told apart from every other job's in the provider's history.
    Text {
        prompt: String,
        aspect: AspectRatio,
        count: u8,
        model: crate::catalog::ProviderModel,
        seed: u32,
    },
    LoraImages {
        prompt: String,
        lora_url: String,
        aspect: AspectRatio,
        count: u8,
        seed: u32,
    },
    Training {
        archive_url: String,
        trigger: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub provider: ProviderRef,
    pub queue_position: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderStatus {
    Queued {
        position: Option<u32>,
    },
    Running,
    /// Finished; the result may still be a failure, which `result` reports.
    Completed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderImage {
    pub url: String,
    /// Flagged by the provider's safety checker: withheld from the user and refunded.
    pub nsfw: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderOutput {
    Images(Vec<ProviderImage>),
    /// `None`: the trainer finished without a LoRA file, which is a failure.
    Lora(Option<Lora>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProviderErrorKind {
    ContentPolicy,
    /// 422: a parameter was refused; the detail names it.
    InvalidInput,
    /// 403 "locked" / exhausted balance: operators must top up the provider account.
    OutOfCredit,
    /// 401: the key is wrong.
    Auth,
    NotFound,
    /// 429, 5xx, timeouts, connection errors: worth retrying with backoff.
    Transient,
    /// The provider ran the job and it ended in the provider's own server error, after the
    /// provider's own retries (FAL: COMPLETED with a 5xx result, or an `ERROR` webhook with
    /// "Invalid status code: 5xx"). Final: refunded at once, not retried until the deadline.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {detail}")]
pub struct ProviderError {
    pub kind: ProviderErrorKind,
    pub detail: String,
}

impl ProviderError {
    pub fn new(kind: ProviderErrorKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into() }
    }

    pub fn is_retryable(&self) -> bool {
        self.kind == ProviderErrorKind::Transient
    }

    /// How a job that met this error ends, as the user is told.
    pub fn failure(&self) -> Failure {
        let kind = match self.kind {
            ProviderErrorKind::ContentPolicy => FailureKind::ContentPolicy,
            ProviderErrorKind::InvalidInput => FailureKind::InvalidInput,
            ProviderErrorKind::OutOfCredit
            | ProviderErrorKind::Auth
            | ProviderErrorKind::NotFound
            | ProviderErrorKind::Transient
            | ProviderErrorKind::Failed => FailureKind::ProviderUnavailable,
        };
        Failure::new(kind, self.detail.clone())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    Requested,
    AlreadyCompleted,
    NotFound,
}

#[async_trait]
pub trait ImageGenerator: Send + Sync {
    /// Queues the request; with `webhook` the provider also calls back when done.
    async fn submit(&self, request: &ProviderRequest, webhook: bool) -> Result<Submitted, ProviderError>;
    async fn status(&self, job: &ProviderRef) -> Result<ProviderStatus, ProviderError>;
    /// The output of a completed request, or the error it completed with.
    async fn result(&self, job: &ProviderRef) -> Result<ProviderOutput, ProviderError>;
    async fn cancel(&self, job: &ProviderRef) -> Result<CancelOutcome, ProviderError>;
    /// Uploads a training archive and returns the URL the trainer reads it from.
    async fn upload_archive(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError>;
    /// Downloads a result file.
    async fn download(&self, url: &str) -> Result<Vec<u8>, ProviderError>;
    /// The request for exactly this input made since `since`, if the provider has one: asked
    /// before submitting a job again whose earlier submit may have reached the provider.
    async fn find_submitted(
        &self,
        request: &ProviderRequest,
        since: DateTime<Utc>,
    ) -> Result<Option<Submitted>, ProviderError>;
    /// Downloads trained LoRA weights (far larger than an image) to keep a copy.
    async fn fetch_lora(&self, url: &str) -> Result<Vec<u8>, ProviderError>;
    /// Uploads LoRA weights from our copy, asking the provider to keep them, and returns the
    /// URL generations read them from.
    async fn upload_lora(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError>;
    /// Whether the provider still serves a file it gave us (`false`: gone, 403/404/410).
    async fn still_served(&self, url: &str) -> Result<bool, ProviderError>;
}

// ---------------------------------------------------------------------------------------------
// Telling users what background work did

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Queue position or status changed (coalesced and droppable).
    Progress {
        job: Job,
    },
    /// The job is still being made: keep the chat's "sending a photo" indicator alive
    /// (Telegram shows one for about five seconds). Droppable.
    Working {
        job: Job,
    },
    /// The provider finished; the results are being stored and sent. Droppable.
    Delivering {
        job: Job,
    },
    Succeeded {
        job: Job,
        images: Vec<ImageRecord>,
    },
    /// Failed, timed out or cancelled; `job.refunded` says what came back.
    Failed {
        job: Job,
    },
    TrainingReady {
        job: Job,
        avatar: Avatar,
    },
    TrainingFailed {
        job: Job,
        avatar: Option<Avatar>,
    },
}

impl Notice {
    /// The job whose outcome this is; `None` for progress.
    pub fn outcome_of(&self) -> Option<&Job> {
        match self {
            Notice::Progress { .. } | Notice::Working { .. } | Notice::Delivering { .. } => None,
            Notice::Succeeded { job, .. }
            | Notice::Failed { job }
            | Notice::TrainingReady { job, .. }
            | Notice::TrainingFailed { job, .. } => Some(job),
        }
    }
}

/// What became of an outcome notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Told {
    /// It reached the user, or never can (they blocked the bot): the runner marks the outcome
    /// sent (`Jobs::mark_outcome_sent`) and never sends it again.
    Done,
    /// Not confirmed by this call: delivery goes on in the background, in which case the
    /// implementation marks the outcome itself once it is through, or it failed. An outcome
    /// still unmarked a while after it was settled is sent again by `JobRunner::sweep`.
    Pending,
}

/// Telling users what background work did. A notice never decides anything about money or
/// jobs; those are settled before it is sent. Progress is best effort (the result is
/// ignored); an outcome (every other notice) is sent until it is marked sent, so a crash
/// between settling a job and telling its owner delays the message instead of losing it.
/// Implementations log their own delivery failures.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, owner: UserId, notice: Notice) -> Told;
    /// The same outcome again, because it was never marked sent (the process that settled it
    /// died, or delivery failed). The owner may already have part of it.
    async fn resend(&self, owner: UserId, notice: Notice) -> Told {
        self.notify(owner, notice).await
    }
}
