//! The `Ledger` contract: idempotent, never negative, balance == sum of rows, keyset history.

use crate::Stores;
use crate::fixtures;
use aisha_domain::ledger::{Applied, LedgerReason, NewLedgerEntry, keys};
use aisha_domain::ports::ApplyError;
use aisha_domain::{Coins, LedgerEntryId, UserId};
use chrono::{DateTime, Duration, Utc};

fn entry(owner: UserId, amount: i64, key: &str, at: DateTime<Utc>) -> NewLedgerEntry {
    NewLedgerEntry {
        id: LedgerEntryId(fixtures::id()),
        owner,
        amount,
        reason: LedgerReason::Admin { note: format!("test {key}"), user_note: None },
        idempotency_key: key.to_owned(),
        created_at: at,
    }
}

pub async fn run(s: Stores<'_>, now: DateTime<Utc>) {
    let totals_before = s.ledger.totals().await.unwrap();
    let u = fixtures::user(now);
    s.users.upsert(u.clone()).await.unwrap();
    let key = |k: &str| format!("{k}:{}", u.id);

    let credit = s.ledger.apply(entry(u.id, 100, &key("a"), now)).await.unwrap();
    assert!(matches!(credit, Applied::Written(_)));
    assert_eq!(credit.entry().balance_after.get(), 100);
    let replay = s.ledger.apply(entry(u.id, 100, &key("a"), now)).await.unwrap();
    assert!(matches!(replay, Applied::Replayed(_)), "the same key is a replay");
    assert_eq!(replay.entry().id, credit.entry().id, "a replay returns the original row");
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 100, "a replay changes nothing");
    for different in [entry(u.id, 90, &key("a"), now), entry(fixtures::user(now).id, 100, &key("a"), now)] {
        assert_eq!(
            s.ledger.apply(different).await,
            Err(ApplyError::KeyReused { key: key("a") }),
            "a different change under a used key is refused, not replayed"
        );
    }
    let mut other_reason = entry(u.id, 100, &key("a"), now);
    other_reason.reason = LedgerReason::Welcome;
    assert_eq!(s.ledger.apply(other_reason).await, Err(ApplyError::KeyReused { key: key("a") }));
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 100, "a refused reuse changes nothing");

    let refused = s.ledger.apply(entry(u.id, -101, &key("b"), now + Duration::seconds(1))).await;
    assert_eq!(
        refused,
        Err(ApplyError::InsufficientFunds { balance: Coins::new(100).unwrap(), needed: Coins::new(101).unwrap() }),
        "a debit beyond the balance is refused with both amounts"
    );
    let to_zero = s.ledger.apply(entry(u.id, -100, &key("b"), now + Duration::seconds(2))).await.unwrap();
    assert_eq!(to_zero.entry().balance_after, Coins::ZERO, "a debit down to exactly zero is fine");
    let refused_key_reuse = s.ledger.apply(entry(u.id, 5, &key("c"), now + Duration::seconds(3))).await.unwrap();
    assert_eq!(refused_key_reuse.entry().balance_after.get(), 5, "a refused change did not consume its key");

    let ghost = UserId(fixtures::id());
    assert_eq!(s.ledger.apply(entry(ghost, 10, &key("ghost"), now)).await, Err(ApplyError::UnknownUser));

    // history: newest first, keyset pages, only this owner's rows
    for i in 0..5 {
        s.ledger.apply(entry(u.id, 1, &key(&format!("h{i}")), now + Duration::seconds(10 + i))).await.unwrap();
    }
    let all = s.ledger.history(u.id, None, 100).await.unwrap();
    assert_eq!(all.len(), 8);
    assert!(all.windows(2).all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id)), "newest first");
    assert_eq!(
        all.iter().map(|e| e.amount).sum::<i64>(),
        s.ledger.balance(u.id).await.unwrap().get(),
        "balance == sum"
    );
    let page1 = s.ledger.history(u.id, None, 3).await.unwrap();
    let last = page1.last().unwrap();
    let page2 = s.ledger.history(u.id, Some((last.created_at, last.id)), 3).await.unwrap();
    assert_eq!(page1.len(), 3);
    assert_eq!([page1, page2].concat(), all[..6].to_vec(), "pages continue without gaps or repeats");
    assert!(all.iter().all(|e| e.owner == u.id));
    assert!(
        all[0].balance_after.get() == s.ledger.balance(u.id).await.unwrap().get(),
        "the newest row's balance_after is the balance"
    );

    // spent on jobs: charges net of refunds
    let job = aisha_domain::JobId(fixtures::id());
    let mut charge = entry(u.id, -6, &keys::job_charge(job), now + Duration::seconds(30));
    charge.reason = LedgerReason::JobCharge { job, job_kind: aisha_domain::JobKind::Text, units: 2 };
    s.ledger.apply(charge).await.unwrap();
    let mut refund = entry(u.id, 3, &keys::job_refund(job), now + Duration::seconds(31));
    refund.reason = LedgerReason::JobRefund { job, units: 1 };
    s.ledger.apply(refund).await.unwrap();
    assert_eq!(s.ledger.spent_on_jobs(u.id).await.unwrap().get(), 3);
    assert_eq!(s.ledger.spent_on_jobs(ghost).await.unwrap(), Coins::ZERO);

    let totals = s.ledger.totals().await.unwrap();
    assert_eq!(totals.spent - totals_before.spent, 3, "totals count job spending net of refunds");
    assert_eq!(totals.credited - totals_before.credited, 100 + 5 + 5, "credits");
    assert_eq!(totals.withdrawn - totals_before.withdrawn, 100, "admin debits");
}
