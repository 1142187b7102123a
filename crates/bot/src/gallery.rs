//! The gallery card view: a photo message whose caption and buttons are edited in place as the
//! user moves, filters, favorites and deletes. Text screens (prompt, stats, empty result) are
//! separate messages.

use crate::bot::{Bot, Ctx, button};

mod step;
use crate::callback::{Cb, DatePick};
use crate::dialogue::Dialogue;
use crate::html::escape;
use crate::io::{Keyboard, Media, MessageId, Outgoing, Reply};
use crate::texts::{Texts, tr};
use aisha_domain::ValidationError;
use aisha_domain::gallery::{DateFilter, DateRange, Filter, ImageKind};
use aisha_domain::ports::StoreError;
use aisha_domain::services::gallery::{Card, Nav, Step, View};
use aisha_domain::{Catalog, ImageId, Language, Timezone};

/// Where the button that led here lives: edit a photo in place, or send a new one.
#[derive(Clone, Copy)]
enum Origin {
    Card(MessageId),
    Text(Option<MessageId>),
}

pub(crate) fn caption(t: &Texts, catalog: &Catalog, language: Language, card: &Card, tz: Timezone) -> String {
    let img = &card.image;
    let model = match img.kind {
        ImageKind::Text => escape(&catalog.display_name(&img.model, language)),
        ImageKind::AvatarPhoto => escape(img.avatar_name.as_deref().unwrap_or("FLUX")),
    };
    let when = crate::texts::local_time(t, img.created_at, tz, false);
    let mut text = tr!(
        t,
        "caption",
        index = &card.position.index,
        total = &card.position.total,
        model = &model,
        aspect = &img.aspect,
        date = &when
    );
    if img.favorite {
        text.push_str(" · ⭐");
    }
    text
}

/// The filter's indicators on the Filters button: 🎨/🎭 type, 🎭 avatar, ⭐, 📅.
fn indicators(f: &Filter) -> String {
    let mut s = String::new();
    match f.kind {
        Some(ImageKind::Text) => s.push('🎨'),
        Some(ImageKind::AvatarPhoto) => s.push('🎭'),
        None => {}
    }
    if f.avatar.is_some() && f.kind != Some(ImageKind::AvatarPhoto) {
        s.push('🎭');
    }
    if f.favorites_only {
        s.push('⭐');
    }
    if f.date.is_some() {
        s.push('📅');
    }
    if s.is_empty() { s } else { format!(" ({s})") }
}

pub(crate) fn card_keyboard(t: &Texts, card: &Card) -> Keyboard {
    let img = &card.image;
    let mut nav = Vec::new();
    // a step carries this card and its filter, so pressing it needs no session read
    let step = |older| Cb::Step(Step { from: img.id, older, filter: card.filter });
    nav.push(match card.position.has_newer() {
        true => button("⬅️", step(false)),
        false => button("·", Cb::Noop),
    });
    nav.push(button(if img.favorite { "⭐" } else { "☆" }, Cb::Favorite(img.id)));
    nav.push(match card.position.has_older() {
        true => button("➡️", step(true)),
        false => button("·", Cb::Noop),
    });
    vec![
        nav,
        vec![button(tr!(t, "btn-prompt"), Cb::Prompt(img.id)), button(tr!(t, "btn-original"), Cb::Original(img.id))],
        vec![button(tr!(t, "btn-again"), Cb::AgainImage(img.id)), button(tr!(t, "btn-delete"), Cb::Delete(img.id))],
        vec![
            button(tr!(t, "btn-filters", marks = &indicators(&card.filter)), Cb::Filters),
            button(tr!(t, "btn-stats"), Cb::Stats),
        ],
        vec![button(tr!(t, "btn-menu"), Cb::Menu)],
    ]
}

