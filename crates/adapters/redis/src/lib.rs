#![doc = include_str!("../README.md")]

mod coordination;
mod scripts;
mod sessions;

use aisha_domain::ports::StoreError;
use fred::interfaces::EventInterface;
use fred::prelude::{Builder, Client, ClientLike, Config, Error as FredError, ErrorKind, ReconnectPolicy, TcpConfig};
use fred::types::config::UnresponsiveConfig;
use scripts::Scripts;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How to reach Redis and how long to wait for it.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis://[[user]:password@]host[:port][/db]`.
    pub url: String,
    /// Put in front of every key, followed by `:`, so that several deployments (or test runs)
    /// can share one server. Must not be empty.
    pub key_prefix: String,
    /// How long `connect` waits for the first connection and its first answers.
    pub connect_timeout: Duration,
    /// How long one command may take, including waiting for a connection. An operation on a
    /// Redis that is down fails at once; on one that does not answer, after this long.
    pub command_timeout: Duration,
    /// The longest pause between two reconnection attempts (they start at 100 ms and double).
    pub reconnect_max_delay: Duration,
}

impl RedisConfig {
    /// Defaults: prefix `aisha`, 1 s to connect, 500 ms per command, reconnecting at least
    /// every 2 s.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            key_prefix: "aisha".to_owned(),
            connect_timeout: Duration::from_secs(1),
            command_timeout: Duration::from_millis(500),
            reconnect_max_delay: Duration::from_secs(2),
        }
    }

    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }
}

impl fmt::Debug for RedisConfig {
    /// Hides the password in the URL, if there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match (self.url.find("://"), self.url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => format!("{}***{}", &self.url[..scheme + 3], &self.url[at..]),
            _ => self.url.clone(),
        };
        f.debug_struct("RedisConfig")
            .field("url", &url)
            .field("key_prefix", &self.key_prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("command_timeout", &self.command_timeout)
            .field("reconnect_max_delay", &self.reconnect_max_delay)
            .finish()
    }
}

/// One connection to Redis, shared by clones, implementing `SessionStore`, `RateLimiter` and
/// `Locks`. It reconnects by itself after an outage; meanwhile every operation fails with
/// `StoreError::Unavailable` instead of waiting.
#[derive(Clone)]
pub struct RedisStore {
    client: Client,
    prefix: Arc<str>,
    scripts: Arc<Scripts>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("connected", &self.client.is_connected())
            .finish_non_exhaustive()
    }
}

/// Connects, checks that the server answers and loads the scripts. Fails with `Unavailable`
/// if that does not happen within `connect_timeout` (plus one command timeout), and with
/// `Internal` for a configuration that cannot work (a bad URL, an empty prefix).
pub async fn connect(config: RedisConfig) -> Result<RedisStore, StoreError> {
    if config.key_prefix.is_empty() {
        return Err(StoreError::internal("redis: the key prefix must not be empty"));
    }
    // the URL is not repeated in errors: it may hold a password
    let fred_config = Config::from_url(&config.url).map_err(|e| StoreError::internal_from("redis url", e))?;
    let command_timeout = config.command_timeout;
    let mut builder = Builder::from_config(fred_config);
    builder
        .with_connection_config(|c| {
            c.connection_timeout = config.connect_timeout;
            c.internal_command_timeout = command_timeout;
            // a command the connection dropped fails instead of being sent again after the
            // reconnect: a script must not run twice, and the caller is better placed to retry
            c.max_command_attempts = 1;
            c.tcp = TcpConfig { nodelay: Some(true), ..TcpConfig::default() };
            // a server that stops answering without closing the connection is dropped too,
            // so the reconnect logic can take over
            c.unresponsive = UnresponsiveConfig {
                max_timeout: Some(command_timeout * 4),
                interval: (command_timeout / 2).max(Duration::from_millis(50)),
            };
        })
        .with_performance_config(|p| p.default_command_timeout = command_timeout)
        .set_policy(ReconnectPolicy::new_exponential(
            0, // forever
            100,
            u32::try_from(config.reconnect_max_delay.as_millis()).unwrap_or(u32::MAX).max(100),
            2,
        ));
    let client = builder.build().map_err(|e| StoreError::internal_from("redis client", e))?;

    let started = tokio::time::timeout(config.connect_timeout + command_timeout, async {
        client.init().await?;
        let _: String = client.ping(None).await?;
        Scripts::load(&client).await
    })
    .await;
    let scripts = match started {
        Ok(Ok(scripts)) => scripts,
        Ok(Err(e)) => {
            shut_down(&client, command_timeout).await;
            return Err(store_error("connect", e));
        }
        Err(_) => {
            shut_down(&client, command_timeout).await;
            return Err(StoreError::Unavailable(format!(
                "redis connect: no answer within {:?}",
                config.connect_timeout + command_timeout
            )));
        }
    };
    log_connection_events(&client);
    tracing::info!(prefix = %config.key_prefix, "connected to redis");
    Ok(RedisStore { client, prefix: config.key_prefix.into(), scripts: Arc::new(scripts) })
}

