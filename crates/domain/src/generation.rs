//! Generation jobs: what is asked, what it costs, the state machine every job follows, and the
//! refund rule. Adapters persist jobs but never decide a transition or an amount themselves:
//! they call the methods here inside their transaction and write what these return.

use crate::catalog::{Catalog, ModelKey};
use crate::{AvatarId, Coins, JobId, Prompt, UserId, ValidationError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AspectRatio {
    #[serde(rename = "1:1")]
    Square,
    #[serde(rename = "3:4")]
    Portrait3x4,
    #[serde(rename = "4:3")]
    Landscape4x3,
    #[serde(rename = "9:16")]
    Portrait9x16,
    #[serde(rename = "16:9")]
    Landscape16x9,
}

impl AspectRatio {
    pub const ALL: [AspectRatio; 5] = [
        AspectRatio::Square,
        AspectRatio::Portrait3x4,
        AspectRatio::Landscape4x3,
        AspectRatio::Portrait9x16,
        AspectRatio::Landscape16x9,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AspectRatio::Square => "1:1",
            AspectRatio::Portrait3x4 => "3:4",
            AspectRatio::Landscape4x3 => "4:3",
            AspectRatio::Portrait9x16 => "9:16",
            AspectRatio::Landscape16x9 => "16:9",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL.into_iter().find(|a| a.as_str() == s.trim()).ok_or_else(|| ValidationError::AspectRatio(s.to_owned()))
    }

    /// Width and height as a ratio, e.g. `(3, 4)`.
    pub fn ratio(self) -> (u32, u32) {
        match self {
            AspectRatio::Square => (1, 1),
            AspectRatio::Portrait3x4 => (3, 4),
            AspectRatio::Landscape4x3 => (4, 3),
            AspectRatio::Portrait9x16 => (9, 16),
            AspectRatio::Landscape16x9 => (16, 9),
        }
    }

    /// Pixel size with the given long side, both sides rounded down to a multiple of 64 as
    /// diffusion models expect: 3:4 at 1024 is 768×1024 (portrait), never a square.
    pub fn size_with_long_side(self, long: u32) -> (u32, u32) {
        let (w, h) = self.ratio();
        let short = |a: u32, b: u32| (long * a / b) / 64 * 64;
        if w >= h { (long, short(h, w)) } else { (short(w, h), long) }
    }
}

impl fmt::Display for AspectRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many images one job makes: 1 to 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct ImageCount(u8);

impl ImageCount {
    pub const ONE: ImageCount = ImageCount(1);
    pub const MAX: u8 = 4;

    pub fn new(n: u8) -> Result<Self, ValidationError> {
        if (1..=Self::MAX).contains(&n) { Ok(Self(n)) } else { Err(ValidationError::ImageCount(n)) }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for ImageCount {
    type Error = ValidationError;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Self::new(n)
    }
}

impl From<ImageCount> for u8 {
    fn from(c: ImageCount) -> u8 {
        c.0
    }
}

/// What the user asked for. Everything a worker needs to submit the job again after a restart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Images from a description, by a catalog model. Stored as `imagen` with a `variant`
    /// before the catalog existed; both still read.
    #[serde(rename = "imagen")]
    Text {
        prompt: Prompt,
        aspect: AspectRatio,
        count: ImageCount,
        #[serde(alias = "variant")]
        model: ModelKey,
    },
    /// "Photos with me": images with the user's trained avatar.
    AvatarPhotos { avatar: AvatarId, prompt: Prompt, aspect: AspectRatio, count: ImageCount },
    /// Training an avatar's LoRA from its photos.
    Training { avatar: AvatarId },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Images from a description (stored as `imagen`, its name before the catalog).
    #[serde(rename = "imagen")]
    Text,
    AvatarPhotos,
    Training,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Text => "imagen",
            JobKind::AvatarPhotos => "avatar_photos",
            JobKind::Training => "training",
        }
    }
}

