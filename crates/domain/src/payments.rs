//! Telegram Stars top-ups and promo codes: what is sold, how a payment becomes coins exactly
//! once, and the rules a promo code is redeemed under.

use crate::ports::StarsRefundError;
use crate::{Coins, PromoCode, TelegramUserId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A package of coins sold for Stars (operator configuration).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarsPackage {
    /// Short, stable id carried in invoices, e.g. `p100`.
    pub id: String,
    pub coins: Coins,
    pub stars: u32,
}

impl StarsPackage {
    /// Bonus over the base rate (the first package's coins per star), in whole percent.
    pub fn bonus_percent(&self, base: &StarsPackage) -> u32 {
        let base_coins = u128::from(base.coins.get().unsigned_abs()) * u128::from(self.stars);
        let coins = u128::from(self.coins.get().unsigned_abs()) * u128::from(base.stars);
        if base_coins == 0 || coins <= base_coins {
            0
        } else {
            u32::try_from((coins - base_coins) * 100 / base_coins).unwrap_or(u32::MAX)
        }
    }
}

/// The packages on sale, in display order.
pub fn default_packages() -> Vec<StarsPackage> {
    let p =
        |id: &str, coins, stars| StarsPackage { id: id.to_owned(), coins: Coins::new(coins).expect("literal"), stars };
    vec![p("p100", 100, 50), p("p275", 275, 125), p("p600", 600, 250)]
}

/// What an invoice records, so that the payment credits what the user was offered even if
/// the operator changes the packages in between.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoicePayload {
    pub package: String,
    pub coins: Coins,
    pub stars: u32,
    pub buyer: TelegramUserId,
}

impl InvoicePayload {
    pub fn for_package(package: &StarsPackage, buyer: TelegramUserId) -> Self {
        Self { package: package.id.clone(), coins: package.coins, stars: package.stars, buyer }
    }

    /// `v1:<package>:<coins>:<stars>:<telegram id>`, well under Telegram's 128 bytes.
    pub fn encode(&self) -> String {
        format!("v1:{}:{}:{}:{}", self.package, self.coins, self.stars, self.buyer)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let mut parts = s.split(':');
        if parts.next()? != "v1" {
            return None;
        }
        let package = parts.next()?.to_owned();
        let coins = Coins::new(parts.next()?.parse().ok()?).ok()?;
        let stars = parts.next()?.parse().ok()?;
        let buyer = TelegramUserId::new(parts.next()?.parse().ok()?).ok()?;
        (parts.next().is_none() && !package.is_empty()).then_some(Self { package, coins, stars, buyer })
    }
}

/// Why a pre-checkout query is answered `ok=false`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PreCheckoutRefusal {
    #[error("the invoice is not one of ours")]
    UnknownInvoice,
    #[error("this package is no longer on sale")]
    PackageGone,
    #[error("the invoice was made for another user")]
    WrongBuyer,
    #[error("the amount or currency does not match the invoice")]
    WrongAmount,
    #[error("the account is blocked")]
    Blocked,
}

/// Decides a pre-checkout query: the package must still be on sale at the invoiced terms, the
/// payer must be the buyer, and the amount must be the invoice's.
pub fn check_pre_checkout(
    payload: &str,
    currency: &str,
    total_amount: u32,
    payer: TelegramUserId,
    payer_blocked: bool,
    packages: &[StarsPackage],
) -> Result<InvoicePayload, PreCheckoutRefusal> {
    let invoice = InvoicePayload::decode(payload).ok_or(PreCheckoutRefusal::UnknownInvoice)?;
    if invoice.buyer != payer {
        return Err(PreCheckoutRefusal::WrongBuyer);
    }
    if payer_blocked {
        return Err(PreCheckoutRefusal::Blocked);
    }
    if currency != "XTR" || total_amount != invoice.stars {
        return Err(PreCheckoutRefusal::WrongAmount);
    }
    let on_sale =
        packages.iter().any(|p| p.id == invoice.package && p.coins == invoice.coins && p.stars == invoice.stars);
    if on_sale { Ok(invoice) } else { Err(PreCheckoutRefusal::PackageGone) }
}

/// How many coins a completed payment buys, and whether the operator must look at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentCredit {
    pub coins: Coins,
    /// The payload no longer maps to a package on sale (or could not be read): the payment is
    /// still credited, at the invoice's recorded rate, and an operator is alerted.
    pub needs_attention: bool,
}

