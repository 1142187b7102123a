//! Money and leases under concurrency. Meant for PostgreSQL (many connections, row locks,
//! SKIP LOCKED); the same scenarios run on SQLite, where the single writer serialises them.

mod common;

use aisha_contract::fixtures::{self, imagen, new_job};
use aisha_db::Db;
use aisha_domain::generation::{InFlightLimit, JobLimits};
use aisha_domain::ledger::LedgerReason;
use aisha_domain::payments::{Promo, PromoRefusal, StarsPayment};
use aisha_domain::ports::{
    CreateJobError, Ledger, PaymentRecorded, Payments, Promos, RedeemError, StarsRefundError, Users,
};
use aisha_domain::ports::{JobOrders, JobOutcomes, JobQueue};
use aisha_domain::{Coins, JobId, LedgerEntryId, PromoCode, User};
use aisha_memory::ManualClock;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;

fn now() -> DateTime<Utc> {
    ManualClock::default_start()
}

fn unlimited() -> JobLimits {
    JobLimits { in_flight: InFlightLimit(u32::MAX), ..JobLimits::default() }
}

async fn funded(db: &Db, coins: i64) -> User {
    let u = fixtures::user(now());
    db.upsert(u.clone()).await.unwrap();
    if coins > 0 {
        db.apply(fixtures::welcome(u.id, coins, now())).await.unwrap();
    }
    u
}

async fn ledger_sum(db: &Db, u: &User) -> i64 {
    db.history(u.id, None, 10_000).await.unwrap().iter().map(|e| e.amount).sum()
}

/// 64 job creations race for one balance of 100 at 3 coins each: exactly 33 win.
async fn debits_never_overdraw(db: &common::TestDb) {
    let u = funded(db, 100).await;
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let db = db.db();
            let new = new_job(u.id, imagen(1, "imagen4/fast"), now());
            tokio::spawn(async move { db.create_charged(new, &unlimited()).await })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(created) => {
                assert!(!created.replayed);
                won += 1;
            }
            Err(CreateJobError::InsufficientFunds { needed, .. }) => assert_eq!(needed.get(), 3),
            Err(other) => panic!("unexpected refusal: {other:?}"),
        }
    }
    assert_eq!(won, 33, "every coin that could be spent was, and no more");
    let balance = db.balance(u.id).await.unwrap().get();
    assert_eq!(balance, 100 - won * 3);
    assert_eq!(ledger_sum(db, &u).await, balance, "balance == sum(ledger)");
    assert_eq!(db.in_flight(u.id).await.unwrap(), 33);
}

mod debits {
    use super::*;
    crate::on_every_backend!(debits_never_overdraw);
}

/// The same job id submitted eight times at once: one job, one debit.
async fn same_job_once(db: &common::TestDb) {
    let u = funded(db, 100).await;
    let new = new_job(u.id, imagen(2, "imagen4/standard"), now());
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (db, new) = (db.db(), new.clone());
            tokio::spawn(async move { db.create_charged(new, &unlimited()).await.unwrap() })
        })
        .collect();
    let mut fresh = 0;
    for t in tasks {
        let created = t.await.unwrap();
        assert_eq!(created.job.id, new.id);
        fresh += usize::from(!created.replayed);
    }
    assert_eq!(fresh, 1, "one creation, the rest are replays");
    assert_eq!(db.balance(u.id).await.unwrap().get(), 90, "charged once");
    let charges = db.history(u.id, None, 100).await.unwrap();
    assert_eq!(charges.iter().filter(|e| matches!(e.reason, LedgerReason::JobCharge { .. })).count(), 1);
}

mod same_job {
    use super::*;
    crate::on_every_backend!(same_job_once);
}

/// Two workers claim in a loop at the same time: every due job is leased exactly once.
async fn claims_are_exclusive(db: &common::TestDb) {
    let u = funded(db, 1000).await;
    let mut ids = HashSet::new();
    for _ in 0..40 {
        let job = db.create_charged(new_job(u.id, imagen(1, "imagen4/fast"), now()), &unlimited()).await.unwrap();
        ids.insert(job.job.id);
    }
    let worker = |db: Db| async move {
        let mut mine: Vec<JobId> = Vec::new();
        loop {
            let claimed = db.claim_due(now(), now() + Duration::minutes(5), 3).await.unwrap();
            if claimed.is_empty() {
                return mine;
            }
            mine.extend(claimed.iter().map(|j| j.id));
            tokio::task::yield_now().await;
        }
    };
    let (a, b) = tokio::join!(tokio::spawn(worker(db.db())), tokio::spawn(worker(db.db())));
    let (a, b) = (a.unwrap(), b.unwrap());
    let all: Vec<JobId> = a.iter().chain(&b).copied().collect();
    let unique: HashSet<JobId> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "no job was leased twice ({} by one, {} by the other)", a.len(), b.len());
    assert_eq!(unique, ids, "every due job was leased");
}

