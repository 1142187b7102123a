//! `aisha doctor`: one line per dependency, what is wrong in words and how to fix it. Exits
//! non-zero when anything failed.

use crate::config::Settings;
use crate::wiring::Stack;
use aisha_domain::session::SessionKey;
use std::time::Duration;

pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:<10} {}", if self.ok { "ok  " } else { "FAIL" }, self.name, self.detail)
    }
}

fn ok(name: &'static str, detail: impl Into<String>) -> Check {
    Check { name, ok: true, detail: detail.into() }
}

fn fail(name: &'static str, detail: impl Into<String>) -> Check {
    Check { name, ok: false, detail: detail.into() }
}

/// Runs every check it can; a dependency that could not be built is reported, not fatal.
pub async fn run(settings: Settings) -> Vec<Check> {
    let mut checks = vec![ok("config", "settings are valid")];
    let timeout = Duration::from_secs(5);
    let db_url = redact(&settings.database.url);
    let built = tokio::time::timeout(Duration::from_secs(15), Stack::build(settings.clone(), false)).await;
    let stack = match built {
        Err(_) => {
            checks.push(fail(
                "database",
                format!("{db_url}: no answer within 15 s — is the server running and reachable?"),
            ));
            return checks;
        }
        Ok(Err(crate::wiring::WiringError::Database(e))) => {
            checks.push(fail(
                "database",
                format!("{db_url}: {e} — check database.url (AISHA__DATABASE__URL) and that the server runs"),
            ));
            return checks;
        }
        Ok(Err(crate::wiring::WiringError::Redis(e))) => {
            checks.push(ok("database", format!("{db_url}: reachable")));
            checks.push(fail("redis", format!("{e} — check redis.url (AISHA__REDIS__URL) and that Redis runs")));
            return checks;
        }
        Ok(Err(crate::wiring::WiringError::Storage(e))) => {
            checks.push(fail("storage", format!("{e} — check the storage settings")));
            return checks;
        }
        Ok(Ok(stack)) => stack,
    };
    checks.push(database(&stack, &db_url, timeout).await);
    checks.push(redis(&stack, timeout).await);
    checks.push(storage(&stack).await);
    checks
}

async fn database(stack: &Stack, url: &str, timeout: Duration) -> Check {
    match tokio::time::timeout(timeout, stack.db.migration_status()).await {
        Err(_) => fail("database", format!("{url}: no answer within {timeout:?}")),
        Ok(Err(e)) => fail("database", format!("{url}: {e}")),
        Ok(Ok(status)) => {
            let pending: Vec<&str> = status.iter().filter(|m| !m.applied).map(|m| m.name.as_str()).collect();
            if pending.is_empty() {
                ok("database", format!("{url}: reachable, {} migrations applied", status.len()))
            } else {
                // `aisha serve` applies them at start; `aisha migrate` does it ahead of a deploy
                ok(
                    "database",
                    format!(
                        "{url}: reachable, {} migrations pending ({}): `aisha serve` applies them at start, or run `aisha migrate`",
                        pending.len(),
                        pending.join(", ")
                    ),
                )
            }
        }
    }
}

async fn redis(stack: &Stack, timeout: Duration) -> Check {
    let Some(url) = &stack.settings.redis.url else {
        return ok("redis", "not configured: sessions live in the database (one replica)");
    };
    let key = SessionKey::dialogue(aisha_domain::UserId(uuid::Uuid::nil()));
    match tokio::time::timeout(timeout, stack.sessions.get(&key)).await {
        Ok(Ok(_)) => ok("redis", format!("{}: reachable", redact(url))),
        Ok(Err(e)) => fail("redis", format!("{}: {e} — check that Redis runs", redact(url))),
        Err(_) => fail("redis", format!("{}: no answer within {timeout:?}", redact(url))),
    }
}

async fn storage(stack: &Stack) -> Check {
    let report = aisha_storage::probe(stack.images.as_ref()).await;
    if report.ok() {
        ok("storage", format!("bucket {}: write, read and delete work", report.bucket))
    } else {
        fail("storage", report.to_string().replace('\n', "; "))
    }
}

/// A URL with its password hidden.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redact("postgres://aisha:s3cret@db:5432/aisha"), "postgres://aisha:***@db:5432/aisha");
        assert_eq!(redact("sqlite://data/aisha.sqlite"), "sqlite://data/aisha.sqlite");
    }
}
