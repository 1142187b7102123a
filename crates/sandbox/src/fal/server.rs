//! The HTTP side: routes, the fault gate in front of every API call, and the queue protocol.

use super::family::{self, CONFIG_FILE, Family, LORA_FILE};
use super::picture::{self, Picture};
use super::{Call, Fault, MAX_CALLS_KEPT, Outcome, Phase, Req, Shared, Upload, hooks, owner_app, splitmix};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

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
            let (mut response, early) = submit(&shared, &path, webhook, lifecycle, &body);
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

/// The answer, and the webhook copy to send before it when `webhooks.early` asks for one.
fn submit(
    shared: &Arc<Shared>,
    model: &str,
    webhook: Option<String>,
    lifecycle: Option<Value>,
    body: &[u8],
) -> (Response, Option<super::Held>) {
    let Some(family) = Family::of(model) else { return (app_not_found(model), None) };
    let input: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return (reply(422, family::invalid(&[], &format!("invalid JSON: {e}"), "value_error.jsondecode")), None);
        }
    };
    let mut s = shared.lock();
    if s.knobs.retired_models.iter().any(|m| m.trim_matches('/') == model) {
        return (app_not_found(model), None);
    }
    if s.knobs.locked {
        return (locked(), None);
    }
    // FAL's published input schema first, as FAL's own validation refuses
    if let Some(violations) = super::schemas::check(model, super::schemas::Direction::Input, &input)
        && !violations.is_empty()
    {
        return (reply(422, super::schemas::unprocessable(&violations)), None);
    }
    let checked = match family::check(family, &input) {
        Ok(c) => c,
        Err(detail) => return (reply(422, detail), None),
    };
    let k = s.knobs.clone();
    let has = |m: &Option<String>| m.as_deref().is_some_and(|m| !m.is_empty() && checked.text.contains(m));
    let outcome = if has(&k.content_policy_marker) {
        let detail = json!({"detail": [{"loc": ["body", checked.text_field], "type": "content_policy_violation",
            "msg": "The content could not be processed because it contained material flagged by a content checker."}]});
        Outcome::Error { status: 422, body: detail }
    } else if has(&k.server_error_marker) {
        let body = json!({"detail": "Internal Server Error", "error_type": "internal_server_error"});
        Outcome::Error { status: 500, body }
    } else if has(&k.invalid_marker) {
        let detail =
            family::invalid(&[json!(checked.text_field)], "the emulator was told to refuse this value", "value_error");
        Outcome::Error { status: 422, body: detail }
    } else if let Some(index) = missing_lora(&s, &shared.base, &input) {
        // flux-lora reads its weights when the job runs; what FAL answers for a LoRA it
        // cannot fetch is not documented: the emulator fails the job with a 422 naming it
        let body = family::invalid(
            &[json!("loras"), json!(index), json!("path")],
            "could not download the LoRA weights: HTTP 404",
            "file_download_error",
        );
        Outcome::Error { status: 422, body }
    } else if family.is_llm() {
        Outcome::Text { output: family::llm_answer(family, &input) }
    } else if family.is_trainer() {
        let url = checked.archive_url.clone().unwrap_or_default();
        match archive_problem(&s.uploads, &shared.base, &url) {
            Some(why) => {
                Outcome::Error { status: 422, body: family::invalid(&[json!("images_data_url")], why, "value_error") }
            }
            None => Outcome::Lora { missing: has(&k.short_marker), trigger: checked.text.clone() },
        }
    } else {
        let count = if has(&k.short_marker) { checked.count - 1 } else { checked.count };
        let flagged =
            if has(&k.nsfw_marker) && checked.safety_checker { k.nsfw_count.unwrap_or(count).min(count) } else { 0 };
        let (pictures, flags) = family::pictures(&checked, count, flagged);
        if matches!(family, Family::Imagen | Family::ImagenFast) {
            // Imagen's filter drops what it flags instead of marking it
            let kept = pictures.into_iter().filter(|p| !p.black).collect();
            Outcome::Images { pictures: kept, flags: None }
        } else {
            Outcome::Images { pictures, flags: Some(flags) }
        }
    };
    let id = new_id(&mut s.rng);
    let now = Instant::now();
    let started_at = now + Duration::from_millis(k.queue_ms);
    let done_at = (!has(&k.stuck_marker)).then(|| started_at + Duration::from_millis(k.run_ms));
    let changed = Arc::new(Notify::new());
    let seq = s.next_seq;
    s.next_seq += 1;
    let position = s.requests.values().filter(|r| r.phase(now) == Phase::InQueue).count();
    let webhook = webhook.filter(|_| k.webhooks.enabled);
    s.requests.insert(
        id.clone(),
        Req {
            seq,
            id: id.clone(),
            model: model.to_owned(),
            family,
            input,
            started_at,
            done_at,
            cancelled: false,
            outcome,
            webhook: webhook.clone(),
            lifecycle,
            changed: changed.clone(),
        },
    );
    drop(s);
    let early = if webhook.is_some() {
        let done_now = done_at.is_some_and(|t| t <= now);
        let early = (k.webhooks.early && done_now).then(|| hooks::delivery_for(shared, &id)).flatten();
        tokio::spawn(hooks::follow(shared.clone(), id.clone(), changed));
        early
    } else {
        None
    };
    let (status_url, response_url, cancel_url) = urls(&shared.base, model, &id);
    let mut r = reply(
        200,
        json!({"status": "IN_QUEUE", "request_id": id, "gateway_request_id": id, "status_url": status_url,
               "response_url": response_url, "cancel_url": cancel_url, "queue_position": position,
               "logs": null, "metrics": {}}),
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        r.headers_mut().insert("x-fal-request-id", v);
    }
    (r, early)
}

