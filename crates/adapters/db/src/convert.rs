//! Rows to domain values and back. Every stored string is parsed through the domain's own
//! validating constructors, so a row that no longer satisfies a rule surfaces as an error
//! instead of a value that cannot exist. Enum columns arrive already typed (`crate::stored`).

use crate::entity::*;
use crate::error::corrupt;
use aisha_domain::ModelKey;
use aisha_domain::avatar::{Avatar, AvatarPhoto, Lora, TriggerPhrase};
use aisha_domain::gallery::ImageRecord;
use aisha_domain::generation::{Failure, ImageCount, ProviderRef, Quote};
use aisha_domain::ledger::{LedgerEntry, LedgerReason};
use aisha_domain::media::ImageFormat;
use aisha_domain::payments::{Promo, StarsPayment};
use aisha_domain::ports::StoreError;
use aisha_domain::storage::{StorageKey, StoredObject};
use aisha_domain::user::{GenerationDefaults, Profile, Settings, Timezone, User};
use aisha_domain::{
    AvatarId, AvatarName, Coins, ImageId, Job, JobId, JobSpec, LedgerEntryId, PhotoId, PromoCode, Prompt,
    TelegramUserId, UserId, truncate,
};
use sea_orm::ActiveValue::Set;

type R<T> = Result<T, StoreError>;

pub(crate) fn coins(v: i64, what: &str) -> R<Coins> {
    Coins::new(v).map_err(|_| corrupt(what, v))
}

fn small<T: TryFrom<i64>>(v: i64, what: &str) -> R<T> {
    T::try_from(v).map_err(|_| corrupt(what, v))
}

/// Narrows a domain count to a column type; counts this large would be a bug upstream.
pub(crate) fn narrow<T: TryFrom<i64>>(v: impl Into<i64>, what: &str) -> R<T> {
    let v = v.into();
    T::try_from(v).map_err(|_| StoreError::internal(format!("{what} out of range: {v}")))
}

// --- users -----------------------------------------------------------------------------------

pub(crate) fn user(m: users::Model) -> R<User> {
    let model =
        ModelKey::from_stored(&m.default_model).map_err(|_| corrupt("users.default_model", &m.default_model))?;
    let count = u8::try_from(m.default_count)
        .ok()
        .and_then(|c| ImageCount::new(c).ok())
        .ok_or_else(|| corrupt("users.default_count", m.default_count))?;
    Ok(User {
        id: UserId(m.id),
        profile: Profile {
            telegram_id: TelegramUserId::new(m.telegram_id).map_err(|_| corrupt("users.telegram_id", m.telegram_id))?,
            first_name: m.first_name,
            last_name: m.last_name,
            username: m.username,
            language_code: m.language_code,
        },
        settings: Settings {
            language: m.language.0,
            timezone: Timezone::parse(&m.timezone).map_err(|_| corrupt("users.timezone", &m.timezone))?,
            defaults: GenerationDefaults { aspect: m.default_aspect.0, count, model },
            quick_mode: m.quick_mode,
            translate_prompts: m.translate_prompts,
        },
        blocked: m.blocked,
        created_at: m.created_at,
    })
}

pub(crate) fn user_row(u: &User, now: chrono::DateTime<chrono::Utc>) -> users::ActiveModel {
    users::ActiveModel {
        id: Set(u.id.0),
        telegram_id: Set(u.profile.telegram_id.get()),
        first_name: Set(u.profile.first_name.clone()),
        last_name: Set(u.profile.last_name.clone()),
        username: Set(u.profile.username.clone()),
        language_code: Set(u.profile.language_code.clone()),
        language: Set(users::Language(u.settings.language)),
        timezone: Set(u.settings.timezone.name().to_owned()),
        default_aspect: Set(users::Aspect(u.settings.defaults.aspect)),
        default_count: Set(i16::from(u.settings.defaults.count.get())),
        default_model: Set(u.settings.defaults.model.as_str().to_owned()),
        quick_mode: Set(u.settings.quick_mode),
        translate_prompts: Set(u.settings.translate_prompts),
        blocked: Set(u.blocked),
        created_at: Set(truncate(u.created_at)),
        updated_at: Set(now),
    }
}

