//! Generation jobs: what is asked, what it costs, the state machine every job follows, and the
//! refund rule. Adapters persist jobs but never decide a transition or an amount themselves:
//! they call the methods here inside their transaction and write what these return.
//!
//! The parts: [`spec`] (what is asked), [`pricing`] (what it costs, the refund rule and the
//! limits), [`status`] (the states and how a job fails); the job itself and its transitions
//! are here.

mod pricing;
mod spec;
mod status;

pub use pricing::{Deadlines, InFlightLimit, JobLimits, PriceTable, Quote, refund_for};
pub use spec::{AspectRatio, ImageCount, JobKind, JobSpec};
pub use status::{Failure, FailureKind, JobStatus, TransitionError};

use crate::{Coins, JobId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    use crate::catalog::ModelKey;
    use crate::{AvatarId, Prompt};
    use chrono::Duration;
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
