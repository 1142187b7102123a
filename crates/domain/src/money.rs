//! Coins: the internal currency. Integer only; a balance can never be negative.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A non-negative amount of coins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Coins(i64);

impl Coins {
    pub const ZERO: Coins = Coins(0);

    pub fn new(amount: i64) -> Result<Self, crate::ValidationError> {
        if amount >= 0 { Ok(Self(amount)) } else { Err(crate::ValidationError::NegativeCoins(amount)) }
    }

    pub fn get(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn checked_add(self, other: Coins) -> Option<Coins> {
        self.0.checked_add(other.0).map(Coins)
    }

    /// `None` when the result would be negative: the one place a debit is refused.
    pub fn checked_sub(self, other: Coins) -> Option<Coins> {
        self.0.checked_sub(other.0).filter(|v| *v >= 0).map(Coins)
    }

    pub fn checked_mul(self, n: u32) -> Option<Coins> {
        self.0.checked_mul(i64::from(n)).map(Coins)
    }

    /// Applies a signed ledger delta; `None` if the result would be negative or overflow.
    pub fn apply(self, delta: i64) -> Option<Coins> {
        self.0.checked_add(delta).filter(|v| *v >= 0).map(Coins)
    }
}

impl TryFrom<i64> for Coins {
    type Error = crate::ValidationError;
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        Coins::new(v)
    }
}

impl From<Coins> for i64 {
    fn from(c: Coins) -> i64 {
        c.0
    }
}

impl fmt::Display for Coins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_amounts_are_rejected() {
        assert!(Coins::new(-1).is_err());
        assert_eq!(Coins::new(0).unwrap(), Coins::ZERO);
    }

    #[test]
    fn subtraction_never_goes_below_zero() {
        let five = Coins::new(5).unwrap();
        assert_eq!(five.checked_sub(Coins::new(5).unwrap()), Some(Coins::ZERO));
        assert_eq!(five.checked_sub(Coins::new(6).unwrap()), None);
        assert_eq!(five.apply(-6), None);
        assert_eq!(five.apply(-5), Some(Coins::ZERO));
        assert_eq!(five.apply(i64::MAX), None);
    }

    #[test]
    fn serde_refuses_negative_values() {
        assert!(serde_json::from_str::<Coins>("-3").is_err());
        assert_eq!(serde_json::from_str::<Coins>("7").unwrap().get(), 7);
    }
}
