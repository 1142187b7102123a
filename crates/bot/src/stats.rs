//! The gallery's stats: images by type, each avatar's count under the avatar photos it
//! belongs to, favorites, this month, coins spent.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::html::escape;
use crate::texts::tr;
use aisha_domain::ports::StoreError;

impl Bot {
    pub(crate) async fn show_stats(&self, cx: &mut Ctx) -> Result<(), StoreError> {
        let t = cx.t;
        let s = self.gallery.stats(&cx.user).await?;
        let c = &s.counts;
        let mut text = tr!(t, "stats", total = &c.total, from_prompt = &c.imagen, with_avatar = &c.avatar_photos);
        for (name, n) in &c.by_avatar {
            text.push_str(&tr!(t, "stats-avatar", avatar = &escape(name), count = n));
        }
        text.push_str(&tr!(t, "stats-tail", favorites = &c.favorites, this_month = &c.this_month, spent = &s.spent));
        cx.send(
            text,
            Some(vec![vec![button(tr!(t, "btn-gallery"), Cb::Gallery), button(tr!(t, "btn-menu"), Cb::Menu)]]),
        );
        Ok(())
    }
}
