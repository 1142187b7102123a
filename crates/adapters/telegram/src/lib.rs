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

/// What intake tells Telegram about an update it handed over: confirmed (the next
/// `getUpdates` moves past it; the webhook answers 200) or not yet (it is delivered again).
/// Only a payment whose credit is not committed is `NotYet`; a sink that returns `()`
/// confirms everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    Done,
    NotYet,
}

impl From<()> for Confirm {
    fn from((): ()) -> Self {
        Confirm::Done
    }
}
