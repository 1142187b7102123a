//! Gallery navigation on PostgreSQL with 100 000 images: keyset cards near the start and deep
//! in the gallery, positions, and the same deep card fetched with OFFSET for comparison.
//!
//! ```text
//! AISHA_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!     cargo run --release -p aisha-db --example gallery-bench
//! ```
//!
//! The URL names a server and a database to connect to first; the bench creates its own
//! database next to it and drops it at the end (`AISHA_BENCH_KEEP=1` keeps it for a look with
//! psql). `AISHA_BENCH_IMAGES` changes the image count.

use aisha_db::Db;
use aisha_domain::avatar::{Avatar, AvatarStatus, Gender, Lora};
use aisha_domain::gallery::{CardAt, Cursor, GalleryQuery, ImageKind};
use aisha_domain::ports::{Avatars, Gallery, Users};
use aisha_domain::user::{Language, Profile, Settings, User};
use aisha_domain::{AvatarId, AvatarName, ImageId, TelegramUserId, UserId, truncate};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, Value};
use std::time::Instant;
use uuid::Uuid;

const RUNS: usize = 1000;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::var("AISHA_BENCH_DATABASE_URL").expect("set AISHA_BENCH_DATABASE_URL to a PostgreSQL URL");
    let images: i64 = std::env::var("AISHA_BENCH_IMAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let name = format!("aisha_bench_{}", Uuid::now_v7().simple());
    let admin = Database::connect(url.as_str()).await.expect("the bench server answers");
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create the bench database");
    let bench_url = with_database(&url, &name);

    let result = run(&bench_url, images).await;

    if std::env::var_os("AISHA_BENCH_KEEP").is_some() {
        println!("kept the database {name} (AISHA_BENCH_KEEP is set)");
    } else {
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
    }
    if let Err(e) = result {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

async fn run(url: &str, images: i64) -> Result<(), String> {
    let db = Db::connect(url).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let raw = Database::connect(url).await.map_err(|e| e.to_string())?;
    let now = truncate(Utc::now());

    let owner = seed(&db, &raw, images, now).await?;
    let gallery = GalleryCounts::of(&db, owner, now).await;
    println!("seeded {} images: {} favorites, {} imagen", gallery.total, gallery.favorites, gallery.imagen);

    let (week_ago, until) = (now - Duration::days(7), now + Duration::seconds(1));
    let filters = [
        ("all", GalleryQuery::default(), "TRUE".to_owned()),
        ("favorites", GalleryQuery { favorites_only: true, ..Default::default() }, "favorite".to_owned()),
        (
            "imagen, last 7 days",
            GalleryQuery {
                kind: Some(ImageKind::Text),
                from: Some(week_ago),
                until: Some(until),
                ..Default::default()
            },
            format!(
                "kind = 'imagen' AND created_at >= '{}'::timestamptz AND created_at < '{}'::timestamptz",
                week_ago.to_rfc3339(),
                until.to_rfc3339()
            ),
        ),
    ];
    println!();
    println!("| filter | position | of | next median | next p99 | prev median | prev p99 |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, q, sql) in &filters {
        let total = db.position(owner, q, far_future()).await.map_err(|e| e.to_string())?.total;
        if total < 20 {
            println!("| {label} | – | {total} | too few images to measure | | | |");
            continue;
        }
        let deep = if total >= 100_000 { 90_000 } else { total * 9 / 10 };
        for at in [10, deep] {
            let cursor = nth(&raw, owner, sql, at).await?;
            let (next, prev) = navigate(&db, owner, q, cursor).await?;
            println!(
                "| {label} | {at} | {total} | {} | {} | {} | {} |",
                ms(median(&next)),
                ms(p99(&next)),
                ms(median(&prev)),
                ms(p99(&prev))
            );
        }
    }

    // a whole gallery step as a press sends it: the user by Telegram id, the next card and its
    // position, in one statement (`Gallery::step`)
    let telegram = Users::get(&db, owner).await.map_err(|e| e.to_string())?.ok_or("no owner")?.profile.telegram_id;
    println!();
    println!("| filter | step from | of | step older median | p99 | step newer median | p99 |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, q, sql) in &filters {
        let total = db.position(owner, q, far_future()).await.map_err(|e| e.to_string())?.total;
        if total < 20 {
            continue;
        }
        let deep = if total >= 100_000 { 90_000 } else { total * 9 / 10 };
        for at in [10, deep] {
            let from = nth(&raw, owner, sql, at).await?.id;
            let (mut older, mut newer) = (Vec::with_capacity(RUNS), Vec::with_capacity(RUNS));
            for _ in 0..RUNS {
                for (older_way, times) in [(true, &mut older), (false, &mut newer)] {
                    let t = Instant::now();
                    let (_, card) =
                        db.step(telegram, q, from, older_way).await.map_err(|e| e.to_string())?.ok_or("no user")?;
                    times.push(t.elapsed().as_secs_f64());
                    card.ok_or("a step that found no card")?;
                }
            }
            println!(
                "| {label} | {at} | {total} | {} | {} | {} | {} |",
                ms(median(&older)),
                ms(p99(&older)),
                ms(median(&newer)),
                ms(p99(&newer))
            );
        }
    }

    println!();
    println!("| filter | position + total, median | p99 |");
    println!("|---|---:|---:|");
    for (label, q, sql) in &filters {
        let total = db.position(owner, q, far_future()).await.map_err(|e| e.to_string())?.total;
        if total < 20 {
            continue;
        }
        let cursor = nth(&raw, owner, sql, total * 9 / 10).await?;
        let mut times = Vec::with_capacity(300);
        for _ in 0..300 {
            let t = Instant::now();
            db.position(owner, q, cursor).await.map_err(|e| e.to_string())?;
            times.push(t.elapsed().as_secs_f64());
        }
        println!("| {label} | {} | {} |", ms(median(&times)), ms(p99(&times)));
    }

    let deep = if images >= 100_000 { 90_000 } else { images * 9 / 10 };
    let offset = offset_times(&raw, owner, deep).await?;
    let cursor = nth(&raw, owner, "TRUE", u64::try_from(deep).unwrap_or(0)).await?;
    let (next, _) = navigate(&db, owner, &GalleryQuery::default(), cursor).await?;
    println!();
    println!(
        "card at position {deep} under \"all\": OFFSET median {} (p99 {}), keyset next median {}",
        ms(median(&offset)),
        ms(p99(&offset)),
        ms(median(&next))
    );
    let (split, single) = position_vs_one_aggregate(&db, &raw, owner, cursor).await?;
    println!(
        "position + total at card {deep} under \"all\", alternating: Gallery::position median {} (p99 {}), \
         one aggregate over the owner's rows median {} (p99 {})",
        ms(median(&split)),
        ms(p99(&split)),
        ms(median(&single)),
        ms(p99(&single))
    );

    println!();
    println!("plan of a deep \"next card\" under \"imagen, last 7 days\":");
    let next_card = "SELECT * FROM images WHERE user_id = $1 AND kind = 'imagen' AND created_at >= $2 \
         AND created_at < $3 AND (created_at, id) < ($4, $5) ORDER BY created_at DESC, id DESC LIMIT 1";
    let values = [
        owner.0.into(),
        (now - Duration::days(7)).into(),
        (now + Duration::seconds(1)).into(),
        (now - Duration::days(6)).into(),
        Uuid::max().into(),
    ];
    explain(&raw, next_card, values).await?;

    println!();
    println!("plan of position + total at card {deep} under \"all\" (the statement `Gallery::position` sends):");
    let side = |bound: &str| {
        format!(
            "(SELECT COUNT(*) FROM (SELECT 1 FROM images WHERE user_id = $1 AND (created_at, id) {bound} ($2, $3) \
             ORDER BY created_at DESC, id DESC) AS side)"
        )
    };
    let position = format!("SELECT {} AS newer_or_equal, {} AS older", side(">="), side("<"));
    explain(&raw, &position, [owner.0.into(), cursor.created_at.into(), cursor.id.0.into()]).await?;
    Ok(())
}

/// One user, two trained avatars, and `images` rows spread over a year: about 70% Imagen and
/// 30% avatar photos split between the avatars, 5% favorites. Inserted server-side in batches
/// of 10 000 rows (each one multi-row INSERT … SELECT), then vacuumed and analysed.
async fn seed(db: &Db, raw: &DatabaseConnection, images: i64, now: DateTime<Utc>) -> Result<UserId, String> {
    let started = Instant::now();
    let user = User {
        id: UserId(Uuid::now_v7()),
        profile: Profile {
            telegram_id: TelegramUserId::new(777_000_001).expect("positive"),
            first_name: "Bench".into(),
            last_name: None,
            username: None,
            language_code: Some("en".into()),
        },
        settings: Settings::for_new_user(Language::En),
        blocked: false,
        created_at: now - Duration::days(366),
    };
    db.upsert(user.clone()).await.map_err(|e| e.to_string())?;
    let mut avatars = Vec::new();
    for name in ["Anna", "Boris"] {
        let mut a = Avatar::new(
            AvatarId(Uuid::now_v7()),
            user.id,
            AvatarName::parse(name).expect("valid"),
            Gender::Female,
            now - Duration::days(366),
        );
        a.status = AvatarStatus::Ready;
        a.lora = Some(Lora::at("https://files.example/lora.safetensors", None));
        db.create(&a).await.map_err(|e| e.to_string())?;
        avatars.push(a);
    }
    raw.execute_unprepared("SELECT setseed(0.42)").await.map_err(|e| e.to_string())?;
    let batch = 10_000;
    let mut from = 0;
    while from < images {
        let to = (from + batch).min(images);
        let sql = format!(
            "INSERT INTO images (id, user_id, job_id, kind, model, prompt, aspect, avatar_id, avatar_name, \
                 bucket, object_key, format, bytes, width, height, favorite, telegram_file_id, created_at) \
             SELECT gen_random_uuid(), $1, NULL, \
                 CASE WHEN r.k < 0.7 THEN 'imagen' ELSE 'avatar_photo' END, \
                 CASE WHEN r.k < 0.7 THEN 'imagen4/standard' ELSE 'flux-lora' END, \
                 'a lighthouse at dawn, take ' || r.i, '1:1', \
                 CASE WHEN r.k < 0.7 THEN NULL WHEN r.k < 0.85 THEN $2::uuid ELSE $3::uuid END, \
                 CASE WHEN r.k < 0.7 THEN NULL WHEN r.k < 0.85 THEN 'Anna' ELSE 'Boris' END, \
                 'bench', 'images/bench/' || r.i || '.png', 'png', 1234, 1024, 1024, \
                 r.f < 0.05, NULL, \
                 date_trunc('milliseconds', $4::timestamptz - r.age * interval '365 days') \
             FROM (SELECT i, random() AS k, random() AS f, random() AS age \
                   FROM generate_series({from} + 1, {to}) AS i) AS r"
        );
        let stmt = Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [user.id.0.into(), avatars[0].id.0.into(), avatars[1].id.0.into(), now.into()],
        );
        raw.execute_raw(stmt).await.map_err(|e| e.to_string())?;
        from = to;
    }
    raw.execute_unprepared("VACUUM ANALYZE images").await.map_err(|e| e.to_string())?;
    println!("seeding {images} images took {:.1} s", started.elapsed().as_secs_f64());
    Ok(user.id)
}

struct GalleryCounts {
    total: u64,
    favorites: u64,
    imagen: u64,
}

impl GalleryCounts {
    async fn of(db: &Db, owner: UserId, now: DateTime<Utc>) -> Self {
        let c = db.counts(owner, now).await.expect("counts");
        Self { total: c.total, favorites: c.favorites, imagen: c.imagen }
    }
}

fn far_future() -> Cursor {
    Cursor { created_at: DateTime::<Utc>::MAX_UTC - Duration::days(1), id: ImageId(Uuid::max()) }
}

/// The cursor of the `n`-th card (1-based) among the rows matching `filter` (the same
/// filter in SQL), found with OFFSET: setup, not measured.
async fn nth(raw: &DatabaseConnection, owner: UserId, filter: &str, n: u64) -> Result<Cursor, String> {
    let stmt = Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "SELECT created_at, id FROM images WHERE user_id = $1 AND {filter} \
             ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1"
        ),
        [owner.0.into(), i64::try_from(n.max(1) - 1).unwrap_or(0).into()],
    );
    let row = raw.query_one_raw(stmt).await.map_err(|e| e.to_string())?.ok_or("no such card")?;
    Ok(Cursor {
        created_at: row.try_get("", "created_at").map_err(|e| e.to_string())?,
        id: ImageId(row.try_get("", "id").map_err(|e| e.to_string())?),
    })
}

