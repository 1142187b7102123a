//! Creating an avatar (its name, then its gender) and what its card does to it: make it the
//! main one, rename it, delete it.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::Dialogue;
use crate::html::escape;
use crate::io::MessageId;
use crate::texts::{Texts, tr};
use aisha_domain::avatar::{Avatar, AvatarStatus, Gender};
use aisha_domain::ports::{DeleteAvatar, SetMain, StoreError};
use aisha_domain::{AvatarId, AvatarName, ValidationError};

impl Bot {
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

    fn name_problem(&self, t: &Texts, e: &ValidationError) -> String {
        match e {
            ValidationError::AvatarNameLength { min, max, got } => {
                tr!(t, "avatar-name-length", min = min, max = max, length = got)
            }
            _ => tr!(t, "avatar-name-line"),
        }
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

    fn busy_screen(&self, cx: &mut Ctx, message: Option<MessageId>, a: &Avatar) {
        let t = cx.t;
        let mut row = Vec::new();
        if let Some(job) = a.training_job {
            row.push(button(tr!(t, "btn-cancel-training"), Cb::CancelJob(job)));
        }
        row.push(button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(a.id)));
        cx.edit_or_send(message, tr!(t, "avatar-busy", name = &escape(a.name.as_str())), Some(vec![row]));
    }
}
