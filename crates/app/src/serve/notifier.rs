//! Telling users what background work did (the domain's `Notifier`), and the outbox's
//! feedback to the stores.

use super::*;

/// Tells users what background work did, through the same outbox as every reply. Progress is
/// fire and forget. An outcome is handed to the outbox at once and followed in the
/// background: when Telegram has accepted its critical replies (or refused them for good: the
/// user blocked the bot), the job is marked `outcome_sent`; until then the runner's sweep
/// sends it again, so a crash in between delays the message instead of losing it.
pub(super) struct BotNotifier {
    pub(super) bot: OnceLock<Arc<Bot>>,
    pub(super) outbox: Outbox,
    pub(super) jobs: Arc<dyn Jobs>,
    pub(super) env: Env,
    /// Outcomes handed to the outbox here and not through yet: a re-send of one of them (its
    /// delivery outlasted the sweep's wait) is skipped rather than doubled.
    pub(super) delivering: Arc<Mutex<HashSet<JobId>>>,
}

impl BotNotifier {
    fn delivering(&self) -> std::sync::MutexGuard<'_, HashSet<JobId>> {
        self.delivering.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Outcomes still being delivered (shutdown waits for them, so none is sent again after a
    /// restart for want of its mark).
    pub(super) fn in_flight(&self) -> usize {
        self.delivering().len()
    }

    async fn tell(&self, owner: UserId, notice: Notice) -> Told {
        let Some(bot) = self.bot.get() else { return Told::Pending };
        let Some(job) = notice.outcome_of().map(|j| j.id) else {
            match bot.render_notice(owner, notice).await {
                Ok(replies) => replies.into_iter().for_each(|r| self.outbox.send(r)),
                Err(e) => tracing::debug!(user = %owner, error = %e, "a progress notice could not be rendered"),
            }
            return Told::Pending;
        };
        if !self.delivering().insert(job) {
            tracing::info!(job = %job, "outcome still being delivered; not sent again");
            return Told::Pending;
        }
        let replies = match bot.render_notice(owner, notice).await {
            Ok(replies) => replies,
            Err(e) => {
                tracing::warn!(user = %owner, job = %job, error = %e, "an outcome could not be rendered; it will be sent again");
                self.delivering().remove(&job);
                return Told::Pending;
            }
        };
        let mut confirmations = Vec::new();
        for reply in replies {
            if reply.class == Class::Critical {
                confirmations.push(self.outbox.submit(reply));
            } else {
                self.outbox.send(reply);
            }
        }
        let (jobs, env, delivering) = (self.jobs.clone(), self.env.clone(), self.delivering.clone());
        tokio::spawn(async move {
            let mut through = true;
            for confirmation in confirmations {
                match confirmation.await {
                    Ok(_) => {}
                    // they blocked the bot: it can never reach them; the gallery has the images
                    Err(SendError::Blocked) => {}
                    // not sent (the outbox went away): the sweep sends it again
                    Err(SendError::Dropped) => through = false,
                    Err(e) if e.is_retryable() => through = false,
                    Err(e) => {
                        // refused for good (a bad request, a missing stored image): sending it
                        // again would be refused again
                        tracing::warn!(job = %job, error = %e, "an outcome reply was refused; not retried");
                    }
                }
            }
            if through && let Err(e) = jobs.mark_outcome_sent(job, env.now()).await {
                tracing::warn!(job = %job, error = %e, "could not mark an outcome sent; it may be sent again");
            }
            delivering.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&job);
        });
        Told::Pending
    }
}

#[async_trait]
impl Notifier for BotNotifier {
    async fn notify(&self, owner: UserId, notice: Notice) -> Told {
        crate::metrics::job_ended(&notice);
        self.tell(owner, notice).await
    }

    /// Counted once, when the job ended; not again.
    async fn resend(&self, owner: UserId, notice: Notice) -> Told {
        self.tell(owner, notice).await
    }
}

/// The outbox's feedback: unreachable users are marked, Telegram's file ids remembered.
pub(super) struct StoreFeedback {
    pub(super) stack: Arc<Stack>,
}

#[async_trait]
impl Feedback for StoreFeedback {
    async fn on_blocked(&self, chat: ChatId) {
        let Ok(tg) = TelegramUserId::new(chat.0) else { return };
        match self.stack.users.by_telegram(tg).await {
            Ok(Some(u)) => {
                if let Err(e) = self.stack.users.set_blocked(u.id, true).await {
                    tracing::warn!(chat = chat.0, error = %e, "could not mark a user unreachable");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(chat = chat.0, error = %e, "could not look up a blocked chat"),
        }
    }

    async fn on_file_id(&self, chat: ChatId, image: ImageId, file_id: String) {
        let Ok(tg) = TelegramUserId::new(chat.0) else { return };
        if let Ok(Some(u)) = self.stack.users.by_telegram(tg).await
            && let Err(e) = self.stack.gallery.set_file_id(u.id, image, &file_id).await
        {
            tracing::debug!(error = %e, "file id not stored; the next view uploads again");
        }
    }
}
