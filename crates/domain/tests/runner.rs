//! The job runner over memory adapters and a scripted provider: every outcome ends the job
//! once, with the right refund, and the invariants hold after each test.

mod common;

use aisha_domain::avatar::AvatarStatus;
use aisha_domain::generation::{FailureKind, JobSpec};
use aisha_domain::ports::{JobOutcomes, JobQueue};
use aisha_domain::ports::{Notice, ProviderError, ProviderErrorKind, ProviderOutput};
use aisha_domain::services::generation::StartError;
use aisha_domain::services::runner::{Cancel, Delivery};
use aisha_domain::{AspectRatio, ImageCount, Job, JobId, JobStatus, ModelKey, Prompt, User};
use aisha_memory::ScriptedGenerator;
use common::{World, block};
use uuid::Uuid;

fn spec(count: u8) -> JobSpec {
    JobSpec::Text {
        prompt: Prompt::parse("a fox in the snow").unwrap(),
        aspect: AspectRatio::Landscape16x9,
        count: ImageCount::new(count).unwrap(),
        model: ModelKey::parse("nano-banana-2").unwrap(),
    }
}

fn start(w: &World, u: &User, count: u8) -> Job {
    block(w.generation.start(u.id, JobId(Uuid::new_v4()), spec(count), Some(10))).unwrap()
}

fn job(w: &World, j: &Job) -> Job {
    block(w.store.find(j.id)).unwrap().unwrap()
}

fn request_of(w: &World, j: &Job) -> String {
    job(w, j).provider.expect("submitted").request_id
}

#[test]
fn happy_path_stores_images_before_succeeding() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 2);
    assert_eq!(w.balance(&u), 78, "charged when created");
    assert_eq!(block(w.runner.tick()).unwrap(), 1);
    assert_eq!(job(&w, &j).status, JobStatus::Queued);
    let rid = request_of(&w, &j);
    w.generator.set_running(&rid);
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &j).status, JobStatus::Running);
    w.generator.finish(&rid, Ok(ScriptedGenerator::images(1024, 576, 2, 0)));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    let done = job(&w, &j);
    assert_eq!((done.status, done.delivered, done.refunded.get()), (JobStatus::Succeeded, 2, 0));
    let snap = w.store.snapshot();
    assert_eq!(snap.images.len(), 2);
    assert!(snap.images.iter().all(|i| (i.object.width, i.object.height) == (1024, 576)), "size read from the bytes");
    assert_eq!(w.images.keys().len(), 2, "both images are in storage");
    assert_eq!(w.balance(&u), 78);
    let notices = w.notifier.notices();
    assert!(matches!(notices.last(), Some((_, Notice::Succeeded { images, .. })) if images.len() == 2));
    w.assert_invariants();
}

#[test]
fn partial_and_nsfw_results_refund_the_missing_images() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 4);
    block(w.runner.tick()).unwrap();
    // three images come back, one of them flagged
    w.generator.finish(&request_of(&w, &j), Ok(ScriptedGenerator::images(512, 512, 3, 1)));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    let done = job(&w, &j);
    assert_eq!((done.status, done.delivered, done.refunded.get()), (JobStatus::Succeeded, 2, 22));
    assert_eq!(w.balance(&u), 100 - 44 + 22);
    assert_eq!(w.images.keys().len(), 2, "the flagged image is not stored");
    w.assert_invariants();
}

#[test]
fn all_nsfw_fails_with_a_full_refund() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 2);
    block(w.runner.tick()).unwrap();
    w.generator.finish(&request_of(&w, &j), Ok(ScriptedGenerator::images(512, 512, 2, 2)));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    let done = job(&w, &j);
    assert_eq!(done.status, JobStatus::Failed);
    assert_eq!(done.failure.map(|f| f.kind), Some(FailureKind::Nsfw));
    assert_eq!(w.balance(&u), 100);
    w.assert_invariants();
}

