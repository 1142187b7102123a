//! Bad input: 10 000 generated updates through the Telegram emulator into the real binary —
//! random and mutated JSON, update kinds the bot does not take, oversized and hostile texts,
//! random and forged callback data (valid encodings carrying other users' image, job, avatar
//! and photo ids), huge albums, non-image documents, junk commands, forged payments. Three
//! victims with images, a favorite, an avatar with a photo and a balance are seeded first.
//!
//! Afterwards: the process is alive and healthy and never panicked; the victims' rows (balance,
//! ledger, jobs, images, avatars, settings, sessions) and chats are exactly as before; no
//! attacker chat or toast shows a victim's prompt, avatar name or image; every message and
//! toast the attackers got is non-empty, well-formed Telegram HTML and free of debug output;
//! Telegram refused nothing for the bot's own fault (too long, bad button data, empty text);
//! and `aisha admin audit` passes. The generator is seeded (`AISHA_FUZZ_SEED` changes it), so
//! a failure reproduces; `AISHA_FUZZ_UPDATES` changes the count.

use aisha_bot::callback::{self, Cb};
use aisha_db::Db;
use aisha_domain::payments::{InvoicePayload, default_packages};
use aisha_domain::ports::{Avatars, SessionStore, Users};
use aisha_domain::session::SessionKey;
use aisha_domain::{AspectRatio, AvatarId, Coins, Gender, ImageId, JobId, ModelKey, PhotoId, TelegramUserId, UserId};
use aisha_sandbox::rng::Rng;
use aisha_sandbox::telegram::{ChatEvent, ChatMessage, html, png};
use aisha_tests::{AppProcess, Backend, Chat, Emulators};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

const UPDATES: usize = 10_000;
const VICTIMS: [i64; 3] = [9_001, 9_002, 9_003];
const ATTACKERS: std::ops::RangeInclusive<i64> = 10_001..=10_200;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_aisha"))
}

/// Fuzz strings on top of the shared seeded generator.
trait Junk {
    fn junk(&mut self, len: usize) -> String;
    fn junk_upto(&mut self, max: usize) -> String;
}

impl Junk for Rng {
    /// A string of `len` characters drawn from hostile alphabets: markup, entities, control
    /// characters, RTL marks, emoji, Cyrillic, quotes and separators the encodings use.
    fn junk(&mut self, len: usize) -> String {
        const PIECES: &[&str] = &[
            "<",
            ">",
            "&",
            "&amp;",
            "&lt;",
            "<b>",
            "</i>",
            "<a href=\"x\">",
            "\"",
            "'",
            ":",
            "/",
            "\\",
            "\0",
            "\u{7}",
            "\n",
            "\t",
            "\u{202e}",
            "\u{200b}",
            "\u{feff}",
            "😀",
            "👨‍👩‍👧",
            "ж",
            "Ё",
            "%s",
            "{}",
            "$1",
            "1",
            "v1:",
            "@",
            "#",
            " ",
            "a",
            "Z",
            "9",
            "_",
            "-",
            "..",
            "\u{fffd}",
            "𝔘",
            "ﷺ",
            "\r",
        ];
        let mut s = String::new();
        while s.chars().count() < len {
            s.push_str(self.pick::<&str>(PIECES));
        }
        s
    }
    /// [`junk`](Junk::junk) of a random length below `max`.
    fn junk_upto(&mut self, max: usize) -> String {
        let len = self.below(max);
        self.junk(len)
    }
}

/// What a victim owns, and the callback data that names it.
#[derive(Default)]
struct Victims {
    /// Secrets that must never reach another chat: prompts, avatar names.
    secrets: Vec<String>,
    /// Callback data seen in the victims' chats that names one of their things by id.
    payloads: Vec<String>,
    /// Those ids.
    ids: Vec<Uuid>,
    /// SHA-like fingerprints (length + first bytes) of the images in their chats.
    image_bytes: HashSet<Vec<u8>>,
    file_ids: HashSet<String>,
}

/// `cb`'s encoding up to its argument: what every button of its kind starts with.
fn kind_of(cb: Cb) -> String {
    let data = cb.encode();
    match data.split_once(':') {
        Some((tag, _)) => format!("{tag}:"),
        None => data,
    }
}

/// The id an id-carrying button names, if `data` is one (decoded by the bot's own rules).
fn named_id(data: &str) -> Option<Uuid> {
    let cb = Cb::decode(data)?;
    let id = Uuid::try_parse(data.split_once(':')?.1).ok()?;
    callback::with_id(id).contains(&cb).then_some(id)
}