/// The filter in words: HTML for a message, plain text (`html: false`) for a toast.
fn filter_summary(t: &Texts, f: &Filter, avatar_name: Option<&str>, html: bool) -> String {
    if f.is_empty() {
        return tr!(t, "filter-none");
    }
    let mut lines = Vec::new();
    match f.kind {
        Some(ImageKind::Text) => lines.push(tr!(t, "filter-type-prompt")),
        Some(ImageKind::AvatarPhoto) => lines.push(tr!(t, "filter-type-avatar")),
        None => {}
    }
    if f.avatar.is_some() {
        let name = avatar_name.unwrap_or("?");
        lines.push(tr!(t, "filter-avatar", avatar = &if html { escape(name) } else { name.to_owned() }));
    }
    if f.favorites_only {
        lines.push(tr!(t, "filter-favorites"));
    }
    if let Some(d) = f.date {
        let label = match d {
            DateFilter::Today => tr!(t, "date-today"),
            DateFilter::Yesterday => tr!(t, "date-yesterday"),
            DateFilter::Last7Days => tr!(t, "date-week"),
            DateFilter::Last30Days => tr!(t, "date-month"),
            DateFilter::Range { range } => {
                format!("{} – {}", range.from.format("%d.%m.%Y"), range.to.format("%d.%m.%Y"))
            }
        };
        lines.push(tr!(t, "filter-date", period = &label));
    }
    lines.join("\n")
}

/// `avatar_name` is the filtered avatar's name (a button label: plain text, not escaped).
fn filters_keyboard(t: &Texts, f: &Filter, avatar_name: Option<&str>) -> Keyboard {
    let mark = |on: bool, s: &str| if on { format!("✓ {s}") } else { s.to_owned() };
    let avatar = match (f.avatar, avatar_name) {
        (Some(_), Some(name)) => format!("✓ {}", tr!(t, "filter-avatar", avatar = &crate::html::clip(name, 30))),
        (Some(_), None) => format!("✓ {}", tr!(t, "filter-avatar", avatar = &"?")),
        (None, _) => tr!(t, "filter-avatar", avatar = &tr!(t, "filter-avatar-all")),
    };
    vec![
        vec![
            button(mark(f.kind.is_none(), &tr!(t, "filter-type-all")), Cb::FilterType(None)),
            button(
                mark(f.kind == Some(ImageKind::Text), &tr!(t, "filter-type-prompt")),
                Cb::FilterType(Some(ImageKind::Text)),
            ),
            button(
                mark(f.kind == Some(ImageKind::AvatarPhoto), &tr!(t, "filter-type-avatar")),
                Cb::FilterType(Some(ImageKind::AvatarPhoto)),
            ),
        ],
        vec![button(avatar, Cb::FilterAvatarMenu)],
        vec![button(mark(f.favorites_only, &tr!(t, "filter-favorites")), Cb::FilterFavorites(!f.favorites_only))],
        vec![button(tr!(t, "filter-date", period = &if f.date.is_some() { "✓" } else { "…" }), Cb::FilterDateMenu)],
        vec![button(tr!(t, "btn-reset"), Cb::FilterReset), button(tr!(t, "btn-to-card"), Cb::Card)],
    ]
}

/// A text that reads lowercase inside a sentence ("📅 Период: сегодня"), as a button label
/// ("Сегодня").
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// The user's avatars to filter by, and "any".
fn avatars_keyboard(t: &Texts, f: &Filter, avatars: &[aisha_domain::avatar::Avatar]) -> Keyboard {
    let mark = |on: bool, s: &str| if on { format!("✓ {s}") } else { s.to_owned() };
    let any = capitalized(&tr!(t, "filter-avatar-all"));
    let mut rows = vec![vec![button(mark(f.avatar.is_none(), &any), Cb::FilterAvatar(None))]];
    rows.extend(avatars.iter().take(30).map(|a| {
        vec![button(
            mark(f.avatar == Some(a.id), &format!("🎭 {}", crate::html::clip(a.name.as_str(), 30))),
            Cb::FilterAvatar(Some(a.id)),
        )]
    }));
    rows.push(vec![button(tr!(t, "btn-back"), Cb::Filters)]);
    rows
}

