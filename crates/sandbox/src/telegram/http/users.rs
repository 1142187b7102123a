//! The people's side over HTTP (`/sandbox/...`): JSON endpoints a web chat uses to play the
//! users and read the chats, each a thin wrapper around a [`TelegramSandbox`] method.

use crate::telegram::{Fault, TelegramSandbox, UserError};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State as Axum};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

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

async fn add_fault(Axum(sandbox): Axum<TelegramSandbox>, Json(fault): Json<Fault>) -> Response {
    sandbox.add_fault(fault);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(Axum(sandbox): Axum<TelegramSandbox>) -> Response {
    sandbox.clear_faults();
    StatusCode::NO_CONTENT.into_response()
}
