//! The adapter against the emulator over loopback HTTP: each model family end to end, sizes,
//! status and cancel, retries, and every error class.

mod common;

use aisha_domain::generation::ProviderRef;
use aisha_domain::media::{ImageFormat, probe};
use aisha_domain::ports::{
    CancelOutcome, ImageGenerator, ProviderErrorKind, ProviderOutput, ProviderRequest, ProviderStatus, Submitted,
};
use aisha_domain::{AspectRatio, Catalog, ModelKey};
use aisha_fal::{FalClient, ModelIds, Trainer};
use aisha_sandbox::fal::{FalEmulator, Fault, Knobs};
use common::{client, config, quick};
use std::time::Duration;

/// A description job with the default catalog's model `key`.
fn imagen(prompt: &str, aspect: AspectRatio, count: u8, key: &str) -> ProviderRequest {
    let catalog = Catalog::default();
    let model = catalog.get(ModelKey::parse(key).unwrap()).expect("a default catalog key").provider.clone();
    ProviderRequest::Text { prompt: prompt.into(), aspect, count, model, seed: 7 }
}

fn lora_images(prompt: &str, aspect: AspectRatio, count: u8) -> ProviderRequest {
    ProviderRequest::LoraImages {
        prompt: prompt.into(),
        lora_url: "https://cdn.example/a.safetensors".into(),
        aspect,
        count,
        seed: 7,
    }
}

async fn emulator(knobs: Knobs) -> FalEmulator {
    FalEmulator::start_with(knobs).await.unwrap()
}

