//! The model families on the wire: typed inputs as FAL expects them, and lenient outputs
//! (unknown fields ignored, optional fields optional, `null` where a list was expected read as
//! empty), because these schemas have drifted more than once.

use crate::config::{ModelIds, OutputFormat, Trainer};
use crate::errors;
use aisha_domain::AspectRatio;
use aisha_domain::avatar::Lora;
use aisha_domain::ports::{ProviderError, ProviderErrorKind, ProviderImage, ProviderOutput};
use serde::{Deserialize, Serialize};

/// What shape a model's output has: images (every text-to-image dialect and flux-lora read the
/// same lenient way) or a trained LoRA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelKind {
    Images,
    Trainer,
}

impl ModelKind {
    /// The configured trainer first; then the id's own words, so a training submitted under
    /// an older configuration is still read as one.
    pub fn of(models: &ModelIds, model: &str) -> ModelKind {
        if model == models.trainer || model.contains("trainer") || model.contains("training") {
            ModelKind::Trainer
        } else {
            ModelKind::Images
        }
    }
}

/// The `owner/app` part of a model id, which is all that status, result and cancel URLs use:
/// `fal-ai/imagen4/preview/fast` → `fal-ai/imagen4`. Namespaced ids (`workflows/…`,
/// `comfy/…`) keep their namespace and shift by one segment.
pub fn owner_app(model: &str) -> String {
    let parts: Vec<&str> = model.trim_matches('/').split('/').collect();
    let take = if matches!(parts.first(), Some(&"workflows" | &"comfy")) { 3 } else { 2 };
    parts.iter().take(take).copied().collect::<Vec<_>>().join("/")
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// `fal-ai/flux-lora`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FluxLoraInput {
    pub prompt: String,
    pub loras: Vec<LoraWeight>,
    pub image_size: ImageSize,
    pub num_images: u8,
    /// Always on: flagged images come back marked, and are withheld and refunded.
    pub enable_safety_checker: bool,
    pub output_format: &'static str,
    pub seed: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoraWeight {
    pub path: String,
    pub scale: f32,
}

/// The FLUX family's size: a named preset or explicit pixels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ImageSize {
    Named(&'static str),
    Pixels { width: u32, height: u32 },
}

impl ImageSize {
    /// The preset for an aspect ratio. FAL names presets by orientation first, so a 3:4
    /// portrait is `portrait_4_3` and a 9:16 one `portrait_16_9`.
    pub fn for_aspect(aspect: AspectRatio) -> Self {
        ImageSize::Named(match aspect {
            AspectRatio::Square => "square_hd",
            AspectRatio::Portrait3x4 => "portrait_4_3",
            AspectRatio::Portrait9x16 => "portrait_16_9",
            AspectRatio::Landscape4x3 => "landscape_4_3",
            AspectRatio::Landscape16x9 => "landscape_16_9",
        })
    }
}

impl FluxLoraInput {
    pub fn new(
        prompt: &str,
        lora_url: &str,
        scale: f32,
        aspect: AspectRatio,
        count: u8,
        format: OutputFormat,
        seed: u32,
    ) -> Self {
        Self {
            prompt: prompt.to_owned(),
            loras: vec![LoraWeight { path: lora_url.to_owned(), scale }],
            image_size: ImageSize::for_aspect(aspect),
            num_images: count,
            enable_safety_checker: true,
            output_format: format.as_str(),
            seed,
        }
    }
}

/// `fal-ai/flux-lora-fast-training` and `fal-ai/flux-lora-portrait-trainer`: the same fields
/// except the trigger's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrainerInput {
    pub images_data_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_word: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger_phrase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
}

impl TrainerInput {
    pub fn new(trainer: Trainer, archive_url: &str, trigger: &str, steps: Option<u32>) -> Self {
        let trigger = Some(trigger.to_owned());
        let (trigger_word, trigger_phrase) = match trainer {
            Trainer::FastTraining => (trigger, None),
            Trainer::Portrait => (None, trigger),
        };
        Self { images_data_url: archive_url.to_owned(), trigger_word, trigger_phrase, steps }
    }
}

/// The body of `POST {rest}/storage/upload/initiate?storage_type=fal-cdn-v3`, as both official
/// clients send it (fal-js `libs/client/src/storage.ts`, 381105e; fal_client `client.py`,
/// c6f0afa); the lifetime goes in headers, not here.
pub fn upload_initiate_body(file_name: &str, content_type: &str) -> serde_json::Value {
    serde_json::json!({"file_name": file_name, "content_type": content_type})
}

