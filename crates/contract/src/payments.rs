//! The `Payments` and `Promos` contracts: one credit per charge id, refunds that never take
//! the balance below zero, promo limits with precise refusals.

use crate::Stores;
use crate::fixtures;
use aisha_domain::payments::{Promo, PromoRefusal, StarsPayment};
use aisha_domain::ports::{CreatePromoError, PaymentRecorded, RedeemError, StarsRefundError, StarsTotals};
use aisha_domain::{Coins, LedgerEntryId, PromoCode};
use chrono::{DateTime, Duration, Utc};

fn payment(owner: &aisha_domain::User, coins: i64, now: DateTime<Utc>) -> StarsPayment {
    StarsPayment {
        charge_id: format!("stxCharge{}", fixtures::id().simple()),
        owner: owner.id,
        telegram_id: owner.profile.telegram_id,
        payload: "v1:p100:100:50:1".into(),
        stars: 50,
        coins: Coins::new(coins).unwrap(),
        needs_attention: false,
        refunded_at: None,
        created_at: now,
        refund_requested_at: None,
        refund_confirmed_at: None,
    }
}

fn entry() -> LedgerEntryId {
    LedgerEntryId(fixtures::id())
}

pub async fn run(s: Stores<'_>, now: DateTime<Utc>) {
    stars(s, now).await;
    promos(s, now).await;
}

async fn stars(s: Stores<'_>, now: DateTime<Utc>) {
    let totals_before = s.payments.stars_totals().await.unwrap();
    let (u, p) = stars_credit_once(s, now).await;
    stars_refund_when_spent(s, &u, &p, now).await;
    stars_refund_unspent(s, &u, now, totals_before).await;
    stars_refund_in_steps(s, &u, now).await;
}

/// One credit per charge id; a different payment under a recorded id is refused. Returns the
/// payer and the payment (100 coins).
async fn stars_credit_once(s: Stores<'_>, now: DateTime<Utc>) -> (aisha_domain::User, StarsPayment) {
    let u = fixtures::user(now);
    s.users.upsert(u.clone()).await.unwrap();
    let p = payment(&u, 100, now);
    match s.payments.record_stars_payment(p.clone(), entry()).await.unwrap() {
        PaymentRecorded::Credited { payment, entry } => {
            assert_eq!(payment, p);
            assert_eq!((entry.amount, entry.balance_after.get()), (100, 100));
        }
        other => panic!("expected a credit, got {other:?}"),
    }
    for _ in 0..4 {
        let again = s.payments.record_stars_payment(p.clone(), entry()).await.unwrap();
        assert!(matches!(again, PaymentRecorded::Replayed { .. }), "the same charge id credits once");
    }
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 100);
    assert_eq!(s.payments.stars_payment(&p.charge_id).await.unwrap().as_ref(), Some(&p));
    let forged = StarsPayment { stars: 1, payload: "v1:p100:100:1:1".into(), ..p.clone() };
    let refused = s.payments.record_stars_payment(forged, entry()).await.unwrap_err();
    assert!(
        matches!(&refused, aisha_domain::ports::StoreError::Internal { message: m, .. } if m.contains("different payment")),
        "a different payment under a recorded charge id is refused, not replayed: {refused:?}"
    );
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 100, "nothing credited");
    (u, p)
}

