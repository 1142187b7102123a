//! The catalog of text-to-image models: what a user can pick in Create, what each costs, and
//! which provider endpoint makes it. Operators change it in configuration; the domain only
//! reads it. Jobs, images, users' defaults and callback buttons store a model's [`ModelKey`],
//! never its endpoint, so an endpoint can be swapped (a provider retires a model) without
//! touching stored data.
//!
//! The provider side of an entry (`endpoint`, `dialect`, `resolution`) is opaque here: the
//! provider's adapter says at start which dialects it speaks and which aspect ratios and
//! resolutions each can express.

use crate::generation::{AspectRatio, ImageCount};
use crate::user::Language;
use crate::{Coins, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A catalog model's stable key: 1–32 characters of `a-z`, `0-9`, `.`, `_`, `-` and `/`,
/// starting with a letter or digit. Small and `Copy`, so settings and drafts stay `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelKey {
    len: u8,
    bytes: [u8; ModelKey::MAX],
}

impl ModelKey {
    pub const MAX: usize = 32;

    /// The keys of Google's retired Imagen 4 variants, which older jobs, images and settings
    /// carry (as `fast`/`standard`/`ultra` before the catalog existed).
    pub const IMAGEN4_FAST: &'static str = "imagen4/fast";
    pub const IMAGEN4_STANDARD: &'static str = "imagen4/standard";
    pub const IMAGEN4_ULTRA: &'static str = "imagen4/ultra";

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::ModelKey(s.chars().take(40).collect());
        let ok_char = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-' | b'/');
        let raw = s.as_bytes();
        if raw.is_empty()
            || raw.len() > Self::MAX
            || !raw[0].is_ascii_alphanumeric()
            || !raw.iter().all(|c| ok_char(*c))
        {
            return Err(bad());
        }
        let mut bytes = [0u8; Self::MAX];
        bytes[..raw.len()].copy_from_slice(raw);
        Ok(Self { len: raw.len() as u8, bytes })
    }

    /// Reads a key as stored, including the Imagen 4 variant names stored before the
    /// catalog (`fast`, `standard`, `ultra`), which become the retired Imagen 4 entries.
    pub fn from_stored(s: &str) -> Result<Self, ValidationError> {
        Self::parse(match s {
            "fast" => Self::IMAGEN4_FAST,
            "standard" => Self::IMAGEN4_STANDARD,
            "ultra" => Self::IMAGEN4_ULTRA,
            other => other,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("keys are ASCII")
    }
}

impl fmt::Debug for ModelKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModelKey({:?})", self.as_str())
    }
}

impl fmt::Display for ModelKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ModelKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ModelKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ModelKey::from_stored(&s).map_err(serde::de::Error::custom)
    }
}

/// What the provider needs to run one catalog model: the endpoint, how its input is phrased,
/// and the resolution tier to ask for where the dialect has one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderModel {
    /// The provider's model id, e.g. `fal-ai/nano-banana-2`.
    pub endpoint: String,
    /// The input dialect the provider's adapter uses for this endpoint, e.g. `gemini`.
    pub dialect: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
}

/// One model users can pick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogModel {
    pub key: ModelKey,
    pub provider: ProviderModel,
    pub name_ru: String,
    pub name_en: String,
    /// Coins per image.
    pub price: Coins,
    /// At most this many images per job (1–4).
    pub max_images: u8,
    /// The aspect ratios offered with this model, in the order shown.
    pub aspects: Vec<AspectRatio>,
    /// Disabled models are not offered; jobs already paid for still run.
    pub enabled: bool,
}

impl CatalogModel {
    pub fn name(&self, language: Language) -> &str {
        match language {
            Language::Ru => &self.name_ru,
            Language::En => &self.name_en,
        }
    }

    /// Whether this model can make `count` images at `aspect`.
    pub fn accepts(&self, aspect: AspectRatio, count: ImageCount) -> bool {
        self.aspects.contains(&aspect) && count.get() <= self.max_images
    }
}

/// Why a catalog was refused at start. Every problem is listed, each naming its entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the model catalog is invalid:\n  - {}", .0.join("\n  - "))]
pub struct CatalogError(pub Vec<String>);

