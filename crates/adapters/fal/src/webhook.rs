//! FAL's completion webhooks: check the ED25519 signature over the exact bytes received, then
//! read the body into the same result `ImageGenerator::result` gives.
//!
//! The signed message is `request_id \n user_id \n timestamp \n hex(sha256(body))`, taken from
//! the four `X-Fal-Webhook-*` headers; a timestamp more than five minutes off is refused, so a
//! captured delivery cannot be replayed later. Keys come from a JWKS document and any of them
//! may sign. Nothing in the body is looked at before the signature holds.

use crate::errors;
use crate::models::{ModelKind, decode_output};
use aisha_domain::ports::{ProviderError, ProviderErrorKind, ProviderOutput};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How far a webhook's timestamp may be from our clock.
pub const TOLERANCE: Duration = Duration::from_secs(300);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("the timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the timestamp is {0} s away from now")]
    Stale(u64),
    #[error("the signature is not 64 hex-encoded bytes")]
    BadSignature,
    #[error("no key verifies the signature")]
    Unverified,
    #[error("no usable signing keys: {0}")]
    Keys(String),
    #[error("the body's request id does not match the signed one")]
    RequestIdMismatch,
    #[error("unreadable webhook body: {0}")]
    Malformed(String),
}

/// The four signed headers, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookHeaders {
    pub request_id: String,
    pub user_id: String,
    pub timestamp: String,
    pub signature: String,
}

impl WebhookHeaders {
    pub const REQUEST_ID: &'static str = "x-fal-webhook-request-id";
    pub const USER_ID: &'static str = "x-fal-webhook-user-id";
    pub const TIMESTAMP: &'static str = "x-fal-webhook-timestamp";
    pub const SIGNATURE: &'static str = "x-fal-webhook-signature";

    /// Reads them from a request's headers (axum and reqwest share this type).
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, WebhookError> {
        let get = |name: &'static str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(WebhookError::MissingHeader(name))
        };
        Ok(Self {
            request_id: get(Self::REQUEST_ID)?,
            user_id: get(Self::USER_ID)?,
            timestamp: get(Self::TIMESTAMP)?,
            signature: get(Self::SIGNATURE)?,
        })
    }

    /// The bytes FAL signs for `body`.
    pub fn message(&self, body: &[u8]) -> Vec<u8> {
        let digest = hex::encode(Sha256::digest(body));
        format!("{}\n{}\n{}\n{}", self.request_id, self.user_id, self.timestamp, digest).into_bytes()
    }
}

/// Checks the timestamp against `now` and the signature against `keys`, over the raw body.
pub fn verify(
    body: &[u8],
    headers: &WebhookHeaders,
    now: SystemTime,
    keys: &[VerifyingKey],
) -> Result<(), WebhookError> {
    let ts: i64 = headers.timestamp.parse().map_err(|_| WebhookError::BadTimestamp)?;
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let skew = now.abs_diff(ts);
    if skew > TOLERANCE.as_secs() {
        return Err(WebhookError::Stale(skew));
    }
    let raw = hex::decode(&headers.signature).map_err(|_| WebhookError::BadSignature)?;
    let signature = Signature::from_slice(&raw).map_err(|_| WebhookError::BadSignature)?;
    if keys.is_empty() {
        return Err(WebhookError::Keys("the key set is empty".into()));
    }
    let message = headers.message(body);
    if keys.iter().any(|k| k.verify(&message, &signature).is_ok()) { Ok(()) } else { Err(WebhookError::Unverified) }
}

/// A finished request, as a webhook reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub request_id: String,
    pub result: Result<ProviderOutput, ProviderError>,
}

#[derive(Deserialize)]
struct Envelope {
    request_id: Option<String>,
    status: Option<String>,
    #[serde(default)]
    payload: Value,
    error: Option<String>,
    payload_error: Option<String>,
}

