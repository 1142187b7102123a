//! The prompt assistant on FAL's language-model router (`openrouter/router` for text,
//! `openrouter/router/vision` for a photo): the same key and queue API as the image models,
//! the model behind the router named in configuration. Inputs carry only the fields FAL's
//! published schemas list (vendored with the image models' schemas; `tests/schemas.rs`
//! validates every request this builds). A photo is uploaded to FAL's storage first, kept one
//! hour: the vision endpoint takes URLs.

use crate::client::FalClient;
use aisha_domain::assistant::{AssistantError, AssistantErrorKind, PromptAssistant, Question};
use aisha_domain::ports::{ProviderError, ProviderErrorKind};
use async_trait::async_trait;
use serde_json::{Value, json};
use std::time::Duration;

/// The router endpoints.
pub const TEXT_ENDPOINT: &str = "openrouter/router";
pub const VISION_ENDPOINT: &str = "openrouter/router/vision";

#[derive(Clone, Debug)]
pub struct AssistantConfig {
    /// The model behind the router for text (an OpenRouter id, e.g. `google/gemini-2.5-flash`).
    pub model: String,
    /// The model for a photo.
    pub vision_model: String,
    /// How long one question may take, queue included; past it the order goes on without it.
    pub timeout: Duration,
    /// How often the request's status is read meanwhile.
    pub poll_every: Duration,
}

impl Default for AssistantConfig {
    fn default() -> Self {
        Self {
            model: "google/gemini-2.5-flash".into(),
            vision_model: "google/gemini-2.5-flash".into(),
            timeout: Duration::from_secs(30),
            poll_every: Duration::from_millis(300),
        }
    }
}

pub struct FalAssistant {
    pub client: FalClient,
    pub config: AssistantConfig,
}

impl FalAssistant {
    /// The request for `question` (and the URL of its photo, uploaded already): the endpoint
    /// and its input.
    pub fn input_for(&self, question: &Question, photo_url: Option<&str>) -> (&'static str, Value) {
        let mut input = json!({
            "prompt": if question.text.is_empty() { "Describe the photo." } else { question.text.as_str() },
            "system_prompt": question.task.instructions(),
            "temperature": 0.4,
            "max_tokens": 400,
        });
        match photo_url {
            Some(url) => {
                input["model"] = json!(self.config.vision_model);
                input["image_urls"] = json!([url]);
                (VISION_ENDPOINT, input)
            }
            None => {
                input["model"] = json!(self.config.model);
                (TEXT_ENDPOINT, input)
            }
        }
    }
}

fn refused_or_down(e: ProviderError) -> AssistantError {
    let kind = match e.kind {
        ProviderErrorKind::ContentPolicy | ProviderErrorKind::InvalidInput => AssistantErrorKind::Refused,
        _ => AssistantErrorKind::Unavailable,
    };
    AssistantError::new(kind, e.to_string())
}

#[async_trait]
impl PromptAssistant for FalAssistant {
    async fn ask(&self, question: Question) -> Result<String, AssistantError> {
        let photo_url = match (&question.photo, question.task.needs_photo()) {
            (Some(bytes), _) => {
                let (name, content_type) = match aisha_domain::media::ImageFormat::sniff(bytes) {
                    Some(f) => (format!("photo.{}", f.extension()), f.content_type()),
                    None => {
                        return Err(AssistantError::new(AssistantErrorKind::Refused, "not a JPEG, PNG or WebP photo"));
                    }
                };
                let url = self
                    .client
                    .upload_for(&name, content_type, bytes.clone(), Duration::from_secs(3600))
                    .await
                    .map_err(refused_or_down)?;
                Some(url)
            }
            (None, true) => return Err(AssistantError::new(AssistantErrorKind::Refused, "this task needs a photo")),
            (None, false) => None,
        };
        let (endpoint, input) = self.input_for(&question, photo_url.as_deref());
        let answer = tokio::time::timeout(
            self.config.timeout,
            self.client.run_and_wait(endpoint, &input, self.config.poll_every),
        )
        .await
        .map_err(|_| AssistantError::new(AssistantErrorKind::Unavailable, "no answer in time"))?
        .map_err(refused_or_down)?;
        if let Some(error) = answer.get("error").and_then(Value::as_str).filter(|e| !e.is_empty()) {
            return Err(AssistantError::new(AssistantErrorKind::Unavailable, format!("the router said: {error}")));
        }
        let output = answer.get("output").and_then(Value::as_str).unwrap_or_default().to_owned();
        if output.trim().is_empty() {
            return Err(AssistantError::new(AssistantErrorKind::Refused, "an empty answer"));
        }
        Ok(output)
    }
}