fn dates_keyboard(t: &Texts, f: &Filter) -> Keyboard {
    let current = match f.date {
        None => DatePick::Any,
        Some(DateFilter::Today) => DatePick::Today,
        Some(DateFilter::Yesterday) => DatePick::Yesterday,
        Some(DateFilter::Last7Days) => DatePick::Week,
        Some(DateFilter::Last30Days) => DatePick::Month,
        Some(DateFilter::Range { .. }) => DatePick::Custom,
    };
    let picks =
        [DatePick::Any, DatePick::Today, DatePick::Yesterday, DatePick::Week, DatePick::Month, DatePick::Custom];
    let b = |i: usize| {
        let label = match picks[i] {
            DatePick::Any => tr!(t, "date-all"),
            DatePick::Today => tr!(t, "date-today"),
            DatePick::Yesterday => tr!(t, "date-yesterday"),
            DatePick::Week => tr!(t, "date-week"),
            DatePick::Month => tr!(t, "date-month"),
            DatePick::Custom => tr!(t, "date-custom"),
        };
        let label = capitalized(&label);
        let label = if picks[i] == current { format!("✓ {label}") } else { label };
        button(label, Cb::FilterDate(picks[i]))
    };
    vec![vec![b(0), b(1), b(2)], vec![b(3), b(4), b(5)], vec![button(tr!(t, "btn-back"), Cb::Filters)]]
}

impl Bot {
    /// Opens the gallery at the remembered card (or at `to`), as a new photo message.
    pub(crate) async fn open_gallery(
        &self,
        cx: &mut Ctx,
        to: Option<aisha_domain::ImageId>,
        replace_text: bool,
    ) -> Result<(), StoreError> {
        let nav = to.map_or(Nav::Current, Nav::To);
        let view = self.gallery.show(&cx.user, nav).await?;
        self.present(cx, Origin::Text(None), view, replace_text);
        Ok(())
    }

    fn present(&self, cx: &mut Ctx, origin: Origin, view: View, drop_text: bool) {
        let t = cx.t;
        match (view, origin) {
            (View::Card(card), Origin::Card(message)) => {
                let photo = media(&card);
                let caption = Some(caption(
                    t,
                    self.generation.catalog(),
                    cx.user.settings.language,
                    &card,
                    cx.user.settings.timezone,
                ));
                let keyboard = Some(card_keyboard(t, &card));
                cx.out.push(Outgoing::normal(Reply::EditPhoto { chat: cx.chat, message, photo, caption, keyboard }));
            }
            (View::Card(card), Origin::Text(message)) => {
                if let (true, Some(message)) = (drop_text, message) {
                    cx.out.push(Outgoing::normal(Reply::Delete { chat: cx.chat, message }));
                }
                let photo = media(&card);
                let caption = Some(caption(
                    t,
                    self.generation.catalog(),
                    cx.user.settings.language,
                    &card,
                    cx.user.settings.timezone,
                ));
                let keyboard = Some(card_keyboard(t, &card));
                cx.out.push(Outgoing::normal(Reply::SendPhoto { chat: cx.chat, photo, caption, keyboard }));
            }
            (View::Empty { filter }, origin) => {
                let (text, keyboard) = if filter.is_empty() {
                    (
                        tr!(t, "gallery-empty"),
                        vec![
                            vec![button(tr!(t, "btn-create"), Cb::Create)],
                            vec![button(tr!(t, "btn-menu"), Cb::Menu)],
                        ],
                    )
                } else {
                    (
                        tr!(t, "gallery-empty-filtered"),
                        vec![
                            vec![button(tr!(t, "btn-reset"), Cb::GalleryReset)],
                            vec![button(tr!(t, "btn-menu"), Cb::Menu)],
                        ],
                    )
                };
                match origin {
                    Origin::Card(message) => {
                        cx.out.push(Outgoing::normal(Reply::Delete { chat: cx.chat, message }));
                        cx.send(text, Some(keyboard));
                    }
                    Origin::Text(message) => cx.edit_or_send(message, text, Some(keyboard)),
                }
            }
        }
    }

