//! A fresh emulator and a transport wired to it, per test.
#![allow(dead_code)]

use aisha_bot::io::ChatId;
use aisha_domain::coordination::Rate;
use aisha_domain::ports::ImageStore;
use aisha_domain::{Clock, ImageId, truncate};
use aisha_memory::{MemoryImageStore, MemoryRateLimiter};
use aisha_sandbox::telegram::TelegramEmulator;
use aisha_telegram::{Feedback, Outbox, OutboxConfig, Telegram, TelegramConfig};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate(DateTime::<Utc>::from(std::time::SystemTime::now()))
    }
}

/// Remembers what the outbox reported.
#[derive(Default)]
pub struct Recorded {
    pub blocked: Mutex<Vec<ChatId>>,
    pub file_ids: Mutex<Vec<(ChatId, ImageId, String)>>,
}

#[async_trait]
impl Feedback for Recorded {
    async fn on_blocked(&self, chat: ChatId) {
        self.blocked.lock().unwrap().push(chat);
    }
    async fn on_file_id(&self, chat: ChatId, image: ImageId, file_id: String) {
        self.file_ids.lock().unwrap().push((chat, image, file_id));
    }
}

pub struct Harness {
    pub emulator: TelegramEmulator,
    pub telegram: Telegram,
    pub images: Arc<MemoryImageStore>,
    pub feedback: Arc<Recorded>,
}

pub fn rate(per_second: u32, burst: u32) -> Option<Rate> {
    Some(Rate::per_second(per_second, burst).unwrap())
}

/// Limits high enough not to matter unless a test sets its own.
pub fn fast() -> OutboxConfig {
    OutboxConfig { chat_rate: rate(1000, 100), global_rate: rate(10_000, 1000), ..OutboxConfig::default() }
}

impl Harness {
    pub async fn start() -> Self {
        let emulator = TelegramEmulator::start().await.unwrap();
        let mut config =
            TelegramConfig::with_base(SecretString::from(emulator.token().to_owned()), &emulator.base_url());
        config.username = Some(aisha_sandbox::telegram::BOT_USERNAME.to_owned());
        let telegram = Telegram::new(&config).unwrap();
        Self {
            emulator,
            telegram,
            images: Arc::new(MemoryImageStore::default()),
            feedback: Arc::new(Recorded::default()),
        }
    }

    pub fn outbox(&self, config: OutboxConfig) -> Outbox {
        let images: Arc<dyn ImageStore> = self.images.clone();
        Outbox::new(
            &self.telegram,
            images,
            Arc::new(MemoryRateLimiter::new(Arc::new(SystemClock))),
            self.feedback.clone(),
            config,
        )
    }
}

/// Polls `check` every 20 ms until it holds or `within` passes.
pub async fn eventually(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}
