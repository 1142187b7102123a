//! Telegram's update JSON → [`aisha_bot::io::Update`], one update at a time.
//!
//! The shapes here hold only the fields the bot uses and ignore everything else, so a field or
//! an update kind Telegram adds tomorrow is skipped instead of failing a whole batch.

use aisha_bot::io::{ChatId, Event, IncomingFile, MessageId, Update};
use aisha_domain::TelegramUserId;
use aisha_domain::user::Profile;
use serde::Deserialize;

/// Why an update could not be turned into an event (it is skipped either way).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("not an update: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("sender id {0} is not a valid Telegram user id")]
    Sender(i64),
}

#[derive(Deserialize)]
struct RawUpdate {
    update_id: i64,
    message: Option<RawMessage>,
    callback_query: Option<RawCallback>,
    pre_checkout_query: Option<RawPreCheckout>,
}

#[derive(Deserialize)]
struct RawUser {
    id: i64,
    #[serde(default)]
    is_bot: bool,
    #[serde(deserialize_with = "no_nul")]
    first_name: String,
    #[serde(default, deserialize_with = "no_nul_opt")]
    last_name: Option<String>,
    #[serde(default, deserialize_with = "no_nul_opt")]
    username: Option<String>,
    language_code: Option<String>,
}

#[derive(Deserialize)]
struct RawChat {
    id: i64,
    /// "private", "group", "supergroup" or "channel"; always present in Telegram's Chat
    /// (https://core.telegram.org/bots/api#chat, read 2026-12-06).
    #[serde(rename = "type", default)]
    kind: String,
}

impl RawChat {
    /// AISHA is a private conversation: in a group, its screens (balance, gallery, payments)
    /// would show one user's data to everyone.
    fn is_private(&self) -> bool {
        self.kind == "private"
    }
}

/// An update from a group, supergroup or channel: not answered, counted.
fn not_private() -> Result<Option<Update>, DecodeError> {
    metrics::counter!("aisha_updates_ignored_total", "reason" => "not_private").increment(1);
    Ok(None)
}

#[derive(Deserialize)]
struct RawMessage {
    message_id: i32,
    from: Option<RawUser>,
    chat: RawChat,
    #[serde(default, deserialize_with = "no_nul_opt")]
    text: Option<String>,
    #[serde(default, deserialize_with = "no_nul_opt")]
    caption: Option<String>,
    photo: Option<Vec<RawPhotoSize>>,
    document: Option<RawDocument>,
    media_group_id: Option<String>,
    successful_payment: Option<RawPayment>,
}

#[derive(Deserialize)]
struct RawPhotoSize {
    file_id: String,
    file_unique_id: String,
    width: u32,
    height: u32,
    file_size: Option<u64>,
}

#[derive(Deserialize)]
struct RawDocument {
    file_id: String,
    file_unique_id: String,
    #[serde(default, deserialize_with = "no_nul_opt")]
    file_name: Option<String>,
    mime_type: Option<String>,
    file_size: Option<u64>,
}

#[derive(Deserialize)]
struct RawPayment {
    currency: String,
    total_amount: u32,
    #[serde(deserialize_with = "no_nul")]
    invoice_payload: String,
    telegram_payment_charge_id: String,
    #[serde(default)]
    provider_payment_charge_id: String,
}

/// The message a button hangs on. An inaccessible one still has its chat and id.
#[derive(Deserialize)]
struct RawCallbackMessage {
    message_id: i32,
    chat: RawChat,
}

#[derive(Deserialize)]
struct RawCallback {
    id: String,
    from: RawUser,
    message: Option<RawCallbackMessage>,
    #[serde(default, deserialize_with = "no_nul_opt")]
    data: Option<String>,
}

#[derive(Deserialize)]
struct RawPreCheckout {
    id: String,
    from: RawUser,
    currency: String,
    total_amount: u32,
    #[serde(deserialize_with = "no_nul")]
    invoice_payload: String,
}

