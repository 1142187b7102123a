//! The emulator's HTTP face: the Bot API, file downloads, webhook delivery, and the
//! `/sandbox/` endpoints a web chat uses to play the users.

use super::media::resolve;
use super::params::{Params, Part};
use super::state::{self, State, check_caption};
use super::{BotError, Shared, TelegramSandbox, UserError, bot_user_json};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State as Axum};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub(crate) fn router(sandbox: TelegramSandbox) -> Router {
    Router::new()
        .route("/{bot}/{method}", post(bot_api).get(bot_api))
        .route("/file/{bot}/{*path}", get(download))
        // uploads up to Telegram's 50 MB, plus form overhead
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(sandbox.clone())
        .merge(user_router(sandbox))
}

/// The people's side alone (`/sandbox/...`), without the Bot API: what a web chat mounts on
/// its own origin.
pub(crate) fn user_router(sandbox: TelegramSandbox) -> Router {
    Router::new()
        .route("/sandbox/users", get(list_users))
        .route("/sandbox/users/{user}", post(put_user))
        .route("/sandbox/commands", get(commands))
        .route("/sandbox/users/{user}/text", post(user_text))
        .route("/sandbox/users/{user}/photo", post(user_photo))
        .route("/sandbox/users/{user}/document", post(user_document))
        .route("/sandbox/users/{user}/album", post(user_album))
        .route("/sandbox/users/{user}/press", post(user_press))
        .route("/sandbox/users/{user}/pay", post(user_pay))
        .route("/sandbox/users/{user}/block", post(user_block))
        .route("/sandbox/chats/{chat}/messages", get(chat_messages))
        .route("/sandbox/files/{file_id}", get(file_bytes))
        .route("/sandbox/events", get(events))
        .route("/sandbox/calls", get(calls))
        .route("/sandbox/faults", post(add_fault).delete(clear_faults))
        // uploads up to Telegram's 50 MB, plus form overhead
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(sandbox)
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
        "getupdates" => get_updates(shared, p).await,
        "setwebhook" => shared.with(|s| set_webhook(s, p)),
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
        "sendmediagroup" => send_media_group(shared, p).await,
        "editmessagetext" => shared.with(|s| s.edit_text(p)),
        "editmessagecaption" => shared.with(|s| s.edit_caption(p)),
        "editmessagereplymarkup" => shared.with(|s| s.edit_markup(p)),
        "editmessagemedia" => {
            let media = p.json("media")?.ok_or_else(|| BotError::bad("parameter \"media\" is required"))?;
            let (upload, caption, html) = input_media(shared, p, &media).await?;
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

/// One `InputMedia` object: its file, caption and parse mode.
async fn input_media(
    shared: &Arc<Shared>,
    p: &Params,
    media: &Value,
) -> Result<(super::Upload, Option<String>, Option<String>), BotError> {
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

async fn send_media_group(shared: &Arc<Shared>, p: &Params) -> Result<Value, BotError> {
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

fn set_webhook(s: &mut State, p: &Params) -> Result<Value, BotError> {
    let url = p.str("url").unwrap_or_default();
    if url.is_empty() {
        s.webhook = None;
        return Ok(json!(true));
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(BotError::bad("bad webhook: An HTTPS URL must be provided for webhook"));
    }
    let secret = p.str("secret_token").filter(|t| !t.is_empty());
    if let Some(secret) = &secret
        && (secret.len() > 256 || !secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        return Err(BotError::bad("secret token contains unallowed characters"));
    }
    if let Some(allowed) = p.json("allowed_updates")? {
        s.allowed = serde_json::from_value(allowed).map_err(|_| BotError::bad("can't parse allowed_updates"))?;
    }
    if p.bool("drop_pending_updates") {
        s.updates.clear();
    }
    s.webhook = Some(state::Webhook { url, secret });
    Ok(json!(true))
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

/// Long polling: answers at once when updates are waiting, else when one arrives or the
/// timeout passes. A newer `getUpdates` ends an older one with 409, as Telegram does.
async fn get_updates(shared: &Arc<Shared>, p: &Params) -> Result<Value, BotError> {
    let offset = p.i64("offset")?;
    let limit = p.i64("limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let timeout = p.i64("timeout")?.unwrap_or(0).clamp(0, 50) as u64;
    let allowed: Option<Vec<String>> = match p.json("allowed_updates")? {
        Some(v) => Some(serde_json::from_value(v).map_err(|_| BotError::bad("can't parse allowed_updates"))?),
        None => None,
    };
    let generation = shared.with(|s| {
        if s.webhook.is_some() {
            return Err(BotError::new(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            ));
        }
        if allowed.is_some() {
            s.allowed = allowed;
        }
        s.poll_generation += 1;
        Ok(s.poll_generation)
    })?;
    shared.updates_changed.notify_waiters();
    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let changed = shared.updates_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let batch = shared.with(|s| {
            if s.poll_generation != generation {
                return Err(BotError::new(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                ));
            }
            Ok(s.take_updates(offset, limit))
        })?;
        if !batch.is_empty() || Instant::now() >= deadline {
            return Ok(Value::Array(batch));
        }
        tokio::select! {
            () = &mut changed => {}
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

/// Delivers queued updates to the webhook one at a time, in order, with the secret header;
/// a failed delivery is retried, as Telegram does (unless redelivery was switched off).
pub(crate) async fn deliver_webhooks(shared: Arc<Shared>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let changed = shared.updates_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let job = shared.with(|s| {
            let hook = s.webhook.as_ref()?;
            let (id, update) = s.updates.front()?;
            Some((hook.url.clone(), hook.secret.clone(), *id, update.clone()))
        });
        let Some((url, secret, id, update)) = job else {
            tokio::select! {
                () = &mut changed => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            continue;
        };
        let mut request = shared.http.post(&url).json(&update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                backoff = Duration::from_millis(100);
                shared.with(|s| {
                    if s.updates.front().is_some_and(|(front, _)| *front == id) {
                        s.updates.pop_front();
                    }
                });
            }
            _ if !shared.with(|s| s.redeliver) => shared.with(|s| {
                if s.updates.front().is_some_and(|(front, _)| *front == id) {
                    s.updates.pop_front();
                }
            }),
            _ => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
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

// ---- the users' side ---------------------------------------------------------------------

fn user_error(e: UserError) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": e.to_string()}))).into_response()
}

#[derive(Deserialize)]
struct TextBody {
    text: String,
}

async fn list_users(Axum(sandbox): Axum<TelegramSandbox>) -> Response {
    Json(sandbox.users()).into_response()
}

#[derive(Deserialize)]
struct UserBody {
    first_name: String,
    language_code: Option<String>,
}

async fn put_user(Axum(sandbox): Axum<TelegramSandbox>, Path(user): Path<i64>, Json(b): Json<UserBody>) -> Response {
    let name = b.first_name.trim();
    if user <= 0 || name.is_empty() || name.chars().count() > 64 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "a user needs a positive id and a name of 1-64 characters"})),
        )
            .into_response();
    }
    let language = b.language_code.as_deref().map(str::trim).filter(|l| !l.is_empty());
    if language.is_some_and(|l| l.len() > 8 || !l.bytes().all(|c| c.is_ascii_alphabetic() || c == b'-')) {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "language_code is an IETF tag such as ru or en"})))
            .into_response();
    }
    sandbox.add_user(user, name, language);
    Json(sandbox.users().into_iter().find(|u| u.id == user)).into_response()
}

