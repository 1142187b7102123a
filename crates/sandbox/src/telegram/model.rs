//! What the emulator shows: chats and their messages as a person would see them, the events
//! a live view follows, the record of Bot API calls, and the faults a test can inject.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoSize {
    pub file_id: String,
    pub file_unique_id: String,
    pub width: u32,
    pub height: u32,
    pub file_size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub file_id: String,
    pub file_unique_id: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub file_size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub title: String,
    pub description: String,
    pub payload: String,
    pub currency: String,
    pub total_amount: u32,
}

/// A person the emulator plays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxUser {
    pub id: i64,
    pub first_name: String,
    pub language_code: Option<String>,
    /// Has blocked the bot.
    pub blocked: bool,
}

/// One message in a chat, with edits applied.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub message_id: i32,
    /// Sent by the bot (else by the user).
    pub from_bot: bool,
    pub date: i64,
    pub text: Option<String>,
    pub caption: Option<String>,
    pub parse_mode: Option<String>,
    /// Sizes smallest first, as Telegram lists them.
    pub photo: Option<Vec<PhotoSize>>,
    pub document: Option<Document>,
    pub media_group_id: Option<String>,
    /// `{"inline_keyboard": [[button, ...], ...]}` as the bot sent it.
    pub reply_markup: Option<Value>,
    pub invoice: Option<Invoice>,
    pub successful_payment: Option<Value>,
    pub refunded_payment: Option<Value>,
    /// How many times the bot edited it.
    pub edits: u32,
    #[serde(skip)]
    pub(crate) deleted: bool,
}

impl ChatMessage {
    /// The callback data of every button, in reading order.
    pub fn callback_data(&self) -> Vec<String> {
        self.buttons().into_iter().filter_map(|b| b.get("callback_data")?.as_str().map(str::to_owned)).collect()
    }

    /// The data of the button labelled `text`.
    pub fn button(&self, text: &str) -> Option<String> {
        self.buttons()
            .into_iter()
            .find(|b| b.get("text").and_then(Value::as_str) == Some(text))
            .and_then(|b| b.get("callback_data")?.as_str().map(str::to_owned))
    }

    fn buttons(&self) -> Vec<&Value> {
        let rows = self.reply_markup.as_ref().and_then(|m| m.get("inline_keyboard")).and_then(Value::as_array);
        rows.into_iter().flatten().filter_map(Value::as_array).flatten().collect()
    }

    /// The Bot API JSON of this message in `chat`, sent by `from`.
    pub(crate) fn to_json(&self, chat: &Value, from: &Value) -> Value {
        let mut m = json!({"message_id": self.message_id, "from": from, "chat": chat, "date": self.date});
        let put = |m: &mut Value, k: &str, v: Value| {
            m[k] = v;
        };
        if let Some(t) = &self.text {
            put(&mut m, "text", json!(t));
            if let Some(len) = command_length(t) {
                put(&mut m, "entities", json!([{"type": "bot_command", "offset": 0, "length": len}]));
            }
        }
        if let Some(c) = &self.caption {
            put(&mut m, "caption", json!(c));
        }
        if let Some(p) = &self.photo {
            put(&mut m, "photo", json!(p));
        }
        if let Some(d) = &self.document {
            put(&mut m, "document", json!(d));
        }
        if let Some(g) = &self.media_group_id {
            put(&mut m, "media_group_id", json!(g));
        }
        if let Some(k) = &self.reply_markup {
            put(&mut m, "reply_markup", k.clone());
        }
        if let Some(i) = &self.invoice {
            put(
                &mut m,
                "invoice",
                json!({"title": i.title, "description": i.description, "start_parameter": "",
                "currency": i.currency, "total_amount": i.total_amount}),
            );
        }
        if let Some(p) = &self.successful_payment {
            put(&mut m, "successful_payment", p.clone());
        }
        if let Some(p) = &self.refunded_payment {
            put(&mut m, "refunded_payment", p.clone());
        }
        if self.edits > 0 {
            put(&mut m, "edit_date", json!(self.date));
        }
        m
    }
}

/// UTF-16 length of a leading `/command[@bot]`, as Telegram reports entity lengths.
fn command_length(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('/')?;
    let head = rest.split(char::is_whitespace).next().unwrap_or("");
    (!head.is_empty()).then(|| 1 + head.encode_utf16().count())
}

/// Something that changed in a chat, for a live view. Deserializable too, so a client (and
/// the web chat's test, which checks its handlers against these names) can read it back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    Message { chat: i64, message: ChatMessage },
    Edited { chat: i64, message: ChatMessage },
    Deleted { chat: i64, message_id: i32 },
    CallbackAnswered { chat: i64, query_id: String, text: Option<String>, show_alert: bool },
    Action { chat: i64, action: String },
    PreCheckoutAnswered { chat: i64, query_id: String, ok: bool, error_message: Option<String> },
}

/// Every `action` `sendChatAction` accepts (anything else is a 400), as [`ChatEvent::Action`]
/// carries it.
pub const CHAT_ACTIONS: [&str; 10] = [
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "upload_video_note",
];

/// One Bot API request as the emulator answered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Call {
    /// When the answer was ready, since the emulator started.
    pub at: Duration,
    pub method: String,
    pub chat_id: Option<i64>,
    /// HTTP status of the answer.
    pub status: u16,
    pub description: Option<String>,
}

/// An injected failure. It applies to requests matching `method` and `chat` (unset = any),
/// `times` times (unset = until cleared).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub method: Option<String>,
    pub chat: Option<i64>,
    pub kind: FaultKind,
    pub times: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with `retry_after`; the chat (or the whole bot, for a fault without a chat) then
    /// stays limited for that long, as Telegram keeps answering 429 until the time is up.
    TooManyRequests { retry_after: u32 },
    /// An HTTP 5xx with Telegram's error JSON.
    ServerError { status: u16 },
    /// The answer is held back this many milliseconds, then the request proceeds.
    Slow { millis: u64 },
    /// 403 "Forbidden: user is deactivated".
    Forbidden,
}

/// How a user's payment ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PaymentOutcome {
    /// The bot accepted the pre-checkout query; `successful_payment` was delivered.
    Paid { telegram_payment_charge_id: String },
    /// The bot answered `ok: false`.
    Declined { error_message: Option<String> },
    /// The bot did not answer within 10 s.
    Expired,
}
