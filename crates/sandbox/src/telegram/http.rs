//! The emulator's HTTP face: the Bot API (parameters read, faults applied, each method
//! dispatched) and file downloads here; webhook delivery and long polling in [`updates`],
//! `InputMedia` in [`input_media`], and the `/sandbox/` endpoints a web chat uses to play the
//! users in [`users`].

mod input_media;
mod updates;
mod users;

pub(crate) use updates::deliver_webhooks;
pub(crate) use users::user_router;

use super::media::resolve;
use super::params::{Params, Part};
use super::state::State;
use super::{BotError, Shared, TelegramSandbox, bot_user_json};
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State as Axum};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub(crate) fn router(sandbox: TelegramSandbox) -> Router {
    Router::new()
        .route("/{bot}/{method}", post(bot_api).get(bot_api))
        .route("/file/{bot}/{*path}", get(download))
        // uploads up to Telegram's 50 MB, plus form overhead
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(sandbox.clone())
        .merge(user_router(sandbox))
}

fn answer(result: Result<Value, BotError>) -> Response {
    match result {
        Ok(result) => Json(json!({"ok": true, "result": result})).into_response(),
        Err(e) => {
            let mut body = json!({"ok": false, "error_code": e.code, "description": e.description});
            if let Some(retry_after) = e.retry_after {
                body["parameters"] = json!({"retry_after": retry_after});
            }
            let status = StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Json(body)).into_response()
        }
    }
}

async fn read_params(request: Request) -> Result<Params, BotError> {
    let mut params = Params::default();
    if let Some(query) = request.uri().query() {
        extend_form(&mut params, query.as_bytes());
    }
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, &()).await.map_err(|e| BotError::bad(&e.body_text()))?;
        while let Some(field) = form.next_field().await.map_err(|e| BotError::bad(&e.body_text()))? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| BotError::bad(&e.body_text()))?;
            if file_name.is_some() {
                params.parts.insert(name, Part { file_name, bytes: bytes.to_vec() });
            } else {
                params.values.insert(name, Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    } else {
        let body = axum::body::to_bytes(request.into_body(), 64 * 1024 * 1024)
            .await
            .map_err(|_| BotError::new(413, "Request Entity Too Large"))?;
        if content_type.starts_with("application/x-www-form-urlencoded") {
            extend_form(&mut params, &body);
        } else if !body.is_empty() {
            let object: Map<String, Value> =
                serde_json::from_slice(&body).map_err(|_| BotError::bad("can't parse JSON object"))?;
            params.values.extend(object);
        }
    }
    Ok(params)
}

/// `application/x-www-form-urlencoded` pairs (a query string or a form body): every value a
/// string, as Telegram takes them.
fn extend_form(params: &mut Params, form: &[u8]) {
    for (k, v) in form_urlencoded::parse(form) {
        params.values.insert(k.into_owned(), Value::String(v.into_owned()));
    }
}

async fn bot_api(
    Axum(sandbox): Axum<TelegramSandbox>,
    Path((bot, method)): Path<(String, String)>,
    request: Request,
) -> Response {
    let shared = &sandbox.shared;
    if bot.strip_prefix("bot") != Some(shared.token.as_str()) {
        return answer(Err(BotError::new(401, "Unauthorized")));
    }
    let params = match read_params(request).await {
        Ok(p) => p,
        Err(e) => return answer(Err(e)),
    };
    let chat = params.i64("chat_id").ok().flatten().or_else(|| params.i64("user_id").ok().flatten());
    let (delay, failure) = shared.fault(&method, chat);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let result = match failure {
        Some(e) => Err(e),
        None => call(shared, &method, &params).await,
    };
    shared.record(&method, chat, &result);
    answer(result)
}

async fn call(shared: &Arc<Shared>, method: &str, p: &Params) -> Result<Value, BotError> {
    match method.to_ascii_lowercase().as_str() {
        "getme" => {
            let mut me = bot_user_json();
            me["can_join_groups"] = json!(false);
            me["supports_inline_queries"] = json!(false);
            Ok(me)
        }
        "getupdates" => updates::get_updates(shared, p).await,
        "setwebhook" => shared.with(|s| updates::set_webhook(s, p)),
        "deletewebhook" => shared.with(|s| {
            s.webhook = None;
            if p.bool("drop_pending_updates") {
                s.updates.clear();
            }
            Ok(json!(true))
        }),
        "getwebhookinfo" => shared.with(|s| {
            let url = s.webhook.as_ref().map_or(String::new(), |w| w.url.clone());
            Ok(json!({"url": url, "has_custom_certificate": false, "pending_update_count": s.updates.len()}))
        }),
        "sendmessage" => shared.with(|s| s.send_message(p)),
        "sendphoto" => {
            let upload = resolve(&shared.state, &shared.http, p, p.get("photo"), "photo", true).await?;
            shared.with(|s| s.send_media(p, upload))
        }
        "senddocument" => {
            let upload = resolve(&shared.state, &shared.http, p, p.get("document"), "document", false).await?;
            shared.with(|s| s.send_media(p, upload))
        }
        "sendmediagroup" => input_media::send_media_group(shared, p).await,
        "editmessagetext" => shared.with(|s| s.edit_text(p)),
        "editmessagecaption" => shared.with(|s| s.edit_caption(p)),
        "editmessagereplymarkup" => shared.with(|s| s.edit_markup(p)),
        "editmessagemedia" => {
            let media = p.json("media")?.ok_or_else(|| BotError::bad("parameter \"media\" is required"))?;
            let (upload, caption, html) = input_media::input_media(shared, p, &media).await?;
            shared.with(|s| s.edit_media(p, upload, caption, html))
        }
        "deletemessage" => shared.with(|s| s.delete_message(p)),
        "answercallbackquery" => shared.with(|s| s.answer_callback(p)),
        "sendchataction" => shared.with(|s| s.chat_action(p)),
        "sendinvoice" => shared.with(|s| s.send_invoice(p)),
        "answerprecheckoutquery" => shared.with(|s| s.answer_pre_checkout(p)),
        "refundstarpayment" => shared.with(|s| s.refund(p)),
        "getstartransactions" => shared.with(|s| s.star_transactions_page(p)),
        "getfile" => shared.with(|s| s.get_file(p)),
        "setmycommands" => shared.with(|s| set_commands(s, p)),
        "getmycommands" => shared.with(|s| Ok(s.commands_for(&p.str("language_code").unwrap_or_default()))),
        _ => Err(BotError::new(404, "Not Found")),
    }
}

fn set_commands(s: &mut State, p: &Params) -> Result<Value, BotError> {
    let commands = p.json("commands")?.ok_or_else(|| BotError::bad("parameter \"commands\" is required"))?;
    let list = commands.as_array().ok_or_else(|| BotError::bad("can't parse commands JSON object"))?;
    for c in list {
        let name = c.get("command").and_then(Value::as_str).unwrap_or("");
        let description = c.get("description").and_then(Value::as_str).unwrap_or("");
        let name_ok = (1..=32).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return Err(BotError::bad("BOT_COMMAND_INVALID"));
        }
        if !(1..=256).contains(&description.chars().count()) {
            return Err(BotError::bad("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
    }
    s.commands.insert(p.str("language_code").unwrap_or_default(), commands);
    Ok(json!(true))
}

async fn download(Axum(sandbox): Axum<TelegramSandbox>, Path((bot, path)): Path<(String, String)>) -> Response {
    let shared = &sandbox.shared;
    if bot.strip_prefix("bot") != Some(shared.token.as_str()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match shared.with(|s| s.file_by_path(&path)) {
        Some(bytes) => bytes.as_ref().clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
