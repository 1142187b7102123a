//! Browsing the gallery: one session (filter + position) per user, keyset navigation that
//! keeps the user's place through new images, favorites and deletions.

use super::Env;
use crate::gallery::{CardAt, Cursor, Filter, GalleryCounts, GallerySession, ImageRecord, Position, start_of_month};
use crate::ports::{Gallery, ImageStore, Ledger, SessionStore, StoreError};
use crate::session::{self, SessionKey};
use crate::{Coins, ImageId, User};
use std::sync::Arc;
use std::time::Duration;

mod step;
pub use step::{Step, StepRead};

pub struct GalleryService {
    pub gallery: Arc<dyn Gallery>,
    pub sessions: Arc<dyn SessionStore>,
    pub images: Arc<dyn ImageStore>,
    pub ledger: Arc<dyn Ledger>,
    pub env: Env,
    /// How long an untouched gallery session lives (operator configuration, 30 days).
    pub session_ttl: Duration,
}

/// Where to go from the current card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    /// Stay on the card the session points at (or its nearest neighbour if it is gone).
    Current,
    Newest,
    Older,
    Newer,
    /// A specific image (e.g. "open in gallery" from a result); owner-scoped.
    To(ImageId),
}

/// One card as the bot renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    pub image: ImageRecord,
    pub position: Position,
    pub filter: Filter,
}

/// What the gallery shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    Card(Box<Card>),
    /// Nothing matches; `filter` says whether a reset would help.
    Empty {
        filter: Filter,
    },
}

/// Where a grid page starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GridFrom {
    /// The newest images under the filter.
    Newest,
    /// The images just older than this one (the next page).
    OlderThan(ImageId),
    /// The images just newer than this one (the previous page).
    NewerThan(ImageId),
}

/// Up to [`GRID_PAGE`] images under the current filter, newest first, with where the page
/// stands: `first` is the 1-based index of its first image among `total`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridPage {
    pub images: Vec<ImageRecord>,
    pub first: u64,
    pub total: u64,
    pub filter: Filter,
}

impl GridPage {
    pub fn has_newer(&self) -> bool {
        self.first > 1
    }

    pub fn has_older(&self) -> bool {
        self.first + (self.images.len() as u64) <= self.total
    }
}

/// The images on one grid page: Telegram's album limit.
pub const GRID_PAGE: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    pub counts: GalleryCounts,
    pub spent: Coins,
}

impl GalleryService {
    pub async fn session(&self, user: &User) -> Result<GallerySession, StoreError> {
        let key = SessionKey::gallery(user.id);
        Ok(self.sessions.get(&key).await?.and_then(|raw| session::decode(&key, &raw)).unwrap_or_default())
    }

    async fn save(&self, user: &User, s: &GallerySession) -> Result<(), StoreError> {
        self.sessions.put(&SessionKey::gallery(user.id), session::encode(s), self.session_ttl).await
    }

    /// Moves within the current filter and remembers where the user is.
    pub async fn show(&self, user: &User, nav: Nav) -> Result<View, StoreError> {
        let mut s = self.session(user).await?;
        let found = match nav {
            Nav::To(id) => match self.gallery.get(user.id, id).await? {
                Some(img) => {
                    let q = s.filter.resolve(self.env.now(), user.settings.timezone);
                    if !q.matches(&img) {
                        // the image is outside the filter: show it unfiltered rather than hide it
                        s.filter = Filter::default();
                    }
                    let q = s.filter.resolve(self.env.now(), user.settings.timezone);
                    let position = self.gallery.position(user.id, &q, img.cursor()).await?;
                    Some((img, position))
                }
                None => self.locate(user, &s.filter, s.cursor, Nav::Current).await?,
            },
            nav => self.locate(user, &s.filter, s.cursor, nav).await?,
        };
        let (view, session) = Self::viewed(s.filter, found);
        self.save(user, &session).await?;
        Ok(view)
    }

    /// The card `nav` leads to from `cursor` under `filter`: the remembered card's neighbour
    /// when it is gone (deleted, or filtered out), the newest when there is nothing near.
    async fn locate(
        &self,
        user: &User,
        filter: &Filter,
        cursor: Option<Cursor>,
        nav: Nav,
    ) -> Result<Option<(ImageRecord, Position)>, StoreError> {
        let q = filter.resolve(self.env.now(), user.settings.timezone);
        let at = |at: CardAt| self.gallery.card_with_position(user.id, &q, at);
        let mut found = match (nav, cursor) {
            (Nav::Older, Some(c)) => match at(CardAt::Older(c)).await? {
                None => at(CardAt::Exact(c)).await?,
                some => some,
            },
            (Nav::Newer, Some(c)) => match at(CardAt::Newer(c)).await? {
                None => at(CardAt::Exact(c)).await?,
                some => some,
            },
            (Nav::Current | Nav::To(_), Some(c)) => at(CardAt::Exact(c)).await?,
            (Nav::Newest | Nav::Current | Nav::Older | Nav::Newer | Nav::To(_), _) => None,
        };
        if found.is_none()
            && let Some(c) = cursor
            && nav != Nav::Newest
        {
            found = match at(CardAt::Older(c)).await? {
                None => at(CardAt::Newer(c)).await?,
                some => some,
            };
        }
        if found.is_none() {
            found = at(CardAt::Newest).await?;
        }
        Ok(found)
    }

