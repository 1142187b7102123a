//! Where the app keeps its data in a test: a fresh database (and Redis key prefix, and S3
//! bucket prefix) per [`Backend`], cleaned up when it is dropped.

use std::path::PathBuf;

pub const PG_VAR: &str = "AISHA_TEST_DATABASE_URL";
pub const REDIS_VAR: &str = "AISHA_TEST_REDIS_URL";
const S3_VARS: [&str; 4] =
    ["AISHA_TEST_S3_ENDPOINT", "AISHA_TEST_S3_BUCKET", "AISHA_TEST_S3_ACCESS_KEY", "AISHA_TEST_S3_SECRET_KEY"];

/// Whether `CI` (as CI services set it: `true`, or `1`) says this run is CI.
pub fn is_ci(ci: Option<&str>) -> bool {
    matches!(ci.map(str::trim), Some("true" | "1"))
}

/// A test that needs a server whose variable is unset: skipped, with a line saying so — except
/// under CI (`CI=true`), where the variable missing means the pipeline is broken and a green
/// run would lie, so it fails. Returns `false` so callers can `if !needs(..) { return; }`.
pub fn skip_unless_ci(vars: &str, test: &str) -> bool {
    skip_unless(std::env::var("CI").ok().as_deref(), vars, test)
}

fn skip_unless(ci: Option<&str>, vars: &str, test: &str) -> bool {
    if is_ci(ci) {
        panic!("{test} needs {vars}, which is not set, and CI=true: set it (.ci/run does) instead of skipping");
    }
    println!("skipped {test}: set {vars} to run it");
    false
}

/// The data stores of one app under test (shared by its replicas and restarts).
pub struct Backend {
    /// The app's working directory (SQLite file and local images live here when used).
    pub dir: tempfile::TempDir,
    /// `AISHA__…` settings that point the app at these stores.
    pub env: Vec<(String, String)>,
    pub database_url: String,
    pub postgres: Option<(String, String)>,
    pub redis: bool,
    pub s3: bool,
}

impl Backend {
    /// SQLite + a local directory + sessions in the database, whatever the environment says.
    pub fn embedded() -> Backend {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let database_url = format!("sqlite://{}?mode=rwc", dir.path().join("aisha.sqlite").display());
        let env = vec![
            ("AISHA__DATABASE__URL".to_owned(), database_url.clone()),
            ("AISHA__STORAGE__KIND".to_owned(), "local".to_owned()),
            ("AISHA__STORAGE__DIR".to_owned(), dir.path().join("images").display().to_string()),
        ];
        Backend { dir, env, database_url, postgres: None, redis: false, s3: false }
    }

    /// PostgreSQL, Redis and S3 for each one whose variable is set, the embedded store for
    /// the rest. Panics if a variable is set and its server does not answer.
    pub async fn from_env() -> Backend {
        let mut b = Backend::embedded();
        if let Ok(admin) = std::env::var(PG_VAR) {
            let (name, url) = aisha_db::scratch::create(&admin, "aisha_e2e")
                .await
                .unwrap_or_else(|e| panic!("{PG_VAR}={admin} is set but the server does not answer: {e}"));
            b.set("AISHA__DATABASE__URL", &url);
            b.database_url = url;
            b.postgres = Some((admin, name));
        }
        if let Ok(url) = std::env::var(REDIS_VAR) {
            assert!(redis_answers(&url), "{REDIS_VAR}={url} is set but the server does not answer PING");
            b.set("AISHA__REDIS__URL", &url);
            b.set("AISHA__REDIS__KEY_PREFIX", &format!("aisha-e2e-{}", uuid::Uuid::now_v7().simple()));
            b.redis = true;
        }
        let s3: Vec<String> = S3_VARS.iter().filter_map(|v| std::env::var(v).ok()).collect();
        if s3.len() == S3_VARS.len() {
            b.set("AISHA__STORAGE__KIND", "s3");
            b.set("AISHA__STORAGE__ENDPOINT", &s3[0]);
            b.set("AISHA__STORAGE__BUCKET", &s3[1]);
            b.set("AISHA__STORAGE__ACCESS_KEY_ID", &s3[2]);
            b.set("AISHA__STORAGE__SECRET_ACCESS_KEY", &s3[3]);
            b.s3 = true;
        }
        b
    }

