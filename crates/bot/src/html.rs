//! Telegram HTML: escaping user text, and keeping within Telegram's length limits.

/// Escapes text for Telegram's HTML parse mode (`<`, `>`, `&`; quotes for attributes).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Telegram's limits, in characters (UTF-16 code units, strictly; we count chars and keep a
/// margin by cutting user text, never markup).
pub const MAX_TEXT: usize = 4096;
pub const MAX_CAPTION: usize = 1024;

/// Shortens user text to `max` characters with an ellipsis, before it is escaped.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Length as Telegram counts it (UTF-16 code units), with entities stripped roughly: tags
/// removed, entities counted as one.
pub fn visible_len(html: &str) -> usize {
    let mut n = 0;
    let mut in_tag = false;
    let mut in_entity = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '&' => {
                in_entity = true;
                n += 1;
            }
            ';' if in_entity => in_entity = false,
            _ if in_entity => {}
            c => n += c.len_utf16(),
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_keeps_everything_else() {
        assert_eq!(escape("<b>Tom & \"Jerry\"</b> 🐱 שלום"), "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; 🐱 שלום");
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("привет", 10), "привет");
        assert_eq!(clip("привет", 4), "при…");
    }

    #[test]
    fn visible_length_ignores_tags_and_counts_entities_once() {
        assert_eq!(visible_len("<b>a&amp;b</b>"), 3);
        assert_eq!(visible_len("🐱"), 2, "UTF-16 code units, as Telegram counts");
    }
}
