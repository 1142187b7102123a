//! `Gallery` in memory: keyset cards and positions over the owner's matching images.

use super::MemoryStore;
use aisha_domain::gallery::{CardAt, Cursor, GalleryCounts, GalleryQuery, ImageKind, ImageRecord, Position};
use aisha_domain::ports::{Gallery, StoreError, Users};
use aisha_domain::{ImageId, JobId, TelegramUserId, User, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[async_trait]
impl Gallery for MemoryStore {
    async fn card(&self, owner: UserId, query: &GalleryQuery, at: CardAt) -> Result<Option<ImageRecord>, StoreError> {
        let s = self.lock();
        let mut rows = s.matching(owner, query);
        let key = |i: &ImageRecord| i.cursor();
        let found = match at {
            CardAt::Newest => rows.max_by_key(|i| (i.created_at, i.id)),
            CardAt::Exact(c) => rows.find(|i| key(i) == c),
            CardAt::Older(c) => rows.filter(|i| c.is_newer_than(&key(i))).max_by_key(|i| (i.created_at, i.id)),
            CardAt::Newer(c) => rows.filter(|i| key(i).is_newer_than(&c)).min_by_key(|i| (i.created_at, i.id)),
        };
        Ok(found.cloned())
    }

    async fn position(&self, owner: UserId, query: &GalleryQuery, cursor: Cursor) -> Result<Position, StoreError> {
        let s = self.lock();
        let (mut index, mut total) = (0, 0);
        for i in s.matching(owner, query) {
            total += 1;
            if !cursor.is_newer_than(&i.cursor()) {
                index += 1;
            }
        }
        Ok(Position { index, total })
    }

    async fn step(
        &self,
        telegram: TelegramUserId,
        query: &GalleryQuery,
        from: ImageId,
        older: bool,
    ) -> Result<Option<(User, Option<(ImageRecord, Position)>)>, StoreError> {
        let Some(user) = Users::by_telegram(self, telegram).await? else { return Ok(None) };
        let Some(from) = Gallery::get(self, user.id, from).await? else { return Ok(Some((user, None))) };
        let at = if older { CardAt::Older(from.cursor()) } else { CardAt::Newer(from.cursor()) };
        let card = self.card_with_position(user.id, query, at).await?;
        Ok(Some((user, card)))
    }

    async fn get(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        Ok(self.lock().images.get(&id).filter(|i| i.owner == owner).cloned())
    }

    async fn of_job(&self, owner: UserId, job: JobId) -> Result<Vec<ImageRecord>, StoreError> {
        let s = self.lock();
        let mut list: Vec<ImageRecord> =
            s.images.values().filter(|i| i.owner == owner && i.job == Some(job)).cloned().collect();
        list.sort_by(|a, b| a.object.key.as_str().cmp(b.object.key.as_str()));
        Ok(list)
    }

    async fn set_favorite(
        &self,
        owner: UserId,
        id: ImageId,
        favorite: bool,
    ) -> Result<Option<ImageRecord>, StoreError> {
        let mut s = self.lock();
        Ok(s.images.get_mut(&id).filter(|i| i.owner == owner).map(|i| {
            i.favorite = favorite;
            i.clone()
        }))
    }

    async fn delete(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        let mut s = self.lock();
        if s.images.get(&id).is_some_and(|i| i.owner == owner) { Ok(s.images.remove(&id)) } else { Ok(None) }
    }

    async fn set_file_id(&self, owner: UserId, id: ImageId, file_id: &str) -> Result<(), StoreError> {
        if let Some(i) = self.lock().images.get_mut(&id).filter(|i| i.owner == owner) {
            i.telegram_file_id = Some(file_id.to_owned());
        }
        Ok(())
    }

    async fn counts(&self, owner: UserId, month_start: DateTime<Utc>) -> Result<GalleryCounts, StoreError> {
        let s = self.lock();
        let mut c = GalleryCounts::default();
        let mut by_avatar: BTreeMap<String, u64> = BTreeMap::new();
        for i in s.images.values().filter(|i| i.owner == owner) {
            c.total += 1;
            match i.kind {
                ImageKind::Text => c.imagen += 1,
                ImageKind::AvatarPhoto => c.avatar_photos += 1,
            }
            c.favorites += u64::from(i.favorite);
            c.this_month += u64::from(i.created_at >= month_start);
            if let Some(name) = &i.avatar_name {
                *by_avatar.entry(name.clone()).or_default() += 1;
            }
        }
        c.by_avatar = by_avatar.into_iter().collect();
        c.by_avatar.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(c)
    }
}
