//! FAL's platform API for the endpoints the emulator serves: the model list, prices, and the
//! account's request history with payloads.

use super::{AppState, gate, reply};
use crate::fal::family::{self, Family};
use crate::fal::state::{self, Req};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The endpoint a platform API call asks about, if this emulator serves it.
fn platform_endpoint(s: &state::State, query: &HashMap<String, String>) -> Option<(String, Family)> {
    let id = query.get("endpoint_id")?.trim_matches('/').to_owned();
    let family = Family::of(&id)?;
    (!s.knobs.retired_models.iter().any(|m| m.trim_matches('/') == id)).then_some((id, family))
}

/// `GET /v1/models?endpoint_id=`: public, like FAL's model search.
pub(super) async fn models(State(shared): AppState, Query(query): Query<HashMap<String, String>>) -> Response {
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
pub(super) async fn pricing(
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
pub(super) async fn history(
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
