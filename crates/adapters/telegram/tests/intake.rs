//! Intake and dispatch against the emulator: polling past unknown updates, the webhook's
//! secret, callback deadlines, chat order, and pre-checkout answers under load.

mod common;

use aisha_bot::io::{ChatId, Event, Keyboard, Outgoing, Reply, Update};
use aisha_sandbox::telegram::PaymentOutcome;
use aisha_telegram::{Confirm, Dispatcher, DispatcherConfig, OutboxConfig, Poller, SECRET_HEADER, webhook_router};
use common::{Harness, eventually, fast, rate};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn button(text: &str, data: &str) -> Keyboard {
    vec![vec![aisha_bot::io::Button { text: text.into(), action: aisha_bot::io::ButtonAction::Callback(data.into()) }]]
}

#[tokio::test]
async fn an_unknown_update_between_two_known_ones_is_skipped_and_the_offset_moves_on() {
    let h = Harness::start().await;
    h.emulator.send_text(21, "/start");
    h.emulator.inject_update("message_reaction", json!({"chat": {"id": 21}, "message_id": 1, "date": 0}));
    h.emulator.inject_update("message", json!({"message_id": "not a number"}));
    h.emulator.send_text(21, "hello");
    let mut poller = Poller::new(h.telegram.clone()).with_timeout(0);
    let updates = poller.poll_once().await.unwrap();
    let events: Vec<Event> = updates.into_iter().map(|u| u.event).collect();
    assert!(
        matches!(&events[..], [Event::Command { name, .. }, Event::Text { text, .. }] if name == "start" && text == "hello")
    );
    assert_eq!(poller.offset(), Some(5));
    assert!(poller.poll_once().await.unwrap().is_empty());
    assert_eq!(h.emulator.pending_updates(), 0, "the next poll confirmed all four");
}

#[tokio::test]
async fn long_polling_waits_for_the_next_update() {
    let h = Harness::start().await;
    let poller = Poller::new(h.telegram.clone()).with_timeout(5);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let stop = CancellationToken::new();
    let task = tokio::spawn(poller.run(
        move |u: Update| {
            let tx = tx.clone();
            async move {
                tx.send(u).unwrap();
            }
        },
        stop.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.emulator.send_text(22, "late");
    let update = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await.unwrap().unwrap();
    assert!(matches!(update.event, Event::Text { text, .. } if text == "late"));
    stop.cancel();
    task.await.unwrap();
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn the_webhook_handles_only_requests_with_the_right_secret() {
    let h = Harness::start().await;
    let seen = Arc::new(Mutex::new(Vec::<Update>::new()));
    let sink = seen.clone();
    let router = webhook_router("/telegram", "s3cret-Token_1".into(), None, move |u| {
        sink.lock().unwrap().push(u);
        async {}
    });
    let base = serve(router).await;
    let http = reqwest::Client::new();
    let body = json!({"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": false, "first_name": "X"}, "text": "forged"}});
    let missing = http.post(format!("{base}/telegram")).json(&body).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    let wrong =
        http.post(format!("{base}/telegram")).header(SECRET_HEADER, "s3cret-Token_2").json(&body).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(seen.lock().unwrap().is_empty(), "nothing handled");

    // Telegram (the emulator) delivers with the secret given at setWebhook
    h.telegram.set_webhook(&format!("{base}/telegram"), "s3cret-Token_1").await.unwrap();
    h.emulator.send_text(23, "through the hook");
    assert!(eventually(Duration::from_secs(3), || seen.lock().unwrap().len() == 1).await);
    assert!(matches!(&seen.lock().unwrap()[0].event, Event::Text { text, .. } if text == "through the hook"));
    assert!(eventually(Duration::from_secs(2), || h.emulator.pending_updates() == 0).await);
    h.telegram.delete_webhook(false).await.unwrap();
}

/// A dispatcher whose handler echoes texts after `delay`, answers callbacks late, and accepts
/// every pre-checkout query.
fn echo_dispatcher(
    outbox: aisha_telegram::Outbox,
    delay: Duration,
    log: Arc<Mutex<Vec<(i64, String)>>>,
) -> Dispatcher<impl Fn(Update) -> futures::future::BoxFuture<'static, Vec<Outgoing>> + Send + Sync + 'static> {
    let handler = move |u: Update| -> futures::future::BoxFuture<'static, Vec<Outgoing>> {
        let log = log.clone();
        Box::pin(async move {
            match u.event {
                Event::Text { chat, text, .. } => {
                    tokio::time::sleep(delay).await;
                    log.lock().unwrap().push((chat.0, text.clone()));
                    vec![Outgoing::normal(Reply::SendText { chat, text: format!("echo {text}"), keyboard: None })]
                }
                Event::Callback { query_id, .. } => {
                    tokio::time::sleep(Duration::from_millis(1_500)).await;
                    vec![Outgoing::normal(Reply::AnswerCallback { query_id, text: Some("late".into()), alert: false })]
                }
                Event::PreCheckout { query_id, .. } => {
                    vec![Outgoing::critical(Reply::AnswerPreCheckout { query_id, ok: true, error: None })]
                }
                _ => Vec::new(),
            }
        })
    };
    Dispatcher::new(handler, outbox, DispatcherConfig::default())
}