    /// What the user sees and the session that remembers it.
    fn viewed(filter: Filter, found: Option<(ImageRecord, Position)>) -> (View, GallerySession) {
        match found {
            Some((image, position)) => {
                let session = GallerySession { filter, cursor: Some(image.cursor()) };
                (View::Card(Box::new(Card { image, position, filter })), session)
            }
            None => (View::Empty { filter }, GallerySession { filter, cursor: None }),
        }
    }

    /// One page of the grid under the current filter (the session's position is left as it
    /// is). Keyset steps from the image the page continues from: no OFFSET, so a page is as
    /// quick at the 100 000th image as at the first. An image the user does not own, or one
    /// gone since, starts the grid from the newest.
    pub async fn grid(&self, user: &User, from: GridFrom) -> Result<GridPage, StoreError> {
        let s = self.session(user).await?;
        let q = s.filter.resolve(self.env.now(), user.settings.timezone);
        let owner = user.id;
        let anchor = match from {
            GridFrom::Newest => None,
            GridFrom::OlderThan(id) | GridFrom::NewerThan(id) => self.gallery.get(owner, id).await?,
        };
        let mut images: Vec<ImageRecord> = Vec::with_capacity(GRID_PAGE);
        match (from, &anchor) {
            (GridFrom::NewerThan(_), Some(a)) => {
                let mut cursor = a.cursor();
                while images.len() < GRID_PAGE {
                    let Some(img) = self.gallery.card(owner, &q, CardAt::Newer(cursor)).await? else { break };
                    cursor = img.cursor();
                    images.push(img);
                }
                images.reverse();
            }
            _ => {
                let mut at = match (from, &anchor) {
                    (GridFrom::OlderThan(_), Some(a)) => CardAt::Older(a.cursor()),
                    _ => CardAt::Newest,
                };
                while images.len() < GRID_PAGE {
                    let Some(img) = self.gallery.card(owner, &q, at).await? else { break };
                    at = CardAt::Older(img.cursor());
                    images.push(img);
                }
            }
        }
        if images.is_empty() && from != GridFrom::Newest {
            return Box::pin(self.grid(user, GridFrom::Newest)).await;
        }
        let (first, total) = match images.first() {
            Some(img) => {
                let p = self.gallery.position(owner, &q, img.cursor()).await?;
                (p.index, p.total)
            }
            None => (0, 0),
        };
        Ok(GridPage { images, first, total, filter: s.filter })
    }

    /// Changes the filter and shows its newest card.
    pub async fn set_filter(&self, user: &User, change: impl FnOnce(&mut Filter) + Send) -> Result<View, StoreError> {
        let mut s = self.session(user).await?;
        change(&mut s.filter);
        s.cursor = None;
        self.save(user, &s).await?;
        self.show(user, Nav::Newest).await
    }

    pub async fn filter(&self, user: &User) -> Result<Filter, StoreError> {
        Ok(self.session(user).await?.filter)
    }

    /// Toggles a favorite and shows the same card again (or its neighbour, if the filter is
    /// "favorites only" and it just left it), with whether the image is a favorite now. `None`
    /// if the image is not the user's.
    pub async fn toggle_favorite(&self, user: &User, id: ImageId) -> Result<Option<(bool, View)>, StoreError> {
        let Some(image) = self.gallery.toggle_favorite(user.id, id).await? else { return Ok(None) };
        Ok(Some((image.favorite, self.show(user, Nav::Current).await?)))
    }

    /// Deletes the row, then its stored object, and shows the neighbour. `None` if the image
    /// is not the user's. A storage failure leaves an orphan object, never a broken row.
    pub async fn delete(&self, user: &User, id: ImageId) -> Result<Option<View>, StoreError> {
        let Some(gone) = self.gallery.delete(user.id, id).await? else { return Ok(None) };
        if let Err(e) = self.images.delete(&gone.object.key).await {
            tracing::warn!(key = %gone.object.key, error = %e, "image row deleted but its object was not; it is orphaned");
        }
        Ok(Some(self.show(user, Nav::Current).await?))
    }

    pub async fn image(&self, user: &User, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        self.gallery.get(user.id, id).await
    }

    pub async fn stats(&self, user: &User) -> Result<Stats, StoreError> {
        let month = start_of_month(self.env.now(), user.settings.timezone);
        Ok(Stats {
            counts: self.gallery.counts(user.id, month).await?,
            spent: self.ledger.spent_on_jobs(user.id).await?,
        })
    }
}
