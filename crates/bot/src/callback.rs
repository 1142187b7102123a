//! Callback data: one typed enum, a compact versioned text encoding (always ≤ 64 bytes), and
//! a decoder that never fails loudly — anything it does not know is `None`, which the bot
//! answers with "this button is outdated" and the current screen.
//!
//! Ids travel as 32 hex digits (a gallery step's as 22 base64url characters, to leave room for
//! its filter); they are never trusted, only looked up through owner-scoped
//! queries.
//!
//! This module holds the enum and its samples; `wire` holds the encoding, area by area.

use aisha_domain::avatar::Gender;
use aisha_domain::gallery::ImageKind;
use aisha_domain::services::gallery::Step;
use aisha_domain::style::StyleKey;
use aisha_domain::{AspectRatio, AvatarId, ImageId, JobId, Language, ModelKey, PhotoId};

/// The version prefix. Bump it when an encoding changes incompatibly; old buttons then decode
/// as unknown and get the polite "outdated" answer.
pub const VERSION: &str = "1";
const V: &str = VERSION;

mod step;
mod wire;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatePick {
    Any,
    Today,
    Yesterday,
    Week,
    Month,
    /// Ask the user to type a range.
    Custom,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    Menu,
    Create,
    Gallery,
    Balance,
    Settings,
    Help,
    /// Leave whatever dialogue is open.
    Cancel,
    // create
    Aspect(AspectRatio),
    Count(u8),
    /// A catalog model for the draft, by key.
    Model(ModelKey),
    Confirm(JobId),
    CancelJob(JobId),
    Again(JobId),
    EditPrompt(JobId),
    /// Back to the order kept while the user topped up.
    Resume,
    /// Ask the assistant to rewrite the draft's description.
    Improve,
    /// Take the assistant's rewrite.
    ImproveTake,
    /// Keep the user's own description.
    ImproveKeep,
    /// Photos with an avatar: send the user's own words, not the translation.
    SendOwn,
    /// The styles offered at the description step, this page.
    Styles(u8),
    /// The previews of this page's styles, as an album.
    StylePreviews(u8),
    /// Fill the description from this style.
    Style(StyleKey),
    /// From the styles back to the description question.
    StylesBack,
    // gallery
    /// ⬅️ on a card rendered before steps carried their card (moves from the session's place).
    Newer,
    /// ➡️ on such a card.
    Older,
    /// ⬅️ or ➡️ on a card: from that card, under the filter it shows.
    Step(Step),
    Open(ImageId),
    Favorite(ImageId),
    Prompt(ImageId),
    AgainImage(ImageId),
    Delete(ImageId),
    DeleteYes(ImageId),
    Card,
    /// From the empty-gallery text screen: reset the filter and show the newest card.
    GalleryReset,
    /// Favorite toggle on a result message (the gallery card has its own).
    ResultFavorite(ImageId),
    /// The full-resolution original of one image, as a document (gallery card).
    Original(ImageId),
    /// The originals of every image a job made, as documents (result message).
    Originals(JobId),
    /// The grid page of images older than this one.
    GridOlder(ImageId),
    /// The grid page of images newer than this one.
    GridNewer(ImageId),
    Filters,
    Stats,
    FilterType(Option<ImageKind>),
    FilterAvatarMenu,
    FilterAvatar(Option<AvatarId>),
    FilterFavorites(bool),
    FilterDateMenu,
    FilterDate(DatePick),
    FilterReset,
    // avatars
    /// The list of the user's avatars.
    Avatars,
    /// Start a new avatar: ask its name.
    AvatarNew,
    /// The gender of the avatar being created (its name is in the dialogue).
    Gender(Gender),
    /// An avatar's card.
    AvatarOpen(AvatarId),
    /// The upload screen: photos sent next go to this avatar.
    AvatarUpload(AvatarId),
    /// The list of an avatar's photos with remove buttons.
    AvatarReview(AvatarId),
    /// Send an avatar's photos back as albums, numbered as in the review.
    AvatarShowPhotos(AvatarId),
    /// Remove a photo of the avatar being uploaded to (the avatar comes from the dialogue).
    PhotoRemove(PhotoId),
    /// Training confirmation with the price.
    AvatarTrain(AvatarId),
    /// Start the training minted into the dialogue (the avatar comes from the dialogue).
    TrainConfirm(JobId),
    AvatarMain(AvatarId),
    AvatarRename(AvatarId),
    AvatarDelete(AvatarId),
    AvatarDeleteYes(AvatarId),
    /// "Photos with me" with the preferred avatar.
    WithMe,
    /// "Photos with me" with this avatar.
    WithAvatar(AvatarId),
    // balance
    TopUp,
    Buy(u8),
    Promo,
    History(u16),
    // settings
    Language(Language),
    TimezoneMenu,
    Timezone(u8),
    Defaults,
    DefaultAspect(AspectRatio),
    DefaultCount(u8),
    DefaultModel(ModelKey),
    Quick(bool),
    /// Translate descriptions for photos with an avatar.
    Translate(bool),
    /// A button that does nothing (a label in a keyboard row).
    Noop,
}

