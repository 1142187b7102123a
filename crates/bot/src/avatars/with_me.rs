//! "Photos with me": choosing the avatar and asking for the description; the order then
//! follows the create flow with the avatar in the draft.

use super::{LISTED, labelled};
use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::Dialogue;
use crate::html::escape;
use crate::io::{Keyboard, MessageId};
use crate::texts::tr;
use aisha_domain::avatar::Avatar;
use aisha_domain::ports::StoreError;
use aisha_domain::{AspectRatio, AvatarId, ImageCount, ModelKey};

impl Bot {
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
}
