//! Taking an update to its handler: commands, text (by the open dialogue), photos, button
//! presses (decoded, then routed by area), payments; and the apology when a handler fails.

use super::{Bot, Ctx};
use crate::callback::Cb;
use crate::dialogue::Dialogue;
use crate::io::{AlbumItem, ChatId, Event, MessageId, Outgoing, Reply, Update};
use crate::texts::{texts, tr};
use aisha_domain::ports::StoreError;

/// The main-menu button whose label this text is, in either language (the balance button
/// carries a number, so only its start is compared).
fn menu_label(text: &str) -> Option<Cb> {
    let text = text.trim();
    [aisha_domain::Language::Ru, aisha_domain::Language::En].into_iter().map(texts).find_map(|t| {
        // The label with an empty balance: its start.
        let balance = tr!(t, "btn-balance", balance = "");
        [
            (tr!(t, "btn-create"), Cb::Create),
            (tr!(t, "btn-gallery"), Cb::Gallery),
            (tr!(t, "btn-avatars"), Cb::Avatars),
            (tr!(t, "btn-settings"), Cb::Settings),
            (tr!(t, "btn-help"), Cb::Help),
            (tr!(t, "btn-menu"), Cb::Menu),
        ]
        .into_iter()
        .find(|(label, _)| *label == text)
        .map(|(_, cb)| cb)
        .or_else(|| (!balance.trim().is_empty() && text.starts_with(balance.trim_end())).then_some(Cb::Balance))
    })
}

/// The gallery's own buttons, pressed on a card or its filter screens.
fn gallery_navigation(cb: Cb) -> bool {
    matches!(
        cb,
        Cb::GalleryReset
            | Cb::Newer
            | Cb::Older
            | Cb::Step(_)
            | Cb::Open(_)
            | Cb::Favorite(_)
            | Cb::Prompt(_)
            | Cb::Delete(_)
            | Cb::DeleteYes(_)
            | Cb::Card
            | Cb::Filters
            | Cb::Stats
            | Cb::FilterType(_)
            | Cb::FilterAvatarMenu
            | Cb::FilterAvatar(_)
            | Cb::FilterFavorites(_)
            | Cb::FilterDateMenu
            | Cb::FilterDate(_)
            | Cb::FilterReset
    )
}

impl Bot {
    /// Answers one update. Never panics on input; a store failure becomes an apology that
    /// says nothing was lost (every money change is a single transaction).
    pub async fn handle(&self, update: Update) -> Vec<Outgoing> {
        let t = texts(aisha_domain::Language::from_telegram(update.from.language_code.as_deref()));
        if let Event::Payment { chat, .. } = update.event {
            // a transport that can leave the update unconfirmed calls `handle_payment` itself
            return self.handle_payment(update).await.unwrap_or_else(|_| {
                vec![Outgoing::critical(Reply::SendText { chat, text: tr!(t, "error"), keyboard: None })]
            });
        }
        let query_id = match &update.event {
            Event::Callback { query_id, .. } => Some(query_id.clone()),
            _ => None,
        };
        let pre_checkout = match &update.event {
            Event::PreCheckout { query_id, .. } => Some(query_id.clone()),
            _ => None,
        };
        let chat = update.event.chat();
        let handled = match Self::step_pressed(&update) {
            Some(step) => self.step(update, step).await,
            None => self.handle_inner(update).await,
        };
        match handled {
            Ok(out) => out,
            Err(e) => {
                tracing::error!(error = %e, "update failed");
                let mut out = Vec::new();
                if let Some(id) = query_id {
                    out.push(Outgoing::critical(Reply::AnswerCallback {
                        query_id: id,
                        text: Some(tr!(t, "error")),
                        alert: true,
                    }));
                } else if let Some(id) = pre_checkout {
                    // refusing is safe: no money has moved yet
                    out.push(Outgoing::critical(Reply::AnswerPreCheckout {
                        query_id: id,
                        ok: false,
                        error: Some(tr!(t, "error")),
                    }));
                } else if let Some(chat) = chat {
                    out.push(Outgoing::critical(Reply::SendText { chat, text: tr!(t, "error"), keyboard: None }));
                }
                out
            }
        }
    }

