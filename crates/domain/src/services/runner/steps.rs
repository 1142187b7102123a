//! One step of a job: submit it, poll it, store its results, and retry with backoff when a step
//! cannot finish now. Every save is compare-and-set against the version this runner read.

use super::*;

/// What storing a provider's images produced.
enum Stored {
    Images(Vec<ImageRecord>),
    Retry(String),
}

impl JobRunner {
    pub(super) async fn submit(&self, mut job: Job) {
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

    pub(super) async fn poll(&self, mut job: Job) {
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
    pub(super) async fn finish(&self, job: Job, output: ProviderOutput) -> Delivery {
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

    /// A cancelled training that the provider reports as failed was the user's cancel.
    /// Also: a photo-with-me the provider refused over its LoRA (it could not fetch the file)
    /// marks the avatar's URL stale, so the next one uploads our copy again first.
    pub(super) async fn failure_for(&self, job: &Job, e: &ProviderError) -> Failure {
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

    pub(super) fn follow_interval(&self) -> Duration {
        if self.config.webhook { self.config.backstop_every } else { self.config.poll_every }
    }

    /// Backs off exponentially (2 s, 4 s, … up to the cap), spread by the job id so retries
    /// of many jobs do not arrive together.
    pub(super) async fn reschedule(&self, mut job: Job, why: &str) {
        job.attempts += 1;
        let exp = 1i64 << job.attempts.min(16);
        let base = Duration::seconds(exp).min(self.config.max_backoff);
        let spread = Duration::milliseconds(i64::from((job.id.0.as_u128() % 1000) as u16));
        job.next_attempt_at = self.env.now() + base + spread;
        tracing::info!(job = %job.id, attempts = job.attempts, why, "retrying later");
        self.save(&job).await;
    }

    pub(super) async fn save(&self, job: &Job) -> Option<Job> {
        self.save_step(job).await.ok()
    }

    /// Saves the outcome of a worker's step, which ends its lease on the job.
    pub(super) async fn save_step(&self, job: &Job) -> Result<Job, SaveError> {
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
    pub(super) async fn submitted_meanwhile(&self, id: JobId, mine: ProviderRef) {
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
