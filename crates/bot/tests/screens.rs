//! Snapshots of every screen in both languages, and a walk over every button the bot emits.

mod harness;

use aisha_bot::callback::Cb;
use aisha_bot::io::Outgoing;
use aisha_domain::gallery::ImageKind;
use aisha_domain::{AspectRatio, ImagenVariant};
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
        .map(|i| aisha_contract::fixtures::image(user.id, None, ImageKind::Imagen, now - chrono::Duration::hours(i)))
        .collect();
    images[1].favorite = true;
    images[2].kind = ImageKind::AvatarPhoto;
    images[2].avatar_name = Some("Аня".into());
    images.sort_by_key(|i| i.id);
    block(aisha_contract::gallery::insert(aisha_contract::Stores::of(&*h.store), &user, &images, now));
    h
}

// each step depends on the state the previous one left, so the list is built in order
#[allow(clippy::vec_init_then_push)]
fn screens(lang: &str) -> Vec<(&'static str, Vec<Outgoing>)> {
    let h = seeded(lang);
    let mut s = Vec::new();
    s.push(("start", h.command(U, lang, "start")));
    s.push(("help", h.command(U, lang, "help")));
    s.push(("ask_prompt", h.press(U, lang, Cb::Create, 10)));
    s.push(("ask_aspect", h.text(U, lang, "a lighthouse at dawn")));
    s.push(("ask_count", h.press(U, lang, Cb::Aspect(AspectRatio::Portrait3x4), 11)));
    s.push(("ask_variant", h.press(U, lang, Cb::Count(2), 11)));
    let confirm = h.press(U, lang, Cb::Variant(ImagenVariant::Ultra), 11);
    let Some(Cb::Confirm(job)) = harness::find(&confirm, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm") };
    s.push(("confirm", confirm));
    s.push(("status", h.press(U, lang, Cb::Confirm(job), 11)));
    s.push(("queued", h.work()));
    let request = h.generator.requests()[0].clone();
    h.generator.finish(&request, Ok(ScriptedGenerator::images(896, 1280, 2, 1)));
    s.push(("delivered_partial", h.work()));
    s.push(("gallery_card", h.press(U, lang, Cb::Gallery, 20)));
    s.push(("gallery_older", h.press(U, lang, Cb::Older, 21)));
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
    s.push(("unknown_text", h.text(U, lang, "hello?")));
    s.push(("outdated_button", h.press_raw(U, lang, "1zz", 50)));
    // failures
    h.press(U, lang, Cb::Create, 60);
    h.text(U, lang, "a forbidden thing");
    h.press(U, lang, Cb::Aspect(AspectRatio::Square), 61);
    h.press(U, lang, Cb::Count(1), 61);
    let confirm = h.press(U, lang, Cb::Variant(ImagenVariant::Fast), 61);
    let Some(Cb::Confirm(job)) = harness::find(&confirm, |c| matches!(c, Cb::Confirm(_))) else { panic!("no confirm") };
    h.press(U, lang, Cb::Confirm(job), 61);
    h.generator.fail_next_submit(aisha_domain::ports::ProviderError::new(
        aisha_domain::ports::ProviderErrorKind::ContentPolicy,
        "policy",
    ));
    s.push(("failed_policy", h.work()));
    s
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
        let h = seeded(lang);
        let mut seen = BTreeSet::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        for (_, out) in screens(lang) {
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
