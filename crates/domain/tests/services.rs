//! Use cases other than the runner: registration, gallery sessions, avatars, payments, promos.

mod common;

use aisha_domain::avatar::PhotoRejection;
use aisha_domain::gallery::{DateFilter, ImageKind};
use aisha_domain::media::fixtures::{jpeg_header, png_header};
use aisha_domain::payments::{InvoicePayload, PreCheckoutRefusal, PromoRefusal, default_packages};
use aisha_domain::ports::{Ledger, Payments, RedeemError, RemovePhoto, StarsRefundError};
use aisha_domain::services::avatars::PhotoError;
use aisha_domain::services::gallery::{GalleryService, Nav, View};
use aisha_domain::services::payments::{PaidInvoice, PromoError};
use aisha_domain::user::Profile;
use aisha_domain::{AvatarName, Gender, TelegramUserId, User};
use common::{World, block};
use std::time::Duration;

fn card(v: View) -> aisha_domain::services::gallery::Card {
    match v {
        View::Card(c) => *c,
        View::Empty { .. } => panic!("expected a card, got an empty gallery"),
    }
}

fn seed(w: &World, u: &User, n: usize) -> Vec<aisha_domain::gallery::ImageRecord> {
    let now = w.clock_now();
    let images: Vec<_> = (0..n)
        .map(|i| {
            let kind = if i % 2 == 0 { ImageKind::Text } else { ImageKind::AvatarPhoto };
            let mut img = aisha_contract::fixtures::image(u.id, None, kind, now - chrono::Duration::minutes(i as i64));
            img.favorite = i % 3 == 0;
            img
        })
        .collect();
    block(aisha_contract::gallery::insert(aisha_contract::Stores::of(&*w.store), u, &images, now));
    for img in &images {
        block(aisha_domain::ports::ImageStore::put(&*w.images, &img.object.key, vec![1], "image/png")).unwrap();
    }
    images
}

#[test]
fn welcome_bonus_is_paid_once() {
    let w = World::with_bonus(30);
    let profile = Profile {
        telegram_id: TelegramUserId::new(5).unwrap(),
        first_name: "A".into(),
        last_name: None,
        username: None,
        language_code: Some("en-GB".into()),
    };
    let first = block(w.accounts.register(profile.clone())).unwrap();
    let second = block(w.accounts.register(profile)).unwrap();
    assert!(first.created && !second.created);
    assert_eq!(first.user.settings.language, aisha_domain::Language::En, "language from Telegram at first contact");
    assert_eq!(w.balance(&first.user), 30);
    assert_eq!((first.welcome.map(|c| c.get()), second.welcome), (Some(30), None), "said once");
    let history = block(aisha_domain::ports::Ledger::history(&*w.store, first.user.id, None, 10)).unwrap();
    assert_eq!(history[0].idempotency_key, "welcome:tg:5", "keyed by the Telegram id, not the row");
    w.assert_invariants();
}

#[test]
fn the_welcome_credit_is_not_paid_again_to_a_telegram_id_credited_under_another_row() {
    use aisha_domain::ledger::{LedgerReason, NewLedgerEntry, keys};
    let w = World::with_bonus(30);
    // the row that held Telegram id 9 before (its data since gone): the key is taken
    let earlier = w.user(8);
    let tg = TelegramUserId::new(9).unwrap();
    block(aisha_domain::ports::Ledger::apply(
        &*w.store,
        NewLedgerEntry {
            id: aisha_domain::LedgerEntryId(uuid::Uuid::from_u128(0xfeed)),
            owner: earlier.id,
            amount: 30,
            reason: LedgerReason::Welcome,
            idempotency_key: keys::welcome_telegram(tg),
            created_at: aisha_domain::Clock::now(&*w.clock),
        },
    ))
    .unwrap();
    let profile = Profile {
        telegram_id: tg,
        first_name: "B".into(),
        last_name: None,
        username: None,
        language_code: Some("ru".into()),
    };
    let again = block(w.accounts.register(profile)).unwrap();
    assert!(again.created);
    assert_eq!(again.welcome, None);
    assert_eq!(w.balance(&again.user), 0);
    w.assert_invariants();
}

