//! The `Avatars` contract: photo rules inside the store, one main avatar, rename relabels,
//! delete keeps images, owner scoping.

use crate::Stores;
use crate::fixtures;
use aisha_domain::avatar::{Avatar, AvatarStatus, PhotoRejection, PhotoRules};
use aisha_domain::gallery::ImageKind;
use aisha_domain::ports::{AddPhoto, DeleteAvatar, RemovePhoto, SetMain};
use aisha_domain::{AvatarName, PhotoId};
use chrono::{DateTime, Duration, Utc};

/// The owner, a stranger whose reads and writes must find nothing, and the photo rules.
struct Cast {
    u: aisha_domain::User,
    stranger: aisha_domain::User,
    rules: PhotoRules,
}

pub async fn run(s: Stores<'_>, now: DateTime<Utc>) {
    let u = fixtures::user(now);
    let stranger = fixtures::user(now);
    s.users.upsert(u.clone()).await.unwrap();
    s.users.upsert(stranger.clone()).await.unwrap();
    let rules = PhotoRules { max_photos: 3, ..PhotoRules::default() };
    let c = Cast { u, stranger, rules };

    let draft = photos(s, &c, now).await;
    let (older, newer) = main_avatar(s, &c, &draft, now).await;
    refreshed_lora(s, &c, &draft, &older, now).await;
    rename_and_delete(s, &c, &draft, &older, &newer, now).await;
    training_is_busy(s, &c, now).await;
}

/// Photo rules inside the store; returns the draft avatar, left with three photos.
async fn photos(s: Stores<'_>, c: &Cast, now: DateTime<Utc>) -> Avatar {
    let (u, stranger, rules) = (&c.u, &c.stranger, &c.rules);
    let draft = fixtures::avatar(u.id, "Черновик <b>&</b>", now);
    s.avatars.create(&draft).await.unwrap();
    assert_eq!(s.avatars.get(u.id, draft.id).await.unwrap().as_ref(), Some(&draft), "stored as given");
    assert_eq!(s.avatars.get(stranger.id, draft.id).await.unwrap(), None, "another user's avatar is not found");
    let p1 = fixtures::photo(&draft, "aaa", now);
    assert_eq!(s.avatars.add_photo(&p1, rules).await.unwrap(), AddPhoto::Added { count: 1 });
    let dup = fixtures::photo(&draft, "aaa", now);
    assert_eq!(s.avatars.add_photo(&dup, rules).await.unwrap(), AddPhoto::Rejected(PhotoRejection::Duplicate));
    for (n, h) in ["bbb", "ccc"].iter().enumerate() {
        let p = fixtures::photo(&draft, h, now + Duration::seconds(n as i64 + 1));
        assert_eq!(s.avatars.add_photo(&p, rules).await.unwrap(), AddPhoto::Added { count: n as u32 + 2 });
    }
    assert_eq!(
        s.avatars.add_photo(&fixtures::photo(&draft, "ddd", now), rules).await.unwrap(),
        AddPhoto::Rejected(PhotoRejection::AvatarFull { max: 3 })
    );
    let mut forged = fixtures::photo(&draft, "eee", now);
    forged.owner = stranger.id;
    assert_eq!(
        s.avatars.add_photo(&forged, rules).await.unwrap(),
        AddPhoto::AvatarNotFound,
        "photos go only to one's own avatar"
    );
    let photos = s.avatars.photos(u.id, draft.id).await.unwrap();
    assert_eq!(photos.iter().map(|p| p.sha256.as_str()).collect::<Vec<_>>(), ["aaa", "bbb", "ccc"], "oldest first");
    assert!(s.avatars.photos(stranger.id, draft.id).await.unwrap().is_empty());
    assert_eq!(s.avatars.remove_photo(stranger.id, draft.id, p1.id).await.unwrap(), RemovePhoto::NotFound);
    assert_eq!(s.avatars.remove_photo(u.id, draft.id, PhotoId(fixtures::id())).await.unwrap(), RemovePhoto::NotFound);
    match s.avatars.remove_photo(u.id, draft.id, p1.id).await.unwrap() {
        RemovePhoto::Removed { photo, count } => assert_eq!((photo.id, count), (p1.id, 2)),
        other => panic!("expected removal, got {other:?}"),
    }
    assert_eq!(s.avatars.get(u.id, draft.id).await.unwrap().unwrap().photo_count, 2);
    assert_eq!(
        s.avatars.add_photo(&fixtures::photo(&draft, "aaa", now), rules).await.unwrap(),
        AddPhoto::Added { count: 3 },
        "a removed photo's hash can be added again"
    );
    draft
}

