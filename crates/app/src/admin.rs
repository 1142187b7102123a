//! `aisha admin …`: operators' tools. Each command is one use case over the same ports the bot
//! uses, and prints plain text; money changes are ledger rows with a reason, never edits.

use crate::cli::{Admin, BalanceCmd, JobsCmd, PaymentsCmd, PromoCmd, PromoCreate, UsersCmd};
use crate::wiring::Stack;
use aisha_domain::generation::{Failure, FailureKind};
use aisha_domain::payments::Promo;
use aisha_domain::ports::{ApplyError, SettleError};
use aisha_domain::{Coins, JobId, PromoCode, TelegramUserId, User};
use chrono::{DateTime, Utc};
use std::fmt::Write;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Refused(String),
    #[error("store: {0}")]
    Store(#[from] aisha_domain::ports::StoreError),
}

fn refused(s: impl Into<String>) -> AdminError {
    AdminError::Refused(s.into())
}

async fn user(stack: &Stack, telegram_id: i64) -> Result<User, AdminError> {
    let tg = TelegramUserId::new(telegram_id).map_err(|e| refused(e.to_string()))?;
    stack.users.by_telegram(tg).await?.ok_or_else(|| refused(format!("no user with Telegram id {telegram_id}")))
}

fn line(u: &User, balance: Coins) -> String {
    let name = u.display_name();
    let handle = u.profile.username.as_deref().map(|n| format!(" @{n}")).unwrap_or_default();
    let blocked = if u.blocked { " [unreachable]" } else { "" };
    format!(
        "{:>12}  {name}{handle}  {} coins  {}  since {}{blocked}",
        u.profile.telegram_id,
        balance,
        u.settings.language.code(),
        u.created_at.format("%Y-%m-%d")
    )
}

pub async fn run(stack: &Stack, command: Admin) -> Result<String, AdminError> {
    match command {
        Admin::Users { command } => users(stack, command).await,
        Admin::Balance { command } => balance(stack, command).await,
        Admin::Audit => {
            let mut out = String::new();
            audit(stack, &mut out).await?;
            Ok(out)
        }
        Admin::Stats => stats(stack).await,
        Admin::Jobs { command } => jobs(stack, command).await,
        Admin::Promo { command } => promo(stack, command).await,
        Admin::Payments { command: PaymentsCmd::Refund { charge_id, force } } => {
            Ok(crate::payments::refund(stack, &charge_id, force).await?)
        }
        Admin::Payments { command: PaymentsCmd::Reconcile { since } } => {
            let since = date(since)?;
            let done = crate::payments::reconcile(stack, since).await.map_err(|e| refused(crate::serve::chain(&e)))?;
            let out = crate::payments::report(&done);
            if done.failed.is_empty() { Ok(out) } else { Err(refused(out)) }
        }
    }
}

/// `admin users list|show`.
async fn users(stack: &Stack, command: UsersCmd) -> Result<String, AdminError> {
    let mut out = String::new();
    match command {
        UsersCmd::List { limit } => {
            writeln!(out, "{} users; newest {limit}:", stack.users.count().await?).ok();
            for u in stack.users.list(limit).await? {
                writeln!(out, "{}", line(&u, stack.ledger.balance(u.id).await?)).ok();
            }
        }
        UsersCmd::Show { telegram_id } => {
            let u = user(stack, telegram_id).await?;
            writeln!(out, "{}", line(&u, stack.ledger.balance(u.id).await?)).ok();
            writeln!(
                out,
                "id {}  timezone {}  quick mode {}  translate prompts {}",
                u.id, u.settings.timezone, u.settings.quick_mode, u.settings.translate_prompts
            )
            .ok();
            writeln!(out, "jobs in flight: {}", stack.jobs.in_flight(u.id).await?).ok();
        }
    }
    Ok(out)
}

