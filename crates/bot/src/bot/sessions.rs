//! The open dialogue (the question the next message answers), kept in the session store, and
//! leaving or cancelling it.

use super::{Bot, Ctx};
use crate::dialogue::Dialogue;
use crate::io::MessageId;
use crate::texts::tr;
use aisha_domain::ports::StoreError;
use aisha_domain::session::{self, SessionKey};

impl Bot {
    pub(crate) async fn dialogue(&self, cx: &Ctx) -> Result<Option<Dialogue>, StoreError> {
        let key = SessionKey::dialogue(cx.user.id);
        Ok(self.sessions.get(&key).await?.and_then(|raw| session::decode(&key, &raw)))
    }

    pub(crate) async fn set_dialogue(&self, cx: &Ctx, d: &Dialogue) -> Result<(), StoreError> {
        self.sessions.put(&SessionKey::dialogue(cx.user.id), session::encode(d), self.config.dialogue_ttl).await
    }

    pub(crate) async fn clear_dialogue(&self, cx: &Ctx) -> Result<(), StoreError> {
        self.sessions.delete(&SessionKey::dialogue(cx.user.id)).await
    }

    /// Closes the open dialogue before a command or a main-menu button does what it says.
    /// Best effort: with the session store unreachable the command still answers (it may not
    /// need sessions at all), and the question stays open until its TTL.
    pub(super) async fn leave_dialogue(&self, cx: &Ctx) {
        if let Err(e) = self.clear_dialogue(cx).await {
            tracing::warn!(user = %cx.user.id, error = %e, "could not close the dialogue; going on without");
        }
    }

    pub(super) async fn cancel_dialogue(&self, cx: &mut Ctx) -> Result<(), StoreError> {
        self.cancel_dialogue_in(cx, None).await
    }

    pub(super) async fn cancel_dialogue_in(&self, cx: &mut Ctx, message: Option<MessageId>) -> Result<(), StoreError> {
        let t = cx.t;
        let dialogue = self.dialogue(cx).await?;
        let order = matches!(dialogue, Some(Dialogue::Create { .. }));
        let what = dialogue.map(|d| match d {
            Dialogue::Prompt { avatar: Some(_), .. } => tr!(t, "what-with-me"),
            Dialogue::Create { draft } if draft.avatar.is_some() => tr!(t, "what-with-me"),
            Dialogue::Prompt { .. } | Dialogue::Create { .. } => tr!(t, "what-create"),
            Dialogue::DateRange => tr!(t, "what-date-range"),
            Dialogue::Promo { .. } => tr!(t, "what-promo"),
            Dialogue::Timezone => tr!(t, "what-timezone"),
            Dialogue::AvatarName | Dialogue::AvatarGender { .. } => tr!(t, "what-avatar-new"),
            Dialogue::Upload { .. } => tr!(t, "what-upload"),
            Dialogue::Train { .. } => tr!(t, "what-train"),
            Dialogue::Rename { .. } => tr!(t, "what-rename"),
            Dialogue::Support => tr!(t, "what-support"),
        });
        self.clear_dialogue(cx).await?;
        if order {
            // cancelling an order also forgets it if it was kept for a top-up
            self.drop_kept_order(cx).await?;
        }
        let text = match what {
            Some(w) => tr!(cx.t, "cancelled", action = &w),
            None => tr!(cx.t, "nothing-to-cancel"),
        };
        let keyboard = self.menu_keyboard(cx).await?;
        cx.edit_or_send(message, text, Some(keyboard));
        Ok(())
    }
}
