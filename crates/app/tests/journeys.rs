//! Whole journeys through the real binary, as a user (and an operator) lives them: top up with
//! Stars and make images, then use the gallery; train an avatar and get photos with it; redeem
//! a promo code; have a payment refunded by an operator; switch the language. Each ends with
//! `aisha admin audit`. PostgreSQL, Redis and S3 when their `AISHA_TEST_*` variables are set,
//! SQLite and a local directory otherwise.

use aisha_sandbox::telegram::PaymentOutcome;
use aisha_tests::{AppProcess, Backend, Chat, Emulators};
use std::path::Path;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_aisha"))
}

/// A distinct portrait photo (the shade makes each one a different file).
fn photo(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 800, |x, y| image::Rgb([shade, (x % 256) as u8, (y % 256) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("a PNG");
    out.into_inner()
}

async fn start(extra: &[(&str, &str)]) -> (Emulators, Backend, AppProcess) {
    let emu = Emulators::start().await;
    let backend = Backend::from_env().await;
    println!("stores: {}", backend.describe());
    let mut env = vec![("AISHA__TELEGRAM__PER_CHAT_PER_SECOND", "10")];
    env.extend_from_slice(extra);
    let app = AppProcess::start(bin(), &emu, &backend, &env);
    (emu, backend, app)
}

/// /balance → Top up → the 100-coin package → pay. Returns the charge id.
async fn top_up_100(chat: &Chat<'_>) -> String {
    chat.say("/balance");
    chat.press("Пополнить").await;
    chat.press("100 монет").await;
    let PaymentOutcome::Paid { telegram_payment_charge_id } = chat.pay_invoice().await else {
        panic!("the bot accepts the payment")
    };
    telegram_payment_charge_id
}

/// The caption of the newest gallery card that satisfies `f`.
async fn card(chat: &Chat<'_>, what: &str, f: impl Fn(&str) -> bool) -> String {
    let m = chat.wait_for(what, |m| m.photo.is_some() && Chat::labels(m).iter().any(|l| l.contains("Фильтры"))).await;
    let first = Chat::text(&m);
    if f(&first) {
        return first;
    }
    let m = chat
        .wait_for(what, |m| {
            m.photo.is_some() && Chat::labels(m).iter().any(|l| l.contains("Фильтры")) && f(&Chat::text(m))
        })
        .await;
    Chat::text(&m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_up_create_four_images_then_filter_favorite_delete_and_see_stats() {
    let (emu, _backend, app) = start(&[]).await;
    let chat = emu.user(8101, "ru");

    chat.say("/start");
    chat.wait_text("Привет, User8101").await;
    chat.wait_text("Баланс: 0 монет").await;
    top_up_100(&chat).await;
    chat.wait_text("Оплата прошла: +100 монет. Баланс: 100 монет").await;
    assert_eq!(app.balance(8101), 100);

    chat.say("/start");
    chat.press("Создать").await;
    chat.wait_text("Опишите одним сообщением").await;
    chat.order("сад камней в Киото, туман", "1:1", 4, Some("Nano Banana 2"), 44).await;
    let done = chat.wait_text("Готово: 4 из 4").await;
    let photos = chat.photos();
    assert_eq!(photos.len(), 4, "four images, once each");
    assert!(photos.iter().all(|p| p.media_group_id.is_some()), "sent as one album");
    assert_eq!(app.balance(8101), 56);

    assert!(Chat::text(&done).contains("💰 На балансе 56 монет."), "the balance under the result");

    // the originals, as documents of the stored bytes (Telegram recompresses photos)
    chat.press_on(&done, "Оригиналы файлами");
    chat.wait_for("four documents", |_| chat.messages().iter().filter(|m| m.document.is_some()).count() == 4).await;
    for m in chat.messages().iter().filter(|m| m.document.is_some()) {
        let doc = m.document.as_ref().unwrap();
        assert!(doc.file_name.as_deref().is_some_and(|n| n.starts_with("aisha-")), "{doc:?}");
        let bytes = emu.file_bytes(&doc.file_id).await;
        assert_eq!(bytes.len() as u64, doc.file_size);
        assert!(aisha_domain::media::probe(&bytes).is_some(), "an image file, whole");
        assert!(Chat::text(m).contains("Оригинал без сжатия"), "{}", Chat::text(m));
    }

    // favorite the second image from the result message
    chat.press_on(&done, "☆ 2");
    chat.wait_for("the star of image 2", |m| Chat::labels(m).iter().any(|l| l == "⭐ 2")).await;

    // the gallery: newest first, 4 cards
    chat.press("Моя галерея").await;
    let first = card(&chat, "the gallery card", |c| c.starts_with("1 / 4 · Nano Banana 2 · 1:1")).await;
    assert!(!first.contains('⭐'), "the newest image is not a favorite: {first}");
    // favorites only: the one starred image
    chat.press("Фильтры").await;
    chat.press("Только избранное").await;
    let fav = card(&chat, "the favorites-only card", |c| c.starts_with("1 / 1 ·")).await;
    assert!(fav.ends_with("· ⭐"), "the card shows its star: {fav}");
    // type: photos with me — none
    chat.press("Фильтры").await;
    chat.press("🎭 Фото со мной").await;
    chat.wait_text("Под выбранные фильтры ничего не подходит").await;
    chat.press("Сбросить фильтры").await;
    card(&chat, "all four again", |c| c.contains(" / 4 ·")).await;
    // made today
    chat.press("Фильтры").await;
    chat.press("Период").await;
    chat.press("Сегодня").await;
    card(&chat, "today's images", |c| c.contains(" / 4 ·")).await;
    chat.press("Фильтры").await;
    chat.press("Сбросить фильтры").await;

    // a step from the newest card: its ➡️ carries the card and the filter
    card(&chat, "the newest card", |c| c.starts_with("1 / 4 ·")).await;
    chat.press("➡️").await;
    card(&chat, "the second card", |c| c.starts_with("2 / 4 ·")).await;
    chat.press("⬅️").await;
    card(&chat, "the newest card again", |c| c.starts_with("1 / 4 ·")).await;

    // delete the current card (not the favorite: move on if it is)
    let mut current = card(&chat, "a card", |c| c.contains(" / 4 ·")).await;
    if current.contains('⭐') {
        let m = chat.press("➡️").await;
        let before = Chat::text(&m);
        current = card(&chat, "the next card", |c| c.contains(" / 4 ·") && c != before).await;
    }
    assert!(!current.contains('⭐'));
    chat.press("Удалить").await;
    chat.press("Да, удалить").await;
    card(&chat, "three cards left", |c| c.contains(" / 3 ·")).await;

    chat.press("Статистика").await;
    let stats = chat.wait_text("Статистика</b>").await;
    let stats = Chat::text(&stats);
    for line in ["Всего изображений: 3", "По описанию: 3", "Фото со мной: 0", "В избранном: 1", "Потрачено: 44 монеты"]
    {
        assert!(stats.contains(line), "{line:?} missing from the stats:\n{stats}");
    }
    chat.say("/balance");
    let history = Chat::text(&chat.wait_text("Баланс: 56 монет</b>").await);
    assert!(
        history.contains("−44 за изображения по описанию ×4") && history.contains("+100 пополнение (50 ⭐)"),
        "{history}"
    );
    app.assert_audit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_avatar_from_uploaded_albums_gives_photos_with_me() {
    let (emu, _backend, app) = start(&[("AISHA__LIMITS__WELCOME_BONUS", "500")]).await;
    let chat = emu.user(8102, "ru");
    chat.say("/avatars");
    chat.press("Новый аватар").await;
    chat.wait_text("Как его назвать").await;
    chat.say("Марина");
    chat.press("Женщина").await;
    chat.wait_text("Фото для «Марина»").await;
    chat.send_album((0..6).map(|n| photo(n * 30)).collect());
    chat.wait_text("6/10 — нужно ещё 4").await;
    // a photo already sent is refused by name, the new ones counted
    chat.send_album(vec![photo(0), photo(200), photo(210), photo(220), photo(230)]);
    chat.wait_text("такое фото уже есть").await;
    chat.wait_text("Фото: 10 — достаточно").await;
    chat.press("Обучить — 150").await;
    chat.wait_text("Цена: <b>150 монет</b>").await;
    chat.press("Обучить за 150").await;
    chat.wait_text("Аватар «Марина» готов").await;
    assert_eq!(app.balance(8102), 350);
    let trainings = emu.fal.requests().into_iter().filter(|r| r.model.contains("trainer")).count();
    assert_eq!(trainings, 1, "one training submitted");

    chat.press("Создать фото").await;
    chat.wait_text("Фото со мной").await;
    chat.order("в скафандре на Марсе", "3:4", 2, None, 10).await;
    chat.wait_text("Готово: 2 из 2").await;
    let sizes: Vec<(u32, u32)> =
        chat.photos().iter().filter_map(|m| m.photo.as_ref()?.last().map(|p| (p.width, p.height))).collect();
    assert_eq!(sizes.len(), 2);
    assert!(sizes.iter().all(|(w, h)| h > w), "3:4 photos are portrait: {sizes:?}");
    let lora = emu.fal.requests().into_iter().find(|r| r.model.contains("lora") && !r.model.contains("trainer"));
    let prompt = lora.expect("a flux-lora request").input["prompt"].as_str().unwrap_or_default().to_owned();
    // translated by the assistant first (the emulated model transliterates): FLUX reads English
    let english = "A detailed photograph of v skafandre na marse";
    assert!(prompt.contains(&format!(" woman, {english}")), "the class word, then the translation: {prompt}");
    assert!(!prompt.contains("скафандре"), "no Russian reaches FLUX: {prompt}");
    assert_eq!(app.balance(8102), 340);

    // the gallery knows them as photos with the avatar
    chat.say("/gallery");
    card(&chat, "a card", |c| c.contains(" / 2 · Марина · 3:4")).await;
    chat.press("Статистика").await;
    let stats = Chat::text(&chat.wait_text("Статистика</b>").await);
    assert!(stats.contains("Фото со мной: 2") && stats.contains("• Марина: 2"), "{stats}");
    app.assert_audit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promo_code_from_the_operator_is_redeemed_once() {
    let (emu, _backend, app) = start(&[]).await;
    let out = app.admin(&["promo", "create", "SPRING26", "50", "--max-uses", "10"]);
    assert!(out.contains("created SPRING26 for 50 coins"), "{out}");

    let chat = emu.user(8103, "ru");
    chat.say("/balance");
    chat.press("Промокод").await;
    chat.wait_text("Введите промокод").await;
    chat.say("spring26");
    chat.wait_text("Промокод принят: +50 монет. Баланс: 50 монет").await;
    // a second time: refused, nothing credited
    chat.say("/balance");
    chat.press("Промокод").await;
    chat.say("SPRING26");
    chat.wait_text("Вы уже использовали этот промокод").await;
    assert_eq!(app.balance(8103), 50);
    chat.say("/balance");
    let history = Chat::text(&chat.wait_text("Баланс: 50 монет</b>").await);
    assert_eq!(history.matches("промокод SPRING26").count(), 1, "one promo row: {history}");
    // an unknown code, then the operator switches the code off for everyone else
    chat.press("Промокод").await;
    chat.say("NOSUCHCODE");
    chat.wait_text("Такого промокода нет").await;
    assert!(app.admin(&["promo", "list"]).contains("used 1/10"));
    app.admin(&["promo", "disable", "SPRING26"]);
    let other = emu.user(8104, "ru");
    other.say("/balance");
    other.press("Промокод").await;
    other.say("SPRING26");
    other.wait_text("Этот промокод отключён").await;
    assert_eq!(app.balance(8104), 0);
    app.assert_audit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_refunds_a_stars_payment() {
    let (emu, _backend, app) = start(&[("AISHA__TELEGRAM__SUPPORT_CONTACT", "@aisha_help")]).await;
    let chat = emu.user(8105, "ru");
    let charge = top_up_100(&chat).await;
    chat.wait_text("Оплата прошла: +100 монет").await;
    // spend 22 of the 100 coins
    chat.say("/generate");
    chat.wait_text("Опишите одним сообщением").await;
    chat.order("бумажный кораблик в луже", "16:9", 2, Some("Nano Banana 2"), 22).await;
    chat.wait_text("Готово: 2 из 2").await;

    // the coins were partly spent: refused unless forced
    let refused = app.command(&["admin", "payments", "refund", &charge]);
    assert!(!refused.status.success(), "a refund of spent coins needs --force");
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("--force") && why.contains("78"), "{why}");
    assert_eq!(app.balance(8105), 78, "nothing taken back");

    let out = app.admin(&["payments", "refund", &charge, "--force"]);
    assert!(out.contains("refunded 50 ⭐") && out.contains("took back 78 of 100 coins"), "{out}");
    assert_eq!(app.balance(8105), 0);
    // Telegram tells the user the Stars came back
    let refund = chat
        .messages()
        .into_iter()
        .find_map(|m| m.refunded_payment)
        .expect("a refunded_payment service message in the user's chat");
    assert_eq!(refund["total_amount"], 50);
    assert_eq!(refund["telegram_payment_charge_id"], charge.as_str());
    chat.say("/balance");
    let history = Chat::text(&chat.wait_text("Баланс: 0 монет</b>").await);
    assert!(history.contains("−78 возврат звёзд"), "{history}");

    // twice: refused, the balance untouched
    let again = app.command(&["admin", "payments", "refund", &charge, "--force"]);
    assert!(!again.status.success(), "a second refund of the same charge is refused");
    assert_eq!(app.balance(8105), 0);
    let stats = app.admin(&["stats"]);
    assert!(stats.contains("1 payments, 50 received, 50 refunded"), "{stats}");

    // /paysupport: the configured contact and the payment with its charge id, refunded
    chat.say("/paysupport");
    let support = Chat::text(&chat.wait_text("Помощь с оплатой").await);
    assert!(support.contains("@aisha_help") && support.contains(&charge), "{support}");
    assert!(support.contains("50 ⭐ → 100 монет · возвращён"), "{support}");

    // a goodwill credit: the user reads the operator's note, never their reason
    let out = app.admin(&[
        "balance",
        "add",
        "8105",
        "10",
        "--reason",
        "ticket 7, internal",
        "--note",
        "Извините за ожидание",
    ]);
    assert!(out.contains("+10 coins for 8105"), "{out}");
    chat.say("/balance");
    let history = Chat::text(&chat.wait_text("Баланс: 10 монет</b>").await);
    assert!(history.contains("+10 Извините за ожидание") && !history.contains("ticket"), "{history}");
    app.assert_audit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_to_english_changes_every_screen() {
    let (emu, _backend, app) = start(&[("AISHA__LIMITS__WELCOME_BONUS", "20")]).await;
    let chat = emu.user(8106, "ru");
    chat.say("/settings");
    chat.wait_text("Язык: русский").await;
    chat.press("English").await;
    chat.wait_text("Language: English").await;

    chat.say("/start");
    chat.wait_text("Main menu").await;
    chat.press("Create").await;
    chat.wait_text("Describe in one message").await;
    chat.say("a lighthouse at dawn");
    chat.wait_text("Choose the format").await;
    chat.press_exact("16:9").await;
    chat.wait_text("How many variants").await;
    chat.press_exact("2").await;
    chat.wait_text("Choose the model").await;
    chat.press("FLUX.2").await;
    chat.wait_text("Check your order").await;
    chat.press("Create for 6 coins").await;
    chat.wait_text("Done: 2 of 2").await;
    chat.say("/balance");
    chat.wait_text("Balance: 14 coins</b>").await;
    chat.say("/help");
    let help = Chat::text(&chat.wait_for("the help screen", |m| Chat::text(m).contains("/paysupport")).await);
    assert!(!help.chars().any(|c| ('а'..='я').contains(&c)), "no Russian left in the help: {help}");

    // and back
    chat.say("/settings");
    chat.press("Русский").await;
    chat.wait_text("Язык: русский").await;
    // a user whose Telegram speaks English gets English from the first message
    let en = emu.user(8107, "en");
    en.say("/start");
    en.wait_text("Hi, User8107").await;
    app.assert_audit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_model_of_the_default_catalog_makes_an_image() {
    let (emu, _backend, app) = start(&[("AISHA__LIMITS__WELCOME_BONUS", "100")]).await;
    let chat = emu.user(8107, "ru");
    chat.say("/start");
    chat.wait_text("Главное меню").await;
    let mut spent = 0;
    for (n, (model, price)) in [("Nano Banana 2", 11), ("FLUX.2", 3), ("Nano Banana Pro", 20)].into_iter().enumerate() {
        chat.say("/generate");
        chat.wait_for("the prompt question", |_| chat.count("Опишите одним сообщением") > n).await;
        chat.order(&format!("маяк на рассвете, вариант {}", n + 1), "3:4", 1, Some(model), price).await;
        chat.wait_for("the result", |_| chat.count("Готово: 1 из 1") > n).await;
        spent += price;
        assert_eq!(app.balance(8107), 100 - spent, "{model}");
    }
    assert_eq!(chat.photos().len(), 3, "one image from each model");
    let models: Vec<String> = emu.fal.requests().into_iter().map(|r| r.model).collect();
    assert_eq!(models, ["fal-ai/nano-banana-2", "fal-ai/flux-2", "fal-ai/nano-banana-pro"]);
    // the gallery names each image's model
    chat.say("/gallery");
    let newest = card(&chat, "the newest card", |c| c.starts_with("1 / 3 ·")).await;
    assert!(newest.starts_with("1 / 3 · Nano Banana Pro (лучшая) · 3:4"), "{newest}");
    chat.say("/balance");
    let history = Chat::text(&chat.wait_text(&format!("Баланс: {} монет</b>", 100 - spent)).await);
    assert!(
        history.contains("−20 за изображения по описанию ×1") && history.contains("−3 за изображения по описанию ×1"),
        "{history}"
    );
    app.assert_audit();
}
