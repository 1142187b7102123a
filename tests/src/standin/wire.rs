//! The stand-in's wire format: the few request fields it reads (from a JSON body or a
//! multipart form, as teloxide sends files-capable methods), and the JSON it answers with,
//! written as text.

use serde::Deserialize;
use std::borrow::Cow;
use std::fmt::Write;

/// A bot's inline keyboard; only the callback data is kept.
#[derive(Deserialize, Default)]
pub struct Keyboard<'a> {
    #[serde(borrow, default)]
    inline_keyboard: Vec<Vec<Button<'a>>>,
}

#[derive(Deserialize)]
struct Button<'a> {
    #[serde(borrow, default)]
    callback_data: Option<Cow<'a, str>>,
}

impl Keyboard<'_> {
    pub fn callback_data(&self) -> impl Iterator<Item = &str> {
        self.inline_keyboard.iter().flatten().filter_map(|b| b.callback_data.as_deref())
    }
}

/// A number that may come as a JSON number or as text (form fields are text).
#[derive(Deserialize)]
#[serde(untagged)]
enum Num<'a> {
    N(i64),
    #[serde(borrow)]
    S(Cow<'a, str>),
}

impl Num<'_> {
    fn get(&self) -> Option<i64> {
        match self {
            Num::N(n) => Some(*n),
            Num::S(s) => s.parse().ok(),
        }
    }
}

#[derive(Deserialize, Default)]
struct JsonCall<'a> {
    #[serde(borrow)]
    chat_id: Option<Num<'a>>,
    #[serde(borrow)]
    message_id: Option<Num<'a>>,
    offset: Option<i64>,
    limit: Option<usize>,
    timeout: Option<u64>,
    #[serde(borrow)]
    reply_markup: Option<Keyboard<'a>>,
}

/// What the stand-in reads from a request.
#[derive(Default)]
pub struct Call<'a> {
    pub chat: Option<i64>,
    pub message: Option<i32>,
    pub offset: Option<i64>,
    pub limit: Option<usize>,
    pub timeout: Option<u64>,
    pub keyboard: Option<Keyboard<'a>>,
}

