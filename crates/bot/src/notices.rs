//! Turning what background work reports (`Notice`) into messages for the user.

use crate::bot::Bot;
use crate::create::{delivery, failure_screen, status_screen};
use crate::io::{ChatAction, ChatId, MessageId, Outgoing, Reply};
use crate::texts::texts;
use aisha_domain::UserId;
use aisha_domain::generation::JobStatus;
use aisha_domain::ports::{Notice, StoreError};

impl Bot {
    /// The replies a notice becomes. Progress is droppable; outcomes are not.
    pub async fn render_notice(&self, owner: UserId, notice: Notice) -> Result<Vec<Outgoing>, StoreError> {
        let Some(user) = self.users.get(owner).await? else { return Ok(Vec::new()) };
        let t = texts(user.settings.language);
        let chat = ChatId(user.profile.telegram_id.get());
        Ok(match notice {
            Notice::Progress { job } => {
                let (text, keyboard) = status_screen(t, &job);
                let mut out = Vec::new();
                if let Some(message) = job.status_message {
                    out.push(Outgoing::progress(Reply::EditText { chat, message: MessageId(message), text, keyboard }));
                }
                if job.status == JobStatus::Running {
                    out.push(Outgoing::progress(Reply::Action { chat, action: ChatAction::UploadPhoto }));
                }
                out
            }
            Notice::Succeeded { job, images } => delivery(t, chat, &job, &images),
            Notice::Failed { job } | Notice::TrainingFailed { job, .. } => {
                let (text, keyboard) = failure_screen(t, &job);
                let reply = match job.status_message {
                    Some(message) => Reply::EditText { chat, message: MessageId(message), text, keyboard },
                    None => Reply::SendText { chat, text, keyboard },
                };
                vec![Outgoing::critical(reply)]
            }
            Notice::TrainingReady { .. } => Vec::new(),
        })
    }
}
