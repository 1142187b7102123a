//! Snapshots of every screen in both languages, and a walk over every button the bot emits.

mod harness;

use aisha_bot::callback::Cb;
use aisha_bot::io::Outgoing;
use aisha_domain::avatar::{Gender, Lora};
use aisha_domain::gallery::ImageKind;
use aisha_domain::media::fixtures::{jpeg_header, png_header};
use aisha_domain::ports::ProviderOutput;
use aisha_domain::ports::{JobOrders, JobOutcomes, JobQueue};
use aisha_domain::style::StyleKey;
use aisha_domain::{AspectRatio, AvatarId, ModelKey};
use aisha_memory::ScriptedGenerator;
use harness::{Harness, block, buttons, render};
use std::collections::{BTreeSet, VecDeque};

const U: i64 = 4242;

/// A user with coins, three images (one favorite, one from an avatar) and some history.
fn seeded(lang: &str) -> Harness {
    let h = Harness::new();
    h.command(U, lang, "start");
    h.fund(U, 120);
    let user = h.user(U);
    let now = aisha_domain::Clock::now(&*h.clock);
    let mut images: Vec<_> = (0..3)
        .map(|i| aisha_contract::fixtures::image(user.id, None, ImageKind::Text, now - chrono::Duration::hours(i)))
        .collect();
    // fixed ids (the fixture's are random) so that the snapshots are the same on every run
    for (n, img) in (0u128..).zip(images.iter_mut()) {
        img.id = aisha_domain::ImageId(uuid::Uuid::from_u128(0x5eed_0000 + n));
        img.object.key = aisha_domain::storage::StorageKey::image(
            user.id,
            img.created_at,
            aisha_domain::JobId(img.id.0),
            0,
            aisha_domain::media::ImageFormat::Png,
        );
    }
    images[1].favorite = true;
    images[2].kind = ImageKind::AvatarPhoto;
    images[2].avatar_name = Some("Аня".into());
    seed_job(&h, &user, images, now);
    h
}

/// What `aisha_contract::gallery::insert` does (a credit, a charged job, its images), with
/// fixed ids: rows written at the same instant are ordered by id, and random ids made the
/// balance screen's order differ from run to run.
fn seed_job(h: &Harness, user: &aisha_domain::User, images: Vec<aisha_domain::gallery::ImageRecord>, now: Now) {
    use aisha_domain::generation::{InFlightLimit, JobLimits, ProviderRef};
    use aisha_domain::ledger::{LedgerReason, NewLedgerEntry};
    use aisha_domain::ports::{JobOutput, Ledger};
    use aisha_domain::{JobId, LedgerEntryId};
    let fixed = |n: u128| uuid::Uuid::from_u128(0x5eed_0000 + n);
    let spec = aisha_contract::fixtures::imagen(u8::try_from(images.len()).unwrap(), "flux-2");
    let mut new = aisha_contract::fixtures::new_job(user.id, spec, now);
    new.id = JobId(fixed(0x3000));
    new.debit_entry = LedgerEntryId(fixed(0x1000));
    let credit = NewLedgerEntry {
        id: LedgerEntryId(fixed(0x2000)),
        owner: user.id,
        amount: new.quote.total.get(),
        reason: LedgerReason::Admin { note: "test images".into(), user_note: None },
        idempotency_key: format!("test-images:{}", new.id),
        created_at: now,
    };
    block(h.store.apply(credit)).unwrap();
    let limits = JobLimits { in_flight: InFlightLimit(u32::MAX), ..JobLimits::default() };
    let mut job = block(h.store.create_charged(new, &limits)).unwrap().job;
    let provider = ProviderRef {
        request_id: "seed".into(),
        model: "seed".into(),
        status_url: None,
        response_url: None,
        cancel_url: None,
    };
    job.submitted(provider, None, now).unwrap();
    block(h.store.save(&job)).unwrap();
    block(h.store.succeed(job.id, JobOutput::Images(images), now)).unwrap();
}