    /// The user as registered now (created, or their profile brought up to date), unblocked:
    /// they wrote to us, so Telegram delivers to them again.
    pub(crate) async fn registered(
        &self,
        profile: aisha_domain::user::Profile,
    ) -> Result<aisha_domain::services::accounts::Registered, StoreError> {
        let mut registered = self.accounts.register(profile).await?;
        if registered.user.blocked {
            self.users.set_blocked(registered.user.id, false).await?;
            registered.user.blocked = false;
        }
        Ok(registered)
    }

    async fn handle_inner(&self, update: Update) -> Result<Vec<Outgoing>, StoreError> {
        let registered = self.registered(update.from.clone()).await?;
        let user = registered.user;
        let chat = update.event.chat().unwrap_or(ChatId(user.profile.telegram_id.get()));
        let t = texts(user.settings.language);
        let mut cx = Ctx { user, chat, t, out: Vec::new() };
        match update.event {
            Event::Command { name, args, .. } => {
                let welcome = registered.created.then_some(registered.welcome);
                self.command(&mut cx, &name, &args, welcome).await?
            }
            Event::Text { text, .. } => self.text(&mut cx, &text).await?,
            Event::Photo { message, file, .. } => {
                self.files_received(&mut cx, vec![AlbumItem { message, file, is_document: false }]).await?
            }
            Event::Document { message, file, .. } => {
                self.files_received(&mut cx, vec![AlbumItem { message, file, is_document: true }]).await?
            }
            Event::Album { items, .. } => self.files_received(&mut cx, items).await?,
            Event::Callback { message, query_id, data, .. } => self.callback(&mut cx, message, query_id, &data).await?,
            Event::PreCheckout { query_id, currency, total_amount, payload } => {
                self.pre_checkout(&mut cx, query_id, &currency, total_amount, &payload).await
            }
            // handled in `handle`, before registration
            Event::Payment { .. } => {}
        }
        Ok(cx.out)
    }

    /// `welcome`: this update registered the user (with the gift it credited, if any).
    async fn command(
        &self,
        cx: &mut Ctx,
        name: &str,
        args: &str,
        welcome: Option<Option<aisha_domain::Coins>>,
    ) -> Result<(), StoreError> {
        // a command leaves whatever dialogue was open and does what it says; /cancel says
        // what it left
        if name != "cancel" {
            self.leave_dialogue(cx).await;
        }
        match name {
            "start" => {
                if let Some(gift) = welcome {
                    let mut hello = tr!(cx.t, "welcome", name = &crate::html::escape(&cx.user.profile.first_name));
                    if let Some(gift) = gift {
                        let enough = gift >= self.generation.catalog().cheapest_price();
                        hello.push_str("\n\n");
                        hello.push_str(&match enough {
                            true => tr!(cx.t, "gift-first-image", coins = gift),
                            false => tr!(cx.t, "gift-coins", coins = gift),
                        });
                    }
                    cx.send(hello, None);
                }
                self.show_menu(cx, None).await?;
            }
            "generate" | "create" => self.ask_prompt(cx, None, None).await?,
            "gallery" if args.trim().eq_ignore_ascii_case("grid") => {
                self.show_grid(cx, aisha_domain::services::gallery::GridFrom::Newest).await?
            }
            "gallery" => self.open_gallery(cx, None, false).await?,
            "avatars" => self.show_avatars(cx, None).await?,
            "balance" => self.show_balance(cx, None, 0).await?,
            "settings" => self.show_settings(cx, None).await?,
            "help" => self.show_help(cx, None),
            "cancel" => self.cancel_dialogue(cx).await?,
            "paysupport" => self.paysupport(cx).await?,
            "stats" => self.admin_stats(cx).await?,
            _ => {
                let _ = args;
                let text = tr!(cx.t, "unknown-command");
                cx.send(text, Some(self.menu_keyboard(cx).await?));
            }
        }
        Ok(())
    }

