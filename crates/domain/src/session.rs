//! Per-user conversation state with a time to live: the dialogue (what the bot is waiting for),
//! the gallery session (filter + position) and an order kept while the user tops up. Stores keep opaque strings; this module puts a
//! version on every value so that a value written by an older release that no longer decodes
//! is treated as absent, never as a crash.

use crate::UserId;
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionKind {
    Dialogue,
    Gallery,
    /// An order kept while the user tops up (too few coins at its confirmation).
    Order,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey {
    pub user: UserId,
    pub kind: SessionKind,
}

impl SessionKey {
    pub fn dialogue(user: UserId) -> Self {
        Self { user, kind: SessionKind::Dialogue }
    }
    pub fn gallery(user: UserId) -> Self {
        Self { user, kind: SessionKind::Gallery }
    }
    pub fn order(user: UserId) -> Self {
        Self { user, kind: SessionKind::Order }
    }
}

impl fmt::Display for SessionKey {
    /// `dialogue:<user>`, `gallery:<user>` or `order:<user>`: stores prefix it with their own namespace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            SessionKind::Dialogue => "dialogue",
            SessionKind::Gallery => "gallery",
            SessionKind::Order => "order",
        };
        write!(f, "{kind}:{}", self.user)
    }
}

/// The envelope version. Bump it when a stored shape changes incompatibly.
pub const VERSION: u32 = 1;

pub fn encode<T: Serialize>(value: &T) -> String {
    /// Serialized as it stands (no `serde_json::Value` built on the way: a gallery step writes
    /// its session on every press).
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        v: u32,
        d: &'a T,
    }
    serde_json::to_string(&Envelope { v: VERSION, d: value }).unwrap_or_else(|e| {
        // only a map with non-string keys fails, which no session holds; an empty value
        // reads as absent
        tracing::error!(error = %e, "a session value does not serialize; stored as absent");
        String::new()
    })
}

/// `None` for another version or a shape that no longer decodes (logged, not fatal).
pub fn decode<T: DeserializeOwned>(key: &SessionKey, raw: &str) -> Option<T> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        v: u32,
        d: serde_json::Value,
    }
    let decoded = serde_json::from_str::<Envelope>(raw)
        .ok()
        .filter(|e| e.v == VERSION)
        .and_then(|e| serde_json::from_value(e.d).ok());
    if decoded.is_none() {
        tracing::warn!(%key, "stored session value does not decode; treating it as absent");
    }
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gallery::{Filter, GallerySession, ImageKind};
    use uuid::Uuid;

    #[test]
    fn round_trip_and_version_mismatch() {
        let key = SessionKey::gallery(UserId(Uuid::nil()));
        let s = GallerySession { filter: Filter { kind: Some(ImageKind::Text), ..Filter::default() }, cursor: None };
        assert_eq!(decode::<GallerySession>(&key, &encode(&s)), Some(s));
        // the type filter is written as before the catalog, so saved sessions keep reading
        assert!(encode(&s).contains(r#""kind":"imagen""#), "{}", encode(&s));
        assert_eq!(decode::<GallerySession>(&key, r#"{"v":0,"d":{}}"#), None);
        assert_eq!(decode::<GallerySession>(&key, r#"{"v":1,"d":{"filter":42}}"#), None);
        assert_eq!(decode::<GallerySession>(&key, "not json"), None);
    }

    #[test]
    fn keys_name_user_and_kind() {
        let u = UserId(Uuid::nil());
        assert_eq!(SessionKey::dialogue(u).to_string(), format!("dialogue:{u}"));
        assert_ne!(SessionKey::dialogue(u).to_string(), SessionKey::gallery(u).to_string());
    }
}
