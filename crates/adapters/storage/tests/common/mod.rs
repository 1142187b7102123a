//! What the test files share: the S3 server from the environment, and fresh keys.

#![allow(dead_code)] // each test file uses a different part of this module

use aisha_domain::media::ImageFormat;
use aisha_domain::storage::StorageKey;
use aisha_domain::{JobId, UserId};
use aisha_storage::S3Config;
use secrecy::SecretString;
use uuid::Uuid;

const VARS: [&str; 4] =
    ["AISHA_TEST_S3_ENDPOINT", "AISHA_TEST_S3_BUCKET", "AISHA_TEST_S3_ACCESS_KEY", "AISHA_TEST_S3_SECRET_KEY"];

/// Under CI (`CI=true`) a test server's variable missing is a broken pipeline, not a skip: a
/// green run would claim a leg ran that did not.
fn fail_in_ci(var: &str) {
    if matches!(std::env::var("CI").ok().as_deref().map(str::trim), Some("true" | "1")) {
        panic!("{var} is not set and CI=true: set it (.ci/run does) instead of skipping this leg");
    }
}

/// The test server's configuration, or `None` (after saying so) when the variables are not
/// set. Setting only some of them is a mistake and fails the test.
pub fn s3_from_env(test: &str) -> Option<S3Config> {
    let values: Vec<Option<String>> =
        VARS.iter().map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty())).collect();
    if values.iter().all(Option::is_none) {
        fail_in_ci("AISHA_TEST_S3_*");
        eprintln!("skipped {test}: AISHA_TEST_S3_* not set (see scripts/s3-test-server.sh)");
        return None;
    }
    let missing: Vec<&str> = VARS.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(n, _)| *n).collect();
    assert!(missing.is_empty(), "some S3 test variables are set but these are not: {missing:?}");
    let [endpoint, bucket, key, secret] = <[Option<String>; 4]>::try_from(values).expect("four values");
    let mut config = S3Config::new(
        "us-east-1",
        bucket.expect("checked"),
        key.expect("checked"),
        SecretString::from(secret.expect("checked")),
    );
    let endpoint = endpoint.expect("checked");
    config.allow_http = endpoint.starts_with("http://");
    config.endpoint = Some(endpoint);
    Some(config)
}

/// A key under a fresh owner, so parallel tests never touch each other's objects.
pub fn fresh_key(format: ImageFormat) -> StorageKey {
    StorageKey::image(UserId(Uuid::new_v4()), chrono::Utc::now(), JobId(Uuid::new_v4()), 0, format)
}
