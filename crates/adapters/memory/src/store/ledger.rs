//! `Ledger` in memory: reads over the rows the shared ledger routine (`State::apply`) writes.

use super::MemoryStore;
use aisha_domain::ledger::{self, Applied, LedgerEntry, LedgerTotals, NewLedgerEntry};
use aisha_domain::ports::{ApplyError, Ledger, StoreError};
use aisha_domain::{Coins, LedgerEntryId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl Ledger for MemoryStore {
    async fn balance(&self, owner: UserId) -> Result<Coins, StoreError> {
        Ok(self.lock().balances.get(&owner).copied().unwrap_or(Coins::ZERO))
    }

    async fn apply(&self, entry: NewLedgerEntry) -> Result<Applied, ApplyError> {
        self.lock().apply(entry)
    }

    async fn history(
        &self,
        owner: UserId,
        before: Option<(DateTime<Utc>, LedgerEntryId)>,
        limit: u32,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let s = self.lock();
        let mut rows: Vec<LedgerEntry> = s
            .ledger
            .iter()
            .filter(|e| e.owner == owner && before.is_none_or(|b| (e.created_at, e.id) < b))
            .cloned()
            .collect();
        rows.sort_by_key(|x| std::cmp::Reverse((x.created_at, x.id)));
        rows.truncate(limit as usize);
        Ok(rows)
    }

    async fn spent_on_jobs(&self, owner: UserId) -> Result<Coins, StoreError> {
        let s = self.lock();
        let rows: Vec<LedgerEntry> = s.ledger.iter().filter(|e| e.owner == owner).cloned().collect();
        Ok(ledger::spent_on_jobs(&rows))
    }

    async fn totals(&self) -> Result<LedgerTotals, StoreError> {
        let mut totals = LedgerTotals::default();
        self.lock().ledger.iter().for_each(|e| totals.add(e));
        Ok(totals)
    }
}
