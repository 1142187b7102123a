//! `aisha doctor`: one line per dependency, what is wrong in words and how to fix it. Exits
//! non-zero when anything failed.

use crate::config::Settings;
use crate::wiring::Stack;
use aisha_domain::ports::ProviderErrorKind;
use aisha_domain::session::SessionKey;
use aisha_fal::FalClient;
use aisha_fal::platform::Availability;
use aisha_telegram::{ApiError, Telegram, TelegramConfig};
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
    checks.extend(fal(&stack.settings).await);
    checks.push(telegram(&stack.settings).await);
    checks
}

/// The key (an authenticated call that costs nothing), then every model AISHA can call:
/// each enabled catalog entry, flux-lora and the trainer.
async fn fal(settings: &Settings) -> Vec<Check> {
    let Some(config) = crate::wiring::fal_config(settings) else {
        return vec![ok("fal", "no key: `aisha serve` runs the sandbox's FAL emulator")];
    };
    let api = config.api_base.clone();
    let client = match FalClient::new(config) {
        Ok(c) => c,
        Err(e) => return vec![fail("fal", format!("{e} — check the fal.* settings"))],
    };
    let mut endpoints: Vec<(String, String)> =
        settings.catalog.enabled().map(|m| (format!("model {}", m.key), m.provider.endpoint.clone())).collect();
    endpoints.push(("photos with me".to_owned(), client.config().models.flux_lora.clone()));
    endpoints.push(("avatar training".to_owned(), client.config().models.trainer.clone()));
    let limit = Duration::from_secs(10);
    let key = match tokio::time::timeout(limit, client.price(&endpoints[0].1)).await {
        Err(_) => fail("fal-key", format!("{api}: no answer within {limit:?} — check fal.api_url and the network")),
        Ok(Ok(_)) => ok("fal-key", format!("accepted by FAL ({api})")),
        Ok(Err(e)) => fail(
            "fal-key",
            match e.kind {
                ProviderErrorKind::Auth => format!(
                    "FAL refused the key ({}) — set fal.key (AISHA__FAL__KEY) to a key from fal.ai/dashboard/keys",
                    e.detail
                ),
                ProviderErrorKind::OutOfCredit => {
                    format!("the FAL account is locked ({}) — top up at fal.ai/dashboard/billing", e.detail)
                }
                _ => format!("{api}: {} — check fal.api_url and the network", e.detail),
            },
        ),
    };
    let key_ok = key.ok;
    let mut checks = vec![key];
    for (what, endpoint) in endpoints {
        checks.push(match tokio::time::timeout(limit, client.availability(&endpoint)).await {
            Err(_) => fail("model", format!("{what} ({endpoint}): no answer within {limit:?}")),
            Ok(Err(e)) => fail("model", format!("{what} ({endpoint}): could not ask FAL: {}", e.detail)),
            Ok(Ok(Availability::Missing)) => fail(
                "model",
                format!(
                    "{what}: FAL does not know {endpoint} — it may have been retired; disable the entry or point it \
                     at its successor (docs/operations.md, \"A model is retired\")"
                ),
            ),
            Ok(Ok(availability)) => {
                let price = match key_ok {
                    true => match client.price(&endpoint).await {
                        Ok(Some(p)) => format!(", {} {} per {}", p.unit_price, p.currency, p.unit),
                        _ => String::new(),
                    },
                    false => String::new(),
                };
                let state = if availability == Availability::Deprecated {
                    "deprecated at FAL: plan its replacement"
                } else {
                    "available"
                };
                ok("model", format!("{what}: {endpoint} {state}{price}"))
            }
        });
    }
    checks
}

/// The token, with `getMe`.
async fn telegram(settings: &Settings) -> Check {
    let Some(token) = settings.telegram.token.clone() else {
        return ok("telegram", "no token: `aisha serve` runs the sandbox (emulated Telegram and its web chat)");
    };
    let api = settings.telegram.api_url.clone();
    let client = match Telegram::new(&TelegramConfig::with_base(token, &api)) {
        Ok(c) => c,
        Err(e) => return fail("telegram", format!("{e} — check telegram.token and telegram.api_url")),
    };
    let limit = Duration::from_secs(10);
    match tokio::time::timeout(limit, client.get_me()).await {
        Err(_) => {
            fail("telegram", format!("{api}: no answer within {limit:?} — check telegram.api_url and the network"))
        }
        Ok(Ok(me)) => ok(
            "telegram",
            format!("@{} (id {}): the token works", me.username.as_deref().unwrap_or(&me.first_name), me.id),
        ),
        Ok(Err(ApiError::Unauthorized)) => fail(
            "telegram",
            "Telegram refused the token — check telegram.token (AISHA__TELEGRAM__TOKEN) with @BotFather",
        ),
        Ok(Err(e)) => fail("telegram", format!("{api}: {e} — check telegram.api_url and the network")),
    }
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
