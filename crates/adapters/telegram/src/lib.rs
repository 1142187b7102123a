#![doc = include_str!("../README.md")]

mod api;
mod client;
pub mod decode;
mod dispatcher;
mod outbox;
mod poller;
mod send;
pub mod webhook;

pub use api::{ApiError, TelegramConfig};
pub use client::{BotIdentity, DownloadError, MAX_DOWNLOAD, Telegram};
pub use dispatcher::{Dispatcher, DispatcherConfig};
pub use outbox::{Feedback, NoFeedback, Outbox, OutboxConfig};
pub use poller::Poller;
pub use send::{SendError, Sent};
pub use webhook::{SECRET_HEADER, WebhookError, parse_webhook, webhook_router};
