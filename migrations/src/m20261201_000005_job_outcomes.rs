//! When each ended job's outcome reached its owner: `jobs.outcome_sent_at`, NULL until the
//! notifier confirms it, so an outcome settled just before a crash is sent again instead of
//! lost. Jobs that had already ended count as told, so an upgrade re-sends no history.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema as s;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Status,
    UpdatedAt,
    OutcomeSentAt,
}

/// The statuses a job ends in (the domain's `JobStatus::as_str` spellings).
const ENDED: [&str; 4] = ["succeeded", "failed", "cancelled", "timed_out"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Jobs::Table)
                    .add_column(s::timestamp_with_time_zone_null(Jobs::OutcomeSentAt))
                    .to_owned(),
            )
            .await?;
        let told_already = Query::update()
            .table(Jobs::Table)
            .value(Jobs::OutcomeSentAt, Expr::col(Jobs::UpdatedAt))
            .and_where(Expr::col(Jobs::Status).is_in(ENDED))
            .to_owned();
        manager.exec_stmt(told_already).await?;
        // the sweep's lookup: unsent outcomes by when they were settled
        manager
            .create_index(
                Index::create()
                    .name("jobs_unsent_outcome")
                    .table(Jobs::Table)
                    .col(Jobs::OutcomeSentAt)
                    .col(Jobs::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("jobs_unsent_outcome").table(Jobs::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Jobs::Table).drop_column(Jobs::OutcomeSentAt).to_owned()).await
    }
}
