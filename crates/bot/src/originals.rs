//! Full-resolution originals: a result or a gallery card offers the image as a document — the
//! stored bytes exactly, which Telegram does not recompress as it does photos.

use crate::bot::{Bot, Ctx};
use crate::callback::Cb;
use crate::io::{Media, Outgoing, Reply};
use crate::texts::{Texts, tr};
use aisha_domain::gallery::ImageRecord;
use aisha_domain::ports::StoreError;

/// Telegram's limit for a file a bot uploads (Bot API, "Sending files": 50 MB for files other
/// than photos, read 2026-12-07).
pub(crate) const UPLOAD_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// "3,1 МБ" / "3.1 MB", or kilobytes below one megabyte; a whole number without its ",0"
/// ("512 КБ").
fn size(t: &Texts, bytes: u64) -> String {
    let (value, unit) = if bytes >= 1024 * 1024 {
        (bytes as f64 / (1024.0 * 1024.0), tr!(t, "unit-mb"))
    } else {
        ((bytes as f64 / 1024.0).max(0.1), tr!(t, "unit-kb"))
    };
    let number = format!("{value:.1}");
    let number = number.strip_suffix(".0").unwrap_or(&number);
    format!("{} {unit}", number.replace('.', &tr!(t, "decimal-point")))
}

/// The file name the user saves: when it was made (their time) and which image it is.
fn file_name(cx: &Ctx, img: &ImageRecord) -> String {
    let local = img.created_at.with_timezone(&cx.user.settings.timezone.tz());
    let id = img.id.0.simple().to_string();
    format!("aisha-{}-{}.{}", local.format("%Y%m%d-%H%M"), &id[id.len() - 6..], img.object.format.extension())
}

impl Bot {
    /// `Cb::Original` (a gallery card) and `Cb::Originals` (a result with all its images).
    /// Returns the toast for the button.
    pub(crate) async fn originals_button(&self, cx: &mut Ctx, cb: Cb) -> Result<Option<String>, StoreError> {
        let images = match cb {
            Cb::Original(id) => self.gallery.image(&cx.user, id).await?.into_iter().collect(),
            Cb::Originals(job) => self.job_images(cx, job).await?,
            _ => Vec::new(),
        };
        if images.is_empty() {
            return Ok(Some(tr!(cx.t, "not-found")));
        }
        let mut too_big = 0;
        for img in &images {
            if img.object.bytes > UPLOAD_MAX_BYTES {
                too_big += 1;
                continue;
            }
            let caption = tr!(
                cx.t,
                "original-caption",
                width = &img.object.width,
                height = &img.object.height,
                size = &size(cx.t, img.object.bytes)
            );
            cx.out.push(Outgoing::normal(Reply::SendDocument {
                chat: cx.chat,
                document: Media::Stored { key: img.object.key.clone(), image: None },
                file_name: file_name(cx, img),
                caption: Some(caption),
                keyboard: None,
            }));
        }
        Ok((too_big > 0).then(|| tr!(cx.t, "original-too-big")))
    }
}

#[cfg(test)]
mod tests {
    use super::size;
    use crate::texts::texts;
    use aisha_domain::Language;

    #[test]
    fn sizes_read_in_each_language() {
        let (ru, en) = (texts(Language::Ru), texts(Language::En));
        assert_eq!(size(ru, 3_250_586), "3,1 МБ");
        assert_eq!(size(en, 3_250_586), "3.1 MB");
        assert_eq!(size(ru, 512 * 1024), "512 КБ");
        assert_eq!(size(ru, 3 * 1024 * 1024), "3 МБ");
        assert_eq!(size(en, 10), "0.1 KB");
    }
}
