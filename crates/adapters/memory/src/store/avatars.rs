//! `Avatars` in memory: avatars and their photos, with the one-main-avatar rule.

use super::MemoryStore;
use aisha_domain::avatar::{Avatar, AvatarPhoto, AvatarStatus, Lora, PhotoRejection, PhotoRules, next_main};
use aisha_domain::ports::{AddPhoto, Avatars, DeleteAvatar, RemovePhoto, SetMain, StoreError};
use aisha_domain::{AvatarId, AvatarName, PhotoId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl Avatars for MemoryStore {
    async fn create(&self, avatar: &Avatar) -> Result<(), StoreError> {
        self.lock().avatars.insert(avatar.id, avatar.clone());
        Ok(())
    }

    async fn get(&self, owner: UserId, id: AvatarId) -> Result<Option<Avatar>, StoreError> {
        Ok(self.lock().owned_avatar(owner, id).cloned())
    }

    async fn list(&self, owner: UserId) -> Result<Vec<Avatar>, StoreError> {
        let mut list: Vec<Avatar> = self.lock().avatars.values().filter(|a| a.owner == owner).cloned().collect();
        list.sort_by_key(|x| std::cmp::Reverse((x.created_at, x.id)));
        Ok(list)
    }

    async fn rename(
        &self,
        owner: UserId,
        id: AvatarId,
        name: &AvatarName,
        now: DateTime<Utc>,
    ) -> Result<Option<Avatar>, StoreError> {
        let mut s = self.lock();
        let Some(a) = s.avatars.get_mut(&id).filter(|a| a.owner == owner) else { return Ok(None) };
        a.name = name.clone();
        a.updated_at = now;
        let renamed = a.clone();
        for i in s.images.values_mut().filter(|i| i.avatar == Some(id)) {
            i.avatar_name = Some(name.to_string());
        }
        Ok(Some(renamed))
    }

    async fn refresh_lora(&self, owner: UserId, id: AvatarId, lora: &Lora) -> Result<bool, StoreError> {
        let mut s = self.lock();
        match s.avatars.get_mut(&id).filter(|a| a.owner == owner && a.status == AvatarStatus::Ready) {
            Some(a) => {
                a.lora = Some(lora.clone());
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn set_main(&self, owner: UserId, id: AvatarId) -> Result<SetMain, StoreError> {
        let mut s = self.lock();
        match s.owned_avatar(owner, id) {
            None => return Ok(SetMain::NotFound),
            Some(a) if !a.is_usable() => return Ok(SetMain::NotUsable),
            Some(_) => {}
        }
        for a in s.avatars.values_mut().filter(|a| a.owner == owner) {
            a.is_main = a.id == id;
        }
        Ok(SetMain::Done(s.avatars[&id].clone()))
    }

    async fn delete(&self, owner: UserId, id: AvatarId) -> Result<DeleteAvatar, StoreError> {
        let mut s = self.lock();
        match s.owned_avatar(owner, id) {
            None => return Ok(DeleteAvatar::NotFound),
            Some(a) if a.status == AvatarStatus::Training => return Ok(DeleteAvatar::Busy),
            Some(_) => {}
        }
        let avatar = s.avatars.remove(&id).expect("checked above");
        let photo_ids: Vec<PhotoId> = s.photos.values().filter(|p| p.avatar == id).map(|p| p.id).collect();
        let mut photos: Vec<AvatarPhoto> = photo_ids.iter().filter_map(|p| s.photos.remove(p)).collect();
        photos.sort_by_key(|p| (p.created_at, p.id));
        for i in s.images.values_mut().filter(|i| i.avatar == Some(id)) {
            i.avatar = None;
        }
        if avatar.is_main {
            let next = next_main(s.avatars.values().filter(|a| a.owner == owner));
            if let Some(a) = next.and_then(|n| s.avatars.get_mut(&n)) {
                a.is_main = true;
            }
        }
        Ok(DeleteAvatar::Deleted { avatar, photos })
    }

    async fn add_photo(&self, photo: &AvatarPhoto, rules: &PhotoRules) -> Result<AddPhoto, StoreError> {
        let mut s = self.lock();
        let Some(a) = s.owned_avatar(photo.owner, photo.avatar) else { return Ok(AddPhoto::AvatarNotFound) };
        if !a.accepts_photos() {
            return Ok(AddPhoto::Rejected(PhotoRejection::NotAccepting));
        }
        if s.photos.values().any(|p| p.avatar == photo.avatar && p.sha256 == photo.sha256) {
            return Ok(AddPhoto::Rejected(PhotoRejection::Duplicate));
        }
        if a.photo_count >= rules.max_photos {
            return Ok(AddPhoto::Rejected(PhotoRejection::AvatarFull { max: rules.max_photos }));
        }
        s.photos.insert(photo.id, photo.clone());
        let a = s.avatars.get_mut(&photo.avatar).expect("checked above");
        a.photo_count += 1;
        Ok(AddPhoto::Added { count: a.photo_count })
    }

    async fn photos(&self, owner: UserId, avatar: AvatarId) -> Result<Vec<AvatarPhoto>, StoreError> {
        let s = self.lock();
        let mut list: Vec<AvatarPhoto> =
            s.photos.values().filter(|p| p.owner == owner && p.avatar == avatar).cloned().collect();
        list.sort_by_key(|p| (p.created_at, p.id));
        Ok(list)
    }

    async fn remove_photo(&self, owner: UserId, avatar: AvatarId, photo: PhotoId) -> Result<RemovePhoto, StoreError> {
        let mut s = self.lock();
        let Some(a) = s.owned_avatar(owner, avatar) else { return Ok(RemovePhoto::NotFound) };
        if !a.accepts_photos() {
            return Ok(RemovePhoto::NotAccepting);
        }
        if s.photos.get(&photo).is_none_or(|p| p.avatar != avatar) {
            return Ok(RemovePhoto::NotFound);
        }
        let removed = s.photos.remove(&photo).expect("checked above");
        let a = s.avatars.get_mut(&avatar).expect("checked above");
        a.photo_count -= 1;
        Ok(RemovePhoto::Removed { photo: removed, count: a.photo_count })
    }
}