// --- ledger ----------------------------------------------------------------------------------

pub(crate) fn entry(m: ledger_entries::Model) -> R<LedgerEntry> {
    let reason: LedgerReason =
        serde_json::from_value(m.reason.clone()).map_err(|_| corrupt("ledger_entries.reason", &m.reason))?;
    Ok(LedgerEntry {
        id: LedgerEntryId(m.id),
        owner: UserId(m.user_id),
        amount: m.amount,
        reason,
        idempotency_key: m.idempotency_key,
        balance_after: coins(m.balance_after, "ledger_entries.balance_after")?,
        created_at: m.created_at,
    })
}

pub(crate) fn entry_row(e: &LedgerEntry) -> R<ledger_entries::ActiveModel> {
    let reason = serde_json::to_value(&e.reason).map_err(|err| StoreError::internal_from("ledger reason", err))?;
    Ok(ledger_entries::ActiveModel {
        id: Set(e.id.0),
        user_id: Set(e.owner.0),
        amount: Set(e.amount),
        kind: Set(ledger_entries::Kind(e.reason.kind())),
        reason: Set(reason),
        idempotency_key: Set(e.idempotency_key.clone()),
        balance_after: Set(e.balance_after.get()),
        created_at: Set(truncate(e.created_at)),
    })
}

// --- jobs ------------------------------------------------------------------------------------

pub(crate) fn job(m: jobs::Model) -> R<Job> {
    let spec: JobSpec = serde_json::from_value(m.spec.clone()).map_err(|_| corrupt("jobs.spec", &m.spec))?;
    let provider = match (m.request_id, m.provider_model) {
        (Some(request_id), Some(model)) => Some(ProviderRef {
            request_id,
            model,
            status_url: m.status_url,
            response_url: m.response_url,
            cancel_url: m.cancel_url,
        }),
        (None, None) => None,
        (r, p) => return Err(corrupt("jobs.request_id/provider_model", (r, p))),
    };
    let failure = m.failure_kind.map(|kind| Failure { kind: kind.0, detail: m.failure_detail.unwrap_or_default() });
    Ok(Job {
        id: JobId(m.id),
        owner: UserId(m.user_id),
        spec,
        quote: Quote {
            unit_price: coins(m.unit_price, "jobs.unit_price")?,
            units: small(i64::from(m.units), "jobs.units")?,
            total: coins(m.total, "jobs.total")?,
        },
        status: m.status.0,
        delivered: small(i64::from(m.delivered), "jobs.delivered")?,
        refunded: coins(m.refunded, "jobs.refunded")?,
        provider,
        queue_position: m.queue_position.map(|p| small(i64::from(p), "jobs.queue_position")).transpose()?,
        cancel_requested: m.cancel_requested,
        failure,
        status_message: m.status_message,
        attempts: small(i64::from(m.attempts), "jobs.attempts")?,
        next_attempt_at: m.next_attempt_at,
        leased_until: m.leased_until,
        deadline: m.deadline,
        created_at: m.created_at,
        updated_at: m.updated_at,
        version: m.version,
    })
}

/// Every column of a job, for inserts and for the full rewrite `succeed`/`fail` do.
pub(crate) fn job_row(j: &Job) -> R<jobs::ActiveModel> {
    let spec = serde_json::to_value(&j.spec).map_err(|e| StoreError::internal_from("job spec", e))?;
    let mut row = jobs::ActiveModel {
        id: Set(j.id.0),
        user_id: Set(j.owner.0),
        kind: Set(jobs::Kind(j.spec.kind())),
        spec: Set(spec),
        avatar_id: Set(j.spec.avatar().map(|a| a.0)),
        unit_price: Set(j.quote.unit_price.get()),
        units: Set(i16::from(j.quote.units)),
        total: Set(j.quote.total.get()),
        created_at: Set(truncate(j.created_at)),
        ..Default::default()
    };
    set_job_progress(&mut row, j)?;
    Ok(row)
}

