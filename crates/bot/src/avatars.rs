//! Avatars: the list, creating one (name → gender → photos), the upload screen that takes
//! photos, image documents and albums, reviewing and removing photos, training with its
//! confirmation, the card (main, rename, delete), and "photos with me", whose order then
//! follows the create flow.
//!
//! Every avatar id a button carries is looked up with the user as owner: someone else's id is
//! "not found" and changes nothing.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::create::elapsed;
use crate::dialogue::Dialogue;
use crate::html::{clip, escape};
use crate::io::{AlbumItem, FetchError, Keyboard, Media, MessageId, Outgoing, Reply};
use crate::texts::{Texts, tr};
use aisha_domain::avatar::{Avatar, AvatarStatus, Gender, PhotoRejection, PhotoRules, TrainRefusal};
use aisha_domain::generation::JobSpec;
use aisha_domain::media::ImageFormat;
use aisha_domain::ports::{AvatarRefusal, DeleteAvatar, RemovePhoto, SetMain, StoreError};
use aisha_domain::services::avatars::PhotoError;
use aisha_domain::services::generation::StartError;
use aisha_domain::{AspectRatio, AvatarId, AvatarName, ImageCount, JobId, ModelKey, Timezone, ValidationError};
use chrono::{DateTime, Utc};

/// At most this many avatars are listed as buttons (Telegram allows 100 buttons a message).
const LISTED: usize = 30;

/// "21 Nov 14:05" in the user's timezone.
fn local_time(t: &Texts, at: DateTime<Utc>, tz: Timezone) -> String {
    crate::texts::local_time(t, at, tz, false)
}

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

