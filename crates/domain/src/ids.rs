//! Identifiers, and the two sources of non-determinism the domain needs: time and new ids.
//!
//! Both are ports so that tests control them: a property test replays the same sequence of
//! ids and instants on every run, and a deadline test moves time forward without sleeping.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// A Telegram user id as Telegram sends it. Stored as `BIGINT`; positive by Telegram's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TelegramUserId(i64);

impl TelegramUserId {
    pub fn new(raw: i64) -> Result<Self, crate::ValidationError> {
        if raw > 0 { Ok(Self(raw)) } else { Err(crate::ValidationError::TelegramUserId(raw)) }
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for TelegramUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn get(self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// AISHA's own user id; never shown to users and never taken from them.
    UserId
);
uuid_id!(
    /// A generation job: image generation or avatar training.
    JobId
);
uuid_id!(
    /// One image in a user's gallery.
    ImageId
);
uuid_id!(
    /// A personal avatar (a LoRA trained on the user's photos).
    AvatarId
);
uuid_id!(
    /// One training photo of an avatar.
    PhotoId
);
uuid_id!(
    /// One row of the coin ledger.
    LedgerEntryId
);

/// Current time. Always truncated to microseconds, the precision PostgreSQL keeps, so a value
/// read back from any store compares equal to the value written.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// New unique ids. Production uses time-ordered UUIDv7 so that ids sort roughly by creation.
pub trait IdGen: Send + Sync {
    fn new_uuid(&self) -> Uuid;
}

/// Truncates a timestamp to the precision every store keeps (microseconds).
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}
