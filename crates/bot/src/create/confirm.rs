//! The confirmation with the price (the description translated first for photos with an
//! avatar, ✨ the assistant's rewrite on request), and starting the job it confirms.

use super::noted;
use super::screens::status_screen;
use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::{Dialogue, Draft};
use crate::html::escape;
use crate::io::{ChatAction, Keyboard, MessageId, Outgoing, Reply};
use crate::texts::tr;
use aisha_domain::ports::StoreError;
use aisha_domain::services::generation::{Offer, StartError};
use aisha_domain::{Avatar, Coins, JobId};

impl Bot {
    pub(super) async fn confirmation(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        draft: &Draft,
        note: Option<String>,
    ) -> Result<(), StoreError> {
        let spec = draft.spec().expect("complete draft");
        let t = cx.t;
        let avatar = match draft.avatar {
            Some(id) => match self.avatars.get(cx.user.id, id).await? {
                Some(a) if a.is_usable() => Some(a),
                _ => {
                    self.clear_dialogue(cx).await?;
                    let keyboard = vec![vec![
                        button(tr!(t, "btn-avatars-back"), Cb::Avatars),
                        button(tr!(t, "btn-menu"), Cb::Menu),
                    ]];
                    cx.edit_or_send(message, tr!(t, "not-found"), Some(keyboard));
                    return Ok(());
                }
            },
            None => None,
        };
        let offer = match self.generation.offer(cx.user.id, &spec).await {
            Ok(offer) => offer,
            Err(StartError::Store(e)) => return Err(e),
            // checked by advance_draft; a catalog changed in between asks again
            Err(_) => {
                return Box::pin(self.show_draft(cx, message, Draft { model: None, ..draft.clone() }, note)).await;
            }
        };
        let Some(after) = offer.balance_after else {
            return self.not_enough(cx, message, draft, offer.quote.total, offer.balance, note).await;
        };
        // paid for: now the description may be translated (once per draft)
        let mut draft = draft.clone();
        let note = match self.translate(cx, &mut draft).await? {
            Some(why) => Some(match note {
                Some(n) => format!("{n}\n{why}"),
                None => why,
            }),
            None => note,
        };
        let (text, keyboard) = self.confirmation_screen(cx, &draft, avatar.as_ref(), &offer, after);
        cx.edit_or_send(message, noted(note, text), Some(keyboard));
        Ok(())
    }

