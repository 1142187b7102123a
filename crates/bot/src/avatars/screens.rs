//! The list of the user's avatars and one avatar's card.

use super::{LISTED, labelled, local_time};
use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::create::elapsed;
use crate::html::escape;
use crate::io::{Keyboard, Media, MessageId, Outgoing, Reply};
use crate::texts::{Texts, tr};
use aisha_domain::avatar::{Avatar, AvatarStatus, Gender};
use aisha_domain::ports::StoreError;
use aisha_domain::{AvatarId, JobId};
use chrono::{DateTime, Utc};

fn gender_name(t: &Texts, g: Gender) -> String {
    match g {
        Gender::Male => tr!(t, "gender-male"),
        Gender::Female => tr!(t, "gender-female"),
    }
}

impl Bot {
    pub(crate) async fn show_avatars(&self, cx: &mut Ctx, message: Option<MessageId>) -> Result<(), StoreError> {
        let t = cx.t;
        let list = self.avatars.list(cx.user.id).await?;
        let rules = *self.rules();
        if list.is_empty() {
            let text = tr!(
                t,
                "avatars-empty",
                min_photos = &rules.min_photos,
                max_photos = &rules.max_photos,
                price = &self.generation.prices.training
            );
            let keyboard =
                vec![vec![button(tr!(t, "btn-avatar-new"), Cb::AvatarNew)], vec![button(tr!(t, "btn-menu"), Cb::Menu)]];
            cx.edit_or_send(message, text, Some(keyboard));
            return Ok(());
        }
        let tz = cx.user.settings.timezone;
        // when each training started: the jobs of all the training avatars in one read
        let training: Vec<JobId> = list
            .iter()
            .take(LISTED)
            .filter(|a| a.status == AvatarStatus::Training)
            .filter_map(|a| a.training_job)
            .collect();
        let started: std::collections::HashMap<JobId, DateTime<Utc>> =
            self.jobs.get_many(cx.user.id, &training).await?.into_iter().map(|j| (j.id, j.created_at)).collect();
        let mut lines = Vec::new();
        for (n, a) in list.iter().take(LISTED).enumerate() {
            let status = match a.status {
                AvatarStatus::Draft => tr!(t, "status-draft", photos = &a.photo_count, min_photos = &rules.min_photos),
                AvatarStatus::Training => {
                    let since = a.training_job.and_then(|j| started.get(&j).copied()).unwrap_or(a.updated_at);
                    tr!(t, "status-training", since = &local_time(t, since, tz))
                }
                AvatarStatus::Ready => tr!(t, "status-ready"),
                AvatarStatus::Failed => tr!(t, "status-failed"),
            };
            let main = if a.is_main { tr!(t, "main-mark") } else { String::new() };
            lines.push(tr!(
                t,
                "avatar-line",
                number = &(n + 1),
                name = &escape(a.name.as_str()),
                main = &main,
                status = &status
            ));
        }
        let mut rows: Keyboard = list
            .iter()
            .take(LISTED)
            .map(|a| {
                let mark = match a.status {
                    AvatarStatus::Draft => "📤",
                    AvatarStatus::Training => "⏳",
                    // the main avatar's mark, as `main-mark` (⭐ is for favorites and Stars)
                    AvatarStatus::Ready if a.is_main => "📌",
                    AvatarStatus::Ready => "✅",
                    AvatarStatus::Failed => "❌",
                };
                button(labelled(mark, &a.name), Cb::AvatarOpen(a.id))
            })
            .collect::<Vec<_>>()
            .chunks(2)
            .map(<[_]>::to_vec)
            .collect();
        let mut last = vec![button(tr!(t, "btn-avatar-new"), Cb::AvatarNew)];
        if list.iter().any(Avatar::is_usable) {
            last.push(button(tr!(t, "btn-with-me"), Cb::WithMe));
        }
        rows.push(last);
        rows.push(vec![button(tr!(t, "btn-menu"), Cb::Menu)]);
        cx.edit_or_send(message, tr!(t, "avatars", list = &lines.join("\n")), Some(rows));
        Ok(())
    }

    /// When the avatar's training was paid for: its job's start, not `updated_at` (a rename
    /// moves that).
    async fn training_since(&self, cx: &Ctx, a: &Avatar) -> Result<DateTime<Utc>, StoreError> {
        Ok(match a.training_job {
            Some(job) => self.jobs.get(cx.user.id, job).await?.map_or(a.updated_at, |j| j.created_at),
            None => a.updated_at,
        })
    }

