//! ⬅️ and ➡️ on a card: answered before, and instead of, the general path. The general path
//! reads the user, then the session, then the card, and writes the session; a step reads the
//! user with the next card in one statement and writes the session with the update's claim
//! in one more (see `GalleryService::step_read`). The intake leaves the claim to it
//! ([`Bot::claims_itself`]), so a step redelivered after a crash is still answered once.

use super::Origin;
use crate::bot::{Bot, Ctx};
use crate::callback::Cb;
use crate::io::{Event, Outgoing, Reply, Update};
use crate::texts::texts;
use aisha_domain::ports::StoreError;
use aisha_domain::services::gallery::Step;

impl Bot {
    /// The step an update presses, if it is one.
    pub(crate) fn step_pressed(update: &Update) -> Option<Step> {
        match &update.event {
            Event::Callback { data, .. } => match Cb::decode(data) {
                Some(Cb::Step(step)) => Some(step),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether handling this update takes its claim itself (a transport that claims updates
    /// before handling them must not claim this one): gallery steps do, with their session
    /// write.
    pub fn claims_itself(&self, update: &Update) -> bool {
        Self::step_pressed(update).is_some()
    }

    pub(crate) async fn step(&self, update: Update, step: Step) -> Result<Vec<Outgoing>, StoreError> {
        let Event::Callback { chat, message, query_id, .. } = update.event else { return Ok(Vec::new()) };
        let read = self.gallery.step_read(update.from.telegram_id, step).await?;
        let user = match read.user {
            Some(user) if user.profile == update.from && !user.blocked => user,
            // not read (a filter with dates), changed since, or blocked: the general way in
            _ => self.registered(update.from).await?.user,
        };
        let mut cx = Ctx { t: texts(user.settings.language), user, chat, out: Vec::new() };
        let Some(view) = self.gallery.step_settle(&cx.user, step, read.card, Some(update.id)).await? else {
            tracing::info!(update_id = update.id, "step delivered again; already answered");
            return Ok(Vec::new());
        };
        cx.out.push(Outgoing::normal(Reply::AnswerCallback { query_id, text: None, alert: false }));
        self.present(&mut cx, message.map_or(Origin::Text(None), Origin::Card), view, false);
        Ok(cx.out)
    }
}
