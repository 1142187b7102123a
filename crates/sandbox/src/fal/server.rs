//! The HTTP side: routes, the fault gate in front of every API call, and the queue protocol
//! (status, result, cancel here; submitting in [`submit`]). Storage and files are in
//! [`files`], the platform API in [`platform`].

mod files;
mod platform;
mod submit;

use super::state::{self, MAX_CALLS_KEPT, Outcome, Req, Shared};
use super::{Call, Fault, Phase, hooks, owner_app, splitmix};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use files::{file, initiate, upload};
use platform::{history, models, pricing};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

type AppState = State<Arc<Shared>>;

/// The largest storage upload taken (FAL's own limit is far higher; this is a memory guard).
const UPLOAD_MAX: usize = 512 * 1024 * 1024;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route("/storage/upload/initiate", post(initiate))
        // a training set is a zip of up to 20 full-size photos: far above axum's 2 MB default
        .route("/_upload/{token}", put(upload).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_MAX)))
        .route("/_files/{*path}", get(file))
        .route("/_control/knobs", get(knobs).put(set_knobs))
        .route("/v1/models", get(models))
        .route("/v1/models/pricing", get(pricing))
        .route("/v1/models/requests/by-endpoint", get(history))
        .fallback(queue)
        .layer(middleware::from_fn_with_state(shared.clone(), record))
        .with_state(shared)
}

async fn record(State(shared): AppState, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    let mut s = shared.lock();
    if s.calls.len() >= MAX_CALLS_KEPT {
        s.calls.pop_front();
    }
    s.calls.push_back(Call { method, path, status: resp.status().as_u16() });
    resp
}

fn reply(status: u16, body: Value) -> Response {
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body)).into_response()
}

fn fault_response(fault: Fault) -> Response {
    match fault {
        Fault::UserTimeout => {
            let mut r = reply(504, json!({"detail": "Request timed out", "error_type": "request_timeout"}));
            r.headers_mut().insert("x-fal-request-timeout-type", HeaderValue::from_static("user"));
            r
        }
        Fault::Status(502) => (StatusCode::BAD_GATEWAY, "<html><body>502 Bad Gateway</body></html>").into_response(),
        Fault::Status(503) => {
            let mut r = reply(503, json!({"detail": "Runner unavailable", "error_type": "runner_connection_refused"}));
            r.headers_mut().insert("x-fal-error-type", HeaderValue::from_static("runner_connection_refused"));
            r
        }
        Fault::Status(504) => reply(504, json!({"detail": "Request timed out", "error_type": "request_timeout"})),
        Fault::Status(429) => reply(429, json!({"detail": "Too many requests"})),
        Fault::Status(code) => reply(code, json!({"detail": "Injected fault"})),
    }
}

/// Latency, queued faults, the random error rate and the key, in that order.
async fn gate(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let latency = shared.lock().knobs.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let mut s = shared.lock();
    if let Some(f) = s.api_faults.pop_front() {
        return Err(fault_response(f));
    }
    if s.knobs.error_rate > 0.0 {
        let roll = (splitmix(&mut s.rng) >> 11) as f64 / (1u64 << 53) as f64;
        if roll < s.knobs.error_rate {
            return Err(fault_response(Fault::Status(s.knobs.error_status)));
        }
    }
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Key "));
    let ok = match (given, &s.knobs.api_key) {
        (None, _) => false,
        (Some(k), None) => !k.trim().is_empty(),
        (Some(k), Some(expected)) => k == expected,
    };
    if ok { Ok(()) } else { Err(reply(401, json!({"detail": "No user found for Key ID and Secret"}))) }
}

fn locked() -> Response {
    reply(
        403,
        json!({"detail": "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."}),
    )
}

async fn queue(State(shared): AppState, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = gate(&shared, &headers).await {
        return r;
    }
    let path = uri.path().trim_matches('/').to_owned();
    let segs: Vec<&str> = path.split('/').collect();
    let at = segs.iter().rposition(|s| *s == "requests");
    match (method, at) {
        (Method::POST, _) => {
            let webhook =
                Query::<HashMap<String, String>>::try_from_uri(&uri).ok().and_then(|q| q.0.get("fal_webhook").cloned());
            let lifecycle = lifecycle(&headers, "x-fal-object-lifecycle-preference");
            let (mut response, early) = submit::submit(&shared, &path, webhook, lifecycle, &body);
            {
                let mut s = shared.lock();
                if s.lost_answers > 0 && response.status().is_success() {
                    s.lost_answers -= 1;
                    response =
                        reply(500, json!({"detail": "upstream connect error or disconnect/reset before headers"}));
                } else if s.failed_after_taking > 0 && response.status().is_success() {
                    s.failed_after_taking -= 1;
                    let id = response.headers().get("x-fal-request-id").cloned();
                    response = reply(503, json!({"detail": "Runner unavailable", "error_type": "runner_disconnected"}));
                    if let Some(id) = id {
                        response.headers_mut().insert("x-fal-request-id", id);
                    }
                }
            }
            if let Some(item) = early {
                hooks::deliver_once(&shared, &item).await;
            }
            response
        }
        (Method::GET, Some(i)) if segs.len() == i + 3 && segs[i + 2] == "status" => {
            status(&shared, &segs[..i].join("/"), segs[i + 1])
        }
        (Method::GET, Some(i)) if segs.len() == i + 2 => result(&shared, &segs[..i].join("/"), segs[i + 1]),
        (Method::PUT, Some(i)) if segs.len() == i + 3 && segs[i + 2] == "cancel" => {
            cancel(&shared, &segs[..i].join("/"), segs[i + 1])
        }
        _ => reply(404, json!({"detail": "Not Found"})),
    }
}

