//! An operator's refund of a Stars payment as stored steps: `refund_requested_at` (Telegram is
//! about to be asked; a second run waits until it is stale) and `refund_confirmed_at`
//! (Telegram returned the Stars); `refunded_at` (already there) is when the coins were taken.
//! Each step is written before the next begins, so a run interrupted anywhere is continued by
//! the next one without paying twice.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema as s;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StarsPayments {
    Table,
    RefundRequestedAt,
    RefundConfirmedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // one column per statement: SQLite's ALTER TABLE adds one at a time
        for column in [StarsPayments::RefundRequestedAt, StarsPayments::RefundConfirmedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StarsPayments::Table)
                        .add_column(s::timestamp_with_time_zone_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [StarsPayments::RefundConfirmedAt, StarsPayments::RefundRequestedAt] {
            manager.alter_table(Table::alter().table(StarsPayments::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