#[test]
fn provider_errors_are_classified_and_refunded() {
    for (kind, expect) in [
        (ProviderErrorKind::ContentPolicy, FailureKind::ContentPolicy),
        (ProviderErrorKind::InvalidInput, FailureKind::InvalidInput),
        (ProviderErrorKind::OutOfCredit, FailureKind::ProviderUnavailable),
    ] {
        let w = World::new();
        let u = w.user(1);
        w.fund(&u, 100);
        let j = start(&w, &u, 1);
        w.generator.fail_next_submit(ProviderError::new(kind, "loc: prompt"));
        block(w.runner.tick()).unwrap();
        let done = job(&w, &j);
        assert_eq!((done.status, done.failure.map(|f| f.kind)), (JobStatus::Failed, Some(expect)), "{kind:?}");
        assert_eq!(w.balance(&u), 100, "{kind:?} refunded");
        assert!(matches!(w.notifier.notices().last(), Some((_, Notice::Failed { .. }))));
        w.assert_invariants();
    }
}

#[test]
fn transient_errors_are_retried_with_backoff() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 1);
    w.generator.fail_next_submit(ProviderError::new(ProviderErrorKind::Transient, "503"));
    w.generator.fail_next_submit(ProviderError::new(ProviderErrorKind::Transient, "429"));
    block(w.runner.tick()).unwrap();
    let after_one = job(&w, &j);
    assert_eq!((after_one.status, after_one.attempts), (JobStatus::Pending, 1));
    assert!(after_one.next_attempt_at > w.clock_now(), "not retried at once");
    assert_eq!(block(w.runner.tick()).unwrap(), 0, "nothing due before the backoff ends");
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &j).attempts, 2);
    w.clock.advance(chrono::Duration::seconds(5));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &j).status, JobStatus::Queued, "third try went through");
    assert_eq!(w.balance(&u), 89, "retries are not charged");
    w.assert_invariants();
}

#[test]
fn a_job_that_never_completes_is_swept_at_its_deadline() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 3);
    block(w.runner.tick()).unwrap();
    w.clock.advance(chrono::Duration::minutes(9));
    assert_eq!(block(w.runner.sweep()).unwrap(), 0);
    w.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(block(w.runner.sweep()).unwrap(), 1);
    let done = job(&w, &j);
    assert_eq!(done.status, JobStatus::TimedOut);
    assert_eq!(w.balance(&u), 100);
    assert!(w.generator.request(&request_of(&w, &j)).unwrap().cancel_requested, "the provider is told to stop");
    w.assert_invariants();
}

#[test]
fn webhook_and_poll_race_settles_once() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 2);
    block(w.runner.tick()).unwrap();
    let rid = request_of(&w, &j);
    let output = ScriptedGenerator::images(640, 640, 2, 0);
    w.generator.finish(&rid, Ok(output.clone()));
    let first = block(w.runner.on_finished(&rid, Ok(output.clone()))).unwrap();
    assert!(matches!(first, Delivery::Settled(_)));
    let dup = block(w.runner.on_finished(&rid, Ok(output))).unwrap();
    assert_eq!(dup, Delivery::AlreadyEnded, "a duplicate webhook is a no-op");
    w.clock.advance(chrono::Duration::minutes(1));
    block(w.runner.tick()).unwrap();
    assert_eq!(w.store.snapshot().images.len(), 2, "polling afterwards adds nothing");
    assert_eq!(
        block(w.runner.on_finished("unknown-request", Ok(ProviderOutput::Lora(None)))).unwrap(),
        Delivery::Unknown
    );
    w.assert_invariants();
}

#[test]
fn a_new_runner_after_a_restart_finishes_the_job_once() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 1);
    block(w.runner.tick()).unwrap(); // submitted; then the process "dies" holding a lease
    let rid = request_of(&w, &j);
    w.generator.finish(&rid, Ok(ScriptedGenerator::images(512, 512, 1, 0)));
    let fresh = World::new_runner_on(&w);
    assert_eq!(block(fresh.reconcile()).unwrap(), 1, "unfinished jobs are made due at start");
    block(fresh.tick()).unwrap();
    assert_eq!(job(&w, &j).status, JobStatus::Succeeded);
    assert_eq!(w.generator.requests().len(), 1, "not submitted twice");
    assert_eq!(w.images.keys().len(), 1);
    w.assert_invariants();
}

#[test]
fn storage_down_while_saving_results_defers_then_succeeds() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 1);
    block(w.runner.tick()).unwrap();
    let rid = request_of(&w, &j);
    w.generator.finish(&rid, Ok(ScriptedGenerator::images(512, 512, 1, 0)));
    w.images.set_down(true);
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &j).status, JobStatus::Queued, "no success without stored images");
    assert!(w.store.snapshot().images.is_empty());
    w.images.set_down(false);
    w.clock.advance(chrono::Duration::seconds(5));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &j).status, JobStatus::Succeeded);
    w.assert_invariants();
}