    /// The card of one avatar (a photo of it with the text as caption, or the text alone
    /// while it has no photo); a toast when it is not the user's.
    pub(crate) async fn show_avatar_card(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        id: AvatarId,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let Some(a) = self.avatars.get(cx.user.id, id).await? else { return Ok(Some(tr!(t, "not-found"))) };
        let text = self.card_text(cx, &a).await?;
        let rows = self.card_keyboard(t, &a);
        // the card is one of the avatar's own photos, from our storage, with the text as its
        // caption; a text message cannot become a photo, so the screen it was opened from goes
        let photo = self.avatars.photos(cx.user.id, a.id).await?.into_iter().next();
        match photo {
            Some(p) => {
                if let Some(message) = message {
                    cx.out.push(Outgoing::normal(Reply::Delete { chat: cx.chat, message }));
                }
                cx.out.push(Outgoing::normal(Reply::SendPhoto {
                    chat: cx.chat,
                    photo: Media::Stored { key: p.object.key, image: None },
                    caption: Some(text),
                    keyboard: Some(rows),
                }));
            }
            None => cx.edit_or_send(message, text, Some(rows)),
        }
        Ok(None)
    }

    /// The card's text: the name, whether it is the main one, its state, photos and gender.
    async fn card_text(&self, cx: &Ctx, a: &Avatar) -> Result<String, StoreError> {
        let t = cx.t;
        let rules = *self.rules();
        let status = match a.status {
            AvatarStatus::Draft if a.photo_count >= rules.min_photos => tr!(t, "card-draft-ready"),
            AvatarStatus::Draft => tr!(t, "card-draft", photos = &a.photo_count, min_photos = &rules.min_photos),
            AvatarStatus::Training => {
                let since = self.training_since(cx, a).await?;
                let now = self.generation.env.now();
                tr!(
                    t,
                    "card-training",
                    since = &local_time(t, since, cx.user.settings.timezone),
                    elapsed = &elapsed(t, since, now)
                )
            }
            AvatarStatus::Ready => tr!(t, "card-ready"),
            AvatarStatus::Failed => tr!(t, "card-failed"),
        };
        let main = if a.is_main { tr!(t, "card-main") } else { String::new() };
        Ok(tr!(
            t,
            "avatar-card",
            name = &escape(a.name.as_str()),
            main = &main,
            status = &status,
            photos = &a.photo_count,
            gender = &gender_name(t, a.gender)
        ))
    }

    /// The card's buttons: what the avatar's state allows, then rename, delete and the way back.
    fn card_keyboard(&self, t: &Texts, a: &Avatar) -> Keyboard {
        let rules = *self.rules();
        let mut rows = Vec::new();
        match a.status {
            AvatarStatus::Draft | AvatarStatus::Failed => {
                let mut row = vec![button(tr!(t, "btn-add-photos"), Cb::AvatarUpload(a.id))];
                if a.photo_count > 0 {
                    row.push(button(tr!(t, "btn-review", photos = &a.photo_count), Cb::AvatarReview(a.id)));
                }
                rows.push(row);
                if a.photo_count >= rules.min_photos {
                    rows.push(vec![button(
                        tr!(t, "btn-train", price = &self.generation.prices.training),
                        Cb::AvatarTrain(a.id),
                    )]);
                }
            }
            AvatarStatus::Training => {
                let mut row = Vec::new();
                if let Some(job) = a.training_job {
                    row.push(button(tr!(t, "btn-cancel-training"), Cb::CancelJob(job)));
                }
                row.push(button(tr!(t, "btn-refresh"), Cb::AvatarOpen(a.id)));
                rows.push(row);
            }
            AvatarStatus::Ready => {
                let mut row = vec![button(tr!(t, "btn-create-photos"), Cb::WithAvatar(a.id))];
                if !a.is_main && a.is_usable() {
                    row.push(button(tr!(t, "btn-set-main"), Cb::AvatarMain(a.id)));
                }
                rows.push(row);
            }
        }
        rows.push(vec![
            button(tr!(t, "btn-rename"), Cb::AvatarRename(a.id)),
            button(tr!(t, "btn-delete-avatar"), Cb::AvatarDelete(a.id)),
        ]);
        rows.push(vec![button(tr!(t, "btn-avatars-back"), Cb::Avatars), button(tr!(t, "btn-menu"), Cb::Menu)]);
        rows
    }
}