// ---------------------------------------------------------------------------------------------
// Outputs

/// FAL's file object. Only `url` matters; an entry without one is skipped.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct File {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
}

/// Every image model: `images`, and, from the FLUX family, one safety flag per image
/// (`seed`, `prompt`, `description` depending on the model and the schema's vintage).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ImagesOutput {
    #[serde(default)]
    pub images: Option<Vec<File>>,
    #[serde(default)]
    pub has_nsfw_concepts: Option<Vec<Option<bool>>>,
    #[serde(default)]
    pub seed: Option<serde_json::Number>,
    #[serde(default)]
    pub prompt: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Both trainers: the LoRA weights and their config.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct TrainerOutput {
    #[serde(default)]
    pub diffusers_lora_file: Option<File>,
    #[serde(default)]
    pub config_file: Option<File>,
}

fn images(files: Option<Vec<File>>, flags: &[Option<bool>]) -> ProviderOutput {
    let list = files
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let nsfw = flags.get(i).copied().flatten().unwrap_or(false);
            f.url.filter(|u| !u.is_empty()).map(|url| ProviderImage { url, nsfw })
        })
        .collect();
    ProviderOutput::Images(list)
}

impl From<ImagesOutput> for ProviderOutput {
    fn from(o: ImagesOutput) -> Self {
        images(o.images, &o.has_nsfw_concepts.unwrap_or_default())
    }
}

impl From<TrainerOutput> for ProviderOutput {
    fn from(o: TrainerOutput) -> Self {
        let lora = o
            .diffusers_lora_file
            .and_then(|f| f.url)
            .filter(|u| !u.is_empty())
            .map(|url| Lora::at(url, o.config_file.and_then(|f| f.url)));
        ProviderOutput::Lora(lora)
    }
}

