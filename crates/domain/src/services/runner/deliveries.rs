//! Outcomes handed to the notifier and still on their way, until their confirmation resolves.

use crate::JobId;
use crate::ports::Confirmation;
use std::collections::HashMap;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// The confirmations a runner holds, one per job whose outcome is being delivered. A job in
/// here is not re-sent by the sweep: its first delivery may yet get through.
#[derive(Debug, Default)]
pub struct Deliveries {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    pending: HashMap<JobId, Confirmation>,
    /// The task following the deliveries, woken when one is handed over.
    follower: Option<Waker>,
}

impl Deliveries {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn keep(&self, job: JobId, confirmation: Confirmation) {
        let mut inner = self.lock();
        inner.pending.insert(job, confirmation);
        if let Some(follower) = inner.follower.take() {
            follower.wake();
        }
    }

    /// Whether this job's outcome is still being delivered.
    pub fn is_on_its_way(&self, job: JobId) -> bool {
        self.lock().pending.contains_key(&job)
    }

    /// How many outcomes are still being delivered (the app waits for them at shutdown, so
    /// none is sent again after a restart for want of its mark).
    pub fn in_flight(&self) -> usize {
        self.lock().pending.len()
    }

    /// Takes out every delivery whose answer is in: the job and whether it got through.
    pub(super) fn take_ended(&self) -> Vec<(JobId, bool)> {
        Self::take_answered(&mut self.lock(), &mut Context::from_waker(Waker::noop()))
    }

    /// Resolves, with the deliveries that ended, as soon as at least one has.
    pub(super) async fn ended(&self) -> Vec<(JobId, bool)> {
        std::future::poll_fn(|cx| {
            let mut inner = self.lock();
            let ended = Self::take_answered(&mut inner, cx);
            if ended.is_empty() {
                // woken by an answer (the confirmations hold `cx`'s waker) or a new delivery
                inner.follower = Some(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(ended)
            }
        })
        .await
    }

    fn take_answered(inner: &mut Inner, cx: &mut Context<'_>) -> Vec<(JobId, bool)> {
        let mut ended = Vec::new();
        inner.pending.retain(|job, confirmation| match confirmation.poll_answer(cx) {
            Some(through) => {
                ended.push((*job, through));
                false
            }
            None => true,
        });
        ended
    }
}
