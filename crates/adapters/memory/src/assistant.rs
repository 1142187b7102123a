//! A scripted prompt assistant: tests queue its answers (or failures) and read back what it
//! was asked. With nothing queued it answers a fixed English prompt naming the task.

use aisha_domain::assistant::{AssistantError, PromptAssistant, Question};
use async_trait::async_trait;
use std::collections::VecDeque;
use std::sync::Mutex;

#[derive(Default)]
pub struct ScriptedAssistant {
    answers: Mutex<VecDeque<Result<String, AssistantError>>>,
    asked: Mutex<Vec<Question>>,
}

impl ScriptedAssistant {
    /// The next question gets this answer (or error).
    pub fn answer_next(&self, answer: Result<String, AssistantError>) {
        self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push_back(answer);
    }

    /// Every question asked, in order.
    pub fn asked(&self) -> Vec<Question> {
        self.asked.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

#[async_trait]
impl PromptAssistant for ScriptedAssistant {
    async fn ask(&self, question: Question) -> Result<String, AssistantError> {
        let task = question.task;
        self.asked.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(question);
        let next = self.answers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front();
        next.unwrap_or_else(|| Ok(format!("a detailed photograph ({task:?})")))
    }
}