fn gender_name(t: &Texts, g: Gender) -> String {
    match g {
        Gender::Male => tr!(t, "gender-male"),
        Gender::Female => tr!(t, "gender-female"),
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

/// A button label with the avatar's name (labels are plain text: not escaped, only shortened).
fn labelled(prefix: &str, name: &AvatarName) -> String {
    format!("{prefix} {}", clip(name.as_str(), 30))
}

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
    fn rules(&self) -> &PhotoRules {
        &self.avatars.rules
    }

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
        let rules = *self.rules();
        let status = match a.status {
            AvatarStatus::Draft if a.photo_count >= rules.min_photos => tr!(t, "card-draft-ready"),
            AvatarStatus::Draft => tr!(t, "card-draft", photos = &a.photo_count, min_photos = &rules.min_photos),
            AvatarStatus::Training => {
                let since = self.training_since(cx, &a).await?;
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
        let text = tr!(
            t,
            "avatar-card",
            name = &escape(a.name.as_str()),
            main = &main,
            status = &status,
            photos = &a.photo_count,
            gender = &gender_name(t, a.gender)
        );
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

    /// The user's avatar `id` while it takes photos, or the toast saying why not.
    async fn taking_photos(&self, cx: &Ctx, id: AvatarId) -> Result<Result<Avatar, String>, StoreError> {
        let t = cx.t;
        Ok(match self.avatars.get(cx.user.id, id).await? {
            None => Err(tr!(t, "not-found")),
            Some(a) if !a.accepts_photos() => Err(tr!(t, "upload-closed", name = a.name.as_str())),
            Some(a) => Ok(a),
        })
    }

    pub(crate) async fn ask_avatar_name(&self, cx: &mut Ctx, message: Option<MessageId>) -> Result<(), StoreError> {
        let t = cx.t;
        self.set_dialogue(cx, &Dialogue::AvatarName).await?;
        let keyboard = vec![vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]];
        cx.edit_or_send(message, tr!(t, "ask-avatar-name"), Some(keyboard));
        Ok(())
    }

    /// The gender of the avatar named in the dialogue: the avatar is made (a second press finds
    /// it made already: nothing more happens).
    pub(crate) async fn gender_picked(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        gender: aisha_domain::avatar::Gender,
    ) -> Result<Option<String>, StoreError> {
        let Some(Dialogue::AvatarGender { name }) = self.dialogue(cx).await? else {
            return Ok(Some(tr!(cx.t, "outdated")));
        };
        let avatar = self.avatars.create(cx.user.id, name, gender).await?;
        self.set_dialogue(cx, &Dialogue::Upload { avatar: avatar.id }).await?;
        self.upload_screen(cx, message, &avatar);
        Ok(None)
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

    pub(crate) async fn set_main_avatar(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        id: AvatarId,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        Ok(Some(match self.avatars.set_main(cx.user.id, id).await? {
            SetMain::Done(_) => {
                self.show_avatar_card(cx, message, id).await?;
                tr!(t, "main-set")
            }
            SetMain::NotFound => tr!(t, "not-found"),
            SetMain::NotUsable => tr!(t, "not-usable"),
        }))
    }

    pub(crate) async fn ask_rename(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        id: AvatarId,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let Some(a) = self.avatars.get(cx.user.id, id).await? else { return Ok(Some(tr!(t, "not-found"))) };
        self.set_dialogue(cx, &Dialogue::Rename { avatar: id }).await?;
        let text = tr!(t, "ask-rename", name = &escape(a.name.as_str()));
        cx.edit_or_send(message, text, Some(vec![vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]]));
        Ok(None)
    }

    pub(crate) async fn ask_delete_avatar(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        id: AvatarId,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let Some(a) = self.avatars.get(cx.user.id, id).await? else { return Ok(Some(tr!(t, "not-found"))) };
        if a.status == AvatarStatus::Training {
            self.busy_screen(cx, message, &a);
            return Ok(None);
        }
        let text = tr!(t, "confirm-avatar-delete", name = &escape(a.name.as_str()), photos = &a.photo_count);
        let keyboard = vec![vec![
            button(tr!(t, "btn-delete-avatar-yes"), Cb::AvatarDeleteYes(id)),
            button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(id)),
        ]];
        cx.edit_or_send(message, text, Some(keyboard));
        Ok(None)
    }

    pub(crate) async fn delete_avatar(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        id: AvatarId,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        match self.avatars.delete(cx.user.id, id).await? {
            DeleteAvatar::Deleted { avatar, .. } => {
                // a question about the deleted avatar is closed with it
                let stale = match self.dialogue(cx).await? {
                    Some(
                        Dialogue::Upload { avatar: a }
                        | Dialogue::Train { avatar: a, .. }
                        | Dialogue::Rename { avatar: a },
                    ) => a == id,
                    Some(Dialogue::Prompt { avatar: Some(a), .. }) => a == id,
                    Some(Dialogue::Create { draft }) => draft.avatar == Some(id),
                    _ => false,
                };
                if stale {
                    self.clear_dialogue(cx).await?;
                }
                let text = tr!(t, "avatar-deleted", name = &escape(avatar.name.as_str()));
                let keyboard =
                    vec![vec![button(tr!(t, "btn-avatars-back"), Cb::Avatars), button(tr!(t, "btn-menu"), Cb::Menu)]];
                cx.edit_or_send(message, text, Some(keyboard));
            }
            DeleteAvatar::NotFound => return Ok(Some(tr!(t, "not-found"))),
            DeleteAvatar::Busy => {
                let Some(a) = self.avatars.get(cx.user.id, id).await? else { return Ok(Some(tr!(t, "not-found"))) };
                self.busy_screen(cx, message, &a);
            }
        }
        Ok(None)
    }

    fn upload_screen(&self, cx: &mut Ctx, message: Option<MessageId>, a: &Avatar) {
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

    fn busy_screen(&self, cx: &mut Ctx, message: Option<MessageId>, a: &Avatar) {
        let t = cx.t;
        let mut row = Vec::new();
        if let Some(job) = a.training_job {
            row.push(button(tr!(t, "btn-cancel-training"), Cb::CancelJob(job)));
        }
        row.push(button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(a.id)));
        cx.edit_or_send(message, tr!(t, "avatar-busy", name = &escape(a.name.as_str())), Some(vec![row]));
    }

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

    /// "Photos with me": the chosen (or preferred) trained avatar, then a description; the
    /// rest is the create flow with the avatar in the draft.
    pub(crate) async fn with_me(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        avatar: Option<AvatarId>,
        like: Option<(AspectRatio, ImageCount, ModelKey)>,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let owner = cx.user.id;
        let chosen = match avatar {
            Some(id) => match self.avatars.get(owner, id).await? {
                Some(a) if a.is_usable() => a,
                Some(_) => return Ok(Some(tr!(t, "with-me-not-ready"))),
                None => return Ok(Some(tr!(t, "not-found"))),
            },
            None => match self.avatars.preferred(owner).await? {
                Some(a) => a,
                None => {
                    let keyboard = vec![vec![
                        button(tr!(t, "btn-avatars-back"), Cb::Avatars),
                        button(tr!(t, "btn-menu"), Cb::Menu),
                    ]];
                    cx.edit_or_send(message, tr!(t, "with-me-none"), Some(keyboard));
                    return Ok(None);
                }
            },
        };
        self.set_dialogue(cx, &Dialogue::Prompt { like, avatar: Some(chosen.id), style: None }).await?;
        let usable: Vec<Avatar> = self.avatars.list(owner).await?.into_iter().filter(Avatar::is_usable).collect();
        let mut rows: Keyboard = Vec::new();
        if usable.len() > 1 {
            rows.extend(
                usable
                    .iter()
                    .take(LISTED)
                    .map(|a| {
                        let mark = if a.id == chosen.id { "✓" } else { "🎭" };
                        button(labelled(mark, &a.name), Cb::WithAvatar(a.id))
                    })
                    .collect::<Vec<_>>()
                    .chunks(2)
                    .map(<[_]>::to_vec),
            );
        }
        if self.has_styles(Some(chosen.id)) {
            rows.push(vec![button(tr!(t, "btn-styles"), Cb::Styles(0))]);
        }
        rows.push(vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]);
        // the price before the effort of describing
        let balance = self.ledger.balance(owner).await?;
        let price = tr!(t, "with-me-price", price = &self.generation.prices.avatar_photo, balance = &balance);
        cx.edit_or_send(message, tr!(t, "with-me", name = &escape(chosen.name.as_str()), price = &price), Some(rows));
        Ok(None)
    }

    fn name_problem(&self, t: &Texts, e: &ValidationError) -> String {
        match e {
            ValidationError::AvatarNameLength { min, max, got } => {
                tr!(t, "avatar-name-length", min = min, max = max, length = got)
            }
            _ => tr!(t, "avatar-name-line"),
        }
    }

    pub(crate) async fn avatar_name_given(&self, cx: &mut Ctx, text: &str) -> Result<(), StoreError> {
        let t = cx.t;
        match AvatarName::parse(text) {
            Ok(name) => {
                self.set_dialogue(cx, &Dialogue::AvatarGender { name: name.clone() }).await?;
                self.ask_gender(cx, name, false).await?;
            }
            Err(e) => {
                let reply = self.name_problem(t, &e);
                cx.send(reply, Some(vec![vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]]));
            }
        }
        Ok(())
    }

    /// The gender question (again, when text arrives instead of a button press).
    pub(crate) async fn ask_gender(&self, cx: &mut Ctx, name: AvatarName, again: bool) -> Result<(), StoreError> {
        let t = cx.t;
        let keyboard = vec![
            vec![
                button(tr!(t, "btn-male"), Cb::Gender(Gender::Male)),
                button(tr!(t, "btn-female"), Cb::Gender(Gender::Female)),
            ],
            vec![button(tr!(t, "btn-cancel"), Cb::Cancel)],
        ];
        let mut text = tr!(t, "ask-gender", name = &escape(name.as_str()));
        if again {
            text = format!("{}\n\n{text}", tr!(t, "expect-gender"));
        }
        cx.send(text, Some(keyboard));
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

    pub(crate) async fn rename_given(&self, cx: &mut Ctx, avatar: AvatarId, text: &str) -> Result<(), StoreError> {
        let t = cx.t;
        let name = match AvatarName::parse(text) {
            Ok(name) => name,
            Err(e) => {
                let reply = self.name_problem(t, &e);
                cx.send(reply, Some(vec![vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]]));
                return Ok(());
            }
        };
        self.clear_dialogue(cx).await?;
        match self.avatars.rename(cx.user.id, avatar, &name).await? {
            Some(_) => {
                self.show_avatar_card(cx, None, avatar).await?;
            }
            None => {
                let keyboard =
                    vec![vec![button(tr!(t, "btn-avatars-back"), Cb::Avatars), button(tr!(t, "btn-menu"), Cb::Menu)]];
                cx.send(tr!(t, "not-found"), Some(keyboard));
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
