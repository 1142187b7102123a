//! Gallery.

use crate::gallery::{CardAt, Cursor, GalleryCounts, GalleryQuery, ImageRecord, Position};
use crate::{ImageId, JobId, TelegramUserId, User, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

#[async_trait]
pub trait Gallery: Send + Sync {
    /// One card under `query`, relative to a cursor (keyset, no OFFSET).
    async fn card(&self, owner: UserId, query: &GalleryQuery, at: CardAt) -> Result<Option<ImageRecord>, StoreError>;
    /// Where `cursor` stands under `query`: how many match and are newer or equal, of how many.
    async fn position(&self, owner: UserId, query: &GalleryQuery, cursor: Cursor) -> Result<Position, StoreError>;
    /// [`card`](Self::card) and that card's [`position`](Self::position) at once: one round
    /// trip in a store that can (the gallery's every step needs both).
    async fn card_with_position(
        &self,
        owner: UserId,
        query: &GalleryQuery,
        at: CardAt,
    ) -> Result<Option<(ImageRecord, Position)>, StoreError> {
        let Some(card) = self.card(owner, query, at).await? else { return Ok(None) };
        let position = self.position(owner, query, card.cursor()).await?;
        Ok(Some((card, position)))
    }
    /// The user with this Telegram id and, under `query`, the card one step from `from`
    /// (older or newer) with its position: a gallery step's one read, one round trip in a
    /// store that can. `None`: no such user. The card is `None` when `from` is not the user's
    /// (or gone) or nothing lies that way.
    async fn step(
        &self,
        telegram: TelegramUserId,
        query: &GalleryQuery,
        from: ImageId,
        older: bool,
    ) -> Result<Option<(User, Option<(ImageRecord, Position)>)>, StoreError>;
    async fn get(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError>;
    /// The images a job produced (still in the gallery), in the order they were stored.
    async fn of_job(&self, owner: UserId, job: JobId) -> Result<Vec<ImageRecord>, StoreError>;
    /// `None` if not found (or not the owner's).
    async fn set_favorite(&self, owner: UserId, id: ImageId, favorite: bool)
    -> Result<Option<ImageRecord>, StoreError>;
    /// Flips the favorite flag and returns the image as it is now; `None` if not found (or not
    /// the owner's). One round trip in a store that can.
    async fn toggle_favorite(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        let Some(image) = self.get(owner, id).await? else { return Ok(None) };
        self.set_favorite(owner, id, !image.favorite).await
    }
    /// Removes the row and returns it, so the caller can remove its stored object.
    async fn delete(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError>;
    async fn set_file_id(&self, owner: UserId, id: ImageId, file_id: &str) -> Result<(), StoreError>;
    async fn counts(&self, owner: UserId, month_start: DateTime<Utc>) -> Result<GalleryCounts, StoreError>;
}
