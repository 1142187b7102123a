//! Photos, albums and documents: where an image's bytes come from (a file id, the store's
//! public URL, or a temp file uploaded), and the fallbacks Telegram's refusals call for (an
//! address refused → uploaded; a photo refused → sent as a document).

use super::{SendError, Sender, Sent, html, markup, one, reply_markup};
use crate::api::{ApiError, Edited, SentMessage};
use aisha_bot::io::{ChatId, Keyboard, Media, MessageId};
use frankenstein::input_file::FileUpload;
use frankenstein::input_media::{InputMedia, InputMediaDocument, InputMediaPhoto, MediaGroupInputMedia};
use frankenstein::methods::{EditMessageMediaParams, SendDocumentParams, SendMediaGroupParams, SendPhotoParams};
use std::path::PathBuf;
use tempfile::NamedTempFile;

/// Where an image comes from for this call. A temp file lives as long as this value.
enum Source {
    Remote(String),
    Local(NamedTempFile),
}

impl Source {
    fn is_url(&self) -> bool {
        matches!(self, Source::Remote(s) if s.starts_with("http://") || s.starts_with("https://"))
    }

    /// The value for a media parameter: the id/URL, or `attach://<name>` with the file to attach.
    fn upload(&self, attach_as: &str) -> (FileUpload, Option<PathBuf>) {
        match self {
            Source::Remote(s) => (FileUpload::String(s.clone()), None),
            Source::Local(f) => (FileUpload::String(format!("attach://{attach_as}")), Some(f.path().to_owned())),
        }
    }
}

impl Sender {
    /// A file id as is; a stored image by its public URL when the store has one, else
    /// uploaded from a temp file (frankenstein uploads only from paths).
    /// A stored object is always uploaded (Telegram takes documents by URL only for GIF, PDF
    /// and ZIP), under `file_name`, so the user saves it with a name that says what it is.
    pub(super) async fn send_document(
        &self,
        chat: ChatId,
        media: &Media,
        file_name: &str,
        caption: Option<&str>,
        keyboard: Option<&Keyboard>,
    ) -> Result<Sent, SendError> {
        let (document, files) = match media {
            Media::FileId(id) | Media::Url(id) => (FileUpload::String(id.clone()), Vec::new()),
            Media::Stored { key, .. } => {
                let bytes = self.images.get(key).await?;
                let name = file_name.to_owned();
                let dir = tokio::task::spawn_blocking(move || -> std::io::Result<tempfile::TempDir> {
                    let dir = tempfile::Builder::new().prefix("aisha-document-").tempdir()?;
                    std::fs::write(dir.path().join(name), &bytes)?;
                    Ok(dir)
                })
                .await
                .map_err(|e| ApiError::File(e.to_string()))?
                .map_err(|e| ApiError::File(e.to_string()))?;
                let path = dir.path().join(file_name);
                // the directory (and the file) go when the call is done
                let sent = self
                    .document_call(
                        chat,
                        FileUpload::String("attach://document".into()),
                        caption,
                        keyboard,
                        vec![("document", path)],
                    )
                    .await;
                drop(dir);
                return sent;
            }
        };
        self.document_call(chat, document, caption, keyboard, files).await
    }

    async fn document_call(
        &self,
        chat: ChatId,
        document: FileUpload,
        caption: Option<&str>,
        keyboard: Option<&Keyboard>,
        files: Vec<(&str, PathBuf)>,
    ) -> Result<Sent, SendError> {
        let params = SendDocumentParams::builder()
            .chat_id(chat.0)
            .document(document)
            .maybe_caption(caption.map(str::to_owned))
            .maybe_parse_mode(caption.and(html()))
            .maybe_reply_markup(reply_markup(keyboard))
            .build();
        Ok(one(self.api.call_with_files("sendDocument", &params, files).await?))
    }

