//! The money and image invariants, as a pure check over a store's contents. The memory store's
//! property tests, the SQL store's tests and the end-to-end fault runs all assert these after
//! every step:
//!
//! - every user's balance equals the sum of their ledger rows and is never negative;
//! - every job has exactly one charge row, for its quoted total, and at most one refund row;
//! - a job is refunded iff it ended without (all of) its output, by exactly the missing units;
//! - a job has no more images than it delivered (users may delete some), they belong to its
//!   owner, and every recorded image is in storage; its refund goes to its owner;
//! - every Stars payment has exactly one top-up row, to its payer, for its coins, and every
//!   top-up row a payment; a refund row only for a payment marked refunded, at most one, to
//!   its payer, never more than it bought ([`check_payments`]);
//! - every promo code's use count equals its redemptions and its credit rows.

use crate::gallery::ImageRecord;
use crate::generation::{Job, JobStatus, refund_for};
use crate::ledger::{LedgerEntry, LedgerReason};
use crate::payments::StarsPayment;
use crate::storage::StorageKey;
use crate::{Coins, JobId, UserId};
use std::collections::HashMap;

pub fn check(
    balances: &HashMap<UserId, Coins>,
    ledger: &[LedgerEntry],
    jobs: &[Job],
    images: &[ImageRecord],
    in_storage: &dyn Fn(&StorageKey) -> bool,
) -> Vec<String> {
    let mut v = Vec::new();
    check_balances(balances, ledger, &mut v);
    let rows = JobRows::of(ledger);
    let mut images_of: HashMap<JobId, Vec<&ImageRecord>> = HashMap::new();
    for i in images {
        if let Some(j) = i.job {
            images_of.entry(j).or_default().push(i);
        }
        if !in_storage(&i.object.key) {
            v.push(format!("image {} is recorded but {} is not in storage", i.id, i.object.key));
        }
    }
    for job in jobs {
        let recorded = images_of.get(&job.id).map_or(&[][..], Vec::as_slice);
        check_job(job, &rows, recorded, &mut v);
    }
    v
}

/// Every balance equals its owner's ledger sum, and no ledger sums below zero.
fn check_balances(balances: &HashMap<UserId, Coins>, ledger: &[LedgerEntry], v: &mut Vec<String>) {
    let mut sums: HashMap<UserId, i64> = HashMap::new();
    for e in ledger {
        *sums.entry(e.owner).or_default() += e.amount;
    }
    for (user, balance) in balances {
        let sum = sums.get(user).copied().unwrap_or(0);
        if balance.get() != sum {
            v.push(format!("user {user}: balance {balance} != ledger sum {sum}"));
        }
    }
    for (user, sum) in &sums {
        if *sum < 0 {
            v.push(format!("user {user}: ledger sums to {sum} < 0"));
        }
    }
}

/// The ledger's charge and refund rows, by job.
struct JobRows<'a> {
    charges: HashMap<JobId, Vec<&'a LedgerEntry>>,
    refunds: HashMap<JobId, Vec<&'a LedgerEntry>>,
}

impl<'a> JobRows<'a> {
    fn of(ledger: &'a [LedgerEntry]) -> Self {
        let mut rows = JobRows { charges: HashMap::new(), refunds: HashMap::new() };
        for e in ledger {
            match &e.reason {
                LedgerReason::JobCharge { job, .. } => rows.charges.entry(*job).or_default().push(e),
                LedgerReason::JobRefund { job, .. } => rows.refunds.entry(*job).or_default().push(e),
                _ => {}
            }
        }
        rows
    }
}

/// One job against its ledger rows and the images recorded for it.
fn check_job(job: &Job, rows: &JobRows<'_>, recorded: &[&ImageRecord], v: &mut Vec<String>) {
    let c = rows.charges.get(&job.id).map_or(&[][..], Vec::as_slice);
    if c.len() != 1 || c[0].amount != -job.quote.total.get() || c[0].owner != job.owner {
        v.push(format!(
            "job {}: expected one charge of {} by its owner, found {:?}",
            job.id,
            job.quote.total,
            c.iter().map(|e| e.amount).collect::<Vec<_>>()
        ));
    }
    let r = rows.refunds.get(&job.id).map_or(&[][..], Vec::as_slice);
    if r.len() > 1 {
        v.push(format!("job {}: {} refund rows", job.id, r.len()));
    }
    if r.iter().any(|e| e.owner != job.owner) {
        v.push(format!("job {}: a refund went to someone other than its owner", job.id));
    }
    let refunded: i64 = r.iter().map(|e| e.amount).sum();
    let owed = if job.status.is_terminal() { refund_for(&job.quote, job.delivered) } else { Coins::ZERO };
    if refunded != owed.get() || job.refunded != owed {
        v.push(format!(
            "job {} ({:?}, {}/{} delivered): refunded {refunded} (job says {}), owed {owed}",
            job.id, job.status, job.delivered, job.quote.units, job.refunded
        ));
    }
    let expect_images = job.status == JobStatus::Succeeded && job.spec.kind() != crate::JobKind::Training;
    let expected = if expect_images { usize::from(job.delivered) } else { 0 };
    // users may delete images later, so fewer is fine; more never is
    if recorded.len() > expected {
        v.push(format!(
            "job {} ({:?}): {} images recorded, at most {expected} expected",
            job.id,
            job.status,
            recorded.len()
        ));
    }
    if recorded.iter().any(|i| i.owner != job.owner) {
        v.push(format!("job {}: an image belongs to someone else", job.id));
    }
}

