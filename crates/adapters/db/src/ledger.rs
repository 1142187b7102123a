//! `Ledger`, and the one routine every money change goes through: move the cached balance
//! with a conditional UPDATE and append the ledger row, inside the caller's transaction.

use crate::entity::{balances, ledger_entries};
use crate::error::{SqlResult, is_unique_violation, store_err};
use crate::{Db, convert};
use aisha_domain::ledger::{Applied, LedgerEntry, LedgerKind, LedgerTotals, NewLedgerEntry};
use aisha_domain::ports::{ApplyError, Ledger, StoreError};
use aisha_domain::{Coins, LedgerEntryId, UserId, truncate};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Why a change was not applied.
pub(crate) enum Refused {
    /// It would take the balance below zero; the balance as it stands.
    Insufficient(Coins),
    /// The user has no balance row (no such user).
    UnknownUser,
}

/// Moves `owner`'s balance by `entry.amount` and appends the row, inside `tx`.
///
/// The UPDATE is conditional (`coins >= debit`), so two transactions racing for the last
/// coins cannot both win: on PostgreSQL the second waits for the first's row lock and then
/// re-checks the condition; on SQLite the single writer serialises them. The CHECK constraint
/// on `balances.coins` is the backstop. A duplicate idempotency key surfaces as the database's
/// unique violation, which the caller turns into a replay.
pub(crate) async fn append(
    tx: &DatabaseTransaction,
    entry: &NewLedgerEntry,
) -> Result<Result<LedgerEntry, Refused>, DbErr> {
    let mut update = balances::Entity::update_many()
        .col_expr(balances::Column::Coins, Expr::col(balances::Column::Coins).add(entry.amount))
        .filter(balances::Column::UserId.eq(entry.owner.0));
    if entry.amount < 0 {
        update = update.filter(balances::Column::Coins.gte(-entry.amount));
    }
    let after = match update.exec_with_returning(tx).await?.first() {
        Some(row) => row.coins,
        None => {
            let refused = match balances::Entity::find_by_id(entry.owner.0).one(tx).await? {
                Some(b) => Refused::Insufficient(Coins::new(b.coins).unwrap_or_default()),
                None => Refused::UnknownUser,
            };
            return Ok(Err(refused));
        }
    };
    // the domain computes the row from the balance before the change
    let before = Coins::new(after - entry.amount)
        .map_err(|_| DbErr::Custom(format!("balance of {} was negative before a change", entry.owner)))?;
    let row = entry
        .on_balance(before)
        .ok_or_else(|| DbErr::Custom(format!("ledger change refused after the balance moved for {}", entry.owner)))?;
    let active = convert::entry_row(&LedgerEntry { created_at: truncate(row.created_at), ..row.clone() })
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    ledger_entries::Entity::insert(active).exec_without_returning(tx).await?;
    Ok(Ok(LedgerEntry { created_at: truncate(row.created_at), ..row }))
}

