//! One reply → one Bot API call (two when a fallback applies). No queues, no limits, no
//! retries: the outbox decides those.

use crate::api::{Api, ApiError, Edited, SentMessage};
use aisha_bot::io::{Button, ButtonAction, ChatAction, ChatId, Keyboard, Media, MessageId, Reply};
use aisha_domain::ImageId;
use aisha_domain::ports::{ImageStore, StorageError};
use frankenstein::ParseMode;
use frankenstein::input_file::FileUpload;
use frankenstein::input_media::{InputMedia, InputMediaDocument, InputMediaPhoto, MediaGroupInputMedia};
use frankenstein::methods::{
    AnswerCallbackQueryParams, AnswerPreCheckoutQueryParams, DeleteMessageParams, EditMessageMediaParams,
    EditMessageReplyMarkupParams, EditMessageTextParams, SendChatActionParams, SendDocumentParams, SendInvoiceParams,
    SendMediaGroupParams, SendMessageParams, SendPhotoParams,
};
use frankenstein::payments::LabeledPrice;
use frankenstein::types::{self as tg, InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tempfile::NamedTempFile;

/// Why a reply was not delivered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("image storage: {0}")]
    Storage(#[from] StorageError),
    /// The user blocked the bot (now or earlier): nothing more goes to this chat.
    #[error("the chat has blocked the bot")]
    Blocked,
    /// Shed under pressure, superseded by a newer progress edit, or too old to matter.
    #[error("dropped by the outbox")]
    Dropped,
    /// The answer came too late to matter (pre-checkout queries must be answered in 10 s).
    #[error("deadline passed")]
    Deadline,
}

impl SendError {
    pub fn is_retryable(&self) -> bool {
        match self {
            SendError::Api(e) => e.is_retryable(),
            SendError::Storage(e) => e.is_retryable(),
            _ => false,
        }
    }
}

/// What a delivered reply produced: the messages it created (or edited), and file ids for
/// stored images.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub messages: Vec<MessageId>,
    pub file_ids: Vec<(ImageId, String)>,
}

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

pub(crate) struct Sender {
    pub api: Api,
    images: Arc<dyn ImageStore>,
    url_ttl: Duration,
}

fn html() -> Option<ParseMode> {
    Some(ParseMode::Html)
}

pub(crate) fn markup(keyboard: &Keyboard) -> InlineKeyboardMarkup {
    let rows = keyboard.iter().map(|row| row.iter().map(button).collect()).collect();
    InlineKeyboardMarkup::builder().inline_keyboard(rows).build()
}

fn button(b: &Button) -> InlineKeyboardButton {
    let base = InlineKeyboardButton::builder().text(b.text.clone());
    match &b.action {
        ButtonAction::Callback(data) => base.callback_data(data.clone()).build(),
        ButtonAction::Url(url) => base.url(url.clone()).build(),
        ButtonAction::Pay => base.pay(true).build(),
    }
}

fn reply_markup(keyboard: Option<&Keyboard>) -> Option<ReplyMarkup> {
    keyboard.map(|k| ReplyMarkup::InlineKeyboardMarkup(markup(k)))
}

fn one(m: SentMessage) -> Sent {
    Sent { messages: vec![MessageId(m.message_id)], file_ids: Vec::new() }
}

/// The chat a reply goes to; `None` for answers to queries, which bypass the chat queues.
pub fn reply_chat(reply: &Reply) -> Option<ChatId> {
    match reply {
        Reply::SendText { chat, .. }
        | Reply::EditText { chat, .. }
        | Reply::SendPhoto { chat, .. }
        | Reply::EditPhoto { chat, .. }
        | Reply::SendAlbum { chat, .. }
        | Reply::SendDocument { chat, .. }
        | Reply::EditKeyboard { chat, .. }
        | Reply::Delete { chat, .. }
        | Reply::Action { chat, .. }
        | Reply::Invoice { chat, .. } => Some(*chat),
        Reply::AnswerCallback { .. } | Reply::AnswerPreCheckout { .. } => None,
    }
}

/// What a progress reply supersedes: an older edit of the same message, or an older chat
/// action in the same chat (`None` as the message).
pub fn supersedes(reply: &Reply) -> Option<(ChatId, Option<MessageId>)> {
    match reply {
        Reply::EditText { chat, message, .. }
        | Reply::EditPhoto { chat, message, .. }
        | Reply::EditKeyboard { chat, message, .. } => Some((*chat, Some(*message))),
        Reply::Action { chat, .. } => Some((*chat, None)),
        _ => None,
    }
}

/// Telegram's refusals of `editMessageText` that a new message answers instead.
fn cannot_edit_text(description: &str) -> bool {
    ["there is no text in the message to edit", "message can't be edited", "message to edit not found"]
        .iter()
        .any(|d| description.contains(d))
}

impl Sender {
    pub fn new(api: Api, images: Arc<dyn ImageStore>, url_ttl: Duration) -> Self {
        Self { api, images, url_ttl }
    }

