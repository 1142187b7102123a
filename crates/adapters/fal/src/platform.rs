//! FAL's platform API, for `aisha doctor`: whether the key is accepted and whether each
//! configured endpoint still exists. Not part of the `ImageGenerator` port: nothing in the
//! domain depends on it.
//!
//! Wire facts (FAL platform API docs, "Model search" and "Pricing", read 2026-12-06):
//! `GET {api}/v1/models?endpoint_id=…` answers `{models: [{endpoint_id, metadata: {status:
//! "active" | "deprecated", …}}], next_cursor, has_more}` and needs no key, so it cannot prove
//! one; `GET {api}/v1/models/pricing?endpoint_id=…` needs `Authorization: Key …` and answers
//! `{prices: [{endpoint_id, unit_price, unit, currency}]}`. What either answers for an
//! unknown id is not documented: an empty list and a 404 are both read as "not found".
//!
//! Before a job is submitted again after a submit whose answer was lost, the runner asks
//! `GET {api}/v1/models/requests/by-endpoint?endpoint_id=…&start=…&expand=payloads` (FAL
//! platform API docs, "List requests by endpoint(s)", read 2026-12-06: items carry
//! `request_id` and, expanded, `json_input`; pages of at most 100 by `cursor`). A job's input is
//! unique (its seed comes from the job id), so an equal `json_input` is that job. The docs sort
//! by end time and do not say whether requests still in the queue are listed: one that is not
//! is submitted again, and counted (`aisha_fal_ambiguous_submits_total` at the lost answer).

use crate::client::FalClient;
use aisha_domain::ports::{ProviderError, ProviderErrorKind};
use serde::Deserialize;

/// What FAL says about one endpoint.
#[derive(Clone, Debug, PartialEq)]
pub enum Availability {
    Active,
    /// Still served, but marked deprecated: plan its replacement.
    Deprecated,
    /// Unknown to FAL: retired, or a typo.
    Missing,
}

/// One endpoint's published price.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Price {
    pub unit_price: f64,
    pub unit: String,
    pub currency: String,
}

#[derive(Deserialize)]
struct Models {
    #[serde(default)]
    models: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    endpoint_id: String,
    #[serde(default)]
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    status: Option<String>,
}

#[derive(Deserialize)]
struct Requests {
    #[serde(default)]
    items: Vec<RequestItem>,
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(default)]
    has_more: bool,
}

#[derive(Deserialize)]
struct RequestItem {
    request_id: String,
    #[serde(default)]
    json_input: Option<serde_json::Value>,
}

/// How many pages of history are read before giving up (100 requests each).
const HISTORY_PAGES: usize = 5;

#[derive(Deserialize)]
struct Prices {
    #[serde(default)]
    prices: Vec<PriceEntry>,
}

#[derive(Deserialize)]
struct PriceEntry {
    endpoint_id: String,
    #[serde(flatten)]
    price: Price,
}

impl FalClient {
    /// Whether FAL knows `endpoint`, and whether it is deprecated.
    pub async fn availability(&self, endpoint: &str) -> Result<Availability, ProviderError> {
        let answer = match self.platform_get("/v1/models", endpoint).await {
            Ok(v) => v,
            Err(e) if e.kind == ProviderErrorKind::NotFound => return Ok(Availability::Missing),
            Err(e) => return Err(e),
        };
        let models: Models = serde_json::from_value(answer).map_err(|e| unreadable("model list", &e))?;
        Ok(match models.models.into_iter().find(|m| m.endpoint_id == endpoint) {
            None => Availability::Missing,
            Some(m) if m.metadata.as_ref().and_then(|d| d.status.as_deref()) == Some("deprecated") => {
                Availability::Deprecated
            }
            Some(_) => Availability::Active,
        })
    }

    /// Checks the key with an authenticated call that costs nothing, and returns `endpoint`'s
    /// published price when FAL lists one. A refused key is `Auth` (or `OutOfCredit` for a
    /// locked account).
    pub async fn price(&self, endpoint: &str) -> Result<Option<Price>, ProviderError> {
        let answer = match self.platform_get("/v1/models/pricing", endpoint).await {
            Ok(v) => v,
            Err(e) if e.kind == ProviderErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let prices: Prices = serde_json::from_value(answer).map_err(|e| unreadable("price list", &e))?;
        Ok(prices.prices.into_iter().find(|p| p.endpoint_id == endpoint).map(|p| p.price))
    }
}

impl FalClient {
    /// The id of the request to `endpoint` made since `start` (RFC 3339) with exactly `input`,
    /// leaving out the fields named in `ignore`.
    pub(crate) async fn find_request(
        &self,
        endpoint: &str,
        input: &serde_json::Value,
        ignore: &[&str],
        start: &str,
    ) -> Result<Option<String>, ProviderError> {
        let without = |v: &serde_json::Value| {
            let mut v = v.clone();
            if let Some(map) = v.as_object_mut() {
                for key in ignore {
                    map.remove(*key);
                }
            }
            v
        };
        let wanted = without(input);
        let mut cursor: Option<String> = None;
        for _ in 0..HISTORY_PAGES {
            let mut query =
                vec![("start", start.to_owned()), ("expand", "payloads".to_owned()), ("limit", "100".to_owned())];
            if let Some(c) = &cursor {
                query.push(("cursor", c.clone()));
            }
            let answer = self.platform_get_with("/v1/models/requests/by-endpoint", endpoint, &query).await?;
            let page: Requests = serde_json::from_value(answer).map_err(|e| unreadable("request list", &e))?;
            if let Some(found) =
                page.items.into_iter().find(|r| r.json_input.as_ref().map(without) == Some(wanted.clone()))
            {
                return Ok(Some(found.request_id));
            }
            match (page.has_more, page.next_cursor) {
                (true, Some(next)) => cursor = Some(next),
                _ => return Ok(None),
            }
        }
        Ok(None)
    }
}

fn unreadable(what: &str, e: &serde_json::Error) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Transient, format!("unreadable {what} from FAL: {e}"))
}