fn urls(base: &str, model: &str, id: &str) -> (String, String, String) {
    let root = format!("{base}/{}/requests/{id}", owner_app(model));
    (format!("{root}/status"), root.clone(), format!("{root}/cancel"))
}

fn new_id(rng: &mut u64) -> String {
    let (a, b) = (splitmix(rng), splitmix(rng));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// A lifecycle header's JSON (`{"expiration_duration_seconds": …}`), if one was sent.
fn lifecycle(headers: &HeaderMap, name: &str) -> Option<Value> {
    headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| serde_json::from_str(v).ok())
}

fn app_not_found(model: &str) -> Response {
    reply(404, json!({"detail": format!("Application '{model}' not found")}))
}

/// The request, if it exists under this `owner/app`.
fn find<'a>(s: &'a state::State, app: &str, id: &str) -> Option<&'a Req> {
    s.requests.get(id).filter(|r| owner_app(&r.model) == app)
}

fn not_found() -> Response {
    reply(404, json!({"detail": "Request not found"}))
}

fn status(shared: &Shared, app: &str, id: &str) -> Response {
    let s = shared.lock();
    let Some(r) = find(&s, app, id) else { return not_found() };
    let now = Instant::now();
    let phase = r.phase(now);
    let (status_url, response_url, cancel_url) = urls(&shared.base, &r.model, id);
    let mut body = json!({"request_id": id, "status_url": status_url, "response_url": response_url,
                          "cancel_url": cancel_url, "logs": null});
    let code = match phase {
        Phase::InQueue => {
            let ahead = s.requests.values().filter(|o| o.seq < r.seq && o.phase(now) == Phase::InQueue).count();
            body["status"] = json!("IN_QUEUE");
            body["queue_position"] = json!(ahead);
            202
        }
        Phase::InProgress => {
            body["status"] = json!("IN_PROGRESS");
            202
        }
        Phase::Completed => {
            body["status"] = json!("COMPLETED");
            body["metrics"] = json!({"inference_time": 0.42});
            if let Outcome::Error { body: detail, .. } = &r.outcome {
                body["error"] = json!(state::error_text(detail));
                body["error_type"] = json!(state::error_type(detail));
            }
            200
        }
    };
    reply(code, body)
}

fn result(shared: &Shared, app: &str, id: &str) -> Response {
    let s = shared.lock();
    let Some(r) = find(&s, app, id) else { return not_found() };
    if r.phase(Instant::now()) != Phase::Completed {
        return reply(400, json!({"detail": "Request is still in progress"}));
    }
    match state::result_of(&shared.base, r) {
        Ok(output) => reply(200, output),
        Err((status, body)) => reply(status, body),
    }
}

fn cancel(shared: &Shared, app: &str, id: &str) -> Response {
    let mut s = shared.lock();
    let honor = s.knobs.honor_cancel_running;
    let Some(r) = s.requests.get_mut(id).filter(|r| owner_app(&r.model) == app) else {
        return reply(404, json!({"status": "NOT_FOUND"}));
    };
    let now = Instant::now();
    match r.phase(now) {
        Phase::Completed => reply(400, json!({"status": "ALREADY_COMPLETED"})),
        phase => {
            if phase == Phase::InQueue || honor {
                r.cancelled = true;
                r.outcome = Outcome::Error {
                    status: 400,
                    body: json!({"detail": "Request was cancelled", "error_type": "request_cancelled"}),
                };
                r.started_at = r.started_at.min(now);
                r.done_at = Some(now);
                r.changed.notify_one();
            }
            reply(202, json!({"status": "CANCELLATION_REQUESTED"}))
        }
    }
}

fn jwk(key: &SigningKey, kid: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
           "kid": kid, "use": "sig", "alg": "EdDSA"})
}

async fn jwks(State(shared): AppState) -> Response {
    // a retired key stays published next to the current one, as after a rotation
    let old = SigningKey::from_bytes(&[0x33; 32]);
    reply(200, json!({"keys": [jwk(&old, "emulator-old"), jwk(&shared.key, "emulator-1")]}))
}

async fn knobs(State(shared): AppState) -> Response {
    reply(200, serde_json::to_value(&shared.lock().knobs).unwrap_or(Value::Null))
}

async fn set_knobs(State(shared): AppState, axum::Json(knobs): axum::Json<super::Knobs>) -> Response {
    shared.lock().knobs = knobs;
    StatusCode::NO_CONTENT.into_response()
}
