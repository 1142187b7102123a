//! The gallery's stats: images by type, each avatar's count under the avatar photos it
//! belongs to, favorites, this month, coins spent.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::html::escape;
use crate::texts::fill;
use aisha_domain::ports::StoreError;

impl Bot {
    pub(crate) async fn show_stats(&self, cx: &mut Ctx) -> Result<(), StoreError> {
        let t = cx.t;
        let s = self.gallery.stats(&cx.user).await?;
        let c = &s.counts;
        let mut text = fill(t.stats, &[&c.total, &c.imagen, &c.avatar_photos]);
        for (name, n) in &c.by_avatar {
            text.push_str(&fill(t.stats_avatar, &[&escape(name), n]));
        }
        text.push_str(&fill(t.stats_tail, &[&c.favorites, &c.this_month, &s.spent]));
        cx.send(text, Some(vec![vec![button(t.btn_gallery, Cb::Gallery), button(t.btn_menu, Cb::Menu)]]));
        Ok(())
    }
}
