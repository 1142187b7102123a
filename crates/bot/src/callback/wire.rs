//! The text form of a `Cb`, after the version prefix: a tag, and for a button that carries
//! something a `:` and its argument. One encoder and one decoder per area of the bot, side by
//! side so the two directions are read together. No tag belongs to two areas, so trying the
//! areas' decoders in turn finds the one reading.

use super::{Cb, DATES, DatePick};
use aisha_domain::avatar::Gender;
use aisha_domain::gallery::ImageKind;
use aisha_domain::style::StyleKey;
use aisha_domain::{AspectRatio, AvatarId, ImageId, JobId, Language, ModelKey, PhotoId};
use uuid_hex::{hex, unhex};

/// One area's encoder: the body of one of its buttons, `None` for another area's.
type Encoder = fn(Cb) -> Option<String>;

/// One area's decoder: the button a tag and argument name, `None` for a tag of another area
/// or an argument the tag does not take.
type Decoder = fn(&str, Option<&str>) -> Option<Cb>;

const ENCODERS: [Encoder; 6] =
    [encode_main, encode_create, encode_gallery, encode_avatars, encode_balance, encode_settings];

const DECODERS: [Decoder; 6] =
    [decode_main, decode_create, decode_gallery, decode_avatars, decode_balance, decode_settings];

/// The body of `cb`'s callback data. A variant no area encodes (the tests in `tests.rs` fail
/// first: every variant is sampled and every sample round-trips) becomes the button that does
/// nothing, rather than a panic in a handler.
pub(super) fn encode(cb: Cb) -> String {
    ENCODERS.into_iter().find_map(|area| area(cb)).unwrap_or_else(|| {
        tracing::error!(button = ?cb, "a button no area encodes; sent as one that does nothing");
        "_".to_owned()
    })
}

/// The button a body's tag and argument name, if any area has it.
pub(super) fn decode(tag: &str, arg: Option<&str>) -> Option<Cb> {
    DECODERS.into_iter().find_map(|area| area(tag, arg))
}

// ---- the arguments

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

fn job(arg: Option<&str>) -> Option<JobId> {
    arg.and_then(unhex).map(JobId)
}

fn image(arg: Option<&str>) -> Option<ImageId> {
    arg.and_then(unhex).map(ImageId)
}

fn avatar(arg: Option<&str>) -> Option<AvatarId> {
    arg.and_then(unhex).map(AvatarId)
}

fn small(arg: Option<&str>) -> Option<u8> {
    arg.and_then(|a| a.parse::<u8>().ok())
}

/// An image count: 1 to 4.
fn count(arg: Option<&str>) -> Option<u8> {
    small(arg).filter(|n| (1..=4).contains(n))
}

fn flag(arg: Option<&str>) -> Option<bool> {
    match arg {
        Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    }
}

// ---- the main menu

fn encode_main(cb: Cb) -> Option<String> {
    let tag = match cb {
        Cb::Menu => "m",
        Cb::Create => "c",
        Cb::Gallery => "g",
        Cb::Balance => "b",
        Cb::Settings => "s",
        Cb::Help => "h",
        Cb::Cancel => "x",
        Cb::Noop => "_",
        _ => return None,
    };
    Some(tag.to_owned())
}

fn decode_main(tag: &str, arg: Option<&str>) -> Option<Cb> {
    Some(match (tag, arg) {
        ("m", None) => Cb::Menu,
        ("c", None) => Cb::Create,
        ("g", None) => Cb::Gallery,
        ("b", None) => Cb::Balance,
        ("s", None) => Cb::Settings,
        ("h", None) => Cb::Help,
        ("x", None) => Cb::Cancel,
        ("_", None) => Cb::Noop,
        _ => return None,
    })
}

// ---- create

fn encode_create(cb: Cb) -> Option<String> {
    Some(match cb {
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
        _ => return None,
    })
}

fn decode_create(tag: &str, arg: Option<&str>) -> Option<Cb> {
    Some(match (tag, arg) {
        ("ca", Some(a)) => Cb::Aspect(aspect_from(a)?),
        ("cn", Some(_)) => Cb::Count(count(arg)?),
        ("cv", Some(k)) => Cb::Model(ModelKey::parse(k).ok()?),
        ("cy", Some(_)) => Cb::Confirm(job(arg)?),
        ("cx", Some(_)) => Cb::CancelJob(job(arg)?),
        ("cr", Some(_)) => Cb::Again(job(arg)?),
        ("ce", Some(_)) => Cb::EditPrompt(job(arg)?),
        ("co", None) => Cb::Resume,
        ("ci", None) => Cb::Improve,
        ("ct", None) => Cb::ImproveTake,
        ("ck", None) => Cb::ImproveKeep,
        ("cu", None) => Cb::SendOwn,
        ("cs", Some(_)) => Cb::Styles(small(arg)?),
        ("cp", Some(_)) => Cb::StylePreviews(small(arg)?),
        ("cz", Some(k)) => Cb::Style(StyleKey::parse(k).ok()?),
        ("cb", None) => Cb::StylesBack,
        _ => return None,
    })
}

// ---- the gallery, its filters and the result messages' buttons

fn encode_gallery(cb: Cb) -> Option<String> {
    Some(match cb {
        Cb::Newer => "gp".to_owned(),
        Cb::Older => "gn".to_owned(),
        Cb::Step(s) => format!("{}:{}", if s.older { "gn" } else { "gp" }, super::step::encode(&s)?),
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
        _ => return None,
    })
}