/// Telegram has taken the Stars: the user gets coins, always. The recorded rate is the
/// invoice's; an unreadable payload falls back to the base package's rate.
pub fn credit_for_payment(payload: &str, stars_paid: u32, packages: &[StarsPackage]) -> PaymentCredit {
    let scaled = |coins: Coins, stars: u32| {
        let c = i128::from(coins.get()) * i128::from(stars_paid) / i128::from(stars.max(1));
        Coins::new(i64::try_from(c).unwrap_or(i64::MAX)).expect("non-negative")
    };
    match InvoicePayload::decode(payload) {
        Some(inv) => {
            let on_sale = packages.iter().any(|p| p.id == inv.package && p.coins == inv.coins && p.stars == inv.stars);
            let coins = if stars_paid == inv.stars { inv.coins } else { scaled(inv.coins, inv.stars) };
            PaymentCredit { coins, needs_attention: !on_sale || stars_paid != inv.stars }
        }
        None => {
            let coins = packages.first().map_or(Coins::ZERO, |base| scaled(base.coins, base.stars));
            PaymentCredit { coins, needs_attention: true }
        }
    }
}

/// A Stars payment as recorded, once per Telegram charge id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarsPayment {
    pub charge_id: String,
    pub owner: UserId,
    pub telegram_id: TelegramUserId,
    pub payload: String,
    pub stars: u32,
    pub coins: Coins,
    pub needs_attention: bool,
    /// When an operator's refund took the coins back (its last step).
    pub refunded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// An operator's refund: when Telegram was (about to be) asked to return the Stars.
    #[serde(default)]
    pub refund_requested_at: Option<DateTime<Utc>>,
    /// An operator's refund: when Telegram confirmed it returned the Stars.
    #[serde(default)]
    pub refund_confirmed_at: Option<DateTime<Utc>>,
}

impl StarsPayment {
    /// How many coins an operator's refund of this payment takes back from `balance`: all of
    /// them while the user still has them; with `force`, what is left (possibly nothing);
    /// otherwise the refund is refused, since the coins were spent.
    pub fn take_back(&self, balance: Coins, force: bool) -> Result<Coins, StarsRefundError> {
        if balance >= self.coins {
            Ok(self.coins)
        } else if force {
            Ok(balance)
        } else {
            Err(StarsRefundError::CoinsSpent { balance, needed: self.coins })
        }
    }

    /// Whether `recorded` (the row already holding this charge id) is this same payment — a
    /// replay — rather than a different one claiming the charge id. What Telegram sent is
    /// compared, not the coins derived from it (the packages may have changed since).
    pub fn same_payment_as(&self, recorded: &StarsPayment) -> bool {
        self.owner == recorded.owner
            && self.telegram_id == recorded.telegram_id
            && self.payload == recorded.payload
            && self.stars == recorded.stars
    }

    /// The error a different payment under a recorded charge id gets.
    pub fn reuse_refused(&self) -> crate::ports::StoreError {
        crate::ports::StoreError::internal(format!(
            "charge id {} was already recorded for a different payment; refused",
            self.charge_id
        ))
    }
}

/// A promo code as the operator defined it, with its use count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promo {
    pub code: PromoCode,
    pub coins: Coins,
    /// Total redemptions allowed; `None` means unlimited.
    pub max_uses: Option<u32>,
    pub per_user: u32,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub active: bool,
    pub uses: u32,
    pub created_at: DateTime<Utc>,
}

/// Why a code was not redeemed. Each is told to the user as it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PromoRefusal {
    #[error("no such code")]
    Unknown,
    #[error("the code is switched off")]
    Inactive,
    #[error("the code is valid from {0}")]
    NotYetValid(DateTime<Utc>),
    #[error("the code expired at {0}")]
    Expired(DateTime<Utc>),
    #[error("the code has been used up")]
    UsedUp,
    #[error("you have already used this code")]
    AlreadyUsed,
}

