//! Create's buttons: the draft's choices, Again and Edit on a result or a gallery image, the
//! favorite marks under a result, cancelling a job.

use super::screens::{failure_screen, result_keyboard, status_screen, training_failure_screen};
use crate::bot::{Bot, Ctx};
use crate::callback::Cb;
use crate::dialogue::{Dialogue, Draft};
use crate::io::{MessageId, Outgoing, Reply};
use crate::texts::tr;
use aisha_domain::gallery::{ImageKind, ImageRecord};
use aisha_domain::generation::JobSpec;
use aisha_domain::ports::StoreError;
use aisha_domain::services::runner::Cancel;
use aisha_domain::{ImageCount, ImageId, JobId, ModelKey};

impl Bot {
    pub(crate) async fn create_button(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        cb: Cb,
    ) -> Result<Option<String>, StoreError> {
        let draft = match self.dialogue(cx).await? {
            Some(Dialogue::Create { draft }) => Some(draft),
            _ => None,
        };
        match (cb, draft) {
            (Cb::Create, _) => self.ask_prompt(cx, message, None).await?,
            (Cb::Resume, _) => self.resume_order(cx).await?,
            (Cb::Confirm(job), draft) => return self.confirm(cx, message, job, draft).await,
            (Cb::CancelJob(job), _) => return self.cancel_job(cx, message, job).await,
            (Cb::Again(job), _) => return self.order_again(cx, job, false).await,
            (Cb::EditPrompt(job), _) => return self.order_again(cx, job, true).await,
            (Cb::AgainImage(image), _) => return self.image_again(cx, image).await,
            (Cb::ResultFavorite(image), _) => return self.result_favorite(cx, message, image).await,
            (_, Some(draft)) => self.draft_button(cx, message, cb, draft).await?,
            // a draft button after the draft is gone (cancelled, expired, finished)
            (_, None) => {
                cx.out.push(Outgoing::normal(Reply::SendText {
                    chat: cx.chat,
                    text: tr!(cx.t, "outdated"),
                    keyboard: None,
                }));
                self.show_menu(cx, None).await?;
            }
        }
        Ok(None)
    }

    /// «Продолжить заказ» on a top-up receipt: the kept order where it stopped.
    async fn resume_order(&self, cx: &mut Ctx) -> Result<(), StoreError> {
        match self.kept_order(cx.user.id).await? {
            // a new message: the receipt it was pressed on stays as it is
            Some(kept) => self.advance_draft(cx, None, kept).await?,
            None => {
                cx.send(tr!(cx.t, "outdated"), None);
                self.show_menu(cx, None).await?;
            }
        }
        Ok(())
    }

    /// A choice on the draft's screens: format, count, model, ✨ and its answers, «Без перевода».
    async fn draft_button(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        cb: Cb,
        mut d: Draft,
    ) -> Result<(), StoreError> {
        match cb {
            Cb::Improve if d.spec().is_some() => return self.improve(cx, message, d).await,
            Cb::SendOwn if d.sent.is_some() => {
                d.sent = None;
                d.untranslated = true;
                // the confirmation on screen named the translation: its button must not start this
                d.job = JobId(self.generation.env.ids.new_uuid());
            }
            Cb::ImproveTake if d.proposal.is_some() => {
                d.prompt = d.proposal.take().expect("checked");
                (d.sent, d.untranslated) = (None, false);
                // a new job id: a confirmation shown before the change starts nothing
                d.job = JobId(self.generation.env.ids.new_uuid());
            }
            Cb::ImproveKeep | Cb::ImproveTake => d.proposal = None,
            Cb::Aspect(a) => d.aspect = Some(a),
            Cb::Count(n) => d.count = ImageCount::new(n).ok(),
            Cb::Model(k) => d.model = Some(k),
            // a button of an earlier state of this draft (✨ before every choice, «Без
            // перевода» pressed twice): the draft's current step again
            _ => {}
        }
        self.advance_draft(cx, message, d).await
    }

    /// Again (`edit: false`) repeats a job's order as it was, straight to its confirmation;
    /// Edit asks for a new description and keeps the format, count and model.
    async fn order_again(&self, cx: &mut Ctx, job: JobId, edit: bool) -> Result<Option<String>, StoreError> {
        let Some(old) = self.jobs.get(cx.user.id, job).await? else {
            return Ok(Some(tr!(cx.t, "not-found")));
        };
        let (prompt, aspect, count, model, avatar) = match old.spec {
            JobSpec::Text { prompt, aspect, count, model } => (prompt, aspect, count, Some(model), None),
            JobSpec::AvatarPhotos { avatar, prompt, aspect, count } => (prompt, aspect, count, None, Some(avatar)),
            JobSpec::Training { .. } => return Ok(Some(tr!(cx.t, "not-found"))),
        };
        if edit {
            let like = Some((aspect, count, model.unwrap_or(cx.user.settings.defaults.model)));
            match avatar {
                Some(a) => return self.with_me(cx, None, Some(a), like).await,
                None => self.ask_prompt(cx, None, like).await?,
            }
        } else {
            let draft = Draft {
                prompt,
                aspect: Some(aspect),
                count: Some(count),
                model,
                job: JobId(self.generation.env.ids.new_uuid()),
                avatar,
                proposal: None,
                sent: None,
                untranslated: false,
            };
            self.advance_draft(cx, None, draft).await?;
        }
        Ok(None)
    }