/// `RUNS` "next" and `RUNS` "previous" cards around `cursor`, alternating, timed one by one.
async fn navigate(db: &Db, owner: UserId, q: &GalleryQuery, cursor: Cursor) -> Result<(Vec<f64>, Vec<f64>), String> {
    let (mut next, mut prev) = (Vec::with_capacity(RUNS), Vec::with_capacity(RUNS));
    for _ in 0..RUNS {
        let t = Instant::now();
        let older = db.card(owner, q, CardAt::Older(cursor)).await.map_err(|e| e.to_string())?;
        next.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let newer = db.card(owner, q, CardAt::Newer(cursor)).await.map_err(|e| e.to_string())?;
        prev.push(t.elapsed().as_secs_f64());
        if older.is_none() && newer.is_none() {
            return Err("a cursor with no neighbours".into());
        }
    }
    Ok((next, prev))
}

async fn offset_times(raw: &DatabaseConnection, owner: UserId, position: i64) -> Result<Vec<f64>, String> {
    let mut times = Vec::with_capacity(100);
    for _ in 0..100 {
        let stmt = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT * FROM images WHERE user_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1",
            [owner.0.into(), (position - 1).into()],
        );
        let t = Instant::now();
        raw.query_one_raw(stmt).await.map_err(|e| e.to_string())?;
        times.push(t.elapsed().as_secs_f64());
    }
    Ok(times)
}

