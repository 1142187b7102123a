//! Configuration: built-in defaults → optional `aisha.toml` → `AISHA__SECTION__KEY` from the
//! environment. Secrets (`telegram.token`, `fal.key`, the S3 secret) come only from the file or
//! the environment, are held in `secrecy` types and never printed. `Settings::load` checks
//! everything at once and names every bad setting in one error.

use aisha_domain::catalog::{Catalog, CatalogModel, ModelKey, ProviderModel};
use aisha_domain::style::{Flow, Style, StyleKey, Styles};
use aisha_domain::{AspectRatio, Coins};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::Path;

const DEFAULTS: &str = include_str!("defaults.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TelegramMode {
    Polling,
    Webhook,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Telegram {
    pub token: Option<SecretString>,
    pub mode: TelegramMode,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<SecretString>,
    pub admins: Vec<i64>,
    /// Where /paysupport sends people: `@username`, a link or an address.
    pub support_contact: Option<String>,
    pub per_chat_per_second: u32,
    pub global_per_second: u32,
    pub api_url: String,
    /// How often one replica compares Telegram's Star transactions with the ledger and
    /// credits what was missed; 0 switches the worker off.
    pub reconcile_seconds: u64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Fal {
    pub key: Option<SecretString>,
    pub queue_url: String,
    pub rest_url: String,
    pub jwks_url: String,
    /// FAL's platform API: `aisha doctor` checks the key and the models there.
    pub api_url: String,
    pub webhook_url: Option<String>,
    pub trainer: String,
    /// How long FAL keeps an uploaded training archive (people's photos).
    pub archive_hours: u64,
    /// An avatar's LoRA URL this old is replaced by an upload of our copy before use.
    pub lora_max_age_hours: i64,
    /// An avatar's LoRA URL this old is checked before use (re-uploaded if FAL lost it).
    pub lora_check_hours: i64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Database {
    pub url: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Redis {
    pub url: Option<String>,
    pub key_prefix: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Local,
    S3,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Storage {
    pub kind: StorageKind,
    pub dir: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<SecretString>,
    pub path_style: bool,
    pub public_base_url: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Prices {
    pub avatar_photo: i64,
    pub training: i64,
    /// Imagen 4's prices before the catalog; refused with a pointer to `[[models]]`.
    #[serde(default)]
    pub imagen_fast: Option<i64>,
    #[serde(default)]
    pub imagen_standard: Option<i64>,
    #[serde(default)]
    pub imagen_ultra: Option<i64>,
}

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
fn catalog(entries: Option<&[ModelEntry]>) -> Result<Catalog, Vec<String>> {
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
fn styles(entries: Option<&[StyleEntry]>) -> Result<Styles, Vec<String>> {
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

#[derive(Clone, Debug, Deserialize)]
pub struct Package {
    pub id: String,
    pub coins: i64,
    pub stars: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Limits {
    pub in_flight: u32,
    /// Coins on top of the first-image gift, credited with it (once per Telegram id).
    pub welcome_bonus: i64,
    /// The first image on the house: coins credited once per Telegram id at registration.
    /// Unset: the price of one image of the cheapest enabled catalog model; 0: off.
    #[serde(default)]
    pub first_image_gift: Option<i64>,
    pub min_photos: u32,
    pub max_photos: u32,
    pub photo_max_mb: u64,
    pub photo_min_side: u32,
    pub gallery_session_days: u64,
    pub dialogue_hours: u64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Timeouts {
    pub images_minutes: i64,
    /// Replaces `images_minutes` when set: deadlines of seconds, for tests and drills.
    pub images_seconds: Option<i64>,
    pub training_minutes: i64,
    pub poll_seconds: i64,
    /// How long a worker holds a job it claimed; renewed every third of this while it works.
    pub lease_seconds: i64,
}

impl Timeouts {
    /// How long an image job may take before it is failed and refunded.
    pub fn images(&self) -> chrono::Duration {
        self.images_seconds.map_or(chrono::Duration::minutes(self.images_minutes), chrono::Duration::seconds)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Logging {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Http {
    pub bind: String,
    /// Where `/metrics` is served: a listener of its own, so the public webhook address does
    /// not expose the business's numbers.
    pub metrics_bind: String,
    /// Required when `metrics_bind` is not a loopback address: scrapers send it as
    /// `Authorization: Bearer <token>`.
    pub metrics_token: Option<SecretString>,
}

impl Http {
    /// Whether `bind` (a valid `host:port`) only accepts connections from this machine.
    pub fn is_loopback(bind: &str) -> bool {
        bind.parse::<std::net::SocketAddr>().is_ok_and(|a| a.ip().is_loopback())
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct Settings {
    pub telegram: Telegram,
    pub fal: Fal,
    pub database: Database,
    pub redis: Redis,
    pub storage: Storage,
    pub prices: Prices,
    /// `[[models]]`: the text-to-image catalog; the built-in one when absent.
    #[serde(default)]
    pub models: Option<Vec<ModelEntry>>,
    /// Built from `models` when the settings are loaded.
    #[serde(skip)]
    pub catalog: Catalog,
    /// `[[styles]]`: one-tap prompt templates; the built-in ones when absent.
    #[serde(default, rename = "styles")]
    pub style_entries: Option<Vec<StyleEntry>>,
    /// Built from `style_entries` when the settings are loaded.
    #[serde(skip)]
    pub styles: Styles,
    pub packages: Vec<Package>,
    pub limits: Limits,
    pub timeouts: Timeouts,
    pub assistant: Assistant,
    pub logging: Logging,
    pub http: Http,
}

/// `[assistant]`: the prompt assistant (✨) on FAL's language-model router.
#[derive(Clone, Debug, Deserialize)]
pub struct Assistant {
    /// Improvements each user may ask for per day, free; 0 turns the assistant off.
    pub daily_free: u32,
    /// The model behind `openrouter/router` (an OpenRouter id).
    pub model: String,
    /// The model behind `openrouter/router/vision`.
    pub vision_model: String,
    /// How long one improvement may take before the order goes on without it.
    pub timeout_seconds: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration could not be read: {0}")]
    Read(String),
    #[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
}

impl Settings {
    /// What a new Telegram id is credited once at registration: the first-image gift (by
    /// default one image of the cheapest enabled model) plus the welcome bonus.
    pub fn welcome_credit(&self) -> i64 {
        let gift = self.limits.first_image_gift.unwrap_or_else(|| self.catalog.cheapest_price().get());
        gift + self.limits.welcome_bonus
    }

    /// Loads from the defaults, the optional file, and `vars` (normally the process
    /// environment; tests pass their own).
    pub fn load(file: Option<&Path>, vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Read(format!("{} does not exist", path.display())));
            }
            builder = builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
        }
        let env: std::collections::HashMap<String, String> =
            vars.into_iter().filter(|(k, _)| k.starts_with("AISHA__")).collect();
        builder = builder.add_source(
            config::Environment::with_prefix("AISHA")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("telegram.admins")
                .try_parsing(true)
                .source(Some(env)),
        );
        let mut settings: Settings =
            builder.build().and_then(|c| c.try_deserialize()).map_err(|e| ConfigError::Invalid(vec![e.to_string()]))?;
        settings.validate()?;
        settings.catalog = catalog(settings.models.as_deref()).map_err(ConfigError::Invalid)?;
        settings.styles = styles(settings.style_entries.as_deref()).map_err(ConfigError::Invalid)?;
        Ok(settings)
    }

    /// Every problem at once, each naming its setting and the environment variable.
    fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Vec::new();
        let mut need = |ok: bool, key: &str, why: &str| {
            if !ok {
                let env = format!("AISHA__{}", key.replace('.', "__").to_uppercase());
                p.push(format!("{key} ({env}): {why}"));
            }
        };
        let t = &self.telegram;
        need(
            t.mode != TelegramMode::Webhook || t.webhook_url.is_some(),
            "telegram.webhook_url",
            "required when telegram.mode is webhook",
        );
        need(
            t.mode != TelegramMode::Webhook || t.webhook_secret.is_some(),
            "telegram.webhook_secret",
            "required when telegram.mode is webhook",
        );
        // Bot API setWebhook: secret_token is 1-256 characters, only A-Z, a-z, 0-9, _ and -
        // (https://core.telegram.org/bots/api#setwebhook, read 2026-12-06). An empty one
        // would make every request without the header look genuine.
        need(
            t.webhook_secret.as_ref().is_none_or(|s| {
                let s = s.expose_secret();
                (1..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            }),
            "telegram.webhook_secret",
            "1 to 256 characters, only letters, digits, _ and - (Telegram's rule); never empty",
        );
        need(t.admins.iter().all(|a| *a > 0), "telegram.admins", "Telegram ids are positive numbers");
        need(
            t.token.is_none() || self.fal.key.is_some(),
            "fal.key",
            "required with a real Telegram token (without one the app runs the sandbox)",
        );
        let db = &self.database.url;
        need(
            db.starts_with("sqlite:") || db.starts_with("postgres://") || db.starts_with("postgresql://"),
            "database.url",
            "must be a sqlite: or postgres:// URL",
        );
        if let Some(url) = &self.redis.url {
            need(url.starts_with("redis://") || url.starts_with("rediss://"), "redis.url", "must be a redis:// URL");
        }
        let s = &self.storage;
        if s.kind == StorageKind::S3 {
            need(s.bucket.is_some(), "storage.bucket", "required when storage.kind is s3");
            need(s.access_key_id.is_some(), "storage.access_key_id", "required when storage.kind is s3");
            need(s.secret_access_key.is_some(), "storage.secret_access_key", "required when storage.kind is s3");
        }
        let pr = &self.prices;
        for (key, v) in [("prices.avatar_photo", pr.avatar_photo), ("prices.training", pr.training)] {
            need(v > 0, key, "prices are positive whole coins");
        }
        for (key, v) in [
            ("prices.imagen_fast", pr.imagen_fast),
            ("prices.imagen_standard", pr.imagen_standard),
            ("prices.imagen_ultra", pr.imagen_ultra),
        ] {
            need(v.is_none(), key, "Imagen 4 was retired; model prices are set per [[models]] entry now");
        }
        need(
            aisha_fal::Trainer::of(&self.fal.trainer).is_some(),
            "fal.trainer",
            "fal-ai/flux-lora-portrait-trainer or fal-ai/flux-lora-fast-training (the trigger field differs)",
        );
        need(self.fal.archive_hours >= 1, "fal.archive_hours", "at least 1: the training must find its photos");
        need(
            self.fal.lora_check_hours >= 0 && self.fal.lora_check_hours <= self.fal.lora_max_age_hours,
            "fal.lora_check_hours",
            "0 to fal.lora_max_age_hours",
        );
        need(!self.packages.is_empty(), "packages", "at least one Stars package is needed");
        for (i, pk) in self.packages.iter().enumerate() {
            need(pk.coins > 0 && pk.stars > 0, &format!("packages.{i}"), "coins and stars must be positive");
            need(
                !pk.id.is_empty() && pk.id.len() <= 16 && pk.id.chars().all(|c| c.is_ascii_alphanumeric()),
                &format!("packages.{i}.id"),
                "1–16 letters or digits",
            );
        }
        let l = &self.limits;
        need(l.in_flight >= 1, "limits.in_flight", "must be at least 1");
        need(l.welcome_bonus >= 0, "limits.welcome_bonus", "cannot be negative");
        need(l.first_image_gift.is_none_or(|g| g >= 0), "limits.first_image_gift", "cannot be negative");
        need(l.min_photos >= 1 && l.min_photos <= l.max_photos, "limits.min_photos", "must be 1..=limits.max_photos");
        need(l.photo_max_mb >= 1 && l.photo_max_mb <= 20, "limits.photo_max_mb", "1 to 20 (Telegram's download limit)");
        let to = &self.timeouts;
        need(to.images_minutes >= 1, "timeouts.images_minutes", "must be at least 1");
        need(to.images_seconds.is_none_or(|s| s >= 1), "timeouts.images_seconds", "must be at least 1");
        need(to.training_minutes >= 1, "timeouts.training_minutes", "must be at least 1");
        need(to.poll_seconds >= 1, "timeouts.poll_seconds", "must be at least 1");
        need(to.lease_seconds >= 3, "timeouts.lease_seconds", "must be at least 3");
        let a = &self.assistant;
        need(!a.model.trim().is_empty(), "assistant.model", "must name a model");
        need(!a.vision_model.trim().is_empty(), "assistant.vision_model", "must name a model");
        need((1..=120).contains(&a.timeout_seconds), "assistant.timeout_seconds", "must be 1 to 120");
        need(
            self.http.bind.parse::<std::net::SocketAddr>().is_ok(),
            "http.bind",
            "must be host:port, e.g. 127.0.0.1:8080",
        );
        let h = &self.http;
        need(
            h.metrics_bind.parse::<std::net::SocketAddr>().is_ok(),
            "http.metrics_bind",
            "must be host:port, e.g. 127.0.0.1:9184",
        );
        need(
            !h.metrics_bind.parse::<std::net::SocketAddr>().is_ok_and(|a| !a.ip().is_loopback())
                || h.metrics_token.as_ref().is_some_and(|t| !t.expose_secret().is_empty()),
            "http.metrics_token",
            "required when http.metrics_bind is not a loopback address (/metrics would be public)",
        );
        if p.is_empty() { Ok(()) } else { Err(ConfigError::Invalid(p)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_alone_are_valid_and_embedded() {
        let s = Settings::load(None, env(&[])).unwrap();
        assert!(s.telegram.token.is_none(), "no token: sandbox mode");
        assert!(s.database.url.starts_with("sqlite:"));
        assert_eq!(s.storage.kind, StorageKind::Local);
        assert!(s.redis.url.is_none());
        assert_eq!(s.prices.training, 150);
        assert_eq!(s.packages.len(), 3);
        assert_eq!(s.http.bind, "127.0.0.1:8080");
        assert_eq!(s.http.metrics_bind, "127.0.0.1:9184");
    }

    #[test]
    fn an_empty_or_malformed_webhook_secret_is_refused() {
        let webhook = |secret: &str| {
            Settings::load(
                None,
                env(&[
                    ("AISHA__TELEGRAM__MODE", "webhook"),
                    ("AISHA__TELEGRAM__WEBHOOK_URL", "https://bot.example/telegram/webhook"),
                    ("AISHA__TELEGRAM__WEBHOOK_SECRET", secret),
                ]),
            )
        };
        for bad in ["", "has space", "ключ", &"x".repeat(257)] {
            let err = webhook(bad).unwrap_err().to_string();
            assert!(err.contains("telegram.webhook_secret (AISHA__TELEGRAM__WEBHOOK_SECRET)"), "{bad:?}: {err}");
        }
        assert!(webhook("s3cret_-TOKEN").is_ok());
    }

    #[test]
    fn metrics_off_loopback_need_a_token() {
        let err = Settings::load(None, env(&[("AISHA__HTTP__METRICS_BIND", "0.0.0.0:9184")])).unwrap_err().to_string();
        assert!(err.contains("http.metrics_token (AISHA__HTTP__METRICS_TOKEN)"), "{err}");
        let s = Settings::load(
            None,
            env(&[("AISHA__HTTP__METRICS_BIND", "0.0.0.0:9184"), ("AISHA__HTTP__METRICS_TOKEN", "scrape-me")]),
        )
        .unwrap();
        assert_eq!(s.http.metrics_token.unwrap().expose_secret(), "scrape-me");
        let err = Settings::load(None, env(&[("AISHA__HTTP__METRICS_BIND", "somewhere")])).unwrap_err().to_string();
        assert!(err.contains("http.metrics_bind"), "{err}");
        assert!(Http::is_loopback("127.0.0.1:1") && Http::is_loopback("[::1]:1") && !Http::is_loopback("0.0.0.0:1"));
    }

    #[test]
    fn environment_overrides_land() {
        let s = Settings::load(
            None,
            env(&[
                ("AISHA__TELEGRAM__TOKEN", "123:abc"),
                ("AISHA__FAL__KEY", "fal-secret"),
                ("AISHA__TELEGRAM__ADMINS", "42,43"),
                ("AISHA__TELEGRAM__SUPPORT_CONTACT", "@aisha_help"),
                ("AISHA__PRICES__AVATAR_PHOTO", "4"),
                ("AISHA__DATABASE__URL", "postgres://u@db/aisha"),
                ("AISHA__REDIS__URL", "redis://127.0.0.1:6379/0"),
                ("AISHA__HTTP__BIND", "0.0.0.0:9000"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(s.telegram.token.as_ref().unwrap().expose_secret(), "123:abc");
        assert_eq!(s.telegram.admins, vec![42, 43]);
        assert_eq!(s.telegram.support_contact.as_deref(), Some("@aisha_help"));
        assert_eq!(s.prices.avatar_photo, 4);
        assert_eq!(s.database.url, "postgres://u@db/aisha");
        assert_eq!(s.redis.url.as_deref(), Some("redis://127.0.0.1:6379/0"));
        assert_eq!(s.http.bind, "0.0.0.0:9000");
    }

    #[test]
    fn every_bad_setting_is_named_at_once() {
        let err = Settings::load(
            None,
            env(&[
                ("AISHA__TELEGRAM__MODE", "webhook"),
                ("AISHA__TELEGRAM__TOKEN", "123:abc"),
                ("AISHA__PRICES__TRAINING", "0"),
                ("AISHA__STORAGE__KIND", "s3"),
                ("AISHA__HTTP__BIND", "nowhere"),
            ]),
        )
        .unwrap_err()
        .to_string();
        for key in [
            "telegram.webhook_url (AISHA__TELEGRAM__WEBHOOK_URL)",
            "telegram.webhook_secret",
            "fal.key (AISHA__FAL__KEY)",
            "prices.training",
            "storage.bucket",
            "storage.secret_access_key",
            "http.bind",
        ] {
            assert!(err.contains(key), "{key} missing from:\n{err}");
        }
    }

    #[test]
    fn a_wrongly_typed_value_names_its_setting() {
        let err = Settings::load(None, env(&[("AISHA__LIMITS__IN_FLIGHT", "many")])).unwrap_err().to_string();
        assert!(err.contains("in_flight"), "{err}");
    }

    #[test]
    fn the_first_image_gift_defaults_to_the_cheapest_image_and_adds_the_welcome_bonus() {
        let s = Settings::load(None, env(&[])).unwrap();
        let cheapest = s.catalog.cheapest_price().get();
        assert!(cheapest > 0);
        assert_eq!(s.limits.first_image_gift, None);
        assert_eq!(s.welcome_credit(), cheapest, "by default exactly one image of the cheapest model");
        let s = Settings::load(None, env(&[("AISHA__LIMITS__FIRST_IMAGE_GIFT", "0")])).unwrap();
        assert_eq!(s.welcome_credit(), 0, "0 turns it off");
        let s = Settings::load(
            None,
            env(&[("AISHA__LIMITS__FIRST_IMAGE_GIFT", "20"), ("AISHA__LIMITS__WELCOME_BONUS", "5")]),
        )
        .unwrap();
        assert_eq!(s.welcome_credit(), 25, "one credit, both amounts");
        let err = Settings::load(None, env(&[("AISHA__LIMITS__FIRST_IMAGE_GIFT", "-1")])).unwrap_err().to_string();
        assert!(err.contains("limits.first_image_gift"), "{err}");
    }

    #[test]
    fn an_image_deadline_in_seconds_replaces_the_minutes() {
        let s = Settings::load(None, env(&[])).unwrap();
        assert_eq!(s.timeouts.images_seconds, None);
        assert_eq!(s.timeouts.images(), chrono::Duration::minutes(10));
        let s = Settings::load(None, env(&[("AISHA__TIMEOUTS__IMAGES_SECONDS", "8")])).unwrap();
        assert_eq!(s.timeouts.images(), chrono::Duration::seconds(8));
        let err = Settings::load(None, env(&[("AISHA__TIMEOUTS__IMAGES_SECONDS", "0")])).unwrap_err().to_string();
        assert!(err.contains("timeouts.images_seconds (AISHA__TIMEOUTS__IMAGES_SECONDS)"), "{err}");
    }

    fn load_file(name: &str, text: &str) -> Result<Settings, ConfigError> {
        let dir = std::env::temp_dir().join(format!("aisha-config-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("aisha.toml");
        std::fs::write(&path, text).unwrap();
        let s = Settings::load(Some(&path), env(&[]));
        std::fs::remove_dir_all(&dir).ok();
        s
    }

    #[test]
    fn without_models_the_built_in_catalog_is_used() {
        let s = Settings::load(None, env(&[])).unwrap();
        assert_eq!(s.catalog, Catalog::default());
    }

    #[test]
    fn styles_come_from_the_configuration_with_every_problem_named() {
        assert_eq!(Settings::load(None, env(&[])).unwrap().styles, Styles::default());
        let s = load_file(
            "styles",
            r#"
[[styles]]
key = "retro"
name_ru = "Ретро"
name_en = "Retro"
template = "1970s film photo of {subject}, warm grain"
preview = "https://example.com/retro.jpg"
flows = ["with_me"]

[[styles]]
key = "ink"
name_ru = "Тушь"
name_en = "Ink"
template = "ink drawing of {subject}"
"#,
        )
        .unwrap();
        let keys: Vec<&str> = s.styles.offered(Flow::Create).map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["ink"], "flows default to both; retro is for photos with me only");
        assert_eq!(s.styles.offered(Flow::WithMe).count(), 2);
        let err = load_file(
            "bad-styles",
            r#"
[[styles]]
key = "Bad Key"
name_ru = "А"
name_en = "A"
template = "{subject}"

[[styles]]
key = "noslot"
name_ru = "Б"
name_en = "B"
template = "a photo"
flows = ["everywhere"]
"#,
        )
        .unwrap_err()
        .to_string();
        for expected in [
            "styles[0].key: invalid style key",
            r#"styles[1] "noslot": unknown flow "everywhere""#,
            r#"styles[1] "noslot": the template must contain {subject} exactly once"#,
        ] {
            assert!(err.contains(expected), "{expected}\nin\n{err}");
        }
    }

    #[test]
    fn a_model_of_a_known_dialect_is_configuration_only() {
        let s = load_file(
            "add",
            r#"
[[models]]
key = "nano-banana-2"
endpoint = "fal-ai/nano-banana-2"
dialect = "gemini"
resolution = "1K"
name_ru = "Nano Banana 2"
name_en = "Nano Banana 2"
price = 11

[[models]]
key = "flux-2-pro"
endpoint = "fal-ai/flux-2-pro"
dialect = "flux-2"
name_ru = "FLUX.2 Pro"
name_en = "FLUX.2 Pro"
price = 6
max_images = 1
aspects = ["1:1", "16:9"]
"#,
        )
        .unwrap();
        let keys: Vec<&str> = s.catalog.enabled().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["nano-banana-2", "flux-2-pro"]);
        let pro = &s.catalog.all()[1];
        assert_eq!((pro.price.get(), pro.max_images, pro.aspects.len()), (6, 1, 2));
        assert_eq!(pro.provider.endpoint, "fal-ai/flux-2-pro");
    }

    #[test]
    fn a_bad_catalog_stops_the_start_naming_each_entry() {
        let err = load_file(
            "bad",
            r#"
[[models]]
key = "a"
endpoint = "fal-ai/x"
dialect = "dall-e"
name_ru = "A"
name_en = "A"
price = 3

[[models]]
key = "a"
endpoint = "fal-ai/y"
dialect = "gemini"
name_ru = "B"
name_en = "B"
price = 0
aspects = ["21:9"]

[[models]]
key = "c"
endpoint = "fal-ai/flux-2"
dialect = "flux-2"
resolution = "2K"
name_ru = "C"
name_en = "C"
price = -5
"#,
        )
        .unwrap_err()
        .to_string();
        for needle in [
            r#"models[0] "a": unknown dialect "dall-e""#,
            r#"models[1] "a": the key is used by an earlier entry"#,
            r#"models[1] "a": price must be at least 1 coin"#,
            r#"models[1] "a": aspect ratio "21:9" cannot be offered"#,
            r#"models[2] "c": price must be at least 1 coin"#,
            r#"models[2] "c": resolution "2K" is not one of the flux-2 dialect's"#,
        ] {
            assert!(err.contains(needle), "{needle} missing from:\n{err}");
        }
    }

    #[test]
    fn imagen4_prices_point_to_the_catalog() {
        let err = Settings::load(None, env(&[("AISHA__PRICES__IMAGEN_FAST", "3")])).unwrap_err().to_string();
        assert!(err.contains("prices.imagen_fast") && err.contains("[[models]]"), "{err}");
    }

    #[test]
    fn secrets_are_not_printed() {
        let s = Settings::load(None, env(&[("AISHA__TELEGRAM__TOKEN", "123:very-secret"), ("AISHA__FAL__KEY", "k")]))
            .unwrap();
        assert!(!format!("{s:?}").contains("very-secret"));
    }

    #[test]
    fn a_file_overrides_defaults_and_env_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("aisha-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("aisha.toml");
        std::fs::write(&path, "[prices]\navatar_photo = 7\ntraining = 9\n").unwrap();
        let s = Settings::load(Some(&path), env(&[("AISHA__PRICES__TRAINING", "11")])).unwrap();
        assert_eq!((s.prices.avatar_photo, s.prices.training), (7, 11));
        assert!(Settings::load(Some(&dir.join("missing.toml")), env(&[])).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