fn run_poller(
    h: &Harness,
    dispatcher: Dispatcher<
        impl Fn(Update) -> futures::future::BoxFuture<'static, Vec<Outgoing>> + Send + Sync + 'static,
    >,
) -> CancellationToken {
    let stop = CancellationToken::new();
    let poller = Poller::new(h.telegram.clone()).with_timeout(1);
    let token = stop.clone();
    tokio::spawn(async move {
        poller
            .run(
                move |u| {
                    let d = dispatcher.clone();
                    async move { d.dispatch(u).await }
                },
                token,
            )
            .await;
    });
    stop
}

#[tokio::test]
async fn one_chat_in_order_many_chats_at_once() {
    let h = Harness::start().await;
    let outbox = h.outbox(fast());
    let log = Arc::new(Mutex::new(Vec::new()));
    let stop = run_poller(&h, echo_dispatcher(outbox, Duration::from_millis(100), log.clone()));
    let started = tokio::time::Instant::now();
    for i in 0..5 {
        for chat in 30..40 {
            h.emulator.send_text(chat, &format!("{i}"));
        }
    }
    assert!(eventually(Duration::from_secs(10), || log.lock().unwrap().len() == 50).await);
    // 5 sequential 100 ms handlers per chat; ten chats side by side, not one after another
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    for chat in 30..40 {
        let seen: Vec<String> =
            log.lock().unwrap().iter().filter(|(c, _)| *c == chat).map(|(_, t)| t.clone()).collect();
        assert_eq!(seen, ["0", "1", "2", "3", "4"], "chat {chat}");
        assert!(eventually(Duration::from_secs(3), || h.emulator.messages(chat).len() == 10).await);
    }
    stop.cancel();
}

#[tokio::test]
async fn a_slow_handler_still_answers_the_button_within_a_second() {
    let h = Harness::start().await;
    h.emulator.add_user(41, "I", None);
    let outbox = h.outbox(fast());
    let log = Arc::new(Mutex::new(Vec::new()));
    let stop = run_poller(&h, echo_dispatcher(outbox.clone(), Duration::ZERO, log));
    let menu = Reply::SendText { chat: ChatId(41), text: "menu".into(), keyboard: Some(button("Go", "go")) };
    let message = outbox.submit(Outgoing::normal(menu)).await.unwrap().messages[0];
    let pressed = tokio::time::Instant::now();
    let query = h.emulator.press(41, message.0, "go").unwrap();
    assert!(eventually(Duration::from_millis(1_400), || h.emulator.callback_answered(&query)).await);
    assert!(pressed.elapsed() < Duration::from_millis(1_400));
    // the handler's own answer (after 1.5 s) is dropped, not sent to fail with "query is too old"
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let answers: Vec<_> = h.emulator.calls().into_iter().filter(|c| c.method == "answerCallbackQuery").collect();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0].status, 200);
    stop.cancel();
}

