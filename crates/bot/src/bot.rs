//! The bot: one `handle` per update, returning the replies. Every handler reads what it needs
//! through the domain's use cases, so the same code runs on memory adapters in tests and on
//! PostgreSQL/Redis in production.
//!
//! This module holds the `Bot` with its configuration and what every handler shares (`Ctx`,
//! `button`); `routing` takes an update to its handler, `sessions` keeps the open dialogue,
//! `menu` has the main menu, the help and the operators' stats.

use crate::callback::Cb;
use crate::io::{Button, ButtonAction, ChatId, Files, Keyboard, MessageId, Outgoing, Reply};
use crate::texts::Texts;
use aisha_domain::ports::{Jobs, Ledger, Payments, SessionStore, Users};
use aisha_domain::services::accounts::Accounts;
use aisha_domain::services::avatars::AvatarService;
use aisha_domain::services::gallery::GalleryService;
use aisha_domain::services::generation::Generation;
use aisha_domain::services::payments::PaymentService;
use aisha_domain::services::runner::JobRunner;
use aisha_domain::{TelegramUserId, Timezone, User};
use std::sync::Arc;
use std::time::Duration;

mod menu;
mod routing;
mod sessions;

/// Operator settings the conversation needs.
#[derive(Clone, Debug)]
pub struct BotConfig {
    /// Telegram ids that get `/stats`.
    pub admins: Vec<TelegramUserId>,
    /// How long an unanswered question stays open.
    pub dialogue_ttl: Duration,
    /// Timezones offered as buttons in Settings (any other can be typed).
    pub timezones: Vec<Timezone>,
    /// Where /paysupport sends people (`@name`, a link, an address); without one their next
    /// message goes to the operators.
    pub support_contact: Option<String>,
    /// The styles offered at the description step (`[[styles]]`).
    pub styles: aisha_domain::style::Styles,
}

impl Default for BotConfig {
    fn default() -> Self {
        let tz = |s| Timezone::parse(s).expect("known zone");
        Self {
            admins: Vec::new(),
            dialogue_ttl: Duration::from_secs(24 * 3600),
            timezones: [
                "Europe/Kaliningrad",
                "Europe/Moscow",
                "Europe/Samara",
                "Asia/Yekaterinburg",
                "Asia/Almaty",
                "Asia/Novosibirsk",
                "Asia/Vladivostok",
                "UTC",
            ]
            .into_iter()
            .map(tz)
            .collect(),
            support_contact: None,
            styles: aisha_domain::style::Styles::default(),
        }
    }
}

pub struct Bot {
    pub accounts: Accounts,
    pub generation: Generation,
    pub gallery: GalleryService,
    pub avatars: AvatarService,
    pub payments: PaymentService,
    pub runner: Arc<JobRunner>,
    pub users: Arc<dyn Users>,
    pub ledger: Arc<dyn Ledger>,
    pub jobs: Arc<dyn Jobs>,
    pub stars: Arc<dyn Payments>,
    pub sessions: Arc<dyn SessionStore>,
    /// Downloads the photos users send for their avatars.
    pub files: Arc<dyn Files>,
    /// The prompt assistant (✨), when the operator turned it on.
    pub assistant: Option<Arc<aisha_domain::services::assistant::PromptHelp>>,
    pub config: BotConfig,
}

impl Bot {
    /// The bot over the use cases `services` assembled on `ports` (the runner is shared with
    /// the workers through `Bot::runner`).
    pub fn new(
        services: aisha_domain::services::Services,
        ports: &aisha_domain::services::Ports,
        files: Arc<dyn Files>,
        assistant: Option<Arc<aisha_domain::services::assistant::PromptHelp>>,
        config: BotConfig,
    ) -> Self {
        let aisha_domain::services::Services { accounts, generation, gallery, avatars, payments, runner } = services;
        Self {
            accounts,
            generation,
            gallery,
            avatars,
            payments,
            runner: Arc::new(runner),
            users: ports.users.clone(),
            ledger: ports.ledger.clone(),
            jobs: ports.jobs.clone(),
            stars: ports.payments.clone(),
            sessions: ports.sessions.clone(),
            files,
            assistant,
            config,
        }
    }
}

/// The commands users see in Telegram's menu and in the help, in menu order; each one's words
/// are `texts::command_menu` at the same place (`command-*` in the .ftl files). (`/stats` is for operators and not listed.)
pub const COMMANDS: [&str; 9] =
    ["start", "generate", "gallery", "avatars", "balance", "settings", "help", "cancel", "paysupport"];

/// Everything a handler needs about the update it answers.
pub(crate) struct Ctx {
    pub user: User,
    pub chat: ChatId,
    pub t: &'static Texts,
    pub out: Vec<Outgoing>,
}

impl Ctx {
    pub fn send(&mut self, text: String, keyboard: Option<Keyboard>) {
        self.out.push(Outgoing::normal(Reply::SendText { chat: self.chat, text, keyboard }));
    }

    pub fn edit_or_send(&mut self, message: Option<MessageId>, text: String, keyboard: Option<Keyboard>) {
        let reply = match message {
            Some(message) => Reply::EditText { chat: self.chat, message, text, keyboard },
            None => Reply::SendText { chat: self.chat, text, keyboard },
        };
        self.out.push(Outgoing::normal(reply));
    }
}

pub(crate) fn button(text: impl Into<String>, cb: Cb) -> Button {
    Button { text: text.into(), action: ButtonAction::Callback(cb.encode()) }
}