    async fn text(&self, cx: &mut Ctx, text: &str) -> Result<(), StoreError> {
        // a main-menu button's label, typed or sent by a client keyboard, is that button in
        // any dialogue
        if let Some(cb) = menu_label(text) {
            self.leave_dialogue(cx).await;
            if let Some(toast) = self.route(cx, None, cb).await? {
                cx.send(toast, None);
            }
            return Ok(());
        }
        match self.dialogue(cx).await? {
            Some(Dialogue::Prompt { like, avatar, style: Some(style) }) => {
                self.subject_given(cx, text, like, avatar, style).await
            }
            Some(Dialogue::Prompt { like, avatar, style: None }) => self.prompt_given(cx, text, like, avatar).await,
            Some(Dialogue::AvatarName) => self.avatar_name_given(cx, text).await,
            Some(Dialogue::Rename { avatar }) => self.rename_given(cx, avatar, text).await,
            Some(Dialogue::AvatarGender { name }) => self.ask_gender(cx, name, true).await,
            Some(Dialogue::Upload { avatar } | Dialogue::Train { avatar, .. }) => {
                self.waiting_for_photos(cx, avatar).await
            }
            Some(Dialogue::DateRange) => self.date_range_given(cx, text).await,
            Some(Dialogue::Promo { refused }) => {
                // after a refusal, a message that cannot be a code is not another attempt
                if refused && aisha_domain::PromoCode::parse(text).is_err() {
                    self.clear_dialogue(cx).await?;
                    return self.free_text(cx, text).await;
                }
                self.promo_given(cx, text).await
            }
            Some(Dialogue::Timezone) => self.timezone_given(cx, text).await,
            Some(Dialogue::Support) => self.support_given(cx, text).await,
            Some(Dialogue::Create { draft }) => self.text_during_choice(cx, text, draft).await,
            None => self.free_text(cx, text).await,
        }
    }

    async fn callback(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        query_id: String,
        data: &str,
    ) -> Result<(), StoreError> {
        let Some(cb) = Cb::decode(data) else {
            cx.out.push(Outgoing::normal(Reply::AnswerCallback {
                query_id,
                text: Some(tr!(cx.t, "outdated")),
                alert: false,
            }));
            return self.show_menu(cx, None).await;
        };
        // a main-menu button leaves any dialogue; any other button but its own leaves the promo
        // code and the support questions, so the next message is not taken for a code or sent
        // to the operators. Gallery navigation is the hot path (docs/performance.md counts its
        // Redis round trips) and does not read the dialogue for this: the gallery is reached
        // through a main-menu button or a command, which leave the question anyway.
        let leaves =
            matches!(cb, Cb::Menu | Cb::Create | Cb::Gallery | Cb::Avatars | Cb::Balance | Cb::Settings | Cb::Help)
                || (!matches!(cb, Cb::Promo | Cb::Cancel | Cb::Noop)
                    && !gallery_navigation(cb)
                    && matches!(self.dialogue(cx).await, Ok(Some(Dialogue::Promo { .. } | Dialogue::Support))));
        if leaves {
            self.leave_dialogue(cx).await;
        }
        // answered first so the client's spinner stops at once; a toast replaces it below when
        // a handler has something short to say
        let answer_at = cx.out.len();
        cx.out.push(Outgoing::normal(Reply::AnswerCallback { query_id: query_id.clone(), text: None, alert: false }));
        let toast = self.route(cx, message, cb).await?;
        if let Some(text) = toast {
            cx.out[answer_at] = Outgoing::normal(Reply::AnswerCallback { query_id, text: Some(text), alert: false });
        }
        Ok(())
    }

