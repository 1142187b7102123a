//! FAL's published schemas are the judge: every request this adapter can build — each catalog
//! model × aspect ratio × count × output format, flux-lora the same, both trainers with and
//! without steps, the storage upload — is validated against the input schema vendored under
//! `tests/fixtures/schemas/` (sources and dates in each file's `$comment`).

use aisha_domain::ports::ProviderRequest;
use aisha_domain::{AspectRatio, Catalog};
use aisha_fal::models::upload_initiate_body;
use aisha_fal::{FalClient, FalConfig, ModelIds, OutputFormat, Trainer};
use aisha_sandbox::fal::schemas::{self, Direction};
use secrecy::SecretString;

fn client(format: OutputFormat, trainer: Trainer, steps: Option<u32>) -> FalClient {
    let mut c = FalConfig::new(SecretString::from("key"));
    c.output_format = format;
    c.models = ModelIds::default().with_trainer(trainer);
    c.training_steps = steps;
    FalClient::new(c).unwrap()
}

#[test]
fn every_request_the_adapter_can_build_validates_against_fals_published_schema() {
    let catalog = Catalog::default();
    let mut checked = 0usize;
    let mut failures = Vec::new();
    let mut check = |endpoint: &str, input: &serde_json::Value| {
        match schemas::check(endpoint, Direction::Input, input) {
            None => failures.push(format!("{endpoint}: no vendored schema")),
            Some(v) if !v.is_empty() => failures.push(format!("{endpoint} {input}: {v:?}")),
            Some(_) => {}
        }
        checked += 1;
    };
    for format in [OutputFormat::Jpeg, OutputFormat::Png] {
        for (trainer, steps) in
            [Trainer::FastTraining, Trainer::Portrait].into_iter().flat_map(|t| [(t, None), (t, Some(1500))])
        {
            let fal = client(format, trainer, steps);
            for model in catalog.all() {
                for aspect in &model.aspects {
                    for count in 1..=model.max_images {
                        let request = ProviderRequest::Text {
                            prompt: "a lighthouse at dawn, watercolour".into(),
                            aspect: *aspect,
                            count,
                            model: model.provider.clone(),
                            seed: 0x7fff_ffff,
                        };
                        let (endpoint, input) = fal.input_for(&request).unwrap();
                        check(&endpoint, &input);
                    }
                }
            }
            for aspect in AspectRatio::ALL {
                for count in 1..=4 {
                    let request = ProviderRequest::LoraImages {
                        prompt: "TOK, a portrait at sea".into(),
                        lora_url: "https://v3.fal.media/files/lora.safetensors".into(),
                        aspect,
                        count,
                        seed: 0x7fff_ffff,
                    };
                    let (endpoint, input) = fal.input_for(&request).unwrap();
                    check(&endpoint, &input);
                }
            }
            let training = ProviderRequest::Training {
                archive_url: "https://v3.fal.media/files/photos.zip".into(),
                trigger: "TOK".into(),
            };
            let (endpoint, input) = fal.input_for(&training).unwrap();
            check(&endpoint, &input);
        }
    }
    check(schemas::STORAGE_INITIATE, &upload_initiate_body("photos.zip", "application/zip"));
    println!("{checked} requests validated against FAL's published input schemas");
    assert!(failures.is_empty(), "{} of {checked} refused:\n{}", failures.len(), failures.join("\n"));
    // 6 catalog models × 5 aspects × 4 counts, flux-lora 5 × 4, one training; for 2 formats ×
    // 4 trainer settings; and the storage upload
    assert_eq!(checked, 2 * 4 * (6 * 5 * 4 + 5 * 4 + 1) + 1);
}
