//! A bot over the memory adapters, a scripted image provider, and helpers to talk to it as a
//! Telegram user would.
#![allow(dead_code)]

use aisha_bot::callback::Cb;
use aisha_bot::io::{
    AlbumItem, ButtonAction, ChatId, Event, FetchError, Files, IncomingFile, MessageId, Outgoing, Reply, Update,
};
use aisha_bot::{Bot, BotConfig};
use aisha_domain::generation::PriceTable;
use aisha_domain::services::runner::JobRunner;
use aisha_domain::services::{Env, Ports, Rules, Services};
use aisha_domain::user::Profile;
use aisha_domain::{Coins, TelegramUserId, User};
use aisha_memory::{
    ManualClock, MemoryImageStore, MemorySessions, MemoryStore, RecordingNotifier, ScriptedGenerator, SeqIds,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

/// Files "on Telegram's servers": bytes registered per file id, and a record of downloads.
#[derive(Default)]
pub struct MemoryFiles {
    files: Mutex<HashMap<String, Vec<u8>>>,
    fetched: Mutex<Vec<String>>,
    next: AtomicI64,
}

impl MemoryFiles {
    /// Registers bytes and describes them as Telegram would (`size` as reported).
    pub fn add(&self, bytes: Vec<u8>, mime: Option<&str>, name: Option<&str>) -> IncomingFile {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let file_id = format!("file-{n}");
        let size = Some(bytes.len() as u64);
        let dims = aisha_domain::media::probe(&bytes).map(|(_, w, h)| (w, h));
        self.files.lock().unwrap().insert(file_id.clone(), bytes);
        IncomingFile {
            file_id,
            file_unique_id: format!("uniq-{n}"),
            size,
            width: dims.map(|d| d.0),
            height: dims.map(|d| d.1),
            mime_type: mime.map(str::to_owned),
            file_name: name.map(str::to_owned),
        }
    }

    /// File ids downloaded so far, in order.
    pub fn fetched(&self) -> Vec<String> {
        self.fetched.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Files for MemoryFiles {
    async fn fetch(&self, file_id: &str, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
        self.fetched.lock().unwrap().push(file_id.to_owned());
        let files = self.files.lock().unwrap();
        let bytes = files.get(file_id).ok_or_else(|| FetchError::Unavailable(format!("no file {file_id}")))?;
        if bytes.len() as u64 > max_bytes {
            return Err(FetchError::TooLarge { max: max_bytes });
        }
        Ok(bytes.clone())
    }
}

pub struct Harness {
    pub clock: Arc<ManualClock>,
    pub store: Arc<MemoryStore>,
    pub images: Arc<MemoryImageStore>,
    pub sessions: Arc<MemorySessions>,
    pub generator: Arc<ScriptedGenerator>,
    pub notifier: Arc<RecordingNotifier>,
    pub runner: Arc<JobRunner>,
    pub env: Env,
    pub files: Arc<MemoryFiles>,
    /// The prompt assistant's model: tests queue its answers.
    pub assistant: Arc<aisha_memory::ScriptedAssistant>,
    pub bot: Bot,
    next_update: AtomicI64,
}

pub fn block<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

impl Harness {
    pub fn new() -> Self {
        Self::build(None, PriceTable::default())
    }

    /// A bot whose Create offers this catalog.
    pub fn with_catalog(catalog: aisha_domain::Catalog) -> Self {
        Self::build(None, PriceTable { catalog, ..PriceTable::default() })
    }

    /// A bot whose new users get this welcome credit (the first-image gift).
    pub fn with_gift(coins: i64) -> Self {
        let mut h = Self::new();
        h.bot.accounts.welcome_bonus = Coins::new(coins).unwrap();
        h
    }

    /// Another bot over the same stores: what a restart (or another replica) sees.
    pub fn restarted(&self) -> Self {
        Self::build(Some(self), self.bot.generation.prices.clone())
    }

    fn build(from: Option<&Harness>, prices: PriceTable) -> Self {
        let clock = from.map_or_else(|| Arc::new(ManualClock::default()), |h| h.clock.clone());
        let env = Env { clock: clock.clone(), ids: Arc::new(SeqIds::default()) };
        let env = from.map_or(env, |h| h.env.clone());
        let store = from.map_or_else(|| Arc::new(MemoryStore::new()), |h| h.store.clone());
        let images = from.map_or_else(|| Arc::new(MemoryImageStore::default()), |h| h.images.clone());
        let sessions = from.map_or_else(|| Arc::new(MemorySessions::new(clock.clone())), |h| h.sessions.clone());
        let generator = from.map_or_else(|| Arc::new(ScriptedGenerator::new()), |h| h.generator.clone());
        let notifier = from.map_or_else(|| Arc::new(RecordingNotifier::default()), |h| h.notifier.clone());
        let files = from.map_or_else(|| Arc::new(MemoryFiles::default()), |h| h.files.clone());
        let assistant =
            from.map_or_else(|| Arc::new(aisha_memory::ScriptedAssistant::default()), |h| h.assistant.clone());
        // three free improvements a day, so the limit is reachable in a test
        let help = aisha_domain::services::assistant::PromptHelp {
            assistant: assistant.clone(),
            limiter: Arc::new(aisha_memory::MemoryRateLimiter::new(clock.clone())),
            daily_free: 3,
        };
        let ports = Ports::over(store.clone(), sessions.clone(), images.clone(), generator.clone(), notifier.clone());
        let rules = Rules { prices, ..Rules::default() };
        let services = Services::assemble(&ports, &env, &rules);
        let config = BotConfig { admins: vec![TelegramUserId::new(999).unwrap()], ..BotConfig::default() };
        let bot = Bot::new(services, &ports, files.clone(), Some(Arc::new(help)), config);
        let runner = bot.runner.clone();
        Self {
            clock,
            store,
            images,
            sessions,
            generator,
            notifier,
            runner,
            env,
            files,
            assistant,
            bot,
            next_update: AtomicI64::new(1),
        }
    }

    pub fn profile(tg: i64, lang: &str) -> Profile {
        Profile {
            telegram_id: TelegramUserId::new(tg).unwrap(),
            first_name: format!("Tester{tg}"),
            last_name: None,
            username: None,
            language_code: Some(lang.to_owned()),
        }
    }

    pub fn send(&self, tg: i64, lang: &str, event: Event) -> Vec<Outgoing> {
        let id = self.next_update.fetch_add(1, Ordering::SeqCst);
        block(self.bot.handle(Update { id, from: Self::profile(tg, lang), event }))
    }

    /// An update as Telegram delivers it, with its own id (deliver it twice to see a repeat).
    pub fn deliver(&self, update: Update) -> Vec<Outgoing> {
        block(self.bot.handle(update))
    }

    /// A command as the transport parses it: `name` may carry arguments after a space
    /// (`"gallery grid"`).
    pub fn command(&self, tg: i64, lang: &str, name: &str) -> Vec<Outgoing> {
        let (name, args) = name.split_once(' ').unwrap_or((name, ""));
        self.send(
            tg,
            lang,
            Event::Command { chat: ChatId(tg), message: MessageId(1), name: name.into(), args: args.into() },
        )
    }

    pub fn text(&self, tg: i64, lang: &str, text: &str) -> Vec<Outgoing> {
        self.send(tg, lang, Event::Text { chat: ChatId(tg), message: MessageId(1), text: text.into() })
    }

    pub fn press(&self, tg: i64, lang: &str, cb: Cb, message: i32) -> Vec<Outgoing> {
        self.press_raw(tg, lang, &cb.encode(), message)
    }

    pub fn press_raw(&self, tg: i64, lang: &str, data: &str, message: i32) -> Vec<Outgoing> {
        self.send(
            tg,
            lang,
            Event::Callback {
                chat: ChatId(tg),
                message: Some(MessageId(message)),
                query_id: "q".into(),
                data: data.into(),
            },
        )
    }

    /// A photo message (Telegram's compressed JPEG).
    pub fn photo(&self, tg: i64, lang: &str, file: IncomingFile) -> Vec<Outgoing> {
        self.send(
            tg,
            lang,
            Event::Photo { chat: ChatId(tg), message: MessageId(100), file, media_group: None, caption: None },
        )
    }

    /// A file sent as a document.
    pub fn document(&self, tg: i64, lang: &str, file: IncomingFile) -> Vec<Outgoing> {
        self.send(
            tg,
            lang,
            Event::Document { chat: ChatId(tg), message: MessageId(100), file, media_group: None, caption: None },
        )
    }

    /// A media group, collected as the transport does: `(file, is_document)` in order.
    pub fn album(&self, tg: i64, lang: &str, files: Vec<(IncomingFile, bool)>) -> Vec<Outgoing> {
        let items = files
            .into_iter()
            .enumerate()
            .map(|(n, (file, is_document))| AlbumItem {
                message: MessageId(200 + i32::try_from(n).unwrap()),
                file,
                is_document,
            })
            .collect();
        self.send(tg, lang, Event::Album { chat: ChatId(tg), media_group: "group-1".into(), items })
    }

    pub fn user(&self, tg: i64) -> User {
        block(aisha_domain::ports::Users::by_telegram(&*self.store, TelegramUserId::new(tg).unwrap()))
            .unwrap()
            .expect("registered")
    }

    pub fn fund(&self, tg: i64, coins: i64) {
        let u = self.user(tg);
        block(self.bot.accounts.adjust(u.id, coins, "test", None)).unwrap();
    }

    pub fn balance(&self, tg: i64) -> i64 {
        block(aisha_domain::ports::Ledger::balance(&*self.store, self.user(tg).id)).unwrap().get()
    }

    /// Runs the worker once and renders every notice it produced.
    pub fn work(&self) -> Vec<Outgoing> {
        self.clock.advance(chrono::Duration::seconds(5));
        block(self.runner.tick()).unwrap();
        self.notifier
            .take()
            .into_iter()
            .flat_map(|(owner, notice)| block(self.bot.render_notice(owner, notice)).unwrap())
            .collect()
    }

    pub fn assert_invariants(&self) {
        let violations = self.store.violations(&self.images);
        assert!(
            violations.is_empty(),
            "invariants broken:
{}",
            violations.join(
                "
"
            )
        );
    }
}

/// Every callback button in a list of replies.
pub fn buttons(out: &[Outgoing]) -> Vec<(String, String)> {
    out.iter()
        .filter_map(|o| match &o.reply {
            Reply::SendText { keyboard, .. }
            | Reply::EditText { keyboard, .. }
            | Reply::SendPhoto { keyboard, .. }
            | Reply::EditPhoto { keyboard, .. }
            | Reply::EditKeyboard { keyboard, .. } => keyboard.clone(),
            _ => None,
        })
        .flatten()
        .flatten()
        .filter_map(|b| match b.action {
            ButtonAction::Callback(data) => Some((b.text, data)),
            _ => None,
        })
        .collect()
}

/// The callback of the first button whose decoded value satisfies `f`.
pub fn find(out: &[Outgoing], f: impl Fn(&Cb) -> bool) -> Option<Cb> {
    buttons(out).into_iter().filter_map(|(_, d)| Cb::decode(&d)).find(|c| f(c))
}

/// All texts and captions, joined, for assertions.
pub fn all_text(out: &[Outgoing]) -> String {
    out.iter()
        .filter_map(|o| match &o.reply {
            Reply::SendText { text, .. } | Reply::EditText { text, .. } => Some(text.clone()),
            Reply::SendPhoto { caption, .. } | Reply::EditPhoto { caption, .. } => caption.clone(),
            Reply::AnswerCallback { text, .. } => text.clone(),
            Reply::AnswerPreCheckout { error, .. } => error.clone(),
            Reply::Invoice { title, description, .. } => Some(format!("{title}\n{description}")),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// A readable rendering of replies, for snapshots.
pub fn render(out: &[Outgoing]) -> String {
    let mut s = String::new();
    for o in out {
        let (kind, body, keyboard) = match &o.reply {
            Reply::SendText { text, keyboard, .. } => ("send", text.clone(), keyboard.clone()),
            Reply::EditText { text, keyboard, message, .. } => {
                ("edit", format!("[{}] {text}", message.0), keyboard.clone())
            }
            Reply::SendPhoto { caption, keyboard, photo, .. } => {
                ("photo", format!("{photo:?}\n{}", caption.clone().unwrap_or_default()), keyboard.clone())
            }
            Reply::EditPhoto { caption, keyboard, photo, message, .. } => (
                "edit-photo",
                format!("[{}] {photo:?}\n{}", message.0, caption.clone().unwrap_or_default()),
                keyboard.clone(),
            ),
            Reply::EditKeyboard { keyboard, message, .. } => {
                ("edit-keyboard", format!("[{}]", message.0), keyboard.clone())
            }
            other => ("other", format!("{other:?}"), None),
        };
        s.push_str(&format!("== {kind} ({:?})\n{body}\n", o.class));
        for row in keyboard.unwrap_or_default() {
            let labels: Vec<String> = row
                .iter()
                .map(|b| match &b.action {
                    ButtonAction::Callback(d) => format!("[{} → {}]", b.text, d),
                    other => format!("[{} → {other:?}]", b.text),
                })
                .collect();
            s.push_str(&labels.join(" "));
            s.push('\n');
        }
    }
    s
}
