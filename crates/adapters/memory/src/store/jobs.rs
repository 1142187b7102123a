//! The job ports in memory: `JobOrders` (the owner's side: create with the charge, read),
//! `JobQueue` (the workers' side: claims, leases, compare-and-set saves) and `JobOutcomes`
//! (settling with the refund, and the record of outcomes told to the user).

use super::MemoryStore;
use aisha_domain::avatar::TrainingEnd;
use aisha_domain::generation::{Failure, Job, JobLimits, JobSpec, JobStatus, NewJob};
use aisha_domain::ledger::NewLedgerEntry;
use aisha_domain::ports::{
    ApplyError, AvatarRefusal, CreateJobError, CreatedJob, JobOrders, JobOutcomes, JobOutput, JobQueue, SaveError,
    SettleError, Settled, StoreError,
};
use aisha_domain::{JobId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl JobOrders for MemoryStore {
    async fn create_charged(&self, new: NewJob, limits: &JobLimits) -> Result<CreatedJob, CreateJobError> {
        let mut s = self.lock();
        if let Some(existing) = s.jobs.get(&new.id) {
            if (existing.owner, &existing.spec, existing.quote) != (new.owner, &new.spec, new.quote) {
                return Err(CreateJobError::Store(StoreError::internal(format!(
                    "job {} already exists with different contents; refused",
                    new.id
                ))));
            }
            return Ok(CreatedJob { job: existing.clone(), replayed: true });
        }
        if !s.users.contains_key(&new.owner) {
            return Err(CreateJobError::UnknownUser);
        }
        if !limits.in_flight.allows_another(s.in_flight(new.owner)) {
            return Err(CreateJobError::TooManyInFlight { limit: limits.in_flight.0 });
        }
        if let Some(avatar) = new.spec.avatar() {
            let a = s.owned_avatar(new.owner, avatar).ok_or(AvatarRefusal::NotFound)?;
            a.check_for(&new.spec, &limits.photos)?;
        }
        let debit = NewLedgerEntry::job_charge(&new);
        s.apply(debit).map_err(|e| match e {
            ApplyError::InsufficientFunds { balance, needed } => CreateJobError::InsufficientFunds { balance, needed },
            ApplyError::UnknownUser => CreateJobError::UnknownUser,
            e @ ApplyError::KeyReused { .. } => CreateJobError::Store(StoreError::internal_from("charging the job", e)),
            ApplyError::Store(e) => CreateJobError::Store(e),
        })?;
        let job = new.into_job();
        if let JobSpec::Training { avatar } = job.spec {
            s.avatars.get_mut(&avatar).expect("checked above").start_training(job.id, job.created_at);
        }
        s.jobs.insert(job.id, job.clone());
        Ok(CreatedJob { job, replayed: false })
    }

    async fn get(&self, owner: UserId, id: JobId) -> Result<Option<Job>, StoreError> {
        Ok(self.lock().jobs.get(&id).filter(|j| j.owner == owner).cloned())
    }

    async fn get_many(&self, owner: UserId, ids: &[JobId]) -> Result<Vec<Job>, StoreError> {
        let s = self.lock();
        Ok(ids.iter().filter_map(|id| s.jobs.get(id)).filter(|j| j.owner == owner).cloned().collect())
    }

    async fn in_flight(&self, owner: UserId) -> Result<u32, StoreError> {
        Ok(self.lock().in_flight(owner))
    }
}

#[async_trait]
impl JobQueue for MemoryStore {
    async fn find(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        Ok(self.lock().jobs.get(&id).cloned())
    }

    async fn by_request(&self, request_id: &str) -> Result<Option<Job>, StoreError> {
        let s = self.lock();
        Ok(s.jobs.values().find(|j| j.provider.as_ref().is_some_and(|p| p.request_id == request_id)).cloned())
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let mut s = self.lock();
        let due = |j: &Job| (!j.status.is_terminal() && j.next_attempt_at <= now).then_some(j.next_attempt_at);
        Ok(claim_earliest(&mut s.jobs, limit, due, |j| {
            j.next_attempt_at = lease_until;
            j.leased_until = Some(lease_until);
        }))
    }

    async fn renew_leases(&self, held: &[(JobId, i64)], until: DateTime<Utc>) -> Result<Vec<JobId>, StoreError> {
        let mut s = self.lock();
        let mut renewed = Vec::new();
        for (id, version) in held {
            if let Some(j) = s.jobs.get_mut(id)
                && j.version == *version
                && !j.status.is_terminal()
            {
                j.next_attempt_at = until;
                j.leased_until = Some(until);
                renewed.push(*id);
            }
        }
        Ok(renewed)
    }

    async fn save(&self, job: &Job) -> Result<Job, SaveError> {
        let mut s = self.lock();
        let stored = s.jobs.get_mut(&job.id).ok_or(SaveError::NotFound)?;
        if stored.version != job.version {
            return Err(SaveError::Conflict);
        }
        if job.status.is_terminal() || stored.status.is_terminal() {
            return Err(SaveError::Terminal);
        }
        if stored.status != job.status && !stored.status.can_become(job.status) {
            return Err(SaveError::Transition(aisha_domain::generation::TransitionError::Illegal {
                job: job.id,
                from: stored.status,
                to: job.status,
            }));
        }
        let mut saved = job.clone();
        saved.version += 1;
        *stored = saved.clone();
        Ok(saved)
    }

    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Job>, StoreError> {
        let s = self.lock();
        let mut jobs: Vec<Job> = s.jobs.values().filter(|j| j.is_overdue(now)).cloned().collect();
        jobs.sort_by_key(|j| (j.deadline, j.id));
        jobs.truncate(limit as usize);
        Ok(jobs)
    }

    async fn non_terminal(&self, limit: u32) -> Result<Vec<Job>, StoreError> {
        let s = self.lock();
        let mut jobs: Vec<Job> = s.jobs.values().filter(|j| !j.status.is_terminal()).cloned().collect();
        jobs.sort_by_key(|j| (j.created_at, j.id));
        jobs.truncate(limit as usize);
        Ok(jobs)
    }

    async fn count_by_status(&self) -> Result<Vec<(JobStatus, u64)>, StoreError> {
        let s = self.lock();
        Ok(JobStatus::ALL
            .into_iter()
            .map(|st| (st, s.jobs.values().filter(|j| j.status == st).count() as u64))
            .filter(|(_, n)| *n > 0)
            .collect())
    }
}

#[async_trait]
impl JobOutcomes for MemoryStore {
    async fn succeed(&self, id: JobId, output: JobOutput, now: DateTime<Utc>) -> Result<Settled, SettleError> {
        let mut s = self.lock();
        let mut job = s.jobs.get(&id).cloned().ok_or(SettleError::NotFound)?;
        if job.status.is_terminal() {
            return Err(SettleError::AlreadyEnded(Box::new(job)));
        }
        let mut avatar = None;
        match output {
            JobOutput::Images(images) => {
                let delivered = u8::try_from(images.len()).unwrap_or(u8::MAX);
                job.succeed(delivered, now)?;
                for image in images {
                    s.images.insert(image.id, image);
                }
            }
            JobOutput::Lora(lora) => {
                job.succeed(1, now)?;
                if let JobSpec::Training { avatar: avatar_id } = job.spec {
                    let has_main = s.avatars.values().any(|a| a.owner == job.owner && a.is_main);
                    if let Some(a) = s.avatars.get_mut(&avatar_id) {
                        a.finish_training(TrainingEnd::Trained { lora, owner_has_main: has_main }, now);
                        avatar = Some(a.clone());
                    }
                }
            }
        }
        job.version += 1;
        s.jobs.insert(id, job.clone());
        let refund = s.refund(&job, now);
        Ok(Settled { job, refund, avatar })
    }

    async fn fail(&self, id: JobId, failure: Failure, now: DateTime<Utc>) -> Result<Settled, SettleError> {
        let mut s = self.lock();
        let mut job = s.jobs.get(&id).cloned().ok_or(SettleError::NotFound)?;
        if job.status.is_terminal() {
            return Err(SettleError::AlreadyEnded(Box::new(job)));
        }
        let kind = failure.kind;
        job.fail(failure, now)?;
        job.version += 1;
        s.jobs.insert(id, job.clone());
        let mut avatar = None;
        if let JobSpec::Training { avatar: avatar_id } = job.spec
            && let Some(a) = s.avatars.get_mut(&avatar_id)
        {
            a.finish_training(TrainingEnd::of_failure(kind), now);
            avatar = Some(a.clone());
        }
        let refund = s.refund(&job, now);
        Ok(Settled { job, refund, avatar })
    }

    async fn mark_outcome_sent(&self, id: JobId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut s = self.lock();
        if s.jobs.get(&id).is_some_and(|j| j.status.is_terminal()) {
            s.outcomes_sent.entry(id).or_insert(at);
        }
        Ok(())
    }

    async fn claim_unsent_outcomes(
        &self,
        older_than: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let mut s = self.lock();
        let super::State { jobs, outcomes_sent, .. } = &mut *s;
        let unsent = |j: &Job| {
            (j.status.is_terminal() && j.updated_at <= older_than && !outcomes_sent.contains_key(&j.id))
                .then_some(j.updated_at)
        };
        Ok(claim_earliest(jobs, limit, unsent, |j| j.updated_at = now))
    }
}

/// Claims up to `limit` jobs, earliest first by the time `due` gives (`None`: not claimable,
/// ties by id, as the SQL adapter orders them): each is changed by `claim`, gets a new version
/// and is returned as it now is.
fn claim_earliest(
    jobs: &mut std::collections::BTreeMap<JobId, Job>,
    limit: u32,
    due: impl Fn(&Job) -> Option<DateTime<Utc>>,
    claim: impl Fn(&mut Job),
) -> Vec<Job> {
    let mut earliest: Vec<(DateTime<Utc>, JobId)> = jobs.values().filter_map(|j| Some((due(j)?, j.id))).collect();
    earliest.sort();
    earliest.truncate(limit as usize);
    let mut claimed = Vec::with_capacity(earliest.len());
    for (_, id) in earliest {
        if let Some(job) = jobs.get_mut(&id) {
            claim(job);
            job.version += 1;
            claimed.push(job.clone());
        }
    }
    claimed
}
