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

fn unreadable(what: &str, e: &serde_json::Error) -> ProviderError {
    ProviderError::new(ProviderErrorKind::Transient, format!("unreadable {what} from FAL: {e}"))
}
