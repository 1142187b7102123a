//! Styles: one-tap prompt templates ("business portrait", "anime"…) that fill the description
//! of an order. Each has a `{subject}` slot: in photos with an avatar the subject is the
//! person (the trigger word is added later, as for any prompt); in Create it is what the
//! user types after picking the style.

mod builtin;

use crate::catalog::ModelKey;
use crate::{Language, Prompt, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Where the subject goes in a template.
pub const SUBJECT: &str = "{subject}";

/// Who a style's picture shows in photos with an avatar: the model is told "the person", and
/// the trigger word with the avatar's class word is put in front of the whole prompt.
pub const PERSON: &str = "the person";

/// A style's identifier, spelled like a model key (lowercase ASCII, digits, `.`, `_`, `-`,
/// `/`, at most 32): it travels in callback data and survives a reordering of the list.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StyleKey(ModelKey);

impl StyleKey {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        ModelKey::parse(s).map(StyleKey).map_err(|_| ValidationError::StyleKey(s.chars().take(40).collect()))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for StyleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StyleKey({:?})", self.as_str())
    }
}

impl fmt::Display for StyleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which flows offer a style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Create: a catalog model; the user names the subject.
    Create,
    /// Photos with me: the avatar is the subject.
    WithMe,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Style {
    pub key: StyleKey,
    pub name_ru: String,
    pub name_en: String,
    /// An English prompt with [`SUBJECT`] in it exactly once.
    pub template: String,
    /// A picture of the style (an address Telegram can fetch), shown with the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    pub flows: Vec<Flow>,
}

impl Style {
    pub fn name(&self, language: Language) -> &str {
        match language {
            Language::Ru => &self.name_ru,
            Language::En => &self.name_en,
        }
    }

    pub fn offered_in(&self, flow: Flow) -> bool {
        self.flows.contains(&flow)
    }

    /// The template with `subject` in its slot, as a prompt (too long a subject is refused
    /// like too long a description).
    pub fn fill(&self, subject: &str) -> Result<Prompt, ValidationError> {
        Prompt::parse(&self.apply(subject))
    }

    /// The template with `subject` in its slot, unchecked (for the caller to parse and word
    /// any refusal as for a typed description).
    pub fn apply(&self, subject: &str) -> String {
        self.template.replacen(SUBJECT, subject.trim(), 1)
    }

    /// The prompt of a photo of the avatar in this style.
    pub fn for_person(&self) -> Prompt {
        self.fill(PERSON).expect("templates are checked to make a valid prompt with the person")
    }
}

/// Why a list of styles was refused at start. Every problem is listed with the position of
/// its entry in the list given and the entry's key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the styles are invalid:\n  - {}", .0.iter().map(|(i, p)| format!("styles[{i}] {p}")).collect::<Vec<_>>().join("\n  - "))]
pub struct StylesError(pub Vec<(usize, String)>);

/// The styles, in the order operators listed them. Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Styles {
    styles: Arc<Vec<Style>>,
}

impl Styles {
    /// The longest a subject may be for any template to stay a valid prompt.
    pub const MAX_SUBJECT_CHARS: usize = 300;

    /// Checks unique keys, names present, the slot exactly once, a valid prompt both with the
    /// person and with the longest subject, at least one flow, a preview address. An empty
    /// list is valid: no styles are offered.
    pub fn new(styles: Vec<Style>) -> Result<Self, StylesError> {
        let mut problems = Vec::new();
        for (i, s) in styles.iter().enumerate() {
            let mut bad = |what: String| problems.push((i, format!("{:?}: {what}", s.key.as_str())));
            if styles[..i].iter().any(|o| o.key == s.key) {
                bad("the key is used by an earlier entry".into());
            }
            if s.name_ru.trim().is_empty() || s.name_en.trim().is_empty() {
                bad("name_ru and name_en must not be empty".into());
            }
            if s.name_ru.chars().count() > 30 || s.name_en.chars().count() > 30 {
                bad("names are button labels: at most 30 characters".into());
            }
            if s.template.matches(SUBJECT).count() != 1 {
                bad(format!("the template must contain {SUBJECT} exactly once"));
            } else if s.fill(PERSON).is_err() || s.fill(&"x".repeat(Self::MAX_SUBJECT_CHARS)).is_err() {
                bad(format!(
                    "the template must make a valid prompt (at most {} characters with a {}-character subject)",
                    Prompt::MAX_CHARS,
                    Self::MAX_SUBJECT_CHARS
                ));
            }
            if s.flows.is_empty() {
                bad("flows must name create, with_me or both".into());
            }
            if s.preview.as_deref().is_some_and(|p| !(p.starts_with("https://") || p.starts_with("http://"))) {
                bad("preview must be an http(s):// address Telegram can fetch".into());
            }
        }
        match problems.is_empty() {
            true => Ok(Self { styles: Arc::new(styles) }),
            false => Err(StylesError(problems)),
        }
    }

