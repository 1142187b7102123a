//! The conversation, driven as a user would: commands, texts and button presses in, replies
//! out, with the real use cases over memory adapters.

mod harness;

use aisha_bot::callback::Cb;
use aisha_bot::io::{Event, Media, MessageId, Reply};
use aisha_domain::gallery::ImageKind;
use aisha_domain::{AspectRatio, JobStatus, ModelKey};
use aisha_memory::ScriptedGenerator;
use harness::{Harness, all_text, block, buttons, find};

const U: i64 = 1001;

fn start_job(h: &Harness, prompt: &str, aspect: AspectRatio, count: u8) -> aisha_domain::JobId {
    h.command(U, "ru", "start");
    h.press(U, "ru", Cb::Create, 10);
    h.text(U, "ru", prompt);
    h.press(U, "ru", Cb::Aspect(aspect), 11);
    h.press(U, "ru", Cb::Count(count), 11);
    let confirm = h.press(U, "ru", Cb::Model(ModelKey::parse("nano-banana-2").unwrap()), 11);
    let Some(Cb::Confirm(job)) = find(&confirm, |c| matches!(c, Cb::Confirm(_))) else {
        panic!("no confirm button:\n{}", harness::render(&confirm))
    };
    let started = h.press(U, "ru", Cb::Confirm(job), 11);
    assert!(
        all_text(&started).contains("⏳"),
        "the confirmation becomes the status message:\n{}",
        harness::render(&started)
    );
    job
}

#[test]
fn create_two_images_favorite_one_and_find_it_in_the_gallery() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    let job = start_job(&h, "маяк на рассвете", AspectRatio::Landscape16x9, 2);
    assert_eq!(h.balance(U), 78, "2 × Nano Banana 2 (11) charged once");

    let submitted = h.work();
    assert!(
        submitted.iter().any(|o| matches!(o.reply, Reply::EditText { message: MessageId(11), .. })),
        "progress edits the status message"
    );
    let request = h.generator.requests()[0].clone();
    h.generator.finish(&request, Ok(ScriptedGenerator::images(1408, 768, 2, 0)));
    let delivered = h.work();
    let album = delivered.iter().find_map(|o| match &o.reply {
        Reply::SendAlbum { photos, .. } => Some(photos.clone()),
        _ => None,
    });
    let album = album.expect("two images arrive as one album");
    assert_eq!(album.len(), 2);
    assert!(album.iter().all(|(m, _)| matches!(m, Media::Stored { image: Some(_), .. })));
    assert!(
        delivered.iter().any(|o| matches!(o.reply, Reply::Delete { message: MessageId(11), .. })),
        "the status message goes away"
    );

    let Some(Cb::ResultFavorite(first)) = find(&delivered, |c| matches!(c, Cb::ResultFavorite(_))) else {
        panic!("no favorite button")
    };
    let fav = h.press(U, "ru", Cb::ResultFavorite(first), 12);
    assert!(buttons(&fav).iter().any(|(label, _)| label.starts_with('⭐')), "the star turns on");

    h.press(U, "ru", Cb::Gallery, 13);
    let filtered = h.press(U, "ru", Cb::FilterFavorites(true), 14);
    match &filtered
        .iter()
        .find(|o| matches!(o.reply, Reply::EditPhoto { .. }))
        .expect("the card is edited in place")
        .reply
    {
        Reply::EditPhoto { photo: Media::Stored { image, .. }, caption, .. } => {
            assert_eq!(*image, Some(first));
            assert!(caption.as_deref().unwrap_or("").starts_with("1 / 1"), "{caption:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(buttons(&filtered).iter().any(|(l, _)| l.contains("⭐")), "the filter shows its indicator");
    let snapshot = h.store.snapshot();
    assert_eq!(snapshot.jobs.iter().find(|j| j.id == job).unwrap().status, JobStatus::Succeeded);
    h.assert_invariants();
}

#[test]
fn not_enough_coins_offers_a_top_up_and_writes_nothing() {
    let h = Harness::new();
    h.command(U, "en", "start");
    h.fund(U, 4);
    h.press(U, "en", Cb::Create, 10);
    h.text(U, "en", "a red bicycle");
    h.press(U, "en", Cb::Aspect(AspectRatio::Square), 11);
    h.press(U, "en", Cb::Count(1), 11);
    let out = h.press(U, "en", Cb::Model(ModelKey::parse("nano-banana-2").unwrap()), 11);
    assert!(
        all_text(&out).contains("Not enough coins: this costs 11 coins, your balance is 4 coins"),
        "{}",
        all_text(&out)
    );
    assert!(find(&out, |c| *c == Cb::TopUp).is_some());
    assert!(find(&out, |c| matches!(c, Cb::Confirm(_))).is_none());
    assert!(h.store.snapshot().jobs.is_empty());
    assert_eq!(h.balance(U), 4);
}

#[test]
fn cancel_leaves_any_dialogue() {
    let h = Harness::new();
    h.press(U, "ru", Cb::Create, 10);
    let out = h.command(U, "ru", "cancel");
    assert!(all_text(&out).contains("Отменено: создание изображения"), "{}", all_text(&out));
    let after = h.text(U, "ru", "это уже новое описание");
    assert!(
        all_text(&after).contains("Выберите формат"),
        "text after cancel starts a new order, as any description outside a dialogue: {}",
        all_text(&after)
    );
    h.command(U, "ru", "cancel");
    let nothing = h.command(U, "ru", "cancel");
    assert!(all_text(&nothing).contains("Отменять нечего"));
}

#[test]
fn prompt_limits_are_explained() {
    let h = Harness::new();
    h.press(U, "en", Cb::Create, 10);
    assert!(all_text(&h.text(U, "en", "ab")).contains("at least 3"));
    let long = "x".repeat(2001);
    assert!(all_text(&h.text(U, "en", &long)).contains("2001 characters, the limit is 2000"));
}

#[test]
fn user_text_is_escaped_and_intact() {
    let h = Harness::new();
    h.fund_after_start(U);
    h.press(U, "ru", Cb::Create, 10);
    let prompt = "<b>кот</b> & собака 🐱 שלום";
    h.text(U, "ru", prompt);
    h.press(U, "ru", Cb::Aspect(AspectRatio::Square), 11);
    h.press(U, "ru", Cb::Count(1), 11);
    let out = h.press(U, "ru", Cb::Model(ModelKey::parse("flux-2").unwrap()), 11);
    let text = all_text(&out);
    assert!(text.contains("&lt;b&gt;кот&lt;/b&gt; &amp; собака 🐱 שלום"), "{text}");
    assert!(!text.contains("<b>кот"));
}

#[test]
fn confirming_twice_starts_one_job() {
    let h = Harness::new();
    h.fund_after_start(U);
    let job = start_job(&h, "две кнопки", AspectRatio::Square, 1);
    let again = h.press(U, "ru", Cb::Confirm(job), 11);
    assert_eq!(h.store.snapshot().jobs.len(), 1);
    assert!(all_text(&again).contains("Уже завершено") || all_text(&again).contains("устарела"));
    assert_eq!(h.balance(U), 89);
}

#[test]
fn failures_say_why_and_that_coins_came_back() {
    for (kind, expect) in [
        (aisha_domain::ports::ProviderErrorKind::ContentPolicy, "нарушает его правила"),
        (aisha_domain::ports::ProviderErrorKind::OutOfCredit, "недоступен"),
        (aisha_domain::ports::ProviderErrorKind::InvalidInput, "не принял заказ: я ошиблась, когда составляла запрос"),
    ] {
        let h = Harness::new();
        h.fund_after_start(U);
        start_job(&h, "что-то", AspectRatio::Square, 2);
        h.generator.fail_next_submit(aisha_domain::ports::ProviderError::new(kind, "loc body.prompt"));
        let out = h.work();
        let text = all_text(&out);
        assert!(text.contains(expect), "{kind:?}: {text}");
        assert!(!text.contains("loc body"), "the provider's own words stay in the log: {text}");
        assert!(text.contains("Вернула на баланс 22 монеты"), "{kind:?}: {text}");
        assert_eq!(h.balance(U), 100);
        h.assert_invariants();
    }
}

#[test]
fn outdated_and_forged_buttons_are_refused_politely() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    let out = h.press_raw(U, "ru", "gallery_image_next:3", 5);
    assert!(all_text(&out).contains("устарела"), "{}", all_text(&out));
    assert!(find(&out, |c| *c == Cb::Gallery).is_some(), "the current screen (menu) follows");

    // another user's image id
    let owner = 2002;
    h.command(owner, "ru", "start");
    let img =
        aisha_contract::fixtures::image(h.user(owner).id, None, ImageKind::Text, aisha_domain::Clock::now(&*h.clock));
    block(aisha_contract::gallery::insert(
        aisha_contract::Stores::of(&*h.store),
        &h.user(owner),
        std::slice::from_ref(&img),
        aisha_domain::Clock::now(&*h.clock),
    ));
    for cb in [
        Cb::Favorite(img.id),
        Cb::Delete(img.id),
        Cb::DeleteYes(img.id),
        Cb::Prompt(img.id),
        Cb::Open(img.id),
        Cb::AgainImage(img.id),
        Cb::ResultFavorite(img.id),
    ] {
        let out = h.press(U, "ru", cb, 5);
        assert!(all_text(&out).contains("Не найдено"), "{cb:?}: {}", all_text(&out));
    }
    let still = h.store.snapshot().images;
    assert_eq!(still.len(), 1);
    assert!(!still[0].favorite, "nothing changed");
}

#[test]
fn gallery_filter_and_position_survive_a_restart() {
    let h = Harness::new();
    h.fund_after_start(U);
    let now = aisha_domain::Clock::now(&*h.clock);
    let user = h.user(U);
    let images: Vec<_> = (0..5)
        .map(|i| {
            let mut img =
                aisha_contract::fixtures::image(user.id, None, ImageKind::Text, now - chrono::Duration::minutes(i));
            img.favorite = i % 2 == 0;
            img
        })
        .collect();
    block(aisha_contract::gallery::insert(aisha_contract::Stores::of(&*h.store), &user, &images, now));
    h.press(U, "ru", Cb::Gallery, 5);
    h.press(U, "ru", Cb::FilterFavorites(true), 6);
    let second = h.press(U, "ru", Cb::Older, 6);
    assert!(all_text(&second).starts_with("2 / 3"), "{}", all_text(&second));

    let after = h.restarted();
    let out = after.press(U, "ru", Cb::Card, 6);
    let text = all_text(&out);
    assert!(text.starts_with("2 / 3"), "same card after a restart: {text}");
    assert!(buttons(&out).iter().any(|(l, _)| l.contains("(⭐)")), "and the same filter");
}

#[test]
fn deleting_a_card_asks_first_then_shows_the_neighbour() {
    let h = Harness::new();
    h.fund_after_start(U);
    let now = aisha_domain::Clock::now(&*h.clock);
    let user = h.user(U);
    let images: Vec<_> = (0..3)
        .map(|i| aisha_contract::fixtures::image(user.id, None, ImageKind::Text, now - chrono::Duration::minutes(i)))
        .collect();
    block(aisha_contract::gallery::insert(aisha_contract::Stores::of(&*h.store), &user, &images, now));
    for img in &images {
        block(aisha_domain::ports::ImageStore::put(&*h.images, &img.object.key, vec![0], "image/png")).unwrap();
    }
    h.press(U, "ru", Cb::Gallery, 5);
    let ask = h.press(U, "ru", Cb::Delete(images[0].id), 7);
    assert!(find(&ask, |c| *c == Cb::DeleteYes(images[0].id)).is_some());
    assert_eq!(h.store.snapshot().images.len(), 3, "nothing deleted before confirming");
    let out = h.press(U, "ru", Cb::DeleteYes(images[0].id), 7);
    assert!(all_text(&out).contains("\n1 / 2 · "), "{}", all_text(&out));
    assert_eq!(h.store.snapshot().images.len(), 2);
    assert!(!h.images.keys().contains(&images[0].object.key.to_string()), "the stored object is removed too");
}

#[test]
fn stars_top_up_replayed_five_times_credits_once() {
    let h = Harness::new();
    h.command(U, "en", "start");
    let out = h.press(U, "en", Cb::Buy(0), 3);
    let Some(Reply::Invoice { payload, stars, .. }) =
        out.iter().map(|o| o.reply.clone()).find(|r| matches!(r, Reply::Invoice { .. }))
    else {
        panic!("no invoice")
    };
    let pre = h.send(
        U,
        "en",
        Event::PreCheckout {
            query_id: "pc".into(),
            currency: "XTR".into(),
            total_amount: stars,
            payload: payload.clone(),
        },
    );
    assert!(matches!(pre[0].reply, Reply::AnswerPreCheckout { ok: true, .. }));
    let mut receipts = 0;
    for _ in 0..5 {
        let out = h.send(
            U,
            "en",
            Event::Payment {
                chat: aisha_bot::io::ChatId(U),
                currency: "XTR".into(),
                total_amount: stars,
                payload: payload.clone(),
                telegram_charge_id: "charge-1".into(),
                provider_charge_id: String::new(),
            },
        );
        receipts += out.iter().filter(|o| all_text(std::slice::from_ref(o)).contains("Payment received")).count();
    }
    assert_eq!(receipts, 1, "one receipt");
    assert_eq!(h.balance(U), 100);
    let history = h.press(U, "en", Cb::Balance, 3);
    assert!(all_text(&history).contains("+100 Stars top-up (50 ⭐)"), "{}", all_text(&history));

    let wrong = h.send(
        2003,
        "en",
        Event::PreCheckout { query_id: "pc2".into(), currency: "XTR".into(), total_amount: stars, payload },
    );
    assert!(
        matches!(&wrong[0].reply, Reply::AnswerPreCheckout { ok: false, error: Some(e), .. } if e.contains("another user"))
    );
    h.assert_invariants();
}

#[test]
fn promo_dialogue_credits_once_with_reasons() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    let now = aisha_domain::Clock::now(&*h.clock);
    block(aisha_domain::ports::Promos::create_promo(
        &*h.store,
        &aisha_domain::payments::Promo {
            code: aisha_domain::PromoCode::parse("WELCOME").unwrap(),
            coins: aisha_domain::Coins::new(50).unwrap(),
            max_uses: None,
            per_user: 1,
            valid_from: None,
            valid_until: None,
            active: true,
            uses: 0,
            created_at: now,
        },
    ))
    .unwrap();
    h.press(U, "ru", Cb::Promo, 3);
    assert!(all_text(&h.text(U, "ru", "welcome")).contains("+50"));
    h.press(U, "ru", Cb::Promo, 3);
    assert!(all_text(&h.text(U, "ru", "WELCOME")).contains("уже использовали"));
    assert_eq!(h.balance(U), 50);
}