/// The index of a `loras[].path` that points at this emulator's files and is gone.
fn missing_lora(s: &super::State, base: &str, input: &Value) -> Option<usize> {
    let loras = input.get("loras")?.as_array()?;
    loras.iter().position(|l| {
        l.get("path")
            .and_then(Value::as_str)
            .and_then(|p| p.strip_prefix(&format!("{base}/_files/")))
            .is_some_and(|path| lookup(s, path).is_none())
    })
}

/// Why a training archive this emulator holds cannot be used, if it cannot.
fn archive_problem(uploads: &HashMap<String, Upload>, base: &str, url: &str) -> Option<&'static str> {
    let rest = url.strip_prefix(&format!("{base}/_files/uploads/"))?;
    let token = rest.split('/').next().unwrap_or_default();
    match uploads.get(token).and_then(|u| u.bytes.as_ref()) {
        None => Some("no file was uploaded at this URL"),
        Some(b) if !b.starts_with(b"PK") => Some("the file at this URL is not a zip archive"),
        Some(_) => None,
    }
}

/// The request, if it exists under this `owner/app`.
fn find<'a>(s: &'a super::State, app: &str, id: &str) -> Option<&'a Req> {
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
                body["error"] = json!(super::error_text(detail));
                body["error_type"] = json!(super::error_type(detail));
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
    match super::result_of(&shared.base, r) {
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

async fn initiate(State(shared): AppState, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = gate(&shared, &headers).await {
        return r;
    }
    let mut s = shared.lock();
    if s.knobs.locked {
        return locked();
    }
    let ask: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let schema = super::schemas::STORAGE_INITIATE;
    if let Some(violations) = super::schemas::check(schema, super::schemas::Direction::Input, &ask)
        && !violations.is_empty()
    {
        return reply(422, super::schemas::unprocessable(&violations));
    }
    let expires_after = lifecycle(&headers, "x-fal-object-lifecycle")
        .and_then(|l| l.get("expiration_duration_seconds").and_then(Value::as_u64))
        .map(Duration::from_secs);
    let Some(name) = ask.get("file_name").and_then(Value::as_str).filter(|n| !n.is_empty()) else {
        return reply(422, family::invalid(&[json!("file_name")], "field required", "value_error.missing"));
    };
    let name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let content_type = ask.get("content_type").and_then(Value::as_str).unwrap_or("application/octet-stream").to_owned();
    let token = format!("{:016x}", splitmix(&mut s.rng));
    let upload = Upload { file_name: name.clone(), content_type, bytes: None, at: Instant::now(), expires_after };
    s.uploads.insert(token.clone(), upload);
    reply(
        200,
        json!({"upload_url": format!("{}/_upload/{token}", shared.base),
               "file_url": format!("{}/_files/uploads/{token}/{name}", shared.base)}),
    )
}

async fn upload(State(shared): AppState, Path(token): Path<String>, body: Bytes) -> Response {
    let mut s = shared.lock();
    match s.uploads.get_mut(&token) {
        Some(u) => {
            u.bytes = Some(body.to_vec());
            StatusCode::OK.into_response()
        }
        None => reply(404, json!({"detail": "unknown upload"})),
    }
}

/// What a file path names.
enum FileBody {
    Ready(Vec<u8>, String),
    Draw(Picture),
}

async fn file(State(shared): AppState, Path(path): Path<String>) -> Response {
    let (chunked, found) = {
        let mut s = shared.lock();
        if let Some(f) = s.file_faults.pop_front() {
            return fault_response(f);
        }
        (s.knobs.chunked_files, lookup(&s, &path))
    };
    let (bytes, content_type) = match found {
        Some(FileBody::Ready(b, t)) => (b, t),
        Some(FileBody::Draw(p)) => {
            let t = p.format.content_type().to_owned();
            // drawing is CPU work: a few at a time, off the async threads
            let Ok(_permit) = shared.drawing.acquire().await else {
                return reply(503, json!({"detail": "shutting down"}));
            };
            match tokio::task::spawn_blocking(move || picture::render(&p)).await {
                Ok(b) => (b, t),
                Err(_) => return reply(500, json!({"detail": "drawing failed"})),
            }
        }
        None => return reply(404, json!({"detail": "Not Found"})),
    };
    let body = if chunked {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = bytes.chunks(16 * 1024).map(|c| Ok(c.to_vec())).collect();
        Body::from_stream(futures::stream::iter(chunks))
    } else {
        Body::from(bytes)
    };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn lookup(s: &super::State, path: &str) -> Option<FileBody> {
    if s.expired.contains(path) {
        return None;
    }
    let parts: Vec<&str> = path.split('/').collect();
    let ttl = s.knobs.file_ttl_ms.map(Duration::from_millis);
    let now = Instant::now();
    let alive = |since: Instant, own: Option<Duration>| {
        [ttl, own].into_iter().flatten().min().is_none_or(|limit| now.duration_since(since) < limit)
    };
    match parts.as_slice() {
        ["uploads", token, _name] => {
            let u = s.uploads.get(*token).filter(|u| alive(u.at, u.expires_after))?;
            Some(FileBody::Ready(u.bytes.clone()?, u.content_type.clone()))
        }
        [id, name] => {
            let r = s.requests.get(*id).filter(|r| r.done_at.is_none_or(|done| now < done || alive(done, None)))?;
            match (&r.outcome, *name) {
                (Outcome::Lora { missing: false, .. }, LORA_FILE) => {
                    Some(FileBody::Ready(family::lora_bytes(), "application/octet-stream".into()))
                }
                (Outcome::Lora { trigger, .. }, CONFIG_FILE) => Some(FileBody::Ready(
                    serde_json::to_vec(&json!({"trigger_word": trigger, "network": "lora"})).ok()?,
                    "application/json".into(),
                )),
                (Outcome::Images { pictures, .. }, name) => {
                    let (index, ext) = name.split_once('.')?;
                    let p = pictures.get(index.parse::<usize>().ok()?)?;
                    (p.format.extension() == ext).then_some(FileBody::Draw(*p))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The endpoint a platform API call asks about, if this emulator serves it.
fn platform_endpoint(s: &super::State, query: &HashMap<String, String>) -> Option<(String, Family)> {
    let id = query.get("endpoint_id")?.trim_matches('/').to_owned();
    let family = Family::of(&id)?;
    (!s.knobs.retired_models.iter().any(|m| m.trim_matches('/') == id)).then_some((id, family))
}

/// `GET /v1/models?endpoint_id=`: public, like FAL's model search.
async fn models(State(shared): AppState, Query(query): Query<HashMap<String, String>>) -> Response {
    let s = shared.lock();
    let models: Vec<Value> = platform_endpoint(&s, &query)
        .map(|(id, _)| {
            let deprecated = s.knobs.deprecated_models.iter().any(|m| m.trim_matches('/') == id);
            json!({"endpoint_id": id, "metadata": {"display_name": id, "category": "text-to-image",
                   "status": if deprecated { "deprecated" } else { "active" }}})
        })
        .into_iter()
        .collect();
    reply(200, json!({"models": models, "next_cursor": null, "has_more": false}))
}

/// `GET /v1/models/pricing?endpoint_id=`: needs the key, like FAL's. The figures are the
/// emulator's stand-ins for FAL's published prices (docs/configuration.md has the real ones).
async fn pricing(
    State(shared): AppState,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = gate(&shared, &headers).await {
        return r;
    }
    let s = shared.lock();
    let prices: Vec<Value> = platform_endpoint(&s, &query)
        .map(|(id, family)| {
            let (price, unit) = match (family, id.as_str()) {
                (Family::Gemini, "fal-ai/nano-banana-pro") => (0.15, "image"),
                (Family::Gemini, _) => (0.08, "image"),
                (Family::Flux2, _) => (0.012, "megapixels"),
                (Family::FluxLora, _) => (0.035, "megapixels"),
                (Family::Imagen | Family::ImagenFast, _) => (0.04, "image"),
                (Family::FastTraining | Family::PortraitTrainer, _) => (2.0, "training"),
                (Family::Router | Family::RouterVision, _) => (0.00002, "tokens"),
            };
            json!({"endpoint_id": id, "unit_price": price, "unit": unit, "currency": "USD"})
        })
        .into_iter()
        .collect();
    reply(200, json!({"prices": prices, "next_cursor": null, "has_more": false}))
}

/// `GET /v1/models/requests/by-endpoint?endpoint_id=&expand=payloads`: the account's requests
/// to one endpoint, newest first, with their inputs (one page; in-flight ones included).
async fn history(
    State(shared): AppState,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = gate(&shared, &headers).await {
        return r;
    }
    let s = shared.lock();
    let Some(endpoint) = query.get("endpoint_id").map(|e| e.trim_matches('/').to_owned()) else {
        return reply(422, family::invalid(&[json!("endpoint_id")], "field required", "value_error.missing"));
    };
    let payloads = query.get("expand").is_some_and(|e| e.split(',').any(|x| x == "payloads"));
    let mut list: Vec<&Req> = s.requests.values().filter(|r| r.model == endpoint).collect();
    list.sort_by_key(|r| std::cmp::Reverse(r.seq));
    let items: Vec<Value> = list
        .into_iter()
        .map(|r| {
            let mut item = json!({"request_id": r.id, "endpoint_id": r.model});
            if payloads {
                item["json_input"] = r.input.clone();
            }
            item
        })
        .collect();
    reply(200, json!({"items": items, "next_cursor": null, "has_more": false}))
}

async fn knobs(State(shared): AppState) -> Response {
    reply(200, serde_json::to_value(&shared.lock().knobs).unwrap_or(Value::Null))
}

async fn set_knobs(State(shared): AppState, axum::Json(knobs): axum::Json<super::Knobs>) -> Response {
    shared.lock().knobs = knobs;
    StatusCode::NO_CONTENT.into_response()
}
