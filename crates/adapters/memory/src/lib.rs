#![doc = include_str!("../README.md")]

mod images;
mod sessions;
mod support;

pub use images::MemoryImageStore;
pub use sessions::MemorySessions;
pub use support::{ManualClock, SeqIds};