    pub(crate) async fn gallery_button(
        &self,
        cx: &mut Ctx,
        message: Option<crate::io::MessageId>,
        cb: Cb,
    ) -> Result<Option<String>, StoreError> {
        let card_origin = message.map_or(Origin::Text(None), Origin::Card);
        let user = cx.user.clone();
        let g = &self.gallery;
        let t = cx.t;
        match cb {
            Cb::Gallery => self.open_gallery(cx, None, false).await?,
            Cb::Open(id) => {
                if g.image(&user, id).await?.is_none() {
                    return Ok(Some(tr!(t, "not-found")));
                }
                self.open_gallery(cx, Some(id), false).await?;
            }
            Cb::GalleryReset => {
                let view = g.set_filter(&user, |f| *f = Filter::default()).await?;
                self.present(cx, Origin::Text(message), view, true);
            }
            Cb::Newer | Cb::Older | Cb::Card => {
                let nav = match cb {
                    Cb::Newer => Nav::Newer,
                    Cb::Older => Nav::Older,
                    _ => Nav::Current,
                };
                let view = g.show(&user, nav).await?;
                self.present(cx, card_origin, view, false);
            }
            Cb::Step(step) => {
                // steps are answered before routing (`step.rs`); this is the same step without
                // an update to claim
                if let Some(view) = g.step_settle(&user, step, None, None).await? {
                    self.present(cx, card_origin, view, false);
                }
            }
            Cb::Favorite(id) => {
                let Some((now, view)) = g.toggle_favorite(&user, id).await? else {
                    return Ok(Some(tr!(t, "not-found")));
                };
                self.present(cx, card_origin, view, false);
                return Ok(Some(if now { tr!(t, "favorited") } else { tr!(t, "unfavorited") }));
            }
            Cb::Prompt(id) => return self.show_prompt(cx, id).await,
            Cb::Delete(id) => return self.ask_delete_image(cx, message, id).await,
            Cb::DeleteYes(id) => {
                let Some(view) = g.delete(&user, id).await? else { return Ok(Some(tr!(t, "not-found"))) };
                self.present(cx, card_origin, view, false);
                return Ok(Some(tr!(t, "deleted")));
            }
            Cb::Filters | Cb::FilterDateMenu | Cb::FilterAvatarMenu => return self.filter_menu(cx, message, cb).await,
            Cb::FilterAvatar(Some(id)) if self.avatars.get(user.id, id).await?.is_none() => {
                return Ok(Some(tr!(t, "not-found")));
            }
            Cb::FilterDate(DatePick::Custom) => {
                self.set_dialogue(cx, &Dialogue::DateRange).await?;
                cx.send(tr!(t, "ask-date-range"), Some(vec![vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]]));
            }
            Cb::FilterType(_) | Cb::FilterAvatar(_) | Cb::FilterFavorites(_) | Cb::FilterDate(_) | Cb::FilterReset => {
                self.apply_filter(cx, card_origin, cb).await?;
            }
            _ => {}
        }
        Ok(None)
    }

    /// An image's description, as a message of its own with Again under it.
    async fn show_prompt(&self, cx: &mut Ctx, id: ImageId) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let Some(img) = self.gallery.image(&cx.user, id).await? else { return Ok(Some(tr!(t, "not-found"))) };
        let text = tr!(t, "prompt-view", prompt = &escape(img.prompt.as_str()));
        cx.send(
            text,
            Some(vec![vec![button(tr!(t, "btn-again"), Cb::AgainImage(id)), button(tr!(t, "btn-menu"), Cb::Menu)]]),
        );
        Ok(None)
    }

    /// Delete on a card: its buttons become the question (yes, or back to the card), and a
    /// toast asks it.
    async fn ask_delete_image(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        id: ImageId,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        if self.gallery.image(&cx.user, id).await?.is_none() {
            return Ok(Some(tr!(t, "not-found")));
        }
        let keyboard =
            vec![vec![button(tr!(t, "btn-delete-yes"), Cb::DeleteYes(id)), button(tr!(t, "btn-to-card"), Cb::Card)]];
        if let Some(message) = message {
            cx.out.push(Outgoing::normal(Reply::EditKeyboard { chat: cx.chat, message, keyboard: Some(keyboard) }));
        }
        Ok(Some(tr!(t, "confirm-delete")))
    }

    /// The filter screens (all filters, the avatars, the dates) as the card's buttons, or as a
    /// message of their own without a card; the filter in words as the toast.
    async fn filter_menu(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        cb: Cb,
    ) -> Result<Option<String>, StoreError> {
        let t = cx.t;
        let user = cx.user.id;
        let filter = self.gallery.filter(&cx.user).await?;
        let name = match filter.avatar {
            Some(id) => self.avatars.get(user, id).await?.map(|a| a.name.to_string()),
            None => None,
        };
        let keyboard = match cb {
            Cb::FilterDateMenu => dates_keyboard(t, &filter),
            Cb::FilterAvatarMenu => avatars_keyboard(t, &filter, &self.avatars.list(user).await?),
            _ => filters_keyboard(t, &filter, name.as_deref()),
        };
        let summary = filter_summary(t, &filter, name.as_deref(), true);
        match message {
            Some(message) => {
                cx.out.push(Outgoing::normal(Reply::EditKeyboard { chat: cx.chat, message, keyboard: Some(keyboard) }));
            }
            None if cb == Cb::FilterAvatarMenu => cx.send(tr!(t, "choose-avatar-filter"), Some(keyboard)),
            None => cx.send(tr!(t, "filters", summary = &summary), Some(keyboard)),
        }
        let plain = filter_summary(t, &filter, name.as_deref(), false);
        Ok(Some(crate::html::clip(&plain, 190)))
    }

    /// A filter button (type, avatar, favorites, a date, reset): the card under the new filter.
    async fn apply_filter(&self, cx: &mut Ctx, origin: Origin, cb: Cb) -> Result<(), StoreError> {
        let view = self
            .gallery
            .set_filter(&cx.user, move |f| match cb {
                Cb::FilterType(k) => f.kind = k,
                Cb::FilterAvatar(a) => f.avatar = a,
                Cb::FilterFavorites(on) => f.favorites_only = on,
                Cb::FilterDate(d) => {
                    f.date = match d {
                        DatePick::Any | DatePick::Custom => None,
                        DatePick::Today => Some(DateFilter::Today),
                        DatePick::Yesterday => Some(DateFilter::Yesterday),
                        DatePick::Week => Some(DateFilter::Last7Days),
                        DatePick::Month => Some(DateFilter::Last30Days),
                    }
                }
                _ => *f = Filter::default(),
            })
            .await?;
        self.present(cx, origin, view, false);
        Ok(())
    }

    pub(crate) async fn date_range_given(&self, cx: &mut Ctx, text: &str) -> Result<(), StoreError> {
        match DateRange::parse(text) {
            Ok(range) => {
                self.clear_dialogue(cx).await?;
                let user = cx.user.clone();
                let view = self.gallery.set_filter(&user, |f| f.date = Some(DateFilter::Range { range })).await?;
                self.present(cx, Origin::Text(None), view, false);
            }
            Err(e) => {
                let why = match e {
                    ValidationError::DateRangeReversed => tr!(cx.t, "date-range-reversed"),
                    ValidationError::DateRangeTooLong { max_days, got } => {
                        tr!(cx.t, "date-range-too-long", days = &got, max = &max_days)
                    }
                    _ => tr!(cx.t, "date-range-format"),
                };
                let reply = tr!(cx.t, "bad-date-range", reason = &why);
                cx.send(reply, Some(vec![vec![button(tr!(cx.t, "btn-cancel"), Cb::Cancel)]]));
            }
        }
        Ok(())
    }
}

fn media(card: &Card) -> Media {
    match &card.image.telegram_file_id {
        Some(id) => Media::FileId(id.clone()),
        None => Media::Stored { key: card.image.object.key.clone(), image: Some(card.image.id) },
    }
}
