//! Request building: the model and input each `ProviderRequest` becomes, and the lifecycle
//! headers that go with it.

use super::{FalClient, LIFECYCLE_PREFERENCE};
use crate::dialects::Dialect;
use crate::models::{FluxLoraInput, TrainerInput};
use aisha_domain::ports::{ProviderError, ProviderErrorKind, ProviderRequest};
use serde_json::Value;

impl FalClient {
    /// The model and its input for a request. A catalog entry whose dialect this adapter
    /// does not speak is refused at start (`dialects::catalog_problems`); one that slips
    /// through is an input error, refunded, not a panic.
    pub fn input_for(&self, request: &ProviderRequest) -> Result<(String, Value), ProviderError> {
        let c = &self.config;
        let to_value = |v: Result<Value, serde_json::Error>| v.expect("model inputs always serialize");
        Ok(match request {
            ProviderRequest::Text { prompt, aspect, count, model, seed } => {
                let dialect = Dialect::parse(&model.dialect).ok_or_else(|| {
                    ProviderError::new(
                        ProviderErrorKind::InvalidInput,
                        format!("no input dialect {:?} for {}", model.dialect, model.endpoint),
                    )
                })?;
                let input = dialect.input(prompt, *aspect, *count, model.resolution.as_deref(), c.output_format, *seed);
                (model.endpoint.clone(), input)
            }
            ProviderRequest::LoraImages { prompt, lora_url, aspect, count, seed } => {
                let input = FluxLoraInput::new(prompt, lora_url, c.lora_scale, *aspect, *count, c.output_format, *seed);
                (c.models.flux_lora.clone(), to_value(serde_json::to_value(input)))
            }
            ProviderRequest::Training { archive_url, trigger } => {
                let input = TrainerInput::new(c.models.trainer_kind, archive_url, trigger, c.training_steps);
                (c.models.trainer.clone(), to_value(serde_json::to_value(input)))
            }
        })
    }

    /// How long FAL keeps what a request produces. A training's LoRA is kept for
    /// `lora_lifetime`, longer than FAL's default and longer than the runner uses the URL
    /// before uploading our copy again; image results are copied into our storage at once and
    /// keep FAL's default. Header and shape: FAL's docs ("Media expiration") and fal-js
    /// `storageSettings` → `x-fal-object-lifecycle-preference` (`libs/client/src/storage.ts`,
    /// 381105e, 2026-08-02).
    pub(super) fn lifecycle_for(&self, request: &ProviderRequest) -> Vec<(&'static str, String)> {
        match request {
            ProviderRequest::Training { .. } => {
                let secs = self.config.lora_lifetime.as_secs();
                vec![(LIFECYCLE_PREFERENCE, serde_json::json!({"expiration_duration_seconds": secs}).to_string())]
            }
            _ => Vec::new(),
        }
    }
}
