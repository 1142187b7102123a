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

/// `entity.rs` declares what the migrations create: every table, every column, its type (length
/// included) and whether it may be NULL. A difference is listed as `table.column: expected
/// <entity>, found <database>`.
async fn entities_match_the_migrations(db: &aisha_db::Db) {
    let drift = db.schema_drift().await.expect("the schema can be read");
    let lines: Vec<String> = drift.iter().map(ToString::to_string).collect();
    assert!(lines.is_empty(), "entity.rs and the migrations disagree on {:?}:\n{}", db.backend(), lines.join("\n"));
}

#[tokio::test]
async fn the_entities_declare_the_migrated_columns_on_sqlite() {
    let db = common::sqlite_file().await;
    entities_match_the_migrations(&db).await;
}

#[tokio::test]
async fn the_entities_declare_the_migrated_columns_on_postgres() {
    if let Some(db) = common::postgres().await {
        entities_match_the_migrations(&db).await;
    }
}

/// Changes the migrated schema behind the entities' back and returns what `schema_drift` says.
async fn drift_after(db: &common::TestDb, statements: &[&str]) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let other = sea_orm::Database::connect(db.url().expect("a database on disk").as_str()).await.unwrap();
    for sql in statements {
        other.execute_unprepared(sql).await.unwrap();
    }
    other.close().await.unwrap();
    db.schema_drift().await.unwrap().iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn a_difference_names_table_column_expected_and_found() {
    let db = common::sqlite_file().await;
    let drift = drift_after(&db, &["ALTER TABLE jobs ADD COLUMN surprise integer"]).await;
    assert_eq!(drift, ["jobs.surprise: expected no such column, found integer NULL"]);
    if let Some(pg) = common::postgres().await {
        let drift = drift_after(
            &pg,
            &[
                "ALTER TABLE jobs ADD COLUMN surprise integer",
                "ALTER TABLE jobs ALTER COLUMN status TYPE varchar(20)",
                "ALTER TABLE images ALTER COLUMN telegram_file_id SET NOT NULL",
            ],
        )
        .await;
        assert_eq!(
            drift,
            [
                "images.telegram_file_id: expected character varying(255) NULL, found character varying(255) NOT NULL",
                "jobs.status: expected character varying(16) NOT NULL, found character varying(20) NOT NULL",
                "jobs.surprise: expected no such column, found integer NULL",
            ]
        );
    }
}