#[test]
fn registering_again_keeps_settings_and_refreshes_a_changed_profile() {
    let w = World::new();
    let u = w.user(6);
    let mut settings = u.settings;
    settings.quick_mode = true;
    assert!(block(aisha_domain::ports::Users::update_settings(&*w.store, u.id, settings)).unwrap());
    let same = block(w.accounts.register(u.profile.clone())).unwrap();
    assert_eq!(
        (same.created, same.user.id, same.user.settings.quick_mode),
        (false, u.id, true),
        "unchanged contact: the stored user"
    );
    let mut renamed = u.profile.clone();
    renamed.first_name = "Новое".into();
    let again = block(w.accounts.register(renamed)).unwrap();
    assert_eq!((again.created, again.user.profile.first_name.as_str()), (false, "Новое"));
    let stored = block(aisha_domain::ports::Users::get(&*w.store, u.id)).unwrap().unwrap();
    assert_eq!(stored.profile.first_name, "Новое", "a changed profile is written");
    assert!(stored.settings.quick_mode, "settings survive");
}

#[test]
fn history_pages_continue() {
    let w = World::new();
    let u = w.user(1);
    for n in 1..=25 {
        w.clock.advance(chrono::Duration::seconds(1));
        w.fund(&u, n);
    }
    let (p1, next) = block(w.accounts.history(u.id, None, 10)).unwrap();
    let (p2, next2) = block(w.accounts.history(u.id, next, 10)).unwrap();
    let (p3, next3) = block(w.accounts.history(u.id, next2, 10)).unwrap();
    assert_eq!((p1.len(), p2.len(), p3.len()), (10, 10, 5));
    assert_eq!(p1[0].amount, 25, "newest first");
    assert_eq!(p3.last().unwrap().amount, 1);
    assert!(next3.is_none(), "no page after the last");
}

#[test]
fn gallery_keeps_its_place_through_new_images_and_deletions() {
    let w = World::new();
    let u = w.user(1);
    let images = seed(&w, &u, 6); // newest first: 0..5
    let c = card(block(w.gallery.show(&u, Nav::Newest)).unwrap());
    assert_eq!((c.image.id, c.position.index, c.position.total), (images[0].id, 1, 6));
    block(w.gallery.show(&u, Nav::Older)).unwrap();
    let c = card(block(w.gallery.show(&u, Nav::Older)).unwrap());
    assert_eq!((c.image.id, c.position.index), (images[2].id, 3));

    // a new image arrives: the same card stays, one further down
    w.clock.advance(chrono::Duration::minutes(1));
    seed(&w, &u, 1);
    let c = card(block(w.gallery.show(&u, Nav::Current)).unwrap());
    assert_eq!((c.image.id, c.position.index, c.position.total), (images[2].id, 4, 7));

    // deleting the current card moves to its older neighbour, and removes the object
    let v = block(w.gallery.delete(&u, images[2].id)).unwrap().expect("own image");
    let c = card(v);
    assert_eq!((c.image.id, c.position.index, c.position.total), (images[3].id, 4, 6));
    assert!(!w.images.keys().contains(&images[2].object.key.to_string()));

    // older at the end stays at the end
    for _ in 0..5 {
        block(w.gallery.show(&u, Nav::Older)).unwrap();
    }
    let c = card(block(w.gallery.show(&u, Nav::Older)).unwrap());
    assert_eq!((c.image.id, c.position.index), (images[5].id, 6));
    // deleting the last card moves to the newer one
    let c = card(block(w.gallery.delete(&u, images[5].id)).unwrap().unwrap());
    assert_eq!(c.image.id, images[4].id);
}

