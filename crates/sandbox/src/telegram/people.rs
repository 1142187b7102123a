//! The people in the chats: what a user does (writes, sends photos and files, presses buttons,
//! pays, blocks the bot), each turned into the update Telegram would send the bot.

use super::media::{self, Upload, UploadKind};
use super::state;
use super::{ChatEvent, ChatMessage, PaymentOutcome, Shared, TelegramSandbox, UserError};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

impl TelegramSandbox {
    /// Registers (or renames) a user; users are also created on their first message.
    pub fn add_user(&self, id: i64, first_name: &str, language_code: Option<&str>) {
        self.shared.with(|s| {
            let u = s.user(id);
            u.first_name = first_name.to_owned();
            u.language_code = language_code.map(str::to_owned);
        });
    }

    /// The user writes `text` (a command if it starts with `/`). Returns the message id.
    pub fn send_text(&self, user: i64, text: &str) -> i32 {
        self.user_message(user, ChatMessage { text: Some(text.to_owned()), ..Default::default() })
    }

    /// The user sends a photo (compressed, as Telegram does with photos).
    pub fn send_photo(&self, user: i64, bytes: Vec<u8>, caption: Option<&str>) -> Result<i32, UserError> {
        Ok(self.send_photos(user, vec![bytes], caption)?.remove(0))
    }

    /// The user sends 2–10 photos as one album: one message (and one update) per photo, all
    /// with the same `media_group_id`.
    pub fn send_album(&self, user: i64, photos: Vec<Vec<u8>>) -> Result<Vec<i32>, UserError> {
        self.send_photos(user, photos, None)
    }

    fn send_photos(&self, user: i64, photos: Vec<Vec<u8>>, caption: Option<&str>) -> Result<Vec<i32>, UserError> {
        let mut uploads = Vec::new();
        for bytes in photos {
            let (width, height) = media::dimensions(&bytes).ok_or(UserError::NotAPhoto)?;
            uploads.push(Upload { bytes: Arc::new(bytes), kind: UploadKind::Photo { width, height }, existing: None });
        }
        let group = (uploads.len() > 1).then(|| {
            self.shared.with(|s| {
                s.next_group += 1;
                format!("{}", 20_000_000 + s.next_group)
            })
        });
        let mut ids = Vec::new();
        for (i, upload) in uploads.into_iter().enumerate() {
            let mut message = ChatMessage {
                caption: caption.filter(|_| i == 0).map(str::to_owned),
                media_group_id: group.clone(),
                ..Default::default()
            };
            self.shared.with(|s| s.attach(&mut message, upload));
            ids.push(self.user_message(user, message));
        }
        Ok(ids)
    }

    /// The user sends a file as a document (uncompressed).
    pub fn send_document(&self, user: i64, bytes: Vec<u8>, file_name: &str, caption: Option<&str>) -> i32 {
        let mime_type = image::guess_format(&bytes).ok().map(|f| f.to_mime_type().to_owned());
        let upload = Upload {
            bytes: Arc::new(bytes),
            kind: UploadKind::Document { file_name: Some(file_name.to_owned()), mime_type },
            existing: None,
        };
        let mut message = ChatMessage { caption: caption.map(str::to_owned), ..Default::default() };
        self.shared.with(|s| s.attach(&mut message, upload));
        self.user_message(user, message)
    }

    fn user_message(&self, user: i64, message: ChatMessage) -> i32 {
        self.shared.with(|s| {
            // writing to a bot unblocks it, as in Telegram
            s.user(user).blocked = false;
            let json = s.append(user, message);
            let id = json["message_id"].as_i64().unwrap_or_default() as i32;
            s.push_update("message", json);
            id
        })
    }

    /// The user presses the inline button with callback `data` under message `message_id`.
    /// Returns the callback query id.
    pub fn press(&self, user: i64, message_id: i32, data: &str) -> Result<String, UserError> {
        self.shared.with(|s| {
            let message = s.message_mut(user, message_id, "").map_err(|_| UserError::NoMessage)?.clone();
            if !message.callback_data().iter().any(|d| d == data) {
                return Err(UserError::NoButton);
            }
            let query_id = format!("{}", 3_000_000_000_000u64 + s.next_query);
            s.next_query += 1;
            s.callbacks.insert(query_id.clone(), state::Callback { chat: user, answered: false });
            let payload = json!({"id": query_id, "from": s.user_json(user), "message": s.render(user, &message),
                "chat_instance": format!("ci-{user}"), "data": data});
            s.push_update("callback_query", payload);
            Ok(query_id)
        })
    }

