//! The migrations: forward from empty on both backends, idempotent, the same tables.

mod common;

const TABLES: [&str; 12] = [
    "avatar_photos",
    "avatars",
    "balances",
    "images",
    "jobs",
    "ledger_entries",
    "promo_codes",
    "promo_redemptions",
    "seaql_migrations",
    "sessions",
    "stars_payments",
    "users",
];

async fn migrate_from_empty(db: &aisha_db::Db) -> Vec<String> {
    let first = db.migrate().await.expect("an empty database migrates");
    assert_eq!(first.applied_now.len(), first.status.len(), "everything was applied by the first run");
    assert!(first.status.iter().all(|m| m.applied));
    let names: Vec<&str> = first.status.iter().map(|m| m.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "migrations run in name order");

    let second = db.migrate().await.expect("migrating again is fine");
    assert!(second.applied_now.is_empty(), "nothing left to apply");
    assert_eq!(db.migration_status().await.unwrap(), second.status);
    db.table_names().await.unwrap()
}

#[tokio::test]
async fn sqlite_and_postgres_get_the_same_tables() {
    let (sqlite, _) = common::sqlite_file_empty().await;
    let sqlite_tables = migrate_from_empty(&sqlite).await;
    assert_eq!(sqlite_tables, TABLES);
    if let Some(pg) = common::postgres_empty().await {
        assert_eq!(migrate_from_empty(&pg).await, sqlite_tables, "both backends have the same tables");
    }
}

#[tokio::test]
async fn in_memory_sqlite_migrates() {
    let db = aisha_db::Db::connect("sqlite::memory:").await.unwrap();
    assert_eq!(migrate_from_empty(&db).await, TABLES);
}
