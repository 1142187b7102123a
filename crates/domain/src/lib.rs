#![doc = include_str!("../README.md")]

pub mod archive;
pub mod assistant;
pub mod avatar;
pub mod catalog;
pub mod coordination;
pub mod gallery;
pub mod generation;
mod ids;
pub mod invariants;
pub mod ledger;
pub mod media;
mod money;
pub mod payments;
pub mod ports;
pub mod services;
pub mod session;
pub mod storage;
pub mod style;
mod text;
pub mod user;

pub use avatar::{Avatar, AvatarStatus, Gender};
pub use catalog::{Catalog, CatalogModel, ModelKey};
pub use generation::{AspectRatio, ImageCount, Job, JobKind, JobSpec, JobStatus};
pub use ids::{AvatarId, Clock, IdGen, ImageId, JobId, LedgerEntryId, PhotoId, TelegramUserId, UserId, truncate};
pub use money::Coins;
pub use text::{AvatarName, PromoCode, Prompt};
pub use user::{Language, Timezone, User};

/// Input that does not satisfy a domain rule. Each variant carries what the user must be told.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("Telegram user ids are positive, got {0}")]
    TelegramUserId(i64),
    #[error("coin amounts cannot be negative, got {0}")]
    NegativeCoins(i64),
    #[error("the prompt must be at least {min} characters")]
    PromptTooShort { min: usize },
    #[error("the prompt must be at most {max} characters, got {got}")]
    PromptTooLong { max: usize, got: usize },
    #[error("the name must be {min} to {max} characters, got {got}")]
    AvatarNameLength { min: usize, max: usize, got: usize },
    #[error("the name must be a single line")]
    AvatarNameControl,
    #[error("a promo code is 3 to 32 letters, digits, '-' or '_'")]
    PromoCodeFormat,
    #[error("unknown aspect ratio {0:?}")]
    AspectRatio(String),
    #[error("the number of images must be 1 to 4, got {0}")]
    ImageCount(u8),
    #[error("unknown timezone {0:?}")]
    Timezone(String),
    #[error("a date range is written DD.MM.YYYY-DD.MM.YYYY")]
    DateRangeFormat,
    #[error("the range ends before it starts")]
    DateRangeReversed,
    #[error("a range can cover at most {max_days} days, got {got}")]
    DateRangeTooLong { max_days: i64, got: i64 },
    #[error("invalid model key {0:?}: 1-32 of a-z, 0-9, '.', '_', '-', '/'")]
    ModelKey(String),
    #[error("invalid style key {0:?}: 1-32 of a-z, 0-9, '.', '_', '-', '/'")]
    StyleKey(String),
    #[error("invalid storage key {0:?}")]
    StorageKey(String),
}
