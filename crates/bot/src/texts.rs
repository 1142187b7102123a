//! Every word the bot says, in Fluent: `locales/ru.ftl` and `locales/en.ftl`, compiled in and
//! parsed once per language. Read a text with `tr!(t, "btn-create")`, or with named arguments
//! `tr!(t, "paid", coins = 100, balance = 150)`; callers escape user-supplied values (HTML)
//! before passing them. Numbers are passed as numbers, so that the plural selectors
//! (`{ $coins -> [one] … }`) pick the form by CLDR's rules; a value shown with a sign
//! ("+5", "−21") is passed as a string.
//!
//! The tests below check that both files have the same messages with the same variables, that
//! every id the source passes to `tr!` exists and every message is used, and that every call
//! passes exactly the variables its message uses.

use std::sync::LazyLock;

use aisha_domain::Language;
use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
pub use fluent_bundle::{FluentArgs, FluentValue};

/// The Russian and English sources, as compiled in.
pub(crate) const SOURCES: [(Language, &str); 2] =
    [(Language::Ru, include_str!("../locales/ru.ftl")), (Language::En, include_str!("../locales/en.ftl"))];

static RU: LazyLock<Texts> = LazyLock::new(|| Texts::load(Language::Ru));
static EN: LazyLock<Texts> = LazyLock::new(|| Texts::load(Language::En));

/// One language's texts.
pub struct Texts {
    language: Language,
    bundle: FluentBundle<FluentResource>,
}

pub fn texts(l: Language) -> &'static Texts {
    match l {
        Language::Ru => &RU,
        Language::En => &EN,
    }
}

impl Texts {
    fn load(language: Language) -> Texts {
        let source = SOURCES.iter().find(|(l, _)| *l == language).map(|(_, s)| *s).unwrap_or_default();
        let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(resource, errors)| {
            tracing::warn!(?language, ?errors, "the texts have syntax errors; those messages are skipped");
            resource
        });
        let id = language.code().parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Without this, every argument would be wrapped in the Unicode marks FSI/PDI.
        bundle.set_use_isolating(false);
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::warn!(?language, ?errors, "the texts could not all be added");
        }
        Texts { language, bundle }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// Use `tr!`, which passes the id as a literal (the tests find every id that way).
    #[doc(hidden)]
    pub fn text_with(&self, id: &'static str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(language = ?self.language, id, "no such text");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(language = ?self.language, id, ?errors, "a text was formatted with errors");
        }
        text.into_owned()
    }
}

/// A value for a text's argument: numbers stay numbers (for the plural selectors), the rest
/// are strings.
pub trait Arg<'a> {
    fn arg(self) -> FluentValue<'a>;
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl Arg<'static> for $t {
            fn arg(self) -> FluentValue<'static> {
                FluentValue::from(self)
            }
        }
        impl Arg<'static> for &$t {
            fn arg(self) -> FluentValue<'static> {
                FluentValue::from(*self)
            }
        }
    )*};
}
number_args!(u8, u16, u32, u64, usize, i32, i64);

impl Arg<'static> for aisha_domain::Coins {
    fn arg(self) -> FluentValue<'static> {
        FluentValue::from(self.get())
    }
}

impl Arg<'static> for &aisha_domain::Coins {
    fn arg(self) -> FluentValue<'static> {
        FluentValue::from(self.get())
    }
}

impl<'a> Arg<'a> for &'a str {
    fn arg(self) -> FluentValue<'a> {
        FluentValue::from(self)
    }
}

impl Arg<'static> for &aisha_domain::AspectRatio {
    fn arg(self) -> FluentValue<'static> {
        FluentValue::from(self.to_string())
    }
}

impl<'a, 'b: 'a> Arg<'a> for &'a &'b str {
    fn arg(self) -> FluentValue<'a> {
        FluentValue::from(*self)
    }
}

impl<'a> Arg<'a> for &'a String {
    fn arg(self) -> FluentValue<'a> {
        FluentValue::from(self.as_str())
    }
}

impl Arg<'static> for String {
    fn arg(self) -> FluentValue<'static> {
        FluentValue::from(self)
    }
}

/// A text by its id (a literal), with named arguments: `tr!(t, "menu", balance = 5)`.
/// A missing id or argument logs a warning and shows the id or `{$name}`; the tests in this
/// module see every call site first.
macro_rules! tr {
    ($t:expr, $id:literal $(,)?) => {
        $t.text_with($id, None)
    };
    ($t:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        // A match keeps the arguments' temporaries alive until the text is made.
        match ($($crate::texts::Arg::arg($value),)+) {
            ($($name,)+) => {
                let mut args = $crate::texts::FluentArgs::new();
                $(args.set(stringify!($name), $name);)+
                $t.text_with($id, Some(&args))
            }
        }
    };
}
pub(crate) use tr;

/// The one date style of each language, in the user's timezone: "21 ноя 14:05" /
/// "21 Nov 14:05", with the year ("21 ноя 2026 14:05") where a date may be far off.
pub fn local_time(t: &Texts, at: chrono::DateTime<chrono::Utc>, tz: aisha_domain::Timezone, year: bool) -> String {
    use chrono::{Datelike, Timelike};
    let local = at.with_timezone(&tz.tz());
    let month = match local.month() {
        1 => tr!(t, "month-1"),
        2 => tr!(t, "month-2"),
        3 => tr!(t, "month-3"),
        4 => tr!(t, "month-4"),
        5 => tr!(t, "month-5"),
        6 => tr!(t, "month-6"),
        7 => tr!(t, "month-7"),
        8 => tr!(t, "month-8"),
        9 => tr!(t, "month-9"),
        10 => tr!(t, "month-10"),
        11 => tr!(t, "month-11"),
        _ => tr!(t, "month-12"),
    };
    match year {
        true => format!("{} {month} {} {:02}:{:02}", local.day(), local.year(), local.hour(), local.minute()),
        false => format!("{} {month} {:02}:{:02}", local.day(), local.hour(), local.minute()),
    }
}

/// What each of `bot::COMMANDS` does, at the same place: Telegram's command menu.
pub fn command_menu(t: &Texts) -> [String; 9] {
    [
        tr!(t, "command-start"),
        tr!(t, "command-generate"),
        tr!(t, "command-gallery"),
        tr!(t, "command-avatars"),
        tr!(t, "command-balance"),
        tr!(t, "command-settings"),
        tr!(t, "command-help"),
        tr!(t, "command-cancel"),
        tr!(t, "command-paysupport"),
    ]
}

#[cfg(test)]
mod tests;
