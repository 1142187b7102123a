//! `Payments` and `Promos` in memory: Stars payments and their refunds, promo codes and their
//! redemptions, each credit or debit written through the shared ledger routine.

use super::MemoryStore;
use aisha_domain::ledger::NewLedgerEntry;
use aisha_domain::payments::{Promo, StarsPayment};
use aisha_domain::ports::{
    CreatePromoError, PaymentRecorded, Payments, Promos, RedeemError, Redeemed, StarsRefundError, StarsRefunded,
    StarsTotals, StoreError,
};
use aisha_domain::{Coins, LedgerEntryId, PromoCode, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl Payments for MemoryStore {
    async fn record_stars_payment(
        &self,
        payment: StarsPayment,
        entry: LedgerEntryId,
    ) -> Result<PaymentRecorded, StoreError> {
        let mut s = self.lock();
        if let Some(existing) = s.payments.get(&payment.charge_id) {
            if !payment.same_payment_as(existing) {
                return Err(payment.reuse_refused());
            }
            return Ok(PaymentRecorded::Replayed { payment: existing.clone() });
        }
        let credit = NewLedgerEntry::stars_top_up(&payment, entry);
        let row = s.apply(credit).map_err(|e| StoreError::internal_from("crediting the payment", e))?.entry().clone();
        s.payments.insert(payment.charge_id.clone(), payment.clone());
        Ok(PaymentRecorded::Credited { payment, entry: row })
    }

    async fn stars_payment(&self, charge_id: &str) -> Result<Option<StarsPayment>, StoreError> {
        Ok(self.lock().payments.get(charge_id).cloned())
    }

    async fn refund_stars_payment(
        &self,
        charge_id: &str,
        force: bool,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<StarsRefunded, StarsRefundError> {
        let mut s = self.lock();
        let payment = s.payments.get(charge_id).cloned().ok_or(StarsRefundError::NotFound)?;
        if payment.refunded_at.is_some() {
            return Err(StarsRefundError::AlreadyRefunded);
        }
        let balance = s.balances.get(&payment.owner).copied().unwrap_or(Coins::ZERO);
        let taken_back = payment.take_back(balance, force)?;
        let row = if taken_back.is_zero() {
            None
        } else {
            let debit = NewLedgerEntry::stars_refund(&payment, taken_back, entry, now);
            Some(
                s.apply(debit)
                    .map_err(|e| StoreError::internal_from("taking the refunded coins back", e))?
                    .entry()
                    .clone(),
            )
        };
        let stored = s.payments.get_mut(charge_id).expect("read above");
        stored.refunded_at = Some(now);
        Ok(StarsRefunded { payment: stored.clone(), taken_back, entry: row })
    }

    async fn request_stars_refund(
        &self,
        charge_id: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<StarsPayment, StarsRefundError> {
        let mut s = self.lock();
        let p = s.payments.get_mut(charge_id).ok_or(StarsRefundError::NotFound)?;
        if p.refunded_at.is_some() {
            return Err(StarsRefundError::AlreadyRefunded);
        }
        if p.refund_confirmed_at.is_none() {
            match p.refund_requested_at {
                Some(since) if now - since < lease => return Err(StarsRefundError::InProgress { since }),
                _ => p.refund_requested_at = Some(now),
            }
        }
        Ok(p.clone())
    }

    async fn confirm_stars_refund(
        &self,
        charge_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StarsPayment, StarsRefundError> {
        let mut s = self.lock();
        let p = s.payments.get_mut(charge_id).ok_or(StarsRefundError::NotFound)?;
        p.refund_confirmed_at.get_or_insert(now);
        Ok(p.clone())
    }

    async fn withdraw_stars_refund(&self, charge_id: &str) -> Result<(), StoreError> {
        let mut s = self.lock();
        if let Some(p) = s.payments.get_mut(charge_id).filter(|p| p.refund_confirmed_at.is_none()) {
            p.refund_requested_at = None;
        }
        Ok(())
    }

    async fn stars_totals(&self) -> Result<StarsTotals, StoreError> {
        let s = self.lock();
        let mut t = StarsTotals::default();
        for p in s.payments.values() {
            t.payments += 1;
            t.stars += u64::from(p.stars);
            if p.refunded_at.is_some() {
                t.refunded_stars += u64::from(p.stars);
            }
        }
        Ok(t)
    }
}

#[async_trait]
impl Promos for MemoryStore {
    async fn create_promo(&self, promo: &Promo) -> Result<(), CreatePromoError> {
        let mut s = self.lock();
        if s.promos.contains_key(&promo.code) {
            return Err(CreatePromoError::Exists(promo.code.clone()));
        }
        s.promos.insert(promo.code.clone(), promo.clone());
        Ok(())
    }

    async fn promo(&self, code: &PromoCode) -> Result<Option<Promo>, StoreError> {
        Ok(self.lock().promos.get(code).cloned())
    }

    async fn promos(&self) -> Result<Vec<Promo>, StoreError> {
        Ok(self.lock().promos.values().cloned().collect())
    }

    async fn set_promo_active(&self, code: &PromoCode, active: bool) -> Result<Option<Promo>, StoreError> {
        Ok(self.lock().promos.get_mut(code).map(|p| {
            p.active = active;
            p.clone()
        }))
    }

    async fn redeem(
        &self,
        owner: UserId,
        code: &PromoCode,
        entry: LedgerEntryId,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, RedeemError> {
        let mut s = self.lock();
        let promo = s.promos.get(code).cloned().ok_or(aisha_domain::payments::PromoRefusal::Unknown)?;
        let used = s.redemptions.get(&(code.clone(), owner)).copied().unwrap_or(0);
        let coins = promo.check(used, now)?;
        let credit = NewLedgerEntry::promo(owner, code, coins, entry, now);
        let row =
            s.apply(credit).map_err(|e| StoreError::internal_from("crediting the promo code", e))?.entry().clone();
        s.promos.get_mut(code).expect("read above").uses += 1;
        *s.redemptions.entry((code.clone(), owner)).or_default() += 1;
        Ok(Redeemed { coins, entry: row })
    }
}
