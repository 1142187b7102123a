//! Driving jobs to an end: submit, follow (webhook or polling, whichever comes first), store
//! results before recording them, settle with the refund the domain computes, and tell the
//! user. The app runs `tick` and `sweep` in loops and calls `on_finished` from the webhook; all
//! three are safe to run concurrently on many replicas: leases keep workers apart, `save` is
//! compare-and-set, and settling a job twice is a no-op.
//!
//! Telling the user is at least once, and decided here alone: an outcome stays unmarked until
//! the notifier confirms it (`Told::Done` at once, or a `Told::Confirming` the runner checks at
//! every tick until it resolves), and `sweep` sends again every outcome left unmarked for
//! `resend_after` — the process that settled it may have died before the message went out.

mod deliveries;
mod leases;
mod outcomes;
mod request;
mod steps;

use super::Env;
use crate::archive::stored_zip;
use crate::avatar::{Avatar, Lora};

use crate::catalog::Catalog;
use crate::gallery::{ImageKind, ImageRecord};
use crate::generation::{Failure, FailureKind, Job, JobSpec, JobStatus, ProviderRef};
use crate::media;
use crate::ports::{
    Avatars, CancelOutcome, Gallery, ImageGenerator, ImageStore, JobOutput, Jobs, Notice, Notifier, ProviderError,
    ProviderErrorKind, ProviderOutput, ProviderRequest, ProviderStatus, SaveError, SettleError, Settled, StoreError,
    Told,
};
use crate::storage::{StorageKey, StoredObject};
use crate::{ImageId, JobId, UserId};
use chrono::Duration;
pub use deliveries::Deliveries;
pub use leases::Leases;
use request::Prep;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, Debug)]
pub struct RunnerConfig {
    /// How long a claimed job is reserved for the worker that claimed it. The app renews the
    /// leases it holds (`renew_leases`) every third of this while it works, so a long batch
    /// or a slow step keeps its jobs; a process that stops renewing (killed, paused) loses
    /// them this long after its last renewal.
    pub lease: Duration,
    /// How often a submitted job is polled when no webhook is expected.
    pub poll_every: Duration,
    /// With a webhook, polling is only a backstop and runs this rarely.
    pub backstop_every: Duration,
    pub webhook: bool,
    pub batch: u32,
    pub max_backoff: Duration,
    /// An outcome still not marked sent this long after it was settled (or last re-sent) is
    /// sent again by `sweep`. Longer than a delivery normally takes, so one in progress is
    /// not doubled.
    pub resend_after: Duration,
    /// A LoRA URL this old is replaced by a fresh upload of our copy before it is used: the
    /// provider's files expire (FAL: "at least 7 days" unless kept).
    pub lora_max_age: Duration,
    /// A LoRA URL this old is checked (one byte fetched) before it is used, and re-uploaded
    /// if the provider no longer serves it.
    pub lora_check_after: Duration,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            lease: Duration::seconds(60),
            poll_every: Duration::seconds(2),
            backstop_every: Duration::seconds(30),
            webhook: false,
            batch: 32,
            max_backoff: Duration::seconds(60),
            resend_after: Duration::seconds(30),
            lora_max_age: Duration::days(6),
            lora_check_after: Duration::days(1),
        }
    }
}

pub struct JobRunner {
    pub jobs: Arc<dyn Jobs>,
    pub avatars: Arc<dyn Avatars>,
    /// To find a finished job's images again when its outcome is re-sent.
    pub gallery: Arc<dyn Gallery>,
    pub images: Arc<dyn ImageStore>,
    pub generator: Arc<dyn ImageGenerator>,
    pub notifier: Arc<dyn Notifier>,
    /// Where a description job's model key finds its provider endpoint.
    pub catalog: Catalog,
    pub env: Env,
    pub config: RunnerConfig,
    /// The jobs this runner holds right now, and what went wrong with leases.
    pub leases: Leases,
    /// Outcomes handed to the notifier and not confirmed yet.
    pub deliveries: Deliveries,
}