    pub async fn execute(&self, reply: &Reply) -> Result<Sent, SendError> {
        match reply {
            Reply::SendText { chat, text, keyboard } => {
                let params = SendMessageParams::builder()
                    .chat_id(chat.0)
                    .text(text.clone())
                    .maybe_parse_mode(html())
                    .maybe_reply_markup(reply_markup(keyboard.as_ref()))
                    .build();
                Ok(one(self.api.call("sendMessage", &params).await?))
            }
            Reply::EditText { chat, message, text, keyboard } => {
                let params = EditMessageTextParams::builder()
                    .chat_id(chat.0)
                    .message_id(message.0)
                    .text(text.clone())
                    .maybe_parse_mode(html())
                    .maybe_reply_markup(keyboard.as_ref().map(markup))
                    .build();
                match self.api.call::<_, Edited>("editMessageText", &params).await {
                    Ok(_) => Ok(Sent { messages: vec![*message], file_ids: Vec::new() }),
                    // a photo (a gallery card) has no text to replace, and old or deleted
                    // messages cannot be edited: the screen comes as a new message instead
                    Err(ApiError::Rejected { description, .. }) if cannot_edit_text(&description) => {
                        let resend = Reply::SendText { chat: *chat, text: text.clone(), keyboard: keyboard.clone() };
                        Box::pin(self.execute(&resend)).await
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Reply::SendPhoto { chat, photo, caption, keyboard } => {
                self.send_photo(*chat, photo, caption.as_deref(), keyboard.as_ref()).await
            }
            Reply::EditPhoto { chat, message, photo, caption, keyboard } => {
                self.edit_photo(*chat, *message, photo, caption.as_deref(), keyboard.as_ref()).await
            }
            Reply::SendAlbum { chat, photos } => self.send_album(*chat, photos).await,
            Reply::SendDocument { chat, document, file_name, caption, keyboard } => {
                self.send_document(*chat, document, file_name, caption.as_deref(), keyboard.as_ref()).await
            }
            Reply::EditKeyboard { chat, message, keyboard } => {
                let params = EditMessageReplyMarkupParams::builder()
                    .chat_id(chat.0)
                    .message_id(message.0)
                    .maybe_reply_markup(keyboard.as_ref().map(markup))
                    .build();
                let _: Edited = self.api.call("editMessageReplyMarkup", &params).await?;
                Ok(Sent { messages: vec![*message], file_ids: Vec::new() })
            }
            Reply::Delete { chat, message } => {
                let params = DeleteMessageParams::builder().chat_id(chat.0).message_id(message.0).build();
                match self.api.call::<_, bool>("deleteMessage", &params).await {
                    // already gone is what was asked for
                    Err(ApiError::Rejected { description, .. })
                        if description.contains("message to delete not found") =>
                    {
                        Ok(Sent::default())
                    }
                    other => other.map(|_| Sent::default()).map_err(SendError::from),
                }
            }
            Reply::AnswerCallback { query_id, text, alert } => {
                let params = AnswerCallbackQueryParams::builder()
                    .callback_query_id(query_id.clone())
                    .maybe_text(text.clone())
                    .maybe_show_alert(alert.then_some(true))
                    .build();
                self.api.call::<_, bool>("answerCallbackQuery", &params).await?;
                Ok(Sent::default())
            }
            Reply::Action { chat, action } => {
                let action = match action {
                    ChatAction::Typing => tg::ChatAction::Typing,
                    ChatAction::UploadPhoto => tg::ChatAction::UploadPhoto,
                };
                let params = SendChatActionParams::builder().chat_id(chat.0).action(action).build();
                self.api.call::<_, bool>("sendChatAction", &params).await?;
                Ok(Sent::default())
            }
            Reply::Invoice { chat, title, description, payload, label, stars } => {
                let params = SendInvoiceParams::builder()
                    .chat_id(chat.0)
                    .title(title.clone())
                    .description(description.clone())
                    .payload(payload.clone())
                    .currency("XTR")
                    .prices(vec![LabeledPrice::builder().label(label.clone()).amount(*stars).build()])
                    .build();
                Ok(one(self.api.call("sendInvoice", &params).await?))
            }
            Reply::AnswerPreCheckout { query_id, ok, error } => {
                let params = AnswerPreCheckoutQueryParams::builder()
                    .pre_checkout_query_id(query_id.clone())
                    .ok(*ok)
                    .maybe_error_message(error.clone())
                    .build();
                self.api.call::<_, bool>("answerPreCheckoutQuery", &params).await?;
                Ok(Sent::default())
            }
        }
    }

    /// A file id as is; a stored image by its public URL when the store has one, else
    /// uploaded from a temp file (frankenstein uploads only from paths).
    /// A stored object is always uploaded (Telegram takes documents by URL only for GIF, PDF
    /// and ZIP), under `file_name`, so the user saves it with a name that says what it is.
    async fn send_document(
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

    async fn send_photo(
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

    async fn edit_photo(
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
    async fn send_album(&self, chat: ChatId, photos: &[(Media, Option<String>)]) -> Result<Sent, SendError> {
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
