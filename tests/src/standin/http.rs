//! The stand-in's HTTP side: `POST /bot<token>/<method>`, any token, method names in any case.

use super::wire::{self, Call};
use super::{Shared, count};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use std::sync::Arc;
use std::time::Duration;

/// Serves the API on a free loopback port; returns its base URL (what a bot library's API URL
/// setting takes: it appends `/bot<token>/<method>`).
pub(super) async fn serve(shared: Arc<Shared>) -> std::io::Result<String> {
    let app = Router::new().route("/{bot}/{method}", axum::routing::any(api)).with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

async fn api(
    State(s): State<Arc<Shared>>,
    Path((_bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let call = Call::parse(content_type, &body);
    let m = method.to_ascii_lowercase();
    let answer = match m.as_str() {
        "getupdates" => {
            count(&s.calls.get_updates);
            let timeout = Duration::from_secs(call.timeout.unwrap_or(0));
            s.updates(call.offset, call.limit.unwrap_or(100), timeout).await
        }
        "editmessagemedia" | "editmessagetext" | "editmessagecaption" | "editmessagereplymarkup" => {
            count(&s.calls.edits);
            let (chat, message) = (call.chat.unwrap_or(0), call.message.unwrap_or(0));
            s.bot_message(chat, Some(message), call.keyboard);
            wire::sent(chat, message)
        }
        "sendmessage" | "sendphoto" | "senddocument" => {
            count(&s.calls.sends);
            let chat = call.chat.unwrap_or(0);
            let id = s.bot_message(chat, None, call.keyboard);
            wire::sent(chat, id)
        }
        "answercallbackquery" => {
            count(&s.calls.answers);
            TRUE.to_owned()
        }
        "getstartransactions" => {
            count(&s.calls.other);
            r#"{"ok":true,"result":{"transactions":[]}}"#.to_owned()
        }
        "getme" => {
            count(&s.calls.other);
            wire::me()
        }
        _ => {
            count(&s.calls.other);
            TRUE.to_owned()
        }
    };
    ([(header::CONTENT_TYPE, "application/json")], answer)
}

const TRUE: &str = r#"{"ok":true,"result":true}"#;