/// Callback data without the version: every sample the bot encodes, and each argument-taking
/// kind with arguments out of range or malformed.
fn data_bodies() -> Vec<String> {
    let mut bodies = Vec::new();
    for cb in callback::samples() {
        let data = cb.encode();
        let body = data.strip_prefix(callback::VERSION).unwrap_or(&data).to_owned();
        if let Some((tag, _)) = body.split_once(':') {
            for bad in ["", "0", "-1", "5", "9", "255", "256", "65535", "99999", "zz", "all", "2"] {
                bodies.push(format!("{tag}:{bad}"));
            }
        }
        bodies.push(body);
    }
    bodies.sort();
    bodies.dedup();
    bodies
}

/// Newest bot message with a button whose data starts with `prefix`: press it.
async fn press_data(chat: &Chat<'_>, prefix: &str) -> ChatMessage {
    let m = chat
        .wait_for(&format!("a button {prefix}…"), |m| m.callback_data().iter().any(|d| d.starts_with(prefix)))
        .await;
    let data = m.callback_data().into_iter().find(|d| d.starts_with(prefix)).expect("the button is there");
    chat.tg.press(chat.user, m.message_id, &data).expect("the button is on the message");
    m
}

async fn file_bytes(emu: &Emulators, file_id: &str) -> Vec<u8> {
    let url = format!("{}/sandbox/files/{file_id}", emu.telegram.base_url());
    reqwest::get(url).await.expect("the emulator answers").bytes().await.expect("the file").to_vec()
}

/// A victim: coins, two Imagen images (one a favorite), an avatar with one photo.
async fn seed_victim(emu: &Emulators, app: &AppProcess, id: i64, token: &str, victims: &mut Victims) {
    let chat = emu.user(id, "ru");
    chat.say("/start");
    chat.wait_for("the menu", |m| !m.callback_data().is_empty()).await;
    let out = app.command(&["admin", "balance", "add", &id.to_string(), "100", "--reason", "bad-input seed"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let prompt = format!("секретный маяк {token}");
    chat.say("/create");
    chat.wait_text("Опишите одним сообщением").await;
    chat.say(&prompt);
    let nil = Uuid::nil();
    press_data(&chat, &Cb::Aspect(AspectRatio::Landscape16x9).encode()).await;
    press_data(&chat, &Cb::Count(2).encode()).await;
    press_data(&chat, &Cb::Model(ModelKey::parse("nano-banana-2").expect("a catalog key")).encode()).await;
    press_data(&chat, &kind_of(Cb::Confirm(JobId(nil)))).await;
    chat.wait_text("Готово: 2 из 2").await;

    chat.say("/gallery");
    press_data(&chat, &kind_of(Cb::Favorite(ImageId(nil)))).await;
    chat.wait_for("a favorite card", |m| Chat::text(m).contains('⭐')).await;

    let avatar = format!("Жертва{token}");
    chat.say("/avatars");
    press_data(&chat, &Cb::AvatarNew.encode()).await;
    chat.wait_text("Как его назвать").await;
    chat.say(&avatar);
    press_data(&chat, &Cb::Gender(Gender::Female).encode()).await;
    chat.wait_text("Фото для").await;
    let side = 512 + u32::try_from(id % 100).unwrap_or(0);
    chat.tg.send_photo(id, png(side, side), None).expect("a photo");
    chat.wait_text("Фото добавлено").await;
    press_data(&chat, &kind_of(Cb::AvatarReview(AvatarId(nil)))).await;
    let remove = kind_of(Cb::PhotoRemove(PhotoId(nil)));
    chat.wait_for("the review with a remove button", |m| m.callback_data().iter().any(|d| d.starts_with(&remove)))
        .await;

    victims.secrets.push(prompt);
    victims.secrets.push(avatar);
    for m in chat.messages() {
        for d in m.callback_data() {
            if let Some(id) = named_id(&d) {
                victims.ids.push(id);
                victims.payloads.push(d);
            }
        }
        if let Some(sizes) = &m.photo {
            for s in sizes {
                victims.file_ids.insert(s.file_id.clone());
                victims.image_bytes.insert(file_bytes(emu, &s.file_id).await);
            }
        }
    }
}

/// Everything the database holds about the victims, as text to compare.
async fn snapshot(db: &Db, redis: bool) -> BTreeMap<i64, String> {
    let snap = db.audit_snapshot().await.expect("the audit snapshot");
    let mut out = BTreeMap::new();
    for tg in VICTIMS {
        let user =
            Users::by_telegram(db, TelegramUserId::new(tg).expect("valid")).await.expect("users").expect("the victim");
        let id: UserId = user.id;
        let mut s = format!("user {user:?}\nbalance {:?}\n", snap.balances.get(&id));
        for e in snap.ledger.iter().filter(|e| e.owner == id) {
            s.push_str(&format!("ledger {e:?}\n"));
        }
        for j in snap.jobs.iter().filter(|j| j.owner == id) {
            s.push_str(&format!("job {j:?}\n"));
        }
        for i in snap.images.iter().filter(|i| i.owner == id) {
            s.push_str(&format!("image {i:?}\n"));
        }
        for a in Avatars::list(db, id).await.expect("avatars") {
            s.push_str(&format!("avatar {a:?}\nphotos {:?}\n", Avatars::photos(db, id, a.id).await.expect("photos")));
        }
        if !redis {
            for key in [SessionKey::gallery(id), SessionKey::dialogue(id)] {
                s.push_str(&format!("session {:?}\n", SessionStore::get(db, &key).await.expect("sessions")));
            }
        }
        out.insert(tg, s);
    }
    out
}

fn user_json(id: i64, rng: &mut Rng) -> Value {
    let mut u = json!({"id": id, "is_bot": false, "first_name": format!("A{id}")});
    if rng.chance(30) {
        u["language_code"] = json!(rng.pick(&["ru", "en", "de", "", "xx-YY", "ru-RU"]));
    }
    if rng.chance(10) {
        u["first_name"] = json!(rng.junk_upto(300) + "x");
    }
    if rng.chance(10) {
        u["username"] = json!(rng.junk(40));
    }
    u
}

/// A random JSON value, `depth` levels deep at most.
fn random_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth == 0 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(rng.next_u64() as i64),
        3 => json!((rng.next_u64() % 1000) as f64 / 7.0),
        4 => json!(rng.junk_upto(50)),
        5 => json!(rng.pick(&[0i64, -1, i64::MAX, i64::MIN, 1 << 53, 4_294_967_296, 9_001])),
        6 => Value::Array((0..rng.below(5)).map(|_| random_value(rng, depth - 1)).collect()),
        _ => {
            let keys = ["message_id", "from", "chat", "text", "data", "id", "photo", "document", "date", "caption"];
            let mut m = serde_json::Map::new();
            for _ in 0..rng.below(6) {
                let key = if rng.chance(70) { (*rng.pick(&keys)).to_owned() } else { rng.junk(6) };
                m.insert(key, random_value(rng, depth - 1));
            }
            Value::Object(m)
        }
    }
}