/// Polls until COMPLETED, checking that the states come in order.
async fn until_completed(fal: &FalClient, job: &ProviderRef) {
    let mut seen_running = false;
    for _ in 0..500 {
        match fal.status(job).await.unwrap() {
            ProviderStatus::Completed => return,
            ProviderStatus::Running => seen_running = true,
            ProviderStatus::Queued { .. } => assert!(!seen_running, "queued after running"),
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{} never completed", job.request_id);
}

async fn run(
    fal: &FalClient,
    request: &ProviderRequest,
) -> (Submitted, Result<ProviderOutput, aisha_domain::ports::ProviderError>) {
    let sub = fal.submit(request, false).await.unwrap();
    until_completed(fal, &sub.provider).await;
    let out = fal.result(&sub.provider).await;
    (sub, out)
}

async fn sizes(fal: &FalClient, out: &ProviderOutput) -> Vec<(ImageFormat, u32, u32)> {
    let ProviderOutput::Images(list) = out else { panic!("expected images, got {out:?}") };
    let mut v = Vec::new();
    for image in list {
        v.push(probe(&fal.download(&image.url).await.unwrap()).expect("a readable image"));
    }
    v
}

#[tokio::test]
async fn every_catalog_model_goes_to_its_endpoint() {
    let emu = emulator(quick()).await;
    let fal = client(&emu);
    for (key, model, app, side) in [
        ("nano-banana-2", "fal-ai/nano-banana-2", "fal-ai/nano-banana-2", 1024),
        ("nano-banana-pro", "fal-ai/nano-banana-pro", "fal-ai/nano-banana-pro", 2048),
        ("flux-2", "fal-ai/flux-2", "fal-ai/flux-2", 1024),
        ("imagen4/standard", "fal-ai/imagen4/preview", "fal-ai/imagen4", 1024),
        ("imagen4/fast", "fal-ai/imagen4/preview/fast", "fal-ai/imagen4", 1024),
        ("imagen4/ultra", "fal-ai/imagen4/preview/ultra", "fal-ai/imagen4", 1024),
    ] {
        let (sub, out) = run(&fal, &imagen("a red fox", AspectRatio::Square, 1, key)).await;
        assert_eq!(sub.provider.model, model);
        assert!(sub.provider.status_url.as_deref().unwrap().contains(&format!("/{app}/requests/")), "{key}");
        let input = emu.request(&sub.provider.request_id).unwrap().input;
        assert_eq!(input["output_format"], "jpeg", "JPEG keeps results within Telegram's photo limits");
        assert_eq!(sizes(&fal, &out.unwrap()).await, [(ImageFormat::Jpeg, side, side)], "{key}");
    }
}

#[tokio::test]
async fn one_to_four_images_come_back() {
    let emu = emulator(quick()).await;
    let fal = client(&emu);
    for count in 1..=4u8 {
        let (_, out) = run(&fal, &imagen("boats", AspectRatio::Landscape4x3, count, "imagen4/fast")).await;
        assert_eq!(sizes(&fal, &out.unwrap()).await.len(), usize::from(count));
        let (_, out) = run(&fal, &lora_images("me, boats", AspectRatio::Landscape4x3, count)).await;
        assert_eq!(sizes(&fal, &out.unwrap()).await.len(), usize::from(count));
    }
}

#[tokio::test]
async fn every_aspect_ratio_gives_its_pixel_size() {
    let emu = emulator(quick()).await;
    let fal = client(&emu);
    for aspect in AspectRatio::ALL {
        let expected = match aspect {
            AspectRatio::Square => (1024, 1024),
            AspectRatio::Landscape16x9 => (1408, 768),
            AspectRatio::Portrait9x16 => (768, 1408),
            AspectRatio::Landscape4x3 => (1280, 896),
            AspectRatio::Portrait3x4 => (896, 1280),
        };
        let (_, out) = run(&fal, &imagen("a lighthouse", aspect, 1, "imagen4/standard")).await;
        let (_, w, h) = sizes(&fal, &out.unwrap()).await[0];
        assert_eq!((w, h), expected, "imagen {aspect}");

        let (sub, out) = run(&fal, &lora_images("me, a lighthouse", aspect, 1)).await;
        let (_, w, h) = sizes(&fal, &out.unwrap()).await[0];
        assert_eq!((w, h), aspect.size_with_long_side(1024), "flux-lora {aspect}");
        let input = emu.request(&sub.provider.request_id).unwrap().input;
        assert_eq!(input["enable_safety_checker"], true);
        assert_eq!(input["loras"][0]["path"], "https://cdn.example/a.safetensors");
    }
}

#[tokio::test]
async fn flux_lora_reports_nsfw_flags_per_image() {
    let emu = emulator(Knobs { nsfw_marker: Some("#nsfw".into()), nsfw_count: Some(1), ..quick() }).await;
    let fal = client(&emu);
    let (_, out) = run(&fal, &lora_images("me #nsfw", AspectRatio::Square, 3)).await;
    let ProviderOutput::Images(list) = out.unwrap() else { panic!() };
    assert_eq!(list.iter().map(|i| i.nsfw).collect::<Vec<_>>(), [true, false, false]);
}

#[tokio::test]
async fn trainings_upload_the_archive_and_return_a_lora() {
    for trainer in [Trainer::FastTraining, Trainer::Portrait] {
        let emu = emulator(quick()).await;
        let mut cfg = config(&emu);
        cfg.models = ModelIds::default().with_trainer(trainer);
        cfg.training_steps = Some(500);
        let fal = FalClient::new(cfg).unwrap();
        let zip = aisha_domain::archive::stored_zip(&[("01.png".into(), b"not really a png".to_vec())]).unwrap();
        let url = fal.upload_archive("job.zip", zip.clone()).await.unwrap();
        assert_eq!(fal.download(&url).await.unwrap(), zip, "the trainer can read what was uploaded");
        let (sub, out) =
            run(&fal, &ProviderRequest::Training { archive_url: url.clone(), trigger: "ohwx woman".into() }).await;
        assert_eq!(sub.provider.model, trainer.default_id());
        let input = emu.request(&sub.provider.request_id).unwrap().input;
        let field = if trainer == Trainer::FastTraining { "trigger_word" } else { "trigger_phrase" };
        assert_eq!((input[field].as_str(), input["steps"].as_u64()), (Some("ohwx woman"), Some(500)));
        let ProviderOutput::Lora(Some(lora)) = out.unwrap() else { panic!("no LoRA") };
        assert!(lora.config_url.is_some());
        assert!(!fal.download(&lora.url).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_training_without_a_lora_file_is_reported_as_such() {
    let emu = emulator(Knobs { short_marker: Some("#short".into()), ..quick() }).await;
    let fal = client(&emu);
    let url = fal.upload_archive("a.zip", b"PK\x03\x04".to_vec()).await.unwrap();
    let (_, out) = run(&fal, &ProviderRequest::Training { archive_url: url, trigger: "tok #short".into() }).await;
    assert_eq!(out.unwrap(), ProviderOutput::Lora(None));
}

#[tokio::test]
async fn status_reports_queue_position_then_running_then_completed() {
    let emu = emulator(Knobs { queue_ms: 300, run_ms: 300, ..Knobs::default() }).await;
    let fal = client(&emu);
    let first = fal.submit(&imagen("a fox", AspectRatio::Square, 1, "imagen4/fast"), false).await.unwrap();
    let second = fal.submit(&imagen("a bee", AspectRatio::Square, 1, "imagen4/fast"), false).await.unwrap();
    assert_eq!((first.queue_position, second.queue_position), (Some(0), Some(1)));
    assert_eq!(fal.status(&second.provider).await.unwrap(), ProviderStatus::Queued { position: Some(1) });
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(fal.status(&first.provider).await.unwrap(), ProviderStatus::Running);
    until_completed(&fal, &first.provider).await;

    // a job stored without URLs is followed through owner/app fallbacks
    let bare = ProviderRef { status_url: None, response_url: None, cancel_url: None, ..second.provider.clone() };
    until_completed(&fal, &bare).await;
    assert!(matches!(fal.result(&bare).await.unwrap(), ProviderOutput::Images(v) if v.len() == 1));
    assert_eq!(fal.cancel(&bare).await.unwrap(), CancelOutcome::AlreadyCompleted);
}

#[tokio::test]
async fn cancel_is_requested_then_already_completed_and_unknown_is_not_found() {
    let emu = emulator(Knobs { queue_ms: 60_000, ..Knobs::default() }).await;
    let fal = client(&emu);
    let sub = fal.submit(&imagen("xyz", AspectRatio::Square, 1, "imagen4/fast"), false).await.unwrap();
    assert_eq!(fal.cancel(&sub.provider).await.unwrap(), CancelOutcome::Requested);
    assert!(emu.request(&sub.provider.request_id).unwrap().cancelled);
    assert_eq!(fal.status(&sub.provider).await.unwrap(), ProviderStatus::Completed);
    assert!(fal.result(&sub.provider).await.is_err(), "a cancelled request has no output");
    assert_eq!(fal.cancel(&sub.provider).await.unwrap(), CancelOutcome::AlreadyCompleted);
    let unknown = ProviderRef {
        request_id: "nope".into(),
        status_url: None,
        response_url: None,
        cancel_url: None,
        ..sub.provider
    };
    assert_eq!(fal.cancel(&unknown).await.unwrap(), CancelOutcome::NotFound);
    assert_eq!(fal.status(&unknown).await.unwrap_err().kind, ProviderErrorKind::NotFound);
}

#[tokio::test]
async fn server_errors_are_retried_until_one_succeeds() {
    let emu = emulator(quick()).await;
    let fal = client(&emu);
    emu.fail_next([Fault::Status(503), Fault::Status(502), Fault::Status(429)]);
    let sub = fal.submit(&imagen("xyz", AspectRatio::Square, 1, "imagen4/fast"), false).await.unwrap();
    assert_eq!(emu.count_calls("POST", "/fal-ai/imagen4/preview/fast"), 4, "three failures, then the submit");
    emu.fail_next([Fault::Status(500)]);
    until_completed(&fal, &sub.provider).await;

    // more ingress failures than retries: a transient error, after exactly 1 + retries tries
    emu.fail_next([Fault::Status(503); 4]);
    let e = fal.submit(&imagen("yes", AspectRatio::Square, 1, "imagen4/fast"), false).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Transient);
    assert_eq!(emu.count_calls("POST", "/fal-ai/imagen4/preview/fast"), 8);

    // a 500 may come from the app after it took the job: a submit is not repeated on it
    // (fal_client never retries a 500), the runner decides later
    emu.fail_next([Fault::Status(500)]);
    let e = fal.submit(&imagen("yes", AspectRatio::Square, 1, "imagen4/fast"), false).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Transient);
    assert_eq!(emu.count_calls("POST", "/fal-ai/imagen4/preview/fast"), 9, "one call, no repeat");

    // FAL's "did not start in time" is final for that call
    emu.fail_next([Fault::UserTimeout]);
    let e = fal.status(&sub.provider).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Transient);
    assert!(e.detail.contains("did not start"), "{}", e.detail);
    assert!(fal.status(&sub.provider).await.is_ok(), "the next call is a new call");

    // downloads are retried the same way
    let out = fal.result(&sub.provider).await.unwrap();
    let ProviderOutput::Images(list) = out else { panic!() };
    emu.fail_next_downloads([Fault::Status(503), Fault::Status(500)]);
    assert!(probe(&fal.download(&list[0].url).await.unwrap()).is_some());
}

#[tokio::test]
async fn refused_input_names_the_field() {
    let emu = emulator(Knobs { invalid_marker: Some("#bad".into()), ..quick() }).await;
    let fal = client(&emu);
    // refused at submit: the schema's own limit
    let e = fal.submit(&imagen("xyz", AspectRatio::Square, 5, "imagen4/standard"), false).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::InvalidInput);
    assert!(e.detail.contains("num_images"), "{}", e.detail);
    assert_eq!(emu.count_calls("POST", "/fal-ai/imagen4/preview"), 1, "not retried");
    // refused by the model: the result says so
    let (_, out) = run(&fal, &lora_images("a #bad prompt", AspectRatio::Square, 1)).await;
    let e = out.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::InvalidInput);
    assert!(e.detail.contains("prompt:"), "{}", e.detail);
}

