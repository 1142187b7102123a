//! The conversation's edge: what a transport hands the bot and what the bot asks a transport
//! to do. Telegram-shaped (chats, messages, inline keyboards, Stars invoices) but free of any
//! client library, so the bot is tested without HTTP and the transport without the bot.

use aisha_domain::ImageId;
use aisha_domain::storage::StorageKey;
use aisha_domain::user::Profile;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A chat. For a private bot this is the user's own Telegram id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChatId(pub i64);

/// A message within a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MessageId(pub i32);

/// A file the user sent, as Telegram describes it (downloaded only when needed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingFile {
    pub file_id: String,
    pub file_unique_id: String,
    pub size: Option<u64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub mime_type: Option<String>,
    pub file_name: Option<String>,
}

/// One photo or document of an album (a Telegram media group).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlbumItem {
    pub message: MessageId,
    pub file: IncomingFile,
    /// Sent as a file (uncompressed) rather than as a photo.
    pub is_document: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// `/name args` (the bot's @username suffix already removed).
    Command {
        chat: ChatId,
        message: MessageId,
        name: String,
        args: String,
    },
    Text {
        chat: ChatId,
        message: MessageId,
        text: String,
    },
    /// A photo (Telegram's largest size), possibly part of an album.
    Photo {
        chat: ChatId,
        message: MessageId,
        file: IncomingFile,
        media_group: Option<String>,
        caption: Option<String>,
    },
    /// A file sent as a document (images sent uncompressed arrive this way).
    Document {
        chat: ChatId,
        message: MessageId,
        file: IncomingFile,
        media_group: Option<String>,
        caption: Option<String>,
    },
    /// A media group collected by the transport into one event (Telegram delivers each item
    /// as its own message), so the bot can answer an album once. Items in message order.
    Album {
        chat: ChatId,
        media_group: String,
        items: Vec<AlbumItem>,
    },
    /// An inline button was pressed. `message` is the message carrying the button.
    Callback {
        chat: ChatId,
        message: Option<MessageId>,
        query_id: String,
        data: String,
    },
    /// Telegram asks whether to accept a payment; must be answered within 10 s.
    PreCheckout {
        query_id: String,
        currency: String,
        total_amount: u32,
        payload: String,
    },
    /// A payment went through.
    Payment {
        chat: ChatId,
        currency: String,
        total_amount: u32,
        payload: String,
        telegram_charge_id: String,
        provider_charge_id: String,
    },
}

impl Event {
    pub fn chat(&self) -> Option<ChatId> {
        match self {
            Event::Command { chat, .. }
            | Event::Text { chat, .. }
            | Event::Photo { chat, .. }
            | Event::Document { chat, .. }
            | Event::Album { chat, .. }
            | Event::Callback { chat, .. }
            | Event::Payment { chat, .. } => Some(*chat),
            Event::PreCheckout { .. } => None,
        }
    }
}

/// Why a user's file could not be fetched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FetchError {
    /// The file is bigger than the caller allowed; nothing (or only a prefix) was downloaded.
    TooLarge { max: u64 },
    /// Telegram did not give the file (expired id, network, server error): ask again later.
    Unavailable(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::TooLarge { max } => write!(f, "the file is larger than {max} bytes"),
            FetchError::Unavailable(why) => write!(f, "the file could not be downloaded: {why}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// Downloads files users sent (the Telegram transport implements it with `getFile`).
#[async_trait]
pub trait Files: Send + Sync {
    /// The file's bytes, refusing (without reading them all) a file over `max_bytes`.
    async fn fetch(&self, file_id: &str, max_bytes: u64) -> Result<Vec<u8>, FetchError>;
}

/// One update from the transport: who sent it, and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    /// Telegram's update id: the transport's ordering and dedup key.
    pub id: i64,
    pub from: Profile,
    pub event: Event,
}

/// What an image to send is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Media {
    /// Already on Telegram's servers.
    FileId(String),
    /// An object in our storage. The transport uploads it (or sends its public URL) and, when
    /// `image` is set, reports the `file_id` Telegram returns so the gallery re-sends instantly.
    Stored { key: StorageKey, image: Option<ImageId> },
    /// An address Telegram fetches itself (a style's preview).
    Url(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ButtonAction {
    /// Callback data, at most 64 bytes (the bot checks when it renders).
    Callback(String),
    Url(String),
    /// The pay button of an invoice.
    Pay,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub text: String,
    pub action: ButtonAction,
}

/// Rows of inline buttons.
pub type Keyboard = Vec<Vec<Button>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChatAction {
    Typing,
    UploadPhoto,
}

/// One thing for the transport to do. Texts and captions are Telegram HTML with every piece
/// of user text already escaped, and within Telegram's limits (4096 / 1024 characters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    SendText {
        chat: ChatId,
        text: String,
        keyboard: Option<Keyboard>,
    },
    EditText {
        chat: ChatId,
        message: MessageId,
        text: String,
        keyboard: Option<Keyboard>,
    },
    SendPhoto {
        chat: ChatId,
        photo: Media,
        caption: Option<String>,
        keyboard: Option<Keyboard>,
    },
    /// Replaces the photo (and caption, keyboard) of a message: gallery navigation.
    EditPhoto {
        chat: ChatId,
        message: MessageId,
        photo: Media,
        caption: Option<String>,
        keyboard: Option<Keyboard>,
    },
    /// A file as a document: the stored bytes exactly, never recompressed (an image's
    /// original). Uploaded, not sent by URL: Telegram fetches only GIF, PDF and ZIP documents
    /// from a URL (Bot API, "Sending files", checked 2026-12-07); at most 50 MB by upload.
    SendDocument {
        chat: ChatId,
        document: Media,
        file_name: String,
        caption: Option<String>,
        keyboard: Option<Keyboard>,
    },
    /// 2–10 photos as one album (captions per photo).
    SendAlbum {
        chat: ChatId,
        photos: Vec<(Media, Option<String>)>,
    },
    EditKeyboard {
        chat: ChatId,
        message: MessageId,
        keyboard: Option<Keyboard>,
    },
    Delete {
        chat: ChatId,
        message: MessageId,
    },
    AnswerCallback {
        query_id: String,
        text: Option<String>,
        alert: bool,
    },
    Action {
        chat: ChatId,
        action: ChatAction,
    },
    /// A Telegram Stars invoice (currency XTR, one price item).
    Invoice {
        chat: ChatId,
        title: String,
        description: String,
        payload: String,
        label: String,
        stars: u32,
    },
    AnswerPreCheckout {
        query_id: String,
        ok: bool,
        error: Option<String>,
    },
}

/// How the transport may treat a reply under pressure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Class {
    /// Progress edits: only the newest pending one per message is sent; dropped first.
    Progress,
    /// Ordinary screens.
    Normal,
    /// Results, payment answers, receipts: never dropped.
    Critical,
}

/// A reply with its class. Replies to one chat are sent in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    pub reply: Reply,
    pub class: Class,
}

impl Outgoing {
    pub fn normal(reply: Reply) -> Self {
        Self { reply, class: Class::Normal }
    }
    pub fn critical(reply: Reply) -> Self {
        Self { reply, class: Class::Critical }
    }
    pub fn progress(reply: Reply) -> Self {
        Self { reply, class: Class::Progress }
    }
}
