//! Users, their Telegram profile and their settings.

use crate::catalog::ModelKey;
use crate::generation::{AspectRatio, ImageCount};
use crate::{TelegramUserId, UserId, ValidationError};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The languages AISHA speaks. Russian is the original audience and the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ru,
    En,
}

impl Language {
    /// Picks a language from Telegram's `language_code` (an IETF tag such as `en-US`).
    pub fn from_telegram(code: Option<&str>) -> Self {
        match code.map(|c| c.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase()) {
            Some(c) if c == "en" => Language::En,
            _ => Language::Ru,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Language::Ru => "ru",
            Language::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "ru" => Some(Language::Ru),
            "en" => Some(Language::En),
            _ => None,
        }
    }
}

/// A user's timezone: an IANA zone (`Europe/Moscow`) or a whole-hour offset typed as `UTC+5`.
/// Date filters and captions are computed in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timezone(Tz);

impl Timezone {
    pub const UTC: Timezone = Timezone(Tz::UTC);
    pub const MOSCOW: Timezone = Timezone(Tz::Europe__Moscow);

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        if let Ok(tz) = Tz::from_str(s) {
            return Ok(Self(tz));
        }
        let upper = s.to_ascii_uppercase();
        let offset = upper.strip_prefix("UTC").or_else(|| upper.strip_prefix("GMT")).unwrap_or(&upper).trim();
        if offset.is_empty() {
            return Ok(Self::UTC);
        }
        let hours: i32 =
            offset.strip_prefix('+').unwrap_or(offset).parse().map_err(|_| ValidationError::Timezone(s.to_owned()))?;
        if !(-12..=14).contains(&hours) {
            return Err(ValidationError::Timezone(s.to_owned()));
        }
        if hours == 0 {
            return Ok(Self::UTC);
        }
        // POSIX "Etc/GMT" zones have the inverted sign: UTC+5 is Etc/GMT-5.
        let name = format!("Etc/GMT{:+}", -hours);
        Tz::from_str(&name).map(Self).map_err(|_| ValidationError::Timezone(s.to_owned()))
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl TryFrom<String> for Timezone {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Timezone::parse(&s)
    }
}

impl From<Timezone> for String {
    fn from(t: Timezone) -> String {
        t.name().to_owned()
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What "Create" uses when the user does not choose (and always in quick mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationDefaults {
    pub aspect: AspectRatio,
    pub count: ImageCount,
    /// A catalog key; one since disabled falls back to the catalog's default when used.
    #[serde(alias = "variant")]
    pub model: ModelKey,
}

impl Default for GenerationDefaults {
    fn default() -> Self {
        Self {
            aspect: AspectRatio::Square,
            count: ImageCount::ONE,
            model: ModelKey::parse("nano-banana-2").expect("literal key"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub language: Language,
    pub timezone: Timezone,
    pub defaults: GenerationDefaults,
    /// Skip the aspect/count/model questions and use `defaults`.
    pub quick_mode: bool,
    /// Photos with an avatar: a description not in English is translated (and lightly
    /// enriched) by the prompt assistant before it is sent, since FLUX reads English.
    #[serde(default = "Settings::yes")]
    pub translate_prompts: bool,
}

impl Settings {
    /// First-contact settings: the language Telegram reports, and a timezone that suits it.
    pub fn for_new_user(language: Language) -> Self {
        let timezone = match language {
            Language::Ru => Timezone::MOSCOW,
            Language::En => Timezone::UTC,
        };
        Self { language, timezone, defaults: GenerationDefaults::default(), quick_mode: false, translate_prompts: true }
    }

    fn yes() -> bool {
        true
    }
}

/// The parts of a Telegram user that AISHA keeps, refreshed on every contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub telegram_id: TelegramUserId,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub profile: Profile,
    pub settings: Settings,
    /// The user blocked the bot (Telegram answered 403) or an operator blocked the user.
    pub blocked: bool,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn display_name(&self) -> String {
        match &self.profile.last_name {
            Some(last) if !last.is_empty() => format!("{} {}", self.profile.first_name, last),
            _ => self.profile.first_name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_telegram_code() {
        assert_eq!(Language::from_telegram(Some("en-US")), Language::En);
        assert_eq!(Language::from_telegram(Some("EN")), Language::En);
        assert_eq!(Language::from_telegram(Some("ru")), Language::Ru);
        assert_eq!(Language::from_telegram(Some("kk")), Language::Ru);
        assert_eq!(Language::from_telegram(None), Language::Ru);
    }

    #[test]
    fn timezone_accepts_iana_names_and_offsets() {
        assert_eq!(Timezone::parse("Asia/Almaty").unwrap().name(), "Asia/Almaty");
        assert_eq!(Timezone::parse("UTC+5").unwrap().name(), "Etc/GMT-5");
        assert_eq!(Timezone::parse("utc-3").unwrap().name(), "Etc/GMT+3");
        assert_eq!(Timezone::parse("+3").unwrap().name(), "Etc/GMT-3");
        assert_eq!(Timezone::parse("UTC+0").unwrap(), Timezone::UTC);
        assert_eq!(Timezone::parse("gmt+2").unwrap().name(), "Etc/GMT-2");
        assert!(Timezone::parse("UTC+15").is_err());
        assert!(Timezone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn timezone_round_trips_through_serde() {
        let tz = Timezone::parse("UTC+5").unwrap();
        let json = serde_json::to_string(&tz).unwrap();
        assert_eq!(serde_json::from_str::<Timezone>(&json).unwrap(), tz);
    }

    #[test]
    fn new_users_get_a_timezone_for_their_language() {
        assert_eq!(Settings::for_new_user(Language::Ru).timezone, Timezone::MOSCOW);
        assert_eq!(Settings::for_new_user(Language::En).timezone, Timezone::UTC);
    }
}
