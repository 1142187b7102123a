//! Validated user text: parse once at the edge, then carry a type that cannot be wrong.

use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A generation prompt: trimmed, 3 to 2000 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Prompt(String);

impl Prompt {
    pub const MIN_CHARS: usize = 3;
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        let chars = trimmed.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(ValidationError::PromptTooShort { min: Self::MIN_CHARS });
        }
        if chars > Self::MAX_CHARS {
            return Err(ValidationError::PromptTooLong { max: Self::MAX_CHARS, got: chars });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An avatar's display name: trimmed, 2 to 40 characters of any script, one line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AvatarName(String);

impl AvatarName {
    pub const MIN_CHARS: usize = 2;
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.chars().any(char::is_control) {
            return Err(ValidationError::AvatarNameControl);
        }
        let chars = trimmed.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(ValidationError::AvatarNameLength { min: Self::MIN_CHARS, max: Self::MAX_CHARS, got: chars });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A promo code. Users type it in any case; it is kept upper-cased so that lookups are
/// case-insensitive by construction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromoCode(String);

impl PromoCode {
    pub const MIN_CHARS: usize = 3;
    pub const MAX_CHARS: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let code = raw.trim().to_uppercase();
        let chars = code.chars().count();
        let well_formed = (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars)
            && code.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if well_formed { Ok(Self(code)) } else { Err(ValidationError::PromoCodeFormat) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($($name:ident),*) => {$(
        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
string_newtype_impls!(Prompt, AvatarName, PromoCode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_is_trimmed_and_bounded() {
        assert_eq!(Prompt::parse("  a cat  ").unwrap().as_str(), "a cat");
        assert!(matches!(Prompt::parse(" ab "), Err(ValidationError::PromptTooShort { min: 3 })));
        assert!(Prompt::parse(&"я".repeat(2000)).is_ok());
        assert!(matches!(
            Prompt::parse(&"я".repeat(2001)),
            Err(ValidationError::PromptTooLong { max: 2000, got: 2001 })
        ));
    }

    #[test]
    fn prompt_counts_characters_not_bytes() {
        // three Cyrillic letters are six bytes but three characters
        assert!(Prompt::parse("кот").is_ok());
        assert!(Prompt::parse("🐱🐱").is_err());
    }

    #[test]
    fn avatar_name_bounds_and_single_line() {
        assert!(AvatarName::parse("Я").is_err());
        assert_eq!(AvatarName::parse(" Аня ").unwrap().as_str(), "Аня");
        assert!(AvatarName::parse(&"x".repeat(40)).is_ok());
        assert!(AvatarName::parse(&"x".repeat(41)).is_err());
        assert!(matches!(AvatarName::parse("a\nb"), Err(ValidationError::AvatarNameControl)));
        assert!(AvatarName::parse("<b>&amp;</b>").is_ok(), "markup is escaped at render time, not refused");
    }

    #[test]
    fn promo_code_is_case_insensitive() {
        assert_eq!(PromoCode::parse(" welcome ").unwrap(), PromoCode::parse("WELCOME").unwrap());
        assert_eq!(PromoCode::parse("привет-1").unwrap().as_str(), "ПРИВЕТ-1");
        assert!(PromoCode::parse("no spaces").is_err());
        assert!(PromoCode::parse("ab").is_err());
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        assert!(serde_json::from_str::<Prompt>("\"ab\"").is_err());
        assert!(serde_json::from_str::<PromoCode>("\"welcome\"").is_ok());
    }
}
