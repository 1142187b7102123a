//! Avatars driven as a user would: photos, image documents and albums in, exact counts and
//! reasons out; training paid once and refunded when it fails or is cancelled in time; photos
//! with the avatar landing in the gallery under its filter; and someone else's avatar id never
//! doing anything.

mod harness;

use aisha_bot::callback::Cb;
use aisha_bot::io::{IncomingFile, Media, Outgoing, Reply};
use aisha_domain::avatar::{Gender, Lora};
use aisha_domain::gallery::ImageKind;
use aisha_domain::media::fixtures::{jpeg_header, png_header};
use aisha_domain::ports::{ProviderErrorKind, ProviderOutput, ProviderRequest};
use aisha_domain::{AspectRatio, AvatarId, AvatarStatus, JobId, JobStatus};
use aisha_memory::ScriptedGenerator;
use harness::{Harness, all_text, buttons, find, render};

const U: i64 = 3003;
const OTHER: i64 = 3004;

fn jpeg(h: &Harness, height: u16) -> IncomingFile {
    h.files.add(jpeg_header(1024, height), None, None)
}

fn png_doc(h: &Harness, height: u32) -> IncomingFile {
    h.files.add(png_header(900, height), Some("image/png"), Some("portrait.png"))
}

/// Starts a user with coins, names an avatar and picks its gender: the upload screen.
fn new_avatar(h: &Harness, tg: i64, lang: &str, name: &str, coins: i64) -> AvatarId {
    h.command(tg, lang, "start");
    if coins > 0 {
        h.fund(tg, coins);
    }
    h.press(tg, lang, Cb::AvatarNew, 10);
    h.text(tg, lang, name);
    let upload = h.press(tg, lang, Cb::Gender(Gender::Female), 11);
    match find(&upload, |c| matches!(c, Cb::AvatarOpen(_))) {
        Some(Cb::AvatarOpen(a)) => a,
        _ => panic!("no upload screen:\n{}", render(&upload)),
    }
}

/// `n` distinct acceptable photos as one album.
fn album_of(h: &Harness, n: u16, from: u16) -> Vec<(IncomingFile, bool)> {
    (0..n).map(|i| (jpeg(h, 1200 + from + i), false)).collect()
}

/// The training confirmation's job, then the start (status message 20).
fn train(h: &Harness, tg: i64, lang: &str, avatar: AvatarId) -> JobId {
    let confirm = h.press(tg, lang, Cb::AvatarTrain(avatar), 20);
    let Some(Cb::TrainConfirm(job)) = find(&confirm, |c| matches!(c, Cb::TrainConfirm(_))) else {
        panic!("no train confirmation:\n{}", render(&confirm))
    };
    let started = h.press(tg, lang, Cb::TrainConfirm(job), 20);
    assert!(find(&started, |c| *c == Cb::CancelJob(job)).is_some(), "{}", render(&started));
    job
}

fn last_request(h: &Harness) -> String {
    h.generator.requests().last().expect("a request").clone()
}

fn avatar(h: &Harness, id: AvatarId) -> aisha_domain::avatar::Avatar {
    h.store.snapshot().avatars.into_iter().find(|a| a.id == id).expect("avatar exists")
}

/// An avatar with 10 photos, trained and ready; the user has `coins - 150` left.
fn ready_avatar(h: &Harness, tg: i64, name: &str, coins: i64) -> AvatarId {
    let id = new_avatar(h, tg, "en", name, coins);
    h.album(tg, "en", album_of(h, 10, 0));
    train(h, tg, "en", id);
    h.work();
    h.generator.finish(&last_request(h), Ok(ProviderOutput::Lora(Some(Lora::at("mem://lora", None)))));
    let ready = h.work();
    assert!(all_text(&ready).contains("is ready"), "{}", render(&ready));
    id
}

fn sends(out: &[Outgoing]) -> usize {
    out.iter().filter(|o| matches!(o.reply, Reply::SendText { .. })).count()
}

