//! What the running bot prints for the operator, and the signal it stops on.

use super::Sandbox;
use crate::config::{Settings, TelegramMode};

pub(super) fn banner(
    settings: &Settings,
    username: &str,
    (addr, metrics): (std::net::SocketAddr, std::net::SocketAddr),
    sandbox: Option<&Sandbox>,
) {
    println!("AISHA is running.");
    println!("  database   {}", crate::doctor::redact(&settings.database.url));
    println!("  sessions   {}", settings.redis.url.as_deref().map_or("database".to_owned(), crate::doctor::redact));
    println!(
        "  images     {}",
        match settings.storage.kind {
            crate::config::StorageKind::Local => settings.storage.dir.clone(),
            crate::config::StorageKind::S3 =>
                format!("s3 bucket {}", settings.storage.bucket.clone().unwrap_or_default()),
        }
    );
    if let Some(s) = sandbox {
        println!("  telegram   emulator at {} (bot @{username})", s.telegram.base_url());
        println!("  fal        emulator at {}", s.fal.url());
        println!(
            "  users      the emulator's user API under http://{addr}/sandbox (and {}/sandbox)",
            s.telegram.base_url()
        );
    } else {
        println!(
            "  telegram   @{username} ({})",
            if settings.telegram.mode == TelegramMode::Webhook { "webhook" } else { "long polling" }
        );
    }
    println!("  http       http://{addr}/healthz  /readyz");
    println!("  metrics    http://{metrics}/metrics");
    if sandbox.is_some() {
        // a wildcard bind is reachable on loopback; a browser cannot open 0.0.0.0
        let mut page = addr;
        if page.ip().is_unspecified() {
            page.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        println!("  chat       open http://{page}/ in a browser");
    }
    println!("Stop with Ctrl+C.");
}

pub(super) async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