#[test]
fn cancel_while_queued_refunds_in_full() {
    let w = World::new();
    let u = w.user(1);
    let other = w.user(2);
    w.fund(&u, 100);
    let j = start(&w, &u, 2);
    assert_eq!(block(w.runner.cancel(other.id, j.id)).unwrap(), Cancel::NotFound, "another user cannot cancel it");
    block(w.runner.tick()).unwrap();
    let c = block(w.runner.cancel(u.id, j.id)).unwrap();
    assert!(matches!(c, Cancel::Cancelled(ref s) if s.job.status == JobStatus::Cancelled));
    assert_eq!(w.balance(&u), 100);
    assert!(matches!(block(w.runner.cancel(u.id, j.id)).unwrap(), Cancel::AlreadyEnded(_)));
    w.assert_invariants();
}

#[test]
fn limits_and_funds_refuse_before_anything_is_written() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 21);
    let err = block(w.generation.start(u.id, JobId(Uuid::new_v4()), spec(2), None)).unwrap_err();
    assert!(
        matches!(err, StartError::InsufficientFunds { price, balance } if price.get() == 22 && balance.get() == 21)
    );
    w.fund(&u, 100);
    for _ in 0..3 {
        start(&w, &u, 1);
    }
    let err = block(w.generation.start(u.id, JobId(Uuid::new_v4()), spec(1), None)).unwrap_err();
    assert_eq!(err, StartError::TooManyInFlight { limit: 3 });
    let id = JobId(Uuid::new_v4());
    w.clock.advance(chrono::Duration::minutes(11));
    block(w.runner.sweep()).unwrap();
    let a = block(w.generation.start(u.id, id, spec(1), None)).unwrap();
    let b = block(w.generation.start(u.id, id, spec(1), None)).unwrap();
    assert_eq!(a.id, b.id, "a confirmation pressed twice starts one job");
    assert_eq!(w.balance(&u), 121 - 11);
    w.assert_invariants();
}

fn trained_world() -> (World, User, aisha_domain::Avatar) {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 1000);
    let a =
        block(w.avatars.create(u.id, aisha_domain::AvatarName::parse("Аня").unwrap(), aisha_domain::Gender::Female))
            .unwrap();
    for n in 0..10u32 {
        let bytes = aisha_domain::media::fixtures::png_header(600 + n, 800);
        block(w.avatars.add_photo(u.id, a.id, bytes)).unwrap();
    }
    (w, u, a)
}

#[test]
fn training_zips_the_photos_and_makes_the_avatar_ready() {
    let (w, u, a) = trained_world();
    let j = block(w.generation.start(u.id, JobId(Uuid::new_v4()), JobSpec::Training { avatar: a.id }, None)).unwrap();
    assert_eq!(w.balance(&u), 850);
    block(w.runner.tick()).unwrap();
    let archives = w.generator.archives();
    assert_eq!(archives.len(), 1);
    assert_eq!(&archives[0][..4], b"PK\x03\x04", "a zip of the photos was uploaded");
    let rid = request_of(&w, &j);
    let scripted = w.generator.request(&rid).unwrap();
    assert!(
        matches!(scripted.request, aisha_domain::ports::ProviderRequest::Training { ref trigger, .. } if trigger == a.trigger.as_str())
    );
    w.generator.finish(&rid, Ok(ProviderOutput::Lora(Some(aisha_domain::avatar::Lora::at("mem://lora/lora", None)))));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    let ready = block(w.avatars.get(u.id, a.id)).unwrap().unwrap();
    assert_eq!((ready.status, ready.is_main), (AvatarStatus::Ready, true));
    assert!(matches!(w.notifier.notices().last(), Some((_, Notice::TrainingReady { .. }))));

    // photos with me: the trigger is injected exactly once, sizes follow the aspect
    let spec = JobSpec::AvatarPhotos {
        avatar: a.id,
        prompt: Prompt::parse("on a beach").unwrap(),
        aspect: AspectRatio::Portrait3x4,
        count: ImageCount::new(2).unwrap(),
    };
    let p = block(w.generation.start(u.id, JobId(Uuid::new_v4()), spec, None)).unwrap();
    block(w.runner.tick()).unwrap();
    let rid = request_of(&w, &p);
    match w.generator.request(&rid).unwrap().request {
        aisha_domain::ports::ProviderRequest::LoraImages { prompt, lora_url, aspect, count, .. } => {
            let class = a.gender.class_word();
            assert_eq!(
                prompt,
                format!("{} {class}, on a beach", a.trigger.as_str()),
                "the trigger, then the class word"
            );
            assert_eq!((lora_url.as_str(), aspect, count), ("mem://lora/lora", AspectRatio::Portrait3x4, 2));
        }
        other => panic!("expected a LoRA request, got {other:?}"),
    }
    w.generator.finish(&rid, Ok(ScriptedGenerator::images(768, 1024, 2, 0)));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    let snap = w.store.snapshot();
    assert!(snap.images.iter().all(|i| i.avatar == Some(a.id)
        && i.avatar_name.as_deref() == Some("Аня")
        && i.object.height > i.object.width));
    w.assert_invariants();
}

