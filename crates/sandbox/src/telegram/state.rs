//! The emulator's memory and the Bot API's rules, applied under one lock with no waiting
//! inside: every method here is synchronous. Waiting (long polls, payments, slow faults) is in
//! the HTTP layer and the user API.

use super::BotError;
use super::media::{Upload, UploadKind};
use super::model::{CHAT_ACTIONS, ChatEvent, ChatMessage, Document, Invoice, PhotoSize};
use super::params::Params;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::time::Instant;

pub(crate) const TEXT_MAX: usize = 4096;
pub(crate) const CAPTION_MAX: usize = 1024;
pub(crate) const CALLBACK_DATA_MAX: usize = 64;

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

/// Text length as Telegram counts it for HTML messages: tags removed, entities one character.
pub(crate) fn visible_len(text: &str, html: bool) -> usize {
    if !html {
        return text.chars().count();
    }
    let mut n = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => {
                for c in chars.by_ref() {
                    if c == '>' {
                        break;
                    }
                }
            }
            '&' => {
                n += 1;
                while let Some(&c) = chars.peek() {
                    chars.next();
                    if c == ';' {
                        break;
                    }
                }
            }
            _ => n += 1,
        }
    }
    n
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

    // ---- Bot API methods that need no waiting ------------------------------------------

    pub fn send_message(&mut self, p: &Params) -> Result<Value, BotError> {
        let chat = p.chat_id()?;
        self.forbid_blocked(chat)?;
        let html = parse_mode(p)?;
        let text = p.str("text").unwrap_or_default();
        check_text(&text, html.as_deref())?;
        let reply_markup = keyboard(p)?;
        Ok(self.append(
            chat,
            ChatMessage { from_bot: true, text: Some(text), parse_mode: html, reply_markup, ..Default::default() },
        ))
    }

    /// sendPhoto / sendDocument, once the file parameter has been resolved.
    pub fn send_media(&mut self, p: &Params, upload: Upload) -> Result<Value, BotError> {
        let chat = p.chat_id()?;
        self.forbid_blocked(chat)?;
        let html = parse_mode(p)?;
        let caption = caption(p, html.as_deref())?;
        let reply_markup = keyboard(p)?;
        let mut message = ChatMessage { from_bot: true, caption, parse_mode: html, reply_markup, ..Default::default() };
        self.attach(&mut message, upload);
        Ok(self.append(chat, message))
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

    pub fn send_group(
        &mut self,
        chat: i64,
        items: Vec<(Upload, Option<String>, Option<String>)>,
    ) -> Result<Value, BotError> {
        self.forbid_blocked(chat)?;
        let group = format!("{}", 10_000_000 + self.next_group);
        self.next_group += 1;
        let mut sent = Vec::with_capacity(items.len());
        for (upload, caption, parse_mode) in items {
            let mut message = ChatMessage {
                from_bot: true,
                caption,
                parse_mode,
                media_group_id: Some(group.clone()),
                ..Default::default()
            };
            self.attach(&mut message, upload);
            sent.push(self.append(chat, message));
        }
        Ok(Value::Array(sent))
    }

    fn edited(&mut self, chat: i64, id: i32) -> Result<Value, BotError> {
        let message = self.message_mut(chat, id, "message to edit not found")?;
        message.edits += 1;
        let message = message.clone();
        self.events.push(ChatEvent::Edited { chat, message: message.clone() });
        Ok(self.render(chat, &message))
    }

    pub fn edit_text(&mut self, p: &Params) -> Result<Value, BotError> {
        let chat = p.chat_id()?;
        let id = message_id(p)?;
        self.forbid_blocked(chat)?;
        let html = parse_mode(p)?;
        let text = p.str("text").unwrap_or_default();
        check_text(&text, html.as_deref())?;
        let reply_markup = keyboard(p)?;
        let message = self.message_mut(chat, id, "message to edit not found")?;
        if message.text.is_none() {
            return Err(BotError::bad("there is no text in the message to edit"));
        }
        if message.text.as_deref() == Some(text.as_str()) && message.reply_markup == reply_markup {
            return Err(not_modified());
        }
        message.text = Some(text);
        message.parse_mode = html;
        message.reply_markup = reply_markup;
        self.edited(chat, id)
    }

    pub fn edit_caption(&mut self, p: &Params) -> Result<Value, BotError> {
        let chat = p.chat_id()?;
        let id = message_id(p)?;
        self.forbid_blocked(chat)?;
        let html = parse_mode(p)?;
        let caption = caption(p, html.as_deref())?;
        let reply_markup = keyboard(p)?;
        let message = self.message_mut(chat, id, "message to edit not found")?;
        if message.photo.is_none() && message.document.is_none() {
            return Err(BotError::bad("there is no caption in the message to edit"));
        }
        if message.caption == caption && message.reply_markup == reply_markup {
            return Err(not_modified());
        }
        message.caption = caption;
        message.parse_mode = html;
        message.reply_markup = reply_markup;
        self.edited(chat, id)
    }

    pub fn edit_markup(&mut self, p: &Params) -> Result<Value, BotError> {
        let chat = p.chat_id()?;
        let id = message_id(p)?;
        self.forbid_blocked(chat)?;
        let reply_markup = keyboard(p)?;
        let message = self.message_mut(chat, id, "message to edit not found")?;
        if message.reply_markup == reply_markup {
            return Err(not_modified());
        }
        message.reply_markup = reply_markup;
        self.edited(chat, id)
    }

    /// editMessageMedia once the new file is resolved: `(upload, caption, parse_mode)`.
    pub fn edit_media(
        &mut self,
        p: &Params,
        upload: Upload,
        caption: Option<String>,
        html: Option<String>,
    ) -> Result<Value, BotError> {
        let chat = p.chat_id()?;
        let id = message_id(p)?;
        self.forbid_blocked(chat)?;
        let reply_markup = keyboard(p)?;
        let current = self.message_mut(chat, id, "message to edit not found")?.clone();
        if current.photo.is_none() && current.document.is_none() {
            return Err(BotError::bad("there is no media in the message to edit"));
        }
        let same_file = match (&upload.existing, &current.photo, &current.document) {
            (Some(id), Some(sizes), _) => sizes.last().is_some_and(|s| &s.file_id == id),
            (Some(id), _, Some(doc)) => &doc.file_id == id,
            _ => false,
        };
        if same_file && current.caption == caption && current.reply_markup == reply_markup {
            return Err(not_modified());
        }
        let mut updated = current;
        updated.photo = None;
        updated.document = None;
        self.attach(&mut updated, upload);
        updated.caption = caption;
        updated.parse_mode = html;
        updated.reply_markup = reply_markup;
        *self.message_mut(chat, id, "message to edit not found")? = updated;
        self.edited(chat, id)
    }

    pub fn delete_message(&mut self, p: &Params) -> Result<Value, BotError> {
        let chat = p.chat_id()?;
        let id = message_id(p)?;
        let message = self.message_mut(chat, id, "message to delete not found")?;
        message.deleted = true;
        self.events.push(ChatEvent::Deleted { chat, message_id: id });
        Ok(json!(true))
    }

    pub fn answer_callback(&mut self, p: &Params) -> Result<Value, BotError> {
        let id = p.req_str("callback_query_id")?;
        let text = p.str("text");
        if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            return Err(BotError::bad("MESSAGE_TOO_LONG"));
        }
        let too_old = || BotError::bad("query is too old and response timeout expired or query ID is invalid");
        let callback = self.callbacks.get_mut(&id).ok_or_else(too_old)?;
        if callback.answered {
            return Err(too_old());
        }
        callback.answered = true;
        let chat = callback.chat;
        self.events.push(ChatEvent::CallbackAnswered { chat, query_id: id, text, show_alert: p.bool("show_alert") });
        Ok(json!(true))
    }

    pub fn chat_action(&mut self, p: &Params) -> Result<Value, BotError> {
        let chat = p.chat_id()?;
        self.forbid_blocked(chat)?;
        let action = p.req_str("action")?;
        if !CHAT_ACTIONS.contains(&action.as_str()) {
            return Err(BotError::bad("wrong parameter action in request"));
        }
        self.events.push(ChatEvent::Action { chat, action });
        Ok(json!(true))
    }

    pub fn send_invoice(&mut self, p: &Params) -> Result<Value, BotError> {
        let chat = p.chat_id()?;
        self.forbid_blocked(chat)?;
        let title = p.req_str("title")?;
        let description = p.req_str("description")?;
        let payload = p.req_str("payload")?;
        let currency = p.req_str("currency")?;
        if !(1..=32).contains(&title.chars().count()) {
            return Err(BotError::bad("TITLE_INVALID"));
        }
        if !(1..=255).contains(&description.chars().count()) {
            return Err(BotError::bad("DESCRIPTION_INVALID"));
        }
        if !(1..=128).contains(&payload.len()) {
            return Err(BotError::bad("PAYLOAD_INVALID"));
        }
        let prices = p.json("prices")?.and_then(|v| v.as_array().cloned()).unwrap_or_default();
        if currency != "XTR" || p.str("provider_token").is_some_and(|t| !t.is_empty()) {
            return Err(BotError::bad("the sandbox only takes Telegram Stars: currency XTR and no provider_token"));
        }
        let amount = match prices.as_slice() {
            [one] => one.get("amount").and_then(Value::as_u64).and_then(|a| u32::try_from(a).ok()).filter(|a| *a > 0),
            _ => None,
        };
        let Some(total_amount) = amount else {
            return Err(BotError::bad("STARS_INVOICE_INVALID"));
        };
        let reply_markup = keyboard(p)?;
        let invoice = Invoice { title, description, payload, currency, total_amount };
        Ok(self
            .append(chat, ChatMessage { from_bot: true, invoice: Some(invoice), reply_markup, ..Default::default() }))
    }

    pub fn answer_pre_checkout(&mut self, p: &Params) -> Result<Value, BotError> {
        let id = p.req_str("pre_checkout_query_id")?;
        let ok = p.bool("ok");
        let error_message = p.str("error_message");
        if !ok && error_message.is_none() {
            return Err(BotError::bad("parameter \"error_message\" is required"));
        }
        let pending = self
            .checkouts
            .remove(&id)
            .ok_or_else(|| BotError::bad("query is too old and response timeout expired or query ID is invalid"))?;
        // the payer may have given up this instant; the answer still counts as given
        let _ = pending.answer.send((ok, error_message));
        Ok(json!(true))
    }

    pub fn refund(&mut self, p: &Params) -> Result<Value, BotError> {
        let user = p.req_i64("user_id")?;
        let charge_id = p.req_str("telegram_payment_charge_id")?;
        let charge = self
            .charges
            .get_mut(&charge_id)
            .filter(|c| c.user == user)
            .ok_or_else(|| BotError::bad("CHARGE_NOT_FOUND"))?;
        if charge.refunded {
            return Err(BotError::bad("CHARGE_ALREADY_REFUNDED"));
        }
        charge.refunded = true;
        let refunded = json!({"currency": "XTR", "total_amount": charge.amount, "invoice_payload": charge.payload,
            "telegram_payment_charge_id": charge_id});
        let (amount, receiver) = (charge.amount, self.user_json(user));
        self.record_star_transaction(json!({"id": charge_id, "amount": amount,
            "receiver": {"type": "user", "transaction_type": "invoice_payment", "user": receiver}}));
        let message = ChatMessage { from_bot: false, refunded_payment: Some(refunded), ..Default::default() };
        let json = self.append(user, message);
        self.push_update("message", json);
        Ok(json!(true))
    }

    /// Appends a Star transaction (`date` filled in now).
    pub fn record_star_transaction(&mut self, mut tx: Value) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        tx["date"] = json!(now);
        self.star_transactions.push(tx);
    }

    /// `getStarTransactions`: `offset` transactions skipped, at most `limit` (1–100, default
    /// 100), oldest first.
    pub fn star_transactions_page(&self, p: &Params) -> Result<Value, BotError> {
        let offset = usize::try_from(p.i64("offset")?.unwrap_or(0)).map_err(|_| BotError::bad("invalid offset"))?;
        let limit = usize::try_from(p.i64("limit")?.unwrap_or(100).clamp(1, 100)).unwrap_or(100);
        let page: Vec<Value> = self.star_transactions.iter().skip(offset).take(limit).cloned().collect();
        Ok(json!({ "transactions": page }))
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

pub(crate) fn not_modified() -> BotError {
    BotError::bad(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    )
}

pub(crate) fn message_id(p: &Params) -> Result<i32, BotError> {
    if p.get("inline_message_id").is_some() {
        return Err(BotError::bad("the sandbox has no inline messages"));
    }
    let id = p.req_i64("message_id")?;
    i32::try_from(id).map_err(|_| BotError::bad("message to edit not found"))
}

/// `HTML` → `Some("HTML")`; texts in HTML are checked as Telegram checks them, other modes not.
pub(crate) fn parse_mode(p: &Params) -> Result<Option<String>, BotError> {
    match p.str("parse_mode").as_deref() {
        None | Some("") => Ok(None),
        Some(m @ ("HTML" | "MarkdownV2" | "Markdown")) => Ok(Some(m.to_owned())),
        Some(other) => Err(BotError::bad(&format!("unsupported parse_mode \"{other}\""))),
    }
}

/// A text sent with `parse_mode=HTML` that Telegram cannot parse: refused with its answer.
pub(crate) fn check_entities(text: &str, mode: Option<&str>) -> Result<(), BotError> {
    if mode != Some("HTML") {
        return Ok(());
    }
    super::html::check(text).map_err(|detail| BotError::bad(&format!("{}{detail}", super::html::CANT_PARSE)))
}

fn check_text(text: &str, mode: Option<&str>) -> Result<(), BotError> {
    if !text.is_empty() {
        check_entities(text, mode)?;
    }
    match visible_len(text, mode.is_some()) {
        0 => Err(BotError::bad("message text is empty")),
        n if n > TEXT_MAX => Err(BotError::bad("message is too long")),
        _ => Ok(()),
    }
}

pub(crate) fn check_caption(caption: Option<&str>, mode: Option<&str>) -> Result<(), BotError> {
    if let Some(caption) = caption {
        check_entities(caption, mode)?;
    }
    if caption.is_some_and(|c| visible_len(c, mode.is_some()) > CAPTION_MAX) {
        return Err(BotError::bad("message caption is too long"));
    }
    Ok(())
}

fn caption(p: &Params, mode: Option<&str>) -> Result<Option<String>, BotError> {
    let caption = p.str("caption").filter(|c| !c.is_empty());
    check_caption(caption.as_deref(), mode)?;
    Ok(caption)
}

/// The inline keyboard of `reply_markup`, checked as Telegram checks it.
pub(crate) fn keyboard(p: &Params) -> Result<Option<Value>, BotError> {
    let Some(markup) = p.json("reply_markup")? else { return Ok(None) };
    let Some(rows) = markup.get("inline_keyboard") else {
        // reply keyboards and force-reply exist in Telegram; the bot does not use them
        return Ok(Some(markup));
    };
    let rows = rows
        .as_array()
        .ok_or_else(|| BotError::bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object"))?;
    for button in rows.iter().flat_map(|r| r.as_array().into_iter().flatten()) {
        if button.get("text").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(BotError::bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            ));
        }
        let actions = ["callback_data", "url", "pay", "web_app", "switch_inline_query", "copy_text", "login_url"];
        if actions.iter().filter(|a| button.get(**a).is_some()).count() != 1 {
            return Err(BotError::bad(
                "can't parse inline keyboard button: exactly one of the optional fields must be used",
            ));
        }
        if let Some(data) = button.get("callback_data") {
            let len = data.as_str().map_or(0, str::len);
            if !(1..=CALLBACK_DATA_MAX).contains(&len) {
                return Err(BotError::bad("BUTTON_DATA_INVALID"));
            }
        }
    }
    Ok(Some(markup))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_length_counts_what_the_user_sees() {
        assert_eq!(visible_len("<b>hi</b> &amp; you", true), 8);
        assert_eq!(visible_len("<b>hi</b>", false), 9);
        assert_eq!(visible_len("привет", true), 6);
    }
}
