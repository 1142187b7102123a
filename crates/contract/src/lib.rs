#![doc = include_str!("../README.md")]

pub mod sessions;
pub mod storage;

use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// Lets time pass for a store under test: a manual clock moves at once, a real server is
/// waited on.
pub type Wait = Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>;
