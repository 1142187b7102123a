//! Where image bytes live: one key scheme for everything, built only here, and the record of
//! a stored object. The database keeps `(bucket, key)`, never a URL that can expire.

use crate::media::ImageFormat;
use crate::{AvatarId, JobId, PhotoId, UserId, ValidationError};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StorageKey(String);

impl StorageKey {
    /// A generated image. Keyed by job and index so a retried save overwrites, never orphans.
    pub fn image(owner: UserId, created_at: DateTime<Utc>, job: JobId, index: u8, format: ImageFormat) -> Self {
        Self(format!(
            "images/{owner}/{:04}/{:02}/{job}-{index}.{}",
            created_at.year(),
            created_at.month(),
            format.extension()
        ))
    }

    /// A training photo of an avatar.
    pub fn avatar_photo(owner: UserId, avatar: AvatarId, photo: PhotoId, format: ImageFormat) -> Self {
        Self(format!("avatars/{owner}/{avatar}/{photo}.{}", format.extension()))
    }

    /// Our copy of an avatar's trained LoRA weights, one per training job.
    pub fn lora(owner: UserId, avatar: AvatarId, job: JobId) -> Self {
        Self(format!("loras/{owner}/{avatar}/{job}.safetensors"))
    }

    /// Accepts keys of the shape this module builds: relative, no `..`, a safe character set.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = !raw.is_empty()
            && raw.len() <= 1024
            && !raw.starts_with('/')
            && raw.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..")
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'));
        if ok { Ok(Self(raw.to_owned())) } else { Err(ValidationError::StorageKey(raw.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StorageKey {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<StorageKey> for String {
    fn from(k: StorageKey) -> String {
        k.0
    }
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An object written to storage, as the database records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObject {
    pub bucket: String,
    pub key: StorageKey,
    pub format: ImageFormat,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn keys_follow_one_scheme_and_parse_back() {
        let t = DateTime::<Utc>::from_timestamp(1_763_700_000, 0).unwrap(); // Nov 2025
        let k = StorageKey::image(UserId(Uuid::from_u128(1)), t, JobId(Uuid::from_u128(2)), 3, ImageFormat::Png);
        assert_eq!(
            k.as_str(),
            "images/00000000-0000-0000-0000-000000000001/2025/11/00000000-0000-0000-0000-000000000002-3.png"
        );
        assert_eq!(StorageKey::parse(k.as_str()).unwrap(), k);
        let p = StorageKey::avatar_photo(
            UserId(Uuid::nil()),
            AvatarId(Uuid::nil()),
            PhotoId(Uuid::nil()),
            ImageFormat::Jpeg,
        );
        assert!(p.as_str().starts_with("avatars/") && p.as_str().ends_with(".jpg"));
    }

    #[test]
    fn unsafe_keys_are_refused() {
        for bad in ["", "/abs", "a/../b", "a//b", "a b", "a/./b", "ключ"] {
            assert!(StorageKey::parse(bad).is_err(), "{bad:?}");
        }
    }
}
