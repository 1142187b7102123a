//! Building the adapters the configuration asks for and handing them to the use cases. This
//! is the only place that knows which implementation stands behind each port.

use crate::config::{Settings, StorageKind};
use aisha_domain::avatar::PhotoRules;
use aisha_domain::coordination::{Locks, RateLimiter};
use aisha_domain::generation::ProviderRef;
use aisha_domain::generation::{Deadlines, InFlightLimit, JobLimits, PriceTable};
use aisha_domain::payments::StarsPackage;
use aisha_domain::ports::{
    Avatars, CancelOutcome, Gallery, ImageGenerator, ImageStore, Jobs, Ledger, Notice, Notifier, Payments, Promos,
    ProviderError, ProviderErrorKind, ProviderOutput, ProviderRequest, ProviderStatus, SessionStore, StoreError,
    Submitted, Told, Users,
};
use aisha_domain::services::runner::RunnerConfig;
use aisha_domain::services::{Env, Ports, Rules, Services};
use aisha_domain::{Clock, Coins, IdGen, UserId};
use async_trait::async_trait;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;

/// The FAL client's settings from the configuration, or `None` without a key (the sandbox).
pub fn fal_config(settings: &Settings) -> Option<aisha_fal::FalConfig> {
    let f = &settings.fal;
    let mut c = aisha_fal::FalConfig::new(f.key.clone()?);
    c.queue_base = f.queue_url.clone();
    c.rest_base = f.rest_url.clone();
    c.jwks_url = f.jwks_url.clone();
    c.api_base = f.api_url.clone();
    c.webhook_url = f.webhook_url.clone();
    // the trainer's dialect follows its id (checked at load), so the trigger reaches it
    c.models = c.models.with_trainer(aisha_fal::Trainer::of(&f.trainer)?);
    c.archive_lifetime = Duration::from_secs(f.archive_hours * 3600);
    // a day past the age at which the runner uploads our copy again
    c.lora_lifetime = Duration::from_secs((f.lora_max_age_hours.max(0) as u64 + 24) * 3600);
    Some(c)
}

/// Wall-clock time, truncated to what every store keeps.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        aisha_domain::truncate(chrono::Utc::now())
    }
}

/// Time-ordered ids, so rows sort roughly by creation.
pub struct UuidV7;

impl IdGen for UuidV7 {
    fn new_uuid(&self) -> uuid::Uuid {
        uuid::Uuid::now_v7()
    }
}

/// A notifier for contexts with no Telegram connection (the CLI): it logs what it would say
/// and confirms nothing, so a running `aisha serve` tells the user on its next sweep.
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, owner: UserId, notice: Notice) -> Told {
        let what = match &notice {
            Notice::Progress { .. } | Notice::Working { .. } | Notice::Delivering { .. } => "progress",
            Notice::Succeeded { .. } => "succeeded",
            Notice::Failed { .. } => "failed",
            Notice::TrainingReady { .. } => "training ready",
            Notice::TrainingFailed { .. } => "training failed",
        };
        tracing::info!(user = %owner, what, "not notified here: a running `aisha serve` tells the user");
        Told::NotSent
    }
}

/// Telegram's side of Stars: `refundStarPayment` for operators' refunds (the domain's
/// `StarsRefunder`), `getStarTransactions` for reconciliation (absent without a token).
#[async_trait]
pub trait StarsApi: aisha_domain::services::payments::StarsRefunder {
    /// One page: the transactions AISHA cares about, and how many the page held in all.
    async fn star_transactions(
        &self,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<aisha_domain::services::payments::StarTransaction>, usize), aisha_telegram::ApiError>;
}

#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error("database: {0}")]
    Database(StoreError),
    #[error("redis: {0}")]
    Redis(StoreError),
    #[error("storage: {0}")]
    Storage(aisha_domain::ports::StorageError),
}

/// What replicas share: sessions, send limits and locks (and the Redis client behind them).
type Shared = (Arc<dyn SessionStore>, Arc<dyn RateLimiter>, Arc<dyn Locks>, Option<aisha_redis::RedisStore>);