const DATES: [DatePick; 6] =
    [DatePick::Any, DatePick::Today, DatePick::Yesterday, DatePick::Week, DatePick::Month, DatePick::Custom];

impl Cb {
    pub fn encode(&self) -> String {
        format!("{V}{}", wire::encode(*self))
    }

    /// `None` for anything this version does not produce: old, forged or garbage data.
    pub fn decode(data: &str) -> Option<Cb> {
        let body = data.strip_prefix(V)?;
        let (tag, arg) = match body.split_once(':') {
            Some((t, a)) => (t, Some(a)),
            None => (body, None),
        };
        wire::decode(tag, arg)
    }
}

/// Every variant that names something by id, carrying `id`: what a forged press sends.
pub fn with_id(id: uuid::Uuid) -> Vec<Cb> {
    vec![
        Cb::Confirm(JobId(id)),
        Cb::CancelJob(JobId(id)),
        Cb::Again(JobId(id)),
        Cb::EditPrompt(JobId(id)),
        Cb::Open(ImageId(id)),
        Cb::Favorite(ImageId(id)),
        Cb::Prompt(ImageId(id)),
        Cb::AgainImage(ImageId(id)),
        Cb::Delete(ImageId(id)),
        Cb::DeleteYes(ImageId(id)),
        Cb::ResultFavorite(ImageId(id)),
        Cb::Original(ImageId(id)),
        Cb::Originals(JobId(id)),
        Cb::GridOlder(ImageId(id)),
        Cb::GridNewer(ImageId(id)),
        Cb::FilterAvatar(Some(AvatarId(id))),
        Cb::AvatarOpen(AvatarId(id)),
        Cb::AvatarUpload(AvatarId(id)),
        Cb::AvatarReview(AvatarId(id)),
        Cb::AvatarShowPhotos(AvatarId(id)),
        Cb::PhotoRemove(PhotoId(id)),
        Cb::AvatarTrain(AvatarId(id)),
        Cb::TrainConfirm(JobId(id)),
        Cb::AvatarMain(AvatarId(id)),
        Cb::AvatarRename(AvatarId(id)),
        Cb::AvatarDelete(AvatarId(id)),
        Cb::AvatarDeleteYes(AvatarId(id)),
        Cb::WithAvatar(AvatarId(id)),
    ]
}

