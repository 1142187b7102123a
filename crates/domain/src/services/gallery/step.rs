//! A gallery step (⬅️ or ➡️ on a card): the hot path, one round trip to each store.
//!
//! The button carries everything the step needs to know before any store answers: the card
//! it was pressed on and the filter that card was shown under. So a step reads the user, the
//! next card and its position in one statement ([`Gallery::step`](crate::ports::Gallery::step)),
//! and then writes the gallery session together with the update's claim in one more
//! ([`SessionStore::put_claimed`](crate::ports::SessionStore::put_claimed)). Nothing is read
//! from the session on this path: the card on the screen is where the user is.
//!
//! A filter with dates needs the user's timezone before its bounds are known, so such a step
//! reads the user first and then the same statement (two in all). A step whose card is gone,
//! or was the last one that way, finds its card by the general reads (the remembered place
//! and its neighbours, as `show` does).

use super::{GalleryService, View};
use crate::coordination::UpdateClaim;
use crate::gallery::{Filter, ImageRecord, Position};
use crate::ports::StoreError;
use crate::services::gallery::Nav;
use crate::session::{self, SessionKey};
use crate::{ImageId, TelegramUserId, Timezone, User};

/// A step pressed on a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The card the button was on.
    pub from: ImageId,
    /// ➡️ (older) or ⬅️ (newer).
    pub older: bool,
    /// The filter that card was shown under.
    pub filter: Filter,
}

/// What a step's one read found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRead {
    /// The user as stored; `None` when not read (a filter with dates) or not registered.
    pub user: Option<User>,
    /// The next card and its position, when the read could tell.
    pub card: Option<(ImageRecord, Position)>,
}

impl GalleryService {
    /// The user and the card a step leads to, in one round trip when the filter has no dates.
    pub async fn step_read(&self, telegram: TelegramUserId, step: Step) -> Result<StepRead, StoreError> {
        if !step.read_at_once() {
            return Ok(StepRead { user: None, card: None });
        }
        // without dates the bounds do not depend on the timezone
        let q = step.filter.resolve(self.env.now(), Timezone::UTC);
        Ok(match self.gallery.step(telegram, &q, step.from, step.older).await? {
            Some((user, card)) => StepRead { user: Some(user), card },
            None => StepRead { user: None, card: None },
        })
    }

    /// Finishes a step for `user` (as registered): finds the card when the read could not,
    /// and remembers it in the gallery session together with the update's claim (when there
    /// is an update to claim). `None`: an earlier delivery of this update was answered
    /// already, so nothing is said again.
    pub async fn step_settle(
        &self,
        user: &User,
        step: Step,
        card: Option<(ImageRecord, Position)>,
        update_id: Option<i64>,
    ) -> Result<Option<View>, StoreError> {
        let found = match card {
            Some(found) => Some(found),
            // the read waited for the user's timezone: the same one statement, now
            None if !step.read_at_once() => {
                let q = step.filter.resolve(self.env.now(), user.settings.timezone);
                match self.gallery.step(user.profile.telegram_id, &q, step.from, step.older).await? {
                    Some((_, Some(found))) => Some(found),
                    _ => self.locate_from(user, step).await?,
                }
            }
            None => self.locate_from(user, step).await?,
        };
        let (view, session) = Self::viewed(step.filter, found);
        let (key, value) = (SessionKey::gallery(user.id), session::encode(&session));
        let first = match update_id {
            Some(id) => self.sessions.put_claimed(&UpdateClaim::of(id), &key, value, self.session_ttl).await?,
            None => {
                self.sessions.put(&key, value, self.session_ttl).await?;
                true
            }
        };
        Ok(first.then_some(view))
    }

    /// The card a step leads to by the general reads: from the pressed card, or from the
    /// remembered place when that card is gone; its neighbours or the newest when nothing lies
    /// that way.
    async fn locate_from(&self, user: &User, step: Step) -> Result<Option<(ImageRecord, Position)>, StoreError> {
        let nav = if step.older { Nav::Older } else { Nav::Newer };
        let cursor = match self.gallery.get(user.id, step.from).await? {
            Some(img) => Some(img.cursor()),
            None => self.session(user).await?.cursor,
        };
        self.locate(user, &step.filter, cursor, nav).await
    }
}

impl Step {
    /// Whether the user and the next card are read in one statement before the user is
    /// known: a filter with dates needs the user's timezone for its bounds first.
    fn read_at_once(&self) -> bool {
        self.filter.date.is_none()
    }
}
