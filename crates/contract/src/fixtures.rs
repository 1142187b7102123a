//! Builders for test data. Every id is random so suites can share a database.

use aisha_domain::avatar::{Avatar, AvatarPhoto, Gender, Lora};
use aisha_domain::gallery::{ImageKind, ImageRecord};
use aisha_domain::generation::{JobSpec, NewJob, PriceTable};
use aisha_domain::media::ImageFormat;
use aisha_domain::storage::{StorageKey, StoredObject};
use aisha_domain::user::{Language, Profile, Settings, User};
use aisha_domain::{
    AspectRatio, AvatarId, AvatarName, ImageCount, ImageId, JobId, LedgerEntryId, ModelKey, PhotoId, Prompt,
    TelegramUserId, UserId,
};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

pub fn id() -> Uuid {
    Uuid::new_v4()
}

/// A Telegram id no other test uses.
pub fn telegram_id() -> TelegramUserId {
    let n = i64::try_from(id().as_u128() >> 66).expect("62 bits fit");
    TelegramUserId::new(n + 1).expect("positive")
}

pub fn user(now: DateTime<Utc>) -> User {
    let tg = telegram_id();
    User {
        id: UserId(id()),
        profile: Profile {
            telegram_id: tg,
            first_name: "Тест".into(),
            last_name: None,
            username: Some(format!("u{tg}")),
            language_code: Some("ru".into()),
        },
        settings: Settings::for_new_user(Language::Ru),
        blocked: false,
        created_at: now,
    }
}

pub fn prompt(s: &str) -> Prompt {
    Prompt::parse(s).expect("valid test prompt")
}

/// A description job with the catalog model `key`. Stores take any key; the default catalog
/// prices the retired Imagen 4 keys the tests use at 3, 5 and 8 coins per image.
pub fn imagen(count: u8, key: &str) -> JobSpec {
    JobSpec::Text {
        prompt: prompt("a lighthouse at dawn"),
        aspect: AspectRatio::Landscape16x9,
        count: ImageCount::new(count).expect("1..=4"),
        model: ModelKey::parse(key).expect("valid test key"),
    }
}

pub fn new_job(owner: UserId, spec: JobSpec, now: DateTime<Utc>) -> NewJob {
    let quote = PriceTable::default().quote(&spec).expect("a catalog model");
    NewJob {
        id: JobId(id()),
        owner,
        spec,
        quote,
        status_message: Some(77),
        deadline: now + Duration::minutes(10),
        created_at: now,
        debit_entry: LedgerEntryId(id()),
    }
}

pub fn image(owner: UserId, job: Option<JobId>, kind: ImageKind, created_at: DateTime<Utc>) -> ImageRecord {
    let image_id = ImageId(id());
    ImageRecord {
        id: image_id,
        owner,
        job,
        kind,
        model: match kind {
            ImageKind::Text => "imagen4/standard".into(),
            ImageKind::AvatarPhoto => "flux-lora".into(),
        },
        prompt: prompt("a cat in a hat"),
        aspect: AspectRatio::Square,
        avatar: None,
        avatar_name: None,
        object: StoredObject {
            bucket: "test".into(),
            key: StorageKey::image(owner, created_at, job.unwrap_or(JobId(image_id.0)), 0, ImageFormat::Png),
            format: ImageFormat::Png,
            bytes: 1234,
            width: 1024,
            height: 1024,
        },
        favorite: false,
        telegram_file_id: None,
        created_at,
    }
}

pub fn avatar(owner: UserId, name: &str, now: DateTime<Utc>) -> Avatar {
    Avatar::new(AvatarId(id()), owner, AvatarName::parse(name).expect("valid name"), Gender::Female, now)
}

pub fn ready_avatar(owner: UserId, name: &str, now: DateTime<Utc>) -> Avatar {
    let mut a = avatar(owner, name, now);
    a.status = aisha_domain::AvatarStatus::Ready;
    a.lora = Some(lora());
    a.photo_count = 0;
    a
}

pub fn lora() -> Lora {
    Lora {
        url: "https://files.example/lora.safetensors".into(),
        config_url: Some("https://files.example/config.json".into()),
        stored: Some(StorageKey::parse("loras/u/a/j.safetensors").expect("a valid key")),
        refreshed_at: Some(DateTime::<Utc>::from_timestamp(1_700_000_000, 0).expect("a valid time")),
    }
}

pub fn photo(avatar: &Avatar, sha: &str, now: DateTime<Utc>) -> AvatarPhoto {
    let pid = PhotoId(id());
    AvatarPhoto {
        id: pid,
        avatar: avatar.id,
        owner: avatar.owner,
        object: StoredObject {
            bucket: "test".into(),
            key: StorageKey::avatar_photo(avatar.owner, avatar.id, pid, ImageFormat::Jpeg),
            format: ImageFormat::Jpeg,
            bytes: 50_000,
            width: 768,
            height: 1024,
        },
        sha256: sha.to_owned(),
        created_at: now,
    }
}

/// The welcome credit of `coins` to `owner` (how tests fund a user).
pub fn welcome(owner: UserId, coins: i64, now: DateTime<Utc>) -> aisha_domain::ledger::NewLedgerEntry {
    aisha_domain::ledger::NewLedgerEntry {
        id: aisha_domain::LedgerEntryId(id()),
        owner,
        amount: coins,
        reason: aisha_domain::ledger::LedgerReason::Welcome,
        idempotency_key: aisha_domain::ledger::keys::welcome(owner),
        created_at: now,
    }
}