#[test]
fn training_without_a_lora_fails_and_refunds() {
    let (w, u, a) = trained_world();
    let j = block(w.generation.start(u.id, JobId(Uuid::new_v4()), JobSpec::Training { avatar: a.id }, None)).unwrap();
    block(w.runner.tick()).unwrap();
    w.generator.finish(&request_of(&w, &j), Ok(ProviderOutput::Lora(None)));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &j).failure.map(|f| f.kind), Some(FailureKind::NoResult), "results are never invented");
    assert_eq!(block(w.avatars.get(u.id, a.id)).unwrap().unwrap().status, AvatarStatus::Failed);
    assert_eq!(w.balance(&u), 1000);
    w.assert_invariants();
}

#[test]
fn cancelling_a_running_training_refunds_only_if_the_provider_stops() {
    let (w, u, a) = trained_world();
    let j = block(w.generation.start(u.id, JobId(Uuid::new_v4()), JobSpec::Training { avatar: a.id }, None)).unwrap();
    block(w.runner.tick()).unwrap();
    let rid = request_of(&w, &j);
    w.generator.set_running(&rid);
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    assert!(matches!(block(w.runner.cancel(u.id, j.id)).unwrap(), Cancel::Requested(_)));
    assert_eq!(w.balance(&u), 850, "no refund until the provider confirms");
    // the provider stops it: the job ends as cancelled and is refunded
    w.generator.finish(&rid, Err(ProviderError::new(ProviderErrorKind::InvalidInput, "request was cancelled")));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &j).status, JobStatus::Cancelled);
    assert_eq!(w.balance(&u), 1000);
    assert_eq!(block(w.avatars.get(u.id, a.id)).unwrap().unwrap().status, AvatarStatus::Draft);

    // a second training whose provider finishes anyway: success, no refund
    let j2 = block(w.generation.start(u.id, JobId(Uuid::new_v4()), JobSpec::Training { avatar: a.id }, None)).unwrap();
    block(w.runner.tick()).unwrap();
    let rid2 = request_of(&w, &j2);
    w.generator.set_running(&rid2);
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    block(w.runner.cancel(u.id, j2.id)).unwrap();
    w.generator.finish(&rid2, Ok(ProviderOutput::Lora(Some(aisha_domain::avatar::Lora::at("mem://lora/l2", None)))));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &j2).status, JobStatus::Succeeded);
    assert_eq!(w.balance(&u), 850);
    w.assert_invariants();
}

/// Settles a two-image job through the webhook path and returns it.
fn settle_two(w: &World, u: &User) -> Job {
    let j = start(w, u, 2);
    block(w.runner.tick()).unwrap();
    let rid = request_of(w, &j);
    let output = ScriptedGenerator::images(640, 640, 2, 0);
    w.generator.finish(&rid, Ok(output.clone()));
    assert!(matches!(block(w.runner.on_finished(&rid, Ok(output))).unwrap(), Delivery::Settled(_)));
    job(w, &j)
}

fn outcomes_of(notices: &[(aisha_domain::UserId, Notice)], id: JobId) -> usize {
    notices.iter().filter(|(_, n)| n.outcome_of().is_some_and(|j| j.id == id)).count()
}