#[test]
fn language_switch_changes_every_text() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    let out = h.press(U, "ru", Cb::Language(aisha_domain::Language::En), 3);
    assert!(all_text(&out).contains("Settings"), "{}", all_text(&out));
    let menu = h.command(U, "ru", "help");
    assert!(all_text(&menu).contains("Help"), "the stored language wins over Telegram's");
}

#[test]
fn admin_stats_only_for_operators() {
    let h = Harness::new();
    assert!(all_text(&h.command(U, "en", "stats")).contains("operators only"));
    assert!(all_text(&h.command(999, "en", "stats")).contains("Users: "));
}

impl Harness {
    fn fund_after_start(&self, tg: i64) {
        self.command(tg, "ru", "start");
        self.fund(tg, 100);
    }
}

#[test]
fn a_default_model_since_retired_gives_way_to_the_catalogs_default() {
    use aisha_domain::ports::Users;
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    // a user whose default was Imagen 4 before the catalog (migrated to its retired key)
    let mut settings = h.user(U).settings;
    settings.defaults.model = ModelKey::from_stored("standard").unwrap();
    settings.quick_mode = true;
    assert!(block(h.store.update_settings(h.user(U).id, settings)).unwrap());
    h.press(U, "ru", Cb::Create, 10);
    let out = h.text(U, "ru", "маяк на рассвете");
    let text = all_text(&out);
    assert!(text.contains("Модель: Nano Banana 2") && text.contains("Цена: <b>11 монет</b>"), "{text}");
    assert!(find(&out, |c| matches!(c, Cb::Confirm(_))).is_some());
}