impl JobSpec {
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::Text { .. } => JobKind::Text,
            JobSpec::AvatarPhotos { .. } => JobKind::AvatarPhotos,
            JobSpec::Training { .. } => JobKind::Training,
        }
    }

    /// Units the price is multiplied by and the refund is counted in: images, or one training.
    pub fn units(&self) -> u8 {
        match self {
            JobSpec::Text { count, .. } | JobSpec::AvatarPhotos { count, .. } => count.get(),
            JobSpec::Training { .. } => 1,
        }
    }

    pub fn avatar(&self) -> Option<AvatarId> {
        match self {
            JobSpec::Text { .. } => None,
            JobSpec::AvatarPhotos { avatar, .. } | JobSpec::Training { avatar } => Some(*avatar),
        }
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        match self {
            JobSpec::Text { prompt, .. } | JobSpec::AvatarPhotos { prompt, .. } => Some(prompt),
            JobSpec::Training { .. } => None,
        }
    }
}

/// Prices in coins (operator configuration): the catalog's per-image prices, and the avatar's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceTable {
    pub catalog: Catalog,
    pub avatar_photo: Coins,
    pub training: Coins,
}

impl Default for PriceTable {
    fn default() -> Self {
        let c = |n| Coins::new(n).expect("positive literal");
        Self { catalog: Catalog::default(), avatar_photo: c(5), training: c(150) }
    }
}

/// The price of one job, fixed when it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub unit_price: Coins,
    pub units: u8,
    pub total: Coins,
}

impl PriceTable {
    /// `None` for a model the catalog does not have (any more).
    pub fn unit_price(&self, spec: &JobSpec) -> Option<Coins> {
        match spec {
            JobSpec::Text { model, .. } => self.catalog.get(*model).map(|m| m.price),
            JobSpec::AvatarPhotos { .. } => Some(self.avatar_photo),
            JobSpec::Training { .. } => Some(self.training),
        }
    }

    pub fn quote(&self, spec: &JobSpec) -> Option<Quote> {
        let unit_price = self.unit_price(spec)?;
        let units = spec.units();
        let total = unit_price.checked_mul(u32::from(units)).expect("configured prices are small");
        Some(Quote { unit_price, units, total })
    }
}

/// How long a job may take from creation before the sweeper fails and refunds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    pub images: Duration,
    pub training: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self { images: Duration::minutes(10), training: Duration::hours(2) }
    }
}

impl Deadlines {
    pub fn deadline(&self, spec: &JobSpec, created_at: DateTime<Utc>) -> DateTime<Utc> {
        created_at
            + match spec.kind() {
                JobKind::Training => self.training,
                JobKind::Text | JobKind::AvatarPhotos => self.images,
            }
    }
}

/// The per-user limit on jobs that have not ended yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlightLimit(pub u32);

impl Default for InFlightLimit {
    fn default() -> Self {
        Self(3)
    }
}

impl InFlightLimit {
    /// Whether one more job may start while `current` are in flight.
    pub fn allows_another(self, current: u32) -> bool {
        current < self.0
    }
}

/// The limits a store enforces inside the transaction that creates a job.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLimits {
    pub in_flight: InFlightLimit,
    /// For trainings: the avatar needs at least `photos.min_photos` photos.
    pub photos: crate::avatar::PhotoRules,
}

/// The job state machine:
///
/// ```text
/// Pending ──submit──▶ Queued ──▶ Running ──▶ Succeeded
///    │                  │  └──────────────────▶ Succeeded
///    └──────────────────┴───────────┴──▶ Failed | Cancelled | TimedOut
/// ```
///
/// `Pending` means created and charged, not yet accepted by the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Pending,
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
}

impl JobStatus {
    pub const ALL: [JobStatus; 7] = [
        JobStatus::Pending,
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
        JobStatus::TimedOut,
    ];
    pub const NON_TERMINAL: [JobStatus; 3] = [JobStatus::Pending, JobStatus::Queued, JobStatus::Running];

    pub fn is_terminal(self) -> bool {
        !Self::NON_TERMINAL.contains(&self)
    }