    /// Routes a decoded button; returns a short toast for the callback answer, if any.
    async fn route(&self, cx: &mut Ctx, message: Option<MessageId>, cb: Cb) -> Result<Option<String>, StoreError> {
        match cb {
            Cb::Menu => self.show_menu(cx, message).await?,
            Cb::Noop => {}
            Cb::Help => self.show_help(cx, message),
            Cb::Cancel => self.cancel_dialogue_in(cx, message).await?,
            Cb::Create
            | Cb::Aspect(_)
            | Cb::Count(_)
            | Cb::Model(_)
            | Cb::Confirm(_)
            | Cb::CancelJob(_)
            | Cb::Again(_)
            | Cb::EditPrompt(_)
            | Cb::Resume
            | Cb::Improve
            | Cb::ImproveTake
            | Cb::ImproveKeep
            | Cb::SendOwn
            | Cb::AgainImage(_)
            | Cb::ResultFavorite(_) => return self.create_button(cx, message, cb).await,
            Cb::Styles(_) | Cb::StylePreviews(_) | Cb::Style(_) | Cb::StylesBack => {
                return self.styles_button(cx, message, cb).await;
            }
            Cb::Original(_) | Cb::Originals(_) => return self.originals_button(cx, cb).await,
            Cb::GridOlder(id) => self.show_grid(cx, aisha_domain::services::gallery::GridFrom::OlderThan(id)).await?,
            Cb::GridNewer(id) => self.show_grid(cx, aisha_domain::services::gallery::GridFrom::NewerThan(id)).await?,
            Cb::Gallery
            | Cb::GalleryReset
            | Cb::Newer
            | Cb::Older
            | Cb::Step(_)
            | Cb::Open(_)
            | Cb::Favorite(_)
            | Cb::Prompt(_)
            | Cb::Delete(_)
            | Cb::DeleteYes(_)
            | Cb::Card
            | Cb::Filters
            | Cb::FilterType(_)
            | Cb::FilterAvatarMenu
            | Cb::FilterAvatar(_)
            | Cb::FilterFavorites(_)
            | Cb::FilterDateMenu
            | Cb::FilterDate(_)
            | Cb::FilterReset => return self.gallery_button(cx, message, cb).await,
            Cb::Stats => self.show_stats(cx).await?,
            // avatars
            Cb::Avatars => self.show_avatars(cx, message).await?,
            Cb::AvatarNew => self.ask_avatar_name(cx, message).await?,
            Cb::Gender(gender) => return self.gender_picked(cx, message, gender).await,
            Cb::AvatarOpen(id) => return self.show_avatar_card(cx, message, id).await,
            Cb::AvatarUpload(_) | Cb::AvatarReview(_) | Cb::AvatarShowPhotos(_) => {
                return self.avatar_photos_button(cx, message, cb).await;
            }
            Cb::PhotoRemove(photo) => return self.photo_remove(cx, message, photo).await,
            Cb::AvatarTrain(id) => return self.train_confirmation(cx, message, id).await,
            Cb::TrainConfirm(job) => return self.start_training(cx, message, job).await,
            Cb::AvatarMain(id) => return self.set_main_avatar(cx, message, id).await,
            Cb::AvatarRename(id) => return self.ask_rename(cx, message, id).await,
            Cb::AvatarDelete(id) => return self.ask_delete_avatar(cx, message, id).await,
            Cb::AvatarDeleteYes(id) => return self.delete_avatar(cx, message, id).await,
            Cb::WithMe => return self.with_me(cx, message, None, None).await,
            Cb::WithAvatar(id) => return self.with_me(cx, message, Some(id), None).await,
            Cb::Balance | Cb::TopUp | Cb::Buy(_) | Cb::Promo | Cb::History(_) => {
                self.balance_button(cx, message, cb).await?
            }
            Cb::Settings
            | Cb::Language(_)
            | Cb::TimezoneMenu
            | Cb::Timezone(_)
            | Cb::Defaults
            | Cb::DefaultAspect(_)
            | Cb::DefaultCount(_)
            | Cb::DefaultModel(_)
            | Cb::Quick(_)
            | Cb::Translate(_) => return self.settings_button(cx, message, cb).await,
        }
        Ok(None)
    }
}
