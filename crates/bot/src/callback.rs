//! Callback data: one typed enum, a compact versioned text encoding (always ≤ 64 bytes), and
//! a decoder that never fails loudly — anything it does not know is `None`, which the bot
//! answers with "this button is outdated" and the current screen.
//!
//! Ids travel as 32 hex digits; they are never trusted, only looked up through owner-scoped
//! queries.

use aisha_domain::avatar::Gender;
use aisha_domain::gallery::ImageKind;
use aisha_domain::style::StyleKey;
use aisha_domain::{AspectRatio, AvatarId, ImageId, JobId, Language, ModelKey, PhotoId};
use uuid_hex::{hex, unhex};

/// The version prefix. Bump it when an encoding changes incompatibly; old buttons then decode
/// as unknown and get the polite "outdated" answer.
pub const VERSION: &str = "1";
const V: &str = VERSION;

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
    Newer,
    Older,
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

fn aspect_code(a: AspectRatio) -> &'static str {
    match a {
        AspectRatio::Square => "11",
        AspectRatio::Portrait3x4 => "34",
        AspectRatio::Landscape4x3 => "43",
        AspectRatio::Portrait9x16 => "916",
        AspectRatio::Landscape16x9 => "169",
    }
}

fn aspect_from(s: &str) -> Option<AspectRatio> {
    AspectRatio::ALL.into_iter().find(|a| aspect_code(*a) == s)
}

fn kind_code(k: Option<ImageKind>) -> &'static str {
    match k {
        None => "all",
        Some(ImageKind::Text) => "im",
        Some(ImageKind::AvatarPhoto) => "av",
    }
}

fn date_code(d: DatePick) -> &'static str {
    match d {
        DatePick::Any => "any",
        DatePick::Today => "td",
        DatePick::Yesterday => "yd",
        DatePick::Week => "7d",
        DatePick::Month => "30d",
        DatePick::Custom => "cus",
    }
}

fn gender_code(g: Gender) -> &'static str {
    match g {
        Gender::Male => "m",
        Gender::Female => "f",
    }
}

const DATES: [DatePick; 6] =
    [DatePick::Any, DatePick::Today, DatePick::Yesterday, DatePick::Week, DatePick::Month, DatePick::Custom];

impl Cb {
    pub fn encode(&self) -> String {
        let body = match *self {
            Cb::Menu => "m".to_owned(),
            Cb::Create => "c".to_owned(),
            Cb::Gallery => "g".to_owned(),
            Cb::Balance => "b".to_owned(),
            Cb::Settings => "s".to_owned(),
            Cb::Help => "h".to_owned(),
            Cb::Cancel => "x".to_owned(),
            Cb::Aspect(a) => format!("ca:{}", aspect_code(a)),
            Cb::Count(n) => format!("cn:{n}"),
            Cb::Model(k) => format!("cv:{k}"),
            Cb::Confirm(j) => format!("cy:{}", hex(j.0)),
            Cb::CancelJob(j) => format!("cx:{}", hex(j.0)),
            Cb::Again(j) => format!("cr:{}", hex(j.0)),
            Cb::EditPrompt(j) => format!("ce:{}", hex(j.0)),
            Cb::Resume => "co".to_owned(),
            Cb::Improve => "ci".to_owned(),
            Cb::ImproveTake => "ct".to_owned(),
            Cb::ImproveKeep => "ck".to_owned(),
            Cb::SendOwn => "cu".to_owned(),
            Cb::Styles(page) => format!("cs:{page}"),
            Cb::StylePreviews(page) => format!("cp:{page}"),
            Cb::Style(k) => format!("cz:{k}"),
            Cb::StylesBack => "cb".to_owned(),
            Cb::Newer => "gp".to_owned(),
            Cb::Older => "gn".to_owned(),
            Cb::Open(i) => format!("go:{}", hex(i.0)),
            Cb::Favorite(i) => format!("gf:{}", hex(i.0)),
            Cb::Prompt(i) => format!("gt:{}", hex(i.0)),
            Cb::AgainImage(i) => format!("gr:{}", hex(i.0)),
            Cb::Delete(i) => format!("gd:{}", hex(i.0)),
            Cb::DeleteYes(i) => format!("gy:{}", hex(i.0)),
            Cb::Card => "gc".to_owned(),
            Cb::GalleryReset => "g0".to_owned(),
            Cb::ResultFavorite(i) => format!("rf:{}", hex(i.0)),
            Cb::Original(i) => format!("gO:{}", hex(i.0)),
            Cb::Originals(j) => format!("rO:{}", hex(j.0)),
            Cb::GridOlder(i) => format!("gN:{}", hex(i.0)),
            Cb::GridNewer(i) => format!("gP:{}", hex(i.0)),
            Cb::Filters => "gF".to_owned(),
            Cb::Stats => "gs".to_owned(),
            Cb::FilterType(k) => format!("ft:{}", kind_code(k)),
            Cb::FilterAvatarMenu => "fA".to_owned(),
            Cb::FilterAvatar(None) => "fa:all".to_owned(),
            Cb::FilterAvatar(Some(a)) => format!("fa:{}", hex(a.0)),
            Cb::FilterFavorites(on) => format!("ff:{}", u8::from(on)),
            Cb::FilterDateMenu => "fD".to_owned(),
            Cb::FilterDate(d) => format!("fd:{}", date_code(d)),
            Cb::FilterReset => "f0".to_owned(),
            Cb::Avatars => "a".to_owned(),
            Cb::AvatarNew => "aN".to_owned(),
            Cb::Gender(g) => format!("ag:{}", gender_code(g)),
            Cb::AvatarOpen(a) => format!("ao:{}", hex(a.0)),
            Cb::AvatarUpload(a) => format!("au:{}", hex(a.0)),
            Cb::AvatarReview(a) => format!("ar:{}", hex(a.0)),
            Cb::AvatarShowPhotos(a) => format!("as:{}", hex(a.0)),
            Cb::PhotoRemove(p) => format!("ax:{}", hex(p.0)),
            Cb::AvatarTrain(a) => format!("at:{}", hex(a.0)),
            Cb::TrainConfirm(j) => format!("ay:{}", hex(j.0)),
            Cb::AvatarMain(a) => format!("am:{}", hex(a.0)),
            Cb::AvatarRename(a) => format!("aR:{}", hex(a.0)),
            Cb::AvatarDelete(a) => format!("ad:{}", hex(a.0)),
            Cb::AvatarDeleteYes(a) => format!("aD:{}", hex(a.0)),
            Cb::WithMe => "w".to_owned(),
            Cb::WithAvatar(a) => format!("wa:{}", hex(a.0)),
            Cb::TopUp => "bt".to_owned(),
            Cb::Buy(n) => format!("bb:{n}"),
            Cb::Promo => "bp".to_owned(),
            Cb::History(p) => format!("bh:{p}"),
            Cb::Language(l) => format!("sl:{}", l.code()),
            Cb::TimezoneMenu => "sZ".to_owned(),
            Cb::Timezone(n) => format!("sz:{n}"),
            Cb::Defaults => "sD".to_owned(),
            Cb::DefaultAspect(a) => format!("sa:{}", aspect_code(a)),
            Cb::DefaultCount(n) => format!("sn:{n}"),
            Cb::DefaultModel(k) => format!("sv:{k}"),
            Cb::Quick(on) => format!("sq:{}", u8::from(on)),
            Cb::Translate(on) => format!("st:{}", u8::from(on)),
            Cb::Noop => "_".to_owned(),
        };
        format!("{V}{body}")
    }

