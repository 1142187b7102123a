//! End-to-end journeys through the real binary: `aisha` with no configuration (SQLite, a local
//! image directory, the Telegram and FAL emulators), driven as a user would through the Telegram
//! emulator's user API.

use aisha_tests::app::{command, spawn_with_banner};
use serde_json::{Value, json};
use std::process::Child;
use std::time::{Duration, Instant};

struct App {
    child: Child,
    tg: String,
    /// The FAL emulator's base URL.
    fal: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl App {
    /// Starts the binary in a fresh directory and waits for its banner.
    fn start(extra_env: &[(&str, &str)]) -> App {
        let dir = tempfile::tempdir().unwrap();
        let bin = std::path::Path::new(env!("CARGO_BIN_EXE_aisha"));
        let (child, banner) = spawn_with_banner(&mut command(bin, dir.path(), extra_env));
        App::from_banner(child, &banner, dir)
    }

    fn from_banner(child: Child, banner: &[String], dir: tempfile::TempDir) -> App {
        let at = |prefix: &str| {
            banner
                .iter()
                .find_map(|l| l.trim().strip_prefix(prefix))
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or_else(|| panic!("the banner names {prefix:?}: {banner:?}"))
                .to_owned()
        };
        let (tg, fal) = (at("telegram   emulator at "), at("fal        emulator at "));
        App { child, tg, fal, http: reqwest::Client::new(), _dir: dir }
    }

    /// The inputs FAL received for one endpoint, newest first, through FAL's own request
    /// history API (`GET /v1/models/requests/by-endpoint?expand=payloads`).
    async fn fal_inputs(&self, endpoint: &str) -> Vec<Value> {
        let url = format!("{}/v1/models/requests/by-endpoint?endpoint_id={endpoint}&expand=payloads", self.fal);
        let r = self.http.get(url).header("Authorization", "Key sandbox").send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        let body: Value = r.json().await.unwrap();
        body["items"].as_array().cloned().unwrap_or_default().into_iter().map(|i| i["json_input"].clone()).collect()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self.http.post(format!("{}{path}", self.tg)).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    async fn messages(&self, user: i64) -> Vec<Value> {
        let r = self.http.get(format!("{}/sandbox/chats/{user}/messages", self.tg)).send().await.unwrap();
        r.json::<Vec<Value>>().await.unwrap()
    }

    async fn say(&self, user: i64, text: &str) {
        self.post(&format!("/sandbox/users/{user}/text"), json!({ "text": text })).await;
    }

    /// Waits until some message satisfies `f`, and returns it.
    async fn wait_for(&self, user: i64, what: &str, f: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            if let Some(m) = self.messages(user).await.into_iter().rev().find(|m| f(m)) {
                return m;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what}; chat: {:#?}",
                self.messages(user).await
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Presses the first button whose label contains `label` (newest messages first).
    async fn press(&self, user: i64, label: &str) {
        let found = self
            .wait_for(user, &format!("a button {label:?}"), |m| buttons(m).iter().any(|(t, _)| t.contains(label)))
            .await;
        let data = buttons(&found).into_iter().find(|(t, _)| t.contains(label)).unwrap().1;
        self.post(&format!("/sandbox/users/{user}/press"), json!({ "message_id": found["message_id"], "data": data }))
            .await;
    }

    async fn album(&self, user: i64, photos: Vec<Vec<u8>>) {
        let mut form = reqwest::multipart::Form::new();
        for (n, p) in photos.into_iter().enumerate() {
            form = form.part(format!("photo{n}"), reqwest::multipart::Part::bytes(p).file_name(format!("{n}.png")));
        }
        let r = self.http.post(format!("{}/sandbox/users/{user}/album", self.tg)).multipart(form).send().await.unwrap();
        assert!(r.status().is_success(), "album: {}", r.status());
    }
}

fn buttons(m: &Value) -> Vec<(String, String)> {
    m["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|b| Some((b["text"].as_str()?.to_owned(), b["callback_data"].as_str()?.to_owned())))
        .collect()
}

fn text(m: &Value) -> String {
    m["text"].as_str().or(m["caption"].as_str()).unwrap_or_default().to_owned()
}

fn photo_size(m: &Value) -> Option<(u64, u64)> {
    let p = m["photo"].as_array()?.last()?;
    Some((p["width"].as_u64()?, p["height"].as_u64()?))
}

fn png(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([shade, (x % 256) as u8, (y % 256) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn create_two_images_favorite_one_and_filter_the_gallery() {
    let app = App::start(&[("AISHA__LIMITS__WELCOME_BONUS", "100")]);
    let u = 501;
    app.say(u, "/start").await;
    app.press(u, "Создать").await;
    app.wait_for(u, "the prompt question", |m| text(m).contains("Опишите одним сообщением")).await;
    app.say(u, "маяк на рассвете, акварель").await;
    app.press(u, "16:9").await;
    app.press(u, "2").await;
    app.press(u, "Nano Banana 2").await;
    app.press(u, "Создать за 22").await;
    let done = app.wait_for(u, "the result message", |m| text(m).contains("Готово: 2 из 2")).await;
    let photos: Vec<_> = app.messages(u).await.iter().filter_map(photo_size).collect();
    assert_eq!(photos, vec![(1024, 576), (1024, 576)], "two 16:9 images at Nano Banana 2's 1K size");
    let fav = buttons(&done).into_iter().find(|(t, _)| t == "☆ 1").expect("a favorite button per image").1;
    app.post(&format!("/sandbox/users/{u}/press"), json!({ "message_id": done["message_id"], "data": fav })).await;
    app.wait_for(u, "the star turning on", |m| buttons(m).iter().any(|(t, _)| t == "⭐ 1")).await;
    app.press(u, "Моя галерея").await;
    app.press(u, "Фильтры").await;
    app.press(u, "Только избранное").await;
    let card = app.wait_for(u, "the favorites-only card", |m| text(m).starts_with("1 / 1 ·")).await;
    assert!(buttons(&card).iter().any(|(t, _)| t.contains("(⭐)")), "the filter shows its indicator");
    app.say(u, "/balance").await;
    app.wait_for(u, "the charge in the history", |m| text(m).contains("−22 за изображения по описанию ×2")).await;
}

#[tokio::test]
async fn pay_with_stars_and_see_the_top_up() {
    let app = App::start(&[]);
    let u = 502;
    app.say(u, "/balance").await;
    app.press(u, "Пополнить").await;
    app.press(u, "100 монет").await;
    let invoice = app.wait_for(u, "the invoice", |m| !m["invoice"].is_null()).await;
    app.post(&format!("/sandbox/users/{u}/pay"), json!({ "message_id": invoice["message_id"] })).await;
    app.wait_for(u, "the receipt", |m| text(m).contains("Оплата прошла: +100 монет")).await;
    app.say(u, "/balance").await;
    app.wait_for(u, "the top-up in the history", |m| text(m).contains("+100 пополнение (50 ⭐)")).await;
}

#[tokio::test]
async fn train_an_avatar_from_two_albums_and_get_portrait_photos() {
    let app = App::start(&[("AISHA__LIMITS__WELCOME_BONUS", "500")]);
    let u = 503;
    app.say(u, "/avatars").await;
    app.press(u, "Новый аватар").await;
    app.wait_for(u, "the name question", |m| text(m).contains("Как его назвать")).await;
    app.say(u, "Аня <3").await;
    app.press(u, "Женщина").await;
    app.wait_for(u, "the upload screen", |m| text(m).contains("Фото для «Аня &lt;3»")).await;
    app.album(u, (0..5).map(|n| png(640, 800, n * 20)).collect()).await;
    app.wait_for(u, "5 photos counted", |m| text(m).contains("5/10 — нужно ещё 5")).await;
    app.album(u, (5..10).map(|n| png(640, 800, n * 20)).collect()).await;
    app.wait_for(u, "10 photos counted", |m| text(m).contains("Фото: 10 — достаточно")).await;
    app.press(u, "Обучить — 150").await;
    app.press(u, "Обучить за 150").await;
    app.wait_for(u, "the ready notice", |m| text(m).contains("Аватар «Аня &lt;3» готов")).await;
    app.press(u, "Создать фото").await;
    app.wait_for(u, "the prompt question", |m| text(m).contains("Фото со мной")).await;
    app.say(u, "на пляже на закате").await;
    app.press(u, "3:4").await;
    app.press(u, "2").await;
    // the description is translated before the confirmation, which shows both
    let english = "A detailed photograph of na plyazhe na zakate";
    app.wait_for(u, "the translation", |m| text(m).contains(english)).await;
    app.press(u, "Создать за 10").await;
    app.wait_for(u, "the result message", |m| text(m).contains("Готово: 2 из 2")).await;
    let inputs = app.fal_inputs("fal-ai/flux-lora").await;
    let prompt = inputs[0]["prompt"].as_str().expect("a prompt").to_owned();
    let trigger = prompt.split_whitespace().next().unwrap().to_owned();
    assert!(trigger.starts_with("aisha"), "the trigger leads: {prompt}");
    assert_eq!(prompt.matches(&trigger).count(), 1, "once: {prompt}");
    assert!(prompt.starts_with(&format!("{trigger} woman, {english}")), "in English: {prompt}");
    assert!(!prompt.contains("пляже"), "{prompt}");
    let portrait: Vec<_> = app.messages(u).await.iter().filter_map(photo_size).filter(|(w, h)| h > w).collect();
    assert!(portrait.len() >= 2, "3:4 photos are portrait: {portrait:?}");
}

/// With the built-in first-image gift (the shared test command turns it off): one image of
/// the cheapest model, credited once per Telegram id, said in the welcome, and a description
/// typed right after it starts the order.
#[tokio::test]
async fn a_first_image_on_the_house_from_a_description_typed_after_the_welcome() {
    let dir = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_aisha"));
    let mut cmd = command(bin, dir.path(), &[] as &[(&str, &str)]);
    cmd.env_remove("AISHA__LIMITS__FIRST_IMAGE_GIFT");
    let (child, banner) = spawn_with_banner(&mut cmd);
    let app = App::from_banner(child, &banner, dir);
    let u = 504;
    app.say(u, "/start").await;
    app.wait_for(u, "the gift in the welcome", |m| {
        text(m).contains("Мой подарок: 3 монеты — хватит на первое изображение")
    })
    .await;
    app.say(u, "маяк на рассвете, акварель").await;
    app.wait_for(u, "the format question with the price", |m| text(m).contains("от 3 монет за изображение")).await;
    app.press(u, "1:1").await;
    app.wait_for(u, "the count question", |m| text(m).contains("Сколько вариантов")).await;
    app.press(u, "1").await;
    app.press(u, "FLUX.2").await;
    app.press(u, "Создать за 3").await;
    app.wait_for(u, "the result message", |m| text(m).contains("Готово: 1 из 1")).await;
    // a second /start credits nothing
    app.say(u, "/start").await;
    app.say(u, "/balance").await;
    let history = app.wait_for(u, "the history", |m| text(m).contains("приветственный подарок")).await;
    let history = text(&history);
    assert!(history.contains("Баланс: 0 монет"), "{history}");
    assert_eq!(history.matches("+3 приветственный подарок").count(), 1, "{history}");
}

#[tokio::test]
async fn too_few_coins_keep_the_order_through_a_stars_top_up() {
    let app = App::start(&[]);
    let u = 505;
    app.say(u, "/start").await;
    app.say(u, "маяк на рассвете").await;
    app.press(u, "16:9").await;
    app.press(u, "2").await;
    app.press(u, "Nano Banana 2").await;
    app.wait_for(u, "the kept order", |m| text(m).contains("сохранила заказ")).await;
    app.press(u, "Пополнить").await;
    app.press(u, "100 монет").await;
    let invoice = app.wait_for(u, "the invoice", |m| !m["invoice"].is_null()).await;
    app.post(&format!("/sandbox/users/{u}/pay"), json!({ "message_id": invoice["message_id"] })).await;
    app.wait_for(u, "the receipt", |m| text(m).contains("Оплата прошла: +100 монет")).await;
    app.press(u, "Продолжить заказ").await;
    let confirm = app.wait_for(u, "the kept confirmation", |m| text(m).contains("Баланс после оплаты: 78 монет")).await;
    assert!(text(&confirm).contains("маяк на рассвете"), "{}", text(&confirm));
    app.press(u, "Создать за 22").await;
    app.wait_for(u, "the result message", |m| text(m).contains("Готово: 2 из 2")).await;
    app.say(u, "/balance").await;
    app.wait_for(u, "the charge in the history", |m| text(m).contains("Баланс: 78 монет")).await;
}