#[test]
fn a_model_button_from_before_the_catalog_asks_for_a_model_again() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    h.press(U, "ru", Cb::Create, 10);
    h.text(U, "ru", "маяк на рассвете");
    h.press(U, "ru", Cb::Aspect(AspectRatio::Square), 11);
    h.press(U, "ru", Cb::Count(1), 11);
    // Imagen 4's "ultra" button, encoded before the catalog existed
    let out = h.press_raw(U, "ru", "1cv:u", 11);
    assert!(all_text(&out).contains("Эта модель больше недоступна"), "{}", all_text(&out));
    let offered: Vec<String> = buttons(&out).into_iter().map(|(_, data)| data).filter(|d| d.contains("cv:")).collect();
    assert_eq!(offered, ["1cv:nano-banana-2", "1cv:flux-2", "1cv:nano-banana-pro"]);
    assert!(h.store.snapshot().jobs.is_empty());
    assert_eq!(h.balance(U), 100);
}

#[test]
fn create_offers_only_formats_and_counts_some_model_can_make() {
    let mut models = aisha_domain::Catalog::default().all().to_vec();
    for m in &mut models {
        m.enabled = m.key.as_str() == "flux-2";
    }
    let flux = models.iter_mut().find(|m| m.key.as_str() == "flux-2").unwrap();
    flux.aspects = vec![AspectRatio::Square, AspectRatio::Landscape16x9];
    flux.max_images = 2;
    let h = Harness::with_catalog(aisha_domain::Catalog::new(models).unwrap());
    h.command(U, "ru", "start");
    h.fund(U, 100);
    h.press(U, "ru", Cb::Create, 10);
    let out = h.text(U, "ru", "маяк на рассвете");
    let formats: Vec<String> = buttons(&out).into_iter().map(|(label, _)| label).filter(|l| l.contains(':')).collect();
    assert_eq!(formats, ["1:1", "16:9"]);
    let out = h.press(U, "ru", Cb::Aspect(AspectRatio::Landscape16x9), 11);
    let counts: Vec<String> =
        buttons(&out).into_iter().map(|(label, _)| label).filter(|l| l.parse::<u8>().is_ok()).collect();
    assert_eq!(counts, ["1", "2"]);
    let out = h.press(U, "ru", Cb::Count(2), 11);
    assert!(find(&out, |c| matches!(c, Cb::Model(k) if k.as_str() == "flux-2")).is_some(), "{}", all_text(&out));
}

/// Payments whose recording fails while `down` is set: a store outage, for the payment only.
struct FlakyPayments {
    inner: std::sync::Arc<aisha_memory::MemoryStore>,
    down: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl aisha_domain::ports::Payments for FlakyPayments {
    async fn record_stars_payment(
        &self,
        payment: aisha_domain::payments::StarsPayment,
        entry: aisha_domain::LedgerEntryId,
    ) -> Result<aisha_domain::ports::PaymentRecorded, aisha_domain::ports::StoreError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(aisha_domain::ports::StoreError::Unavailable("injected outage".into()));
        }
        self.inner.record_stars_payment(payment, entry).await
    }
    async fn stars_payment(
        &self,
        charge_id: &str,
    ) -> Result<Option<aisha_domain::payments::StarsPayment>, aisha_domain::ports::StoreError> {
        self.inner.stars_payment(charge_id).await
    }
    async fn refund_stars_payment(
        &self,
        charge_id: &str,
        force: bool,
        entry: aisha_domain::LedgerEntryId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<aisha_domain::ports::StarsRefunded, aisha_domain::ports::StarsRefundError> {
        self.inner.refund_stars_payment(charge_id, force, entry, now).await
    }
    async fn stars_totals(&self) -> Result<aisha_domain::ports::StarsTotals, aisha_domain::ports::StoreError> {
        self.inner.stars_totals().await
    }
    async fn request_stars_refund(
        &self,
        charge_id: &str,
        now: chrono::DateTime<chrono::Utc>,
        lease: chrono::Duration,
    ) -> Result<aisha_domain::payments::StarsPayment, aisha_domain::ports::StarsRefundError> {
        self.inner.request_stars_refund(charge_id, now, lease).await
    }
    async fn confirm_stars_refund(
        &self,
        charge_id: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<aisha_domain::payments::StarsPayment, aisha_domain::ports::StarsRefundError> {
        self.inner.confirm_stars_refund(charge_id, now).await
    }
    async fn withdraw_stars_refund(&self, charge_id: &str) -> Result<(), aisha_domain::ports::StoreError> {
        self.inner.withdraw_stars_refund(charge_id).await
    }
}

fn paid_update(h: &Harness, tg: i64, stars: u32, payload: &str, charge: &str) -> aisha_bot::io::Update {
    let _ = h;
    aisha_bot::io::Update {
        id: 77,
        from: Harness::profile(tg, "en"),
        event: Event::Payment {
            chat: aisha_bot::io::ChatId(tg),
            currency: "XTR".into(),
            total_amount: stars,
            payload: payload.to_owned(),
            telegram_charge_id: charge.to_owned(),
            provider_charge_id: String::new(),
        },
    }
}

#[test]
fn a_payment_that_cannot_be_recorded_is_not_credited_and_is_credited_once_when_delivered_again() {
    let mut h = Harness::new();
    let flaky = std::sync::Arc::new(FlakyPayments { inner: h.store.clone(), down: true.into() });
    h.bot.payments.payments = flaky.clone();
    h.command(U, "en", "start");
    let payload = aisha_domain::payments::InvoicePayload::for_package(
        &aisha_domain::payments::default_packages()[0],
        aisha_domain::TelegramUserId::new(U).unwrap(),
    )
    .encode();
    let failed = block(h.bot.handle_payment(paid_update(&h, U, 50, &payload, "charge-down")));
    let not_credited = failed.expect_err("the store is down: the transport must not confirm it");
    assert_eq!((not_credited.charge_id.as_str(), not_credited.stars), ("charge-down", 50));
    assert!(not_credited.transient, "an unavailable store is worth a redelivery");
    assert_eq!(h.balance(U), 0, "nothing credited, nothing half-written");
    flaky.down.store(false, std::sync::atomic::Ordering::SeqCst);
    let again = block(h.bot.handle_payment(paid_update(&h, U, 50, &payload, "charge-down"))).unwrap();
    assert!(all_text(&again).contains("Payment received: +100 coins. Balance: 100 coins."), "{}", all_text(&again));
    let third = block(h.bot.handle_payment(paid_update(&h, U, 50, &payload, "charge-down"))).unwrap();
    assert!(third.is_empty(), "a repeat is a no-op without a second receipt");
    assert_eq!(h.balance(U), 100);
    h.assert_invariants();
}

#[test]
fn a_payment_from_someone_never_registered_is_credited_before_anything_else() {
    let h = Harness::new();
    let payer = 4242;
    let payload = aisha_domain::payments::InvoicePayload::for_package(
        &aisha_domain::payments::default_packages()[0],
        aisha_domain::TelegramUserId::new(payer).unwrap(),
    )
    .encode();
    let out = block(h.bot.handle_payment(paid_update(&h, payer, 50, &payload, "charge-first"))).unwrap();
    assert!(all_text(&out).contains("Payment received: +100 coins"), "{}", all_text(&out));
    assert_eq!(h.balance(payer), 100);
    h.assert_invariants();
}

fn create_promo(h: &Harness, code: &str, coins: i64) {
    let now = aisha_domain::Clock::now(&*h.clock);
    block(aisha_domain::ports::Promos::create_promo(
        &*h.store,
        &aisha_domain::payments::Promo {
            code: aisha_domain::PromoCode::parse(code).unwrap(),
            coins: aisha_domain::Coins::new(coins).unwrap(),
            max_uses: None,
            per_user: 1,
            valid_from: None,
            valid_until: None,
            active: true,
            uses: 0,
            created_at: now,
        },
    ))
    .unwrap();
}

#[test]
fn free_text_outside_a_dialogue_starts_an_order_that_runs() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    let out = h.text(U, "ru", "маяк на рассвете, акварель");
    assert!(all_text(&out).contains("Выберите формат"), "{}", all_text(&out));
    h.press(U, "ru", Cb::Aspect(AspectRatio::Square), 11);
    h.press(U, "ru", Cb::Count(1), 11);
    let confirm = h.press(U, "ru", Cb::Model(ModelKey::parse("nano-banana-2").unwrap()), 11);
    assert!(all_text(&confirm).contains("маяк на рассвете, акварель"), "{}", all_text(&confirm));
    let Some(Cb::Confirm(job)) = find(&confirm, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm") };
    h.press(U, "ru", Cb::Confirm(job), 11);
    assert_eq!(h.balance(U), 89);
    h.work();
    let request = h.generator.requests()[0].clone();
    h.generator.finish(&request, Ok(ScriptedGenerator::images(1024, 1024, 1, 0)));
    let delivered = h.work();
    assert!(all_text(&delivered).contains("Готово: 1 из 1"), "{}", all_text(&delivered));
    let jobs = h.store.snapshot().jobs;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].status, JobStatus::Succeeded);
    assert!(
        matches!(&jobs[0].spec, aisha_domain::generation::JobSpec::Text { prompt, .. } if prompt.as_str() == "маяк на рассвете, акварель")
    );
    h.assert_invariants();
}

