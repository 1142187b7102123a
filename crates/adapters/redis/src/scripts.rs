//! The Lua scripts, each run atomically by Redis. They are loaded once at connect and called
//! by their SHA1; a server that lost its script cache (it restarted) answers `NOSCRIPT`, and
//! the script is loaded again and retried once.

use fred::prelude::{Client, Error, FromValue, LuaInterface, Value};

/// GCRA. KEYS[1]: the limiter key, holding the theoretical arrival time (TAT) in microseconds
/// of the server clock. ARGV[1]: the interval between grants, in microseconds. ARGV[2]: the
/// burst. Returns `{1, 0}` when granted, `{0, retry_after_us}` when not (nothing is written
/// then). The key lives until the TAT, when its allowance is full again and it is no longer
/// needed. Numbers are formatted with `%.0f`: Lua's default formatting would switch to
/// exponent notation and lose digits of a timestamp in microseconds.
pub(crate) const RATE_LIMIT: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then
  return {0, math.ceil(allow_at - now)}
end
local ttl_ms = math.max(1, math.ceil((new_tat - now) / 1000))
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%.0f', ttl_ms))
return {1, 0}
";

/// KEYS[1]: the lock key. ARGV[1]: the holder. ARGV[2]: the new TTL in milliseconds. Restarts
/// the TTL only if the holder holds the lock. Returns 1 or 0.
pub(crate) const EXTEND: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// KEYS[1]: the lock key. ARGV[1]: the holder. Deletes the lock only if the holder holds it.
/// Returns 1 or 0.
pub(crate) const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// KEYS[1]: an update's claim (a lock key), KEYS[2]: a session key. ARGV[1]: the claim's
/// holder, ARGV[2]: its TTL in milliseconds, ARGV[3]: the session value, ARGV[4]: its TTL in
/// milliseconds. Takes the claim as `Locks::acquire` does (`SET NX PX`) and writes the
/// session only if the claim was free. Returns 1 (claimed and written) or 0 (nothing done).
pub(crate) const PUT_CLAIMED: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  return 1
end
return 0
";

/// A script with the SHA1 the server gave it.
#[derive(Clone, Debug)]
pub(crate) struct Script {
    body: &'static str,
    sha: String,
}

impl Script {
    pub(crate) async fn load(client: &Client, body: &'static str) -> Result<Self, Error> {
        let sha: String = client.script_load(body).await?;
        Ok(Self { body, sha })
    }

    pub(crate) async fn call<R: FromValue>(
        &self,
        client: &Client,
        keys: Vec<String>,
        args: Vec<Value>,
    ) -> Result<R, Error> {
        match client.evalsha(self.sha.as_str(), keys.clone(), args.clone()).await {
            Err(e) if e.details().starts_with("NOSCRIPT") => {
                tracing::info!("redis lost its script cache (restarted?); loading the script again");
                let _: String = client.script_load(self.body).await?;
                client.evalsha(self.sha.as_str(), keys, args).await
            }
            other => other,
        }
    }
}

/// Every script the store uses.
#[derive(Clone, Debug)]
pub(crate) struct Scripts {
    pub(crate) rate_limit: Script,
    pub(crate) extend: Script,
    pub(crate) release: Script,
    pub(crate) put_claimed: Script,
}

impl Scripts {
    pub(crate) async fn load(client: &Client) -> Result<Self, Error> {
        Ok(Self {
            rate_limit: Script::load(client, RATE_LIMIT).await?,
            extend: Script::load(client, EXTEND).await?,
            release: Script::load(client, RELEASE).await?,
            put_claimed: Script::load(client, PUT_CLAIMED).await?,
        })
    }
}
