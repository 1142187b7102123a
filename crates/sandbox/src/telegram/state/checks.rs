//! The Bot API's limits and checks on what a bot sends: text and caption lengths as Telegram
//! counts them, HTML parse mode, inline keyboards, message ids.

use crate::telegram::BotError;
use crate::telegram::params::Params;
use serde_json::Value;

pub(crate) const TEXT_MAX: usize = 4096;
pub(crate) const CAPTION_MAX: usize = 1024;
pub(crate) const CALLBACK_DATA_MAX: usize = 64;

/// Text length as Telegram counts it for HTML messages: tags removed, entities one character.
pub(crate) fn visible_len(text: &str, html: bool) -> usize {
    if !html {
        return text.chars().count();
    }
    let mut n = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => {
                for c in chars.by_ref() {
                    if c == '>' {
                        break;
                    }
                }
            }
            '&' => {
                n += 1;
                while let Some(&c) = chars.peek() {
                    chars.next();
                    if c == ';' {
                        break;
                    }
                }
            }
            _ => n += 1,
        }
    }
    n
}

pub(crate) fn not_modified() -> BotError {
    BotError::bad(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    )
}

pub(crate) fn message_id(p: &Params) -> Result<i32, BotError> {
    if p.get("inline_message_id").is_some() {
        return Err(BotError::bad("the sandbox has no inline messages"));
    }
    let id = p.req_i64("message_id")?;
    i32::try_from(id).map_err(|_| BotError::bad("message to edit not found"))
}

/// `HTML` → `Some("HTML")`; texts in HTML are checked as Telegram checks them, other modes not.
pub(crate) fn parse_mode(p: &Params) -> Result<Option<String>, BotError> {
    match p.str("parse_mode").as_deref() {
        None | Some("") => Ok(None),
        Some(m @ ("HTML" | "MarkdownV2" | "Markdown")) => Ok(Some(m.to_owned())),
        Some(other) => Err(BotError::bad(&format!("unsupported parse_mode \"{other}\""))),
    }
}

/// A text sent with `parse_mode=HTML` that Telegram cannot parse: refused with its answer.
pub(crate) fn check_entities(text: &str, mode: Option<&str>) -> Result<(), BotError> {
    if mode != Some("HTML") {
        return Ok(());
    }
    crate::telegram::html::check(text)
        .map_err(|detail| BotError::bad(&format!("{}{detail}", crate::telegram::html::CANT_PARSE)))
}

pub(super) fn check_text(text: &str, mode: Option<&str>) -> Result<(), BotError> {
    if !text.is_empty() {
        check_entities(text, mode)?;
    }
    match visible_len(text, mode.is_some()) {
        0 => Err(BotError::bad("message text is empty")),
        n if n > TEXT_MAX => Err(BotError::bad("message is too long")),
        _ => Ok(()),
    }
}

pub(crate) fn check_caption(caption: Option<&str>, mode: Option<&str>) -> Result<(), BotError> {
    if let Some(caption) = caption {
        check_entities(caption, mode)?;
    }
    if caption.is_some_and(|c| visible_len(c, mode.is_some()) > CAPTION_MAX) {
        return Err(BotError::bad("message caption is too long"));
    }
    Ok(())
}

pub(super) fn caption(p: &Params, mode: Option<&str>) -> Result<Option<String>, BotError> {
    let caption = p.str("caption").filter(|c| !c.is_empty());
    check_caption(caption.as_deref(), mode)?;
    Ok(caption)
}

/// The inline keyboard of `reply_markup`, checked as Telegram checks it.
pub(crate) fn keyboard(p: &Params) -> Result<Option<Value>, BotError> {
    let Some(markup) = p.json("reply_markup")? else { return Ok(None) };
    let Some(rows) = markup.get("inline_keyboard") else {
        // reply keyboards and force-reply exist in Telegram; the bot does not use them
        return Ok(Some(markup));
    };
    let rows = rows
        .as_array()
        .ok_or_else(|| BotError::bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object"))?;
    for button in rows.iter().flat_map(|r| r.as_array().into_iter().flatten()) {
        if button.get("text").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(BotError::bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            ));
        }
        let actions = ["callback_data", "url", "pay", "web_app", "switch_inline_query", "copy_text", "login_url"];
        if actions.iter().filter(|a| button.get(**a).is_some()).count() != 1 {
            return Err(BotError::bad(
                "can't parse inline keyboard button: exactly one of the optional fields must be used",
            ));
        }
        if let Some(data) = button.get("callback_data") {
            let len = data.as_str().map_or(0, str::len);
            if !(1..=CALLBACK_DATA_MAX).contains(&len) {
                return Err(BotError::bad("BUTTON_DATA_INVALID"));
            }
        }
    }
    Ok(Some(markup))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_length_counts_what_the_user_sees() {
        assert_eq!(visible_len("<b>hi</b> &amp; you", true), 8);
        assert_eq!(visible_len("<b>hi</b>", false), 9);
        assert_eq!(visible_len("привет", true), 6);
    }
}