#[tokio::test]
async fn pre_checkout_is_answered_in_time_while_the_outbox_is_saturated() {
    let h = Harness::start().await;
    // a slow outbox: 1 message a second per chat, 5 a second overall
    let outbox = h.outbox(OutboxConfig { chat_rate: rate(1, 1), global_rate: rate(5, 1), ..OutboxConfig::default() });
    for chat in 50..60 {
        h.emulator.add_user(chat, "busy", None);
        let status =
            outbox.submit(Outgoing::normal(Reply::SendText { chat: ChatId(chat), text: "0%".into(), keyboard: None }));
        drop(status);
    }
    for step in 1..=30 {
        for chat in 50..60 {
            // distinct message ids, so nothing coalesces: the lanes stay full
            let edit = Reply::EditText {
                chat: ChatId(chat),
                message: aisha_bot::io::MessageId(step),
                text: format!("{step}%"),
                keyboard: None,
            };
            outbox.send(Outgoing::progress(edit));
        }
    }
    assert!(outbox.pending() > 200, "saturated: {} pending", outbox.pending());
    let invoice = Reply::Invoice {
        chat: ChatId(61),
        title: "100 coins".into(),
        description: "Top up".into(),
        payload: "pkg:100".into(),
        label: "100 coins".into(),
        stars: 50,
    };
    h.emulator.add_user(61, "payer", None);
    let fresh = h.outbox(fast());
    let invoice_message = fresh.submit(Outgoing::critical(invoice)).await.unwrap().messages[0];

    let log = Arc::new(Mutex::new(Vec::new()));
    let stop = run_poller(&h, echo_dispatcher(outbox.clone(), Duration::ZERO, log));
    let started = tokio::time::Instant::now();
    let outcome = h.emulator.pay(61, invoice_message.0).await.unwrap();
    assert!(matches!(outcome, PaymentOutcome::Paid { .. }), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "answered after {:?}", started.elapsed());
    assert!(outbox.pending() > 100, "the progress backlog is still there: {}", outbox.pending());
    stop.cancel();
}

#[tokio::test]
async fn an_album_reaches_the_handler_as_one_event_in_its_place() {
    let h = Harness::start().await;
    let outbox = h.outbox(fast());
    let seen = Arc::new(Mutex::new(Vec::<Event>::new()));
    let sink = seen.clone();
    let handler = move |u: Update| {
        sink.lock().unwrap().push(u.event);
        async { Vec::new() }
    };
    let config = DispatcherConfig { album_window: Duration::from_millis(300), ..DispatcherConfig::default() };
    let dispatcher = Dispatcher::new(handler, outbox, config);
    let mut poller = Poller::new(h.telegram.clone()).with_timeout(0);
    let photos = (0..3).map(|i| aisha_sandbox::telegram::png(20 + i, 20)).collect();
    h.emulator.send_text(81, "before");
    let ids = h.emulator.send_album(81, photos).unwrap();
    h.emulator.send_text(81, "after");
    // the album split over two polls, as Telegram may deliver it
    let mut updates = poller.poll_once().await.unwrap();
    let tail = updates.split_off(3);
    for u in updates {
        dispatcher.dispatch(u).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    for u in tail {
        dispatcher.dispatch(u).await;
    }
    assert!(eventually(Duration::from_secs(3), || seen.lock().unwrap().len() == 3).await);
    let seen = seen.lock().unwrap().clone();
    assert!(matches!(&seen[0], Event::Text { text, .. } if text == "before"));
    let Event::Album { items, media_group, .. } = &seen[1] else { panic!("{:?}", seen[1]) };
    assert!(!media_group.is_empty());
    assert_eq!(items.iter().map(|i| i.message.0).collect::<Vec<_>>(), ids);
    assert!(items.iter().all(|i| !i.is_document && i.file.width.is_some()));
    assert!(matches!(&seen[2], Event::Text { text, .. } if text == "after"));
}

#[tokio::test]
async fn a_batch_is_confirmed_only_once_it_has_been_handled() {
    let h = Harness::start().await;
    let outbox = h.outbox(fast());
    let log = Arc::new(Mutex::new(Vec::new()));
    let dispatcher = echo_dispatcher(outbox, Duration::from_millis(800), log.clone());
    let stop = CancellationToken::new();
    let (poller, token, d) = (Poller::new(h.telegram.clone()).with_timeout(1), stop.clone(), dispatcher.clone());
    let settled = move || {
        let d = d.clone();
        async move {
            d.settled(Duration::from_secs(10)).await;
        }
    };
    let sink = move |u| {
        let d = dispatcher.clone();
        async move { d.dispatch(u).await }
    };
    tokio::spawn(async move { poller.run_settled(sink, settled, token).await });
    for chat in 70..73 {
        h.emulator.send_text(chat, "hi");
    }
    // fetched and in hand, but not confirmed: a process dying now gets them all again
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(log.lock().unwrap().is_empty(), "the handlers are still running");
    assert_eq!(h.emulator.pending_updates(), 3, "nothing is confirmed while the batch is in hand");
    // handled: the next getUpdates confirms the batch
    assert!(eventually(Duration::from_secs(5), || h.emulator.pending_updates() == 0).await);
    assert_eq!(log.lock().unwrap().len(), 3);
    stop.cancel();
}

#[tokio::test]
async fn the_webhook_answers_telegram_once_the_update_is_handled() {
    let h = Harness::start().await;
    let outbox = h.outbox(fast());
    let log = Arc::new(Mutex::new(Vec::new()));
    let dispatcher = echo_dispatcher(outbox, Duration::from_millis(300), log.clone());
    let router = webhook_router("/telegram", "secret".into(), None, move |u| {
        let d = dispatcher.clone();
        async move { d.dispatch_handled(u).await }
    });
    let base = serve(router).await;
    let body = json!({"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 77, "type": "private"},
        "from": {"id": 77, "is_bot": false, "first_name": "W"}, "text": "slow"}});
    let answer = reqwest::Client::new()
        .post(format!("{base}/telegram"))
        .header(SECRET_HEADER, "secret")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    // by the time Telegram hears 200 the handler has run: a crash before it means redelivery
    assert_eq!(*log.lock().unwrap(), vec![(77, "slow".to_owned())]);
}

