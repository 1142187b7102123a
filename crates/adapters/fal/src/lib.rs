#![doc = include_str!("../README.md")]

pub mod assistant;
mod client;
pub mod config;
pub mod dialects;
mod errors;
pub mod models;
pub mod platform;
pub mod webhook;

pub use assistant::{AssistantConfig, FalAssistant};
pub use client::{FalClient, SetupError};
pub use config::{FalConfig, ModelIds, OutputFormat, RetryPolicy, Trainer};
pub use dialects::{Dialect, catalog_problems};
pub use models::ModelKind;
pub use webhook::{Completion, JwksCache, Verified, WebhookError, WebhookHeaders, WebhookVerifier};
