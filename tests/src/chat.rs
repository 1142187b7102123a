//! A scripted user: types, presses buttons by their label, pays, and waits for what the bot
//! shows, reading the chat as the emulator keeps it (edits applied, deletions removed).

use aisha_sandbox::telegram::{ChatMessage, PaymentOutcome, TelegramEmulator};
use std::time::{Duration, Instant};

/// How long a step waits for the bot before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub struct Chat<'a> {
    pub tg: &'a TelegramEmulator,
    pub user: i64,
}

impl<'a> Chat<'a> {
    pub fn new(tg: &'a TelegramEmulator, user: i64) -> Self {
        Chat { tg, user }
    }

    pub fn say(&self, text: &str) -> i32 {
        self.tg.send_text(self.user, text)
    }

    pub fn messages(&self) -> Vec<ChatMessage> {
        self.tg.messages(self.user)
    }

    /// The text or caption of a message.
    pub fn text(m: &ChatMessage) -> String {
        m.text.clone().or_else(|| m.caption.clone()).unwrap_or_default()
    }

    /// Every button label of a message.
    pub fn labels(m: &ChatMessage) -> Vec<String> {
        let rows = m.reply_markup.as_ref().and_then(|r| r.get("inline_keyboard")).and_then(|r| r.as_array());
        rows.into_iter()
            .flatten()
            .filter_map(|row| row.as_array())
            .flatten()
            .filter_map(|b| b.get("text")?.as_str().map(str::to_owned))
            .collect()
    }

    /// Waits until the newest bot message satisfying `f` exists, and returns it.
    pub async fn wait_for(&self, what: &str, f: impl Fn(&ChatMessage) -> bool) -> ChatMessage {
        let start = Instant::now();
        loop {
            if let Some(m) = self.messages().into_iter().rev().find(|m| m.from_bot && f(m)) {
                return m;
            }
            if start.elapsed() > PATIENCE {
                let chat: Vec<String> = self.messages().iter().map(|m| format!("{:?}", Self::text(m))).collect();
                panic!("user {}: timed out waiting for {what}; the chat:\n{}", self.user, chat.join("\n"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for a bot message whose text or caption contains `needle`.
    pub async fn wait_text(&self, needle: &str) -> ChatMessage {
        self.wait_for(&format!("a message containing {needle:?}"), |m| Self::text(m).contains(needle)).await
    }

    /// Presses the button whose label contains `label` on the newest message that has one.
    pub async fn press(&self, label: &str) -> ChatMessage {
        let m =
            self.wait_for(&format!("a button {label:?}"), |m| Self::labels(m).iter().any(|l| l.contains(label))).await;
        self.press_on(&m, label);
        m
    }

    /// Presses the button labelled exactly `label` on the newest message that has one (for
    /// labels that are part of others, as `2` of `2:3`).
    pub async fn press_exact(&self, label: &str) -> ChatMessage {
        let m = self.wait_for(&format!("a button {label:?}"), |m| Self::labels(m).iter().any(|l| l == label)).await;
        let rows = m.reply_markup.as_ref().and_then(|r| r.get("inline_keyboard")).and_then(|r| r.as_array());
        let data = rows
            .into_iter()
            .flatten()
            .filter_map(|row| row.as_array())
            .flatten()
            .find(|b| b.get("text").and_then(|t| t.as_str()) == Some(label))
            .and_then(|b| b.get("callback_data")?.as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("message {} has no button {label:?}", m.message_id));
        self.tg.press(self.user, m.message_id, &data).expect("the button is on the message");
        m
    }

    /// The order screens of the Russian UI, from the prompt question on: types `prompt`, picks
    /// the format, the count and (for a catalog model) the model, each once its question is shown,
    /// and confirms at `price`.
    pub async fn order(&self, prompt: &str, aspect: &str, count: u8, model: Option<&str>, price: i64) {
        self.say(prompt);
        self.wait_text("Выберите формат").await;
        self.press_exact(aspect).await;
        self.wait_text("Сколько вариантов").await;
        self.press_exact(&count.to_string()).await;
        if let Some(m) = model {
            self.wait_text("Выберите модель").await;
            self.press(m).await;
        }
        self.wait_text("Проверьте заказ").await;
        self.press(&format!("Создать за {price} ")).await;
    }

    /// Presses the button whose label contains `label` on message `m`.
    pub fn press_on(&self, m: &ChatMessage, label: &str) {
        let rows = m.reply_markup.as_ref().and_then(|r| r.get("inline_keyboard")).and_then(|r| r.as_array());
        let data = rows
            .into_iter()
            .flatten()
            .filter_map(|row| row.as_array())
            .flatten()
            .find(|b| b.get("text").and_then(|t| t.as_str()).is_some_and(|t| t.contains(label)))
            .and_then(|b| b.get("callback_data")?.as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("message {} has no button {label:?}", m.message_id));
        self.tg.press(self.user, m.message_id, &data).expect("the button is on the message");
    }

    /// Pays the newest invoice in the chat.
    pub async fn pay_invoice(&self) -> PaymentOutcome {
        let invoice = self.wait_for("an invoice", |m| m.invoice.is_some()).await;
        self.tg.pay(self.user, invoice.message_id).await.expect("an invoice to pay")
    }

    /// The text or caption of every bot message, oldest first.
    pub fn bot_texts(&self) -> Vec<String> {
        self.messages().iter().filter(|m| m.from_bot).map(Self::text).collect()
    }

    /// How many bot messages contain `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.bot_texts().iter().filter(|t| t.contains(needle)).count()
    }

    /// Sends 2–10 photos as one album.
    pub fn send_album(&self, photos: Vec<Vec<u8>>) {
        self.tg.send_album(self.user, photos).expect("the photos are images Telegram takes");
    }

    pub fn photos(&self) -> Vec<ChatMessage> {
        self.messages().into_iter().filter(|m| m.from_bot && m.photo.is_some()).collect()
    }
}
