//! `SessionStore` in a table, for the embedded default. Expiry is measured on the store's
//! clock; an expired row reads as absent and is removed when read (or by `purge_expired`).

use crate::Db;
use crate::entity::sessions;
use crate::error::SqlResult;
use aisha_domain::ports::{SessionStore, StoreError};
use aisha_domain::session::SessionKey;
use async_trait::async_trait;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

pub(crate) async fn purge_expired(db: &Db) -> Result<u64, StoreError> {
    let result =
        sessions::Entity::delete_many().filter(sessions::Column::ExpiresAt.lte(db.now())).exec(&db.conn).await.sql()?;
    Ok(result.rows_affected)
}

#[async_trait]
impl SessionStore for Db {
    async fn get(&self, key: &SessionKey) -> Result<Option<String>, StoreError> {
        let key = key.to_string();
        let Some(row) = sessions::Entity::find_by_id(key.clone()).one(&self.conn).await.sql()? else {
            return Ok(None);
        };
        if row.expires_at > self.now() {
            return Ok(Some(row.value));
        }
        // only the expired version goes: a concurrent put may have refreshed it already
        sessions::Entity::delete_many()
            .filter(sessions::Column::Key.eq(key))
            .filter(sessions::Column::ExpiresAt.eq(row.expires_at))
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(None)
    }

    async fn put(&self, key: &SessionKey, value: String, ttl: std::time::Duration) -> Result<(), StoreError> {
        let ttl = chrono::Duration::from_std(ttl).map_err(|e| StoreError::internal_from("ttl", e))?;
        let row =
            sessions::ActiveModel { key: Set(key.to_string()), value: Set(value), expires_at: Set(self.now() + ttl) };
        sessions::Entity::insert(row)
            .on_conflict(
                OnConflict::column(sessions::Column::Key)
                    .update_columns([sessions::Column::Value, sessions::Column::ExpiresAt])
                    .to_owned(),
            )
            .exec_without_returning(&self.conn)
            .await
            .sql()?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), StoreError> {
        sessions::Entity::delete_by_id(key.to_string()).exec(&self.conn).await.sql()?;
        Ok(())
    }
}

/// Locks in the same table, under `lock:<name>` keys (sessions are `dialogue:…`/`gallery:…`),
/// so one process without Redis keeps its locks — and the update claims made with them —
/// across restarts. Taking, extending and freeing are single conditional statements.
#[async_trait]
impl aisha_domain::coordination::Locks for Db {
    async fn acquire(&self, name: &str, holder: &str, ttl: std::time::Duration) -> Result<bool, StoreError> {
        use sea_orm::ExprTrait;
        use sea_orm::sea_query::Expr;
        let ttl = chrono::Duration::from_std(ttl).map_err(|e| StoreError::internal_from("ttl", e))?;
        let now = self.now();
        let row = sessions::ActiveModel {
            key: Set(lock_key(name)),
            value: Set(holder.to_owned()),
            expires_at: Set(now + ttl),
        };
        // a free (expired) lock is taken over; a held one is left alone and nothing changes
        let taken = sessions::Entity::insert(row)
            .on_conflict(
                OnConflict::column(sessions::Column::Key)
                    .update_columns([sessions::Column::Value, sessions::Column::ExpiresAt])
                    .action_and_where(Expr::col((sessions::Entity, sessions::Column::ExpiresAt)).lte(now))
                    .to_owned(),
            )
            .exec_without_returning(&self.conn)
            .await
            .sql()?;
        Ok(taken == 1)
    }

    async fn extend(&self, name: &str, holder: &str, ttl: std::time::Duration) -> Result<bool, StoreError> {
        use sea_orm::sea_query::Expr;
        let ttl = chrono::Duration::from_std(ttl).map_err(|e| StoreError::internal_from("ttl", e))?;
        let now = self.now();
        let updated = sessions::Entity::update_many()
            .col_expr(sessions::Column::ExpiresAt, Expr::value(now + ttl))
            .filter(sessions::Column::Key.eq(lock_key(name)))
            .filter(sessions::Column::Value.eq(holder))
            .filter(sessions::Column::ExpiresAt.gt(now))
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(updated.rows_affected == 1)
    }

    async fn release(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let deleted = sessions::Entity::delete_many()
            .filter(sessions::Column::Key.eq(lock_key(name)))
            .filter(sessions::Column::Value.eq(holder))
            .filter(sessions::Column::ExpiresAt.gt(self.now()))
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(deleted.rows_affected == 1)
    }
}

fn lock_key(name: &str) -> String {
    format!("lock:{name}")
}
