//! What a job costs and the limits around it: the price table and the quote fixed at
//! creation, the refund rule, the deadlines, and the per-user in-flight limit.

use super::{JobKind, JobSpec};
use crate::Coins;
use crate::catalog::Catalog;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Prices in coins (operator configuration): the catalog's per-image prices, and the avatar's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceTable {
    pub catalog: Catalog,
    pub avatar_photo: Coins,
    pub training: Coins,
}

impl Default for PriceTable {
    fn default() -> Self {
        let c = |n| Coins::new(n).expect("positive literal");
        Self { catalog: Catalog::default(), avatar_photo: c(5), training: c(150) }
    }
}

/// The price of one job, fixed when it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub unit_price: Coins,
    pub units: u8,
    pub total: Coins,
}

impl PriceTable {
    /// `None` for a model the catalog does not have (any more).
    pub fn unit_price(&self, spec: &JobSpec) -> Option<Coins> {
        match spec {
            JobSpec::Text { model, .. } => self.catalog.get(*model).map(|m| m.price),
            JobSpec::AvatarPhotos { .. } => Some(self.avatar_photo),
            JobSpec::Training { .. } => Some(self.training),
        }
    }

    pub fn quote(&self, spec: &JobSpec) -> Option<Quote> {
        let unit_price = self.unit_price(spec)?;
        let units = spec.units();
        let total = unit_price.checked_mul(u32::from(units)).expect("configured prices are small");
        Some(Quote { unit_price, units, total })
    }
}

/// How long a job may take from creation before the sweeper fails and refunds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    pub images: Duration,
    pub training: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self { images: Duration::minutes(10), training: Duration::hours(2) }
    }
}

impl Deadlines {
    pub fn deadline(&self, spec: &JobSpec, created_at: DateTime<Utc>) -> DateTime<Utc> {
        created_at
            + match spec.kind() {
                JobKind::Training => self.training,
                JobKind::Text | JobKind::AvatarPhotos => self.images,
            }
    }
}

/// The per-user limit on jobs that have not ended yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlightLimit(pub u32);

impl Default for InFlightLimit {
    fn default() -> Self {
        Self(3)
    }
}

impl InFlightLimit {
    /// Whether one more job may start while `current` are in flight.
    pub fn allows_another(self, current: u32) -> bool {
        current < self.0
    }
}

/// The limits a store enforces inside the transaction that creates a job.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLimits {
    pub in_flight: InFlightLimit,
    /// For trainings: the avatar needs at least `photos.min_photos` photos.
    pub photos: crate::avatar::PhotoRules,
}

/// The refund rule: every unit paid for and not delivered is returned, nothing else.
pub fn refund_for(quote: &Quote, delivered: u8) -> Coins {
    let missing = quote.units.saturating_sub(delivered);
    quote.unit_price.checked_mul(u32::from(missing)).expect("bounded by the charge")
}
