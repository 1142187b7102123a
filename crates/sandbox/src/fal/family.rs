//! The model families: which ids exist, what input each accepts (refused the way FAL's
//! validation refuses it, a 422 naming the field), and what their outputs look like.

use super::picture::{self, Format, Picture};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Family {
    /// Google's Gemini image models: `fal-ai/nano-banana-2`, `fal-ai/nano-banana-pro`.
    Gemini,
    /// `fal-ai/flux-2` and `fal-ai/flux-2-pro` (the latter makes one image and has no
    /// `num_images`).
    Flux2,
    /// `fal-ai/imagen4/preview` and `/preview/ultra` (retired by Google on 2026-08-17; the
    /// emulator can be told to answer 404 for them, as FAL does for a removed app).
    Imagen,
    /// `fal-ai/imagen4/preview/fast`: no `resolution`.
    ImagenFast,
    FluxLora,
    /// `fal-ai/flux-lora-fast-training`: `trigger_word`.
    FastTraining,
    /// `fal-ai/flux-lora-portrait-trainer`: `trigger_phrase`.
    PortraitTrainer,
    /// `openrouter/router`: a language model's text answer to `prompt`.
    Router,
    /// `openrouter/router/vision`: the same, about the images at `image_urls`.
    RouterVision,
}

impl Family {
    pub fn of(model: &str) -> Option<Family> {
        Some(match model.trim_matches('/') {
            "fal-ai/nano-banana-2" | "fal-ai/nano-banana-pro" => Family::Gemini,
            "fal-ai/flux-2" | "fal-ai/flux-2-pro" => Family::Flux2,
            "fal-ai/imagen4/preview" | "fal-ai/imagen4/preview/ultra" => Family::Imagen,
            "fal-ai/imagen4/preview/fast" => Family::ImagenFast,
            "fal-ai/flux-lora" => Family::FluxLora,
            "fal-ai/flux-lora-fast-training" => Family::FastTraining,
            "fal-ai/flux-lora-portrait-trainer" => Family::PortraitTrainer,
            "openrouter/router" => Family::Router,
            "openrouter/router/vision" => Family::RouterVision,
            _ => return None,
        })
    }

    pub fn is_trainer(self) -> bool {
        matches!(self, Family::FastTraining | Family::PortraitTrainer)
    }

    /// A language model (text out), not an image model.
    pub fn is_llm(self) -> bool {
        matches!(self, Family::Router | Family::RouterVision)
    }
}

/// A checked input: what the outcome is planned from.
#[derive(Clone, Debug)]
pub(super) struct Checked {
    /// The prompt, or the trainer's trigger; fault markers are looked for here.
    pub text: String,
    pub text_field: &'static str,
    pub count: u8,
    pub size: (u32, u32),
    pub format: Format,
    pub seed: u64,
    pub safety_checker: bool,
    pub archive_url: Option<String>,
}

/// FastAPI's validation answer for one field.
pub(super) fn invalid(loc: &[Value], msg: &str, kind: &str) -> Value {
    let mut full = vec![json!("body")];
    full.extend_from_slice(loc);
    json!({"detail": [{"loc": full, "msg": msg, "type": kind}]})
}

fn field(name: &str) -> Vec<Value> {
    vec![json!(name)]
}

