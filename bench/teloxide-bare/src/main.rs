//! A bare teloxide bot: the baseline AISHA's gallery "next" press is compared with
//! (docs/performance.md, issue 22). It reads AISHA's own tables (`users`, `images`) and
//! answers exactly two things:
//!
//! - `/gallery`: the user's newest image as a photo, caption = its prompt, buttons
//!   `p:<id>` (newer) and `n:<id>` (older) carrying the image on the card;
//! - a press of `n:<id>` / `p:<id>`: one keyset query (the user's next image older / newer
//!   than `<id>` by `(created_at, id)`), `editMessageMedia` with that image and its buttons,
//!   and the callback answered (both calls at once).
//!
//! Settings from the environment: `TELOXIDE_TOKEN`, `TELEGRAM_API_URL` (the Bot API
//! stand-in), `DATABASE_URL`. Stop with SIGINT/SIGTERM (or kill it).

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Row};
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMedia, InputMediaPhoto, MaybeInaccessibleMessage,
};
use uuid::Uuid;

/// The next image of the user with Telegram id `$1` older than image `$2`, and whether there
/// is one more after it (the second row), which decides the "older" button.
const OLDER: &str = "SELECT i.id, i.prompt, i.telegram_file_id FROM images i JOIN users u ON u.id = i.user_id \
     WHERE u.telegram_id = $1 AND (i.created_at, i.id) < (SELECT created_at, id FROM images WHERE id = $2) \
     ORDER BY i.created_at DESC, i.id DESC LIMIT 2";
/// The next image of the user with Telegram id `$1` newer than image `$2`, and whether there
/// is one more (the second row).
const NEWER: &str = "SELECT i.id, i.prompt, i.telegram_file_id FROM images i JOIN users u ON u.id = i.user_id \
     WHERE u.telegram_id = $1 AND (i.created_at, i.id) > (SELECT created_at, id FROM images WHERE id = $2) \
     ORDER BY i.created_at ASC, i.id ASC LIMIT 2";
/// The newest image of the user with Telegram id `$1`, and whether there is an older one.
const NEWEST: &str = "SELECT i.id, i.prompt, i.telegram_file_id FROM images i JOIN users u ON u.id = i.user_id \
     WHERE u.telegram_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT 2";

/// An image on a card: id, prompt, Telegram file id.
type Card = (Uuid, String, String);

/// The card's buttons: only the directions that lead somewhere, as AISHA shows them.
fn keyboard(id: Uuid, newer: bool, older: bool) -> InlineKeyboardMarkup {
    let id = id.simple();
    let mut row = Vec::new();
    if newer {
        row.push(InlineKeyboardButton::callback("⬅️", format!("p:{id}")));
    }
    if older {
        row.push(InlineKeyboardButton::callback("➡️", format!("n:{id}")));
    }
    InlineKeyboardMarkup::new([row])
}

/// The first row of `sql` and whether a second one came.
async fn card(
    db: &PgPool,
    sql: &'static str,
    user: i64,
    from: Option<Uuid>,
) -> Result<Option<(Card, bool)>, sqlx::Error> {
    let mut q = sqlx::query(sql).bind(user);
    if let Some(from) = from {
        q = q.bind(from);
    }
    let rows = q.fetch_all(db).await?;
    let more = rows.len() > 1;
    let first = rows.into_iter().next();
    Ok(first.map(|r| ((r.get(0), r.get(1), r.get::<Option<String>, _>(2).unwrap_or_default()), more)))
}

async fn on_message(bot: Bot, msg: Message, db: PgPool) -> ResponseResult<()> {
    if msg.text() != Some("/gallery") {
        return Ok(());
    }
    let Some(((id, prompt, file), older)) = card(&db, NEWEST, msg.chat.id.0, None).await.ok().flatten() else {
        bot.send_message(msg.chat.id, "empty").await?;
        return Ok(());
    };
    bot.send_photo(msg.chat.id, InputFile::file_id(file.into()))
        .caption(prompt)
        .reply_markup(keyboard(id, false, older))
        .await?;
    Ok(())
}

async fn on_press(bot: Bot, q: CallbackQuery, db: PgPool) -> ResponseResult<()> {
    let (Some(data), Some(MaybeInaccessibleMessage::Regular(msg))) = (q.data.as_deref(), q.message.as_ref()) else {
        return Ok(());
    };
    let (sql, from, to_older) = match data.split_once(':') {
        Some(("n", id)) => (OLDER, id, true),
        Some(("p", id)) => (NEWER, id, false),
        _ => return Ok(()),
    };
    let next = match Uuid::parse_str(from) {
        Ok(from) => card(&db, sql, q.from.id.0 as i64, Some(from)).await.ok().flatten(),
        Err(_) => None,
    };
    let answer = bot.answer_callback_query(q.id.clone());
    let Some(((id, prompt, file), more)) = next else {
        answer.await?;
        return Ok(());
    };
    let media = InputMedia::Photo(InputMediaPhoto::new(InputFile::file_id(file.into())).caption(prompt));
    let edit = bot.edit_message_media(msg.chat.id, msg.id, media).reply_markup(if to_older {
        keyboard(id, true, more)
    } else {
        keyboard(id, more, true)
    });
    let (a, e) = tokio::join!(answer.into_future(), edit.into_future());
    // a failed call is a broken benchmark, not a detail: say it (teloxide's own error handler
    // logs through `log`, which has no logger here)
    if let Err(e) = a.and(e) {
        eprintln!("teloxide-bare: {e}");
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"));
    let api = env("TELEGRAM_API_URL").parse().expect("TELEGRAM_API_URL is a URL");
    let bot = Bot::new(env("TELOXIDE_TOKEN")).set_api_url(api);
    // as AISHA does: no ping before each acquire (sqlx still pings on every return to the pool)
    let db = PgPoolOptions::new()
        .max_connections(10)
        .test_before_acquire(false)
        .connect(&env("DATABASE_URL"))
        .await
        .expect("the database");
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_press));
    println!("teloxide-bare: polling");
    Dispatcher::builder(bot, handler).dependencies(dptree::deps![db]).build().dispatch().await;
}
