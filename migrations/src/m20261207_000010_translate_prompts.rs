//! `users.translate_prompts`: whether a description for photos with an avatar is translated
//! into English by the prompt assistant before it is sent (a setting the user can turn off).
//! Existing users get `true`, the same as a new user: FLUX reads English.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema as s;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    TranslatePrompts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(s::boolean(Users::TranslatePrompts).default(true))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::TranslatePrompts).to_owned()).await
    }
}
