//! The bot's own account: identity, commands, webhook registration and file downloads.

use crate::api::{Api, ApiError, TelegramConfig};
use aisha_bot::io::{FetchError, Files};
use frankenstein::methods::{DeleteWebhookParams, GetFileParams, SetMyCommandsParams, SetWebhookParams};
use frankenstein::types::{AllowedUpdate, BotCommand};
use futures::StreamExt;
use serde::Deserialize;

/// The update kinds the bot asks for. Without `pre_checkout_query` every Stars checkout
/// times out; everything else would only cost traffic.
pub(crate) fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery, AllowedUpdate::PreCheckoutQuery]
}

/// Telegram lets bots download files up to 20 MB.
pub const MAX_DOWNLOAD: u64 = 20 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("the file is {0} bytes, over Telegram's 20 MB download limit")]
    TooLarge(u64),
    #[error("Telegram has no path for this file")]
    NoPath,
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("download failed: {0}")]
    Http(String),
}

/// Who the token belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BotIdentity {
    pub id: i64,
    pub username: Option<String>,
    pub first_name: String,
}

#[derive(Deserialize)]
struct RawFile {
    file_size: Option<u64>,
    file_path: Option<String>,
}

/// A handle on the Bot API for everything that is not sending replies. Cheap to clone.
#[derive(Clone)]
pub struct Telegram {
    pub(crate) api: Api,
    pub(crate) username: Option<String>,
}

impl std::fmt::Debug for Telegram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telegram").field("username", &self.username).finish_non_exhaustive()
    }
}

impl Telegram {
    pub fn new(config: &TelegramConfig) -> Result<Self, ApiError> {
        Ok(Self { api: Api::new(config)?, username: config.username.clone() })
    }

    pub async fn get_me(&self) -> Result<BotIdentity, ApiError> {
        self.api.call("getMe", &serde_json::json!({})).await
    }

    /// Registers `url` with `secret` for the `X-Telegram-Bot-Api-Secret-Token` header.
    pub async fn set_webhook(&self, url: &str, secret: &str) -> Result<(), ApiError> {
        let params = SetWebhookParams::builder()
            .url(url)
            .secret_token(secret.to_owned())
            .allowed_updates(allowed_updates())
            .build();
        self.api.call::<_, bool>("setWebhook", &params).await.map(drop)
    }

    /// Needed before long polling when a webhook was set.
    pub async fn delete_webhook(&self, drop_pending_updates: bool) -> Result<(), ApiError> {
        let params = DeleteWebhookParams::builder().drop_pending_updates(drop_pending_updates).build();
        self.api.call::<_, bool>("deleteWebhook", &params).await.map(drop)
    }

    /// The command menu: `(name without '/', description)`.
    /// Returns a Stars payment to the user (`refundStarPayment`).
    pub async fn refund_star_payment(&self, user_id: i64, telegram_payment_charge_id: &str) -> Result<(), ApiError> {
        let params =
            serde_json::json!({ "user_id": user_id, "telegram_payment_charge_id": telegram_payment_charge_id });
        self.api.call::<_, bool>("refundStarPayment", &params).await.map(drop)
    }

    /// One page of the bot's Star transactions (`getStarTransactions`: `offset` transactions
    /// skipped, at most `limit`, 1–100), decoded into the ones AISHA cares about: payments of
    /// its invoices and refunds to users. Bot API (https://core.telegram.org/bots/api#startransaction,
    /// read 2026-12-06): a transaction's `id` is the payment's `telegram_payment_charge_id`, and
    /// a refund's `id` is the refunded payment's; `source` is set on incoming transactions,
    /// `receiver` on outgoing ones, a `TransactionPartnerUser` with `transaction_type`
    /// "invoice_payment" (and `invoice_payload`) for the bot's invoices. `Ok((page, fetched))`:
    /// `fetched` counts every transaction of the page, so the caller knows where the next
    /// page starts.
    pub async fn star_transactions(
        &self,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<aisha_domain::services::payments::StarTransaction>, usize), ApiError> {
        let params = serde_json::json!({ "offset": offset, "limit": limit.clamp(1, 100) });
        let page: RawStarTransactions = self.api.call("getStarTransactions", &params).await?;
        let fetched = page.transactions.len();
        Ok((page.transactions.into_iter().filter_map(RawStarTransaction::decode).collect(), fetched))
    }

    /// The command menu for users whose Telegram is in `language` (`None`: everyone else).
    pub async fn set_commands(&self, commands: &[(&str, &str)], language: Option<&str>) -> Result<(), ApiError> {
        let commands =
            commands.iter().map(|(c, d)| BotCommand::builder().command(*c).description(*d).build()).collect();
        let params =
            SetMyCommandsParams::builder().commands(commands).maybe_language_code(language.map(str::to_owned)).build();
        self.api.call::<_, bool>("setMyCommands", &params).await.map(drop)
    }

    /// A user's file by its `file_id`, refused before any byte is fetched when Telegram says
    /// it is over 20 MB, and cut off if the body turns out larger than announced.
    pub async fn download(&self, file_id: &str) -> Result<Vec<u8>, DownloadError> {
        self.download_at_most(file_id, MAX_DOWNLOAD).await
    }

