//! The web chat: a page that plays the people in the Telegram emulator's chats, for a person
//! at a browser. Its HTML, CSS and JavaScript modules are embedded in the binary (no build step,
//! no network), and it talks only to its own origin: [`router`] serves the page together with
//! the emulator's `/sandbox/...` user API, so whatever server mounts it (the app's, in sandbox
//! mode) serves both.

use crate::telegram::TelegramSandbox;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX_HTML: &str = include_str!("../web/index.html");

const JS: &str = "text/javascript; charset=utf-8";

/// One file of the page under `/webchat/`: its path below `web/` (and that URL), its content
/// type and its text.
struct Asset {
    path: &'static str,
    kind: &'static str,
    body: &'static str,
}

/// An [`Asset`] embedded from `web/<path>`.
macro_rules! asset {
    ($path:literal, $kind:expr) => {
        Asset { path: $path, kind: $kind, body: include_str!(concat!("../web/", $path)) }
    };
}

/// Every file under `/webchat/`: the stylesheet, the icon and the ES modules (`main.js` is the
/// one the page loads; it imports the others by relative URL). A test checks that this list is
/// exactly what `web/` holds and that every import names one of them.
const ASSETS: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
    asset!("main.js", JS),
    asset!("dom.js", JS),
    asset!("state.js", JS),
    asset!("api.js", JS),
    asset!("table.js", JS),
    asset!("events.js", JS),
    asset!("users.js", JS),
    asset!("chats.js", JS),
    asset!("actions.js", JS),
    asset!("menu.js", JS),
    asset!("render/html.js", JS),
    asset!("render/media.js", JS),
    asset!("render/keyboards.js", JS),
    asset!("render/messages.js", JS),
    asset!("render/users.js", JS),
    asset!("render/status.js", JS),
    asset!("render/notices.js", JS),
];