#[test]
fn filters_survive_a_restart_and_favorites_leave_the_filter() {
    let w = World::new();
    let u = w.user(1);
    let images = seed(&w, &u, 7);
    let favs: Vec<_> = images.iter().filter(|i| i.favorite).collect();
    let c = card(block(w.gallery.set_filter(&u, |f| f.favorites_only = true)).unwrap());
    assert_eq!((c.image.id, c.position.total), (favs[0].id, favs.len() as u64));
    let c = card(block(w.gallery.show(&u, Nav::Older)).unwrap());
    assert_eq!(c.image.id, favs[1].id);

    // a "restart": new service values over the same session store
    let again = GalleryService {
        gallery: w.store.clone(),
        sessions: w.sessions.clone(),
        images: w.images.clone(),
        ledger: w.store.clone(),
        env: w.env.clone(),
        session_ttl: Duration::from_secs(3600),
    };
    let c = card(block(again.show(&u, Nav::Current)).unwrap());
    assert_eq!((c.image.id, c.filter.favorites_only), (favs[1].id, true), "filter and position survive");

    // un-favoriting the current card under "favorites only" moves to its neighbour
    let (now, view) = block(again.toggle_favorite(&u, favs[1].id)).unwrap().unwrap();
    assert!(!now, "toggled off");
    let c = card(view);
    assert_eq!((c.image.id, c.position.total), (favs[2].id, favs.len() as u64 - 1));

    // a filter with no match is an empty view that remembers the filter
    let v = block(again.set_filter(&u, |f| f.kind = Some(ImageKind::AvatarPhoto))).unwrap();
    let both = images.iter().filter(|i| i.favorite && i.kind == ImageKind::AvatarPhoto && i.id != favs[1].id).count();
    match v {
        View::Card(c) => assert_eq!(c.position.total, both as u64),
        View::Empty { filter } => assert!(both == 0 && filter.favorites_only),
    }
    let v = block(again.set_filter(&u, |f| f.date = Some(DateFilter::Yesterday))).unwrap();
    assert!(matches!(v, View::Empty { filter } if filter.date == Some(DateFilter::Yesterday)));

    // sessions expire after their TTL
    w.clock.advance(chrono::Duration::hours(2));
    assert_eq!(block(again.filter(&u)).unwrap(), Default::default());
}

#[test]
fn another_users_image_is_not_found_and_nothing_changes() {
    let w = World::new();
    let owner = w.user(1);
    let thief = w.user(2);
    let images = seed(&w, &owner, 2);
    assert_eq!(block(w.gallery.toggle_favorite(&thief, images[1].id)).unwrap(), None);
    assert_eq!(block(w.gallery.delete(&thief, images[1].id)).unwrap(), None);
    assert_eq!(block(w.gallery.image(&thief, images[1].id)).unwrap(), None);
    let v = block(w.gallery.show(&thief, Nav::To(images[1].id))).unwrap();
    assert!(matches!(v, View::Empty { .. }), "a foreign id shows the thief's own (empty) gallery");
    assert_eq!(w.store.snapshot().images.len(), 2);
    assert!(!block(w.gallery.image(&owner, images[1].id)).unwrap().unwrap().favorite);
}

#[test]
fn stats_count_types_and_spending() {
    let w = World::new();
    let u = w.user(1);
    seed(&w, &u, 5);
    let s = block(w.gallery.stats(&u)).unwrap();
    assert_eq!((s.counts.total, s.counts.imagen, s.counts.avatar_photos, s.counts.favorites), (5, 3, 2, 2));
    // the seeded jobs were fast imagen jobs of 4 + 1 images, fully delivered
    assert_eq!(s.spent.get(), 15);
}

