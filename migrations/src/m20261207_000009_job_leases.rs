//! `jobs.leased_until`: until when the worker that claimed a job holds it (NULL when nobody
//! does). Before this, the lease lived only in `next_attempt_at`, so start-up reconciliation
//! could not tell a job another replica was working on from one merely waiting for its next
//! poll, and made both due at once: two workers could submit the same job. Rows that exist
//! when this runs get NULL — a lease held across the upgrade ends with the old process.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema as s;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    LeasedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Jobs::Table)
                    .add_column(s::timestamp_with_time_zone_null(Jobs::LeasedUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Jobs::Table).drop_column(Jobs::LeasedUntil).to_owned()).await
    }
}
