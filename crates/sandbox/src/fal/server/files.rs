//! FAL's storage upload (initiate, then PUT) and the files the emulator serves under
//! `/_files/`: uploads, results drawn on demand, LoRA weights and configs, with their
//! retention.

use super::{AppState, fault_response, gate, lifecycle, locked, reply};
use crate::fal::family::{self, CONFIG_FILE, LORA_FILE};
use crate::fal::picture::{self, Picture};
use crate::fal::schemas;
use crate::fal::splitmix;
use crate::fal::state::{self, Outcome, Upload};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub(super) async fn initiate(State(shared): AppState, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = gate(&shared, &headers).await {
        return r;
    }
    let mut s = shared.lock();
    if s.knobs.locked {
        return locked();
    }
    let ask: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let schema = schemas::STORAGE_INITIATE;
    if let Some(violations) = schemas::check(schema, schemas::Direction::Input, &ask)
        && !violations.is_empty()
    {
        return reply(422, schemas::unprocessable(&violations));
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

pub(super) async fn upload(State(shared): AppState, Path(token): Path<String>, body: Bytes) -> Response {
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
pub(super) enum FileBody {
    Ready(Vec<u8>, String),
    Draw(Picture),
}

pub(super) async fn file(State(shared): AppState, Path(path): Path<String>) -> Response {
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

pub(super) fn lookup(s: &state::State, path: &str) -> Option<FileBody> {
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
