//! The gallery: a user's images, one card at a time, under a combinable filter.
//!
//! Navigation is keyset over `(created_at, id)`, newest first, so a card stays the same card
//! when images arrive or disappear, and the n-th page costs what the first does. The filter
//! and the cursor live together in one gallery session per user.

use crate::storage::StoredObject;
use crate::{AspectRatio, AvatarId, ImageId, JobId, Prompt, Timezone, UserId, ValidationError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    /// From a description, by a catalog model (stored as `imagen`, its name before the
    /// catalog, in rows and in saved gallery filters).
    #[serde(rename = "imagen")]
    Text,
    /// "Photos with me" (an avatar's LoRA).
    AvatarPhoto,
}

impl ImageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::Text => "imagen",
            ImageKind::AvatarPhoto => "avatar_photo",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [ImageKind::Text, ImageKind::AvatarPhoto].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRecord {
    pub id: ImageId,
    pub owner: UserId,
    pub job: Option<JobId>,
    pub kind: ImageKind,
    /// The model that made it, e.g. `imagen4/standard` or `flux-lora`.
    pub model: String,
    pub prompt: Prompt,
    pub aspect: AspectRatio,
    /// The avatar it was made with; `None` once that avatar is deleted.
    pub avatar: Option<AvatarId>,
    /// The avatar's name, kept after the avatar is deleted so the card can still say it.
    pub avatar_name: Option<String>,
    pub object: StoredObject,
    pub favorite: bool,
    /// Telegram's id for the uploaded photo, so the gallery re-sends without re-uploading.
    pub telegram_file_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ImageRecord {
    pub fn cursor(&self) -> Cursor {
        Cursor { created_at: self.created_at, id: self.id }
    }
}

/// A position in the keyset order (newest first; ties broken by id, descending).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: ImageId,
}

impl Cursor {
    /// `true` if `self` comes before `other` in gallery order (is newer).
    pub fn is_newer_than(&self, other: &Cursor) -> bool {
        (self.created_at, self.id) > (other.created_at, other.id)
    }
}

/// A date filter as the user chose it. Presets are relative and resolved at query time in the
/// user's timezone, so "today" stays today tomorrow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "preset")]
pub enum DateFilter {
    Today,
    Yesterday,
    Last7Days,
    Last30Days,
    Range { range: DateRange },
}

/// A custom date range, both ends inclusive, at most 366 days long.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    pub const MAX_DAYS: i64 = 366;

    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, ValidationError> {
        if to < from {
            return Err(ValidationError::DateRangeReversed);
        }
        let days = (to - from).num_days() + 1;
        if days > Self::MAX_DAYS {
            return Err(ValidationError::DateRangeTooLong { max_days: Self::MAX_DAYS, got: days });
        }
        Ok(Self { from, to })
    }

    /// Parses `DD.MM.YYYY-DD.MM.YYYY` (spaces around the dash allowed).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let (a, b) = raw.trim().split_once('-').ok_or(ValidationError::DateRangeFormat)?;
        let date =
            |s: &str| NaiveDate::parse_from_str(s.trim(), "%d.%m.%Y").map_err(|_| ValidationError::DateRangeFormat);
        Self::new(date(a)?, date(b)?)
    }
}

impl DateFilter {
    /// `[start, end)` in UTC for this filter, computed in the user's timezone.
    pub fn bounds(&self, now: DateTime<Utc>, tz: Timezone) -> (DateTime<Utc>, DateTime<Utc>) {
        let today = now.with_timezone(&tz.tz()).date_naive();
        let day_start = |d: NaiveDate| start_of_day(d, tz);
        match *self {
            DateFilter::Today => (day_start(today), day_start(today + Duration::days(1))),
            DateFilter::Yesterday => (day_start(today - Duration::days(1)), day_start(today)),
            DateFilter::Last7Days => (now - Duration::days(7), now + Duration::seconds(1)),
            DateFilter::Last30Days => (now - Duration::days(30), now + Duration::seconds(1)),
            DateFilter::Range { range } => (day_start(range.from), day_start(range.to + Duration::days(1))),
        }
    }
}

