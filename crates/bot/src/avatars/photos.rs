//! The photos an avatar is trained on: the upload screen, taking photos, image documents and
//! albums (each checked, downloaded and stored), the review with a remove button per photo,
//! and the photos sent back as albums.

use super::local_time;
use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::Dialogue;
use crate::html::{clip, escape};
use crate::io::{AlbumItem, FetchError, Keyboard, Media, MessageId, Outgoing, Reply};
use crate::texts::{Texts, tr};
use aisha_domain::AvatarId;
use aisha_domain::avatar::{Avatar, PhotoRejection, PhotoRules};
use aisha_domain::media::ImageFormat;
use aisha_domain::ports::{RemovePhoto, StoreError};
use aisha_domain::services::avatars::PhotoError;

/// "7/10 — 3 more needed", "12 photos — enough to train", "20/20 — the maximum".
fn progress(t: &Texts, rules: &PhotoRules, count: u32) -> String {
    if count < rules.min_photos {
        tr!(t, "progress-need", photos = &count, min_photos = &rules.min_photos, missing = &(rules.min_photos - count))
    } else if count < rules.max_photos {
        tr!(t, "progress-enough", photos = &count, max_photos = &rules.max_photos)
    } else {
        tr!(t, "progress-full", photos = &count, max_photos = &rules.max_photos)
    }
}

/// Why a photo was not taken, in words.
fn rejection(t: &Texts, r: &PhotoRejection) -> String {
    match r {
        PhotoRejection::NotAnImage => tr!(t, "reason-not-image"),
        PhotoRejection::TooLarge { max_bytes } => tr!(t, "reason-too-big", max_mb = &megabytes(*max_bytes)),
        PhotoRejection::TooSmall { width, height, min_side } => {
            tr!(t, "reason-too-small", width = width, height = height, min_side = min_side)
        }
        PhotoRejection::Duplicate => tr!(t, "reason-duplicate"),
        PhotoRejection::AvatarFull { max } => tr!(t, "reason-full", max_photos = max),
        PhotoRejection::NotAccepting => tr!(t, "reason-closed"),
    }
}

fn megabytes(bytes: u64) -> u64 {
    bytes / (1024 * 1024)
}

