//! The coin ledger: an append-only list of signed changes. A user's balance is, by definition,
//! the sum of their ledger rows; stores keep a cached balance that moves in the same
//! transaction as the row, and refuse any row that would take it below zero.

use crate::{Coins, JobId, JobKind, LedgerEntryId, PromoCode, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why the balance changed. Rendered "in words" on the balance screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LedgerReason {
    /// The charge for a job, written together with the job.
    JobCharge {
        job: JobId,
        job_kind: JobKind,
        units: u8,
    },
    /// Coins returned for a job that ended without (all of) its output.
    JobRefund {
        job: JobId,
        units: u8,
    },
    /// A Telegram Stars payment.
    StarsTopUp {
        charge_id: String,
        stars: u32,
    },
    /// An operator refunded a Stars payment; the coins it bought are taken back.
    StarsRefund {
        charge_id: String,
    },
    Promo {
        code: PromoCode,
    },
    Welcome,
    /// An operator's manual change: `note` is the reason they gave, kept for operators;
    /// `user_note`, when they wrote one, is what the user reads on the balance screen.
    Admin {
        note: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_note: Option<String>,
    },
}

impl LedgerReason {
    pub fn kind(&self) -> LedgerKind {
        match self {
            LedgerReason::JobCharge { .. } => LedgerKind::JobCharge,
            LedgerReason::JobRefund { .. } => LedgerKind::JobRefund,
            LedgerReason::StarsTopUp { .. } => LedgerKind::StarsTopUp,
            LedgerReason::StarsRefund { .. } => LedgerKind::StarsRefund,
            LedgerReason::Promo { .. } => LedgerKind::Promo,
            LedgerReason::Welcome => LedgerKind::Welcome,
            LedgerReason::Admin { .. } => LedgerKind::Admin,
        }
    }
}

/// What kind of change a ledger row is, without its details: what stores index and filter on
/// (a job's charges and refunds apart from top-ups, say).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LedgerKind {
    JobCharge,
    JobRefund,
    StarsTopUp,
    StarsRefund,
    Promo,
    Welcome,
    Admin,
}

impl LedgerKind {
    /// The kinds a job's own rows have.
    pub const OF_JOBS: [LedgerKind; 2] = [LedgerKind::JobCharge, LedgerKind::JobRefund];

    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::JobCharge => "job_charge",
            LedgerKind::JobRefund => "job_refund",
            LedgerKind::StarsTopUp => "stars_top_up",
            LedgerKind::StarsRefund => "stars_refund",
            LedgerKind::Promo => "promo",
            LedgerKind::Welcome => "welcome",
            LedgerKind::Admin => "admin",
        }
    }
}

/// Idempotency keys: a second row with the same key is a replay, never a second change.
pub mod keys {
    use super::*;

    pub fn job_charge(job: JobId) -> String {
        format!("job:{job}:charge")
    }
    pub fn job_refund(job: JobId) -> String {
        format!("job:{job}:refund")
    }
    pub fn stars_top_up(charge_id: &str) -> String {
        format!("stars:{charge_id}")
    }
    pub fn stars_refund(charge_id: &str) -> String {
        format!("stars:{charge_id}:refund")
    }
    /// The welcome bonus as it was keyed before the first-image gift: per account.
    pub fn welcome(user: UserId) -> String {
        format!("welcome:{user}")
    }
    /// The welcome credit (first-image gift and welcome bonus): once per Telegram account,
    /// whatever happens to the user row.
    pub fn welcome_telegram(telegram_id: crate::TelegramUserId) -> String {
        format!("welcome:tg:{}", telegram_id.get())
    }
    pub fn promo(entry: LedgerEntryId) -> String {
        format!("promo:{entry}")
    }
    pub fn admin(entry: LedgerEntryId) -> String {
        format!("admin:{entry}")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: LedgerEntryId,
    pub owner: UserId,
    /// Signed change: negative for charges.
    pub amount: i64,
    pub reason: LedgerReason,
    pub idempotency_key: String,
    /// The balance right after this row.
    pub balance_after: Coins,
    pub created_at: DateTime<Utc>,
}

/// A change to apply. Stores fill in `balance_after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLedgerEntry {
    pub id: LedgerEntryId,
    pub owner: UserId,
    pub amount: i64,
    pub reason: LedgerReason,
    pub idempotency_key: String,
    pub created_at: DateTime<Utc>,
}