/// Replaces, removes or retypes one field somewhere in `v`.
fn mutate(v: &mut Value, rng: &mut Rng) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let key = rng.pick(&keys).clone();
            match rng.below(4) {
                0 => {
                    m.remove(&key);
                }
                1 => {
                    m.insert(key, random_value(rng, 2));
                }
                _ => mutate(m.get_mut(&key).expect("the key"), rng),
            }
        }
        Value::Array(a) if !a.is_empty() => {
            let i = rng.below(a.len());
            mutate(&mut a[i], rng);
        }
        other => *other = random_value(rng, 1),
    }
}

/// Attacker-side state the generator keeps.
struct Fuzz<'a> {
    emu: &'a Emulators,
    rng: Rng,
    victims: &'a Victims,
    /// Real file ids: photos and non-image documents the emulator holds.
    photo_ids: Vec<String>,
    doc_ids: Vec<String>,
    /// Chats the bot may have written to, and what was sent from each (to tell the bot's own
    /// words from an echo of the user's).
    chats: HashSet<i64>,
    sent: HashMap<i64, Vec<String>>,
    counts: BTreeMap<&'static str, usize>,
    /// Callback query id → the forged data naming a victim's thing.
    forged: HashMap<String, String>,
    injected: usize,
    next_message: i32,
    next_group: u64,
}

