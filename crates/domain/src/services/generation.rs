//! Starting a paid job: price it, check it, and create it together with its charge.

use super::Env;
use crate::catalog::{Catalog, ModelKey};
use crate::generation::{Deadlines, Job, JobLimits, JobSpec, NewJob, PriceTable, Quote};
use crate::ports::{AvatarRefusal, CreateJobError, JobOrders, Ledger, StoreError};
use crate::{Coins, JobId, LedgerEntryId, UserId};
use std::sync::Arc;

pub struct Generation {
    /// Only what an order does with jobs: create one with its charge.
    pub jobs: Arc<dyn JobOrders>,
    pub ledger: Arc<dyn Ledger>,
    pub env: Env,
    pub prices: PriceTable,
    pub deadlines: Deadlines,
    pub limits: JobLimits,
}

/// Why a job was not started; each case is a different message to the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    #[error("not enough coins: the job costs {price}, the balance is {balance}")]
    InsufficientFunds { price: Coins, balance: Coins },
    #[error("{limit} jobs are already in progress")]
    TooManyInFlight { limit: u32 },
    /// The model is not offered any more (disabled or removed from the catalog since the
    /// draft was made), or cannot make this many images at this aspect ratio.
    #[error("the model {0} is not offered for this order")]
    ModelUnavailable(ModelKey),
    #[error(transparent)]
    Avatar(#[from] AvatarRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl StartError {
    /// For callers whose job cannot hit the business refusals (a training's offer): any of
    /// them is an internal error there.
    pub fn into_store(self) -> StoreError {
        match self {
            StartError::Store(e) => e,
            other => StoreError::internal_from("a job that cannot be refused was refused", other),
        }
    }
}

/// What the confirmation screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    pub quote: Quote,
    pub balance: Coins,
    /// The balance after paying, or `None` if the balance does not cover the price.
    pub balance_after: Option<Coins>,
}

impl Generation {
    pub fn catalog(&self) -> &Catalog {
        &self.prices.catalog
    }

    /// The price of a new order, or why it cannot be ordered: a description job needs a
    /// model the catalog offers that accepts its aspect ratio and count.
    pub fn quote(&self, spec: &JobSpec) -> Result<Quote, StartError> {
        if let JobSpec::Text { model, aspect, count, .. } = spec
            && !self.catalog().offered(*model).is_some_and(|m| m.accepts(*aspect, *count))
        {
            return Err(StartError::ModelUnavailable(*model));
        }
        // offered models are in the catalog, and avatar jobs have fixed prices
        self.prices.quote(spec).ok_or_else(|| StoreError::internal(format!("no price for {:?}", spec.kind())).into())
    }

    pub async fn offer(&self, owner: UserId, spec: &JobSpec) -> Result<Offer, StartError> {
        let quote = self.quote(spec)?;
        let balance = self.ledger.balance(owner).await?;
        Ok(Offer { quote, balance, balance_after: balance.checked_sub(quote.total) })
    }

    /// Creates the job with its charge. `id` makes it idempotent: a confirmation pressed twice
    /// carries the same id and starts (and charges) one job.
    pub async fn start(
        &self,
        owner: UserId,
        id: JobId,
        spec: JobSpec,
        status_message: Option<i32>,
    ) -> Result<Job, StartError> {
        let now = self.env.now();
        let quote = self.quote(&spec)?;
        let new = NewJob {
            id,
            owner,
            deadline: self.deadlines.deadline(&spec, now),
            spec,
            quote,
            status_message,
            created_at: now,
            debit_entry: LedgerEntryId(self.env.ids.new_uuid()),
        };
        match self.jobs.create_charged(new, &self.limits).await {
            Ok(created) => Ok(created.job),
            Err(CreateJobError::InsufficientFunds { balance, .. }) => {
                Err(StartError::InsufficientFunds { price: quote.total, balance })
            }
            Err(CreateJobError::TooManyInFlight { limit }) => Err(StartError::TooManyInFlight { limit }),
            Err(CreateJobError::Avatar(a)) => Err(StartError::Avatar(a)),
            Err(CreateJobError::UnknownUser) => {
                Err(StartError::Store(StoreError::internal(format!("job for unknown user {owner}"))))
            }
            Err(CreateJobError::Store(e)) => Err(StartError::Store(e)),
        }
    }
}
