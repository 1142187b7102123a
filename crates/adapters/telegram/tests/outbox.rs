//! The outbox against the emulator over loopback HTTP: order, pacing, 429, 403, media.

mod common;

use aisha_bot::io::{ChatId, Class, Media, MessageId, Outgoing, Reply};
use aisha_domain::ImageId;
use aisha_domain::ports::ImageStore;
use aisha_domain::storage::StorageKey;
use aisha_sandbox::telegram::{Call, Fault, FaultKind, png};
use aisha_telegram::{OutboxConfig, SendError};
use common::{Harness, eventually, fast, rate};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

fn text(chat: i64, text: &str) -> Outgoing {
    Outgoing::normal(Reply::SendText { chat: ChatId(chat), text: text.to_owned(), keyboard: None })
}

fn sends(calls: &[Call], chat: i64) -> Vec<Call> {
    calls.iter().filter(|c| c.chat_id == Some(chat) && c.method == "sendMessage").cloned().collect()
}

#[tokio::test]
async fn one_chat_gets_every_reply_in_order_and_never_faster_than_its_limit() {
    let h = Harness::start().await;
    h.emulator.add_user(7, "Ann", Some("en"));
    // 20/s with no burst: 100 replies need about 5 s
    let outbox = h.outbox(OutboxConfig { chat_rate: rate(20, 1), ..fast() });
    let mut last = None;
    for i in 0..100 {
        last = Some(outbox.submit(text(7, &format!("reply {i}"))));
    }
    last.unwrap().await.unwrap();

    let texts: Vec<String> = h.emulator.messages(7).into_iter().filter_map(|m| m.text).collect();
    let expected: Vec<String> = (0..100).map(|i| format!("reply {i}")).collect();
    assert_eq!(texts, expected);

    let ok: Vec<Duration> =
        sends(&h.emulator.calls(), 7).into_iter().filter(|c| c.status == 200).map(|c| c.at).collect();
    assert_eq!(ok.len(), 100);
    // in any one-second window at most rate + burst, with one of slack for timer edges
    for (i, start) in ok.iter().enumerate() {
        let in_window = ok[i..].iter().take_while(|t| **t < *start + Duration::from_secs(1)).count();
        assert!(in_window <= 22, "{in_window} sends within one second from #{i}");
    }
    let span = *ok.last().unwrap() - ok[0];
    assert!(span >= Duration::from_millis(4_500), "100 sends at 20/s took only {span:?}");
}

#[tokio::test]
async fn a_429_pauses_only_the_chat_that_got_it() {
    let h = Harness::start().await;
    h.emulator.add_user(1, "A", None);
    h.emulator.add_user(2, "B", None);
    let outbox = h.outbox(OutboxConfig { chat_rate: rate(10, 1), ..fast() });
    h.emulator.add_fault(Fault {
        method: Some("sendMessage".into()),
        chat: Some(1),
        kind: FaultKind::TooManyRequests { retry_after: 2 },
        times: Some(1),
    });
    let mut waits = Vec::new();
    for i in 0..30 {
        waits.push(outbox.submit(text(1, &format!("a{i}"))));
        waits.push(outbox.submit(text(2, &format!("b{i}"))));
    }
    for w in waits {
        w.await.unwrap();
    }
    let calls = h.emulator.calls();
    let a = sends(&calls, 1);
    let limited: Vec<&Call> = a.iter().filter(|c| c.status == 429).collect();
    assert_eq!(limited.len(), 1, "the outbox waited instead of hammering: {a:?}");
    let t0 = limited[0].at;
    let next_a = a.iter().find(|c| c.status == 200 && c.at > t0).unwrap().at;
    assert!(next_a >= t0 + Duration::from_millis(1_950), "chat 1 resumed after {:?}", next_a - t0);
    let b_during =
        sends(&calls, 2).iter().filter(|c| c.status == 200 && c.at > t0 && c.at < t0 + Duration::from_secs(2)).count();
    assert!(b_during >= 10, "chat 2 kept flowing during the pause: {b_during} sends");
    let texts: Vec<String> = h.emulator.messages(1).into_iter().filter_map(|m| m.text).collect();
    assert_eq!(texts, (0..30).map(|i| format!("a{i}")).collect::<Vec<_>>(), "order kept across the 429");
}

