//! The periodic work of a replica: one helper that runs a pass every period, and the
//! payments reconciliation.

use super::*;

/// How far back the periodic reconciliation looks (Telegram keeps redelivering an
/// unconfirmed update for about a day; older misses are for `aisha admin payments reconcile`).
const RECONCILE_WINDOW: chrono::Duration = chrono::Duration::days(7);

/// Every `every`, on one replica (whoever takes the lock, which lasts the whole period), credits
/// the payments Telegram has and AISHA missed, as `aisha admin payments reconcile` does.
async fn reconcile_payments(stack: Arc<Stack>, every: Duration, shutdown: CancellationToken) {
    let holder = uuid::Uuid::now_v7().to_string();
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = interval.tick() => {}
        }
        match stack.locks.acquire("payments-reconcile", &holder, every).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "could not reach the lock store; payment reconciliation skipped");
                continue;
            }
        }
        let since = stack.env.now() - RECONCILE_WINDOW;
        match crate::payments::reconcile(&stack, Some(since)).await {
            Ok(done) if done.credited.is_empty() && done.refunded_outside.is_empty() && done.failed.is_empty() => {}
            Ok(done) => {
                tracing::warn!(report = %crate::payments::report(&done), "payment reconciliation found differences")
            }
            Err(e) => {
                tracing::warn!(error = %super::chain(&e), "payment reconciliation failed; it runs again next period")
            }
        }
    }
}

/// Runs `pass` at once and then every `every` until `token` is cancelled; a pass that takes
/// longer than the period delays the next one instead of bunching them up.
fn every_period<F, Fut>(tasks: &mut tokio::task::JoinSet<()>, every: Duration, token: &CancellationToken, mut pass: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let token = token.clone();
    tasks.spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = interval.tick() => {}
            }
            pass().await;
        }
    });
}

/// The job workers and the periodic passes of this replica, until `shutdown`: reconcile the
/// unfinished jobs once, then the job passes (`job_passes`) and the housekeeping
/// (`housekeeping`).
pub(super) async fn start(
    tasks: &mut tokio::task::JoinSet<()>,
    shutdown: &CancellationToken,
    runner: Arc<aisha_domain::services::runner::JobRunner>,
    stack: Arc<Stack>,
) {
    match runner.reconcile().await {
        Ok(n) if n > 0 => tracing::info!(jobs = n, "unfinished jobs will be checked with the provider"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "start-up reconciliation failed; the workers will retry"),
    }
    job_passes(tasks, shutdown, &runner, &stack);
    housekeeping(tasks, shutdown, &stack);
}

/// Tick and sweep, mark outcomes as their deliveries are confirmed, renew the leases of the
/// jobs in hand, and pulse the chat action of running image jobs.
fn job_passes(
    tasks: &mut tokio::task::JoinSet<()>,
    shutdown: &CancellationToken,
    runner: &Arc<aisha_domain::services::runner::JobRunner>,
    stack: &Stack,
) {
    for (every, sweep) in [(Duration::from_millis(500), false), (Duration::from_secs(15), true)] {
        let runner = runner.clone();
        every_period(tasks, every, shutdown, move || {
            let runner = runner.clone();
            async move {
                let result = if sweep { runner.sweep().await } else { runner.tick().await };
                if let Err(e) = result {
                    tracing::warn!(error = %e, "job worker pass failed; retrying");
                }
            }
        });
    }
    // outcomes marked sent as soon as Telegram has them (the ticks check too, as a backstop)
    let (follower, token) = (runner.clone(), shutdown.clone());
    tasks.spawn(async move {
        tokio::select! {
            _ = token.cancelled() => {}
            _ = follower.follow_deliveries() => {}
        }
    });
    // the heartbeat: the jobs a tick holds keep their leases however long the batch takes
    let heartbeat = Duration::from_secs(u64::try_from(stack.settings.timeouts.lease_seconds).unwrap_or(60)) / 3;
    let held = runner.clone();
    every_period(tasks, heartbeat, shutdown, move || {
        let runner = held.clone();
        async move {
            if let Err(e) = runner.renew_leases().await {
                tracing::warn!(error = %e, "could not renew the leases of the jobs in hand; retrying");
            }
            let leases = &runner.leases;
            crate::metrics::leases(leases.held(), leases.lost(), leases.duplicate_submits());
        }
    });
    // the chat action of running image jobs, renewed before it fades (~5 s), by one replica
    // per period (a lock a little shorter than the period)
    let (pulsed, locks) = (runner.clone(), stack.locks.clone());
    let holder = uuid::Uuid::now_v7().to_string();
    const PULSE: Duration = Duration::from_secs(4);
    every_period(tasks, PULSE, shutdown, move || {
        let (runner, locks, holder) = (pulsed.clone(), locks.clone(), holder.clone());
        async move {
            let ttl = PULSE - Duration::from_millis(500);
            if matches!(locks.acquire("job-pulse", &holder, ttl).await, Ok(true))
                && let Err(e) = runner.pulse().await
            {
                tracing::debug!(error = %e, "could not renew the chat actions of running jobs");
            }
        }
    });
}

/// Reconcile payments with Telegram, refresh the gauges and purge expired sessions.
fn housekeeping(tasks: &mut tokio::task::JoinSet<()>, shutdown: &CancellationToken, stack: &Arc<Stack>) {
    let settings = &stack.settings;
    if settings.telegram.reconcile_seconds > 0 {
        let every = Duration::from_secs(settings.telegram.reconcile_seconds);
        tasks.spawn(reconcile_payments(stack.clone(), every, shutdown.clone()));
    }
    let gauge_stack = stack.clone();
    every_period(tasks, Duration::from_secs(15), shutdown, move || {
        let stack = gauge_stack.clone();
        async move { crate::metrics::refresh(&stack).await }
    });
    let purge_stack = stack.clone();
    every_period(tasks, Duration::from_secs(3600), shutdown, move || {
        let stack = purge_stack.clone();
        async move {
            if stack.redis.is_none()
                && let Err(e) = stack.db.purge_expired_sessions().await
            {
                tracing::warn!(error = %e, "could not purge expired sessions");
            }
        }
    });
}