#[test]
fn twelve_photos_with_an_album_a_duplicate_a_small_one_and_a_pdf_give_exact_counts_and_reasons() {
    let h = Harness::new();
    let id = new_avatar(&h, U, "en", "Anna", 0);

    // five singles: three photos, two image documents
    let first = jpeg(&h, 1300);
    let first_bytes = jpeg_header(1024, 1300);
    for (n, out) in [
        h.photo(U, "en", first),
        h.photo(U, "en", jpeg(&h, 1301)),
        h.photo(U, "en", jpeg(&h, 1302)),
        h.document(U, "en", png_doc(&h, 1303)),
        h.document(U, "en", png_doc(&h, 1304)),
    ]
    .iter()
    .enumerate()
    {
        let text = all_text(out);
        assert!(text.contains("✅ Photo added."), "{text}");
        assert!(text.contains(&format!("📊 {}/10 — {} more needed", n + 1, 9 - n)), "{text}");
    }

    // an album of five: three new, the first photo again, and a 300 px one — one answer
    let album = vec![
        (jpeg(&h, 1305), false),
        (png_doc(&h, 1306), true),
        (h.files.add(first_bytes, None, None), false),
        (h.files.add(png_header(300, 400), Some("image/png"), Some("small.png")), true),
        (jpeg(&h, 1307), false),
    ];
    let out = h.album(U, "en", album);
    assert_eq!(sends(&out), 1, "an album is acknowledged once:\n{}", render(&out));
    let text = all_text(&out);
    assert!(text.contains("📥 Received: 5, added: 3."), "{text}");
    assert!(text.contains("• #3: this photo is already there"), "{text}");
    assert!(
        text.contains("• #4 (small.png): too small — 300×400 px, the shorter side must be at least 512 px"),
        "{text}"
    );
    assert!(text.contains("📊 8/10 — 2 more needed"), "{text}");
    assert!(find(&out, |c| matches!(c, Cb::AvatarTrain(_))).is_none(), "no training below the minimum");

    // one more photo, then a PDF: refused without downloading it
    assert!(all_text(&h.document(U, "en", png_doc(&h, 1308))).contains("📊 9/10 — 1 more needed"));
    let pdf = h.files.add(b"%PDF-1.7 a scan".to_vec(), Some("application/pdf"), Some("passport.pdf"));
    let pdf_id = pdf.file_id.clone();
    let out = h.document(U, "en", pdf);
    let text = all_text(&out);
    assert!(text.contains("⚠️ Photo not added: unsupported format — send JPEG, PNG or WebP."), "{text}");
    assert!(text.contains("📊 9/10 — 1 more needed"), "{text}");
    assert!(!h.files.fetched().contains(&pdf_id), "a PDF is refused by its declared type");

    // twelve sent, nine kept: in the store and in storage
    assert_eq!(avatar(&h, id).photo_count, 9);
    assert_eq!(h.images.keys().iter().filter(|k| k.starts_with("avatars/")).count(), 9);

    // bigger than 20 MB: refused before downloading when Telegram says so, and by the download
    // limit when it does not
    let mut big = h.files.add(png_header(4000, 3000), Some("image/png"), Some("huge.png"));
    big.size = Some(21 * 1024 * 1024);
    let big_id = big.file_id.clone();
    assert!(all_text(&h.document(U, "en", big)).contains("larger than 20 MB"));
    assert!(!h.files.fetched().contains(&big_id), "not downloaded");
    let mut bytes = png_header(4000, 3000);
    bytes.resize(20 * 1024 * 1024 + 1, 0);
    let mut undeclared = h.files.add(bytes, Some("image/png"), None);
    undeclared.size = None;
    assert!(all_text(&h.document(U, "en", undeclared)).contains("larger than 20 MB"));
    assert_eq!(avatar(&h, id).photo_count, 9);

    // the tenth: training is offered
    let out = h.photo(U, "en", jpeg(&h, 1309));
    assert!(all_text(&out).contains("📊 10 photos — enough to train (up to 20 allowed)"), "{}", all_text(&out));
    assert_eq!(find(&out, |c| matches!(c, Cb::AvatarTrain(_))), Some(Cb::AvatarTrain(id)));

    // review and remove one: the row and its stored object go
    let review = h.press(U, "en", Cb::AvatarReview(id), 30);
    let removes: Vec<Cb> = buttons(&review)
        .iter()
        .filter_map(|(_, d)| Cb::decode(d))
        .filter(|c| matches!(c, Cb::PhotoRemove(_)))
        .collect();
    assert_eq!(removes.len(), 10, "one remove button per photo");
    let out = h.press(U, "en", removes[0], 30);
    assert!(all_text(&out).contains("Photo removed"), "{}", all_text(&out));
    assert!(all_text(&out).contains("📊 9/10 — 1 more needed"), "{}", all_text(&out));
    assert_eq!(avatar(&h, id).photo_count, 9);
    assert_eq!(h.images.keys().iter().filter(|k| k.starts_with("avatars/")).count(), 9);
    let again = h.press(U, "en", removes[0], 30);
    assert!(all_text(&again).contains("Not found"), "{}", all_text(&again));

    // up to the maximum, then "full" for every further photo of an album
    h.album(U, "en", album_of(&h, 10, 500));
    let out = h.album(U, "en", album_of(&h, 3, 700));
    let text = all_text(&out);
    assert!(text.contains("📥 Received: 3, added: 1."), "{text}");
    assert!(text.contains("• #2: the avatar already has 20 photos, the maximum"), "{text}");
    assert!(text.contains("📊 20/20 — that is the maximum"), "{text}");
    assert_eq!(avatar(&h, id).photo_count, 20);
}

#[test]
fn photos_outside_an_upload_are_not_downloaded() {
    let h = Harness::new();
    h.command(U, "ru", "start");
    let file = jpeg(&h, 1300);
    let out = h.photo(U, "ru", file);
    assert!(all_text(&out).contains("Мои аватары"), "{}", all_text(&out));
    assert!(h.files.fetched().is_empty());
    assert!(h.store.snapshot().avatars.is_empty());
}