#[derive(serde::Deserialize)]
struct CommandsQuery {
    lang: Option<String>,
}

/// The command menu a user with Telegram language `lang` sees (the default list otherwise).
async fn commands(Axum(sandbox): Axum<TelegramSandbox>, Query(q): Query<CommandsQuery>) -> Response {
    Json(sandbox.commands_for(q.lang.as_deref().unwrap_or(""))).into_response()
}

async fn user_text(
    Axum(sandbox): Axum<TelegramSandbox>,
    Path(user): Path<i64>,
    Json(body): Json<TextBody>,
) -> Response {
    Json(json!({"message_id": sandbox.send_text(user, &body.text)})).into_response()
}

#[derive(Deserialize)]
struct FileQuery {
    caption: Option<String>,
    file_name: Option<String>,
}

async fn user_photo(
    Axum(sandbox): Axum<TelegramSandbox>,
    Path(user): Path<i64>,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> Response {
    match sandbox.send_photo(user, body.to_vec(), q.caption.as_deref()) {
        Ok(id) => Json(json!({"message_id": id})).into_response(),
        Err(e) => user_error(e),
    }
}

async fn user_document(
    Axum(sandbox): Axum<TelegramSandbox>,
    Path(user): Path<i64>,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> Response {
    let name = q.file_name.unwrap_or_else(|| "file".into());
    Json(json!({"message_id": sandbox.send_document(user, body.to_vec(), &name, q.caption.as_deref())})).into_response()
}

async fn user_album(Axum(sandbox): Axum<TelegramSandbox>, Path(user): Path<i64>, mut form: Multipart) -> Response {
    let mut photos = Vec::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.bytes().await {
                Ok(bytes) => photos.push(bytes.to_vec()),
                Err(e) => return (StatusCode::BAD_REQUEST, e.body_text()).into_response(),
            },
            Ok(None) => break,
            Err(e) => return (StatusCode::BAD_REQUEST, e.body_text()).into_response(),
        }
    }
    match sandbox.send_album(user, photos) {
        Ok(ids) => Json(json!({"message_ids": ids})).into_response(),
        Err(e) => user_error(e),
    }
}

