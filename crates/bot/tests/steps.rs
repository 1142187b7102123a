//! Gallery steps (⬅️ ➡️ on a card), pressed from the buttons the bot put on its cards: they
//! move from that card under the filter it shows, remember where the user is, answer a
//! redelivered update once, and find their way when the card is gone or the filter has dates.

mod harness;

use aisha_bot::callback::Cb;
use aisha_bot::io::{ChatId, Event, MessageId, Outgoing, Update};
use aisha_domain::gallery::{DateFilter, Filter, ImageKind, ImageRecord};
use aisha_domain::services::gallery::Step;
use harness::{Harness, all_text, block, buttons, find};

const U: i64 = 2002;

/// A funded user with five images a minute apart (newest first in `images`), every other one
/// a favorite, and the gallery open on the newest.
fn gallery_of_five() -> (Harness, Vec<ImageRecord>) {
    let h = Harness::new();
    h.command(U, "ru", "start");
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
    (h, images)
}

fn step_on(out: &[Outgoing], older: bool) -> Step {
    match find(out, |c| matches!(c, Cb::Step(s) if s.older == older)) {
        Some(Cb::Step(s)) => s,
        _ => panic!("no {} step on:\n{}", if older { "older" } else { "newer" }, harness::render(out)),
    }
}

fn pressed(id: i64, step: Step) -> Update {
    Update {
        id,
        from: Harness::profile(U, "ru"),
        event: Event::Callback {
            chat: ChatId(U),
            message: Some(MessageId(5)),
            query_id: format!("q{id}"),
            data: Cb::Step(step).encode(),
        },
    }
}

#[test]
fn steps_walk_the_cards_and_the_place_is_remembered() {
    let (h, images) = gallery_of_five();
    let first = h.press(U, "ru", Cb::Gallery, 5);
    assert!(all_text(&first).starts_with("1 / 5"), "{}", all_text(&first));
    assert!(find(&first, |c| matches!(c, Cb::Step(s) if !s.older)).is_none(), "nothing newer than the newest");
    let step = step_on(&first, true);
    assert_eq!((step.from, step.filter), (images[0].id, Filter::default()), "the step carries its card and filter");
    let second = h.press(U, "ru", Cb::Step(step), 5);
    assert!(all_text(&second).starts_with("2 / 5"), "{}", all_text(&second));
    let third = h.press(U, "ru", Cb::Step(step_on(&second, true)), 5);
    assert!(all_text(&third).starts_with("3 / 5"), "{}", all_text(&third));
    let back = h.press(U, "ru", Cb::Step(step_on(&third, false)), 5);
    assert!(all_text(&back).starts_with("2 / 5"), "{}", all_text(&back));
    // /gallery, and a restart, come back to the card the last step showed
    let after = h.restarted();
    let again = after.command(U, "ru", "gallery");
    assert!(all_text(&again).starts_with("2 / 5"), "{}", all_text(&again));
}

#[test]
fn a_step_delivered_twice_is_answered_once_and_moves_once() {
    let (h, _) = gallery_of_five();
    let first = h.press(U, "ru", Cb::Gallery, 5);
    let step = step_on(&first, true);
    let once = h.deliver(pressed(900, step));
    assert!(all_text(&once).starts_with("2 / 5"), "{}", all_text(&once));
    assert!(h.deliver(pressed(900, step)).is_empty(), "the same update again says nothing");
    let next = h.deliver(pressed(901, step_on(&once, true)));
    assert!(all_text(&next).starts_with("3 / 5"), "a new update moves on from where the first left");
}

#[test]
fn a_step_on_an_older_card_moves_from_that_card_under_its_filter() {
    let (h, images) = gallery_of_five();
    let all = h.press(U, "ru", Cb::Gallery, 5);
    let stale = step_on(&all, true);
    // the user filters to favorites on another card message, then presses the first card's ➡️
    h.command(U, "ru", "gallery");
    let favorites = h.press(U, "ru", Cb::FilterFavorites(true), 6);
    assert!(all_text(&favorites).starts_with("1 / 3"), "{}", all_text(&favorites));
    let out = h.press(U, "ru", Cb::Step(stale), 5);
    assert!(all_text(&out).starts_with("2 / 5"), "the unfiltered card's neighbour: {}", all_text(&out));
    assert!(!buttons(&out).iter().any(|(l, _)| l.contains("(⭐)")), "under that card's filter");
    assert_eq!(step_on(&out, true).from, images[1].id);
    // that filter and place are the session's now
    let again = h.command(U, "ru", "gallery");
    assert!(all_text(&again).starts_with("2 / 5"), "{}", all_text(&again));
}

#[test]
fn a_step_from_a_deleted_card_moves_from_the_remembered_place() {
    let (h, images) = gallery_of_five();
    let first = h.press(U, "ru", Cb::Gallery, 5);
    let step = step_on(&first, true);
    let second = h.press(U, "ru", Cb::Step(step), 5);
    let from_second = step_on(&second, true);
    h.press(U, "ru", Cb::Delete(images[1].id), 5);
    let deleted = h.press(U, "ru", Cb::DeleteYes(images[1].id), 5);
    assert!(all_text(&deleted).contains("/ 4"), "{}", all_text(&deleted));
    // a second card message still shows the deleted image's ➡️
    let out = h.press(U, "ru", Cb::Step(from_second), 5);
    let text = all_text(&out);
    assert!(text.starts_with("2 / 4") || text.starts_with("3 / 4"), "a neighbour, not an error: {text}");
}

#[test]
fn a_step_under_a_date_filter_and_after_a_profile_change() {
    let (h, _) = gallery_of_five();
    h.press(U, "ru", Cb::Gallery, 5);
    let today = h.press(U, "ru", Cb::FilterDate(aisha_bot::callback::DatePick::Today), 5);
    let step = step_on(&today, true);
    assert_eq!(step.filter.date, Some(DateFilter::Today));
    let out = h.press(U, "ru", Cb::Step(step), 5);
    assert!(all_text(&out).starts_with("2 / 5"), "{}", all_text(&out));
    // the user renamed themselves in Telegram since: the step registers the new name
    let mut renamed = pressed(950, step_on(&out, true));
    renamed.from.first_name = "Переименована".into();
    let out = h.deliver(renamed);
    assert!(all_text(&out).starts_with("3 / 5"), "{}", all_text(&out));
    assert_eq!(h.user(U).profile.first_name, "Переименована");
}

#[test]
fn a_forged_step_on_another_users_image_shows_only_the_users_own() {
    let (h, _) = gallery_of_five();
    let other = 3003;
    h.command(other, "ru", "start");
    let now = aisha_domain::Clock::now(&*h.clock);
    let theirs = aisha_contract::fixtures::image(h.user(other).id, None, ImageKind::Text, now);
    block(aisha_contract::gallery::insert(
        aisha_contract::Stores::of(&*h.store),
        &h.user(other),
        std::slice::from_ref(&theirs),
        now,
    ));
    h.press(U, "ru", Cb::Gallery, 5);
    let forged = Step { from: theirs.id, older: true, filter: Filter::default() };
    let out = h.press(U, "ru", Cb::Step(forged), 5);
    let text = all_text(&out);
    assert!(text.contains("/ 5"), "the user's own gallery: {text}");
    assert!(!harness::render(&out).contains(&theirs.id.0.simple().to_string()), "nothing of theirs");
}
