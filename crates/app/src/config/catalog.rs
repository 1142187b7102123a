//! The `[[models]]` and `[[styles]]` sections, turned into the domain's catalog and styles with
//! every problem named by its entry.

use aisha_domain::catalog::{Catalog, CatalogModel, ModelKey, ProviderModel};
use aisha_domain::style::{Flow, Style, StyleKey, Styles};
use aisha_domain::{AspectRatio, Coins};
use serde::Deserialize;

/// One `[[models]]` entry: a text-to-image model users can pick (see docs/configuration.md).
#[derive(Clone, Debug, Deserialize)]
pub struct ModelEntry {
    pub key: String,
    pub endpoint: String,
    pub dialect: String,
    #[serde(default)]
    pub resolution: Option<String>,
    pub name_ru: String,
    pub name_en: String,
    /// Coins per image.
    pub price: i64,
    #[serde(default = "ModelEntry::four")]
    pub max_images: u8,
    /// Aspect ratios offered, e.g. `["1:1", "3:4"]`; all five when left out.
    #[serde(default)]
    pub aspects: Option<Vec<String>>,
    #[serde(default = "ModelEntry::yes")]
    pub enabled: bool,
}

impl ModelEntry {
    fn four() -> u8 {
        4
    }
    fn yes() -> bool {
        true
    }
}

/// The catalog from `[[models]]` (the built-in one when there is none), or every problem
/// with it, each naming its entry: the domain's rules, then what the FAL adapter can say.
pub(super) fn catalog(entries: Option<&[ModelEntry]>) -> Result<Catalog, Vec<String>> {
    let Some(entries) = entries else { return Ok(Catalog::default()) };
    let mut problems = Vec::new();
    let mut models = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let key = match ModelKey::parse(&e.key) {
            Ok(k) => k,
            Err(err) => {
                problems.push(format!("models[{i}].key: {err}"));
                continue;
            }
        };
        let mut aspects = Vec::new();
        for a in e.aspects.clone().unwrap_or_else(|| AspectRatio::ALL.iter().map(|a| a.as_str().to_owned()).collect()) {
            match AspectRatio::parse(&a) {
                Ok(a) => aspects.push(a),
                Err(_) => problems.push(format!(
                    "models[{i}] {:?}: aspect ratio {a:?} cannot be offered (AISHA offers 1:1, 3:4, 4:3, 9:16, 16:9)",
                    e.key
                )),
            }
        }
        models.push(CatalogModel {
            key,
            provider: ProviderModel {
                endpoint: e.endpoint.clone(),
                dialect: e.dialect.clone(),
                resolution: e.resolution.clone(),
            },
            name_ru: e.name_ru.clone(),
            name_en: e.name_en.clone(),
            // a negative price is reported by the catalog's own check as "at least 1 coin"
            price: Coins::new(e.price.max(0)).unwrap_or(Coins::ZERO),
            max_images: e.max_images,
            aspects,
            enabled: e.enabled,
        });
    }
    let unexpressible = aisha_fal::catalog_problems(&models);
    match Catalog::new(models) {
        Ok(c) if problems.is_empty() && unexpressible.is_empty() => Ok(c),
        Ok(_) => Err(problems.into_iter().chain(unexpressible).collect()),
        Err(e) => Err(problems.into_iter().chain(e.0).chain(unexpressible).collect()),
    }
}

/// One `[[styles]]` entry: a one-tap prompt template (see docs/configuration.md).
#[derive(Clone, Debug, Deserialize)]
pub struct StyleEntry {
    pub key: String,
    pub name_ru: String,
    pub name_en: String,
    /// An English prompt with `{subject}` in it once.
    pub template: String,
    #[serde(default)]
    pub preview: Option<String>,
    /// `["create", "with_me"]` (both when left out).
    #[serde(default)]
    pub flows: Option<Vec<String>>,
}

/// The styles from `[[styles]]` (the built-in ones when there is none; `styles = []` offers
/// none), or every problem with them, each naming its entry.
pub(super) fn styles(entries: Option<&[StyleEntry]>) -> Result<Styles, Vec<String>> {
    let Some(entries) = entries else { return Ok(Styles::default()) };
    let mut problems = Vec::new();
    let mut styles = Vec::new();
    // where each style that reached the domain's checks is in the file
    let mut positions = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let key = match StyleKey::parse(&e.key) {
            Ok(k) => k,
            Err(err) => {
                problems.push(format!("styles[{i}].key: {err}"));
                continue;
            }
        };
        let mut flows = Vec::new();
        for f in e.flows.clone().unwrap_or_else(|| vec!["create".into(), "with_me".into()]) {
            match f.as_str() {
                "create" => flows.push(Flow::Create),
                "with_me" => flows.push(Flow::WithMe),
                other => problems.push(format!("styles[{i}] {:?}: unknown flow {other:?} (create, with_me)", e.key)),
            }
        }
        styles.push(Style {
            key,
            name_ru: e.name_ru.clone(),
            name_en: e.name_en.clone(),
            template: e.template.clone(),
            preview: e.preview.clone().filter(|p| !p.trim().is_empty()),
            flows,
        });
        positions.push(i);
    }
    match Styles::new(styles) {
        Ok(s) if problems.is_empty() => Ok(s),
        Ok(_) => Err(problems),
        Err(e) => Err(problems
            .into_iter()
            .chain(e.0.into_iter().map(|(j, p)| format!("styles[{}] {p}", positions[j])))
            .collect()),
    }
}
