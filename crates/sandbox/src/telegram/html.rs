//! Telegram's HTML parse mode: what the Bot API refuses with
//! `400 Bad Request: can't parse entities: <detail>`. One checker for the emulator (which
//! refuses such texts as Telegram does) and for the tests (which hold the bot's own texts to
//! it, see [`check_strict`]).
//!
//! Sources, read 2026-12-07:
//! - Bot API, "Formatting options" → "HTML style"
//!   (<https://core.telegram.org/bots/api#formatting-options>, also served as
//!   <https://core.telegram.org/bots/api/formatting.md>): the supported tags are `b`/`strong`,
//!   `i`/`em`, `u`/`ins`, `s`/`strike`/`del`, `span class="tg-spoiler"`, `tg-spoiler`,
//!   `a href`, `tg-emoji emoji-id`, `code`, `pre`, `pre` > `code class="language-…"`,
//!   `blockquote` and `blockquote expandable`; "all `<`, `>` and `&` symbols that are not a
//!   part of a tag or an HTML entity must be replaced with the corresponding HTML entities";
//!   only the named entities `&lt;` `&gt;` `&amp;` `&quot;` are supported, and all numerical
//!   ones.
//! - What the server does with a text that breaks these rules is not in the documentation.
//!   The Bot API server parses `parse_mode=HTML` with TDLib's `parse_html`
//!   (tdlib/td, `td/telegram/MessageEntity.cpp`); the refusals below follow it, and their
//!   details use its wording, which the server passes on after
//!   "Bad Request: can't parse entities: ". Real answers quoting that wording, e.g.
//!   `Unsupported start tag "</b" at byte offset 84` (kozalosev/DickGrowerBot#92, 2025-09-06)
//!   and "Can't find end of the entity starting at byte offset 138" (its Markdown twin,
//!   celorodovalho/phpdfbot#31). Offsets are byte offsets into the UTF-8 text.
//! - Telegram itself is lenient where the documentation says "must": a `&` that starts no
//!   entity and a bare `>` are kept as text. The emulator accepts them too; [`check_strict`]
//!   adds the documented rule for `&` (our wording, not Telegram's: Telegram has none).

/// Tags the HTML style knows (TDLib compares them lower-cased).
const TAGS: &[&str] = &[
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "span",
    "pre",
    "code",
    "blockquote",
];

/// The prefix of Telegram's refusal after "Bad Request: ".
pub const CANT_PARSE: &str = "can't parse entities: ";

/// `Err(detail)` when Telegram refuses `text` sent with `parse_mode=HTML`; the answer is then
/// `Bad Request: can't parse entities: <detail>`.
pub fn check(text: &str) -> Result<(), String> {
    Parser { s: text.as_bytes(), strict: false }.run()
}

/// [`check`], and every `&` starts one of the documented entities and ends it with `;`, as
/// the documentation asks (Telegram would show a stray `&` as text): what the bot's own texts
/// must satisfy.
pub fn check_strict(text: &str) -> Result<(), String> {
    Parser { s: text.as_bytes(), strict: true }.run()
}

/// An entity decoded at a position: its code point and where the text goes on.
struct Entity {
    code: u32,
    end: usize,
    /// Ended by `;` (Telegram also takes `&amp` without one).
    terminated: bool,
}

struct Open {
    name: String,
    argument: String,
    /// Whether any text came after the start tag (only non-empty entities are made).
    text_at: usize,
}

struct Parser<'a> {
    s: &'a [u8],
    strict: bool,
}

/// TDLib's `is_space`; the end of the text (a NUL in C) counts as one.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\0' | 0x0b)
}