#[test]
fn avatar_photos_are_checked_stored_and_removed() {
    let w = World::new();
    let u = w.user(1);
    let other = w.user(2);
    let a = block(w.avatars.create(u.id, AvatarName::parse("Мой <аватар>").unwrap(), Gender::Male)).unwrap();
    let ok = block(w.avatars.add_photo(u.id, a.id, jpeg_header(800, 600))).unwrap();
    assert_eq!(ok.count, 1);
    assert_eq!(w.images.keys(), vec![ok.photo.object.key.to_string()], "stored under the avatar key scheme");
    let dup = block(w.avatars.add_photo(u.id, a.id, jpeg_header(800, 600))).unwrap_err();
    assert_eq!(dup, PhotoError::Rejected(PhotoRejection::Duplicate));
    assert_eq!(w.images.keys().len(), 1, "a refused photo leaves no object behind");
    let small = block(w.avatars.add_photo(u.id, a.id, png_header(300, 900))).unwrap_err();
    assert_eq!(small, PhotoError::Rejected(PhotoRejection::TooSmall { width: 300, height: 900, min_side: 512 }));
    let pdf = block(w.avatars.add_photo(u.id, a.id, b"%PDF-1.7 not an image".to_vec())).unwrap_err();
    assert_eq!(pdf, PhotoError::Rejected(PhotoRejection::NotAnImage));
    assert_eq!(
        block(w.avatars.add_photo(other.id, a.id, png_header(600, 600))).unwrap_err(),
        PhotoError::AvatarNotFound
    );
    let removed = block(w.avatars.remove_photo(u.id, a.id, ok.photo.id)).unwrap();
    assert!(matches!(removed, RemovePhoto::Removed { count: 0, .. }));
    assert!(w.images.keys().is_empty(), "a removed photo's object is deleted");
    for n in 0..3 {
        block(w.avatars.add_photo(u.id, a.id, png_header(600 + n, 600))).unwrap();
    }
    assert!(matches!(block(w.avatars.delete(u.id, a.id)).unwrap(), aisha_domain::ports::DeleteAvatar::Deleted { .. }));
    assert!(w.images.keys().is_empty(), "deleting an avatar deletes its photos' objects");
}

#[test]
fn stars_top_up_credits_once_and_refunds_by_the_rules() {
    let w = World::new();
    let u = w.user(7);
    let pkg = &default_packages()[1];
    let (_, invoice) = w.payments.invoice(&pkg.id, u.profile.telegram_id).unwrap();
    let payload = invoice.encode();
    assert!(block(w.payments.pre_checkout(u.profile.telegram_id, &payload, "XTR", pkg.stars)).is_ok());
    let stranger = w.user(8);
    assert_eq!(
        block(w.payments.pre_checkout(stranger.profile.telegram_id, &payload, "XTR", pkg.stars)).unwrap_err(),
        PreCheckoutRefusal::WrongBuyer
    );
    let paid = PaidInvoice {
        payer: u.profile.telegram_id,
        charge_id: "tg-charge-1".into(),
        payload,
        currency: "XTR".into(),
        stars: pkg.stars,
    };
    for n in 0..5 {
        let t = block(w.payments.complete(paid.clone())).unwrap();
        assert_eq!(t.replayed, n > 0, "delivery {n}");
    }
    assert_eq!(w.balance(&u), 275, "five deliveries, one credit");

    // spent coins block a refund unless forced
    w.fund(&u, -200);
    let balance = block(w.store.balance(u.id)).unwrap();
    assert_eq!(
        block(w.payments.refund_blocker("tg-charge-1", balance)).unwrap(),
        Some(StarsRefundError::CoinsSpent { balance, needed: pkg.coins })
    );
    assert!(block(w.payments.refund("tg-charge-1", false)).is_err());
    let forced = block(w.payments.refund("tg-charge-1", true)).unwrap();
    assert_eq!(forced.taken_back.get(), 75);
    assert_eq!(w.balance(&u), 0);

    // a package withdrawn after the invoice: still credited at the invoice's rate, flagged
    let old = InvoicePayload {
        package: "p999".into(),
        coins: aisha_domain::Coins::new(999).unwrap(),
        stars: 10,
        buyer: u.profile.telegram_id,
    };
    let t = block(w.payments.complete(PaidInvoice {
        payer: u.profile.telegram_id,
        charge_id: "tg-charge-2".into(),
        payload: old.encode(),
        currency: "XTR".into(),
        stars: 10,
    }))
    .unwrap();
    assert!(t.payment.needs_attention);
    assert_eq!(w.balance(&u), 999);
    w.assert_invariants();
}

