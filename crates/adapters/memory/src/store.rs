//! The persistence ports in memory: users, ledger, jobs, gallery, avatars, payments, promos.
//!
//! All state sits behind one mutex, so every port operation is atomic exactly as the SQL
//! store's transactions are; the money operations reuse one ledger routine so the cached
//! balance and the ledger can never disagree. This is the reference the contract suites hold
//! the SQL store to.

use aisha_domain::avatar::{
    Avatar, AvatarPhoto, AvatarStatus, Lora, PhotoRejection, PhotoRules, TrainingEnd, next_main,
};
use aisha_domain::gallery::{CardAt, Cursor, GalleryCounts, GalleryQuery, ImageKind, ImageRecord, Position};
use aisha_domain::generation::{Failure, Job, JobLimits, JobSpec, JobStatus, NewJob};
use aisha_domain::ledger::{self, Applied, LedgerEntry, LedgerTotals, NewLedgerEntry};
use aisha_domain::payments::{Promo, StarsPayment};
use aisha_domain::ports::*;
use aisha_domain::user::{Settings, User};
use aisha_domain::{
    AvatarId, AvatarName, Coins, ImageId, JobId, LedgerEntryId, PhotoId, PromoCode, TelegramUserId, UserId,
};
use async_trait::async_trait;
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

#[async_trait]
impl JobOrders for MemoryStore {
    async fn create_charged(&self, new: NewJob, limits: &JobLimits) -> Result<CreatedJob, CreateJobError> {
        let mut s = self.lock();
        if let Some(existing) = s.jobs.get(&new.id) {
            if (existing.owner, &existing.spec, existing.quote) != (new.owner, &new.spec, new.quote) {
                return Err(CreateJobError::Store(StoreError::internal(format!(
                    "job {} already exists with different contents; refused",
                    new.id
                ))));
            }
            return Ok(CreatedJob { job: existing.clone(), replayed: true });
        }
        if !s.users.contains_key(&new.owner) {
            return Err(CreateJobError::UnknownUser);
        }
        if !limits.in_flight.allows_another(s.in_flight(new.owner)) {
            return Err(CreateJobError::TooManyInFlight { limit: limits.in_flight.0 });
        }
        if let Some(avatar) = new.spec.avatar() {
            let a = s.owned_avatar(new.owner, avatar).ok_or(AvatarRefusal::NotFound)?;
            a.check_for(&new.spec, &limits.photos)?;
        }
        let debit = NewLedgerEntry::job_charge(&new);
        s.apply(debit).map_err(|e| match e {
            ApplyError::InsufficientFunds { balance, needed } => CreateJobError::InsufficientFunds { balance, needed },
            ApplyError::UnknownUser => CreateJobError::UnknownUser,
            e @ ApplyError::KeyReused { .. } => CreateJobError::Store(StoreError::internal_from("charging the job", e)),
            ApplyError::Store(e) => CreateJobError::Store(e),
        })?;
        let job = new.into_job();
        if let JobSpec::Training { avatar } = job.spec {
            s.avatars.get_mut(&avatar).expect("checked above").start_training(job.id, job.created_at);
        }
        s.jobs.insert(job.id, job.clone());
        Ok(CreatedJob { job, replayed: false })
    }

    async fn get(&self, owner: UserId, id: JobId) -> Result<Option<Job>, StoreError> {
        Ok(self.lock().jobs.get(&id).filter(|j| j.owner == owner).cloned())
    }

    async fn get_many(&self, owner: UserId, ids: &[JobId]) -> Result<Vec<Job>, StoreError> {
        let s = self.lock();
        Ok(ids.iter().filter_map(|id| s.jobs.get(id)).filter(|j| j.owner == owner).cloned().collect())
    }

    async fn in_flight(&self, owner: UserId) -> Result<u32, StoreError> {
        Ok(self.lock().in_flight(owner))
    }
}

#[async_trait]
impl JobQueue for MemoryStore {
    async fn find(&self, id: JobId) -> Result<Option<Job>, StoreError> {
        Ok(self.lock().jobs.get(&id).cloned())
    }

