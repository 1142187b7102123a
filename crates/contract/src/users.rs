//! The `Users` contract.

use crate::Stores;
use crate::fixtures;
use aisha_domain::Language;
use chrono::{DateTime, Utc};

pub async fn run(s: Stores<'_>, now: DateTime<Utc>) {
    let count_before = s.users.count().await.unwrap();
    let candidate = fixtures::user(now);
    let first = s.users.upsert(candidate.clone()).await.unwrap();
    assert!(first.created, "a new Telegram id registers a user");
    assert_eq!(first.user, candidate);
    assert_eq!(s.ledger.balance(candidate.id).await.unwrap().get(), 0, "a new user starts with 0 coins");

    // a second contact with a changed profile and a different candidate id and settings
    let mut again = fixtures::user(now);
    again.profile = candidate.profile.clone();
    again.profile.first_name = "Новое имя".into();
    again.settings.language = Language::En;
    let second = s.users.upsert(again).await.unwrap();
    assert!(!second.created, "the same Telegram id is the same user");
    assert_eq!(second.user.id, candidate.id, "the stored id is kept");
    assert_eq!(second.user.profile.first_name, "Новое имя", "the profile is refreshed");
    assert_eq!(second.user.settings, candidate.settings, "settings are not overwritten by a contact");
    assert_eq!(s.users.count().await.unwrap(), count_before + 1);

    let by_tg = s.users.by_telegram(candidate.profile.telegram_id).await.unwrap().expect("found by Telegram id");
    assert_eq!(by_tg.id, candidate.id);
    assert_eq!(s.users.get(candidate.id).await.unwrap().map(|u| u.profile.first_name), Some("Новое имя".into()));

    let mut settings = candidate.settings;
    settings.quick_mode = true;
    settings.translate_prompts = !settings.translate_prompts;
    settings.timezone = aisha_domain::Timezone::parse("Asia/Almaty").unwrap();
    assert!(s.users.update_settings(candidate.id, settings).await.unwrap());
    assert_eq!(s.users.get(candidate.id).await.unwrap().unwrap().settings, settings, "settings persist");
    assert!(s.users.set_blocked(candidate.id, true).await.unwrap());
    assert!(s.users.get(candidate.id).await.unwrap().unwrap().blocked);

    let ghost = aisha_domain::UserId(fixtures::id());
    assert!(!s.users.update_settings(ghost, settings).await.unwrap(), "unknown user: false, nothing created");
    assert!(!s.users.set_blocked(ghost, true).await.unwrap());
    assert!(s.users.get(ghost).await.unwrap().is_none());

    let later = fixtures::user(now + chrono::Duration::seconds(5));
    s.users.upsert(later.clone()).await.unwrap();
    let list = s.users.list(1000).await.unwrap();
    let pos = |id| list.iter().position(|u| u.id == id);
    assert!(pos(later.id) < pos(candidate.id), "list is newest first");
}
