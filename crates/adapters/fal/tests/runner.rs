//! The domain's job runner over memory stores, this adapter and the emulator: polling,
//! webhooks (verified first), duplicates and races, restarts, sweeps, refunds. The money and
//! image invariants are checked at the end of every test.

mod common;

use aisha_domain::avatar::AvatarStatus;
use aisha_domain::generation::FailureKind;
use aisha_domain::ports::{ImageGenerator, ImageStore, Notice, ProviderRequest};
use aisha_domain::services::runner::{Delivery, JobRunner};
use aisha_domain::{AspectRatio, AvatarName, Gender, ImageCount, JobSpec, JobStatus, ModelKey, Prompt, User};
use aisha_fal::FalClient;
use aisha_sandbox::fal::{Knobs, Order, WebhookKnobs};
use common::{Handled, Options, World, quick};
use std::sync::Arc;

fn imagen(prompt: &str, aspect: AspectRatio, count: u8) -> JobSpec {
    JobSpec::Text {
        prompt: Prompt::parse(prompt).unwrap(),
        aspect,
        count: ImageCount::new(count).unwrap(),
        model: ModelKey::parse("nano-banana-2").unwrap(),
    }
}

fn hooked(knobs: Knobs) -> Options {
    Options { knobs, webhook: true, ..Options::default() }
}