#[test]
fn an_outcome_not_confirmed_is_sent_again_by_the_sweep_until_it_is() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    w.notifier.set_unreachable(true); // as if the process died before Telegram took it
    let j = settle_two(&w, &u);
    assert_eq!(j.status, JobStatus::Succeeded);
    assert_eq!(outcomes_of(&w.notifier.notices(), j.id), 1, "told once when settled");

    // not yet: a delivery may still be under way
    w.clock.advance(chrono::Duration::seconds(10));
    block(w.runner.sweep()).unwrap();
    assert!(w.notifier.resent().is_empty(), "not re-sent before resend_after");

    // still unconfirmed after resend_after: sent again, with the job's images from the gallery
    w.clock.advance(chrono::Duration::seconds(25));
    block(w.runner.sweep()).unwrap();
    let resent = w.notifier.resent();
    assert_eq!(resent.len(), 1);
    match &resent[0] {
        (owner, Notice::Succeeded { job, images }) => {
            assert_eq!((*owner, job.id, job.delivered), (u.id, j.id, 2));
            let stored: Vec<_> = w.store.snapshot().images.into_iter().filter(|i| i.job == Some(j.id)).collect();
            assert_eq!(images.len(), 2);
            assert!(images.iter().all(|i| stored.iter().any(|s| s.id == i.id)), "the stored images of that job");
        }
        other => panic!("expected the job's success again, got {other:?}"),
    }

    // a failed re-send is claimed again only after another resend_after, not every sweep
    block(w.runner.sweep()).unwrap();
    assert_eq!(w.notifier.resent().len(), 1, "claimed: not re-sent by the very next sweep");

    // now it goes through: marked, and never sent again
    w.notifier.set_unreachable(false);
    w.clock.advance(chrono::Duration::seconds(31));
    block(w.runner.sweep()).unwrap();
    assert_eq!(w.notifier.resent().len(), 2);
    for _ in 0..3 {
        w.clock.advance(chrono::Duration::minutes(5));
        block(w.runner.sweep()).unwrap();
    }
    assert_eq!(w.notifier.resent().len(), 2, "a confirmed outcome is not sent again");
    assert_eq!(outcomes_of(&w.notifier.notices(), j.id), 3);
    assert_eq!(w.balance(&u), 78, "re-sending touches no money");
    w.assert_invariants();
}

#[test]
fn the_runner_marks_an_outcome_when_its_delivery_is_confirmed_and_not_before() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    w.notifier.hold_deliveries(true); // handed to the messenger, confirmation still to come
    let first = settle_two(&w, &u);
    let second = settle_two(&w, &u);
    assert_eq!(w.runner.deliveries.in_flight(), 2);

    // long past resend_after, but both deliveries are still on their way: no second copy
    w.clock.advance(chrono::Duration::minutes(5));
    block(w.runner.sweep()).unwrap();
    assert!(w.notifier.resent().is_empty(), "an outcome on its way is not sent again");

    // both get through; the next tick reads the answers and marks them
    assert_eq!(w.notifier.deliver(true), 2);
    block(w.runner.tick()).unwrap();
    assert_eq!(w.runner.deliveries.in_flight(), 0);
    w.clock.advance(chrono::Duration::minutes(5));
    block(w.runner.sweep()).unwrap();
    assert!(w.notifier.resent().is_empty(), "confirmed outcomes are marked and never re-sent");
    assert_eq!(outcomes_of(&w.notifier.notices(), first.id), 1);
    assert_eq!(outcomes_of(&w.notifier.notices(), second.id), 1);

    // a delivery that does not get through stays unmarked: the sweep sends it again
    let lost = settle_two(&w, &u);
    assert_eq!(w.notifier.deliver(false), 1);
    assert_eq!(block(w.runner.confirm_deliveries()), 1);
    w.notifier.hold_deliveries(false);
    w.clock.advance(chrono::Duration::minutes(1));
    block(w.runner.sweep()).unwrap();
    let resent = w.notifier.resent();
    assert_eq!(resent.len(), 1, "only the lost one is sent again");
    assert_eq!(resent[0].1.outcome_of().map(|j| j.id), Some(lost.id));
    w.clock.advance(chrono::Duration::minutes(5));
    block(w.runner.sweep()).unwrap();
    assert_eq!(w.notifier.resent().len(), 1, "confirmed at once this time: not sent a third time");
    w.assert_invariants();
}

/// Gives way once to the other futures of a `select`.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

