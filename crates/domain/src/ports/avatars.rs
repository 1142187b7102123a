//! Avatars.

use crate::avatar::{Avatar, AvatarPhoto, Lora, PhotoRejection, PhotoRules};
use crate::{AvatarId, AvatarName, PhotoId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

// An answer returned once per call and matched at once: boxing the avatar would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetMain {
    Done(Avatar),
    NotFound,
    NotUsable,
}

#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteAvatar {
    /// Gone, with its photos (whose stored objects the caller removes). Images made with it
    /// stay, labelled with its name.
    Deleted {
        avatar: Avatar,
        photos: Vec<AvatarPhoto>,
    },
    NotFound,
    /// Training is in progress: cancel it first.
    Busy,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddPhoto {
    Added { count: u32 },
    Rejected(PhotoRejection),
    AvatarNotFound,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemovePhoto {
    Removed { photo: AvatarPhoto, count: u32 },
    NotFound,
    NotAccepting,
}

#[async_trait]
pub trait Avatars: Send + Sync {
    async fn create(&self, avatar: &Avatar) -> Result<(), StoreError>;
    async fn get(&self, owner: UserId, id: AvatarId) -> Result<Option<Avatar>, StoreError>;
    /// Newest first.
    async fn list(&self, owner: UserId) -> Result<Vec<Avatar>, StoreError>;
    /// Also relabels the images made with it. `None` if not found.
    async fn rename(
        &self,
        owner: UserId,
        id: AvatarId,
        name: &AvatarName,
        now: DateTime<Utc>,
    ) -> Result<Option<Avatar>, StoreError>;
    /// Replaces a ready avatar's LoRA record (a fresh provider URL, or our copy of the
    /// weights). `false` if the avatar is gone or not ready.
    async fn refresh_lora(&self, owner: UserId, id: AvatarId, lora: &Lora) -> Result<bool, StoreError>;
    /// Makes `id` the one main avatar of its owner.
    async fn set_main(&self, owner: UserId, id: AvatarId) -> Result<SetMain, StoreError>;
    /// Deletes the avatar and its photo rows; if it was main, the newest usable one left
    /// becomes main.
    async fn delete(&self, owner: UserId, id: AvatarId) -> Result<DeleteAvatar, StoreError>;
    /// Adds a photo already written to storage, enforcing the count, duplicates (same hash in
    /// the avatar) and the avatar's status.
    async fn add_photo(&self, photo: &AvatarPhoto, rules: &PhotoRules) -> Result<AddPhoto, StoreError>;
    /// Oldest first.
    async fn photos(&self, owner: UserId, avatar: AvatarId) -> Result<Vec<AvatarPhoto>, StoreError>;
    async fn remove_photo(&self, owner: UserId, avatar: AvatarId, photo: PhotoId) -> Result<RemovePhoto, StoreError>;
}
