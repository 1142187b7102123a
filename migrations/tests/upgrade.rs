//! Upgrading a database that already holds users: the catalog migration turns each stored
//! Imagen 4 variant into its catalog key and widens the column; the LoRA migration adds its
//! columns empty.

use aisha_migrations::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::{ConnectionTrait, Database, Statement};

#[tokio::test]
async fn stored_defaults_become_catalog_keys() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.sqlite").display());
    let db = Database::connect(&url).await.unwrap();
    Migrator::up(&db, Some(5)).await.unwrap();
    for (n, variant) in ["fast", "standard", "ultra"].iter().enumerate() {
        let sql = format!(
            "INSERT INTO users (id, telegram_id, first_name, language, timezone, default_aspect, default_count, \
             default_variant, quick_mode, blocked, created_at, updated_at) VALUES ('{n}', {}, 'u', 'ru', \
             'Europe/Moscow', '1:1', 1, '{variant}', false, false, '2026-11-22T12:00:00Z', '2026-11-22T12:00:00Z')",
            100 + n
        );
        db.execute_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    }
    Migrator::up(&db, None).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT default_model, lora_key, translate_prompts FROM users LEFT JOIN avatars ON avatars.user_id = users.id ORDER BY telegram_id",
        ))
        .await
        .unwrap();
    let models: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "default_model").unwrap()).collect();
    assert_eq!(models, ["imagen4/fast", "imagen4/standard", "imagen4/ultra"]);
    assert!(rows.iter().all(|r| r.try_get::<Option<String>>("", "lora_key").unwrap().is_none()));
    assert!(
        rows.iter().all(|r| r.try_get::<bool>("", "translate_prompts").unwrap()),
        "users from before the setting have their descriptions translated, as new users do"
    );

    // and back down past the catalog, for an operator who rolls back
    let newer = Migrator::get_migration_files().len() - 5;
    Migrator::down(&db, Some(newer as u32)).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT default_variant FROM users ORDER BY telegram_id",
        ))
        .await
        .unwrap();
    let variants: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "default_variant").unwrap()).collect();
    assert_eq!(variants, ["fast", "standard", "ultra"]);
}
