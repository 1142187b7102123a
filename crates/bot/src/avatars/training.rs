//! Training an avatar: the confirmation with the price, and starting the job it confirms.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::Dialogue;
use crate::html::escape;
use crate::io::MessageId;
use crate::texts::{Texts, tr};
use aisha_domain::avatar::TrainRefusal;
use aisha_domain::generation::JobSpec;
use aisha_domain::ports::{AvatarRefusal, StoreError};
use aisha_domain::services::generation::StartError;
use aisha_domain::{AvatarId, JobId};

fn train_refusal(t: &Texts, r: TrainRefusal) -> String {
    match r {
        TrainRefusal::NotEnoughPhotos { have, need } => {
            tr!(t, "train-not-enough-photos", photos = &have, min_photos = &need)
        }
        TrainRefusal::AlreadyTraining => tr!(t, "train-already"),
        TrainRefusal::AlreadyTrained => tr!(t, "train-done-already"),
    }
}

impl Bot {
    pub(crate) async fn train_confirmation(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        id: AvatarId,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let Some(a) = self.avatars.get(cx.user.id, id).await? else { return Ok(Some(tr!(t, "not-found"))) };
        if let Err(r) = a.check_trainable(&self.generation.limits.photos) {
            return Ok(Some(train_refusal(t, r)));
        }
        let offer = self
            .generation
            .offer(cx.user.id, &JobSpec::Training { avatar: id })
            .await
            .map_err(StartError::into_store)?;
        let Some(after) = offer.balance_after else {
            let text = tr!(t, "not-enough", price = &offer.quote.total, balance = &offer.balance);
            let keyboard = vec![
                vec![button(tr!(t, "btn-top-up"), Cb::TopUp)],
                vec![button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(id))],
            ];
            cx.edit_or_send(message, text, Some(keyboard));
            return Ok(None);
        };
        let job = JobId(self.generation.env.ids.new_uuid());
        self.set_dialogue(cx, &Dialogue::Train { avatar: id, job }).await?;
        let text = tr!(
            t,
            "train-confirm",
            name = &escape(a.name.as_str()),
            photos = &a.photo_count,
            price = &offer.quote.total,
            balance_after = &after
        );
        let keyboard = vec![
            vec![button(tr!(t, "btn-train-yes", price = &offer.quote.total), Cb::TrainConfirm(job))],
            vec![button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(id))],
        ];
        cx.edit_or_send(message, text, Some(keyboard));
        Ok(None)
    }

    /// Starts the training minted into the dialogue; a second press finds the dialogue gone
    /// (and the store would replay the same job id anyway): one job, one charge.
    pub(crate) async fn start_training(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        job: JobId,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let avatar = match self.dialogue(cx).await? {
            Some(Dialogue::Train { avatar, job: minted }) if minted == job => avatar,
            _ => {
                return Ok(Some(match self.jobs.get(cx.user.id, job).await? {
                    Some(_) => tr!(t, "train-started-already"),
                    None => tr!(t, "outdated"),
                }));
            }
        };
        let spec = JobSpec::Training { avatar };
        match self.generation.start(cx.user.id, job, spec, message.map(|m| m.0)).await {
            Ok(job) => {
                self.clear_dialogue(cx).await?;
                let (text, keyboard) = crate::create::status_screen(t, &job, self.generation.env.now());
                cx.edit_or_send(message, text, keyboard);
                Ok(None)
            }
            Err(StartError::InsufficientFunds { price, balance }) => {
                let text = tr!(t, "not-enough", price = &price, balance = &balance);
                let keyboard = vec![
                    vec![button(tr!(t, "btn-top-up"), Cb::TopUp)],
                    vec![button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(avatar))],
                ];
                cx.edit_or_send(message, text, Some(keyboard));
                Ok(None)
            }
            Err(StartError::TooManyInFlight { limit }) => Ok(Some(tr!(t, "too-many", limit = &limit))),
            Err(StartError::Avatar(AvatarRefusal::Train(r))) => {
                self.clear_dialogue(cx).await?;
                Ok(Some(train_refusal(t, r)))
            }
            Err(StartError::Avatar(AvatarRefusal::NotFound | AvatarRefusal::NotUsable)) => {
                self.clear_dialogue(cx).await?;
                Ok(Some(tr!(t, "not-found")))
            }
            Err(StartError::ModelUnavailable(_)) => Ok(Some(tr!(t, "outdated"))),
            Err(StartError::Store(e)) => Err(e),
        }
    }
}
