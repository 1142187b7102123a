//! The `Jobs` contract: a job and its charge are one; settling a job and its refund are one;
//! transitions are the domain's; leases are exclusive; reads are owner-scoped; an ended job's
//! outcome is claimed for re-sending until it is marked sent, by one claimer at a time.

use crate::Stores;
use crate::fixtures::{self, imagen, new_job};
use aisha_domain::avatar::{AvatarStatus, PhotoRules, TrainRefusal};
use aisha_domain::gallery::ImageKind;
use aisha_domain::generation::{Failure, FailureKind, InFlightLimit, JobLimits, JobSpec, ProviderRef, TransitionError};
use aisha_domain::ledger::{LedgerReason, keys};
use aisha_domain::ports::{AvatarRefusal, CreateJobError, JobOutput, SaveError, SettleError};
use aisha_domain::{Coins, JobStatus, User, UserId};
use chrono::{DateTime, Duration, Utc};

async fn funded_user(s: Stores<'_>, coins: i64, now: DateTime<Utc>) -> User {
    let u = fixtures::user(now);
    s.users.upsert(u.clone()).await.unwrap();
    if coins > 0 {
        s.ledger.apply(fixtures::welcome(u.id, coins, now)).await.unwrap();
    }
    u
}

fn provider(request_id: &str) -> ProviderRef {
    ProviderRef {
        request_id: request_id.to_owned(),
        model: "fal-ai/imagen4/preview".into(),
        status_url: Some(format!("http://fal.test/requests/{request_id}/status")),
        response_url: Some(format!("http://fal.test/requests/{request_id}")),
        cancel_url: None,
    }
}

fn limits(n: u32) -> JobLimits {
    JobLimits { in_flight: InFlightLimit(n), photos: PhotoRules::default() }
}

async fn charges(s: Stores<'_>, owner: UserId) -> (usize, usize) {
    let rows = s.ledger.history(owner, None, 1000).await.unwrap();
    let debits = rows.iter().filter(|e| matches!(e.reason, LedgerReason::JobCharge { .. })).count();
    let refunds = rows.iter().filter(|e| matches!(e.reason, LedgerReason::JobRefund { .. })).count();
    (debits, refunds)
}

pub async fn run(s: Stores<'_>, now: DateTime<Utc>) {
    create_charges_once(s, now).await;
    refusals_write_nothing(s, now).await;
    save_and_leases(s, now).await;
    settle_images(s, now).await;
    settle_failures(s, now).await;
    training(s, now).await;
    sweeps_and_counts(s, now).await;
    outcomes(s, now).await;
}

async fn create_charges_once(s: Stores<'_>, now: DateTime<Utc>) {
    let u = funded_user(s, 100, now).await;
    let new = new_job(u.id, imagen(3, "imagen4/standard"), now);
    let created = s.jobs.create_charged(new.clone(), &limits(3)).await.unwrap();
    assert!(!created.replayed);
    let job = created.job;
    assert_eq!((job.status, job.quote.total.get(), job.delivered), (JobStatus::Pending, 15, 0));
    assert_eq!(job.status_message, Some(77));
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 85, "the charge moved the balance");
    let rows = s.ledger.history(u.id, None, 10).await.unwrap();
    let debit = rows.iter().find(|e| matches!(e.reason, LedgerReason::JobCharge { .. })).expect("a charge row");
    assert_eq!(debit.amount, -15);
    assert_eq!(debit.idempotency_key, keys::job_charge(job.id));
    assert_eq!(debit.id, new.debit_entry, "the debit row has the id the caller chose");
    assert_eq!(debit.reason, LedgerReason::JobCharge { job: job.id, job_kind: aisha_domain::JobKind::Text, units: 3 });

    let mut other = new_job(u.id, imagen(2, "imagen4/standard"), now);
    other.id = job.id;
    let reused = s.jobs.create_charged(other, &limits(3)).await.unwrap_err();
    assert!(
        matches!(&reused, CreateJobError::Store(aisha_domain::ports::StoreError::Internal { message: m, .. }) if m.contains("different contents")),
        "a different job under a used id is refused, not replayed: {reused:?}"
    );
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 85, "nothing charged");

    let again = s.jobs.create_charged(new, &limits(3)).await.unwrap();
    assert!(again.replayed, "the same job id is a replay");
    assert_eq!(again.job.id, job.id);
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 85, "a replay is not charged again");
    assert_eq!(charges(s, u.id).await, (1, 0));

    assert_eq!(s.jobs.get(u.id, job.id).await.unwrap().map(|j| j.id), Some(job.id));
    let stranger = funded_user(s, 0, now).await;
    assert_eq!(s.jobs.get(stranger.id, job.id).await.unwrap(), None, "another user's job is not found");
    let missing = aisha_domain::JobId(fixtures::id());
    let mine = s.jobs.get_many(u.id, &[job.id, missing]).await.unwrap();
    assert_eq!(mine.iter().map(|j| j.id).collect::<Vec<_>>(), [job.id], "several at once; an unknown id is left out");
    assert!(s.jobs.get_many(stranger.id, &[job.id]).await.unwrap().is_empty(), "and another user's too");
    assert!(s.jobs.get_many(u.id, &[]).await.unwrap().is_empty());
    assert_eq!(s.jobs.find(job.id).await.unwrap().map(|j| j.owner), Some(u.id));
    assert_eq!(s.jobs.in_flight(u.id).await.unwrap(), 1);
}