    pub fn can_become(self, next: JobStatus) -> bool {
        use JobStatus::*;
        matches!(
            (self, next),
            (Pending, Queued)
                | (Queued, Running)
                | (Queued | Running, Succeeded)
                | (Pending | Queued | Running, Failed | Cancelled | TimedOut)
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::TimedOut => "timed_out",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// How a job ended without (all of) its output. Each is told to the user differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The provider refused the prompt or the output on content policy.
    ContentPolicy,
    /// The provider rejected a parameter (422); the detail names it.
    InvalidInput,
    /// The provider is down, out of credit, or misconfigured on our side.
    ProviderUnavailable,
    /// Every image was flagged NSFW and withheld.
    Nsfw,
    /// The provider said it finished but gave nothing usable (e.g. no LoRA file).
    NoResult,
    /// The job passed its deadline.
    TimedOut,
    /// The user cancelled it.
    Cancelled,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::ContentPolicy => "content_policy",
            FailureKind::InvalidInput => "invalid_input",
            FailureKind::ProviderUnavailable => "provider_unavailable",
            FailureKind::Nsfw => "nsfw",
            FailureKind::NoResult => "no_result",
            FailureKind::TimedOut => "timed_out",
            FailureKind::Cancelled => "cancelled",
        }
    }

    /// The terminal status a failure of this kind ends in.
    pub fn ending(self) -> JobStatus {
        match self {
            FailureKind::TimedOut => JobStatus::TimedOut,
            FailureKind::Cancelled => JobStatus::Cancelled,
            _ => JobStatus::Failed,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    /// For operators and, for `InvalidInput`, for the user (it names the field).
    pub detail: String,
}

impl Failure {
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into() }
    }
}

/// Where the provider keeps a submitted job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRef {
    pub request_id: String,
    pub model: String,
    pub status_url: Option<String>,
    pub response_url: Option<String>,
    pub cancel_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub owner: UserId,
    pub spec: JobSpec,
    pub quote: Quote,
    pub status: JobStatus,
    /// Units actually delivered (images stored, or 1 for a trained LoRA).
    pub delivered: u8,
    pub refunded: Coins,
    pub provider: Option<ProviderRef>,
    pub queue_position: Option<u32>,
    pub cancel_requested: bool,
    pub failure: Option<Failure>,
    /// The chat message that shows this job's progress, if the bot made one.
    pub status_message: Option<i32>,
    pub attempts: u32,
    /// A worker may pick the job up again from this instant (submit, poll, or retry).
    pub next_attempt_at: DateTime<Utc>,
    /// Set while a worker holds the job: until when its lease runs (a claim sets it, the
    /// holder's heartbeat moves it on, the holder's next save clears it). Start-up
    /// reconciliation leaves a job whose lease is still running to its holder.
    pub leased_until: Option<DateTime<Utc>>,
    pub deadline: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency counter; stores bump it on every write.
    pub version: i64,
}

/// What a caller gives the store to create a job together with its charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    pub id: JobId,
    pub owner: UserId,
    pub spec: JobSpec,
    pub quote: Quote,
    pub status_message: Option<i32>,
    pub deadline: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Id of the debit ledger row written with the job.
    pub debit_entry: crate::LedgerEntryId,
}

impl NewJob {
    pub fn into_job(self) -> Job {
        Job {
            id: self.id,
            owner: self.owner,
            spec: self.spec,
            quote: self.quote,
            status: JobStatus::Pending,
            delivered: 0,
            refunded: Coins::ZERO,
            provider: None,
            queue_position: None,
            cancel_requested: false,
            failure: None,
            status_message: self.status_message,
            attempts: 0,
            next_attempt_at: self.created_at,
            leased_until: None,
            deadline: self.deadline,
            created_at: self.created_at,
            updated_at: self.created_at,
            version: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("job {job} cannot go from {from:?} to {to:?}")]
    Illegal { job: JobId, from: JobStatus, to: JobStatus },
    #[error("job {job} cannot succeed with {delivered} of {units} units delivered")]
    Delivered { job: JobId, delivered: u8, units: u8 },
}

/// The refund rule: every unit paid for and not delivered is returned, nothing else.
pub fn refund_for(quote: &Quote, delivered: u8) -> Coins {
    let missing = quote.units.saturating_sub(delivered);
    quote.unit_price.checked_mul(u32::from(missing)).expect("bounded by the charge")
}

impl Job {
    fn go(&mut self, to: JobStatus, now: DateTime<Utc>) -> Result<(), TransitionError> {
        if !self.status.can_become(to) {
            return Err(TransitionError::Illegal { job: self.id, from: self.status, to });
        }
        self.status = to;
        self.updated_at = now;
        Ok(())
    }

