//! The screens of an order once it is a job: its progress, how it failed, and the delivered
//! result with its buttons.

use crate::bot::button;
use crate::callback::Cb;
use crate::html::escape;
use crate::io::{Keyboard, Media, MessageId, Outgoing, Reply};
use crate::texts::{Texts, tr};
use aisha_domain::gallery::ImageRecord;
use aisha_domain::generation::{FailureKind, JobSpec};
use aisha_domain::{AvatarId, Job, JobStatus};
use chrono::{DateTime, Utc};

/// The progress message of a job that has not ended.
pub(crate) fn status_screen(t: &Texts, job: &Job, now: DateTime<Utc>) -> (String, Option<Keyboard>) {
    if let JobSpec::Training { avatar } = job.spec {
        return training_status_screen(t, job, avatar, now);
    }
    let text = match job.status {
        JobStatus::Pending => tr!(t, "status-pending"),
        JobStatus::Queued => tr!(t, "status-queued", position = &queue_position(t, job)),
        _ => tr!(t, "status-running"),
    };
    let keyboard = matches!(job.status, JobStatus::Pending | JobStatus::Queued)
        .then(|| vec![vec![button(tr!(t, "btn-cancel-job"), Cb::CancelJob(job.id))]]);
    (text, keyboard)
}

/// " — 3 ahead of you" when the provider says how many jobs wait before this one; nothing otherwise.
fn queue_position(t: &Texts, job: &Job) -> String {
    job.queue_position.filter(|p| *p > 0).map(|p| tr!(t, "status-position", ahead = &p)).unwrap_or_default()
}

/// "less than a minute", "3 minutes", "1 hour", "1 hour 5 minutes".
pub(crate) fn elapsed(t: &Texts, since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    if minutes == 0 {
        tr!(t, "elapsed-moment")
    } else if minutes < 60 {
        tr!(t, "elapsed-minutes", minutes = &minutes)
    } else if minutes % 60 == 0 {
        tr!(t, "elapsed-whole-hours", hours = &(minutes / 60))
    } else {
        tr!(t, "elapsed-hours", hours = &(minutes / 60), minutes = &(minutes % 60))
    }
}

/// A training's progress: its state, the time since it was paid for, Cancel (while the
/// provider can still be asked to stop) and the avatar's card.
fn training_status_screen(t: &Texts, job: &Job, avatar: AvatarId, now: DateTime<Utc>) -> (String, Option<Keyboard>) {
    let state = if job.cancel_requested {
        tr!(t, "training-cancelling")
    } else {
        match job.status {
            JobStatus::Pending => tr!(t, "training-pending"),
            JobStatus::Queued => tr!(t, "training-queued", position = &queue_position(t, job)),
            _ => tr!(t, "training-running"),
        }
    };
    let text = tr!(t, "training-status", state = &state, elapsed = &elapsed(t, job.created_at, now));
    let mut rows = Vec::new();
    if !job.cancel_requested && !job.status.is_terminal() {
        rows.push(vec![button(tr!(t, "btn-cancel-training"), Cb::CancelJob(job.id))]);
    }
    rows.push(vec![button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(avatar))]);
    (text, Some(rows))
}

/// The reason a job failed, in words.
fn failure_reason(t: &Texts, job: &Job) -> String {
    let failure = job.failure.as_ref();
    match failure.map(|f| f.kind) {
        Some(FailureKind::ContentPolicy) => tr!(t, "fail-policy"),
        Some(FailureKind::InvalidInput) => {
            // the provider's own words (its schema's field names, in English) stay in the log
            tr!(t, "fail-params")
        }
        Some(FailureKind::Nsfw) => tr!(t, "fail-nsfw"),
        Some(FailureKind::NoResult) => tr!(t, "fail-no-result"),
        Some(FailureKind::TimedOut) => tr!(t, "fail-timeout"),
        Some(FailureKind::Cancelled) => tr!(t, "fail-cancelled"),
        Some(FailureKind::ProviderUnavailable) | None => tr!(t, "fail-outage"),
    }
}

/// What a failed, timed-out or cancelled job says: the reason, and that the coins came back.
pub(crate) fn failure_screen(t: &Texts, job: &Job) -> (String, Option<Keyboard>) {
    if let JobSpec::Training { .. } = job.spec {
        return training_failure_screen(t, job, None);
    }
    let text = format!("{}\n{}", failure_reason(t, job), tr!(t, "refunded", coins = &job.refunded));
    let mut rows = Vec::new();
    if matches!(job.spec, JobSpec::Text { .. } | JobSpec::AvatarPhotos { .. }) {
        rows.push(vec![
            button(tr!(t, "btn-again"), Cb::Again(job.id)),
            button(tr!(t, "btn-edit-prompt"), Cb::EditPrompt(job.id)),
        ]);
    }
    rows.push(vec![button(tr!(t, "btn-menu"), Cb::Menu)]);
    (text, Some(rows))
}