#[test]
fn train_once_then_photos_with_me_land_in_the_gallery_under_the_avatar_filter() {
    let h = Harness::new();
    let id = new_avatar(&h, U, "en", "Anna <b>", 200);
    h.album(U, "en", album_of(&h, 10, 0));
    let confirm = h.press(U, "en", Cb::AvatarTrain(id), 20);
    let text = all_text(&confirm);
    assert!(text.contains("Price: <b>150 coins</b>") && text.contains("Balance after: 50 coins"), "{text}");
    let Some(Cb::TrainConfirm(job)) = find(&confirm, |c| matches!(c, Cb::TrainConfirm(_))) else { panic!() };
    h.press(U, "en", Cb::TrainConfirm(job), 20);
    let twice = h.press(U, "en", Cb::TrainConfirm(job), 20);
    assert!(all_text(&twice).contains("already started"), "{}", all_text(&twice));
    assert_eq!(h.balance(U), 50, "one charge for a double press");
    assert_eq!(h.store.snapshot().jobs.len(), 1);
    assert_eq!(avatar(&h, id).status, AvatarStatus::Training);

    // photos cannot change while training; the avatar cannot be deleted
    let closed = h.press(U, "en", Cb::AvatarUpload(id), 21);
    assert!(all_text(&closed).contains("cannot be changed now"), "{}", all_text(&closed));
    let busy = h.press(U, "en", Cb::AvatarDeleteYes(id), 21);
    assert!(all_text(&busy).contains("cancel the training first"), "{}", all_text(&busy));
    assert!(find(&busy, |c| *c == Cb::CancelJob(job)).is_some());

    h.work();
    let request = last_request(&h);
    let Some(ProviderRequest::Training { trigger, .. }) = h.generator.request(&request).map(|r| r.request) else {
        panic!("a training request")
    };
    assert_eq!(trigger, avatar(&h, id).trigger.as_str());
    assert_eq!(h.generator.archives().len(), 1, "the photos went up as one archive");
    h.generator.finish(&request, Ok(ProviderOutput::Lora(Some(Lora::at("mem://lora/anna", None)))));
    let ready = h.work();
    let text = all_text(&ready);
    assert!(text.contains("✅ <b>Avatar «Anna &lt;b&gt;» is ready!</b>"), "{text}");
    assert!(ready.iter().any(|o| matches!(o.reply, Reply::Delete { .. })), "the status message goes");
    assert_eq!(find(&ready, |c| matches!(c, Cb::WithAvatar(_))), Some(Cb::WithAvatar(id)));
    let a = avatar(&h, id);
    assert!(a.is_usable() && a.is_main, "the first trained avatar becomes main");

    // photos with me: avatar → prompt → 3:4 → 2 → confirm (5 per image)
    let ask = h.press(U, "en", Cb::WithAvatar(id), 30);
    assert!(all_text(&ask).contains("Avatar: <b>Anna &lt;b&gt;</b>"), "{}", all_text(&ask));
    h.text(U, "en", "on a yacht at sunset");
    h.press(U, "en", Cb::Aspect(AspectRatio::Portrait3x4), 30);
    let confirm = h.press(U, "en", Cb::Count(2), 30);
    let text = all_text(&confirm);
    assert!(text.contains("Price: <b>10 coins</b> (2 × 5)") && text.contains("Balance after: 40 coins"), "{text}");
    let Some(Cb::Confirm(photos_job)) = find(&confirm, |c| matches!(c, Cb::Confirm(_))) else { panic!() };
    h.press(U, "en", Cb::Confirm(photos_job), 30);
    h.press(U, "en", Cb::Confirm(photos_job), 30);
    assert_eq!(h.balance(U), 40, "one charge");
    h.work();
    let request = last_request(&h);
    let Some(ProviderRequest::LoraImages { prompt, lora_url, aspect, count, .. }) =
        h.generator.request(&request).map(|r| r.request)
    else {
        panic!("a LoRA request")
    };
    assert_eq!((lora_url.as_str(), aspect, count), ("mem://lora/anna", AspectRatio::Portrait3x4, 2));
    assert_eq!(prompt.matches(a.trigger.as_str()).count(), 1, "trigger once: {prompt}");
    let class = format!("{} woman,", a.trigger.as_str());
    assert!(prompt.starts_with(&class), "the gender asked at creation is the class word: {prompt}");
    let (w, hgt) = aspect.size_with_long_side(1024);
    assert!(w < hgt, "3:4 is portrait: {w}×{hgt}");
    h.generator.finish(&request, Ok(ScriptedGenerator::images(w, hgt, 2, 0)));
    let delivered = h.work();
    assert!(delivered.iter().any(|o| matches!(o.reply, Reply::SendAlbum { .. })), "{}", render(&delivered));

    // the gallery, filtered by the avatar
    h.press(U, "en", Cb::Gallery, 40);
    let menu = h.press(U, "en", Cb::FilterAvatarMenu, 41);
    assert_eq!(find(&menu, |c| matches!(c, Cb::FilterAvatar(Some(_)))), Some(Cb::FilterAvatar(Some(id))));
    let filtered = h.press(U, "en", Cb::FilterAvatar(Some(id)), 41);
    let caption = filtered
        .iter()
        .find_map(|o| match &o.reply {
            Reply::EditPhoto { caption, photo: Media::Stored { .. }, .. } => caption.clone(),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a card:\n{}", render(&filtered)));
    assert!(caption.starts_with("1 / 2 · Anna &lt;b&gt; · 3:4 · "), "{caption}");
    let images = h.store.snapshot().images;
    assert_eq!(images.len(), 2);
    for img in &images {
        assert_eq!((img.kind, img.avatar, img.aspect), (ImageKind::AvatarPhoto, Some(id), AspectRatio::Portrait3x4));
        assert!(img.object.width < img.object.height, "portrait: {}×{}", img.object.width, img.object.height);
    }
    h.assert_invariants();

    // rename relabels; delete removes the photos and their objects, the images stay labelled
    h.press(U, "en", Cb::AvatarRename(id), 50);
    let renamed = h.text(U, "en", "Anya");
    assert!(all_text(&renamed).contains("🎭 <b>Anya</b> · 📌 main"), "{}", all_text(&renamed));
    h.press(U, "en", Cb::AvatarDelete(id), 51);
    let deleted = h.press(U, "en", Cb::AvatarDeleteYes(id), 51);
    assert!(all_text(&deleted).contains("Avatar «Anya» deleted"), "{}", all_text(&deleted));
    let snap = h.store.snapshot();
    assert!(snap.avatars.is_empty());
    assert!(h.images.keys().iter().all(|k| !k.starts_with("avatars/")), "photo objects removed");
    assert_eq!(snap.images.len(), 2, "images made with it stay");
    assert!(snap.images.iter().all(|i| i.avatar_name.as_deref() == Some("Anya")));
    let card = h.press(U, "en", Cb::GalleryReset, 52);
    assert!(all_text(&card).contains(" · Anya · 3:4 · "), "{}", all_text(&card));
    h.assert_invariants();
}

#[test]
fn a_failed_training_is_refunded_and_can_be_trained_again() {
    let h = Harness::new();
    let id = new_avatar(&h, U, "ru", "Максим", 150);
    h.album(U, "ru", album_of(&h, 10, 0));
    let confirm = h.press(U, "ru", Cb::AvatarTrain(id), 20);
    let Some(Cb::TrainConfirm(job)) = find(&confirm, |c| matches!(c, Cb::TrainConfirm(_))) else { panic!() };
    h.press(U, "ru", Cb::TrainConfirm(job), 20);
    assert_eq!(h.balance(U), 0);
    h.work();
    h.generator.finish(&last_request(&h), Ok(ProviderOutput::Lora(None)));
    let out = h.work();
    let text = all_text(&out);
    assert!(text.contains("Аватар «Максим»: обучение не удалось"), "{text}");
    assert!(text.contains("Вернула на баланс 150 монет"), "{text}");
    assert_eq!(h.balance(U), 150);
    assert_eq!(avatar(&h, id).status, AvatarStatus::Failed);
    assert!(avatar(&h, id).lora.is_none(), "no LoRA is invented");
    h.assert_invariants();

    // a refused submit is a failure too, refunded
    train(&h, U, "ru", id);
    h.generator.fail_next_submit(aisha_domain::ports::ProviderError::new(ProviderErrorKind::OutOfCredit, "locked"));
    let out = h.work();
    assert!(all_text(&out).contains("Вернула на баланс 150 монет"), "{}", all_text(&out));
    assert_eq!(h.balance(U), 150);
    h.assert_invariants();
}

#[test]
fn cancel_while_queued_refunds_in_full_and_while_training_only_asks() {
    let h = Harness::new();
    let id = new_avatar(&h, U, "en", "Anna", 300);
    h.album(U, "en", album_of(&h, 10, 0));
    let job = train(&h, U, "en", id);
    h.work();
    assert_eq!(h.store.snapshot().jobs[0].status, JobStatus::Queued);
    let out = h.press(U, "en", Cb::CancelJob(job), 20);
    let text = all_text(&out);
    assert!(
        text.contains("Avatar «Anna»: training cancelled") && text.contains("150 coins returned to your balance"),
        "{text}"
    );
    assert_eq!(h.balance(U), 300, "a full refund");
    assert_eq!(avatar(&h, id).status, AvatarStatus::Draft, "back to collecting photos");
    h.work();
    h.assert_invariants();

    // while training: the provider is asked, nothing is refunded yet
    let job = train(&h, U, "en", id);
    h.work();
    let request = last_request(&h);
    h.generator.set_running(&request);
    h.work();
    let out = h.press(U, "en", Cb::CancelJob(job), 20);
    assert!(all_text(&out).contains("I asked the service to stop the training"), "{}", all_text(&out));
    assert!(all_text(&out).contains("Cancellation requested"), "the status says so: {}", all_text(&out));
    assert!(find(&out, |c| *c == Cb::CancelJob(job)).is_none(), "no second cancel");
    assert_eq!(h.balance(U), 150);
    assert!(h.generator.request(&request).unwrap().cancel_requested);
    // the provider confirms it stopped without a LoRA: refunded
    h.generator
        .finish(&request, Err(aisha_domain::ports::ProviderError::new(ProviderErrorKind::NotFound, "cancelled")));
    let out = h.work();
    assert!(all_text(&out).contains("training cancelled"), "{}", all_text(&out));
    assert_eq!(h.balance(U), 300);
    h.assert_invariants();
}

#[test]
fn another_users_avatar_ids_are_not_found_and_nothing_is_charged_or_changed() {
    let h = Harness::new();
    let ready = ready_avatar(&h, U, "Anna", 300);
    let draft = new_avatar(&h, U, "en", "Draft", 0);
    h.album(U, "en", album_of(&h, 10, 300));
    let training = new_avatar(&h, U, "en", "Busy", 0);
    h.album(U, "en", album_of(&h, 10, 600));
    let job = train(&h, U, "en", training);
    h.work();
    let victims_photo = block_photos(&h, draft)[0];
    let before = h.store.snapshot();
    let keys_before = h.images.keys().len();

    // the other user has coins, an avatar of their own and an upload dialogue for it
    let own = new_avatar(&h, OTHER, "en", "Mine", 500);
    for cb in [
        Cb::AvatarOpen(ready),
        Cb::AvatarUpload(draft),
        Cb::AvatarReview(draft),
        Cb::AvatarShowPhotos(draft),
        Cb::AvatarTrain(draft),
        Cb::CancelJob(job),
        Cb::AvatarMain(ready),
        Cb::AvatarRename(ready),
        Cb::AvatarDelete(ready),
        Cb::AvatarDeleteYes(ready),
        Cb::AvatarDeleteYes(draft),
        Cb::WithAvatar(ready),
        Cb::FilterAvatar(Some(ready)),
        Cb::PhotoRemove(victims_photo),
    ] {
        h.press(OTHER, "en", Cb::AvatarUpload(own), 60);
        let out = h.press(OTHER, "en", cb, 60);
        assert!(all_text(&out).contains("Not found"), "{cb:?}:\n{}", render(&out));
        assert!(
            !out.iter().any(|o| matches!(o.reply, Reply::SendAlbum { .. } | Reply::SendPhoto { .. })),
            "{cb:?} showed nothing of theirs"
        );
    }
    // a rename typed after the refused button renames nothing
    h.text(OTHER, "en", "Stolen");
    // forged TrainConfirm with the victim's job id: no dialogue holds it
    let out = h.press(OTHER, "en", Cb::TrainConfirm(job), 60);
    assert!(!all_text(&out).contains("Training the avatar"), "{}", render(&out));

    let after = h.store.snapshot();
    assert_eq!(after.avatars.iter().filter(|a| a.owner == h.user(U).id).cloned().collect::<Vec<_>>(), {
        before.avatars.iter().filter(|a| a.owner == h.user(U).id).cloned().collect::<Vec<_>>()
    });
    assert_eq!(after.jobs, before.jobs, "no job started, none cancelled");
    assert_eq!(h.balance(OTHER), 500, "nothing charged");
    assert_eq!(h.balance(U), 0, "two trainings paid, nothing else");
    assert_eq!(h.images.keys().len(), keys_before, "no object removed");
    h.assert_invariants();
}

/// The photo ids of an avatar, oldest first.
fn block_photos(h: &Harness, avatar: AvatarId) -> Vec<aisha_domain::PhotoId> {
    let owner = h.store.snapshot().avatars.into_iter().find(|a| a.id == avatar).unwrap().owner;
    harness::block(aisha_domain::ports::Avatars::photos(&*h.store, owner, avatar))
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect()
}

#[test]
fn main_avatar_is_chosen_among_trained_ones_and_preselected_for_photos() {
    let h = Harness::new();
    let first = ready_avatar(&h, U, "First", 400);
    let second = ready_avatar(&h, U, "Second", 0);
    let draft = new_avatar(&h, U, "en", "Draft", 0);
    assert!(avatar(&h, first).is_main && !avatar(&h, second).is_main, "the first trained one is main");

    let out = h.press(U, "en", Cb::AvatarMain(draft), 5);
    assert!(all_text(&out).contains("Only a trained avatar can be the main one."), "{}", all_text(&out));
    let out = h.press(U, "en", Cb::AvatarMain(second), 5);
    assert!(all_text(&out).contains("Main avatar set"), "{}", all_text(&out));
    assert!(all_text(&out).contains("🎭 <b>Second</b> · 📌 main"), "the card shows it: {}", all_text(&out));
    let snap = h.store.snapshot();
    assert_eq!(snap.avatars.iter().filter(|a| a.is_main).map(|a| a.id).collect::<Vec<_>>(), vec![second]);

    let ask = h.press(U, "en", Cb::WithMe, 6);
    assert!(all_text(&ask).contains("Avatar: <b>Second</b>"), "{}", all_text(&ask));
    assert!(find(&ask, |c| *c == Cb::WithAvatar(first)).is_some(), "the other one can be picked");
    assert!(find(&ask, |c| *c == Cb::WithAvatar(draft)).is_none(), "only trained ones are offered");
    let out = h.press(U, "en", Cb::WithAvatar(draft), 6);
    assert!(all_text(&out).contains("not trained yet"), "{}", all_text(&out));
}

#[test]
fn names_are_checked_and_a_double_gender_press_makes_one_avatar() {
    let h = Harness::new();
    h.command(U, "en", "start");
    h.press(U, "en", Cb::AvatarNew, 10);
    assert!(all_text(&h.text(U, "en", "A")).contains("2 to 40 characters long; this one has 1"));
    assert!(all_text(&h.text(U, "en", &"я".repeat(41))).contains("this one has 41"));
    let gender = h.text(U, "en", "  Аня 🌸 ");
    assert!(all_text(&gender).contains("«Аня 🌸»"), "{}", all_text(&gender));
    assert!(all_text(&h.text(U, "en", "female")).contains("Who is in the photos"), "text asks again");
    h.press(U, "en", Cb::Gender(Gender::Female), 11);
    let again = h.press(U, "en", Cb::Gender(Gender::Female), 11);
    assert!(all_text(&again).contains("outdated"), "{}", all_text(&again));
    let avatars = h.store.snapshot().avatars;
    assert_eq!(avatars.len(), 1);
    assert_eq!((avatars[0].name.as_str(), avatars[0].gender), ("Аня 🌸", Gender::Female));

    h.press(U, "en", Cb::AvatarRename(avatars[0].id), 12);
    assert!(all_text(&h.text(U, "en", "x")).contains("this one has 1"));
    assert_eq!(avatar(&h, avatars[0].id).name.as_str(), "Аня 🌸", "not renamed");
    let cancelled = h.command(U, "en", "cancel");
    assert!(all_text(&cancelled).contains("Cancelled: renaming an avatar"), "{}", all_text(&cancelled));
}

#[test]
fn create_offers_photos_with_me_only_to_someone_with_a_trained_avatar() {
    let h = Harness::new();
    let other = U + 7;
    h.command(other, "en", "start");
    let ask = h.press(other, "en", Cb::Create, 5);
    assert!(find(&ask, |c| *c == Cb::WithMe).is_none(), "no avatar, no offer: {}", render(&ask));

    let drafted = new_avatar(&h, U, "en", "Draft", 400);
    h.album(U, "en", album_of(&h, 10, 0));
    train(&h, U, "en", drafted);
    h.work();
    let ask = h.press(U, "en", Cb::Create, 5);
    assert!(find(&ask, |c| *c == Cb::WithMe).is_none(), "an avatar still training is no offer either");
    h.generator.finish(&last_request(&h), Ok(ProviderOutput::Lora(Some(Lora::at("mem://lora", None)))));
    h.work();
    let ask = h.press(U, "en", Cb::Create, 5);
    assert!(find(&ask, |c| *c == Cb::WithMe).is_some(), "{}", render(&ask));
    let with_me = h.press(U, "en", Cb::WithMe, 5);
    assert!(
        all_text(&with_me).contains("Avatar: <b>Draft</b>"),
        "the button leads to photos with me: {}",
        render(&with_me)
    );
}

#[test]
fn an_avatar_card_is_one_of_its_own_photos_and_text_while_it_has_none() {
    let h = Harness::new();
    let id = new_avatar(&h, U, "ru", "Аня", 0);
    let bare = h.press(U, "ru", Cb::AvatarOpen(id), 12);
    assert!(
        bare.iter().any(|o| matches!(&o.reply, Reply::EditText { text, .. } if text.contains("Аня"))),
        "no photo yet: the card is text:\n{}",
        render(&bare)
    );
    h.photo(U, "ru", jpeg(&h, 1300));
    h.photo(U, "ru", jpeg(&h, 1301));
    let user = h.user(U);
    let own: Vec<_> =
        harness::block(h.bot.avatars.photos(user.id, id)).unwrap().into_iter().map(|p| p.object.key).collect();
    assert_eq!(own.len(), 2);
    let card = h.press(U, "ru", Cb::AvatarOpen(id), 13);
    let photo = card.iter().find_map(|o| match &o.reply {
        Reply::SendPhoto { photo: Media::Stored { key, .. }, caption: Some(c), keyboard: Some(_), .. } => {
            Some((key.clone(), c.clone()))
        }
        _ => None,
    });
    let (key, caption) = photo.unwrap_or_else(|| panic!("a photo card:\n{}", render(&card)));
    assert!(own.contains(&key), "one of the avatar's stored photos");
    assert!(h.images.keys().contains(&key.to_string()), "sent from our storage");
    assert!(caption.contains("Аня") && caption.contains("Фото: 2"), "{caption}");
    assert!(
        card.iter().any(|o| matches!(o.reply, Reply::Delete { message, .. } if message.0 == 13)),
        "the screen it was opened from gives way:\n{}",
        render(&card)
    );
    assert!(find(&card, |c| *c == Cb::AvatarUpload(id)).is_some(), "the card's buttons ride on the photo");
}

#[test]
fn the_training_status_says_how_long_it_has_been_running_when_opened() {
    let h = Harness::new();
    let id = new_avatar(&h, U, "ru", "Аня", 200);
    h.album(U, "ru", album_of(&h, 10, 0));
    train(&h, U, "ru", id);
    h.work();
    let card = |h: &Harness| all_text(&h.press(U, "ru", Cb::AvatarOpen(id), 21));
    assert!(card(&h).contains("идёт уже меньше минуты"), "{}", card(&h));
    for (minutes, said) in [
        (1, "идёт уже 1 минуту"),
        (2, "идёт уже 2 минуты"),
        (5, "идёт уже 5 минут"),
        (11, "идёт уже 11 минут"),
        (21, "идёт уже 21 минуту"),
        (22, "идёт уже 22 минуты"),
        (25, "идёт уже 25 минут"),
        (60, "идёт уже 1 час\n"),
        (65, "идёт уже 1 час 5 минут"),
        (120, "идёт уже 2 часа\n"),
        (125, "идёт уже 2 часа 5 минут"),
    ] {
        let started = avatar(&h, id).training_job.and_then(|j| h.store.snapshot().jobs.into_iter().find(|x| x.id == j));
        let since = started.expect("the training job").created_at;
        let now = aisha_domain::Clock::now(&*h.clock);
        h.clock.advance(since + chrono::Duration::minutes(minutes) - now);
        assert!(card(&h).contains(said), "{minutes} min: {}", card(&h));
    }
    h.press(U, "en", Cb::Language(aisha_domain::Language::En), 22);
    let english = all_text(&h.press(U, "en", Cb::AvatarOpen(id), 21));
    assert!(english.contains("running for 2 hours 5 minutes"), "{english}");
}

#[test]
fn photos_with_me_says_the_price_and_the_balance_before_asking_for_a_description() {
    let h = Harness::new();
    ready_avatar(&h, U, "Anna", 170);
    let out = h.press(U, "en", Cb::WithMe, 30);
    let text = all_text(&out);
    let price = text.find("Price: 5 coins per image · balance 20 coins");
    assert!(price.is_some() && price < text.find("Describe a scene"), "{text}");
}

/// Photos with me up to the confirmation: the avatar's prompt question, `prompt`, 3:4, one.
fn with_me_to_confirm(h: &Harness, avatar: AvatarId, prompt: &str) -> Vec<Outgoing> {
    h.press(U, "ru", Cb::WithAvatar(avatar), 40);
    h.text(U, "ru", prompt);
    h.press(U, "ru", Cb::Aspect(AspectRatio::Portrait3x4), 41);
    h.press(U, "ru", Cb::Count(1), 41)
}

/// Confirms the order on screen, runs it, and returns the prompt FAL was sent.
fn confirm_and_sent_prompt(h: &Harness, confirm: &[Outgoing]) -> String {
    let Some(Cb::Confirm(job)) = find(confirm, |c| matches!(c, Cb::Confirm(_))) else {
        panic!("no confirmation:\n{}", render(confirm))
    };
    h.press(U, "ru", Cb::Confirm(job), 41);
    h.work();
    let request = last_request(h);
    let prompt = match h.generator.request(&request).map(|r| r.request) {
        Some(ProviderRequest::LoraImages { prompt, .. }) => prompt,
        Some(ProviderRequest::Text { prompt, .. }) => prompt.as_str().to_owned(),
        other => panic!("{other:?}"),
    };
    // done, so the next order is not held back by the in-flight limit
    h.generator.finish(&request, Ok(ScriptedGenerator::images(768, 1024, 1, 0)));
    h.work();
    prompt
}

/// A trained avatar of a user who reads Russian.
fn ready_avatar_ru(h: &Harness) -> AvatarId {
    let id = ready_avatar(h, U, "Аня", 400);
    h.press(U, "ru", Cb::Language(aisha_domain::Language::Ru), 39);
    id
}

#[test]
fn a_russian_description_for_photos_with_me_reaches_fal_in_english_with_the_trigger_once() {
    use aisha_domain::assistant::{AssistantError, AssistantErrorKind, Task};
    let h = Harness::new();
    let id = ready_avatar_ru(&h);
    let trigger = avatar(&h, id).trigger.as_str().to_owned();

    h.assistant.answer_next(Ok("Prompt: the person walking on a beach at sunset, golden light".into()));
    let confirm = with_me_to_confirm(&h, id, "на пляже на закате");
    let text = all_text(&confirm);
    assert!(text.contains("на пляже на закате"), "the user's words are shown: {text}");
    assert!(
        text.contains("<code>the person walking on a beach at sunset, golden light</code>"),
        "and what will be sent: {text}"
    );
    let asked = h.assistant.asked();
    assert_eq!((asked.len(), asked[0].task, asked[0].text.as_str()), (1, Task::AvatarPrompt, "на пляже на закате"));
    let sent = confirm_and_sent_prompt(&h, &confirm);
    assert_eq!(sent, format!("{trigger} woman, the person walking on a beach at sunset, golden light"));
    assert_eq!(sent.matches(&trigger).count(), 1, "trigger once: {sent}");

    // a description in English is sent as it is, without asking
    let confirm = with_me_to_confirm(&h, id, "in a red dress in Paris");
    assert!(!all_text(&confirm).contains("<code>"), "{}", render(&confirm));
    assert_eq!(confirm_and_sent_prompt(&h, &confirm), format!("{trigger} woman, in a red dress in Paris"));
    assert_eq!(h.assistant.asked().len(), 1);

    // the user's own words on request: a new job id, so the old button starts nothing new
    h.assistant.answer_next(Ok("the person in the mountains".into()));
    let translated = with_me_to_confirm(&h, id, "в горах");
    let own = h.press(U, "ru", Cb::SendOwn, 41);
    assert!(!all_text(&own).contains("<code>"), "{}", render(&own));
    assert_ne!(find(&translated, |c| matches!(c, Cb::Confirm(_))), find(&own, |c| matches!(c, Cb::Confirm(_))));
    let twice = h.press(U, "ru", Cb::SendOwn, 41);
    assert_eq!(
        find(&twice, |c| matches!(c, Cb::Confirm(_))),
        find(&own, |c| matches!(c, Cb::Confirm(_))),
        "a second press shows the same confirmation again: {}",
        render(&twice)
    );
    assert_eq!(confirm_and_sent_prompt(&h, &own), format!("{trigger} woman, в горах"));

    // a corrected text typed at the confirmation replaces what is sent
    h.assistant.answer_next(Ok("the person in a forest".into()));
    with_me_to_confirm(&h, id, "в лесу");
    let corrected = h.text(U, "ru", "the person in a misty forest at dawn");
    assert!(all_text(&corrected).contains("the person in a misty forest at dawn"), "{}", render(&corrected));
    assert_eq!(
        confirm_and_sent_prompt(&h, &corrected),
        format!("{trigger} woman, the person in a misty forest at dawn")
    );

    // the assistant down: the order goes on with the user's words, and says so (its three
    // questions a day are used up by now, so the limit is what it says next)
    let asked = h.assistant.asked().len();
    let limited = with_me_to_confirm(&h, id, "на крыше небоскрёба");
    assert_eq!(h.assistant.asked().len(), asked, "the daily limit holds: the model is not asked");
    assert!(all_text(&limited).contains("Переводы на сегодня закончились"), "{}", render(&limited));
    assert_eq!(confirm_and_sent_prompt(&h, &limited), format!("{trigger} woman, на крыше небоскрёба"));
    h.clock.advance(chrono::Duration::days(1));
    h.assistant.answer_next(Err(AssistantError::new(AssistantErrorKind::Unavailable, "503")));
    let down = with_me_to_confirm(&h, id, "на крыше небоскрёба");
    assert!(all_text(&down).contains("Сейчас не получается перевести описание"), "{}", render(&down));
    assert_eq!(confirm_and_sent_prompt(&h, &down), format!("{trigger} woman, на крыше небоскрёба"));

    // turned off in the settings: never asked
    h.press(U, "ru", Cb::Translate(false), 50);
    let asked = h.assistant.asked().len();
    let off = with_me_to_confirm(&h, id, "в саду");
    assert_eq!(h.assistant.asked().len(), asked, "translation off: the model is not asked");
    assert_eq!(confirm_and_sent_prompt(&h, &off), format!("{trigger} woman, в саду"));
}

#[test]
fn a_style_fills_the_prompt_in_photos_with_me_and_in_create() {
    use aisha_domain::style::{Flow, Style, StyleKey, Styles};
    let mut h = Harness::new();
    let key = |k: &str| StyleKey::parse(k).unwrap();
    let style = |k: &str, template: &str, preview: Option<&str>, flows: Vec<Flow>| Style {
        key: key(k),
        name_ru: format!("Стиль {k}"),
        name_en: format!("Style {k}"),
        template: template.into(),
        preview: preview.map(str::to_owned),
        flows,
    };
    h.bot.config.styles = Styles::new(vec![
        style("suit", "headshot of {subject} in a suit", Some("https://example.com/suit.jpg"), vec![Flow::WithMe]),
        style("ink", "ink drawing of {subject}", Some("https://example.com/ink.jpg"), vec![Flow::Create]),
        style("oil", "oil painting of {subject}", None, vec![Flow::Create, Flow::WithMe]),
    ])
    .unwrap();
    let id = ready_avatar_ru(&h);
    let trigger = avatar(&h, id).trigger.as_str().to_owned();

    // photos with me: one tap is the description
    h.press(U, "ru", Cb::WithAvatar(id), 40);
    let styles = h.press(U, "ru", Cb::Styles(0), 40);
    assert_eq!(
        buttons(&styles)
            .iter()
            .filter_map(|(_, d)| Cb::decode(d))
            .filter(|c| matches!(c, Cb::Style(_)))
            .collect::<Vec<_>>(),
        [Cb::Style(key("suit")), Cb::Style(key("oil"))],
        "only this flow's styles, in order"
    );
    let previews = h.press(U, "ru", Cb::StylePreviews(0), 40);
    match previews.iter().map(|o| &o.reply).find(|r| matches!(r, Reply::SendPhoto { .. })) {
        Some(Reply::SendPhoto { photo: Media::Url(url), caption, .. }) => {
            assert_eq!((url.as_str(), caption.as_deref()), ("https://example.com/suit.jpg", Some("Стиль suit")))
        }
        other => panic!("one preview, as a photo: {other:?}"),
    }
    let outdated = h.press(U, "ru", Cb::Style(key("ink")), 40);
    assert!(all_text(&outdated).contains("устарела"), "Create's style is not offered here: {}", render(&outdated));
    h.press(U, "ru", Cb::Style(key("suit")), 40);
    h.press(U, "ru", Cb::Aspect(AspectRatio::Square), 41);
    let confirm = h.press(U, "ru", Cb::Count(1), 41);
    assert_eq!(h.assistant.asked().len(), 0, "a style is English already: nothing to translate");
    assert_eq!(confirm_and_sent_prompt(&h, &confirm), format!("{trigger} woman, headshot of the person in a suit"));

    // Create: the style, then its subject
    h.press(U, "ru", Cb::Create, 50);
    h.press(U, "ru", Cb::Styles(0), 50);
    let subject = h.press(U, "ru", Cb::Style(key("ink")), 50);
    assert!(all_text(&subject).contains("кого или что изобразить"), "{}", render(&subject));
    let too_long = h.text(U, "ru", &"к".repeat(2000));
    assert!(all_text(&too_long).contains("2000"), "a subject too long is refused: {}", render(&too_long));
    h.text(U, "ru", "  рыжий кот в шляпе ");
    h.press(U, "ru", Cb::Aspect(AspectRatio::Square), 51);
    h.press(U, "ru", Cb::Count(1), 51);
    let confirm = h.press(U, "ru", Cb::Model(aisha_domain::ModelKey::parse("flux-2").unwrap()), 51);
    assert_eq!(confirm_and_sent_prompt(&h, &confirm), "ink drawing of рыжий кот в шляпе");

    // back from the styles is the question again; a style press outside it is outdated
    h.press(U, "ru", Cb::Create, 52);
    h.press(U, "ru", Cb::Styles(0), 52);
    let back = h.press(U, "ru", Cb::StylesBack, 52);
    assert!(find(&back, |c| *c == Cb::Styles(0)).is_some(), "{}", render(&back));
    h.command(U, "ru", "cancel");
    let late = h.press(U, "ru", Cb::Style(key("oil")), 52);
    assert!(all_text(&late).contains("устарела"), "{}", render(&late));
}
