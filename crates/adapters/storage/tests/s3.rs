//! What only the S3 store does: content types, presigned URLs, and how it reports wrong
//! credentials, a missing bucket and a server that is down.
//!
//! The tests that need a server run when `AISHA_TEST_S3_*` are set (start one with
//! `scripts/s3-test-server.sh start`); the rest need no server.

mod common;

use aisha_domain::media::ImageFormat;
use aisha_domain::ports::{ImageStore, StorageError};
use aisha_storage::{S3Config, S3ImageStore, probe};
use secrecy::SecretString;
use std::time::{Duration, Instant};

async fn http_get(url: &str) -> (u16, Option<String>, Vec<u8>) {
    let response = reqwest::get(url).await.expect("the presigned URL is reachable");
    let status = response.status().as_u16();
    let content_type =
        response.headers().get(reqwest::header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or_default().to_owned());
    let body = response.bytes().await.expect("a response body").to_vec();
    (status, content_type, body)
}

// ---------------------------------------------------------------------------------------------
// Without a server

/// A port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn offline_config(endpoint: String) -> S3Config {
    let mut config = S3Config::new("us-east-1", "pics", "AKIDEXAMPLE", SecretString::from("never-shown-secret"));
    config.endpoint = Some(endpoint);
    config.allow_http = true;
    config
}

