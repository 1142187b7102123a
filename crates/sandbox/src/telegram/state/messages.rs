//! The Bot API's message methods that need no waiting: sending, editing, deleting,
//! answering callback queries, chat actions.

use super::State;
use super::checks::{caption, check_text, keyboard, message_id, not_modified, parse_mode};
use crate::telegram::BotError;
use crate::telegram::media::Upload;
use crate::telegram::model::{CHAT_ACTIONS, ChatEvent, ChatMessage};
use crate::telegram::params::Params;
use serde_json::{Value, json};

impl State {
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
}