#[tokio::test]
async fn a_blocked_user_stops_the_chat_and_is_reported_once() {
    let h = Harness::start().await;
    h.emulator.add_user(5, "Blocker", None);
    h.emulator.add_user(6, "Other", None);
    h.emulator.block_bot(5, true);
    let outbox = h.outbox(fast());
    let results: Vec<_> = (0..5).map(|i| outbox.submit(text(5, &format!("m{i}")))).collect();
    for r in results {
        assert_eq!(r.await, Err(SendError::Blocked));
    }
    assert_eq!(*h.feedback.blocked.lock().unwrap(), vec![ChatId(5)]);
    assert!(outbox.is_blocked(ChatId(5)));
    assert_eq!(sends(&h.emulator.calls(), 5).len(), 1, "nothing more is sent after the 403");
    assert_eq!(outbox.submit(text(5, "later")).await, Err(SendError::Blocked));
    outbox.submit(text(6, "fine")).await.unwrap();

    // the user comes back: the dispatcher unblocks the chat when they write
    h.emulator.block_bot(5, false);
    outbox.unblock(ChatId(5));
    outbox.submit(text(5, "welcome back")).await.unwrap();
    assert_eq!(h.feedback.blocked.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn edits_that_change_nothing_count_as_delivered() {
    let h = Harness::start().await;
    h.emulator.add_user(3, "C", None);
    let outbox = h.outbox(fast());
    let sent = outbox.submit(text(3, "same")).await.unwrap();
    let edit = Reply::EditText { chat: ChatId(3), message: sent.messages[0], text: "same".into(), keyboard: None };
    assert!(outbox.submit(Outgoing::normal(edit)).await.is_ok());
    let calls = h.emulator.calls();
    assert!(calls.iter().any(|c| c.method == "editMessageText" && c.status == 400), "Telegram did say 'not modified'");
}

#[tokio::test]
async fn progress_edits_of_one_message_are_coalesced() {
    let h = Harness::start().await;
    h.emulator.add_user(4, "D", None);
    let outbox = h.outbox(OutboxConfig { chat_rate: rate(2, 1), ..fast() });
    let status = outbox.submit(text(4, "queued")).await.unwrap().messages[0];
    let edits: Vec<_> = (1..=10)
        .map(|i| {
            let reply = Reply::EditText { chat: ChatId(4), message: status, text: format!("{}0%", i), keyboard: None };
            outbox.submit(Outgoing::progress(reply))
        })
        .collect();
    let done = outbox.submit(Outgoing::critical(Reply::EditText {
        chat: ChatId(4),
        message: status,
        text: "done".into(),
        keyboard: None,
    }));
    done.await.unwrap();
    let mut superseded = 0;
    for e in edits {
        if e.await == Err(SendError::Dropped) {
            superseded += 1;
        }
    }
    assert!(superseded >= 8, "only {superseded} of 10 progress edits were coalesced");
    let edit_calls = h.emulator.calls().iter().filter(|c| c.method == "editMessageText").count();
    assert!(edit_calls <= 3, "{edit_calls} edits sent");
    assert_eq!(h.emulator.messages(4)[0].text.as_deref(), Some("done"));
}

fn key(name: &str) -> StorageKey {
    StorageKey::parse(&format!("images/test/{name}.png")).unwrap()
}

#[tokio::test]
async fn stored_photos_are_uploaded_and_their_file_ids_reported() {
    let h = Harness::start().await;
    h.emulator.add_user(8, "E", None);
    h.images.put(&key("a"), png(64, 48), "image/png").await.unwrap();
    let outbox = h.outbox(fast());
    let image = ImageId(Uuid::from_u128(1));
    let reply = Reply::SendPhoto {
        chat: ChatId(8),
        photo: Media::Stored { key: key("a"), image: Some(image) },
        caption: Some("<b>cat</b>".into()),
        keyboard: None,
    };
    let sent = outbox.submit(Outgoing::critical(reply)).await.unwrap();
    let message = h.emulator.messages(8).pop().unwrap();
    let largest = message.photo.as_ref().unwrap().last().unwrap().clone();
    assert_eq!((largest.width, largest.height), (64, 48));
    assert_eq!(sent.file_ids, vec![(image, largest.file_id.clone())]);
    assert_eq!(*h.feedback.file_ids.lock().unwrap(), vec![(ChatId(8), image, largest.file_id.clone())]);

    // the gallery re-sends by file id and pages by editing the media
    let again = Reply::EditPhoto {
        chat: ChatId(8),
        message: MessageId(message.message_id),
        photo: Media::FileId(largest.file_id.clone()),
        caption: Some("2 / 2".into()),
        keyboard: None,
    };
    outbox.submit(Outgoing::normal(again)).await.unwrap();
    assert_eq!(h.emulator.messages(8)[0].caption.as_deref(), Some("2 / 2"));
}

#[tokio::test]
async fn a_text_screen_over_a_photo_comes_as_a_new_message() {
    // "Menu" pressed under a gallery card: the card is a photo, which has no text to replace
    let h = Harness::start().await;
    h.emulator.add_user(9, "F", None);
    h.images.put(&key("card"), png(64, 48), "image/png").await.unwrap();
    let outbox = h.outbox(fast());
    let card = Reply::SendPhoto {
        chat: ChatId(9),
        photo: Media::Stored { key: key("card"), image: None },
        caption: Some("1 / 1".into()),
        keyboard: None,
    };
    let sent = outbox.submit(Outgoing::normal(card)).await.unwrap();
    let menu = Reply::EditText { chat: ChatId(9), message: sent.messages[0], text: "🏠 Menu".into(), keyboard: None };
    let shown = outbox.submit(Outgoing::normal(menu)).await.expect("the menu reaches the user");
    let chat = h.emulator.messages(9);
    assert_eq!(chat.len(), 2, "the card stays and the menu follows it");
    assert_eq!(chat[1].text.as_deref(), Some("🏠 Menu"));
    assert_eq!(shown.messages, vec![MessageId(chat[1].message_id)]);
    let calls = h.emulator.calls();
    assert!(calls.iter().any(|c| c.method == "editMessageText" && c.status == 400), "the edit was refused first");
}

#[tokio::test]
async fn an_oversized_photo_goes_as_a_document() {
    let h = Harness::start().await;
    h.emulator.add_user(9, "F", None);
    // over the 10 MB photo upload limit, under the 50 MB document limit
    let big = vec![7u8; 10 * 1024 * 1024 + 1];
    h.images.put(&key("big"), big, "image/png").await.unwrap();
    let outbox = h.outbox(fast());
    let reply = Reply::SendPhoto {
        chat: ChatId(9),
        photo: Media::Stored { key: key("big"), image: Some(ImageId(Uuid::from_u128(2))) },
        caption: Some("original".into()),
        keyboard: None,
    };
    let sent = outbox.submit(Outgoing::critical(reply)).await.unwrap();
    assert_eq!(sent.messages.len(), 1);
    let message = h.emulator.messages(9).pop().unwrap();
    assert!(message.photo.is_none());
    let document = message.document.expect("sent as a document");
    assert_eq!(document.file_size, 10 * 1024 * 1024 + 1);
    assert_eq!(message.caption.as_deref(), Some("original"));
    assert!(h.feedback.file_ids.lock().unwrap().is_empty(), "a document's id cannot be re-sent as a photo");
    let calls = h.emulator.calls();
    assert!(calls.iter().any(|c| c.method == "sendPhoto" && c.status == 413));
}

#[tokio::test]
async fn an_album_of_four_arrives_as_one_media_group() {
    let h = Harness::start().await;
    h.emulator.add_user(10, "G", None);
    let mut photos = Vec::new();
    for i in 0..4u128 {
        let k = key(&format!("album{i}"));
        h.images.put(&k, png(40 + i as u32, 30), "image/png").await.unwrap();
        photos.push((Media::Stored { key: k, image: Some(ImageId(Uuid::from_u128(10 + i))) }, Some(format!("#{i}"))));
    }
    let outbox = h.outbox(fast());
    let sent = outbox.submit(Outgoing::critical(Reply::SendAlbum { chat: ChatId(10), photos })).await.unwrap();
    assert_eq!(sent.messages.len(), 4);
    assert_eq!(sent.file_ids.len(), 4);
    let messages = h.emulator.messages(10);
    assert_eq!(messages.len(), 4);
    let group = messages[0].media_group_id.clone().expect("an album");
    assert!(messages.iter().all(|m| m.media_group_id.as_deref() == Some(group.as_str()) && m.photo.is_some()));
    let captions: Vec<_> = messages.iter().map(|m| m.caption.clone().unwrap()).collect();
    assert_eq!(captions, ["#0", "#1", "#2", "#3"]);
    assert_eq!(h.emulator.calls().iter().filter(|c| c.method == "sendMediaGroup").count(), 1);
}

#[tokio::test]
async fn critical_replies_survive_server_errors() {
    let h = Harness::start().await;
    h.emulator.add_user(11, "H", None);
    h.emulator.add_fault(Fault {
        method: Some("sendMessage".into()),
        chat: Some(11),
        kind: FaultKind::ServerError { status: 502 },
        times: Some(3),
    });
    let outbox = h.outbox(fast());
    outbox.submit(Outgoing { reply: text(11, "your images").reply, class: Class::Critical }).await.unwrap();
    assert_eq!(h.emulator.messages(11).len(), 1);
    assert!(eventually(Duration::from_secs(1), || outbox.pending() == 0).await);
}

#[tokio::test]
async fn pending_chat_actions_collapse_into_one() {
    let h = Harness::start().await;
    h.emulator.add_user(12, "J", None);
    let outbox = h.outbox(OutboxConfig { chat_rate: rate(4, 1), ..fast() });
    outbox.submit(text(12, "working")).await.unwrap();
    for _ in 0..5 {
        let action = Reply::Action { chat: ChatId(12), action: aisha_bot::io::ChatAction::UploadPhoto };
        outbox.send(Outgoing::progress(action));
    }
    outbox.submit(Outgoing::critical(text(12, "done").reply)).await.unwrap();
    let actions = h.emulator.calls().iter().filter(|c| c.method == "sendChatAction").count();
    assert_eq!(actions, 1);
}

/// A store with public URLs, served by a small HTTP server; keys under `broken/` 404 there.
struct UrlStore {
    inner: aisha_memory::MemoryImageStore,
    base: String,
}

#[async_trait::async_trait]
impl ImageStore for UrlStore {
    fn bucket(&self) -> &str {
        "public"
    }
    async fn put(&self, key: &StorageKey, bytes: Vec<u8>, ct: &str) -> Result<(), aisha_domain::ports::StorageError> {
        self.inner.put(key, bytes, ct).await
    }
    async fn get(&self, key: &StorageKey) -> Result<Vec<u8>, aisha_domain::ports::StorageError> {
        self.inner.get(key).await
    }
    async fn delete(&self, key: &StorageKey) -> Result<(), aisha_domain::ports::StorageError> {
        self.inner.delete(key).await
    }
    async fn exists(&self, key: &StorageKey) -> Result<bool, aisha_domain::ports::StorageError> {
        self.inner.exists(key).await
    }
    async fn public_url(
        &self,
        key: &StorageKey,
        _: Duration,
    ) -> Result<Option<String>, aisha_domain::ports::StorageError> {
        Ok(Some(format!("{}/{}", self.base, key.as_str())))
    }
}

#[tokio::test]
async fn public_urls_are_used_and_an_unreachable_one_falls_back_to_an_upload() {
    use aisha_telegram::{NoFeedback, Outbox};
    use axum::extract::{Path, State};
    let h = Harness::start().await;
    h.emulator.add_user(13, "K", None);
    let served = Arc::new(aisha_memory::MemoryImageStore::default());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route(
            "/{*key}",
            axum::routing::get(
                |State(store): State<Arc<aisha_memory::MemoryImageStore>>, Path(key): Path<String>| async move {
                    match StorageKey::parse(&key) {
                        Ok(k) if !key.starts_with("broken/") => {
                            store.get(&k).await.map_err(|_| axum::http::StatusCode::NOT_FOUND)
                        }
                        _ => Err(axum::http::StatusCode::NOT_FOUND),
                    }
                },
            ),
        )
        .with_state(served.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let store = Arc::new(UrlStore { inner: aisha_memory::MemoryImageStore::default(), base });
    let good = StorageKey::parse("images/ok.png").unwrap();
    let broken = StorageKey::parse("broken/gone.png").unwrap();
    served.put(&good, png(30, 30), "image/png").await.unwrap();
    store.put(&good, png(30, 30), "image/png").await.unwrap();
    store.put(&broken, png(31, 31), "image/png").await.unwrap();
    let outbox = Outbox::new(
        &h.telegram,
        store,
        Arc::new(aisha_memory::MemoryRateLimiter::new(Arc::new(common::SystemClock))),
        Arc::new(NoFeedback),
        fast(),
    );
    for key in [good, broken] {
        let reply = Reply::SendPhoto {
            chat: ChatId(13),
            photo: Media::Stored { key, image: None },
            caption: None,
            keyboard: None,
        };
        outbox.submit(Outgoing::critical(reply)).await.unwrap();
    }
    let widths: Vec<u32> = h.emulator.messages(13).iter().map(|m| m.photo.as_ref().unwrap()[1].width).collect();
    assert_eq!(widths, [30, 31]);
    let photo_calls: Vec<u16> =
        h.emulator.calls().iter().filter(|c| c.method == "sendPhoto").map(|c| c.status).collect();
    assert_eq!(photo_calls, [200, 400, 200], "by URL, by URL refused, by upload");
}

#[tokio::test]
async fn an_original_is_uploaded_as_a_named_document_even_when_the_store_has_public_urls() {
    use aisha_telegram::{NoFeedback, Outbox};
    let h = Harness::start().await;
    h.emulator.add_user(14, "L", None);
    // a store whose objects have public URLs: photos go by URL, but Telegram takes documents
    // by URL only for GIF, PDF and ZIP, so the PNG original must be uploaded
    let store =
        Arc::new(UrlStore { inner: aisha_memory::MemoryImageStore::default(), base: "http://127.0.0.1:9".into() });
    let original = StorageKey::parse("images/original.png").unwrap();
    let bytes = png(40, 20);
    store.put(&original, bytes.clone(), "image/png").await.unwrap();
    let outbox = Outbox::new(
        &h.telegram,
        store,
        Arc::new(aisha_memory::MemoryRateLimiter::new(Arc::new(common::SystemClock))),
        Arc::new(NoFeedback),
        fast(),
    );
    let reply = Reply::SendDocument {
        chat: ChatId(14),
        document: Media::Stored { key: original, image: None },
        file_name: "aisha-2026-12-07-1a2b3c4d.png".into(),
        caption: Some("<b>Original</b>, 40×20".into()),
        keyboard: None,
    };
    let sent = outbox.submit(Outgoing::critical(reply)).await.unwrap();
    assert_eq!(sent.messages.len(), 1);
    let message = h.emulator.messages(14).pop().unwrap();
    let document = message.document.expect("a document");
    assert_eq!(document.file_name.as_deref(), Some("aisha-2026-12-07-1a2b3c4d.png"));
    assert_eq!(document.file_size, bytes.len() as u64, "the stored bytes, whole");
    assert_eq!(message.caption.as_deref(), Some("<b>Original</b>, 40×20"));
    let calls: Vec<u16> = h.emulator.calls().iter().filter(|c| c.method == "sendDocument").map(|c| c.status).collect();
    assert_eq!(calls, [200], "uploaded at once, never tried by URL");
}
