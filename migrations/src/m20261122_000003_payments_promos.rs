//! Telegram Stars payments and promo codes with their redemptions.

use crate::m20261122_000001_users_ledger::Users;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema as s;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StarsPayments {
    Table,
    /// The id of the ledger row that credited the payment.
    Id,
    ChargeId,
    UserId,
    TelegramId,
    Payload,
    Stars,
    Coins,
    NeedsAttention,
    RefundedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PromoCodes {
    Table,
    Id,
    Code,
    Coins,
    MaxUses,
    PerUser,
    ValidFrom,
    ValidUntil,
    Active,
    Uses,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PromoRedemptions {
    Table,
    /// The id of the ledger row that credited the redemption.
    Id,
    PromoId,
    UserId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StarsPayments::Table)
                    .col(s::pk_uuid(StarsPayments::Id))
                    .col(s::string_len_uniq(StarsPayments::ChargeId, 255))
                    .col(s::uuid(StarsPayments::UserId))
                    .col(s::big_integer(StarsPayments::TelegramId))
                    .col(s::text(StarsPayments::Payload))
                    .col(s::big_integer(StarsPayments::Stars).check(Expr::col(StarsPayments::Stars).gte(0)))
                    .col(s::big_integer(StarsPayments::Coins).check(Expr::col(StarsPayments::Coins).gte(0)))
                    .col(s::boolean(StarsPayments::NeedsAttention))
                    .col(s::timestamp_with_time_zone_null(StarsPayments::RefundedAt))
                    .col(s::timestamp_with_time_zone(StarsPayments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name(crate::fk_name("stars_payments", "user_id"))
                            .from(StarsPayments::Table, StarsPayments::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PromoCodes::Table)
                    .col(s::pk_uuid(PromoCodes::Id))
                    .col(s::string_len_uniq(PromoCodes::Code, 64))
                    .col(s::big_integer(PromoCodes::Coins).check(Expr::col(PromoCodes::Coins).gte(0)))
                    .col(s::integer_null(PromoCodes::MaxUses))
                    .col(s::integer(PromoCodes::PerUser))
                    .col(s::timestamp_with_time_zone_null(PromoCodes::ValidFrom))
                    .col(s::timestamp_with_time_zone_null(PromoCodes::ValidUntil))
                    .col(s::boolean(PromoCodes::Active))
                    .col(s::integer(PromoCodes::Uses).check(Expr::col(PromoCodes::Uses).gte(0)))
                    .col(s::timestamp_with_time_zone(PromoCodes::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PromoRedemptions::Table)
                    .col(s::pk_uuid(PromoRedemptions::Id))
                    .col(s::uuid(PromoRedemptions::PromoId))
                    .col(s::uuid(PromoRedemptions::UserId))
                    .col(s::timestamp_with_time_zone(PromoRedemptions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name(crate::fk_name("promo_redemptions", "promo_id"))
                            .from(PromoRedemptions::Table, PromoRedemptions::PromoId)
                            .to(PromoCodes::Table, PromoCodes::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name(crate::fk_name("promo_redemptions", "user_id"))
                            .from(PromoRedemptions::Table, PromoRedemptions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("promo_redemptions_by_user")
                    .table(PromoRedemptions::Table)
                    .col(PromoRedemptions::PromoId)
                    .col(PromoRedemptions::UserId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [PromoRedemptions::Table.into_iden(), PromoCodes::Table.into_iden(), StarsPayments::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