    /// [`download`](Self::download) with a lower ceiling than Telegram's 20 MB.
    pub async fn download_at_most(&self, file_id: &str, max: u64) -> Result<Vec<u8>, DownloadError> {
        let max = max.min(MAX_DOWNLOAD);
        let file: RawFile = match self.api.call("getFile", &GetFileParams::builder().file_id(file_id).build()).await {
            // Telegram refuses getFile itself for files over its limit
            Err(ApiError::Rejected { description, .. }) if description.contains("file is too big") => {
                return Err(DownloadError::TooLarge(MAX_DOWNLOAD + 1));
            }
            other => other?,
        };
        if let Some(size) = file.file_size.filter(|s| *s > max) {
            return Err(DownloadError::TooLarge(size));
        }
        let path = file.file_path.ok_or(DownloadError::NoPath)?;
        let http_error = |e: reqwest::Error| DownloadError::Http(self.api.redact(&e.without_url().to_string()));
        let response = self.api.http().get(self.api.file_url(&path)).send().await.map_err(http_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(DownloadError::Http(format!("HTTP {status}")));
        }
        if let Some(len) = response.content_length().filter(|l| *l > max) {
            return Err(DownloadError::TooLarge(len));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(response.content_length().unwrap_or(0)).unwrap_or(0));
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk.map_err(http_error)?);
            if bytes.len() as u64 > max {
                return Err(DownloadError::TooLarge(bytes.len() as u64));
            }
        }
        Ok(bytes)
    }
}

/// The bot's port for user files: `max_bytes` is checked against Telegram's announced size
/// before anything is fetched.
#[async_trait::async_trait]
impl Files for Telegram {
    async fn fetch(&self, file_id: &str, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
        self.download_at_most(file_id, max_bytes).await.map_err(|e| match e {
            DownloadError::TooLarge(_) => FetchError::TooLarge { max: max_bytes.min(MAX_DOWNLOAD) },
            other => FetchError::Unavailable(other.to_string()),
        })
    }
}

#[derive(serde::Deserialize)]
struct RawStarTransactions {
    transactions: Vec<RawStarTransaction>,
}

#[derive(serde::Deserialize)]
struct RawStarTransaction {
    id: String,
    amount: i64,
    date: i64,
    source: Option<RawPartner>,
    receiver: Option<RawPartner>,
}

#[derive(serde::Deserialize)]
struct RawPartner {
    #[serde(rename = "type")]
    kind: String,
    transaction_type: Option<String>,
    user: Option<RawPartnerUser>,
    invoice_payload: Option<String>,
}

#[derive(serde::Deserialize)]
struct RawPartnerUser {
    id: i64,
}

impl RawStarTransaction {
    /// Payments of the bot's invoices and refunds to users; anything else (withdrawals, ads,
    /// paid media, gifts) is not AISHA's.
    fn decode(self) -> Option<aisha_domain::services::payments::StarTransaction> {
        use aisha_domain::services::payments::StarTransaction;
        let at = chrono::DateTime::from_timestamp(self.date, 0)?;
        let stars = u32::try_from(self.amount).ok()?;
        let user_of = |p: &RawPartner| {
            let invoice = p.kind == "user" && p.transaction_type.as_deref().is_none_or(|t| t == "invoice_payment");
            invoice.then(|| p.user.as_ref().and_then(|u| aisha_domain::TelegramUserId::new(u.id).ok())).flatten()
        };
        if let Some(source) = &self.source {
            let payer = user_of(source)?;
            let payload = source.invoice_payload.clone()?;
            return Some(StarTransaction::Payment { charge_id: self.id, payer, payload, stars, at });
        }
        let user = user_of(self.receiver.as_ref()?)?;
        Some(StarTransaction::Refund { charge_id: self.id, user, stars, at })
    }
}

#[cfg(test)]
mod star_tests {
    use super::RawStarTransaction;
    use aisha_domain::services::payments::StarTransaction;
    use serde_json::json;

    fn decode(v: serde_json::Value) -> Option<StarTransaction> {
        serde_json::from_value::<RawStarTransaction>(v).unwrap().decode()
    }

    #[test]
    fn invoice_payments_and_refunds_are_read_and_the_rest_skipped() {
        let user = json!({"id": 42, "is_bot": false, "first_name": "A"});
        let paid = decode(json!({"id": "stx1", "amount": 50, "date": 1_800_000_000,
            "source": {"type": "user", "transaction_type": "invoice_payment", "user": user, "invoice_payload": "v1:p"}}));
        assert!(matches!(paid, Some(StarTransaction::Payment { charge_id, stars: 50, payload, .. })
            if charge_id == "stx1" && payload == "v1:p"));
        let refund = decode(json!({"id": "stx1", "amount": 50, "date": 1_800_000_100,
            "receiver": {"type": "user", "transaction_type": "invoice_payment", "user": user}}));
        assert!(matches!(refund, Some(StarTransaction::Refund { charge_id, stars: 50, .. }) if charge_id == "stx1"));
        let withdrawal = json!({"id": "w", "amount": 500, "date": 1, "receiver": {"type": "fragment"}});
        assert_eq!(decode(withdrawal), None);
        let gift = json!({"id": "g", "amount": 5, "date": 1,
            "source": {"type": "user", "transaction_type": "gift_purchase", "user": user}});
        assert_eq!(decode(gift), None);
    }
}
