//! Prometheus metrics, every series prefixed `aisha_`. Counters and histograms are recorded
//! where things happen; gauges of jobs and money are refreshed from the stores periodically,
//! so every replica reports the same totals.

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder once; later calls are no-ops.
pub fn install() {
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets(&[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
            .expect("static buckets")
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full("aisha_job_seconds".into()),
                &[1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0],
            )
            .expect("static buckets")
            .install_recorder()
            .expect("the only recorder")
    });
}

pub fn render() -> String {
    HANDLE.get().map(|h| h.render()).unwrap_or_default()
}

pub fn update_handled(took: Duration) {
    metrics::counter!("aisha_updates_total").increment(1);
    metrics::histogram!("aisha_update_handler_seconds").record(took.as_secs_f64());
}

/// Whether this replica holds the polling lock (1) or waits to take over (0).
pub fn polling_leader(leads: bool) {
    metrics::gauge!("aisha_polling_leader").set(if leads { 1.0 } else { 0.0 });
}

/// A payment update whose credit was not committed (left unconfirmed; Telegram delivers it
/// again).
pub fn payment_not_credited() {
    metrics::counter!("aisha_payments_not_credited_total").increment(1);
}

/// An update Telegram delivered again after it had been handled (skipped).
pub fn update_repeated() {
    metrics::counter!("aisha_updates_repeated_total").increment(1);
}

/// The job runner's lease counters, as totals since start.
pub fn leases(held: usize, lost: u64, duplicate_submits: u64) {
    metrics::gauge!("aisha_jobs_held").set(held as f64);
    metrics::counter!("aisha_jobs_leases_lost_total").absolute(lost);
    metrics::counter!("aisha_jobs_duplicate_submits_total").absolute(duplicate_submits);
}

pub fn fal_webhook(outcome: &'static str) {
    metrics::counter!("aisha_fal_webhooks_total", "outcome" => outcome).increment(1);
}

/// A job that ended: counted by kind and status, its run time (creation to settlement)
/// recorded in `aisha_job_seconds`. Progress notices are ignored.
pub fn job_ended(notice: &aisha_domain::ports::Notice) {
    use aisha_domain::ports::Notice;
    let job = match notice {
        Notice::Progress { .. } | Notice::Working { .. } | Notice::Delivering { .. } => return,
        Notice::Succeeded { job, .. }
        | Notice::Failed { job }
        | Notice::TrainingReady { job, .. }
        | Notice::TrainingFailed { job, .. } => job,
    };
    let (kind, status) = (job.spec.kind().as_str(), job.status.as_str());
    metrics::counter!("aisha_jobs_ended_total", "kind" => kind, "status" => status).increment(1);
    let took = (job.updated_at - job.created_at).to_std().unwrap_or_default();
    metrics::histogram!("aisha_job_seconds", "kind" => kind, "status" => status).record(took.as_secs_f64());
}

/// Refreshes the gauges that come from the stores.
pub async fn refresh(stack: &crate::wiring::Stack) {
    if let Ok(counts) = stack.jobs.count_by_status().await {
        for status in aisha_domain::JobStatus::ALL {
            let n = counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
            metrics::gauge!("aisha_jobs", "status" => status.as_str()).set(n as f64);
        }
    }
    if let Ok(t) = stack.ledger.totals().await {
        metrics::gauge!("aisha_coins_credited").set(t.credited as f64);
        metrics::gauge!("aisha_coins_spent").set(t.spent as f64);
        metrics::gauge!("aisha_coins_withdrawn").set(t.withdrawn as f64);
    }
    if let Ok(s) = stack.payments.stars_totals().await {
        metrics::gauge!("aisha_stars_received").set(s.stars as f64);
        metrics::gauge!("aisha_stars_refunded").set(s.refunded_stars as f64);
    }
    if let Ok(n) = stack.users.count().await {
        metrics::gauge!("aisha_users").set(n as f64);
    }
}