impl Fuzz<'_> {
    fn attacker(&mut self) -> i64 {
        *self.rng.pick(&ATTACKERS.collect::<Vec<_>>())
    }

    /// A sender id that is never a victim: attackers, strangers, nonsense.
    fn stranger(&mut self) -> i64 {
        loop {
            let id = match self.rng.below(5) {
                0 => 20_000 + self.rng.below(500) as i64,
                1 => self.rng.next_u64() as i64,
                2 => *self.rng.pick(&[0, -1, -1_001_234_567_890, i64::MAX, i64::MIN, 1 << 53]),
                _ => self.attacker(),
            };
            if !VICTIMS.contains(&id) {
                return id;
            }
        }
    }

    fn count(&mut self, what: &'static str, updates: usize) {
        *self.counts.entry(what).or_default() += 1;
        self.injected += updates;
    }

    fn message_id(&mut self) -> i32 {
        self.next_message += 1;
        self.next_message
    }

    fn message(&mut self, from: i64, extra: Value) -> Value {
        self.chats.insert(from);
        let mut m = json!({"message_id": self.message_id(), "from": user_json(from, &mut self.rng),
            "chat": {"id": from, "type": "private", "first_name": "x"}, "date": 1_790_000_000});
        if let (Value::Object(m), Value::Object(extra)) = (&mut m, extra) {
            m.extend(extra);
        }
        m
    }

    fn note(&mut self, chat: i64, s: &str) {
        self.sent.entry(chat).or_default().push(s.to_owned());
    }

    /// A message id in the attacker's chat: a real one (often a bot message with buttons) or
    /// one that does not exist.
    fn target_message(&mut self, chat: i64) -> i32 {
        let messages = self.emu.telegram.messages(chat);
        if !messages.is_empty() && self.rng.chance(80) {
            return self.rng.pick(&messages).message_id;
        }
        *self.rng.pick(&[0, -5, 1, 999_999, i32::MAX, 3])
    }

    /// A callback payload that decodes but names someone else's things: data seen in the
    /// victims' chats, or any kind of id-carrying button (as the bot encodes it) with a
    /// victim's id or a random one.
    fn forged_data(&mut self) -> String {
        let kinds = callback::with_id(Uuid::nil()).len();
        match self.rng.below(4) {
            0 => self.rng.pick(&self.victims.payloads).clone(),
            1 | 2 => {
                let kind = self.rng.below(kinds);
                let id = *self.rng.pick(&self.victims.ids);
                callback::with_id(id)[kind].encode()
            }
            _ => {
                let kind = self.rng.below(kinds);
                let id = Uuid::try_parse(&self.rng.hex(32)).expect("32 hex digits");
                callback::with_id(id)[kind].encode()
            }
        }
    }

    /// Callback data around the bot's encoding: every kind of button as it encodes them, also
    /// under other versions and with out-of-range or malformed arguments, and junk.
    fn random_data(&mut self) -> String {
        let v = callback::VERSION;
        let bodies = data_bodies();
        match self.rng.below(5) {
            0 => format!("{v}{}", self.rng.pick(&bodies)),
            1 => format!("{}{}", self.rng.pick(&["0", "2", "9", "", "v1", "11"]), self.rng.pick(&bodies)),
            2 => {
                let n = self.rng.below(64) + 1;
                self.rng.junk(n)
            }
            3 => format!("{v}{}:{}", self.rng.junk(2), {
                let n = self.rng.below(40);
                self.rng.hex(n)
            }),
            _ => {
                let n = self.rng.below(200) + 65;
                self.rng.junk(n)
            }
        }
    }

    /// One fuzz case; returns how many updates it injected.
    fn step(&mut self) {
        let tg = &self.emu.telegram;
        match self.rng.below(100) {
            // random JSON, under a kind the bot takes or not
            0..=7 => {
                let kinds = ["message", "callback_query", "pre_checkout_query", "edited_message", "poll", "zzz"];
                let kind = *self.rng.pick(&kinds);
                let payload = random_value(&mut self.rng, 3);
                tg.inject_update(kind, payload);
                self.count("random JSON", 1);
            }
            // a valid-looking message, then mutated
            8..=21 => {
                let from = self.stranger();
                let text = self.rng.junk(20);
                let mut m = self.message(from, json!({"text": text}));
                for _ in 0..=self.rng.below(3) {
                    mutate(&mut m, &mut self.rng);
                }
                self.note(from, &m.to_string());
                tg.inject_update("message", m);
                self.count("mutated message", 1);
            }
            // kinds the bot does not handle, shaped like the real ones
            22..=26 => {
                let from = self.attacker();
                let m = self.message(from, json!({"text": "/start"}));
                let kind = *self.rng.pick(&[
                    "edited_message",
                    "channel_post",
                    "edited_channel_post",
                    "business_message",
                    "inline_query",
                    "chosen_inline_result",
                    "shipping_query",
                    "poll_answer",
                    "my_chat_member",
                    "chat_join_request",
                    "message_reaction",
                    "purchased_paid_media",
                    "future_kind_2030",
                ]);
                tg.inject_update(kind, m);
                self.count("unknown update kind", 1);
            }
            // texts: hostile, oversized, empty-looking
            27..=38 => {
                let from = self.attacker();
                self.chats.insert(from);
                let len = *self.rng.pick(&[1, 3, 50, 2_000, 2_001, 4_096, 5_000, 70_000]);
                let text = self.rng.junk(len);
                self.note(from, &text);
                tg.send_text(from, &text);
                self.count("hostile text", 1);
            }
            // commands with junk
            39..=48 => {
                let from = self.attacker();
                self.chats.insert(from);
                let cmd = *self.rng.pick(&[
                    "/start",
                    "/gallery",
                    "/create",
                    "/generate",
                    "/avatars",
                    "/balance",
                    "/settings",
                    "/help",
                    "/cancel",
                    "/stats",
                    "/paysupport",
                    "/",
                    "/nosuch",
                    "/start@other_bot",
                    "/gallery@aisha_sandbox_bot",
                    "/START",
                ]);
                let tail_len = self.rng.below(3000);
                let tail = if self.rng.chance(50) { String::new() } else { self.rng.junk(tail_len) };
                let text = format!("{cmd} {tail}");
                self.note(from, &text);
                tg.send_text(from, &text);
                self.count("junk command", 1);
            }
            // forged callback data naming the victims' things
            49..=63 => {
                let from = self.attacker();
                self.chats.insert(from);
                let data = self.forged_data();
                let message = self.target_message(from);
                let query = tg.forge_press(from, message, &data);
                self.forged.insert(query, data);
                self.count("forged callback (victims' ids)", 1);
            }
            // random callback data
            64..=72 => {
                let from = self.attacker();
                self.chats.insert(from);
                let data = self.random_data();
                let message = self.target_message(from);
                tg.forge_press(from, message, &data);
                self.count("random callback data", 1);
            }
            // the attacker's own real buttons: walks into dialogues the junk then lands in
            73..=84 => {
                let from = self.attacker();
                self.chats.insert(from);
                let with_buttons: Vec<ChatMessage> =
                    tg.messages(from).into_iter().filter(|m| !m.callback_data().is_empty()).collect();
                if with_buttons.is_empty() {
                    tg.send_text(from, "/start");
                } else {
                    let m = self.rng.pick(&with_buttons).clone();
                    let data = self.rng.pick(&m.callback_data()).clone();
                    let _ = tg.press(from, m.message_id, &data);
                }
                self.count("own button", 1);
            }
            // a huge album: 11–60 items, real and fake file ids
            85..=86 => {
                let from = self.attacker();
                self.next_group += 1;
                let group = format!("fuzz-{}", self.next_group);
                let n = 11 + self.rng.below(50);
                for _ in 0..n {
                    let file_id = if self.rng.chance(70) {
                        self.rng.pick(&self.photo_ids).clone()
                    } else {
                        format!("AgACfake{}", self.rng.hex(12))
                    };
                    let size = json!({"file_id": file_id, "file_unique_id": self.rng.hex(8),
                        "width": 600, "height": 600, "file_size": self.rng.next_u64() % 30_000_000});
                    let m = self.message(from, json!({"photo": [size], "media_group_id": group}));
                    tg.inject_update("message", m);
                }
                self.count("huge album", n);
            }
            // non-image documents, and images that lie about what they are
            87..=91 => {
                let from = self.attacker();
                self.chats.insert(from);
                if self.rng.chance(50) {
                    let len = self.rng.below(5000);
                    let bytes: Vec<u8> = (0..len).map(|_| self.rng.next_u64() as u8).collect();
                    let name = *self.rng.pick(&["evil.pdf", "photo.jpg", "a.zip", "", "../../etc/passwd", "x.png"]);
                    let caption = self.rng.junk(30);
                    self.note(from, &caption);
                    self.note(from, name);
                    tg.send_document(from, bytes, name, Some(&caption));
                } else {
                    let file_id = self.rng.pick(&self.doc_ids).clone();
                    let doc = json!({"file_id": file_id, "file_unique_id": self.rng.hex(8), "file_name": "me.png",
                        "mime_type": self.rng.pick(&["image/png", "image/jpeg", "application/pdf", "image/webp"]),
                        "file_size": self.rng.next_u64() % 100_000});
                    let m = self.message(from, json!({"document": doc}));
                    tg.inject_update("message", m);
                }
                self.count("non-image document", 1);
            }
            // photos: real ones and forged sizes
            92..=95 => {
                let from = self.attacker();
                let file_id = self.rng.pick(&self.photo_ids).clone();
                let (w, h) = *self.rng.pick(&[(0, 0), (1, 100_000), (600, 600), (4096, 4096)]);
                let size = json!({"file_id": file_id, "file_unique_id": self.rng.hex(8), "width": w, "height": h});
                let caption = self.rng.junk_upto(1500);
                self.note(from, &caption);
                let m = self.message(from, json!({"photo": [size], "caption": caption}));
                tg.inject_update("message", m);
                self.count("photo", 1);
            }
            // forged payments: pre-checkout queries and successful payments with other buyers
            _ => {
                let from = self.attacker();
                let victim = *self.rng.pick(&VICTIMS);
                let package = &default_packages()[0];
                let for_victim = InvoicePayload::for_package(package, TelegramUserId::new(victim).expect("an id"));
                let payload = match self.rng.below(4) {
                    // a real invoice of the victim's
                    0 => for_victim.encode(),
                    // the attacker's own, with the price rewritten
                    1 => InvoicePayload {
                        coins: Coins::new(1_000_000).expect("coins"),
                        stars: 1,
                        buyer: TelegramUserId::new(from).expect("an id"),
                        ..for_victim
                    }
                    .encode(),
                    // the encoding's version, then garbage
                    2 => {
                        let encoded = for_victim.encode();
                        let version = encoded.split(':').next().unwrap_or_default();
                        format!("{version}:{}:{}", self.rng.junk(5), self.rng.next_u64())
                    }
                    _ => self.rng.junk_upto(200),
                };
                let user = user_json(from, &mut self.rng);
                if self.rng.chance(50) {
                    let q = json!({"id": format!("pcq-{}", self.rng.hex(10)), "from": user, "currency": "XTR",
                        "total_amount": self.rng.next_u64() % 1000, "invoice_payload": payload});
                    tg.inject_update("pre_checkout_query", q);
                } else {
                    let paid = json!({"currency": self.rng.pick(&["XTR", "USD", ""]),
                        "total_amount": self.rng.next_u64() % 1000, "invoice_payload": payload,
                        "telegram_payment_charge_id": format!("forged-{}", self.rng.hex(12)),
                        "provider_payment_charge_id": ""});
                    let m = self.message(from, json!({"successful_payment": paid}));
                    tg.inject_update("message", m);
                }
                self.count("forged payment", 1);
            }
        }
    }
}

