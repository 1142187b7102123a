//! The Bot API emulator over plain HTTP: semantics, limits and error answers as Telegram
//! gives them, and the users' side.

use aisha_sandbox::telegram::{ChatEvent, Fault, FaultKind, PaymentOutcome, TelegramEmulator, png};
use serde_json::{Value, json};
use std::time::Duration;

struct Bot {
    http: reqwest::Client,
    api: String,
}

impl Bot {
    fn new(emulator: &TelegramEmulator) -> Self {
        Self { http: reqwest::Client::new(), api: format!("{}/bot{}", emulator.base_url(), emulator.token()) }
    }

    /// `(HTTP status, body)`.
    async fn call(&self, method: &str, params: Value) -> (u16, Value) {
        let response = self.http.post(format!("{}/{method}", self.api)).json(&params).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn ok(&self, method: &str, params: Value) -> Value {
        let (status, body) = self.call(method, params).await;
        assert_eq!(status, 200, "{method}: {body}");
        body["result"].clone()
    }

    async fn error(&self, method: &str, params: Value) -> (u16, String) {
        let (status, body) = self.call(method, params).await;
        assert_eq!(body["ok"], json!(false), "{method}: {body}");
        assert_eq!(body["error_code"], json!(status));
        (status, body["description"].as_str().unwrap().to_owned())
    }
}

#[tokio::test]
async fn long_polling_with_offsets_and_timeouts() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    let started = std::time::Instant::now();
    assert_eq!(bot.ok("getUpdates", json!({"timeout": 1})).await, json!([]));
    assert!(started.elapsed() >= Duration::from_millis(900), "held for the timeout");

    emulator.send_text(5, "/start@aisha_sandbox_bot");
    emulator.send_text(5, "hi");
    let updates = bot.ok("getUpdates", json!({"timeout": 10})).await;
    let first = updates[0]["update_id"].as_i64().unwrap();
    assert_eq!(updates.as_array().unwrap().len(), 2);
    assert_eq!(updates[0]["message"]["entities"][0]["type"], json!("bot_command"));
    assert_eq!(updates[1]["message"]["from"]["id"], json!(5));
    // unconfirmed updates come again; an offset confirms them
    assert_eq!(bot.ok("getUpdates", json!({})).await.as_array().unwrap().len(), 2);
    assert_eq!(bot.ok("getUpdates", json!({"offset": first + 1})).await.as_array().unwrap().len(), 1);
    assert_eq!(bot.ok("getUpdates", json!({"offset": first + 2})).await, json!([]));

    // allowed_updates filters what is queued from then on
    bot.ok("getUpdates", json!({"offset": first + 2, "allowed_updates": ["callback_query"]})).await;
    emulator.send_text(5, "filtered");
    assert_eq!(emulator.pending_updates(), 0);
}

#[tokio::test]
async fn a_newer_poll_ends_the_older_one_with_409() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    let (old, _) = tokio::join!(bot.call("getUpdates", json!({"timeout": 5})), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        bot.call("getUpdates", json!({"timeout": 0})).await
    });
    assert_eq!(old.0, 409);
    assert!(old.1["description"].as_str().unwrap().contains("terminated by other getUpdates request"));
}

