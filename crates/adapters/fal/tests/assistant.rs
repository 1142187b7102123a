//! The prompt assistant against the FAL emulator: each request carries only what FAL's
//! published router schemas list (checked against the vendored files here and by the
//! emulator, which refuses anything else with FAL's 422), a photo goes to FAL's storage first,
//! and every failure is an error the order survives.

mod common;

use aisha_domain::assistant::{AssistantErrorKind, PromptAssistant, Question, Task};
use aisha_fal::{AssistantConfig, FalAssistant};
use aisha_sandbox::fal::schemas::{Direction, check};
use aisha_sandbox::fal::{FalEmulator, Fault, Knobs};
use std::time::Duration;

async fn assistant(knobs: Knobs) -> (FalEmulator, FalAssistant) {
    let emu = FalEmulator::start_with(knobs).await.unwrap();
    let assistant = FalAssistant {
        client: common::client(&emu),
        config: AssistantConfig {
            timeout: Duration::from_secs(5),
            poll_every: Duration::from_millis(10),
            ..Default::default()
        },
    };
    (emu, assistant)
}

fn question(task: Task, text: &str, photo: Option<Vec<u8>>) -> Question {
    Question { task, text: text.into(), photo }
}

#[tokio::test]
async fn a_russian_description_comes_back_as_an_english_prompt_from_the_text_router() {
    let (emu, assistant) = assistant(common::quick()).await;
    let answer = assistant.ask(question(Task::AvatarPrompt, "на пляже на закате", None)).await.unwrap();
    assert!(answer.is_ascii() && answer.contains("na plyazhe na zakate"), "{answer}");
    let requests = emu.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].model, "openrouter/router");
    assert_eq!(requests[0].input["model"], "google/gemini-2.5-flash");
    assert_eq!(requests[0].input["system_prompt"], Task::AvatarPrompt.instructions());
    assert_eq!(check("openrouter/router", Direction::Input, &requests[0].input), Some(vec![]), "the published schema");
}

#[tokio::test]
async fn a_photo_is_uploaded_then_described_by_the_vision_router() {
    let (emu, assistant) = assistant(common::quick()).await;
    let photo = aisha_domain::media::fixtures::png_header(800, 600);
    let answer = assistant.ask(question(Task::SceneFromPhoto, "", Some(photo.clone()))).await.unwrap();
    assert!(answer.contains("the person"), "{answer}");
    assert_eq!(emu.uploads().len(), 1, "the photo went to FAL's storage");
    let request = &emu.requests()[0];
    assert_eq!(request.model, "openrouter/router/vision");
    let urls = request.input["image_urls"].as_array().unwrap();
    assert_eq!(urls.len(), 1);
    assert!(urls[0].as_str().unwrap().starts_with(&emu.url()), "{urls:?}");
    assert_eq!(check("openrouter/router/vision", Direction::Input, &request.input), Some(vec![]));
    // the built request, for each task, validates too
    for task in [Task::AvatarPrompt, Task::ImprovePrompt, Task::SceneFromPhoto, Task::PromptFromPhoto] {
        let url = task.needs_photo().then_some("https://v3.fal.media/files/x/photo.png");
        let (endpoint, input) = assistant.input_for(&question(task, "маяк", None), url);
        assert_eq!(check(endpoint, Direction::Input, &input), Some(vec![]), "{task:?}: {input}");
    }
    let not_a_photo = assistant.ask(question(Task::SceneFromPhoto, "", Some(b"%PDF-1.4".to_vec()))).await.unwrap_err();
    assert_eq!(not_a_photo.kind, AssistantErrorKind::Refused);
}

#[tokio::test]
async fn failures_are_errors_with_a_kind_and_never_hang() {
    let knobs =
        Knobs {
            content_policy_marker: Some("запрещ".into()), stuck_marker: Some("вечно".into()), ..common::quick()
        };
    let (emu, mut assistant) = assistant(knobs).await;
    let refused = assistant.ask(question(Task::ImprovePrompt, "что-то запрещённое", None)).await.unwrap_err();
    assert_eq!(refused.kind, AssistantErrorKind::Refused, "{refused}");
    emu.fail_next([Fault::Status(503), Fault::Status(503), Fault::Status(503), Fault::Status(503)]);
    let down = assistant.ask(question(Task::ImprovePrompt, "маяк", None)).await.unwrap_err();
    assert_eq!(down.kind, AssistantErrorKind::Unavailable, "{down}");
    assistant.config.timeout = Duration::from_millis(300);
    let slow = assistant.ask(question(Task::ImprovePrompt, "ждать вечно", None)).await.unwrap_err();
    assert_eq!(slow.kind, AssistantErrorKind::Unavailable, "{slow}");
}
