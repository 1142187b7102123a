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
use aisha_domain::ledger::LedgerKind;
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

spelling!(LedgerKind {
    JobCharge => "job_charge",
    JobRefund => "job_refund",
    StarsTopUp => "stars_top_up",
    StarsRefund => "stars_refund",
    Promo => "promo",
    Welcome => "welcome",
    Admin => "admin",
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

    /// Every variant of a domain enum, as an array. The `match` beside it names each variant,
    /// so a variant added to the domain stops this from compiling until the list has it.
    macro_rules! every {
        ($ty:ident { $($variant:ident),+ $(,)? }) => {{
            let _exhaustive = |v: $ty| match v {
                $($ty::$variant => ()),+
            };
            [$($ty::$variant),+]
        }};
    }

    fn job_statuses() -> [JobStatus; 7] {
        every!(JobStatus { Pending, Queued, Running, Succeeded, Failed, Cancelled, TimedOut })
    }
    fn job_kinds() -> [JobKind; 3] {
        every!(JobKind { Text, AvatarPhotos, Training })
    }
    fn ledger_kinds() -> [LedgerKind; 7] {
        every!(LedgerKind { JobCharge, JobRefund, StarsTopUp, StarsRefund, Promo, Welcome, Admin })
    }
    fn failure_kinds() -> [FailureKind; 7] {
        every!(FailureKind { ContentPolicy, InvalidInput, ProviderUnavailable, Nsfw, NoResult, TimedOut, Cancelled })
    }
    fn image_kinds() -> [ImageKind; 2] {
        every!(ImageKind { Text, AvatarPhoto })
    }
    fn image_formats() -> [ImageFormat; 3] {
        every!(ImageFormat { Jpeg, Png, Webp })
    }
    fn avatar_statuses() -> [AvatarStatus; 4] {
        every!(AvatarStatus { Draft, Training, Ready, Failed })
    }
    fn genders() -> [Gender; 2] {
        every!(Gender { Male, Female })
    }
    fn languages() -> [Language; 2] {
        every!(Language { Ru, En })
    }
    fn aspect_ratios() -> [AspectRatio; 5] {
        every!(AspectRatio { Square, Portrait3x4, Landscape4x3, Portrait9x16, Landscape16x9 })
    }

    fn round_trips<T: Spelled + PartialEq + std::fmt::Debug>(all: &[T]) {
        for v in all {
            assert_eq!(T::from_stored(v.stored()), Some(*v), "{v:?} reads back as itself");
        }
        assert_eq!(T::from_stored("no such value"), None);
    }

    #[test]
    fn every_spelling_reads_back() {
        round_trips(&job_statuses());
        round_trips(&job_kinds());
        round_trips(&ledger_kinds());
        round_trips(&failure_kinds());
        round_trips(&image_kinds());
        round_trips(&image_formats());
        round_trips(&avatar_statuses());
        round_trips(&genders());
        round_trips(&languages());
        round_trips(&aspect_ratios());
    }

    /// Variants whose stored spelling is deliberately not the domain's own name for them
    /// (`as_str()`, `Language::code()`), as `("Type::Variant", stored, domain)`.
    ///
    /// None today. The historical `imagen` of `JobKind::Text` and `ImageKind::Text` (their
    /// name before the model catalog) is what the domain's `as_str()` and serde names say
    /// too, so rows, JSON specs and saved gallery filters all agree. An entry goes here only
    /// when the two must differ (say, the domain renames a variant while rows keep the old
    /// string, which only a data migration could change), with the reason beside it.
    const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

    /// Checks each variant's stored spelling against `domain`'s name for it; returns the
    /// variants found in [`KNOWN_DIFFERENCES`].
    fn spelled_as_named<T: Spelled + std::fmt::Debug>(
        ty: &str,
        all: &[T],
        domain: impl Fn(T) -> &'static str,
    ) -> Vec<String> {
        let mut listed = Vec::new();
        for &v in all {
            let name = format!("{ty}::{v:?}");
            match KNOWN_DIFFERENCES.iter().find(|(n, ..)| *n == name) {
                Some(&(_, stored, named)) => {
                    assert_eq!((v.stored(), domain(v)), (stored, named), "{name} differs exactly as listed");
                    listed.push(name);
                }
                None => assert_eq!(
                    v.stored(),
                    domain(v),
                    "{name}: the stored spelling and the domain's name differ; rows hold the stored one, so \
                     change the domain back or list the difference in KNOWN_DIFFERENCES with its reason"
                ),
            }
        }
        listed
    }

    /// The stored spellings (what rows hold) and the domain's names for the same variants
    /// (`as_str()`, used in logs, metrics, serde and the admin tools) are the same strings, but
    /// for the listed differences: a change to either side alone fails here.
    #[test]
    fn stored_spellings_are_the_domains_names_but_for_the_listed_differences() {
        let listed = [
            spelled_as_named("JobStatus", &job_statuses(), JobStatus::as_str),
            spelled_as_named("JobKind", &job_kinds(), JobKind::as_str),
            spelled_as_named("LedgerKind", &ledger_kinds(), LedgerKind::as_str),
            spelled_as_named("FailureKind", &failure_kinds(), FailureKind::as_str),
            spelled_as_named("ImageKind", &image_kinds(), ImageKind::as_str),
            spelled_as_named("AvatarStatus", &avatar_statuses(), AvatarStatus::as_str),
            spelled_as_named("Gender", &genders(), Gender::as_str),
            spelled_as_named("Language", &languages(), Language::code),
            spelled_as_named("AspectRatio", &aspect_ratios(), AspectRatio::as_str),
        ]
        .concat();
        for (name, stored, named) in KNOWN_DIFFERENCES {
            assert_ne!(stored, named, "{name} is listed as a difference but is spelled the same");
            assert!(
                listed.iter().any(|l| l == name),
                "{name} is listed as a known difference but is no variant checked"
            );
        }
        // `ImageFormat` has no `as_str()` (its `extension()` is "jpg"): the spellings rows hold
        // are pinned here instead
        for f in image_formats() {
            let held = match f {
                ImageFormat::Jpeg => "jpeg",
                ImageFormat::Png => "png",
                ImageFormat::Webp => "webp",
            };
            assert_eq!(f.stored(), held, "{f:?} keeps its stored spelling");
        }
    }
}
