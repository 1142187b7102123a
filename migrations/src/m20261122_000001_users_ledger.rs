//! Users, their cached balance, and the append-only coin ledger.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema as s;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    TelegramId,
    FirstName,
    LastName,
    Username,
    LanguageCode,
    Language,
    Timezone,
    DefaultAspect,
    DefaultCount,
    DefaultVariant,
    QuickMode,
    Blocked,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Balances {
    Table,
    UserId,
    Coins,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    UserId,
    Amount,
    Kind,
    Reason,
    IdempotencyKey,
    BalanceAfter,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(s::pk_uuid(Users::Id))
                    .col(s::big_integer_uniq(Users::TelegramId))
                    .col(s::string_len(Users::FirstName, 256))
                    .col(s::string_len_null(Users::LastName, 256))
                    .col(s::string_len_null(Users::Username, 64))
                    .col(s::string_len_null(Users::LanguageCode, 16))
                    .col(s::string_len(Users::Language, 8))
                    .col(s::string_len(Users::Timezone, 64))
                    .col(s::string_len(Users::DefaultAspect, 8))
                    .col(s::small_integer(Users::DefaultCount))
                    .col(s::string_len(Users::DefaultVariant, 16))
                    .col(s::boolean(Users::QuickMode))
                    .col(s::boolean(Users::Blocked))
                    .col(s::timestamp_with_time_zone(Users::CreatedAt))
                    .col(s::timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_newest")
                    .table(Users::Table)
                    .col((Users::CreatedAt, IndexOrder::Desc))
                    .col((Users::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Balances::Table)
                    .col(s::pk_uuid(Balances::UserId))
                    .col(s::big_integer(Balances::Coins).default(0).check(Expr::col(Balances::Coins).gte(0)))
                    .foreign_key(
                        ForeignKey::create()
                            .name(crate::fk_name("balances", "user_id"))
                            .from(Balances::Table, Balances::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    .col(s::pk_uuid(LedgerEntries::Id))
                    .col(s::uuid(LedgerEntries::UserId))
                    .col(s::big_integer(LedgerEntries::Amount))
                    .col(s::string_len(LedgerEntries::Kind, 32))
                    .col(s::json_binary(LedgerEntries::Reason))
                    .col(s::string_len_uniq(LedgerEntries::IdempotencyKey, 255))
                    .col(
                        s::big_integer(LedgerEntries::BalanceAfter)
                            .check(Expr::col(LedgerEntries::BalanceAfter).gte(0)),
                    )
                    .col(s::timestamp_with_time_zone(LedgerEntries::CreatedAt))
                    .foreign_key(
                        // money history outlives nothing: a user with ledger rows cannot be deleted
                        ForeignKey::create()
                            .name(crate::fk_name("ledger_entries", "user_id"))
                            .from(LedgerEntries::Table, LedgerEntries::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ledger_owner_newest")
                    .table(LedgerEntries::Table)
                    .col(LedgerEntries::UserId)
                    .col((LedgerEntries::CreatedAt, IndexOrder::Desc))
                    .col((LedgerEntries::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [LedgerEntries::Table.into_iden(), Balances::Table.into_iden(), Users::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
