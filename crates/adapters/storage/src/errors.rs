//! Turning `object_store` errors into the port's `StorageError`.
//!
//! object_store flattens most HTTP failures into a few variants and keeps the details (status,
//! the S3 XML error body, the transport failure) in the source chain and the message. We read
//! both: the chain for transport failures (`HttpError::kind`), the message for the S3 error
//! code, because S3 answers a missing bucket with a plain 404, which object_store reports as
//! `NotFound` exactly like a missing key.

use aisha_domain::ports::StorageError;
use aisha_domain::storage::StorageKey;
use object_store::client::{HttpError, HttpErrorKind};
use secrecy::{ExposeSecret, SecretString};
use std::error::Error as _;

/// What an error message may mention about the store it came from.
#[derive(Clone, Debug)]
pub(crate) struct ErrorContext {
    /// "S3 endpoint http://…" or "local directory /…", for messages.
    pub(crate) place: String,
    pub(crate) bucket: String,
    /// Shown in credential errors: it names the key, it is not the secret.
    pub(crate) access_key_id: Option<String>,
    /// Only ever used to scrub messages.
    pub(crate) secret: Option<SecretString>,
}

impl ErrorContext {
    /// Removes the secret from a message, should any layer below have echoed it.
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.secret {
            Some(secret) if !secret.expose_secret().is_empty() => text.replace(secret.expose_secret(), "[redacted]"),
            _ => text.to_owned(),
        }
    }

    /// Maps an error from an operation on `key` (or on the bucket as a whole, when `None`).
    pub(crate) fn map(&self, err: object_store::Error, key: Option<&StorageKey>) -> StorageError {
        let text = self.scrub(&err.to_string());
        let code = s3_error_code(&text);
        let status = http_status(&text);

        if code.as_deref() == Some("NoSuchBucket") {
            return StorageError::BucketMissing(self.bucket.clone());
        }
        if let Some(kind) = transport_failure(&err) {
            return StorageError::Unavailable(format!("cannot reach the {} ({kind}): {text}", self.place));
        }
        if io_permission_denied(&err) {
            return StorageError::PermissionDenied(format!("the {} refused access: {text}", self.place));
        }
        match err {
            object_store::Error::NotFound { .. } => match key {
                Some(key) => StorageError::NotFound(key.clone()),
                None => StorageError::Other(text),
            },
            object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
                self.denied(code.as_deref(), status)
            }
            _ if matches!(status, Some(401 | 403))
                || matches!(
                    code.as_deref(),
                    Some("SignatureDoesNotMatch" | "InvalidAccessKeyId" | "AccessDenied" | "InvalidToken")
                ) =>
            {
                self.denied(code.as_deref(), status)
            }
            _ if matches!(status, Some(500..=599)) => {
                StorageError::Unavailable(format!("the {} answered with a server error: {text}", self.place))
            }
            _ => StorageError::Other(text),
        }
    }

    fn denied(&self, code: Option<&str>, status: Option<u16>) -> StorageError {
        let who = match &self.access_key_id {
            Some(id) => format!("access key id `{id}`"),
            None => "this process".to_owned(),
        };
        let why = match code {
            Some("SignatureDoesNotMatch") => {
                "SignatureDoesNotMatch: the secret access key does not match the access key id".to_owned()
            }
            Some("InvalidAccessKeyId") => "InvalidAccessKeyId: the server does not know this access key id".to_owned(),
            Some("AccessDenied") => "AccessDenied: the key is valid but may not use this bucket".to_owned(),
            Some(other) => other.to_owned(),
            None => match status {
                Some(status) => format!("HTTP {status} without details (HEAD requests carry no error body)"),
                None => "access refused".to_owned(),
            },
        };
        StorageError::PermissionDenied(format!(
            "the {} refused {who} for bucket `{}` ({why}); check the access key id, the secret access key and the \
             key's permissions",
            self.place, self.bucket
        ))
    }
}

