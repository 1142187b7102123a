//! How the domain's enums are spelled in text columns: one table per enum, in one place.
//!
//! [`spelling!`] writes both directions from the same list of `Variant => "text"` pairs. The
//! writing direction is an exhaustive `match`, so a variant added to the domain without a stored
//! spelling does not compile; reading matches the same strings, so the two cannot drift apart.
//! [`column!`] makes the typed column value an entity field holds (`jobs::Status`, …): sea-orm
//! reads it through [`Spelled::from_stored`], and a string no variant is spelled as fails the
//! read with [`Unreadable`], which names the table and column ([`crate::error::store_err`] turns
//! it into the same "unreadable jobs.status in the database" error a bad JSON spec gives).
//!
//! The strings are the ones rows already hold: changing one is a data migration, not an edit here.

use aisha_domain::avatar::{AvatarStatus, Gender};
use aisha_domain::gallery::ImageKind;
use aisha_domain::generation::{AspectRatio, FailureKind, JobKind, JobStatus};
use aisha_domain::media::ImageFormat;
use aisha_domain::user::Language;

/// A domain enum stored as text.
pub(crate) trait Spelled: Sized + Copy {
    fn stored(self) -> &'static str;
    fn from_stored(s: &str) -> Option<Self>;
}

/// A text column held a string that is no variant's spelling.
#[derive(Debug, thiserror::Error)]
#[error("unreadable {column} in the database: {value:?}")]
pub(crate) struct Unreadable {
    pub column: &'static str,
    pub value: String,
}

macro_rules! spelling {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl Spelled for $ty {
            fn stored(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)+
                }
            }

            fn from_stored(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

spelling!(JobStatus {
    Pending => "pending",
    Queued => "queued",
    Running => "running",
    Succeeded => "succeeded",
    Failed => "failed",
    Cancelled => "cancelled",
    TimedOut => "timed_out",
});

// `imagen`: text-to-image jobs and images were Imagen's before the model catalog
spelling!(JobKind {
    Text => "imagen",
    AvatarPhotos => "avatar_photos",
    Training => "training",
});

spelling!(FailureKind {
    ContentPolicy => "content_policy",
    InvalidInput => "invalid_input",
    ProviderUnavailable => "provider_unavailable",
    Nsfw => "nsfw",
    NoResult => "no_result",
    TimedOut => "timed_out",
    Cancelled => "cancelled",
});

spelling!(ImageKind {
    Text => "imagen",
    AvatarPhoto => "avatar_photo",
});

spelling!(ImageFormat {
    Jpeg => "jpeg",
    Png => "png",
    Webp => "webp",
});

spelling!(AvatarStatus {
    Draft => "draft",
    Training => "training",
    Ready => "ready",
    Failed => "failed",
});

spelling!(Gender {
    Male => "male",
    Female => "female",
});

spelling!(Language {
    Ru => "ru",
    En => "en",
});

spelling!(AspectRatio {
    Square => "1:1",
    Portrait3x4 => "3:4",
    Landscape4x3 => "4:3",
    Portrait9x16 => "9:16",
    Landscape16x9 => "16:9",
});

/// The value type of a text column that holds a [`Spelled`] enum (what sea-orm calls through).
pub(crate) trait TextColumn: Sized {
    fn parse(s: &str) -> Result<Self, Unreadable>;
    fn text(&self) -> &'static str;
}

/// `column!(Status(JobStatus) = "jobs.status")`: the value type of one text column, holding the
/// domain's value. Used inside the entity modules; the string names the column in errors.
macro_rules! column {
    ($(#[$meta:meta])* $name:ident($ty:ty) = $column:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, sea_orm::DeriveValueType)]
        #[sea_orm(
            value_type = "String",
            from_str = "crate::stored::TextColumn::parse",
            to_str = "crate::stored::TextColumn::text"
        )]
        pub struct $name(pub $ty);

        impl $crate::stored::TextColumn for $name {
            fn parse(s: &str) -> Result<Self, $crate::stored::Unreadable> {
                <$ty as $crate::stored::Spelled>::from_stored(s)
                    .map($name)
                    .ok_or_else(|| $crate::stored::Unreadable { column: $column, value: s.to_owned() })
            }

            fn text(&self) -> &'static str {
                <$ty as $crate::stored::Spelled>::stored(self.0)
            }
        }
    };
}

pub(crate) use column;

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Spelled + PartialEq + std::fmt::Debug>(all: &[T], domain_name: impl Fn(T) -> &'static str) {
        for v in all {
            assert_eq!(T::from_stored(v.stored()), Some(*v), "{v:?} reads back as itself");
            // the spellings rows were written with before this table existed
            assert_eq!(v.stored(), domain_name(*v), "{v:?} keeps its stored spelling");
        }
        assert_eq!(T::from_stored("no such value"), None);
    }

    #[test]
    fn every_spelling_reads_back_and_matches_what_rows_hold() {
        round_trips(&JobStatus::ALL, JobStatus::as_str);
        round_trips(&[JobKind::Text, JobKind::AvatarPhotos, JobKind::Training], JobKind::as_str);
        round_trips(
            &[
                FailureKind::ContentPolicy,
                FailureKind::InvalidInput,
                FailureKind::ProviderUnavailable,
                FailureKind::Nsfw,
                FailureKind::NoResult,
                FailureKind::TimedOut,
                FailureKind::Cancelled,
            ],
            FailureKind::as_str,
        );
        round_trips(&[ImageKind::Text, ImageKind::AvatarPhoto], ImageKind::as_str);
        round_trips(&[ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Webp], |f| match f {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
        });
        round_trips(
            &[AvatarStatus::Draft, AvatarStatus::Training, AvatarStatus::Ready, AvatarStatus::Failed],
            AvatarStatus::as_str,
        );
        round_trips(&[Gender::Male, Gender::Female], Gender::as_str);
        round_trips(&[Language::Ru, Language::En], Language::code);
        round_trips(&AspectRatio::ALL, AspectRatio::as_str);
    }
}
