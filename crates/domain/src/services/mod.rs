//! Use cases: what the bot and the workers call. Each takes its ports as `Arc<dyn …>` and
//! holds no state of its own beyond configuration, so any number of them can run side by side
//! on any number of replicas.

pub mod accounts;
pub mod assistant;
pub mod avatars;
pub mod gallery;
pub mod generation;
pub mod payments;
pub mod runner;

use crate::{Clock, IdGen};
use std::sync::Arc;

/// Time and ids, shared by every use case.
#[derive(Clone)]
pub struct Env {
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
}

impl Env {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        crate::truncate(self.clock.now())
    }
}