#[tokio::test]
async fn messages_edits_deletions_and_limits() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    assert_eq!(
        bot.error("sendMessage", json!({"chat_id": 9, "text": "hi"})).await,
        (400, "Bad Request: chat not found".into())
    );
    emulator.send_text(9, "/start");
    let keyboard = json!({"inline_keyboard": [[{"text": "Next", "callback_data": "g:2"}]]});
    let sent = bot
        .ok("sendMessage", json!({"chat_id": 9, "text": "<b>Menu</b>", "parse_mode": "HTML", "reply_markup": keyboard}))
        .await;
    let id = sent["message_id"].as_i64().unwrap();
    assert_eq!(sent["from"]["is_bot"], json!(true));

    let same = json!({"chat_id": 9, "message_id": id, "text": "<b>Menu</b>", "reply_markup": keyboard});
    let (code, description) = bot.error("editMessageText", same).await;
    assert_eq!(code, 400);
    assert!(description.starts_with("Bad Request: message is not modified"));
    bot.ok("editMessageText", json!({"chat_id": 9, "message_id": id, "text": "Page 2", "reply_markup": keyboard}))
        .await;
    bot.ok("editMessageReplyMarkup", json!({"chat_id": 9, "message_id": id})).await;
    let shown = emulator.messages(9);
    assert_eq!(shown[1].text.as_deref(), Some("Page 2"));
    assert_eq!((shown[1].edits, shown[1].reply_markup.is_none()), (2, true));

    bot.ok("deleteMessage", json!({"chat_id": 9, "message_id": id})).await;
    assert_eq!(emulator.messages(9).len(), 1, "only the user's /start is left");
    let (_, gone) = bot.error("deleteMessage", json!({"chat_id": 9, "message_id": id})).await;
    assert_eq!(gone, "Bad Request: message to delete not found");
    let (_, gone) = bot.error("editMessageText", json!({"chat_id": 9, "message_id": id, "text": "x"})).await;
    assert_eq!(gone, "Bad Request: message to edit not found");

    let long = "я".repeat(4097);
    assert_eq!(
        bot.error("sendMessage", json!({"chat_id": 9, "text": long})).await.1,
        "Bad Request: message is too long"
    );
    // HTML tags do not count
    let tagged = format!("<b>{}</b>", "я".repeat(4096));
    bot.ok("sendMessage", json!({"chat_id": 9, "text": tagged, "parse_mode": "HTML"})).await;
    assert_eq!(
        bot.error("sendMessage", json!({"chat_id": 9, "text": ""})).await.1,
        "Bad Request: message text is empty"
    );
    let fat = json!({"inline_keyboard": [[{"text": "x", "callback_data": "d".repeat(65)}]]});
    assert_eq!(
        bot.error("sendMessage", json!({"chat_id": 9, "text": "t", "reply_markup": fat})).await.1,
        "Bad Request: BUTTON_DATA_INVALID"
    );
    let photo_id = {
        let emu_photo = emulator.send_photo(9, png(20, 20), None).unwrap();
        emulator.messages(9).into_iter().find(|m| m.message_id == emu_photo).unwrap().photo.unwrap()[1].file_id.clone()
    };
    let caption = "c".repeat(1025);
    assert_eq!(
        bot.error("sendPhoto", json!({"chat_id": 9, "photo": photo_id, "caption": caption})).await.1,
        "Bad Request: message caption is too long"
    );
    assert_eq!(bot.error("noSuchMethod", json!({})).await, (404, "Not Found".into()));
}

