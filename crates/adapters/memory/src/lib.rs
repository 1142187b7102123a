#![doc = include_str!("../README.md")]

mod assistant;
mod coordination;
mod generator;
mod images;
mod notifier;
mod sessions;
mod store;
mod support;

pub use assistant::ScriptedAssistant;
pub use coordination::{MemoryLocks, MemoryRateLimiter};
pub use generator::{Scripted, ScriptedGenerator};
pub use images::MemoryImageStore;
pub use notifier::RecordingNotifier;
pub use sessions::MemorySessions;
pub use store::{MemoryStore, Snapshot};
pub use support::{ManualClock, SeqIds};
