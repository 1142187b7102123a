//! The Telegram Bot API emulator.