#[tokio::test]
async fn content_policy_is_its_own_error() {
    let emu = emulator(Knobs { content_policy_marker: Some("#policy".into()), ..quick() }).await;
    let fal = client(&emu);
    let (_, out) = run(&fal, &imagen("#policy", AspectRatio::Square, 1, "imagen4/ultra")).await;
    assert_eq!(out.unwrap_err().kind, ProviderErrorKind::ContentPolicy);
}

#[tokio::test]
async fn account_problems_are_reported_without_retrying() {
    let emu = emulator(Knobs { locked: true, ..quick() }).await;
    let fal = client(&emu);
    let e = fal.submit(&imagen("xyz", AspectRatio::Square, 1, "imagen4/fast"), false).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::OutOfCredit);
    assert_eq!(fal.upload_archive("a.zip", vec![1]).await.unwrap_err().kind, ProviderErrorKind::OutOfCredit);
    assert_eq!(emu.calls().len(), 2, "one call each");

    emu.update(|k| {
        k.locked = false;
        k.api_key = Some("another-key".into());
    });
    let e = fal.submit(&imagen("xyz", AspectRatio::Square, 1, "imagen4/fast"), false).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Auth);
    assert!(!format!("{fal:?} {e}").contains(common::KEY), "the key is never printed");

    let unknown = ProviderRef {
        request_id: "r".into(),
        model: "fal-ai/not-a-model".into(),
        status_url: None,
        response_url: None,
        cancel_url: None,
    };
    emu.update(|k| k.api_key = None);
    assert_eq!(fal.result(&unknown).await.unwrap_err().kind, ProviderErrorKind::NotFound);
}

