//! The `ImageStore` contract: bytes round-trip exactly (large ones too), a put overwrites,
//! `exists` follows puts and deletes, a missing key reads as `StorageError::NotFound` naming
//! it, and deleting is idempotent.
//!
//! Content types and URLs differ between stores (a directory keeps neither), so they are
//! checked by each adapter's own tests, not here.

use aisha_domain::media::ImageFormat;
use aisha_domain::ports::{ImageStore, StorageError};
use aisha_domain::storage::StorageKey;
use aisha_domain::{AvatarId, JobId, PhotoId, UserId};
use uuid::Uuid;

/// The size of the large-object check: above the 8 MiB at which the S3 store switches to a
/// multipart upload, with a last part that is not a multiple of anything.
pub const LARGE_OBJECT_BYTES: usize = 12 * 1024 * 1024 + 12_345;

/// Runs every check. Keys are built with the domain's key scheme for owners made up here, so
/// each run writes under its own prefix and several runs may share one bucket. Every object
/// written is deleted again.
pub async fn run(store: &dyn ImageStore) {
    assert!(!store.bucket().is_empty(), "a store names its bucket (or directory)");
    round_trip(store, fresh_owner()).await;
    overwrite(store, fresh_owner()).await;
    delete_is_idempotent(store, fresh_owner()).await;
    missing_key_is_not_found(store, fresh_owner()).await;
    large_object(store, fresh_owner()).await;
    keys_are_independent(store, fresh_owner()).await;
}

fn fresh_owner() -> UserId {
    UserId(Uuid::new_v4())
}

fn image_key(owner: UserId, index: u8) -> StorageKey {
    StorageKey::image(owner, chrono::DateTime::UNIX_EPOCH, JobId(Uuid::new_v4()), index, ImageFormat::Png)
}

/// Bytes that catch truncation, reordering and text mangling: every byte value, in a pattern
/// that does not repeat at any power-of-two stride.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + i / 251) as u8).wrapping_add(seed)).collect()
}

async fn round_trip(store: &dyn ImageStore, owner: UserId) {
    let key = image_key(owner, 0);
    assert!(!store.exists(&key).await.unwrap(), "a key never written does not exist");
    let bytes = pattern(70_000, 1);
    store.put(&key, bytes.clone(), ImageFormat::Png.content_type()).await.unwrap();
    assert!(store.exists(&key).await.unwrap(), "an object exists after its put");
    let back = store.get(&key).await.unwrap();
    assert!(back == bytes, "get returns exactly the bytes put ({} bytes back, {} put)", back.len(), bytes.len());
    store.delete(&key).await.unwrap();

    let photo = StorageKey::avatar_photo(owner, AvatarId(Uuid::new_v4()), PhotoId(Uuid::new_v4()), ImageFormat::Jpeg);
    store.put(&photo, b"\xFF\xD8\xFF tiny".to_vec(), ImageFormat::Jpeg.content_type()).await.unwrap();
    assert_eq!(store.get(&photo).await.unwrap(), b"\xFF\xD8\xFF tiny", "avatar photo keys round-trip too");
    store.delete(&photo).await.unwrap();
}

async fn overwrite(store: &dyn ImageStore, owner: UserId) {
    let key = image_key(owner, 1);
    store.put(&key, pattern(50_000, 2), "image/png").await.unwrap();
    let shorter = pattern(1_000, 3);
    store.put(&key, shorter.clone(), "image/png").await.unwrap();
    let back = store.get(&key).await.unwrap();
    assert!(back == shorter, "a put replaces the whole object, not a prefix of it ({} bytes back)", back.len());
    store.delete(&key).await.unwrap();
}

async fn delete_is_idempotent(store: &dyn ImageStore, owner: UserId) {
    let key = image_key(owner, 2);
    store.put(&key, pattern(10, 4), "image/png").await.unwrap();
    store.delete(&key).await.unwrap();
    assert!(!store.exists(&key).await.unwrap(), "a deleted object does not exist");
    assert_eq!(store.get(&key).await, Err(StorageError::NotFound(key.clone())), "a deleted object reads as NotFound");
    store.delete(&key).await.expect("deleting an object that is already gone succeeds");
    store.delete(&image_key(owner, 3)).await.expect("deleting a key never written succeeds");
}

async fn missing_key_is_not_found(store: &dyn ImageStore, owner: UserId) {
    let key = image_key(owner, 4);
    assert_eq!(store.get(&key).await, Err(StorageError::NotFound(key.clone())), "a missing key is NotFound(key)");
    assert!(!store.exists(&key).await.unwrap(), "exists is false, not an error, for a missing key");
}

async fn large_object(store: &dyn ImageStore, owner: UserId) {
    let key = image_key(owner, 5);
    let bytes = pattern(LARGE_OBJECT_BYTES, 5);
    store.put(&key, bytes.clone(), "image/png").await.unwrap();
    assert!(store.exists(&key).await.unwrap(), "a large object exists after its put");
    let back = store.get(&key).await.unwrap();
    assert_eq!(back.len(), bytes.len(), "a large object comes back whole");
    assert!(back == bytes, "a large object comes back byte for byte (parts in order)");
    store.delete(&key).await.unwrap();
    assert!(!store.exists(&key).await.unwrap(), "a large object can be deleted");
}

async fn keys_are_independent(store: &dyn ImageStore, owner: UserId) {
    let keys: Vec<StorageKey> = (10..16).map(|i| image_key(owner, i)).collect();
    let writes = keys.iter().enumerate().map(|(i, k)| store.put(k, pattern(3_000 + i, i as u8), "image/png"));
    for result in futures::future::join_all(writes).await {
        result.expect("concurrent puts to different keys all succeed");
    }
    for (i, key) in keys.iter().enumerate() {
        assert!(store.get(key).await.unwrap() == pattern(3_000 + i, i as u8), "each key keeps its own bytes");
    }
    store.delete(&keys[0]).await.unwrap();
    assert!(store.exists(&keys[1]).await.unwrap(), "deleting one key leaves its neighbours");
    for key in &keys {
        store.delete(key).await.unwrap();
    }
}
