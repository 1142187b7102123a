//! Job leases between workers: a slow batch keeps its jobs while its heartbeat runs; a worker
//! paused past its lease loses them and stops before submitting; a submit that races another
//! worker's is recorded once and the other one cancelled and counted; start-up reconciliation
//! leaves other replicas' leased jobs alone. A paused or slow worker is played by the scripted
//! provider's `before_next_submit` hook, which runs in the middle of the worker's step.

mod common;

use aisha_domain::generation::JobSpec;
use aisha_domain::ports::JobQueue;
use aisha_domain::services::runner::JobRunner;
use aisha_domain::{AspectRatio, ImageCount, Job, JobId, JobStatus, ModelKey, Prompt, User};
use aisha_memory::ScriptedGenerator;
use chrono::Duration;
use common::{World, block};
use futures::FutureExt;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

fn start(w: &World, u: &User, prompt: &str) -> Job {
    let spec = JobSpec::Text {
        prompt: Prompt::parse(prompt).unwrap(),
        aspect: AspectRatio::Square,
        count: ImageCount::new(1).unwrap(),
        model: ModelKey::parse("nano-banana-2").unwrap(),
    };
    block(w.generation.start(u.id, JobId(Uuid::new_v4()), spec, None)).unwrap()
}

fn job(w: &World, j: &Job) -> Job {
    block(w.store.find(j.id)).unwrap().unwrap()
}

fn request_of(w: &World, j: &Job) -> String {
    job(w, j).provider.expect("submitted").request_id
}

/// Runs a memory-store future inside the provider hook (it completes on its first poll).
fn now<F: std::future::Future>(f: F) -> F::Output {
    f.now_or_never().expect("memory stores answer at once")
}

fn world_with_two_jobs() -> (World, Job, Job) {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let first = start(&w, &u, "a lighthouse at dawn");
    w.clock.advance(Duration::milliseconds(10));
    let second = start(&w, &u, "a fox in the snow");
    (w, first, second)
}

#[test]
fn a_slow_batch_keeps_its_jobs_while_its_heartbeat_runs() {
    let (w, first, second) = world_with_two_jobs();
    let a = Arc::new(World::new_runner_on(&w));
    let stolen = Arc::new(Mutex::new(Vec::new()));
    {
        let (a, clock, store, stolen) = (a.clone(), w.clock.clone(), w.store.clone(), stolen.clone());
        // the first job's submit takes 70 s, longer than the 60 s lease; the heartbeat runs
        // every 20 s meanwhile, and another worker looks for due jobs at the end
        w.generator.before_next_submit(move || {
            for _ in 0..3 {
                clock.advance(Duration::seconds(20));
                assert_eq!(now(a.renew_leases()).unwrap(), 2, "both jobs of the batch are renewed");
            }
            clock.advance(Duration::seconds(10));
            let t = aisha_domain::Clock::now(&*clock);
            stolen.lock().unwrap().extend(now(store.claim_due(t, t + Duration::seconds(60), 10)).unwrap());
        });
    }
    assert_eq!(block(a.tick()).unwrap(), 2);
    assert!(stolen.lock().unwrap().is_empty(), "no other worker could claim a job the heartbeat kept");
    assert_eq!(w.generator.requests().len(), 2, "each job submitted once");
    for j in [&first, &second] {
        let now = job(&w, j);
        assert_eq!(now.status, JobStatus::Queued);
        assert_eq!(now.leased_until, None, "the step's save ends the lease");
    }
    assert_eq!((a.leases.lost(), a.leases.duplicate_submits(), a.leases.held()), (0, 0, 0));
    w.assert_invariants();
}

