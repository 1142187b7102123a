//! The one place that talks to the Bot API through frankenstein: method calls with a lenient
//! result type, errors sorted into what the callers act on, and the token kept out of every
//! message. Nothing from frankenstein leaves this crate.

use frankenstein::AsyncTelegramApi;
use frankenstein::client_reqwest::Bot;
use frankenstein::response::MethodResponse;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where the Bot API lives and who the bot is.
#[derive(Clone)]
pub struct TelegramConfig {
    pub token: SecretString,
    /// `https://api.telegram.org`, or an emulator's base URL. Methods go to `{api_base}/bot<token>/<method>`.
    pub api_base: String,
    /// Files are downloaded from `{file_base}/file/bot<token>/<path>`; the same host as the API on Telegram.
    pub file_base: String,
    /// The bot's @username without the `@`, so `/cmd@otherbot` can be told from `/cmd@ourbot`.
    pub username: Option<String>,
    /// The whole-request timeout of the HTTP client; must exceed the long-polling timeout.
    pub request_timeout: Duration,
}

impl TelegramConfig {
    pub const TELEGRAM: &'static str = "https://api.telegram.org";

    pub fn new(token: SecretString) -> Self {
        Self {
            token,
            api_base: Self::TELEGRAM.to_owned(),
            file_base: Self::TELEGRAM.to_owned(),
            username: None,
            request_timeout: Duration::from_secs(60),
        }
    }

    /// Both the API and the file downloads at `base` (an emulator, say).
    pub fn with_base(token: SecretString, base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Self { api_base: base.to_owned(), file_base: base.to_owned(), ..Self::new(token) }
    }
}

impl fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("token", &"[redacted]")
            .field("api_base", &self.api_base)
            .field("file_base", &self.file_base)
            .field("username", &self.username)
            .finish()
    }
}

/// A failed Bot API call, sorted by what the caller does about it. Descriptions never contain
/// the token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 429: wait this long, then try again.
    #[error("too many requests, retry after {0:?}")]
    RetryAfter(Duration),
    /// 403: the user blocked the bot, was deactivated, or the bot was kicked.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 400 "message is not modified": the edit asked for what is already there.
    #[error("message is not modified")]
    NotModified,
    /// 401: the token is wrong or revoked.
    #[error("the Bot API refused the token")]
    Unauthorized,
    /// 409: another poller, or a webhook is set.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Any other 4xx: the request itself is wrong, and sending it again will not help.
    #[error("rejected ({code}): {description}")]
    Rejected { code: u64, description: String },
    /// 5xx, a transport failure or an answer that is not the Bot API's JSON: worth retrying.
    #[error("Bot API unavailable: {0}")]
    Unavailable(String),
    /// A local file for an upload could not be written or read.
    #[error("local file: {0}")]
    File(String),
}

impl ApiError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, ApiError::RetryAfter(_) | ApiError::Unavailable(_))
    }

    /// Telegram would not take this photo as a photo (too large, bad dimensions, not an image
    /// it can process); the same bytes usually go through as a document.
    pub fn is_photo_rejected(&self) -> bool {
        match self {
            ApiError::Rejected { code: 413, .. } => true,
            ApiError::Rejected { description, .. } => {
                let d = description.to_ascii_uppercase();
                ["PHOTO_INVALID_DIMENSIONS", "PHOTO_SAVE_FILE_INVALID", "IMAGE_PROCESS_FAILED", "TOO BIG", "TOO LARGE"]
                    .iter()
                    .any(|needle| d.contains(needle))
            }
            _ => false,
        }
    }

    /// Telegram could not fetch the URL it was given: upload the bytes instead.
    pub fn is_url_rejected(&self) -> bool {
        match self {
            ApiError::Rejected { description, .. } => {
                let d = description.to_ascii_lowercase();
                d.contains("http url") || d.contains("url content") || d.contains("wrong type of the web page")
            }
            _ => false,
        }
    }
}

/// The lenient view of a sent message: only what the transport needs, so a field Telegram
/// adds or changes never turns a delivered message into an error (and a duplicate on retry).
#[derive(Clone, Debug, serde::Deserialize)]
pub(crate) struct SentMessage {
    pub message_id: i32,
    #[serde(default)]
    pub photo: Option<Vec<FileRef>>,
    #[serde(default)]
    pub document: Option<FileRef>,
}

impl SentMessage {
    /// The id to re-send this message's image with: the largest photo size, or the document.
    pub fn file_id(&self) -> Option<&str> {
        match &self.photo {
            Some(sizes) if !sizes.is_empty() => sizes.last().map(|s| s.file_id.as_str()),
            _ => self.document.as_ref().map(|d| d.file_id.as_str()),
        }
    }
}

#[derive(Clone, Debug, serde::Deserialize)]
pub(crate) struct FileRef {
    pub file_id: String,
}

/// `editMessage*` answer a message, or `true` for inline messages.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum Edited {
    Message(SentMessage),
    // the payload is `true`; only the shape matters
    #[allow(dead_code)]
    Bool(bool),
}

/// The client: frankenstein's `Bot` plus what it needs to keep the token out of messages and
/// to build file URLs.
#[derive(Clone)]
pub(crate) struct Api {
    bot: Bot,
    http: reqwest::Client,
    token: SecretString,
    file_base: String,
}