    /// The provider accepted the job.
    pub fn submitted(
        &mut self,
        provider: ProviderRef,
        position: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.go(JobStatus::Queued, now)?;
        self.provider = Some(provider);
        self.queue_position = position;
        Ok(())
    }

    /// The provider started working on it.
    pub fn started(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        self.go(JobStatus::Running, now)?;
        self.queue_position = None;
        Ok(())
    }

    /// Ends the job with `delivered` units (at least one) and returns the refund it is owed
    /// for the rest.
    pub fn succeed(&mut self, delivered: u8, now: DateTime<Utc>) -> Result<Coins, TransitionError> {
        if delivered == 0 || delivered > self.quote.units {
            return Err(TransitionError::Delivered { job: self.id, delivered, units: self.quote.units });
        }
        self.go(JobStatus::Succeeded, now)?;
        self.delivered = delivered;
        self.refunded = refund_for(&self.quote, delivered);
        self.queue_position = None;
        Ok(self.refunded)
    }

    /// Ends the job with nothing delivered and returns the refund it is owed: all of it.
    pub fn fail(&mut self, failure: Failure, now: DateTime<Utc>) -> Result<Coins, TransitionError> {
        self.go(failure.kind.ending(), now)?;
        self.delivered = 0;
        self.refunded = refund_for(&self.quote, 0);
        self.failure = Some(failure);
        self.queue_position = None;
        Ok(self.refunded)
    }

    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        !self.status.is_terminal() && now >= self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn prompt() -> Prompt {
        Prompt::parse("a red fox").unwrap()
    }

    fn job(units: u8, unit: i64) -> Job {
        let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let spec = JobSpec::Text {
            prompt: prompt(),
            aspect: AspectRatio::Square,
            count: ImageCount::new(units).unwrap(),
            model: ModelKey::parse("flux-2").unwrap(),
        };
        let unit_price = Coins::new(unit).unwrap();
        let quote = Quote { unit_price, units, total: unit_price.checked_mul(u32::from(units)).unwrap() };
        NewJob {
            id: JobId(Uuid::from_u128(1)),
            owner: UserId(Uuid::from_u128(2)),
            spec,
            quote,
            status_message: None,
            deadline: t + Duration::minutes(10),
            created_at: t,
            debit_entry: crate::LedgerEntryId(Uuid::from_u128(3)),
        }
        .into_job()
    }

    #[test]
    fn aspect_ratios_map_to_the_right_orientation() {
        assert_eq!(AspectRatio::Portrait3x4.size_with_long_side(1024), (768, 1024));
        assert_eq!(AspectRatio::Landscape4x3.size_with_long_side(1024), (1024, 768));
        assert_eq!(AspectRatio::Portrait9x16.size_with_long_side(1024), (576, 1024));
        assert_eq!(AspectRatio::Landscape16x9.size_with_long_side(1024), (1024, 576));
        assert_eq!(AspectRatio::Square.size_with_long_side(1024), (1024, 1024));
        for a in AspectRatio::ALL {
            assert_eq!(AspectRatio::parse(a.as_str()).unwrap(), a);
        }
        assert!(AspectRatio::parse("2:1").is_err());
    }

    #[test]
    fn image_count_is_one_to_four() {
        assert!(ImageCount::new(0).is_err());
        assert!(ImageCount::new(5).is_err());
        assert_eq!(ImageCount::new(4).unwrap().get(), 4);
    }

    #[test]
    fn prices_come_from_the_table() {
        let prices = PriceTable::default();
        let spec = |key| JobSpec::Text {
            prompt: prompt(),
            aspect: AspectRatio::Square,
            count: ImageCount::new(3).unwrap(),
            model: ModelKey::parse(key).unwrap(),
        };
        for m in prices.catalog.all() {
            let expected = m.price.get() * 3;
            assert_eq!(prices.quote(&spec(m.key.as_str())).unwrap().total.get(), expected, "{}", m.key);
        }
        assert_eq!(prices.quote(&spec("not-in-the-catalog")), None);
        let training = JobSpec::Training { avatar: AvatarId(Uuid::nil()) };
        assert_eq!(
            prices.quote(&training),
            Some(Quote { unit_price: prices.training, units: 1, total: prices.training })
        );
    }

