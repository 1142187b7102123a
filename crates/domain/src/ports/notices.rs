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

/// What became of an outcome notice. Only the runner acts on it: it alone marks an outcome
/// sent (`JobOutcomes::mark_outcome_sent`), so the at-least-once rule lives in one place.
#[derive(Debug)]
pub enum Told {
    /// It reached the user, or never can (they blocked the bot): the runner marks the outcome
    /// sent and never sends it again.
    Done,
    /// It did not go out (the messenger is down, nothing can deliver it here): the runner leaves
    /// it unmarked, and `JobRunner::sweep` sends it again once `resend_after` has passed.
    NotSent,
    /// Handed over and still on its way: the runner keeps the confirmation, checks it at every
    /// tick, marks the outcome when it resolves to "through", and does not re-send it while it
    /// is pending.
    Confirming(Confirmation),
}

/// A delivery still on its way; resolves to whether the outcome got through (or never can).
///
/// The runner does not drive the delivery: the future must complete by itself — it waits on
/// work done elsewhere (the outbox's task answering on a channel), and polling it only reads
/// the answer. The runner follows it with a real waker (`JobRunner::follow_deliveries`), so the
/// mark is written as soon as the answer is in, and checks it at every tick as a backstop.
pub struct Confirmation(std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>);

impl Confirmation {
    pub fn new(delivery: impl std::future::Future<Output = bool> + Send + 'static) -> Self {
        Self(Box::pin(delivery))
    }

    /// The answer if it is in; `None` while the delivery is still on its way.
    pub fn check(&mut self) -> Option<bool> {
        self.poll_answer(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    }

    /// The answer if it is in; otherwise `cx` is woken when it comes.
    pub fn poll_answer(&mut self, cx: &mut std::task::Context<'_>) -> Option<bool> {
        match self.0.as_mut().poll(cx) {
            std::task::Poll::Ready(through) => Some(through),
            std::task::Poll::Pending => None,
        }
    }
}

impl std::fmt::Debug for Confirmation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Confirmation")
    }
}

/// Telling users what background work did. A notice never decides anything about money or
/// jobs; those are settled before it is sent. Progress is best effort (the result is
/// ignored); an outcome (every other notice) is sent until it is marked sent, so a crash
/// between settling a job and telling its owner delays the message instead of losing it.
/// Implementations log their own delivery failures and never mark anything themselves.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, owner: UserId, notice: Notice) -> Told;
    /// The same outcome again, because it was never marked sent (the process that settled it
    /// died, or delivery failed). The owner may already have part of it.
    async fn resend(&self, owner: UserId, notice: Notice) -> Told {
        self.notify(owner, notice).await
    }
}