/// The rows each money operation writes, built in one place so every store writes the same
/// reason and idempotency key.
impl NewLedgerEntry {
    /// Whether `recorded` (the row already holding this entry's idempotency key) is this same
    /// change — a replay — rather than a different one reusing the key.
    pub fn same_change_as(&self, recorded: &LedgerEntry) -> bool {
        self.owner == recorded.owner && self.amount == recorded.amount && self.reason == recorded.reason
    }
}

impl NewLedgerEntry {
    /// The charge written together with a new job.
    pub fn job_charge(job: &crate::generation::NewJob) -> Self {
        Self {
            id: job.debit_entry,
            owner: job.owner,
            amount: -job.quote.total.get(),
            reason: LedgerReason::JobCharge { job: job.id, job_kind: job.spec.kind(), units: job.quote.units },
            idempotency_key: keys::job_charge(job.id),
            created_at: job.created_at,
        }
    }

    /// The refund a settled job is owed (`job.refunded`), or `None` when nothing is owed.
    pub fn job_refund(job: &crate::Job, id: LedgerEntryId, now: DateTime<Utc>) -> Option<Self> {
        (!job.refunded.is_zero()).then(|| Self {
            id,
            owner: job.owner,
            amount: job.refunded.get(),
            reason: LedgerReason::JobRefund { job: job.id, units: job.quote.units - job.delivered },
            idempotency_key: keys::job_refund(job.id),
            created_at: now,
        })
    }

    /// The credit for a recorded Stars payment.
    pub fn stars_top_up(payment: &crate::payments::StarsPayment, id: LedgerEntryId) -> Self {
        Self {
            id,
            owner: payment.owner,
            amount: payment.coins.get(),
            reason: LedgerReason::StarsTopUp { charge_id: payment.charge_id.clone(), stars: payment.stars },
            idempotency_key: keys::stars_top_up(&payment.charge_id),
            created_at: payment.created_at,
        }
    }

    /// Taking back `coins` of a refunded Stars payment.
    pub fn stars_refund(
        payment: &crate::payments::StarsPayment,
        coins: Coins,
        id: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            owner: payment.owner,
            amount: -coins.get(),
            reason: LedgerReason::StarsRefund { charge_id: payment.charge_id.clone() },
            idempotency_key: keys::stars_refund(&payment.charge_id),
            created_at: now,
        }
    }

    /// The credit of a redeemed promo code.
    pub fn promo(owner: UserId, code: &PromoCode, coins: Coins, id: LedgerEntryId, now: DateTime<Utc>) -> Self {
        Self {
            id,
            owner,
            amount: coins.get(),
            reason: LedgerReason::Promo { code: code.clone() },
            idempotency_key: keys::promo(id),
            created_at: now,
        }
    }

    /// The row this change becomes on a balance of `before`, or `None` if it would go negative.
    pub fn on_balance(&self, before: Coins) -> Option<LedgerEntry> {
        let balance_after = before.apply(self.amount)?;
        Some(LedgerEntry {
            id: self.id,
            owner: self.owner,
            amount: self.amount,
            reason: self.reason.clone(),
            idempotency_key: self.idempotency_key.clone(),
            balance_after,
            created_at: self.created_at,
        })
    }
}

/// What applying a change did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    Written(LedgerEntry),
    /// The key was used before: nothing changed; here is the original row.
    Replayed(LedgerEntry),
}

impl Applied {
    pub fn entry(&self) -> &LedgerEntry {
        match self {
            Applied::Written(e) | Applied::Replayed(e) => e,
        }
    }
}

