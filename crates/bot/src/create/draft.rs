//! The draft's steps: the description (typed, or described from a photo by the assistant),
//! then format, count and model, each asked until chosen; text typed while a button is expected.

use super::noted;
use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::{Dialogue, Draft};
use crate::html::escape;
use crate::io::{Keyboard, MessageId};
use crate::texts::tr;
use aisha_domain::ports::StoreError;
use aisha_domain::{AspectRatio, AvatarId, ImageCount, JobId, ModelKey, Prompt, ValidationError};

impl Bot {
    pub(crate) async fn ask_prompt(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        like: Option<(AspectRatio, ImageCount, ModelKey)>,
    ) -> Result<(), StoreError> {
        self.set_dialogue(cx, &Dialogue::Prompt { like, avatar: None, style: None }).await?;
        let mut row = Vec::new();
        if self.has_styles(None) {
            row.push(button(tr!(cx.t, "btn-styles"), Cb::Styles(0)));
        }
        // someone with a trained avatar is offered photos of themselves right here
        if self.avatars.list(cx.user.id).await?.iter().any(aisha_domain::Avatar::is_usable) {
            row.push(button(tr!(cx.t, "btn-with-me"), Cb::WithMe));
        }
        let mut keyboard = vec![row, vec![button(tr!(cx.t, "btn-cancel"), Cb::Cancel)]];
        keyboard.retain(|r| !r.is_empty());
        let text = format!("{}\n\n{}", tr!(cx.t, "ask-prompt"), self.price_from(cx).await?);
        cx.edit_or_send(message, text, Some(keyboard));
        Ok(())
    }

    /// What Create costs at least, and what the user has: said before any effort.
    async fn price_from(&self, cx: &Ctx) -> Result<String, StoreError> {
        let balance = self.ledger.balance(cx.user.id).await?;
        Ok(tr!(cx.t, "price-from", price = &self.generation.catalog().cheapest_price(), balance = &balance))
    }

    /// A message outside any dialogue: a description that starts Create, as the welcome
    /// promises. One that is too short or too long is explained as in Create, whose question
    /// is then open (so Cancel has something to cancel and the next message is the prompt).
    pub(crate) async fn free_text(&self, cx: &mut Ctx, text: &str) -> Result<(), StoreError> {
        if Prompt::parse(text).is_err() {
            self.set_dialogue(cx, &Dialogue::Prompt { like: None, avatar: None, style: None }).await?;
        }
        self.prompt_given(cx, text, None, None).await
    }

    /// Text while Create waits for a button: a valid description replaces the draft's (the
    /// step stays); anything else is told which button is expected.
    pub(crate) async fn text_during_choice(
        &self,
        cx: &mut Ctx,
        text: &str,
        mut draft: Draft,
    ) -> Result<(), StoreError> {
        let t = cx.t;
        let note = match Prompt::parse(text) {
            Ok(prompt) => {
                draft.prompt = prompt;
                // a new description is translated afresh (or not at all, if it reads English)
                (draft.sent, draft.untranslated) = (None, false);
                // a confirmation already on screen showed the old description: its button
                // must not start the new one
                draft.job = JobId(self.generation.env.ids.new_uuid());
                tr!(t, "prompt-replaced")
            }
            Err(ValidationError::PromptTooLong { max, got }) => tr!(t, "prompt-too-long", length = &got, max = &max),
            Err(_) => {
                let step = match (draft.aspect, draft.count) {
                    (None, _) => tr!(t, "expect-aspect"),
                    (Some(_), None) => tr!(t, "expect-count"),
                    _ if draft.model.is_none() && draft.avatar.is_none() => tr!(t, "expect-model"),
                    _ => tr!(t, "expect-confirm"),
                };
                tr!(t, "expect-button", step = &step)
            }
        };
        self.show_draft(cx, None, draft, Some(note)).await
    }

