//! Where the app keeps its data in a test: a fresh database (and Redis key prefix, and S3
//! bucket prefix) per [`Backend`], cleaned up when it is dropped.

use std::path::PathBuf;

pub const PG_VAR: &str = "AISHA_TEST_DATABASE_URL";
pub const REDIS_VAR: &str = "AISHA_TEST_REDIS_URL";
const S3_VARS: [&str; 4] =
    ["AISHA_TEST_S3_ENDPOINT", "AISHA_TEST_S3_BUCKET", "AISHA_TEST_S3_ACCESS_KEY", "AISHA_TEST_S3_SECRET_KEY"];

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
