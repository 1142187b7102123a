//! Turning FAL's answers into the domain's error classes, and deciding which of them are worth
//! another try inside the same call. The detail text is built from what FAL said; the key is
//! never part of a request URL or body, so it cannot end up here.
//!
//! What is retried follows FAL's official Python client (`fal-ai/fal`,
//! `projects/fal_client/src/fal_client/client.py` at c6f0afa, 2026-08-21, the retry predicate
//! added in PR #695): 408, 409 and 429, and 502/503/504 only when they came from FAL's ingress
//! (no `x-fal-request-id` on the answer: the request never reached the app); never a 500,
//! never a 5xx the app itself answered (FAL has already retried those server-side), never a
//! 504 marked `X-Fal-Request-Timeout-Type: user`. fal-js (`libs/client`, 381105e, 2026-08-02)
//! retries 429/502/503/504 on submit and reads without looking at the header; the stricter
//! rule is the one that never starts a job twice.

use aisha_domain::ports::{ProviderError, ProviderErrorKind};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// One failed attempt: the error to report, and whether trying again right away may help.
#[derive(Debug)]
pub(crate) struct Attempt {
    pub error: ProviderError,
    pub retry: bool,
    /// `x-fal-request-id` of the answer: FAL's app saw this request.
    pub request_id: Option<String>,
}

/// What a call was doing; decides what a failure means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `POST` to the queue: starts a job, so never repeated unless FAL surely did not take it.
    Submit,
    /// Status, cancel, storage: repeating them changes nothing.
    Read,
    /// The result of a job FAL reported COMPLETED: a server error here is the job's own end.
    Result,
}

const MAX_DETAIL: usize = 400;

/// An HTTP error answer from the queue or storage API.
pub(crate) fn classify(op: Op, status: u16, headers: &HeaderMap, body: &[u8]) -> Attempt {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    let user_timeout = status == 504 && header("x-fal-request-timeout-type").as_deref() == Some("user");
    let request_id = headers.get("x-fal-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let from_ingress = matches!(status, 502..=504) && request_id.is_none() && !user_timeout;
    let value = serde_json::from_slice::<Value>(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).trim().to_owned()));
    let mut error = from_error_body(status, &value);
    if header("x-fal-error-type").is_some_and(|t| t.contains("content_policy")) {
        error.kind = ProviderErrorKind::ContentPolicy;
    }
    if user_timeout {
        error.detail = format!("the request did not start within its own timeout: {}", error.detail);
    }
    if op == Op::Result && status >= 500 && !from_ingress {
        // COMPLETED with a server error: FAL retried it already; the job is over
        error.kind = ProviderErrorKind::Failed;
    }
    // fal-js also retries a 500 on status reads, which changes nothing at FAL
    let read_500 = op == Op::Read && status == 500;
    let retry =
        error.kind == ProviderErrorKind::Transient && (matches!(status, 408 | 409 | 429) || from_ingress || read_500);
    counted(&error);
    Attempt { error, retry, request_id }
}

/// Counts a provider error by class (`aisha_fal_errors_total{class}`) and hands it back.
pub(crate) fn counted(error: &ProviderError) -> &ProviderError {
    let class = match error.kind {
        ProviderErrorKind::ContentPolicy => "content_policy",
        ProviderErrorKind::InvalidInput => "invalid_input",
        ProviderErrorKind::OutOfCredit => "out_of_credit",
        ProviderErrorKind::Auth => "auth",
        ProviderErrorKind::NotFound => "not_found",
        ProviderErrorKind::Transient => "transient",
        ProviderErrorKind::Failed => "failed",
    };
    metrics::counter!("aisha_fal_errors_total", "class" => class).increment(1);
    error
}