/// Debug output a user must never see.
const DEBUG_TELLS: &[&str] = &[
    "Error(",
    "Err(",
    "Some(",
    "Ok(",
    "None,",
    "panicked",
    "StoreError",
    "Internal(",
    "Unavailable(",
    "sqlx",
    "sea_orm",
    "SqliteError",
    "RUST_BACKTRACE",
    "called `",
    ".rs:",
    "{ ",
];

/// Telegram errors that mean the bot sent something it should not have.
const BOT_FAULTS: &[&str] = &[
    "message is too long",
    "caption is too long",
    "message text is empty",
    "BUTTON_DATA_INVALID",
    "can't parse",
    "parse_mode",
    "TITLE_INVALID",
    "DESCRIPTION_INVALID",
    "PAYLOAD_INVALID",
    "MESSAGE_TOO_LONG",
];

/// Waits until the bot has taken every update and made no Bot API call for `calm`.
async fn quiet(emu: &Emulators, calm: Duration) {
    let start = Instant::now();
    let (mut calls, mut quiet_since) = (emu.telegram.calls().len(), Instant::now());
    loop {
        tokio::time::sleep(calm / 5).await;
        let now = emu.telegram.calls().len();
        if now != calls || emu.telegram.pending_updates() > 0 {
            (calls, quiet_since) = (now, Instant::now());
        } else if quiet_since.elapsed() > calm {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(600), "the bot never went quiet");
    }
}

