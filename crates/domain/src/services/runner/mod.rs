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

use super::Env;
use crate::archive::stored_zip;
use crate::avatar::{Avatar, Lora};

/// The seed a job's requests carry: stable across retries, different between jobs.
fn seed_of(job: JobId) -> u32 {
    (job.0.as_u128() & 0x7fff_ffff) as u32
}

/// How LoRA weights are stored in our object store.
const LORA_CONTENT_TYPE: &str = "application/octet-stream";
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

/// The jobs a runner has claimed and not yet let go, each with the version its claim
/// returned (the lease's token), and counters of what went wrong.
#[derive(Debug, Default)]
pub struct Leases {
    held: Mutex<HashMap<JobId, Held>>,
    lost: AtomicU64,
    duplicates: AtomicU64,
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

    fn hold(&self, jobs: &[Job]) {
        let mut held = self.lock();
        for job in jobs {
            held.insert(job.id, Held { version: job.version, lost: false });
        }
    }

    fn release(&self, id: JobId) {
        self.lock().remove(&id);
    }

    /// Whether the heartbeat found this job taken by another worker (or ended) while we held it.
    fn is_lost(&self, id: JobId) -> bool {
        self.lock().get(&id).is_some_and(|h| h.lost)
    }

    fn renewable(&self) -> Vec<(JobId, i64)> {
        self.lock().iter().filter(|(_, h)| !h.lost).map(|(id, h)| (*id, h.version)).collect()
    }