/// Classifies an error body as FAL sends it in HTTP answers, result calls and webhooks.
pub(crate) fn from_error_body(status: u16, body: &Value) -> ProviderError {
    let text = describe(body);
    let error_type = body.get("error_type").and_then(Value::as_str).unwrap_or_default();
    let policy = error_type.contains("content_policy") || item_types(body).any(|t| t.contains("content_policy"));
    let kind = match status {
        _ if policy => ProviderErrorKind::ContentPolicy,
        401 => ProviderErrorKind::Auth,
        403 => {
            let lower = text.to_lowercase();
            if ["lock", "balance", "exhausted", "top up"].iter().any(|w| lower.contains(w)) {
                ProviderErrorKind::OutOfCredit
            } else {
                ProviderErrorKind::Auth
            }
        }
        404 => ProviderErrorKind::NotFound,
        408 | 409 | 429 | 500..=599 => ProviderErrorKind::Transient,
        _ => ProviderErrorKind::InvalidInput,
    };
    let text = if text.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {text}") };
    ProviderError::new(kind, clip(text))
}

/// A failure below HTTP: connecting, timing out, a broken body. A submit that may have
/// reached FAL (anything but a failed connect) is not repeated here: the runner tries again
/// after its backoff, and the duplicate it may cause is counted
/// (`aisha_fal_ambiguous_submits_total`).
pub(crate) fn transport(op: Op, e: &reqwest::Error) -> Attempt {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    };
    let unsent = e.is_connect();
    // without the URL: a signed upload URL or a LoRA's link must not reach the logs
    let cause = describe_transport(e);
    let mut error = ProviderError::new(ProviderErrorKind::Transient, clip(format!("FAL {what}: {cause}")));
    if op == Op::Submit && !unsent {
        error.detail = clip(format!("FAL may have taken this submit without answering: {}", error.detail));
        metrics::counter!("aisha_fal_ambiguous_submits_total").increment(1);
        tracing::warn!(error = %error.detail, "a submit to FAL got no answer; it is not repeated within the call");
    }
    counted(&error);
    Attempt { error, retry: unsent || op != Op::Submit, request_id: None }
}

/// A transport error's text without its URL (reqwest puts the URL in its `Display`).
fn describe_transport(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text,
    }
}

