//! Configuration: built-in defaults → optional `aisha.toml` → `AISHA__SECTION__KEY` from the
//! environment. Secrets (`telegram.token`, `fal.key`, the S3 secret) come only from the file or
//! the environment, are held in `secrecy` types and never printed. `Settings::load` checks
//! everything at once and names every bad setting in one error.

use aisha_domain::catalog::Catalog;
use aisha_domain::style::Styles;
use secrecy::SecretString;
use serde::Deserialize;
use std::path::Path;

mod catalog;
mod validate;

pub use catalog::{ModelEntry, StyleEntry};
use catalog::{catalog, styles};

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
}

#[cfg(test)]
mod tests;
