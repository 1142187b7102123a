//! `aisha`: the bot's one binary. See `aisha --help`.

mod admin;
mod cli;
mod config;
mod doctor;
mod http;
mod logging;
mod metrics;
mod payments;
mod serve;
mod wiring;

use clap::Parser;
use cli::{Cli, Command, MigrateAction};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match config::Settings::load(cli.config.as_deref(), std::env::vars()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    logging::init(&settings.logging);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli.command.unwrap_or(Command::Serve), settings, cli.i_know_this_is_not_production))
}

async fn run(command: Command, settings: config::Settings, not_production: bool) -> ExitCode {
    match command {
        Command::Migrate { action } => migrate(settings, action.unwrap_or(MigrateAction::Up)).await,
        Command::Doctor => {
            let checks = doctor::run(settings).await;
            for c in &checks {
                println!("{c}");
            }
            if checks.iter().all(|c| c.ok) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Command::Admin { command } => {
            let stars = match payments::cli_stars(&settings) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("Telegram client: {}", serve::chain(&e));
                    return ExitCode::FAILURE;
                }
            };
            let mut stack = match wiring::Stack::build(settings, true).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            };
            // without this, `admin payments refund|reconcile` could not reach Telegram
            stack.stars_api = stars;
            match admin::run(&stack, command).await {
                Ok(out) => {
                    print!("{out}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve | Command::Sandbox => serve::run(command, settings, not_production).await,
    }
}

async fn migrate(settings: config::Settings, action: MigrateAction) -> ExitCode {
    let url = doctor::redact(&settings.database.url);
    let stack = match wiring::Stack::build(settings, false).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match action {
        MigrateAction::Up => stack.db.migrate().await.map(|m| {
            if m.applied_now.is_empty() {
                println!("{url}: up to date ({} migrations)", m.status.len());
            }
            for name in &m.applied_now {
                println!("applied {name}");
            }
        }),
        MigrateAction::Status => stack.db.migration_status().await.map(|status| {
            for m in status {
                println!("{} {}", if m.applied { "applied" } else { "pending" }, m.name);
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{url}: {e}");
            ExitCode::FAILURE
        }
    }
}
