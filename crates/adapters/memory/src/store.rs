//! The persistence ports in memory: users, ledger, jobs, gallery, avatars, payments, promos.
//!
//! All state sits behind one mutex, so every port operation is atomic exactly as the SQL
//! store's transactions are; the money operations reuse one ledger routine so the cached
//! balance and the ledger can never disagree. This is the reference the contract suites hold
//! the SQL store to.
//!
//! This module holds the shared state, its ledger routine and the test views (`Snapshot`,
//! `violations`); each port's implementation is in its own submodule.

mod avatars;
mod gallery;
mod jobs;
mod ledger;
mod payments;
mod users;

use aisha_domain::avatar::{Avatar, AvatarPhoto};
use aisha_domain::gallery::{GalleryQuery, ImageRecord};
use aisha_domain::generation::Job;
use aisha_domain::ledger::{Applied, LedgerEntry, NewLedgerEntry};
use aisha_domain::payments::{Promo, StarsPayment};
use aisha_domain::ports::ApplyError;
use aisha_domain::user::User;
use aisha_domain::{AvatarId, Coins, ImageId, JobId, LedgerEntryId, PhotoId, PromoCode, TelegramUserId, UserId};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use uuid::Uuid;

#[derive(Default)]
struct State {
    users: BTreeMap<UserId, User>,
    by_telegram: HashMap<TelegramUserId, UserId>,
    balances: HashMap<UserId, Coins>,
    ledger: Vec<LedgerEntry>,
    ledger_keys: HashMap<String, usize>,
    jobs: BTreeMap<JobId, Job>,
    /// When each ended job's outcome was marked sent.
    outcomes_sent: HashMap<JobId, DateTime<Utc>>,
    images: BTreeMap<ImageId, ImageRecord>,
    avatars: BTreeMap<AvatarId, Avatar>,
    photos: BTreeMap<PhotoId, AvatarPhoto>,
    payments: BTreeMap<String, StarsPayment>,
    promos: BTreeMap<PromoCode, Promo>,
    redemptions: HashMap<(PromoCode, UserId), u32>,
    /// Ids for rows the store creates itself (refunds); distinct from callers' ids.
    own_ids: u128,
}

impl State {
    fn own_id(&mut self) -> LedgerEntryId {
        self.own_ids += 1;
        LedgerEntryId(Uuid::from_u128((0xA15A_u128 << 112) | self.own_ids))
    }

    /// The one ledger routine: idempotent on the key, never below zero, balance moves with
    /// the row.
    fn apply(&mut self, entry: NewLedgerEntry) -> Result<Applied, ApplyError> {
        if let Some(&i) = self.ledger_keys.get(&entry.idempotency_key) {
            if !entry.same_change_as(&self.ledger[i]) {
                return Err(ApplyError::KeyReused { key: entry.idempotency_key });
            }
            return Ok(Applied::Replayed(self.ledger[i].clone()));
        }
        let before = *self.balances.get(&entry.owner).ok_or(ApplyError::UnknownUser)?;
        let row = entry.on_balance(before).ok_or(ApplyError::InsufficientFunds {
            balance: before,
            needed: Coins::new(-entry.amount).unwrap_or(Coins::ZERO),
        })?;
        self.balances.insert(row.owner, row.balance_after);
        self.ledger_keys.insert(row.idempotency_key.clone(), self.ledger.len());
        self.ledger.push(row.clone());
        Ok(Applied::Written(row))
    }

    fn in_flight(&self, owner: UserId) -> u32 {
        let n = self.jobs.values().filter(|j| j.owner == owner && !j.status.is_terminal()).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn owned_avatar(&self, owner: UserId, id: AvatarId) -> Option<&Avatar> {
        self.avatars.get(&id).filter(|a| a.owner == owner)
    }

    fn matching(&self, owner: UserId, q: &GalleryQuery) -> impl Iterator<Item = &ImageRecord> {
        self.images.values().filter(move |i| i.owner == owner && q.matches(i))
    }

    fn refund(&mut self, job: &Job, now: DateTime<Utc>) -> Option<LedgerEntry> {
        let id = self.own_id();
        let entry = NewLedgerEntry::job_refund(job, id, now)?;
        // a credit to an existing user cannot be refused
        self.apply(entry).ok().map(|a| a.entry().clone())
    }
}

/// Every persistence port in memory.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

/// A consistent copy of everything, for invariant checks in tests.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub balances: HashMap<UserId, Coins>,
    pub ledger: Vec<LedgerEntry>,
    pub jobs: Vec<Job>,
    pub images: Vec<ImageRecord>,
    pub avatars: Vec<Avatar>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // a panic in another test thread must not hide this store's state
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every broken money or image invariant (`aisha_domain::invariants`), checking recorded
    /// images against `images`, the store the jobs wrote to. Empty when all hold.
    pub fn violations(&self, images: &crate::MemoryImageStore) -> Vec<String> {
        let snap = self.snapshot();
        let keys: std::collections::HashSet<String> = images.keys().into_iter().collect();
        let mut v = aisha_domain::invariants::check(&snap.balances, &snap.ledger, &snap.jobs, &snap.images, &|k| {
            keys.contains(k.as_str())
        });
        let (payments, promos) = {
            let s = self.lock();
            let promos: Vec<aisha_domain::invariants::PromoUses> = s
                .promos
                .values()
                .map(|p| aisha_domain::invariants::PromoUses {
                    code: p.code.clone(),
                    uses: p.uses,
                    redemptions: s
                        .redemptions
                        .iter()
                        .filter(|((code, _), _)| *code == p.code)
                        .map(|(_, n)| u64::from(*n))
                        .sum(),
                })
                .collect();
            (s.payments.values().cloned().collect::<Vec<_>>(), promos)
        };
        v.extend(aisha_domain::invariants::check_payments(&payments, &promos, &snap.ledger));
        v
    }

    pub fn snapshot(&self) -> Snapshot {
        let s = self.lock();
        Snapshot {
            balances: s.balances.clone(),
            ledger: s.ledger.clone(),
            jobs: s.jobs.values().cloned().collect(),
            images: s.images.values().cloned().collect(),
            avatars: s.avatars.values().cloned().collect(),
        }
    }
}