/// Refund refused when spent, forced takes back what is left.
async fn stars_refund_when_spent(s: Stores<'_>, u: &aisha_domain::User, p: &StarsPayment, now: DateTime<Utc>) {
    let spent = aisha_domain::ledger::NewLedgerEntry {
        id: entry(),
        owner: u.id,
        amount: -70,
        reason: aisha_domain::ledger::LedgerReason::Admin { note: "spent".into(), user_note: None },
        idempotency_key: format!("spend:{}", u.id),
        created_at: now,
    };
    s.ledger.apply(spent).await.unwrap();
    let refused = s.payments.refund_stars_payment(&p.charge_id, false, entry(), now).await.unwrap_err();
    assert_eq!(
        refused,
        StarsRefundError::CoinsSpent { balance: Coins::new(30).unwrap(), needed: Coins::new(100).unwrap() }
    );
    assert!(
        s.payments.stars_payment(&p.charge_id).await.unwrap().unwrap().refunded_at.is_none(),
        "a refused refund changes nothing"
    );
    let forced = s.payments.refund_stars_payment(&p.charge_id, true, entry(), now).await.unwrap();
    assert_eq!(forced.taken_back.get(), 30);
    assert_eq!(forced.entry.map(|e| e.amount), Some(-30));
    assert_eq!(s.ledger.balance(u.id).await.unwrap(), Coins::ZERO, "never below zero");
    assert_eq!(forced.payment.refunded_at, Some(now));
    assert_eq!(
        s.payments.refund_stars_payment(&p.charge_id, true, entry(), now).await.unwrap_err(),
        StarsRefundError::AlreadyRefunded
    );
    assert_eq!(
        s.payments.refund_stars_payment("no-such-charge", false, entry(), now).await.unwrap_err(),
        StarsRefundError::NotFound
    );
}

/// An unspent payment refunds in full; the totals count both payments and both refunds.
async fn stars_refund_unspent(s: Stores<'_>, u: &aisha_domain::User, now: DateTime<Utc>, totals_before: StarsTotals) {
    let q = payment(u, 40, now);
    s.payments.record_stars_payment(q.clone(), entry()).await.unwrap();
    let full = s.payments.refund_stars_payment(&q.charge_id, false, entry(), now).await.unwrap();
    assert_eq!(full.taken_back.get(), 40);
    assert_eq!(s.ledger.balance(u.id).await.unwrap(), Coins::ZERO);

    let t = s.payments.stars_totals().await.unwrap();
    assert_eq!((t.payments - totals_before.payments, t.stars - totals_before.stars), (2, 100));
    assert_eq!(t.refunded_stars - totals_before.refunded_stars, 100);
}

/// An operator's refund in stored steps: one request at a time, a stale one taken over.
async fn stars_refund_in_steps(s: Stores<'_>, u: &aisha_domain::User, now: DateTime<Utc>) {
    let r = payment(u, 10, now);
    s.payments.record_stars_payment(r.clone(), entry()).await.unwrap();
    let lease = Duration::seconds(60);
    let requested = s.payments.request_stars_refund(&r.charge_id, now, lease).await.unwrap();
    assert_eq!((requested.refund_requested_at, requested.refund_confirmed_at), (Some(now), None));
    assert_eq!(
        s.payments.request_stars_refund(&r.charge_id, now + Duration::seconds(5), lease).await.unwrap_err(),
        StarsRefundError::InProgress { since: now },
        "a second run while the first may still be asking Telegram is refused"
    );
    s.payments.withdraw_stars_refund(&r.charge_id).await.unwrap();
    let again = s.payments.request_stars_refund(&r.charge_id, now + Duration::seconds(6), lease).await.unwrap();
    assert_eq!(again.refund_requested_at, Some(now + Duration::seconds(6)), "withdrawn: asked afresh");
    let later = now + Duration::seconds(100);
    let taken_over = s.payments.request_stars_refund(&r.charge_id, later, lease).await.unwrap();
    assert_eq!(taken_over.refund_requested_at, Some(later), "a stale request is taken over");
    let confirmed = s.payments.confirm_stars_refund(&r.charge_id, later).await.unwrap();
    assert_eq!(confirmed.refund_confirmed_at, Some(later));
    let confirmed_again = s.payments.confirm_stars_refund(&r.charge_id, later + lease).await.unwrap();
    assert_eq!(confirmed_again.refund_confirmed_at, Some(later), "confirming twice keeps the first");
    s.payments.withdraw_stars_refund(&r.charge_id).await.unwrap();
    let kept = s.payments.request_stars_refund(&r.charge_id, later + lease, lease).await.unwrap();
    assert_eq!(kept.refund_confirmed_at, Some(later), "a confirmed refund is never withdrawn or asked again");
    s.payments.refund_stars_payment(&r.charge_id, true, entry(), later).await.unwrap();
    assert_eq!(
        s.payments.request_stars_refund(&r.charge_id, later + lease * 3, lease).await.unwrap_err(),
        StarsRefundError::AlreadyRefunded
    );
    assert_eq!(
        s.payments.request_stars_refund("no-such-charge", now, lease).await.unwrap_err(),
        StarsRefundError::NotFound
    );
}

