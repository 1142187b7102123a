//! A gallery step's argument: the card the button is on and the filter it was shown under,
//! packed to fit Telegram's 64 bytes with everything else (`1:gn:` and 57 bytes at most; the
//! longest is 62). The limit is the Bot API's: `InlineKeyboardButton.callback_data`, "1-64
//! bytes" (core.telegram.org/bots/api#inlinekeyboardbutton, as grammY's type reference repeats
//! it; checked 2026-12-07), and the sandbox's emulator refuses longer data the same way.
//!
//! `<card><kind><favorites><date>[<avatar>]`, fixed widths, no separators:
//! - card, avatar: a UUID's 16 bytes in unpadded base64url (22 characters);
//! - kind: `a` all, `t` images from a description, `p` photos with an avatar;
//! - favorites: `0` or `1`;
//! - date: `-` none, `d` today, `y` yesterday, `w` 7 days, `m` 30 days, or `r` and the
//!   range's two ends as days since 1 January of year 1, five hex digits each.

use aisha_domain::gallery::{DateFilter, DateRange, Filter, ImageKind};
use aisha_domain::services::gallery::Step;
use aisha_domain::{AvatarId, ImageId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Datelike, NaiveDate};

const ID: usize = 22;

fn id(u: uuid::Uuid) -> String {
    URL_SAFE_NO_PAD.encode(u.as_bytes())
}

fn unid(s: &str) -> Option<uuid::Uuid> {
    let bytes: [u8; 16] = URL_SAFE_NO_PAD.decode(s).ok()?.try_into().ok()?;
    Some(uuid::Uuid::from_bytes(bytes))
}

fn day(d: NaiveDate) -> Option<String> {
    let n = d.num_days_from_ce();
    (0..=0xF_FFFF).contains(&n).then(|| format!("{n:05x}"))
}

fn unday(s: &str) -> Option<NaiveDate> {
    // five hex digits exactly (`from_str_radix` would take a sign)
    if s.len() != 5 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    NaiveDate::from_num_days_from_ce_opt(i32::from_str_radix(s, 16).ok()?)
}

/// `None` only for a date range beyond year 2870, which the filter never holds.
pub(super) fn encode(step: &Step) -> Option<String> {
    let f = &step.filter;
    let mut s = id(step.from.0);
    s.push(match f.kind {
        None => 'a',
        Some(ImageKind::Text) => 't',
        Some(ImageKind::AvatarPhoto) => 'p',
    });
    s.push(if f.favorites_only { '1' } else { '0' });
    match f.date {
        None => s.push('-'),
        Some(DateFilter::Today) => s.push('d'),
        Some(DateFilter::Yesterday) => s.push('y'),
        Some(DateFilter::Last7Days) => s.push('w'),
        Some(DateFilter::Last30Days) => s.push('m'),
        Some(DateFilter::Range { range }) => {
            s.push('r');
            s.push_str(&day(range.from)?);
            s.push_str(&day(range.to)?);
        }
    }
    if let Some(a) = f.avatar {
        s.push_str(&id(a.0));
    }
    Some(s)
}

/// `None` for anything `encode` does not write (a custom range is checked as the filter
/// checks one typed by the user).
pub(super) fn decode(arg: &str, older: bool) -> Option<Step> {
    let from = ImageId(unid(arg.get(..ID)?)?);
    let rest = arg.get(ID..)?;
    let mut chars = rest.chars();
    let kind = match chars.next()? {
        'a' => None,
        't' => Some(ImageKind::Text),
        'p' => Some(ImageKind::AvatarPhoto),
        _ => return None,
    };
    let favorites_only = match chars.next()? {
        '0' => false,
        '1' => true,
        _ => return None,
    };
    let (date, rest) = match chars.next()? {
        '-' => (None, &rest[3..]),
        'd' => (Some(DateFilter::Today), &rest[3..]),
        'y' => (Some(DateFilter::Yesterday), &rest[3..]),
        'w' => (Some(DateFilter::Last7Days), &rest[3..]),
        'm' => (Some(DateFilter::Last30Days), &rest[3..]),
        'r' => {
            let (from, to) = (unday(rest.get(3..8)?)?, unday(rest.get(8..13)?)?);
            let range = DateRange::new(from, to).ok()?;
            (Some(DateFilter::Range { range }), rest.get(13..)?)
        }
        _ => return None,
    };
    let avatar = match rest {
        "" => None,
        a if a.len() == ID => Some(AvatarId(unid(a)?)),
        _ => return None,
    };
    Some(Step { from, older, filter: Filter { kind, avatar, favorites_only, date } })
}