/// The models, in the order operators listed them. Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    models: Arc<Vec<CatalogModel>>,
}

impl Catalog {
    /// Coins per image at most: far above any real price, low enough that no order overflows.
    pub const MAX_PRICE: i64 = 1_000_000;

    /// Checks what the domain can check: unique keys, positive prices, 1–4 images, at least
    /// one aspect ratio, names present, and at least one enabled model.
    pub fn new(models: Vec<CatalogModel>) -> Result<Self, CatalogError> {
        let mut problems = Vec::new();
        for (i, m) in models.iter().enumerate() {
            let key = m.key.as_str();
            if models[..i].iter().any(|other| other.key == m.key) {
                problems.push(format!("models[{i}] {key:?}: the key is used by an earlier entry"));
            }
            if m.price.get() <= 0 || m.price.get() > Self::MAX_PRICE {
                problems.push(format!(
                    "models[{i}] {key:?}: price must be at least 1 coin and at most {}, got {}",
                    Self::MAX_PRICE,
                    m.price
                ));
            }
            if !(1..=ImageCount::MAX).contains(&m.max_images) {
                problems.push(format!("models[{i}] {key:?}: max_images must be 1 to 4, got {}", m.max_images));
            }
            if m.aspects.is_empty() {
                problems.push(format!("models[{i}] {key:?}: list at least one aspect ratio"));
            }
            if m.name_ru.trim().is_empty() || m.name_en.trim().is_empty() {
                problems.push(format!("models[{i}] {key:?}: name_ru and name_en are both required"));
            }
            if m.provider.endpoint.trim().is_empty() {
                problems.push(format!("models[{i}] {key:?}: endpoint is required"));
            }
        }
        if !models.iter().any(|m| m.enabled) {
            problems.push("no model is enabled: users could not create anything".to_owned());
        }
        if problems.is_empty() { Ok(Self { models: Arc::new(models) }) } else { Err(CatalogError(problems)) }
    }

    pub fn all(&self) -> &[CatalogModel] {
        &self.models
    }

    pub fn enabled(&self) -> impl Iterator<Item = &CatalogModel> {
        self.models.iter().filter(|m| m.enabled)
    }

    /// Any entry with this key, enabled or not (a job paid for before it was disabled).
    pub fn get(&self, key: ModelKey) -> Option<&CatalogModel> {
        self.models.iter().find(|m| m.key == key)
    }

    /// An entry new orders may use.
    pub fn offered(&self, key: ModelKey) -> Option<&CatalogModel> {
        self.get(key).filter(|m| m.enabled)
    }

    /// The model used when a user has not chosen one (or chose one since disabled): the
    /// first enabled entry, so operators list the one they recommend first.
    pub fn default_model(&self) -> &CatalogModel {
        self.enabled().next().expect("a catalog always has an enabled model")
    }

    /// The user's choice if it is still offered, else the default.
    pub fn or_default(&self, key: ModelKey) -> &CatalogModel {
        self.offered(key).unwrap_or_else(|| self.default_model())
    }

    /// The lowest price per image among enabled models.
    pub fn cheapest_price(&self) -> Coins {
        self.enabled().map(|m| m.price).min().expect("a catalog always has an enabled model")
    }

    /// A model's name for captions and history, also for keys no longer in the catalog
    /// (Imagen 4 rows from before it, or an entry an operator removed).
    pub fn display_name(&self, key: &str, language: Language) -> String {
        if let Some(m) = ModelKey::from_stored(key).ok().and_then(|k| self.get(k)) {
            return m.name(language).to_owned();
        }
        match key {
            k if k.starts_with("imagen4") => "Imagen 4".to_owned(),
            "flux-lora" => "FLUX.1".to_owned(),
            other => other.to_owned(),
        }
    }
}

