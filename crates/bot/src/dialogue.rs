//! What the bot is waiting for from a user: one value per user, stored through the domain's
//! `SessionStore` with a TTL, so a restart or another replica continues the conversation.

use aisha_domain::generation::JobSpec;
use aisha_domain::{AspectRatio, ImageCount, ImagenVariant, JobId, Prompt};
use serde::{Deserialize, Serialize};

/// A description being turned into an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub prompt: Prompt,
    pub aspect: Option<AspectRatio>,
    pub count: Option<ImageCount>,
    pub variant: Option<ImagenVariant>,
    /// Minted when the draft is made: confirming twice starts one job.
    pub job: JobId,
}

impl Draft {
    pub fn spec(&self) -> Option<JobSpec> {
        Some(JobSpec::Imagen {
            prompt: self.prompt.clone(),
            aspect: self.aspect?,
            count: self.count?,
            variant: self.variant?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "awaiting", rename_all = "snake_case")]
pub enum Dialogue {
    /// A description for a new picture; `like` carries the settings of the job being edited.
    Prompt {
        like: Option<(AspectRatio, ImageCount, ImagenVariant)>,
    },
    /// Choosing format, count and quality, then confirming.
    Create {
        draft: Draft,
    },
    /// A custom date range for the gallery filter.
    DateRange,
    Promo,
    Timezone,
}
