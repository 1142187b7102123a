//! Asking the prompt assistant on a user's behalf: within the user's daily allowance, and never
//! in the way of an order — every refusal says why, and the caller goes on with the user's own
//! words.

use crate::assistant::{AssistantErrorKind, PromptAssistant, Question, prompt_from_answer};
use crate::coordination::{Decision, Rate, RateLimiter};
use crate::{Prompt, UserId};
use std::sync::Arc;
use std::time::Duration;

/// Why the assistant gave no prompt. The order goes on with the user's own description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelpRefusal {
    /// The operator turned the assistant off (`assistant.daily_free = 0`).
    Off,
    /// The user's questions for today are used up; more are allowed after `retry_after`.
    DailyLimit { retry_after: Duration },
    /// The provider is down, slow or out of credit.
    Unavailable,
    /// The model refused, or answered nothing usable.
    Unusable,
}

pub struct PromptHelp {
    pub assistant: Arc<dyn PromptAssistant>,
    pub limiter: Arc<dyn RateLimiter>,
    /// Questions each user may ask per day, free of charge; 0 turns the assistant off.
    pub daily_free: u32,
}

impl PromptHelp {
    /// The allowance: `daily_free` questions, refilled evenly over a day.
    fn rate(&self) -> Option<Rate> {
        Rate::new(self.daily_free, Duration::from_secs(24 * 3600), self.daily_free).ok()
    }

    /// Asks `question` for `user`, counting it against the daily allowance (a question the
    /// provider fails still counts: it may have cost us).
    pub async fn ask(&self, user: UserId, question: Question) -> Result<Prompt, HelpRefusal> {
        let Some(rate) = self.rate() else { return Err(HelpRefusal::Off) };
        match self.limiter.try_acquire(&format!("assistant:{}", user.0), rate).await {
            Ok(Decision::Allowed) => {}
            Ok(Decision::Limited { retry_after }) => return Err(HelpRefusal::DailyLimit { retry_after }),
            Err(e) => {
                tracing::warn!(error = %e, "could not check the assistant allowance; going on without the assistant");
                return Err(HelpRefusal::Unavailable);
            }
        }
        let task = question.task;
        match self.assistant.ask(question).await {
            Ok(answer) => prompt_from_answer(&answer).ok_or_else(|| {
                tracing::warn!(?task, answer_chars = answer.chars().count(), "the assistant answered no usable prompt");
                HelpRefusal::Unusable
            }),
            Err(e) => {
                tracing::warn!(?task, error = %e, "the prompt assistant failed; the user's own description is used");
                Err(match e.kind {
                    AssistantErrorKind::Unavailable => HelpRefusal::Unavailable,
                    AssistantErrorKind::Refused => HelpRefusal::Unusable,
                })
            }
        }
    }
}
