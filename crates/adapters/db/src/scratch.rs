//! Throwaway PostgreSQL databases on a server, for tests, benchmarks and rehearsals of an
//! upgrade: create one with a unique name, get its URL, drop it (forcefully) afterwards.

use crate::error::SqlResult;
use aisha_domain::ports::StoreError;
use sea_orm::{ConnectionTrait, Database};

/// The server's URL with another database name in its path (the query string is kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Creates an empty database `<prefix>_<unique>` on the server `admin_url` points at and
/// returns its name and URL.
pub async fn create(admin_url: &str, prefix: &str) -> Result<(String, String), StoreError> {
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(admin_url).await.sql()?;
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.sql()?;
    admin.close().await.sql()?;
    let url = with_database(admin_url, &name);
    Ok((name, url))
}

/// Drops a database made by [`create`], disconnecting whoever is still on it.
pub async fn drop(admin_url: &str, name: &str) -> Result<(), StoreError> {
    let admin = Database::connect(admin_url).await.sql()?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.sql()?;
    admin.close().await.sql()
}

/// Cuts every connection to database `name` (as a failover or a network blip would) and
/// returns how many were cut. The database itself stays.
pub async fn disconnect(admin_url: &str, name: &str) -> Result<u64, StoreError> {
    let admin = Database::connect(admin_url).await.sql()?;
    let cut = admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            name.replace('\'', "''")
        ))
        .await
        .sql()?;
    admin.close().await.sql()?;
    Ok(cut.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://h:5432", "x"), "postgres://h:5432/x");
    }
}