/// What people type arrives without NUL characters: PostgreSQL refuses them in text (and
/// `\u0000` in JSON), so a message carrying one would fail at the store instead of being
/// answered (found by the bad-input fuzzer). Nothing a person means is lost.
fn no_nul<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    Ok(if s.contains('\0') { s.replace('\0', "") } else { s })
}

fn no_nul_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = <Option<String> as serde::Deserialize>::deserialize(d)?;
    Ok(s.map(|s| if s.contains('\0') { s.replace('\0', "") } else { s }))
}

/// The `update_id` of a JSON update, if it has one: the poller confirms updates by it even
/// when the rest cannot be decoded.
pub fn update_id(value: &serde_json::Value) -> Option<i64> {
    value.get("update_id").and_then(serde_json::Value::as_i64)
}

/// Decodes one update. `Ok(None)` for kinds the bot does not handle (edited messages,
/// stickers, service messages, messages from bots or channels, commands for another bot).
/// `bot_username` is the bot's own @username, without `@`, when known.
pub fn decode_update(value: serde_json::Value, bot_username: Option<&str>) -> Result<Option<Update>, DecodeError> {
    let raw: RawUpdate = serde_json::from_value(value)?;
    decode_raw(raw, bot_username)
}

/// Like [`decode_update`], from the JSON text (a webhook body).
pub fn decode_update_slice(body: &[u8], bot_username: Option<&str>) -> Result<Option<Update>, DecodeError> {
    let raw: RawUpdate = serde_json::from_slice(body)?;
    decode_raw(raw, bot_username)
}

fn decode_raw(raw: RawUpdate, bot_username: Option<&str>) -> Result<Option<Update>, DecodeError> {
    let id = raw.update_id;
    if let Some(m) = raw.message {
        return decode_message(id, m, bot_username);
    }
    if let Some(q) = raw.callback_query {
        let Some(from) = profile(q.from)? else { return Ok(None) };
        let (chat, message) = match q.message {
            Some(m) if !m.chat.is_private() => return not_private(),
            Some(m) => (ChatId(m.chat.id), Some(MessageId(m.message_id))),
            // a button on an inline message: answer in the user's private chat
            None => (ChatId(from.telegram_id.get()), None),
        };
        let event = Event::Callback { chat, message, query_id: q.id, data: q.data.unwrap_or_default() };
        return Ok(Some(Update { id, from, event }));
    }
    if let Some(q) = raw.pre_checkout_query {
        let Some(from) = profile(q.from)? else { return Ok(None) };
        let event = Event::PreCheckout {
            query_id: q.id,
            currency: q.currency,
            total_amount: q.total_amount,
            payload: q.invoice_payload,
        };
        return Ok(Some(Update { id, from, event }));
    }
    Ok(None)
}

fn decode_message(id: i64, m: RawMessage, bot_username: Option<&str>) -> Result<Option<Update>, DecodeError> {
    let Some(raw_from) = m.from else { return Ok(None) };
    let Some(from) = profile(raw_from)? else { return Ok(None) };
    // a payment is credited wherever it was made: Telegram already has the Stars
    if !m.chat.is_private() && m.successful_payment.is_none() {
        return not_private();
    }
    let chat = ChatId(m.chat.id);
    let message = MessageId(m.message_id);
    let event = if let Some(p) = m.successful_payment {
        Event::Payment {
            chat,
            currency: p.currency,
            total_amount: p.total_amount,
            payload: p.invoice_payload,
            telegram_charge_id: p.telegram_payment_charge_id,
            provider_charge_id: p.provider_payment_charge_id,
        }
    } else if let Some(sizes) = m.photo {
        // Telegram lists sizes smallest first; take the largest by area to be safe
        let Some(best) = sizes.into_iter().max_by_key(|s| u64::from(s.width) * u64::from(s.height)) else {
            return Ok(None);
        };
        let file = IncomingFile {
            file_id: best.file_id,
            file_unique_id: best.file_unique_id,
            size: best.file_size,
            width: Some(best.width),
            height: Some(best.height),
            mime_type: None,
            file_name: None,
        };
        Event::Photo { chat, message, file, media_group: m.media_group_id, caption: m.caption }
    } else if let Some(d) = m.document {
        let file = IncomingFile {
            file_id: d.file_id,
            file_unique_id: d.file_unique_id,
            size: d.file_size,
            width: None,
            height: None,
            mime_type: d.mime_type,
            file_name: d.file_name,
        };
        Event::Document { chat, message, file, media_group: m.media_group_id, caption: m.caption }
    } else if let Some(text) = m.text {
        match parse_command(&text, bot_username) {
            Command::Ours { name, args } => Event::Command { chat, message, name, args },
            Command::OtherBot => return Ok(None),
            Command::Plain => Event::Text { chat, message, text },
        }
    } else {
        return Ok(None);
    };
    Ok(Some(Update { id, from, event }))
}

