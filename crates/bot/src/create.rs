//! Create: description → format → count → model (from the catalog) → confirmation with the price → a job whose
//! progress message the runner's notices keep up to date.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::{Dialogue, Draft};
use crate::html::escape;
use crate::io::{ChatAction, Keyboard, Media, MessageId, Outgoing, Reply};
use crate::texts::{Texts, tr};
use aisha_domain::gallery::{ImageKind, ImageRecord};
use aisha_domain::generation::{FailureKind, JobSpec};
use aisha_domain::ports::StoreError;
use aisha_domain::services::generation::StartError;
use aisha_domain::services::runner::Cancel;
use aisha_domain::session::{self, SessionKey};
use aisha_domain::{AspectRatio, AvatarId, ImageCount, Job, JobId, JobStatus, ModelKey, Prompt, ValidationError};
use chrono::{DateTime, Utc};

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

    // ---- the order kept while the user tops up

    async fn keep_order(&self, cx: &Ctx, draft: &Draft) -> Result<(), StoreError> {
        let key = SessionKey::order(cx.user.id);
        self.sessions.put(&key, session::encode(draft), self.config.dialogue_ttl).await
    }

    pub(crate) async fn kept_order(&self, user: aisha_domain::UserId) -> Result<Option<Draft>, StoreError> {
        let key = SessionKey::order(user);
        Ok(self.sessions.get(&key).await?.and_then(|raw| session::decode(&key, &raw)))
    }

    pub(crate) async fn drop_kept_order(&self, cx: &Ctx) -> Result<(), StoreError> {
        self.sessions.delete(&SessionKey::order(cx.user.id)).await
    }

    /// Too few coins for a complete draft: the draft is kept for after the top-up.
    async fn not_enough(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        draft: &Draft,
        price: aisha_domain::Coins,
        balance: aisha_domain::Coins,
        note: Option<String>,
    ) -> Result<(), StoreError> {
        self.keep_order(cx, draft).await?;
        let t = cx.t;
        let text = format!("{}\n\n{}", tr!(t, "not-enough", price = &price, balance = &balance), tr!(t, "order-kept"));
        let keyboard =
            vec![vec![button(tr!(t, "btn-top-up"), Cb::TopUp)], vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]];
        cx.edit_or_send(message, noted(note, text), Some(keyboard));
        Ok(())
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
    async fn advance_draft(&self, cx: &mut Ctx, message: Option<MessageId>, draft: Draft) -> Result<(), StoreError> {
        self.show_draft(cx, message, draft, None).await
    }

    /// `advance_draft` with a line above the screen (why it is shown again).
    async fn show_draft(
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

    async fn confirmation(
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
        let (aspect, count) = (draft.aspect.expect("set"), draft.count.expect("set"));
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
        let draft = &draft;
        let text = match (&avatar, draft.model) {
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
        cx.edit_or_send(message, noted(note, text), Some(keyboard));
        Ok(())
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
    async fn improve(&self, cx: &mut Ctx, message: Option<MessageId>, mut draft: Draft) -> Result<(), StoreError> {
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
            (Cb::Resume, _) => match self.kept_order(cx.user.id).await? {
                // a new message: the receipt it was pressed on stays as it is
                Some(kept) => self.advance_draft(cx, None, kept).await?,
                None => {
                    cx.send(tr!(cx.t, "outdated"), None);
                    self.show_menu(cx, None).await?;
                }
            },
            (Cb::Improve, Some(d)) if d.spec().is_some() => self.improve(cx, message, d).await?,
            (Cb::SendOwn, Some(mut d)) if d.sent.is_some() => {
                d.sent = None;
                d.untranslated = true;
                // the confirmation on screen named the translation: its button must not start this
                d.job = JobId(self.generation.env.ids.new_uuid());
                self.advance_draft(cx, message, d).await?;
            }
            (Cb::ImproveTake, Some(mut d)) if d.proposal.is_some() => {
                d.prompt = d.proposal.take().expect("checked");
                (d.sent, d.untranslated) = (None, false);
                // a new job id: a confirmation shown before the change starts nothing
                d.job = JobId(self.generation.env.ids.new_uuid());
                self.advance_draft(cx, message, d).await?;
            }
            (Cb::ImproveKeep | Cb::ImproveTake, Some(mut d)) => {
                d.proposal = None;
                self.advance_draft(cx, message, d).await?;
            }
            (Cb::Aspect(a), Some(mut d)) => {
                d.aspect = Some(a);
                self.advance_draft(cx, message, d).await?;
            }
            (Cb::Count(n), Some(mut d)) => {
                d.count = ImageCount::new(n).ok();
                self.advance_draft(cx, message, d).await?;
            }
            (Cb::Model(k), Some(mut d)) => {
                d.model = Some(k);
                self.advance_draft(cx, message, d).await?;
            }
            (Cb::Confirm(job), draft) => return self.confirm(cx, message, job, draft).await,
            (Cb::CancelJob(job), _) => return self.cancel_job(cx, message, job).await,
            (Cb::Again(job), _) | (Cb::EditPrompt(job), _) => {
                let Some(old) = self.jobs.get(cx.user.id, job).await? else {
                    return Ok(Some(tr!(cx.t, "not-found")));
                };
                let (prompt, aspect, count, model, avatar) = match old.spec {
                    JobSpec::Text { prompt, aspect, count, model } => (prompt, aspect, count, Some(model), None),
                    JobSpec::AvatarPhotos { avatar, prompt, aspect, count } => {
                        (prompt, aspect, count, None, Some(avatar))
                    }
                    JobSpec::Training { .. } => return Ok(Some(tr!(cx.t, "not-found"))),
                };
                if matches!(cb, Cb::EditPrompt(_)) {
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
            }
            (Cb::AgainImage(image), _) => {
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
            }
            (Cb::ResultFavorite(image), _) => {
                let Some(img) = self.gallery.image(&cx.user, image).await? else {
                    return Ok(Some(tr!(cx.t, "not-found")));
                };
                self.gallery.gallery.set_favorite(cx.user.id, image, !img.favorite).await?;
                if let (Some(message), Some(job)) = (message, img.job) {
                    let images = self.job_images(cx, job).await?;
                    if let Some(done) = self.jobs.get(cx.user.id, job).await? {
                        let keyboard = result_keyboard(cx.t, &done, &images);
                        cx.out.push(Outgoing::normal(Reply::EditKeyboard {
                            chat: cx.chat,
                            message,
                            keyboard: Some(keyboard),
                        }));
                    }
                }
                return Ok(Some(if img.favorite { tr!(cx.t, "unfavorited") } else { tr!(cx.t, "favorited") }));
            }
            // a draft button after the draft is gone (cancelled, expired, finished)
            (_, None) => {
                cx.out.push(Outgoing::normal(Reply::SendText {
                    chat: cx.chat,
                    text: tr!(cx.t, "outdated"),
                    keyboard: None,
                }));
                self.show_menu(cx, None).await?;
            }
            // a button of an earlier state of this draft (✨ before every choice, «Без
            // перевода» pressed twice): the draft's current step again
            (_, Some(d)) => self.advance_draft(cx, message, d).await?,
        }
        Ok(None)
    }

    async fn confirm(
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

/// A screen shown again, with why above it.
fn noted(note: Option<String>, text: String) -> String {
    match note {
        Some(note) => format!("{note}\n\n{text}"),
        None => text,
    }
}

/// The progress message of a job that has not ended.
pub(crate) fn status_screen(t: &Texts, job: &Job, now: DateTime<Utc>) -> (String, Option<Keyboard>) {
    if let JobSpec::Training { avatar } = job.spec {
        return training_status_screen(t, job, avatar, now);
    }
    let text = match job.status {
        JobStatus::Pending => tr!(t, "status-pending"),
        JobStatus::Queued => tr!(t, "status-queued", position = &queue_position(t, job)),
        _ => tr!(t, "status-running"),
    };
    let keyboard = matches!(job.status, JobStatus::Pending | JobStatus::Queued)
        .then(|| vec![vec![button(tr!(t, "btn-cancel-job"), Cb::CancelJob(job.id))]]);
    (text, keyboard)
}

/// " — 3 ahead of you" when the provider says how many jobs wait before this one; nothing otherwise.
fn queue_position(t: &Texts, job: &Job) -> String {
    job.queue_position.filter(|p| *p > 0).map(|p| tr!(t, "status-position", ahead = &p)).unwrap_or_default()
}

/// "less than a minute", "3 minutes", "1 hour", "1 hour 5 minutes".
pub(crate) fn elapsed(t: &Texts, since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    if minutes == 0 {
        tr!(t, "elapsed-moment")
    } else if minutes < 60 {
        tr!(t, "elapsed-minutes", minutes = &minutes)
    } else if minutes % 60 == 0 {
        tr!(t, "elapsed-whole-hours", hours = &(minutes / 60))
    } else {
        tr!(t, "elapsed-hours", hours = &(minutes / 60), minutes = &(minutes % 60))
    }
}

/// A training's progress: its state, the time since it was paid for, Cancel (while the
/// provider can still be asked to stop) and the avatar's card.
fn training_status_screen(t: &Texts, job: &Job, avatar: AvatarId, now: DateTime<Utc>) -> (String, Option<Keyboard>) {
    let state = if job.cancel_requested {
        tr!(t, "training-cancelling")
    } else {
        match job.status {
            JobStatus::Pending => tr!(t, "training-pending"),
            JobStatus::Queued => tr!(t, "training-queued", position = &queue_position(t, job)),
            _ => tr!(t, "training-running"),
        }
    };
    let text = tr!(t, "training-status", state = &state, elapsed = &elapsed(t, job.created_at, now));
    let mut rows = Vec::new();
    if !job.cancel_requested && !job.status.is_terminal() {
        rows.push(vec![button(tr!(t, "btn-cancel-training"), Cb::CancelJob(job.id))]);
    }
    rows.push(vec![button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(avatar))]);
    (text, Some(rows))
}

/// The reason a job failed, in words.
fn failure_reason(t: &Texts, job: &Job) -> String {
    let failure = job.failure.as_ref();
    match failure.map(|f| f.kind) {
        Some(FailureKind::ContentPolicy) => tr!(t, "fail-policy"),
        Some(FailureKind::InvalidInput) => {
            // the provider's own words (its schema's field names, in English) stay in the log
            tr!(t, "fail-params")
        }
        Some(FailureKind::Nsfw) => tr!(t, "fail-nsfw"),
        Some(FailureKind::NoResult) => tr!(t, "fail-no-result"),
        Some(FailureKind::TimedOut) => tr!(t, "fail-timeout"),
        Some(FailureKind::Cancelled) => tr!(t, "fail-cancelled"),
        Some(FailureKind::ProviderUnavailable) | None => tr!(t, "fail-outage"),
    }
}

/// What a failed, timed-out or cancelled job says: the reason, and that the coins came back.
pub(crate) fn failure_screen(t: &Texts, job: &Job) -> (String, Option<Keyboard>) {
    if let JobSpec::Training { .. } = job.spec {
        return training_failure_screen(t, job, None);
    }
    let text = format!("{}\n{}", failure_reason(t, job), tr!(t, "refunded", coins = &job.refunded));
    let mut rows = Vec::new();
    if matches!(job.spec, JobSpec::Text { .. } | JobSpec::AvatarPhotos { .. }) {
        rows.push(vec![
            button(tr!(t, "btn-again"), Cb::Again(job.id)),
            button(tr!(t, "btn-edit-prompt"), Cb::EditPrompt(job.id)),
        ]);
    }
    rows.push(vec![button(tr!(t, "btn-menu"), Cb::Menu)]);
    (text, Some(rows))
}

/// A training that ended without a LoRA: why (or that it was cancelled) and the refund, with
/// the way back to the avatar, whose photos can be changed and trained again.
pub(crate) fn training_failure_screen(t: &Texts, job: &Job, name: Option<&str>) -> (String, Option<Keyboard>) {
    let name = escape(&name.map_or_else(|| tr!(t, "avatar-fallback"), str::to_owned));
    let refunded = tr!(t, "refunded", coins = &job.refunded);
    let text = match job.failure.as_ref().map(|f| f.kind) {
        Some(FailureKind::Cancelled) => tr!(t, "training-cancelled", name = &name, refunded = &refunded),
        _ => tr!(t, "training-failed", name = &name, reason = &failure_reason(t, job), refunded = &refunded),
    };
    let mut rows = Vec::new();
    if let JobSpec::Training { avatar } = job.spec {
        rows.push(vec![button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(avatar))]);
    }
    rows.push(vec![button(tr!(t, "btn-menu"), Cb::Menu)]);
    (text, Some(rows))
}

/// The buttons under a finished job's images.
pub(crate) fn result_keyboard(t: &Texts, job: &Job, images: &[ImageRecord]) -> Keyboard {
    let mut rows = Vec::new();
    if matches!(job.spec, JobSpec::Text { .. } | JobSpec::AvatarPhotos { .. }) {
        rows.push(vec![
            button(tr!(t, "btn-again"), Cb::Again(job.id)),
            button(tr!(t, "btn-edit-prompt"), Cb::EditPrompt(job.id)),
        ]);
    }
    if !images.is_empty() {
        rows.push(
            images
                .iter()
                .enumerate()
                .map(|(n, i)| {
                    let label = match i.favorite {
                        true => tr!(t, "btn-unfavorite", number = n + 1),
                        false => tr!(t, "btn-favorite", number = n + 1),
                    };
                    button(label, Cb::ResultFavorite(i.id))
                })
                .collect(),
        );
        let originals = if images.len() == 1 { tr!(t, "btn-original") } else { tr!(t, "btn-originals") };
        rows.push(vec![button(originals, Cb::Originals(job.id))]);
        rows.push(vec![
            button(tr!(t, "btn-gallery"), Cb::Open(images[images.len() - 1].id)),
            button(tr!(t, "btn-menu"), Cb::Menu),
        ]);
    } else {
        rows.push(vec![button(tr!(t, "btn-menu"), Cb::Menu)]);
    }
    rows
}

/// The replies that deliver a finished job: the images the chat does not hold yet (an album
/// when more than one), then a message with what happened and the buttons.
/// `balance`: the owner's balance now, shown under the result when it could be read.
pub(crate) fn delivery(
    t: &Texts,
    chat: crate::io::ChatId,
    job: &Job,
    images: &[ImageRecord],
    balance: Option<aisha_domain::Coins>,
) -> Vec<Outgoing> {
    let mut out = Vec::new();
    if let Some(message) = job.status_message {
        out.push(Outgoing::normal(Reply::Delete { chat, message: MessageId(message) }));
    }
    // A photo with a Telegram file id is already in this chat: sent with the result before a
    // crash stopped the rest (the outcome is then sent again), or shown in the gallery since.
    // Telegram takes an album whole or not at all, so one such photo means the album went out
    // (even if the crash came before every file id was recorded): no photo is sent again. The
    // buttons still cover every image.
    let shown = images.iter().any(|i| i.telegram_file_id.is_some());
    let fresh: Vec<&ImageRecord> = if shown { Vec::new() } else { images.iter().collect() };
    let media = |i: &ImageRecord| Media::Stored { key: i.object.key.clone(), image: Some(i.id) };
    match fresh.as_slice() {
        [] => {}
        [one] => {
            out.push(Outgoing::critical(Reply::SendPhoto { chat, photo: media(one), caption: None, keyboard: None }))
        }
        many => out.push(Outgoing::critical(Reply::SendAlbum {
            chat,
            photos: many.iter().map(|i| (media(i), None)).collect(),
        })),
    }
    let mut text = tr!(t, "result", delivered = &job.delivered, ordered = &job.quote.units);
    if !job.refunded.is_zero() {
        text.push('\n');
        text.push_str(&tr!(t, "result-partial", failed = &(job.quote.units - job.delivered), coins = &job.refunded));
    }
    if let Some(balance) = balance {
        text.push('\n');
        text.push_str(&tr!(t, "result-balance", balance = &balance));
    }
    out.push(Outgoing::critical(Reply::SendText { chat, text, keyboard: Some(result_keyboard(t, job, images)) }));
    out
}
