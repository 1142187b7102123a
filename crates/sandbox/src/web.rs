//! The web chat: a page that plays the people in the Telegram emulator's chats, for a person
//! at a browser. Its HTML, CSS and JavaScript are embedded in the binary (no build step, no
//! network), and it talks only to its own origin: [`router`] serves the page together with the
//! emulator's `/sandbox/...` user API, so whatever server mounts it (the app's, in sandbox
//! mode) serves both.

use crate::telegram::TelegramSandbox;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const APP_CSS: &str = include_str!("../web/app.css");
const ICON_SVG: &str = include_str!("../web/icon.svg");

/// Headers every asset gets: never cached stale across versions, never sniffed, and a policy
/// that allows this origin only (no inline script, no third-party anything).
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
                 connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            ),
        ],
        body,
    )
}

/// The page at `/` (and its assets under `/webchat/`) plus the emulator's user API under
/// `/sandbox/`.
pub fn router(sandbox: &TelegramSandbox) -> Router {
    Router::new()
        .route("/", get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }))
        .route("/webchat/app.js", get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }))
        .route("/webchat/app.css", get(|| async { asset("text/css; charset=utf-8", APP_CSS) }))
        .route("/webchat/icon.svg", get(|| async { asset("image/svg+xml", ICON_SVG) }))
        .merge(sandbox.user_api())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telegram::TelegramEmulator;

    /// Serves `app` on a free loopback port; returns its base URL.
    async fn serve(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    async fn get_path(base: &str, path: &str) -> (u16, String, String) {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, kind, response.text().await.unwrap())
    }

    #[tokio::test]
    async fn the_page_and_its_assets_are_served_with_their_types() {
        let tg = TelegramEmulator::start().await.unwrap();
        let app = serve(router(&tg.sandbox())).await;
        let (status, kind, body) = get_path(&app, "/").await;
        assert_eq!(status, 200);
        assert_eq!(kind, "text/html; charset=utf-8");
        assert!(body.contains("<script src=\"/webchat/app.js\""), "the page loads its script from this origin");
        assert!(!body.contains("http://") && !body.contains("https://"), "nothing from another origin");
        for (path, want) in [("/webchat/app.js", "text/javascript"), ("/webchat/app.css", "text/css")] {
            let (status, kind, body) = get_path(&app, path).await;
            assert_eq!(status, 200, "{path}");
            assert!(kind.starts_with(want), "{path}: {kind}");
            assert!(!body.is_empty());
        }
        let (status, _, _) = get_path(&app, "/webchat/nothing.js").await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn the_user_api_is_on_the_same_origin_and_the_bot_api_is_not() {
        let tg = TelegramEmulator::start().await.unwrap();
        tg.add_user(7, "Ann", Some("en"));
        let app = serve(router(&tg.sandbox())).await;
        let (status, _, body) = get_path(&app, "/sandbox/users").await;
        assert_eq!(status, 200);
        assert!(body.contains("\"first_name\":\"Ann\""), "{body}");
        let (status, _, _) = get_path(&app, &format!("/bot{}/getMe", tg.token())).await;
        assert_eq!(status, 404, "the bot's token-guarded API stays on the emulator's port");
    }
}