#[tokio::test]
async fn photos_by_upload_and_file_id_and_albums_and_downloads() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    emulator.send_text(11, "/start");
    let image = png(640, 480);
    let form = reqwest::multipart::Form::new()
        .text("chat_id", "11")
        .text("caption", "hello")
        .part("photo", reqwest::multipart::Part::bytes(image.clone()).file_name("a.png"));
    let response = bot.http.post(format!("{}/sendPhoto", bot.api)).multipart(form).send().await.unwrap();
    let body: Value = response.json().await.unwrap();
    let sizes = body["result"]["photo"].as_array().unwrap().clone();
    assert_eq!(sizes.len(), 2);
    assert_eq!((sizes[1]["width"].as_u64(), sizes[1]["height"].as_u64()), (Some(640), Some(480)));
    let file_id = sizes[1]["file_id"].as_str().unwrap().to_owned();

    let again = bot.ok("sendPhoto", json!({"chat_id": 11, "photo": file_id})).await;
    assert_eq!(again["photo"][1]["file_id"], json!(file_id), "a file id re-sends the same file");
    assert!(bot.error("sendPhoto", json!({"chat_id": 11, "photo": "bogus"})).await.1.contains("wrong file identifier"));
    let (_, outside) = bot.error("sendPhoto", json!({"chat_id": 11, "photo": "https://example.com/a.png"})).await;
    assert_eq!(outside, "Bad Request: failed to get HTTP URL content");
    let (_, dims) = {
        let form = reqwest::multipart::Form::new()
            .text("chat_id", "11")
            .part("photo", reqwest::multipart::Part::bytes(png(2100, 100)).file_name("wide.png"));
        let response = bot.http.post(format!("{}/sendPhoto", bot.api)).multipart(form).send().await.unwrap();
        let body: Value = response.json().await.unwrap();
        (body["error_code"].clone(), body["description"].as_str().unwrap().to_owned())
    };
    assert_eq!(dims, "Bad Request: PHOTO_INVALID_DIMENSIONS");

    let item = |caption: &str| json!({"type": "photo", "media": file_id, "caption": caption});
    let album = bot.ok("sendMediaGroup", json!({"chat_id": 11, "media": [item("1"), item("2"), item("3")]})).await;
    let group: Vec<&Value> = album.as_array().unwrap().iter().map(|m| &m["media_group_id"]).collect();
    assert!(group.iter().all(|g| *g == group[0]) && group[0].is_string());
    assert!(bot.error("sendMediaGroup", json!({"chat_id": 11, "media": [item("1")]})).await.1.contains("2 to 10"));
    let eleven: Vec<Value> = (0..11).map(|i| item(&i.to_string())).collect();
    assert_eq!(
        bot.error("sendMediaGroup", json!({"chat_id": 11, "media": eleven})).await.1,
        "Bad Request: too much messages to send as an album"
    );

    let file = bot.ok("getFile", json!({"file_id": file_id})).await;
    let url = format!("{}/file/bot{}/{}", emulator.base_url(), emulator.token(), file["file_path"].as_str().unwrap());
    assert_eq!(bot.http.get(url).send().await.unwrap().bytes().await.unwrap().to_vec(), image);
}

#[tokio::test]
async fn buttons_payments_and_refunds() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    emulator.send_text(12, "/balance");
    let keyboard = json!({"inline_keyboard": [[{"text": "Top up", "callback_data": "topup"}]]});
    let menu = bot.ok("sendMessage", json!({"chat_id": 12, "text": "Balance: 0", "reply_markup": keyboard})).await;
    let menu_id = menu["message_id"].as_i64().unwrap() as i32;
    let query = emulator.press(12, menu_id, "topup").unwrap();
    assert!(emulator.press(12, menu_id, "nope").is_err(), "only buttons that exist can be pressed");
    bot.ok("answerCallbackQuery", json!({"callback_query_id": query, "text": "ok"})).await;
    assert!(emulator.callback_answered(&query));
    let (_, twice) = bot.error("answerCallbackQuery", json!({"callback_query_id": query})).await;
    assert!(twice.contains("query is too old"));

    let invoice = json!({"chat_id": 12, "title": "100 coins", "description": "Top up", "payload": "pkg:100",
        "currency": "XTR", "prices": [{"label": "100 coins", "amount": 50}]});
    let sent = bot.ok("sendInvoice", invoice.clone()).await;
    assert_eq!(sent["invoice"]["total_amount"], json!(50));
    let mut wrong = invoice.clone();
    wrong["prices"] = json!([{"label": "a", "amount": 1}, {"label": "b", "amount": 2}]);
    assert!(bot.error("sendInvoice", wrong).await.1.contains("STARS_INVOICE_INVALID"));

    let id = sent["message_id"].as_i64().unwrap() as i32;
    let pay = tokio::spawn({
        let sandbox = emulator.sandbox();
        async move { sandbox.pay(12, id).await }
    });
    let mut offset = 0;
    let pre_checkout = loop {
        let updates = bot.ok("getUpdates", json!({"timeout": 5, "offset": offset})).await;
        let found = updates.as_array().unwrap().iter().find(|u| u.get("pre_checkout_query").is_some()).cloned();
        offset = updates.as_array().unwrap().last().map_or(offset, |u| u["update_id"].as_i64().unwrap() + 1);
        if let Some(u) = found {
            break u["pre_checkout_query"].clone();
        }
    };
    assert_eq!(pre_checkout["invoice_payload"], json!("pkg:100"));
    bot.ok("answerPreCheckoutQuery", json!({"pre_checkout_query_id": pre_checkout["id"], "ok": true})).await;
    let PaymentOutcome::Paid { telegram_payment_charge_id: charge } = pay.await.unwrap().unwrap() else { panic!() };
    let updates = bot.ok("getUpdates", json!({"offset": offset})).await;
    assert_eq!(updates[0]["message"]["successful_payment"]["telegram_payment_charge_id"], json!(charge));

    bot.ok("refundStarPayment", json!({"user_id": 12, "telegram_payment_charge_id": charge})).await;
    let (_, again) = bot.error("refundStarPayment", json!({"user_id": 12, "telegram_payment_charge_id": charge})).await;
    assert_eq!(again, "Bad Request: CHARGE_ALREADY_REFUNDED");
}