#[tokio::test]
async fn a_down_endpoint_is_unavailable_within_seconds() {
    let store = S3ImageStore::new(offline_config(format!("http://127.0.0.1:{}", closed_port()))).unwrap();
    let key = common::fresh_key(ImageFormat::Png);
    let started = Instant::now();
    let calls = async {
        let put = store.put(&key, vec![1; 10], "image/png").await;
        let get = store.get(&key).await;
        let exists = store.exists(&key).await;
        let delete = store.delete(&key).await;
        (put, get, exists, delete)
    };
    let (put, get, exists, delete) =
        tokio::time::timeout(Duration::from_secs(30), calls).await.expect("a down server does not hang the caller");
    let elapsed = started.elapsed();
    for (what, err) in [("put", put.err()), ("get", get.err()), ("exists", exists.err()), ("delete", delete.err())] {
        let err = err.unwrap_or_else(|| panic!("{what} against a closed port failed"));
        assert!(matches!(err, StorageError::Unavailable(_)), "{what}: {err:?}");
        assert!(err.is_retryable());
        assert!(!err.to_string().contains("never-shown-secret"), "{err}");
    }
    // four calls, each with its bounded retries
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_is_unavailable_after_the_request_timeout() {
    // accepts connections and reads nothing back: only the request timeout can end the wait
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut config = offline_config(format!("http://127.0.0.1:{port}"));
    config.request_timeout = Duration::from_secs(1);
    let store = S3ImageStore::new(config).unwrap();
    let started = Instant::now();
    let err = store.get(&common::fresh_key(ImageFormat::Png)).await.unwrap_err();
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    silent.abort();
}

#[tokio::test]
async fn a_down_endpoint_fails_the_probe_as_unavailable() {
    let store = S3ImageStore::new(offline_config(format!("http://127.0.0.1:{}", closed_port()))).unwrap();
    let started = Instant::now();
    let report = probe(&store).await;
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(!report.ok());
    assert!(matches!(report.error, Some(StorageError::Unavailable(_))), "{report}");
    assert!(!report.to_string().contains("never-shown-secret"));
}

#[tokio::test]
async fn a_public_base_url_gives_permanent_urls_without_a_request() {
    let mut config = offline_config(format!("http://127.0.0.1:{}", closed_port()));
    config.public_base_url = Some("https://cdn.example.com/pics/".into());
    let store = S3ImageStore::new(config).unwrap();
    let key = common::fresh_key(ImageFormat::Jpeg);
    let url = store.public_url(&key, Duration::from_secs(5)).await.unwrap();
    assert_eq!(url, Some(format!("https://cdn.example.com/pics/{key}")));
}

#[test]
fn the_config_never_prints_its_secret() {
    let config = offline_config("http://127.0.0.1:1".into());
    let text = format!("{config:?}");
    assert!(!text.contains("never-shown-secret") && text.contains("AKIDEXAMPLE"), "{text}");
    let store = S3ImageStore::new(config).unwrap();
    assert!(!format!("{store:?}").contains("never-shown-secret"));
    assert_eq!(store.bucket(), "pics");
}

// ---------------------------------------------------------------------------------------------
// Against the test server

#[tokio::test]
async fn content_type_is_kept_and_presigned_urls_work() {
    let Some(config) = common::s3_from_env("content_type_is_kept_and_presigned_urls_work") else { return };
    let store = S3ImageStore::new(config).unwrap();

    let key = common::fresh_key(ImageFormat::Webp);
    store.put(&key, b"RIFF\0\0\0\0WEBPVP8 small".to_vec(), "image/webp").await.unwrap();
    let url = store.public_url(&key, Duration::from_secs(300)).await.unwrap().expect("S3 presigns URLs");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let (status, content_type, body) = http_get(&url).await;
    assert_eq!(status, 200, "a presigned URL is fetchable with a plain GET");
    assert_eq!(content_type.as_deref(), Some("image/webp"));
    assert_eq!(body, b"RIFF\0\0\0\0WEBPVP8 small");
    store.delete(&key).await.unwrap();

    // a multipart upload keeps its content type too
    let key = common::fresh_key(ImageFormat::Png);
    let large = vec![7u8; 9 * 1024 * 1024 + 1];
    store.put(&key, large.clone(), "image/png").await.unwrap();
    let url = store.public_url(&key, Duration::from_secs(300)).await.unwrap().unwrap();
    let etag = reqwest::get(&url).await.unwrap().headers().get(reqwest::header::ETAG).cloned();
    let etag = etag.map(|v| v.to_str().unwrap_or_default().trim_matches('"').to_owned()).unwrap_or_default();
    assert!(etag.ends_with("-2"), "9 MiB went up as a multipart upload of 2 parts (ETag {etag:?})");
    let (status, content_type, body) = http_get(&url).await;
    assert_eq!((status, content_type.as_deref()), (200, Some("image/png")));
    assert!(body == large, "the multipart object reads back whole through its URL");
    store.delete(&key).await.unwrap();
}

#[tokio::test]
async fn a_tampered_presigned_url_is_rejected() {
    let Some(config) = common::s3_from_env("a_tampered_presigned_url_is_rejected") else { return };
    let store = S3ImageStore::new(config).unwrap();
    let key = common::fresh_key(ImageFormat::Png);
    store.put(&key, b"secret picture".to_vec(), "image/png").await.unwrap();
    let url = store.public_url(&key, Duration::from_secs(300)).await.unwrap().unwrap();

    let at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let mut tampered = url.clone().into_bytes();
    tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
    let (status, _, body) = http_get(std::str::from_utf8(&tampered).unwrap()).await;
    assert!((400..500).contains(&status), "a changed signature is refused, got {status}");
    assert_ne!(body, b"secret picture");

    // signed for one key, used for another
    let other = url.replacen(key.as_str(), common::fresh_key(ImageFormat::Png).as_str(), 1);
    let (status, _, _) = http_get(&other).await;
    assert!((400..500).contains(&status), "a URL signed for one key does not open another, got {status}");
    store.delete(&key).await.unwrap();
}

#[tokio::test]
async fn a_presigned_url_expires() {
    let Some(config) = common::s3_from_env("a_presigned_url_expires") else { return };
    let store = S3ImageStore::new(config).unwrap();
    let key = common::fresh_key(ImageFormat::Png);
    store.put(&key, b"short-lived".to_vec(), "image/png").await.unwrap();
    let url = store.public_url(&key, Duration::from_secs(1)).await.unwrap().unwrap();
    assert!(url.contains("X-Amz-Expires=1"), "{url}");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (status, _, body) = http_get(&url).await;
    assert!((400..500).contains(&status), "an expired URL is refused, got {status}");
    assert_ne!(body, b"short-lived");
    store.delete(&key).await.unwrap();
}

#[tokio::test]
async fn wrong_credentials_are_permission_denied() {
    let Some(good) = common::s3_from_env("wrong_credentials_are_permission_denied") else { return };
    let key = common::fresh_key(ImageFormat::Png);

    let mut wrong_secret = good.clone();
    wrong_secret.secret_access_key = SecretString::from("definitely-not-the-secret");
    let mut wrong_key = good.clone();
    wrong_key.access_key_id = "no-such-access-key".into();

    for (what, config) in [("wrong secret", wrong_secret), ("unknown access key", wrong_key)] {
        let store = S3ImageStore::new(config).unwrap();
        let put = store.put(&key, vec![1, 2, 3], "image/png").await.unwrap_err();
        let get = store.get(&key).await.unwrap_err();
        let exists = store.exists(&key).await.unwrap_err();
        for err in [put, get, exists] {
            let StorageError::PermissionDenied(msg) = &err else { panic!("{what}: {err:?}") };
            assert!(msg.contains("secret access key") && msg.contains(&good.bucket), "{what}: {msg}");
            assert!(!msg.contains("definitely-not-the-secret"), "{what}: the message shows the secret: {msg}");
            assert!(!err.is_retryable());
        }
        let report = probe(&store).await;
        assert!(matches!(report.error, Some(StorageError::PermissionDenied(_))), "{what}: {report}");
    }
}

#[tokio::test]
async fn a_missing_bucket_is_named() {
    let Some(mut config) = common::s3_from_env("a_missing_bucket_is_named") else { return };
    let bucket = format!("aisha-missing-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    config.bucket = bucket.clone();
    let store = S3ImageStore::new(config).unwrap();
    let key = common::fresh_key(ImageFormat::Png);
    let missing = StorageError::BucketMissing(bucket.clone());
    assert_eq!(store.put(&key, vec![1], "image/png").await, Err(missing.clone()), "put");
    assert_eq!(store.put(&key, vec![1; 9 * 1024 * 1024], "image/png").await, Err(missing.clone()), "multipart put");
    assert_eq!(store.get(&key).await, Err(missing.clone()), "get");
    assert_eq!(store.exists(&key).await, Err(missing.clone()), "exists");
    assert_eq!(
        store.delete(&key).await,
        Err(missing.clone()),
        "delete (a missing key is fine, a missing bucket is not)"
    );
    assert!(missing.to_string().contains(&bucket));
    let report = probe(&store).await;
    assert_eq!(report.error, Some(missing), "{report}");
}

#[tokio::test]
async fn probe_passes_against_the_server() {
    let Some(config) = common::s3_from_env("probe_passes_against_the_server") else { return };
    let store = S3ImageStore::new(config).unwrap();
    let report = probe(&store).await;
    assert!(report.ok(), "{report}");
    let key = aisha_domain::storage::StorageKey::parse(&report.key).unwrap();
    assert!(!store.exists(&key).await.unwrap(), "the probe object is deleted");
}