#[test]
fn promo_codes_refuse_with_reasons() {
    let w = World::new();
    let u = w.user(1);
    assert!(matches!(block(w.payments.redeem(&u, "x")).unwrap_err(), PromoError::Format(_)));
    assert_eq!(
        block(w.payments.redeem(&u, "nothing")).unwrap_err(),
        PromoError::Redeem(RedeemError::Refused(PromoRefusal::Unknown))
    );
}

#[test]
fn reconciliation_credits_what_telegram_has_and_aisha_missed_once() {
    use aisha_domain::services::payments::StarTransaction;
    let w = World::new();
    let u = w.user(9);
    let tg = u.profile.telegram_id;
    let pkg = &default_packages()[0];
    let payload = w.payments.invoice(&pkg.id, tg).unwrap().1.encode();
    let live = PaidInvoice {
        payer: tg,
        charge_id: "tg-live".into(),
        payload: payload.clone(),
        currency: "XTR".into(),
        stars: pkg.stars,
    };
    block(w.payments.complete(live)).unwrap();
    let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let telegram = [
        StarTransaction::Payment {
            charge_id: "tg-live".into(),
            payer: tg,
            payload: payload.clone(),
            stars: pkg.stars,
            at,
        },
        StarTransaction::Payment { charge_id: "tg-lost".into(), payer: tg, payload, stars: pkg.stars, at },
        StarTransaction::Refund { charge_id: "tg-live".into(), user: tg, stars: pkg.stars, at },
    ];
    let first = block(w.payments.reconcile(&telegram));
    assert_eq!(first.credited.iter().map(|p| p.charge_id.as_str()).collect::<Vec<_>>(), ["tg-lost"]);
    assert_eq!(first.credited[0].coins, pkg.coins);
    assert_eq!(first.already_credited, 1, "the live payment is not credited again");
    assert_eq!(first.refunded_outside, [("tg-live".to_owned(), tg, pkg.stars)]);
    assert!(first.failed.is_empty());
    assert_eq!(w.balance(&u), 200);
    let second = block(w.payments.reconcile(&telegram));
    assert!(second.credited.is_empty(), "a second run credits nothing");
    assert_eq!(second.already_credited, 2);
    assert_eq!(w.balance(&u), 200);
    // once AISHA has refunded it, the refund is no longer reported
    block(w.payments.refund("tg-live", false)).unwrap();
    assert!(block(w.payments.reconcile(&telegram)).refunded_outside.is_empty());
    w.assert_invariants();
}