#[test]
fn free_text_in_quick_mode_goes_straight_to_the_confirmation() {
    let h = Harness::new();
    h.command(U, "en", "start");
    h.fund(U, 100);
    h.press(U, "en", Cb::Quick(true), 3);
    let out = h.text(U, "en", "a red bicycle by the sea");
    let text = all_text(&out);
    assert!(text.contains("Check your order") && text.contains("a red bicycle by the sea"), "{text}");
    let Some(Cb::Confirm(job)) = find(&out, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm:\n{text}") };
    h.press(U, "en", Cb::Confirm(job), 11);
    assert_eq!(h.store.snapshot().jobs.len(), 1);
}

#[test]
fn free_text_too_short_or_too_long_is_explained_like_a_prompt() {
    let h = Harness::new();
    h.command(U, "en", "start");
    let short = h.text(U, "en", "hi");
    assert!(all_text(&short).contains("at least 3"), "{}", all_text(&short));
    assert!(find(&short, |c| *c == Cb::Cancel).is_some());
    let long = h.text(U, "en", &"x".repeat(2001));
    assert!(all_text(&long).contains("2001 characters, the limit is 2000"), "{}", all_text(&long));
    let cancelled = h.press(U, "en", Cb::Cancel, 5);
    assert!(all_text(&cancelled).contains("Cancelled"), "{}", all_text(&cancelled));
}

#[test]
fn a_refused_promo_code_keeps_cancel_and_the_next_message_is_handled_normally() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    create_promo(&h, "WELCOME", 50);
    h.press(U, "ru", Cb::Promo, 3);
    let refused = h.text(U, "ru", "NOPE");
    assert!(all_text(&refused).contains("Такого промокода нет"), "{}", all_text(&refused));
    assert!(all_text(&refused).contains("Отправьте другой промокод"), "{}", all_text(&refused));
    assert_eq!(buttons(&refused).len(), 1, "only the way out");
    assert!(find(&refused, |c| *c == Cb::Cancel).is_some());
    // a description is not another code
    let next = h.text(U, "ru", "рыжий кот в очках читает книгу");
    assert!(all_text(&next).contains("Выберите формат"), "{}", all_text(&next));
    h.command(U, "ru", "cancel");

    // a code-shaped word after pressing something else is not a code either
    h.press(U, "ru", Cb::Promo, 3);
    h.text(U, "ru", "NOPE");
    h.press(U, "ru", Cb::TopUp, 3);
    let next = h.text(U, "ru", "котики");
    assert!(all_text(&next).contains("Выберите формат"), "{}", all_text(&next));
    h.command(U, "ru", "cancel");

    // without leaving, another code is tried
    h.press(U, "ru", Cb::Promo, 3);
    h.text(U, "ru", "NOPE");
    let ok = h.text(U, "ru", "welcome");
    assert!(all_text(&ok).contains("Промокод принят: +50"), "{}", all_text(&ok));
    assert_eq!(h.balance(U), 150);
}

#[test]
fn a_command_or_menu_button_during_a_dialogue_leaves_it() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    create_promo(&h, "BALANCE", 50);
    h.press(U, "ru", Cb::Promo, 3);
    let balance = h.command(U, "ru", "balance");
    assert!(all_text(&balance).contains("Баланс: 0 монет"), "{}", all_text(&balance));
    let next = h.text(U, "ru", "balance");
    assert!(!all_text(&next).contains("Промокод"), "the promo question was left: {}", all_text(&next));
    assert_eq!(h.balance(U), 0);
    h.command(U, "ru", "cancel");

    // a command at a Create step
    h.text(U, "ru", "маяк на рассвете");
    let gallery = h.command(U, "ru", "gallery");
    assert!(all_text(&gallery).contains("В галерее пока пусто"), "{}", all_text(&gallery));
    let nothing = h.command(U, "ru", "cancel");
    assert!(all_text(&nothing).contains("Отменять нечего"), "{}", all_text(&nothing));

    // a main-menu button typed as text in the avatar name question
    h.press(U, "ru", Cb::AvatarNew, 4);
    let help = h.text(U, "ru", "❓ Помощь");
    assert!(all_text(&help).contains("Помощь"), "{}", all_text(&help));
    assert!(all_text(&h.command(U, "ru", "cancel")).contains("Отменять нечего"));

    // a main-menu button pressed during the date question
    h.press(U, "ru", Cb::FilterDate(aisha_bot::callback::DatePick::Custom), 5);
    h.press(U, "ru", Cb::Menu, 5);
    assert!(all_text(&h.command(U, "ru", "cancel")).contains("Отменять нечего"));
}

#[test]
fn text_during_a_choice_names_the_button_or_replaces_the_description() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    h.text(U, "ru", "маяк на рассвете");
    let hint = h.text(U, "ru", "ok");
    assert!(all_text(&hint).contains("Выберите формат кнопкой"), "{}", all_text(&hint));
    assert!(find(&hint, |c| matches!(c, Cb::Aspect(_))).is_some(), "the buttons come with it");
    let replaced = h.text(U, "ru", "маяк в шторм");
    assert!(all_text(&replaced).contains("Заменила описание"), "{}", all_text(&replaced));
    assert!(find(&replaced, |c| matches!(c, Cb::Aspect(_))).is_some(), "the step stays");
    h.press(U, "ru", Cb::Aspect(AspectRatio::Square), 11);
    let hint = h.text(U, "ru", "2");
    assert!(all_text(&hint).contains("Выберите количество кнопкой"), "{}", all_text(&hint));
    h.press(U, "ru", Cb::Count(1), 11);
    let hint = h.text(U, "ru", "?");
    assert!(all_text(&hint).contains("Выберите модель кнопкой"), "{}", all_text(&hint));
    let confirm = h.press(U, "ru", Cb::Model(ModelKey::parse("flux-2").unwrap()), 11);
    let Some(Cb::Confirm(old)) = find(&confirm, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm") };
    assert!(all_text(&h.text(U, "ru", "да")).contains("нажмите «Создать»"));
    let again = h.text(U, "ru", "маяк в тумане");
    let text = all_text(&again);
    assert!(text.contains("Заменила описание") && text.contains("маяк в тумане"), "{text}");
    let Some(Cb::Confirm(new)) = find(&again, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm") };
    assert_ne!(old, new, "the old confirmation showed the old description");
    h.press(U, "ru", Cb::Confirm(old), 11);
    assert!(h.store.snapshot().jobs.is_empty(), "the old button starts nothing");
    h.press(U, "ru", Cb::Confirm(new), 11);
    let jobs = h.store.snapshot().jobs;
    assert!(
        matches!(&jobs[0].spec, aisha_domain::generation::JobSpec::Text { prompt, .. } if prompt.as_str() == "маяк в тумане")
    );

    // the gender question
    h.press(U, "ru", Cb::AvatarNew, 4);
    h.text(U, "ru", "Аня");
    let hint = h.text(U, "ru", "женщина");
    assert!(all_text(&hint).contains("Выберите кнопкой под сообщением, кто на фото"), "{}", all_text(&hint));
    assert!(find(&hint, |c| matches!(c, Cb::Gender(_))).is_some());
}

/// Buys the first package through the invoice, the pre-checkout and the payment; the receipt.
fn buy(h: &Harness, tg: i64, lang: &str, charge: &str) -> Vec<aisha_bot::io::Outgoing> {
    let out = h.press(tg, lang, Cb::Buy(0), 3);
    let Some(Reply::Invoice { payload, stars, .. }) =
        out.iter().map(|o| o.reply.clone()).find(|r| matches!(r, Reply::Invoice { .. }))
    else {
        panic!("no invoice")
    };
    let pre = h.send(
        tg,
        lang,
        Event::PreCheckout {
            query_id: "pc".into(),
            currency: "XTR".into(),
            total_amount: stars,
            payload: payload.clone(),
        },
    );
    assert!(matches!(pre[0].reply, Reply::AnswerPreCheckout { ok: true, .. }));
    h.send(
        tg,
        lang,
        Event::Payment {
            chat: aisha_bot::io::ChatId(tg),
            currency: "XTR".into(),
            total_amount: stars,
            payload,
            telegram_charge_id: charge.into(),
            provider_charge_id: String::new(),
        },
    )
}

#[test]
fn create_says_the_cheapest_price_and_the_balance_up_front() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    let ask = h.press(U, "ru", Cb::Create, 10);
    assert!(all_text(&ask).contains("Цена: от 3 монет за изображение · на балансе 0 монет"), "{}", all_text(&ask));
    h.fund(U, 21);
    let aspect = h.text(U, "ru", "маяк на рассвете");
    assert!(all_text(&aspect).contains("от 3 монет за изображение · на балансе 21 монета"), "{}", all_text(&aspect));
    let en = h.press(U, "en", Cb::Language(aisha_domain::Language::En), 3);
    assert!(!all_text(&en).is_empty());
    let ask = h.press(U, "en", Cb::Create, 10);
    assert!(all_text(&ask).contains("Price: from 3 coins per image · your balance is 21 coins"), "{}", all_text(&ask));
}