fn payment_message(chat: i64, charge: &str) -> serde_json::Value {
    json!({"message_id": 5, "date": 0, "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": false, "first_name": "P"},
        "successful_payment": {"currency": "XTR", "total_amount": 50, "invoice_payload": "p",
            "telegram_payment_charge_id": charge, "provider_payment_charge_id": ""}})
}

#[tokio::test]
async fn polling_does_not_confirm_an_update_the_sink_has_not_committed() {
    let h = Harness::start().await;
    h.emulator.send_text(31, "before");
    h.emulator.inject_update("message", payment_message(31, "c-1"));
    h.emulator.send_text(31, "after");
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let refusals = Arc::new(std::sync::atomic::AtomicUsize::new(2));
    let sink = {
        let (seen, refusals) = (seen.clone(), refusals.clone());
        move |u: Update| {
            let (seen, refusals) = (seen.clone(), refusals.clone());
            async move {
                let label = match u.event {
                    Event::Text { text, .. } => text,
                    Event::Payment { telegram_charge_id, .. } => format!("paid {telegram_charge_id}"),
                    other => format!("{other:?}"),
                };
                let paid = label.starts_with("paid");
                seen.lock().unwrap().push(label);
                // the first two deliveries of the payment fail to commit
                if paid
                    && refusals
                        .fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |n| {
                            n.checked_sub(1)
                        })
                        .is_ok()
                {
                    Confirm::NotYet
                } else {
                    Confirm::Done
                }
            }
        }
    };
    let stop = CancellationToken::new();
    let poller = Poller::new(h.telegram.clone()).with_timeout(0);
    let task = tokio::spawn(poller.run_settled(sink, || async {}, stop.clone()));
    assert!(
        eventually(Duration::from_secs(20), || seen.lock().unwrap().len() == 5).await,
        "{:?}",
        seen.lock().unwrap()
    );
    assert!(eventually(Duration::from_secs(5), || h.emulator.pending_updates() == 0).await);
    assert_eq!(
        *seen.lock().unwrap(),
        ["before", "paid c-1", "paid c-1", "paid c-1", "after"],
        "the update before is confirmed once; the payment comes until committed; the one after waits for it"
    );
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test]
async fn the_webhook_answers_503_to_an_update_not_committed() {
    let answers = Arc::new(Mutex::new(vec![Confirm::NotYet, Confirm::Done]));
    let queue = answers.clone();
    let router = webhook_router("/telegram", "secret".into(), None, move |_u| {
        let next = queue.lock().unwrap().remove(0);
        async move { next }
    });
    let base = serve(router).await;
    let body = json!({"update_id": 9, "message": payment_message(78, "c-2")});
    let post =
        || reqwest::Client::new().post(format!("{base}/telegram")).header(SECRET_HEADER, "secret").json(&body).send();
    assert_eq!(post().await.unwrap().status(), 503, "Telegram delivers it again");
    assert_eq!(post().await.unwrap().status(), 200);
    assert!(answers.lock().unwrap().is_empty());
}
