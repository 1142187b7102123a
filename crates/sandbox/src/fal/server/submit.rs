//! Submitting a job: what FAL refuses before queueing, the outcome the job will end with
//! (decided now, from the knobs' markers, its LoRAs or training archive and its family), the
//! queue entry, and the answer.

use super::files::lookup;
use super::{app_not_found, locked, new_id, reply, urls};
use crate::fal::family::{self, Checked, Family};
use crate::fal::state::{Held, Outcome, Req, Shared, State, Upload};
use crate::fal::{Phase, hooks, schemas};
use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The answer, and the webhook copy to send before it when `webhooks.early` asks for one.
pub(super) fn submit(
    shared: &Arc<Shared>,
    model: &str,
    webhook: Option<String>,
    lifecycle: Option<Value>,
    body: &[u8],
) -> (Response, Option<Held>) {
    let Some(family) = Family::of(model) else { return (app_not_found(model), None) };
    let input: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return (reply(422, family::invalid(&[], &format!("invalid JSON: {e}"), "value_error.jsondecode")), None);
        }
    };
    let mut s = shared.lock();
    if let Some(r) = refusal(&s, model) {
        return (r, None);
    }
    let checked = match validate(model, family, &input) {
        Ok(c) => c,
        Err(detail) => return (reply(422, detail), None),
    };
    let k = s.knobs.clone();
    let outcome = plan(&s, &shared.base, family, &input, &checked);
    let id = new_id(&mut s.rng);
    let now = Instant::now();
    let started_at = now + Duration::from_millis(k.queue_ms);
    let done_at = (!marked(&k.stuck_marker, &checked.text)).then(|| started_at + Duration::from_millis(k.run_ms));
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
    (accepted(&shared.base, model, &id, position), early)
}

/// What FAL answers before looking at the input: a retired model, a locked account.
fn refusal(s: &State, model: &str) -> Option<Response> {
    if s.knobs.retired_models.iter().any(|m| m.trim_matches('/') == model) {
        return Some(app_not_found(model));
    }
    if s.knobs.locked {
        return Some(locked());
    }
    None
}

/// The input checked as FAL's validation checks it: against its published schema first,
/// then the family's own rules. A refusal is the 422's body, naming the field.
fn validate(model: &str, family: Family, input: &Value) -> Result<Checked, Value> {
    if let Some(violations) = schemas::check(model, schemas::Direction::Input, input)
        && !violations.is_empty()
    {
        return Err(schemas::unprocessable(&violations));
    }
    family::check(family, input)
}

/// Whether the knob `marker` is set and the job's text contains it.
fn marked(marker: &Option<String>, text: &str) -> bool {
    marker.as_deref().is_some_and(|m| !m.is_empty() && text.contains(m))
}

/// What the job will end with.
fn plan(s: &State, base: &str, family: Family, input: &Value, checked: &Checked) -> Outcome {
    let k = &s.knobs;
    let has = |m: &Option<String>| marked(m, &checked.text);
    if has(&k.content_policy_marker) {
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
    } else if let Some(index) = missing_lora(s, base, input) {
        // flux-lora reads its weights when the job runs; what FAL answers for a LoRA it
        // cannot fetch is not documented: the emulator fails the job with a 422 naming it
        let body = family::invalid(
            &[json!("loras"), json!(index), json!("path")],
            "could not download the LoRA weights: HTTP 404",
            "file_download_error",
        );
        Outcome::Error { status: 422, body }
    } else if family.is_llm() {
        Outcome::Text { output: family::llm_answer(family, input) }
    } else if family.is_trainer() {
        let url = checked.archive_url.clone().unwrap_or_default();
        match archive_problem(&s.uploads, base, &url) {
            Some(why) => {
                Outcome::Error { status: 422, body: family::invalid(&[json!("images_data_url")], why, "value_error") }
            }
            None => Outcome::Lora { missing: has(&k.short_marker), trigger: checked.text.clone() },
        }
    } else {
        let count = if has(&k.short_marker) { checked.count - 1 } else { checked.count };
        let flagged =
            if has(&k.nsfw_marker) && checked.safety_checker { k.nsfw_count.unwrap_or(count).min(count) } else { 0 };
        let (pictures, flags) = family::pictures(checked, count, flagged);
        if matches!(family, Family::Imagen | Family::ImagenFast) {
            // Imagen's filter drops what it flags instead of marking it
            let kept = pictures.into_iter().filter(|p| !p.black).collect();
            Outcome::Images { pictures: kept, flags: None }
        } else {
            Outcome::Images { pictures, flags: Some(flags) }
        }
    }
}

/// The answer to an accepted submit: the job IN_QUEUE, its URLs and queue position, and its
/// id again in `x-fal-request-id`.
fn accepted(base: &str, model: &str, id: &str, position: usize) -> Response {
    let (status_url, response_url, cancel_url) = urls(base, model, id);
    let mut r = reply(
        200,
        json!({"status": "IN_QUEUE", "request_id": id, "gateway_request_id": id, "status_url": status_url,
               "response_url": response_url, "cancel_url": cancel_url, "queue_position": position,
               "logs": null, "metrics": {}}),
    );
    if let Ok(v) = HeaderValue::from_str(id) {
        r.headers_mut().insert("x-fal-request-id", v);
    }
    r
}

/// The index of a `loras[].path` that points at this emulator's files and is gone.
fn missing_lora(s: &State, base: &str, input: &Value) -> Option<usize> {
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
