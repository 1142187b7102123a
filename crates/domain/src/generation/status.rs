//! The job state machine's states and how a job fails: the statuses and their legal
//! transitions, the failure kinds and the status each ends in.

use crate::JobId;
use serde::{Deserialize, Serialize};

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

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("job {job} cannot go from {from:?} to {to:?}")]
    Illegal { job: JobId, from: JobStatus, to: JobStatus },
    #[error("job {job} cannot succeed with {delivered} of {units} units delivered")]
    Delivered { job: JobId, delivered: u8, units: u8 },
}
