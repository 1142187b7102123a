//! `/gallery grid`: the gallery as albums of up to ten images per page, for scanning many at
//! once; a number opens that image's card, arrows turn the page. Same filter as the cards.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::io::{Keyboard, Media, Outgoing, Reply};
use crate::texts::tr;
use aisha_domain::gallery::ImageRecord;
use aisha_domain::ports::StoreError;
use aisha_domain::services::gallery::{GridFrom, GridPage};

fn media(img: &ImageRecord) -> Media {
    match &img.telegram_file_id {
        Some(id) => Media::FileId(id.clone()),
        None => Media::Stored { key: img.object.key.clone(), image: Some(img.id) },
    }
}

impl Bot {
    pub(crate) async fn show_grid(&self, cx: &mut Ctx, from: GridFrom) -> Result<(), StoreError> {
        let page = self.gallery.grid(&cx.user, from).await?;
        let t = cx.t;
        if page.images.is_empty() {
            let text = if page.filter.is_empty() { tr!(t, "gallery-empty") } else { tr!(t, "gallery-empty-filtered") };
            let keyboard = vec![vec![button(tr!(t, "btn-menu"), Cb::Menu)]];
            cx.send(text, Some(keyboard));
            return Ok(());
        }
        let numbered: Vec<(Media, Option<String>)> = page
            .images
            .iter()
            .enumerate()
            .map(|(n, img)| (media(img), Some((page.first + n as u64).to_string())))
            .collect();
        let reply = match numbered.as_slice() {
            [(photo, caption)] => {
                Reply::SendPhoto { chat: cx.chat, photo: photo.clone(), caption: caption.clone(), keyboard: None }
            }
            _ => Reply::SendAlbum { chat: cx.chat, photos: numbered },
        };
        cx.out.push(Outgoing::normal(reply));
        let last = page.first + page.images.len() as u64 - 1;
        let text = tr!(t, "grid-page", first = &page.first, last = &last, total = &page.total);
        cx.send(text, Some(grid_keyboard(cx, &page)));
        Ok(())
    }
}

fn grid_keyboard(cx: &Ctx, page: &GridPage) -> Keyboard {
    let t = cx.t;
    let mut rows: Keyboard = page
        .images
        .iter()
        .enumerate()
        .map(|(n, img)| button((page.first + n as u64).to_string(), Cb::Open(img.id)))
        .collect::<Vec<_>>()
        .chunks(5)
        .map(<[_]>::to_vec)
        .collect();
    let mut nav = Vec::new();
    if let (true, Some(first)) = (page.has_newer(), page.images.first()) {
        nav.push(button(tr!(t, "btn-newer"), Cb::GridNewer(first.id)));
    }
    if let (true, Some(last)) = (page.has_older(), page.images.last()) {
        nav.push(button(tr!(t, "btn-older"), Cb::GridOlder(last.id)));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    rows.push(vec![button(tr!(t, "btn-grid-cards"), Cb::Gallery), button(tr!(t, "btn-menu"), Cb::Menu)]);
    rows
}