#[test]
fn a_worker_paused_past_its_lease_leaves_the_rest_of_its_batch_to_the_worker_that_took_it() {
    let (w, first, second) = world_with_two_jobs();
    let a = Arc::new(World::new_runner_on(&w));
    let b = World::new_runner_on(&w);
    let taken = Arc::new(Mutex::new(Vec::new()));
    {
        let (a, clock, store, taken) = (a.clone(), w.clock.clone(), w.store.clone(), taken.clone());
        // paused in the middle of the first job's submit for longer than the lease: another
        // worker claims both jobs, then this process wakes up and its heartbeat runs
        w.generator.before_next_submit(move || {
            clock.advance(Duration::seconds(61));
            let t = aisha_domain::Clock::now(&*clock);
            taken.lock().unwrap().extend(now(store.claim_due(t, t + Duration::seconds(60), 10)).unwrap());
            assert_eq!(now(a.renew_leases()).unwrap(), 0, "both leases were taken over");
        });
    }
    block(a.tick()).unwrap();
    assert_eq!(a.leases.lost(), 2);
    // the first job was already being submitted when the pause began: that request is kept,
    // recorded for the new holder; the second job was not submitted by the paused worker
    assert_eq!(w.generator.requests().len(), 1, "the paused worker did not submit the job it lost");
    let kept = request_of(&w, &first);
    assert!(job(&w, &second).provider.is_none());

    // the worker that took them over: the first job's request is found and followed, the
    // second job is submitted by it
    let taken = std::mem::take(&mut *taken.lock().unwrap());
    assert_eq!(taken.len(), 2);
    for j in taken {
        block(b.advance(j));
    }
    assert_eq!(w.generator.requests().len(), 2, "one request per job");
    assert_eq!(request_of(&w, &first), kept);
    assert!(w.generator.cancelled().is_empty(), "nothing to cancel: no job was submitted twice");
    assert_eq!((a.leases.duplicate_submits(), b.leases.duplicate_submits()), (0, 0));

    for j in [&first, &second] {
        w.generator.finish(&request_of(&w, j), Ok(ScriptedGenerator::images(512, 512, 1, 0)));
    }
    w.clock.advance(Duration::seconds(5));
    block(b.tick()).unwrap();
    assert_eq!(job(&w, &first).status, JobStatus::Succeeded);
    assert_eq!(job(&w, &second).status, JobStatus::Succeeded);
    w.assert_invariants();
}

#[test]
fn a_submit_racing_another_workers_is_cancelled_at_the_provider_and_counted() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, "a lighthouse at dawn");
    let (a, b) = (World::new_runner_on(&w), Arc::new(World::new_runner_on(&w)));
    // worker A claims the job and is paused past its lease (no heartbeat) after looking for
    // an earlier submit and before making its own; meanwhile B takes the job over and submits
    let t = w.clock_now();
    let stale = block(w.store.claim_due(t, t + Duration::seconds(60), 10)).unwrap().remove(0);
    w.clock.advance(Duration::seconds(61));
    {
        let b = b.clone();
        w.generator.before_next_submit(move || assert_eq!(now(b.tick()).unwrap(), 1));
    }
    block(a.advance(stale));
    let winner = request_of(&w, &j);
    let requests = w.generator.requests();
    assert_eq!(requests.len(), 2);
    let duplicate = requests.iter().find(|r| **r != winner).unwrap().clone();
    assert_eq!(w.generator.cancelled(), [duplicate], "the duplicate request is cancelled at the provider");
    assert_eq!(a.leases.duplicate_submits(), 1, "and counted");
    assert_eq!(request_of(&w, &j), winner, "the job follows the request recorded first");

    w.generator.finish(&winner, Ok(ScriptedGenerator::images(512, 512, 1, 0)));
    w.clock.advance(Duration::seconds(5));
    block(b.tick()).unwrap();
    let done = job(&w, &j);
    assert_eq!((done.status, done.refunded.get()), (JobStatus::Succeeded, 0), "paid once, delivered once");
    w.assert_invariants();
}

#[test]
fn start_up_reconciliation_leaves_a_job_another_replica_holds_alone() {
    let w = World::new();
    let u = w.user(1);
    w.fund(&u, 100);
    let j = start(&w, &u, "a lighthouse at dawn");
    let t = w.clock_now();
    let until = t + Duration::seconds(60);
    let held = block(w.store.claim_due(t, until, 10)).unwrap().remove(0);
    assert_eq!(held.leased_until, Some(until));
    let fresh: JobRunner = World::new_runner_on(&w);
    w.clock.advance(Duration::seconds(5));
    assert_eq!(block(fresh.reconcile()).unwrap(), 0, "a running lease is its holder's");
    let untouched = job(&w, &j);
    assert_eq!((untouched.version, untouched.next_attempt_at), (held.version, until));
    // the holder died: once its lease has run out, the job is made due
    w.clock.advance(Duration::seconds(60));
    assert_eq!(block(fresh.reconcile()).unwrap(), 1);
    let due = job(&w, &j);
    assert_eq!((due.next_attempt_at, due.leased_until), (w.clock_now(), None));
    block(fresh.tick()).unwrap();
    assert_eq!(w.generator.requests().len(), 1);
    w.assert_invariants();
}