/// The columns a worker changes while the job runs (`JobQueue::save`).
pub(crate) fn set_job_work(row: &mut jobs::ActiveModel, j: &Job) -> R<()> {
    row.status = Set(jobs::Status(j.status));
    row.request_id = Set(j.provider.as_ref().map(|p| p.request_id.clone()));
    row.provider_model = Set(j.provider.as_ref().map(|p| p.model.clone()));
    row.status_url = Set(j.provider.as_ref().and_then(|p| p.status_url.clone()));
    row.response_url = Set(j.provider.as_ref().and_then(|p| p.response_url.clone()));
    row.cancel_url = Set(j.provider.as_ref().and_then(|p| p.cancel_url.clone()));
    row.queue_position = Set(j.queue_position.map(|p| narrow(p, "queue position")).transpose()?);
    row.cancel_requested = Set(j.cancel_requested);
    row.status_message = Set(j.status_message);
    row.attempts = Set(narrow(j.attempts, "attempts")?);
    row.next_attempt_at = Set(truncate(j.next_attempt_at));
    row.leased_until = Set(j.leased_until.map(truncate));
    row.deadline = Set(truncate(j.deadline));
    row.updated_at = Set(truncate(j.updated_at));
    row.version = Set(j.version);
    Ok(())
}

/// The columns that change over a job's life, ending included (`succeed`/`fail`).
pub(crate) fn set_job_progress(row: &mut jobs::ActiveModel, j: &Job) -> R<()> {
    set_job_work(row, j)?;
    row.delivered = Set(i16::from(j.delivered));
    row.refunded = Set(j.refunded.get());
    row.failure_kind = Set(j.failure.as_ref().map(|f| jobs::FailureKind(f.kind)));
    row.failure_detail = Set(j.failure.as_ref().map(|f| f.detail.clone()));
    Ok(())
}

// --- stored objects --------------------------------------------------------------------------

struct ObjectColumns {
    bucket: String,
    key: String,
    format: ImageFormat,
    bytes: i64,
    width: i32,
    height: i32,
}

fn object(c: ObjectColumns, table: &str) -> R<StoredObject> {
    Ok(StoredObject {
        key: StorageKey::parse(&c.key).map_err(|_| corrupt(&format!("{table}.object_key"), &c.key))?,
        bucket: c.bucket,
        format: c.format,
        bytes: small(c.bytes, &format!("{table}.bytes"))?,
        width: small(i64::from(c.width), &format!("{table}.width"))?,
        height: small(i64::from(c.height), &format!("{table}.height"))?,
    })
}

// --- images ----------------------------------------------------------------------------------

pub(crate) fn image(m: images::Model) -> R<ImageRecord> {
    Ok(ImageRecord {
        id: ImageId(m.id),
        owner: UserId(m.user_id),
        job: m.job_id.map(JobId),
        kind: m.kind.0,
        prompt: Prompt::parse(&m.prompt).map_err(|_| corrupt("images.prompt", &m.prompt))?,
        aspect: m.aspect.0,
        model: m.model,
        avatar: m.avatar_id.map(AvatarId),
        avatar_name: m.avatar_name,
        object: object(
            ObjectColumns {
                bucket: m.bucket,
                key: m.object_key,
                format: m.format.0,
                bytes: m.bytes,
                width: m.width,
                height: m.height,
            },
            "images",
        )?,
        favorite: m.favorite,
        telegram_file_id: m.telegram_file_id,
        created_at: m.created_at,
    })
}