#[test]
fn with_too_few_coins_the_order_is_kept_through_a_top_up_and_continued() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    assert_eq!(h.balance(U), 0);
    h.text(U, "ru", "маяк на рассвете");
    h.press(U, "ru", Cb::Aspect(AspectRatio::Landscape16x9), 11);
    h.press(U, "ru", Cb::Count(2), 11);
    let short = h.press(U, "ru", Cb::Model(ModelKey::parse("nano-banana-2").unwrap()), 11);
    let text = all_text(&short);
    assert!(text.contains("это стоит 22 монеты, а на балансе 0 монет") && text.contains("сохранила заказ"), "{text}");
    assert!(find(&short, |c| *c == Cb::TopUp).is_some());
    assert!(find(&short, |c| matches!(c, Cb::Confirm(_))).is_none());
    assert!(h.store.snapshot().jobs.is_empty());

    // wandering off through the menu does not lose it
    h.press(U, "ru", Cb::TopUp, 11);
    h.press(U, "ru", Cb::Menu, 11);
    let receipt = buy(&h, U, "ru", "charge-kept");
    assert!(all_text(&receipt).contains("Оплата прошла: +100 монет. Баланс: 100 монет"), "{}", all_text(&receipt));
    let (label, data) = buttons(&receipt).into_iter().next().expect("buttons on the receipt");
    assert_eq!((label.as_str(), Cb::decode(&data)), ("▶️ Продолжить заказ", Some(Cb::Resume)));

    let resumed = h.press(U, "ru", Cb::Resume, 12);
    let text = all_text(&resumed);
    assert!(
        text.contains("маяк на рассвете")
            && text.contains("Формат: 16:9 · Количество: 2 · Модель: Nano Banana 2")
            && text.contains("Цена: <b>22 монеты</b>")
            && text.contains("Баланс после оплаты: 78 монет"),
        "{text}"
    );
    let Some(Cb::Confirm(job)) = find(&resumed, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm:\n{text}") };
    let started = h.press(U, "ru", Cb::Confirm(job), 13);
    assert!(all_text(&started).contains("⏳"), "{}", all_text(&started));
    assert_eq!(h.balance(U), 78, "charged once, the kept draft's price");
    let jobs = h.store.snapshot().jobs;
    assert_eq!(jobs.len(), 1);
    match &jobs[0].spec {
        aisha_domain::generation::JobSpec::Text { prompt, aspect, count, model } => {
            assert_eq!(prompt.as_str(), "маяк на рассвете");
            assert_eq!((*aspect, count.get(), model.as_str()), (AspectRatio::Landscape16x9, 2, "nano-banana-2"));
        }
        other => panic!("unexpected {other:?}"),
    }
    h.work();
    assert_eq!(h.generator.requests().len(), 1, "the job was submitted");

    // the order is gone once started: the next receipt offers nothing to continue
    let again = buy(&h, U, "ru", "charge-after");
    assert!(find(&again, |c| *c == Cb::Resume).is_none());
    let stale = h.press(U, "ru", Cb::Resume, 12);
    assert!(all_text(&stale).contains("устарела"), "{}", all_text(&stale));
    h.assert_invariants();
}

#[test]
fn cancelling_a_kept_order_forgets_it() {
    let h = Harness::new();
    h.command(U, "en", "start");
    h.press(U, "en", Cb::Quick(true), 3);
    let short = h.text(U, "en", "a red bicycle by the sea");
    assert!(all_text(&short).contains("I've kept your order"), "{}", all_text(&short));
    h.press(U, "en", Cb::Cancel, 11);
    let receipt = buy(&h, U, "en", "charge-1");
    assert!(find(&receipt, |c| *c == Cb::Resume).is_none(), "{}", harness::render(&receipt));
}

#[test]
fn the_first_image_gift_is_credited_once_per_telegram_id_and_said_in_the_welcome() {
    let h = Harness::with_gift(3);
    let hello = h.command(U, "ru", "start");
    assert!(all_text(&hello).contains("Мой подарок: 3 монеты — хватит на первое изображение"), "{}", all_text(&hello));
    assert_eq!(h.balance(U), 3);
    let again = h.command(U, "ru", "start");
    assert!(!all_text(&again).contains("подарок"), "{}", all_text(&again));
    // a changed profile (another name, language) is the same Telegram id
    let renamed = h.send(
        U,
        "en",
        Event::Command {
            chat: aisha_bot::io::ChatId(U),
            message: MessageId(2),
            name: "start".into(),
            args: String::new(),
        },
    );
    assert!(!all_text(&renamed).contains("gift"), "{}", all_text(&renamed));
    assert_eq!(h.balance(U), 3, "credited once");
    let history = h.press(U, "ru", Cb::Balance, 3);
    assert!(all_text(&history).contains("+3 приветственный подарок"), "{}", all_text(&history));

    // the gift buys the first image
    let quick = h.press(U, "ru", Cb::Quick(true), 3);
    assert!(!all_text(&quick).is_empty());
    let mut settings = h.user(U).settings;
    settings.defaults.model = ModelKey::parse("flux-2").unwrap();
    settings.defaults.count = aisha_domain::ImageCount::new(1).unwrap();
    assert!(block(aisha_domain::ports::Users::update_settings(&*h.store, h.user(U).id, settings)).unwrap());
    let confirm = h.text(U, "ru", "маяк на рассвете");
    let Some(Cb::Confirm(job)) = find(&confirm, |c| matches!(c, Cb::Confirm(_))) else {
        panic!("no confirm:\n{}", all_text(&confirm))
    };
    h.press(U, "ru", Cb::Confirm(job), 11);
    assert_eq!(h.balance(U), 0);
    h.assert_invariants();

    // a gift below the cheapest image says so differently
    let small = Harness::with_gift(1);
    let hello = small.command(U, "en", "start");
    assert!(all_text(&hello).contains("A gift from me: 1 coin to start with."), "{}", all_text(&hello));
}

/// A session store that is unreachable (Redis down).
struct DownSessions;

#[async_trait::async_trait]
impl aisha_domain::ports::SessionStore for DownSessions {
    async fn get(
        &self,
        _: &aisha_domain::session::SessionKey,
    ) -> Result<Option<String>, aisha_domain::ports::StoreError> {
        Err(aisha_domain::ports::StoreError::Unavailable("sessions down".into()))
    }
    async fn put(
        &self,
        _: &aisha_domain::session::SessionKey,
        _: String,
        _: std::time::Duration,
    ) -> Result<(), aisha_domain::ports::StoreError> {
        Err(aisha_domain::ports::StoreError::Unavailable("sessions down".into()))
    }
    async fn delete(&self, _: &aisha_domain::session::SessionKey) -> Result<(), aisha_domain::ports::StoreError> {
        Err(aisha_domain::ports::StoreError::Unavailable("sessions down".into()))
    }
    async fn put_claimed(
        &self,
        _: &aisha_domain::coordination::UpdateClaim,
        _: &aisha_domain::session::SessionKey,
        _: String,
        _: std::time::Duration,
    ) -> Result<bool, aisha_domain::ports::StoreError> {
        Err(aisha_domain::ports::StoreError::Unavailable("sessions down".into()))
    }
}