/// A connection that could not be made or a request that did not finish in time, found
/// anywhere in the error's source chain.
fn transport_failure(err: &object_store::Error) -> Option<&'static str> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = err.source();
    while let Some(e) = current {
        if let Some(http) = e.downcast_ref::<HttpError>() {
            return match http.kind() {
                HttpErrorKind::Connect => Some("connection failed"),
                HttpErrorKind::Timeout => Some("timed out"),
                HttpErrorKind::Request => Some("request could not be sent"),
                HttpErrorKind::Interrupted => Some("connection interrupted"),
                _ => None,
            };
        }
        current = e.source();
    }
    None
}

/// A filesystem permission error anywhere in the source chain (the local store).
fn io_permission_denied(err: &object_store::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = err.source();
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::PermissionDenied;
        }
        current = e.source();
    }
    false
}

/// The `<Code>` of an S3 XML error body quoted in the message, if any.
fn s3_error_code(text: &str) -> Option<String> {
    let start = text.find("<Code>")? + "<Code>".len();
    let len = text[start..].find("</Code>")?;
    let code = text[start..start + len].trim();
    (!code.is_empty()).then(|| code.to_owned())
}

/// The HTTP status object_store quotes as "status code: NNN".
fn http_status(text: &str) -> Option<u16> {
    let start = text.find("status code: ")? + "status code: ".len();
    text.get(start..start + 3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ErrorContext {
        ErrorContext {
            place: "S3 endpoint http://127.0.0.1:1".into(),
            bucket: "pics".into(),
            access_key_id: Some("AKID".into()),
            secret: Some(SecretString::from("sup3r-s3cret")),
        }
    }

    fn generic(msg: &str) -> object_store::Error {
        object_store::Error::Generic { store: "S3", source: msg.to_owned().into() }
    }

    fn not_found(msg: &str) -> object_store::Error {
        object_store::Error::NotFound { path: "a/b".into(), source: msg.to_owned().into() }
    }

    #[test]
    fn reads_the_s3_code_and_status() {
        let t = "Error performing GET http://x/b/k in 2ms - Server returned non-2xx status code: 404 Not Found: \
                 <?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>m</Message></Error>";
        assert_eq!(s3_error_code(t).as_deref(), Some("NoSuchBucket"));
        assert_eq!(http_status(t), Some(404));
        assert_eq!(s3_error_code("no xml here"), None);
        assert_eq!(http_status("no status"), None);
    }

    #[test]
    fn a_missing_bucket_is_not_a_missing_key() {
        let key = StorageKey::parse("a/b").unwrap();
        let body = "status code: 404 Not Found: <Error><Code>NoSuchBucket</Code></Error>";
        assert_eq!(ctx().map(not_found(body), Some(&key)), StorageError::BucketMissing("pics".into()));
        assert_eq!(ctx().map(generic(body), None), StorageError::BucketMissing("pics".into()));
        let body = "status code: 404 Not Found: <Error><Code>NoSuchKey</Code></Error>";
        assert_eq!(ctx().map(not_found(body), Some(&key)), StorageError::NotFound(key));
    }

    #[test]
    fn credentials_errors_say_what_to_check_and_never_the_secret() {
        let body = "status code: 403 Forbidden: <Error><Code>SignatureDoesNotMatch</Code>sup3r-s3cret</Error>";
        let err = ctx().map(generic(body), None);
        let StorageError::PermissionDenied(msg) = &err else { panic!("{err:?}") };
        assert!(msg.contains("AKID") && msg.contains("secret access key"), "{msg}");
        assert!(!msg.contains("sup3r-s3cret"), "{msg}");
        let err = ctx().map(
            object_store::Error::PermissionDenied { path: "k".into(), source: "status code: 403 Forbidden".into() },
            None,
        );
        assert!(matches!(err, StorageError::PermissionDenied(_)), "{err:?}");
    }

    #[test]
    fn server_errors_are_unavailable_and_the_rest_other() {
        let err = ctx().map(generic("status code: 503 Service Unavailable: slow down"), None);
        assert!(err.is_retryable(), "{err:?}");
        let err = ctx().map(generic("something odd sup3r-s3cret"), None);
        assert_eq!(err, StorageError::Other("Generic S3 error: something odd [redacted]".into()));
    }
}
