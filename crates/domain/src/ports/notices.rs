//! Telling users what background work did.

use crate::UserId;
use crate::avatar::Avatar;
use crate::gallery::ImageRecord;
use crate::generation::Job;
use async_trait::async_trait;

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
    /// sent (`JobOutcomes::mark_outcome_sent`) and never sends it again.
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
