//! The `Gallery` contract: keyset order (newest first, ties by id) under every filter, exact
//! positions, owner scoping, and counts. Checked against `GalleryQuery::matches`, the
//! domain's reference semantics.

use crate::Stores;
use crate::fixtures;
use aisha_domain::gallery::{CardAt, Cursor, GalleryQuery, ImageKind, ImageRecord, Position};
use aisha_domain::{AvatarId, ImageId, User, UserId};
use chrono::{DateTime, Duration, Utc};

/// Walks the whole query both ways and checks every card and position against `expected`
/// (which must already be in gallery order).
async fn walk(s: Stores<'_>, owner: UserId, q: &GalleryQuery, expected: &[&ImageRecord], what: &str) {
    let total = expected.len() as u64;
    let mut at = CardAt::Newest;
    for (n, want) in expected.iter().enumerate() {
        let got = s.gallery.card(owner, q, at).await.unwrap();
        assert_eq!(got.as_ref().map(|i| i.id), Some(want.id), "{what}: card {} going older", n + 1);
        let pos = s.gallery.position(owner, q, want.cursor()).await.unwrap();
        assert_eq!(pos, Position { index: n as u64 + 1, total }, "{what}: position of card {}", n + 1);
        let both = s.gallery.card_with_position(owner, q, at).await.unwrap();
        assert_eq!(both, Some(((*want).clone(), pos)), "{what}: card {} with its position at once", n + 1);
        at = CardAt::Older(want.cursor());
    }
    assert_eq!(s.gallery.card(owner, q, at).await.unwrap(), None, "{what}: nothing older than the last card");
    assert_eq!(s.gallery.card_with_position(owner, q, at).await.unwrap(), None, "{what}: none with a position");
    if let Some(last) = expected.last() {
        let mut at = CardAt::Newer(last.cursor());
        for want in expected.iter().rev().skip(1) {
            let got = s.gallery.card(owner, q, at).await.unwrap();
            assert_eq!(got.map(|i| i.id), Some(want.id), "{what}: going newer");
            at = CardAt::Newer(want.cursor());
        }
        assert_eq!(s.gallery.card(owner, q, at).await.unwrap(), None, "{what}: nothing newer than the first card");
    } else {
        assert_eq!(s.gallery.card(owner, q, CardAt::Newest).await.unwrap(), None, "{what}: empty");
    }
}

/// Steps both ways from every card under `q` (the user read with each), and the steps that
/// lead nowhere: past either end, from another user's image, for a Telegram id nobody has.
async fn steps(s: Stores<'_>, owner: &User, q: &GalleryQuery, expected: &[&ImageRecord], what: &str) {
    let tg = owner.profile.telegram_id;
    let total = expected.len() as u64;
    let at = |n: usize| Some(((*expected[n]).clone(), Position { index: n as u64 + 1, total }));
    for n in 0..expected.len() {
        let from = expected[n].id;
        let (user, card) = s.gallery.step(tg, q, from, true).await.unwrap().expect("the user is found");
        assert_eq!(user, *owner, "{what}: the step reads the user as stored");
        let want = if n + 1 < expected.len() { at(n + 1) } else { None };
        assert_eq!(card, want, "{what}: a step older from card {}", n + 1);
        let (_, back) = s.gallery.step(tg, q, from, false).await.unwrap().unwrap();
        assert_eq!(back, if n > 0 { at(n - 1) } else { None }, "{what}: a step newer from card {}", n + 1);
    }
}

async fn steps_that_lead_nowhere(s: Stores<'_>, g: &Seeded) {
    let (owner, q) = (&g.owner, GalleryQuery::default());
    let theirs = g.theirs[2].id;
    let (user, card) = s.gallery.step(owner.profile.telegram_id, &q, theirs, true).await.unwrap().unwrap();
    assert_eq!((user.id, card), (owner.id, None), "another user's image is no place to step from");
    let (_, card) =
        s.gallery.step(owner.profile.telegram_id, &q, ImageId(fixtures::id()), false).await.unwrap().unwrap();
    assert_eq!(card, None, "nor is an image that does not exist");
    let nobody = aisha_domain::TelegramUserId::new(i64::MAX - 11).unwrap();
    assert_eq!(s.gallery.step(nobody, &q, g.first().id, true).await.unwrap(), None, "no such user");
}