async fn refusals_write_nothing(s: Stores<'_>, now: DateTime<Utc>) {
    let u = funded_user(s, 10, now).await;
    let too_dear = new_job(u.id, imagen(4, "imagen4/ultra"), now);
    let err = s.jobs.create_charged(too_dear.clone(), &limits(3)).await.unwrap_err();
    assert_eq!(
        err,
        CreateJobError::InsufficientFunds { balance: Coins::new(10).unwrap(), needed: Coins::new(32).unwrap() }
    );
    assert_eq!(s.jobs.find(too_dear.id).await.unwrap(), None, "no job without its charge");
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 10);

    let a = s.jobs.create_charged(new_job(u.id, imagen(1, "imagen4/fast"), now), &limits(2)).await.unwrap();
    s.jobs.create_charged(new_job(u.id, imagen(1, "imagen4/fast"), now), &limits(2)).await.unwrap();
    let third = new_job(u.id, imagen(1, "imagen4/fast"), now);
    assert_eq!(
        s.jobs.create_charged(third.clone(), &limits(2)).await.unwrap_err(),
        CreateJobError::TooManyInFlight { limit: 2 }
    );
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 4, "the refused job was not charged");
    s.jobs.fail(a.job.id, Failure::new(FailureKind::Cancelled, "user"), now).await.unwrap();
    s.jobs.create_charged(third, &limits(2)).await.expect("a slot freed when a job ended");

    let ghost = new_job(UserId(fixtures::id()), imagen(1, "imagen4/fast"), now);
    assert_eq!(s.jobs.create_charged(ghost, &limits(3)).await.unwrap_err(), CreateJobError::UnknownUser);

    // avatar rules
    let other = funded_user(s, 0, now).await;
    let foreign = fixtures::ready_avatar(other.id, "Чужой", now);
    s.avatars.create(&foreign).await.unwrap();
    let spec = JobSpec::AvatarPhotos {
        avatar: foreign.id,
        prompt: fixtures::prompt("on the moon"),
        aspect: aisha_domain::AspectRatio::Portrait3x4,
        count: aisha_domain::ImageCount::ONE,
    };
    let rich = funded_user(s, 500, now).await;
    assert_eq!(
        s.jobs.create_charged(new_job(rich.id, spec, now), &limits(3)).await.unwrap_err(),
        CreateJobError::Avatar(AvatarRefusal::NotFound),
        "another user's avatar is not found"
    );
    let draft = fixtures::avatar(rich.id, "Черновик", now);
    s.avatars.create(&draft).await.unwrap();
    let spec = JobSpec::AvatarPhotos {
        avatar: draft.id,
        prompt: fixtures::prompt("on the moon"),
        aspect: aisha_domain::AspectRatio::Portrait3x4,
        count: aisha_domain::ImageCount::ONE,
    };
    assert_eq!(
        s.jobs.create_charged(new_job(rich.id, spec, now), &limits(3)).await.unwrap_err(),
        CreateJobError::Avatar(AvatarRefusal::NotUsable)
    );
    assert_eq!(s.ledger.balance(rich.id).await.unwrap().get(), 500);
}