/// Reads a verified webhook body. `kind` is the job's model family when the caller knows it;
/// with `None` the payload's shape decides. An error whose cause is unclear is reported as
/// transient, so the runner leaves the job to the polling backstop, which asks FAL directly.
pub fn parse(body: &[u8], kind: Option<ModelKind>) -> Result<Completion, WebhookError> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    let request_id =
        env.request_id.filter(|r| !r.is_empty()).ok_or_else(|| WebhookError::Malformed("no request_id".into()))?;
    let result = match env.status.as_deref() {
        Some("OK") if env.payload.is_null() => Err(ProviderError::new(
            ProviderErrorKind::Transient,
            format!("FAL could not send the output: {}", env.payload_error.as_deref().unwrap_or("no payload")),
        )),
        Some("OK") => decode_output(kind, &env.payload),
        Some("ERROR") => {
            let error = env.error.unwrap_or_default();
            match status_in(&error) {
                Some(code) => {
                    let mut e = errors::from_error_body(code, &env.payload);
                    if e.detail == format!("HTTP {code}") && !error.is_empty() {
                        e.detail = error;
                    }
                    // the job's own final answer: FAL delivers ERROR after its own retries, so
                    // a 5xx here is not worth waiting for (webhooks docs; fal-js issue #153)
                    if code >= 500 {
                        e.kind = ProviderErrorKind::Failed;
                    }
                    errors::counted(&e);
                    Err(e)
                }
                None => {
                    Err(ProviderError::new(ProviderErrorKind::Transient, format!("FAL reported an error: {error}")))
                }
            }
        }
        other => return Err(WebhookError::Malformed(format!("unknown status {other:?}"))),
    };
    Ok(Completion { request_id, result })
}

/// The HTTP status in FAL's "Invalid status code: 422".
fn status_in(error: &str) -> Option<u16> {
    error
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| t.len() == 3)
        .filter_map(|t| t.parse::<u16>().ok())
        .find(|c| (400..600).contains(c))
}

/// The Ed25519 keys of a JWKS document; other key types are skipped.
pub fn parse_jwks(body: &[u8]) -> Result<Vec<VerifyingKey>, WebhookError> {
    #[derive(Deserialize)]
    struct Jwks {
        keys: Vec<Jwk>,
    }
    #[derive(Deserialize)]
    struct Jwk {
        kty: Option<String>,
        crv: Option<String>,
        x: Option<String>,
    }
    let doc: Jwks = serde_json::from_slice(body).map_err(|e| WebhookError::Keys(format!("unreadable JWKS: {e}")))?;
    let keys: Vec<VerifyingKey> = doc
        .keys
        .into_iter()
        .filter(|k| k.kty.as_deref() == Some("OKP") && k.crv.as_deref() == Some("Ed25519"))
        .filter_map(|k| {
            let raw = URL_SAFE_NO_PAD.decode(k.x?.trim_end_matches('=')).ok()?;
            VerifyingKey::from_bytes(&raw.try_into().ok()?).ok()
        })
        .collect();
    if keys.is_empty() { Err(WebhookError::Keys("the JWKS has no Ed25519 key".into())) } else { Ok(keys) }
}

/// Fetches the JWKS and keeps it for at most `ttl` (capped at 24 hours).
#[derive(Debug)]
pub struct JwksCache {
    http: reqwest::Client,
    url: String,
    ttl: Duration,
    cached: tokio::sync::Mutex<Option<(Instant, Arc<[VerifyingKey]>)>>,
}

impl JwksCache {
    pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

    pub fn new(http: reqwest::Client, url: &str, ttl: Duration) -> Self {
        Self { http, url: url.to_owned(), ttl: ttl.min(Self::MAX_TTL), cached: tokio::sync::Mutex::new(None) }
    }

    /// The cached keys, fetched first if there are none or they are older than the TTL.
    pub async fn keys(&self) -> Result<Arc<[VerifyingKey]>, WebhookError> {
        self.keys_fresher_than(self.ttl).await
    }

