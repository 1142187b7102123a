//! Users.

use crate::user::{Settings, User};
use crate::{TelegramUserId, UserId};
use async_trait::async_trait;

use super::StoreError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upserted {
    pub user: User,
    pub created: bool,
}

#[async_trait]
pub trait Users: Send + Sync {
    /// Registers `candidate` if its Telegram id is new; otherwise refreshes the stored profile
    /// fields and returns the stored user (its settings untouched).
    async fn upsert(&self, candidate: User) -> Result<Upserted, StoreError>;
    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError>;
    async fn by_telegram(&self, telegram_id: TelegramUserId) -> Result<Option<User>, StoreError>;
    /// `false` if there is no such user.
    async fn update_settings(&self, id: UserId, settings: Settings) -> Result<bool, StoreError>;
    /// `false` if there is no such user.
    async fn set_blocked(&self, id: UserId, blocked: bool) -> Result<bool, StoreError>;
    /// Newest first, for operators.
    async fn list(&self, limit: u32) -> Result<Vec<User>, StoreError>;
    async fn count(&self) -> Result<u64, StoreError>;
}