#[test]
fn leaving_a_dialogue_never_stops_a_command_or_menu_button_when_sessions_are_down() {
    let mut h = Harness::new();
    h.command(U, "en", "start");
    h.bot.sessions = std::sync::Arc::new(DownSessions);
    assert!(all_text(&h.command(U, "en", "help")).contains("Help"));
    assert!(all_text(&h.command(U, "en", "balance")).contains("Balance: 0 coins"));
    assert!(all_text(&h.press(U, "en", Cb::Help, 3)).contains("Help"));
    assert!(all_text(&h.press(U, "en", Cb::TopUp, 3)).contains("Choose a package"));
}

#[test]
fn originals_arrive_as_documents_of_the_stored_images_and_only_to_their_owner() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    let job = start_job(&h, "маяк на рассвете", AspectRatio::Landscape16x9, 2);
    h.work();
    let request = h.generator.requests()[0].clone();
    h.generator.finish(&request, Ok(ScriptedGenerator::images(1408, 768, 2, 0)));
    let delivered = h.work();
    assert!(all_text(&delivered).contains("💰 На балансе 78 монет."), "{}", harness::render(&delivered));
    let album: Vec<_> = delivered
        .iter()
        .find_map(|o| match &o.reply {
            Reply::SendAlbum { photos, .. } => Some(photos.clone()),
            _ => None,
        })
        .expect("an album");
    let stored: Vec<_> = album
        .iter()
        .map(|(m, _)| match m {
            Media::Stored { key, .. } => key.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(find(&delivered, |c| matches!(c, Cb::Originals(_))), Some(Cb::Originals(job)));

    let documents = |out: &[aisha_bot::io::Outgoing]| -> Vec<(aisha_domain::storage::StorageKey, String, String)> {
        out.iter()
            .filter_map(|o| match &o.reply {
                Reply::SendDocument { document: Media::Stored { key, .. }, file_name, caption, .. } => {
                    Some((key.clone(), file_name.clone(), caption.clone().unwrap_or_default()))
                }
                _ => None,
            })
            .collect()
    };
    let sent = documents(&h.press(U, "ru", Cb::Originals(job), 12));
    assert_eq!(sent.iter().map(|(k, _, _)| k.clone()).collect::<Vec<_>>(), stored, "every image, in order");
    for (_, name, caption) in &sent {
        assert!(name.starts_with("aisha-") && name.ends_with(".png"), "{name}");
        assert!(caption.starts_with("📄 Оригинал без сжатия: 1408×768, "), "{caption}");
    }

    // another user pressing the same (forged) button gets nothing of it
    let other = h.press(U + 1, "ru", Cb::Originals(job), 5);
    assert!(documents(&other).is_empty(), "{}", harness::render(&other));

    // the gallery card offers the original of the image it shows
    let card = h.press(U, "ru", Cb::Gallery, 13);
    let Some(Cb::Original(shown)) = find(&card, |c| matches!(c, Cb::Original(_))) else {
        panic!("no original button on the card:\n{}", harness::render(&card))
    };
    let one = documents(&h.press(U, "ru", Cb::Original(shown), 14));
    assert_eq!(one.len(), 1);
    assert!(stored.contains(&one[0].0));
    assert!(documents(&h.press(U + 1, "ru", Cb::Original(shown), 6)).is_empty());
    h.assert_invariants();
}

#[test]
fn while_images_are_made_the_chat_shows_it_and_the_status_says_they_are_on_their_way() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    start_job(&h, "маяк на рассвете", AspectRatio::Square, 1);
    h.work();
    let request = h.generator.requests()[0].clone();
    h.generator.set_running(&request);
    h.work();
    // the pulse (every few seconds in the app): only the indicator, no edit of the status
    assert_eq!(block(h.runner.pulse()).unwrap(), 1);
    let pulsed: Vec<_> = h
        .notifier
        .take()
        .into_iter()
        .flat_map(|(owner, notice)| block(h.bot.render_notice(owner, notice)).unwrap())
        .collect();
    assert!(
        matches!(&pulsed[..], [o] if matches!(o.reply, Reply::Action { action: aisha_bot::io::ChatAction::UploadPhoto, .. })),
        "{}",
        harness::render(&pulsed)
    );
    h.generator.finish(&request, Ok(ScriptedGenerator::images(1024, 1024, 1, 0)));
    let delivered = h.work();
    let first_edit = delivered.iter().find_map(|o| match &o.reply {
        Reply::EditText { message: MessageId(11), text, .. } => Some(text.clone()),
        _ => None,
    });
    assert_eq!(first_edit.as_deref(), Some("📤 Изображения готовы, отправляю…"), "{}", harness::render(&delivered));
    assert!(all_text(&delivered).contains("Готово: 1 из 1"));
}

#[test]
fn the_gallery_grid_pages_through_albums_of_ten_and_a_number_opens_the_card() {
    let h = Harness::new();
    h.fund_after_start(U);
    let empty = h.command(U, "ru", "gallery grid");
    assert!(all_text(&empty).contains("В галерее пока пусто"), "{}", all_text(&empty));
    let now = aisha_domain::Clock::now(&*h.clock);
    let user = h.user(U);
    let images: Vec<_> = (0..23)
        .map(|i| aisha_contract::fixtures::image(user.id, None, ImageKind::Text, now - chrono::Duration::minutes(i)))
        .collect();
    block(aisha_contract::gallery::insert(aisha_contract::Stores::of(&*h.store), &user, &images, now));
    let page = |out: &[aisha_bot::io::Outgoing]| -> (Vec<Numbered>, String) {
        let album = out
            .iter()
            .find_map(|o| match &o.reply {
                Reply::SendAlbum { photos, .. } => {
                    Some(photos.iter().map(|(m, c)| (media_image(m), c.clone())).collect())
                }
                Reply::SendPhoto { photo, caption, .. } => Some(vec![(media_image(photo), caption.clone())]),
                _ => None,
            })
            .unwrap_or_default();
        (album, all_text(out))
    };

    let first = h.command(U, "ru", "gallery grid");
    let (album, text) = page(&first);
    assert_eq!(album.len(), 10);
    assert_eq!(album[0], (Some(images[0].id), Some("1".into())), "newest first, numbered");
    assert!(text.contains("🗂 Изображения 1–10 из 23."), "{text}");
    assert_eq!(find(&first, |c| matches!(c, Cb::GridNewer(_))), None, "no newer page before the first");
    let Some(Cb::GridOlder(after)) = find(&first, |c| matches!(c, Cb::GridOlder(_))) else { panic!("no next page") };
    assert_eq!(after, images[9].id);

    let second = h.press(U, "ru", Cb::GridOlder(after), 20);
    let (album, text) = page(&second);
    assert_eq!(
        album.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        images[10..20].iter().map(|i| Some(i.id)).collect::<Vec<_>>()
    );
    assert!(text.contains("11–20 из 23"), "{text}");
    let third = h.press(U, "ru", Cb::GridOlder(images[19].id), 21);
    let (album, text) = page(&third);
    assert_eq!(album.len(), 3);
    assert!(text.contains("21–23 из 23"), "{text}");
    assert_eq!(find(&third, |c| matches!(c, Cb::GridOlder(_))), None, "no page after the last");
    let back = h.press(U, "ru", Cb::GridNewer(images[20].id), 22);
    assert!(page(&back).1.contains("11–20 из 23"), "{}", page(&back).1);

    // a number opens that image's card, at its place in the gallery
    assert!(buttons(&third).iter().any(|(label, _)| label == "22"));
    let card = h.press(U, "ru", Cb::Open(images[21].id), 22);
    assert!(all_text(&card).contains("22 / 23"), "{}", all_text(&card));

    // someone else's image id is no way into their gallery: the grid starts from the newest
    let stranger = U + 5;
    h.command(stranger, "ru", "start");
    let forged = h.press(stranger, "ru", Cb::GridOlder(images[0].id), 3);
    assert!(all_text(&forged).contains("В галерее пока пусто"), "{}", all_text(&forged));
}