    /// The keys, refetched if older than `age` (used after a failed check, in case FAL
    /// rotated its keys).
    pub async fn keys_fresher_than(&self, age: Duration) -> Result<Arc<[VerifyingKey]>, WebhookError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, keys)) = &*cached
            && at.elapsed() < age.min(self.ttl)
        {
            return Ok(keys.clone());
        }
        let keys: Arc<[VerifyingKey]> = self.fetch().await?.into();
        *cached = Some((Instant::now(), keys.clone()));
        Ok(keys)
    }

    async fn fetch(&self) -> Result<Vec<VerifyingKey>, WebhookError> {
        let fail = |e: reqwest::Error| WebhookError::Keys(format!("fetching the JWKS failed: {e}"));
        let resp = self.http.get(&self.url).timeout(Duration::from_secs(10)).send().await.map_err(fail)?;
        let resp = resp.error_for_status().map_err(fail)?;
        parse_jwks(&resp.bytes().await.map_err(fail)?)
    }
}

/// What the app's webhook endpoint calls: verify, then parse.
#[derive(Debug)]
pub struct WebhookVerifier {
    jwks: JwksCache,
    /// A failed check refetches keys older than this, at most that often.
    pub refetch_after: Duration,
}

impl WebhookVerifier {
    pub fn new(http: reqwest::Client, jwks_url: &str) -> Self {
        Self { jwks: JwksCache::new(http, jwks_url, JwksCache::MAX_TTL), refetch_after: Duration::from_secs(300) }
    }

    pub fn with_cache(jwks: JwksCache) -> Self {
        Self { jwks, refetch_after: Duration::from_secs(300) }
    }

    /// Verifies a delivery. The result names the signed request, so the caller can look up
    /// its job (and model) before parsing the body.
    pub async fn verify<'b>(
        &self,
        headers: &HeaderMap,
        body: &'b [u8],
        now: SystemTime,
    ) -> Result<Verified<'b>, WebhookError> {
        let signed = WebhookHeaders::from_headers(headers)?;
        let keys = self.jwks.keys().await?;
        match verify(body, &signed, now, &keys) {
            Err(WebhookError::Unverified) => {
                let fresh = self.jwks.keys_fresher_than(self.refetch_after).await?;
                verify(body, &signed, now, &fresh)?;
            }
            other => other?,
        }
        Ok(Verified { request_id: signed.request_id, body })
    }

    /// Verifies, then parses by the payload's shape.
    pub async fn accept(&self, headers: &HeaderMap, body: &[u8], now: SystemTime) -> Result<Completion, WebhookError> {
        self.verify(headers, body, now).await?.parse(None)
    }
}

/// A delivery whose signature held: the only way to get at its body.
#[derive(Debug)]
pub struct Verified<'b> {
    request_id: String,
    body: &'b [u8],
}

