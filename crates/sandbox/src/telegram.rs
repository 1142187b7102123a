//! The Telegram Bot API emulator.
//!
//! A bot talks to it exactly as to `api.telegram.org`: `POST /bot<token>/<method>` with JSON
//! or multipart, files from `/file/bot<token>/<path>`. The people in the chats are driven from
//! the other side: Rust methods on [`TelegramEmulator`] or JSON endpoints under `/sandbox/`,
//! so a test or a web chat can type, send photos, press buttons, pay and block the bot, and
//! read what each chat shows now (edits and deletions applied).

pub mod html;
mod http;
mod media;
mod model;
mod params;
mod state;

pub use media::png;
pub use model::{
    CHAT_ACTIONS, Call, ChatEvent, ChatMessage, Document, Fault, FaultKind, Invoice, PaymentOutcome, PhotoSize,
    SandboxUser,
};

use media::{Upload, UploadKind};
use serde_json::{Value, json};
use state::State;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, broadcast, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The bot account the emulator plays.
pub const BOT_ID: i64 = 1_000_000_001;
pub const BOT_USERNAME: &str = "aisha_sandbox_bot";
/// The token the emulator accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "1000000001:SANDBOX-not-a-real-token";

pub(crate) fn bot_user_json() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "AISHA", "username": BOT_USERNAME})
}

/// A Bot API error answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotError {
    pub code: u16,
    pub description: String,
    pub retry_after: Option<u32>,
}

impl BotError {
    pub(crate) fn new(code: u16, description: &str) -> Self {
        Self { code, description: description.to_owned(), retry_after: None }
    }

    pub(crate) fn bad(what: &str) -> Self {
        Self::new(400, &format!("Bad Request: {what}"))
    }

    pub(crate) fn too_many(retry_after: u32) -> Self {
        Self {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }
}

impl std::fmt::Display for BotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.description)
    }
}

impl std::error::Error for BotError {}

pub(crate) struct Shared {
    pub token: String,
    pub started: Instant,
    pub state: Mutex<State>,
    pub faults: Mutex<Vec<Fault>>,
    pub calls: Mutex<Vec<Call>>,
    pub updates_changed: Notify,
    pub events: broadcast::Sender<ChatEvent>,
    pub http: reqwest::Client,
    /// Cancelled to end the open event streams (a server shutting down waits for them).
    pub closing: tokio_util::sync::CancellationToken,
}

impl Shared {
    /// Runs `f` on the state, then publishes the chat events it produced and wakes pollers.
    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let (out, events, woke) = {
            let mut state = self.state.lock().expect("sandbox lock");
            let before = state.next_update;
            let out = f(&mut state);
            (out, std::mem::take(&mut state.events), state.next_update != before)
        };
        for event in events {
            let _ = self.events.send(event);
        }
        if woke {
            self.updates_changed.notify_waiters();
        }
        out
    }

    /// The failure to answer `method` for `chat` with, if a fault or a 429 cooldown applies;
    /// `Slow` faults are returned as a delay.
    pub fn fault(&self, method: &str, chat: Option<i64>) -> (Option<Duration>, Option<BotError>) {
        let now = Instant::now();
        {
            let state = self.state.lock().expect("sandbox lock");
            for key in [chat, None] {
                if let Some(until) = state.cooldowns.get(&key).filter(|u| **u > now) {
                    let left = (*until - now).as_secs_f64().ceil().max(1.0) as u32;
                    return (None, Some(BotError::too_many(left)));
                }
                if chat.is_none() {
                    break;
                }
            }
        }
        let mut faults = self.faults.lock().expect("sandbox lock");
        let hit = faults.iter_mut().position(|f| {
            f.method.as_deref().is_none_or(|m| m == method)
                && (f.chat.is_none() || f.chat == chat)
                && f.times.is_none_or(|t| t > 0)
        });
        let Some(i) = hit else { return (None, None) };
        let fault = &mut faults[i];
        if let Some(t) = &mut fault.times {
            *t -= 1;
        }
        let (kind, scope) = (fault.kind, fault.chat);
        drop(faults);
        match kind {
            FaultKind::Slow { millis } => (Some(Duration::from_millis(millis)), None),
            FaultKind::ServerError { status } => (None, Some(BotError::new(status, "Internal Server Error"))),
            FaultKind::Forbidden => (None, Some(BotError::new(403, "Forbidden: user is deactivated"))),
            FaultKind::TooManyRequests { retry_after } => {
                let until = now + Duration::from_secs(u64::from(retry_after));
                self.state.lock().expect("sandbox lock").cooldowns.insert(scope, until);
                (None, Some(BotError::too_many(retry_after)))
            }
        }
    }

    pub fn record(&self, method: &str, chat_id: Option<i64>, result: &Result<Value, BotError>) {
        let (status, description) = match result {
            Ok(_) => (200, None),
            Err(e) => (e.code, Some(e.description.clone())),
        };
        let call = Call { at: self.started.elapsed(), method: method.to_owned(), chat_id, status, description };
        self.calls.lock().expect("sandbox lock").push(call);
    }
}