async fn promos(s: Stores<'_>, now: DateTime<Utc>) {
    let code = PromoCode::parse(&format!("T{}", &fixtures::id().simple().to_string()[..10])).unwrap();
    let promo = Promo {
        code: code.clone(),
        coins: Coins::new(50).unwrap(),
        max_uses: Some(2),
        per_user: 1,
        valid_from: Some(now - Duration::days(1)),
        valid_until: Some(now + Duration::days(1)),
        active: true,
        uses: 0,
        created_at: now,
    };
    s.promos.create_promo(&promo).await.unwrap();
    assert_eq!(s.promos.create_promo(&promo).await.unwrap_err(), CreatePromoError::Exists(code.clone()));
    assert_eq!(s.promos.promo(&code).await.unwrap().as_ref(), Some(&promo));
    assert!(s.promos.promos().await.unwrap().iter().any(|p| p.code == code));

    let users: Vec<_> = (0..3).map(|_| fixtures::user(now)).collect();
    for u in &users {
        s.users.upsert(u.clone()).await.unwrap();
    }
    let r = s.promos.redeem(users[0].id, &code, entry(), now).await.unwrap();
    assert_eq!((r.coins.get(), r.entry.amount), (50, 50));
    assert_eq!(s.ledger.balance(users[0].id).await.unwrap().get(), 50);
    assert_eq!(
        s.promos.redeem(users[0].id, &code, entry(), now).await.unwrap_err(),
        RedeemError::Refused(PromoRefusal::AlreadyUsed)
    );
    let early = s.promos.redeem(users[1].id, &code, entry(), now - Duration::days(2)).await.unwrap_err();
    assert!(matches!(early, RedeemError::Refused(PromoRefusal::NotYetValid(_))));
    let late = s.promos.redeem(users[1].id, &code, entry(), now + Duration::days(2)).await.unwrap_err();
    assert!(matches!(late, RedeemError::Refused(PromoRefusal::Expired(_))));
    s.promos.redeem(users[1].id, &code, entry(), now).await.unwrap();
    assert_eq!(
        s.promos.redeem(users[2].id, &code, entry(), now).await.unwrap_err(),
        RedeemError::Refused(PromoRefusal::UsedUp)
    );
    assert_eq!(s.promos.promo(&code).await.unwrap().unwrap().uses, 2);
    assert_eq!(s.ledger.balance(users[2].id).await.unwrap(), Coins::ZERO, "a refusal credits nothing");

    let off = s.promos.set_promo_active(&code, false).await.unwrap().expect("exists");
    assert!(!off.active);
    let refused = s.promos.redeem(users[2].id, &code, entry(), now).await.unwrap_err();
    assert_eq!(refused, RedeemError::Refused(PromoRefusal::Inactive));
    let unknown = PromoCode::parse("NO-SUCH-CODE-XYZ").unwrap();
    assert_eq!(
        s.promos.redeem(users[2].id, &unknown, entry(), now).await.unwrap_err(),
        RedeemError::Refused(PromoRefusal::Unknown)
    );
    assert_eq!(s.promos.set_promo_active(&unknown, true).await.unwrap(), None);
}