fn ordered<'a>(all: &'a [ImageRecord], q: &GalleryQuery) -> Vec<&'a ImageRecord> {
    let mut v: Vec<&ImageRecord> = all.iter().filter(|i| q.matches(i)).collect();
    v.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id)));
    v
}

/// The images the suite walks: 24 of the owner's (pairs sharing a timestamp, a third of
/// them avatar photos under two labels, every fourth a favorite) and 5 of another user's.
struct Seeded {
    owner: aisha_domain::User,
    other: aisha_domain::User,
    avatar: AvatarId,
    ours: Vec<ImageRecord>,
    theirs: Vec<ImageRecord>,
}

impl Seeded {
    /// The owner's newest card.
    fn first(&self) -> ImageRecord {
        ordered(&self.ours, &GalleryQuery::default())[0].clone()
    }

    /// The owner's first image that is not a favorite.
    fn not_fav(&self) -> &ImageRecord {
        self.ours.iter().find(|i| !i.favorite).unwrap()
    }
}

pub async fn run(s: Stores<'_>, now: DateTime<Utc>) {
    let g = seed(s, now).await;
    order_under_every_filter(s, &g, now).await;
    exact_cards(s, &g).await;
    steps_that_lead_nowhere(s, &g).await;
    owner_scoping(s, &g).await;
    job_images(s, &g, now).await;
    favorite_file_id_delete(s, &g, now).await;
    counts(s, &g, now).await;
}

async fn seed(s: Stores<'_>, now: DateTime<Utc>) -> Seeded {
    let owner = fixtures::user(now);
    let other = fixtures::user(now);
    s.users.upsert(owner.clone()).await.unwrap();
    s.users.upsert(other.clone()).await.unwrap();
    let avatar = AvatarId(fixtures::id());
    let mut ours = Vec::new();
    for n in 0..24i64 {
        // pairs share a timestamp so the id breaks the tie
        let at = now - Duration::hours(n / 2 * 20);
        let kind = if n % 3 == 0 { ImageKind::AvatarPhoto } else { ImageKind::Text };
        let mut img = fixtures::image(owner.id, None, kind, at);
        img.favorite = n % 4 == 1;
        if kind == ImageKind::AvatarPhoto {
            img.avatar = (n % 2 == 0).then_some(avatar);
            img.avatar_name = Some(if n % 2 == 0 { "Аня".into() } else { "Старый".into() });
        }
        ours.push(img);
    }
    let theirs: Vec<ImageRecord> =
        (0..5).map(|n| fixtures::image(other.id, None, ImageKind::Text, now - Duration::hours(n))).collect();
    // images arrive through a job's success; a store-level insert is what the contract needs,
    // so insert them with one settled job per owner
    insert(s, &owner, &ours, now).await;
    insert(s, &other, &theirs, now).await;
    Seeded { owner, other, avatar, ours, theirs }
}

async fn order_under_every_filter(s: Stores<'_>, g: &Seeded, now: DateTime<Utc>) {
    let (owner, avatar, ours) = (&g.owner, g.avatar, &g.ours);
    let queries = [
        ("all", GalleryQuery::default()),
        ("favorites", GalleryQuery { favorites_only: true, ..Default::default() }),
        ("imagen", GalleryQuery { kind: Some(ImageKind::Text), ..Default::default() }),
        ("avatar photos", GalleryQuery { kind: Some(ImageKind::AvatarPhoto), ..Default::default() }),
        ("one avatar", GalleryQuery { avatar: Some(avatar), ..Default::default() }),
        (
            "imagen in the last 3 days",
            GalleryQuery {
                kind: Some(ImageKind::Text),
                from: Some(now - Duration::days(3)),
                until: Some(now + Duration::seconds(1)),
                ..Default::default()
            },
        ),
        (
            "favorites in a window",
            GalleryQuery {
                favorites_only: true,
                from: Some(now - Duration::days(5)),
                until: Some(now - Duration::days(1)),
                ..Default::default()
            },
        ),
        // two conditions no single index holds
        (
            "favorite avatar photos",
            GalleryQuery { kind: Some(ImageKind::AvatarPhoto), favorites_only: true, ..Default::default() },
        ),
        (
            "one avatar's photos",
            GalleryQuery { kind: Some(ImageKind::AvatarPhoto), avatar: Some(avatar), ..Default::default() },
        ),
        ("nothing", GalleryQuery { from: Some(now + Duration::days(1)), ..Default::default() }),
    ];
    for (what, q) in &queries {
        walk(s, owner.id, q, &ordered(ours, q), what).await;
        steps(s, owner, q, &ordered(ours, q), what).await;
    }
    walk(s, g.other.id, &GalleryQuery::default(), &ordered(&g.theirs, &GalleryQuery::default()), "other owner").await;
}

