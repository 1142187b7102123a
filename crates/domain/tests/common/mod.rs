//! A world of use cases over the memory adapters, with a clock the test moves.
#![allow(dead_code)] // each test file uses a different part

use aisha_domain::services::accounts::Accounts;
use aisha_domain::services::avatars::AvatarService;
use aisha_domain::services::gallery::GalleryService;
use aisha_domain::services::generation::Generation;
use aisha_domain::services::payments::PaymentService;
use aisha_domain::services::runner::JobRunner;
use aisha_domain::services::{Env, Ports, Rules, Services};
use aisha_domain::user::Profile;
use aisha_domain::{Coins, TelegramUserId, User};
use aisha_memory::{
    ManualClock, MemoryImageStore, MemorySessions, MemoryStore, RecordingNotifier, ScriptedGenerator, SeqIds,
};
use std::sync::Arc;

pub struct World {
    pub clock: Arc<ManualClock>,
    pub store: Arc<MemoryStore>,
    pub images: Arc<MemoryImageStore>,
    pub sessions: Arc<MemorySessions>,
    pub generator: Arc<ScriptedGenerator>,
    pub notifier: Arc<RecordingNotifier>,
    pub env: Env,
    pub accounts: Accounts,
    pub generation: Generation,
    pub gallery: GalleryService,
    pub avatars: AvatarService,
    pub payments: PaymentService,
    pub runner: JobRunner,
}

impl World {
    pub fn new() -> Self {
        Self::with_bonus(0)
    }

    pub fn with_bonus(bonus: i64) -> Self {
        let clock = Arc::new(ManualClock::default());
        let env = Env { clock: clock.clone(), ids: Arc::new(SeqIds::default()) };
        let store = Arc::new(MemoryStore::new());
        let images = Arc::new(MemoryImageStore::default());
        let sessions = Arc::new(MemorySessions::new(clock.clone()));
        let generator = Arc::new(ScriptedGenerator::new());
        let notifier = Arc::new(RecordingNotifier::default());
        let ports = Ports::over(store.clone(), sessions.clone(), images.clone(), generator.clone(), notifier.clone());
        let rules = Rules { welcome_bonus: Coins::new(bonus).unwrap(), ..Rules::default() };
        let Services { accounts, generation, gallery, avatars, payments, runner } =
            Services::assemble(&ports, &env, &rules);
        Self {
            accounts,
            generation,
            gallery,
            avatars,
            payments,
            runner,
            clock,
            store,
            images,
            sessions,
            generator,
            notifier,
            env,
        }
    }

    /// The ports of this world, for another runner or service on the same stores.
    pub fn ports(&self) -> Ports {
        Ports::over(
            self.store.clone(),
            self.sessions.clone(),
            self.images.clone(),
            self.generator.clone(),
            self.notifier.clone(),
        )
    }

    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        aisha_domain::Clock::now(&*self.clock)
    }

    /// A second runner on the same stores, as after a restart.
    pub fn new_runner_on(w: &World) -> JobRunner {
        JobRunner::assemble(&w.ports(), &w.env, &Rules::default())
    }

    pub fn user(&self, tg: i64) -> User {
        let profile = Profile {
            telegram_id: TelegramUserId::new(tg).unwrap(),
            first_name: format!("user{tg}"),
            last_name: None,
            username: None,
            language_code: Some("ru".into()),
        };
        block(self.accounts.register(profile)).unwrap().user
    }

    pub fn fund(&self, user: &User, coins: i64) {
        block(self.accounts.adjust(user.id, coins, "test funds", None)).unwrap();
    }

    pub fn balance(&self, user: &User) -> i64 {
        block(aisha_domain::ports::Ledger::balance(&*self.store, user.id)).unwrap().get()
    }

    /// Panics with every broken invariant.
    pub fn assert_invariants(&self) {
        let violations = self.store.violations(&self.images);
        assert!(
            violations.is_empty(),
            "invariants broken:
{}",
            violations.join(
                "
"
            )
        );
    }
}

pub fn block<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}
