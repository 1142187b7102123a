//! The text and control replies: messages and their edits, keyboard edits, deletions, answers to
//! callback and pre-checkout queries, chat actions and invoices. One Bot API call each, except
//! a text edit Telegram refuses, which comes as a new message instead.

use super::{SendError, Sender, Sent, html, markup, one, reply_markup};
use crate::api::{ApiError, Edited};
use aisha_bot::io::{ChatAction, ChatId, Keyboard, MessageId};
use frankenstein::methods::{
    AnswerCallbackQueryParams, AnswerPreCheckoutQueryParams, DeleteMessageParams, EditMessageReplyMarkupParams,
    EditMessageTextParams, SendChatActionParams, SendInvoiceParams, SendMessageParams,
};
use frankenstein::payments::LabeledPrice;
use frankenstein::types as tg;

/// Telegram's refusals of `editMessageText` that a new message answers instead.
fn cannot_edit_text(description: &str) -> bool {
    ["there is no text in the message to edit", "message can't be edited", "message to edit not found"]
        .iter()
        .any(|d| description.contains(d))
}

impl Sender {
    pub(super) async fn send_text(
        &self,
        chat: ChatId,
        text: &str,
        keyboard: Option<&Keyboard>,
    ) -> Result<Sent, SendError> {
        let params = SendMessageParams::builder()
            .chat_id(chat.0)
            .text(text.to_owned())
            .maybe_parse_mode(html())
            .maybe_reply_markup(reply_markup(keyboard))
            .build();
        Ok(one(self.api.call("sendMessage", &params).await?))
    }

    pub(super) async fn edit_text(
        &self,
        chat: ChatId,
        message: MessageId,
        text: &str,
        keyboard: Option<&Keyboard>,
    ) -> Result<Sent, SendError> {
        let params = EditMessageTextParams::builder()
            .chat_id(chat.0)
            .message_id(message.0)
            .text(text.to_owned())
            .maybe_parse_mode(html())
            .maybe_reply_markup(keyboard.map(markup))
            .build();
        match self.api.call::<_, Edited>("editMessageText", &params).await {
            Ok(_) => Ok(Sent { messages: vec![message], file_ids: Vec::new() }),
            // a photo (a gallery card) has no text to replace, and old or deleted
            // messages cannot be edited: the screen comes as a new message instead
            Err(ApiError::Rejected { description, .. }) if cannot_edit_text(&description) => {
                self.send_text(chat, text, keyboard).await
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn edit_keyboard(
        &self,
        chat: ChatId,
        message: MessageId,
        keyboard: Option<&Keyboard>,
    ) -> Result<Sent, SendError> {
        let params = EditMessageReplyMarkupParams::builder()
            .chat_id(chat.0)
            .message_id(message.0)
            .maybe_reply_markup(keyboard.map(markup))
            .build();
        let _: Edited = self.api.call("editMessageReplyMarkup", &params).await?;
        Ok(Sent { messages: vec![message], file_ids: Vec::new() })
    }

    pub(super) async fn delete(&self, chat: ChatId, message: MessageId) -> Result<Sent, SendError> {
        let params = DeleteMessageParams::builder().chat_id(chat.0).message_id(message.0).build();
        match self.api.call::<_, bool>("deleteMessage", &params).await {
            // already gone is what was asked for
            Err(ApiError::Rejected { description, .. }) if description.contains("message to delete not found") => {
                Ok(Sent::default())
            }
            other => other.map(|_| Sent::default()).map_err(SendError::from),
        }
    }

    pub(super) async fn answer_callback(
        &self,
        query_id: &str,
        text: Option<&str>,
        alert: bool,
    ) -> Result<Sent, SendError> {
        let params = AnswerCallbackQueryParams::builder()
            .callback_query_id(query_id.to_owned())
            .maybe_text(text.map(str::to_owned))
            .maybe_show_alert(alert.then_some(true))
            .build();
        self.api.call::<_, bool>("answerCallbackQuery", &params).await?;
        Ok(Sent::default())
    }

    pub(super) async fn action(&self, chat: ChatId, action: ChatAction) -> Result<Sent, SendError> {
        let action = match action {
            ChatAction::Typing => tg::ChatAction::Typing,
            ChatAction::UploadPhoto => tg::ChatAction::UploadPhoto,
        };
        let params = SendChatActionParams::builder().chat_id(chat.0).action(action).build();
        self.api.call::<_, bool>("sendChatAction", &params).await?;
        Ok(Sent::default())
    }

    /// A Telegram Stars invoice: currency XTR, one price item.
    pub(super) async fn invoice(
        &self,
        chat: ChatId,
        title: &str,
        description: &str,
        payload: &str,
        label: &str,
        stars: u32,
    ) -> Result<Sent, SendError> {
        let params = SendInvoiceParams::builder()
            .chat_id(chat.0)
            .title(title.to_owned())
            .description(description.to_owned())
            .payload(payload.to_owned())
            .currency("XTR")
            .prices(vec![LabeledPrice::builder().label(label.to_owned()).amount(stars).build()])
            .build();
        Ok(one(self.api.call("sendInvoice", &params).await?))
    }

    pub(super) async fn answer_pre_checkout(
        &self,
        query_id: &str,
        ok: bool,
        error: Option<&str>,
    ) -> Result<Sent, SendError> {
        let params = AnswerPreCheckoutQueryParams::builder()
            .pre_checkout_query_id(query_id.to_owned())
            .ok(ok)
            .maybe_error_message(error.map(str::to_owned))
            .build();
        self.api.call::<_, bool>("answerPreCheckoutQuery", &params).await?;
        Ok(Sent::default())
    }
}
