#![doc = include_str!("../README.md")]

mod avatars;
mod convert;
mod entity;
mod error;
mod gallery;
mod jobs;
mod ledger;
mod payments;
mod schema;
pub mod scratch;
mod sessions;
mod stored;
mod templates;
mod users;

use aisha_domain::ports::StoreError;
use aisha_domain::{Clock, IdGen, truncate};
use aisha_migrations::{Migrator, MigratorTrait};
use chrono::{DateTime, Utc};
use error::SqlResult;
pub use schema::SchemaDrift;
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Which database a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// One migration and whether it has been applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationState {
    pub name: String,
    pub applied: bool,
}

/// What [`Db::migrate`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migrated {
    /// Migrations applied by this call, oldest first (empty when the schema was current).
    pub applied_now: Vec<String>,
    /// Every known migration with its state after the call.
    pub status: Vec<MigrationState>,
}

/// Pool settings beyond the URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolOptions {
    /// PostgreSQL connections (SQLite always uses exactly one, see [`Db::connect`]).
    pub max_connections: u32,
    /// How long a caller waits for a free connection before the store reports `Unavailable`.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_connections: 10, acquire_timeout: Duration::from_secs(10) }
    }
}

/// The relational store: every persistence port of the domain on one connection pool.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// Gallery reads (cards, positions, steps): on PostgreSQL a pool of its own whose sessions
    /// plan prepared statements once (see `connect_with`); on SQLite the same connection.
    browse: DatabaseConnection,
    /// A gallery step's statement per shape, built once (`templates.rs`).
    steps: Arc<templates::StepTemplates>,
    backend: Backend,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Db {
    /// Connects to `postgres://…`, `sqlite://path?mode=rwc` or `sqlite::memory:`.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        Self::connect_with(url, PoolOptions::default()).await
    }

    /// Like [`Db::connect`], with explicit pool settings.
    ///
    /// SQLite gets a single connection that is never recycled: writers are serialised by the
    /// pool instead of failing with `SQLITE_BUSY` halfway through a transaction, and an
    /// in-memory database (which lives only as long as its connection) survives idle periods.
    pub async fn connect_with(url: &str, pool: PoolOptions) -> Result<Db, StoreError> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::internal(format!(
                "unsupported database URL scheme in {:?}: use postgres:// or sqlite:",
                url.split(':').next().unwrap_or_default()
            )));
        };
        let mut options = ConnectOptions::new(url.to_owned());
        options.sqlx_logging(false).acquire_timeout(pool.acquire_timeout).connect_timeout(pool.acquire_timeout);
        match backend {
            Backend::Postgres => {
                // sqlx pings a pooled connection on every acquire by default: one extra round
                // trip per statement (measured by the load binary). Only a connection idle for
                // a while is checked now; a busy one fails its statement and is replaced.
                options.max_connections(pool.max_connections).test_before_acquire_if_idle_for(Duration::from_secs(30));
            }
            Backend::Sqlite => {
                options
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None::<Duration>)
                    .max_lifetime(None::<Duration>)
                    .map_sqlx_sqlite_opts(|o| o.foreign_keys(true).busy_timeout(Duration::from_secs(5)));
            }
        }
        let conn = sea_orm::Database::connect(options.clone()).await.map_err(error::connect_err)?;
        let browse = match backend {
            // PostgreSQL plans a prepared statement anew on every execution (a "custom plan")
            // whenever its estimate of the reusable "generic" plan is higher than the custom
            // plans' average. For the gallery's statements it is (a step's generic estimate is
            // about 6x its custom one), so every press was planned again: half of the server's
            // CPU per press (perf, 2026-12-07), though the generic plan runs as fast. Their
            // predicates compare keys, never skewed values, and `favorite` is written as a
            // literal so the partial index still applies; so their own pool forces the
            // generic plan (`plan_cache_mode`, PostgreSQL 12+, docs: runtime-config-query).
            // Every other statement keeps PostgreSQL's own choice.
            Backend::Postgres => {
                options
                    .max_connections(pool.max_connections.div_ceil(2))
                    .map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_generic_plan")]));
                sea_orm::Database::connect(options).await.map_err(error::connect_err)?
            }
            Backend::Sqlite => conn.clone(),
        };
        Ok(Db { conn, browse, steps: Arc::default(), backend, clock: Arc::new(SystemClock), ids: Arc::new(UuidV7) })
    }

    /// Uses `clock` for session expiry instead of the system clock (tests move time).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `ids` for the rows the store makes up itself (refund ledger rows, promo ids).
    pub fn with_ids(mut self, ids: Arc<dyn IdGen>) -> Self {
        self.ids = ids;
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Brings the schema up to date and reports every migration's state; the entry point
    /// behind `aisha migrate`.
    pub async fn migrate(&self) -> Result<Migrated, StoreError> {
        let applied_now =
            Migrator::get_pending_migrations(&self.conn).await.sql()?.iter().map(|m| m.name().to_owned()).collect();
        Migrator::up(&self.conn, None).await.sql()?;
        Ok(Migrated { applied_now, status: self.migration_status().await? })
    }

    /// Every known migration and whether it is applied, without changing anything.
    pub async fn migration_status(&self) -> Result<Vec<MigrationState>, StoreError> {
        let all = Migrator::get_migration_with_status(&self.conn).await.sql()?;
        Ok(all
            .iter()
            .map(|m| MigrationState {
                name: m.name().to_owned(),
                applied: matches!(m.status(), aisha_migrations::MigrationStatus::Applied),
            })
            .collect())
    }

    /// The user tables in the database, sorted (for `doctor` and the schema parity test).
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => {
                "SELECT table_name AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
            }
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
            }
        };
        let rows = self.conn.query_all_raw(sea_orm::Statement::from_string(self.db_backend(), sql)).await.sql()?;
        rows.iter().map(|r| r.try_get::<String>("", "name").sql()).collect()
    }

    /// Removes expired session values; reads already ignore them, this only reclaims space.
    pub async fn purge_expired_sessions(&self) -> Result<u64, StoreError> {
        sessions::purge_expired(self).await
    }

    /// Checks that the database answers (for `/readyz` and `aisha doctor`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.conn.ping().await.sql()
    }

    /// Closes the pool.
    pub async fn close(self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            self.browse.close().await.sql()?;
        }
        self.conn.close().await.sql()
    }

    fn db_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn begin(&self) -> Result<DatabaseTransaction, StoreError> {
        self.conn.begin().await.sql()
    }

    fn now(&self) -> DateTime<Utc> {
        truncate(self.clock.now())
    }

    fn new_id(&self) -> Uuid {
        self.ids.new_uuid()
    }
}

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(Utc::now())
    }
}