impl Api {
    pub fn new(config: &TelegramConfig) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(config.request_timeout)
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| ApiError::Unavailable(format!("cannot build the HTTP client: {}", e.without_url())))?;
        let api_url = format!("{}/bot{}", config.api_base.trim_end_matches('/'), config.token.expose_secret());
        let bot = Bot::builder().api_url(api_url).client(http.clone()).build();
        Ok(Self {
            bot,
            http,
            token: config.token.clone(),
            file_base: config.file_base.trim_end_matches('/').to_owned(),
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `{file_base}/file/bot<token>/<path>`: contains the token, so never log it.
    pub fn file_url(&self, path: &str) -> String {
        format!("{}/file/bot{}/{}", self.file_base, self.token.expose_secret(), path.trim_start_matches('/'))
    }

    /// Replaces the token wherever it appears, for every text that may reach a log.
    pub fn redact(&self, text: &str) -> String {
        redact(text, self.token.expose_secret())
    }

    pub async fn call<P, O>(&self, method: &str, params: &P) -> Result<O, ApiError>
    where
        P: Serialize + fmt::Debug + Sync,
        O: DeserializeOwned,
    {
        let response: Result<MethodResponse<O>, _> = self.bot.request(method, Some(params)).await;
        counted(method, response.map(|r| r.result).map_err(|e| self.classify(e)))
    }

    /// A call whose parameters refer to local files: `files` pairs a form field name with a
    /// path (the parameters say `attach://<name>` where Telegram expects the file).
    pub async fn call_with_files<P, O>(
        &self,
        method: &str,
        params: &P,
        files: Vec<(&str, PathBuf)>,
    ) -> Result<O, ApiError>
    where
        P: Serialize + fmt::Debug + Sync,
        O: DeserializeOwned,
    {
        let response: Result<MethodResponse<O>, _> =
            self.bot.request_with_possible_form_data(method, params, files).await;
        counted(method, response.map(|r| r.result).map_err(|e| self.classify(e)))
    }

    fn classify(&self, error: frankenstein::Error) -> ApiError {
        match error {
            frankenstein::Error::Api(e) => {
                let description = self.redact(&e.description);
                match e.error_code {
                    429 => ApiError::RetryAfter(Duration::from_secs(
                        e.parameters.and_then(|p| p.retry_after).map_or(1, u64::from).max(1),
                    )),
                    403 => ApiError::Forbidden(description),
                    401 => ApiError::Unauthorized,
                    409 => ApiError::Conflict(description),
                    400 if description.contains("message is not modified") => ApiError::NotModified,
                    code if code >= 500 => ApiError::Unavailable(format!("{code}: {description}")),
                    code => ApiError::Rejected { code, description },
                }
            }
            // a proxy's HTML error page, a truncated body: the input is not worth logging
            frankenstein::Error::JsonDecode { source, .. } => {
                ApiError::Unavailable(format!("the answer is not Bot API JSON: {source}"))
            }
            frankenstein::Error::ReadFile(e) => ApiError::File(e.to_string()),
            frankenstein::Error::HttpReqwest(e) => ApiError::Unavailable(self.redact(&e.without_url().to_string())),
            other => ApiError::Unavailable(self.redact(&other.to_string())),
        }
    }
}

/// Counts a Bot API call by method and outcome (`aisha_telegram_calls_total{method,outcome}`;
/// `outcome="429"` are Telegram's flood limits).
fn counted<O>(method: &str, result: Result<O, ApiError>) -> Result<O, ApiError> {
    let outcome = match &result {
        Ok(_) => "ok",
        Err(ApiError::RetryAfter(_)) => "429",
        Err(ApiError::Forbidden(_)) => "403",
        Err(ApiError::Unauthorized) => "401",
        Err(ApiError::Conflict(_)) => "409",
        Err(ApiError::NotModified) => "not_modified",
        Err(ApiError::Unavailable(_)) => "unavailable",
        Err(ApiError::Rejected { .. }) => "rejected",
        Err(ApiError::File(_)) => "file",
    };
    metrics::counter!("aisha_telegram_calls_total", "method" => method.to_owned(), "outcome" => outcome).increment(1);
    result
}

pub(crate) fn redact(text: &str, token: &str) -> String {
    if token.is_empty() || !text.contains(token) { text.to_owned() } else { text.replace(token, "[token]") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(code: u64, description: &str) -> ApiError {
        ApiError::Rejected { code, description: description.to_owned() }
    }

    #[test]
    fn photo_rejections_are_recognised() {
        assert!(rejected(400, "Bad Request: PHOTO_INVALID_DIMENSIONS").is_photo_rejected());
        assert!(rejected(413, "Request Entity Too Large").is_photo_rejected());
        assert!(!rejected(400, "Bad Request: chat not found").is_photo_rejected());
        assert!(rejected(400, "Bad Request: failed to get HTTP URL content").is_url_rejected());
    }

    #[test]
    fn redaction_replaces_every_occurrence() {
        assert_eq!(redact("a 123:abc b 123:abc", "123:abc"), "a [token] b [token]");
        assert_eq!(redact("nothing here", "123:abc"), "nothing here");
    }
}