    /// The confirmation's text and buttons: what will be made, the price and the balance after.
    fn confirmation_screen(
        &self,
        cx: &Ctx,
        draft: &Draft,
        avatar: Option<&Avatar>,
        offer: &Offer,
        after: Coins,
    ) -> (String, Keyboard) {
        let t = cx.t;
        let (aspect, count) = (draft.aspect.expect("set"), draft.count.expect("set"));
        let text = match (avatar, draft.model) {
            (Some(a), _) => tr!(
                t,
                "confirm-with-me",
                name = &escape(a.name.as_str()),
                prompt = &escape(draft.prompt.as_str()),
                aspect = &aspect,
                count = &count.get(),
                price = &offer.quote.total,
                unit_price = &offer.quote.unit_price,
                balance_after = &after
            ),
            (None, model) => tr!(
                t,
                "confirm",
                prompt = &escape(draft.prompt.as_str()),
                aspect = &aspect,
                count = &count.get(),
                model = &escape(
                    &self.generation.catalog().display_name(model.expect("set").as_str(), cx.user.settings.language),
                ),
                price = &offer.quote.total,
                balance_after = &after
            ),
        };
        let text = match &draft.sent {
            Some(english) => format!("{text}\n\n{}", tr!(t, "confirm-sent", english = &escape(english.as_str()))),
            None => text,
        };
        let mut keyboard =
            vec![vec![button(tr!(t, "btn-confirm", price = &offer.quote.total), Cb::Confirm(draft.job))]];
        if draft.sent.is_some() {
            keyboard.push(vec![button(tr!(t, "btn-send-own"), Cb::SendOwn)]);
        } else if self.assistant.is_some() {
            keyboard.push(vec![button(tr!(t, "btn-improve"), Cb::Improve)]);
        }
        keyboard.push(vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]);
        (text, keyboard)
    }

    /// Photos with an avatar: a description not in English is translated (and lightly
    /// enriched) before the confirmation, since FLUX reads English — once per draft, unless
    /// the user turned it off in the settings. The draft is stored with the translation, so
    /// the confirmation's button starts exactly what was shown. A refusal is returned as a
    /// line for the screen; the user's own words are then sent.
    async fn translate(&self, cx: &mut Ctx, draft: &mut Draft) -> Result<Option<String>, StoreError> {
        use aisha_domain::assistant::{Question, Task, needs_translation};
        use aisha_domain::services::assistant::HelpRefusal;
        let Some(help) = &self.assistant else { return Ok(None) };
        if draft.avatar.is_none()
            || draft.sent.is_some()
            || draft.untranslated
            || !cx.user.settings.translate_prompts
            || !needs_translation(&draft.prompt)
        {
            return Ok(None);
        }
        let t = cx.t;
        let question = Question { task: Task::AvatarPrompt, text: draft.prompt.as_str().to_owned(), photo: None };
        let why = match help.ask(cx.user.id, question).await {
            Ok(english) => {
                draft.sent = Some(english);
                None
            }
            Err(refusal) => {
                draft.untranslated = true;
                Some(match refusal {
                    HelpRefusal::DailyLimit { .. } => tr!(t, "translate-limit"),
                    HelpRefusal::Unavailable | HelpRefusal::Off => tr!(t, "translate-down"),
                    HelpRefusal::Unusable => tr!(t, "translate-unusable"),
                })
            }
        };
        self.set_dialogue(cx, &Dialogue::Create { draft: draft.clone() }).await?;
        Ok(why)
    }

    /// ✨: the assistant rewrites the draft's description (in English for a photo with an
    /// avatar, which FLUX reads best) and the user takes it or keeps theirs. Whatever goes
    /// wrong, the order stays as it was, with a line saying why.
    pub(super) async fn improve(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        mut draft: Draft,
    ) -> Result<(), StoreError> {
        use aisha_domain::assistant::{Question, Task};
        use aisha_domain::services::assistant::HelpRefusal;
        let t = cx.t;
        let Some(help) = &self.assistant else { return self.confirmation(cx, message, &draft, None).await };
        let task = if draft.avatar.is_some() { Task::AvatarPrompt } else { Task::ImprovePrompt };
        let question = Question { task, text: draft.prompt.as_str().to_owned(), photo: None };
        match help.ask(cx.user.id, question).await {
            Ok(proposal) if proposal != draft.prompt => {
                let text =
                    tr!(t, "improved", proposal = &escape(proposal.as_str()), prompt = &escape(draft.prompt.as_str()));
                draft.proposal = Some(proposal);
                self.set_dialogue(cx, &Dialogue::Create { draft }).await?;
                let keyboard = vec![
                    vec![
                        button(tr!(t, "btn-improve-take"), Cb::ImproveTake),
                        button(tr!(t, "btn-improve-keep"), Cb::ImproveKeep),
                    ],
                    vec![button(tr!(t, "btn-cancel"), Cb::Cancel)],
                ];
                cx.edit_or_send(message, text, Some(keyboard));
                Ok(())
            }
            refused => {
                let note = match refused {
                    Err(HelpRefusal::DailyLimit { .. }) => tr!(t, "improve-limit"),
                    Err(HelpRefusal::Unavailable | HelpRefusal::Off) => tr!(t, "improve-down"),
                    _ => tr!(t, "improve-unusable"),
                };
                self.confirmation(cx, message, &draft, Some(note.to_owned())).await
            }
        }
    }

    pub(super) async fn confirm(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        job: JobId,
        draft: Option<Draft>,
    ) -> Result<Option<String>, StoreError> {
        let Some(draft) = draft.filter(|d| d.job == job) else {
            // pressed again after the job started: show where it is instead of starting another
            return Ok(Some(match self.jobs.get(cx.user.id, job).await? {
                Some(_) => tr!(cx.t, "job-ended"),
                None => tr!(cx.t, "outdated"),
            }));
        };
        let Some(spec) = draft.spec() else { return Ok(Some(tr!(cx.t, "outdated"))) };
        match self.generation.start(cx.user.id, job, spec, message.map(|m| m.0)).await {
            Ok(job) => {
                self.clear_dialogue(cx).await?;
                // the job is paid for: a kept order that outlives this is only a stale offer
                if let Err(e) = self.drop_kept_order(cx).await {
                    tracing::warn!(user = %cx.user.id, error = %e, "job started; the kept order stays until it expires");
                }
                let (text, keyboard) = status_screen(cx.t, &job, self.generation.env.now());
                cx.edit_or_send(message, text, keyboard);
                cx.out.push(Outgoing::normal(Reply::Action { chat: cx.chat, action: ChatAction::UploadPhoto }));
            }
            Err(StartError::InsufficientFunds { price, balance }) => {
                self.not_enough(cx, message, &draft, price, balance, None).await?;
            }
            Err(StartError::TooManyInFlight { limit }) => return Ok(Some(tr!(cx.t, "too-many", limit = &limit))),
            Err(StartError::ModelUnavailable(_)) => {
                self.advance_draft(cx, message, Draft { model: None, ..draft }).await?;
            }
            Err(StartError::Avatar(_)) => return Ok(Some(tr!(cx.t, "not-found"))),
            Err(StartError::Store(e)) => return Err(e),
        }
        Ok(None)
    }
}
