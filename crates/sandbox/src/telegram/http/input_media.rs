//! `InputMedia` objects, whose files may have to be fetched before the state is touched:
//! `editMessageMedia` and `sendMediaGroup`.

use crate::telegram::media::{Upload, resolve};
use crate::telegram::params::Params;
use crate::telegram::state::check_caption;
use crate::telegram::{BotError, Shared};
use serde_json::Value;
use std::sync::Arc;

/// One `InputMedia` object: its file, caption and parse mode.
pub(super) async fn input_media(
    shared: &Arc<Shared>,
    p: &Params,
    media: &Value,
) -> Result<(Upload, Option<String>, Option<String>), BotError> {
    let kind = media.get("type").and_then(Value::as_str).unwrap_or("");
    let photo = match kind {
        "photo" => true,
        "document" => false,
        _ => return Err(BotError::bad("the sandbox takes only photo and document media")),
    };
    let html = match media.get("parse_mode").and_then(Value::as_str) {
        None | Some("") => None,
        Some(m) => Some(m.to_owned()),
    };
    let caption = media.get("caption").and_then(Value::as_str).filter(|c| !c.is_empty()).map(str::to_owned);
    check_caption(caption.as_deref(), html.as_deref().filter(|m| *m == "HTML"))?;
    let upload = resolve(&shared.state, &shared.http, p, media.get("media"), "media", photo).await?;
    Ok((upload, caption, html))
}

pub(super) async fn send_media_group(shared: &Arc<Shared>, p: &Params) -> Result<Value, BotError> {
    let chat = p.chat_id()?;
    let media = p.json("media")?.ok_or_else(|| BotError::bad("parameter \"media\" is required"))?;
    let items = media.as_array().ok_or_else(|| BotError::bad("can't parse media JSON object"))?;
    if items.len() > 10 {
        return Err(BotError::bad("too much messages to send as an album"));
    }
    if items.len() < 2 {
        return Err(BotError::bad("an album must have 2 to 10 media"));
    }
    let mut resolved = Vec::with_capacity(items.len());
    for item in items {
        resolved.push(input_media(shared, p, item).await?);
    }
    shared.with(|s| s.send_group(chat, resolved))
}
