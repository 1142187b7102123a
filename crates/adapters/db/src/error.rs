//! How database errors become the domain's `StoreError`: connection trouble is `Unavailable`
//! (worth retrying), everything else `Internal` with the database's error kept as its source.
//! A text column holding a string no enum variant is spelled as is the same "unreadable
//! table.column" error as any other corrupt value. Unique violations are detected separately by
//! the operations that expect them (idempotency keys, charge ids, codes, photo hashes).

use crate::stored::Unreadable;
use aisha_domain::ports::StoreError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

pub(crate) trait SqlResult<T> {
    /// Maps a database error to the domain's store error.
    fn sql(self) -> Result<T, StoreError>;
}

impl<T> SqlResult<T> for Result<T, DbErr> {
    fn sql(self) -> Result<T, StoreError> {
        self.map_err(store_err)
    }
}

pub(crate) fn store_err(e: DbErr) -> StoreError {
    if let DbErr::TryIntoErr { source, .. } = &e
        && let Some(unreadable) = source.downcast_ref::<Unreadable>()
    {
        return corrupt(unreadable.column, &unreadable.value);
    }
    if is_unavailable(&e) { StoreError::Unavailable(e.to_string()) } else { StoreError::internal_from("database", e) }
}

/// Connecting failed: the server is down, refused us, or the URL points nowhere.
pub(crate) fn connect_err(e: DbErr) -> StoreError {
    match e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => StoreError::Unavailable(e.to_string()),
        other => store_err(other),
    }
}

pub(crate) fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

pub(crate) fn corrupt(what: &str, value: impl std::fmt::Debug) -> StoreError {
    StoreError::internal(format!("unreadable {what} in the database: {value:?}"))
}

fn is_unavailable(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => {
            match inner.as_ref() {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Database(db) => db.code().is_some_and(|code| is_transient_code(&code)),
                _ => false,
            }
        }
        _ => false,
    }
}

/// PostgreSQL serialization failures, deadlocks and shutdowns, and SQLite's busy/locked:
/// the same request can succeed when tried again.
fn is_transient_code(code: &str) -> bool {
    matches!(code, "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "53300" | "5" | "6" | "517" | "262")
}

/// The outcome of a transaction body: a unique violation (which the caller usually answers
/// with a replay of what won the race), or the operation's own error.
pub(crate) enum TxFail<E> {
    Duplicate(DbErr),
    Err(E),
}

impl<E: From<StoreError>> From<DbErr> for TxFail<E> {
    fn from(e: DbErr) -> Self {
        if is_unique_violation(&e) { TxFail::Duplicate(e) } else { TxFail::Err(store_err(e).into()) }
    }
}

impl<E: From<StoreError>> From<StoreError> for TxFail<E> {
    fn from(e: StoreError) -> Self {
        TxFail::Err(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_error_is_kept_as_the_cause() {
        let e = store_err(DbErr::Custom("boom".into()));
        assert_eq!(e.to_string(), "store error: database: Custom Error: boom");
        let cause = std::error::Error::source(&e).expect("the database's error is kept");
        assert!(matches!(cause.downcast_ref::<DbErr>(), Some(DbErr::Custom(m)) if m == "boom"));
    }

    #[test]
    fn an_unknown_spelling_is_a_corrupt_value_naming_its_column() {
        let unreadable = Unreadable { column: "jobs.status", value: "paused".into() };
        let e =
            store_err(DbErr::TryIntoErr { from: "String", into: "Status", source: std::sync::Arc::new(unreadable) });
        assert_eq!(e, StoreError::internal(r#"unreadable jobs.status in the database: "paused""#));
    }
}