/// Main avatar: only usable ones, exactly one. Returns the two ready avatars, older first.
async fn main_avatar(s: Stores<'_>, c: &Cast, draft: &Avatar, now: DateTime<Utc>) -> (Avatar, Avatar) {
    let (u, stranger) = (&c.u, &c.stranger);
    assert_eq!(s.avatars.set_main(u.id, draft.id).await.unwrap(), SetMain::NotUsable);
    let older = fixtures::ready_avatar(u.id, "Первый", now - Duration::days(2));
    let newer = fixtures::ready_avatar(u.id, "Второй", now - Duration::days(1));
    s.avatars.create(&older).await.unwrap();
    s.avatars.create(&newer).await.unwrap();
    assert_eq!(s.avatars.set_main(stranger.id, older.id).await.unwrap(), SetMain::NotFound);
    assert!(matches!(s.avatars.set_main(u.id, older.id).await.unwrap(), SetMain::Done(a) if a.is_main));
    assert!(matches!(s.avatars.set_main(u.id, newer.id).await.unwrap(), SetMain::Done(_)));
    let list = s.avatars.list(u.id).await.unwrap();
    assert_eq!(list.iter().filter(|a| a.is_main).map(|a| a.id).collect::<Vec<_>>(), vec![newer.id], "exactly one main");
    assert_eq!(list.iter().map(|a| a.id).collect::<Vec<_>>(), vec![draft.id, newer.id, older.id], "newest first");
    assert!(s.avatars.list(stranger.id).await.unwrap().is_empty());
    (older, newer)
}

/// A re-uploaded LoRA replaces the record, all four parts, only on one's own ready avatar.
async fn refreshed_lora(s: Stores<'_>, c: &Cast, draft: &Avatar, older: &Avatar, now: DateTime<Utc>) {
    let (u, stranger) = (&c.u, &c.stranger);
    let fresh = aisha_domain::avatar::Lora {
        url: "https://files.example/again.safetensors".into(),
        refreshed_at: Some(now),
        ..fixtures::lora()
    };
    assert!(!s.avatars.refresh_lora(stranger.id, older.id, &fresh).await.unwrap(), "another user's avatar");
    assert!(!s.avatars.refresh_lora(u.id, draft.id, &fresh).await.unwrap(), "not trained");
    assert!(s.avatars.refresh_lora(u.id, older.id, &fresh).await.unwrap());
    assert_eq!(s.avatars.get(u.id, older.id).await.unwrap().unwrap().lora, Some(fresh));
    assert_eq!(s.avatars.get(u.id, draft.id).await.unwrap().unwrap().lora, None);
}

/// Rename relabels images; delete keeps them with the name.
async fn rename_and_delete(
    s: Stores<'_>,
    c: &Cast,
    draft: &Avatar,
    older: &Avatar,
    newer: &Avatar,
    now: DateTime<Utc>,
) {
    let (u, stranger) = (&c.u, &c.stranger);
    let mut img = fixtures::image(u.id, None, ImageKind::AvatarPhoto, now);
    img.avatar = Some(newer.id);
    img.avatar_name = Some("Второй".into());
    crate::gallery::insert(s, u, std::slice::from_ref(&img), now).await;
    let name = AvatarName::parse("Третий").unwrap();
    assert_eq!(s.avatars.rename(stranger.id, newer.id, &name, now).await.unwrap(), None);
    let renamed = s.avatars.rename(u.id, newer.id, &name, now).await.unwrap().expect("own avatar");
    assert_eq!(renamed.name, name);
    assert_eq!(s.gallery.get(u.id, img.id).await.unwrap().unwrap().avatar_name.as_deref(), Some("Третий"));

    assert_eq!(s.avatars.delete(stranger.id, newer.id).await.unwrap(), DeleteAvatar::NotFound);
    match s.avatars.delete(u.id, newer.id).await.unwrap() {
        DeleteAvatar::Deleted { avatar, photos } => assert_eq!((avatar.id, photos.len()), (newer.id, 0)),
        other => panic!("expected deletion, got {other:?}"),
    }
    let kept = s.gallery.get(u.id, img.id).await.unwrap().expect("images stay");
    assert_eq!((kept.avatar, kept.avatar_name.as_deref()), (None, Some("Третий")), "labelled with the old name");
    let main_now: Vec<_> =
        s.avatars.list(u.id).await.unwrap().into_iter().filter(|a| a.is_main).map(|a| a.id).collect();
    assert_eq!(main_now, vec![older.id], "the newest usable avatar left becomes main");

    match s.avatars.delete(u.id, draft.id).await.unwrap() {
        DeleteAvatar::Deleted { photos, .. } => {
            assert_eq!(photos.len(), 3, "its photos are returned for object removal")
        }
        other => panic!("expected deletion, got {other:?}"),
    }
    assert!(s.avatars.photos(u.id, draft.id).await.unwrap().is_empty());
}

/// Training avatars are busy and take no photos.
async fn training_is_busy(s: Stores<'_>, c: &Cast, now: DateTime<Utc>) {
    let (u, rules) = (&c.u, &c.rules);
    let mut busy = fixtures::avatar(u.id, "Учится", now);
    busy.status = AvatarStatus::Training;
    s.avatars.create(&busy).await.unwrap();
    assert_eq!(s.avatars.delete(u.id, busy.id).await.unwrap(), DeleteAvatar::Busy);
    assert_eq!(
        s.avatars.add_photo(&fixtures::photo(&busy, "zzz", now), rules).await.unwrap(),
        AddPhoto::Rejected(PhotoRejection::NotAccepting)
    );
}
