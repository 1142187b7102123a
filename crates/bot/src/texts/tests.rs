//! The texts against themselves and against the source that uses them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use aisha_domain::Language;
use fluent_syntax::ast;

use super::{SOURCES, texts};

/// A message's id and the variables its value uses.
type Messages = BTreeMap<String, BTreeSet<String>>;

/// Every message of one .ftl source with its variables. Fails on anything but messages with a
/// value and comments: syntax errors, terms, attributes.
fn messages(language: Language, source: &str) -> Messages {
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(r) => r,
        Err((_, errors)) => panic!("{language:?}: syntax errors: {errors:?}"),
    };
    let mut out = Messages::new();
    for entry in resource.body {
        match entry {
            ast::Entry::Message(m) => {
                let Some(value) = &m.value else { panic!("{language:?}: {} has no value", m.id.name) };
                assert!(m.attributes.is_empty(), "{language:?}: {} has attributes", m.id.name);
                let mut vars = BTreeSet::new();
                pattern_vars(value, &mut vars);
                assert!(out.insert(m.id.name.to_owned(), vars).is_none(), "{language:?}: {} twice", m.id.name);
            }
            ast::Entry::Comment(_) | ast::Entry::GroupComment(_) | ast::Entry::ResourceComment(_) => {}
            other => panic!("{language:?}: unexpected entry {other:?}"),
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &p.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, out);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, out);
            for v in variants {
                pattern_vars(&v.value, out);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, out),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in arguments.positional.iter().chain(arguments.named.iter().map(|n| &n.value)) {
                inline_vars(a, out);
            }
        }
        _ => {}
    }
}

fn all_messages() -> Vec<(Language, Messages)> {
    SOURCES.iter().map(|(l, s)| (*l, messages(*l, s))).collect()
}

