//! The `ImageStore` contract suite against every store: the local directory and memory always,
//! S3 when `AISHA_TEST_S3_*` point at a server (then an unreachable server fails the test).

mod common;

use aisha_storage::{LocalImageStore, S3ImageStore};

#[tokio::test]
async fn contract_local_directory() {
    let dir = tempfile::tempdir().unwrap();
    // a directory that does not exist yet: the store creates it
    let store = LocalImageStore::open(dir.path().join("images")).unwrap();
    aisha_contract::storage::run(&store).await;
}

#[tokio::test]
async fn contract_memory() {
    let store = aisha_memory::MemoryImageStore::default();
    aisha_contract::storage::run(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_s3() {
    let Some(config) = common::s3_from_env("contract_s3") else { return };
    let store = S3ImageStore::new(config).unwrap();
    aisha_contract::storage::run(&store).await;
}
