#![doc = include_str!("../README.md")]

mod client;
pub mod config;
mod errors;
pub mod models;
pub mod webhook;

pub use client::{FalClient, SetupError};
pub use config::{FalConfig, ModelIds, OutputFormat, RetryPolicy, Trainer};
pub use models::ModelKind;
pub use webhook::{Completion, JwksCache, Verified, WebhookError, WebhookHeaders, WebhookVerifier};