/// A running emulator on `127.0.0.1`. Dropping it stops the server. Derefs to the
/// [`TelegramSandbox`] handle that drives the users and reads the chats.
pub struct TelegramEmulator {
    sandbox: TelegramSandbox,
    addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl std::ops::Deref for TelegramEmulator {
    type Target = TelegramSandbox;
    fn deref(&self) -> &TelegramSandbox {
        &self.sandbox
    }
}

/// The users' side of the emulator, and what tests read. Cheap to clone.
#[derive(Clone)]
pub struct TelegramSandbox {
    shared: Arc<Shared>,
}

impl Drop for TelegramEmulator {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A user-side action the emulator refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("no such message")]
    NoMessage,
    #[error("the message has no button with that data")]
    NoButton,
    #[error("the message is not an invoice")]
    NotAnInvoice,
    #[error("not an image Telegram would take as a photo")]
    NotAPhoto,
}

impl TelegramEmulator {
    /// Starts on a free loopback port with [`DEFAULT_TOKEN`].
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with_token(DEFAULT_TOKEN).await
    }

    pub async fn start_with_token(token: &str) -> std::io::Result<Self> {
        // roomy: a load generator follows every chat through it at thousands of events a second
        let (events, _) = broadcast::channel(1 << 16);
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            started: Instant::now(),
            state: Mutex::new(State::new()),
            faults: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
            updates_changed: Notify::new(),
            events,
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(std::io::Error::other)?,
            closing: tokio_util::sync::CancellationToken::new(),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let sandbox = TelegramSandbox { shared: shared.clone() };
        let app = http::router(sandbox.clone());
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the Telegram emulator stopped");
            }
        });
        let webhook = tokio::spawn(http::deliver_webhooks(shared.clone()));
        Ok(Self { sandbox, addr, tasks: vec![server, webhook] })
    }

    /// `http://127.0.0.1:<port>`: the API base (methods under `/bot<token>/`) and the file base.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A handle that outlives nothing: it works while this emulator runs.
    pub fn sandbox(&self) -> TelegramSandbox {
        self.sandbox.clone()
    }
}

impl TelegramSandbox {
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The `/sandbox/...` endpoints alone (no Bot API, no token-guarded files), to mount on
    /// another server, as the web chat does.
    pub fn user_api(&self) -> axum::Router {
        http::user_router(self.clone())
    }

    /// Ends every open `/sandbox/events` stream, so a server can shut down without waiting
    /// for browsers to hang up. Later streams end at once.
    pub fn end_event_streams(&self) {
        self.shared.closing.cancel();
    }

    /// Every user the emulator knows, by id.
    pub fn users(&self) -> Vec<SandboxUser> {
        self.shared.with(|s| {
            let mut users: Vec<SandboxUser> = s
                .users
                .iter()
                .map(|(id, u)| SandboxUser {
                    id: *id,
                    first_name: u.first_name.clone(),
                    language_code: u.language_code.clone(),
                    blocked: u.blocked,
                })
                .collect();
            users.sort_by_key(|u| u.id);
            users
        })
    }

    // ---- the people ------------------------------------------------------------------------

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

    // ---- what a test reads -----------------------------------------------------------------

    /// The chat's messages as the user sees them now: edits applied, deleted ones gone.
    pub fn messages(&self, chat: i64) -> Vec<ChatMessage> {
        messages(&self.shared, chat)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ChatEvent> {
        self.shared.events.subscribe()
    }

    /// Every Bot API request answered so far.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().expect("sandbox lock").clone()
    }

    /// Updates waiting for the bot (not yet confirmed by an offset).
    pub fn pending_updates(&self) -> usize {
        self.shared.with(|s| s.updates.len())
    }

    /// With `false`, an update whose webhook delivery fails is lost instead of retried, as
    /// when Telegram gives up on an unanswered update: only `getStarTransactions` still
    /// shows a payment lost that way.
    pub fn set_redelivery(&self, redeliver: bool) {
        self.shared.with(|s| s.redeliver = redeliver);
    }

    /// The bot's Star transactions so far (payments and refunds), oldest first.
    pub fn star_transactions(&self) -> Vec<Value> {
        self.shared.with(|s| s.star_transactions.clone())
    }

    /// The default command list (the last `setMyCommands` without a language).
    pub fn commands(&self) -> Value {
        self.commands_for("")
    }

    /// The command list a user with this Telegram language sees: the list set for it, else
    /// the default one, as in Telegram.
    pub fn commands_for(&self, language: &str) -> Value {
        self.shared.with(|s| s.commands_for(language))
    }

    pub fn webhook_url(&self) -> Option<String> {
        self.shared.with(|s| s.webhook.as_ref().map(|w| w.url.clone()))
    }

    /// Queues a raw update (any kind, any shape) with the next `update_id`, for tests of
    /// what the bot does with updates it does not expect.
    pub fn inject_update(&self, kind: &str, payload: Value) -> i64 {
        self.shared.with(|s| {
            let id = s.next_update;
            s.next_update += 1;
            s.updates.push_back((id, json!({"update_id": id, kind: payload})));
            id
        })
    }

    // ---- faults ----------------------------------------------------------------------------

    pub fn add_fault(&self, fault: Fault) {
        self.shared.faults.lock().expect("sandbox lock").push(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("sandbox lock").clear();
        self.shared.with(|s| s.cooldowns.clear());
    }
}

fn messages(shared: &Shared, chat: i64) -> Vec<ChatMessage> {
    shared.with(|s| {
        s.chats.get(&chat).map(|c| c.messages.iter().filter(|m| !m.deleted).cloned().collect()).unwrap_or_default()
    })
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
