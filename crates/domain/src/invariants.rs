//! The money and image invariants, as a pure check over a store's contents. The memory store's
//! property tests, the SQL store's tests and the end-to-end fault runs all assert these after
//! every step:
//!
//! - every user's balance equals the sum of their ledger rows and is never negative;
//! - every job has exactly one charge row, for its quoted total, and at most one refund row;
//! - a job is refunded iff it ended without (all of) its output, by exactly the missing units;
//! - a job has no more images than it delivered (users may delete some), they belong to its
//!   owner, and every recorded image is in storage.

use crate::gallery::ImageRecord;
use crate::generation::{Job, JobStatus, refund_for};
use crate::ledger::{LedgerEntry, LedgerReason};
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
    let mut sums: HashMap<UserId, i64> = HashMap::new();
    let mut charges: HashMap<JobId, Vec<&LedgerEntry>> = HashMap::new();
    let mut refunds: HashMap<JobId, Vec<&LedgerEntry>> = HashMap::new();
    for e in ledger {
        *sums.entry(e.owner).or_default() += e.amount;
        match &e.reason {
            LedgerReason::JobCharge { job, .. } => charges.entry(*job).or_default().push(e),
            LedgerReason::JobRefund { job, .. } => refunds.entry(*job).or_default().push(e),
            _ => {}
        }
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
        let c = charges.get(&job.id).map_or(&[][..], Vec::as_slice);
        if c.len() != 1 || c[0].amount != -job.quote.total.get() || c[0].owner != job.owner {
            v.push(format!(
                "job {}: expected one charge of {} by its owner, found {:?}",
                job.id,
                job.quote.total,
                c.iter().map(|e| e.amount).collect::<Vec<_>>()
            ));
        }
        let r = refunds.get(&job.id).map_or(&[][..], Vec::as_slice);
        if r.len() > 1 {
            v.push(format!("job {}: {} refund rows", job.id, r.len()));
        }
        let refunded: i64 = r.iter().map(|e| e.amount).sum();
        let owed = if job.status.is_terminal() { refund_for(&job.quote, job.delivered) } else { Coins::ZERO };
        if refunded != owed.get() || job.refunded != owed {
            v.push(format!(
                "job {} ({:?}, {}/{} delivered): refunded {refunded} (job says {}), owed {owed}",
                job.id, job.status, job.delivered, job.quote.units, job.refunded
            ));
        }
        let recorded = images_of.get(&job.id).map_or(&[][..], Vec::as_slice);
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
    v
}