#[derive(Deserialize)]
struct PressBody {
    message_id: i32,
    data: String,
}

async fn user_press(Axum(sandbox): Axum<TelegramSandbox>, Path(user): Path<i64>, Json(b): Json<PressBody>) -> Response {
    match sandbox.press(user, b.message_id, &b.data) {
        Ok(query_id) => Json(json!({"query_id": query_id})).into_response(),
        Err(e) => user_error(e),
    }
}

#[derive(Deserialize)]
struct PayBody {
    message_id: i32,
}

async fn user_pay(Axum(sandbox): Axum<TelegramSandbox>, Path(user): Path<i64>, Json(b): Json<PayBody>) -> Response {
    match sandbox.pay(user, b.message_id).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(e) => user_error(e),
    }
}

#[derive(Deserialize)]
struct BlockBody {
    blocked: bool,
}

async fn user_block(Axum(sandbox): Axum<TelegramSandbox>, Path(user): Path<i64>, Json(b): Json<BlockBody>) -> Response {
    sandbox.block_bot(user, b.blocked);
    StatusCode::NO_CONTENT.into_response()
}

async fn chat_messages(Axum(sandbox): Axum<TelegramSandbox>, Path(chat): Path<i64>) -> Response {
    Json(sandbox.messages(chat)).into_response()
}

async fn file_bytes(Axum(sandbox): Axum<TelegramSandbox>, Path(file_id): Path<String>) -> Response {
    let bytes = sandbox.shared.with(|s| s.files.get(&file_id).map(|f| f.bytes.clone()));
    match bytes {
        Some(bytes) => {
            let mime = image::guess_format(&bytes).map_or("application/octet-stream", |f| f.to_mime_type());
            ([(header::CONTENT_TYPE, mime)], bytes.as_ref().clone()).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Server-sent events: one `ChatEvent` JSON per event, for a live chat view.
async fn events(Axum(sandbox): Axum<TelegramSandbox>) -> impl IntoResponse {
    let rx = sandbox.subscribe();
    let closing = sandbox.shared.closing.clone();
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(event) => {
                    let data = serde_json::to_string(&event).unwrap_or_default();
                    return Some((Ok::<_, std::convert::Infallible>(Event::default().data(data)), rx));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    // a server shutting down gracefully waits for open responses; this one ends when told
    let stream = futures::StreamExt::take_until(stream, closing.cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn calls(Axum(sandbox): Axum<TelegramSandbox>) -> Response {
    Json(sandbox.calls()).into_response()
}

async fn add_fault(Axum(sandbox): Axum<TelegramSandbox>, Json(fault): Json<super::Fault>) -> Response {
    sandbox.add_fault(fault);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(Axum(sandbox): Axum<TelegramSandbox>) -> Response {
    sandbox.clear_faults();
    StatusCode::NO_CONTENT.into_response()
}