impl Parser<'_> {
    /// The byte at `i`, or 0 past the end, as in a NUL-terminated C string.
    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn lower(&self, from: usize, to: usize) -> String {
        String::from_utf8_lossy(&self.s[from.min(self.s.len())..to.min(self.s.len())]).to_ascii_lowercase()
    }

    /// A character reference at `pos` (which holds `&`), if it is one Telegram decodes.
    fn entity(&self, pos: usize) -> Option<Entity> {
        let mut end = pos + 1;
        let code = if self.at(end) == b'#' {
            end += 1;
            let mut code: u64 = 0;
            if self.at(end) == b'x' {
                end += 1;
                while let Some(d) = (self.at(end) as char).to_digit(16) {
                    code = (code * 16 + u64::from(d)).min(u64::from(u32::MAX));
                    end += 1;
                }
            } else {
                while let Some(d) = (self.at(end) as char).to_digit(10) {
                    code = (code * 10 + u64::from(d)).min(u64::from(u32::MAX));
                    end += 1;
                }
            }
            if code == 0 || code >= 0x10_ffff || end - pos >= 10 {
                return None;
            }
            code as u32
        } else {
            while self.at(end).is_ascii_alphabetic() {
                end += 1;
            }
            match &self.s[pos + 1..end] {
                b"lt" => u32::from('<'),
                b"gt" => u32::from('>'),
                b"amp" => u32::from('&'),
                b"quot" => u32::from('"'),
                _ => return None,
            }
        };
        let terminated = self.at(end) == b';';
        Some(Entity { code, end: if terminated { end + 1 } else { end }, terminated })
    }

    /// An `&` at `pos`: where the text goes on, or the strict rule's refusal.
    fn ampersand(&self, pos: usize, surrogates: &mut bool) -> Result<usize, String> {
        match self.entity(pos) {
            Some(e) if e.terminated || !self.strict => {
                *surrogates |= (0xd800..=0xdfff).contains(&e.code);
                Ok(e.end)
            }
            _ if self.strict => Err(format!(
                "A bare \"&\" at byte offset {pos}: write &amp; (documented, Telegram would show it as text)"
            )),
            _ => Ok(pos + 1),
        }
    }

    fn run(&self) -> Result<(), String> {
        let mut open: Vec<Open> = Vec::new();
        let mut surrogates = false;
        // text bytes decoded so far: tells an empty entity from one with content
        let mut text_len = 0usize;
        let mut i = 0;
        while i < self.s.len() {
            match self.s[i] {
                b'&' => {
                    let next = self.ampersand(i, &mut surrogates)?;
                    text_len += 1;
                    i = next;
                }
                b'<' if self.at(i + 1) == b'/' => {
                    i = self.end_tag(i, &mut open, text_len)?;
                }
                b'<' => {
                    let (next, tag) = self.start_tag(i, text_len, &mut surrogates)?;
                    open.push(tag);
                    i = next;
                }
                _ => {
                    text_len += 1;
                    i += 1;
                }
            }
        }
        if let Some(tag) = open.last() {
            return Err(format!("Can't find end tag corresponding to start tag \"{}\"", tag.name));
        }
        if surrogates {
            // TDLib re-checks the decoded text; a lone surrogate (&#xD800;) fails it
            return Err("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units".into());
        }
        Ok(())
    }

    /// `i` moved past spaces (never past the end).
    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.at(i) != 0 && is_space(self.at(i)) {
            i += 1;
        }
        i
    }

    /// A start tag at `begin`; returns where the text goes on.
    fn start_tag(&self, begin: usize, text_len: usize, surrogates: &mut bool) -> Result<(usize, Open), String> {
        let mut i = begin + 1;
        while !is_space(self.at(i)) && self.at(i) != b'>' {
            i += 1;
        }
        if self.at(i) == 0 {
            return Err(format!("Unclosed start tag at byte offset {begin}"));
        }
        let name = self.lower(begin + 1, i);
        if !TAGS.contains(&name.as_str()) {
            return Err(format!("Unsupported start tag \"{name}\" at byte offset {begin}"));
        }
        let mut argument = String::new();
        while self.at(i) != b'>' {
            i = self.skip_spaces(i);
            if self.at(i) == b'>' {
                break;
            }
            i = self.attribute(begin, i, &name, &mut argument, surrogates)?;
        }
        if name == "span" && argument != "spoiler" {
            return Err(format!("Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"));
        }
        Ok((i + 1, Open { name, argument, text_at: text_len }))
    }

    /// One attribute at `i` of the start tag `name` that begins at `begin`, setting the tag's
    /// `argument` if it is one that means something; returns where the tag goes on.
    fn attribute(
        &self,
        begin: usize,
        mut i: usize,
        name: &str,
        argument: &mut String,
        surrogates: &mut bool,
    ) -> Result<usize, String> {
        let unclosed = || format!("Unclosed start tag \"{name}\" at byte offset {begin}");
        let attribute_begin = i;
        while !is_space(self.at(i)) && !matches!(self.at(i), b'=' | b'>' | b'/' | b'"' | b'\'') {
            i += 1;
        }
        let attribute = self.lower(attribute_begin, i);
        if attribute.is_empty() {
            return Err(format!("Empty attribute name in the tag \"{name}\" at byte offset {begin}"));
        }
        i = self.skip_spaces(i);
        if self.at(i) != b'=' {
            // an attribute without a value: only `blockquote expandable` means anything
            if self.at(i) == 0 {
                return Err(unclosed());
            }
            if name == "blockquote" && attribute == "expandable" {
                *argument = "1".into();
            }
            return Ok(i);
        }
        i = self.skip_spaces(i + 1);
        if self.at(i) == 0 {
            return Err(unclosed());
        }
        let (i, value) = self.attribute_value(i, surrogates)?;
        if self.at(i) == 0 {
            return Err(format!("Unclosed start tag at byte offset {begin}"));
        }
        match (name, attribute.as_str()) {
            ("a", "href") | ("tg-emoji", "emoji-id") => *argument = value,
            ("code", "class") if value.starts_with("language-") => *argument = value["language-".len()..].into(),
            ("span", "class") if value.starts_with("tg-") => *argument = value["tg-".len()..].into(),
            ("blockquote", "expandable") => *argument = "1".into(),
            _ => {}
        }
        Ok(i)
    }

    /// An attribute's value at `i`: quoted (entities decoded) or a name token; returns where
    /// the tag goes on and the value.
    fn attribute_value(&self, mut i: usize, surrogates: &mut bool) -> Result<(usize, String), String> {
        match self.at(i) {
            quote @ (b'"' | b'\'') => {
                i += 1;
                let mut value = Vec::new();
                while self.at(i) != quote && self.at(i) != 0 {
                    if self.at(i) == b'&' {
                        let next = self.ampersand(i, surrogates)?;
                        if let Some(e) = self.entity(i) {
                            let c = char::from_u32(e.code).unwrap_or('\u{fffd}');
                            value.extend_from_slice(c.to_string().as_bytes());
                            i = next;
                            continue;
                        }
                    }
                    value.push(self.at(i));
                    i += 1;
                }
                if self.at(i) == quote {
                    i += 1;
                }
                Ok((i, String::from_utf8_lossy(&value).into_owned()))
            }
            _ => {
                // a name token: letters, digits, periods and hyphens
                let token_begin = i;
                while self.at(i).is_ascii_alphanumeric() || matches!(self.at(i), b'.' | b'-') {
                    i += 1;
                }
                if !is_space(self.at(i)) && self.at(i) != b'>' {
                    return Err(format!("Unexpected end of name token at byte offset {token_begin}"));
                }
                Ok((i, self.lower(token_begin, i)))
            }
        }
    }

    /// An end tag at `begin` (`</…>`); returns where the text goes on.
    fn end_tag(&self, begin: usize, open: &mut Vec<Open>, text_len: usize) -> Result<usize, String> {
        let Some(tag) = open.pop() else {
            return Err(format!("Unexpected end tag at byte offset {begin}"));
        };
        let mut i = begin + 2;
        while !is_space(self.at(i)) && self.at(i) != b'>' {
            i += 1;
        }
        let name = self.lower(begin + 2, i);
        while self.at(i) != 0 && is_space(self.at(i)) {
            i += 1;
        }
        if self.at(i) != b'>' {
            return Err(format!("Unclosed end tag at byte offset {begin}"));
        }
        if !name.is_empty() && name != tag.name {
            return Err(format!(
                "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{name}>\"",
                tag.name
            ));
        }
        if tag.name == "tg-emoji" && text_len > tag.text_at && !tag.argument.parse::<i64>().is_ok_and(|id| id != 0) {
            return Err("Invalid custom emoji identifier specified".into());
        }
        Ok(i + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_telegram_takes() {
        for ok in [
            "",
            "plain text, no markup",
            "<b>bold</b> <strong>bold</strong> <i>i</i><em>em</em> <u>u</u><ins>ins</ins>",
            "<s>s</s><strike>strike</strike><del>del</del>",
            "<span class=\"tg-spoiler\">spoiler</span> <tg-spoiler>spoiler</tg-spoiler>",
            "<a href=\"http://www.example.com/\">inline URL</a> <a href='tg://user?id=123456789'>mention</a>",
            "<tg-emoji emoji-id=\"5368324170671202286\">👍</tg-emoji>",
            "<code>inline</code> <pre>block</pre> <pre><code class=\"language-python\">x = 1</code></pre>",
            "<blockquote>quote</blockquote><blockquote expandable>long quote</blockquote>",
            "<b>bold <i>italic bold <s>struck</s> <u>under</u></i></b>",
            "&lt;b&gt; &amp; &quot; &#60; &#x3C; — entities",
            "<B>upper-case tags</B>",
            "<b >spaces</b >",
            "<b>anonymous end tag</>",
            "a > b, and tom & jerry (Telegram keeps both as text)",
            "&nbsp; is not supported, so it stays text",
            "<tg-emoji emoji-id=\"0\"></tg-emoji>",
            "кириллица <b>жирным</b> 😀",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn what_telegram_refuses_in_its_words() {
        for (bad, detail) in [
            ("<foo>x</foo>", "Unsupported start tag \"foo\" at byte offset 0"),
            ("ab <br/>", "Unsupported start tag \"br/\" at byte offset 3"),
            ("жж<p>", "Unsupported start tag \"p\" at byte offset 4"),
            ("<b>never closed", "Can't find end tag corresponding to start tag \"b\""),
            ("<b><i>x</i>", "Can't find end tag corresponding to start tag \"b\""),
            ("x</b>", "Unexpected end tag at byte offset 1"),
            ("<b>x</i>", "Unmatched end tag at byte offset 4, expected \"</b>\", found \"</i>\""),
            ("<b>x</b", "Unclosed end tag at byte offset 4"),
            ("1 <b", "Unclosed start tag at byte offset 2"),
            ("a <", "Unclosed start tag at byte offset 2"),
            ("<a href=\"x", "Unclosed start tag at byte offset 0"),
            ("<a href=", "Unclosed start tag \"a\" at byte offset 0"),
            ("<a =\"x\">y</a>", "Empty attribute name in the tag \"a\" at byte offset 0"),
            ("<a href=x\"y\">z</a>", "Unexpected end of name token at byte offset 8"),
            ("<span>x</span>", "Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"),
            ("<span class=\"big\">x</span>", "Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"),
            ("<tg-emoji emoji-id=\"x\">👍</tg-emoji>", "Invalid custom emoji identifier specified"),
            (
                "&#xD800;",
                "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units",
            ),
        ] {
            assert_eq!(check(bad), Err(detail.to_owned()), "{bad:?}");
        }
    }

    #[test]
    fn strict_adds_the_documented_ampersand_rule() {
        assert_eq!(check_strict("&lt;b&gt; &amp; &quot; &#60; &#x3C;"), Ok(()));
        assert_eq!(check_strict("a > b"), Ok(()));
        for bare in ["tom & jerry", "&amp without a semicolon", "&nbsp;", "&#0;", "<a href=\"?a=1&b=2\">x</a>"] {
            assert_eq!(check(bare), Ok(()), "Telegram takes {bare:?}");
            let err = check_strict(bare).expect_err(bare);
            assert!(err.starts_with("A bare \"&\" at byte offset"), "{bare:?}: {err}");
        }
        assert_eq!(check_strict("<foo>"), check("<foo>"));
    }
}
