//! Turning what background work reports (`Notice`) into messages for the user.

use crate::bot::{Bot, button};
use crate::callback::Cb;
use crate::create::{delivery, failure_screen, status_screen, training_failure_screen};
use crate::html::escape;
use crate::io::{ChatAction, ChatId, MessageId, Outgoing, Reply};
use crate::texts::{Texts, texts, tr};
use aisha_domain::generation::{FailureKind, JobStatus};
use aisha_domain::ports::{Notice, StoreError};
use aisha_domain::{Avatar, Job, JobKind, UserId};

impl Bot {
    /// The replies a notice becomes. Progress is droppable; outcomes are not.
    pub async fn render_notice(&self, owner: UserId, notice: Notice) -> Result<Vec<Outgoing>, StoreError> {
        let Some(user) = self.users.get(owner).await? else { return Ok(Vec::new()) };
        let t = texts(user.settings.language);
        let chat = ChatId(user.profile.telegram_id.get());
        Ok(match notice {
            Notice::Progress { job } => {
                let (text, keyboard) = status_screen(t, &job, self.generation.env.now());
                let mut out = Vec::new();
                if let Some(message) = job.status_message {
                    out.push(Outgoing::progress(Reply::EditText { chat, message: MessageId(message), text, keyboard }));
                }
                // a training runs for minutes: no "sending a photo" indicator for it
                if job.status == JobStatus::Running && job.spec.kind() != JobKind::Training {
                    out.push(Outgoing::progress(Reply::Action { chat, action: ChatAction::UploadPhoto }));
                }
                out
            }
            Notice::Working { job } => match job.spec.kind() {
                JobKind::Training => Vec::new(),
                _ => vec![Outgoing::progress(Reply::Action { chat, action: ChatAction::UploadPhoto })],
            },
            Notice::Delivering { job } => {
                let mut out = Vec::new();
                if let Some(message) = job.status_message {
                    let text = tr!(t, "status-delivering");
                    out.push(Outgoing::progress(Reply::EditText {
                        chat,
                        message: MessageId(message),
                        text,
                        keyboard: None,
                    }));
                }
                out.push(Outgoing::progress(Reply::Action { chat, action: ChatAction::UploadPhoto }));
                out
            }
            Notice::Succeeded { job, images } => {
                // the balance is a courtesy: an outcome is never held back for it
                let balance = self.ledger.balance(owner).await.ok();
                delivery(t, chat, &job, &images, balance)
            }
            Notice::Failed { job } => {
                let (text, keyboard) = failure_screen(t, &job);
                let reply = match job.status_message {
                    Some(message) => Reply::EditText { chat, message: MessageId(message), text, keyboard },
                    None => Reply::SendText { chat, text, keyboard },
                };
                vec![Outgoing::critical(reply)]
            }
            Notice::TrainingFailed { job, avatar } => training_failed(t, chat, &job, avatar.as_ref()),
            Notice::TrainingReady { job, avatar } => training_ready(t, chat, &job, &avatar),
        })
    }
}

/// A training ends long after the user left the status message: the outcome is a new message
/// (edits do not notify), and the stale status message goes away. A cancel the user pressed
/// is shown in place.
fn training_failed(t: &Texts, chat: ChatId, job: &Job, avatar: Option<&Avatar>) -> Vec<Outgoing> {
    let name = avatar.map(|a| a.name.to_string());
    let (text, keyboard) = training_failure_screen(t, job, name.as_deref());
    let cancelled = job.failure.as_ref().is_some_and(|f| f.kind == FailureKind::Cancelled);
    match (job.status_message, cancelled) {
        (Some(message), true) => {
            vec![Outgoing::critical(Reply::EditText { chat, message: MessageId(message), text, keyboard })]
        }
        (status, _) => {
            let mut out: Vec<Outgoing> =
                status.map(|m| Outgoing::normal(Reply::Delete { chat, message: MessageId(m) })).into_iter().collect();
            out.push(Outgoing::critical(Reply::SendText { chat, text, keyboard }));
            out
        }
    }
}

/// A trained avatar: a new message with the way to its photos (the status message goes away).
fn training_ready(t: &Texts, chat: ChatId, job: &Job, avatar: &Avatar) -> Vec<Outgoing> {
    let text = tr!(t, "training-ready", name = &escape(avatar.name.as_str()));
    let keyboard = vec![
        vec![button(tr!(t, "btn-create-photos"), Cb::WithAvatar(avatar.id))],
        vec![button(tr!(t, "btn-avatars-back"), Cb::Avatars), button(tr!(t, "btn-menu"), Cb::Menu)],
    ];
    let mut out = Vec::new();
    if let Some(message) = job.status_message {
        out.push(Outgoing::normal(Reply::Delete { chat, message: MessageId(message) }));
    }
    out.push(Outgoing::critical(Reply::SendText { chat, text, keyboard: Some(keyboard) }));
    out
}
