//! Outcomes handed to the notifier and still on their way, until their confirmation resolves.

use crate::JobId;
use crate::ports::Confirmation;
use std::collections::HashMap;
use std::sync::Mutex;

/// The confirmations a runner holds, one per job whose outcome is being delivered. A job in
/// here is not re-sent by the sweep: its first delivery may yet get through.
#[derive(Debug, Default)]
pub struct Deliveries {
    pending: Mutex<HashMap<JobId, Confirmation>>,
}

impl Deliveries {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, Confirmation>> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn keep(&self, job: JobId, confirmation: Confirmation) {
        self.lock().insert(job, confirmation);
    }

    /// Whether this job's outcome is still being delivered.
    pub fn is_on_its_way(&self, job: JobId) -> bool {
        self.lock().contains_key(&job)
    }

    /// How many outcomes are still being delivered (the app waits for them at shutdown, so
    /// none is sent again after a restart for want of its mark).
    pub fn in_flight(&self) -> usize {
        self.lock().len()
    }

    /// Takes out every delivery whose answer is in: the job and whether it got through.
    pub(super) fn take_ended(&self) -> Vec<(JobId, bool)> {
        let mut pending = self.lock();
        let mut ended = Vec::new();
        pending.retain(|job, confirmation| match confirmation.check() {
            Some(through) => {
                ended.push((*job, through));
                false
            }
            None => true,
        });
        ended
    }
}
