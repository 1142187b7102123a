//! Telling users what background work did (the domain's `Notifier`), and the outbox's
//! feedback to the stores.

use super::*;

/// Tells users what background work did, through the same outbox as every reply. Progress is
/// fire and forget. An outcome is handed to the outbox at once, and the runner is given a
/// confirmation that resolves when Telegram has accepted its critical replies (or refused them
/// for good: the user blocked the bot); the runner marks the job `outcome_sent` then, and until
/// then its sweep sends it again, so a crash in between delays the message instead of losing it.
pub(super) struct BotNotifier {
    pub(super) bot: OnceLock<Arc<Bot>>,
    pub(super) outbox: Outbox,
}

impl BotNotifier {
    async fn tell(&self, owner: UserId, notice: Notice) -> Told {
        let Some(bot) = self.bot.get() else { return Told::NotSent };
        let Some(job) = notice.outcome_of().map(|j| j.id) else {
            match bot.render_notice(owner, notice).await {
                Ok(replies) => replies.into_iter().for_each(|r| self.outbox.send(r)),
                Err(e) => tracing::debug!(user = %owner, error = %e, "a progress notice could not be rendered"),
            }
            return Told::NotSent;
        };
        let replies = match bot.render_notice(owner, notice).await {
            Ok(replies) => replies,
            Err(e) => {
                tracing::warn!(user = %owner, job = %job, error = %e, "an outcome could not be rendered; it will be sent again");
                return Told::NotSent;
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
        // the outbox's task answers each one on a channel, so this resolves without being driven
        Told::Confirming(Confirmation::new(async move {
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
            through
        }))
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