impl Default for Catalog {
    /// The production default. Prices and their sources are in docs/configuration.md.
    fn default() -> Self {
        let all = AspectRatio::ALL.to_vec();
        let entry = |key: &str, endpoint: &str, dialect: &str, resolution: Option<&str>, ru: &str, en: &str, price| {
            CatalogModel {
                key: ModelKey::parse(key).expect("literal key"),
                provider: ProviderModel {
                    endpoint: endpoint.to_owned(),
                    dialect: dialect.to_owned(),
                    resolution: resolution.map(str::to_owned),
                },
                name_ru: ru.to_owned(),
                name_en: en.to_owned(),
                price: Coins::new(price).expect("literal price"),
                max_images: ImageCount::MAX,
                aspects: all.clone(),
                enabled: true,
            }
        };
        let retired = |mut m: CatalogModel| {
            m.enabled = false;
            m
        };
        Catalog::new(vec![
            entry("nano-banana-2", "fal-ai/nano-banana-2", "gemini", Some("1K"), "Nano Banana 2", "Nano Banana 2", 11),
            entry("flux-2", "fal-ai/flux-2", "flux-2", None, "FLUX.2 (быстрая)", "FLUX.2 (fast)", 3),
            entry(
                "nano-banana-pro",
                "fal-ai/nano-banana-pro",
                "gemini",
                Some("2K"),
                "Nano Banana Pro (лучшая)",
                "Nano Banana Pro (best)",
                20,
            ),
            retired(entry(
                ModelKey::IMAGEN4_FAST,
                "fal-ai/imagen4/preview/fast",
                "imagen4",
                None,
                "Imagen 4 Fast",
                "Imagen 4 Fast",
                3,
            )),
            retired(entry(
                ModelKey::IMAGEN4_STANDARD,
                "fal-ai/imagen4/preview",
                "imagen4",
                Some("1K"),
                "Imagen 4",
                "Imagen 4",
                5,
            )),
            retired(entry(
                ModelKey::IMAGEN4_ULTRA,
                "fal-ai/imagen4/preview/ultra",
                "imagen4",
                Some("1K"),
                "Imagen 4 Ultra",
                "Imagen 4 Ultra",
                8,
            )),
        ])
        .expect("the default catalog is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_legacy_variants_map_to_imagen4() {
        assert_eq!(ModelKey::parse("nano-banana-2").unwrap().as_str(), "nano-banana-2");
        assert_eq!(ModelKey::parse("imagen4/fast").unwrap().as_str(), "imagen4/fast");
        for bad in ["", "Nano", "-x", "a b", "ключ", &"x".repeat(33)] {
            assert!(ModelKey::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ModelKey::from_stored("fast").unwrap().as_str(), "imagen4/fast");
        assert_eq!(ModelKey::from_stored("standard").unwrap().as_str(), "imagen4/standard");
        assert_eq!(ModelKey::from_stored("ultra").unwrap().as_str(), "imagen4/ultra");
        let k: ModelKey = serde_json::from_str("\"ultra\"").unwrap();
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"imagen4/ultra\"");
    }

    #[test]
    fn the_default_offers_three_tiers_and_keeps_imagen4_disabled() {
        let c = Catalog::default();
        let offered: Vec<&str> = c.enabled().map(|m| m.key.as_str()).collect();
        assert_eq!(offered, ["nano-banana-2", "flux-2", "nano-banana-pro"]);
        let imagen = ModelKey::parse(ModelKey::IMAGEN4_STANDARD).unwrap();
        assert!(c.get(imagen).is_some() && c.offered(imagen).is_none());
        assert_eq!(c.or_default(imagen).key.as_str(), "nano-banana-2", "the first enabled entry");
        assert_eq!(c.cheapest_price().get(), 3);
        assert_eq!(c.display_name("imagen4/standard", Language::Ru), "Imagen 4");
        assert_eq!(c.display_name("removed-model", Language::En), "removed-model");
    }

    #[test]
    fn a_bad_catalog_names_every_problem() {
        let mut m = Catalog::default().all()[0].clone();
        m.price = Coins::ZERO;
        m.max_images = 5;
        m.aspects.clear();
        let mut dup = m.clone();
        dup.enabled = false;
        let err = Catalog::new(vec![m.clone(), dup]).unwrap_err();
        let text = err.to_string();
        for needle in ["price must be at least 1", "max_images must be 1 to 4", "aspect ratio", "used by an earlier"] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
        m.enabled = false;
        assert!(Catalog::new(vec![m]).unwrap_err().to_string().contains("no model is enabled"));
    }
}
