//! Styles at the description step: a paged keyboard of one-tap prompt templates. In photos
//! with an avatar a style is the whole description; in Create the user names its subject
//! next, and the subject fills the template's slot.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::Dialogue;
use crate::html::escape;
use crate::io::{Keyboard, Media, MessageId, Outgoing, Reply};
use crate::texts::tr;
use aisha_domain::ports::StoreError;
use aisha_domain::style::{Flow, SUBJECT, Style, StyleKey};
use aisha_domain::{AspectRatio, AvatarId, ImageCount, ModelKey, Prompt};

/// Styles on one page: four rows of two.
const PER_PAGE: usize = 8;

type Like = Option<(AspectRatio, ImageCount, ModelKey)>;

fn flow(avatar: Option<AvatarId>) -> Flow {
    match avatar {
        Some(_) => Flow::WithMe,
        None => Flow::Create,
    }
}

impl Bot {
    /// Whether the description step of this flow has styles to offer (its «🎨» button).
    pub(crate) fn has_styles(&self, avatar: Option<AvatarId>) -> bool {
        self.config.styles.offered(flow(avatar)).next().is_some()
    }

    fn styles_of(&self, avatar: Option<AvatarId>) -> Vec<&Style> {
        self.config.styles.offered(flow(avatar)).collect()
    }

    pub(crate) async fn styles_button(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        cb: Cb,
    ) -> Result<Option<String>, StoreError> {
        // styles belong to an open description question; an old keyboard gets "outdated"
        let Some(Dialogue::Prompt { like, avatar, style }) = self.dialogue(cx).await? else {
            return Ok(Some(tr!(cx.t, "outdated")));
        };
        match cb {
            Cb::Styles(page) => {
                if style.is_some() {
                    self.set_dialogue(cx, &Dialogue::Prompt { like, avatar, style: None }).await?;
                }
                self.show_styles(cx, message, avatar, page);
            }
            Cb::StylePreviews(page) => self.send_previews(cx, avatar, page),
            Cb::Style(key) => return self.style_picked(cx, message, like, avatar, key).await,
            Cb::StylesBack => match avatar {
                Some(a) => return self.with_me(cx, message, Some(a), like).await,
                None => self.ask_prompt(cx, message, like).await?,
            },
            _ => {}
        }
        Ok(None)
    }

    fn show_styles(&self, cx: &mut Ctx, message: Option<MessageId>, avatar: Option<AvatarId>, page: u8) {
        let t = cx.t;
        let language = cx.user.settings.language;
        let styles = self.styles_of(avatar);
        let pages = styles.len().div_ceil(PER_PAGE).max(1);
        let page = usize::from(page).min(pages - 1);
        let on_page = styles.iter().skip(page * PER_PAGE).take(PER_PAGE);
        let mut rows: Keyboard = on_page
            .clone()
            .map(|s| button(s.name(language), Cb::Style(s.key)))
            .collect::<Vec<_>>()
            .chunks(2)
            .map(<[_]>::to_vec)
            .collect();
        let to = |p: usize| Cb::Styles(u8::try_from(p).unwrap_or(u8::MAX));
        if pages > 1 {
            let mut nav = Vec::new();
            if page > 0 {
                nav.push(button("⬅️", to(page - 1)));
            }
            if page + 1 < pages {
                nav.push(button("➡️", to(page + 1)));
            }
            rows.push(nav);
        }
        let mut last = Vec::new();
        if on_page.clone().any(|s| s.preview.is_some()) {
            last.push(button(tr!(t, "btn-style-previews"), Cb::StylePreviews(u8::try_from(page).unwrap_or(u8::MAX))));
        }
        last.push(button(tr!(t, "btn-back"), Cb::StylesBack));
        rows.push(last);
        let mut text = match avatar {
            Some(_) => tr!(t, "styles-with-me"),
            None => tr!(t, "styles-create"),
        };
        if pages > 1 {
            text = format!("{text}\n\n{}", tr!(t, "styles-page", page = page + 1, pages = pages));
        }
        cx.edit_or_send(message, text, Some(rows));
    }

    /// The previews of one page's styles, as an album captioned with their names (one photo
    /// is sent as a photo: Telegram's albums take two to ten).
    fn send_previews(&self, cx: &mut Ctx, avatar: Option<AvatarId>, page: u8) {
        let language = cx.user.settings.language;
        let photos: Vec<(Media, Option<String>)> = self
            .styles_of(avatar)
            .into_iter()
            .skip(usize::from(page) * PER_PAGE)
            .take(PER_PAGE)
            .filter_map(|s| Some((Media::Url(s.preview.clone()?), Some(escape(s.name(language))))))
            .collect();
        let reply = match photos.as_slice() {
            [] => return,
            [(photo, caption)] => {
                Reply::SendPhoto { chat: cx.chat, photo: photo.clone(), caption: caption.clone(), keyboard: None }
            }
            _ => Reply::SendAlbum { chat: cx.chat, photos },
        };
        cx.out.push(Outgoing::normal(reply));
    }

    async fn style_picked(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        like: Like,
        avatar: Option<AvatarId>,
        key: StyleKey,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let Some(style) = self.config.styles.get(key).filter(|s| s.offered_in(flow(avatar))).cloned() else {
            return Ok(Some(tr!(t, "outdated")));
        };
        let name = escape(style.name(cx.user.settings.language));
        match avatar {
            // the style is the whole description: the order goes on at once
            Some(_) => {
                cx.edit_or_send(message, format!("<b>{name}</b>"), None);
                self.prompt_given(cx, style.for_person().as_str(), like, avatar).await?;
            }
            None => {
                self.set_dialogue(cx, &Dialogue::Prompt { like, avatar, style: Some(key) }).await?;
                let keyboard = vec![
                    vec![button(tr!(t, "btn-other-style"), Cb::Styles(0))],
                    vec![button(tr!(t, "btn-cancel"), Cb::Cancel)],
                ];
                cx.edit_or_send(message, tr!(t, "style-subject", style = &name), Some(keyboard));
            }
        }
        Ok(None)
    }

    /// The subject typed after a style was picked in Create: it fills the style's slot and the
    /// order goes on as if the whole description had been typed. A style removed from the
    /// configuration since takes the text as the description itself.
    pub(crate) async fn subject_given(
        &self,
        cx: &mut Ctx,
        text: &str,
        like: Like,
        avatar: Option<AvatarId>,
        key: StyleKey,
    ) -> Result<(), StoreError> {
        match self.config.styles.get(key) {
            Some(style) if !text.trim().is_empty() => {
                let prompt = style.apply(text);
                // too long is said of what the user typed, against the room the template leaves
                let room = Prompt::MAX_CHARS.saturating_sub(style.template.chars().count() - SUBJECT.len());
                let got = text.trim().chars().count();
                if got > room {
                    let reply = tr!(cx.t, "prompt-too-long", length = got, max = room);
                    cx.send(reply, Some(vec![vec![button(tr!(cx.t, "btn-cancel"), Cb::Cancel)]]));
                    return Ok(());
                }
                self.prompt_given(cx, &prompt, like, avatar).await
            }
            _ => self.prompt_given(cx, text, like, avatar).await,
        }
    }
}