/// An album item: the image it shows and its number.
type Numbered = (Option<aisha_domain::ImageId>, Option<String>);

fn media_image(m: &Media) -> Option<aisha_domain::ImageId> {
    match m {
        Media::Stored { image, .. } => *image,
        Media::FileId(_) | Media::Url(_) => None,
    }
}

#[test]
fn a_refused_period_says_why_in_the_users_language() {
    let h = Harness::new();
    h.fund_after_start(U);
    for (typed, why) in [
        ("32.13.2026-01.01.2027", "такой даты нет, или она записана иначе."),
        ("21.11.2026-01.11.2026", "конец раньше начала."),
        ("01.01.2025-05.02.2026", "в нём 401 день, а можно не больше 366."),
        ("01.01.2025-06.02.2026", "в нём 402 дня, а можно не больше 366."),
    ] {
        h.press(U, "ru", Cb::FilterDate(aisha_bot::callback::DatePick::Custom), 21);
        let text = all_text(&h.text(U, "ru", typed));
        assert!(text.contains(&format!("Не получилось разобрать период: {why}")), "{typed}: {text}");
        assert!(!text.contains("range") && !text.contains("date"), "no English in a Russian screen: {text}");
    }
}

#[test]
fn every_command_in_the_menu_is_answered_and_named_in_the_help() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    let help = all_text(&h.command(U, "ru", "help"));
    for command in aisha_bot::COMMANDS {
        assert!(help.contains(&format!("/{command}")), "the help names /{command}");
        let out = h.command(U, "ru", command);
        assert!(!out.is_empty(), "/{command} is answered");
        assert!(!all_text(&out).contains("Такой команды я не знаю"), "/{command} is a known command");
    }
    for language in [aisha_domain::Language::Ru, aisha_domain::Language::En] {
        let menu = aisha_bot::Bot::command_menu(language);
        assert_eq!(menu.len(), aisha_bot::COMMANDS.len(), "a description for every command");
        assert!(menu.iter().all(|(c, d)| !c.is_empty() && (3..=256).contains(&d.chars().count())));
    }
}

#[test]
fn improve_shows_a_rewrite_to_take_or_leave_and_the_order_survives_its_failures() {
    use aisha_domain::assistant::{AssistantError, AssistantErrorKind};
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    let draft_to_confirm = |prompt: &str| {
        h.press(U, "ru", Cb::Create, 10);
        h.text(U, "ru", prompt);
        h.press(U, "ru", Cb::Aspect(AspectRatio::Square), 11);
        h.press(U, "ru", Cb::Count(1), 11);
        h.press(U, "ru", Cb::Model(ModelKey::parse("nano-banana-2").unwrap()), 11)
    };
    let confirm = draft_to_confirm("маяк");
    assert!(find(&confirm, |c| *c == Cb::Improve).is_some(), "{}", harness::render(&confirm));

    h.assistant.answer_next(Ok("Prompt: «маяк на скале в шторм, акварель, мягкий свет»".into()));
    let offered = h.press(U, "ru", Cb::Improve, 11);
    let text = all_text(&offered);
    assert!(text.contains("<i>маяк на скале в шторм, акварель, мягкий свет</i>"), "{text}");
    assert!(text.contains("Ваше: <i>маяк</i>"), "{text}");
    // keep mine: the confirmation as it was
    let kept = h.press(U, "ru", Cb::ImproveKeep, 11);
    assert!(all_text(&kept).contains("маяк") && !all_text(&kept).contains("шторм"), "{}", all_text(&kept));

    // take it: the job runs with the rewrite
    h.assistant.answer_next(Ok("маяк на скале в шторм".into()));
    h.press(U, "ru", Cb::Improve, 11);
    let taken = h.press(U, "ru", Cb::ImproveTake, 11);
    let Some(Cb::Confirm(job)) = find(&taken, |c| matches!(c, Cb::Confirm(_))) else {
        panic!("{}", harness::render(&taken))
    };
    h.press(U, "ru", Cb::Confirm(job), 11);
    h.work();
    let request = h.generator.requests()[0].clone();
    match h.generator.request(&request).unwrap().request {
        aisha_domain::ports::ProviderRequest::Text { prompt, .. } => {
            assert_eq!(prompt.as_str(), "маяк на скале в шторм")
        }
        other => panic!("{other:?}"),
    }

    // the assistant down: the order stays, with a line saying so
    draft_to_confirm("сад камней");
    h.assistant.answer_next(Err(AssistantError::new(AssistantErrorKind::Unavailable, "503")));
    let down = h.press(U, "ru", Cb::Improve, 11);
    let text = all_text(&down);
    assert!(text.contains("Сейчас не получается улучшить описание — оставляю ваше."), "{text}");
    assert!(find(&down, |c| matches!(c, Cb::Confirm(_))).is_some(), "the order can still be confirmed");
    // three a day: the fourth is refused before the model is asked
    let asked = h.assistant.asked().len();
    let limited = h.press(U, "ru", Cb::Improve, 11);
    assert!(all_text(&limited).contains("На сегодня улучшения закончились"), "{}", all_text(&limited));
    assert_eq!(h.assistant.asked().len(), asked);
}

/// The replies sent to one chat.
fn to_chat(out: &[aisha_bot::io::Outgoing], chat: i64) -> Vec<aisha_bot::io::Outgoing> {
    out.iter().filter(|o| matches!(&o.reply, Reply::SendText { chat: c, .. } if c.0 == chat)).cloned().collect()
}

#[test]
fn paysupport_lists_the_recent_payments_with_their_charge_ids_and_a_way_back() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    buy(&h, U, "ru", "charge-old");
    h.clock.advance(chrono::Duration::days(3));
    buy(&h, U, "ru", "charge-new");
    let out = h.command(U, "ru", "paysupport");
    let text = all_text(&out);
    assert!(text.contains("charge-new") && text.contains("charge-old"), "{text}");
    assert!(text.find("charge-new") < text.find("charge-old"), "newest first:\n{text}");
    assert!(text.contains("50 ⭐ → 100 монет"), "stars and coins of each:\n{text}");
    assert!(!text.contains("в ответ на это сообщение"), "no longer asks for a reply:\n{text}");
    assert!(find(&out, |c| matches!(c, Cb::Menu)).is_some(), "a way back to the menu");
    // the list is the user's own
    let other = h.command(2002, "ru", "paysupport");
    assert!(!all_text(&other).contains("charge-"), "{}", all_text(&other));
}

#[test]
fn without_a_support_contact_the_next_message_goes_to_the_operators_and_is_not_an_order() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    buy(&h, U, "ru", "charge-1");
    h.command(U, "ru", "paysupport");
    let out = h.text(U, "ru", "Оплатил 50 звёзд, а монеты <не> пришли");
    let operator = to_chat(&out, 999);
    assert_eq!(operator.len(), 1, "one message to the one operator:\n{}", harness::render(&out));
    let note = all_text(&operator);
    assert!(note.contains("Оплатил 50 звёзд, а монеты &lt;не&gt; пришли"), "the question, escaped:\n{note}");
    assert!(
        note.contains(&format!("<code>{U}</code>")) && note.contains("charge-1"),
        "who and what they paid:\n{note}"
    );
    let user = all_text(&to_chat(&out, U));
    assert!(user.contains("Передала ваше сообщение в поддержку"), "{user}");
    assert!(find(&out, |c| matches!(c, Cb::Aspect(_))).is_none(), "not taken for a description");
    assert!(!user.contains("Выберите действие в меню или отправьте /help"), "not unknown text either");
    // asked once: the next message is an ordinary description again
    let next = h.text(U, "ru", "рыжий кот в очках");
    assert!(all_text(&next).contains("Выберите формат"), "{}", all_text(&next));
    assert!(to_chat(&next, 999).is_empty());
}

#[test]
fn the_support_question_can_be_cancelled_or_left_by_a_command() {
    let h = Harness::new();
    h.command(U, "en", "start");
    h.command(U, "en", "paysupport");
    let cancelled = h.press(U, "en", Cb::Cancel, 5);
    assert!(all_text(&cancelled).contains("Cancelled: a payment question"), "{}", all_text(&cancelled));
    h.command(U, "en", "paysupport");
    h.command(U, "en", "balance");
    let out = h.text(U, "en", "a red bicycle by the sea");
    assert!(to_chat(&out, 999).is_empty(), "a command left the question");
    h.command(U, "en", "cancel");
    h.command(U, "en", "paysupport");
    h.press(U, "en", Cb::TopUp, 6);
    let out = h.text(U, "en", "a red bicycle by the sea");
    assert!(to_chat(&out, 999).is_empty(), "another button left the question");
}