    async fn by_request(&self, request_id: &str) -> Result<Option<Job>, StoreError> {
        let s = self.lock();
        Ok(s.jobs.values().find(|j| j.provider.as_ref().is_some_and(|p| p.request_id == request_id)).cloned())
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let mut s = self.lock();
        let mut due: Vec<(DateTime<Utc>, JobId)> = s
            .jobs
            .values()
            .filter(|j| !j.status.is_terminal() && j.next_attempt_at <= now)
            .map(|j| (j.next_attempt_at, j.id))
            .collect();
        due.sort();
        due.truncate(limit as usize);
        Ok(due
            .into_iter()
            .map(|(_, id)| {
                let j = s.jobs.get_mut(&id).expect("just listed");
                j.next_attempt_at = lease_until;
                j.leased_until = Some(lease_until);
                j.version += 1;
                j.clone()
            })
            .collect())
    }

    async fn renew_leases(&self, held: &[(JobId, i64)], until: DateTime<Utc>) -> Result<Vec<JobId>, StoreError> {
        let mut s = self.lock();
        let mut renewed = Vec::new();
        for (id, version) in held {
            if let Some(j) = s.jobs.get_mut(id)
                && j.version == *version
                && !j.status.is_terminal()
            {
                j.next_attempt_at = until;
                j.leased_until = Some(until);
                renewed.push(*id);
            }
        }
        Ok(renewed)
    }

    async fn save(&self, job: &Job) -> Result<Job, SaveError> {
        let mut s = self.lock();
        let stored = s.jobs.get_mut(&job.id).ok_or(SaveError::NotFound)?;
        if stored.version != job.version {
            return Err(SaveError::Conflict);
        }
        if job.status.is_terminal() || stored.status.is_terminal() {
            return Err(SaveError::Terminal);
        }
        if stored.status != job.status && !stored.status.can_become(job.status) {
            return Err(SaveError::Transition(aisha_domain::generation::TransitionError::Illegal {
                job: job.id,
                from: stored.status,
                to: job.status,
            }));
        }
        let mut saved = job.clone();
        saved.version += 1;
        *stored = saved.clone();
        Ok(saved)
    }

    async fn overdue(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Job>, StoreError> {
        let s = self.lock();
        let mut jobs: Vec<Job> = s.jobs.values().filter(|j| j.is_overdue(now)).cloned().collect();
        jobs.sort_by_key(|j| (j.deadline, j.id));
        jobs.truncate(limit as usize);
        Ok(jobs)
    }

    async fn non_terminal(&self, limit: u32) -> Result<Vec<Job>, StoreError> {
        let s = self.lock();
        let mut jobs: Vec<Job> = s.jobs.values().filter(|j| !j.status.is_terminal()).cloned().collect();
        jobs.sort_by_key(|j| (j.created_at, j.id));
        jobs.truncate(limit as usize);
        Ok(jobs)
    }

    async fn count_by_status(&self) -> Result<Vec<(JobStatus, u64)>, StoreError> {
        let s = self.lock();
        Ok(JobStatus::ALL
            .into_iter()
            .map(|st| (st, s.jobs.values().filter(|j| j.status == st).count() as u64))
            .filter(|(_, n)| *n > 0)
            .collect())
    }
}

#[async_trait]
impl JobOutcomes for MemoryStore {
    async fn succeed(&self, id: JobId, output: JobOutput, now: DateTime<Utc>) -> Result<Settled, SettleError> {
        let mut s = self.lock();
        let mut job = s.jobs.get(&id).cloned().ok_or(SettleError::NotFound)?;
        if job.status.is_terminal() {
            return Err(SettleError::AlreadyEnded(Box::new(job)));
        }
        let mut avatar = None;
        match output {
            JobOutput::Images(images) => {
                let delivered = u8::try_from(images.len()).unwrap_or(u8::MAX);
                job.succeed(delivered, now)?;
                for image in images {
                    s.images.insert(image.id, image);
                }
            }
            JobOutput::Lora(lora) => {
                job.succeed(1, now)?;
                if let JobSpec::Training { avatar: avatar_id } = job.spec {
                    let has_main = s.avatars.values().any(|a| a.owner == job.owner && a.is_main);
                    if let Some(a) = s.avatars.get_mut(&avatar_id) {
                        a.finish_training(TrainingEnd::Trained { lora, owner_has_main: has_main }, now);
                        avatar = Some(a.clone());
                    }
                }
            }
        }
        job.version += 1;
        s.jobs.insert(id, job.clone());
        let refund = s.refund(&job, now);
        Ok(Settled { job, refund, avatar })
    }

