//! How each family of text-to-image endpoints phrases a request. A catalog entry names its
//! dialect; adding a model of a known dialect is configuration only, a new dialect is one
//! variant here with its input builder and what it can express.
//!
//! Field names, enums and limits follow FAL's published input schemas, vendored with their
//! sources under `tests/fixtures/schemas/` (fal-js generated types, commits 5324132 of
//! 2026-02-03, 9830f25 of 2026-04-07 and 381105e of 2026-08-02); the schema tests build every
//! request these functions can produce and validate it against them.

use crate::config::OutputFormat;
use crate::models::ImageSize;
use aisha_domain::catalog::CatalogModel;
use aisha_domain::generation::AspectRatio;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Google's Gemini image models (`fal-ai/nano-banana-2`, `fal-ai/nano-banana-pro`):
    /// `aspect_ratio` strings, `resolution` tiers, `num_images`.
    Gemini,
    /// FLUX.2 (`fal-ai/flux-2`): `image_size` presets named orientation first, `num_images`,
    /// the safety checker on.
    Flux2,
    /// Imagen 4 (`fal-ai/imagen4/preview[/fast|/ultra]`), retired by Google on 2026-08-17:
    /// `aspect_ratio` strings, `resolution` on preview and ultra only.
    Imagen4,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Gemini, Dialect::Flux2, Dialect::Imagen4];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Gemini => "gemini",
            Dialect::Flux2 => "flux-2",
            Dialect::Imagen4 => "imagen4",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The aspect ratios this dialect can ask for.
    pub fn aspects(self) -> &'static [AspectRatio] {
        // all three express the five the bot offers: Gemini and Imagen 4 by name, FLUX.2
        // through its orientation presets
        &AspectRatio::ALL
    }

    /// Resolution tiers, where the dialect has them (none: the entry must not set one).
    pub fn resolutions(self) -> &'static [&'static str] {
        match self {
            // nano-banana-2 also has 0.5K; nano-banana-pro starts at 1K
            Dialect::Gemini => &["1K", "2K", "4K"],
            Dialect::Imagen4 => &["1K", "2K"],
            Dialect::Flux2 => &[],
        }
    }

    /// The request body for `count` images of `prompt` at `aspect`.
    pub fn input(
        self,
        prompt: &str,
        aspect: AspectRatio,
        count: u8,
        resolution: Option<&str>,
        format: OutputFormat,
        seed: u32,
    ) -> Value {
        let mut body = match self {
            Dialect::Gemini | Dialect::Imagen4 => json!({
                "prompt": prompt,
                "aspect_ratio": aspect.as_str(),
                "num_images": count,
                "output_format": format.as_str(),
                "seed": seed,
            }),
            Dialect::Flux2 => json!({
                "prompt": prompt,
                "image_size": ImageSize::for_aspect(aspect),
                "num_images": count,
                // flagged images come back marked, and are withheld and refunded
                "enable_safety_checker": true,
                "output_format": format.as_str(),
                "seed": seed,
            }),
        };
        if let (Some(r), false) = (resolution, self.resolutions().is_empty()) {
            body["resolution"] = json!(r);
        }
        body
    }
}

/// What this adapter cannot do with a catalog: an unknown dialect, an aspect ratio or a
/// resolution the dialect cannot express. One line per problem, naming the entry.
pub fn catalog_problems(models: &[CatalogModel]) -> Vec<String> {
    models.iter().enumerate().flat_map(|(i, m)| entry_problems(i, m)).collect()
}

fn entry_problems(i: usize, m: &CatalogModel) -> Vec<String> {
    let key = m.key.as_str();
    let Some(dialect) = Dialect::parse(&m.provider.dialect) else {
        let known: Vec<&str> = Dialect::ALL.iter().map(|d| d.name()).collect();
        return vec![format!(
            "models[{i}] {key:?}: unknown dialect {:?} (known: {})",
            m.provider.dialect,
            known.join(", ")
        )];
    };
    let mut problems = Vec::new();
    for a in m.aspects.iter().filter(|a| !dialect.aspects().contains(a)) {
        problems.push(format!("models[{i}] {key:?}: the {} dialect cannot express aspect ratio {a}", dialect.name()));
    }
    match &m.provider.resolution {
        Some(r) if !dialect.resolutions().contains(&r.as_str()) => problems.push(format!(
            "models[{i}] {key:?}: resolution {r:?} is not one of the {} dialect's ({})",
            dialect.name(),
            if dialect.resolutions().is_empty() { "it has none".to_owned() } else { dialect.resolutions().join(", ") }
        )),
        _ => {}
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use aisha_domain::catalog::Catalog;

    #[test]
    fn the_default_catalog_is_expressible() {
        assert_eq!(catalog_problems(Catalog::default().all()), Vec::<String>::new());
    }

    #[test]
    fn each_dialect_phrases_aspect_and_size_its_own_way() {
        let g = Dialect::Gemini.input("a fox", AspectRatio::Portrait3x4, 2, Some("2K"), OutputFormat::Jpeg, 7);
        assert_eq!(
            g,
            json!({"prompt": "a fox", "aspect_ratio": "3:4", "num_images": 2, "output_format": "jpeg", "resolution": "2K", "seed": 7})
        );
        let f = Dialect::Flux2.input("a fox", AspectRatio::Portrait3x4, 1, None, OutputFormat::Jpeg, 7);
        assert_eq!(f["image_size"], "portrait_4_3");
        assert_eq!(f["enable_safety_checker"], true);
        let i = Dialect::Imagen4.input("a fox", AspectRatio::Landscape16x9, 4, None, OutputFormat::Png, 7);
        assert_eq!(
            i,
            json!({"prompt": "a fox", "aspect_ratio": "16:9", "num_images": 4, "output_format": "png", "seed": 7})
        );
    }

    #[test]
    fn problems_name_the_entry() {
        let mut models = Catalog::default().all().to_vec();
        models[0].provider.dialect = "dalle".into();
        models[1].provider.resolution = Some("8K".into());
        let p = catalog_problems(&models);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("models[0]") && p[0].contains("unknown dialect \"dalle\""), "{}", p[0]);
        assert!(p[1].contains("models[1]") && p[1].contains("\"8K\""), "{}", p[1]);
    }
}
