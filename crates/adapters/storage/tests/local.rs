//! What only the local-directory store does: files on disk, no URLs, no content types.

mod common;

use aisha_domain::media::ImageFormat;
use aisha_domain::ports::{ImageStore, StorageError};
use aisha_storage::{LOCAL_BUCKET, LocalImageStore, StepOutcome, probe};
use std::time::Duration;

#[tokio::test]
async fn objects_are_files_under_the_root_and_have_no_urls() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("a").join("b");
    let store = LocalImageStore::open(&root).unwrap();
    assert_eq!(store.bucket(), LOCAL_BUCKET);
    assert!(root.is_dir(), "the directory is created");

    let key = common::fresh_key(ImageFormat::Webp);
    store.put(&key, b"RIFF....WEBP".to_vec(), "image/webp").await.unwrap();
    assert_eq!(std::fs::read(root.join(key.as_str())).unwrap(), b"RIFF....WEBP");
    assert_eq!(store.public_url(&key, Duration::from_secs(60)).await.unwrap(), None);

    // a second store on the same directory sees the same objects
    let again = LocalImageStore::open(&root).unwrap();
    assert!(again.exists(&key).await.unwrap());
}

#[tokio::test]
async fn probe_passes_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalImageStore::open(dir.path()).unwrap();
    let report = probe(&store).await;
    assert!(report.ok(), "{report}");
    assert_eq!(report.error, None);
    assert_eq!(
        report.steps.iter().map(|s| s.action).collect::<Vec<_>>(),
        ["write", "read back", "public url", "delete"]
    );
    assert!(report.key.starts_with("probe/"), "{}", report.key);
    let left = std::fs::read_dir(dir.path().join("probe")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "the probe object is deleted");
    let text = report.to_string();
    assert!(text.contains("works") && text.contains("read back"), "{text}");
}

#[tokio::test]
async fn probe_reports_a_store_that_is_down() {
    let store = aisha_memory::MemoryImageStore::default();
    store.set_down(true);
    let report = probe(&store).await;
    assert!(!report.ok());
    assert!(matches!(report.error, Some(StorageError::Unavailable(_))), "{:?}", report.error);
    assert!(matches!(report.steps[0].outcome, StepOutcome::Failed(_)));
    assert!(report.steps[1..].iter().all(|s| matches!(s.outcome, StepOutcome::Skipped(_))), "{report}");
    assert!(report.to_string().contains("does NOT work"), "{report}");
}

#[cfg(unix)]
#[tokio::test]
async fn an_unwritable_directory_is_permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = LocalImageStore::open(dir.path()).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe_file = dir.path().join("write-test");
    if std::fs::write(&probe_file, b"x").is_ok() {
        // running as root: permissions are not enforced, nothing to check
        eprintln!("skipped an_unwritable_directory_is_permission_denied: permissions are not enforced for this user");
        return;
    }
    let err = store.put(&common::fresh_key(ImageFormat::Png), vec![1, 2, 3], "image/png").await.unwrap_err();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(err, StorageError::PermissionDenied(_)), "{err:?}");
}
