//! The emulator's memory and the Bot API's rules, applied under one lock with no waiting
//! inside: every method here is synchronous. Waiting (long polls, payments, slow faults) is in
//! the HTTP layer and the user API.
//!
//! Here: what the emulator remembers (users, chats, files, updates, queries, charges) and the
//! bookkeeping on it. The Bot API methods that act on it are in [`messages`] and
//! [`payments`], the checks they share in [`checks`].

mod checks;
mod messages;
mod payments;

pub(crate) use checks::check_caption;

use super::BotError;
use super::media::{Upload, UploadKind};
use super::model::{ChatEvent, ChatMessage, Document, PhotoSize};
use super::params::Params;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::time::Instant;

#[derive(Clone, Debug)]
pub(crate) struct UserEntry {
    pub first_name: String,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub blocked: bool,
}

#[derive(Default)]
pub(crate) struct ChatLog {
    pub messages: Vec<ChatMessage>,
    pub next_id: i32,
}

pub(crate) struct FileEntry {
    pub unique_id: String,
    pub path: String,
    pub bytes: Arc<Vec<u8>>,
}

pub(crate) struct Webhook {
    pub url: String,
    pub secret: Option<String>,
}

pub(crate) struct PendingCheckout {
    pub answer: oneshot::Sender<(bool, Option<String>)>,
}

pub(crate) struct Charge {
    pub user: i64,
    pub amount: u32,
    pub payload: String,
    pub refunded: bool,
}

pub(crate) struct Callback {
    pub chat: i64,
    pub answered: bool,
}

pub(crate) struct State {
    pub next_update: i64,
    pub updates: VecDeque<(i64, Value)>,
    pub allowed: Option<Vec<String>>,
    pub poll_generation: u64,
    pub webhook: Option<Webhook>,
    pub users: HashMap<i64, UserEntry>,
    pub chats: HashMap<i64, ChatLog>,
    pub files: HashMap<String, FileEntry>,
    pub next_file: u64,
    pub next_group: u64,
    pub next_query: u64,
    pub callbacks: HashMap<String, Callback>,
    pub checkouts: HashMap<String, PendingCheckout>,
    pub charges: HashMap<String, Charge>,
    /// The bot's Star transactions, oldest first, as `getStarTransactions` returns them:
    /// every payment and every refund the emulator has seen.
    pub star_transactions: Vec<Value>,
    /// Whether a webhook delivery that failed is retried (Telegram's behaviour) or the update
    /// is lost (what reconciliation exists for).
    pub redeliver: bool,
    /// `setMyCommands` lists by `language_code` ("" for the default list).
    pub commands: std::collections::HashMap<String, Value>,
    pub events: Vec<ChatEvent>,
    pub cooldowns: HashMap<Option<i64>, Instant>,
}

fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl State {
    pub fn commands_for(&self, language: &str) -> Value {
        let list = self.commands.get(language).or_else(|| self.commands.get(""));
        list.cloned().unwrap_or_else(|| json!([]))
    }

    pub fn new() -> Self {
        Self {
            next_update: 1,
            updates: VecDeque::new(),
            allowed: None,
            poll_generation: 0,
            webhook: None,
            users: HashMap::new(),
            chats: HashMap::new(),
            files: HashMap::new(),
            next_file: 1,
            next_group: 1,
            next_query: 1,
            callbacks: HashMap::new(),
            checkouts: HashMap::new(),
            charges: HashMap::new(),
            star_transactions: Vec::new(),
            redeliver: true,
            commands: std::collections::HashMap::new(),
            events: Vec::new(),
            cooldowns: HashMap::new(),
        }
    }

    pub fn user(&mut self, id: i64) -> &mut UserEntry {
        self.users.entry(id).or_insert_with(|| UserEntry {
            first_name: format!("User {id}"),
            username: None,
            language_code: Some("ru".into()),
            blocked: false,
        })
    }

    pub fn user_json(&mut self, id: i64) -> Value {
        let u = self.user(id).clone();
        let mut v = json!({"id": id, "is_bot": false, "first_name": u.first_name});
        if let Some(name) = u.username {
            v["username"] = json!(name);
        }
        if let Some(code) = u.language_code {
            v["language_code"] = json!(code);
        }
        v
    }

    pub fn chat_json(&mut self, id: i64) -> Value {
        let first_name = self.user(id).first_name.clone();
        json!({"id": id, "type": "private", "first_name": first_name})
    }

    /// Queues an update of `kind` unless the bot's `allowed_updates` excludes it.
    pub fn push_update(&mut self, kind: &str, payload: Value) {
        let wanted = match &self.allowed {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
            _ => !matches!(kind, "chat_member" | "message_reaction" | "message_reaction_count"),
        };
        if !wanted {
            return;
        }
        let id = self.next_update;
        self.next_update += 1;
        self.updates.push_back((id, json!({"update_id": id, kind: payload})));
    }

    /// Confirms updates before `offset`, returns up to `limit` of the rest.
    pub fn take_updates(&mut self, offset: Option<i64>, limit: usize) -> Vec<Value> {
        if let Some(offset) = offset.filter(|o| *o > 0) {
            while self.updates.front().is_some_and(|(id, _)| *id < offset) {
                self.updates.pop_front();
            }
        }
        self.updates.iter().take(limit).map(|(_, u)| u.clone()).collect()
    }

    pub fn new_file(&mut self, bytes: Arc<Vec<u8>>, folder: &str, ext: &str) -> String {
        let n = self.next_file;
        self.next_file += 1;
        let file_id = format!("AgAC{n:08}-sandbox-{folder}");
        let path = format!("{folder}/file_{n}.{ext}");
        self.files.insert(file_id.clone(), FileEntry { unique_id: format!("AQAD{n:08}"), path, bytes });
        file_id
    }

    fn log(&mut self, chat: i64) -> &mut ChatLog {
        self.chats.entry(chat).or_insert_with(|| ChatLog { messages: Vec::new(), next_id: 1 })
    }

    /// Appends a message to `chat` and returns its Bot API JSON.
    pub fn append(&mut self, chat: i64, mut message: ChatMessage) -> Value {
        let log = self.log(chat);
        message.message_id = log.next_id;
        log.next_id += 1;
        message.date = now_unix();
        log.messages.push(message.clone());
        self.events.push(ChatEvent::Message { chat, message: message.clone() });
        self.render(chat, &message)
    }

    pub fn render(&mut self, chat: i64, message: &ChatMessage) -> Value {
        let chat_json = self.chat_json(chat);
        let from = if message.from_bot { Value::Null } else { self.user_json(chat) };
        let mut v = message.to_json(&chat_json, &from);
        if message.from_bot {
            v["from"] = super::bot_user_json();
        }
        v
    }

    pub fn message_mut(&mut self, chat: i64, id: i32, not_found: &str) -> Result<&mut ChatMessage, BotError> {
        self.chats
            .get_mut(&chat)
            .and_then(|log| log.messages.iter_mut().find(|m| m.message_id == id && !m.deleted))
            .ok_or_else(|| BotError::bad(not_found))
    }

    pub fn forbid_blocked(&mut self, chat: i64) -> Result<(), BotError> {
        if self.users.get(&chat).is_some_and(|u| u.blocked) {
            return Err(BotError::new(403, "Forbidden: bot was blocked by the user"));
        }
        if !self.users.contains_key(&chat) && !self.chats.contains_key(&chat) {
            return Err(BotError::bad("chat not found"));
        }
        Ok(())
    }

    /// Puts a resolved file on a message as a photo (two sizes) or a document.
    pub fn attach(&mut self, message: &mut ChatMessage, upload: Upload) {
        match upload.kind {
            UploadKind::Photo { width, height } => {
                let size = upload.bytes.len() as u64;
                let full = match upload.existing {
                    Some(id) => id,
                    None => self.new_file(upload.bytes.clone(), "photos", "jpg"),
                };
                let thumb = self.new_file(upload.bytes.clone(), "photos", "jpg");
                let scale = 90.0 / f64::from(width.max(height).max(1));
                let sizes = vec![
                    self.photo_size(thumb, (f64::from(width) * scale) as u32, (f64::from(height) * scale) as u32, size),
                    self.photo_size(full, width, height, size),
                ];
                message.photo = Some(sizes);
            }
            UploadKind::Document { file_name, mime_type } => {
                let file_id = match upload.existing {
                    Some(id) => id,
                    None => self.new_file(upload.bytes.clone(), "documents", "bin"),
                };
                let file_unique_id = self.files[&file_id].unique_id.clone();
                message.document = Some(Document {
                    file_id,
                    file_unique_id,
                    file_name,
                    mime_type,
                    file_size: upload.bytes.len() as u64,
                });
            }
        }
    }

    fn photo_size(&self, file_id: String, width: u32, height: u32, file_size: u64) -> PhotoSize {
        let file_unique_id = self.files[&file_id].unique_id.clone();
        PhotoSize { file_id, file_unique_id, width: width.max(1), height: height.max(1), file_size }
    }

    pub fn get_file(&mut self, p: &Params) -> Result<Value, BotError> {
        let file_id = p.req_str("file_id")?;
        let file = self
            .files
            .get(&file_id)
            .ok_or_else(|| BotError::bad("wrong file_id or the file is temporarily unavailable"))?;
        let size = file.bytes.len() as u64;
        if size > 20 * 1024 * 1024 {
            return Err(BotError::bad("file is too big"));
        }
        Ok(json!({"file_id": file_id, "file_unique_id": file.unique_id, "file_size": size, "file_path": file.path}))
    }

    pub fn file_by_path(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        self.files.values().find(|f| f.path == path).map(|f| f.bytes.clone())
    }
}