/// The first instant of a local calendar day (the earliest, if DST makes it ambiguous or skips
/// midnight).
pub fn start_of_day(day: NaiveDate, tz: Timezone) -> DateTime<Utc> {
    let tz = tz.tz();
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    (0..=3)
        .find_map(|h| tz.from_local_datetime(&(midnight + Duration::hours(h))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// The first instant of the current month in the user's timezone (for "this month" stats).
pub fn start_of_month(now: DateTime<Utc>, tz: Timezone) -> DateTime<Utc> {
    let local = now.with_timezone(&tz.tz()).date_naive();
    start_of_day(local.with_day(1).expect("day 1 exists"), tz)
}

/// The user's filter. All parts combine (AND).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub kind: Option<ImageKind>,
    pub avatar: Option<AvatarId>,
    pub favorites_only: bool,
    pub date: Option<DateFilter>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// The filter with relative dates made absolute: what a store can run.
    pub fn resolve(&self, now: DateTime<Utc>, tz: Timezone) -> GalleryQuery {
        let (from, until) = match self.date {
            Some(d) => {
                let (a, b) = d.bounds(now, tz);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        GalleryQuery { kind: self.kind, avatar: self.avatar, favorites_only: self.favorites_only, from, until }
    }
}

/// A filter a store can run: every bound absolute, in UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GalleryQuery {
    pub kind: Option<ImageKind>,
    pub avatar: Option<AvatarId>,
    pub favorites_only: bool,
    /// Inclusive lower bound on `created_at`.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound on `created_at`.
    pub until: Option<DateTime<Utc>>,
}

impl GalleryQuery {
    /// The reference semantics every store must match.
    pub fn matches(&self, image: &ImageRecord) -> bool {
        self.kind.is_none_or(|k| image.kind == k)
            && self.avatar.is_none_or(|a| image.avatar == Some(a))
            && (!self.favorites_only || image.favorite)
            && self.from.is_none_or(|f| image.created_at >= f)
            && self.until.is_none_or(|u| image.created_at < u)
    }
}

/// Which card to show, relative to a cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardAt {
    /// The newest image under the filter.
    Newest,
    /// Exactly the image at this cursor, if it still matches.
    Exact(Cursor),
    /// The next image after the cursor (older).
    Older(Cursor),
    /// The previous image before the cursor (newer).
    Newer(Cursor),
}

/// A card's place under the current filter: `index` of `total`, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub index: u64,
    pub total: u64,
}

impl Position {
    pub fn has_newer(&self) -> bool {
        self.index > 1
    }
    pub fn has_older(&self) -> bool {
        self.index < self.total
    }
}

/// Counts for the stats screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GalleryCounts {
    pub total: u64,
    pub imagen: u64,
    pub avatar_photos: u64,
    pub favorites: u64,
    pub this_month: u64,
    /// Per avatar label (current or last known name), most images first.
    pub by_avatar: Vec<(String, u64)>,
}

/// The one gallery session per user: the filter and where the user is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GallerySession {
    pub filter: Filter,
    pub cursor: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn custom_range_parses_and_is_bounded() {
        let r = DateRange::parse("01.11.2026 - 21.11.2026").unwrap();
        assert_eq!((r.from, r.to), (d(2026, 11, 1), d(2026, 11, 21)));
        assert!(DateRange::parse("01.01.2025-01.01.2026").is_ok(), "366 days inclusive");
        assert!(matches!(DateRange::parse("01.01.2025-02.01.2026"), Err(ValidationError::DateRangeTooLong { .. })));
        assert!(matches!(DateRange::parse("21.11.2026-01.11.2026"), Err(ValidationError::DateRangeReversed)));
        assert!(matches!(DateRange::parse("2026-11-01"), Err(ValidationError::DateRangeFormat)));
        assert!(matches!(DateRange::parse("31.02.2026-01.03.2026"), Err(ValidationError::DateRangeFormat)));
    }

    #[test]
    fn today_is_the_users_local_day() {
        // 22:30 UTC on the 21st is already the 22nd in Moscow (UTC+3)
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 22, 30, 0).unwrap();
        let (a, b) = DateFilter::Today.bounds(now, Timezone::MOSCOW);
        assert_eq!(a, Utc.with_ymd_and_hms(2026, 11, 21, 21, 0, 0).unwrap());
        assert_eq!(b, Utc.with_ymd_and_hms(2026, 11, 22, 21, 0, 0).unwrap());
        let (a, _) = DateFilter::Today.bounds(now, Timezone::UTC);
        assert_eq!(a, Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap());
        let (y0, y1) = DateFilter::Yesterday.bounds(now, Timezone::MOSCOW);
        assert_eq!(y1 - y0, Duration::days(1));
        assert_eq!(y1, Utc.with_ymd_and_hms(2026, 11, 21, 21, 0, 0).unwrap());
    }

    #[test]
    fn range_includes_its_last_day() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        let range = DateRange::new(d(2026, 11, 1), d(2026, 11, 1)).unwrap();
        let (a, b) = DateFilter::Range { range }.bounds(now, Timezone::UTC);
        assert_eq!(b - a, Duration::days(1));
    }

    #[test]
    fn dst_days_are_handled() {
        // Europe/Berlin: 2026-03-29 is 23 hours long
        let tz = Timezone::parse("Europe/Berlin").unwrap();
        let range = DateRange::new(d(2026, 3, 29), d(2026, 3, 29)).unwrap();
        let (a, b) = DateFilter::Range { range }.bounds(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(), tz);
        assert_eq!(b - a, Duration::hours(23));
    }

    #[test]
    fn month_start_in_the_users_zone() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 22, 0, 0).unwrap(); // Dec 1st in Moscow
        assert_eq!(start_of_month(now, Timezone::MOSCOW), Utc.with_ymd_and_hms(2026, 11, 30, 21, 0, 0).unwrap());
    }

    #[test]
    fn cursor_order_breaks_ties_by_id() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let a = Cursor { created_at: t, id: ImageId(uuid::Uuid::from_u128(2)) };
        let b = Cursor { created_at: t, id: ImageId(uuid::Uuid::from_u128(1)) };
        assert!(a.is_newer_than(&b));
        assert!(!b.is_newer_than(&a));
    }
}