async fn shut_down(client: &Client, within: Duration) {
    let _ = tokio::time::timeout(within, client.quit()).await;
}

fn log_connection_events(client: &Client) {
    // both listeners end once the client has quit and its last clone is dropped
    let _errors = client.on_error(|(error, server)| async move {
        tracing::warn!(?server, %error, "redis connection error; reconnecting");
        Ok(())
    });
    let _reconnects = client.on_reconnect(|server| async move {
        tracing::info!(%server, "reconnected to redis");
        Ok(())
    });
}

impl RedisStore {
    /// Closes the connection. Clones stop working too.
    pub async fn close(&self) {
        let _ = self.client.quit().await;
    }

    /// `true` while the connection is up (for health checks).
    pub fn is_connected(&self) -> bool {
        self.client.is_connected()
    }

    fn key(&self, kind: &str, name: &dyn fmt::Display) -> String {
        format!("{}:{kind}:{name}", self.prefix)
    }

    /// Runs one operation, failing at once while the connection is down rather than letting
    /// the command wait for a reconnect.
    async fn run<T>(&self, what: &str, op: impl Future<Output = Result<T, FredError>>) -> Result<T, StoreError> {
        if !self.client.is_connected() {
            return Err(StoreError::Unavailable(format!("redis {what}: not connected")));
        }
        op.await.map_err(|e| store_error(what, e))
    }
}

/// Replies that mean "the server cannot serve now", not "the request is wrong".
const BUSY_REPLIES: [&str; 6] = ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY"];
/// fred's own messages for commands lost with a connection.
const LOST_COMMAND: [&str; 5] = [
    "Too many failed write attempts",
    "Failed to route command",
    "Missing expected connection",
    "Missing response",
    "Max attempts exceeded",
];

fn store_error(what: &str, e: FredError) -> StoreError {
    let details = e.details();
    let unavailable = matches!(
        e.kind(),
        ErrorKind::IO
            | ErrorKind::Timeout
            | ErrorKind::Canceled
            | ErrorKind::Backpressure
            | ErrorKind::Routing
            | ErrorKind::Cluster
            | ErrorKind::Sentinel
    ) || BUSY_REPLIES.iter().any(|p| details.starts_with(p))
        || LOST_COMMAND.iter().any(|p| details.starts_with(p));
    if unavailable {
        StoreError::Unavailable(format!("redis {what}: {e}"))
    } else {
        StoreError::internal_from(format!("redis {what}"), e)
    }
}

/// Redis keeps TTLs in whole milliseconds: round up, so a value never lives shorter than asked.
fn ttl_millis(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_micros().div_ceil(1000)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_sorted_into_retryable_and_not() {
        let io = FredError::new(ErrorKind::IO, "connection refused");
        assert!(matches!(store_error("get", io), StoreError::Unavailable(_)));
        let timeout = FredError::new(ErrorKind::Timeout, "Request timed out.");
        assert!(matches!(store_error("get", timeout), StoreError::Unavailable(_)));
        let loading = FredError::new(ErrorKind::Unknown, "LOADING Redis is loading the dataset in memory");
        assert!(matches!(store_error("get", loading), StoreError::Unavailable(_)));
        let wrong = FredError::new(ErrorKind::InvalidArgument, "WRONGTYPE Operation against a key");
        assert!(matches!(store_error("get", wrong), StoreError::Internal { .. }));
        let script = FredError::new(ErrorKind::Unknown, "ERR Error running script");
        assert!(matches!(store_error("get", script), StoreError::Internal { .. }));
    }

    #[test]
    fn ttls_round_up_to_milliseconds() {
        assert_eq!(ttl_millis(Duration::ZERO), 0);
        assert_eq!(ttl_millis(Duration::from_micros(1)), 1);
        assert_eq!(ttl_millis(Duration::from_millis(1500)), 1500);
        assert_eq!(ttl_millis(Duration::from_micros(1_500_001)), 1501);
    }

    #[test]
    fn debug_hides_the_password() {
        let c = RedisConfig::new("redis://user:s3cret@cache:6379/2");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("redis://***@cache:6379/2"), "{shown}");
        assert!(format!("{:?}", RedisConfig::new("redis://127.0.0.1:6379")).contains("127.0.0.1:6379"));
    }
}
