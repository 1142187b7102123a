#![doc = include_str!("../README.md")]

use sea_orm_migration::prelude::*;
pub use sea_orm_migration::{MigrationStatus, MigratorTrait};

mod m20261122_000001_users_ledger;
mod m20261122_000002_avatars_jobs_images;
mod m20261122_000003_payments_promos;
mod m20261122_000004_sessions;
mod m20261201_000005_job_outcomes;
mod m20261206_000006_model_catalog;
mod m20261206_000007_lora_copies;
mod m20261206_000008_payment_refunds;
mod m20261207_000009_job_leases;
mod m20261207_000010_translate_prompts;

/// Every migration, oldest first. Applied forward from an empty database on PostgreSQL or
/// SQLite; each one runs in its own transaction where the backend allows DDL in one.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_users_ledger::Migration),
            Box::new(m20261122_000002_avatars_jobs_images::Migration),
            Box::new(m20261122_000003_payments_promos::Migration),
            Box::new(m20261122_000004_sessions::Migration),
            Box::new(m20261201_000005_job_outcomes::Migration),
            Box::new(m20261206_000006_model_catalog::Migration),
            Box::new(m20261206_000007_lora_copies::Migration),
            Box::new(m20261206_000008_payment_refunds::Migration),
            Box::new(m20261207_000009_job_leases::Migration),
            Box::new(m20261207_000010_translate_prompts::Migration),
        ]
    }
}

/// Builds `fk_<from>_<column>` names so constraint names are predictable in error messages.
pub(crate) fn fk_name(from: &str, column: &str) -> String {
    format!("fk_{from}_{column}")
}