impl Verified<'_> {
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Reads the body (see [`parse`]); its request id must be the signed one.
    pub fn parse(self, kind: Option<ModelKind>) -> Result<Completion, WebhookError> {
        let completion = parse(self.body, kind)?;
        if completion.request_id != self.request_id {
            return Err(WebhookError::RequestIdMismatch);
        }
        Ok(completion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use serde_json::json;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn signed(body: &[u8], ts: i64, with: &SigningKey) -> WebhookHeaders {
        let mut h = WebhookHeaders {
            request_id: "req-1".into(),
            user_id: "user-9".into(),
            timestamp: ts.to_string(),
            signature: String::new(),
        };
        h.signature = hex::encode(with.sign(&h.message(body)).to_bytes());
        h
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn a_signature_by_any_published_key_verifies() {
        let body = br#"{"request_id":"req-1","status":"OK","payload":{"images":[]}}"#;
        let h = signed(body, 1_000_000, &key(1));
        let keys = [key(2).verifying_key(), key(1).verifying_key()];
        assert_eq!(verify(body, &h, at(1_000_100), &keys), Ok(()));
        assert_eq!(verify(body, &h, at(1_000_100), &keys[..1]), Err(WebhookError::Unverified));
    }

    #[test]
    fn tampering_or_staleness_is_refused() {
        let body = br#"{"request_id":"req-1","status":"OK","payload":{}}"#;
        let h = signed(body, 1_000_000, &key(1));
        let keys = [key(1).verifying_key()];
        assert_eq!(verify(b"{}", &h, at(1_000_000), &keys), Err(WebhookError::Unverified), "another body");
        let mut other = h.clone();
        other.user_id = "someone-else".into();
        assert_eq!(verify(body, &other, at(1_000_000), &keys), Err(WebhookError::Unverified), "another header");
        assert_eq!(verify(body, &h, at(1_000_301), &keys), Err(WebhookError::Stale(301)));
        assert_eq!(verify(body, &h, at(999_699), &keys), Err(WebhookError::Stale(301)), "from the future too");
        assert_eq!(verify(body, &h, at(1_000_300), &keys), Ok(()));
        let mut bad = h.clone();
        bad.signature = "zz".into();
        assert_eq!(verify(body, &bad, at(1_000_000), &keys), Err(WebhookError::BadSignature));
        bad.timestamp = "soon".into();
        assert_eq!(verify(body, &bad, at(1_000_000), &keys), Err(WebhookError::BadTimestamp));
    }

    #[test]
    fn jwks_yields_the_ed25519_keys() {
        let x = URL_SAFE_NO_PAD.encode(key(7).verifying_key().as_bytes());
        let doc = json!({"keys": [{"kty": "RSA", "n": "abc"}, {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1"}]});
        let keys = parse_jwks(doc.to_string().as_bytes()).unwrap();
        assert_eq!(keys, vec![key(7).verifying_key()]);
        assert!(parse_jwks(br#"{"keys":[]}"#).is_err());
    }

    #[test]
    fn ok_and_error_bodies_parse_like_results() {
        let ok = json!({"request_id": "r1", "gateway_request_id": "r1", "status": "OK",
                        "payload": {"images": [{"url": "u"}], "has_nsfw_concepts": [true]}});
        let c = parse(ok.to_string().as_bytes(), Some(ModelKind::Images)).unwrap();
        assert_eq!(c.request_id, "r1");
        assert!(matches!(c.result, Ok(ProviderOutput::Images(ref v)) if v.len() == 1 && v[0].nsfw));

        let invalid = json!({"request_id": "r2", "status": "ERROR", "error": "Invalid status code: 422",
                             "payload": {"detail": [{"loc": ["body", "image_size"], "msg": "bad size", "type": "value_error"}]}});
        let e = parse(invalid.to_string().as_bytes(), None).unwrap().result.unwrap_err();
        assert_eq!(e.kind, ProviderErrorKind::InvalidInput);
        assert!(e.detail.contains("image_size"), "{}", e.detail);

        let policy = json!({"request_id": "r3", "status": "ERROR", "error": "Invalid status code: 422",
                            "payload": {"detail": [{"msg": "flagged", "type": "content_policy_violation"}]}});
        assert_eq!(
            parse(policy.to_string().as_bytes(), None).unwrap().result.unwrap_err().kind,
            ProviderErrorKind::ContentPolicy
        );

        let crashed = json!({"request_id": "r6", "gateway_request_id": "r6-gw1", "status": "ERROR",
                             "error": "Invalid status code: 500", "payload": {"detail": "Internal Server Error"}});
        let e = parse(crashed.to_string().as_bytes(), None).unwrap().result.unwrap_err();
        assert_eq!(e.kind, ProviderErrorKind::Failed, "final, refunded at once");

        let vague = json!({"request_id": "r4", "status": "ERROR", "error": "something broke", "payload": null});
        assert!(
            parse(vague.to_string().as_bytes(), None).unwrap().result.unwrap_err().is_retryable(),
            "left to polling"
        );

        let unserializable = json!({"request_id": "r5", "status": "OK", "payload": null, "payload_error": "too big"});
        assert!(parse(unserializable.to_string().as_bytes(), None).unwrap().result.unwrap_err().is_retryable());

        assert!(matches!(parse(b"not json", None), Err(WebhookError::Malformed(_))));
        assert!(matches!(parse(br#"{"status":"OK"}"#, None), Err(WebhookError::Malformed(_))));
    }
}