impl JobRunner {
    /// A runner over `ports` (another one on the same ports is what a restart or a second
    /// replica runs).
    pub fn assemble(ports: &super::Ports, env: &Env, rules: &super::Rules) -> Self {
        Self {
            jobs: ports.jobs.clone(),
            avatars: ports.avatars.clone(),
            gallery: ports.gallery.clone(),
            images: ports.images.clone(),
            generator: ports.generator.clone(),
            notifier: ports.notifier.clone(),
            catalog: rules.prices.catalog.clone(),
            env: env.clone(),
            config: rules.runner,
            leases: Leases::default(),
            deliveries: Deliveries::default(),
        }
    }
}

/// What a webhook delivery did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// No job has this request id (logged and ignored).
    Unknown,
    /// The job had already ended (a duplicate, or polling got there first).
    AlreadyEnded,
    /// Results could not be stored yet; the job will be retried.
    Deferred,
    Settled(Box<Settled>),
}

/// What a user's cancel did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cancel {
    NotFound,
    AlreadyEnded(Box<Job>),
    /// Ended and refunded.
    Cancelled(Box<Settled>),
    /// A running training: the provider was asked to stop; the refund follows only if it
    /// confirms it stopped before producing a LoRA.
    Requested(Box<Job>),
    /// Images already being generated cannot be stopped.
    TooLate(Box<Job>),
}