async fn save_and_leases(s: Stores<'_>, now: DateTime<Utc>) {
    let u = funded_user(s, 100, now).await;
    let job = s.jobs.create_charged(new_job(u.id, imagen(1, "imagen4/fast"), now), &limits(3)).await.unwrap().job;

    // leases: a due job is leased to one worker at a time
    let lease_until = now + Duration::seconds(30);
    let first = s.jobs.claim_due(now, lease_until, 1000).await.unwrap();
    let mine = first.iter().find(|j| j.id == job.id).expect("a due job is claimed");
    assert_eq!(mine.next_attempt_at, lease_until);
    let second = s.jobs.claim_due(now, lease_until, 1000).await.unwrap();
    assert!(second.iter().all(|j| j.id != job.id), "a leased job is not claimed again");
    assert_eq!(mine.leased_until, Some(lease_until), "a claim records the lease");
    assert_eq!(s.jobs.find(job.id).await.unwrap().unwrap().leased_until, Some(lease_until));

    // the holder's heartbeat moves the lease on without changing the version
    let renewed_until = now + Duration::seconds(50);
    let renewed = s.jobs.renew_leases(&[(job.id, mine.version)], renewed_until).await.unwrap();
    assert_eq!(renewed, [job.id]);
    let read = s.jobs.find(job.id).await.unwrap().unwrap();
    assert_eq!(
        (read.version, read.next_attempt_at, read.leased_until),
        (mine.version, renewed_until, Some(renewed_until))
    );
    let at_old_end = s.jobs.claim_due(lease_until, lease_until + Duration::seconds(30), 1000).await.unwrap();
    assert!(at_old_end.iter().all(|j| j.id != job.id), "a renewed lease outlasts its first end");
    assert!(
        s.jobs.renew_leases(&[(job.id, mine.version - 1)], renewed_until).await.unwrap().is_empty(),
        "only the version the claim returned renews the lease"
    );
    let stolen = s.jobs.claim_due(renewed_until, renewed_until + Duration::seconds(30), 1000).await.unwrap();
    let mine = stolen.into_iter().find(|j| j.id == job.id).expect("claimable again when the lease ran out");
    assert!(
        s.jobs.renew_leases(&[(job.id, mine.version - 1)], renewed_until).await.unwrap().is_empty(),
        "a lease another claim took over is not renewed by its old holder"
    );

    let mut queued = mine.clone();
    let request_id = format!("req-{}", fixtures::id());
    queued.submitted(provider(&request_id), Some(4), now).unwrap();
    queued.next_attempt_at = now + Duration::seconds(2);
    queued.leased_until = None;
    let saved = s.jobs.save(&queued).await.unwrap();
    assert_eq!(saved.version, mine.version + 1, "save bumps the version");
    assert_eq!(saved.leased_until, None, "the holder's save ends its lease");
    assert_eq!(saved.status, JobStatus::Queued);
    let read = s.jobs.find(job.id).await.unwrap().unwrap();
    assert_eq!(read, saved, "what was saved is what is read");
    assert_eq!(s.jobs.by_request(&request_id).await.unwrap().map(|j| j.id), Some(job.id));
    assert_eq!(s.jobs.by_request("no-such-request").await.unwrap(), None);

    assert_eq!(s.jobs.save(&queued).await.unwrap_err(), SaveError::Conflict, "a stale version is refused");
    let mut ended = saved.clone();
    ended.status = JobStatus::Succeeded;
    assert_eq!(s.jobs.save(&ended).await.unwrap_err(), SaveError::Terminal, "save never ends a job");
    let mut back = saved.clone();
    back.status = JobStatus::Pending;
    assert!(matches!(s.jobs.save(&back).await.unwrap_err(), SaveError::Transition(_)), "no illegal transition");
}