/// A training that ended without a LoRA: why (or that it was cancelled) and the refund, with
/// the way back to the avatar, whose photos can be changed and trained again.
pub(crate) fn training_failure_screen(t: &Texts, job: &Job, name: Option<&str>) -> (String, Option<Keyboard>) {
    let name = escape(&name.map_or_else(|| tr!(t, "avatar-fallback"), str::to_owned));
    let refunded = tr!(t, "refunded", coins = &job.refunded);
    let text = match job.failure.as_ref().map(|f| f.kind) {
        Some(FailureKind::Cancelled) => tr!(t, "training-cancelled", name = &name, refunded = &refunded),
        _ => tr!(t, "training-failed", name = &name, reason = &failure_reason(t, job), refunded = &refunded),
    };
    let mut rows = Vec::new();
    if let JobSpec::Training { avatar } = job.spec {
        rows.push(vec![button(tr!(t, "btn-avatar-card"), Cb::AvatarOpen(avatar))]);
    }
    rows.push(vec![button(tr!(t, "btn-menu"), Cb::Menu)]);
    (text, Some(rows))
}

/// The buttons under a finished job's images.
pub(crate) fn result_keyboard(t: &Texts, job: &Job, images: &[ImageRecord]) -> Keyboard {
    let mut rows = Vec::new();
    if matches!(job.spec, JobSpec::Text { .. } | JobSpec::AvatarPhotos { .. }) {
        rows.push(vec![
            button(tr!(t, "btn-again"), Cb::Again(job.id)),
            button(tr!(t, "btn-edit-prompt"), Cb::EditPrompt(job.id)),
        ]);
    }
    if !images.is_empty() {
        rows.push(
            images
                .iter()
                .enumerate()
                .map(|(n, i)| {
                    let label = match i.favorite {
                        true => tr!(t, "btn-unfavorite", number = n + 1),
                        false => tr!(t, "btn-favorite", number = n + 1),
                    };
                    button(label, Cb::ResultFavorite(i.id))
                })
                .collect(),
        );
        let originals = if images.len() == 1 { tr!(t, "btn-original") } else { tr!(t, "btn-originals") };
        rows.push(vec![button(originals, Cb::Originals(job.id))]);
        rows.push(vec![
            button(tr!(t, "btn-gallery"), Cb::Open(images[images.len() - 1].id)),
            button(tr!(t, "btn-menu"), Cb::Menu),
        ]);
    } else {
        rows.push(vec![button(tr!(t, "btn-menu"), Cb::Menu)]);
    }
    rows
}

/// The replies that deliver a finished job: the images the chat does not hold yet (an album
/// when more than one), then a message with what happened and the buttons.
/// `balance`: the owner's balance now, shown under the result when it could be read.
pub(crate) fn delivery(
    t: &Texts,
    chat: crate::io::ChatId,
    job: &Job,
    images: &[ImageRecord],
    balance: Option<aisha_domain::Coins>,
) -> Vec<Outgoing> {
    let mut out = Vec::new();
    if let Some(message) = job.status_message {
        out.push(Outgoing::normal(Reply::Delete { chat, message: MessageId(message) }));
    }
    // A photo with a Telegram file id is already in this chat: sent with the result before a
    // crash stopped the rest (the outcome is then sent again), or shown in the gallery since.
    // Telegram takes an album whole or not at all, so one such photo means the album went out
    // (even if the crash came before every file id was recorded): no photo is sent again. The
    // buttons still cover every image.
    let shown = images.iter().any(|i| i.telegram_file_id.is_some());
    let fresh: Vec<&ImageRecord> = if shown { Vec::new() } else { images.iter().collect() };
    let media = |i: &ImageRecord| Media::Stored { key: i.object.key.clone(), image: Some(i.id) };
    match fresh.as_slice() {
        [] => {}
        [one] => {
            out.push(Outgoing::critical(Reply::SendPhoto { chat, photo: media(one), caption: None, keyboard: None }))
        }
        many => out.push(Outgoing::critical(Reply::SendAlbum {
            chat,
            photos: many.iter().map(|i| (media(i), None)).collect(),
        })),
    }
    let mut text = tr!(t, "result", delivered = &job.delivered, ordered = &job.quote.units);
    if !job.refunded.is_zero() {
        text.push('\n');
        text.push_str(&tr!(t, "result-partial", failed = &(job.quote.units - job.delivered), coins = &job.refunded));
    }
    if let Some(balance) = balance {
        text.push('\n');
        text.push_str(&tr!(t, "result-balance", balance = &balance));
    }
    out.push(Outgoing::critical(Reply::SendText { chat, text, keyboard: Some(result_keyboard(t, job, images)) }));
    out
}