    /// Marks `id` lost (and counts it, if `count`) if we still hold it under `version`;
    /// returns whether it did.
    fn mark_lost(&self, id: JobId, version: i64, count: bool) -> bool {
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

/// Why a request could not be built.
enum Prep {
    Fail(Failure),
    Retry(String),
}

/// What storing a provider's images produced.
enum Stored {
    Images(Vec<ImageRecord>),
    Retry(String),
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

    /// Sends again the outcome of every job settled at least `resend_after` ago and never
    /// marked sent: its process died before telling the user, delivery failed, or it was
    /// ended elsewhere (`aisha admin jobs fail`). Claimed first, so replicas sweeping at the
    /// same time do not both send it. Returns how many outcomes it re-sent.
    pub async fn resend_outcomes(&self) -> Result<usize, StoreError> {
        let now = self.env.now();
        let unsent = self.jobs.claim_unsent_outcomes(now - self.config.resend_after, now, self.config.batch).await?;
        let mut n = 0;
        for job in unsent {
            let (id, owner) = (job.id, job.owner);
            let notice = match self.outcome_notice(job).await {
                Ok(Some(notice)) => notice,
                Ok(None) => {
                    // nothing left to say (the trained avatar was deleted since)
                    self.mark_told(id).await;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(job = %id, error = %e, "could not rebuild an unsent outcome; trying later");
                    continue;
                }
            };
            if self.deliveries.is_on_its_way(id) {
                tracing::info!(job = %id, "outcome still being delivered; not sent again");
                continue;
            }
            tracing::info!(job = %id, user = %owner, "re-sending an outcome never confirmed as delivered");
            let told = self.notifier.resend(owner, notice).await;
            self.after_told(id, told).await;
            n += 1;
        }
        Ok(n)
    }

    /// The notice an ended job's outcome is told with, rebuilt from the stores: the images
    /// still in the gallery, the avatar as it is now.
    async fn outcome_notice(&self, job: Job) -> Result<Option<Notice>, StoreError> {
        Ok(Some(match (&job.spec, job.status) {
            (JobSpec::Training { avatar }, JobStatus::Succeeded) => match self.avatars.get(job.owner, *avatar).await? {
                Some(avatar) => Notice::TrainingReady { job, avatar },
                None => return Ok(None),
            },
            (JobSpec::Training { avatar }, _) => {
                let avatar = self.avatars.get(job.owner, *avatar).await?;
                Notice::TrainingFailed { job, avatar }
            }
            (_, JobStatus::Succeeded) => {
                let images = self.gallery.of_job(job.owner, job.id).await?;
                Notice::Succeeded { job, images }
            }
            _ => Notice::Failed { job },
        }))
    }

    /// Acts on what the notifier said of an outcome: marks it sent, leaves it for the sweep, or
    /// keeps its confirmation for the next ticks.
    async fn after_told(&self, id: JobId, told: Told) {
        match told {
            Told::Done => self.mark_told(id).await,
            Told::NotSent => {}
            Told::Confirming(mut confirmation) => match confirmation.check() {
                Some(through) => self.confirmed(id, through).await,
                None => self.deliveries.keep(id, confirmation),
            },
        }
    }

    /// Marks every outcome whose delivery has been confirmed since the last check; one that
    /// did not get through stays unmarked for the sweep. Run at every tick (and by the app at
    /// shutdown, while it waits for deliveries). Returns how many deliveries ended.
    pub async fn confirm_deliveries(&self) -> usize {
        let ended = self.deliveries.take_ended();
        let n = ended.len();
        for (id, through) in ended {
            self.confirmed(id, through).await;
        }
        n
    }

    async fn confirmed(&self, id: JobId, through: bool) {
        if through {
            self.mark_told(id).await;
        } else {
            tracing::info!(job = %id, "an outcome did not get through; the sweep sends it again");
        }
    }

    async fn mark_told(&self, id: JobId) {
        if let Err(e) = self.jobs.mark_outcome_sent(id, self.env.now()).await {
            tracing::warn!(job = %id, error = %e, "could not mark an outcome sent; it may be sent again");
        }
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

    async fn submit(&self, mut job: Job) {
        let request = match self.request_for(&job).await {
            Ok(r) => r,
            Err(Prep::Fail(f)) => {
                self.settle_failure(job.id, f).await;
                return;
            }
            Err(Prep::Retry(why)) => return self.reschedule(job, &why).await,
        };
        // an earlier submit may have reached the provider without its answer (or its record)
        // reaching us: a failed attempt, or a worker that died after submitting, whose job
        // came due again after its lease. Look for it before making a second one.
        let tried_before = job.attempts > 0 || self.env.now() - job.created_at >= self.config.lease;
        let found = match tried_before {
            false => None,
            true => match self.generator.find_submitted(&request, job.created_at).await {
                Ok(found) => found,
                Err(e) => {
                    tracing::info!(job = %job.id, error = %e, "could not look for an earlier submit; submitting");
                    None
                }
            },
        };
        if found.is_some() {
            tracing::warn!(job = %job.id, "the provider had this job from an earlier submit; following it instead of submitting again");
        }
        if found.is_none() && self.leases.is_lost(job.id) {
            tracing::warn!(job = %job.id, "lease lost before submitting; the worker that took the job submits it");
            return;
        }
        let submitted = match found {
            Some(sub) => Ok(sub),
            None => self.generator.submit(&request, self.config.webhook).await,
        };
        match submitted {
            Ok(sub) => {
                let now = self.env.now();
                let mine = sub.provider.clone();
                if job.submitted(sub.provider, sub.queue_position, now).is_err() {
                    return;
                }
                job.attempts = 0;
                job.next_attempt_at = now + self.follow_interval();
                match self.save_step(&job).await {
                    Ok(saved) => {
                        self.notifier.notify(saved.owner, Notice::Progress { job: saved }).await;
                    }
                    Err(SaveError::Conflict | SaveError::Terminal) => self.submitted_meanwhile(job.id, mine).await,
                    Err(_) => {} // logged; the next worker finds this submission at the provider
                }
            }
            Err(e) if e.is_retryable() => self.reschedule(job, &e.to_string()).await,
            Err(e) => {
                if e.kind == ProviderErrorKind::InvalidInput {
                    // our request broke the provider's published schema: a bug to fix, not
                    // the user's doing (the detail names the field)
                    tracing::error!(job = %job.id, kind = job.spec.kind().as_str(), error = %e, "provider refused the job's input: AISHA built a request the provider's schema does not allow");
                } else {
                    tracing::warn!(job = %job.id, error = %e, "provider refused the job");
                }
                let failure = self.failure_for(&job, &e).await;
                self.settle_failure(job.id, failure).await;
            }
        }
    }

    async fn poll(&self, mut job: Job) {
        let Some(provider) = job.provider.clone() else {
            self.settle_failure(
                job.id,
                Failure::new(FailureKind::ProviderUnavailable, "submitted job without a request id"),
            )
            .await;
            return;
        };
        let now = self.env.now();
        match self.generator.status(&provider).await {
            Ok(ProviderStatus::Queued { position }) => {
                let changed = position != job.queue_position;
                job.queue_position = position;
                job.next_attempt_at = now + self.follow_interval();
                if let Some(saved) = self.save(&job).await
                    && changed
                {
                    self.notifier.notify(saved.owner, Notice::Progress { job: saved }).await;
                }
            }
            Ok(ProviderStatus::Running) => {
                let changed = job.status == JobStatus::Queued;
                if changed && job.started(now).is_err() {
                    return;
                }
                job.next_attempt_at = now + self.follow_interval();
                if let Some(saved) = self.save(&job).await
                    && changed
                {
                    self.notifier.notify(saved.owner, Notice::Progress { job: saved }).await;
                }
            }
            Ok(ProviderStatus::Completed) => match self.generator.result(&provider).await {
                Ok(output) => {
                    self.finish(job, output).await;
                }
                Err(e) if e.is_retryable() => self.reschedule(job, &e.to_string()).await,
                Err(e) => {
                    let failure = self.failure_for(&job, &e).await;
                    self.settle_failure(job.id, failure).await;
                }
            },
            Err(e) if e.is_retryable() => self.reschedule(job, &e.to_string()).await,
            Err(e) => {
                let failure = self.failure_for(&job, &e).await;
                self.settle_failure(job.id, failure).await;
            }
        }
    }

    /// Stores results, then settles. Never records an image that is not in storage.
    async fn finish(&self, job: Job, output: ProviderOutput) -> Delivery {
        match output {
            ProviderOutput::Lora(Some(lora)) => match self.keep_lora(&job, lora).await {
                Ok(kept) => self.settle(job.id, JobOutput::Lora(kept), Vec::new()).await,
                Err(why) => {
                    self.reschedule(job, &why).await;
                    Delivery::Deferred
                }
            },
            ProviderOutput::Lora(None) => {
                self.settle_failure(job.id, Failure::new(FailureKind::NoResult, "the trainer returned no LoRA file"))
                    .await
            }
            ProviderOutput::Images(list) => {
                self.notifier.notify(job.owner, Notice::Delivering { job: job.clone() }).await;
                let flagged = list.iter().filter(|i| i.nsfw).count();
                match self.store_images(&job, &list).await {
                    Stored::Retry(why) => {
                        self.reschedule(job, &why).await;
                        Delivery::Deferred
                    }
                    Stored::Images(images) if images.is_empty() => {
                        let failure = if flagged > 0 && flagged == list.len() {
                            Failure::new(FailureKind::Nsfw, "every image was flagged by the safety checker")
                        } else {
                            Failure::new(FailureKind::NoResult, "the provider returned no usable image")
                        };
                        self.settle_failure(job.id, failure).await
                    }
                    Stored::Images(images) => {
                        let shown = images.clone();
                        self.settle(job.id, JobOutput::Images(images), shown).await
                    }
                }
            }
        }
    }

    async fn store_images(&self, job: &Job, list: &[crate::ports::ProviderImage]) -> Stored {
        let (kind, model, prompt, aspect, avatar) = match &job.spec {
            JobSpec::Text { prompt, aspect, model, .. } => {
                (ImageKind::Text, model.as_str().to_owned(), prompt.clone(), *aspect, None)
            }
            JobSpec::AvatarPhotos { prompt, aspect, avatar, .. } => {
                let current: Option<Avatar> = self.avatars.get(job.owner, *avatar).await.ok().flatten();
                (ImageKind::AvatarPhoto, "flux-lora".to_owned(), prompt.clone(), *aspect, Some((*avatar, current)))
            }
            JobSpec::Training { .. } => return Stored::Images(Vec::new()),
        };
        let mut records = Vec::new();
        let wanted = list.iter().filter(|i| !i.nsfw).take(usize::from(job.quote.units));
        for (index, item) in wanted.enumerate() {
            let bytes = match self.generator.download(&item.url).await {
                Ok(b) => b,
                Err(e) if e.is_retryable() => return Stored::Retry(e.to_string()),
                Err(e) => {
                    tracing::warn!(job = %job.id, error = %e, "a result image could not be downloaded; counted as missing");
                    continue;
                }
            };
            let Some((format, width, height)) = media::probe(&bytes) else {
                tracing::warn!(job = %job.id, "a result is not a readable image; counted as missing");
                continue;
            };
            let key =
                StorageKey::image(job.owner, job.created_at, job.id, u8::try_from(index).unwrap_or(u8::MAX), format);
            let size = bytes.len() as u64;
            if let Err(e) = self.images.put(&key, bytes, format.content_type()).await {
                return Stored::Retry(format!("storing {key}: {e}"));
            }
            records.push(ImageRecord {
                id: ImageId(self.env.ids.new_uuid()),
                owner: job.owner,
                job: Some(job.id),
                kind,
                model: model.clone(),
                prompt: prompt.clone(),
                aspect,
                avatar: avatar.as_ref().map(|(id, _)| *id),
                avatar_name: avatar.as_ref().and_then(|(_, a)| a.as_ref().map(|a| a.name.to_string())),
                object: StoredObject {
                    bucket: self.images.bucket().to_owned(),
                    key,
                    format,
                    bytes: size,
                    width,
                    height,
                },
                favorite: false,
                telegram_file_id: None,
                created_at: self.env.now(),
            });
        }
        Stored::Images(records)
    }

    async fn request_for(&self, job: &Job) -> Result<ProviderRequest, Prep> {
        match &job.spec {
            JobSpec::Text { prompt, aspect, count, model } => {
                let entry = self.catalog.get(*model).ok_or_else(|| {
                    Prep::Fail(Failure::new(
                        FailureKind::ProviderUnavailable,
                        format!("the model {model} is no longer in the catalog"),
                    ))
                })?;
                Ok(ProviderRequest::Text {
                    prompt: prompt.to_string(),
                    aspect: *aspect,
                    count: count.get(),
                    model: entry.provider.clone(),
                    seed: seed_of(job.id),
                })
            }
            JobSpec::AvatarPhotos { avatar, prompt, aspect, count } => {
                let a = self.usable_avatar(job.owner, *avatar).await?;
                let lora = a.lora.as_ref().ok_or_else(|| Prep::Fail(gone()))?;
                let lora_url = self.current_lora(&a, lora).await?;
                Ok(ProviderRequest::LoraImages {
                    prompt: a.trigger.inject(prompt.as_str(), a.gender),
                    lora_url,
                    aspect: *aspect,
                    count: count.get(),
                    seed: seed_of(job.id),
                })
            }
            JobSpec::Training { avatar } => {
                let a = self
                    .avatars
                    .get(job.owner, *avatar)
                    .await
                    .map_err(|e| Prep::Retry(e.to_string()))?
                    .ok_or_else(|| Prep::Fail(gone()))?;
                let photos = self.avatars.photos(job.owner, *avatar).await.map_err(|e| Prep::Retry(e.to_string()))?;
                let mut files = Vec::with_capacity(photos.len());
                for (n, p) in photos.iter().enumerate() {
                    let bytes = match self.images.get(&p.object.key).await {
                        Ok(b) => b,
                        Err(e) if e.is_retryable() => return Err(Prep::Retry(e.to_string())),
                        Err(e) => {
                            tracing::warn!(job = %job.id, error = %e, "a training photo is missing from storage; skipped");
                            continue;
                        }
                    };
                    files.push((format!("{:02}.{}", n + 1, p.object.format.extension()), bytes));
                }
                let zip = stored_zip(&files)
                    .map_err(|e| Prep::Fail(Failure::new(FailureKind::InvalidInput, e.to_string())))?;
                let url = match self.generator.upload_archive(&format!("{}.zip", job.id), zip).await {
                    Ok(u) => u,
                    Err(e) if e.is_retryable() => return Err(Prep::Retry(e.to_string())),
                    Err(e) => return Err(Prep::Fail(e.failure())),
                };
                Ok(ProviderRequest::Training { archive_url: url, trigger: a.trigger.as_str().to_owned() })
            }
        }
    }

    /// Keeps our own copy of a trained LoRA before the training is settled: the provider's
    /// file expires, the avatar is used for months. `Err` (try again later) only when the
    /// copy could not be written; a LoRA the provider will not hand over is kept as its URL.
    async fn keep_lora(&self, job: &Job, lora: Lora) -> Result<Lora, String> {
        let JobSpec::Training { avatar } = job.spec else { return Ok(lora) };
        let now = self.env.now();
        match self.generator.fetch_lora(&lora.url).await {
            Ok(bytes) => {
                let key = StorageKey::lora(job.owner, avatar, job.id);
                self.images.put(&key, bytes, LORA_CONTENT_TYPE).await.map_err(|e| format!("storing {key}: {e}"))?;
                Ok(Lora { stored: Some(key), refreshed_at: Some(now), ..lora })
            }
            Err(e) if e.is_retryable() => Err(format!("fetching the trained LoRA: {e}")),
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "the trained LoRA could not be copied; the avatar lives as long as the provider's file");
                Ok(Lora { refreshed_at: Some(now), ..lora })
            }
        }
    }

    /// The LoRA URL a generation may use: the stored one while it is young and served, else a
    /// fresh upload of our copy, recorded on the avatar. An avatar trained before copies were
    /// kept is copied now, while its file still exists.
    async fn current_lora(&self, a: &Avatar, lora: &Lora) -> Result<String, Prep> {
        let now = self.env.now();
        let age = lora.refreshed_at.map(|t| now - t);
        let too_old = lora.stored.is_none() || age.is_none_or(|d| d >= self.config.lora_max_age);
        if !too_old && age.is_some_and(|d| d < self.config.lora_check_after) {
            return Ok(lora.url.clone());
        }
        let retry =
            |e: ProviderError| if e.is_retryable() { Prep::Retry(e.to_string()) } else { Prep::Fail(e.failure()) };
        if !too_old && self.generator.still_served(&lora.url).await.map_err(retry)? {
            return Ok(lora.url.clone());
        }
        let (bytes, stored) = match &lora.stored {
            Some(key) => match self.images.get(key).await {
                Ok(b) => (b, key.clone()),
                Err(e) if e.is_retryable() => return Err(Prep::Retry(e.to_string())),
                Err(e) => {
                    return Err(Prep::Fail(Failure::new(
                        FailureKind::NoResult,
                        format!("the avatar's LoRA copy {key} is gone: {e}"),
                    )));
                }
            },
            None => {
                let bytes = match self.generator.fetch_lora(&lora.url).await {
                    Ok(b) => b,
                    Err(e) if e.is_retryable() => return Err(Prep::Retry(e.to_string())),
                    // not copyable (too large, say) but still served: it lives as long as that
                    Err(e) if self.generator.still_served(&lora.url).await.unwrap_or(false) => {
                        tracing::warn!(avatar = %a.id, error = %e, "the avatar's LoRA cannot be copied; using the provider's file");
                        return Ok(lora.url.clone());
                    }
                    Err(e) => {
                        let why = format!("the provider no longer serves this avatar's LoRA and no copy was kept: {e}");
                        return Err(Prep::Fail(Failure::new(FailureKind::NoResult, why)));
                    }
                };
                let key = StorageKey::lora(a.owner, a.id, a.training_job.unwrap_or(JobId(uuid::Uuid::nil())));
                self.images
                    .put(&key, bytes.clone(), LORA_CONTENT_TYPE)
                    .await
                    .map_err(|e| Prep::Retry(e.to_string()))?;
                (bytes, key)
            }
        };
        let url = self.generator.upload_lora(&format!("{}.safetensors", a.id), bytes).await.map_err(retry)?;
        let fresh = Lora { url: url.clone(), stored: Some(stored), refreshed_at: Some(now), ..lora.clone() };
        if let Err(e) = self.avatars.refresh_lora(a.owner, a.id, &fresh).await {
            // the upload is still good for this job; the next one uploads again
            tracing::warn!(avatar = %a.id, error = %e, "could not record the re-uploaded LoRA");
        }
        tracing::info!(avatar = %a.id, "the avatar's LoRA was uploaded to the provider again from our copy");
        Ok(url)
    }

    async fn usable_avatar(&self, owner: UserId, id: crate::AvatarId) -> Result<Avatar, Prep> {
        match self.avatars.get(owner, id).await {
            Ok(Some(a)) if a.is_usable() => Ok(a),
            Ok(_) => Err(Prep::Fail(gone())),
            Err(e) => Err(Prep::Retry(e.to_string())),
        }
    }

    /// A cancelled training that the provider reports as failed was the user's cancel.
    /// Also: a photo-with-me the provider refused over its LoRA (it could not fetch the file)
    /// marks the avatar's URL stale, so the next one uploads our copy again first.
    async fn failure_for(&self, job: &Job, e: &ProviderError) -> Failure {
        if let JobSpec::AvatarPhotos { avatar, .. } = job.spec
            && matches!(e.kind, ProviderErrorKind::InvalidInput | ProviderErrorKind::NotFound)
            && e.detail.to_ascii_lowercase().contains("lora")
            && let Ok(Some(a)) = self.avatars.get(job.owner, avatar).await
            && let Some(lora) = a.lora.filter(|l| l.stored.is_some())
        {
            let stale = Lora { refreshed_at: None, ..lora };
            if let Err(err) = self.avatars.refresh_lora(job.owner, avatar, &stale).await {
                tracing::warn!(avatar = %avatar, error = %err, "could not mark a refused LoRA for re-upload");
            }
            tracing::warn!(job = %job.id, avatar = %avatar, error = %e, "the provider could not use the avatar's LoRA; the next photo uploads our copy again");
        }
        if job.cancel_requested {
            Failure::new(FailureKind::Cancelled, format!("cancelled by the user; provider said: {}", e.detail))
        } else {
            e.failure()
        }
    }

    async fn expire(&self, job: Job) {
        if let Some(p) = &job.provider
            && let Err(e) = self.generator.cancel(p).await
        {
            tracing::info!(job = %job.id, error = %e, "could not cancel an overdue job at the provider");
        }
        let failure = Failure::new(FailureKind::TimedOut, format!("not finished by its deadline {}", job.deadline));
        self.settle_failure(job.id, failure).await;
    }

    async fn settle(&self, id: JobId, output: JobOutput, images: Vec<ImageRecord>) -> Delivery {
        match self.jobs.succeed(id, output, self.env.now()).await {
            Ok(settled) => {
                self.notify_settled(&settled, images).await;
                Delivery::Settled(Box::new(settled))
            }
            Err(SettleError::AlreadyEnded(_)) => Delivery::AlreadyEnded,
            Err(e) => {
                tracing::error!(job = %id, error = %e, "could not settle a finished job; it will be retried");
                Delivery::Deferred
            }
        }
    }

    async fn settle_failure(&self, id: JobId, failure: Failure) -> Delivery {
        match self.jobs.fail(id, failure, self.env.now()).await {
            Ok(settled) => {
                self.notify_settled(&settled, Vec::new()).await;
                Delivery::Settled(Box::new(settled))
            }
            Err(SettleError::AlreadyEnded(_)) => Delivery::AlreadyEnded,
            Err(e) => {
                tracing::error!(job = %id, error = %e, "could not fail a job; it will be retried");
                Delivery::Deferred
            }
        }
    }

    async fn notify_settled(&self, settled: &Settled, images: Vec<ImageRecord>) {
        let job = settled.job.clone();
        let notice = match (&job.spec, job.status) {
            (JobSpec::Training { .. }, JobStatus::Succeeded) => match &settled.avatar {
                Some(avatar) => Notice::TrainingReady { job, avatar: avatar.clone() },
                None => Notice::TrainingFailed { job, avatar: None },
            },
            (JobSpec::Training { .. }, _) => Notice::TrainingFailed { job, avatar: settled.avatar.clone() },
            (_, JobStatus::Succeeded) => Notice::Succeeded { job, images },
            _ => Notice::Failed { job },
        };
        let told = self.notifier.notify(settled.job.owner, notice).await;
        self.after_told(settled.job.id, told).await;
    }

    fn follow_interval(&self) -> Duration {
        if self.config.webhook { self.config.backstop_every } else { self.config.poll_every }
    }

    /// Backs off exponentially (2 s, 4 s, … up to the cap), spread by the job id so retries
    /// of many jobs do not arrive together.
    async fn reschedule(&self, mut job: Job, why: &str) {
        job.attempts += 1;
        let exp = 1i64 << job.attempts.min(16);
        let base = Duration::seconds(exp).min(self.config.max_backoff);
        let spread = Duration::milliseconds(i64::from((job.id.0.as_u128() % 1000) as u16));
        job.next_attempt_at = self.env.now() + base + spread;
        tracing::info!(job = %job.id, attempts = job.attempts, why, "retrying later");
        self.save(&job).await;
    }

    async fn save(&self, job: &Job) -> Option<Job> {
        self.save_step(job).await.ok()
    }

    /// Saves the outcome of a worker's step, which ends its lease on the job.
    async fn save_step(&self, job: &Job) -> Result<Job, SaveError> {
        let done = Job { leased_until: None, ..job.clone() };
        let saved = self.jobs.save(&done).await;
        match &saved {
            Ok(_) => self.leases.release(job.id),
            Err(SaveError::Conflict | SaveError::Terminal) => {} // someone else moved it on
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "could not save job progress; the lease will expire and it will be retried");
            }
        }
        saved
    }

    /// Our submission of job `id` (request `mine`) could not be recorded: another worker took
    /// the job meanwhile (this one was paused or slow past its lease), or it ended. If that
    /// worker follows the same request (it found ours at the provider), nothing is wrong. If it
    /// has not submitted yet, ours is recorded for it to follow. Otherwise ours is a duplicate:
    /// cancelled at the provider, logged and counted (`Leases::duplicate_submits`).
    async fn submitted_meanwhile(&self, id: JobId, mine: ProviderRef) {
        let current = match self.jobs.find(id).await {
            Ok(current) => current,
            Err(e) => {
                tracing::warn!(job = %id, error = %e, "could not re-read a job taken over meanwhile");
                None
            }
        };
        if let Some(mut job) = current {
            if job.provider.as_ref().is_some_and(|p| p.request_id == mine.request_id) {
                return;
            }
            let now = self.env.now();
            if job.provider.is_none() && job.submitted(mine.clone(), None, now).is_ok() {
                job.attempts = 0;
                job.next_attempt_at = now + self.follow_interval();
                if self.save_step(&job).await.is_ok() {
                    tracing::info!(job = %id, request = %mine.request_id, "job taken over before its submit was recorded; recorded ours for the new holder to follow");
                    return;
                }
            }
        }
        self.leases.duplicates.fetch_add(1, Ordering::Relaxed);
        let outcome = self.generator.cancel(&mine).await;
        tracing::error!(job = %id, request = %mine.request_id, cancel = ?outcome, "DUPLICATE SUBMIT: another worker had taken this job (or it ended) while this one submitted it; our request was cancelled at the provider unless it had already run");
    }
}

fn gone() -> Failure {
    Failure::new(FailureKind::InvalidInput, "the avatar is no longer available")
}