/// `Gallery::position` and the statement it replaced (one aggregate over all the owner's rows,
/// with the comparison to the cursor evaluated per row), 300 runs each, alternating so both see
/// the same machine.
async fn position_vs_one_aggregate(
    db: &Db,
    raw: &DatabaseConnection,
    owner: UserId,
    cursor: Cursor,
) -> Result<(Vec<f64>, Vec<f64>), String> {
    let (mut split, mut single) = (Vec::with_capacity(300), Vec::with_capacity(300));
    for _ in 0..300 {
        let t = Instant::now();
        let position = db.position(owner, &GalleryQuery::default(), cursor).await.map_err(|e| e.to_string())?;
        split.push(t.elapsed().as_secs_f64());
        let stmt = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT CAST(COALESCE(SUM(CASE WHEN (created_at, id) >= ($2, $3) THEN 1 ELSE 0 END), 0) AS BIGINT) AS n, \
             COUNT(*) AS total FROM images WHERE user_id = $1",
            [owner.0.into(), cursor.created_at.into(), cursor.id.0.into()],
        );
        let t = Instant::now();
        let row = raw.query_one_raw(stmt).await.map_err(|e| e.to_string())?.ok_or("no aggregate row")?;
        single.push(t.elapsed().as_secs_f64());
        let n: i64 = row.try_get("", "n").map_err(|e| e.to_string())?;
        if u64::try_from(n).ok() != Some(position.index) {
            return Err(format!("the two statements disagree: {n} vs {}", position.index));
        }
    }
    Ok((split, single))
}

async fn explain<const N: usize>(raw: &DatabaseConnection, sql: &str, values: [Value; N]) -> Result<(), String> {
    let stmt = Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}"),
        values,
    );
    for row in raw.query_all_raw(stmt).await.map_err(|e| e.to_string())? {
        let line: String = row.try_get("", "QUERY PLAN").map_err(|e| e.to_string())?;
        println!("    {line}");
    }
    Ok(())
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

fn median(v: &[f64]) -> f64 {
    sorted(v)[v.len() / 2]
}

fn p99(v: &[f64]) -> f64 {
    let s = sorted(v);
    s[(s.len() * 99 / 100).min(s.len() - 1)]
}

fn ms(seconds: f64) -> String {
    format!("{:.3} ms", seconds * 1000.0)
}

use aisha_db::scratch::with_database;
