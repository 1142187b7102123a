//! Registration, balance and operators' manual changes.

use super::Env;
use crate::ledger::{Applied, LedgerEntry, LedgerReason, NewLedgerEntry, keys};
use crate::ports::{ApplyError, Ledger, StoreError, Users};
use crate::user::{Language, Profile, Settings, User};
use crate::{Coins, LedgerEntryId, UserId};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub struct Accounts {
    pub users: Arc<dyn Users>,
    pub ledger: Arc<dyn Ledger>,
    pub env: Env,
    /// Coins a new user gets once per Telegram id: the first-image gift plus any welcome
    /// bonus (operator configuration; 0 for none).
    pub welcome_bonus: Coins,
}

/// A user after `register`.
#[derive(Clone, Debug)]
pub struct Registered {
    pub user: User,
    /// Whether this contact created the user row.
    pub created: bool,
    /// The welcome credit this registration wrote (`None` without one, or when the Telegram
    /// id had it before).
    pub welcome: Option<Coins>,
}

impl Accounts {
    /// Get-or-create on every contact; a new user gets the welcome credit exactly once per
    /// Telegram id (the ledger key is derived from it, so a retried registration, or the
    /// same person registered again under a new row, is never credited twice).
    ///
    /// Runs on every update, so a known user whose profile did not change costs one read and
    /// no write.
    pub async fn register(&self, profile: Profile) -> Result<Registered, StoreError> {
        if let Some(user) = self.users.by_telegram(profile.telegram_id).await?
            && user.profile == profile
        {
            return Ok(Registered { user, created: false, welcome: None });
        }
        let now = self.env.now();
        let language = Language::from_telegram(profile.language_code.as_deref());
        let candidate = User {
            id: UserId(self.env.ids.new_uuid()),
            profile,
            settings: Settings::for_new_user(language),
            blocked: false,
            created_at: now,
        };
        let upserted = self.users.upsert(candidate).await?;
        let mut welcome = None;
        if upserted.created && !self.welcome_bonus.is_zero() {
            let entry = NewLedgerEntry {
                id: LedgerEntryId(self.env.ids.new_uuid()),
                owner: upserted.user.id,
                amount: self.welcome_bonus.get(),
                reason: LedgerReason::Welcome,
                idempotency_key: keys::welcome_telegram(upserted.user.profile.telegram_id),
                created_at: now,
            };
            welcome = match self.ledger.apply(entry).await {
                Ok(Applied::Written(e)) => Coins::new(e.amount).ok(),
                // this Telegram id was credited before (by a retried registration, or under
                // another row when it registers again): not again
                Ok(Applied::Replayed(_)) | Err(ApplyError::KeyReused { .. }) => None,
                Err(ApplyError::Store(s)) => return Err(s),
                Err(other) => return Err(StoreError::internal_from("crediting the welcome coins", other)),
            };
        }
        Ok(Registered { user: upserted.user, created: upserted.created, welcome })
    }

    /// An operator's change with the reason they gave (for operators) and, optionally, a note
    /// for the user's balance screen; refused if it would go below zero.
    pub async fn adjust(
        &self,
        owner: UserId,
        amount: i64,
        note: &str,
        user_note: Option<&str>,
    ) -> Result<LedgerEntry, ApplyError> {
        let id = LedgerEntryId(self.env.ids.new_uuid());
        let entry = NewLedgerEntry {
            id,
            owner,
            amount,
            reason: LedgerReason::Admin { note: note.to_owned(), user_note: user_note.map(str::to_owned) },
            idempotency_key: keys::admin(id),
            created_at: self.env.now(),
        };
        self.ledger.apply(entry).await.map(|a| match a {
            Applied::Written(e) | Applied::Replayed(e) => e,
        })
    }

    /// One page of history, newest first, and the cursor for the next (older) page.
    pub async fn history(
        &self,
        owner: UserId,
        before: Option<(DateTime<Utc>, LedgerEntryId)>,
        page: u32,
    ) -> Result<(Vec<LedgerEntry>, Option<(DateTime<Utc>, LedgerEntryId)>), StoreError> {
        let mut rows = self.ledger.history(owner, before, page + 1).await?;
        let more = rows.len() > page as usize;
        rows.truncate(page as usize);
        let next = if more { rows.last().map(|e| (e.created_at, e.id)) } else { None };
        Ok((rows, next))
    }
}