/// Exact cards and filters.
async fn exact_cards(s: Stores<'_>, g: &Seeded) {
    let (owner, first, not_fav) = (&g.owner, g.first(), g.not_fav());
    assert_eq!(
        s.gallery.card(owner.id, &GalleryQuery::default(), CardAt::Exact(first.cursor())).await.unwrap().as_ref(),
        Some(&first)
    );
    let favs = GalleryQuery { favorites_only: true, ..Default::default() };
    assert_eq!(
        s.gallery.card(owner.id, &favs, CardAt::Exact(not_fav.cursor())).await.unwrap(),
        None,
        "Exact respects the filter"
    );
}

async fn owner_scoping(s: Stores<'_>, g: &Seeded) {
    let (owner, other) = (&g.owner, &g.other);
    let theirs0 = &g.theirs[0];
    assert_eq!(s.gallery.get(owner.id, theirs0.id).await.unwrap(), None, "another user's image is not found");
    assert_eq!(s.gallery.set_favorite(owner.id, theirs0.id, true).await.unwrap(), None);
    assert_eq!(s.gallery.toggle_favorite(owner.id, theirs0.id).await.unwrap(), None);
    assert_eq!(s.gallery.delete(owner.id, theirs0.id).await.unwrap(), None);
    assert_eq!(
        s.gallery.card(owner.id, &GalleryQuery::default(), CardAt::Exact(theirs0.cursor())).await.unwrap(),
        None
    );
    s.gallery.set_file_id(owner.id, theirs0.id, "stolen").await.unwrap();
    let intact = s.gallery.get(other.id, theirs0.id).await.unwrap().expect("still there");
    assert!(!intact.favorite && intact.telegram_file_id.is_none(), "nothing changed on another user's image");
}

/// A job's images, owner-scoped.
async fn job_images(s: Stores<'_>, g: &Seeded, now: DateTime<Utc>) {
    let (owner, other) = (&g.owner, &g.other);
    let job = aisha_domain::JobId(fixtures::id());
    let mut from_job: Vec<ImageRecord> = (0..3u8)
        .map(|n| {
            let mut i = fixtures::image(owner.id, Some(job), ImageKind::Text, now - Duration::days(40));
            i.object.key = aisha_domain::storage::StorageKey::image(
                owner.id,
                i.created_at,
                job,
                n,
                aisha_domain::media::ImageFormat::Png,
            );
            i
        })
        .collect();
    insert(s, owner, &from_job, now).await;
    from_job.sort_by(|a, b| a.object.key.as_str().cmp(b.object.key.as_str()));
    assert_eq!(s.gallery.of_job(owner.id, job).await.unwrap(), from_job, "a job's images, in stored order");
    assert!(s.gallery.of_job(other.id, job).await.unwrap().is_empty(), "another user's job has no images for you");
    for i in &from_job {
        s.gallery.delete(owner.id, i.id).await.unwrap();
    }
}

