//! Ending jobs and telling their owners: settling with the refund the domain computes, then the
//! outcome notice, marked sent only once its delivery is confirmed, and re-sent by the sweep until it is.

use super::*;

impl JobRunner {
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
    pub(super) async fn outcome_notice(&self, job: Job) -> Result<Option<Notice>, StoreError> {
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
    pub(super) async fn after_told(&self, id: JobId, told: Told) {
        match told {
            Told::Done => self.mark_told(id).await,
            Told::NotSent => {}
            Told::Confirming(mut confirmation) => match confirmation.check() {
                Some(through) => self.confirmed(id, through).await,
                None => self.deliveries.keep(id, confirmation),
            },
        }
    }

    /// Marks each outcome as soon as its delivery is confirmed; one that did not get through
    /// stays unmarked for the sweep. Never returns: the app runs it beside the workers until
    /// shutdown (the ticks check the same deliveries, as a backstop).
    pub async fn follow_deliveries(&self) {
        loop {
            for (id, through) in self.deliveries.ended().await {
                self.confirmed(id, through).await;
            }
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

    pub(super) async fn confirmed(&self, id: JobId, through: bool) {
        if through {
            self.mark_told(id).await;
        } else {
            tracing::info!(job = %id, "an outcome did not get through; the sweep sends it again");
        }
    }

    pub(super) async fn mark_told(&self, id: JobId) {
        if let Err(e) = self.jobs.mark_outcome_sent(id, self.env.now()).await {
            tracing::warn!(job = %id, error = %e, "could not mark an outcome sent; it may be sent again");
        }
    }

    pub(super) async fn expire(&self, job: Job) {
        if let Some(p) = &job.provider
            && let Err(e) = self.generator.cancel(p).await
        {
            tracing::info!(job = %job.id, error = %e, "could not cancel an overdue job at the provider");
        }
        let failure = Failure::new(FailureKind::TimedOut, format!("not finished by its deadline {}", job.deadline));
        self.settle_failure(job.id, failure).await;
    }

    pub(super) async fn settle(&self, id: JobId, output: JobOutput, images: Vec<ImageRecord>) -> Delivery {
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

    pub(super) async fn settle_failure(&self, id: JobId, failure: Failure) -> Delivery {
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

    pub(super) async fn notify_settled(&self, settled: &Settled, images: Vec<ImageRecord>) {
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
}
