//! The model catalog replaces Imagen 4's three variants: a user's default model is a catalog
//! key (`users.default_model`, up to 32 characters) instead of `fast`/`standard`/`ultra`.
//! Stored defaults become the retired Imagen 4 keys (`imagen4/fast`, …), which the bot
//! replaces with the catalog's default model when it uses them. Jobs' specs and gallery rows
//! need no change: a spec's old `variant` reads as the same keys, and gallery rows already
//! say `imagen4/<variant>`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    DefaultVariant,
    DefaultModel,
}

const LEGACY: [&str; 3] = ["fast", "standard", "ultra"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            // SQLite does not enforce lengths; PostgreSQL's column was varchar(16)
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .modify_column(ColumnDef::new(Users::DefaultVariant).string_len(32).not_null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter().table(Users::Table).rename_column(Users::DefaultVariant, Users::DefaultModel).to_owned(),
            )
            .await?;
        for variant in LEGACY {
            let key = Query::update()
                .table(Users::Table)
                .value(Users::DefaultModel, format!("imagen4/{variant}"))
                .and_where(Expr::col(Users::DefaultModel).eq(variant))
                .to_owned();
            manager.exec_stmt(key).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // keys that were not Imagen 4 variants have no old spelling: they become `standard`
        let back = Query::update()
            .table(Users::Table)
            .value(
                Users::DefaultModel,
                Expr::case(Expr::col(Users::DefaultModel).eq("imagen4/fast"), "fast")
                    .case(Expr::col(Users::DefaultModel).eq("imagen4/ultra"), "ultra")
                    .finally("standard"),
            )
            .to_owned();
        manager.exec_stmt(back).await?;
        manager
            .alter_table(
                Table::alter().table(Users::Table).rename_column(Users::DefaultModel, Users::DefaultVariant).to_owned(),
            )
            .await
    }
}