#[tokio::test]
async fn an_unanswered_pre_checkout_expires() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    emulator.send_text(13, "/start");
    let invoice = json!({"chat_id": 13, "title": "t", "description": "d", "payload": "p", "currency": "XTR",
        "prices": [{"label": "x", "amount": 1}]});
    let id = bot.ok("sendInvoice", invoice).await["message_id"].as_i64().unwrap() as i32;
    let outcome = emulator.pay_within(13, id, Duration::from_millis(300)).await.unwrap();
    assert_eq!(outcome, PaymentOutcome::Expired);
}

#[tokio::test]
async fn faults_blocking_and_tokens() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    emulator.send_text(14, "/start");
    emulator.add_fault(Fault {
        method: None,
        chat: Some(14),
        kind: FaultKind::TooManyRequests { retry_after: 2 },
        times: Some(1),
    });
    let (status, body) = bot.call("sendMessage", json!({"chat_id": 14, "text": "a"})).await;
    assert_eq!((status, body["parameters"]["retry_after"].as_i64()), (429, Some(2)));
    // still limited until the time is up
    let (status, _) = bot.call("sendMessage", json!({"chat_id": 14, "text": "b"})).await;
    assert_eq!(status, 429);
    emulator.clear_faults();
    bot.ok("sendMessage", json!({"chat_id": 14, "text": "c"})).await;

    emulator.add_fault(Fault {
        method: Some("sendMessage".into()),
        chat: None,
        kind: FaultKind::ServerError { status: 502 },
        times: Some(1),
    });
    assert_eq!(bot.call("sendMessage", json!({"chat_id": 14, "text": "d"})).await.0, 502);
    emulator.add_fault(Fault {
        method: Some("getMe".into()),
        chat: None,
        kind: FaultKind::Slow { millis: 300 },
        times: Some(1),
    });
    let started = std::time::Instant::now();
    bot.ok("getMe", json!({})).await;
    assert!(started.elapsed() >= Duration::from_millis(300));

    emulator.block_bot(14, true);
    assert_eq!(
        bot.error("sendMessage", json!({"chat_id": 14, "text": "e"})).await,
        (403, "Forbidden: bot was blocked by the user".into())
    );
    emulator.send_text(14, "/start");
    bot.ok("sendMessage", json!({"chat_id": 14, "text": "welcome back"})).await;

    let wrong = reqwest::Client::new().post(format!("{}/bot1:wrong/getMe", emulator.base_url())).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let calls = emulator.calls();
    assert!(calls.iter().any(|c| c.method == "sendMessage" && c.status == 403 && c.chat_id == Some(14)));
}