    /// A photo sent where a description is asked for: the assistant describes it as one
    /// (for photos with an avatar: the scene, clothing, light and framing, not the stranger's
    /// face), the user sees it, and the order goes on as if they had typed it — a description
    /// typed at the next steps replaces it. Whatever goes wrong, the question stays open.
    pub(crate) async fn prompt_from_photo(
        &self,
        cx: &mut Ctx,
        items: Vec<crate::io::AlbumItem>,
        like: Option<(AspectRatio, ImageCount, ModelKey)>,
        avatar: Option<AvatarId>,
    ) -> Result<(), StoreError> {
        use aisha_domain::assistant::{Question, Task};
        use aisha_domain::services::assistant::HelpRefusal;
        let t = cx.t;
        let (Some(help), Some(item)) = (&self.assistant, items.first()) else { return Ok(()) };
        let keep_asking = vec![vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]];
        let max = self.avatars.rules.max_bytes;
        let bytes = match self.files.fetch(&item.file.file_id, max).await {
            Ok(bytes) => bytes,
            Err(_) => {
                cx.send(tr!(t, "photo-prompt-unreadable"), Some(keep_asking));
                return Ok(());
            }
        };
        let task = if avatar.is_some() { Task::SceneFromPhoto } else { Task::PromptFromPhoto };
        match help.ask(cx.user.id, Question { task, text: String::new(), photo: Some(bytes) }).await {
            Ok(prompt) => {
                cx.send(tr!(t, "photo-prompt-made", prompt = &escape(prompt.as_str())), None);
                self.prompt_given(cx, prompt.as_str(), like, avatar).await
            }
            Err(refusal) => {
                let why = match refusal {
                    HelpRefusal::DailyLimit { .. } => tr!(t, "improve-limit"),
                    HelpRefusal::Unavailable | HelpRefusal::Off => tr!(t, "improve-down"),
                    HelpRefusal::Unusable => tr!(t, "improve-unusable"),
                };
                cx.send(format!("{why}\n{}", tr!(t, "photo-prompt-type-instead")), Some(keep_asking));
                Ok(())
            }
        }
    }

    pub(crate) async fn prompt_given(
        &self,
        cx: &mut Ctx,
        text: &str,
        like: Option<(AspectRatio, ImageCount, ModelKey)>,
        avatar: Option<AvatarId>,
    ) -> Result<(), StoreError> {
        let prompt = match Prompt::parse(text) {
            Ok(p) => p,
            Err(ValidationError::PromptTooShort { min }) => {
                let reply = tr!(cx.t, "prompt-too-short", min = &min);
                cx.send(reply, Some(vec![vec![button(tr!(cx.t, "btn-cancel"), Cb::Cancel)]]));
                return Ok(());
            }
            Err(ValidationError::PromptTooLong { max, got }) => {
                let reply = tr!(cx.t, "prompt-too-long", length = &got, max = &max);
                cx.send(reply, Some(vec![vec![button(tr!(cx.t, "btn-cancel"), Cb::Cancel)]]));
                return Ok(());
            }
            Err(other) => {
                // a description is only ever too short or too long; anything else is a bug
                tracing::error!(error = %other, "a description was refused for a reason the bot does not word");
                cx.send(tr!(cx.t, "error"), None);
                return Ok(());
            }
        };
        let defaults = cx.user.settings.defaults;
        let quick = cx.user.settings.quick_mode;
        let (aspect, count, model) = match like {
            Some((a, c, m)) => (Some(a), Some(c), Some(m)),
            None if quick => (Some(defaults.aspect), Some(defaults.count), Some(defaults.model)),
            None => (None, None, None),
        };
        // photos with an avatar have no model to choose
        let model = model.filter(|_| avatar.is_none());
        let draft = Draft {
            prompt,
            aspect,
            count,
            model,
            job: JobId(self.generation.env.ids.new_uuid()),
            avatar,
            proposal: None,
            sent: None,
            untranslated: false,
        };
        self.advance_draft(cx, None, draft).await
    }

    /// Shows the next question of the draft, or the confirmation once everything is chosen.
    pub(super) async fn advance_draft(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        draft: Draft,
    ) -> Result<(), StoreError> {
        self.show_draft(cx, message, draft, None).await
    }

    /// `advance_draft` with a line above the screen (why it is shown again).
    pub(super) async fn show_draft(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        mut draft: Draft,
        note: Option<String>,
    ) -> Result<(), StoreError> {
        let catalog = self.generation.catalog();
        // a model disabled since it was chosen (a draft, Again, a default) is asked for again
        let mut gone = false;
        if let (Some(key), Some(aspect), Some(count)) = (draft.model, draft.aspect, draft.count)
            && !catalog.offered(key).is_some_and(|m| m.accepts(aspect, count))
        {
            // a default that is simply out of date gives way to the catalog's default
            let fallback = catalog.default_model();
            draft.model =
                (key == cx.user.settings.defaults.model && fallback.accepts(aspect, count)).then_some(fallback.key);
            gone = draft.model.is_none();
        }
        self.set_dialogue(cx, &Dialogue::Create { draft: draft.clone() }).await?;
        let t = cx.t;
        let cancel = vec![button(tr!(t, "btn-cancel"), Cb::Cancel)];
        // a description is offered only what some enabled model can make; photos with an
        // avatar (flux-lora) take every format and 1 to 4
        let by_catalog = draft.avatar.is_none();
        let (text, keyboard): (String, Keyboard) = match (draft.aspect, draft.count) {
            (None, _) => {
                let row = AspectRatio::ALL
                    .iter()
                    .filter(|a| !by_catalog || catalog.enabled().any(|m| m.aspects.contains(a)))
                    .map(|a| button(a.as_str(), Cb::Aspect(*a)))
                    .collect();
                let text = match by_catalog {
                    true => format!("{}\n\n{}", tr!(t, "ask-aspect"), self.price_from(cx).await?),
                    false => tr!(t, "ask-aspect"),
                };
                (text, vec![row, cancel])
            }
            (Some(aspect), None) => {
                let most = match by_catalog {
                    true => catalog.enabled().filter(|m| m.aspects.contains(&aspect)).map(|m| m.max_images).max(),
                    false => Some(ImageCount::MAX),
                };
                let row = (1..=most.unwrap_or(1)).map(|n| button(n.to_string(), Cb::Count(n))).collect();
                (tr!(t, "ask-count"), vec![row, cancel])
            }
            (Some(aspect), Some(count)) if draft.model.is_none() && draft.avatar.is_none() => {
                let language = cx.user.settings.language;
                let mut rows: Keyboard = catalog
                    .enabled()
                    .filter(|m| m.accepts(aspect, count))
                    .map(|m| {
                        vec![button(
                            tr!(t, "model-button", model = &m.name(language), price = &m.price),
                            Cb::Model(m.key),
                        )]
                    })
                    .collect();
                rows.push(cancel);
                (if gone { tr!(t, "model-gone") } else { tr!(t, "ask-model") }, rows)
            }
            _ => return self.confirmation(cx, message, &draft, note).await,
        };
        cx.edit_or_send(message, noted(note, text), Some(keyboard));
        Ok(())
    }
}