mod claims {
    use super::*;
    crate::on_every_backend!(claims_are_exclusive);
}

/// A Stars payment delivered five times at once credits once.
async fn payment_credits_once(db: &common::TestDb) {
    let u = funded(db, 0).await;
    let payment = StarsPayment {
        charge_id: format!("charge-{}", fixtures::id()),
        owner: u.id,
        telegram_id: u.profile.telegram_id,
        payload: "v1:p275:275:125:1".into(),
        stars: 125,
        coins: Coins::new(275).unwrap(),
        needs_attention: false,
        refunded_at: None,
        created_at: now(),
        refund_requested_at: None,
        refund_confirmed_at: None,
    };
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let (db, p) = (db.db(), payment.clone());
            tokio::spawn(async move { db.record_stars_payment(p, LedgerEntryId(fixtures::id())).await.unwrap() })
        })
        .collect();
    let mut credited = 0;
    for t in tasks {
        credited += usize::from(matches!(t.await.unwrap(), PaymentRecorded::Credited { .. }));
    }
    assert_eq!(credited, 1);
    assert_eq!(db.balance(u.id).await.unwrap().get(), 275);
    assert_eq!(ledger_sum(db, &u).await, 275);
}

/// Five operators start refunding one payment at the same moment: one run holds the refund,
/// the others are told another is under way; the one that won takes the coins once.
async fn one_refund_run_wins(db: &common::TestDb) {
    let u = funded(db, 0).await;
    let payment = StarsPayment {
        charge_id: format!("charge-{}", fixtures::id()),
        owner: u.id,
        telegram_id: u.profile.telegram_id,
        payload: "v1:p100:100:50:1".into(),
        stars: 50,
        coins: Coins::new(100).unwrap(),
        needs_attention: false,
        refunded_at: None,
        created_at: now(),
        refund_requested_at: None,
        refund_confirmed_at: None,
    };
    db.record_stars_payment(payment.clone(), LedgerEntryId(fixtures::id())).await.unwrap();
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let (db, charge) = (db.db(), payment.charge_id.clone());
            tokio::spawn(async move { db.request_stars_refund(&charge, now(), Duration::seconds(60)).await })
        })
        .collect();
    let (mut won, mut told) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(p) => {
                assert_eq!(p.refund_requested_at, Some(now()));
                won += 1;
            }
            Err(StarsRefundError::InProgress { since }) => {
                assert_eq!(since, now());
                told += 1;
            }
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!((won, told), (1, 4), "one run wins");
    db.confirm_stars_refund(&payment.charge_id, now()).await.unwrap();
    let takes: Vec<_> = (0..3)
        .map(|_| {
            let (db, charge) = (db.db(), payment.charge_id.clone());
            tokio::spawn(
                async move { db.refund_stars_payment(&charge, true, LedgerEntryId(fixtures::id()), now()).await },
            )
        })
        .collect();
    let mut taken = 0;
    for t in takes {
        match t.await.unwrap() {
            Ok(r) => taken += r.taken_back.get(),
            Err(StarsRefundError::AlreadyRefunded) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(taken, 100, "the coins are taken once");
    assert_eq!(db.balance(u.id).await.unwrap(), Coins::ZERO);
    assert_eq!(ledger_sum(db, &u).await, 0);
}

mod payments {
    use super::*;
    crate::on_every_backend!(payment_credits_once);
}

mod refunds {
    use super::*;
    crate::on_every_backend!(one_refund_run_wins);
}

/// Twenty users redeem a code with five uses left at the same time: exactly five get coins.
async fn promo_limit_holds(db: &common::TestDb) {
    let code = PromoCode::parse(&format!("RACE{}", &fixtures::id().simple().to_string()[..8])).unwrap();
    db.create_promo(&Promo {
        code: code.clone(),
        coins: Coins::new(10).unwrap(),
        max_uses: Some(25),
        per_user: 1,
        valid_from: None,
        valid_until: None,
        active: true,
        uses: 20,
        created_at: now(),
    })
    .await
    .unwrap();
    let mut users = Vec::new();
    for _ in 0..20 {
        users.push(funded(db, 0).await);
    }
    let tasks: Vec<_> = users
        .iter()
        .map(|u| {
            let (db, code, owner) = (db.db(), code.clone(), u.id);
            tokio::spawn(async move { db.redeem(owner, &code, LedgerEntryId(fixtures::id()), now()).await })
        })
        .collect();
    let mut redeemed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(r) => {
                assert_eq!(r.coins.get(), 10);
                redeemed += 1;
            }
            Err(RedeemError::Refused(PromoRefusal::UsedUp)) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(redeemed, 5, "the limit holds under concurrent redemptions");
    assert_eq!(db.promo(&code).await.unwrap().unwrap().uses, 25);
    let mut credited = 0;
    for u in &users {
        credited += db.balance(u.id).await.unwrap().get();
    }
    assert_eq!(credited, 50);
}

mod promos {
    use super::*;
    crate::on_every_backend!(promo_limit_holds);
}

/// Money paths racing each other at once, then the operator's audit over everything:
/// each of 8 running jobs gets a `succeed` and a `fail` at the same moment (one of them ends
/// it, once, with the refund its outcome implies), one user redeems one code (one use per
/// user) from five tasks at once, and a payment is refunded by two operators at once.
async fn races_leave_the_audit_clean(db: &common::TestDb) {
    use aisha_domain::gallery::ImageKind;
    use aisha_domain::generation::{Failure, FailureKind, ProviderRef};
    use aisha_domain::ports::{JobOutput, SettleError};
    let u = funded(db, 100).await;
    let mut jobs = Vec::new();
    for _ in 0..8 {
        let job = db.create_charged(new_job(u.id, imagen(2, "imagen4/fast"), now()), &unlimited()).await.unwrap().job;
        let mut queued = job.clone();
        let provider = ProviderRef {
            request_id: format!("req-{}", fixtures::id()),
            model: "fal-ai/imagen4/preview/fast".into(),
            status_url: None,
            response_url: None,
            cancel_url: None,
        };
        queued.submitted(provider, None, now()).unwrap();
        jobs.push(db.save(&queued).await.unwrap());
    }
    let mut races = Vec::new();
    for job in &jobs {
        let at = now() + Duration::seconds(5);
        let images: Vec<_> = (0..1).map(|_| fixtures::image(u.id, Some(job.id), ImageKind::Text, at)).collect();
        let (a, b, id) = (db.db(), db.db(), job.id);
        races.push(tokio::spawn(async move { a.succeed(id, JobOutput::Images(images), at).await.is_ok() }));
        races.push(tokio::spawn(async move {
            b.fail(id, Failure::new(FailureKind::TimedOut, "deadline"), at).await.is_ok()
        }));
    }
    let mut ended = 0;
    for r in races {
        ended += usize::from(r.await.unwrap());
    }
    assert_eq!(ended, jobs.len(), "each job ended once, by one of the two");
    for job in &jobs {
        let again = db.fail(job.id, Failure::new(FailureKind::TimedOut, "late"), now()).await.unwrap_err();
        assert!(matches!(again, SettleError::AlreadyEnded(_)));
    }

    let code = PromoCode::parse(&format!("TWICE{}", &fixtures::id().simple().to_string()[..8])).unwrap();
    db.create_promo(&Promo {
        code: code.clone(),
        coins: Coins::new(10).unwrap(),
        max_uses: Some(100),
        per_user: 1,
        valid_from: None,
        valid_until: None,
        active: true,
        uses: 0,
        created_at: now(),
    })
    .await
    .unwrap();
    let redeems: Vec<_> = (0..5)
        .map(|_| {
            let (db, code, owner) = (db.db(), code.clone(), u.id);
            tokio::spawn(async move { db.redeem(owner, &code, LedgerEntryId(fixtures::id()), now()).await.is_ok() })
        })
        .collect();
    let mut redeemed = 0;
    for r in redeems {
        redeemed += usize::from(r.await.unwrap());
    }
    assert_eq!(redeemed, 1, "one use per user, however many taps at once");

    let payment = StarsPayment {
        charge_id: format!("charge-{}", fixtures::id()),
        owner: u.id,
        telegram_id: u.profile.telegram_id,
        payload: "v1:p100:100:50:1".into(),
        stars: 50,
        coins: Coins::new(100).unwrap(),
        needs_attention: false,
        refunded_at: None,
        created_at: now(),
        refund_requested_at: None,
        refund_confirmed_at: None,
    };
    db.record_stars_payment(payment.clone(), LedgerEntryId(fixtures::id())).await.unwrap();
    db.request_stars_refund(&payment.charge_id, now(), Duration::seconds(60)).await.unwrap();
    db.confirm_stars_refund(&payment.charge_id, now()).await.unwrap();
    let takes: Vec<_> = (0..2)
        .map(|_| {
            let (db, charge) = (db.db(), payment.charge_id.clone());
            tokio::spawn(
                async move { db.refund_stars_payment(&charge, true, LedgerEntryId(fixtures::id()), now()).await },
            )
        })
        .collect();
    let mut taken = 0;
    for t in takes {
        if let Ok(r) = t.await.unwrap() {
            taken += r.taken_back.get();
        }
    }
    assert_eq!(taken, 100, "the refund takes the coins once");

    let snap = db.audit_snapshot().await.unwrap();
    let mut violations =
        aisha_domain::invariants::check(&snap.balances, &snap.ledger, &snap.jobs, &snap.images, &|_| true);
    violations.extend(aisha_domain::invariants::check_payments(&snap.payments, &snap.promos, &snap.ledger));
    assert!(violations.is_empty(), "the audit finds nothing: {violations:#?}");
}

mod audit {
    use super::*;
    crate::on_every_backend!(races_leave_the_audit_clean);
}