/// Everything the use cases need, built from the settings.
pub struct Stack {
    pub settings: Settings,
    pub env: Env,
    pub db: aisha_db::Db,
    pub users: Arc<dyn Users>,
    pub ledger: Arc<dyn Ledger>,
    pub jobs: Arc<dyn Jobs>,
    pub gallery: Arc<dyn Gallery>,
    pub avatars: Arc<dyn Avatars>,
    pub payments: Arc<dyn Payments>,
    pub promos: Arc<dyn Promos>,
    pub sessions: Arc<dyn SessionStore>,
    pub limiter: Arc<dyn RateLimiter>,
    pub locks: Arc<dyn Locks>,
    pub images: Arc<dyn ImageStore>,
    pub redis: Option<aisha_redis::RedisStore>,
    pub notifier: Arc<dyn Notifier>,
    pub stars_api: Option<Arc<dyn StarsApi>>,
}

impl Stack {
    /// Connects to the database (migrating it first when `migrate`), Redis when configured, and
    /// storage.
    pub async fn build(settings: Settings, migrate: bool) -> Result<Stack, WiringError> {
        let env = Env { clock: Arc::new(SystemClock), ids: Arc::new(UuidV7) };
        if let Some(dir) = sqlite_dir(&settings.database.url) {
            std::fs::create_dir_all(&dir).map_err(|e| {
                WiringError::Database(StoreError::internal_from(format!("creating {}", dir.display()), e))
            })?;
        }
        let db = aisha_db::Db::connect(&settings.database.url)
            .await
            .map_err(WiringError::Database)?
            .with_clock(env.clock.clone())
            .with_ids(env.ids.clone());
        if migrate {
            db.migrate().await.map_err(WiringError::Database)?;
        }
        let store = Arc::new(db.clone());
        let (sessions, limiter, locks, redis): Shared = match &settings.redis.url {
            Some(url) => {
                let config =
                    aisha_redis::RedisConfig::new(url.clone()).with_key_prefix(settings.redis.key_prefix.clone());
                let redis = aisha_redis::connect(config).await.map_err(WiringError::Redis)?;
                (Arc::new(redis.clone()), Arc::new(redis.clone()), Arc::new(redis.clone()), Some(redis))
            }
            // one process: sessions and locks (update claims among them) in the database
            // survive restarts; send limits only need to hold within this process
            None => {
                (store.clone(), Arc::new(aisha_memory::MemoryRateLimiter::new(env.clock.clone())), store.clone(), None)
            }
        };
        let images = images(&settings).map_err(WiringError::Storage)?;
        Ok(Stack {
            env,
            users: store.clone(),
            ledger: store.clone(),
            jobs: store.clone(),
            gallery: store.clone(),
            avatars: store.clone(),
            payments: store.clone(),
            promos: store.clone(),
            sessions,
            limiter,
            locks,
            images,
            redis,
            notifier: Arc::new(LogNotifier),
            stars_api: None,
            db,
            settings,
        })
    }

    /// The rules the use cases run by, from the settings.
    pub fn rules(&self) -> Rules {
        let (p, l, t) = (&self.settings.prices, &self.settings.limits, &self.settings.timeouts);
        let c = |n: i64| Coins::new(n).unwrap_or(Coins::ZERO);
        let photos = PhotoRules {
            min_photos: l.min_photos,
            max_photos: l.max_photos,
            max_bytes: l.photo_max_mb * 1024 * 1024,
            min_side: l.photo_min_side,
        };
        Rules {
            prices: PriceTable {
                catalog: self.settings.catalog.clone(),
                avatar_photo: c(p.avatar_photo),
                training: c(p.training),
            },
            deadlines: Deadlines { images: t.images(), training: chrono::Duration::minutes(t.training_minutes) },
            limits: JobLimits { in_flight: InFlightLimit(l.in_flight), photos },
            packages: self
                .settings
                .packages
                .iter()
                .map(|p| StarsPackage { id: p.id.clone(), coins: c(p.coins), stars: p.stars })
                .collect(),
            welcome_bonus: c(self.settings.welcome_credit()),
            gallery_session: Duration::from_secs(l.gallery_session_days * 24 * 3600),
            runner: RunnerConfig {
                webhook: self.settings.fal.webhook_url.is_some(),
                poll_every: chrono::Duration::seconds(t.poll_seconds),
                lora_max_age: chrono::Duration::hours(self.settings.fal.lora_max_age_hours),
                lora_check_after: chrono::Duration::hours(self.settings.fal.lora_check_hours),
                lease: chrono::Duration::seconds(t.lease_seconds),
                ..RunnerConfig::default()
            },
        }
    }

