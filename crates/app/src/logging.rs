//! `tracing` output, human or JSON, with the level from configuration (or `RUST_LOG`).

use crate::config::{LogFormat, Logging};
use tracing_subscriber::EnvFilter;

pub fn init(settings: &Logging) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match settings.format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