    async fn fail(&self, id: JobId, failure: Failure, now: DateTime<Utc>) -> Result<Settled, SettleError> {
        let mut s = self.lock();
        let mut job = s.jobs.get(&id).cloned().ok_or(SettleError::NotFound)?;
        if job.status.is_terminal() {
            return Err(SettleError::AlreadyEnded(Box::new(job)));
        }
        let kind = failure.kind;
        job.fail(failure, now)?;
        job.version += 1;
        s.jobs.insert(id, job.clone());
        let mut avatar = None;
        if let JobSpec::Training { avatar: avatar_id } = job.spec
            && let Some(a) = s.avatars.get_mut(&avatar_id)
        {
            a.finish_training(TrainingEnd::of_failure(kind), now);
            avatar = Some(a.clone());
        }
        let refund = s.refund(&job, now);
        Ok(Settled { job, refund, avatar })
    }

    async fn mark_outcome_sent(&self, id: JobId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut s = self.lock();
        if s.jobs.get(&id).is_some_and(|j| j.status.is_terminal()) {
            s.outcomes_sent.entry(id).or_insert(at);
        }
        Ok(())
    }

    async fn claim_unsent_outcomes(
        &self,
        older_than: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Job>, StoreError> {
        let mut s = self.lock();
        let mut due: Vec<(DateTime<Utc>, JobId)> = s
            .jobs
            .values()
            .filter(|j| j.status.is_terminal() && j.updated_at <= older_than && !s.outcomes_sent.contains_key(&j.id))
            .map(|j| (j.updated_at, j.id))
            .collect();
        due.sort();
        due.truncate(limit as usize);
        let mut claimed = Vec::with_capacity(due.len());
        for (_, id) in due {
            if let Some(job) = s.jobs.get_mut(&id) {
                job.updated_at = now;
                job.version += 1;
                claimed.push(job.clone());
            }
        }
        Ok(claimed)
    }
}

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

#[async_trait]
impl Payments for MemoryStore {
    async fn record_stars_payment(
        &self,
        payment: StarsPayment,
        entry: LedgerEntryId,
    ) -> Result<PaymentRecorded, StoreError> {
        let mut s = self.lock();
        if let Some(existing) = s.payments.get(&payment.charge_id) {
            if !payment.same_payment_as(existing) {
                return Err(payment.reuse_refused());
            }
            return Ok(PaymentRecorded::Replayed { payment: existing.clone() });
        }
        let credit = NewLedgerEntry::stars_top_up(&payment, entry);
        let row = s.apply(credit).map_err(|e| StoreError::internal_from("crediting the payment", e))?.entry().clone();
        s.payments.insert(payment.charge_id.clone(), payment.clone());
        Ok(PaymentRecorded::Credited { payment, entry: row })
    }

    async fn stars_payment(&self, charge_id: &str) -> Result<Option<StarsPayment>, StoreError> {
        Ok(self.lock().payments.get(charge_id).cloned())
    }

