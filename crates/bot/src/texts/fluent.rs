//! Every word the bot says, in Fluent: `locales/ru.ftl` and `locales/en.ftl`, compiled in and
//! parsed once per language. Read a text with `tr!(t, "btn-create")`, or with named arguments
//! `tr!(t, "paid", coins = 100, balance = 150)`; callers escape user-supplied values (HTML)
//! before passing them. Numbers are passed as numbers, so that the plural selectors
//! (`{ $coins -> [one] … }`) pick the form by CLDR's rules.

use std::sync::LazyLock;

use aisha_domain::Language;
use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
pub use fluent_bundle::{FluentArgs, FluentValue};

/// The Russian and English sources, as compiled in.
pub(crate) const SOURCES: [(Language, &str); 2] =
    [(Language::Ru, include_str!("../../locales/ru.ftl")), (Language::En, include_str!("../../locales/en.ftl"))];

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
    pub fn text_with(&'static self, id: &'static str, args: Option<&FluentArgs<'_>>) -> String {
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
#[allow(unused_macros)]
macro_rules! tr {
    ($t:expr, $id:literal $(,)?) => {
        $t.text_with($id, None)
    };
    ($t:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = $crate::texts::FluentArgs::new();
        $(args.set(stringify!($name), $crate::texts::Arg::arg($value));)+
        $t.text_with($id, Some(&args))
    }};
}
#[allow(unused_imports)]
pub(crate) use tr;
