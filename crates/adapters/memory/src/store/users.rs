//! `Users` in memory: one row per Telegram account, created with a zero balance.

use super::MemoryStore;
use aisha_domain::ports::{StoreError, Upserted, Users};
use aisha_domain::user::{Settings, User};
use aisha_domain::{Coins, TelegramUserId, UserId};
use async_trait::async_trait;

#[async_trait]
impl Users for MemoryStore {
    async fn upsert(&self, candidate: User) -> Result<Upserted, StoreError> {
        let mut s = self.lock();
        if let Some(id) = s.by_telegram.get(&candidate.profile.telegram_id).copied() {
            let user = s.users.get_mut(&id).expect("index and users agree");
            user.profile = candidate.profile;
            return Ok(Upserted { user: user.clone(), created: false });
        }
        s.by_telegram.insert(candidate.profile.telegram_id, candidate.id);
        s.balances.insert(candidate.id, Coins::ZERO);
        s.users.insert(candidate.id, candidate.clone());
        Ok(Upserted { user: candidate, created: true })
    }

    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.get(&id).cloned())
    }

    async fn by_telegram(&self, telegram_id: TelegramUserId) -> Result<Option<User>, StoreError> {
        let s = self.lock();
        Ok(s.by_telegram.get(&telegram_id).and_then(|id| s.users.get(id)).cloned())
    }

    async fn update_settings(&self, id: UserId, settings: Settings) -> Result<bool, StoreError> {
        Ok(self.lock().users.get_mut(&id).map(|u| u.settings = settings).is_some())
    }

    async fn set_blocked(&self, id: UserId, blocked: bool) -> Result<bool, StoreError> {
        Ok(self.lock().users.get_mut(&id).map(|u| u.blocked = blocked).is_some())
    }

    async fn list(&self, limit: u32) -> Result<Vec<User>, StoreError> {
        let mut users: Vec<User> = self.lock().users.values().cloned().collect();
        users.sort_by_key(|x| std::cmp::Reverse((x.created_at, x.id)));
        users.truncate(limit as usize);
        Ok(users)
    }

    async fn count(&self) -> Result<u64, StoreError> {
        Ok(self.lock().users.len() as u64)
    }
}