/// Sum of a user's ledger: the balance, by definition.
pub fn sum(entries: &[LedgerEntry]) -> i64 {
    entries.iter().map(|e| e.amount).sum()
}

/// Coins a user spent on jobs, net of refunds (for gallery stats).
pub fn spent_on_jobs(entries: &[LedgerEntry]) -> Coins {
    let net: i64 = entries
        .iter()
        .filter(|e| matches!(e.reason, LedgerReason::JobCharge { .. } | LedgerReason::JobRefund { .. }))
        .map(|e| -e.amount)
        .sum();
    Coins::new(net.max(0)).expect("clamped")
}

/// Totals for operators: what came in and what went out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerTotals {
    /// Coins credited by Stars top-ups, promos, welcome bonuses and operators.
    pub credited: i64,
    /// Coins charged for jobs, net of refunds.
    pub spent: i64,
    /// Coins taken back by operators (Stars refunds, negative admin changes).
    pub withdrawn: i64,
}

impl LedgerTotals {
    pub fn add(&mut self, e: &LedgerEntry) {
        match e.reason {
            LedgerReason::JobCharge { .. } | LedgerReason::JobRefund { .. } => self.spent -= e.amount,
            _ if e.amount >= 0 => self.credited += e.amount,
            _ => self.withdrawn -= e.amount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn entry(amount: i64, reason: LedgerReason) -> LedgerEntry {
        NewLedgerEntry {
            id: LedgerEntryId(Uuid::nil()),
            owner: UserId(Uuid::nil()),
            amount,
            reason,
            idempotency_key: String::new(),
            created_at: DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
        }
        .on_balance(Coins::new(1000).unwrap())
        .unwrap()
    }

    #[test]
    fn an_operators_row_from_before_user_notes_still_reads_and_a_missing_note_is_not_written() {
        let old: LedgerReason = serde_json::from_str(r#"{"kind":"admin","note":"goodwill"}"#).unwrap();
        assert_eq!(old, LedgerReason::Admin { note: "goodwill".into(), user_note: None });
        assert_eq!(serde_json::to_string(&old).unwrap(), r#"{"kind":"admin","note":"goodwill"}"#);
        let noted = LedgerReason::Admin { note: "ticket 7".into(), user_note: Some("sorry".into()) };
        let json = serde_json::to_string(&noted).unwrap();
        assert_eq!(serde_json::from_str::<LedgerReason>(&json).unwrap(), noted);
    }

    #[test]
    fn a_change_that_would_go_negative_is_refused() {
        let e = NewLedgerEntry {
            id: LedgerEntryId(Uuid::nil()),
            owner: UserId(Uuid::nil()),
            amount: -10,
            reason: LedgerReason::Welcome,
            idempotency_key: "k".into(),
            created_at: DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
        };
        assert!(e.on_balance(Coins::new(9).unwrap()).is_none());
        assert_eq!(e.on_balance(Coins::new(10).unwrap()).unwrap().balance_after, Coins::ZERO);
    }

    #[test]
    fn spent_is_charges_net_of_refunds() {
        let job = JobId(Uuid::nil());
        let rows = vec![
            entry(100, LedgerReason::Welcome),
            entry(-20, LedgerReason::JobCharge { job, job_kind: JobKind::Text, units: 4 }),
            entry(5, LedgerReason::JobRefund { job, units: 1 }),
        ];
        assert_eq!(spent_on_jobs(&rows).get(), 15);
        assert_eq!(sum(&rows), 85);
        let mut totals = LedgerTotals::default();
        rows.iter().for_each(|e| totals.add(e));
        assert_eq!(totals, LedgerTotals { credited: 100, spent: 15, withdrawn: 0 });
    }

    #[test]
    fn keys_are_distinct_per_purpose() {
        let job = JobId(Uuid::nil());
        assert_ne!(keys::job_charge(job), keys::job_refund(job));
        assert_ne!(keys::stars_top_up("c"), keys::stars_refund("c"));
    }
}