    async fn source(&self, media: &Media, force_upload: bool) -> Result<Source, SendError> {
        let key = match media {
            // a file id and an address travel in the same field; Telegram fetches an address
            // itself, photos up to 5 MB (Bot API, "Sending files", read 2026-12-07)
            Media::FileId(id) | Media::Url(id) => return Ok(Source::Remote(id.clone())),
            Media::Stored { key, .. } => key,
        };
        if !force_upload && let Some(url) = self.images.public_url(key, self.url_ttl).await? {
            return Ok(Source::Remote(url));
        }
        let bytes = self.images.get(key).await?;
        let suffix = key.as_str().rsplit_once('.').map(|(_, ext)| format!(".{ext}")).unwrap_or_default();
        let file = tokio::task::spawn_blocking(move || -> std::io::Result<NamedTempFile> {
            let mut file = tempfile::Builder::new().prefix("aisha-upload-").suffix(&suffix).tempfile()?;
            std::io::Write::write_all(&mut file, &bytes)?;
            Ok(file)
        })
        .await
        .map_err(|e| ApiError::File(e.to_string()))?
        .map_err(|e| ApiError::File(e.to_string()))?;
        Ok(Source::Local(file))
    }

    pub(super) async fn send_photo(
        &self,
        chat: ChatId,
        media: &Media,
        caption: Option<&str>,
        keyboard: Option<&Keyboard>,
    ) -> Result<Sent, SendError> {
        let mut source = self.source(media, false).await?;
        let mut result = self.send_photo_from(chat, &source, caption, keyboard).await;
        if matches!(&result, Err(SendError::Api(e)) if e.is_url_rejected())
            && source.is_url()
            && matches!(media, Media::Stored { .. })
        {
            source = self.source(media, true).await?;
            result = self.send_photo_from(chat, &source, caption, keyboard).await;
        }
        match result {
            Ok(m) => {
                let mut sent = Sent { messages: vec![MessageId(m.message_id)], file_ids: Vec::new() };
                if let (Media::Stored { image: Some(id), .. }, Some(file_id)) = (media, m.file_id()) {
                    sent.file_ids.push((*id, file_id.to_owned()));
                }
                Ok(sent)
            }
            Err(SendError::Api(e)) if e.is_photo_rejected() => {
                tracing::info!(chat = chat.0, error = %e, "photo refused; sending it as a document");
                // Telegram fetches documents by URL only for GIF, PDF and ZIP: upload the bytes
                if source.is_url() && matches!(media, Media::Stored { .. }) {
                    source = self.source(media, true).await?;
                }
                let (document, path) = source.upload("document");
                let files = path.map(|p| vec![("document", p)]).unwrap_or_default();
                // a document's file id cannot be re-sent as a photo: report none
                self.document_call(chat, document, caption, keyboard, files).await
            }
            Err(e) => Err(e),
        }
    }

    async fn send_photo_from(
        &self,
        chat: ChatId,
        source: &Source,
        caption: Option<&str>,
        keyboard: Option<&Keyboard>,
    ) -> Result<SentMessage, SendError> {
        let (photo, path) = source.upload("photo");
        let params = SendPhotoParams::builder()
            .chat_id(chat.0)
            .photo(photo)
            .maybe_caption(caption.map(str::to_owned))
            .maybe_parse_mode(caption.and(html()))
            .maybe_reply_markup(reply_markup(keyboard))
            .build();
        let files = path.map(|p| vec![("photo", p)]).unwrap_or_default();
        Ok(self.api.call_with_files("sendPhoto", &params, files).await?)
    }

