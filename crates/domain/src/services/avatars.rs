//! Avatars: create, collect photos (stored before they are recorded), manage, and remove
//! with their stored objects.

use super::Env;
use crate::avatar::{Avatar, AvatarPhoto, Gender, PhotoRejection, PhotoRules, inspect_photo};
use crate::ports::{AddPhoto, Avatars, DeleteAvatar, ImageStore, RemovePhoto, SetMain, StorageError, StoreError};
use crate::storage::{StorageKey, StoredObject};
use crate::{AvatarId, AvatarName, PhotoId, UserId};
use std::sync::Arc;

pub struct AvatarService {
    pub avatars: Arc<dyn Avatars>,
    pub images: Arc<dyn ImageStore>,
    pub env: Env,
    pub rules: PhotoRules,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("no such avatar")]
    AvatarNotFound,
    #[error(transparent)]
    Rejected(#[from] PhotoRejection),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A photo accepted into an avatar, with the avatar's new count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoAdded {
    pub photo: AvatarPhoto,
    pub count: u32,
}

impl AvatarService {
    pub async fn create(&self, owner: UserId, name: AvatarName, gender: Gender) -> Result<Avatar, StoreError> {
        let avatar = Avatar::new(AvatarId(self.env.ids.new_uuid()), owner, name, gender, self.env.now());
        self.avatars.create(&avatar).await?;
        Ok(avatar)
    }

    /// Checks the bytes, writes them to storage, then records the photo; a photo the store
    /// refuses (duplicate, full, training started) has its object removed again.
    pub async fn add_photo(&self, owner: UserId, avatar: AvatarId, bytes: Vec<u8>) -> Result<PhotoAdded, PhotoError> {
        let current = self.avatars.get(owner, avatar).await?.ok_or(PhotoError::AvatarNotFound)?;
        if !current.accepts_photos() {
            return Err(PhotoRejection::NotAccepting.into());
        }
        if current.photo_count >= self.rules.max_photos {
            return Err(PhotoRejection::AvatarFull { max: self.rules.max_photos }.into());
        }
        let facts = inspect_photo(&bytes, &self.rules)?;
        let id = PhotoId(self.env.ids.new_uuid());
        let key = StorageKey::avatar_photo(owner, avatar, id, facts.format);
        self.images.put(&key, bytes, facts.format.content_type()).await?;
        let photo = AvatarPhoto {
            id,
            avatar,
            owner,
            object: StoredObject {
                bucket: self.images.bucket().to_owned(),
                key: key.clone(),
                format: facts.format,
                bytes: facts.bytes,
                width: facts.width,
                height: facts.height,
            },
            sha256: facts.sha256,
            created_at: self.env.now(),
        };
        let outcome = self.avatars.add_photo(&photo, &self.rules).await;
        let refused = match outcome {
            Ok(AddPhoto::Added { count }) => return Ok(PhotoAdded { photo, count }),
            Ok(AddPhoto::Rejected(r)) => PhotoError::Rejected(r),
            Ok(AddPhoto::AvatarNotFound) => PhotoError::AvatarNotFound,
            Err(e) => PhotoError::Store(e),
        };
        self.remove_object(&key).await;
        Err(refused)
    }

    pub async fn remove_photo(
        &self,
        owner: UserId,
        avatar: AvatarId,
        photo: PhotoId,
    ) -> Result<RemovePhoto, StoreError> {
        let outcome = self.avatars.remove_photo(owner, avatar, photo).await?;
        if let RemovePhoto::Removed { photo, .. } = &outcome {
            self.remove_object(&photo.object.key).await;
        }
        Ok(outcome)
    }

    pub async fn delete(&self, owner: UserId, avatar: AvatarId) -> Result<DeleteAvatar, StoreError> {
        let outcome = self.avatars.delete(owner, avatar).await?;
        if let DeleteAvatar::Deleted { avatar, photos } = &outcome {
            for p in photos {
                self.remove_object(&p.object.key).await;
            }
            if let Some(key) = avatar.lora.as_ref().and_then(|l| l.stored.as_ref()) {
                self.remove_object(key).await;
            }
        }
        Ok(outcome)
    }

    pub async fn rename(
        &self,
        owner: UserId,
        avatar: AvatarId,
        name: &AvatarName,
    ) -> Result<Option<Avatar>, StoreError> {
        self.avatars.rename(owner, avatar, name, self.env.now()).await
    }

    pub async fn set_main(&self, owner: UserId, avatar: AvatarId) -> Result<SetMain, StoreError> {
        self.avatars.set_main(owner, avatar).await
    }

    pub async fn list(&self, owner: UserId) -> Result<Vec<Avatar>, StoreError> {
        self.avatars.list(owner).await
    }

    pub async fn get(&self, owner: UserId, avatar: AvatarId) -> Result<Option<Avatar>, StoreError> {
        self.avatars.get(owner, avatar).await
    }

    pub async fn photos(&self, owner: UserId, avatar: AvatarId) -> Result<Vec<AvatarPhoto>, StoreError> {
        self.avatars.photos(owner, avatar).await
    }

    /// The avatar "photos with me" starts with: the main one, else the newest usable one.
    pub async fn preferred(&self, owner: UserId) -> Result<Option<Avatar>, StoreError> {
        let list = self.avatars.list(owner).await?;
        Ok(list.iter().find(|a| a.is_main && a.is_usable()).or_else(|| list.iter().find(|a| a.is_usable())).cloned())
    }

    async fn remove_object(&self, key: &StorageKey) {
        if let Err(e) = self.images.delete(key).await {
            tracing::warn!(%key, error = %e, "could not remove a stored photo; it is orphaned");
        }
    }
}