/// `admin balance add|show`: an adjustment is a ledger row with its reason.
async fn balance(stack: &Stack, command: BalanceCmd) -> Result<String, AdminError> {
    let mut out = String::new();
    match command {
        BalanceCmd::Add { telegram_id, coins, reason, note } => {
            if reason.trim().is_empty() {
                return Err(refused("--reason must say why"));
            }
            let note = note.as_deref().map(str::trim);
            if note.is_some_and(str::is_empty) {
                return Err(refused("--note, when given, is what the user reads: it cannot be empty"));
            }
            let u = user(stack, telegram_id).await?;
            let entry = stack.offline_services().accounts.adjust(u.id, coins, reason.trim(), note).await.map_err(
                |e| match e {
                    ApplyError::InsufficientFunds { balance, .. } => {
                        refused(format!("refused: the balance is {balance}, taking {} would make it negative", -coins))
                    }
                    ApplyError::UnknownUser => refused("no such user"),
                    e @ ApplyError::KeyReused { .. } => refused(e.to_string()),
                    ApplyError::Store(s) => AdminError::Store(s),
                },
            )?;
            writeln!(
                out,
                "{:+} coins for {telegram_id} ({}); balance now {}",
                entry.amount,
                reason.trim(),
                entry.balance_after
            )
            .ok();
        }
        BalanceCmd::Show { telegram_id, rows } => {
            let u = user(stack, telegram_id).await?;
            writeln!(out, "balance {}", stack.ledger.balance(u.id).await?).ok();
            for e in stack.ledger.history(u.id, None, rows).await? {
                writeln!(
                    out,
                    "{}  {:+6}  → {:6}  {}  {}",
                    e.created_at.format("%Y-%m-%d %H:%M:%S"),
                    e.amount,
                    e.balance_after,
                    e.reason.kind().as_str(),
                    e.idempotency_key
                )
                .ok();
            }
        }
    }
    Ok(out)
}

/// `admin stats`: users, jobs by status, coins and Stars in all.
async fn stats(stack: &Stack) -> Result<String, AdminError> {
    let mut out = String::new();
    let t = stack.ledger.totals().await?;
    let s = stack.payments.stars_totals().await?;
    writeln!(out, "users        {}", stack.users.count().await?).ok();
    let jobs = stack.jobs.count_by_status().await?;
    let jobs: Vec<String> = jobs.iter().map(|(st, n)| format!("{} {n}", st.as_str())).collect();
    writeln!(out, "jobs         {}", if jobs.is_empty() { "none".into() } else { jobs.join(", ") }).ok();
    writeln!(out, "coins        credited {}, spent on jobs {}, taken back {}", t.credited, t.spent, t.withdrawn).ok();
    writeln!(out, "stars        {} payments, {} received, {} refunded", s.payments, s.stars, s.refunded_stars).ok();
    Ok(out)
}

/// `admin jobs list|fail`.
async fn jobs(stack: &Stack, command: JobsCmd) -> Result<String, AdminError> {
    let mut out = String::new();
    match command {
        JobsCmd::List { stuck } => {
            let now = stack.env.now();
            let jobs = if stuck { stack.jobs.overdue(now, 1000).await? } else { stack.jobs.non_terminal(1000).await? };
            writeln!(out, "{} {}", jobs.len(), if stuck { "jobs past their deadline" } else { "unfinished jobs" }).ok();
            for j in jobs {
                let request = j.provider.as_ref().map_or("-", |p| p.request_id.as_str());
                writeln!(
                    out,
                    "{}  {:8}  {:13}  created {}  deadline {}  attempts {}  request {request}",
                    j.id,
                    j.status.as_str(),
                    j.spec.kind().as_str(),
                    j.created_at.format("%Y-%m-%d %H:%M"),
                    j.deadline.format("%Y-%m-%d %H:%M"),
                    j.attempts
                )
                .ok();
            }
        }
        JobsCmd::Fail { job_id } => {
            let id = uuid::Uuid::parse_str(&job_id).map_err(|_| refused(format!("{job_id:?} is not a job id")))?;
            let failure = Failure::new(FailureKind::ProviderUnavailable, "failed by an operator");
            match stack.jobs.fail(JobId(id), failure, stack.env.now()).await {
                Ok(settled) => {
                    writeln!(out, "job {} failed; refunded {} coins", settled.job.id, settled.job.refunded).ok();
                    writeln!(out, "the user is told by the running bot on its next sweep (within a minute)").ok();
                    stack
                        .notifier
                        .notify(settled.job.owner, aisha_domain::ports::Notice::Failed { job: settled.job })
                        .await;
                }
                Err(SettleError::NotFound) => return Err(refused(format!("no job {job_id}"))),
                Err(SettleError::AlreadyEnded(j)) => {
                    return Err(refused(format!("job {job_id} already ended as {}", j.status.as_str())));
                }
                Err(SettleError::Store(e)) => return Err(e.into()),
                Err(e) => return Err(refused(e.to_string())),
            }
        }
    }
    Ok(out)
}