async fn settle_images(s: Stores<'_>, now: DateTime<Utc>) {
    let u = funded_user(s, 100, now).await;
    let job = s.jobs.create_charged(new_job(u.id, imagen(4, "imagen4/standard"), now), &limits(3)).await.unwrap().job;
    let mut queued = job.clone();
    queued.submitted(provider(&format!("r-{}", fixtures::id())), None, now).unwrap();
    s.jobs.save(&queued).await.unwrap();

    let none = s.jobs.succeed(job.id, JobOutput::Images(vec![]), now).await.unwrap_err();
    assert!(
        matches!(none, SettleError::Transition(TransitionError::Delivered { delivered: 0, .. })),
        "success needs an image; got {none:?}"
    );
    let at = now + Duration::seconds(20);
    let images: Vec<_> = (0..3).map(|_| fixtures::image(u.id, Some(job.id), ImageKind::Text, at)).collect();
    let settled = s.jobs.succeed(job.id, JobOutput::Images(images.clone()), at).await.unwrap();
    assert_eq!((settled.job.status, settled.job.delivered, settled.job.refunded.get()), (JobStatus::Succeeded, 3, 5));
    let refund = settled.refund.expect("the missing image is refunded");
    assert_eq!((refund.amount, refund.idempotency_key.clone()), (5, keys::job_refund(job.id)));
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 100 - 20 + 5);
    for i in &images {
        assert_eq!(s.gallery.get(u.id, i.id).await.unwrap().as_ref(), Some(i), "images are in the gallery as given");
    }

    let dup = s.jobs.succeed(job.id, JobOutput::Images(images), at).await.unwrap_err();
    assert!(matches!(dup, SettleError::AlreadyEnded(_)), "a second completion changes nothing");
    let late = s.jobs.fail(job.id, Failure::new(FailureKind::TimedOut, "late"), at).await.unwrap_err();
    assert!(matches!(late, SettleError::AlreadyEnded(_)));
    let ended = s.jobs.find(job.id).await.unwrap().unwrap();
    let renewed = s.jobs.renew_leases(&[(job.id, ended.version)], at + Duration::seconds(60)).await.unwrap();
    assert!(renewed.is_empty(), "an ended job has no lease to renew");
    assert_eq!(charges(s, u.id).await, (1, 1), "one debit and one refund");
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 85);

    // all four delivered: no refund row
    let full = s.jobs.create_charged(new_job(u.id, imagen(2, "imagen4/fast"), now), &limits(3)).await.unwrap().job;
    let mut q = full.clone();
    q.submitted(provider(&format!("r-{}", fixtures::id())), None, now).unwrap();
    let mut running = s.jobs.save(&q).await.unwrap();
    running.started(now).unwrap();
    s.jobs.save(&running).await.unwrap();
    let images: Vec<_> = (0..2).map(|_| fixtures::image(u.id, Some(full.id), ImageKind::Text, at)).collect();
    let settled = s.jobs.succeed(full.id, JobOutput::Images(images), at).await.unwrap();
    assert_eq!(settled.refund, None, "nothing missing, nothing refunded");
    assert_eq!(settled.job.refunded, Coins::ZERO);
    assert_eq!(
        s.jobs.succeed(aisha_domain::JobId(fixtures::id()), JobOutput::Lora(fixtures::lora()), at).await.unwrap_err(),
        SettleError::NotFound
    );
}

async fn settle_failures(s: Stores<'_>, now: DateTime<Utc>) {
    let u = funded_user(s, 100, now).await;
    for (kind, status) in [
        (FailureKind::ContentPolicy, JobStatus::Failed),
        (FailureKind::TimedOut, JobStatus::TimedOut),
        (FailureKind::Cancelled, JobStatus::Cancelled),
    ] {
        let before = s.ledger.balance(u.id).await.unwrap().get();
        let job = s.jobs.create_charged(new_job(u.id, imagen(2, "imagen4/ultra"), now), &limits(3)).await.unwrap().job;
        let settled = s.jobs.fail(job.id, Failure::new(kind, "detail for operators"), now).await.unwrap();
        assert_eq!(settled.job.status, status);
        assert_eq!(settled.job.failure.as_ref().map(|f| f.kind), Some(kind));
        assert_eq!(settled.refund.as_ref().map(|r| r.amount), Some(16), "a failure refunds everything");
        assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), before, "charge and refund cancel out");
        let stored = s.jobs.find(job.id).await.unwrap().unwrap();
        assert_eq!(stored.failure, settled.job.failure, "the failure is stored");
        assert_eq!(stored.refunded.get(), 16);
    }
    assert_eq!(charges(s, u.id).await, (3, 3));
}