/// Quiet for 3 s: everything sent, album windows closed.
async fn settle(emu: &Emulators) {
    quiet(emu, Duration::from_secs(3)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_bad_updates_no_panic_no_leak_clear_words() {
    let started = Instant::now();
    let seed: u64 = std::env::var("AISHA_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_BAD1_u64);
    let emu = Emulators::start().await;
    let backend = Backend::from_env().await;
    println!("stores: {}; seed {seed}", backend.describe());
    let mut app = AppProcess::start(
        bin(),
        &emu,
        &backend,
        &[("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "100000"), ("AISHA__TELEGRAM__GLOBAL_PER_SECOND", "100000")],
    );

    let mut victims = Victims::default();
    for (n, id) in VICTIMS.into_iter().enumerate() {
        seed_victim(&emu, &app, id, &format!("V{n}q{seed:x}"), &mut victims).await;
    }
    assert!(victims.payloads.len() >= 15, "the victims' chats carry ids: {:?}", victims.payloads);
    assert!(victims.file_ids.len() >= 2 && victims.image_bytes.len() >= 2, "the victims' images are known");
    settle(&emu).await;
    let db = Db::connect(&backend.database_url).await.expect("the test reads the database");
    let before = snapshot(&db, backend.redis).await;
    let victim_chats: Vec<usize> = VICTIMS.iter().map(|v| emu.telegram.messages(*v).len()).collect();
    println!("seeded {} victims in {:.1} s", VICTIMS.len(), started.elapsed().as_secs_f64());

    // real files to point forged updates at: photos and non-image documents
    let uploader = 30_000;
    let mut photo_ids = Vec::new();
    for n in 0..3u32 {
        let id = emu.telegram.send_photo(uploader, png(600 + n, 600), None).expect("a photo");
        let m = emu.telegram.messages(uploader).into_iter().find(|m| m.message_id == id).expect("the message");
        photo_ids.push(m.photo.expect("sizes").last().expect("a size").file_id.clone());
    }
    let mut doc_ids = Vec::new();
    for (bytes, name) in [(b"%PDF-1.4 junk".to_vec(), "a.pdf"), (vec![0u8; 2048], "zeros.png")] {
        let id = emu.telegram.send_document(uploader, bytes, name, None);
        let m = emu.telegram.messages(uploader).into_iter().find(|m| m.message_id == id).expect("the message");
        doc_ids.push(m.document.expect("a document").file_id);
    }

    // every toast the bot shows, collected as it happens
    let toasts: Arc<Mutex<Vec<(i64, String, String)>>> = Arc::default();
    let lagged = Arc::new(Mutex::new(0u64));
    let mut events = emu.telegram.subscribe();
    let collector = {
        let (toasts, lagged) = (toasts.clone(), lagged.clone());
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(ChatEvent::CallbackAnswered { chat, query_id, text, .. }) => {
                        toasts.lock().expect("toasts").push((chat, query_id, text.unwrap_or_default()));
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => *lagged.lock().expect("lag") += n,
                    Err(_) => break,
                }
            }
        })
    };

    for id in ATTACKERS {
        emu.user(id, if id % 2 == 0 { "ru" } else { "en" });
    }
    let mut fuzz = Fuzz {
        emu: &emu,
        rng: Rng::new(seed | 1),
        victims: &victims,
        photo_ids,
        doc_ids,
        chats: HashSet::new(),
        sent: HashMap::new(),
        counts: BTreeMap::new(),
        forged: HashMap::new(),
        injected: 0,
        next_message: 1_000_000,
        next_group: 0,
    };
    let fuzz_started = Instant::now();
    let updates = std::env::var("AISHA_FUZZ_UPDATES").ok().and_then(|s| s.parse().ok()).unwrap_or(UPDATES);
    let mut batch_end = 0;
    while fuzz.injected < updates {
        fuzz.step();
        // in batches the bot finishes before the next: presses then find the buttons its
        // answers put up, and the handler (not the 1 s empty-answer deadline) answers callbacks
        if fuzz.injected >= batch_end {
            batch_end = fuzz.injected + 50;
            quiet(&emu, Duration::from_millis(100)).await;
        }
    }
    settle(&emu).await;
    let fuzz_secs = fuzz_started.elapsed().as_secs_f64();
    collector.abort();
    println!("injected {} updates in {fuzz_secs:.1} s (to quiet):", fuzz.injected);
    for (what, n) in &fuzz.counts {
        println!("  {n:>5} × {what}");
    }

    // alive, healthy, never panicked
    assert!(app.running(), "the app died; stderr:\n{}", app.stderr());
    let (status, body) = app.get("/healthz").await;
    assert_eq!(status, 200, "/healthz: {body}");
    assert_eq!(app.panics(), 0, "the app panicked:\n{}", app.stderr());

    // the victims' rows and chats are exactly as before
    let after = snapshot(&db, backend.redis).await;
    for tg in VICTIMS {
        assert_eq!(before[&tg], after[&tg], "victim {tg}'s data changed");
    }
    let now: Vec<usize> = VICTIMS.iter().map(|v| emu.telegram.messages(*v).len()).collect();
    let written: Vec<String> = VICTIMS
        .iter()
        .zip(&victim_chats)
        .flat_map(|(v, n)| emu.telegram.messages(*v).into_iter().skip(*n).map(move |m| format!("{v}: {m:?}")))
        .collect();
    assert_eq!(victim_chats, now, "the bot wrote into a victim's chat: {written:#?}");

    // what the attackers saw
    let mut bot_messages = 0;
    let mut words: BTreeMap<String, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for chat in fuzz.chats.iter().copied().filter(|c| !VICTIMS.contains(c)) {
        let sent = fuzz.sent.get(&chat).cloned().unwrap_or_default();
        let echoed = |tell: &str| sent.iter().any(|s| s.contains(tell));
        for m in emu.telegram.messages(chat).into_iter().filter(|m| m.from_bot) {
            bot_messages += 1;
            let text = Chat::text(&m);
            let first = text.lines().next().unwrap_or("").chars().take(60).collect::<String>();
            *words.entry(format!("message: {first}")).or_default() += 1;
            let labels = Chat::labels(&m).join(" | ");
            let shown = m.photo.is_some() || m.document.is_some() || m.invoice.is_some();
            if text.trim().is_empty() && !shown {
                problems.push(format!("chat {chat}: an empty message {m:?}"));
            }
            if m.parse_mode.as_deref() == Some("HTML")
                && let Err(p) = html::check_strict(&text)
            {
                problems.push(format!("chat {chat}: {p} in {text:?}"));
            }
            for tell in DEBUG_TELLS.iter().filter(|t| (text.contains(**t) || labels.contains(**t)) && !echoed(t)) {
                problems.push(format!("chat {chat}: debug output {tell:?} in {text:?} / {labels:?}"));
            }
            for secret in victims.secrets.iter().filter(|s| text.contains(s.as_str()) || labels.contains(s.as_str())) {
                problems.push(format!("chat {chat}: a victim's {secret:?} in {text:?}"));
            }
            for size in m.photo.iter().flatten() {
                if victims.file_ids.contains(&size.file_id)
                    || victims.image_bytes.contains(&file_bytes(&emu, &size.file_id).await)
                {
                    problems.push(format!("chat {chat}: a victim's image {}", size.file_id));
                }
            }
        }
    }
    let toasts = toasts.lock().expect("toasts").clone();
    let mut forged_answers: BTreeMap<String, usize> = BTreeMap::new();
    for (chat, query, text) in &toasts {
        if let Some(data) = fuzz.forged.get(query) {
            let tag = data.split(':').next().unwrap_or("");
            *forged_answers.entry(format!("{tag} → {text:?}")).or_default() += 1;
        }
        if VICTIMS.contains(chat) {
            problems.push(format!("a toast in victim {chat}'s chat: {text:?}"));
        }
        if DEBUG_TELLS.iter().any(|t| text.contains(t)) || victims.secrets.iter().any(|s| text.contains(s.as_str())) {
            problems.push(format!("chat {chat}: toast {text:?}"));
        }
    }
    for (_, _, text) in &toasts {
        *words.entry(format!("toast: {}", text.chars().take(60).collect::<String>())).or_default() += 1;
    }
    println!("what the attackers saw most (toasts and first lines of messages):");
    let mut words: Vec<(String, usize)> = words.into_iter().collect();
    words.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    for (what, n) in words.iter().take(25) {
        println!("  {n:>5} × {what:?}");
    }
    println!("forged presses with victims' ids, by button, and the toast they got:");
    for (what, n) in &forged_answers {
        println!("  {n:>5} × {what}");
    }
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    for c in emu.telegram.calls().into_iter().filter(|c| c.status >= 400) {
        let d = c.description.unwrap_or_default();
        if BOT_FAULTS.iter().any(|f| d.contains(f)) {
            problems.push(format!("Telegram refused {} to chat {:?}: {d}", c.method, c.chat_id));
        }
        *refusals.entry(format!("{} {}: {d}", c.status, c.method)).or_default() += 1;
    }
    println!(
        "{bot_messages} bot messages in {} attacker chats, {} toasts ({} events lagged)",
        fuzz.chats.len(),
        toasts.len(),
        lagged.lock().expect("lag")
    );
    println!("Bot API refusals (consequences of forged input):");
    for (what, n) in &refusals {
        println!("  {n:>5} × {what}");
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));

    let audit = app.assert_audit();
    println!("{}", audit.trim());
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
}