    /// `None` for anything this version does not produce: old, forged or garbage data.
    pub fn decode(data: &str) -> Option<Cb> {
        let body = data.strip_prefix(V)?;
        let (tag, arg) = match body.split_once(':') {
            Some((t, a)) => (t, Some(a)),
            None => (body, None),
        };
        let job = || arg.and_then(unhex).map(JobId);
        let image = || arg.and_then(unhex).map(ImageId);
        let avatar = || arg.and_then(unhex).map(AvatarId);
        let small = || arg.and_then(|a| a.parse::<u8>().ok());
        let flag = || match arg {
            Some("1") => Some(true),
            Some("0") => Some(false),
            _ => None,
        };
        let cb = match (tag, arg) {
            ("m", None) => Cb::Menu,
            ("c", None) => Cb::Create,
            ("g", None) => Cb::Gallery,
            ("b", None) => Cb::Balance,
            ("s", None) => Cb::Settings,
            ("h", None) => Cb::Help,
            ("x", None) => Cb::Cancel,
            ("ca", Some(a)) => Cb::Aspect(aspect_from(a)?),
            ("cn", Some(_)) => Cb::Count(small().filter(|n| (1..=4).contains(n))?),
            ("cv", Some(k)) => Cb::Model(ModelKey::parse(k).ok()?),
            ("cy", Some(_)) => Cb::Confirm(job()?),
            ("cx", Some(_)) => Cb::CancelJob(job()?),
            ("cr", Some(_)) => Cb::Again(job()?),
            ("ce", Some(_)) => Cb::EditPrompt(job()?),
            ("co", None) => Cb::Resume,
            ("ci", None) => Cb::Improve,
            ("ct", None) => Cb::ImproveTake,
            ("ck", None) => Cb::ImproveKeep,
            ("cu", None) => Cb::SendOwn,
            ("cs", Some(_)) => Cb::Styles(small()?),
            ("cp", Some(_)) => Cb::StylePreviews(small()?),
            ("cz", Some(k)) => Cb::Style(StyleKey::parse(k).ok()?),
            ("cb", None) => Cb::StylesBack,
            ("gp", None) => Cb::Newer,
            ("gn", None) => Cb::Older,
            ("go", Some(_)) => Cb::Open(image()?),
            ("gf", Some(_)) => Cb::Favorite(image()?),
            ("gt", Some(_)) => Cb::Prompt(image()?),
            ("gr", Some(_)) => Cb::AgainImage(image()?),
            ("gd", Some(_)) => Cb::Delete(image()?),
            ("gy", Some(_)) => Cb::DeleteYes(image()?),
            ("gc", None) => Cb::Card,
            ("g0", None) => Cb::GalleryReset,
            ("rf", Some(_)) => Cb::ResultFavorite(image()?),
            ("gO", Some(_)) => Cb::Original(image()?),
            ("rO", Some(_)) => Cb::Originals(job()?),
            ("gN", Some(_)) => Cb::GridOlder(image()?),
            ("gP", Some(_)) => Cb::GridNewer(image()?),
            ("gF", None) => Cb::Filters,
            ("gs", None) => Cb::Stats,
            ("ft", Some(k)) => Cb::FilterType(match k {
                "all" => None,
                "im" => Some(ImageKind::Text),
                "av" => Some(ImageKind::AvatarPhoto),
                _ => return None,
            }),
            ("fA", None) => Cb::FilterAvatarMenu,
            ("fa", Some("all")) => Cb::FilterAvatar(None),
            ("fa", Some(a)) => Cb::FilterAvatar(Some(AvatarId(unhex(a)?))),
            ("ff", Some(_)) => Cb::FilterFavorites(flag()?),
            ("fD", None) => Cb::FilterDateMenu,
            ("fd", Some(d)) => Cb::FilterDate(DATES.into_iter().find(|p| date_code(*p) == d)?),
            ("f0", None) => Cb::FilterReset,
            ("a", None) => Cb::Avatars,
            ("aN", None) => Cb::AvatarNew,
            ("ag", Some("m")) => Cb::Gender(Gender::Male),
            ("ag", Some("f")) => Cb::Gender(Gender::Female),
            ("ao", Some(_)) => Cb::AvatarOpen(avatar()?),
            ("au", Some(_)) => Cb::AvatarUpload(avatar()?),
            ("ar", Some(_)) => Cb::AvatarReview(avatar()?),
            ("as", Some(_)) => Cb::AvatarShowPhotos(avatar()?),
            ("ax", Some(p)) => Cb::PhotoRemove(PhotoId(unhex(p)?)),
            ("at", Some(_)) => Cb::AvatarTrain(avatar()?),
            ("ay", Some(_)) => Cb::TrainConfirm(job()?),
            ("am", Some(_)) => Cb::AvatarMain(avatar()?),
            ("aR", Some(_)) => Cb::AvatarRename(avatar()?),
            ("ad", Some(_)) => Cb::AvatarDelete(avatar()?),
            ("aD", Some(_)) => Cb::AvatarDeleteYes(avatar()?),
            ("w", None) => Cb::WithMe,
            ("wa", Some(_)) => Cb::WithAvatar(avatar()?),
            ("bt", None) => Cb::TopUp,
            ("bb", Some(_)) => Cb::Buy(small()?),
            ("bp", None) => Cb::Promo,
            ("bh", Some(p)) => Cb::History(p.parse().ok()?),
            ("sl", Some(l)) => Cb::Language(Language::parse(l)?),
            ("sZ", None) => Cb::TimezoneMenu,
            ("sz", Some(_)) => Cb::Timezone(small()?),
            ("sD", None) => Cb::Defaults,
            ("sa", Some(a)) => Cb::DefaultAspect(aspect_from(a)?),
            ("sn", Some(_)) => Cb::DefaultCount(small().filter(|n| (1..=4).contains(n))?),
            ("sv", Some(k)) => Cb::DefaultModel(ModelKey::parse(k).ok()?),
            ("sq", Some(_)) => Cb::Quick(flag()?),
            ("st", Some(_)) => Cb::Translate(flag()?),
            ("_", None) => Cb::Noop,
            _ => return None,
        };
        Some(cb)
    }
}

