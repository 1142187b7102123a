//! Telegram Stars: invoices, pre-checkout answers, refunds and the bot's Star transactions.

use super::State;
use super::checks::keyboard;
use crate::telegram::BotError;
use crate::telegram::model::{ChatMessage, Invoice};
use crate::telegram::params::Params;
use serde_json::{Value, json};

impl State {
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
}
