//! A loopback TCP proxy that counts what a client asks a server, for "round trips per update"
//! measured on the wire rather than inside the app: PostgreSQL frontend messages (every `Sync`
//! and every simple `Query` is one wait for the server) and Redis commands (one RESP array each,
//! counted by name). Bytes pass through unchanged in both directions.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Postgres,
    Redis,
}

/// What went through a proxy so far.
#[derive(Default)]
pub struct Counts {
    /// PostgreSQL: `Sync` + simple `Query` messages. Redis: commands.
    pub round_trips: AtomicU64,
    /// Redis: commands by name (upper case). PostgreSQL: `query`, and `sync <shape>` by the
    /// message types the round trip carried.
    pub by_name: Mutex<BTreeMap<String, u64>>,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    pub fn names(&self) -> BTreeMap<String, u64> {
        self.by_name.lock().expect("counts").clone()
    }

    fn add(&self, name: &str) {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        *self.by_name.lock().expect("counts").entry(name.to_owned()).or_default() += 1;
    }
}

/// A running proxy: connect to `addr` instead of the server.
pub struct CountingProxy {
    pub addr: SocketAddr,
    pub counts: Arc<Counts>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CountingProxy {
    pub async fn start(upstream: SocketAddr, protocol: Protocol) -> std::io::Result<CountingProxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(Counts::default());
        let shared = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counts = shared.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        let _ = client.set_nodelay(true);
                        let _ = server.set_nodelay(true);
                        pipe(client, server, protocol, counts).await;
                    }
                });
            }
        });
        Ok(CountingProxy { addr, counts, task })
    }
}

async fn pipe(client: TcpStream, server: TcpStream, protocol: Protocol, counts: Arc<Counts>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let down = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    });
    let mut parser = Parser { protocol, buf: Vec::new(), startup: true, kinds: String::new() };
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match client_read.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if server_write.write_all(&chunk[..n]).await.is_err() {
            break;
        }
        parser.feed(&chunk[..n], &counts);
    }
    let _ = server_write.shutdown().await;
    let _ = down.await;
}

struct Parser {
    protocol: Protocol,
    buf: Vec<u8>,
    /// PostgreSQL: still in the untyped startup phase (SSL request, startup message).
    startup: bool,
    /// PostgreSQL: the message types since the last `Sync` (`PBDES`: a statement prepared
    /// and run; `BES`: a cached one run), counted by that shape.
    kinds: String,
}

impl Parser {
    fn feed(&mut self, bytes: &[u8], counts: &Counts) {
        self.buf.extend_from_slice(bytes);
        let mut at = 0;
        loop {
            let used = match self.protocol {
                Protocol::Postgres => postgres_message(&mut self.startup, &mut self.kinds, &self.buf[at..], counts),
                Protocol::Redis => redis_command(&self.buf[at..], counts),
            };
            match used {
                Some(n) => at += n,
                None => break,
            }
        }
        self.buf.drain(..at);
    }
}

/// One PostgreSQL frontend message: its length if complete. `startup`: still in the untyped
/// startup phase.
fn postgres_message(startup: &mut bool, kinds: &mut String, b: &[u8], counts: &Counts) -> Option<usize> {
    {
        if *startup {
            let len = u32::from_be_bytes(b.get(..4)?.try_into().ok()?) as usize;
            let code = u32::from_be_bytes(b.get(4..8)?.try_into().ok()?);
            if b.len() < len {
                return None;
            }
            // SSLRequest and GSSENCRequest come before the real startup message
            if code != 80_877_103 && code != 80_877_104 {
                *startup = false;
            }
            return Some(len.max(8));
        }
        let kind = *b.first()?;
        let len = u32::from_be_bytes(b.get(1..5)?.try_into().ok()?) as usize;
        if b.len() < len + 1 {
            return None;
        }
        match kind {
            b'S' => {
                kinds.push('S');
                counts.add(&format!("sync {kinds}"));
                kinds.clear();
            }
            b'Q' => counts.add("query"),
            other => kinds.push(char::from(other)),
        }
        Some(len + 1)
    }
}

/// One RESP command (`*N` then N bulk strings): its length if complete.
fn redis_command(b: &[u8], counts: &Counts) -> Option<usize> {
    fn line(b: &[u8], from: usize) -> Option<(&[u8], usize)> {
        let end = b.get(from..)?.windows(2).position(|w| w == b"\r\n")? + from;
        Some((&b[from..end], end + 2))
    }
    let (head, mut at) = line(b, 0)?;
    if head.first() != Some(&b'*') {
        // an inline command: one line
        counts.add(&String::from_utf8_lossy(head.split(|c| *c == b' ').next().unwrap_or(b"")).to_uppercase());
        return Some(at);
    }
    let n: usize = std::str::from_utf8(&head[1..]).ok()?.parse().ok()?;
    let mut name = String::new();
    for i in 0..n {
        let (len, next) = line(b, at)?;
        let len: usize = std::str::from_utf8(len.get(1..)?).ok()?.parse().ok()?;
        let data = b.get(next..next + len)?;
        if i == 0 {
            name = String::from_utf8_lossy(data).to_uppercase();
        }
        at = next + len + 2;
        if b.len() < at {
            return None;
        }
    }
    counts.add(&name);
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_redis_commands_split_anywhere() {
        let wire = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n0\r\n";
        for cut in 0..wire.len() {
            let counts = Counts::default();
            let mut p = Parser { protocol: Protocol::Redis, buf: Vec::new(), startup: false, kinds: String::new() };
            p.feed(&wire[..cut], &counts);
            p.feed(&wire[cut..], &counts);
            assert_eq!(counts.total(), 2, "cut at {cut}");
            assert_eq!(counts.names().get("EVALSHA"), Some(&1));
        }
    }

    #[test]
    fn counts_postgres_syncs_and_queries_after_startup() {
        let mut wire = Vec::new();
        wire.extend_from_slice(&8u32.to_be_bytes());
        wire.extend_from_slice(&80_877_103u32.to_be_bytes()); // SSLRequest
        wire.extend_from_slice(&9u32.to_be_bytes());
        wire.extend_from_slice(&196_608u32.to_be_bytes());
        wire.push(0); // startup message
        wire.extend_from_slice(b"B\0\0\0\x04E\0\0\0\x04S\0\0\0\x04"); // bind, execute, sync
        wire.extend_from_slice(b"Q\0\0\0\x0bBEGIN\0\0"); // a simple query
        let counts = Counts::default();
        let mut p = Parser { protocol: Protocol::Postgres, buf: Vec::new(), startup: true, kinds: String::new() };
        for b in wire.chunks(3) {
            p.feed(b, &counts);
        }
        assert_eq!(counts.total(), 2);
    }
}