#[test]
fn a_delivery_is_marked_as_soon_as_its_answer_comes_without_waiting_for_a_tick() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    w.notifier.hold_deliveries(true);
    let j = settle_two(&w, &u);
    assert!(w.runner.deliveries.is_on_its_way(j.id));
    let followed = block(async {
        let follow = w.runner.follow_deliveries();
        let answer = async {
            yield_once().await; // the follower is waiting before the answer comes
            w.notifier.deliver(true);
            while w.runner.deliveries.in_flight() > 0 {
                yield_once().await;
            }
        };
        futures::pin_mut!(follow, answer);
        matches!(futures::future::select(follow, answer).await, futures::future::Either::Right(_))
    });
    assert!(followed, "the follower marked it; no tick ran");
    w.clock.advance(chrono::Duration::minutes(5));
    block(w.runner.sweep()).unwrap();
    assert!(w.notifier.resent().is_empty(), "marked: never sent again");
}

#[test]
fn a_confirmed_outcome_is_never_sent_again() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let ok = settle_two(&w, &u);
    // a failure, confirmed too
    let bad = start(&w, &u, 1);
    block(w.runner.tick()).unwrap();
    let rid = request_of(&w, &bad);
    let refused = ProviderError::new(ProviderErrorKind::ContentPolicy, "no");
    block(w.runner.on_finished(&rid, Err(refused))).unwrap();
    assert_eq!(job(&w, &bad).status, JobStatus::Failed);
    for _ in 0..4 {
        w.clock.advance(chrono::Duration::minutes(1));
        block(w.runner.sweep()).unwrap();
    }
    assert!(w.notifier.resent().is_empty(), "nothing re-sent: {:?}", w.notifier.resent());
    let notices = w.notifier.notices();
    assert_eq!((outcomes_of(&notices, ok.id), outcomes_of(&notices, bad.id)), (1, 1));
    w.assert_invariants();
}

#[test]
fn an_outcome_ended_elsewhere_is_told_by_the_sweep() {
    // `aisha admin jobs fail` ends the job in another process, which tells nobody
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 2);
    block(w.runner.tick()).unwrap();
    let failure = aisha_domain::generation::Failure::new(FailureKind::ProviderUnavailable, "operator");
    block(w.store.fail(j.id, failure, w.clock_now())).unwrap();
    assert_eq!(w.balance(&u), 100);
    w.clock.advance(chrono::Duration::seconds(31));
    block(w.runner.sweep()).unwrap();
    let resent = w.notifier.resent();
    assert!(
        matches!(resent.as_slice(), [(owner, Notice::Failed { job })] if *owner == u.id && job.id == j.id),
        "{resent:?}"
    );
    w.clock.advance(chrono::Duration::minutes(5));
    block(w.runner.sweep()).unwrap();
    assert_eq!(w.notifier.resent().len(), 1, "told once");
    w.assert_invariants();
}

#[test]
fn a_model_the_catalog_does_not_offer_is_refused_before_anything_is_written() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    for key in ["imagen4/standard", "no-such-model"] {
        let spec = JobSpec::Text {
            prompt: Prompt::parse("a fox in the snow").unwrap(),
            aspect: AspectRatio::Square,
            count: ImageCount::new(1).unwrap(),
            model: ModelKey::parse(key).unwrap(),
        };
        let err = block(w.generation.start(u.id, JobId(Uuid::new_v4()), spec, None)).unwrap_err();
        assert_eq!(err, StartError::ModelUnavailable(ModelKey::parse(key).unwrap()), "{key}");
    }
    assert_eq!(w.balance(&u), 100);
    assert!(w.store.snapshot().jobs.is_empty());
    w.assert_invariants();
}

/// A trained, ready avatar whose LoRA the provider handed over at `mem://lora/kept`.
fn ready_avatar() -> (World, User, aisha_domain::Avatar) {
    let (w, u, a) = trained_world();
    let j = block(w.generation.start(u.id, JobId(Uuid::new_v4()), JobSpec::Training { avatar: a.id }, None)).unwrap();
    block(w.runner.tick()).unwrap();
    w.generator.finish(
        &request_of(&w, &j),
        Ok(ProviderOutput::Lora(Some(aisha_domain::avatar::Lora::at("mem://lora/kept", None)))),
    );
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    let ready = block(w.avatars.get(u.id, a.id)).unwrap().unwrap();
    assert_eq!(ready.status, AvatarStatus::Ready);
    (w, u, ready)
}

