//! Personal avatars: a LoRA trained on 10–20 of the user's photos, then used for
//! "photos with me".

use crate::generation::{FailureKind, JobSpec};
use crate::media::{self, ImageFormat};
use crate::storage::StoredObject;
use crate::{AvatarId, AvatarName, JobId, PhotoId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    /// The class noun that goes beside the trigger in a prompt, so the model draws the
    /// avatar as who they are ("aisha1a2b3c4d man, …") rather than guessing from the LoRA alone.
    pub fn class_word(self) -> &'static str {
        match self {
            Gender::Male => "man",
            Gender::Female => "woman",
        }
    }
}

/// ```text
/// Draft ──train──▶ Training ──▶ Ready
///   ▲                 │
///   └──cancelled──────┤
///                     └──▶ Failed ──train again──▶ Training
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AvatarStatus {
    /// Collecting photos.
    Draft,
    Training,
    Ready,
    Failed,
}

impl AvatarStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AvatarStatus::Draft => "draft",
            AvatarStatus::Training => "training",
            AvatarStatus::Ready => "ready",
            AvatarStatus::Failed => "failed",
        }
    }
}

/// The word that calls up the avatar in a prompt. Made once, when the avatar is created, and
/// stored; added to a prompt exactly once, at call time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TriggerPhrase(String);

impl TriggerPhrase {
    /// A token unlikely to mean anything to the model: `aisha` and the avatar id's first 8 hex.
    pub fn for_avatar(id: AvatarId) -> Self {
        Self(format!("aisha{}", &id.0.simple().to_string()[..8]))
    }

    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The prompt with the trigger in it exactly once, followed by the avatar's class word.
    pub fn inject(&self, prompt: &str, gender: Gender) -> String {
        let already = prompt.split(|c: char| !c.is_alphanumeric()).any(|word| word.eq_ignore_ascii_case(&self.0));
        if already { prompt.to_owned() } else { format!("{} {}, {}", self.0, gender.class_word(), prompt) }
    }
}

