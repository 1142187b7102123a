//! `SessionStore` in a table, for the embedded default. Expiry is measured on the store's
//! clock; an expired row reads as absent and is removed when read (or by `purge_expired`).

use crate::Db;
use crate::entity::sessions;
use crate::error::SqlResult;
use aisha_domain::coordination::UpdateClaim;
use aisha_domain::ports::{SessionStore, StoreError};
use aisha_domain::session::SessionKey;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, TransactionTrait};

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
        put_value(key, value, self.now() + chrono_ttl(ttl)?).exec_without_returning(&self.conn).await.sql()?;
        Ok(())
    }

    async fn put_claimed(
        &self,
        claim: &UpdateClaim,
        key: &SessionKey,
        value: String,
        ttl: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let (claim_ttl, ttl) = (chrono_ttl(UpdateClaim::TTL)?, chrono_ttl(ttl)?);
        if self.db_backend() == DbBackend::Postgres {
            // one statement: the session row is written from the claim's RETURNING, so it is
            // written exactly when the claim was taken
            let values: Vec<sea_orm::Value> = vec![
                lock_key(&claim.name).into(),
                UpdateClaim::HOLDER.into(),
                (now + claim_ttl).into(),
                now.into(),
                key.to_string().into(),
                value.into(),
                (now + ttl).into(),
            ];
            let stmt = Statement::from_sql_and_values(DbBackend::Postgres, PUT_CLAIMED_PG, values);
            return Ok(self.conn.query_one_raw(stmt).await.sql()?.is_some());
        }
        // SQLite (in process): the same two writes in one transaction
        let txn = self.conn.begin().await.sql()?;
        let taken =
            take_lock(&claim.name, UpdateClaim::HOLDER, now, claim_ttl).exec_without_returning(&txn).await.sql()?;
        if taken == 1 {
            put_value(key, value, now + ttl).exec_without_returning(&txn).await.sql()?;
        }
        txn.commit().await.sql()?;
        Ok(taken == 1)
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
        let taken =
            take_lock(name, holder, self.now(), chrono_ttl(ttl)?).exec_without_returning(&self.conn).await.sql()?;
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

/// `$1..$4`: the claim's key, holder, expiry and now, taken as [`take_lock`] takes a lock;
/// `$5..$7`: the session's key, value and expiry, written only from the claim's returned row.
const PUT_CLAIMED_PG: &str = "WITH claim AS (
    INSERT INTO sessions (key, value, expires_at) VALUES ($1, $2, $3)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
    WHERE sessions.expires_at <= $4
    RETURNING 1
)
INSERT INTO sessions (key, value, expires_at) SELECT $5, $6, $7 FROM claim
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
RETURNING 1";

fn chrono_ttl(ttl: std::time::Duration) -> Result<chrono::Duration, StoreError> {
    chrono::Duration::from_std(ttl).map_err(|e| StoreError::internal_from("ttl", e))
}

/// Writes a session value, replacing what is there.
fn put_value(key: &SessionKey, value: String, expires_at: DateTime<Utc>) -> sea_orm::Insert<sessions::ActiveModel> {
    let row = sessions::ActiveModel { key: Set(key.to_string()), value: Set(value), expires_at: Set(expires_at) };
    sessions::Entity::insert(row).on_conflict(
        OnConflict::column(sessions::Column::Key)
            .update_columns([sessions::Column::Value, sessions::Column::ExpiresAt])
            .to_owned(),
    )
}

/// Takes a lock: a free (expired) lock is taken over; a held one is left alone and nothing
/// changes (no row affected).
fn take_lock(
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> sea_orm::Insert<sessions::ActiveModel> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::Expr;
    let row =
        sessions::ActiveModel { key: Set(lock_key(name)), value: Set(holder.to_owned()), expires_at: Set(now + ttl) };
    sessions::Entity::insert(row).on_conflict(
        OnConflict::column(sessions::Column::Key)
            .update_columns([sessions::Column::Value, sessions::Column::ExpiresAt])
            .action_and_where(Expr::col((sessions::Entity, sessions::Column::ExpiresAt)).lte(now))
            .to_owned(),
    )
}

fn lock_key(name: &str) -> String {
    format!("lock:{name}")
}