    pub fn get(&self, key: StyleKey) -> Option<&Style> {
        self.styles.iter().find(|s| s.key == key)
    }

    /// The styles a flow offers, in order.
    pub fn offered(&self, flow: Flow) -> impl Iterator<Item = &Style> {
        self.styles.iter().filter(move |s| s.offered_in(flow))
    }

    pub fn all(&self) -> &[Style] {
        &self.styles
    }
}

impl Default for Styles {
    /// The built-in styles: photographic scenes for photos with an avatar, looks for both.
    fn default() -> Self {
        Styles::new(builtin::styles()).expect("the built-in styles are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(template: &str) -> Style {
        Style {
            key: StyleKey::parse("s").unwrap(),
            name_ru: "Стиль".into(),
            name_en: "Style".into(),
            template: template.into(),
            preview: None,
            flows: vec![Flow::WithMe],
        }
    }

    #[test]
    fn the_built_in_styles_are_valid_and_offered_in_both_flows() {
        let styles = Styles::default();
        assert!(styles.offered(Flow::WithMe).count() >= 8);
        assert!(styles.offered(Flow::Create).count() >= 8);
        for s in styles.all() {
            assert!(s.for_person().as_str().contains(PERSON), "{:?}", s.key);
        }
    }

    #[test]
    fn the_subject_fills_the_slot_once() {
        let s = one("portrait of {subject}, studio light");
        assert_eq!(s.fill("  a red fox ").unwrap().as_str(), "portrait of a red fox, studio light");
        assert_eq!(s.for_person().as_str(), "portrait of the person, studio light");
        assert_eq!(
            s.fill("{subject} twice").unwrap().as_str(),
            "portrait of {subject} twice, studio light",
            "a subject that spells the slot is not filled again"
        );
    }

    #[test]
    fn every_problem_is_named() {
        let mut twice = one("{subject} and {subject}");
        twice.key = StyleKey::parse("twice").unwrap();
        let mut nameless = one("{subject}");
        nameless.key = StyleKey::parse("nameless").unwrap();
        nameless.name_en = " ".into();
        nameless.flows.clear();
        nameless.preview = Some("ftp://example.com/a.jpg".into());
        let dup = one("a photo of {subject}");
        let long = one(&format!("{} {{subject}}", "x".repeat(Prompt::MAX_CHARS)));
        let err = Styles::new(vec![one("{subject} at dawn"), twice, nameless, dup, long]).unwrap_err();
        let all = err.to_string();
        for expected in [
            r#"styles[1] "twice": the template must contain {subject} exactly once"#,
            r#"styles[2] "nameless": name_ru and name_en must not be empty"#,
            r#"styles[2] "nameless": flows must name"#,
            r#"styles[2] "nameless": preview must be an http(s):// address"#,
            r#"styles[3] "s": the key is used by an earlier entry"#,
            r#"styles[4] "s": the template must make a valid prompt"#,
        ] {
            assert!(all.contains(expected), "{expected}\nin\n{all}");
        }
        assert!(Styles::new(Vec::new()).is_ok(), "no styles is a valid choice");
        assert!(StyleKey::parse("Bad Key").is_err());
    }
}