/// `detail` as a plain string, or FastAPI's list of `{loc, msg, type}` rendered as
/// `field: message` so the field name reaches the user; `error` when there is no `detail`.
fn describe(body: &Value) -> String {
    let detail = match body {
        Value::Object(map) => map.get("detail").or_else(|| map.get("error")).or_else(|| map.get("message")),
        other => Some(other),
    };
    match detail {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().map(describe_item).collect::<Vec<_>>().join("; "),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn describe_item(item: &Value) -> String {
    let Value::Object(map) = item else { return item.as_str().map_or_else(|| item.to_string(), str::to_owned) };
    let field = map
        .get("loc")
        .and_then(Value::as_array)
        .map(|loc| {
            loc.iter()
                .filter(|p| p.as_str() != Some("body"))
                .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(".")
        })
        .unwrap_or_default();
    let msg = map.get("msg").and_then(Value::as_str).unwrap_or("refused");
    if field.is_empty() { msg.to_owned() } else { format!("{field}: {msg}") }
}

fn item_types(body: &Value) -> impl Iterator<Item = &str> {
    body.get("detail")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("type").and_then(Value::as_str))
}

fn clip(mut s: String) -> String {
    if s.len() > MAX_DETAIL {
        let mut end = MAX_DETAIL;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    fn kind(status: u16, body: Value) -> (ProviderErrorKind, bool, String) {
        let a = classify(Op::Read, status, &HeaderMap::new(), body.to_string().as_bytes());
        (a.error.kind, a.retry, a.error.detail)
    }

    #[test]
    fn validation_errors_name_the_field() {
        let (k, retry, detail) = kind(
            422,
            json!({"detail": [{"loc": ["body", "num_images"], "msg": "ensure this value is less than or equal to 4", "type": "value_error"}]}),
        );
        assert_eq!((k, retry), (ProviderErrorKind::InvalidInput, false));
        assert!(detail.contains("num_images: ensure"), "{detail}");
        let (k, _, detail) = kind(422, json!({"detail": "prompt is empty"}));
        assert_eq!(k, ProviderErrorKind::InvalidInput);
        assert!(detail.contains("prompt is empty"));
    }

    #[test]
    fn content_policy_is_its_own_class() {
        let body =
            json!({"detail": [{"loc": ["body", "prompt"], "msg": "flagged", "type": "content_policy_violation"}]});
        assert_eq!(kind(422, body).0, ProviderErrorKind::ContentPolicy);
        assert_eq!(
            kind(400, json!({"detail": "no", "error_type": "content_policy_violation"})).0,
            ProviderErrorKind::ContentPolicy
        );
    }

    #[test]
    fn account_problems_are_not_retried() {
        let locked = json!({"detail": "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."});
        let (k, retry, detail) = kind(403, locked);
        assert_eq!((k, retry), (ProviderErrorKind::OutOfCredit, false));
        assert!(detail.contains("Exhausted balance"));
        assert_eq!(
            kind(403, json!({"detail": "User is locked. Reason: Admin lock"})).0,
            ProviderErrorKind::OutOfCredit
        );
        assert_eq!(kind(401, json!({"detail": "Invalid key"})).0, ProviderErrorKind::Auth);
        assert_eq!(kind(403, json!({"detail": "Forbidden"})).0, ProviderErrorKind::Auth);
        assert_eq!(kind(404, json!({"detail": "Application not found"})).0, ProviderErrorKind::NotFound);
    }

    #[test]
    fn retries_follow_fal_client_ingress_overload_only() {
        for status in [408, 409, 429, 502, 503, 504] {
            let (k, retry, _) = kind(status, json!({"detail": "busy"}));
            assert_eq!((k, retry), (ProviderErrorKind::Transient, true), "{status}");
        }
        // a 500, or a 5xx the app answered (it carries a request id): FAL already retried it
        let a = classify(Op::Submit, 500, &HeaderMap::new(), br#"{"detail":"boom"}"#);
        assert_eq!((a.error.kind, a.retry), (ProviderErrorKind::Transient, false));
        assert!(kind(500, json!({"detail": "boom"})).1, "a status read is repeated, as fal-js does");
        let mut answered = HeaderMap::new();
        answered.insert("x-fal-request-id", HeaderValue::from_static("req-1"));
        let a = classify(Op::Submit, 503, &answered, br#"{"detail":"Runner unavailable"}"#);
        assert_eq!(
            (a.error.kind, a.retry, a.request_id.as_deref()),
            (ProviderErrorKind::Transient, false, Some("req-1"))
        );
        let mut headers = HeaderMap::new();
        headers.insert("x-fal-request-timeout-type", HeaderValue::from_static("user"));
        let a = classify(Op::Read, 504, &headers, br#"{"detail":"Request timed out"}"#);
        assert_eq!((a.error.kind, a.retry), (ProviderErrorKind::Transient, false));
    }

    #[test]
    fn a_completed_job_whose_result_is_a_server_error_is_final() {
        let a = classify(Op::Result, 500, &HeaderMap::new(), br#"{"detail":"Internal Server Error"}"#);
        assert_eq!((a.error.kind, a.retry), (ProviderErrorKind::Failed, false));
        let mut answered = HeaderMap::new();
        answered.insert("x-fal-request-id", HeaderValue::from_static("req-1"));
        assert_eq!(classify(Op::Result, 503, &answered, b"{}").error.kind, ProviderErrorKind::Failed);
        // the ingress in front of the result endpoint, not the job: retried
        let a = classify(Op::Result, 502, &HeaderMap::new(), b"<html>502</html>");
        assert_eq!((a.error.kind, a.retry), (ProviderErrorKind::Transient, true));
    }

    #[test]
    fn non_json_bodies_are_kept_short() {
        let html = format!("<html>{}</html>", "x".repeat(5000));
        let a = classify(Op::Read, 502, &HeaderMap::new(), html.as_bytes());
        assert!(a.error.detail.chars().count() <= MAX_DETAIL + 1);
    }
}