impl Promo {
    /// Whether `user_uses` earlier redemptions by this user allow one more now.
    pub fn check(&self, user_uses: u32, now: DateTime<Utc>) -> Result<Coins, PromoRefusal> {
        if !self.active {
            return Err(PromoRefusal::Inactive);
        }
        if let Some(from) = self.valid_from.filter(|f| now < *f) {
            return Err(PromoRefusal::NotYetValid(from));
        }
        if let Some(until) = self.valid_until.filter(|u| now >= *u) {
            return Err(PromoRefusal::Expired(until));
        }
        if self.max_uses.is_some_and(|max| self.uses >= max) {
            return Err(PromoRefusal::UsedUp);
        }
        if user_uses >= self.per_user {
            return Err(PromoRefusal::AlreadyUsed);
        }
        Ok(self.coins)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn tg(n: i64) -> TelegramUserId {
        TelegramUserId::new(n).unwrap()
    }

    #[test]
    fn payload_round_trips_and_rejects_garbage() {
        let p = InvoicePayload::for_package(&default_packages()[1], tg(42));
        assert_eq!(p.encode(), "v1:p275:275:125:42");
        assert_eq!(InvoicePayload::decode(&p.encode()), Some(p));
        for bad in ["", "v2:p:1:1:1", "v1:p:1:1", "v1:p:-1:1:1", "v1::1:1:1", "v1:p:1:1:1:extra", "v1:p:1:1:0"] {
            assert_eq!(InvoicePayload::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_stars_refund_takes_back_the_coins_while_they_are_there() {
        let p = InvoicePayload::for_package(&default_packages()[0], tg(42));
        let payment = StarsPayment {
            charge_id: "c".into(),
            owner: UserId(uuid::Uuid::nil()),
            telegram_id: tg(42),
            payload: p.encode(),
            stars: 50,
            coins: Coins::new(100).unwrap(),
            needs_attention: false,
            refunded_at: None,
            created_at: Utc.timestamp_opt(0, 0).unwrap(),
            refund_requested_at: None,
            refund_confirmed_at: None,
        };
        let c = |n| Coins::new(n).unwrap();
        assert_eq!(payment.take_back(c(250), false), Ok(c(100)), "all of them, never more");
        assert_eq!(payment.take_back(c(100), false), Ok(c(100)));
        assert_eq!(
            payment.take_back(c(40), false),
            Err(StarsRefundError::CoinsSpent { balance: c(40), needed: c(100) }),
            "spent coins refuse the refund"
        );
        assert_eq!(payment.take_back(c(40), true), Ok(c(40)), "forced: what is left");
        assert_eq!(payment.take_back(Coins::ZERO, true), Ok(Coins::ZERO));
    }

    #[test]
    fn bonus_is_relative_to_the_base_rate() {
        let packs = default_packages();
        assert_eq!(packs[0].bonus_percent(&packs[0]), 0);
        assert_eq!(packs[1].bonus_percent(&packs[0]), 10);
        assert_eq!(packs[2].bonus_percent(&packs[0]), 20);
    }

    #[test]
    fn pre_checkout_refusals() {
        let packs = default_packages();
        let payload = InvoicePayload::for_package(&packs[0], tg(7)).encode();
        assert!(check_pre_checkout(&payload, "XTR", 50, tg(7), false, &packs).is_ok());
        assert_eq!(check_pre_checkout(&payload, "XTR", 50, tg(8), false, &packs), Err(PreCheckoutRefusal::WrongBuyer));
        assert_eq!(check_pre_checkout(&payload, "XTR", 50, tg(7), true, &packs), Err(PreCheckoutRefusal::Blocked));
        assert_eq!(check_pre_checkout(&payload, "XTR", 49, tg(7), false, &packs), Err(PreCheckoutRefusal::WrongAmount));
        assert_eq!(check_pre_checkout(&payload, "USD", 50, tg(7), false, &packs), Err(PreCheckoutRefusal::WrongAmount));
        assert_eq!(
            check_pre_checkout("junk", "XTR", 50, tg(7), false, &packs),
            Err(PreCheckoutRefusal::UnknownInvoice)
        );
        assert_eq!(
            check_pre_checkout(&payload, "XTR", 50, tg(7), false, &packs[1..]),
            Err(PreCheckoutRefusal::PackageGone)
        );
    }

    #[test]
    fn a_paid_invoice_always_credits_at_its_recorded_rate() {
        let packs = default_packages();
        let payload = InvoicePayload::for_package(&packs[2], tg(7)).encode();
        assert_eq!(
            credit_for_payment(&payload, 250, &packs),
            PaymentCredit { coins: packs[2].coins, needs_attention: false }
        );
        let gone = credit_for_payment(&payload, 250, &packs[..1]);
        assert_eq!(gone, PaymentCredit { coins: packs[2].coins, needs_attention: true });
        assert_eq!(
            credit_for_payment("junk", 50, &packs),
            PaymentCredit { coins: packs[0].coins, needs_attention: true }
        );
    }

    #[test]
    fn promo_rules_give_precise_reasons() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let promo = Promo {
            code: PromoCode::parse("WELCOME").unwrap(),
            coins: Coins::new(50).unwrap(),
            max_uses: Some(2),
            per_user: 1,
            valid_from: Some(now - Duration::days(1)),
            valid_until: Some(now + Duration::days(1)),
            active: true,
            uses: 0,
            created_at: now,
        };
        assert_eq!(promo.check(0, now), Ok(Coins::new(50).unwrap()));
        assert_eq!(promo.check(1, now), Err(PromoRefusal::AlreadyUsed));
        assert_eq!(Promo { uses: 2, ..promo.clone() }.check(0, now), Err(PromoRefusal::UsedUp));
        assert_eq!(Promo { active: false, ..promo.clone() }.check(0, now), Err(PromoRefusal::Inactive));
        assert!(matches!(promo.check(0, now - Duration::days(2)), Err(PromoRefusal::NotYetValid(_))));
        assert!(matches!(promo.check(0, now + Duration::days(1)), Err(PromoRefusal::Expired(_))));
        assert!(Promo { max_uses: None, uses: 1_000_000, ..promo }.check(0, now).is_ok());
    }
}