    /// The ports over this stack's stores, with the provider and the notifier given.
    pub fn ports(&self, generator: Arc<dyn ImageGenerator>, notifier: Arc<dyn Notifier>) -> Ports {
        Ports {
            users: self.users.clone(),
            ledger: self.ledger.clone(),
            jobs: self.jobs.clone(),
            gallery: self.gallery.clone(),
            avatars: self.avatars.clone(),
            payments: self.payments.clone(),
            promos: self.promos.clone(),
            sessions: self.sessions.clone(),
            images: self.images.clone(),
            generator,
            notifier,
        }
    }

    /// The use cases for an operator's command, which runs no job: no provider, and a
    /// notifier that only logs (a running `aisha serve` tells the user).
    pub fn offline_services(&self) -> Services {
        Services::assemble(&self.ports(Arc::new(NoProvider), self.notifier.clone()), &self.env, &self.rules())
    }
}

/// The provider where there is none: an operator's command, which runs no job. Every call is
/// refused as unavailable.
pub struct NoProvider;

impl NoProvider {
    fn refuse<T>() -> Result<T, ProviderError> {
        Err(ProviderError::new(ProviderErrorKind::Transient, "no image provider in an operator's command"))
    }
}

#[async_trait]
impl ImageGenerator for NoProvider {
    async fn submit(&self, _: &ProviderRequest, _: bool) -> Result<Submitted, ProviderError> {
        Self::refuse()
    }
    async fn status(&self, _: &ProviderRef) -> Result<ProviderStatus, ProviderError> {
        Self::refuse()
    }
    async fn result(&self, _: &ProviderRef) -> Result<ProviderOutput, ProviderError> {
        Self::refuse()
    }
    async fn cancel(&self, _: &ProviderRef) -> Result<CancelOutcome, ProviderError> {
        Self::refuse()
    }
    async fn upload_archive(&self, _: &str, _: Vec<u8>) -> Result<String, ProviderError> {
        Self::refuse()
    }
    async fn download(&self, _: &str) -> Result<Vec<u8>, ProviderError> {
        Self::refuse()
    }
    async fn find_submitted(
        &self,
        _: &ProviderRequest,
        _: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Submitted>, ProviderError> {
        Self::refuse()
    }
    async fn fetch_lora(&self, _: &str) -> Result<Vec<u8>, ProviderError> {
        Self::refuse()
    }
    async fn upload_lora(&self, _: &str, _: Vec<u8>) -> Result<String, ProviderError> {
        Self::refuse()
    }
    async fn still_served(&self, _: &str) -> Result<bool, ProviderError> {
        Self::refuse()
    }
}

/// The directory a SQLite file URL lives in, so it can be created on first start.
fn sqlite_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()).map(|p| p.to_path_buf())
}

fn images(settings: &Settings) -> Result<Arc<dyn ImageStore>, aisha_domain::ports::StorageError> {
    let s = &settings.storage;
    match s.kind {
        StorageKind::Local => aisha_storage::local_store(&s.dir),
        StorageKind::S3 => {
            let secret = s.secret_access_key.as_ref().map(|k| k.expose_secret().to_owned()).unwrap_or_default();
            let mut config = aisha_storage::S3Config::new(
                s.region.clone(),
                s.bucket.clone().unwrap_or_default(),
                s.access_key_id.clone().unwrap_or_default(),
                secret.into(),
            );
            config.endpoint = s.endpoint.clone();
            config.allow_http = s.endpoint.as_deref().is_some_and(|e| e.starts_with("http://"));
            config.virtual_hosted_style = !s.path_style;
            config.public_base_url = s.public_base_url.clone();
            aisha_storage::s3_store(config)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_directories() {
        assert_eq!(sqlite_dir("sqlite://data/aisha.sqlite?mode=rwc"), Some("data".into()));
        assert_eq!(sqlite_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_dir("sqlite://aisha.sqlite"), None);
        assert_eq!(sqlite_dir("postgres://x/y"), None);
    }
}
