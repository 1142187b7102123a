//! What a job asks for: the spec (a catalog model's images, photos with an avatar, or a
//! training), its kind, and the validated parameters it is made of.

use crate::catalog::ModelKey;
use crate::{AvatarId, Prompt, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AspectRatio {
    #[serde(rename = "1:1")]
    Square,
    #[serde(rename = "3:4")]
    Portrait3x4,
    #[serde(rename = "4:3")]
    Landscape4x3,
    #[serde(rename = "9:16")]
    Portrait9x16,
    #[serde(rename = "16:9")]
    Landscape16x9,
}

impl AspectRatio {
    pub const ALL: [AspectRatio; 5] = [
        AspectRatio::Square,
        AspectRatio::Portrait3x4,
        AspectRatio::Landscape4x3,
        AspectRatio::Portrait9x16,
        AspectRatio::Landscape16x9,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AspectRatio::Square => "1:1",
            AspectRatio::Portrait3x4 => "3:4",
            AspectRatio::Landscape4x3 => "4:3",
            AspectRatio::Portrait9x16 => "9:16",
            AspectRatio::Landscape16x9 => "16:9",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::ALL.into_iter().find(|a| a.as_str() == s.trim()).ok_or_else(|| ValidationError::AspectRatio(s.to_owned()))
    }

    /// Width and height as a ratio, e.g. `(3, 4)`.
    pub fn ratio(self) -> (u32, u32) {
        match self {
            AspectRatio::Square => (1, 1),
            AspectRatio::Portrait3x4 => (3, 4),
            AspectRatio::Landscape4x3 => (4, 3),
            AspectRatio::Portrait9x16 => (9, 16),
            AspectRatio::Landscape16x9 => (16, 9),
        }
    }

    /// Pixel size with the given long side, both sides rounded down to a multiple of 64 as
    /// diffusion models expect: 3:4 at 1024 is 768×1024 (portrait), never a square.
    pub fn size_with_long_side(self, long: u32) -> (u32, u32) {
        let (w, h) = self.ratio();
        let short = |a: u32, b: u32| (long * a / b) / 64 * 64;
        if w >= h { (long, short(h, w)) } else { (short(w, h), long) }
    }
}

impl fmt::Display for AspectRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many images one job makes: 1 to 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct ImageCount(u8);

impl ImageCount {
    pub const ONE: ImageCount = ImageCount(1);
    pub const MAX: u8 = 4;

    pub fn new(n: u8) -> Result<Self, ValidationError> {
        if (1..=Self::MAX).contains(&n) { Ok(Self(n)) } else { Err(ValidationError::ImageCount(n)) }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for ImageCount {
    type Error = ValidationError;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Self::new(n)
    }
}

impl From<ImageCount> for u8 {
    fn from(c: ImageCount) -> u8 {
        c.0
    }
}

/// What the user asked for. Everything a worker needs to submit the job again after a restart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Images from a description, by a catalog model. Stored as `imagen` with a `variant`
    /// before the catalog existed; both still read.
    #[serde(rename = "imagen")]
    Text {
        prompt: Prompt,
        aspect: AspectRatio,
        count: ImageCount,
        #[serde(alias = "variant")]
        model: ModelKey,
    },
    /// "Photos with me": images with the user's trained avatar.
    AvatarPhotos { avatar: AvatarId, prompt: Prompt, aspect: AspectRatio, count: ImageCount },
    /// Training an avatar's LoRA from its photos.
    Training { avatar: AvatarId },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Images from a description (stored as `imagen`, its name before the catalog).
    #[serde(rename = "imagen")]
    Text,
    AvatarPhotos,
    Training,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Text => "imagen",
            JobKind::AvatarPhotos => "avatar_photos",
            JobKind::Training => "training",
        }
    }
}

impl JobSpec {
    pub fn kind(&self) -> JobKind {
        match self {
            JobSpec::Text { .. } => JobKind::Text,
            JobSpec::AvatarPhotos { .. } => JobKind::AvatarPhotos,
            JobSpec::Training { .. } => JobKind::Training,
        }
    }

    /// Units the price is multiplied by and the refund is counted in: images, or one training.
    pub fn units(&self) -> u8 {
        match self {
            JobSpec::Text { count, .. } | JobSpec::AvatarPhotos { count, .. } => count.get(),
            JobSpec::Training { .. } => 1,
        }
    }

    pub fn avatar(&self) -> Option<AvatarId> {
        match self {
            JobSpec::Text { .. } => None,
            JobSpec::AvatarPhotos { avatar, .. } | JobSpec::Training { avatar } => Some(*avatar),
        }
    }

    pub fn prompt(&self) -> Option<&Prompt> {
        match self {
            JobSpec::Text { prompt, .. } | JobSpec::AvatarPhotos { prompt, .. } => Some(prompt),
            JobSpec::Training { .. } => None,
        }
    }
}
