//! Fresh databases for tests: SQLite in memory or in a temporary file, and PostgreSQL when
//! `AISHA_TEST_DATABASE_URL` names a server (a new database per test, dropped afterwards).
#![allow(dead_code)] // each test binary uses a different part of this module

use aisha_db::Db;
use sea_orm::{ConnectionTrait, Database};
use std::ops::Deref;
use std::path::PathBuf;

pub const PG_VAR: &str = "AISHA_TEST_DATABASE_URL";

/// A migrated store that cleans up after itself.
pub struct TestDb {
    db: Db,
    cleanup: Cleanup,
}

enum Cleanup {
    Nothing,
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Deref for TestDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

impl TestDb {
    pub fn db(&self) -> Db {
        self.db.clone()
    }

    /// The URL to open this database again (a second connection); `None` in memory.
    pub fn url(&self) -> Option<String> {
        match &self.cleanup {
            Cleanup::Nothing => None,
            Cleanup::File(path) => Some(format!("sqlite://{}?mode=rwc", path.display())),
            Cleanup::Postgres { admin_url, name } => Some(with_database(admin_url, name)),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Nothing => {}
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop may run inside a runtime (or after a panic): use a thread with its own
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                    rt.block_on(async move {
                        match Database::connect(admin_url.as_str()).await {
                            Ok(admin) => {
                                let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                                if let Err(e) = admin.execute_unprepared(&drop).await {
                                    eprintln!("could not drop the test database {name}: {e}");
                                }
                                let _ = admin.close().await;
                            }
                            Err(e) => eprintln!("could not drop the test database {name}: {e}"),
                        }
                    });
                })
                .join();
            }
        }
    }
}

async fn migrated(db: Db) -> Db {
    db.migrate().await.expect("migrations apply to an empty database");
    db
}

pub async fn sqlite_memory() -> TestDb {
    let db = Db::connect("sqlite::memory:").await.expect("in-memory SQLite");
    TestDb { db: migrated(db).await, cleanup: Cleanup::Nothing }
}

/// A new SQLite file, not migrated, and the URL to open it again.
pub async fn sqlite_file_empty() -> (TestDb, String) {
    let path = std::env::temp_dir().join(format!("aisha-test-{}.sqlite", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = Db::connect(&url).await.expect("SQLite file");
    (TestDb { db, cleanup: Cleanup::File(path) }, url)
}

pub async fn sqlite_file() -> TestDb {
    let path = std::env::temp_dir().join(format!("aisha-test-{}.sqlite", uuid::Uuid::now_v7().simple()));
    let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.expect("SQLite file");
    TestDb { db: migrated(db).await, cleanup: Cleanup::File(path) }
}

pub use aisha_db::scratch::with_database;

/// Under CI (`CI=true`) a test server's variable missing is a broken pipeline, not a skip: a
/// green run would claim a leg ran that did not.
fn fail_in_ci(var: &str) {
    if matches!(std::env::var("CI").ok().as_deref().map(str::trim), Some("true" | "1")) {
        panic!("{var} is not set and CI=true: set it (.ci/run does) instead of skipping this leg");
    }
}

/// A fresh, migrated PostgreSQL database, or `None` (with a line saying so) when the variable
/// is unset. Panics when the variable is set and the server does not answer: a configured test
/// server that is down is a failure, not a skip.
pub async fn postgres() -> Option<TestDb> {
    let db = postgres_empty().await?;
    db.migrate().await.expect("migrations apply to an empty database");
    Some(db)
}

/// Like [`postgres`], without running the migrations.
pub async fn postgres_empty() -> Option<TestDb> {
    let Ok(admin_url) = std::env::var(PG_VAR) else {
        fail_in_ci(PG_VAR);
        println!("skipped: {PG_VAR} is not set, so the PostgreSQL variant does not run");
        return None;
    };
    let name = format!("aisha_test_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(admin_url.as_str())
        .await
        .unwrap_or_else(|e| panic!("{PG_VAR}={admin_url} is set but the server does not answer: {e}"));
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create a test database");
    admin.close().await.expect("close the admin connection");
    let cleanup = Cleanup::Postgres { admin_url: admin_url.clone(), name: name.clone() };
    let db = Db::connect(&with_database(&admin_url, &name)).await.expect("connect to the test database");
    Some(TestDb { db, cleanup })
}

/// Runs `body` against every available backend: SQLite (memory), SQLite (file), PostgreSQL.
#[macro_export]
macro_rules! on_every_backend {
    ($body:ident) => {
        mod sqlite_memory {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn run() {
                let db = $crate::common::sqlite_memory().await;
                super::$body(&db).await;
            }
        }
        mod sqlite_file {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn run() {
                let db = $crate::common::sqlite_file().await;
                super::$body(&db).await;
            }
        }
        mod postgres {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn run() {
                if let Some(db) = $crate::common::postgres().await {
                    super::$body(&db).await;
                }
            }
        }
    };
}