/// Bots and non-user senders are not conversations; an impossible id is an error.
fn profile(user: RawUser) -> Result<Option<Profile>, DecodeError> {
    if user.is_bot {
        return Ok(None);
    }
    let telegram_id = TelegramUserId::new(user.id).map_err(|_| DecodeError::Sender(user.id))?;
    Ok(Some(Profile {
        telegram_id,
        first_name: user.first_name,
        last_name: user.last_name,
        username: user.username,
        language_code: user.language_code,
    }))
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Ours { name: String, args: String },
    OtherBot,
    Plain,
}

/// `/name`, `/name args`, `/name@bot args`. The name is lower-cased (Telegram commands are
/// case-insensitive for users typing them) and the `@bot` suffix removed.
fn parse_command(text: &str, bot_username: Option<&str>) -> Command {
    let Some(rest) = text.strip_prefix('/') else { return Command::Plain };
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (name, addressee) = match head.split_once('@') {
        Some((name, bot)) => (name, Some(bot)),
        None => (head, None),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Command::Plain;
    }
    if let (Some(to), Some(me)) = (addressee, bot_username)
        && !to.eq_ignore_ascii_case(me.trim_start_matches('@'))
    {
        return Command::OtherBot;
    }
    Command::Ours { name: name.to_ascii_lowercase(), args: args.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> serde_json::Value {
        json!({"id": 42, "is_bot": false, "first_name": "Ann", "username": "ann", "language_code": "en"})
    }

    fn message(extra: serde_json::Value) -> serde_json::Value {
        let mut m = json!({"message_id": 7, "date": 1, "from": user(), "chat": {"id": 42, "type": "private"}});
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        json!({"update_id": 100, "message": m})
    }

    fn event(v: serde_json::Value) -> Event {
        decode_update(v, Some("aisha_bot")).unwrap().expect("decoded").event
    }

    #[test]
    fn nul_characters_never_reach_the_stores() {
        let mut m = message(json!({"text": "a\u{0}cat", "caption": "x\u{0}"}));
        m["message"]["from"]["first_name"] = json!("A\u{0}nn");
        let update = decode_update(m, None).unwrap().unwrap();
        assert_eq!(update.from.first_name, "Ann");
        assert!(matches!(update.event, Event::Text { text, .. } if text == "acat"));
    }

    #[test]
    fn commands_with_and_without_the_bot_name() {
        assert_eq!(parse_command("/start", None), Command::Ours { name: "start".into(), args: String::new() });
        assert_eq!(
            parse_command("/Gallery@AISHA_bot  grid ", Some("aisha_bot")),
            Command::Ours { name: "gallery".into(), args: "grid".into() }
        );
        assert_eq!(parse_command("/start@other_bot", Some("aisha_bot")), Command::OtherBot);
        assert_eq!(parse_command("/ hello", None), Command::Plain);
        assert_eq!(parse_command("/путь", None), Command::Plain);
        assert_eq!(parse_command("hello /start", None), Command::Plain);
    }

    #[test]
    fn text_command_photo_document() {
        let e = event(message(json!({"text": "/generate@aisha_bot a cat"})));
        assert_eq!(
            e,
            Event::Command { chat: ChatId(42), message: MessageId(7), name: "generate".into(), args: "a cat".into() }
        );
        assert!(matches!(event(message(json!({"text": "hi"}))), Event::Text { text, .. } if text == "hi"));
        let photo = message(json!({"media_group_id": "g1", "caption": "me", "photo": [
            {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
            {"file_id": "big", "file_unique_id": "b", "width": 1280, "height": 960, "file_size": 1000}
        ]}));
        match event(photo) {
            Event::Photo { file, media_group, caption, .. } => {
                assert_eq!(file.file_id, "big");
                assert_eq!((file.width, file.height, file.size), (Some(1280), Some(960), Some(1000)));
                assert_eq!(media_group.as_deref(), Some("g1"));
                assert_eq!(caption.as_deref(), Some("me"));
            }
            other => panic!("{other:?}"),
        }
        let doc = message(
            json!({"document": {"file_id": "d", "file_unique_id": "du", "file_name": "a.png", "mime_type": "image/png"}}),
        );
        assert!(matches!(event(doc), Event::Document { file, .. } if file.mime_type.as_deref() == Some("image/png")));
    }

    #[test]
    fn callbacks_pre_checkout_and_payments() {
        let cb = json!({"update_id": 5, "callback_query": {"id": "q1", "from": user(), "chat_instance": "x", "data": "g:2",
            "message": {"message_id": 9, "date": 0, "chat": {"id": 42, "type": "private"}}}});
        assert_eq!(
            event(cb),
            Event::Callback {
                chat: ChatId(42),
                message: Some(MessageId(9)),
                query_id: "q1".into(),
                data: "g:2".into()
            }
        );
        let pc = json!({"update_id": 6, "pre_checkout_query": {"id": "p1", "from": user(), "currency": "XTR", "total_amount": 50, "invoice_payload": "pkg:1"}});
        assert!(matches!(event(pc), Event::PreCheckout { total_amount: 50, .. }));
        let paid =
            message(json!({"successful_payment": {"currency": "XTR", "total_amount": 50, "invoice_payload": "pkg:1",
            "telegram_payment_charge_id": "tg1", "provider_payment_charge_id": "p1"}}));
        assert!(matches!(event(paid), Event::Payment { telegram_charge_id, .. } if telegram_charge_id == "tg1"));
    }

    #[test]
    fn groups_and_channels_are_ignored_but_payments_in_them_are_not() {
        for kind in ["group", "supergroup", "channel"] {
            let mut text = message(json!({"text": "/balance"}));
            text["message"]["chat"] = json!({"id": -100, "type": kind});
            assert!(decode_update(text, None).unwrap().is_none(), "{kind}");
            let cb = json!({"update_id": 5, "callback_query": {"id": "q1", "from": user(), "chat_instance": "x",
                "data": "g:2", "message": {"message_id": 9, "date": 0, "chat": {"id": -100, "type": kind}}}});
            assert!(decode_update(cb, None).unwrap().is_none(), "{kind}");
        }
        let mut paid =
            message(json!({"successful_payment": {"currency": "XTR", "total_amount": 50, "invoice_payload": "pkg:1",
            "telegram_payment_charge_id": "tg1", "provider_payment_charge_id": ""}}));
        paid["message"]["chat"] = json!({"id": -100, "type": "group"});
        assert!(matches!(event(paid), Event::Payment { telegram_charge_id, .. } if telegram_charge_id == "tg1"));
    }

    #[test]
    fn unknown_kinds_and_foreign_senders_are_skipped() {
        let reaction = json!({"update_id": 8, "message_reaction": {"chat": {"id": 1}}});
        assert!(decode_update(reaction, None).unwrap().is_none());
        assert!(decode_update(message(json!({"sticker": {"file_id": "s"}})), None).unwrap().is_none());
        let mut from_bot = message(json!({"text": "hi"}));
        from_bot["message"]["from"]["is_bot"] = json!(true);
        assert!(decode_update(from_bot, None).unwrap().is_none());
        assert!(decode_update(json!({"update_id": 9, "message": {"message_id": 1}}), None).is_err());
        assert_eq!(update_id(&json!({"update_id": 9, "whatever": {}})), Some(9));
    }
}
