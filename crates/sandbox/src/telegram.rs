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
mod people;
mod state;

pub use media::png;
pub use model::{
    CHAT_ACTIONS, Call, ChatEvent, ChatMessage, Document, Fault, FaultKind, Invoice, PaymentOutcome, PhotoSize,
    SandboxUser,
};

use serde_json::{Value, json};
use state::State;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, broadcast};
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
