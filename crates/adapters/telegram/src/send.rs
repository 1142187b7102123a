//! One reply → one Bot API call (two when a fallback applies). No queues, no limits, no
//! retries: the outbox decides those.
//!
//! This module dispatches a reply to its call; [`messages`] holds the text and control replies
//! (messages, edits, deletions, answers, chat actions, invoices) and [`media`] the photos,
//! albums and documents, with where their bytes come from and the fallbacks Telegram's
//! refusals call for.

mod media;
mod messages;

use crate::api::{Api, ApiError, SentMessage};
use aisha_bot::io::{Button, ButtonAction, ChatId, Keyboard, MessageId, Reply};
use aisha_domain::ImageId;
use aisha_domain::ports::{ImageStore, StorageError};
use frankenstein::ParseMode;
use frankenstein::types::{InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};
use std::sync::Arc;
use std::time::Duration;
/// Why a reply was not delivered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("image storage: {0}")]
    Storage(#[from] StorageError),
    /// The user blocked the bot (now or earlier): nothing more goes to this chat.
    #[error("the chat has blocked the bot")]
    Blocked,
    /// Shed under pressure, superseded by a newer progress edit, or too old to matter.
    #[error("dropped by the outbox")]
    Dropped,
    /// The answer came too late to matter (pre-checkout queries must be answered in 10 s).
    #[error("deadline passed")]
    Deadline,
}

impl SendError {
    pub fn is_retryable(&self) -> bool {
        match self {
            SendError::Api(e) => e.is_retryable(),
            SendError::Storage(e) => e.is_retryable(),
            _ => false,
        }
    }
}

/// What a delivered reply produced: the messages it created (or edited), and file ids for
/// stored images.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub messages: Vec<MessageId>,
    pub file_ids: Vec<(ImageId, String)>,
}

pub(crate) struct Sender {
    pub api: Api,
    images: Arc<dyn ImageStore>,
    url_ttl: Duration,
}

fn html() -> Option<ParseMode> {
    Some(ParseMode::Html)
}

pub(crate) fn markup(keyboard: &Keyboard) -> InlineKeyboardMarkup {
    let rows = keyboard.iter().map(|row| row.iter().map(button).collect()).collect();
    InlineKeyboardMarkup::builder().inline_keyboard(rows).build()
}

fn button(b: &Button) -> InlineKeyboardButton {
    let base = InlineKeyboardButton::builder().text(b.text.clone());
    match &b.action {
        ButtonAction::Callback(data) => base.callback_data(data.clone()).build(),
        ButtonAction::Url(url) => base.url(url.clone()).build(),
        ButtonAction::Pay => base.pay(true).build(),
    }
}

fn reply_markup(keyboard: Option<&Keyboard>) -> Option<ReplyMarkup> {
    keyboard.map(|k| ReplyMarkup::InlineKeyboardMarkup(markup(k)))
}

fn one(m: SentMessage) -> Sent {
    Sent { messages: vec![MessageId(m.message_id)], file_ids: Vec::new() }
}

/// The chat a reply goes to; `None` for answers to queries, which bypass the chat queues.
pub fn reply_chat(reply: &Reply) -> Option<ChatId> {
    match reply {
        Reply::SendText { chat, .. }
        | Reply::EditText { chat, .. }
        | Reply::SendPhoto { chat, .. }
        | Reply::EditPhoto { chat, .. }
        | Reply::SendAlbum { chat, .. }
        | Reply::SendDocument { chat, .. }
        | Reply::EditKeyboard { chat, .. }
        | Reply::Delete { chat, .. }
        | Reply::Action { chat, .. }
        | Reply::Invoice { chat, .. } => Some(*chat),
        Reply::AnswerCallback { .. } | Reply::AnswerPreCheckout { .. } => None,
    }
}

/// What a progress reply supersedes: an older edit of the same message, or an older chat
/// action in the same chat (`None` as the message).
pub fn supersedes(reply: &Reply) -> Option<(ChatId, Option<MessageId>)> {
    match reply {
        Reply::EditText { chat, message, .. }
        | Reply::EditPhoto { chat, message, .. }
        | Reply::EditKeyboard { chat, message, .. } => Some((*chat, Some(*message))),
        Reply::Action { chat, .. } => Some((*chat, None)),
        _ => None,
    }
}

impl Sender {
    pub fn new(api: Api, images: Arc<dyn ImageStore>, url_ttl: Duration) -> Self {
        Self { api, images, url_ttl }
    }

    pub async fn execute(&self, reply: &Reply) -> Result<Sent, SendError> {
        match reply {
            Reply::SendText { chat, text, keyboard } => self.send_text(*chat, text, keyboard.as_ref()).await,
            Reply::EditText { chat, message, text, keyboard } => {
                self.edit_text(*chat, *message, text, keyboard.as_ref()).await
            }
            Reply::SendPhoto { chat, photo, caption, keyboard } => {
                self.send_photo(*chat, photo, caption.as_deref(), keyboard.as_ref()).await
            }
            Reply::EditPhoto { chat, message, photo, caption, keyboard } => {
                self.edit_photo(*chat, *message, photo, caption.as_deref(), keyboard.as_ref()).await
            }
            Reply::SendAlbum { chat, photos } => self.send_album(*chat, photos).await,
            Reply::SendDocument { chat, document, file_name, caption, keyboard } => {
                self.send_document(*chat, document, file_name, caption.as_deref(), keyboard.as_ref()).await
            }
            Reply::EditKeyboard { chat, message, keyboard } => {
                self.edit_keyboard(*chat, *message, keyboard.as_ref()).await
            }
            Reply::Delete { chat, message } => self.delete(*chat, *message).await,
            Reply::AnswerCallback { query_id, text, alert } => {
                self.answer_callback(query_id, text.as_deref(), *alert).await
            }
            Reply::Action { chat, action } => self.action(*chat, *action).await,
            Reply::Invoice { chat, title, description, payload, label, stars } => {
                self.invoice(*chat, title, description, payload, label, *stars).await
            }
            Reply::AnswerPreCheckout { query_id, ok, error } => {
                self.answer_pre_checkout(query_id, *ok, error.as_deref()).await
            }
        }
    }
}