/// `admin promo create|list|disable`.
async fn promo(stack: &Stack, command: PromoCmd) -> Result<String, AdminError> {
    let mut out = String::new();
    match command {
        PromoCmd::Create(p) => {
            let promo = new_promo(p, stack.env.now())?;
            stack.promos.create_promo(&promo).await.map_err(|e| refused(e.to_string()))?;
            writeln!(out, "created {} for {} coins", promo.code, promo.coins).ok();
        }
        PromoCmd::List => {
            for p in stack.promos.promos().await? {
                let max = p.max_uses.map_or("∞".to_owned(), |m| m.to_string());
                let window = format!(
                    "{} – {}",
                    p.valid_from.map_or("…".into(), |d| d.format("%Y-%m-%d").to_string()),
                    p.valid_until.map_or("…".into(), |d| d.format("%Y-%m-%d").to_string())
                );
                writeln!(
                    out,
                    "{:16} {:5} coins  used {}/{max}  per user {}  {window}  {}",
                    p.code.as_str(),
                    p.coins,
                    p.uses,
                    p.per_user,
                    if p.active { "active" } else { "off" }
                )
                .ok();
            }
        }
        PromoCmd::Disable { code } => {
            let code = PromoCode::parse(&code).map_err(|e| refused(e.to_string()))?;
            match stack.promos.set_promo_active(&code, false).await? {
                Some(p) => writeln!(out, "{} is off ({} uses so far)", p.code, p.uses).ok(),
                None => return Err(refused(format!("no promo code {code}"))),
            };
        }
    }
    Ok(out)
}

fn date(s: Option<String>) -> Result<Option<DateTime<Utc>>, AdminError> {
    s.map(|s| {
        DateTime::parse_from_rfc3339(&s)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| refused(format!("{s:?}: {e} (use RFC 3339, e.g. 2026-12-01T00:00:00Z)")))
    })
    .transpose()
}

fn new_promo(p: PromoCreate, now: DateTime<Utc>) -> Result<Promo, AdminError> {
    let code = PromoCode::parse(&p.code).map_err(|e| refused(e.to_string()))?;
    let coins = Coins::new(p.coins).ok().filter(|c| !c.is_zero()).ok_or_else(|| refused("coins must be positive"))?;
    if p.per_user == 0 {
        return Err(refused("--per-user must be at least 1"));
    }
    let (valid_from, valid_until) = (date(p.from)?, date(p.until)?);
    if let (Some(a), Some(b)) = (valid_from, valid_until)
        && b <= a
    {
        return Err(refused("--until must be after --from"));
    }
    Ok(Promo {
        code,
        coins,
        max_uses: p.max_uses,
        per_user: p.per_user,
        valid_from,
        valid_until,
        active: true,
        uses: 0,
        created_at: now,
    })
}

/// `admin audit`: the invariants of `aisha_domain::invariants` over the database and storage.
async fn audit(stack: &Stack, out: &mut String) -> Result<(), AdminError> {
    let snap = stack.db.audit_snapshot().await?;
    let mut present = std::collections::HashSet::new();
    for image in &snap.images {
        let exists = stack.images.exists(&image.object.key).await;
        if exists.map_err(|e| refused(format!("storage: {e}")))? {
            present.insert(image.object.key.as_str().to_owned());
        }
    }
    let mut violations =
        aisha_domain::invariants::check(&snap.balances, &snap.ledger, &snap.jobs, &snap.images, &|k| {
            present.contains(k.as_str())
        });
    violations.extend(aisha_domain::invariants::check_payments(&snap.payments, &snap.promos, &snap.ledger));
    let now = stack.env.now();
    for job in snap.jobs.iter().filter(|j| j.is_overdue(now)) {
        violations.push(format!("job {} is {} past its deadline {}", job.id, job.status.as_str(), job.deadline));
    }
    writeln!(
        out,
        "audited {} users, {} ledger rows, {} jobs, {} images",
        snap.balances.len(),
        snap.ledger.len(),
        snap.jobs.len(),
        snap.images.len()
    )
    .ok();
    if violations.is_empty() {
        writeln!(out, "ok: every invariant holds").ok();
        Ok(())
    } else {
        Err(refused(format!("{} violations:\n{}", violations.len(), violations.join("\n"))))
    }
}
