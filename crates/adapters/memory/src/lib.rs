#![doc = include_str!("../README.md")]

mod images;
mod sessions;
mod store;
mod support;

pub use images::MemoryImageStore;
pub use sessions::MemorySessions;
pub use store::{MemoryStore, Snapshot};
pub use support::{ManualClock, SeqIds};