#[tokio::test]
async fn downloads_stop_at_the_size_cap() {
    let emu = emulator(quick()).await;
    let mut cfg = config(&emu);
    cfg.max_download_bytes = 4_000;
    let fal = FalClient::new(cfg).unwrap();
    let (_, out) = run(&fal, &imagen("xyz", AspectRatio::Square, 1, "imagen4/fast")).await;
    let ProviderOutput::Images(list) = out.unwrap() else { panic!() };
    let e = fal.download(&list[0].url).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::InvalidInput);
    assert!(!e.is_retryable() && e.detail.contains("limit"), "{}", e.detail);
    emu.update(|k| k.chunked_files = true);
    let e = fal.download(&list[0].url).await.unwrap_err();
    assert!(e.detail.contains("limit"), "caught while streaming too: {}", e.detail);
    assert_eq!(emu.count_calls("GET", "/_files/"), 2, "never retried");

    let missing = format!("{}/_files/nope/0.jpg", emu.url());
    assert_eq!(client(&emu).download(&missing).await.unwrap_err().kind, ProviderErrorKind::NotFound);
}

#[tokio::test]
async fn a_retired_model_is_not_found_and_names_itself() {
    let emu = emulator(Knobs { retired_models: vec!["fal-ai/imagen4/preview".into()], ..quick() }).await;
    let fal = client(&emu);
    let e = fal.submit(&imagen("a red fox", AspectRatio::Square, 1, "imagen4/standard"), false).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::NotFound);
    assert!(e.detail.contains("fal-ai/imagen4/preview"), "{}", e.detail);
    assert_eq!(emu.count_calls("POST", "/fal-ai/imagen4/preview"), 1, "not retried");
}