    fn set(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// One line naming the stores, for test output.
    pub fn describe(&self) -> String {
        format!(
            "database {}, sessions {}, images {}",
            if self.postgres.is_some() { "PostgreSQL" } else { "SQLite" },
            if self.redis { "Redis" } else { "database" },
            if self.s3 { "S3" } else { "local directory" }
        )
    }

    /// PostgreSQL only: cuts every connection to this test's database, as a failover would.
    /// Returns how many were cut; panics on SQLite.
    pub async fn disconnect_database(&self) -> u64 {
        let (admin, name) = self.postgres.as_ref().expect("only a PostgreSQL backend has connections to cut");
        aisha_db::scratch::disconnect(admin, name).await.expect("pg_terminate_backend runs")
    }

    pub fn images_dir(&self) -> PathBuf {
        self.dir.path().join("images")
    }

    /// Runs SQL on this backend's database, as an operator (or a fault) would beside the app.
    pub async fn execute(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(&self.database_url).await.expect("the test database answers");
        db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = db.close().await;
    }

    /// Makes the store unavailable for new Stars payments until [`StoreDown::lift`]: on
    /// PostgreSQL a trigger fails every insert with 57P03 ("cannot connect now"), on SQLite
    /// the test holds the write lock (the app's writes fail as busy after its 5 s wait; reads
    /// go on). Either way the app sees a transient error, as when the database is down.
    pub async fn payments_down(&self) -> StoreDown {
        use sea_orm::ConnectionTrait;
        if self.postgres.is_some() {
            return self.payment_trigger("USING ERRCODE = '57P03'").await;
        }
        let mut options = sea_orm::ConnectOptions::new(self.database_url.clone());
        options.max_connections(1).min_connections(1);
        let db = sea_orm::Database::connect(options).await.expect("the test database answers");
        db.execute_unprepared("BEGIN IMMEDIATE").await.expect("the write lock");
        StoreDown { lock: Some(db), drop_trigger: None, url: self.database_url.clone() }
    }

    /// Makes the store refuse every new Stars payment row outright (a trigger raising an
    /// error, not a transient one) until [`StoreDown::lift`]; everything else works.
    pub async fn payments_refused(&self) -> StoreDown {
        if self.postgres.is_some() {
            return self.payment_trigger("").await;
        }
        self.execute(
            "CREATE TRIGGER refuse_payments BEFORE INSERT ON stars_payments \
             BEGIN SELECT RAISE(ABORT, 'injected: payments refused'); END;",
        )
        .await;
        StoreDown { lock: None, drop_trigger: Some("DROP TRIGGER refuse_payments;"), url: self.database_url.clone() }
    }

    async fn payment_trigger(&self, using: &str) -> StoreDown {
        self.execute(&format!(
            "CREATE FUNCTION refuse_payments() RETURNS trigger AS $$ BEGIN \
             RAISE EXCEPTION 'injected: payments refused' {using}; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER refuse_payments BEFORE INSERT ON stars_payments \
             FOR EACH ROW EXECUTE FUNCTION refuse_payments();"
        ))
        .await;
        StoreDown {
            lock: None,
            drop_trigger: Some("DROP TRIGGER refuse_payments ON stars_payments; DROP FUNCTION refuse_payments();"),
            url: self.database_url.clone(),
        }
    }
}

/// The payments store taken down by [`Backend::payments_down`] or [`Backend::payments_refused`].
pub struct StoreDown {
    lock: Option<sea_orm::DatabaseConnection>,
    drop_trigger: Option<&'static str>,
    url: String,
}

impl StoreDown {
    /// The store is back.
    pub async fn lift(self) {
        use sea_orm::ConnectionTrait;
        if let Some(db) = self.lock {
            db.execute_unprepared("ROLLBACK").await.expect("the write lock is released");
            let _ = db.close().await;
        }
        if let Some(sql) = self.drop_trigger {
            let db = sea_orm::Database::connect(&self.url).await.expect("the test database answers");
            db.execute_unprepared(sql).await.expect("the trigger goes");
            let _ = db.close().await;
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres.take() {
            // a thread with its own runtime: Drop may run inside another runtime
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
                if let Ok(rt) = rt
                    && let Err(e) = rt.block_on(aisha_db::scratch::drop(&admin, &name))
                {
                    eprintln!("could not drop the test database {name}: {e}");
                }
            })
            .join();
        }
    }
}

/// A RESP PING over a plain TCP connection (host and port from a `redis://` URL).
pub(crate) fn redis_answers(url: &str) -> bool {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("redis://");
    let authority = rest.split('/').next().unwrap_or(rest);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let addr = if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:6379") };
    let Ok(addrs) = std::net::ToSocketAddrs::to_socket_addrs(&addr) else { return false };
    addrs.into_iter().any(|a| {
        let Ok(mut s) = std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(2)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
        let mut buf = [0u8; 16];
        s.write_all(b"PING\r\n").is_ok() && s.read(&mut buf).is_ok_and(|n| buf[..n].starts_with(b"+PONG"))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn ci_is_recognised_as_ci_services_set_it() {
        assert!(super::is_ci(Some("true")) && super::is_ci(Some("1")) && super::is_ci(Some(" true ")));
        assert!(!super::is_ci(None) && !super::is_ci(Some("false")) && !super::is_ci(Some("")));
    }

    #[test]
    fn a_missing_server_variable_skips_locally_and_fails_in_ci() {
        assert!(!super::skip_unless(None, "AISHA_TEST_REDIS_URL", "a leg"), "skipped locally");
        let in_ci = std::panic::catch_unwind(|| super::skip_unless(Some("true"), "AISHA_TEST_REDIS_URL", "a leg"));
        let message = in_ci.expect_err("fails under CI=true");
        let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(text.contains("AISHA_TEST_REDIS_URL") && text.contains("CI=true"), "{text}");
    }
}