#[tokio::test]
async fn webhooks_get_updates_with_the_secret_and_block_polling() {
    use axum::http::HeaderMap;
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let secret = headers.get("X-Telegram-Bot-Api-Secret-Token").map(|v| v.to_str().unwrap().to_owned());
                tx.send((secret, body.0)).unwrap();
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });

    assert!(bot.error("setWebhook", json!({"url": url, "secret_token": "bad secret!"})).await.1.contains("unallowed"));
    bot.ok("setWebhook", json!({"url": url, "secret_token": "abc_DEF-1"})).await;
    assert_eq!(bot.call("getUpdates", json!({})).await.0, 409);
    emulator.send_text(15, "via webhook");
    let (secret, update) = tokio::time::timeout(Duration::from_secs(3), rx.recv()).await.unwrap().unwrap();
    assert_eq!(secret.as_deref(), Some("abc_DEF-1"));
    assert_eq!(update["message"]["text"], json!("via webhook"));
    assert_eq!(bot.ok("getWebhookInfo", json!({})).await["url"], json!(url));
    bot.ok("deleteWebhook", json!({})).await;
    assert_eq!(bot.ok("getUpdates", json!({})).await, json!([]));
}

#[tokio::test]
async fn the_users_side_over_http_and_the_event_stream() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    let base = emulator.base_url();
    let http = reqwest::Client::new();
    let mut events = emulator.subscribe();
    let r: Value = http
        .post(format!("{base}/sandbox/users/16/text"))
        .json(&json!({"text": "/start"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["message_id"], json!(1));
    let photo: Value = http
        .post(format!("{base}/sandbox/users/16/photo?caption=me"))
        .body(png(50, 50))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(photo["message_id"], json!(2));
    bot.ok("sendMessage", json!({"chat_id": 16, "text": "hello"})).await;
    bot.ok("sendChatAction", json!({"chat_id": 16, "action": "upload_photo"})).await;
    let messages: Value =
        http.get(format!("{base}/sandbox/chats/16/messages")).send().await.unwrap().json().await.unwrap();
    assert_eq!(messages.as_array().unwrap().len(), 3);
    assert_eq!(messages[2]["text"], json!("hello"));
    let file_id = messages[1]["photo"][1]["file_id"].as_str().unwrap();
    let bytes = http.get(format!("{base}/sandbox/files/{file_id}")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.to_vec(), png(50, 50));

    let mut kinds = Vec::new();
    while let Ok(event) = events.try_recv() {
        kinds.push(match event {
            ChatEvent::Message { message, .. } => format!("message from_bot={}", message.from_bot),
            ChatEvent::Action { action, .. } => action,
            other => format!("{other:?}"),
        });
    }
    assert_eq!(kinds, ["message from_bot=false", "message from_bot=false", "message from_bot=true", "upload_photo"]);

    http.post(format!("{base}/sandbox/users/16/block")).json(&json!({"blocked": true})).send().await.unwrap();
    assert_eq!(bot.call("sendMessage", json!({"chat_id": 16, "text": "x"})).await.0, 403);
    http.post(format!("{base}/sandbox/faults"))
        .json(&json!({"method": "getMe", "chat": null, "kind": {"kind": "server_error", "status": 500}, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(bot.call("getMe", json!({})).await.0, 500);
    let calls: Value = http.get(format!("{base}/sandbox/calls")).send().await.unwrap().json().await.unwrap();
    assert_eq!(calls.as_array().unwrap().len(), 4);
}

/// Telegram takes a document by URL only for GIF, PDF and ZIP (Bot API, "Sending files",
/// read 2026-12-07): a PNG by URL is refused, the same PNG uploaded is taken, and a ZIP by
/// URL is taken.
#[tokio::test]
async fn documents_by_url_only_for_gif_pdf_and_zip() {
    use axum::routing::get;
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    emulator.send_text(12, "/start");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/a.png", get(|| async { png(30, 30) }))
        .route("/a.zip", get(|| async { b"PK\x03\x04rest of an archive".to_vec() }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let (_, png_by_url) = bot.error("sendDocument", json!({"chat_id": 12, "document": format!("{base}/a.png")})).await;
    assert_eq!(png_by_url, "Bad Request: wrong type of the web page content");
    let zip = bot.ok("sendDocument", json!({"chat_id": 12, "document": format!("{base}/a.zip")})).await;
    assert_eq!(zip["document"]["file_name"], json!("a.zip"));
    let form = reqwest::multipart::Form::new()
        .text("chat_id", "12")
        .part("document", reqwest::multipart::Part::bytes(png(30, 30)).file_name("original.png"));
    let response = bot.http.post(format!("{}/sendDocument", bot.api)).multipart(form).send().await.unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["result"]["document"]["file_name"], json!("original.png"), "{body}");
}

#[tokio::test]
async fn html_telegram_cannot_parse_is_refused_in_its_words() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    emulator.add_user(21, "Ann", None);
    let (status, body) =
        bot.call("sendMessage", json!({"chat_id": 21, "text": "<b>hi</i>", "parse_mode": "HTML"})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 400,
            "description": "Bad Request: can't parse entities: Unmatched end tag at byte offset 5, expected \"</b>\", found \"</i>\""})
    );
    let refused = |text: &str| json!({"chat_id": 21, "text": text, "parse_mode": "HTML"});
    assert_eq!(
        bot.error("sendMessage", refused("a <foo> b")).await.1,
        "Bad Request: can't parse entities: Unsupported start tag \"foo\" at byte offset 2"
    );
    assert_eq!(
        bot.error("sendMessage", refused("<b>open")).await.1,
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    );
    assert!(emulator.messages(21).is_empty(), "nothing refused reaches the chat");
    // the same text without a parse mode is plain text; valid HTML goes through
    bot.ok("sendMessage", json!({"chat_id": 21, "text": "a <foo> b"})).await;
    let id = bot.ok("sendMessage", refused("<b>bold</b> &amp; tom & jerry")).await["message_id"].clone();

    // edits and captions are parsed the same way
    let edit = json!({"chat_id": 21, "message_id": id, "text": "x</b>", "parse_mode": "HTML"});
    assert_eq!(
        bot.error("editMessageText", edit).await.1,
        "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"
    );
    let photo = {
        let sent = emulator.send_photo(21, png(20, 20), None).unwrap();
        emulator.messages(21).into_iter().find(|m| m.message_id == sent).unwrap().photo.unwrap()[1].file_id.clone()
    };
    let captioned = json!({"chat_id": 21, "photo": photo, "caption": "<span>s</span>", "parse_mode": "HTML"});
    assert_eq!(
        bot.error("sendPhoto", captioned).await.1,
        "Bad Request: can't parse entities: Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"
    );
    let media = json!({"type": "photo", "media": photo, "caption": "<i>x", "parse_mode": "HTML"});
    let sent = bot.ok("sendPhoto", json!({"chat_id": 21, "photo": photo})).await["message_id"].clone();
    assert_eq!(
        bot.error("editMessageMedia", json!({"chat_id": 21, "message_id": sent, "media": media})).await.1,
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"i\""
    );
}

#[tokio::test]
async fn query_strings_and_url_encoded_forms_are_decoded() {
    let emulator = TelegramEmulator::start().await.unwrap();
    let bot = Bot::new(&emulator);
    emulator.add_user(22, "Bob", None);
    let http = reqwest::Client::new();
    let url = format!("{}/sendMessage?chat_id=22&text=caf%C3%A9+%26+%3Cb%3E%25&parse_mode=", bot.api);
    let body: Value = http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["result"]["text"], json!("café & <b>%"), "{body}");
    let form = http
        .post(format!("{}/sendMessage", bot.api))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("chat_id=22&text=%3Cb%3Ebold%3C%2Fb%3E+%F0%9F%98%80&parse_mode=HTML")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 200);
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["result"]["text"], json!("<b>bold</b> 😀"), "{body}");
}