/// Telegram's refundStarPayment as the tests need it: it refunds each charge once (and says
/// so when asked again), and can lose its answer once after refunding, or refuse.
#[derive(Default)]
struct FakeTelegram {
    refunded: std::sync::Mutex<Vec<String>>,
    lose_answer_once: std::sync::atomic::AtomicBool,
    refuse: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl aisha_domain::services::payments::StarsRefunder for FakeTelegram {
    async fn refund_star_payment(
        &self,
        _user: TelegramUserId,
        charge_id: &str,
    ) -> Result<(), aisha_domain::services::payments::RefundCallError> {
        use aisha_domain::services::payments::RefundCallError;
        use std::sync::atomic::Ordering;
        if self.refuse.load(Ordering::SeqCst) {
            return Err(RefundCallError::Refused("Bad Request: CHARGE_NOT_FOUND".into()));
        }
        let mut refunded = self.refunded.lock().unwrap();
        if refunded.iter().any(|c| c == charge_id) {
            return Err(RefundCallError::AlreadyRefunded);
        }
        refunded.push(charge_id.to_owned());
        if self.lose_answer_once.swap(false, Ordering::SeqCst) {
            return Err(RefundCallError::Unanswered("operation timed out".into()));
        }
        Ok(())
    }
}

fn paid(w: &World, u: &User, charge: &str) {
    let pkg = &default_packages()[0];
    let payload = w.payments.invoice(&pkg.id, u.profile.telegram_id).unwrap().1.encode();
    let invoice = PaidInvoice {
        payer: u.profile.telegram_id,
        charge_id: charge.into(),
        payload,
        currency: "XTR".into(),
        stars: pkg.stars,
    };
    block(w.payments.complete(invoice)).unwrap();
}

#[test]
fn a_refund_interrupted_after_telegram_refunded_is_finished_by_the_next_run_paying_once() {
    use aisha_domain::services::payments::OperatorRefundError;
    let w = World::new();
    let u = w.user(11);
    paid(&w, &u, "tg-r1");
    let telegram = FakeTelegram { lose_answer_once: true.into(), ..FakeTelegram::default() };
    let balance = |w: &World| block(w.store.balance(u.id)).unwrap();

    let first = block(w.payments.operator_refund("tg-r1", false, balance(&w), &telegram));
    assert!(matches!(first, Err(OperatorRefundError::Unanswered(_))), "{first:?}");
    assert_eq!(*telegram.refunded.lock().unwrap(), ["tg-r1"], "Telegram did refund");
    assert_eq!(w.balance(&u), 100, "the coins stay until Telegram's refund is confirmed");
    let stored = block(w.store.stars_payment("tg-r1")).unwrap().unwrap();
    assert!(stored.refund_requested_at.is_some() && stored.refund_confirmed_at.is_none());

    let meanwhile = block(w.payments.operator_refund("tg-r1", false, balance(&w), &telegram));
    assert!(matches!(meanwhile, Err(OperatorRefundError::Payment(StarsRefundError::InProgress { .. }))));

    w.clock.advance(chrono::Duration::seconds(61));
    let rerun = block(w.payments.operator_refund("tg-r1", false, balance(&w), &telegram)).unwrap();
    assert_eq!(rerun.taken_back.get(), 100);
    assert_eq!(telegram.refunded.lock().unwrap().len(), 1, "the Stars went back once");
    assert_eq!(w.balance(&u), 0, "the coins were taken once");
    let again = block(w.payments.operator_refund("tg-r1", true, balance(&w), &telegram));
    assert_eq!(again.unwrap_err(), OperatorRefundError::Payment(StarsRefundError::AlreadyRefunded));
    assert_eq!(w.balance(&u), 0);
    w.assert_invariants();
}

#[test]
fn a_refund_telegram_refuses_or_the_user_cannot_cover_changes_nothing() {
    use aisha_domain::services::payments::OperatorRefundError;
    let w = World::new();
    let u = w.user(12);
    paid(&w, &u, "tg-r2");
    let telegram = FakeTelegram { refuse: true.into(), ..FakeTelegram::default() };
    let refused = block(w.payments.operator_refund("tg-r2", false, aisha_domain::Coins::new(100).unwrap(), &telegram));
    assert!(matches!(refused, Err(OperatorRefundError::TelegramRefused(ref e)) if e.contains("CHARGE_NOT_FOUND")));
    let stored = block(w.store.stars_payment("tg-r2")).unwrap().unwrap();
    assert_eq!((stored.refund_requested_at, stored.refunded_at), (None, None), "withdrawn: a later run starts afresh");
    assert_eq!(w.balance(&u), 100);

    w.fund(&u, -60);
    let telegram = FakeTelegram::default();
    let spent = block(w.payments.operator_refund("tg-r2", false, aisha_domain::Coins::new(40).unwrap(), &telegram));
    assert!(matches!(spent, Err(OperatorRefundError::Payment(StarsRefundError::CoinsSpent { .. }))));
    assert!(telegram.refunded.lock().unwrap().is_empty(), "refused before Telegram is asked");
    let forced =
        block(w.payments.operator_refund("tg-r2", true, aisha_domain::Coins::new(40).unwrap(), &telegram)).unwrap();
    assert_eq!(forced.taken_back.get(), 40, "forced: what is left");
    assert_eq!(w.balance(&u), 0);
    w.assert_invariants();
}
