//! Downloads, and the token staying out of every error and log line.

mod common;

use aisha_bot::io::{ChatId, Event, FetchError, Files, Outgoing, Reply};
use aisha_sandbox::telegram::{Fault, FaultKind, TelegramEmulator, png};
use aisha_telegram::{ApiError, DownloadError, OutboxConfig, Poller, Telegram, TelegramConfig};
use common::Harness;
use secrecy::SecretString;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn user_photos_and_documents_download_and_big_files_are_refused() {
    let h = Harness::start().await;
    let photo = png(300, 200);
    h.emulator.send_photo(71, photo.clone(), Some("me")).unwrap();
    h.emulator.send_document(71, vec![1u8; 21 * 1024 * 1024], "huge.bin", None);
    let mut poller = Poller::new(h.telegram.clone()).with_timeout(0);
    let updates = poller.poll_once().await.unwrap();
    let Event::Photo { file, caption, .. } = &updates[0].event else { panic!("{:?}", updates[0]) };
    assert_eq!((file.width, file.height, caption.as_deref()), (Some(300), Some(200), Some("me")));
    assert_eq!(h.telegram.download(&file.file_id).await.unwrap(), photo);

    let Event::Document { file, .. } = &updates[1].event else { panic!("{:?}", updates[1]) };
    assert_eq!(file.size, Some(21 * 1024 * 1024));
    let refused = h.telegram.download(&file.file_id).await.unwrap_err();
    assert!(matches!(refused, DownloadError::TooLarge(_)), "{refused:?}");
    // through the bot's port, with the bot's own ceiling
    let files: &dyn Files = &h.telegram;
    let Event::Photo { file: photo_file, .. } = &updates[0].event else { unreachable!() };
    assert_eq!(files.fetch(&photo_file.file_id, 1_000_000).await.unwrap(), photo);
    assert_eq!(files.fetch(&photo_file.file_id, 100).await, Err(FetchError::TooLarge { max: 100 }));
    assert!(matches!(files.fetch("no-such-file", 100).await, Err(FetchError::Unavailable(_))));
    assert!(matches!(h.telegram.download("no-such-file").await, Err(DownloadError::Api(ApiError::Rejected { .. }))));
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const TOKEN: &str = "4242424242:leak-canary-QWERTY";

fn client(base: &str, token: &str, timeout: Duration) -> Telegram {
    let mut config = TelegramConfig::with_base(SecretString::from(token.to_owned()), base);
    config.request_timeout = timeout;
    Telegram::new(&config).unwrap()
}

// a current-thread runtime, so every task logs through the thread's subscriber
#[tokio::test(flavor = "current_thread")]
async fn the_token_never_appears_in_errors_or_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emulator = TelegramEmulator::start_with_token(TOKEN).await.unwrap();
    let base = emulator.base_url();
    let mut errors: Vec<String> = Vec::new();
    let mut note = |e: &dyn std::fmt::Debug, d: String| errors.push(format!("{d} / {e:?}"));

    // a wrong token: 401
    let wrong = client(&base, "4242424242:some-other-token", Duration::from_secs(5));
    let e = wrong.get_me().await.unwrap_err();
    assert_eq!(e, ApiError::Unauthorized);
    note(&e, e.to_string());

    // nobody listening
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let refused = client(&format!("http://{closed}"), TOKEN, Duration::from_secs(5));
    let e = refused.get_me().await.unwrap_err();
    assert!(matches!(e, ApiError::Unavailable(_)));
    note(&e, e.to_string());
    let e = refused.download("anything").await.unwrap_err();
    note(&e, e.to_string());

    // a timeout, a 5xx, a missing file
    let telegram = client(&base, TOKEN, Duration::from_millis(300));
    emulator.add_fault(Fault {
        method: Some("getMe".into()),
        chat: None,
        kind: FaultKind::Slow { millis: 1_000 },
        times: Some(1),
    });
    let e = telegram.get_me().await.unwrap_err();
    note(&e, e.to_string());
    emulator.add_fault(Fault {
        method: Some("getMe".into()),
        chat: None,
        kind: FaultKind::ServerError { status: 502 },
        times: Some(1),
    });
    let e = telegram.get_me().await.unwrap_err();
    note(&e, e.to_string());
    let e = telegram.download("missing").await.unwrap_err();
    note(&e, e.to_string());

    // getFile works but the file host is down: the failing URL holds the token
    emulator.send_photo(3, png(10, 10), None).unwrap();
    let file_id = emulator.messages(3)[0].photo.as_ref().unwrap()[1].file_id.clone();
    let mut config = TelegramConfig::with_base(SecretString::from(TOKEN.to_owned()), &base);
    config.file_base = format!("http://{closed}");
    let e = Telegram::new(&config).unwrap().download(&file_id).await.unwrap_err();
    assert!(matches!(e, DownloadError::Http(_)), "{e:?}");
    note(&e, e.to_string());

    // the poller and the outbox log their failures
    let h = Harness { emulator, telegram: telegram.clone(), images: Default::default(), feedback: Default::default() };
    let outbox = h.outbox(OutboxConfig { attempts: 2, ..common::fast() });
    h.emulator.add_user(9, "x", None);
    h.emulator.add_fault(Fault {
        method: Some("sendMessage".into()),
        chat: None,
        kind: FaultKind::ServerError { status: 500 },
        times: None,
    });
    let e = outbox
        .submit(Outgoing::normal(Reply::SendText { chat: ChatId(9), text: "hi".into(), keyboard: None }))
        .await
        .unwrap_err();
    note(&e, e.to_string());
    let stop = CancellationToken::new();
    let poller = Poller::new(wrong.clone()).with_timeout(0);
    let stopper = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        stopper.cancel();
    });
    poller.run(|_| async {}, stop).await;

    errors.push(format!("{:?} {:?}", telegram, TelegramConfig::with_base(SecretString::from(TOKEN.to_owned()), &base)));
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("getUpdates failed") || logged.contains("refused the token"),
        "the failures were logged: {logged}"
    );
    assert!(logged.contains("reply not delivered"), "{logged}");
    for text in errors.iter().chain(std::iter::once(&logged)) {
        assert!(!text.contains("leak-canary"), "token leaked: {text}");
    }
}