/// 32 lowercase hex digits for a UUID, and back.
mod uuid_hex {
    pub fn hex(u: uuid::Uuid) -> String {
        u.simple().to_string()
    }

    pub fn unhex(s: &str) -> Option<uuid::Uuid> {
        (s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| uuid::Uuid::try_parse(s).ok()).flatten()
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
    all
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_within_64_bytes() {
        for cb in samples() {
            let data = cb.encode();
            assert!(data.len() <= 64, "{cb:?} encodes to {} bytes", data.len());
            assert_eq!(Cb::decode(&data), Some(cb), "{data}");
        }
    }

    #[test]
    fn unknown_old_and_forged_data_decode_to_none() {
        for bad in [
            "",
            "menu",
            "0m",
            "2m",
            "1zz",
            "1cn:5",
            "1cn:0",
            "1cy:not-hex",
            "1cy:",
            "1gf:123",
            "1ca:21",
            "1m:extra",
            "1sq:2",
            "1st:yes",
            "1cz:Bad Key",
            "1cs:256",
            "1fd:never",
            "1ag:x",
            "1ag",
            "1a:1",
            "1ao:",
            "1ax:123",
            "1wa:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
            "gallery_image_next:3",
        ] {
            assert_eq!(Cb::decode(bad), None, "{bad:?}");
        }
    }
}
