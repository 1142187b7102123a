//! What the bot is waiting for from a user: one value per user, stored through the domain's
//! `SessionStore` with a TTL, so a restart or another replica continues the conversation.

use aisha_domain::generation::JobSpec;
use aisha_domain::style::StyleKey;
use aisha_domain::{AspectRatio, AvatarId, AvatarName, ImageCount, JobId, ModelKey, Prompt};
use serde::{Deserialize, Serialize};

/// A description being turned into an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub prompt: Prompt,
    pub aspect: Option<AspectRatio>,
    pub count: Option<ImageCount>,
    /// The catalog model (`variant` before the catalog); not asked for photos with an avatar.
    #[serde(alias = "variant")]
    pub model: Option<ModelKey>,
    /// Minted when the draft is made: confirming twice starts one job.
    pub job: JobId,
    /// "Photos with me": the avatar (FLUX with its LoRA) instead of a catalog model.
    #[serde(default)]
    pub avatar: Option<AvatarId>,
    /// The assistant's rewrite of `prompt`, shown for the user to take or leave.
    #[serde(default)]
    pub proposal: Option<Prompt>,
    /// Photos with an avatar: the assistant's English for `prompt`, which is what is sent.
    #[serde(default)]
    pub sent: Option<Prompt>,
    /// Photos with an avatar: `prompt` goes as it is — the user asked for that, or the
    /// translation failed (the user was told) — and is not offered for translation again.
    #[serde(default)]
    pub untranslated: bool,
}

impl Draft {
    /// The job, once every question is answered.
    pub fn spec(&self) -> Option<JobSpec> {
        Some(match self.avatar {
            Some(avatar) => {
                let prompt = self.sent.clone().unwrap_or_else(|| self.prompt.clone());
                JobSpec::AvatarPhotos { avatar, prompt, aspect: self.aspect?, count: self.count? }
            }
            None => JobSpec::Text {
                prompt: self.prompt.clone(),
                aspect: self.aspect?,
                count: self.count?,
                model: self.model?,
            },
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "awaiting", rename_all = "snake_case")]
pub enum Dialogue {
    /// A description for a new picture; `like` carries the settings of the job being edited,
    /// `avatar` the avatar of "photos with me".
    Prompt {
        like: Option<(AspectRatio, ImageCount, ModelKey)>,
        #[serde(default)]
        avatar: Option<AvatarId>,
        /// A style was picked in Create: the next message is its subject.
        #[serde(default)]
        style: Option<StyleKey>,
    },
    /// Choosing format, count and model, then confirming.
    Create {
        draft: Draft,
    },
    /// A custom date range for the gallery filter.
    DateRange,
    /// A promo code; `refused` once one was turned down, so that a message that cannot be a
    /// code is taken for what it is rather than refused again.
    Promo {
        #[serde(default)]
        refused: bool,
    },
    Timezone,
    /// The name of a new avatar.
    AvatarName,
    /// The gender of a new avatar, named already.
    AvatarGender {
        name: AvatarName,
    },
    /// Photos (and albums, and image documents) go to this avatar.
    Upload {
        avatar: AvatarId,
    },
    /// The training confirmation is on screen; `job` makes a double press one charge.
    Train {
        avatar: AvatarId,
        job: JobId,
    },
    /// A new name for this avatar.
    Rename {
        avatar: AvatarId,
    },
    /// A payment question for the operators (/paysupport without a support contact).
    Support,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_prompt_dialogue_from_before_avatars_still_decodes() {
        let old = r#"{"awaiting":"prompt","like":null}"#;
        assert_eq!(
            serde_json::from_str::<Dialogue>(old).unwrap(),
            Dialogue::Prompt { like: None, avatar: None, style: None }
        );
        let draft = r#"{"awaiting":"create","draft":{"prompt":"a cat","aspect":null,"count":null,"variant":null,"job":"00000000-0000-0000-0000-000000000001"}}"#;
        let Dialogue::Create { draft } = serde_json::from_str::<Dialogue>(draft).unwrap() else { panic!() };
        assert_eq!(draft.avatar, None);
        let promo = r#"{"awaiting":"promo"}"#;
        assert_eq!(serde_json::from_str::<Dialogue>(promo).unwrap(), Dialogue::Promo { refused: false });
    }
}