#[tokio::test]
async fn a_completed_job_whose_result_is_a_server_error_is_final() {
    let emu = emulator(Knobs { server_error_marker: Some("#boom".into()), ..quick() }).await;
    let fal = client(&emu);
    let (_, out) = run(&fal, &imagen("a fox #boom", AspectRatio::Square, 1, "nano-banana-2")).await;
    let e = out.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Failed, "{e}");
    assert!(!e.is_retryable(), "FAL retried it already: the job is over");
}

#[tokio::test]
async fn a_training_keeps_its_lora_a_week_and_the_archive_one_day() {
    let emu = emulator(quick()).await;
    let fal = client(&emu);
    let url = fal.upload_archive("faces.zip", b"PK\x03\x04".to_vec()).await.unwrap();
    let lifetimes = emu.upload_lifetimes();
    assert_eq!(lifetimes, [("faces.zip".to_owned(), Some(Duration::from_secs(24 * 3600)))]);
    let sub = fal.submit(&ProviderRequest::Training { archive_url: url, trigger: "TOK".into() }, false).await.unwrap();
    let info = emu.request(&sub.provider.request_id).unwrap();
    assert_eq!(
        info.lifecycle,
        Some(serde_json::json!({"expiration_duration_seconds": 7 * 24 * 3600})),
        "kept past FAL's default, and past the runner's re-upload age"
    );
    let images = fal.submit(&imagen("a fox", AspectRatio::Square, 1, "nano-banana-2"), false).await.unwrap();
    assert_eq!(emu.request(&images.provider.request_id).unwrap().lifecycle, None, "results are copied at once");
}

#[tokio::test]
async fn a_submit_answered_5xx_with_a_request_id_is_looked_up_not_repeated() {
    let emu = emulator(quick()).await;
    let fal = client(&emu);
    emu.fail_next_submits_after_taking(1);
    let sub = fal.submit(&imagen("a red fox", AspectRatio::Square, 1, "nano-banana-2"), false).await.unwrap();
    assert_eq!(emu.requests().len(), 1, "one request at FAL");
    assert_eq!(sub.provider.request_id, emu.requests()[0].id, "the one FAL took is followed");
    assert_eq!(emu.count_calls("POST", "/fal-ai/nano-banana-2"), 1, "not submitted again");
    assert!(emu.calls().iter().any(|c| c.method == "POST" && c.status == 503), "FAL did answer 503");
    until_completed(&fal, &sub.provider).await;
    assert!(matches!(fal.result(&sub.provider).await.unwrap(), ProviderOutput::Images(v) if v.len() == 1));
}