type Now = chrono::DateTime<chrono::Utc>;

fn screens(lang: &str) -> Vec<(&'static str, Vec<Outgoing>)> {
    screens_in(&seeded(lang), lang)
}

// each step depends on the state the previous one left, so the list is built in order
#[allow(clippy::vec_init_then_push)]
fn screens_in(h: &Harness, lang: &str) -> Vec<(&'static str, Vec<Outgoing>)> {
    let mut s = Vec::new();
    s.push(("start", h.command(U, lang, "start")));
    s.push(("help", h.command(U, lang, "help")));
    s.push(("ask_prompt", h.press(U, lang, Cb::Create, 10)));
    s.push(("ask_aspect", h.text(U, lang, "a lighthouse at dawn")));
    s.push(("ask_count", h.press(U, lang, Cb::Aspect(AspectRatio::Portrait3x4), 11)));
    s.push(("ask_model", h.press(U, lang, Cb::Count(2), 11)));
    let confirm = h.press(U, lang, Cb::Model(ModelKey::parse("nano-banana-pro").unwrap()), 11);
    let Some(Cb::Confirm(job)) = harness::find(&confirm, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm") };
    s.push(("confirm", confirm));
    s.push(("status", h.press(U, lang, Cb::Confirm(job), 11)));
    s.push(("queued", h.work()));
    let request = h.generator.requests()[0].clone();
    h.generator.finish(&request, Ok(ScriptedGenerator::images(896, 1280, 2, 1)));
    s.push(("delivered_partial", h.work()));
    s.push(("gallery_card", h.press(U, lang, Cb::Gallery, 20)));
    s.push(("gallery_older", h.press(U, lang, Cb::Older, 21)));
    s.push(("gallery_grid", h.command(U, lang, "gallery grid")));
    s.push(("filters", h.press(U, lang, Cb::Filters, 21)));
    s.push(("date_filters", h.press(U, lang, Cb::FilterDateMenu, 21)));
    s.push(("ask_date_range", h.press(U, lang, Cb::FilterDate(aisha_bot::callback::DatePick::Custom), 21)));
    s.push(("bad_date_range", h.text(U, lang, "32.13.2026-01.01.2027")));
    s.push(("empty_filtered", h.text(U, lang, "01.01.2020-02.01.2020")));
    s.push(("stats", h.press(U, lang, Cb::Stats, 21)));
    s.push(("settings", h.press(U, lang, Cb::Settings, 30)));
    s.push(("defaults", h.press(U, lang, Cb::Defaults, 30)));
    s.push(("timezones", h.press(U, lang, Cb::TimezoneMenu, 30)));
    s.push(("bad_timezone", h.text(U, lang, "Mars/Olympus")));
    s.push(("balance", h.press(U, lang, Cb::Balance, 40)));
    s.push(("top_up", h.press(U, lang, Cb::TopUp, 40)));
    s.push(("invoice", h.press(U, lang, Cb::Buy(1), 40)));
    s.push(("promo", h.press(U, lang, Cb::Promo, 40)));
    s.push(("promo_unknown", h.text(U, lang, "NOPE")));
    s.push(("paysupport", h.command(U, lang, "paysupport")));
    // no support contact in the harness: the next message is the question, for the operators
    s.push(("paysupport_sent", h.text(U, lang, "Stars ушли, а монет нет <?>")));
    // the promo question was left by the command, the support question answered: a
    // description starts Create
    s.push(("free_text", h.text(U, lang, "a cat on the moon")));
    s.push(("outdated_button", h.press_raw(U, lang, "1zz", 50)));
    // failures
    h.press(U, lang, Cb::Create, 60);
    h.text(U, lang, "a forbidden thing");
    h.press(U, lang, Cb::Aspect(AspectRatio::Square), 61);
    h.press(U, lang, Cb::Count(1), 61);
    let confirm = h.press(U, lang, Cb::Model(ModelKey::parse("flux-2").unwrap()), 61);
    let Some(Cb::Confirm(job)) = harness::find(&confirm, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm") };
    h.press(U, lang, Cb::Confirm(job), 61);
    h.generator.fail_next_submit(aisha_domain::ports::ProviderError::new(
        aisha_domain::ports::ProviderErrorKind::ContentPolicy,
        "policy",
    ));
    s.push(("failed_policy", h.work()));
    s.extend(avatar_screens(h, lang));
    s.extend(way_out_screens(h, lang));
    s.extend(style_screens(h, lang));
    s
}

/// Styles in Create (a subject fills the slot) and in photos with me (one tap), and the
/// translation of a Russian description for photos with me; the settings switch.
#[allow(clippy::vec_init_then_push)]
fn style_screens(h: &Harness, lang: &str) -> Vec<(&'static str, Vec<Outgoing>)> {
    let style = |k: &str| Cb::Style(StyleKey::parse(k).unwrap());
    let mut s = Vec::new();
    h.command(U, lang, "cancel");
    h.press(U, lang, Cb::Create, 110);
    s.push(("create_styles", h.press(U, lang, Cb::Styles(0), 110)));
    s.push(("create_styles_page_2", h.press(U, lang, Cb::Styles(1), 110)));
    s.push(("create_style_subject", h.press(U, lang, style("noir"), 110)));
    s.push(("create_style_filled", h.text(U, lang, "рыжий кот в шляпе")));
    h.command(U, lang, "cancel");
    h.press(U, lang, Cb::WithMe, 111);
    s.push(("with_me_styles", h.press(U, lang, Cb::Styles(0), 111)));
    s.push(("with_me_style_picked", h.press(U, lang, style("business"), 111)));
    h.command(U, lang, "cancel");
    h.press(U, lang, Cb::WithMe, 112);
    h.text(U, lang, "на пляже на закате");
    h.press(U, lang, Cb::Aspect(AspectRatio::Portrait3x4), 112);
    s.push(("with_me_translated", h.press(U, lang, Cb::Count(1), 112)));
    s.push(("with_me_untranslated", h.press(U, lang, Cb::SendOwn, 112)));
    h.command(U, lang, "cancel");
    h.press(U, lang, Cb::Settings, 113);
    s.push(("settings_translate_off", h.press(U, lang, Cb::Translate(false), 113)));
    s
}

/// Text where a button is expected, and commands nobody knows.
#[allow(clippy::vec_init_then_push)]
fn way_out_screens(h: &Harness, lang: &str) -> Vec<(&'static str, Vec<Outgoing>)> {
    let mut s = Vec::new();
    h.command(U, lang, "cancel");
    h.text(U, lang, "a cat on the moon");
    s.push(("choice_expects_a_button", h.text(U, lang, "ok")));
    s.push(("choice_prompt_replaced", h.text(U, lang, "a cat on Mars")));
    h.press(U, lang, Cb::Aspect(AspectRatio::Square), 100);
    h.press(U, lang, Cb::Count(1), 100);
    h.press(U, lang, Cb::Model(ModelKey::parse("flux-2").unwrap()), 100);
    s.push(("confirm_expects_a_button", h.text(U, lang, "ok")));
    s.push(("unknown_command", h.command(U, lang, "frobnicate")));
    s.push(("avatar_gender_expects_a_button", {
        h.press(U, lang, Cb::AvatarNew, 101);
        h.text(U, lang, "Fourth");
        h.text(U, lang, "female")
    }));
    s
}

/// The avatar id on the first button that carries one.
fn avatar_of(out: &[Outgoing]) -> AvatarId {
    match harness::find(out, |c| matches!(c, Cb::AvatarOpen(_))) {
        Some(Cb::AvatarOpen(a)) => a,
        _ => panic!("no avatar button:\n{}", render(out)),
    }
}

/// `n` distinct photos that pass every rule.
fn good_photos(h: &Harness, n: u32, from: u32) -> Vec<(aisha_bot::io::IncomingFile, bool)> {
    (0..n).map(|i| (h.files.add(png_header(800, 1000 + from + i), Some("image/png"), None), i % 2 == 1)).collect()
}

/// Creating, filling, training, using, renaming, failing and deleting avatars.
#[allow(clippy::vec_init_then_push)]
fn avatar_screens(h: &Harness, lang: &str) -> Vec<(&'static str, Vec<Outgoing>)> {
    let mut s = Vec::new();
    h.fund(U, 500);
    s.push(("avatars_empty", h.command(U, lang, "avatars")));
    s.push(("avatar_ask_name", h.press(U, lang, Cb::AvatarNew, 70)));
    s.push(("avatar_bad_name", h.text(U, lang, "Я")));
    s.push(("avatar_ask_gender", h.text(U, lang, "Аня <3 & co")));
    let upload = h.press(U, lang, Cb::Gender(Gender::Female), 71);
    let avatar = avatar_of(&upload);
    s.push(("avatar_upload", upload));
    s.push(("avatar_photo_added", h.photo(U, lang, h.files.add(jpeg_header(1024, 1365), None, None))));
    s.push(("avatar_photo_duplicate", h.photo(U, lang, h.files.add(jpeg_header(1024, 1365), None, None))));
    let pdf = h.files.add(b"%PDF-1.7 not a photo".to_vec(), Some("application/pdf"), Some("passport <scan>.pdf"));
    s.push(("avatar_document_pdf", h.document(U, lang, pdf)));
    let mut big = h.files.add(png_header(4000, 3000), Some("image/png"), Some("huge.png"));
    big.size = Some(25 * 1024 * 1024);
    s.push(("avatar_document_too_big", h.document(U, lang, big)));
    s.push(("avatar_text_while_uploading", h.text(U, lang, "what now?")));
    let mut album = good_photos(h, 9, 0);
    album.insert(4, (h.files.add(png_header(300, 400), Some("image/png"), Some("small.png")), true));
    s.push(("avatar_album", h.album(U, lang, album)));
    let review = h.press(U, lang, Cb::AvatarReview(avatar), 72);
    let Some(Cb::PhotoRemove(photo)) = harness::find(&review, |c| matches!(c, Cb::PhotoRemove(_))) else {
        panic!("no remove button")
    };
    s.push(("avatar_review", review));
    s.push(("avatar_photo_removed", h.press(U, lang, Cb::PhotoRemove(photo), 72)));
    h.photo(U, lang, good_photos(h, 1, 50).remove(0).0);
    s.push(("avatar_show_photos", h.press(U, lang, Cb::AvatarShowPhotos(avatar), 72)));
    s.push(("avatar_card_draft", h.press(U, lang, Cb::AvatarOpen(avatar), 73)));
    let confirm = h.press(U, lang, Cb::AvatarTrain(avatar), 73);
    let Some(Cb::TrainConfirm(job)) = harness::find(&confirm, |c| matches!(c, Cb::TrainConfirm(_))) else {
        panic!("no train button:\n{}", render(&confirm))
    };
    s.push(("avatar_train_confirm", confirm));
    s.push(("avatar_training_started", h.press(U, lang, Cb::TrainConfirm(job), 73)));
    s.push(("avatar_training_queued", h.work()));
    h.clock.advance(chrono::Duration::minutes(12));
    let request = h.generator.requests().last().unwrap().clone();
    h.generator.set_running(&request);
    s.push(("avatar_training_running", h.work()));
    s.push(("avatar_card_training", h.press(U, lang, Cb::AvatarOpen(avatar), 74)));
    s.push(("avatar_delete_busy", h.press(U, lang, Cb::AvatarDelete(avatar), 74)));
    s.push(("avatars_list_training", h.command(U, lang, "avatars")));
    let lora = Lora::at("mem://lora/1", None);
    h.generator.finish(&request, Ok(ProviderOutput::Lora(Some(lora))));
    s.push(("avatar_training_ready", h.work()));
    s.push(("avatar_card_ready", h.press(U, lang, Cb::AvatarOpen(avatar), 75)));
    s.push(("with_me", h.press(U, lang, Cb::WithMe, 76)));
    s.push(("with_me_ask_aspect", h.text(U, lang, "on a <b>yacht</b> at sunset")));
    s.push(("with_me_ask_count", h.press(U, lang, Cb::Aspect(AspectRatio::Portrait3x4), 76)));
    let confirm = h.press(U, lang, Cb::Count(2), 76);
    let Some(Cb::Confirm(job)) = harness::find(&confirm, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm") };
    s.push(("with_me_confirm", confirm));
    s.push(("with_me_status", h.press(U, lang, Cb::Confirm(job), 76)));
    h.work();
    let request = h.generator.requests().last().unwrap().clone();
    h.generator.finish(&request, Ok(ScriptedGenerator::images(768, 1024, 2, 0)));
    s.push(("with_me_delivered", h.work()));
    h.press(U, lang, Cb::GalleryReset, 80);
    s.push(("gallery_filters_with_avatar", h.press(U, lang, Cb::Filters, 81)));
    s.push(("gallery_avatar_filter_menu", h.press(U, lang, Cb::FilterAvatarMenu, 81)));
    s.push(("gallery_avatar_filtered", h.press(U, lang, Cb::FilterAvatar(Some(avatar)), 81)));
    s.push(("avatar_rename_ask", h.press(U, lang, Cb::AvatarRename(avatar), 82)));
    s.push(("avatar_renamed", h.text(U, lang, "Анна")));
    // a second avatar: cancelled while queued, then a training that fails
    h.press(U, lang, Cb::AvatarNew, 90);
    h.text(U, lang, "Max");
    let second = avatar_of(&h.press(U, lang, Cb::Gender(Gender::Male), 91));
    h.album(U, lang, good_photos(h, 10, 100));
    let confirm = h.press(U, lang, Cb::AvatarTrain(second), 92);
    let Some(Cb::TrainConfirm(job)) = harness::find(&confirm, |c| matches!(c, Cb::TrainConfirm(_))) else { panic!() };
    h.press(U, lang, Cb::TrainConfirm(job), 92);
    h.work();
    s.push(("avatar_training_cancelled", h.press(U, lang, Cb::CancelJob(job), 92)));
    s.push(("avatar_training_cancelled_notice", h.work()));
    let confirm = h.press(U, lang, Cb::AvatarTrain(second), 93);
    let Some(Cb::TrainConfirm(job)) = harness::find(&confirm, |c| matches!(c, Cb::TrainConfirm(_))) else { panic!() };
    h.press(U, lang, Cb::TrainConfirm(job), 93);
    h.work();
    let request = h.generator.requests().last().unwrap().clone();
    h.generator.finish(&request, Ok(ProviderOutput::Lora(None)));
    s.push(("avatar_training_failed", h.work()));
    s.push(("avatar_card_failed", h.press(U, lang, Cb::AvatarOpen(second), 94)));
    s.push(("avatars_list", h.command(U, lang, "avatars")));
    // trained at the third attempt: two ready avatars to choose from, the main one preselected
    let confirm = h.press(U, lang, Cb::AvatarTrain(second), 94);
    let Some(Cb::TrainConfirm(job)) = harness::find(&confirm, |c| matches!(c, Cb::TrainConfirm(_))) else { panic!() };
    h.press(U, lang, Cb::TrainConfirm(job), 94);
    h.work();
    let request = h.generator.requests().last().unwrap().clone();
    h.generator.finish(&request, Ok(ProviderOutput::Lora(Some(Lora::at("mem://lora/2", None)))));
    h.work();
    s.push(("avatar_card_not_main", h.press(U, lang, Cb::AvatarOpen(second), 95)));
    s.push(("with_me_two_avatars", h.press(U, lang, Cb::WithMe, 95)));
    s.push(("with_me_switched", h.press(U, lang, Cb::WithAvatar(second), 95)));
    s.push(("avatar_delete_ask", h.press(U, lang, Cb::AvatarDelete(avatar), 96)));
    s.push(("avatar_deleted", h.press(U, lang, Cb::AvatarDeleteYes(avatar), 96)));
    s.push(("with_me_none", h.press(U, lang, Cb::WithMe, 97)));
    // a photo where the description is asked for: the assistant describes the scene
    s.push(("photo_as_description", h.photo(U, lang, good_photos(h, 1, 200).remove(0).0)));
    h.press(U, lang, Cb::Cancel, 97);
    s.push(("photo_outside_upload", h.photo(U, lang, good_photos(h, 1, 201).remove(0).0)));
    s.push(("avatar_upload_then_cancel", {
        h.press(U, lang, Cb::AvatarNew, 98);
        h.text(U, lang, "Third");
        h.press(U, lang, Cb::Gender(Gender::Male), 98);
        h.command(U, lang, "cancel")
    }));
    s
}

#[test]
fn the_welcome_says_the_gift() {
    for lang in ["ru", "en"] {
        let h = Harness::with_gift(3);
        insta::assert_snapshot!(format!("{lang}_welcome_gift"), render(&h.command(U, lang, "start")));
    }
}

#[test]
fn a_kept_order_through_a_top_up() {
    use aisha_bot::io::{ChatId, Event, Reply};
    for lang in ["ru", "en"] {
        let h = Harness::new();
        h.command(U, lang, "start");
        h.text(U, lang, "a lighthouse at dawn");
        h.press(U, lang, Cb::Aspect(AspectRatio::Square), 11);
        h.press(U, lang, Cb::Count(1), 11);
        let kept = h.press(U, lang, Cb::Model(ModelKey::parse("nano-banana-pro").unwrap()), 11);
        insta::assert_snapshot!(format!("{lang}_order_kept"), render(&kept));
        let invoice = h.press(U, lang, Cb::Buy(0), 12);
        let Some(Reply::Invoice { payload, stars, .. }) =
            invoice.iter().map(|o| o.reply.clone()).find(|r| matches!(r, Reply::Invoice { .. }))
        else {
            panic!("no invoice")
        };
        let paid = h.send(
            U,
            lang,
            Event::Payment {
                chat: ChatId(U),
                currency: "XTR".into(),
                total_amount: stars,
                payload,
                telegram_charge_id: "charge".into(),
                provider_charge_id: String::new(),
            },
        );
        insta::assert_snapshot!(format!("{lang}_paid_with_kept_order"), render(&paid));
        insta::assert_snapshot!(format!("{lang}_order_resumed"), render(&h.press(U, lang, Cb::Resume, 13)));
    }
}

/// Pays for the first package; the receipt.
fn pay(h: &Harness, lang: &str, charge: &str) -> Vec<Outgoing> {
    use aisha_bot::io::{ChatId, Event, Reply};
    let invoice = h.press(U, lang, Cb::Buy(0), 12);
    let Some(Reply::Invoice { payload, stars, .. }) =
        invoice.iter().map(|o| o.reply.clone()).find(|r| matches!(r, Reply::Invoice { .. }))
    else {
        panic!("no invoice")
    };
    h.send(
        U,
        lang,
        Event::Payment {
            chat: ChatId(U),
            currency: "XTR".into(),
            total_amount: stars,
            payload,
            telegram_charge_id: charge.into(),
            provider_charge_id: String::new(),
        },
    )
}

#[test]
fn paysupport_with_payments_with_and_without_a_contact() {
    use aisha_domain::ports::Payments;
    for lang in ["ru", "en"] {
        let mut h = Harness::new();
        h.command(U, lang, "start");
        pay(&h, lang, "stxAbC123-first");
        h.clock.advance(chrono::Duration::days(2));
        pay(&h, lang, "stxDeF456-second");
        let now = aisha_domain::Clock::now(&*h.clock);
        let entry = aisha_domain::LedgerEntryId(uuid::Uuid::from_u128(0x5eed_9000));
        block(h.store.refund_stars_payment("stxAbC123-first", false, entry, now)).unwrap();
        insta::assert_snapshot!(format!("{lang}_paysupport_payments"), render(&h.command(U, lang, "paysupport")));
        insta::assert_snapshot!(
            format!("{lang}_paysupport_to_operator"),
            render(&h.text(U, lang, "Where are my coins?"))
        );
        h.bot.config.support_contact = Some("@aisha_help".into());
        insta::assert_snapshot!(format!("{lang}_paysupport_contact"), render(&h.command(U, lang, "paysupport")));
    }
}

#[test]
fn every_screen_in_russian() {
    for (name, out) in screens("ru") {
        insta::assert_snapshot!(format!("ru_{name}"), render(&out));
    }
}

#[test]
fn every_screen_in_english() {
    for (name, out) in screens("en") {
        insta::assert_snapshot!(format!("en_{name}"), render(&out));
    }
}

#[test]
fn every_button_decodes_fits_and_is_handled() {
    for lang in ["ru", "en"] {
        // the walk continues where the screens left the user, so ids on buttons resolve
        let h = seeded(lang);
        let mut seen = BTreeSet::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        for (_, out) in screens_in(&h, lang) {
            queue.extend(buttons(&out).into_iter().map(|(_, d)| d));
        }
        queue.extend(buttons(&h.command(U, lang, "start")).into_iter().map(|(_, d)| d));
        while let Some(data) = queue.pop_front() {
            if !seen.insert(data.clone()) || seen.len() > 400 {
                continue;
            }
            assert!(data.len() <= 64, "{data:?} is {} bytes", data.len());
            assert!(Cb::decode(&data).is_some(), "{data:?} does not decode");
            let out = h.press_raw(U, lang, &data, 7);
            assert!(!out.is_empty(), "{data:?} got no reply");
            for (label, next) in buttons(&out) {
                assert!(!label.trim().is_empty(), "a button without a label from {data:?}");
                queue.push_back(next);
            }
        }
        assert!(seen.len() > 40, "the walk reached {} distinct buttons", seen.len());
        let reached: BTreeSet<String> = seen
            .iter()
            .filter_map(|d| Cb::decode(d))
            .map(|c| format!("{c:?}").split('(').next().unwrap_or_default().to_owned())
            .collect();
        for kind in [
            "Avatars",
            "AvatarNew",
            "Gender",
            "AvatarOpen",
            "AvatarUpload",
            "AvatarReview",
            "AvatarShowPhotos",
            "PhotoRemove",
            "AvatarTrain",
            "TrainConfirm",
            "AvatarMain",
            "AvatarRename",
            "AvatarDelete",
            "AvatarDeleteYes",
            "WithMe",
            "WithAvatar",
            "FilterAvatarMenu",
            "FilterAvatar",
        ] {
            assert!(reached.contains(kind), "the walk never pressed a {kind} button");
        }
    }
}

#[test]
fn texts_stay_within_telegram_limits() {
    for lang in ["ru", "en"] {
        for (name, out) in screens(lang) {
            for o in &out {
                use aisha_bot::io::Reply::*;
                match &o.reply {
                    SendText { text, .. } | EditText { text, .. } => {
                        assert!(aisha_bot::html::visible_len(text) <= aisha_bot::html::MAX_TEXT, "{name}")
                    }
                    SendPhoto { caption: Some(c), .. } | EditPhoto { caption: Some(c), .. } => {
                        assert!(aisha_bot::html::visible_len(c) <= aisha_bot::html::MAX_CAPTION, "{name}")
                    }
                    _ => {}
                }
            }
        }
    }
}
