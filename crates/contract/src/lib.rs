#![doc = include_str!("../README.md")]

pub mod avatars;
pub mod coordination;
pub mod fixtures;
pub mod gallery;
pub mod jobs;
pub mod ledger;
pub mod payments;
pub mod sessions;
pub mod storage;
mod stores;
pub mod users;

pub use stores::{AllPorts, Stores};

use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// Lets time pass for a store under test: a manual clock moves at once, a real server is
/// waited on.
pub type Wait = Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>;

/// Every persistence suite, in order, on one store. `now` is the instant the fixtures are
/// dated around (truncated to microseconds by the caller's clock).
pub async fn run_persistence(stores: Stores<'_>, now: chrono::DateTime<chrono::Utc>) {
    users::run(stores, now).await;
    ledger::run(stores, now).await;
    jobs::run(stores, now).await;
    gallery::run(stores, now).await;
    avatars::run(stores, now).await;
    payments::run(stores, now).await;
}
