//! Webhook intake: Telegram POSTs one update per request with the secret chosen at
//! `setWebhook` in the `X-Telegram-Bot-Api-Secret-Token` header.

use crate::Confirm;
use crate::decode::decode_update_slice;
use aisha_bot::io::Update;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::future::Future;
use std::sync::Arc;
use subtle::ConstantTimeEq;

pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("the webhook request has no secret token")]
    MissingSecret,
    #[error("the webhook request has a wrong secret token")]
    WrongSecret,
}

/// Checks the secret (in constant time) and decodes the body. `Ok(None)` when the update is
/// of a kind the bot does not handle or cannot be decoded: Telegram must still get a 2xx, or
/// it retries the same update forever.
pub fn parse_webhook(
    header: Option<&str>,
    expected: &str,
    body: &[u8],
    bot_username: Option<&str>,
) -> Result<Option<Update>, WebhookError> {
    let got = header.ok_or(WebhookError::MissingSecret)?;
    // ct_eq on slices of different lengths is false without comparing content; the length of
    // the secret is not what it protects
    if !bool::from(got.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(WebhookError::WrongSecret);
    }
    match decode_update_slice(body, bot_username) {
        Ok(update) => Ok(update),
        Err(e) => {
            tracing::warn!(error = %e, "skipping an undecodable webhook update");
            Ok(None)
        }
    }
}

struct Hook<F> {
    secret: String,
    username: Option<String>,
    handle: F,
}

/// An axum router answering `POST {path}`: 401 for a missing or wrong secret (nothing is
/// handled), otherwise `handle(update)` for updates the bot handles and 200 — or 503 when the
/// handler answers [`Confirm::NotYet`], which makes Telegram deliver the update again.
pub fn webhook_router<F, Fut>(path: &str, secret: String, bot_username: Option<String>, handle: F) -> Router
where
    F: Fn(Update) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Into<Confirm>,
{
    let hook = Arc::new(Hook { secret, username: bot_username, handle });
    Router::new().route(path, post(receive::<F, Fut>)).with_state(hook)
}

async fn receive<F, Fut>(State(hook): State<Arc<Hook<F>>>, headers: HeaderMap, body: Bytes) -> StatusCode
where
    F: Fn(Update) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Into<Confirm>,
{
    let header = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok());
    match parse_webhook(header, &hook.secret, &body, hook.username.as_deref()) {
        Ok(Some(update)) => match (hook.handle)(update).await.into() {
            Confirm::Done => StatusCode::OK,
            // Telegram retries a webhook update until it gets a 2xx
            // (https://core.telegram.org/bots/api#setwebhook, read 2026-12-06)
            Confirm::NotYet => StatusCode::SERVICE_UNAVAILABLE,
        },
        Ok(None) => StatusCode::OK,
        Err(e) => {
            tracing::warn!(error = %e, "refused a webhook request");
            StatusCode::UNAUTHORIZED
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},
        "from":{"id":5,"is_bot":false,"first_name":"A"},"text":"hi"}}"#;

    #[test]
    fn the_secret_must_match() {
        assert_eq!(parse_webhook(None, "s3cret", BODY, None), Err(WebhookError::MissingSecret));
        assert_eq!(parse_webhook(Some("s3cres"), "s3cret", BODY, None), Err(WebhookError::WrongSecret));
        assert_eq!(parse_webhook(Some("s3cret-longer"), "s3cret", BODY, None), Err(WebhookError::WrongSecret));
        assert_eq!(parse_webhook(Some(""), "s3cret", BODY, None), Err(WebhookError::WrongSecret));
        let update = parse_webhook(Some("s3cret"), "s3cret", BODY, None).unwrap().unwrap();
        assert_eq!(update.id, 1);
    }

    #[test]
    fn undecodable_bodies_are_acknowledged_and_skipped() {
        assert_eq!(parse_webhook(Some("s"), "s", b"not json", None), Ok(None));
        assert_eq!(parse_webhook(Some("s"), "s", br#"{"update_id":2,"poll":{}}"#, None), Ok(None));
    }
}