    /// Again on a gallery image: its description, format and model (its avatar for a photo
    /// with one), the user's default count.
    async fn image_again(&self, cx: &mut Ctx, image: ImageId) -> Result<Option<String>, StoreError> {
        let Some(img) = self.gallery.image(&cx.user, image).await? else {
            return Ok(Some(tr!(cx.t, "not-found")));
        };
        // an avatar photo is made again with its avatar while it exists
        let avatar = match img.avatar {
            Some(a) if img.kind == ImageKind::AvatarPhoto => {
                self.avatars.get(cx.user.id, a).await?.filter(|a| a.is_usable()).map(|a| a.id)
            }
            _ => None,
        };
        let model = ModelKey::from_stored(&img.model).unwrap_or(cx.user.settings.defaults.model);
        let draft = Draft {
            prompt: img.prompt,
            aspect: Some(img.aspect),
            count: Some(cx.user.settings.defaults.count),
            model: Some(model).filter(|_| avatar.is_none()),
            job: JobId(self.generation.env.ids.new_uuid()),
            avatar,
            proposal: None,
            sent: None,
            untranslated: false,
        };
        self.advance_draft(cx, None, draft).await?;
        Ok(None)
    }

    /// The favorite mark under a result: toggled, and the result's buttons redrawn.
    async fn result_favorite(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        image: ImageId,
    ) -> Result<Option<String>, StoreError> {
        let Some(img) = self.gallery.image(&cx.user, image).await? else {
            return Ok(Some(tr!(cx.t, "not-found")));
        };
        self.gallery.gallery.set_favorite(cx.user.id, image, !img.favorite).await?;
        if let (Some(message), Some(job)) = (message, img.job) {
            let images = self.job_images(cx, job).await?;
            if let Some(done) = self.jobs.get(cx.user.id, job).await? {
                let keyboard = result_keyboard(cx.t, &done, &images);
                cx.out.push(Outgoing::normal(Reply::EditKeyboard { chat: cx.chat, message, keyboard: Some(keyboard) }));
            }
        }
        Ok(Some(if img.favorite { tr!(cx.t, "unfavorited") } else { tr!(cx.t, "favorited") }))
    }

    async fn cancel_job(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        job: JobId,
    ) -> Result<Option<String>, StoreError> {
        Ok(Some(match self.runner.cancel(cx.user.id, job).await? {
            Cancel::NotFound => tr!(cx.t, "not-found"),
            Cancel::AlreadyEnded(_) => tr!(cx.t, "job-ended"),
            Cancel::Cancelled(settled) => {
                let (text, keyboard) = match settled.job.spec {
                    JobSpec::Training { avatar } => {
                        let name = self.avatars.get(cx.user.id, avatar).await?.map(|a| a.name.to_string());
                        training_failure_screen(cx.t, &settled.job, name.as_deref())
                    }
                    _ => failure_screen(cx.t, &settled.job),
                };
                cx.edit_or_send(message, text, keyboard);
                tr!(cx.t, "job-cancelled")
            }
            Cancel::Requested(job) => {
                if let (Some(message), Some(status)) = (message, job.status_message)
                    && message.0 == status
                {
                    let (text, keyboard) = status_screen(cx.t, &job, self.generation.env.now());
                    cx.edit_or_send(Some(message), text, keyboard);
                } else if let (Some(message), JobSpec::Training { avatar }) = (message, &job.spec) {
                    self.show_avatar_card(cx, Some(message), *avatar).await?;
                }
                tr!(cx.t, "job-cancel-requested")
            }
            Cancel::TooLate(job) if job.spec.kind() == aisha_domain::JobKind::Training => {
                tr!(cx.t, "training-too-late")
            }
            Cancel::TooLate(_) => tr!(cx.t, "job-too-late"),
        }))
    }

    pub(crate) async fn job_images(&self, cx: &Ctx, job: JobId) -> Result<Vec<ImageRecord>, StoreError> {
        self.gallery.gallery.of_job(cx.user.id, job).await
    }
}