/// Starts one photo-with-me job and returns the LoRA URL it was submitted with.
fn photo_with_me(w: &World, u: &User, a: &aisha_domain::Avatar) -> (Job, String) {
    let spec = JobSpec::AvatarPhotos {
        avatar: a.id,
        prompt: Prompt::parse("on a beach").unwrap(),
        aspect: AspectRatio::Square,
        count: ImageCount::new(1).unwrap(),
    };
    let p = block(w.generation.start(u.id, JobId(Uuid::new_v4()), spec, None)).unwrap();
    block(w.runner.tick()).unwrap();
    let rid = request_of(w, &p);
    match w.generator.request(&rid).unwrap().request {
        aisha_domain::ports::ProviderRequest::LoraImages { lora_url, .. } => {
            w.generator.finish(&rid, Ok(ScriptedGenerator::images(1024, 1024, 1, 0)));
            w.clock.advance(chrono::Duration::seconds(3));
            block(w.runner.tick()).unwrap();
            (job(w, &p), lora_url)
        }
        other => panic!("expected a LoRA request, got {other:?}"),
    }
}

#[test]
fn a_trained_lora_is_copied_into_our_storage_before_the_avatar_is_ready() {
    let (w, _u, a) = ready_avatar();
    let lora = a.lora.expect("a LoRA");
    let key = lora.stored.expect("our copy");
    assert_eq!(
        block(aisha_domain::ports::ImageStore::get(&*w.images, &key)).unwrap(),
        ScriptedGenerator::lora_bytes("mem://lora/kept")
    );
    assert_eq!(lora.refreshed_at, Some(w.clock_now()), "when the training was settled");
    assert_eq!(lora.url, "mem://lora/kept");
    w.assert_invariants();
}

#[test]
fn a_lora_the_provider_forgot_is_uploaded_again_from_our_copy_and_the_photo_is_delivered() {
    let (w, u, a) = ready_avatar();
    // young: used as it is, without asking the provider
    let (done, url) = photo_with_me(&w, &u, &a);
    assert_eq!((done.status, url.as_str()), (JobStatus::Succeeded, "mem://lora/kept"));
    assert!(w.generator.lora_uploads().is_empty());

    // two days later the provider no longer serves it
    w.clock.advance(chrono::Duration::days(2));
    w.generator.expire("mem://lora/kept");
    let (done, url) = photo_with_me(&w, &u, &a);
    assert_eq!(done.status, JobStatus::Succeeded, "the user never notices");
    let uploads = w.generator.lora_uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        (uploads[0].0.as_str(), &uploads[0].1),
        (url.as_str(), &ScriptedGenerator::lora_bytes("mem://lora/kept"))
    );
    let now = block(w.avatars.get(u.id, a.id)).unwrap().unwrap().lora.unwrap();
    assert_eq!(
        (now.url.as_str(), now.refreshed_at),
        (url.as_str(), Some(w.clock_now() - chrono::Duration::seconds(3)))
    );

    // the fresh URL is used from then on; past the maximum age it is renewed even if served
    let (_, again) = photo_with_me(&w, &u, &a);
    assert_eq!(again, url);
    w.clock.advance(chrono::Duration::days(7));
    let (done, renewed) = photo_with_me(&w, &u, &a);
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_ne!(renewed, url);
    assert_eq!(w.generator.lora_uploads().len(), 2);
    w.assert_invariants();
}

#[test]
fn an_avatar_trained_before_copies_were_kept_is_copied_while_its_file_lives() {
    let (w, u, a) = ready_avatar();
    // as stored before this release: a URL, no copy, no age
    let legacy = aisha_domain::avatar::Lora::at("mem://lora/old", None);
    assert!(block(aisha_domain::ports::Avatars::refresh_lora(&*w.store, u.id, a.id, &legacy)).unwrap());
    let (done, url) = photo_with_me(&w, &u, &a);
    assert_eq!(done.status, JobStatus::Succeeded);
    let now = block(w.avatars.get(u.id, a.id)).unwrap().unwrap().lora.unwrap();
    assert_eq!(now.url, url);
    assert_eq!(
        block(aisha_domain::ports::ImageStore::get(&*w.images, &now.stored.unwrap())).unwrap(),
        ScriptedGenerator::lora_bytes("mem://lora/old")
    );

    // one whose file is already gone and was never copied: failed and refunded, with why
    let gone = aisha_domain::avatar::Lora::at("mem://lora/lost", None);
    assert!(block(aisha_domain::ports::Avatars::refresh_lora(&*w.store, u.id, a.id, &gone)).unwrap());
    w.generator.expire("mem://lora/lost");
    let before = w.balance(&u);
    let spec = JobSpec::AvatarPhotos {
        avatar: a.id,
        prompt: Prompt::parse("on a beach").unwrap(),
        aspect: AspectRatio::Square,
        count: ImageCount::new(1).unwrap(),
    };
    let p = block(w.generation.start(u.id, JobId(Uuid::new_v4()), spec, None)).unwrap();
    block(w.runner.tick()).unwrap();
    let failed = job(&w, &p);
    assert_eq!((failed.status, failed.failure.map(|f| f.kind)), (JobStatus::Failed, Some(FailureKind::NoResult)));
    assert_eq!(w.balance(&u), before);
    w.assert_invariants();
}

