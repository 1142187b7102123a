//! The prompt assistant: a language model that rewrites a user's description as a prompt an
//! image model reads well (in English for FLUX with an avatar), or describes a photo the user
//! sent as such a prompt. The rules — what to ask, how to read the answer, how often a user may
//! ask — are here; the port only carries the question to a model and its answer back.

use crate::Prompt;
use async_trait::async_trait;

/// What the assistant is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Translate a description into English and enrich it lightly for a photo of the user's
    /// avatar (FLUX reads English; the trigger word is added afterwards, not by the model).
    AvatarPrompt,
    /// Rewrite a description as a detailed prompt for a catalog model, in the user's language.
    ImprovePrompt,
    /// Describe a photo as a prompt for a photo of the user's avatar in that scene: setting,
    /// clothing, light, framing and pose — never the face or identity of whoever is in it.
    SceneFromPhoto,
    /// Describe a photo as a prompt that recreates it.
    PromptFromPhoto,
}

impl Task {
    /// The instructions the model is given (its system prompt), in English, which every model
    /// behind the router follows best.
    pub fn instructions(self) -> &'static str {
        match self {
            Task::AvatarPrompt => {
                "You write prompts for a photographic image model that reads English only. Translate the \
                 user's description into English if it is in another language, keep every detail they \
                 asked for, and add only what makes a good photograph: setting, light, lens, mood. The \
                 picture is of one person, called 'the person'; do not describe their face or name them. \
                 Answer with the prompt alone: one paragraph, no quotes, no lists, at most 80 words."
            }
            Task::ImprovePrompt => {
                "You improve prompts for an image model. Rewrite the user's description as one detailed \
                 prompt in the same language it is written in: keep everything they asked for, add \
                 composition, style, light and colour where they said nothing. Answer with the prompt \
                 alone: one paragraph, no quotes, no lists, at most 80 words."
            }
            Task::SceneFromPhoto => {
                "Describe the scene of this photo as an English prompt for a photographic image model that \
                 will put another person into it: the place, the clothing, the pose, the light, the camera \
                 angle and framing. Do not describe anyone's face, age, ethnicity or identity; call the \
                 subject 'the person'. Answer with the prompt alone: one paragraph, no quotes, at most 80 \
                 words."
            }
            Task::PromptFromPhoto => {
                "Describe this photo as a prompt for an image model that should recreate it: subject, \
                 setting, style, light, colours, framing. Do not identify real people. Answer with the \
                 prompt alone in English: one paragraph, no quotes, at most 80 words."
            }
        }
    }

    /// Whether the task reads a photo (the vision model) or only text.
    pub fn needs_photo(self) -> bool {
        matches!(self, Task::SceneFromPhoto | Task::PromptFromPhoto)
    }
}

/// One question for the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub task: Task,
    /// The user's description (empty for a photo task).
    pub text: String,
    /// The photo's bytes (JPEG or PNG), for a photo task.
    pub photo: Option<Vec<u8>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssistantErrorKind {
    /// The provider or the model is down, slow or out of credit: the order goes on without it.
    Unavailable,
    /// The request was refused (content policy, a photo it cannot read).
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("prompt assistant {kind:?}: {detail}")]
pub struct AssistantError {
    pub kind: AssistantErrorKind,
    pub detail: String,
}

impl AssistantError {
    pub fn new(kind: AssistantErrorKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into() }
    }
}

/// A language model that answers one question with text.
#[async_trait]
pub trait PromptAssistant: Send + Sync {
    async fn ask(&self, question: Question) -> Result<String, AssistantError>;
}

/// Whether a description needs translating before it goes to a model that reads English
/// only: it has a letter outside ASCII (Cyrillic, accented Latin…). Digits, punctuation and
/// emoji do not count.
pub fn needs_translation(prompt: &Prompt) -> bool {
    prompt.as_str().chars().any(|c| c.is_alphabetic() && !c.is_ascii())
}

/// The prompt in a model's answer: without the wrappers models add despite being told not to
/// (code fences, quotes, a "Prompt:" label, line breaks), as a valid [`Prompt`]. `None` when
/// nothing usable is left.
pub fn prompt_from_answer(answer: &str) -> Option<Prompt> {
    let mut text = answer.trim();
    if let Some(inner) = text.strip_prefix("```") {
        let inner = inner.split_once('\n').map_or("", |(_, rest)| rest);
        text = inner.strip_suffix("```").unwrap_or(inner).trim();
    }
    for label in ["Prompt:", "prompt:", "PROMPT:", "Промпт:", "Описание:"] {
        if let Some(rest) = text.strip_prefix(label) {
            text = rest.trim();
        }
    }
    let quotes: &[char] = &['"', '\'', '«', '»', '“', '”'];
    let text = text.trim_matches(quotes).trim();
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let capped: String = flat.chars().take(Prompt::MAX_CHARS).collect();
    Prompt::parse(&capped).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers_around_the_prompt_are_removed() {
        let cases = [
            ("A woman on a beach at sunset", "A woman on a beach at sunset"),
            ("  \"A woman on a beach\"  ", "A woman on a beach"),
            ("Prompt: a red fox,\nin snow", "a red fox, in snow"),
            ("```\na lighthouse at dawn\n```", "a lighthouse at dawn"),
            ("```text\n«маяк на рассвете»\n```", "маяк на рассвете"),
        ];
        for (answer, prompt) in cases {
            assert_eq!(
                prompt_from_answer(answer).map(|p| p.as_str().to_owned()).as_deref(),
                Some(prompt),
                "{answer:?}"
            );
        }
    }

    #[test]
    fn only_descriptions_with_letters_outside_ascii_need_translating() {
        let p = |s: &str| Prompt::parse(s).unwrap();
        assert!(needs_translation(&p("на пляже на закате")));
        assert!(needs_translation(&p("a café in Paris")));
        assert!(!needs_translation(&p("on a beach at sunset, 50mm, f/1.8 🌅")));
    }

    #[test]
    fn an_empty_or_tiny_answer_is_no_prompt_and_a_long_one_is_cut() {
        assert_eq!(prompt_from_answer(""), None);
        assert_eq!(prompt_from_answer("```\n```"), None);
        assert_eq!(prompt_from_answer("\"ok\""), None);
        let long = "word ".repeat(1000);
        assert_eq!(prompt_from_answer(&long).unwrap().as_str().chars().count(), Prompt::MAX_CHARS - 1);
    }

    #[test]
    fn only_photo_tasks_need_a_photo_and_every_task_has_instructions() {
        for task in [Task::AvatarPrompt, Task::ImprovePrompt, Task::SceneFromPhoto, Task::PromptFromPhoto] {
            assert!(task.instructions().len() > 100);
            assert!(task.instructions().is_ascii(), "instructions are English");
        }
        assert!(!Task::AvatarPrompt.needs_photo() && Task::SceneFromPhoto.needs_photo());
    }
}