fn successes(w: &World) -> usize {
    w.notifier.notices().iter().filter(|(_, n)| matches!(n, Notice::Succeeded { .. })).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_completes_by_polling_with_its_images_stored_first() {
    let w = World::new().await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("a fox in the snow", AspectRatio::Landscape16x9, 2)).await;
    assert_eq!(w.balance(&u).await, 78);
    let done = w.drive(&j, 50).await;
    assert_eq!((done.status, done.delivered, done.refunded.get()), (JobStatus::Succeeded, 2, 0));
    let snap = w.store.snapshot();
    assert_eq!(snap.images.len(), 2);
    assert!(snap.images.iter().all(|i| (i.object.width, i.object.height) == (1024, 576)), "read from the bytes");
    assert_eq!(w.images.keys().len(), 2);
    assert_eq!(w.balance(&u).await, 78);
    assert!(matches!(w.notifier.notices().last(), Some((_, Notice::Succeeded { images, .. })) if images.len() == 2));
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_completes_by_webhook_without_polling() {
    let w = World::with(hooked(quick())).await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("a quiet harbour", AspectRatio::Portrait3x4, 3)).await;
    w.runner.tick().await.unwrap();
    let rid = w.request_id(&j).await;
    assert!(w.emu.request(&rid).unwrap().webhook.is_some(), "submitted with the webhook URL");
    let done = w.settled_by_webhook(&j).await;
    assert_eq!((done.status, done.delivered), (JobStatus::Succeeded, 3));
    assert!(matches!(w.wait_handled(1).await.as_slice(), [Handled::Done(Delivery::Settled(_))]));
    assert_eq!(w.emu.count_calls("GET", "/status"), 0, "no poll was needed");
    assert!(w.store.snapshot().images.iter().all(|i| (i.object.width, i.object.height) == (768, 1024)));
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_or_stale_webhooks_change_nothing() {
    for bad in [
        WebhookKnobs { bad_signature: true, retries: 0, ..WebhookKnobs::default() },
        WebhookKnobs { skew_secs: -301, retries: 0, ..WebhookKnobs::default() },
    ] {
        let w = World::with(hooked(Knobs { webhooks: bad, ..quick() })).await;
        let u = w.user(1, 100).await;
        let j = w.start(&u, imagen("a cat", AspectRatio::Square, 1)).await;
        w.runner.tick().await.unwrap();
        let handled = w.wait_handled(1).await;
        assert!(matches!(handled.as_slice(), [Handled::Rejected(_)]), "{handled:?}");
        let still = w.job(&j).await;
        assert_eq!(still.status, JobStatus::Queued, "the forged completion was not believed");
        assert!(w.store.snapshot().images.is_empty() && w.images.keys().is_empty());
        assert_eq!(w.balance(&u).await, 89);
        w.assert_invariants();
        // the polling backstop still finishes it
        w.clock.advance(chrono::Duration::seconds(31));
        assert_eq!(w.drive(&j, 20).await.status, JobStatus::Succeeded);
        w.assert_invariants();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_for_an_unknown_request_is_ignored() {
    let w = World::with(hooked(quick())).await;
    let u = w.user(1, 100).await;
    // a job this store never made, submitted straight to the provider
    let request = ProviderRequest::Text {
        prompt: "stray".into(),
        aspect: AspectRatio::Square,
        count: 1,
        model: aisha_domain::Catalog::default().default_model().provider.clone(),
        seed: 1,
    };
    let sub = w.fal.submit(&request, true).await.unwrap();
    // answered 404 each time, so the emulator retries (twice by default) and then gives up
    let rid = sub.provider.request_id;
    for _ in 0..300 {
        if w.emu.webhook_log().iter().filter(|a| a.request_id == rid).count() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(w.emu.webhook_log().iter().all(|a| a.status == Some(404)));
    assert_eq!(w.handled(), vec![Handled::Done(Delivery::Unknown); 3]);
    assert!(w.store.snapshot().jobs.is_empty());
    assert_eq!(w.balance(&u).await, 100);
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_and_out_of_order_webhooks_settle_each_job_once() {
    let hooks = WebhookKnobs { hold: true, duplicates: 2, ..WebhookKnobs::default() };
    let w = World::with(hooked(Knobs { webhooks: hooks, ..quick() })).await;
    let u = w.user(1, 100).await;
    let a = w.start(&u, imagen("first", AspectRatio::Square, 2)).await;
    let b = w.start(&u, imagen("second", AspectRatio::Square, 1)).await;
    w.runner.tick().await.unwrap();
    for _ in 0..200 {
        if w.emu.held_webhooks() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    w.emu.release_webhooks(Order::Reversed).await;
    let handled = w.handled();
    assert_eq!(handled.len(), 6);
    let settled = handled.iter().filter(|h| matches!(h, Handled::Done(Delivery::Settled(_)))).count();
    let repeats = handled.iter().filter(|h| matches!(h, Handled::Done(Delivery::AlreadyEnded))).count();
    assert_eq!((settled, repeats), (2, 4));
    assert_eq!((w.job(&a).await.delivered, w.job(&b).await.delivered), (2, 1));
    assert_eq!(w.store.snapshot().images.len(), 3);
    assert_eq!(successes(&w), 2, "each user notice once");
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_racing_a_poll_settles_once() {
    let hooks = WebhookKnobs { hold: true, ..WebhookKnobs::default() };
    let w = World::with(hooked(Knobs { webhooks: hooks, ..quick() })).await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("a race", AspectRatio::Landscape4x3, 4)).await;
    w.runner.tick().await.unwrap();
    for _ in 0..200 {
        if w.emu.held_webhooks() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    w.clock.advance(chrono::Duration::seconds(31)); // the backstop poll is due too
    let (_, ticked) = tokio::join!(w.emu.release_webhooks(Order::AsCompleted), w.runner.tick());
    ticked.unwrap();
    let done = w.job(&j).await;
    assert_eq!((done.status, done.delivered), (JobStatus::Succeeded, 4));
    assert_eq!(w.store.snapshot().images.len(), 4);
    assert_eq!(w.images.keys().len(), 4);
    assert_eq!(successes(&w), 1);
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_runner_after_a_restart_finishes_the_job_once() {
    let w = World::with(Options { knobs: Knobs { queue_ms: 100, ..quick() }, ..Options::default() }).await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("after the restart", AspectRatio::Portrait9x16, 2)).await;
    w.runner.tick().await.unwrap(); // submitted; the process then "dies" holding the lease
    assert_eq!(w.job(&j).await.status, JobStatus::Queued);

    let fal = Arc::new(FalClient::new(common::config(&w.emu)).unwrap());
    let fresh: JobRunner = w.runner_on(fal, false);
    assert_eq!(fresh.reconcile().await.unwrap(), 1);
    let mut done = w.job(&j).await;
    for _ in 0..50 {
        fresh.tick().await.unwrap();
        done = w.job(&j).await;
        if done.status.is_terminal() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        w.clock.advance(chrono::Duration::seconds(3));
    }
    assert_eq!((done.status, done.delivered), (JobStatus::Succeeded, 2));
    assert_eq!(w.emu.requests().len(), 1, "not submitted twice");
    assert_eq!(w.images.keys().len(), 2);
    assert!(w.store.snapshot().images.iter().all(|i| (i.object.width, i.object.height) == (576, 1024)));
    // the old runner coming back finds nothing left to do
    w.clock.advance(chrono::Duration::minutes(2));
    w.runner.tick().await.unwrap();
    assert_eq!((w.store.snapshot().images.len(), successes(&w)), (2, 1));
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_job_is_swept_at_its_deadline_and_refunded() {
    let w =
        World::with(Options { knobs: Knobs { stuck_marker: Some("#stuck".into()), ..quick() }, ..Options::default() })
            .await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("never ends #stuck", AspectRatio::Square, 3)).await;
    let running = w.drive(&j, 5).await;
    assert_eq!(running.status, JobStatus::Running);
    let rid = w.request_id(&j).await;
    w.clock.set(j.deadline - chrono::Duration::seconds(1));
    assert_eq!(w.runner.sweep().await.unwrap(), 0);
    w.clock.set(j.deadline);
    assert_eq!(w.runner.sweep().await.unwrap(), 1);
    let done = w.job(&j).await;
    assert_eq!((done.status, done.refunded.get()), (JobStatus::TimedOut, 33));
    assert_eq!(w.balance(&u).await, 100);
    assert!(w.emu.request(&rid).unwrap().cancelled, "the provider was told to stop");
    assert!(matches!(w.notifier.notices().last(), Some((_, Notice::Failed { .. }))));
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_of_four_images_refund_the_fourth() {
    let w =
        World::with(Options { knobs: Knobs { short_marker: Some("#short".into()), ..quick() }, ..Options::default() })
            .await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("four, please #short", AspectRatio::Square, 4)).await;
    let done = w.drive(&j, 50).await;
    assert_eq!((done.status, done.delivered, done.refunded.get()), (JobStatus::Succeeded, 3, 11));
    assert_eq!(w.balance(&u).await, 100 - 44 + 11);
    assert_eq!(w.images.keys().len(), 3);
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_refusals_fail_the_job_and_refund_it() {
    let knobs = Knobs { invalid_marker: Some("#bad".into()), content_policy_marker: Some("#policy".into()), ..quick() };
    let w = World::with(Options { knobs, ..Options::default() }).await;
    let u = w.user(1, 100).await;
    let invalid = w.start(&u, imagen("a #bad idea", AspectRatio::Square, 2)).await;
    let policy = w.start(&u, imagen("a #policy problem", AspectRatio::Square, 1)).await;
    let done = w.drive(&invalid, 50).await;
    let failure = done.failure.unwrap();
    assert_eq!((done.status, failure.kind), (JobStatus::Failed, FailureKind::InvalidInput));
    assert!(failure.detail.contains("prompt"), "the field reaches the user: {}", failure.detail);
    let done = w.drive(&policy, 50).await;
    assert_eq!(done.failure.map(|f| f.kind), Some(FailureKind::ContentPolicy));

    w.emu.update(|k| k.locked = true);
    let broke = w.start(&u, imagen("fine prompt", AspectRatio::Square, 1)).await;
    let done = w.drive(&broke, 5).await;
    assert_eq!(done.failure.map(|f| f.kind), Some(FailureKind::ProviderUnavailable));
    assert_eq!(w.balance(&u).await, 100, "everything came back");
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingress_errors_at_submit_are_absorbed_by_the_client_and_a_500_waits_for_the_runner() {
    let w = World::new().await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("flaky", AspectRatio::Square, 1)).await;
    // FAL's ingress (no request id): the request never reached the app, so it is repeated
    w.emu.fail_next([aisha_sandbox::fal::Fault::Status(503), aisha_sandbox::fal::Fault::Status(502)]);
    w.runner.tick().await.unwrap();
    let queued = w.job(&j).await;
    assert_eq!((queued.status, queued.attempts), (JobStatus::Queued, 0), "retried inside the call");
    assert_eq!(w.drive(&j, 50).await.status, JobStatus::Succeeded);
    assert_eq!(w.emu.requests().len(), 1);

    // a 500 may mean the app took it: not repeated in the call; the runner tries again later
    let k = w.start(&u, imagen("flaky again", AspectRatio::Square, 1)).await;
    w.emu.fail_next([aisha_sandbox::fal::Fault::Status(500)]);
    w.runner.tick().await.unwrap();
    let pending = w.job(&k).await;
    assert_eq!((pending.status, pending.attempts), (JobStatus::Pending, 1), "left to the runner's backoff");
    assert_eq!(w.drive(&k, 100).await.status, JobStatus::Succeeded);
    assert_eq!(w.emu.requests().len(), 2);
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_job_with_a_server_error_is_refunded_at_the_next_poll_not_the_deadline() {
    let w = World::with(Options {
        knobs: Knobs { server_error_marker: Some("#boom".into()), ..quick() },
        ..Options::default()
    })
    .await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("a fox #boom", AspectRatio::Square, 2)).await;
    let done = w.drive(&j, 50).await;
    assert_eq!((done.status, done.refunded.get()), (JobStatus::Failed, 22));
    let now = aisha_domain::Clock::now(&*w.clock);
    assert!(now < j.deadline - chrono::Duration::minutes(9), "ended within polls of completing");
    assert_eq!(w.balance(&u).await, 100);
    assert!(matches!(w.notifier.notices().last(), Some((_, Notice::Failed { .. }))));
    w.assert_invariants();
}

async fn trained(w: &World, u: &User) -> aisha_domain::Avatar {
    let a = w.avatars.create(u.id, AvatarName::parse("Ann").unwrap(), Gender::Female).await.unwrap();
    for n in 0..10u32 {
        w.avatars.add_photo(u.id, a.id, aisha_domain::media::fixtures::png_header(600 + n, 800)).await.unwrap();
    }
    let t = w.start(u, JobSpec::Training { avatar: a.id }).await;
    let done = w.drive(&t, 50).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{:?}", done.failure);
    let ready = w.avatars.get(u.id, a.id).await.unwrap().unwrap();
    assert_eq!(ready.status, AvatarStatus::Ready);
    ready
}

fn photos(a: &aisha_domain::Avatar, prompt: &str, aspect: AspectRatio, count: u8) -> JobSpec {
    JobSpec::AvatarPhotos {
        avatar: a.id,
        prompt: Prompt::parse(prompt).unwrap(),
        aspect,
        count: ImageCount::new(count).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trained_avatar_makes_photos_and_flagged_ones_are_refunded() {
    let knobs = Knobs { nsfw_marker: Some("#nsfw".into()), ..quick() };
    let w = World::with(Options { knobs, ..Options::default() }).await;
    let u = w.user(1, 1000).await;
    let a = trained(&w, &u).await;
    let lora = a.lora.clone().unwrap();
    assert!(lora.url.starts_with(&w.emu.url()), "the LoRA the emulator trained");
    assert_eq!(w.emu.uploads().len(), 1, "the photos went up as one archive");

    let p = w.start(&u, photos(&a, "on a beach", AspectRatio::Portrait3x4, 2)).await;
    let done = w.drive(&p, 50).await;
    assert_eq!((done.status, done.delivered), (JobStatus::Succeeded, 2));
    let rid = w.request_id(&p).await;
    let input = w.emu.request(&rid).unwrap().input;
    assert_eq!(input["loras"][0]["path"], lora.url.as_str());
    assert_eq!(input["image_size"], "portrait_4_3");
    assert!(input["prompt"].as_str().unwrap().starts_with(a.trigger.as_str()), "the trigger goes in");
    let snap = w.store.snapshot();
    assert!(snap.images.iter().all(|i| (i.object.width, i.object.height) == (768, 1024) && i.avatar == Some(a.id)));

    // one of two flagged: one delivered, one refunded
    w.emu.update(|k| k.nsfw_count = Some(1));
    let before = w.balance(&u).await;
    let half = w.start(&u, photos(&a, "at a party #nsfw", AspectRatio::Square, 2)).await;
    let done = w.drive(&half, 50).await;
    assert_eq!((done.status, done.delivered, done.refunded.get()), (JobStatus::Succeeded, 1, 5));
    assert_eq!(w.balance(&u).await, before - 5);

    // every image flagged: failed as NSFW, all of it back
    w.emu.update(|k| k.nsfw_count = None);
    let before = w.balance(&u).await;
    let all = w.start(&u, photos(&a, "at a party #nsfw", AspectRatio::Square, 3)).await;
    let done = w.drive(&all, 50).await;
    assert_eq!((done.status, done.failure.map(|f| f.kind)), (JobStatus::Failed, Some(FailureKind::Nsfw)));
    assert_eq!(w.balance(&u).await, before);
    assert_eq!(w.store.snapshot().images.len(), 3, "flagged images are never stored");
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_training_finished_by_webhook_readies_the_avatar() {
    let w = World::with(hooked(quick())).await;
    let u = w.user(1, 1000).await;
    let a = w.avatars.create(u.id, AvatarName::parse("Bo").unwrap(), Gender::Male).await.unwrap();
    for n in 0..10u32 {
        w.avatars.add_photo(u.id, a.id, aisha_domain::media::fixtures::png_header(700 + n, 900)).await.unwrap();
    }
    let t = w.start(&u, JobSpec::Training { avatar: a.id }).await;
    w.runner.tick().await.unwrap();
    let done = w.settled_by_webhook(&t).await;
    assert_eq!(done.status, JobStatus::Succeeded);
    let ready = w.avatars.get(u.id, a.id).await.unwrap().unwrap();
    assert_eq!((ready.status, ready.is_main), (AvatarStatus::Ready, true));
    assert!(matches!(w.notifier.notices().last(), Some((_, Notice::TrainingReady { .. }))));
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_webhook_fails_the_job_with_the_right_class() {
    let w = World::with(hooked(Knobs { invalid_marker: Some("#bad".into()), ..quick() })).await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("#bad", AspectRatio::Square, 1)).await;
    w.runner.tick().await.unwrap();
    let done = w.settled_by_webhook(&j).await;
    let failure = done.failure.unwrap();
    assert_eq!(failure.kind, FailureKind::InvalidInput);
    assert!(failure.detail.contains("prompt"), "{}", failure.detail);
    assert_eq!(w.balance(&u).await, 100);
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_outruns_its_submit_is_delivered_again() {
    // done the moment it is queued, and one copy sent before the submit is even answered
    let hooks = WebhookKnobs { early: true, ..WebhookKnobs::default() };
    let w = World::with(hooked(Knobs { queue_ms: 0, run_ms: 0, webhooks: hooks, ..Knobs::default() })).await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("instant", AspectRatio::Square, 2)).await;
    w.runner.tick().await.unwrap();
    assert_eq!(w.handled()[0], Handled::Done(Delivery::Unknown), "the job was not saved yet");
    let done = w.settled_by_webhook(&j).await;
    assert_eq!((done.status, done.delivered), (JobStatus::Succeeded, 2));
    let mut handled = w.handled();
    for _ in 0..300 {
        if handled.iter().any(|h| matches!(h, Handled::Done(Delivery::Settled(_)))) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        handled = w.handled();
    }
    let settled = handled.iter().filter(|h| matches!(h, Handled::Done(Delivery::Settled(_)))).count();
    let unknown = handled.iter().filter(|h| **h == Handled::Done(Delivery::Unknown)).count();
    assert_eq!((settled, unknown + settled), (1, handled.len()), "{handled:?}");
    assert_eq!(w.emu.count_calls("GET", "/status"), 0, "the redelivery did it, not a poll");
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_after_a_gateway_retry_settle_by_request_id_and_an_error_one_refunds_at_once() {
    let mut knobs = quick();
    knobs.webhooks.gateway_id_differs = true;
    knobs.server_error_marker = Some("#boom".into());
    let w = World::with(hooked(knobs)).await;
    let u = w.user(1, 100).await;
    let ok = w.start(&u, imagen("a quiet harbour", AspectRatio::Square, 1)).await;
    let failed = w.start(&u, imagen("a loud harbour #boom", AspectRatio::Square, 2)).await;
    w.runner.tick().await.unwrap();
    let done = w.settled_by_webhook(&ok).await;
    assert_eq!((done.status, done.delivered), (JobStatus::Succeeded, 1), "keyed by request_id, not the gateway's");
    let ended = w.settled_by_webhook(&failed).await;
    assert_eq!((ended.status, ended.refunded.get()), (JobStatus::Failed, 22), "ERROR with a 5xx is final");
    assert_eq!(w.emu.count_calls("GET", "/status"), 0, "no poll was needed for either");
    assert_eq!(w.balance(&u).await, 100 - 11);
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lora_whose_fal_file_expired_is_uploaded_again_and_the_photo_is_delivered() {
    let w = World::new().await;
    let u = w.user(1, 1000).await;
    let a = trained(&w, &u).await;
    let lora = a.lora.clone().unwrap();
    let copy = lora.stored.clone().expect("a copy in our storage");
    let weights = w.images.get(&copy).await.unwrap();
    assert_eq!(w.fal.fetch_lora(&lora.url).await.unwrap(), weights, "the copy is FAL's file, byte for byte");

    // FAL forgets the file; without the copy the generation would fail (the emulator refuses
    // a LoRA path it no longer serves)
    w.emu.expire_file(&lora.url);
    assert!(!w.fal.still_served(&lora.url).await.unwrap());
    w.clock.advance(chrono::Duration::days(2));
    let j = w.start(&u, photos(&a, "me, on a beach", AspectRatio::Square, 1)).await;
    let done = w.drive(&j, 50).await;
    assert_eq!((done.status, done.delivered), (JobStatus::Succeeded, 1), "{:?}", done.failure);

    let request = w.emu.requests().into_iter().find(|r| r.model == "fal-ai/flux-lora").unwrap();
    let used = request.input["loras"][0]["path"].as_str().unwrap().to_owned();
    assert_ne!(used, lora.url, "a fresh upload, not the expired file");
    assert_eq!(w.fal.fetch_lora(&used).await.unwrap(), weights, "uploaded from our copy");
    assert!(
        w.emu.upload_lifetimes().iter().any(|(name, life)| name.ends_with(".safetensors")
            && *life == Some(std::time::Duration::from_secs(7 * 24 * 3600))),
        "kept a week: longer than the runner uses it"
    );
    let now = w.avatars.get(u.id, a.id).await.unwrap().unwrap().lora.unwrap();
    assert_eq!((now.url.as_str(), now.stored.as_ref()), (used.as_str(), Some(&copy)));
    w.assert_invariants();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_fal_took_without_answering_is_found_in_its_history_not_made_twice() {
    let w = World::new().await;
    let u = w.user(1, 100).await;
    let j = w.start(&u, imagen("a lost answer", AspectRatio::Square, 1)).await;
    w.emu.lose_next_submit_answers(1);
    w.runner.tick().await.unwrap();
    assert_eq!(w.job(&j).await.status, JobStatus::Pending);
    assert_eq!(w.emu.requests().len(), 1, "FAL has it");
    let done = w.drive(&j, 80).await;
    assert_eq!((done.status, done.delivered), (JobStatus::Succeeded, 1), "{:?}", done.failure);
    assert_eq!(w.emu.requests().len(), 1, "one request at FAL, one bill");
    assert_eq!(done.provider.unwrap().request_id, w.emu.requests()[0].id);
    assert_eq!(w.emu.count_calls("GET", "/v1/models/requests/by-endpoint"), 1);
    w.assert_invariants();
}
