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

pub type Intake = Arc<dyn Fn(aisha_bot::io::Update) -> BoxFuture<'static, aisha_telegram::Confirm> + Send + Sync>;

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

/// `/metrics` on its own listener (`http.metrics_bind`); with a token, only for requests that
/// carry it as `Authorization: Bearer <token>` (compared in constant time).
pub fn metrics_router(token: Option<String>) -> Router {
    Router::new().route(
        "/metrics",
        get(move |headers: HeaderMap| {
            let token = token.clone();
            async move {
                if let Some(token) = token {
                    let given = headers
                        .get(axum::http::header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "))
                        .unwrap_or_default();
                    if !bool::from(subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.as_bytes())) {
                        return (StatusCode::UNAUTHORIZED, String::new());
                    }
                }
                (StatusCode::OK, crate::metrics::render())
            }
        }),
    )
}

/// One dependency's answer to a readiness probe, in words: the raw error is logged, never
/// served (it can carry hosts, user names and driver internals).
fn probe<T, E: std::fmt::Display>(
    name: &str,
    answer: Result<Result<T, E>, tokio::time::error::Elapsed>,
    failed: &mut Vec<String>,
) {
    match answer {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::warn!(dependency = name, error = %e, "readiness probe failed");
            failed.push(format!("{name}: not answering"));
        }
        Err(_) => failed.push(format!("{name}: no answer within 2 s")),
    }
}

/// 200 when the database, the session store and storage answer; 503 naming what does not.
async fn ready(Extract(state): Extract<State>) -> impl IntoResponse {
    let limit = Duration::from_secs(2);
    let mut failed = Vec::new();
    probe("database", tokio::time::timeout(limit, state.stack.db.ping()).await, &mut failed);
    let key = SessionKey::gallery(aisha_domain::UserId(uuid::Uuid::nil()));
    probe("sessions", tokio::time::timeout(limit, state.stack.sessions.get(&key)).await, &mut failed);
    let probe_key = aisha_domain::storage::StorageKey::parse("probe/readyz").expect("a valid key");
    probe("storage", tokio::time::timeout(limit, state.stack.images.exists(&probe_key)).await, &mut failed);
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
