//! The jobs a runner holds, with the version each claim returned, and what went wrong with leases.

use super::*;

/// The jobs a runner has claimed and not yet let go, each with the version its claim
/// returned (the lease's token), and counters of what went wrong.
#[derive(Debug, Default)]
pub struct Leases {
    held: Mutex<HashMap<JobId, Held>>,
    pub(super) lost: AtomicU64,
    pub(super) duplicates: AtomicU64,
}

#[derive(Clone, Copy, Debug)]
struct Held {
    version: i64,
    lost: bool,
}

impl Leases {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, Held>> {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn hold(&self, jobs: &[Job]) {
        let mut held = self.lock();
        for job in jobs {
            held.insert(job.id, Held { version: job.version, lost: false });
        }
    }

    pub(super) fn release(&self, id: JobId) {
        self.lock().remove(&id);
    }

    /// Whether the heartbeat found this job taken by another worker (or ended) while we held it.
    pub(super) fn is_lost(&self, id: JobId) -> bool {
        self.lock().get(&id).is_some_and(|h| h.lost)
    }

    pub(super) fn renewable(&self) -> Vec<(JobId, i64)> {
        self.lock().iter().filter(|(_, h)| !h.lost).map(|(id, h)| (*id, h.version)).collect()
    }

    /// Marks `id` lost (and counts it, if `count`) if we still hold it under `version`;
    /// returns whether it did.
    pub(super) fn mark_lost(&self, id: JobId, version: i64, count: bool) -> bool {
        match self.lock().get_mut(&id) {
            Some(h) if h.version == version && !h.lost => {
                h.lost = true;
                if count {
                    self.lost.fetch_add(1, Ordering::Relaxed);
                }
                true
            }
            _ => false,
        }
    }

    /// How many jobs are held right now.
    pub fn held(&self) -> usize {
        self.lock().len()
    }

    /// Leases this runner found taken over by another worker before it was done (it had been
    /// paused or slowed past its lease), since start.
    pub fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Provider requests this runner made for a job another worker had meanwhile submitted
    /// (or that had ended), since start. Each was cancelled at the provider unless it had
    /// already run.
    pub fn duplicate_submits(&self) -> u64 {
        self.duplicates.load(Ordering::Relaxed)
    }
}