/// One promo code as stored: its use count and how many redemptions it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromoUses {
    pub code: crate::PromoCode,
    pub uses: u32,
    pub redemptions: u64,
}

/// Stars payments and promo codes against the ledger (see the module's list).
pub fn check_payments(payments: &[StarsPayment], promos: &[PromoUses], ledger: &[LedgerEntry]) -> Vec<String> {
    let mut v = Vec::new();
    let mut top_ups: HashMap<&str, Vec<&LedgerEntry>> = HashMap::new();
    let mut refunds: HashMap<&str, Vec<&LedgerEntry>> = HashMap::new();
    let mut promo_rows: HashMap<&crate::PromoCode, u64> = HashMap::new();
    for e in ledger {
        match &e.reason {
            LedgerReason::StarsTopUp { charge_id, .. } => top_ups.entry(charge_id).or_default().push(e),
            LedgerReason::StarsRefund { charge_id } => refunds.entry(charge_id).or_default().push(e),
            LedgerReason::Promo { code } => *promo_rows.entry(code).or_default() += 1,
            _ => {}
        }
    }
    let mut known = std::collections::HashSet::new();
    for p in payments {
        known.insert(p.charge_id.as_str());
        let t = top_ups.get(p.charge_id.as_str()).map_or(&[][..], Vec::as_slice);
        if t.len() != 1 || t[0].owner != p.owner || t[0].amount != p.coins.get() {
            v.push(format!(
                "payment {}: expected one top-up of {} to its payer, found {:?}",
                p.charge_id,
                p.coins,
                t.iter().map(|e| (e.owner, e.amount)).collect::<Vec<_>>()
            ));
        }
        let r = refunds.get(p.charge_id.as_str()).map_or(&[][..], Vec::as_slice);
        if r.len() > 1 || (!r.is_empty() && p.refunded_at.is_none()) {
            v.push(format!("payment {}: {} refund row(s), refunded at {:?}", p.charge_id, r.len(), p.refunded_at));
        }
        if r.iter().any(|e| e.owner != p.owner || e.amount > 0 || -e.amount > p.coins.get()) {
            v.push(format!(
                "payment {}: a refund row takes back from someone else or more than it bought",
                p.charge_id
            ));
        }
    }
    for charge in top_ups.keys().chain(refunds.keys()) {
        if !known.contains(charge) {
            v.push(format!("ledger rows name payment {charge}, which is not recorded"));
        }
    }
    for p in promos {
        let rows = promo_rows.get(&p.code).copied().unwrap_or(0);
        if u64::from(p.uses) != p.redemptions || p.redemptions != rows {
            v.push(format!(
                "promo {}: {} uses counted, {} redemptions, {} credit rows",
                p.code, p.uses, p.redemptions, rows
            ));
        }
    }
    v
}

#[cfg(test)]
mod payment_tests {
    use super::*;
    use crate::ledger::NewLedgerEntry;
    use crate::{LedgerEntryId, PromoCode, TelegramUserId};

    fn row(owner: UserId, amount: i64, reason: LedgerReason) -> LedgerEntry {
        NewLedgerEntry {
            id: LedgerEntryId(uuid::Uuid::new_v4()),
            owner,
            amount,
            reason,
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
        .on_balance(Coins::new(1000).unwrap())
        .unwrap()
    }

    #[test]
    fn payments_and_promos_must_match_the_ledger() {
        let (payer, other) = (UserId(uuid::Uuid::new_v4()), UserId(uuid::Uuid::new_v4()));
        let payment = StarsPayment {
            charge_id: "c1".into(),
            owner: payer,
            telegram_id: TelegramUserId::new(1).unwrap(),
            payload: "p".into(),
            stars: 50,
            coins: Coins::new(100).unwrap(),
            needs_attention: false,
            refunded_at: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            refund_requested_at: None,
            refund_confirmed_at: None,
        };
        let top_up = row(payer, 100, LedgerReason::StarsTopUp { charge_id: "c1".into(), stars: 50 });
        let code = PromoCode::parse("WELCOME").unwrap();
        let promo = PromoUses { code: code.clone(), uses: 1, redemptions: 1 };
        let credit = row(payer, 50, LedgerReason::Promo { code });
        let good = [top_up.clone(), credit.clone()];
        assert!(check_payments(std::slice::from_ref(&payment), std::slice::from_ref(&promo), &good).is_empty());

        let refund_elsewhere = row(other, -100, LedgerReason::StarsRefund { charge_id: "c1".into() });
        let refunded = StarsPayment { refunded_at: Some(chrono::DateTime::UNIX_EPOCH), ..payment.clone() };
        let v = check_payments(&[refunded], &[], &[top_up.clone(), refund_elsewhere.clone()]);
        assert!(v.iter().any(|m| m.contains("someone else")), "{v:?}");
        let v = check_payments(std::slice::from_ref(&payment), &[], &[top_up.clone(), refund_elsewhere]);
        assert!(v.iter().any(|m| m.contains("refund row(s)")), "a refund row of a payment not marked refunded: {v:?}");
        let v = check_payments(&[], &[], std::slice::from_ref(&top_up));
        assert!(v.iter().any(|m| m.contains("not recorded")), "{v:?}");
        let v = check_payments(std::slice::from_ref(&payment), &[], &[]);
        assert!(v.iter().any(|m| m.contains("expected one top-up")), "{v:?}");
        let twice = PromoUses { uses: 2, ..promo };
        let v = check_payments(&[], &[twice], &[credit]);
        assert!(v.iter().any(|m| m.contains("2 uses counted, 1 redemptions, 1 credit rows")), "{v:?}");
    }
}