fn text(input: &Value, name: &'static str, required: bool) -> Result<Option<String>, Value> {
    match input.get(name) {
        None | Some(Value::Null) if required => Err(invalid(&field(name), "field required", "value_error.missing")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if required && s.trim().is_empty() => {
            Err(invalid(&field(name), "ensure this value has at least 1 characters", "value_error.any_str.min_length"))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(&field(name), "str type expected", "type_error.str")),
    }
}

fn int(input: &Value, name: &'static str, default: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64, Value> {
    let v = match input.get(name) {
        None | Some(Value::Null) => return Ok(default),
        Some(v) => {
            v.as_i64().ok_or_else(|| invalid(&field(name), "value is not a valid integer", "type_error.integer"))?
        }
    };
    if range.contains(&v) {
        Ok(v)
    } else {
        let msg = format!("ensure this value is between {} and {}", range.start(), range.end());
        Err(invalid(&field(name), &msg, "value_error.number.not_in_range"))
    }
}

fn choice(input: &Value, name: &'static str, default: &str, allowed: &[&str]) -> Result<String, Value> {
    let v = text(input, name, false)?.unwrap_or_else(|| default.to_owned());
    if allowed.contains(&v.as_str()) {
        Ok(v)
    } else {
        let msg = format!("unexpected value; permitted: {}", allowed.join(", "));
        Err(invalid(&field(name), &msg, "value_error.const"))
    }
}

fn format(input: &Value, default: &str, allowed: &[&str]) -> Result<Format, Value> {
    let name = choice(input, "output_format", default, allowed)?;
    Format::parse(&name)
        .ok_or_else(|| invalid(&field("output_format"), "the emulator draws only jpeg and png", "value_error.const"))
}

/// The seed given, or one derived from the text, so equal requests draw equal pictures.
fn seed(input: &Value, text: &str) -> u64 {
    input.get("seed").and_then(Value::as_u64).unwrap_or_else(|| {
        let d = Sha256::digest(text.as_bytes());
        u64::from_be_bytes(d[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
    })
}

/// The input checked as FAL's validation checks it for `family`.
pub(super) fn check(family: Family, input: &Value) -> Result<Checked, Value> {
    if !input.is_object() {
        return Err(invalid(&[], "the body must be a JSON object", "type_error.dict"));
    }
    match family {
        Family::Router | Family::RouterVision => check_router(input),
        Family::Gemini | Family::Imagen | Family::ImagenFast => check_google(family, input),
        Family::FluxLora | Family::Flux2 => check_flux(family, input),
        Family::FastTraining | Family::PortraitTrainer => check_trainer(family, input),
    }
}

/// The language models: a `prompt` and a `model`.
fn check_router(input: &Value) -> Result<Checked, Value> {
    let prompt = text(input, "prompt", true)?.unwrap_or_default();
    text(input, "model", true)?;
    Ok(Checked {
        seed: seed(input, &prompt),
        text: prompt,
        text_field: "prompt",
        count: 0,
        size: (0, 0),
        format: Format::Png,
        safety_checker: false,
        archive_url: None,
    })
}

/// Gemini and Imagen: aspect ratios and resolutions by name.
fn check_google(family: Family, input: &Value) -> Result<Checked, Value> {
    let prompt = text(input, "prompt", true)?.unwrap_or_default();
    const IMAGEN_ASPECTS: &[&str] = &["1:1", "16:9", "9:16", "4:3", "3:4"];
    let (aspects, resolutions): (&[&str], &[&str]) = match family {
        Family::Gemini => (
            &["auto", "21:9", "16:9", "3:2", "4:3", "5:4", "1:1", "4:5", "3:4", "2:3", "9:16"],
            &["0.5K", "1K", "2K", "4K"],
        ),
        Family::Imagen => (IMAGEN_ASPECTS, &["1K", "2K"]),
        // the fast model has no resolution setting
        _ => (IMAGEN_ASPECTS, &[]),
    };
    let aspect = choice(input, "aspect_ratio", "1:1", aspects)?;
    let count = int(input, "num_images", 1, 1..=4)?;
    let resolution = if resolutions.is_empty() { "1K".into() } else { choice(input, "resolution", "1K", resolutions)? };
    let format = format(input, "png", &["jpeg", "png", "webp"])?;
    let size = if family == Family::Gemini {
        picture::gemini_size(&aspect, &resolution)
    } else {
        picture::imagen_size(&aspect, &resolution)
    };
    Ok(Checked {
        seed: seed(input, &prompt),
        text: prompt,
        text_field: "prompt",
        count: count as u8,
        size: size.expect("checked above"),
        format,
        safety_checker: true,
        archive_url: None,
    })
}

/// flux-lora and FLUX.2: an `image_size` preset or `{width, height}`, and LoRAs.
fn check_flux(family: Family, input: &Value) -> Result<Checked, Value> {
    let prompt = text(input, "prompt", true)?.unwrap_or_default();
    let size = flux_image_size(input)?;
    check_loras(input)?;
    let count = int(input, "num_images", 1, 1..=4)?;
    let format = if family == Family::Flux2 {
        format(input, "png", &["jpeg", "png", "webp"])?
    } else {
        format(input, "jpeg", &["jpeg", "png"])?
    };
    let safety_checker = input.get("enable_safety_checker").and_then(Value::as_bool).unwrap_or(true);
    Ok(Checked {
        seed: seed(input, &prompt),
        text: prompt,
        text_field: "prompt",
        count: count as u8,
        size,
        format,
        safety_checker,
        archive_url: None,
    })
}

/// A flux `image_size`: a preset name, `{width, height}` (64–4096 each), or 1024×768 when absent.
fn flux_image_size(input: &Value) -> Result<(u32, u32), Value> {
    Ok(match input.get("image_size") {
        None | Some(Value::Null) => (1024, 768),
        Some(Value::String(s)) => picture::flux_size(s).ok_or_else(|| {
            invalid(&field("image_size"), "unexpected value; permitted: square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9", "value_error.const")
        })?,
        Some(obj @ Value::Object(_)) => {
            let w = int(obj, "width", 0, 64..=4096).map_err(|_| {
                invalid(&[json!("image_size"), json!("width")], "ensure 64 <= width <= 4096", "value_error")
            })?;
            let h = int(obj, "height", 0, 64..=4096).map_err(|_| {
                invalid(&[json!("image_size"), json!("height")], "ensure 64 <= height <= 4096", "value_error")
            })?;
            (w as u32, h as u32)
        }
        Some(_) => return Err(invalid(&field("image_size"), "a preset name or {width, height}", "type_error")),
    })
}

/// `loras`, if given: a list whose every item has a string `path`.
fn check_loras(input: &Value) -> Result<(), Value> {
    if let Some(loras) = input.get("loras").filter(|v| !v.is_null()) {
        let list =
            loras.as_array().ok_or_else(|| invalid(&field("loras"), "value is not a valid list", "type_error.list"))?;
        for (i, l) in list.iter().enumerate() {
            if !l.get("path").is_some_and(Value::is_string) {
                return Err(invalid(
                    &[json!("loras"), json!(i), json!("path")],
                    "field required",
                    "value_error.missing",
                ));
            }
        }
    }
    Ok(())
}

/// The LoRA trainers: a training archive, a trigger (`trigger_word` or `trigger_phrase`) and
/// `steps`.
fn check_trainer(family: Family, input: &Value) -> Result<Checked, Value> {
    let url = text(input, "images_data_url", true)?.unwrap_or_default();
    let trigger_field = if family == Family::FastTraining { "trigger_word" } else { "trigger_phrase" };
    let trigger = text(input, trigger_field, false)?.unwrap_or_default();
    int(input, "steps", 1000, 1..=10_000)?;
    Ok(Checked {
        seed: seed(input, &trigger),
        text: trigger,
        text_field: trigger_field,
        count: 1,
        size: (0, 0),
        format: Format::Png,
        safety_checker: false,
        archive_url: Some(url),
    })
}

/// The pictures of an image job: `count` of them, the first `flagged` marked.
pub(super) fn pictures(c: &Checked, count: u8, flagged: u8) -> (Vec<Picture>, Vec<bool>) {
    (0..count)
        .map(|i| {
            let nsfw = i < flagged;
            let p = Picture {
                width: c.size.0,
                height: c.size.1,
                format: c.format,
                seed: c.seed.wrapping_add(u64::from(i)),
                black: nsfw,
            };
            (p, nsfw)
        })
        .unzip()
}

pub(super) fn file_url(base: &str, request_id: &str, name: &str) -> String {
    format!("{base}/_files/{request_id}/{name}")
}

/// The JSON an image job returns.
pub(super) fn images_output(
    family: Family,
    base: &str,
    request_id: &str,
    pictures: &[Picture],
    flags: Option<&[bool]>,
    prompt: &str,
) -> Value {
    let files: Vec<Value> = pictures
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = format!("{i}.{}", p.format.extension());
            json!({"url": file_url(base, request_id, &name), "content_type": p.format.content_type(),
                   "file_name": name, "width": p.width, "height": p.height})
        })
        .collect();
    match family {
        // the 2026 Imagen and Gemini schemas: no seed, a description instead
        Family::Imagen | Family::ImagenFast | Family::Gemini => {
            json!({"images": files, "description": format!("An image of {prompt}")})
        }
        _ => json!({
            "images": files,
            "seed": pictures.first().map_or(0, |p| p.seed),
            "has_nsfw_concepts": flags.map(<[bool]>::to_vec),
            "prompt": prompt,
            "timings": {"inference": 0.42},
        }),
    }
}

pub const LORA_FILE: &str = "pytorch_lora_weights.safetensors";
pub const CONFIG_FILE: &str = "config.json";

/// The JSON a training returns; without the LoRA file when `missing`.
pub(super) fn training_output(base: &str, request_id: &str, missing: bool) -> Value {
    let config = json!({"url": file_url(base, request_id, CONFIG_FILE), "content_type": "application/json", "file_name": CONFIG_FILE});
    if missing {
        return json!({"config_file": config});
    }
    let lora = lora_bytes();
    json!({
        "diffusers_lora_file": {"url": file_url(base, request_id, LORA_FILE), "content_type": "application/octet-stream",
                                "file_name": LORA_FILE, "file_size": lora.len()},
        "config_file": config,
    })
}

/// A valid, empty safetensors file: an 8-byte little-endian header length, then the header.
pub(super) fn lora_bytes() -> Vec<u8> {
    let header = br#"{"__metadata__":{"format":"pt"}}"#;
    let mut v = (header.len() as u64).to_le_bytes().to_vec();
    v.extend_from_slice(header);
    v
}

/// What the emulated language model answers, the same for the same input: for a text question
/// an English prompt made from the words asked (Cyrillic transliterated), for a photo a fixed
/// description of a scene — no real model reads anything here.
pub(super) fn llm_answer(family: Family, input: &Value) -> String {
    let prompt = input.get("prompt").and_then(Value::as_str).unwrap_or_default();
    match family {
        Family::RouterVision => {
            let images = input.get("image_urls").and_then(Value::as_array).map_or(0, Vec::len);
            format!(
                "the person standing on a sunlit city street in a light linen shirt, waist-up framing, soft afternoon light, shallow depth of field ({images} photo)"
            )
        }
        _ => {
            let words = transliterate(prompt);
            format!("A detailed photograph of {}, natural light, 50mm lens, high detail", words.trim())
        }
    }
}

/// Russian letters in Latin ones, so an emulated "translation" is plain ASCII.
fn transliterate(text: &str) -> String {
    const MAP: &[(char, &str)] = &[
        ('а', "a"),
        ('б', "b"),
        ('в', "v"),
        ('г', "g"),
        ('д', "d"),
        ('е', "e"),
        ('ё', "e"),
        ('ж', "zh"),
        ('з', "z"),
        ('и', "i"),
        ('й', "y"),
        ('к', "k"),
        ('л', "l"),
        ('м', "m"),
        ('н', "n"),
        ('о', "o"),
        ('п', "p"),
        ('р', "r"),
        ('с', "s"),
        ('т', "t"),
        ('у', "u"),
        ('ф', "f"),
        ('х', "kh"),
        ('ц', "ts"),
        ('ч', "ch"),
        ('ш', "sh"),
        ('щ', "shch"),
        ('ъ', ""),
        ('ы', "y"),
        ('ь', ""),
        ('э', "e"),
        ('ю', "yu"),
        ('я', "ya"),
    ];
    text.chars()
        .flat_map(|c| {
            let lower = c.to_lowercase().next().unwrap_or(c);
            match MAP.iter().find(|(k, _)| *k == lower) {
                Some((_, latin)) => latin.chars().collect::<Vec<_>>(),
                None if c.is_ascii() => vec![c],
                None => Vec::new(),
            }
        })
        .collect()
}
