//! Measuring helpers shared by the load binaries (`src/bin/load.rs`, `src/bin/press.rs`).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// utime + stime of a process, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // fields after the ")" that closes the command name; utime and stime are fields 14 and 15
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / clock_ticks()
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// The `p` quantile (0..=1) of sorted durations (zero for none).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `host:port` of a `postgres://` or `redis://` URL, and the URL with another address.
pub fn address(url: &str) -> (SocketAddr, Box<dyn Fn(SocketAddr) -> String + '_>) {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let (userinfo, host) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let default = if scheme.starts_with("redis") { 6379 } else { 5432 };
    let host_port = if host.contains(':') { host.to_owned() } else { format!("{host}:{default}") };
    let addr = host_port.to_socket_addrs().ok().and_then(|mut a| a.next()).expect("the server's address resolves");
    let rebuild = move |to: SocketAddr| {
        let user = if userinfo.is_empty() { String::new() } else { format!("{userinfo}@") };
        format!("{scheme}://{user}{to}/{path}")
    };
    (addr, Box::new(rebuild))
}
