//! The prompt assistant on a user's behalf: the daily allowance holds, and every failure is a
//! refusal the order survives (the caller keeps the user's own words).

use aisha_domain::assistant::{AssistantError, AssistantErrorKind, Question, Task};
use aisha_domain::services::assistant::{HelpRefusal, PromptHelp};
use aisha_domain::{Clock, UserId};
use aisha_memory::{ManualClock, MemoryRateLimiter, ScriptedAssistant};
use std::sync::Arc;
use uuid::Uuid;

fn block<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

fn question(text: &str) -> Question {
    Question { task: Task::AvatarPrompt, text: text.into(), photo: None }
}

fn help(daily_free: u32) -> (PromptHelp, Arc<ScriptedAssistant>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::default());
    let assistant = Arc::new(ScriptedAssistant::default());
    let limiter = Arc::new(MemoryRateLimiter::new(clock.clone() as Arc<dyn Clock>));
    (PromptHelp { assistant: assistant.clone(), limiter, daily_free }, assistant, clock)
}

#[test]
fn a_users_daily_allowance_holds_and_refills() {
    let (help, assistant, clock) = help(3);
    let (me, other) = (UserId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
    for _ in 0..3 {
        assert!(block(help.ask(me, question("на пляже на закате"))).is_ok());
    }
    let Err(HelpRefusal::DailyLimit { retry_after }) = block(help.ask(me, question("в горах"))) else {
        panic!("the fourth question of the day is refused")
    };
    assert!(retry_after.as_secs() > 3600, "the next one comes hours later: {retry_after:?}");
    assert!(block(help.ask(other, question("в горах"))).is_ok(), "each user has an allowance of their own");
    assert_eq!(assistant.asked().len(), 4, "the refused question never reached the model");
    clock.advance(chrono::Duration::hours(9));
    assert!(block(help.ask(me, question("в горах"))).is_ok(), "a third of a day refills one question");
}

#[test]
fn failures_are_refusals_with_a_reason_and_the_answer_is_cleaned() {
    let (help, assistant, _) = help(10);
    let me = UserId(Uuid::from_u128(1));
    assistant.answer_next(Ok("Prompt: \"the person on a beach at sunset, golden light\"".into()));
    let prompt = block(help.ask(me, question("на пляже на закате"))).unwrap();
    assert_eq!(prompt.as_str(), "the person on a beach at sunset, golden light");
    assert_eq!(assistant.asked()[0].text, "на пляже на закате");

    assistant.answer_next(Err(AssistantError::new(AssistantErrorKind::Unavailable, "503")));
    assert_eq!(block(help.ask(me, question("в горах"))), Err(HelpRefusal::Unavailable));
    assistant.answer_next(Err(AssistantError::new(AssistantErrorKind::Refused, "content policy")));
    assert_eq!(block(help.ask(me, question("в горах"))), Err(HelpRefusal::Unusable));
    assistant.answer_next(Ok("```\n```".into()));
    assert_eq!(block(help.ask(me, question("в горах"))), Err(HelpRefusal::Unusable));

    let (off, asked, _) = help_off();
    assert_eq!(block(off.ask(me, question("в горах"))), Err(HelpRefusal::Off));
    assert!(asked.asked().is_empty());
}

fn help_off() -> (PromptHelp, Arc<ScriptedAssistant>, Arc<ManualClock>) {
    help(0)
}