pub(crate) async fn by_key(db: &impl ConnectionTrait, key: &str) -> Result<Option<LedgerEntry>, StoreError> {
    ledger_entries::Entity::find()
        .filter(ledger_entries::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
        .sql()?
        .map(convert::entry)
        .transpose()
}

const JOB_KINDS: [ledger_entries::Kind; 2] =
    [ledger_entries::Kind(LedgerKind::OF_JOBS[0]), ledger_entries::Kind(LedgerKind::OF_JOBS[1])];

#[derive(FromQueryResult)]
struct Sum {
    total: Option<i64>,
}

#[derive(FromQueryResult)]
struct Totals {
    credited: Option<i64>,
    spent: Option<i64>,
    withdrawn: Option<i64>,
}

/// `CAST(SUM(..) AS BIGINT)`: PostgreSQL sums BIGINT into NUMERIC, which does not decode as i64.
pub(crate) fn sum_as_bigint(expr: Expr) -> Expr {
    let summed = Func::coalesce([Func::sum(expr).into(), Expr::val(0i64)]);
    Func::cast_as(summed, "BIGINT").into()
}

#[async_trait]
impl Ledger for Db {
    async fn balance(&self, owner: UserId) -> Result<Coins, StoreError> {
        match balances::Entity::find_by_id(owner.0).one(&self.conn).await.sql()? {
            Some(b) => convert::coins(b.coins, "balances.coins"),
            None => Ok(Coins::ZERO),
        }
    }

    async fn apply(&self, entry: NewLedgerEntry) -> Result<Applied, ApplyError> {
        if let Some(existing) = by_key(&self.conn, &entry.idempotency_key).await? {
            if !entry.same_change_as(&existing) {
                return Err(ApplyError::KeyReused { key: entry.idempotency_key });
            }
            return Ok(Applied::Replayed(existing));
        }
        let tx = self.begin().await?;
        match append(&tx, &entry).await {
            Ok(Ok(row)) => {
                tx.commit().await.sql()?;
                Ok(Applied::Written(row))
            }
            Ok(Err(Refused::Insufficient(balance))) => {
                Err(ApplyError::InsufficientFunds { balance, needed: Coins::new(-entry.amount).unwrap_or_default() })
            }
            Ok(Err(Refused::UnknownUser)) => Err(ApplyError::UnknownUser),
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                // a concurrent apply with the same key committed first
                let existing = by_key(&self.conn, &entry.idempotency_key)
                    .await?
                    .ok_or_else(|| StoreError::internal_from("unique violation without a ledger row", e))?;
                if !entry.same_change_as(&existing) {
                    return Err(ApplyError::KeyReused { key: entry.idempotency_key });
                }
                Ok(Applied::Replayed(existing))
            }
            Err(e) => Err(store_err(e).into()),
        }
    }

    async fn history(
        &self,
        owner: UserId,
        before: Option<(DateTime<Utc>, LedgerEntryId)>,
        limit: u32,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let mut query = ledger_entries::Entity::find().filter(ledger_entries::Column::UserId.eq(owner.0));
        if let Some((at, id)) = before {
            query = query.filter(
                Expr::tuple([Expr::col(ledger_entries::Column::CreatedAt), Expr::col(ledger_entries::Column::Id)])
                    .lt(Expr::tuple([Expr::val(truncate(at)), Expr::val(id.0)])),
            );
        }
        query
            .order_by_desc(ledger_entries::Column::CreatedAt)
            .order_by_desc(ledger_entries::Column::Id)
            .limit(u64::from(limit))
            .all(&self.conn)
            .await
            .sql()?
            .into_iter()
            .map(convert::entry)
            .collect()
    }

    async fn spent_on_jobs(&self, owner: UserId) -> Result<Coins, StoreError> {
        let sum = ledger_entries::Entity::find()
            .select_only()
            .expr_as(sum_as_bigint(Expr::col(ledger_entries::Column::Amount).mul(-1)), "total")
            .filter(ledger_entries::Column::UserId.eq(owner.0))
            .filter(ledger_entries::Column::Kind.is_in(JOB_KINDS))
            .into_model::<Sum>()
            .one(&self.conn)
            .await
            .sql()?;
        let net = sum.and_then(|s| s.total).unwrap_or(0);
        Ok(Coins::new(Ord::max(net, 0)).unwrap_or_default())
    }

    async fn totals(&self) -> Result<LedgerTotals, StoreError> {
        let job = || ledger_entries::Column::Kind.is_in(JOB_KINDS);
        let amount = || Expr::col(ledger_entries::Column::Amount);
        let when =
            |cond: sea_orm::sea_query::SimpleExpr, value: Expr| Expr::case(cond, value).finally(Expr::val(0i64)).into();
        let t = ledger_entries::Entity::find()
            .select_only()
            .expr_as(sum_as_bigint(when(job().not().and(amount().gte(0)), amount())), "credited")
            .expr_as(sum_as_bigint(when(job(), amount().mul(-1))), "spent")
            .expr_as(sum_as_bigint(when(job().not().and(amount().lt(0)), amount().mul(-1))), "withdrawn")
            .into_model::<Totals>()
            .one(&self.conn)
            .await
            .sql()?;
        Ok(t.map(|t| LedgerTotals {
            credited: t.credited.unwrap_or(0),
            spent: t.spent.unwrap_or(0),
            withdrawn: t.withdrawn.unwrap_or(0),
        })
        .unwrap_or_default())
    }
}