async fn training(s: Stores<'_>, now: DateTime<Utc>) {
    let u = funded_user(s, 1000, now).await;
    let rules = PhotoRules { min_photos: 2, ..PhotoRules::default() };
    let lim = JobLimits { in_flight: InFlightLimit(3), photos: rules };
    let a = fixtures::avatar(u.id, "Аня", now);
    s.avatars.create(&a).await.unwrap();
    s.avatars.add_photo(&fixtures::photo(&a, "h1", now), &rules).await.unwrap();
    let spec = JobSpec::Training { avatar: a.id };
    assert_eq!(
        s.jobs.create_charged(new_job(u.id, spec.clone(), now), &lim).await.unwrap_err(),
        CreateJobError::Avatar(AvatarRefusal::Train(TrainRefusal::NotEnoughPhotos { have: 1, need: 2 }))
    );
    s.avatars.add_photo(&fixtures::photo(&a, "h2", now), &rules).await.unwrap();
    let job = s.jobs.create_charged(new_job(u.id, spec.clone(), now), &lim).await.unwrap().job;
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 850);
    let training = s.avatars.get(u.id, a.id).await.unwrap().unwrap();
    assert_eq!(
        (training.status, training.training_job),
        (AvatarStatus::Training, Some(job.id)),
        "training starts with the charge"
    );
    assert_eq!(
        s.jobs.create_charged(new_job(u.id, spec.clone(), now), &lim).await.unwrap_err(),
        CreateJobError::Avatar(AvatarRefusal::Train(TrainRefusal::AlreadyTraining))
    );

    let failed = s.jobs.fail(job.id, Failure::new(FailureKind::NoResult, "no LoRA file"), now).await.unwrap();
    assert_eq!(failed.avatar.as_ref().map(|a| a.status), Some(AvatarStatus::Failed));
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 1000, "a failed training is refunded");

    let retry = s.jobs.create_charged(new_job(u.id, spec.clone(), now), &lim).await.unwrap().job;
    let cancelled = s.jobs.fail(retry.id, Failure::new(FailureKind::Cancelled, "user"), now).await.unwrap();
    assert_eq!(
        cancelled.avatar.map(|a| a.status),
        Some(AvatarStatus::Draft),
        "a cancelled training goes back to draft"
    );

    let third = s.jobs.create_charged(new_job(u.id, spec, now), &lim).await.unwrap().job;
    let mut q = third.clone();
    q.submitted(provider(&format!("t-{}", fixtures::id())), None, now).unwrap();
    s.jobs.save(&q).await.unwrap();
    let done = s.jobs.succeed(third.id, JobOutput::Lora(fixtures::lora()), now).await.unwrap();
    let ready = done.avatar.expect("the trained avatar is returned");
    assert_eq!((ready.status, ready.lora.clone(), ready.is_main), (AvatarStatus::Ready, Some(fixtures::lora()), true));
    assert_eq!(s.avatars.get(u.id, a.id).await.unwrap().unwrap(), ready, "the avatar is stored ready and main");
    assert_eq!(done.refund, None);
    assert_eq!(s.ledger.balance(u.id).await.unwrap().get(), 850);
}

async fn sweeps_and_counts(s: Stores<'_>, now: DateTime<Utc>) {
    let counts_before = s.jobs.count_by_status().await.unwrap();
    let count = |c: &[(JobStatus, u64)], st| c.iter().find(|(s, _)| *s == st).map_or(0, |(_, n)| *n);
    let u = funded_user(s, 100, now).await;
    let mut new = new_job(u.id, imagen(1, "imagen4/fast"), now);
    new.deadline = now + Duration::minutes(1);
    let job = s.jobs.create_charged(new, &limits(3)).await.unwrap().job;
    let ended = s.jobs.create_charged(new_job(u.id, imagen(1, "imagen4/fast"), now), &limits(3)).await.unwrap().job;
    s.jobs.fail(ended.id, Failure::new(FailureKind::Cancelled, "user"), now).await.unwrap();

    assert!(s.jobs.overdue(now, 1000).await.unwrap().iter().all(|j| j.id != job.id), "not overdue before its deadline");
    let overdue = s.jobs.overdue(now + Duration::minutes(1), 1000).await.unwrap();
    assert!(overdue.iter().any(|j| j.id == job.id), "overdue at its deadline");
    assert!(overdue.iter().all(|j| j.id != ended.id), "ended jobs are never overdue");
    let open = s.jobs.non_terminal(100_000).await.unwrap();
    assert!(open.iter().any(|j| j.id == job.id) && open.iter().all(|j| !j.status.is_terminal()));

    let counts = s.jobs.count_by_status().await.unwrap();
    assert_eq!(count(&counts, JobStatus::Pending), count(&counts_before, JobStatus::Pending) + 1);
    assert_eq!(count(&counts, JobStatus::Cancelled), count(&counts_before, JobStatus::Cancelled) + 1);
}