/// Favorite, file id, delete: the newest card is deleted, the first non-favorite made one.
async fn favorite_file_id_delete(s: Stores<'_>, g: &Seeded, now: DateTime<Utc>) {
    let (owner, ours, first, not_fav) = (&g.owner, &g.ours, g.first(), g.not_fav());
    let fav = s.gallery.set_favorite(owner.id, not_fav.id, true).await.unwrap().expect("own image");
    assert!(fav.favorite);
    let off = s.gallery.toggle_favorite(owner.id, not_fav.id).await.unwrap().expect("own image");
    assert!(!off.favorite, "a toggle turns it off");
    assert_eq!(off.id, not_fav.id);
    let on = s.gallery.toggle_favorite(owner.id, not_fav.id).await.unwrap().expect("own image");
    assert!(on.favorite, "and on again");
    assert!(s.gallery.get(owner.id, not_fav.id).await.unwrap().unwrap().favorite, "as stored");
    s.gallery.set_file_id(owner.id, not_fav.id, "AgACAgIAAxkBAAIB").await.unwrap();
    assert_eq!(
        s.gallery.get(owner.id, not_fav.id).await.unwrap().unwrap().telegram_file_id.as_deref(),
        Some("AgACAgIAAxkBAAIB")
    );
    let gone = s.gallery.delete(owner.id, first.id).await.unwrap().expect("deleted row is returned");
    assert_eq!(gone.object, first.object, "the caller gets the stored object to remove");
    assert_eq!(s.gallery.get(owner.id, first.id).await.unwrap(), None);
    let next = s.gallery.card(owner.id, &GalleryQuery::default(), CardAt::Older(first.cursor())).await.unwrap();
    assert_eq!(
        next.map(|i| i.id),
        Some(ordered(ours, &GalleryQuery::default())[1].id),
        "the neighbour of a deleted card is found by its cursor"
    );
    let pos = s
        .gallery
        .position(owner.id, &GalleryQuery::default(), ordered(ours, &GalleryQuery::default())[1].cursor())
        .await
        .unwrap();
    assert_eq!(pos, Position { index: 1, total: 23 });
    let missing = Cursor { created_at: now + Duration::days(30), id: aisha_domain::ImageId(fixtures::id()) };
    assert_eq!(
        s.gallery.position(owner.id, &GalleryQuery::default(), missing).await.unwrap(),
        Position { index: 0, total: 23 }
    );
}

/// Counts, after the newest card was deleted and the first non-favorite made one.
async fn counts(s: Stores<'_>, g: &Seeded, now: DateTime<Utc>) {
    let (owner, first, not_fav) = (&g.owner, g.first(), g.not_fav());
    let remaining: Vec<&ImageRecord> = g.ours.iter().filter(|i| i.id != first.id).collect();
    let month_start = now - Duration::days(2);
    let c = s.gallery.counts(owner.id, month_start).await.unwrap();
    assert_eq!(c.total, 23);
    assert_eq!(c.imagen, remaining.iter().filter(|i| i.kind == ImageKind::Text).count() as u64);
    assert_eq!(c.avatar_photos, remaining.iter().filter(|i| i.kind == ImageKind::AvatarPhoto).count() as u64);
    assert_eq!(c.favorites, remaining.iter().filter(|i| i.favorite || i.id == not_fav.id).count() as u64);
    assert_eq!(c.this_month, remaining.iter().filter(|i| i.created_at >= month_start).count() as u64);
    let anya = remaining.iter().filter(|i| i.avatar_name.as_deref() == Some("Аня")).count() as u64;
    let old = remaining.iter().filter(|i| i.avatar_name.as_deref() == Some("Старый")).count() as u64;
    let mut want = vec![("Аня".to_string(), anya), ("Старый".to_string(), old)];
    want.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    assert_eq!(c.by_avatar, want, "per avatar label, most first");
}

/// Puts images into the gallery the only way the ports allow: as a job's output.
pub async fn insert(s: Stores<'_>, owner: &aisha_domain::User, images: &[ImageRecord], now: DateTime<Utc>) {
    use aisha_domain::generation::{InFlightLimit, JobLimits};
    use aisha_domain::ledger::{LedgerReason, NewLedgerEntry};
    use aisha_domain::ports::JobOutput;
    for chunk in images.chunks(4) {
        let spec = fixtures::imagen(u8::try_from(chunk.len()).unwrap(), "imagen4/fast");
        let new = fixtures::new_job(owner.id, spec, now);
        s.ledger
            .apply(NewLedgerEntry {
                id: aisha_domain::LedgerEntryId(fixtures::id()),
                owner: owner.id,
                amount: new.quote.total.get(),
                reason: LedgerReason::Admin { note: "test images".into(), user_note: None },
                idempotency_key: format!("test-images:{}", new.id),
                created_at: now,
            })
            .await
            .unwrap();
        let limits = JobLimits { in_flight: InFlightLimit(u32::MAX), ..JobLimits::default() };
        let mut job = s.jobs.create_charged(new, &limits).await.unwrap().job;
        job.submitted(
            aisha_domain::generation::ProviderRef {
                request_id: format!("seed-{}", job.id),
                model: "seed".into(),
                status_url: None,
                response_url: None,
                cancel_url: None,
            },
            None,
            now,
        )
        .unwrap();
        s.jobs.save(&job).await.unwrap();
        s.jobs.succeed(job.id, JobOutput::Images(chunk.to_vec()), now).await.unwrap();
    }
}
