#![doc = include_str!("../README.md")]

mod coordination;
mod images;
mod sessions;
mod support;

pub use coordination::{MemoryLocks, MemoryRateLimiter};
pub use images::MemoryImageStore;
pub use sessions::MemorySessions;
pub use support::{ManualClock, SeqIds};
