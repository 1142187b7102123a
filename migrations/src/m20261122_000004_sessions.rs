//! Per-user conversation values with a time to live, for the embedded default (production
//! keeps them in Redis).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema as s;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Key,
    Value,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(s::string_len(Sessions::Key, 128).primary_key())
                    .col(s::text(Sessions::Value))
                    .col(s::timestamp_with_time_zone(Sessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("sessions_expiry").table(Sessions::Table).col(Sessions::ExpiresAt).to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Sessions::Table).to_owned()).await
    }
}