/// Time-ordered ids, so rows the store creates sort roughly by creation like the rest.
struct UuidV7;

impl IdGen for UuidV7 {
    fn new_uuid(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// Everything the money and image invariants are checked over, read in one consistent pass
/// (one read transaction) — for `aisha admin audit` and the end-to-end fault runs.
#[derive(Clone, Debug, Default)]
pub struct AuditSnapshot {
    pub balances: std::collections::HashMap<aisha_domain::UserId, aisha_domain::Coins>,
    pub ledger: Vec<aisha_domain::ledger::LedgerEntry>,
    pub jobs: Vec<aisha_domain::Job>,
    pub images: Vec<aisha_domain::gallery::ImageRecord>,
    pub payments: Vec<aisha_domain::payments::StarsPayment>,
    pub promos: Vec<aisha_domain::invariants::PromoUses>,
}

impl Db {
    /// Reads every balance, ledger row, job and image. This is a full scan: an operator's
    /// audit, not something for the request path.
    pub async fn audit_snapshot(&self) -> Result<AuditSnapshot, StoreError> {
        use entity::{balances, images, jobs, ledger_entries, promo_codes, promo_redemptions, stars_payments};
        use sea_orm::{AccessMode, EntityTrait, IsolationLevel, TransactionTrait};
        // one snapshot for every table: on PostgreSQL REPEATABLE READ (READ COMMITTED, the
        // default, would let a payment committed between two reads look like a broken
        // invariant); SQLite's read transaction is a snapshot already
        let tx = match self.backend {
            Backend::Postgres => self
                .conn
                .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                .await
                .sql()?,
            Backend::Sqlite => self.begin().await?,
        };
        let mut snap = AuditSnapshot::default();
        for b in balances::Entity::find().all(&tx).await.sql()? {
            snap.balances.insert(aisha_domain::UserId(b.user_id), convert::coins(b.coins, "balances.coins")?);
        }
        for e in ledger_entries::Entity::find().all(&tx).await.sql()? {
            snap.ledger.push(convert::entry(e)?);
        }
        for j in jobs::Entity::find().all(&tx).await.sql()? {
            snap.jobs.push(convert::job(j)?);
        }
        for i in images::Entity::find().all(&tx).await.sql()? {
            snap.images.push(convert::image(i)?);
        }
        for p in stars_payments::Entity::find().all(&tx).await.sql()? {
            snap.payments.push(convert::payment(p)?);
        }
        let mut redemptions: std::collections::HashMap<uuid::Uuid, u64> = std::collections::HashMap::new();
        for r in promo_redemptions::Entity::find().all(&tx).await.sql()? {
            *redemptions.entry(r.promo_id).or_default() += 1;
        }
        for p in promo_codes::Entity::find().all(&tx).await.sql()? {
            let id = p.id;
            let promo = convert::promo(p)?;
            snap.promos.push(aisha_domain::invariants::PromoUses {
                code: promo.code,
                uses: promo.uses,
                redemptions: redemptions.get(&id).copied().unwrap_or(0),
            });
        }
        tx.commit().await.sql()?;
        Ok(snap)
    }
}