/// Reads a successful result body. `None` for the kind reads whichever shape the body has
/// (for a webhook whose job is not looked up first). A body that is an error in disguise
/// (`detail` and no output) is reported as that error.
pub fn decode_output(kind: Option<ModelKind>, body: &serde_json::Value) -> Result<ProviderOutput, ProviderError> {
    let has = |k: &str| body.get(k).is_some_and(|v| !v.is_null());
    if !has("images") && !has("diffusers_lora_file") && (has("detail") || has("error")) {
        let error = errors::from_error_body(422, body);
        errors::counted(&error);
        return Err(error);
    }
    let kind = kind.unwrap_or(if has("diffusers_lora_file") || has("config_file") {
        ModelKind::Trainer
    } else {
        ModelKind::Images
    });
    let malformed = |e: serde_json::Error| {
        ProviderError::new(ProviderErrorKind::Transient, format!("unreadable result from FAL: {e}"))
    };
    let value = body.clone();
    Ok(match kind {
        ModelKind::Images => serde_json::from_value::<ImagesOutput>(value).map_err(malformed)?.into(),
        ModelKind::Trainer => serde_json::from_value::<TrainerOutput>(value).map_err(malformed)?.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owner_and_app_are_the_first_two_segments() {
        assert_eq!(owner_app("fal-ai/imagen4/preview/fast"), "fal-ai/imagen4");
        assert_eq!(owner_app("fal-ai/flux-lora"), "fal-ai/flux-lora");
        assert_eq!(owner_app("workflows/someone/my-flow/v2"), "workflows/someone/my-flow");
    }

    #[test]
    fn every_aspect_ratio_has_the_preset_of_its_orientation() {
        let named = |a| match ImageSize::for_aspect(a) {
            ImageSize::Named(n) => n,
            ImageSize::Pixels { .. } => unreachable!(),
        };
        assert_eq!(named(AspectRatio::Portrait3x4), "portrait_4_3");
        assert_eq!(named(AspectRatio::Portrait9x16), "portrait_16_9");
        assert_eq!(named(AspectRatio::Landscape4x3), "landscape_4_3");
        assert_eq!(named(AspectRatio::Landscape16x9), "landscape_16_9");
        assert_eq!(named(AspectRatio::Square), "square_hd");
    }

    #[test]
    fn inputs_serialize_as_fal_expects() {
        let flux = FluxLoraInput::new(
            "me, at sea",
            "https://x/l.safetensors",
            1.0,
            AspectRatio::Portrait9x16,
            2,
            OutputFormat::Jpeg,
            7,
        );
        assert_eq!(
            serde_json::to_value(&flux).unwrap(),
            json!({"prompt": "me, at sea", "loras": [{"path": "https://x/l.safetensors", "scale": 1.0}],
                   "image_size": "portrait_16_9", "num_images": 2, "enable_safety_checker": true, "output_format": "jpeg", "seed": 7})
        );
        let fast = TrainerInput::new(Trainer::FastTraining, "https://x/a.zip", "TOK", Some(1000));
        assert_eq!(
            serde_json::to_value(&fast).unwrap(),
            json!({"images_data_url": "https://x/a.zip", "trigger_word": "TOK", "steps": 1000})
        );
        let portrait = TrainerInput::new(Trainer::Portrait, "https://x/a.zip", "TOK", None);
        assert_eq!(
            serde_json::to_value(&portrait).unwrap(),
            json!({"images_data_url": "https://x/a.zip", "trigger_phrase": "TOK"})
        );
    }

    #[test]
    fn outputs_are_read_leniently() {
        let imagen = json!({"images": [{"url": "https://a/1.png", "content_type": "image/png", "extra": 1}, {"file_name": "no-url"}],
                            "description": "a fox", "new_field": {"x": 1}});
        assert_eq!(
            decode_output(Some(ModelKind::Images), &imagen).unwrap(),
            ProviderOutput::Images(vec![ProviderImage { url: "https://a/1.png".into(), nsfw: false }])
        );
        let flux = json!({"images": [{"url": "u1"}, {"url": "u2"}], "has_nsfw_concepts": [false, true], "seed": 18446744073709551615u64});
        assert_eq!(
            decode_output(Some(ModelKind::Images), &flux).unwrap(),
            ProviderOutput::Images(vec![
                ProviderImage { url: "u1".into(), nsfw: false },
                ProviderImage { url: "u2".into(), nsfw: true }
            ])
        );
        let no_flags = json!({"images": [{"url": "u1"}], "has_nsfw_concepts": null});
        assert!(
            matches!(decode_output(Some(ModelKind::Images), &no_flags).unwrap(), ProviderOutput::Images(v) if !v[0].nsfw)
        );
        assert_eq!(
            decode_output(Some(ModelKind::Images), &json!({"images": null})).unwrap(),
            ProviderOutput::Images(vec![])
        );
    }

    #[test]
    fn trainer_output_without_a_file_is_no_lora() {
        let ok = json!({"diffusers_lora_file": {"url": "https://a/l.safetensors"}, "config_file": {"url": "https://a/c.json"}});
        assert_eq!(
            decode_output(Some(ModelKind::Trainer), &ok).unwrap(),
            ProviderOutput::Lora(Some(Lora::at("https://a/l.safetensors", Some("https://a/c.json".into()))))
        );
        assert_eq!(
            decode_output(None, &ok).unwrap(),
            decode_output(Some(ModelKind::Trainer), &ok).unwrap(),
            "shape is enough"
        );
        assert_eq!(
            decode_output(Some(ModelKind::Trainer), &json!({"config_file": {"url": "c"}})).unwrap(),
            ProviderOutput::Lora(None)
        );
    }

    #[test]
    fn a_disguised_error_is_an_error() {
        let e = decode_output(
            Some(ModelKind::Images),
            &json!({"detail": [{"loc": ["body", "prompt"], "msg": "too long"}]}),
        )
        .unwrap_err();
        assert_eq!(e.kind, ProviderErrorKind::InvalidInput);
        assert!(e.detail.contains("prompt"), "{}", e.detail);
    }

    #[test]
    fn model_kinds_follow_configuration_then_names() {
        let m = ModelIds::default();
        assert_eq!(ModelKind::of(&m, "fal-ai/nano-banana-2"), ModelKind::Images);
        assert_eq!(ModelKind::of(&m, "fal-ai/flux-lora"), ModelKind::Images);
        assert_eq!(ModelKind::of(&m, "fal-ai/flux-lora-fast-training"), ModelKind::Trainer);
        assert_eq!(ModelKind::of(&m, "fal-ai/flux-lora-portrait-trainer"), ModelKind::Trainer);
    }
}