/// The trained model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lora {
    /// Where the provider reads the weights from. The provider's files expire, so this is
    /// replaced by a fresh upload of `stored` when it is old or gone.
    pub url: String,
    pub config_url: Option<String>,
    /// Our own copy of the weights, written when the training succeeded.
    #[serde(default)]
    pub stored: Option<crate::storage::StorageKey>,
    /// When `url` was issued (the training's end, or the last re-upload).
    #[serde(default)]
    pub refreshed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Lora {
    /// A LoRA as the provider returned it, before any copy is kept.
    pub fn at(url: impl Into<String>, config_url: Option<String>) -> Self {
        Self { url: url.into(), config_url, stored: None, refreshed_at: None }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Avatar {
    pub id: AvatarId,
    pub owner: UserId,
    pub name: AvatarName,
    pub gender: Gender,
    pub status: AvatarStatus,
    pub trigger: TriggerPhrase,
    pub is_main: bool,
    pub photo_count: u32,
    pub lora: Option<Lora>,
    pub training_job: Option<JobId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Avatar {
    pub fn new(id: AvatarId, owner: UserId, name: AvatarName, gender: Gender, now: DateTime<Utc>) -> Self {
        Self {
            id,
            owner,
            name,
            gender,
            status: AvatarStatus::Draft,
            trigger: TriggerPhrase::for_avatar(id),
            is_main: false,
            photo_count: 0,
            lora: None,
            training_job: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Photos can be added or removed until training starts (and again after it failed).
    pub fn accepts_photos(&self) -> bool {
        matches!(self.status, AvatarStatus::Draft | AvatarStatus::Failed)
    }

    pub fn check_trainable(&self, rules: &PhotoRules) -> Result<(), TrainRefusal> {
        match self.status {
            AvatarStatus::Training => Err(TrainRefusal::AlreadyTraining),
            AvatarStatus::Ready => Err(TrainRefusal::AlreadyTrained),
            AvatarStatus::Draft | AvatarStatus::Failed if self.photo_count < rules.min_photos => {
                Err(TrainRefusal::NotEnoughPhotos { have: self.photo_count, need: rules.min_photos })
            }
            AvatarStatus::Draft | AvatarStatus::Failed => Ok(()),
        }
    }

    /// Only a trained avatar can make photos, and so only it can be the main one.
    pub fn is_usable(&self) -> bool {
        self.status == AvatarStatus::Ready && self.lora.is_some()
    }

    /// Whether a job of `spec` may use this avatar (the one `spec.avatar()` names): photos
    /// need it trained, a training needs it trainable. Every store checks this inside the
    /// job's creation, with the avatar read in the same transaction.
    pub fn check_for(&self, spec: &JobSpec, rules: &PhotoRules) -> Result<(), AvatarRefusal> {
        match spec {
            JobSpec::Text { .. } => Ok(()),
            JobSpec::AvatarPhotos { .. } if self.is_usable() => Ok(()),
            JobSpec::AvatarPhotos { .. } => Err(AvatarRefusal::NotUsable),
            JobSpec::Training { .. } => self.check_trainable(rules).map_err(AvatarRefusal::Train),
        }
    }

    /// The training `job` of this avatar was created (and paid for).
    pub fn start_training(&mut self, job: JobId, at: DateTime<Utc>) {
        self.status = AvatarStatus::Training;
        self.training_job = Some(job);
        self.updated_at = at;
    }

    /// The avatar's training ended. Trained: ready, with its LoRA, and the main avatar when
    /// its owner has none yet. Cancelled by the user: a draft again, its photos kept. Failed:
    /// failed — its photos can change and it can be trained again.
    pub fn finish_training(&mut self, end: TrainingEnd, at: DateTime<Utc>) {
        match end {
            TrainingEnd::Trained { lora, owner_has_main } => {
                self.status = AvatarStatus::Ready;
                self.lora = Some(lora);
                self.is_main |= !owner_has_main;
            }
            TrainingEnd::Cancelled => self.status = AvatarStatus::Draft,
            TrainingEnd::Failed => self.status = AvatarStatus::Failed,
        }
        self.updated_at = at;
    }
}

/// How an avatar's training ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrainingEnd {
    /// `owner_has_main`: whether the owner already has a main avatar (read in the same
    /// transaction).
    Trained {
        lora: Lora,
        owner_has_main: bool,
    },
    Cancelled,
    Failed,
}

impl TrainingEnd {
    /// A training job that failed this way.
    pub fn of_failure(kind: FailureKind) -> Self {
        match kind {
            FailureKind::Cancelled => TrainingEnd::Cancelled,
            _ => TrainingEnd::Failed,
        }
    }
}

/// Why a job cannot use the avatar it names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AvatarRefusal {
    #[error("no such avatar")]
    NotFound,
    #[error("the avatar is not trained")]
    NotUsable,
    #[error("cannot train: {0}")]
    Train(#[from] TrainRefusal),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrainRefusal {
    #[error("{have} photos, at least {need} needed")]
    NotEnoughPhotos { have: u32, need: u32 },
    #[error("already training")]
    AlreadyTraining,
    #[error("already trained")]
    AlreadyTrained,
}

/// The main avatar after `removed` is gone: the newest usable one left, if any.
pub fn next_main<'a>(remaining: impl IntoIterator<Item = &'a Avatar>) -> Option<AvatarId> {
    remaining.into_iter().filter(|a| a.is_usable()).max_by_key(|a| (a.created_at, a.id)).map(|a| a.id)
}

/// Operator-configurable limits on training photos.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRules {
    pub min_photos: u32,
    pub max_photos: u32,
    pub max_bytes: u64,
    pub min_side: u32,
}

impl Default for PhotoRules {
    fn default() -> Self {
        Self { min_photos: 10, max_photos: 20, max_bytes: 20 * 1024 * 1024, min_side: 512 }
    }
}

/// What was learned about an uploaded photo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoFacts {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub sha256: String,
}

/// Why a photo was not added, precise enough to tell the user what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoRejection {
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("larger than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    #[error("{width}×{height}, the shortest side must be at least {min_side} px")]
    TooSmall { width: u32, height: u32, min_side: u32 },
    #[error("the same photo is already in this avatar")]
    Duplicate,
    #[error("the avatar already has {max} photos")]
    AvatarFull { max: u32 },
    #[error("the avatar is not taking photos now")]
    NotAccepting,
}

/// Checks one photo's bytes against the rules (count and duplicates are the store's part).
pub fn inspect_photo(bytes: &[u8], rules: &PhotoRules) -> Result<PhotoFacts, PhotoRejection> {
    let size = bytes.len() as u64;
    if size > rules.max_bytes {
        return Err(PhotoRejection::TooLarge { max_bytes: rules.max_bytes });
    }
    let (format, width, height) = media::probe(bytes).ok_or(PhotoRejection::NotAnImage)?;
    if width.min(height) < rules.min_side {
        return Err(PhotoRejection::TooSmall { width, height, min_side: rules.min_side });
    }
    Ok(PhotoFacts { format, width, height, bytes: size, sha256: media::content_hash(bytes) })
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvatarPhoto {
    pub id: PhotoId,
    pub avatar: AvatarId,
    pub owner: UserId,
    pub object: StoredObject,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::fixtures::*;
    use uuid::Uuid;

    fn avatar() -> Avatar {
        Avatar::new(
            AvatarId(Uuid::from_u128(0xabcdef12_3456_0000_0000_000000000000)),
            UserId(Uuid::nil()),
            AvatarName::parse("Аня").unwrap(),
            Gender::Female,
            DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
        )
    }

    #[test]
    fn a_training_moves_the_avatar_and_only_a_trained_one_makes_photos() {
        use crate::generation::{AspectRatio, ImageCount, JobSpec};
        let rules = PhotoRules { min_photos: 2, ..PhotoRules::default() };
        let mut a = avatar();
        let photos = JobSpec::AvatarPhotos {
            avatar: a.id,
            prompt: crate::Prompt::parse("on a beach").unwrap(),
            aspect: AspectRatio::Square,
            count: ImageCount::new(1).unwrap(),
        };
        let training = JobSpec::Training { avatar: a.id };
        assert_eq!(a.check_for(&photos, &rules), Err(AvatarRefusal::NotUsable));
        assert_eq!(
            a.check_for(&training, &rules),
            Err(AvatarRefusal::Train(TrainRefusal::NotEnoughPhotos { have: 0, need: 2 }))
        );
        a.photo_count = 2;
        assert_eq!(a.check_for(&training, &rules), Ok(()));
        let (job, at) = (JobId(uuid::Uuid::from_u128(7)), DateTime::<Utc>::from_timestamp(60, 0).unwrap());
        a.start_training(job, at);
        assert_eq!((a.status, a.training_job, a.updated_at), (AvatarStatus::Training, Some(job), at));
        assert_eq!(a.check_for(&training, &rules), Err(AvatarRefusal::Train(TrainRefusal::AlreadyTraining)));

        let mut cancelled = a.clone();
        cancelled.finish_training(TrainingEnd::of_failure(FailureKind::Cancelled), at);
        assert!(cancelled.status == AvatarStatus::Draft && cancelled.accepts_photos());
        let mut failed = a.clone();
        failed.finish_training(TrainingEnd::of_failure(FailureKind::ProviderUnavailable), at);
        assert!(failed.status == AvatarStatus::Failed && failed.accepts_photos() && !failed.is_main);

        let lora = Lora::at("https://example.com/lora", None);
        let mut second = a.clone();
        second.finish_training(TrainingEnd::Trained { lora: lora.clone(), owner_has_main: true }, at);
        assert!(second.is_usable() && !second.is_main, "another avatar is main already");
        a.finish_training(TrainingEnd::Trained { lora, owner_has_main: false }, at);
        assert!(a.is_usable() && a.is_main, "the first trained avatar becomes main");
        assert_eq!(a.check_for(&photos, &rules), Ok(()));
    }

    #[test]
    fn trigger_is_injected_exactly_once() {
        let a = avatar();
        assert_eq!(a.trigger.as_str(), "aishaabcdef12");
        let once = a.trigger.inject("on a beach", a.gender);
        assert_eq!(once, "aishaabcdef12 woman, on a beach", "the trigger and the class word");
        assert_eq!(a.trigger.inject(&once, a.gender), once, "injecting again changes nothing");
        assert_eq!(a.trigger.inject("AISHAABCDEF12 at night", a.gender), "AISHAABCDEF12 at night");
        assert_eq!(
            a.trigger.inject("aishaabcdef123", Gender::Male),
            "aishaabcdef12 man, aishaabcdef123",
            "a longer word is not the trigger"
        );
    }

    #[test]
    fn training_needs_enough_photos_and_the_right_status() {
        let rules = PhotoRules::default();
        let mut a = avatar();
        a.photo_count = 9;
        assert_eq!(a.check_trainable(&rules), Err(TrainRefusal::NotEnoughPhotos { have: 9, need: 10 }));
        a.photo_count = 10;
        assert_eq!(a.check_trainable(&rules), Ok(()));
        a.status = AvatarStatus::Training;
        assert_eq!(a.check_trainable(&rules), Err(TrainRefusal::AlreadyTraining));
        assert!(!a.accepts_photos());
        a.status = AvatarStatus::Failed;
        assert_eq!(a.check_trainable(&rules), Ok(()), "a failed avatar can be trained again");
        a.status = AvatarStatus::Ready;
        assert_eq!(a.check_trainable(&rules), Err(TrainRefusal::AlreadyTrained));
    }

    #[test]
    fn photo_rules() {
        let rules = PhotoRules::default();
        assert_eq!(inspect_photo(b"%PDF-1.4", &rules), Err(PhotoRejection::NotAnImage));
        assert_eq!(
            inspect_photo(&png_header(300, 800), &rules),
            Err(PhotoRejection::TooSmall { width: 300, height: 800, min_side: 512 })
        );
        let ok = inspect_photo(&jpeg_header(512, 700), &rules).unwrap();
        assert_eq!((ok.format, ok.width, ok.height), (ImageFormat::Jpeg, 512, 700));
        let small_rules = PhotoRules { max_bytes: 10, ..rules };
        assert_eq!(inspect_photo(&png_header(600, 600), &small_rules), Err(PhotoRejection::TooLarge { max_bytes: 10 }));
        assert_eq!(inspect_photo(&webp_header(600, 600), &rules).unwrap().format, ImageFormat::Webp);
    }

    #[test]
    fn next_main_is_the_newest_usable() {
        let mut a = avatar();
        let mut b = avatar();
        b.id = AvatarId(Uuid::from_u128(9));
        b.created_at = a.created_at + chrono::Duration::days(1);
        assert_eq!(next_main([&a, &b]), None, "drafts cannot be main");
        a.status = AvatarStatus::Ready;
        a.lora = Some(Lora::at("u", None));
        assert_eq!(next_main([&a, &b]), Some(a.id));
        b.status = AvatarStatus::Ready;
        b.lora = a.lora.clone();
        assert_eq!(next_main([&a, &b]), Some(b.id));
    }
}
