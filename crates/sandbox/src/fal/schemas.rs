//! FAL's published input and output JSON Schemas, vendored under the FAL adapter's test
//! fixtures (`crates/adapters/fal/tests/fixtures/schemas/`, each file naming its source
//! commit and date). The emulator refuses an input that fails its schema the way FAL does
//! (422, FastAPI's `detail` list naming the field), and the adapter's tests validate every
//! request it can build against the same files: the provider's schema is the judge, not our
//! own belief about it.

use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;

macro_rules! vendored {
    ($($endpoint:literal => $file:literal),* $(,)?) => {
        &[$((
            $endpoint,
            include_str!(concat!("../../../adapters/fal/tests/fixtures/schemas/", $file, ".input.json")),
            include_str!(concat!("../../../adapters/fal/tests/fixtures/schemas/", $file, ".output.json")),
        )),*]
    };
}

/// `(endpoint, input schema, output schema)`. The storage upload is listed under the path the
/// clients post it to.
const FILES: &[(&str, &str, &str)] = vendored! {
    "fal-ai/nano-banana-2" => "fal-ai__nano-banana-2",
    "fal-ai/nano-banana-pro" => "fal-ai__nano-banana-pro",
    "fal-ai/flux-2" => "fal-ai__flux-2",
    "fal-ai/flux-2-pro" => "fal-ai__flux-2-pro",
    "fal-ai/imagen4/preview" => "fal-ai__imagen4__preview",
    "fal-ai/imagen4/preview/fast" => "fal-ai__imagen4__preview__fast",
    "fal-ai/imagen4/preview/ultra" => "fal-ai__imagen4__preview__ultra",
    "fal-ai/flux-lora" => "fal-ai__flux-lora",
    "fal-ai/flux-lora-fast-training" => "fal-ai__flux-lora-fast-training",
    "fal-ai/flux-lora-portrait-trainer" => "fal-ai__flux-lora-portrait-trainer",
    "openrouter/router" => "openrouter__router",
    "openrouter/router/vision" => "openrouter__router__vision",
    "storage/upload/initiate" => "storage__upload__initiate",
};

/// The storage upload's first call, as a schema name.
pub const STORAGE_INITIATE: &str = "storage/upload/initiate";

struct Compiled {
    input: Validator,
    output: Validator,
}

fn compiled() -> &'static HashMap<&'static str, Compiled> {
    static ALL: OnceLock<HashMap<&'static str, Compiled>> = OnceLock::new();
    ALL.get_or_init(|| {
        FILES
            .iter()
            .map(|(endpoint, input, output)| {
                let build = |text: &str| {
                    let schema: Value = serde_json::from_str(text).expect("a vendored schema is JSON");
                    jsonschema::draft202012::new(&schema).expect("a vendored schema is a valid JSON Schema")
                };
                (*endpoint, Compiled { input: build(input), output: build(output) })
            })
            .collect()
    })
}

/// The endpoints with a vendored schema.
pub fn endpoints() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(e, _, _)| *e)
}

/// One refusal: where in the body (JSON pointer segments) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub path: Vec<String>,
    pub message: String,
}

/// Which direction of an endpoint to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Input,
    Output,
}

/// `None` when no schema is vendored for `endpoint`; otherwise every violation (empty: valid).
pub fn check(endpoint: &str, direction: Direction, value: &Value) -> Option<Vec<Violation>> {
    let c = compiled().get(endpoint.trim_matches('/'))?;
    let validator = match direction {
        Direction::Input => &c.input,
        Direction::Output => &c.output,
    };
    Some(
        validator
            .iter_errors(value)
            .map(|e| {
                let mut path: Vec<String> = e
                    .instance_path()
                    .as_str()
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.replace("~1", "/").replace("~0", "~"))
                    .collect();
                // FastAPI names the missing or unexpected field itself, not its parent
                match e.kind() {
                    ValidationErrorKind::Required { property } => {
                        path.push(property.as_str().map_or_else(|| property.to_string(), str::to_owned));
                    }
                    ValidationErrorKind::AdditionalProperties { unexpected } => {
                        path.extend(unexpected.first().cloned());
                    }
                    _ => {}
                }
                Violation { path, message: e.to_string() }
            })
            .collect(),
    )
}

/// FAL's 422 body for refused input: FastAPI's `detail` list, one entry per violation, each
/// `loc` starting with `body`.
pub fn unprocessable(violations: &[Violation]) -> Value {
    let detail: Vec<Value> = violations
        .iter()
        .map(|v| {
            let mut loc = vec![json!("body")];
            loc.extend(v.path.iter().map(|p| p.parse::<u64>().map_or_else(|_| json!(p), |i| json!(i))));
            json!({"loc": loc, "msg": v.message, "type": "value_error"})
        })
        .collect();
    json!({ "detail": detail })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_schema_compiles() {
        assert_eq!(compiled().len(), FILES.len());
    }

    #[test]
    fn a_refusal_names_the_field() {
        let v = check("fal-ai/nano-banana-pro", Direction::Input, &json!({"prompt": "a fox", "num_images": 9}))
            .expect("vendored");
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].path, ["num_images"]);
        let body = unprocessable(&v);
        assert_eq!(body["detail"][0]["loc"], json!(["body", "num_images"]));
        let unknown = check("fal-ai/flux-2", Direction::Input, &json!({"prompt": "x", "steps": 3})).unwrap();
        assert_eq!(unknown.len(), 1, "fields FAL does not publish are refused: {unknown:?}");
        assert_eq!(unknown[0].path, ["steps"]);
        let missing = check("fal-ai/flux-2", Direction::Input, &json!({"num_images": 1})).unwrap();
        assert_eq!(missing[0].path, ["prompt"]);
        assert!(check("fal-ai/no-such-model", Direction::Input, &json!({})).is_none());
    }
}