/// One `tr!` in the source: where, the id, the names of the arguments passed.
struct Call {
    at: String,
    id: String,
    args: BTreeSet<String>,
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The end of a string literal starting at `i` (a `"`), past its closing quote.
fn skip_string(s: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < s.len() && s[i] != b'"' {
        i += if s[i] == b'\\' { 2 } else { 1 };
    }
    i + 1
}

/// The top-level comma-separated parts of a macro's arguments starting after its `(`, and the
/// index after its `)`.
fn macro_args(s: &str, start: usize) -> (Vec<String>, usize) {
    let b = s.as_bytes();
    let (mut depth, mut i, mut part_start) = (0usize, start, start);
    let mut parts = Vec::new();
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = skip_string(b, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => {
                parts.push(s[part_start..i].trim().to_owned());
                return (parts.into_iter().filter(|p| !p.is_empty()).collect(), i + 1);
            }
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => {
                parts.push(s[part_start..i].trim().to_owned());
                part_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    panic!("unclosed macro call at {start}");
}

/// Every `tr!` call in the crate's source (comments and these tests aside).
fn calls() -> Vec<Call> {
    let needle = concat!("tr", "!(");
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut out = Vec::new();
    // This module's own calls try texts out; they don't count as uses.
    for path in files.into_iter().filter(|p| !p.ends_with("texts/tests.rs")) {
        let source = std::fs::read_to_string(&path).expect("read");
        let name = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&path).display().to_string();
        for (at, _) in source.match_indices(needle) {
            let line_start = source[..at].rfind('\n').map_or(0, |n| n + 1);
            let before = source[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                || source[line_start..at].trim_start().starts_with("//")
            {
                continue;
            }
            let line = source[..at].matches('\n').count() + 1;
            let (parts, _) = macro_args(&source, at + needle.len());
            let where_ = format!("{name}:{line}");
            let id = parts.get(1).unwrap_or_else(|| panic!("{where_}: no id"));
            assert!(id.starts_with('"') && id.ends_with('"'), "{where_}: the id must be a string literal, not {id}");
            let args = parts[2..]
                .iter()
                .map(|p| {
                    let (name, _) = p.split_once('=').unwrap_or_else(|| panic!("{where_}: not `name = value`: {p}"));
                    name.trim().to_owned()
                })
                .collect();
            out.push(Call { at: where_, id: id.trim_matches('"').to_owned(), args });
        }
        if !path.ends_with("texts.rs") {
            assert!(!source.contains(".text_with("), "{name}: call texts through tr!, so that the tests see the id");
        }
    }
    assert!(out.len() > 100, "the scan found only {} calls", out.len());
    out
}

#[test]
fn both_languages_have_the_same_messages_and_variables() {
    let all = all_messages();
    let (ru, en) = (&all[0].1, &all[1].1);
    let ids = |m: &Messages| m.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(ids(ru).difference(&ids(en)).collect::<Vec<_>>(), Vec::<&String>::new(), "only in ru.ftl");
    assert_eq!(ids(en).difference(&ids(ru)).collect::<Vec<_>>(), Vec::<&String>::new(), "only in en.ftl");
    let differ: Vec<_> = ru
        .iter()
        .filter(|(id, vars)| en.get(*id) != Some(vars))
        .map(|(id, vars)| format!("{id}: ru {vars:?}, en {:?}", en.get(id)))
        .collect();
    assert!(differ.is_empty(), "variables differ:\n{}", differ.join("\n"));
}

#[test]
fn every_id_in_the_source_exists_and_every_message_is_used() {
    let all = all_messages();
    let defined: BTreeSet<&String> = all[0].1.keys().collect();
    let calls = calls();
    let missing: Vec<_> =
        calls.iter().filter(|c| !defined.contains(&c.id)).map(|c| format!("{}: {}", c.at, c.id)).collect();
    assert!(missing.is_empty(), "ids not in the .ftl files:\n{}", missing.join("\n"));
    let used: BTreeSet<&String> = calls.iter().map(|c| &c.id).collect();
    let dead: Vec<_> = defined.difference(&used).collect();
    assert!(dead.is_empty(), "messages no code uses: {dead:?}");
}

#[test]
fn every_call_passes_exactly_the_variables_of_its_message() {
    let all = all_messages();
    let wrong: Vec<_> = calls()
        .into_iter()
        .filter_map(|c| {
            let want = all[0].1.get(&c.id)?;
            (*want != c.args).then(|| format!("{} {}: passes {:?}, the message uses {want:?}", c.at, c.id, c.args))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_message_formats_without_errors_or_isolation_marks() {
    for (language, messages) in all_messages() {
        let t = texts(language);
        for (id, vars) in &messages {
            let message = t.bundle.get_message(id).and_then(|m| m.value());
            let Some(pattern) = message else { panic!("{language:?}: {id} is not in the bundle") };
            for n in [0, 1, 2, 5, 21, 1500] {
                let mut args = super::FluentArgs::new();
                for v in vars {
                    args.set(v.as_str(), n);
                }
                let mut errors = Vec::new();
                let text = t.bundle.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{language:?} {id}: {errors:?}");
                assert!(!text.contains(['\u{2068}', '\u{2069}']), "{language:?} {id}: isolation marks in {text:?}");
                assert!(!text.is_empty() && !text.contains("{"), "{language:?} {id}: {text:?}");
            }
        }
    }
}

#[test]
fn a_missing_id_or_argument_shows_instead_of_panicking() {
    let t = texts(Language::En);
    assert_eq!(t.text_with("no-such-text", None), "no-such-text");
    assert_eq!(tr!(t, "menu"), "🏠 <b>Main menu</b>\nBalance: {$balance} coins");
}

#[test]
fn russian_coins_take_their_plural_forms() {
    let t = texts(Language::Ru);
    for (n, word) in [
        (1, "монету"),
        (2, "монеты"),
        (5, "монет"),
        (11, "монет"),
        (12, "монет"),
        (21, "монету"),
        (22, "монеты"),
        (25, "монет"),
        (111, "монет"),
        (0, "монет"),
    ] {
        assert_eq!(tr!(t, "refunded", coins = n), format!("Вернула на баланс {n} {word}."));
    }
    assert_eq!(tr!(t, "btn-confirm", price = 1), "✅ Создать за 1 монету");
    assert_eq!(tr!(t, "btn-confirm", price = 21), "✅ Создать за 21 монету");
    assert_eq!(tr!(t, "btn-confirm", price = 22), "✅ Создать за 22 монеты");
}

#[test]
fn the_price_from_takes_the_genitive() {
    let t = texts(Language::Ru);
    for (n, word) in
        [(1, "монеты"), (2, "монет"), (5, "монет"), (11, "монет"), (21, "монеты"), (22, "монет"), (25, "монет")]
    {
        let text = tr!(t, "price-from", price = n, balance = 5);
        assert!(text.contains(&format!("от {n} {word} за изображение")), "{text}");
    }
    for (n, word) in
        [(1, "монету"), (2, "монеты"), (5, "монет"), (11, "монет"), (21, "монету"), (22, "монеты"), (25, "монет")]
    {
        let text = tr!(t, "not-enough", price = n, balance = 0);
        assert!(text.contains(&format!("это стоит {n} {word},")), "{text}");
    }
    let en = texts(Language::En);
    assert!(tr!(en, "price-from", price = 1, balance = 5).contains("from 1 coin per image"));
    assert!(tr!(en, "price-from", price = 2, balance = 5).contains("from 2 coins per image"));
}

#[test]
fn english_coins_take_theirs() {
    let t = texts(Language::En);
    assert_eq!(tr!(t, "result-balance", balance = 1), "💰 Balance: 1 coin.");
    assert_eq!(tr!(t, "result-balance", balance = 2), "💰 Balance: 2 coins.");
    assert_eq!(tr!(t, "paid", coins = 1, balance = 5), "✅ Payment received: +1 coin. Balance: 5 coins.");
}

#[test]
fn numbers_are_shown_as_before() {
    let t = texts(Language::Ru);
    assert_eq!(tr!(t, "menu", balance = 1500), "🏠 <b>Главное меню</b>\nБаланс: 1500 монет");
    assert_eq!(tr!(t, "row-training", amount = "−21"), "−21 за обучение аватара");
    assert_eq!(tr!(t, "btn-balance", balance = 1_000_000i64), "💰 Баланс: 1000000");
}

#[test]
fn leading_spaces_and_newlines_are_kept() {
    let t = texts(Language::Ru);
    assert_eq!(tr!(t, "status-position", ahead = 3), " — перед вами 3");
    assert_eq!(tr!(t, "stats-avatar", avatar = "Аня", count = 2), "\n   • Аня: 2");
    assert_eq!(tr!(t, "main-mark"), " 📌");
}

/// A noun's three Russian forms at 1, 2, 5, 11, 21, 22 and 25.
fn at_each_count<'a>(one: &'a str, few: &'a str, many: &'a str) -> [(i64, &'a str); 7] {
    [(1, one), (2, few), (5, many), (11, many), (21, one), (22, few), (25, many)]
}

#[test]
fn russian_counts_of_characters_orders_and_hours_agree() {
    let t = texts(Language::Ru);
    for (n, word) in at_each_count("символ", "символа", "символов") {
        assert_eq!(
            tr!(t, "prompt-too-short", min = n),
            format!("Слишком коротко: нужно хотя бы {n} {word}. Опишите подробнее.")
        );
        assert_eq!(
            tr!(t, "prompt-too-long", length = n, max = 2000),
            format!("Слишком длинно: {n} {word}, а можно не больше 2000. Сократите описание.")
        );
        assert_eq!(
            tr!(t, "avatar-name-length", min = 2, max = 40, length = n),
            format!("Имя должно быть от 2 до 40 символов, а в этом {n} {word}. Попробуйте другое.")
        );
    }
    // "не больше" takes the genitive: 1 заказа, 2 заказов.
    for (n, word) in at_each_count("заказа", "заказов", "заказов") {
        assert_eq!(
            tr!(t, "too-many", limit = n),
            format!("Одновременно — не больше {n} {word}. Дождитесь, пока один из текущих завершится.")
        );
        let help =
            tr!(t, "help", models = "", jobs = n, min_photos = 10, max_photos = 20, training = 150, photo_price = 5);
        assert!(help.contains(&format!("не больше {n} {word} одновременно.")), "{help}");
    }
    for (n, word) in at_each_count("монета", "монеты", "монет") {
        assert_eq!(tr!(t, "invoice-title", coins = n), format!("{n} {word} AISHA"));
    }
    // "на" takes the accusative: на 1 монету.
    for (n, word) in at_each_count("монету", "монеты", "монет") {
        assert_eq!(tr!(t, "invoice-description", coins = n), format!("Пополнение баланса AISHA на {n} {word}."));
    }
    for (n, word) in at_each_count("час", "часа", "часов") {
        assert_eq!(tr!(t, "elapsed-whole-hours", hours = n), format!("{n} {word}"));
    }
    for (n, word) in at_each_count("изображение", "изображения", "изображений") {
        let settings = tr!(
            t,
            "settings",
            language = "русский",
            timezone = "Москва",
            aspect = "1:1",
            count = n,
            model = "FLUX.2",
            quick = "выкл"
        );
        assert!(settings.contains(&format!("По умолчанию: 1:1, {n} {word}, FLUX.2")), "{settings}");
    }
}

#[test]
fn english_counts_of_characters_orders_and_hours_agree() {
    let t = texts(Language::En);
    assert_eq!(tr!(t, "prompt-too-short", min = 1), "Too short: at least 1 character, please. Add some detail.");
    assert_eq!(tr!(t, "prompt-too-short", min = 2), "Too short: at least 2 characters, please. Add some detail.");
    assert_eq!(
        tr!(t, "prompt-too-long", length = 1, max = 2000),
        "Too long: 1 character, the limit is 2000. Please shorten it."
    );
    assert_eq!(
        tr!(t, "prompt-too-long", length = 2, max = 2000),
        "Too long: 2 characters, the limit is 2000. Please shorten it."
    );
    assert_eq!(tr!(t, "too-many", limit = 1), "At most 1 order at a time. Please wait until one of them finishes.");
    assert_eq!(tr!(t, "too-many", limit = 2), "At most 2 orders at a time. Please wait until one of them finishes.");
    for (n, orders) in [(1, "1 order"), (2, "2 orders")] {
        let help =
            tr!(t, "help", models = "", jobs = n, min_photos = 10, max_photos = 20, training = 150, photo_price = 5);
        assert!(help.contains(&format!("at most {orders} at a time.")), "{help}");
    }
    assert_eq!(tr!(t, "invoice-title", coins = 1), "1 AISHA coin");
    assert_eq!(tr!(t, "invoice-title", coins = 2), "2 AISHA coins");
    assert_eq!(tr!(t, "refunded", coins = 1), "1 coin returned to your balance.");
    assert_eq!(tr!(t, "refunded", coins = 2), "2 coins returned to your balance.");
    assert_eq!(tr!(t, "elapsed-whole-hours", hours = 1), "1 hour");
    assert_eq!(tr!(t, "elapsed-whole-hours", hours = 2), "2 hours");
    for (n, images) in [(1, "1 image"), (2, "2 images")] {
        let settings = tr!(
            t,
            "settings",
            language = "English",
            timezone = "UTC",
            aspect = "1:1",
            count = n,
            model = "FLUX.2",
            quick = "off"
        );
        assert!(settings.contains(&format!("Defaults: 1:1, {images}, FLUX.2")), "{settings}");
    }
}