#[test]
fn with_a_support_contact_paysupport_names_it_and_asks_nothing_in_the_chat() {
    let mut h = Harness::new();
    h.bot.config.support_contact = Some("@aisha_help".into());
    h.command(U, "en", "start");
    h.fund(U, 100);
    let out = h.command(U, "en", "paysupport");
    let text = all_text(&out);
    assert!(text.contains("Write to support: @aisha_help"), "{text}");
    let links: Vec<_> = out
        .iter()
        .filter_map(|o| match &o.reply {
            Reply::SendText { keyboard: Some(k), .. } => Some(k.clone()),
            _ => None,
        })
        .flatten()
        .flatten()
        .filter(|b| matches!(&b.action, aisha_bot::io::ButtonAction::Url(u) if u == "https://t.me/aisha_help"))
        .collect();
    assert_eq!(links.len(), 1, "a button that opens the contact");
    let next = h.text(U, "en", "a red bicycle by the sea");
    assert!(to_chat(&next, 999).is_empty(), "nothing goes to the operators");
    assert!(
        all_text(&next).contains("Choose the image format") || find(&next, |c| matches!(c, Cb::Aspect(_))).is_some()
    );
}

#[test]
fn an_operators_reason_stays_internal_and_only_their_note_is_shown() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    let user = h.user(U);
    block(h.bot.accounts.adjust(user.id, 25, "ticket #7: charged twice, see logs", None)).unwrap();
    block(h.bot.accounts.adjust(user.id, 10, "goodwill after outage", Some("Извините за сбой 5 декабря"))).unwrap();
    let balance = all_text(&h.press(U, "ru", Cb::Balance, 3));
    assert!(!balance.contains("ticket") && !balance.contains("goodwill"), "{balance}");
    assert!(balance.contains("+25 корректировка от поддержки"), "{balance}");
    assert!(balance.contains("+10 Извините за сбой 5 декабря"), "{balance}");
    h.press(U, "en", Cb::Language(aisha_domain::Language::En), 3);
    assert!(all_text(&h.press(U, "en", Cb::Balance, 3)).contains("+25 balance adjustment by support"));
}

#[test]
fn gallery_stats_list_each_avatar_under_the_avatar_photos_not_under_spent() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    let user = h.user(U);
    let now = aisha_domain::Clock::now(&*h.clock);
    let mut image = aisha_contract::fixtures::image(user.id, None, ImageKind::AvatarPhoto, now);
    image.avatar_name = Some("Аня".into());
    block(aisha_contract::gallery::insert(aisha_contract::Stores::of(&*h.store), &user, &[image], now));
    let text = all_text(&h.press(U, "ru", Cb::Stats, 3));
    let (avatars, line, spent) = (text.find("Фото со мной:"), text.find("• Аня: 1"), text.find("Потрачено"));
    assert!(avatars < line && line < spent, "{text}");
}

#[test]
fn a_screenshot_for_the_payment_question_asks_for_words_and_keeps_the_question() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.command(U, "ru", "paysupport");
    let file = h.files.add(aisha_domain::media::fixtures::png_header(800, 1000), Some("image/png"), None);
    let out = h.photo(U, "ru", file);
    assert!(all_text(&out).contains("В поддержку я могу передать только текст"), "{}", all_text(&out));
    assert!(h.files.fetched().is_empty(), "nothing downloaded");
    let question = h.text(U, "ru", "Списались звёзды дважды");
    assert_eq!(to_chat(&question, 999).len(), 1, "the question is still open");
}

#[test]
fn a_photo_at_the_description_step_becomes_a_description_the_user_can_replace() {
    use aisha_domain::assistant::{AssistantError, AssistantErrorKind, Task};
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 100);
    h.press(U, "ru", Cb::Create, 10);
    let photo = h.files.add(aisha_domain::media::fixtures::jpeg_header(1200, 900), Some("image/jpeg"), None);
    h.assistant.answer_next(Ok("a lighthouse on a cliff at dawn, watercolor".into()));
    let out = h.photo(U, "ru", photo.clone());
    let text = all_text(&out);
    assert!(text.contains("📷 Описание по фото (на английском — так модель понимает точнее):\n<i>a lighthouse on a cliff at dawn, watercolor</i>"), "{text}");
    assert!(find(&out, |c| matches!(c, Cb::Aspect(_))).is_some(), "the order goes on to the format: {text}");
    let asked = h.assistant.asked();
    assert_eq!(asked.last().map(|q| (q.task, q.photo.is_some())), Some((Task::PromptFromPhoto, true)));
    // a description typed at the next step replaces the one from the photo
    let replaced = h.text(U, "ru", "маяк на скале, гуашь");
    assert!(all_text(&replaced).contains("Заменила описание"), "{}", all_text(&replaced));

    // the assistant down: the question stays open, with a reason
    h.press(U, "ru", Cb::Create, 10);
    h.assistant.answer_next(Err(AssistantError::new(AssistantErrorKind::Unavailable, "503")));
    let down = all_text(&h.photo(U, "ru", photo));
    assert!(down.contains("Сейчас не получается") && down.contains("Напишите описание словами."), "{down}");
    let typed = h.text(U, "ru", "сад камней");
    assert!(find(&typed, |c| matches!(c, Cb::Aspect(_))).is_some(), "the typed description still works");
}

/// The spec FAL was asked for by the newest request.
fn last_text_request(h: &Harness) -> (String, AspectRatio, u8) {
    let request = h.generator.requests().last().expect("a request").clone();
    match h.generator.request(&request).map(|r| r.request) {
        Some(aisha_domain::ports::ProviderRequest::Text { prompt, aspect, count, .. }) => {
            (prompt.as_str().to_owned(), aspect, count)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn again_repeats_the_order_and_edit_prompt_keeps_its_settings() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    h.fund(U, 200);
    let first = start_job(&h, "маяк на рассвете", AspectRatio::Landscape16x9, 2);
    h.work();
    let request = h.generator.requests()[0].clone();
    h.generator.finish(&request, Ok(ScriptedGenerator::images(1408, 768, 2, 0)));
    let delivered = h.work();
    assert_eq!(find(&delivered, |c| matches!(c, Cb::Again(_))), Some(Cb::Again(first)));
    assert_eq!(find(&delivered, |c| matches!(c, Cb::EditPrompt(_))), Some(Cb::EditPrompt(first)));
    assert_eq!(h.balance(U), 178);

    // Again: the same order, confirmed once more, charged once, a new job
    let again = h.press(U, "ru", Cb::Again(first), 30);
    let text = all_text(&again);
    assert!(text.contains("маяк на рассвете") && text.contains("16:9"), "the same order to confirm: {text}");
    let Some(Cb::Confirm(second)) = find(&again, |c| matches!(c, Cb::Confirm(_))) else { panic!("{text}") };
    assert_ne!(second, first, "a new job");
    h.press(U, "ru", Cb::Confirm(second), 30);
    h.press(U, "ru", Cb::Confirm(second), 30);
    assert_eq!(h.balance(U), 156, "charged once for the repeat");
    h.work();
    assert_eq!(last_text_request(&h), ("маяк на рассвете".to_owned(), AspectRatio::Landscape16x9, 2));

    // Edit prompt: a new description with the old format, count and model, straight to the confirmation
    let ask = h.press(U, "ru", Cb::EditPrompt(first), 31);
    assert!(find(&ask, |c| *c == Cb::Cancel).is_some(), "a description is asked: {}", all_text(&ask));
    let confirm = h.text(U, "ru", "маяк в шторм");
    let Some(Cb::Confirm(third)) = find(&confirm, |c| matches!(c, Cb::Confirm(_))) else {
        panic!("no questions asked again: {}", harness::render(&confirm))
    };
    h.press(U, "ru", Cb::Confirm(third), 32);
    h.work();
    assert_eq!(last_text_request(&h), ("маяк в шторм".to_owned(), AspectRatio::Landscape16x9, 2));
    assert_eq!(h.balance(U), 134);
}