    async fn refund_stars_payment(
        &self,
        charge_id: &str,
        force: bool,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<StarsRefunded, StarsRefundError> {
        let mut s = self.lock();
        let payment = s.payments.get(charge_id).cloned().ok_or(StarsRefundError::NotFound)?;
        if payment.refunded_at.is_some() {
            return Err(StarsRefundError::AlreadyRefunded);
        }
        let balance = s.balances.get(&payment.owner).copied().unwrap_or(Coins::ZERO);
        let taken_back = payment.take_back(balance, force)?;
        let row = if taken_back.is_zero() {
            None
        } else {
            let debit = NewLedgerEntry::stars_refund(&payment, taken_back, entry, now);
            Some(
                s.apply(debit)
                    .map_err(|e| StoreError::internal_from("taking the refunded coins back", e))?
                    .entry()
                    .clone(),
            )
        };
        let stored = s.payments.get_mut(charge_id).expect("read above");
        stored.refunded_at = Some(now);
        Ok(StarsRefunded { payment: stored.clone(), taken_back, entry: row })
    }

    async fn request_stars_refund(
        &self,
        charge_id: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<StarsPayment, StarsRefundError> {
        let mut s = self.lock();
        let p = s.payments.get_mut(charge_id).ok_or(StarsRefundError::NotFound)?;
        if p.refunded_at.is_some() {
            return Err(StarsRefundError::AlreadyRefunded);
        }
        if p.refund_confirmed_at.is_none() {
            match p.refund_requested_at {
                Some(since) if now - since < lease => return Err(StarsRefundError::InProgress { since }),
                _ => p.refund_requested_at = Some(now),
            }
        }
        Ok(p.clone())
    }

    async fn confirm_stars_refund(
        &self,
        charge_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StarsPayment, StarsRefundError> {
        let mut s = self.lock();
        let p = s.payments.get_mut(charge_id).ok_or(StarsRefundError::NotFound)?;
        p.refund_confirmed_at.get_or_insert(now);
        Ok(p.clone())
    }

    async fn withdraw_stars_refund(&self, charge_id: &str) -> Result<(), StoreError> {
        let mut s = self.lock();
        if let Some(p) = s.payments.get_mut(charge_id).filter(|p| p.refund_confirmed_at.is_none()) {
            p.refund_requested_at = None;
        }
        Ok(())
    }

    async fn stars_totals(&self) -> Result<StarsTotals, StoreError> {
        let s = self.lock();
        let mut t = StarsTotals::default();
        for p in s.payments.values() {
            t.payments += 1;
            t.stars += u64::from(p.stars);
            if p.refunded_at.is_some() {
                t.refunded_stars += u64::from(p.stars);
            }
        }
        Ok(t)
    }
}

#[async_trait]
impl Promos for MemoryStore {
    async fn create_promo(&self, promo: &Promo) -> Result<(), CreatePromoError> {
        let mut s = self.lock();
        if s.promos.contains_key(&promo.code) {
            return Err(CreatePromoError::Exists(promo.code.clone()));
        }
        s.promos.insert(promo.code.clone(), promo.clone());
        Ok(())
    }

    async fn promo(&self, code: &PromoCode) -> Result<Option<Promo>, StoreError> {
        Ok(self.lock().promos.get(code).cloned())
    }

    async fn promos(&self) -> Result<Vec<Promo>, StoreError> {
        Ok(self.lock().promos.values().cloned().collect())
    }

    async fn set_promo_active(&self, code: &PromoCode, active: bool) -> Result<Option<Promo>, StoreError> {
        Ok(self.lock().promos.get_mut(code).map(|p| {
            p.active = active;
            p.clone()
        }))
    }

    async fn redeem(
        &self,
        owner: UserId,
        code: &PromoCode,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, RedeemError> {
        let mut s = self.lock();
        let promo = s.promos.get(code).cloned().ok_or(aisha_domain::payments::PromoRefusal::Unknown)?;
        let used = s.redemptions.get(&(code.clone(), owner)).copied().unwrap_or(0);
        let coins = promo.check(used, now)?;
        let credit = NewLedgerEntry::promo(owner, code, coins, entry, now);
        let row =
            s.apply(credit).map_err(|e| StoreError::internal_from("crediting the promo code", e))?.entry().clone();
        s.promos.get_mut(code).expect("read above").uses += 1;
        *s.redemptions.entry((code.clone(), owner)).or_default() += 1;
        Ok(Redeemed { coins, entry: row })
    }
}