async fn outcomes(s: Stores<'_>, now: DateTime<Utc>) {
    // other suites leave unsent outcomes in the same store: look only at this suite's jobs
    let all = 100_000;
    let ids = |jobs: &[aisha_domain::Job]| jobs.iter().map(|j| j.id).collect::<Vec<_>>();
    let u = funded_user(s, 100, now).await;
    let owner = u.id;
    let create = move || async move {
        s.jobs.create_charged(new_job(owner, imagen(1, "imagen4/fast"), now), &limits(10)).await.unwrap().job
    };
    let (a, open) = (create().await, create().await);
    let settled_at = now + Duration::minutes(1);
    s.jobs.fail(a.id, Failure::new(FailureKind::ContentPolicy, "no"), settled_at).await.unwrap();
    let a_version = s.jobs.find(a.id).await.unwrap().unwrap().version;

    // not before it is old enough; never a job still running
    let early = s.jobs.claim_unsent_outcomes(settled_at - Duration::seconds(1), settled_at, all).await.unwrap();
    assert!(!ids(&early).contains(&a.id), "settled after older_than: not claimed");
    s.jobs.mark_outcome_sent(open.id, settled_at).await.unwrap(); // ignored: it has no outcome yet
    let t2 = settled_at + Duration::seconds(40);
    let claimed = s.jobs.claim_unsent_outcomes(settled_at, t2, all).await.unwrap();
    assert!(claimed.iter().all(|j| j.status.is_terminal()), "only ended jobs have an outcome to send");
    assert!(!ids(&claimed).contains(&open.id));
    let mine: Vec<_> = claimed.iter().filter(|j| j.id == a.id).collect();
    assert_eq!(mine.len(), 1, "the unsent outcome is claimed once");
    assert_eq!((mine[0].status, mine[0].updated_at, mine[0].version), (JobStatus::Failed, t2, a_version + 1));
    assert_eq!(mine[0].refunded.get(), a.quote.total.get(), "claiming changes no money");
    let stored = s.jobs.find(a.id).await.unwrap().unwrap();
    assert_eq!((stored.updated_at, stored.version), (t2, a_version + 1), "the claim is stored");

    // claimed: out of reach until it is older than older_than again
    let again = s.jobs.claim_unsent_outcomes(settled_at, t2, all).await.unwrap();
    assert!(!ids(&again).contains(&a.id), "a claimed outcome is not claimed again at once");
    let t3 = t2 + Duration::seconds(40);
    assert!(ids(&s.jobs.claim_unsent_outcomes(t2, t3, all).await.unwrap()).contains(&a.id), "claimed again later");

    // marked: never again; marking twice or an unknown id is harmless
    s.jobs.mark_outcome_sent(a.id, t3).await.unwrap();
    s.jobs.mark_outcome_sent(a.id, t3 + Duration::seconds(1)).await.unwrap();
    s.jobs.mark_outcome_sent(aisha_domain::JobId(fixtures::id()), t3).await.unwrap();
    let far = t3 + Duration::days(1);
    assert!(!ids(&s.jobs.claim_unsent_outcomes(far, far, all).await.unwrap()).contains(&a.id), "marked: done");

    // the mark made while it ran did not count: once ended, its outcome is unsent
    s.jobs.fail(open.id, Failure::new(FailureKind::Cancelled, "user"), t3).await.unwrap();
    let ended = s.jobs.claim_unsent_outcomes(far, far, all).await.unwrap();
    assert!(ids(&ended).contains(&open.id));
    s.jobs.mark_outcome_sent(open.id, far).await.unwrap();

    // two sweeps at once: each outcome goes to one of them
    let racing: Vec<_> = futures::future::join_all((0..4).map(|_| create())).await;
    for j in &racing {
        s.jobs.fail(j.id, Failure::new(FailureKind::TimedOut, "late"), far).await.unwrap();
    }
    let (later, claim_at) = (far + Duration::minutes(1), far + Duration::minutes(2));
    let (x, y) = futures::join!(
        s.jobs.claim_unsent_outcomes(later, claim_at, all),
        s.jobs.claim_unsent_outcomes(later, claim_at, all)
    );
    let (x, y) = (ids(&x.unwrap()), ids(&y.unwrap()));
    for j in &racing {
        let n = x.iter().chain(&y).filter(|id| **id == j.id).count();
        assert_eq!(n, 1, "job {} claimed by {n} concurrent sweeps", j.id);
    }
    assert_eq!(charges(s, u.id).await, (6, 6), "claims and marks touch no money");
}