impl JobRunner {
    /// One pass: leases due jobs and moves each one step forward. Returns how many it handled.
    /// The jobs are held (and renewed by `renew_leases`) until their step is done; one whose
    /// lease another worker took meanwhile is left to that worker.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        self.confirm_deliveries().await;
        let now = self.env.now();
        let due = self.jobs.claim_due(now, now + self.config.lease, self.config.batch).await?;
        let n = due.len();
        self.leases.hold(&due);
        for job in due {
            let id = job.id;
            if self.leases.is_lost(id) {
                tracing::warn!(job = %id, "lease lost before this job's turn in the batch; another worker has it");
            } else {
                self.advance(job).await;
            }
            self.leases.release(id);
        }
        Ok(n)
    }

    /// The heartbeat: extends the lease of every job this runner holds. A job whose lease
    /// could not be renewed (another worker claimed it after this process was paused or slow
    /// past the lease, or it ended) is marked lost: its step does not submit it if it has not
    /// yet, and the rest of the batch skips it. Returns how many leases it renewed.
    pub async fn renew_leases(&self) -> Result<usize, StoreError> {
        let held = self.leases.renewable();
        if held.is_empty() {
            return Ok(0);
        }
        let renewed = self.jobs.renew_leases(&held, self.env.now() + self.config.lease).await?;
        for (id, version) in held.into_iter().filter(|(id, _)| !renewed.contains(id)) {
            // ended meanwhile (a webhook, or a stale worker's result) is not a lost lease
            let ended = matches!(self.jobs.find(id).await, Ok(Some(job)) if job.status.is_terminal());
            if self.leases.mark_lost(id, version, !ended) && !ended {
                tracing::warn!(job = %id, "LEASE LOST: another worker took this job (this process was paused or slow past its lease); this one will not submit it");
            }
        }
        Ok(renewed.len())
    }

    /// Fails and refunds every job past its deadline, then re-sends outcomes never marked
    /// sent (`resend_outcomes`). Returns how many jobs it failed.
    pub async fn sweep(&self) -> Result<usize, StoreError> {
        let overdue = self.jobs.overdue(self.env.now(), self.config.batch).await?;
        let n = overdue.len();
        for job in overdue {
            self.expire(job).await;
        }
        self.resend_outcomes().await?;
        Ok(n)
    }

    /// Tells the owner of every image job the provider is working on that it still is (the
    /// chat's "sending a photo" indicator fades after about five seconds). The app calls it
    /// every few seconds on one replica. Returns how many jobs it told about.
    pub async fn pulse(&self) -> Result<usize, StoreError> {
        let running = self.jobs.non_terminal(10_000).await?;
        let mut n = 0;
        for job in running {
            if job.status == JobStatus::Running && !matches!(job.spec, JobSpec::Training { .. }) {
                self.notifier.notify(job.owner, Notice::Working { job }).await;
                n += 1;
            }
        }
        Ok(n)
    }

    /// At start-up: every unfinished job is due now, so the next ticks ask the provider about
    /// each one. Returns how many.
    pub async fn reconcile(&self) -> Result<usize, StoreError> {
        let open = self.jobs.non_terminal(10_000).await?;
        let now = self.env.now();
        let mut n = 0;
        for mut job in open {
            if job.leased_until.is_some_and(|until| until > now) {
                // another replica (or a process that just died) holds it: its holder goes on,
                // or it comes due when the lease runs out
                continue;
            }
            job.next_attempt_at = now;
            job.leased_until = None;
            match self.jobs.save(&job).await {
                Ok(_) => n += 1,
                Err(SaveError::Store(e)) => return Err(e),
                Err(_) => {} // changed meanwhile: someone is already on it
            }
        }
        Ok(n)
    }

    pub async fn advance(&self, job: Job) {
        if job.is_overdue(self.env.now()) {
            self.expire(job).await;
            return;
        }
        match job.status {
            JobStatus::Pending => self.submit(job).await,
            JobStatus::Queued | JobStatus::Running => self.poll(job).await,
            _ => {}
        }
    }

    /// The provider reported a request finished (webhook). Idempotent.
    pub async fn on_finished(
        &self,
        request_id: &str,
        result: Result<ProviderOutput, ProviderError>,
    ) -> Result<Delivery, StoreError> {
        let Some(job) = self.jobs.by_request(request_id).await? else {
            tracing::info!(request_id, "completion for an unknown request; ignored");
            return Ok(Delivery::Unknown);
        };
        if job.status.is_terminal() {
            return Ok(Delivery::AlreadyEnded);
        }
        Ok(match result {
            Ok(output) => self.finish(job, output).await,
            Err(e) if e.is_retryable() => Delivery::Deferred,
            Err(e) => {
                let failure = self.failure_for(&job, &e).await;
                self.settle_failure(job.id, failure).await
            }
        })
    }

    pub async fn cancel(&self, owner: UserId, id: JobId) -> Result<Cancel, StoreError> {
        let Some(mut job) = self.jobs.get(owner, id).await? else { return Ok(Cancel::NotFound) };
        if job.status.is_terminal() {
            return Ok(Cancel::AlreadyEnded(Box::new(job)));
        }
        let failure = Failure::new(FailureKind::Cancelled, "cancelled by the user");
        if job.status == JobStatus::Running {
            if job.spec.kind() != crate::JobKind::Training {
                return Ok(Cancel::TooLate(Box::new(job)));
            }
            if let Some(p) = &job.provider
                && let Err(e) = self.generator.cancel(p).await
            {
                tracing::warn!(job = %job.id, error = %e, "provider cancel failed; the user may retry");
            }
            job.cancel_requested = true;
            return match self.jobs.save(&job).await {
                Ok(saved) => Ok(Cancel::Requested(Box::new(saved))),
                Err(SaveError::Store(e)) => Err(e),
                Err(_) => Ok(Cancel::NotFound),
            };
        }
        if let Some(p) = &job.provider {
            match self.generator.cancel(p).await {
                Ok(CancelOutcome::AlreadyCompleted) => {
                    // too late: let the next tick pick up the result
                    job.next_attempt_at = self.env.now();
                    let _ = self.jobs.save(&job).await;
                    return Ok(Cancel::TooLate(Box::new(job)));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(job = %job.id, error = %e, "provider cancel failed; ending the job anyway"),
            }
        }
        match self.jobs.fail(job.id, failure, self.env.now()).await {
            Ok(settled) => {
                self.notify_settled(&settled, Vec::new()).await;
                Ok(Cancel::Cancelled(Box::new(settled)))
            }
            Err(SettleError::AlreadyEnded(job)) => Ok(Cancel::AlreadyEnded(job)),
            Err(SettleError::Store(e)) => Err(e),
            Err(e) => Err(StoreError::internal_from("ending the cancelled job", e)),
        }
    }
}
