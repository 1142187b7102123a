//! Seeding for the load tooling (`src/bin/load.rs`, `src/bin/press.rs`): galleries inserted
//! in SQL for users the bot has already registered.

/// Seeds `per_user` images for every user with a Telegram id ≥ `first_user`, newest first over
/// the last 30 days, 10% favorites, all showing the same Telegram file id; then `VACUUM
/// ANALYZE`s the table.
pub async fn images(url: &str, per_user: usize, file_id: &str, first_user: i64) {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(url).await.expect("the load database");
    let sql = format!(
        "INSERT INTO images (id, user_id, job_id, kind, model, prompt, aspect, avatar_id, avatar_name, \
             bucket, object_key, format, bytes, width, height, favorite, telegram_file_id, created_at) \
         SELECT gen_random_uuid(), u.id, NULL, 'imagen', 'imagen4/standard', 'a lighthouse at dawn, take ' || g.i, \
             '1:1', NULL, NULL, 'load', 'images/load/' || u.telegram_id || '/' || g.i || '.png', 'png', 1234, \
             1024, 1024, random() < 0.1, '{file_id}', \
             date_trunc('milliseconds', now() - random() * interval '30 days') \
         FROM users u CROSS JOIN generate_series(1, {per_user}) AS g(i) \
         WHERE u.telegram_id >= {first_user}"
    );
    db.execute_unprepared(&sql).await.expect("the images are seeded");
    db.execute_unprepared("VACUUM ANALYZE images").await.expect("vacuum");
}
