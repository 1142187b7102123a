//! Use cases: what the bot and the workers call. Each takes its ports as `Arc<dyn …>` and
//! holds no state of its own beyond configuration, so any number of them can run side by side
//! on any number of replicas.

pub mod accounts;
pub mod assistant;
pub mod avatars;
pub mod gallery;
pub mod generation;
pub mod payments;
pub mod runner;

use crate::{Clock, IdGen};
use std::sync::Arc;

/// Time and ids, shared by every use case.
#[derive(Clone)]
pub struct Env {
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
}

impl Env {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        crate::truncate(self.clock.now())
    }
}

use crate::Coins;
use crate::generation::{Deadlines, JobLimits, PriceTable};
use crate::payments::{StarsPackage, default_packages};
use crate::ports::{
    Avatars, Gallery, ImageGenerator, ImageStore, Jobs, Ledger, Notifier, Payments, Promos, SessionStore, Users,
};
use std::time::Duration;

/// Every port the use cases run on. The app fills it with the database, Redis, S3 and FAL;
/// tests and benchmarks with the memory adapters (`Ports::over` one store for all the store
/// ports).
#[derive(Clone)]
pub struct Ports {
    pub users: Arc<dyn Users>,
    pub ledger: Arc<dyn Ledger>,
    pub jobs: Arc<dyn Jobs>,
    pub gallery: Arc<dyn Gallery>,
    pub avatars: Arc<dyn Avatars>,
    pub payments: Arc<dyn Payments>,
    pub promos: Arc<dyn Promos>,
    pub sessions: Arc<dyn SessionStore>,
    pub images: Arc<dyn ImageStore>,
    pub generator: Arc<dyn ImageGenerator>,
    pub notifier: Arc<dyn Notifier>,
}

impl Ports {
    /// The store ports from one value that implements them all (the memory store, the
    /// database), with the rest given.
    pub fn over<S>(
        store: Arc<S>,
        sessions: Arc<dyn SessionStore>,
        images: Arc<dyn ImageStore>,
        generator: Arc<dyn ImageGenerator>,
        notifier: Arc<dyn Notifier>,
    ) -> Self
    where
        S: Users + Ledger + Jobs + Gallery + Avatars + Payments + Promos + 'static,
    {
        Self {
            users: store.clone(),
            ledger: store.clone(),
            jobs: store.clone(),
            gallery: store.clone(),
            avatars: store.clone(),
            payments: store.clone(),
            promos: store.clone(),
            sessions,
            images,
            generator,
            notifier,
        }
    }
}

/// The rules the use cases run by: prices, deadlines, limits, packages and the rest of what
/// the configuration decides. The defaults are the built-in configuration's.
#[derive(Clone)]
pub struct Rules {
    pub prices: PriceTable,
    pub deadlines: Deadlines,
    pub limits: JobLimits,
    pub packages: Vec<StarsPackage>,
    /// What a new Telegram id is credited once (the first-image gift plus any bonus).
    pub welcome_bonus: Coins,
    /// How long the gallery remembers a user's filter and position.
    pub gallery_session: Duration,
    pub runner: runner::RunnerConfig,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            prices: PriceTable::default(),
            deadlines: Deadlines::default(),
            limits: JobLimits::default(),
            packages: default_packages(),
            welcome_bonus: Coins::ZERO,
            gallery_session: Duration::from_secs(30 * 24 * 3600),
            runner: runner::RunnerConfig::default(),
        }
    }
}

/// The use cases, assembled over one set of ports: the one place the service graph is built,
/// for the binary, the tests and the benchmarks alike.
pub struct Services {
    pub accounts: accounts::Accounts,
    pub generation: generation::Generation,
    pub gallery: gallery::GalleryService,
    pub avatars: avatars::AvatarService,
    pub payments: payments::PaymentService,
    pub runner: runner::JobRunner,
}

impl Services {
    pub fn assemble(ports: &Ports, env: &Env, rules: &Rules) -> Self {
        Self {
            accounts: accounts::Accounts {
                users: ports.users.clone(),
                ledger: ports.ledger.clone(),
                env: env.clone(),
                welcome_bonus: rules.welcome_bonus,
            },
            generation: generation::Generation {
                jobs: ports.jobs.clone(),
                ledger: ports.ledger.clone(),
                env: env.clone(),
                prices: rules.prices.clone(),
                deadlines: rules.deadlines,
                limits: rules.limits,
            },
            gallery: gallery::GalleryService {
                gallery: ports.gallery.clone(),
                sessions: ports.sessions.clone(),
                images: ports.images.clone(),
                ledger: ports.ledger.clone(),
                env: env.clone(),
                session_ttl: rules.gallery_session,
            },
            avatars: avatars::AvatarService {
                avatars: ports.avatars.clone(),
                images: ports.images.clone(),
                env: env.clone(),
                rules: rules.limits.photos,
            },
            payments: payments::PaymentService {
                users: ports.users.clone(),
                payments: ports.payments.clone(),
                promos: ports.promos.clone(),
                env: env.clone(),
                packages: rules.packages.clone(),
            },
            runner: runner::JobRunner::assemble(ports, env, rules),
        }
    }
}