#[test]
fn deleting_an_avatar_removes_its_lora_copy() {
    let (w, u, a) = ready_avatar();
    let key = a.lora.clone().unwrap().stored.unwrap();
    assert!(matches!(block(w.avatars.delete(u.id, a.id)).unwrap(), aisha_domain::ports::DeleteAvatar::Deleted { .. }));
    assert!(!block(aisha_domain::ports::ImageStore::exists(&*w.images, &key)).unwrap());
}

#[test]
fn a_submit_whose_answer_was_lost_is_found_not_made_twice() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 1);
    w.generator.lose_next_submit_answer(ProviderError::new(ProviderErrorKind::Transient, "connection reset"));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &j).status, JobStatus::Pending, "the runner does not know it was taken");
    assert_eq!(w.generator.requests().len(), 1, "but the provider has it");
    w.clock.advance(chrono::Duration::seconds(70));
    block(w.runner.tick()).unwrap();
    let followed = job(&w, &j);
    assert_eq!(followed.status, JobStatus::Queued);
    assert_eq!(followed.provider.unwrap().request_id, w.generator.requests()[0]);
    assert_eq!(w.generator.requests().len(), 1, "found, not submitted again");
    w.assert_invariants();
}

#[test]
fn a_lora_the_provider_could_not_fetch_is_uploaded_again_for_the_next_photo() {
    let (w, u, a) = ready_avatar();
    let spec = JobSpec::AvatarPhotos {
        avatar: a.id,
        prompt: Prompt::parse("on a beach").unwrap(),
        aspect: AspectRatio::Square,
        count: ImageCount::new(1).unwrap(),
    };
    let p = block(w.generation.start(u.id, JobId(Uuid::new_v4()), spec, None)).unwrap();
    block(w.runner.tick()).unwrap();
    let refused =
        ProviderError::new(ProviderErrorKind::InvalidInput, "loras.0.path: could not download the LoRA weights");
    w.generator.finish(&request_of(&w, &p), Err(refused));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    assert_eq!(job(&w, &p).status, JobStatus::Failed, "refunded, and told why");
    assert!(w.generator.lora_uploads().is_empty());
    let (done, url) = photo_with_me(&w, &u, &a);
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(w.generator.lora_uploads().len(), 1, "the next one uploads our copy first");
    assert_ne!(url, "mem://lora/kept");
    w.assert_invariants();
}

#[test]
fn a_running_image_job_is_pulsed_and_its_results_announced_before_they_arrive() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, 1);
    block(w.runner.tick()).unwrap();
    assert_eq!(block(w.runner.pulse()).unwrap(), 0, "queued: nothing to show yet");
    let rid = request_of(&w, &j);
    w.generator.set_running(&rid);
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    w.notifier.take();
    assert_eq!(block(w.runner.pulse()).unwrap(), 1);
    assert!(matches!(&w.notifier.take()[..], [(owner, Notice::Working { job })] if *owner == u.id && job.id == j.id));

    w.generator.finish(&rid, Ok(ScriptedGenerator::images(512, 512, 1, 0)));
    w.clock.advance(chrono::Duration::seconds(3));
    block(w.runner.tick()).unwrap();
    let told: Vec<&str> = w
        .notifier
        .take()
        .iter()
        .map(|(_, n)| match n {
            Notice::Delivering { .. } => "delivering",
            Notice::Succeeded { .. } => "succeeded",
            _ => "other",
        })
        .collect();
    assert_eq!(told, ["delivering", "succeeded"]);
    assert_eq!(block(w.runner.pulse()).unwrap(), 0, "an ended job is not pulsed");
}
