//! Avatars keep their own copy of the trained LoRA: `avatars.lora_key` (the object in our
//! storage) and `avatars.lora_refreshed_at` (when the provider URL in `lora_url` was issued).
//! The provider's files expire; a LoRA past its age, or no longer served, is uploaded again
//! from the copy before a generation. Avatars trained before this keep working while their
//! URL lives and are copied the first time they are used.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema as s;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Avatars {
    Table,
    LoraKey,
    LoraRefreshedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // one column per statement: SQLite adds one at a time
        manager
            .alter_table(
                Table::alter().table(Avatars::Table).add_column(s::string_len_null(Avatars::LoraKey, 1024)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Avatars::Table)
                    .add_column(s::timestamp_with_time_zone_null(Avatars::LoraRefreshedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Avatars::Table).drop_column(Avatars::LoraRefreshedAt).to_owned())
            .await?;
        manager.alter_table(Table::alter().table(Avatars::Table).drop_column(Avatars::LoraKey).to_owned()).await
    }
}