    pub(super) async fn edit_photo(
        &self,
        chat: ChatId,
        message: MessageId,
        media: &Media,
        caption: Option<&str>,
        keyboard: Option<&Keyboard>,
    ) -> Result<Sent, SendError> {
        let source = self.source(media, false).await?;
        let (upload, path) = source.upload("photo_media");
        let photo = InputMediaPhoto::builder()
            .media(upload)
            .maybe_caption(caption.map(str::to_owned))
            .maybe_parse_mode(caption.and(html()))
            .build();
        let params = EditMessageMediaParams::builder()
            .chat_id(chat.0)
            .message_id(message.0)
            .media(InputMedia::Photo(photo))
            .maybe_reply_markup(keyboard.map(markup))
            .build();
        let files = path.map(|p| vec![("photo_media", p)]).unwrap_or_default();
        let edited: Edited = self.api.call_with_files("editMessageMedia", &params, files).await?;
        let mut sent = Sent { messages: vec![message], file_ids: Vec::new() };
        if let (Edited::Message(m), Media::Stored { image: Some(id), .. }) = (&edited, media)
            && let Some(file_id) = m.file_id()
        {
            sent.file_ids.push((*id, file_id.to_owned()));
        }
        Ok(sent)
    }

    /// Telegram takes 2–10 items per album: more are split into albums of up to ten, and a
    /// lone photo is sent as a photo.
    pub(super) async fn send_album(&self, chat: ChatId, photos: &[(Media, Option<String>)]) -> Result<Sent, SendError> {
        let mut sent = Sent::default();
        for chunk in photos.chunks(10) {
            let part = match chunk {
                [] => continue,
                [(media, caption)] => self.send_photo(chat, media, caption.as_deref(), None).await?,
                _ => self.send_group(chat, chunk).await?,
            };
            sent.messages.extend(part.messages);
            sent.file_ids.extend(part.file_ids);
        }
        Ok(sent)
    }

    async fn send_group(&self, chat: ChatId, photos: &[(Media, Option<String>)]) -> Result<Sent, SendError> {
        let mut sources = Vec::with_capacity(photos.len());
        for (media, _) in photos {
            sources.push(self.source(media, false).await?);
        }
        let result = self.send_group_as(chat, photos, &sources, false).await;
        let (messages, as_photos) = match result {
            Err(SendError::Api(e)) if e.is_photo_rejected() => {
                tracing::info!(chat = chat.0, error = %e, "album refused; sending it as documents");
                (self.send_group_as(chat, photos, &sources, true).await?, false)
            }
            other => (other?, true),
        };
        let mut sent =
            Sent { messages: messages.iter().map(|m| MessageId(m.message_id)).collect(), file_ids: Vec::new() };
        if as_photos {
            for ((media, _), m) in photos.iter().zip(&messages) {
                if let (Media::Stored { image: Some(id), .. }, Some(file_id)) = (media, m.file_id()) {
                    sent.file_ids.push((*id, file_id.to_owned()));
                }
            }
        }
        Ok(sent)
    }

    async fn send_group_as(
        &self,
        chat: ChatId,
        photos: &[(Media, Option<String>)],
        sources: &[Source],
        documents: bool,
    ) -> Result<Vec<SentMessage>, SendError> {
        let names: Vec<String> = (0..sources.len()).map(|i| format!("file{i}")).collect();
        let mut files = Vec::new();
        let mut media = Vec::with_capacity(sources.len());
        for (((_, caption), source), name) in photos.iter().zip(sources).zip(&names) {
            let (upload, path) = source.upload(name);
            if let Some(path) = path {
                files.push((name.as_str(), path));
            }
            let caption = caption.clone();
            let parse_mode = caption.as_ref().and(html());
            media.push(if documents {
                MediaGroupInputMedia::Document(
                    InputMediaDocument::builder()
                        .media(upload)
                        .maybe_caption(caption)
                        .maybe_parse_mode(parse_mode)
                        .build(),
                )
            } else {
                MediaGroupInputMedia::Photo(
                    InputMediaPhoto::builder()
                        .media(upload)
                        .maybe_caption(caption)
                        .maybe_parse_mode(parse_mode)
                        .build(),
                )
            });
        }
        let params = SendMediaGroupParams::builder().chat_id(chat.0).media(media).build();
        Ok(self.api.call_with_files("sendMediaGroup", &params, files).await?)
    }
}
