#![doc = include_str!("../README.md")]

mod avatars;
mod balance;
mod bot;
pub mod callback;
mod create;
pub mod dialogue;
mod gallery;
mod grid;
pub mod html;
pub mod io;
mod notices;
mod originals;
mod settings;
mod stats;
mod styles;
mod support;
pub mod texts;
mod zones;

pub use balance::NotCredited;
pub use bot::{Bot, BotConfig, COMMANDS};