    #[test]
    fn a_spec_stored_before_the_catalog_still_reads() {
        let old = r#"{"kind":"imagen","prompt":"a red fox","aspect":"16:9","count":2,"variant":"ultra"}"#;
        let spec: JobSpec = serde_json::from_str(old).unwrap();
        assert_eq!(
            spec,
            JobSpec::Text {
                prompt: prompt(),
                aspect: AspectRatio::Landscape16x9,
                count: ImageCount::new(2).unwrap(),
                model: ModelKey::parse(ModelKey::IMAGEN4_ULTRA).unwrap(),
            }
        );
        let again: JobSpec = serde_json::from_str(&serde_json::to_string(&spec).unwrap()).unwrap();
        assert_eq!(again, spec);
        assert!(serde_json::to_string(&spec).unwrap().contains(r#""kind":"imagen""#));
    }

    #[test]
    fn only_legal_transitions_are_allowed() {
        use JobStatus::*;
        let legal = [
            (Pending, Queued),
            (Queued, Running),
            (Queued, Succeeded),
            (Running, Succeeded),
            (Pending, Failed),
            (Pending, Cancelled),
            (Pending, TimedOut),
            (Queued, Failed),
            (Queued, Cancelled),
            (Queued, TimedOut),
            (Running, Failed),
            (Running, Cancelled),
            (Running, TimedOut),
        ];
        for from in JobStatus::ALL {
            for to in JobStatus::ALL {
                assert_eq!(from.can_become(to), legal.contains(&(from, to)), "{from:?} -> {to:?}");
            }
        }
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn partial_success_refunds_the_missing_images() {
        let mut j = job(4, 5);
        j.submitted(
            ProviderRef {
                request_id: "r".into(),
                model: "m".into(),
                status_url: None,
                response_url: None,
                cancel_url: None,
            },
            Some(2),
            j.created_at,
        )
        .unwrap();
        assert_eq!(j.succeed(3, j.created_at).unwrap().get(), 5);
        assert_eq!(j.status, JobStatus::Succeeded);
        assert_eq!(j.delivered, 3);
    }

    #[test]
    fn success_needs_at_least_one_unit_and_a_provider() {
        let mut j = job(2, 5);
        assert!(matches!(j.succeed(1, j.created_at), Err(TransitionError::Illegal { .. })), "pending cannot succeed");
        j.status = JobStatus::Running;
        assert!(matches!(j.succeed(0, j.created_at), Err(TransitionError::Delivered { .. })));
        assert!(matches!(j.succeed(3, j.created_at), Err(TransitionError::Delivered { .. })));
    }

    #[test]
    fn failure_refunds_everything_once() {
        let mut j = job(2, 8);
        assert_eq!(j.fail(Failure::new(FailureKind::Cancelled, "user"), j.created_at).unwrap().get(), 16);
        assert_eq!(j.status, JobStatus::Cancelled);
        assert!(
            j.fail(Failure::new(FailureKind::TimedOut, "late"), j.created_at).is_err(),
            "terminal jobs stay terminal"
        );
        assert_eq!(j.refunded.get(), 16);
    }

    #[test]
    fn failure_kinds_end_in_their_status() {
        assert_eq!(FailureKind::TimedOut.ending(), JobStatus::TimedOut);
        assert_eq!(FailureKind::Cancelled.ending(), JobStatus::Cancelled);
        assert_eq!(FailureKind::Nsfw.ending(), JobStatus::Failed);
    }

    #[test]
    fn in_flight_limit() {
        let limit = InFlightLimit(3);
        assert!(limit.allows_another(2));
        assert!(!limit.allows_another(3));
    }

    #[test]
    fn deadlines_depend_on_the_kind() {
        let d = Deadlines::default();
        let t = DateTime::<Utc>::from_timestamp(0, 0).unwrap();
        assert_eq!(d.deadline(&JobSpec::Training { avatar: AvatarId(Uuid::nil()) }, t), t + Duration::hours(2));
        let j = job(1, 1);
        assert!(!j.is_overdue(j.deadline - Duration::seconds(1)));
        assert!(j.is_overdue(j.deadline));
    }
}