fn decode_gallery(tag: &str, arg: Option<&str>) -> Option<Cb> {
    Some(match (tag, arg) {
        ("gp", None) => Cb::Newer,
        ("gn", None) => Cb::Older,
        ("gp", Some(a)) => Cb::Step(super::step::decode(a, false)?),
        ("gn", Some(a)) => Cb::Step(super::step::decode(a, true)?),
        ("go", Some(_)) => Cb::Open(image(arg)?),
        ("gf", Some(_)) => Cb::Favorite(image(arg)?),
        ("gt", Some(_)) => Cb::Prompt(image(arg)?),
        ("gr", Some(_)) => Cb::AgainImage(image(arg)?),
        ("gd", Some(_)) => Cb::Delete(image(arg)?),
        ("gy", Some(_)) => Cb::DeleteYes(image(arg)?),
        ("gc", None) => Cb::Card,
        ("g0", None) => Cb::GalleryReset,
        ("rf", Some(_)) => Cb::ResultFavorite(image(arg)?),
        ("gO", Some(_)) => Cb::Original(image(arg)?),
        ("rO", Some(_)) => Cb::Originals(job(arg)?),
        ("gN", Some(_)) => Cb::GridOlder(image(arg)?),
        ("gP", Some(_)) => Cb::GridNewer(image(arg)?),
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
        ("ff", Some(_)) => Cb::FilterFavorites(flag(arg)?),
        ("fD", None) => Cb::FilterDateMenu,
        ("fd", Some(d)) => Cb::FilterDate(DATES.into_iter().find(|p| date_code(*p) == d)?),
        ("f0", None) => Cb::FilterReset,
        _ => return None,
    })
}

// ---- avatars and photos with me

fn encode_avatars(cb: Cb) -> Option<String> {
    Some(match cb {
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
        _ => return None,
    })
}

fn decode_avatars(tag: &str, arg: Option<&str>) -> Option<Cb> {
    Some(match (tag, arg) {
        ("a", None) => Cb::Avatars,
        ("aN", None) => Cb::AvatarNew,
        ("ag", Some("m")) => Cb::Gender(Gender::Male),
        ("ag", Some("f")) => Cb::Gender(Gender::Female),
        ("ao", Some(_)) => Cb::AvatarOpen(avatar(arg)?),
        ("au", Some(_)) => Cb::AvatarUpload(avatar(arg)?),
        ("ar", Some(_)) => Cb::AvatarReview(avatar(arg)?),
        ("as", Some(_)) => Cb::AvatarShowPhotos(avatar(arg)?),
        ("ax", Some(p)) => Cb::PhotoRemove(PhotoId(unhex(p)?)),
        ("at", Some(_)) => Cb::AvatarTrain(avatar(arg)?),
        ("ay", Some(_)) => Cb::TrainConfirm(job(arg)?),
        ("am", Some(_)) => Cb::AvatarMain(avatar(arg)?),
        ("aR", Some(_)) => Cb::AvatarRename(avatar(arg)?),
        ("ad", Some(_)) => Cb::AvatarDelete(avatar(arg)?),
        ("aD", Some(_)) => Cb::AvatarDeleteYes(avatar(arg)?),
        ("w", None) => Cb::WithMe,
        ("wa", Some(_)) => Cb::WithAvatar(avatar(arg)?),
        _ => return None,
    })
}

// ---- balance

fn encode_balance(cb: Cb) -> Option<String> {
    Some(match cb {
        Cb::TopUp => "bt".to_owned(),
        Cb::Buy(n) => format!("bb:{n}"),
        Cb::Promo => "bp".to_owned(),
        Cb::History(p) => format!("bh:{p}"),
        _ => return None,
    })
}

fn decode_balance(tag: &str, arg: Option<&str>) -> Option<Cb> {
    Some(match (tag, arg) {
        ("bt", None) => Cb::TopUp,
        ("bb", Some(_)) => Cb::Buy(small(arg)?),
        ("bp", None) => Cb::Promo,
        ("bh", Some(p)) => Cb::History(p.parse().ok()?),
        _ => return None,
    })
}

// ---- settings

fn encode_settings(cb: Cb) -> Option<String> {
    Some(match cb {
        Cb::Language(l) => format!("sl:{}", l.code()),
        Cb::TimezoneMenu => "sZ".to_owned(),
        Cb::Timezone(n) => format!("sz:{n}"),
        Cb::Defaults => "sD".to_owned(),
        Cb::DefaultAspect(a) => format!("sa:{}", aspect_code(a)),
        Cb::DefaultCount(n) => format!("sn:{n}"),
        Cb::DefaultModel(k) => format!("sv:{k}"),
        Cb::Quick(on) => format!("sq:{}", u8::from(on)),
        Cb::Translate(on) => format!("st:{}", u8::from(on)),
        _ => return None,
    })
}

fn decode_settings(tag: &str, arg: Option<&str>) -> Option<Cb> {
    Some(match (tag, arg) {
        ("sl", Some(l)) => Cb::Language(Language::parse(l)?),
        ("sZ", None) => Cb::TimezoneMenu,
        ("sz", Some(_)) => Cb::Timezone(small(arg)?),
        ("sD", None) => Cb::Defaults,
        ("sa", Some(a)) => Cb::DefaultAspect(aspect_from(a)?),
        ("sn", Some(_)) => Cb::DefaultCount(count(arg)?),
        ("sv", Some(k)) => Cb::DefaultModel(ModelKey::parse(k).ok()?),
        ("sq", Some(_)) => Cb::Quick(flag(arg)?),
        ("st", Some(_)) => Cb::Translate(flag(arg)?),
        _ => return None,
    })
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