/// Every variant at least once, with the largest arguments it can carry (ids all ones): for
/// the round-trip test here and for tests elsewhere that press every kind of button, so they
/// follow this enum instead of copying its encoding.
pub fn samples() -> Vec<Cb> {
    let mut all = vec![
        Cb::Menu,
        Cb::Create,
        Cb::Gallery,
        Cb::Balance,
        Cb::Settings,
        Cb::Help,
        Cb::Cancel,
        Cb::Resume,
        Cb::Improve,
        Cb::ImproveTake,
        Cb::ImproveKeep,
        Cb::Newer,
        Cb::Older,
        Cb::Card,
        Cb::GalleryReset,
        Cb::Filters,
        Cb::Stats,
        Cb::FilterAvatarMenu,
        Cb::FilterAvatar(None),
        Cb::FilterFavorites(true),
        Cb::FilterFavorites(false),
        Cb::FilterDateMenu,
        Cb::FilterReset,
        Cb::TopUp,
        Cb::Buy(255),
        Cb::Promo,
        Cb::History(u16::MAX),
        Cb::TimezoneMenu,
        Cb::Timezone(255),
        Cb::Defaults,
        Cb::Quick(true),
        Cb::Quick(false),
        Cb::Translate(true),
        Cb::Translate(false),
        Cb::SendOwn,
        Cb::Styles(0),
        Cb::Styles(255),
        Cb::StylePreviews(3),
        Cb::Style(StyleKey::parse(&"k".repeat(ModelKey::MAX)).expect("a valid key")),
        Cb::Style(StyleKey::parse("noir").expect("a valid key")),
        Cb::StylesBack,
        Cb::Noop,
        Cb::Language(Language::Ru),
        Cb::Language(Language::En),
        Cb::Avatars,
        Cb::AvatarNew,
        Cb::Gender(Gender::Male),
        Cb::Gender(Gender::Female),
        Cb::WithMe,
    ];
    all.extend(with_id(uuid::Uuid::from_u128(u128::MAX)));
    for a in AspectRatio::ALL {
        all.push(Cb::Aspect(a));
        all.push(Cb::DefaultAspect(a));
    }
    for n in 1..=4 {
        all.push(Cb::Count(n));
        all.push(Cb::DefaultCount(n));
    }
    // the longest key a catalog may hold, and the retired ones older buttons carry
    let longest = ModelKey::parse(&"k".repeat(ModelKey::MAX)).expect("a valid key");
    for k in [longest, ModelKey::parse(ModelKey::IMAGEN4_STANDARD).expect("a valid key")] {
        all.push(Cb::Model(k));
        all.push(Cb::DefaultModel(k));
    }
    for k in [None, Some(ImageKind::Text), Some(ImageKind::AvatarPhoto)] {
        all.push(Cb::FilterType(k));
    }
    for d in DATES {
        all.push(Cb::FilterDate(d));
    }
    all.extend(steps());
    all
}

/// Steps both ways under every kind of filter, the longest (a range and an avatar) among them.
fn steps() -> Vec<Cb> {
    use aisha_domain::gallery::{DateFilter, DateRange, Filter};
    use chrono::NaiveDate;
    let card = ImageId(uuid::Uuid::from_u128(u128::MAX - 7));
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let range = DateRange::new(day(2025, 12, 31), day(2026, 12, 31)).expect("366 days");
    let dates = [
        None,
        Some(DateFilter::Today),
        Some(DateFilter::Yesterday),
        Some(DateFilter::Last7Days),
        Some(DateFilter::Last30Days),
        Some(DateFilter::Range { range }),
    ];
    let mut all = Vec::new();
    for (i, date) in dates.into_iter().enumerate() {
        for kind in [None, Some(ImageKind::Text), Some(ImageKind::AvatarPhoto)] {
            let avatar = (i % 2 == 1).then(|| AvatarId(uuid::Uuid::from_u128(u128::MAX)));
            for (older, favorites_only) in [(true, false), (false, true)] {
                let filter = Filter { kind, avatar, favorites_only, date };
                all.push(Cb::Step(Step { from: card, older, filter }));
            }
        }
    }
    let filter = Filter { kind: None, avatar: Some(AvatarId(uuid::Uuid::nil())), favorites_only: true, date: dates[5] };
    all.push(Cb::Step(Step { from: card, older: true, filter }));
    all
}

#[cfg(test)]
mod tests;