/// Headers every asset gets: never cached stale across versions, never sniffed, and a policy
/// that allows this origin only (no inline script, no third-party anything).
fn respond(content_type: &'static str, body: &'static str) -> impl IntoResponse {
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
    let mut router = Router::new().route("/", get(|| async { respond("text/html; charset=utf-8", INDEX_HTML) }));
    for asset in ASSETS {
        router = router
            .route(&format!("/webchat/{}", asset.path), get(move || async move { respond(asset.kind, asset.body) }));
    }
    router.merge(sandbox.user_api())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telegram::{CHAT_ACTIONS, ChatEvent, PaymentOutcome, TelegramEmulator};
    use serde::de::DeserializeOwned;
    use std::collections::BTreeSet;
    use std::path::Path;

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

    fn module(path: &str) -> &'static str {
        ASSETS.iter().find(|a| a.path == path).unwrap_or_else(|| panic!("{path} is not embedded")).body
    }

    #[tokio::test]
    async fn the_page_and_its_assets_are_served_with_their_types() {
        let tg = TelegramEmulator::start().await.unwrap();
        let app = serve(router(&tg.sandbox())).await;
        let (status, kind, body) = get_path(&app, "/").await;
        assert_eq!(status, 200);
        assert_eq!(kind, "text/html; charset=utf-8");
        assert!(
            body.contains("<script type=\"module\" src=\"/webchat/main.js\""),
            "the page loads its entry module from this origin"
        );
        assert!(!body.contains("http://") && !body.contains("https://"), "nothing from another origin");
        for asset in ASSETS {
            let path = format!("/webchat/{}", asset.path);
            let (status, kind, body) = get_path(&app, &path).await;
            assert_eq!(status, 200, "{path}");
            assert_eq!(kind, asset.kind, "{path}");
            if path.ends_with(".js") {
                // browsers refuse a module served with another type
                assert!(kind.starts_with("text/javascript"), "{path}: {kind}");
            }
            assert_eq!(body, asset.body, "{path}");
        }
        let (_, kind, _) = get_path(&app, "/webchat/app.css").await;
        assert!(kind.starts_with("text/css"), "{kind}");
        for missing in ["/webchat/nothing.js", "/webchat/app.js", "/webchat/render/"] {
            let (status, _, _) = get_path(&app, missing).await;
            assert_eq!(status, 404, "{missing}");
        }
    }

    /// Every file under `web/` (but `index.html`, served at `/`), relative, with `/`.
    fn files_on_disk(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                files_on_disk(&entry.path(), &format!("{name}/"), out);
            } else if name != "index.html" {
                out.insert(name);
            }
        }
    }

    #[test]
    fn every_file_of_the_page_is_embedded_and_every_import_is_one_of_them() {
        let mut on_disk = BTreeSet::new();
        files_on_disk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("web"), "", &mut on_disk);
        let embedded: BTreeSet<String> = ASSETS.iter().map(|a| a.path.to_owned()).collect();
        assert_eq!(embedded.len(), ASSETS.len(), "an asset is listed twice");
        assert_eq!(on_disk, embedded, "web/ and ASSETS differ");

        for asset in ASSETS.iter().filter(|a| a.path.ends_with(".js")) {
            let dir: Vec<&str> = asset.path.rsplit_once('/').map_or(vec![], |(dir, _)| dir.split('/').collect());
            for line in asset.body.lines().filter(|l| l.starts_with("import ")) {
                let spec = line.rsplit_once(" from '").and_then(|(_, s)| s.strip_suffix("';"));
                let spec =
                    spec.unwrap_or_else(|| panic!("{}: an import not in `… from '…';` form: {line}", asset.path));
                let mut parts = dir.clone();
                for segment in spec.split('/') {
                    match segment {
                        "." => {}
                        ".." => assert!(parts.pop().is_some(), "{}: {spec} leaves web/", asset.path),
                        s => parts.push(s),
                    }
                }
                assert!(spec.starts_with('.'), "{}: {spec} is not relative", asset.path);
                let target = parts.join("/");
                assert!(embedded.contains(&target), "{} imports {spec} = {target}, which is not served", asset.path);
            }
        }
    }

    /// Every name serde gives the variants of an internally tagged enum: read from the error of
    /// deserializing an unknown tag ("unknown variant `x`, expected one of `a`, `b`, …"), so the
    /// list is complete by construction and follows the enum's `rename_all`.
    fn variant_names<T: DeserializeOwned + std::fmt::Debug>(tag: &str) -> BTreeSet<String> {
        let probe = serde_json::json!({ tag: "\u{1}no such variant" });
        let error = serde_json::from_value::<T>(probe).expect_err("the probe is no variant").to_string();
        let expected = error.split_once("expected ").unwrap_or_else(|| panic!("unexpected serde error: {error}")).1;
        let names: BTreeSet<String> = expected.split('`').skip(1).step_by(2).map(str::to_owned).collect();
        assert!(!names.is_empty(), "no variant names in: {error}");
        names
    }

    /// The lines of `source` declaring `decl` (e.g. `export const EVENTS = `): that line if it
    /// ends the statement, else up to the first line that starts with `]` or `}`.
    fn js_declaration<'a>(source: &'a str, file: &str, decl: &str) -> Vec<&'a str> {
        let mut lines = source.lines().skip_while(|l| !l.starts_with(decl));
        let first = lines.next().unwrap_or_else(|| panic!("{file} has no `{decl}`"));
        if first.ends_with(';') {
            return vec![first];
        }
        let mut block = vec![first];
        for line in lines {
            block.push(line);
            if line.starts_with(']') || line.starts_with('}') {
                return block;
            }
        }
        panic!("{file}: `{decl}` does not end");
    }

    /// The single-quoted strings of a JS array declaration (`export const X = Object.freeze([…]);`).
    fn js_list(source: &str, file: &str, decl: &str) -> BTreeSet<String> {
        let text = js_declaration(source, file, decl).join("\n");
        let list = text.split_once('[').unwrap_or_else(|| panic!("{file}: `{decl}` is no array")).1;
        let names: Vec<String> = list.split('\'').skip(1).step_by(2).map(str::to_owned).collect();
        let set: BTreeSet<String> = names.iter().cloned().collect();
        assert_eq!(set.len(), names.len(), "{file}: `{decl}` names one twice");
        set
    }

    /// The keys of a JS object declaration written one per line at two spaces' indent, as
    /// `  name(…) {` (a handler) or `  name: …`.
    fn js_keys(source: &str, file: &str, decl: &str) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for line in js_declaration(source, file, decl).into_iter().skip(1) {
            let Some(rest) = line.strip_prefix("  ").filter(|r| !r.starts_with([' ', '/'])) else { continue };
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            let (key, after) = rest.split_at(end);
            if !key.is_empty() && (after.starts_with('(') || after.starts_with(':')) {
                assert!(keys.insert(key.to_owned()), "{file}: `{decl}` has {key} twice");
            }
        }
        assert!(!keys.is_empty(), "{file}: no keys in `{decl}`");
        keys
    }

    /// The page's `events.js` dispatches on `type`; its EVENTS list and its handler table must
    /// name exactly the ChatEvent variants: a variant added without a handler, or a handler for
    /// an event the emulator never sends, fails here.
    #[test]
    fn the_pages_event_handlers_are_exactly_the_chat_events_rust_sends() {
        let rust = variant_names::<ChatEvent>("type");
        let source = module("events.js");
        let listed = js_list(source, "events.js", "export const EVENTS = ");
        assert_eq!(listed, rust, "events.js EVENTS against the variants of ChatEvent");
        let handled = js_keys(source, "events.js", "const HANDLERS = ");
        assert_eq!(handled, rust, "events.js HANDLERS against the variants of ChatEvent");
        // the tag the page reads, as the event stream writes it
        let event = serde_json::to_value(ChatEvent::Deleted { chat: 1, message_id: 2 }).unwrap();
        assert_eq!(event["type"], "deleted", "{event}");
        assert!(listed.contains("deleted"));
    }

    #[test]
    fn the_pages_payment_outcomes_are_exactly_the_ones_rust_answers() {
        let rust = variant_names::<PaymentOutcome>("outcome");
        let source = module("actions.js");
        assert_eq!(js_list(source, "actions.js", "export const PAYMENT_OUTCOMES = "), rust);
        assert_eq!(js_keys(source, "actions.js", "const AFTER_PAYMENT = "), rust);
        let paid = serde_json::to_value(PaymentOutcome::Expired).unwrap();
        assert_eq!(paid["outcome"], "expired", "{paid}");
    }

    #[test]
    fn the_page_words_every_chat_action_the_emulator_accepts() {
        let rust: BTreeSet<String> = CHAT_ACTIONS.iter().map(|a| (*a).to_owned()).collect();
        assert_eq!(rust.len(), CHAT_ACTIONS.len());
        let source = module("render/status.js");
        assert_eq!(js_keys(source, "render/status.js", "export const CHAT_ACTIONS = "), rust);
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
