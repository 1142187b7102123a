//! The HTTP server: health and readiness, Prometheus metrics, and the two webhooks (Telegram's
//! updates, FAL's completions). Webhooks answer fast: Telegram gets 200 as soon as the update
//! is queued, FAL as soon as the job is settled (or deferred).

use crate::wiring::Stack;
use aisha_domain::services::runner::{Delivery, JobRunner};
use aisha_domain::session::SessionKey;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub type Intake = Arc<dyn Fn(aisha_bot::io::Update) -> BoxFuture<'static, ()> + Send + Sync>;

#[derive(Clone)]
pub struct State {
    pub stack: Arc<Stack>,
    pub runner: Arc<JobRunner>,
    pub verifier: Arc<aisha_fal::WebhookVerifier>,
    /// The secret Telegram sends, when updates come by webhook.
    pub telegram_webhook: Option<String>,
    pub bot_username: Option<String>,
    pub intake: Intake,
}

pub fn router(state: State) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(|| async { crate::metrics::render() }))
        .route("/fal/webhook", post(fal_webhook))
        .with_state(state.clone());
    if let Some(secret) = state.telegram_webhook.clone() {
        let intake = state.intake.clone();
        router = router.merge(aisha_telegram::webhook_router(
            "/telegram/webhook",
            secret,
            state.bot_username.clone(),
            move |u| intake(u),
        ));
    }
    router
}

/// 200 when the database, the session store and storage answer; 503 naming what does not.
async fn ready(Extract(state): Extract<State>) -> impl IntoResponse {
    let limit = Duration::from_secs(2);
    let mut failed = Vec::new();
    match tokio::time::timeout(limit, state.stack.db.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => failed.push(format!("database: {e}")),
        Err(_) => failed.push("database: no answer within 2 s".into()),
    }
    let key = SessionKey::gallery(aisha_domain::UserId(uuid::Uuid::nil()));
    match tokio::time::timeout(limit, state.stack.sessions.get(&key)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => failed.push(format!("sessions: {e}")),
        Err(_) => failed.push("sessions: no answer within 2 s".into()),
    }
    let probe = aisha_domain::storage::StorageKey::parse("probe/readyz").expect("a valid key");
    match tokio::time::timeout(limit, state.stack.images.exists(&probe)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => failed.push(format!("storage: {e}")),
        Err(_) => failed.push("storage: no answer within 2 s".into()),
    }
    if failed.is_empty() {
        (StatusCode::OK, "ready\n".to_owned())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, failed.join("\n") + "\n")
    }
}

/// FAL's completion callback: verified over the raw body before anything is parsed.
async fn fal_webhook(Extract(state): Extract<State>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let completion = match state.verifier.accept(&headers, &body, SystemTime::now()).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "FAL webhook rejected");
            crate::metrics::fal_webhook("rejected");
            return (StatusCode::UNAUTHORIZED, e.to_string());
        }
    };
    match state.runner.on_finished(&completion.request_id, completion.result).await {
        Ok(Delivery::Settled(_)) => {
            crate::metrics::fal_webhook("settled");
            (StatusCode::OK, "settled".into())
        }
        Ok(Delivery::AlreadyEnded) => (StatusCode::OK, "already ended".into()),
        // possibly a completion that outran our record of the submit: 404 makes FAL deliver again
        Ok(Delivery::Unknown) => (StatusCode::NOT_FOUND, "unknown request".into()),
        // the polling backstop picks it up; FAL also retries on non-2xx
        Ok(Delivery::Deferred) => (StatusCode::SERVICE_UNAVAILABLE, "deferred".into()),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