pub(crate) fn image_row(i: &ImageRecord) -> R<images::ActiveModel> {
    Ok(images::ActiveModel {
        id: Set(i.id.0),
        user_id: Set(i.owner.0),
        job_id: Set(i.job.map(|j| j.0)),
        kind: Set(images::Kind(i.kind)),
        model: Set(i.model.clone()),
        prompt: Set(i.prompt.as_str().to_owned()),
        aspect: Set(images::Aspect(i.aspect)),
        avatar_id: Set(i.avatar.map(|a| a.0)),
        avatar_name: Set(i.avatar_name.clone()),
        bucket: Set(i.object.bucket.clone()),
        object_key: Set(i.object.key.as_str().to_owned()),
        format: Set(images::Format(i.object.format)),
        bytes: Set(narrow(i64::try_from(i.object.bytes).unwrap_or(i64::MAX), "image bytes")?),
        width: Set(narrow(i.object.width, "image width")?),
        height: Set(narrow(i.object.height, "image height")?),
        favorite: Set(i.favorite),
        telegram_file_id: Set(i.telegram_file_id.clone()),
        created_at: Set(truncate(i.created_at)),
    })
}

// --- avatars ---------------------------------------------------------------------------------

pub(crate) fn avatar(m: avatars::Model) -> R<Avatar> {
    Ok(Avatar {
        id: AvatarId(m.id),
        owner: UserId(m.user_id),
        name: AvatarName::parse(&m.name).map_err(|_| corrupt("avatars.name", &m.name))?,
        gender: m.gender.0,
        status: m.status.0,
        trigger: TriggerPhrase::from_stored(m.trigger_phrase),
        is_main: m.is_main,
        photo_count: small(i64::from(m.photo_count), "avatars.photo_count")?,
        lora: match m.lora_url {
            Some(url) => Some(Lora {
                url,
                config_url: m.lora_config_url,
                stored: m
                    .lora_key
                    .map(|k| StorageKey::parse(&k).map_err(|_| corrupt("avatars.lora_key", &k)))
                    .transpose()?,
                refreshed_at: m.lora_refreshed_at,
            }),
            None => None,
        },
        training_job: m.training_job_id.map(JobId),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn avatar_row(a: &Avatar) -> R<avatars::ActiveModel> {
    let row = avatars::ActiveModel {
        id: Set(a.id.0),
        user_id: Set(a.owner.0),
        name: Set(a.name.as_str().to_owned()),
        gender: Set(avatars::Gender(a.gender)),
        status: Set(avatars::Status(a.status)),
        trigger_phrase: Set(a.trigger.as_str().to_owned()),
        is_main: Set(a.is_main),
        photo_count: Set(narrow(a.photo_count, "photo count")?),
        training_job_id: Set(a.training_job.map(|j| j.0)),
        created_at: Set(truncate(a.created_at)),
        updated_at: Set(truncate(a.updated_at)),
        ..Default::default()
    };
    Ok(lora_columns(a.lora.as_ref(), row))
}

/// The four LoRA columns of an avatar set on `row` (all NULL without one).
pub(crate) fn lora_columns(lora: Option<&Lora>, row: avatars::ActiveModel) -> avatars::ActiveModel {
    avatars::ActiveModel {
        lora_url: Set(lora.map(|l| l.url.clone())),
        lora_config_url: Set(lora.and_then(|l| l.config_url.clone())),
        lora_key: Set(lora.and_then(|l| l.stored.as_ref().map(|k| k.as_str().to_owned()))),
        lora_refreshed_at: Set(lora.and_then(|l| l.refreshed_at).map(truncate)),
        ..row
    }
}

pub(crate) fn photo(m: avatar_photos::Model) -> R<AvatarPhoto> {
    Ok(AvatarPhoto {
        id: PhotoId(m.id),
        avatar: AvatarId(m.avatar_id),
        owner: UserId(m.user_id),
        object: object(
            ObjectColumns {
                bucket: m.bucket,
                key: m.object_key,
                format: m.format.0,
                bytes: m.bytes,
                width: m.width,
                height: m.height,
            },
            "avatar_photos",
        )?,
        sha256: m.sha256,
        created_at: m.created_at,
    })
}

pub(crate) fn photo_row(p: &AvatarPhoto) -> R<avatar_photos::ActiveModel> {
    Ok(avatar_photos::ActiveModel {
        id: Set(p.id.0),
        avatar_id: Set(p.avatar.0),
        user_id: Set(p.owner.0),
        bucket: Set(p.object.bucket.clone()),
        object_key: Set(p.object.key.as_str().to_owned()),
        format: Set(avatar_photos::Format(p.object.format)),
        bytes: Set(narrow(i64::try_from(p.object.bytes).unwrap_or(i64::MAX), "photo bytes")?),
        width: Set(narrow(p.object.width, "photo width")?),
        height: Set(narrow(p.object.height, "photo height")?),
        sha256: Set(p.sha256.clone()),
        created_at: Set(truncate(p.created_at)),
    })
}

// --- payments and promos ---------------------------------------------------------------------

pub(crate) fn payment(m: stars_payments::Model) -> R<StarsPayment> {
    Ok(StarsPayment {
        charge_id: m.charge_id,
        owner: UserId(m.user_id),
        telegram_id: TelegramUserId::new(m.telegram_id)
            .map_err(|_| corrupt("stars_payments.telegram_id", m.telegram_id))?,
        payload: m.payload,
        stars: small(m.stars, "stars_payments.stars")?,
        coins: coins(m.coins, "stars_payments.coins")?,
        needs_attention: m.needs_attention,
        refunded_at: m.refunded_at,
        created_at: m.created_at,
        refund_requested_at: m.refund_requested_at,
        refund_confirmed_at: m.refund_confirmed_at,
    })
}

pub(crate) fn payment_row(p: &StarsPayment, id: LedgerEntryId) -> stars_payments::ActiveModel {
    stars_payments::ActiveModel {
        id: Set(id.0),
        charge_id: Set(p.charge_id.clone()),
        user_id: Set(p.owner.0),
        telegram_id: Set(p.telegram_id.get()),
        payload: Set(p.payload.clone()),
        stars: Set(i64::from(p.stars)),
        coins: Set(p.coins.get()),
        needs_attention: Set(p.needs_attention),
        refunded_at: Set(p.refunded_at.map(truncate)),
        created_at: Set(truncate(p.created_at)),
        refund_requested_at: Set(p.refund_requested_at.map(truncate)),
        refund_confirmed_at: Set(p.refund_confirmed_at.map(truncate)),
    }
}

pub(crate) fn promo(m: promo_codes::Model) -> R<Promo> {
    Ok(Promo {
        code: PromoCode::parse(&m.code).map_err(|_| corrupt("promo_codes.code", &m.code))?,
        coins: coins(m.coins, "promo_codes.coins")?,
        max_uses: m.max_uses.map(|v| small(i64::from(v), "promo_codes.max_uses")).transpose()?,
        per_user: small(i64::from(m.per_user), "promo_codes.per_user")?,
        valid_from: m.valid_from,
        valid_until: m.valid_until,
        active: m.active,
        uses: small(i64::from(m.uses), "promo_codes.uses")?,
        created_at: m.created_at,
    })
}

pub(crate) fn promo_row(p: &Promo, id: uuid::Uuid) -> R<promo_codes::ActiveModel> {
    Ok(promo_codes::ActiveModel {
        id: Set(id),
        code: Set(p.code.as_str().to_owned()),
        coins: Set(p.coins.get()),
        max_uses: Set(p.max_uses.map(|v| narrow(v, "max uses")).transpose()?),
        per_user: Set(narrow(p.per_user, "uses per user")?),
        valid_from: Set(p.valid_from.map(truncate)),
        valid_until: Set(p.valid_until.map(truncate)),
        active: Set(p.active),
        uses: Set(narrow(p.uses, "uses")?),
        created_at: Set(truncate(p.created_at)),
    })
}