impl<'a> Call<'a> {
    /// Reads a request body: multipart when `content_type` says so (with its boundary), JSON
    /// otherwise (an empty body is a call without parameters).
    pub fn parse(content_type: &str, body: &'a [u8]) -> Call<'a> {
        if let Some(boundary) = content_type.split("boundary=").nth(1) {
            return Self::form(boundary.trim_matches('"'), body);
        }
        let j: JsonCall<'a> = serde_json::from_slice(body).unwrap_or_default();
        Call {
            chat: j.chat_id.and_then(|n| n.get()),
            message: j.message_id.and_then(|n| n.get()).map(|m| m as i32),
            offset: j.offset,
            limit: j.limit,
            timeout: j.timeout,
            keyboard: j.reply_markup,
        }
    }

    fn form(boundary: &str, body: &'a [u8]) -> Call<'a> {
        let mut call = Call::default();
        let Ok(text) = std::str::from_utf8(body) else { return call };
        let delimiter = format!("--{boundary}");
        for part in text.split(delimiter.as_str()) {
            let Some((headers, value)) = part.split_once("\r\n\r\n") else { continue };
            let value = value.strip_suffix("\r\n").unwrap_or(value);
            let Some(name) = headers.split("name=\"").nth(1).and_then(|n| n.split('"').next()) else { continue };
            match name {
                "chat_id" => call.chat = value.parse().ok(),
                "message_id" => call.message = value.parse().ok(),
                "offset" => call.offset = value.parse().ok(),
                "limit" => call.limit = value.parse().ok(),
                "timeout" => call.timeout = value.parse().ok(),
                "reply_markup" => call.keyboard = serde_json::from_str(value).ok(),
                _ => {}
            }
        }
        call
    }
}

const BOT: &str = r#"{"id":1,"is_bot":true,"first_name":"Bench","username":"bench_bot"}"#;

/// `getMe`'s answer (with the fields teloxide's `Me` requires).
pub fn me() -> String {
    let rest = r#""can_join_groups":true,"can_read_all_group_messages":false,"supports_inline_queries":false,"can_connect_to_business":false,"has_main_web_app":false}"#;
    format!(r#"{{"ok":true,"result":{},{rest}}}"#, BOT.trim_end_matches('}'))
}

fn chat(out: &mut String, id: i64) {
    let _ = write!(out, r#""chat":{{"id":{id},"type":"private","first_name":"U{id}"}}"#);
}

fn user(out: &mut String, id: i64) {
    let _ = write!(out, r#""from":{{"id":{id},"is_bot":false,"first_name":"U{id}","language_code":"en"}}"#);
}

/// The message a bot sent or edited, as `sendPhoto` / `editMessageMedia` return it.
pub fn sent(chat_id: i64, message: i32) -> String {
    let mut out = format!(r#"{{"ok":true,"result":{{"message_id":{message},"date":1767225600,"from":{BOT},"#);
    chat(&mut out, chat_id);
    out.push_str(
        r#","photo":[{"file_id":"bench-photo","file_unique_id":"bench","width":640,"height":640}],"caption":"card"}}"#,
    );
    out
}

/// A text message from the user of chat `chat_id`.
pub fn text_update(update: i64, chat_id: i64, message: i32, text: &str) -> String {
    let mut out = format!(r#"{{"update_id":{update},"message":{{"message_id":{message},"date":1767225600,"#);
    user(&mut out, chat_id);
    out.push(',');
    chat(&mut out, chat_id);
    let text = serde_json::to_string(text).unwrap_or_default();
    let _ = write!(out, r#","text":{text}"#);
    if text.starts_with("\"/") {
        let len = text.len() - 2;
        let _ = write!(out, r#","entities":[{{"type":"bot_command","offset":0,"length":{len}}}]"#);
    }
    out.push_str("}}");
    out
}

/// A press of `data` on message `message` in chat `chat_id`.
pub fn press_update(update: i64, chat_id: i64, message: i32, data: &str) -> String {
    let mut out = format!(r#"{{"update_id":{update},"callback_query":{{"id":"q{update}","#);
    user(&mut out, chat_id);
    let data = serde_json::to_string(data).unwrap_or_default();
    let _ = write!(
        out,
        r#","chat_instance":"{chat_id}","data":{data},"message":{{"message_id":{message},"date":1767225600,"from":{BOT},"#
    );
    chat(&mut out, chat_id);
    out.push_str(
        r#","photo":[{"file_id":"bench-photo","file_unique_id":"bench","width":640,"height":640}],"caption":"card"}}}"#,
    );
    out
}

/// `{"ok":true,"result":[…]}` of already-encoded items.
pub fn array<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from(r#"{"ok":true,"result":["#);
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teloxide_form_is_read() {
        let b = "abc-1";
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n7000000\r\n--{b}\r\n\
             Content-Disposition: form-data; name=\"message_id\"\r\n\r\n3\r\n--{b}\r\n\
             Content-Disposition: form-data; name=\"media\"\r\n\r\n{{\"type\":\"photo\",\"media\":\"f0\"}}\r\n--{b}\r\n\
             Content-Disposition: form-data; name=\"reply_markup\"\r\n\r\n\
             {{\"inline_keyboard\":[[{{\"text\":\"⬅️\",\"callback_data\":\"p:01\"}},{{\"text\":\"➡️\",\"callback_data\":\"n:01\"}}]]}}\r\n--{b}--\r\n"
        );
        let call = Call::parse(&format!("multipart/form-data; boundary={b}"), body.as_bytes());
        assert_eq!((call.chat, call.message), (Some(7_000_000), Some(3)));
        let data: Vec<&str> = call.keyboard.iter().flat_map(|k| k.callback_data()).collect();
        assert_eq!(data, ["p:01", "n:01"]);
    }

    #[test]
    fn a_json_call_is_read() {
        let body = br#"{"chat_id":42,"message_id":7,"media":{"type":"photo","media":"x"},
            "reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"1gn"}]]}}"#;
        let call = Call::parse("application/json", body);
        assert_eq!((call.chat, call.message), (Some(42), Some(7)));
        assert_eq!(call.keyboard.iter().flat_map(|k| k.callback_data()).collect::<Vec<_>>(), ["1gn"]);
    }
}
