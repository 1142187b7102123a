//! `Payments` (Telegram Stars, credited once per charge id) and `Promos` (codes whose limits
//! hold under concurrent redemptions).

use crate::entity::{balances, promo_codes, promo_redemptions, stars_payments};
use crate::error::{SqlResult, TxFail};
use crate::ledger::{self, Refused, sum_as_bigint};
use crate::{Db, convert};
use aisha_domain::ledger::NewLedgerEntry;
use aisha_domain::payments::{Promo, PromoRefusal, StarsPayment};
use aisha_domain::ports::{
    CreatePromoError, PaymentRecorded, Payments, Promos, RedeemError, Redeemed, StarsRefundError, StarsRefunded,
    StarsTotals, StoreError,
};
use aisha_domain::{LedgerEntryId, PromoCode, UserId, truncate};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QuerySelect};

async fn payment_by_charge(db: &impl ConnectionTrait, charge_id: &str) -> Result<Option<StarsPayment>, StoreError> {
    stars_payments::Entity::find()
        .filter(stars_payments::Column::ChargeId.eq(charge_id))
        .one(db)
        .await
        .sql()?
        .map(convert::payment)
        .transpose()
}

async fn promo_by_code(db: &impl ConnectionTrait, code: &PromoCode) -> Result<Option<Promo>, StoreError> {
    promo_codes::Entity::find()
        .filter(promo_codes::Column::Code.eq(code.as_str()))
        .one(db)
        .await
        .sql()?
        .map(convert::promo)
        .transpose()
}

fn no_balance(owner: UserId) -> StoreError {
    StoreError::internal(format!("no balance row for user {owner}"))
}

#[derive(FromQueryResult)]
struct StarsRow {
    payments: i64,
    stars: i64,
    refunded_stars: i64,
}

impl Db {
    async fn record_tx(
        &self,
        payment: &StarsPayment,
        entry: LedgerEntryId,
    ) -> Result<PaymentRecorded, TxFail<StoreError>> {
        let tx = self.begin().await?;
        if let Some(existing) = payment_by_charge(&tx, &payment.charge_id).await? {
            if !payment.same_payment_as(&existing) {
                return Err(TxFail::Err(payment.reuse_refused()));
            }
            return Ok(PaymentRecorded::Replayed { payment: existing });
        }
        let payment = StarsPayment { created_at: truncate(payment.created_at), ..payment.clone() };
        // the unique charge id makes a concurrent second recording fail here, before any credit
        stars_payments::Entity::insert(convert::payment_row(&payment, entry)).exec_without_returning(&tx).await?;
        let credit = NewLedgerEntry::stars_top_up(&payment, entry);
        let row = match ledger::append(&tx, &credit).await? {
            Ok(row) => row,
            Err(_) => return Err(TxFail::Err(no_balance(payment.owner))),
        };
        tx.commit().await.sql()?;
        Ok(PaymentRecorded::Credited { payment, entry: row })
    }

