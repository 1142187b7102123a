//! The command line: `aisha [--config FILE] <command>`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "aisha", version, about = "AISHA: a Telegram bot for AI images", long_about = None)]
pub struct Cli {
    /// A TOML file with settings (also AISHA_CONFIG). Environment variables AISHA__SECTION__KEY
    /// override it; built-in defaults fill the rest.
    #[arg(long, global = true, env = "AISHA_CONFIG")]
    pub config: Option<PathBuf>,
    /// Let the sandbox (emulated Telegram and FAL, a web chat that can act as any user) run on
    /// PostgreSQL, with a Telegram token configured, or on a non-loopback address.
    #[arg(long, global = true)]
    pub i_know_this_is_not_production: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot (the default). Without a Telegram token it runs the sandbox.
    Serve,
    /// Run the bot against the built-in Telegram and FAL emulators, with the web chat.
    Sandbox,
    /// Apply database migrations (or show their status).
    Migrate {
        #[command(subcommand)]
        action: Option<MigrateAction>,
    },
    /// Check every dependency and say what is wrong, one line each.
    Doctor,
    /// Operators' tools.
    Admin {
        #[command(subcommand)]
        command: Admin,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations (the default).
    Up,
    /// List applied and pending migrations.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Users.
    Users {
        #[command(subcommand)]
        command: UsersCmd,
    },
    /// Coin balances (every change is a ledger row with a reason).
    Balance {
        #[command(subcommand)]
        command: BalanceCmd,
    },
    /// Totals: users, jobs by status, coins in and out, Stars revenue.
    Stats,
    /// Generation jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCmd,
    },
    /// Promo codes.
    Promo {
        #[command(subcommand)]
        command: PromoCmd,
    },
    /// Telegram Stars payments.
    Payments {
        #[command(subcommand)]
        command: PaymentsCmd,
    },
    /// Check the money and image invariants over the whole database and storage.
    ///
    /// Every balance equals its ledger, one charge and at most one refund per job, every recorded
    /// image in storage, no job unfinished past its deadline. Exits non-zero on any violation.
    Audit,
}

#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// The newest users.
    List {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One user, by Telegram id.
    Show { telegram_id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum BalanceCmd {
    /// Add (or, negative, take) coins, with the reason recorded in the ledger.
    Add {
        telegram_id: i64,
        #[arg(allow_hyphen_values = true)]
        coins: i64,
        /// Why, for operators (`balance show`, the database); the user never sees it.
        #[arg(long)]
        reason: String,
        /// What the user reads beside the change on their balance screen (without it they
        /// read "balance adjustment by support").
        #[arg(long)]
        note: Option<String>,
    },
    /// The balance and the latest ledger rows.
    Show {
        telegram_id: i64,
        #[arg(long, default_value_t = 20)]
        rows: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCmd {
    /// Unfinished jobs (with --stuck: only those past their deadline).
    List {
        #[arg(long)]
        stuck: bool,
    },
    /// End a job as failed and refund it, in one transaction.
    Fail { job_id: String },
}

#[derive(Debug, Subcommand)]
pub enum PromoCmd {
    Create(PromoCreate),
    List,
    /// Switch a code off (redemptions are refused from now on).
    Disable {
        code: String,
    },
}

#[derive(Debug, Args)]
pub struct PromoCreate {
    pub code: String,
    pub coins: i64,
    /// Total redemptions allowed (unlimited when absent).
    #[arg(long)]
    pub max_uses: Option<u32>,
    #[arg(long, default_value_t = 1)]
    pub per_user: u32,
    /// Valid from, RFC 3339 (e.g. 2026-12-01T00:00:00Z).
    #[arg(long)]
    pub from: Option<String>,
    /// Valid until, RFC 3339.
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PaymentsCmd {
    /// Refund a Stars payment: coins are taken back, then Telegram returns the Stars.
    Refund {
        charge_id: String,
        /// Refund even if the coins were spent (takes back what is left).
        #[arg(long)]
        force: bool,
    },
    /// Compare Telegram's Star transactions (getStarTransactions) with the ledger: credit, once,
    /// every payment Telegram has and AISHA missed; list refunds made outside AISHA.
    Reconcile {
        /// Only transactions from this moment on, RFC 3339 (e.g. 2026-12-01T00:00:00Z).
        #[arg(long)]
        since: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_admin_commands() {
        let cli =
            Cli::try_parse_from(["aisha", "admin", "balance", "add", "42", "-50", "--reason", "goodwill"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Admin {
                command: Admin::Balance { command: BalanceCmd::Add { telegram_id: 42, coins: -50, .. } }
            })
        ));
        let cli = Cli::try_parse_from([
            "aisha",
            "admin",
            "balance",
            "add",
            "42",
            "25",
            "--reason",
            "ticket 7: double charge",
            "--note",
            "sorry",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Admin { command: Admin::Balance { command: BalanceCmd::Add { note: Some(n), .. } } })
                if n == "sorry"
        ));
        let cli = Cli::try_parse_from(["aisha", "admin", "jobs", "list", "--stuck"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Admin { command: Admin::Jobs { command: JobsCmd::List { stuck: true } } })
        ));
        assert!(Cli::try_parse_from(["aisha"]).unwrap().command.is_none(), "serve is the default");
        let cli = Cli::try_parse_from(["aisha", "sandbox", "--i-know-this-is-not-production"]).unwrap();
        assert!(cli.i_know_this_is_not_production && matches!(cli.command, Some(Command::Sandbox)));
        assert!(!Cli::try_parse_from(["aisha", "sandbox"]).unwrap().i_know_this_is_not_production);
    }
}