impl Bot {
    /// The buttons under the upload screen and every acknowledgement of photos.
    fn upload_keyboard(&self, t: &Texts, a: &Avatar) -> Keyboard {
        let mut rows = Vec::new();
        let mut first = Vec::new();
        if a.photo_count > 0 {
            first.push(button(tr!(t, "btn-review", photos = &a.photo_count), Cb::AvatarReview(a.id)));
        }
        if a.photo_count >= self.rules().min_photos {
            first.push(button(tr!(t, "btn-train", price = &self.generation.prices.training), Cb::AvatarTrain(a.id)));
        }
        if !first.is_empty() {
            rows.push(first);
        }
        rows.push(vec![button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(a.id)), button(tr!(t, "btn-menu"), Cb::Menu)]);
        rows
    }

    /// The user's avatar `id` while it takes photos, or the toast saying why not.
    async fn taking_photos(&self, cx: &Ctx, id: AvatarId) -> Result<Result<Avatar, String>, StoreError> {
        let t = cx.t;
        Ok(match self.avatars.get(cx.user.id, id).await? {
            None => Err(tr!(t, "not-found")),
            Some(a) if !a.accepts_photos() => Err(tr!(t, "upload-closed", name = a.name.as_str())),
            Some(a) => Ok(a),
        })
    }

    /// Upload, review, or see the photos of an avatar that takes them.
    pub(crate) async fn avatar_photos_button(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        cb: Cb,
    ) -> Result<Option<String>, StoreError> {
        let (Cb::AvatarUpload(id) | Cb::AvatarReview(id) | Cb::AvatarShowPhotos(id)) = cb else { return Ok(None) };
        let a = match self.taking_photos(cx, id).await? {
            Ok(a) => a,
            Err(toast) => return Ok(Some(toast)),
        };
        self.set_dialogue(cx, &Dialogue::Upload { avatar: id }).await?;
        match cb {
            Cb::AvatarUpload(_) => self.upload_screen(cx, message, &a),
            Cb::AvatarReview(_) => self.review_screen(cx, message, &a).await?,
            _ => {
                self.send_photos(cx, &a).await?;
                self.review_screen(cx, None, &a).await?;
            }
        }
        Ok(None)
    }

    /// An avatar's photos, numbered as in the review, as albums of up to ten.
    async fn send_photos(&self, cx: &mut Ctx, a: &Avatar) -> Result<(), StoreError> {
        let t = cx.t;
        let photos = self.avatars.photos(cx.user.id, a.id).await?;
        let numbered: Vec<(Media, Option<String>)> = photos
            .iter()
            .enumerate()
            .map(|(n, p)| {
                (
                    Media::Stored { key: p.object.key.clone(), image: None },
                    Some(tr!(t, "photo-number", number = &(n + 1))),
                )
            })
            .collect();
        for chunk in numbered.chunks(10) {
            let reply = match chunk {
                [(photo, caption)] => {
                    Reply::SendPhoto { chat: cx.chat, photo: photo.clone(), caption: caption.clone(), keyboard: None }
                }
                many => Reply::SendAlbum { chat: cx.chat, photos: many.to_vec() },
            };
            cx.out.push(Outgoing::normal(reply));
        }
        Ok(())
    }

    /// A photo removed from the avatar being uploaded to (the avatar comes from the dialogue).
    pub(crate) async fn photo_remove(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        photo: aisha_domain::PhotoId,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let avatar = match self.dialogue(cx).await? {
            Some(Dialogue::Upload { avatar } | Dialogue::Train { avatar, .. }) => avatar,
            _ => return Ok(Some(tr!(t, "outdated"))),
        };
        Ok(Some(match self.avatars.remove_photo(cx.user.id, avatar, photo).await? {
            RemovePhoto::Removed { .. } => {
                let Some(a) = self.avatars.get(cx.user.id, avatar).await? else { return Ok(Some(tr!(t, "not-found"))) };
                self.set_dialogue(cx, &Dialogue::Upload { avatar }).await?;
                self.review_screen(cx, message, &a).await?;
                tr!(t, "photo-removed")
            }
            RemovePhoto::NotFound => tr!(t, "not-found"),
            RemovePhoto::NotAccepting => tr!(t, "reason-closed"),
        }))
    }

    pub(super) fn upload_screen(&self, cx: &mut Ctx, message: Option<MessageId>, a: &Avatar) {
        let t = cx.t;
        let r = self.rules();
        let text = tr!(
            t,
            "upload",
            name = &escape(a.name.as_str()),
            min_photos = &r.min_photos,
            max_photos = &r.max_photos,
            max_mb = &megabytes(r.max_bytes),
            min_side = &r.min_side,
            progress = &progress(t, r, a.photo_count)
        );
        let keyboard = self.upload_keyboard(t, a);
        cx.edit_or_send(message, text, Some(keyboard));
    }

    /// The photos, numbered, with a remove button each (the avatar is the dialogue's).
    async fn review_screen(&self, cx: &mut Ctx, message: Option<MessageId>, a: &Avatar) -> Result<(), StoreError> {
        let t = cx.t;
        let photos = self.avatars.photos(cx.user.id, a.id).await?;
        let name = escape(a.name.as_str());
        let progress = progress(t, self.rules(), a.photo_count);
        let tz = cx.user.settings.timezone;
        let text = if photos.is_empty() {
            tr!(t, "review-empty", name = &name, progress = &progress)
        } else {
            let lines: Vec<String> = photos
                .iter()
                .enumerate()
                .map(|(n, p)| {
                    let format = match p.object.format {
                        ImageFormat::Jpeg => "JPEG",
                        ImageFormat::Png => "PNG",
                        ImageFormat::Webp => "WebP",
                    };
                    let when = local_time(t, p.created_at, tz);
                    tr!(
                        t,
                        "review-line",
                        number = &(n + 1),
                        width = &p.object.width,
                        height = &p.object.height,
                        format = &format,
                        date = &when
                    )
                })
                .collect();
            tr!(t, "review", name = &name, lines = &lines.join("\n"), progress = &progress)
        };
        let mut rows: Keyboard = photos
            .iter()
            .enumerate()
            .map(|(n, p)| button(tr!(t, "btn-remove-photo", number = &(n + 1)), Cb::PhotoRemove(p.id)))
            .collect::<Vec<_>>()
            .chunks(5)
            .map(<[_]>::to_vec)
            .collect();
        let mut more = Vec::new();
        if !photos.is_empty() {
            more.push(button(tr!(t, "btn-show-photos"), Cb::AvatarShowPhotos(a.id)));
        }
        if a.photo_count >= self.rules().min_photos {
            more.push(button(tr!(t, "btn-train", price = &self.generation.prices.training), Cb::AvatarTrain(a.id)));
        }
        if !more.is_empty() {
            rows.push(more);
        }
        rows.push(vec![
            button(tr!(t, "btn-add-photos"), Cb::AvatarUpload(a.id)),
            button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(a.id)),
        ]);
        cx.edit_or_send(message, text, Some(rows));
        Ok(())
    }

    /// Text while photos are expected: say so, with the count so far.
    pub(crate) async fn waiting_for_photos(&self, cx: &mut Ctx, avatar: AvatarId) -> Result<(), StoreError> {
        let t = cx.t;
        match self.avatars.get(cx.user.id, avatar).await? {
            Some(a) if a.accepts_photos() => {
                let text = tr!(
                    t,
                    "upload-waiting",
                    name = &escape(a.name.as_str()),
                    progress = &progress(t, self.rules(), a.photo_count)
                );
                let keyboard = self.upload_keyboard(t, &a);
                cx.send(text, Some(keyboard));
            }
            _ => {
                self.clear_dialogue(cx).await?;
                let keyboard = self.menu_keyboard(cx).await?;
                cx.send(tr!(t, "unknown-text"), Some(keyboard));
            }
        }
        Ok(())
    }

    /// Photos, image documents and albums. While uploading they go to the avatar, each one
    /// checked (size as Telegram reports it before downloading, then bytes); the answer is one
    /// message per update (per album) with the new count and a reason for every refusal.
    pub(crate) async fn files_received(&self, cx: &mut Ctx, items: Vec<AlbumItem>) -> Result<(), StoreError> {
        let t = cx.t;
        let id = match self.dialogue(cx).await? {
            Some(Dialogue::Upload { avatar } | Dialogue::Train { avatar, .. }) => avatar,
            // a photo where a description is asked for: the assistant describes it
            Some(Dialogue::Prompt { like, avatar, .. }) if self.assistant.is_some() => {
                return self.prompt_from_photo(cx, items, like, avatar).await;
            }
            // a screenshot for the payment question: the operators get text only, so ask for
            // words and keep the question open
            Some(Dialogue::Support) => {
                let keyboard =
                    vec![vec![button(tr!(t, "btn-cancel"), Cb::Cancel), button(tr!(t, "btn-menu"), Cb::Menu)]];
                cx.send(tr!(t, "support-text-only"), Some(keyboard));
                return Ok(());
            }
            _ => {
                let keyboard = self.menu_keyboard(cx).await?;
                cx.send(tr!(t, "photo-outside-upload"), Some(keyboard));
                return Ok(());
            }
        };
        let Some(avatar) = self.avatars.get(cx.user.id, id).await? else {
            self.clear_dialogue(cx).await?;
            let keyboard =
                vec![vec![button(tr!(t, "btn-avatars-back"), Cb::Avatars), button(tr!(t, "btn-menu"), Cb::Menu)]];
            cx.send(tr!(t, "not-found"), Some(keyboard));
            return Ok(());
        };
        if !avatar.accepts_photos() {
            self.clear_dialogue(cx).await?;
            let keyboard = vec![vec![button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(id))]];
            cx.send(tr!(t, "upload-closed", name = &escape(avatar.name.as_str())), Some(keyboard));
            return Ok(());
        }
        // more photos make a shown training confirmation stale: back to uploading
        self.set_dialogue(cx, &Dialogue::Upload { avatar: id }).await?;
        let mut count = avatar.photo_count;
        let mut refused = Vec::new();
        for (n, item) in items.iter().enumerate() {
            match self.take_photo(cx, id, item, count).await {
                Ok(now) => count = now,
                Err(reason) => refused.push((n + 1, item, reason)),
            }
        }
        let added = items.len() - refused.len();
        let mut text = match (items.len(), refused.first()) {
            (1, None) => tr!(t, "photo-added"),
            (1, Some((_, _, reason))) => tr!(t, "photo-refused", reason = reason),
            (n, _) => {
                let mut s = tr!(t, "photos-received", received = &n, added = &added);
                for (number, item, reason) in &refused {
                    let name = item
                        .file
                        .file_name
                        .as_deref()
                        .filter(|_| item.is_document)
                        .map(|f| tr!(t, "photo-file-name", file = &escape(&clip(f, 40))))
                        .unwrap_or_default();
                    s.push_str(&tr!(t, "photo-refused-line", number = number, file = &name, reason = reason));
                }
                s
            }
        };
        let avatar = self.avatars.get(cx.user.id, id).await?.unwrap_or(Avatar { photo_count: count, ..avatar });
        text.push_str("\n\n");
        text.push_str(&progress(t, self.rules(), avatar.photo_count));
        let keyboard = self.upload_keyboard(t, &avatar);
        cx.send(text, Some(keyboard));
        Ok(())
    }

    /// One photo into the avatar: the new count, or why not (in words).
    async fn take_photo(&self, cx: &Ctx, avatar: AvatarId, item: &AlbumItem, count: u32) -> Result<u32, String> {
        let t = cx.t;
        let rules = *self.rules();
        if count >= rules.max_photos {
            return Err(rejection(t, &PhotoRejection::AvatarFull { max: rules.max_photos }));
        }
        let declared = item.file.mime_type.as_deref();
        if item.is_document && declared.is_some_and(|m| !m.starts_with("image/")) {
            return Err(rejection(t, &PhotoRejection::NotAnImage));
        }
        let too_big = || rejection(t, &PhotoRejection::TooLarge { max_bytes: rules.max_bytes });
        if item.file.size.is_some_and(|s| s > rules.max_bytes) {
            return Err(too_big());
        }
        let bytes = match self.files.fetch(&item.file.file_id, rules.max_bytes).await {
            Ok(b) => b,
            Err(FetchError::TooLarge { .. }) => return Err(too_big()),
            Err(FetchError::Unavailable(why)) => {
                tracing::warn!(file = %item.file.file_id, why, "could not download an avatar photo");
                return Err(tr!(t, "reason-download"));
            }
        };
        match self.avatars.add_photo(cx.user.id, avatar, bytes).await {
            Ok(added) => Ok(added.count),
            Err(PhotoError::Rejected(r)) => Err(rejection(t, &r)),
            Err(PhotoError::AvatarNotFound) => Err(tr!(t, "not-found")),
            Err(e @ (PhotoError::Storage(_) | PhotoError::Store(_))) => {
                tracing::warn!(error = %e, "could not keep an avatar photo");
                Err(tr!(t, "reason-save"))
            }
        }
    }
}