    async fn refund_tx(
        &self,
        charge_id: &str,
        force: bool,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<StarsRefunded, StarsRefundError> {
        let tx = self.begin().await?;
        let mut payment = locked_unrefunded(&tx, charge_id).await?;
        let balance = balances::Entity::find_by_id(payment.owner.0)
            .lock_exclusive()
            .one(&tx)
            .await
            .sql()?
            .ok_or_else(|| no_balance(payment.owner))?;
        let balance = convert::coins(balance.coins, "balances.coins")?;
        let taken_back = payment.take_back(balance, force)?;
        let marked = stars_payments::Entity::update_many()
            .set(stars_payments::ActiveModel { refunded_at: Set(Some(now)), ..Default::default() })
            .filter(stars_payments::Column::ChargeId.eq(charge_id))
            .filter(stars_payments::Column::RefundedAt.is_null())
            .exec(&tx)
            .await
            .sql()?;
        if marked.rows_affected != 1 {
            return Err(StarsRefundError::AlreadyRefunded);
        }
        payment.refunded_at = Some(now);
        let entry = if taken_back.is_zero() {
            None
        } else {
            let debit = NewLedgerEntry::stars_refund(&payment, taken_back, entry, now);
            match ledger::append(&tx, &debit).await.sql()? {
                Ok(row) => Some(row),
                Err(Refused::Insufficient(balance)) => {
                    return Err(StarsRefundError::CoinsSpent { balance, needed: taken_back });
                }
                Err(Refused::UnknownUser) => return Err(no_balance(payment.owner).into()),
            }
        };
        tx.commit().await.sql()?;
        Ok(StarsRefunded { payment, taken_back, entry })
    }

    async fn redeem_tx(
        &self,
        owner: UserId,
        code: &PromoCode,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, RedeemError> {
        let tx = self.begin().await?;
        // the promo row lock (PostgreSQL) or the single writer (SQLite) serialises redemptions
        // of one code, so `uses` and the per-user count are read and bumped by one at a time
        let Some(row) = promo_codes::Entity::find()
            .filter(promo_codes::Column::Code.eq(code.as_str()))
            .lock_exclusive()
            .one(&tx)
            .await
            .sql()?
        else {
            return Err(PromoRefusal::Unknown.into());
        };
        let promo_id = row.id;
        let promo = convert::promo(row)?;
        let user_uses = promo_redemptions::Entity::find()
            .filter(promo_redemptions::Column::PromoId.eq(promo_id))
            .filter(promo_redemptions::Column::UserId.eq(owner.0))
            .count(&tx)
            .await
            .sql()?;
        let coins = promo.check(u32::try_from(user_uses).unwrap_or(u32::MAX), now)?;
        // compare-and-set on the use count as well, so the limit holds even without the lock
        let bumped = promo_codes::Entity::update_many()
            .col_expr(promo_codes::Column::Uses, Expr::col(promo_codes::Column::Uses).add(1))
            .filter(promo_codes::Column::Id.eq(promo_id))
            .filter(promo_codes::Column::Uses.eq(convert::narrow::<i32>(promo.uses, "uses")?))
            .exec(&tx)
            .await
            .sql()?;
        if bumped.rows_affected != 1 {
            return Err(StoreError::Unavailable("promo code changed concurrently; try again".into()).into());
        }
        promo_redemptions::Entity::insert(promo_redemptions::ActiveModel {
            id: Set(entry.0),
            promo_id: Set(promo_id),
            user_id: Set(owner.0),
            created_at: Set(now),
        })
        .exec_without_returning(&tx)
        .await
        .sql()?;
        let credit = NewLedgerEntry::promo(owner, code, coins, entry, now);
        let row = match ledger::append(&tx, &credit).await.sql()? {
            Ok(row) => row,
            Err(_) => return Err(no_balance(owner).into()),
        };
        tx.commit().await.sql()?;
        Ok(Redeemed { coins, entry: row })
    }
}

#[async_trait]
impl Payments for Db {
    async fn record_stars_payment(
        &self,
        payment: StarsPayment,
        entry: LedgerEntryId,
    ) -> Result<PaymentRecorded, StoreError> {
        match self.record_tx(&payment, entry).await {
            Ok(recorded) => Ok(recorded),
            Err(TxFail::Err(e)) => Err(e),
            Err(TxFail::Duplicate(e)) => match payment_by_charge(&self.conn, &payment.charge_id).await? {
                Some(existing) if !payment.same_payment_as(&existing) => Err(payment.reuse_refused()),
                Some(existing) => Ok(PaymentRecorded::Replayed { payment: existing }),
                None => Err(StoreError::internal_from("payment conflicts with existing rows", e)),
            },
        }
    }

    async fn stars_payment(&self, charge_id: &str) -> Result<Option<StarsPayment>, StoreError> {
        payment_by_charge(&self.conn, charge_id).await
    }

    async fn refund_stars_payment(
        &self,
        charge_id: &str,
        force: bool,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<StarsRefunded, StarsRefundError> {
        self.refund_tx(charge_id, force, entry, truncate(now)).await
    }

    async fn request_stars_refund(
        &self,
        charge_id: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<StarsPayment, StarsRefundError> {
        let now = truncate(now);
        let tx = self.begin().await?;
        // the row lock makes concurrent requests take turns: the second sees the first's mark
        let mut payment = locked_unrefunded(&tx, charge_id).await?;
        if payment.refund_confirmed_at.is_some() {
            return Ok(payment);
        }
        if let Some(since) = payment.refund_requested_at
            && now - since < lease
        {
            return Err(StarsRefundError::InProgress { since });
        }
        // compare-and-set on the request seen, for SQLite where the row lock is a no-op
        let mut update = stars_payments::Entity::update_many()
            .set(stars_payments::ActiveModel { refund_requested_at: Set(Some(now)), ..Default::default() })
            .filter(stars_payments::Column::ChargeId.eq(charge_id))
            .filter(stars_payments::Column::RefundConfirmedAt.is_null());
        update = match payment.refund_requested_at {
            Some(seen) => update.filter(stars_payments::Column::RefundRequestedAt.eq(seen)),
            None => update.filter(stars_payments::Column::RefundRequestedAt.is_null()),
        };
        if update.exec(&tx).await.sql()?.rows_affected != 1 {
            return Err(StarsRefundError::InProgress { since: payment.refund_requested_at.unwrap_or(now) });
        }
        tx.commit().await.sql()?;
        payment.refund_requested_at = Some(now);
        Ok(payment)
    }

    async fn confirm_stars_refund(
        &self,
        charge_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StarsPayment, StarsRefundError> {
        stars_payments::Entity::update_many()
            .set(stars_payments::ActiveModel { refund_confirmed_at: Set(Some(truncate(now))), ..Default::default() })
            .filter(stars_payments::Column::ChargeId.eq(charge_id))
            .filter(stars_payments::Column::RefundConfirmedAt.is_null())
            .exec(&self.conn)
            .await
            .sql()?;
        payment_by_charge(&self.conn, charge_id).await?.ok_or(StarsRefundError::NotFound)
    }

    async fn withdraw_stars_refund(&self, charge_id: &str) -> Result<(), StoreError> {
        stars_payments::Entity::update_many()
            .set(stars_payments::ActiveModel { refund_requested_at: Set(None), ..Default::default() })
            .filter(stars_payments::Column::ChargeId.eq(charge_id))
            .filter(stars_payments::Column::RefundConfirmedAt.is_null())
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(())
    }

    async fn stars_totals(&self) -> Result<StarsTotals, StoreError> {
        let refunded =
            Expr::case(stars_payments::Column::RefundedAt.is_not_null(), Expr::col(stars_payments::Column::Stars))
                .finally(Expr::val(0i64));
        let row = stars_payments::Entity::find()
            .select_only()
            .expr_as(Expr::cust("COUNT(*)"), "payments")
            .expr_as(sum_as_bigint(Expr::col(stars_payments::Column::Stars)), "stars")
            .expr_as(sum_as_bigint(refunded.into()), "refunded_stars")
            .into_model::<StarsRow>()
            .one(&self.conn)
            .await
            .sql()?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(row.map_or_else(StarsTotals::default, |r| StarsTotals {
            payments: n(r.payments),
            stars: n(r.stars),
            refunded_stars: n(r.refunded_stars),
        }))
    }
}

#[async_trait]
impl Promos for Db {
    async fn create_promo(&self, promo: &Promo) -> Result<(), CreatePromoError> {
        match promo_codes::Entity::insert(convert::promo_row(promo, self.new_id())?)
            .exec_without_returning(&self.conn)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if crate::error::is_unique_violation(&e) => Err(CreatePromoError::Exists(promo.code.clone())),
            Err(e) => Err(crate::error::store_err(e).into()),
        }
    }

    async fn promo(&self, code: &PromoCode) -> Result<Option<Promo>, StoreError> {
        promo_by_code(&self.conn, code).await
    }

    async fn promos(&self) -> Result<Vec<Promo>, StoreError> {
        let mut all = promo_codes::Entity::find()
            .all(&self.conn)
            .await
            .sql()?
            .into_iter()
            .map(convert::promo)
            .collect::<Result<Vec<_>, _>>()?;
        // by code, compared as the domain compares codes (not by the database's collation)
        all.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(all)
    }

    async fn set_promo_active(&self, code: &PromoCode, active: bool) -> Result<Option<Promo>, StoreError> {
        let result = promo_codes::Entity::update_many()
            .set(promo_codes::ActiveModel { active: Set(active), ..Default::default() })
            .filter(promo_codes::Column::Code.eq(code.as_str()))
            .exec(&self.conn)
            .await
            .sql()?;
        if result.rows_affected == 0 {
            return Ok(None);
        }
        promo_by_code(&self.conn, code).await
    }

    async fn redeem(
        &self,
        owner: UserId,
        code: &PromoCode,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, RedeemError> {
        self.redeem_tx(owner, code, entry, truncate(now)).await
    }
}

/// The payment with this charge id, locked for the transaction, if it has not been refunded.
async fn locked_unrefunded(
    tx: &sea_orm::DatabaseTransaction,
    charge_id: &str,
) -> Result<StarsPayment, StarsRefundError> {
    let row = stars_payments::Entity::find()
        .filter(stars_payments::Column::ChargeId.eq(charge_id))
        .lock_exclusive()
        .one(tx)
        .await
        .sql()?
        .ok_or(StarsRefundError::NotFound)?;
    let payment = convert::payment(row)?;
    if payment.refunded_at.is_some() {
        return Err(StarsRefundError::AlreadyRefunded);
    }
    Ok(payment)
}