    /// A press a modified client could send: any `data` (not checked against the buttons), on
    /// message `message_id` of the user's chat whether or not it exists. The query is
    /// registered like a real one, so the bot's answer shows up as
    /// [`ChatEvent::CallbackAnswered`]. Returns the callback query id.
    pub fn forge_press(&self, user: i64, message_id: i32, data: &str) -> String {
        self.shared.with(|s| {
            let message = match s.message_mut(user, message_id, "").map(|m| m.clone()) {
                Ok(m) => s.render(user, &m),
                Err(_) => json!({"message_id": message_id, "chat": s.chat_json(user), "date": 0}),
            };
            let query_id = format!("{}", 3_000_000_000_000u64 + s.next_query);
            s.next_query += 1;
            s.callbacks.insert(query_id.clone(), state::Callback { chat: user, answered: false });
            let payload = json!({"id": query_id, "from": s.user_json(user), "message": message,
                "chat_instance": format!("ci-{user}"), "data": data});
            s.push_update("callback_query", payload);
            query_id
        })
    }

    /// Whether the bot answered callback query `query_id`.
    pub fn callback_answered(&self, query_id: &str) -> bool {
        self.shared.with(|s| s.callbacks.get(query_id).is_some_and(|c| c.answered))
    }

    /// The user pays the invoice `message_id`: a `pre_checkout_query` goes to the bot, which
    /// has 10 s to answer; if it accepts, a `successful_payment` message follows.
    pub async fn pay(&self, user: i64, message_id: i32) -> Result<PaymentOutcome, UserError> {
        self.pay_within(user, message_id, Duration::from_secs(10)).await
    }

    /// [`pay`](Self::pay) with another deadline for the bot's answer.
    pub async fn pay_within(
        &self,
        user: i64,
        message_id: i32,
        deadline: Duration,
    ) -> Result<PaymentOutcome, UserError> {
        pay(&self.shared, user, message_id, deadline).await
    }

    /// The user blocks the bot (or unblocks it): sends to the chat get 403.
    pub fn block_bot(&self, user: i64, blocked: bool) {
        self.shared.with(|s| s.user(user).blocked = blocked);
    }
}

async fn pay(shared: &Shared, user: i64, message_id: i32, deadline: Duration) -> Result<PaymentOutcome, UserError> {
    let (tx, rx) = oneshot::channel();
    let (query_id, invoice) = shared.with(|s| {
        let message = s.message_mut(user, message_id, "").map_err(|_| UserError::NoMessage)?.clone();
        let invoice = message.invoice.ok_or(UserError::NotAnInvoice)?;
        let query_id = format!("{}", 4_000_000_000_000u64 + s.next_query);
        s.next_query += 1;
        s.checkouts.insert(query_id.clone(), state::PendingCheckout { answer: tx });
        let payload = json!({"id": query_id, "from": s.user_json(user), "currency": invoice.currency,
            "total_amount": invoice.total_amount, "invoice_payload": invoice.payload});
        s.push_update("pre_checkout_query", payload);
        Ok((query_id, invoice))
    })?;
    let answer = tokio::time::timeout(deadline, rx).await;
    let outcome = match answer {
        Ok(Ok((true, _))) => shared.with(|s| {
            let charge_id = format!("stxSANDBOX{:010}", s.next_query);
            s.next_query += 1;
            s.charges.insert(
                charge_id.clone(),
                state::Charge { user, amount: invoice.total_amount, payload: invoice.payload.clone(), refunded: false },
            );
            let source = json!({"type": "user", "transaction_type": "invoice_payment", "user": s.user_json(user),
                "invoice_payload": invoice.payload});
            s.record_star_transaction(json!({"id": charge_id, "amount": invoice.total_amount, "source": source}));
            let paid = json!({"currency": invoice.currency, "total_amount": invoice.total_amount,
                "invoice_payload": invoice.payload, "telegram_payment_charge_id": charge_id,
                "provider_payment_charge_id": ""});
            let json = s.append(user, ChatMessage { successful_payment: Some(paid), ..Default::default() });
            s.push_update("message", json);
            PaymentOutcome::Paid { telegram_payment_charge_id: charge_id }
        }),
        Ok(Ok((false, error_message))) => PaymentOutcome::Declined { error_message },
        Ok(Err(_)) | Err(_) => {
            shared.with(|s| s.checkouts.remove(&query_id));
            PaymentOutcome::Expired
        }
    };
    if let PaymentOutcome::Paid { .. } | PaymentOutcome::Declined { .. } = &outcome {
        let (ok, error_message) = match &outcome {
            PaymentOutcome::Declined { error_message } => (false, error_message.clone()),
            _ => (true, None),
        };
        let _ = shared.events.send(ChatEvent::PreCheckoutAnswered { chat: user, query_id, ok, error_message });
    }
    Ok(outcome)
}
