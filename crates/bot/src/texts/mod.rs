//! Every word the bot says, one file per language. A text with `{}` placeholders is filled in
//! order by `fill`; callers escape user-supplied values before filling.

mod en;
pub mod fluent;
mod ru;

pub use fluent::{Arg, FluentArgs, FluentValue};

use aisha_domain::Language;

pub fn texts(l: Language) -> &'static Texts {
    match l {
        Language::Ru => &ru::TEXTS,
        Language::En => &en::TEXTS,
    }
}

/// Replaces each `{}` in order with the next argument.
/// The one date style of each language, in the user's timezone: "21 ноя 14:05" /
/// "21 Nov 14:05", with the year ("21 ноя 2026 14:05") where a date may be far off.
pub fn local_time(t: &Texts, at: chrono::DateTime<chrono::Utc>, tz: aisha_domain::Timezone, year: bool) -> String {
    use chrono::{Datelike, Timelike};
    let local = at.with_timezone(&tz.tz());
    let month = t.months[local.month0() as usize];
    match year {
        true => format!("{} {month} {} {:02}:{:02}", local.day(), local.year(), local.hour(), local.minute()),
        false => format!("{} {month} {:02}:{:02}", local.day(), local.hour(), local.minute()),
    }
}

pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut last_number = None;
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(0) => {
                if let Some(a) = args.next() {
                    let value = a.to_string();
                    last_number = number(&value);
                    out.push_str(&value);
                }
                rest = &after[1..];
            }
            Some(end) if after[..end].contains('|') => {
                let forms: Vec<&str> = after[..end].split('|').collect();
                out.push_str(plural(&forms, last_number));
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A substituted argument read as a whole number (signs and `−` allowed), for the plural
/// form that follows it.
fn number(s: &str) -> Option<u64> {
    s.trim_start_matches(['+', '-', '−']).parse().ok()
}

/// `{one|few|many}` (Russian, CLDR: 1, 21 монета; 2–4, 22 монеты; 5–20, 11–14 монет) or
/// `{one|other}` (English), chosen by the number substituted just before it.
fn plural<'a>(forms: &[&'a str], n: Option<u64>) -> &'a str {
    let n = n.unwrap_or(0);
    let index = match forms.len() {
        3 if n % 10 == 1 && n % 100 != 11 => 0,
        3 if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) => 1,
        3 => 2,
        _ if n == 1 => 0,
        _ => 1,
    };
    forms.get(index).or(forms.last()).copied().unwrap_or_default()
}

pub struct Texts {
    pub months: [&'static str; 12],
    pub yes: &'static str,
    pub no: &'static str,
    pub on: &'static str,
    pub off: &'static str,
    // menu and common
    pub welcome: &'static str,
    /// Under the welcome: the gift credited at registration, enough for a first image or not.
    pub gift_first_image: &'static str,
    pub gift_coins: &'static str,
    pub menu: &'static str,
    pub btn_create: &'static str,
    pub btn_gallery: &'static str,
    pub btn_balance: &'static str,
    pub btn_settings: &'static str,
    pub btn_help: &'static str,
    pub btn_menu: &'static str,
    pub btn_back: &'static str,
    pub btn_cancel: &'static str,
    pub unknown_text: &'static str,
    pub unknown_command: &'static str,
    pub outdated: &'static str,
    pub nothing_to_cancel: &'static str,
    pub cancelled: &'static str,
    pub error: &'static str,
    pub blocked: &'static str,
    // create
    pub ask_prompt: &'static str,
    pub prompt_too_short: &'static str,
    pub prompt_too_long: &'static str,
    /// Text typed while Create waits for a button replaced the draft's description.
    pub prompt_replaced: &'static str,
    /// Text typed while a button is expected: which one (`expect_*`).
    pub expect_button: &'static str,
    pub expect_aspect: &'static str,
    pub expect_count: &'static str,
    pub expect_model: &'static str,
    pub expect_confirm: &'static str,
    pub expect_gender: &'static str,
    /// Create's price up front: the cheapest image and the balance.
    pub price_from: &'static str,
    pub ask_aspect: &'static str,
    pub ask_count: &'static str,
    pub ask_model: &'static str,
    /// A model button: its name and the price of one image.
    pub model_button: &'static str,
    /// The draft's model was disabled or removed since it was chosen.
    pub model_gone: &'static str,
    pub confirm: &'static str,
    pub btn_confirm: &'static str,
    pub not_enough: &'static str,
    pub btn_top_up: &'static str,
    /// Under "not enough coins" in Create: the draft waits for the top-up.
    pub order_kept: &'static str,
    /// On the top-up receipt: back to the kept order.
    pub btn_resume: &'static str,
    pub too_many: &'static str,
    pub status_pending: &'static str,
    pub status_queued: &'static str,
    pub status_position: &'static str,
    pub status_running: &'static str,
    pub btn_cancel_job: &'static str,
    pub result: &'static str,
    pub result_partial: &'static str,
    pub btn_improve: &'static str,
    /// The assistant's rewrite, then the user's own.
    pub improved: &'static str,
    pub btn_improve_take: &'static str,
    pub btn_improve_keep: &'static str,
    pub improve_limit: &'static str,
    pub improve_down: &'static str,
    pub improve_unusable: &'static str,
    /// The description the assistant made from a photo.
    pub photo_prompt_made: &'static str,
    pub photo_prompt_unreadable: &'static str,
    pub photo_prompt_type_instead: &'static str,
    /// What each of `bot::COMMANDS` does, at the same place: Telegram's command menu.
    pub command_menu: [&'static str; 9],
    /// The line of commands under the help.
    pub help_commands: &'static str,
    /// First, last, total.
    pub grid_page: &'static str,
    pub btn_grid_cards: &'static str,
    /// The status message once the provider finished and the images are on their way.
    pub status_delivering: &'static str,
    /// The balance under a result.
    pub result_balance: &'static str,
    pub btn_original: &'static str,
    pub btn_originals: &'static str,
    /// Width, height, size.
    pub original_caption: &'static str,
    pub original_too_big: &'static str,
    pub unit_mb: &'static str,
    pub unit_kb: &'static str,
    pub decimal_point: &'static str,
    pub btn_again: &'static str,
    pub btn_edit_prompt: &'static str,
    pub btn_favorite: &'static str,
    pub btn_unfavorite: &'static str,
    pub fail_policy: &'static str,
    pub fail_outage: &'static str,
    pub fail_params: &'static str,
    pub fail_nsfw: &'static str,
    pub fail_no_result: &'static str,
    pub fail_timeout: &'static str,
    pub fail_cancelled: &'static str,
    pub refunded: &'static str,
    pub job_cancelled: &'static str,
    pub job_too_late: &'static str,
    pub job_cancel_requested: &'static str,
    pub job_ended: &'static str,
    pub not_found: &'static str,
    // gallery
    pub caption: &'static str,
    pub gallery_empty: &'static str,
    pub gallery_empty_filtered: &'static str,
    pub btn_filters: &'static str,
    pub btn_stats: &'static str,
    pub btn_prompt: &'static str,
    pub btn_delete: &'static str,
    pub btn_reset: &'static str,
    pub btn_to_card: &'static str,
    pub filters: &'static str,
    pub filter_none: &'static str,
    pub filter_type: [&'static str; 3],
    pub filter_favorites: &'static str,
    pub filter_avatar: &'static str,
    pub filter_avatar_all: &'static str,
    pub filter_date: &'static str,
    pub dates: [&'static str; 6],
    pub ask_date_range: &'static str,
    pub bad_date_range: &'static str,
    /// Why a typed period was refused: not in the format, ends before it starts, too long.
    pub date_range_format: &'static str,
    pub date_range_reversed: &'static str,
    pub date_range_too_long: &'static str,
    pub confirm_delete: &'static str,
    pub btn_delete_yes: &'static str,
    pub deleted: &'static str,
    pub prompt_view: &'static str,
    /// The gallery stats down to the avatar photos; `stats_avatar` lines, then `stats_tail`.
    pub stats: &'static str,
    pub stats_avatar: &'static str,
    pub favorited: &'static str,
    pub unfavorited: &'static str,
    // settings
    pub settings: &'static str,
    pub language_name: &'static str,
    pub btn_language: &'static str,
    pub btn_timezone: &'static str,
    pub btn_defaults: &'static str,
    pub btn_quick: &'static str,
    pub choose_timezone: &'static str,
    pub ask_timezone: &'static str,
    pub bad_timezone: &'static str,
    pub defaults: &'static str,
    pub saved: &'static str,
    // help
    pub help: &'static str,
    // balance
    pub balance: &'static str,
    pub no_history: &'static str,
    pub btn_older: &'static str,
    pub btn_newer: &'static str,
    pub btn_promo: &'static str,
    pub row_charge: &'static str,
    /// One model in the help: name and price per image.
    pub help_model: &'static str,
    pub row_training: &'static str,
    pub row_avatar_photos: &'static str,
    pub row_refund: &'static str,
    pub row_top_up: &'static str,
    pub row_stars_refund: &'static str,
    pub row_promo: &'static str,
    pub row_welcome: &'static str,
    pub row_admin: &'static str,
    pub top_up: &'static str,
    pub package: &'static str,
    pub package_bonus: &'static str,
    pub invoice_title: &'static str,
    pub invoice_description: &'static str,
    pub paid: &'static str,
    /// /paysupport: how to reach support, then the recent payments.
    pub paysupport: &'static str,
    pub ask_promo: &'static str,
    pub promo_ok: &'static str,
    pub promo_format: &'static str,
    pub promo_unknown: &'static str,
    pub promo_inactive: &'static str,
    pub promo_not_yet: &'static str,
    pub promo_expired: &'static str,
    pub promo_used_up: &'static str,
    pub promo_already: &'static str,
    /// Under a refusal: another code, or Cancel.
    pub promo_retry: &'static str,
    pub pre_unknown: &'static str,
    pub pre_gone: &'static str,
    pub pre_buyer: &'static str,
    pub pre_amount: &'static str,
    pub pre_blocked: &'static str,
    // operators
    pub admin_stats: &'static str,
    pub admin_only: &'static str,
    // avatars
    pub btn_avatars: &'static str,
    pub what_create: &'static str,
    pub what_with_me: &'static str,
    pub what_date_range: &'static str,
    pub what_promo: &'static str,
    pub what_timezone: &'static str,
    pub what_avatar_new: &'static str,
    pub what_upload: &'static str,
    pub what_train: &'static str,
    pub what_rename: &'static str,
    pub avatars: &'static str,
    pub avatars_empty: &'static str,
    pub avatar_line: &'static str,
    pub main_mark: &'static str,
    pub status_draft: &'static str,
    pub status_training: &'static str,
    pub status_ready: &'static str,
    pub status_failed: &'static str,
    pub btn_avatar_new: &'static str,
    pub btn_with_me: &'static str,
    pub btn_avatars_back: &'static str,
    pub ask_avatar_name: &'static str,
    pub avatar_name_length: &'static str,
    pub avatar_name_line: &'static str,
    pub ask_gender: &'static str,
    pub btn_male: &'static str,
    pub btn_female: &'static str,
    pub gender_names: [&'static str; 2],
    pub upload: &'static str,
    pub progress_need: &'static str,
    pub progress_enough: &'static str,
    pub progress_full: &'static str,
    pub photo_added: &'static str,
    pub photo_refused: &'static str,
    pub photos_received: &'static str,
    pub photo_refused_line: &'static str,
    pub photo_file_name: &'static str,
    pub reason_too_big: &'static str,
    pub reason_too_small: &'static str,
    pub reason_not_image: &'static str,
    pub reason_duplicate: &'static str,
    pub reason_full: &'static str,
    pub reason_closed: &'static str,
    pub reason_download: &'static str,
    pub reason_save: &'static str,
    pub upload_closed: &'static str,
    pub photo_outside_upload: &'static str,
    pub btn_review: &'static str,
    pub btn_train: &'static str,
    pub btn_add_photos: &'static str,
    pub btn_avatar_card: &'static str,
    pub review: &'static str,
    pub review_line: &'static str,
    pub review_empty: &'static str,
    pub btn_remove_photo: &'static str,
    pub btn_show_photos: &'static str,
    pub photo_removed: &'static str,
    pub photo_number: &'static str,
    pub train_confirm: &'static str,
    pub btn_train_yes: &'static str,
    pub train_not_enough_photos: &'static str,
    pub train_already: &'static str,
    pub train_done_already: &'static str,
    pub train_started_already: &'static str,
    pub training_status: &'static str,
    pub training_pending: &'static str,
    pub training_queued: &'static str,
    pub training_running: &'static str,
    pub training_cancelling: &'static str,
    pub elapsed_minutes: &'static str,
    pub elapsed_hours: &'static str,
    pub training_ready: &'static str,
    pub btn_create_photos: &'static str,
    pub training_failed: &'static str,
    pub training_cancelled: &'static str,
    pub avatar_fallback: &'static str,
    pub avatar_card: &'static str,
    pub card_main: &'static str,
    pub card_draft: &'static str,
    pub card_training: &'static str,
    pub card_ready: &'static str,
    pub card_failed: &'static str,
    pub btn_set_main: &'static str,
    pub btn_rename: &'static str,
    pub btn_delete_avatar: &'static str,
    pub btn_cancel_training: &'static str,
    pub btn_refresh: &'static str,
    pub main_set: &'static str,
    pub not_usable: &'static str,
    pub ask_rename: &'static str,
    pub confirm_avatar_delete: &'static str,
    pub btn_delete_avatar_yes: &'static str,
    pub avatar_deleted: &'static str,
    pub avatar_busy: &'static str,
    /// The avatar's name, then `with_me_price`.
    pub with_me: &'static str,
    pub with_me_none: &'static str,
    pub with_me_not_ready: &'static str,
    pub confirm_with_me: &'static str,
    pub choose_avatar_filter: &'static str,
    pub upload_waiting: &'static str,
    pub card_draft_ready: &'static str,
    pub training_too_late: &'static str,
    // avatars, paysupport, stats (issue 19)
    /// A balance row of an operator's change that has no note for the user.
    pub row_admin_plain: &'static str,
    /// /paysupport with a configured support contact.
    pub support_contact: &'static str,
    /// /paysupport without one: the next message goes to the operators.
    pub support_relay: &'static str,
    pub support_payments: &'static str,
    pub support_no_payments: &'static str,
    /// One payment: date, stars, coins, refunded mark, charge id.
    pub support_payment_line: &'static str,
    pub support_refunded: &'static str,
    pub btn_support_write: &'static str,
    /// The user's message was passed to the operators.
    pub support_sent: &'static str,
    /// What the operators get: who (name, Telegram id, username), the message, the payments.
    pub support_to_operator: &'static str,
    pub support_username: &'static str,
    pub what_support: &'static str,
    /// The gallery stats after the per-avatar lines: favorites, this month, spent.
    pub stats_tail: &'static str,
    /// Photos with me: the price of one image and the balance.
    pub with_me_price: &'static str,
    /// A training that started less than a minute ago.
    pub elapsed_moment: &'static str,
    /// A photo sent as the payment question: words are what reach the operators.
    pub support_text_only: &'static str,
}

#[cfg(test)]
mod plural_tests {
    use super::fill;

    #[test]
    fn russian_coins_take_their_plural_forms() {
        let forms = "{} {монета|монеты|монет}";
        for (n, word) in [
            (1, "монета"),
            (2, "монеты"),
            (5, "монет"),
            (11, "монет"),
            (12, "монет"),
            (21, "монета"),
            (22, "монеты"),
            (25, "монет"),
            (111, "монет"),
            (0, "монет"),
        ] {
            assert_eq!(fill(forms, &[&n]), format!("{n} {word}"));
        }
        assert_eq!(fill("−{} {монета|монеты|монет}", &[&"−21"]), "−−21 монета", "a sign does not change the form");
        assert_eq!(fill("за {} {монету|монеты|монет}", &[&1]), "за 1 монету");
    }

    #[test]
    fn the_price_from_takes_the_genitive() {
        let from = "от {} {монеты|монет|монет}";
        for (n, word) in
            [(1, "монеты"), (2, "монет"), (5, "монет"), (11, "монет"), (21, "монеты"), (22, "монет"), (25, "монет")]
        {
            assert_eq!(fill(from, &[&n]), format!("от {n} {word}"));
        }
        let costs = "стоит {} {монету|монеты|монет}";
        for (n, word) in
            [(1, "монету"), (2, "монеты"), (5, "монет"), (11, "монет"), (21, "монету"), (22, "монеты"), (25, "монет")]
        {
            assert_eq!(fill(costs, &[&n]), format!("стоит {n} {word}"));
        }
        assert_eq!(fill("from {} {coin|coins}", &[&1]), "from 1 coin");
        assert_eq!(fill("from {} {coin|coins}", &[&2]), "from 2 coins");
    }

    #[test]
    fn english_coins_take_theirs() {
        assert_eq!(fill("{} {coin|coins}", &[&1]), "1 coin");
        assert_eq!(fill("{} {coin|coins}", &[&2]), "2 coins");
        assert_eq!(fill("+{} {coin|coins}. Balance: {} {coin|coins}.", &[&1, &5]), "+1 coin. Balance: 5 coins.");
    }

    #[test]
    fn plain_placeholders_and_braces_are_untouched() {
        assert_eq!(fill("{} and {}", &[&"a", &"b"]), "a and b");
        assert_eq!(fill("a { b", &[]), "a { b");
    }
}

/// The Fluent files say exactly what the Rust tables say, for every text and argument value.
#[cfg(test)]
mod fluent_equals_tables {
    use super::{Texts, fill};
    use aisha_domain::Language;

    type Case = (fn(&Texts) -> &'static str, &'static str, &'static [&'static str]);
    const CASES: &[Case] = &[
        (|t| t.on, "on", &[]),
        (|t| t.off, "off", &[]),
        (|t| t.welcome, "welcome", &["name"]),
        (|t| t.gift_first_image, "gift-first-image", &["coins"]),
        (|t| t.gift_coins, "gift-coins", &["coins"]),
        (|t| t.menu, "menu", &["balance"]),
        (|t| t.btn_create, "btn-create", &[]),
        (|t| t.btn_gallery, "btn-gallery", &[]),
        (|t| t.btn_balance, "btn-balance", &["balance"]),
        (|t| t.btn_settings, "btn-settings", &[]),
        (|t| t.btn_help, "btn-help", &[]),
        (|t| t.btn_menu, "btn-menu", &[]),
        (|t| t.btn_back, "btn-back", &[]),
        (|t| t.btn_cancel, "btn-cancel", &[]),
        (|t| t.unknown_text, "unknown-text", &[]),
        (|t| t.unknown_command, "unknown-command", &[]),
        (|t| t.outdated, "outdated", &[]),
        (|t| t.nothing_to_cancel, "nothing-to-cancel", &[]),
        (|t| t.cancelled, "cancelled", &["action"]),
        (|t| t.error, "error", &[]),
        (|t| t.ask_prompt, "ask-prompt", &[]),
        (|t| t.prompt_too_short, "prompt-too-short", &["min"]),
        (|t| t.prompt_too_long, "prompt-too-long", &["length", "max"]),
        (|t| t.prompt_replaced, "prompt-replaced", &[]),
        (|t| t.expect_button, "expect-button", &["step"]),
        (|t| t.expect_aspect, "expect-aspect", &[]),
        (|t| t.expect_count, "expect-count", &[]),
        (|t| t.expect_model, "expect-model", &[]),
        (|t| t.expect_confirm, "expect-confirm", &[]),
        (|t| t.expect_gender, "expect-gender", &[]),
        (|t| t.price_from, "price-from", &["price", "balance"]),
        (|t| t.ask_aspect, "ask-aspect", &[]),
        (|t| t.ask_count, "ask-count", &[]),
        (|t| t.ask_model, "ask-model", &[]),
        (|t| t.model_button, "model-button", &["model", "price"]),
        (|t| t.model_gone, "model-gone", &[]),
        (|t| t.confirm, "confirm", &["prompt", "aspect", "count", "model", "price", "balance_after"]),
        (|t| t.btn_confirm, "btn-confirm", &["price"]),
        (|t| t.not_enough, "not-enough", &["price", "balance"]),
        (|t| t.btn_top_up, "btn-top-up", &[]),
        (|t| t.order_kept, "order-kept", &[]),
        (|t| t.btn_resume, "btn-resume", &[]),
        (|t| t.too_many, "too-many", &["limit"]),
        (|t| t.status_pending, "status-pending", &[]),
        (|t| t.status_queued, "status-queued", &["position"]),
        (|t| t.status_position, "status-position", &["ahead"]),
        (|t| t.status_running, "status-running", &[]),
        (|t| t.btn_cancel_job, "btn-cancel-job", &[]),
        (|t| t.result, "result", &["delivered", "ordered"]),
        (|t| t.result_partial, "result-partial", &["failed", "coins"]),
        (|t| t.btn_improve, "btn-improve", &[]),
        (|t| t.improved, "improved", &["proposal", "prompt"]),
        (|t| t.btn_improve_take, "btn-improve-take", &[]),
        (|t| t.btn_improve_keep, "btn-improve-keep", &[]),
        (|t| t.improve_limit, "improve-limit", &[]),
        (|t| t.improve_down, "improve-down", &[]),
        (|t| t.improve_unusable, "improve-unusable", &[]),
        (|t| t.photo_prompt_made, "photo-prompt-made", &["prompt"]),
        (|t| t.photo_prompt_unreadable, "photo-prompt-unreadable", &[]),
        (|t| t.photo_prompt_type_instead, "photo-prompt-type-instead", &[]),
        (|t| t.help_commands, "help-commands", &["commands"]),
        (|t| t.grid_page, "grid-page", &["first", "last", "total"]),
        (|t| t.btn_grid_cards, "btn-grid-cards", &[]),
        (|t| t.status_delivering, "status-delivering", &[]),
        (|t| t.result_balance, "result-balance", &["balance"]),
        (|t| t.btn_original, "btn-original", &[]),
        (|t| t.btn_originals, "btn-originals", &[]),
        (|t| t.original_caption, "original-caption", &["width", "height", "size"]),
        (|t| t.original_too_big, "original-too-big", &[]),
        (|t| t.unit_mb, "unit-mb", &[]),
        (|t| t.unit_kb, "unit-kb", &[]),
        (|t| t.decimal_point, "decimal-point", &[]),
        (|t| t.btn_again, "btn-again", &[]),
        (|t| t.btn_edit_prompt, "btn-edit-prompt", &[]),
        (|t| t.btn_favorite, "btn-favorite", &["number"]),
        (|t| t.btn_unfavorite, "btn-unfavorite", &["number"]),
        (|t| t.fail_policy, "fail-policy", &[]),
        (|t| t.fail_outage, "fail-outage", &[]),
        (|t| t.fail_params, "fail-params", &[]),
        (|t| t.fail_nsfw, "fail-nsfw", &[]),
        (|t| t.fail_no_result, "fail-no-result", &[]),
        (|t| t.fail_timeout, "fail-timeout", &[]),
        (|t| t.fail_cancelled, "fail-cancelled", &[]),
        (|t| t.refunded, "refunded", &["coins"]),
        (|t| t.job_cancelled, "job-cancelled", &[]),
        (|t| t.job_too_late, "job-too-late", &[]),
        (|t| t.job_cancel_requested, "job-cancel-requested", &[]),
        (|t| t.job_ended, "job-ended", &[]),
        (|t| t.not_found, "not-found", &[]),
        (|t| t.caption, "caption", &["index", "total", "model", "aspect", "date"]),
        (|t| t.gallery_empty, "gallery-empty", &[]),
        (|t| t.gallery_empty_filtered, "gallery-empty-filtered", &[]),
        (|t| t.btn_filters, "btn-filters", &["marks"]),
        (|t| t.btn_stats, "btn-stats", &[]),
        (|t| t.btn_prompt, "btn-prompt", &[]),
        (|t| t.btn_delete, "btn-delete", &[]),
        (|t| t.btn_reset, "btn-reset", &[]),
        (|t| t.btn_to_card, "btn-to-card", &[]),
        (|t| t.filters, "filters", &["summary"]),
        (|t| t.filter_none, "filter-none", &[]),
        (|t| t.filter_favorites, "filter-favorites", &[]),
        (|t| t.filter_avatar, "filter-avatar", &["avatar"]),
        (|t| t.filter_avatar_all, "filter-avatar-all", &[]),
        (|t| t.filter_date, "filter-date", &["period"]),
        (|t| t.ask_date_range, "ask-date-range", &[]),
        (|t| t.bad_date_range, "bad-date-range", &["reason"]),
        (|t| t.date_range_format, "date-range-format", &[]),
        (|t| t.date_range_reversed, "date-range-reversed", &[]),
        (|t| t.date_range_too_long, "date-range-too-long", &["days", "max"]),
        (|t| t.confirm_delete, "confirm-delete", &[]),
        (|t| t.btn_delete_yes, "btn-delete-yes", &[]),
        (|t| t.deleted, "deleted", &[]),
        (|t| t.prompt_view, "prompt-view", &["prompt"]),
        (|t| t.stats, "stats", &["total", "from_prompt", "with_avatar"]),
        (|t| t.stats_avatar, "stats-avatar", &["avatar", "count"]),
        (|t| t.favorited, "favorited", &[]),
        (|t| t.unfavorited, "unfavorited", &[]),
        (|t| t.settings, "settings", &["language", "timezone", "aspect", "count", "model", "quick"]),
        (|t| t.language_name, "language-name", &[]),
        (|t| t.btn_language, "btn-language", &[]),
        (|t| t.btn_timezone, "btn-timezone", &[]),
        (|t| t.btn_defaults, "btn-defaults", &[]),
        (|t| t.btn_quick, "btn-quick", &["state"]),
        (|t| t.choose_timezone, "choose-timezone", &["current"]),
        (|t| t.bad_timezone, "bad-timezone", &["zone"]),
        (|t| t.defaults, "defaults", &["aspect", "count", "model"]),
        (|t| t.saved, "saved", &[]),
        (|t| t.help, "help", &["models", "jobs", "min_photos", "max_photos", "training", "photo_price"]),
        (|t| t.balance, "balance", &["balance", "history"]),
        (|t| t.no_history, "no-history", &[]),
        (|t| t.btn_older, "btn-older", &[]),
        (|t| t.btn_newer, "btn-newer", &[]),
        (|t| t.btn_promo, "btn-promo", &[]),
        (|t| t.row_charge, "row-charge", &["amount", "count"]),
        (|t| t.help_model, "help-model", &["model", "price"]),
        (|t| t.row_training, "row-training", &["amount"]),
        (|t| t.row_avatar_photos, "row-avatar-photos", &["amount", "count"]),
        (|t| t.row_refund, "row-refund", &["amount"]),
        (|t| t.row_top_up, "row-top-up", &["amount", "stars"]),
        (|t| t.row_stars_refund, "row-stars-refund", &["amount"]),
        (|t| t.row_promo, "row-promo", &["amount", "code"]),
        (|t| t.row_welcome, "row-welcome", &["amount"]),
        (|t| t.row_admin, "row-admin", &["amount", "note"]),
        (|t| t.top_up, "top-up", &[]),
        (|t| t.package, "package", &["coins", "stars"]),
        (|t| t.package_bonus, "package-bonus", &["percent"]),
        (|t| t.invoice_title, "invoice-title", &["coins"]),
        (|t| t.invoice_description, "invoice-description", &["coins"]),
        (|t| t.paid, "paid", &["coins", "balance"]),
        (|t| t.paysupport, "paysupport", &["how", "payments"]),
        (|t| t.ask_promo, "ask-promo", &[]),
        (|t| t.promo_ok, "promo-ok", &["coins", "balance"]),
        (|t| t.promo_format, "promo-format", &[]),
        (|t| t.promo_unknown, "promo-unknown", &[]),
        (|t| t.promo_inactive, "promo-inactive", &[]),
        (|t| t.promo_not_yet, "promo-not-yet", &["date"]),
        (|t| t.promo_expired, "promo-expired", &["date"]),
        (|t| t.promo_used_up, "promo-used-up", &[]),
        (|t| t.promo_already, "promo-already", &[]),
        (|t| t.promo_retry, "promo-retry", &[]),
        (|t| t.pre_unknown, "pre-unknown", &[]),
        (|t| t.pre_gone, "pre-gone", &[]),
        (|t| t.pre_buyer, "pre-buyer", &[]),
        (|t| t.pre_amount, "pre-amount", &[]),
        (|t| t.pre_blocked, "pre-blocked", &[]),
        (
            |t| t.admin_stats,
            "admin-stats",
            &["users", "jobs", "credited", "spent", "withdrawn", "payments", "stars", "refunded_stars"],
        ),
        (|t| t.admin_only, "admin-only", &[]),
        (|t| t.btn_avatars, "btn-avatars", &[]),
        (|t| t.what_create, "what-create", &[]),
        (|t| t.what_with_me, "what-with-me", &[]),
        (|t| t.what_date_range, "what-date-range", &[]),
        (|t| t.what_promo, "what-promo", &[]),
        (|t| t.what_timezone, "what-timezone", &[]),
        (|t| t.what_avatar_new, "what-avatar-new", &[]),
        (|t| t.what_upload, "what-upload", &[]),
        (|t| t.what_train, "what-train", &[]),
        (|t| t.what_rename, "what-rename", &[]),
        (|t| t.avatars, "avatars", &["list"]),
        (|t| t.avatars_empty, "avatars-empty", &["min_photos", "max_photos", "price"]),
        (|t| t.avatar_line, "avatar-line", &["number", "name", "main", "status"]),
        (|t| t.main_mark, "main-mark", &[]),
        (|t| t.status_draft, "status-draft", &["photos", "min_photos"]),
        (|t| t.status_training, "status-training", &["since"]),
        (|t| t.status_ready, "status-ready", &[]),
        (|t| t.status_failed, "status-failed", &[]),
        (|t| t.btn_avatar_new, "btn-avatar-new", &[]),
        (|t| t.btn_with_me, "btn-with-me", &[]),
        (|t| t.btn_avatars_back, "btn-avatars-back", &[]),
        (|t| t.ask_avatar_name, "ask-avatar-name", &[]),
        (|t| t.avatar_name_length, "avatar-name-length", &["min", "max", "length"]),
        (|t| t.avatar_name_line, "avatar-name-line", &[]),
        (|t| t.ask_gender, "ask-gender", &["name"]),
        (|t| t.btn_male, "btn-male", &[]),
        (|t| t.btn_female, "btn-female", &[]),
        (|t| t.upload, "upload", &["name", "min_photos", "max_photos", "max_mb", "min_side", "progress"]),
        (|t| t.progress_need, "progress-need", &["photos", "min_photos", "missing"]),
        (|t| t.progress_enough, "progress-enough", &["photos", "max_photos"]),
        (|t| t.progress_full, "progress-full", &["photos", "max_photos"]),
        (|t| t.photo_added, "photo-added", &[]),
        (|t| t.photo_refused, "photo-refused", &["reason"]),
        (|t| t.photos_received, "photos-received", &["received", "added"]),
        (|t| t.photo_refused_line, "photo-refused-line", &["number", "file", "reason"]),
        (|t| t.photo_file_name, "photo-file-name", &["file"]),
        (|t| t.reason_too_big, "reason-too-big", &["max_mb"]),
        (|t| t.reason_too_small, "reason-too-small", &["width", "height", "min_side"]),
        (|t| t.reason_not_image, "reason-not-image", &[]),
        (|t| t.reason_duplicate, "reason-duplicate", &[]),
        (|t| t.reason_full, "reason-full", &["max_photos"]),
        (|t| t.reason_closed, "reason-closed", &[]),
        (|t| t.reason_download, "reason-download", &[]),
        (|t| t.reason_save, "reason-save", &[]),
        (|t| t.upload_closed, "upload-closed", &["name"]),
        (|t| t.photo_outside_upload, "photo-outside-upload", &[]),
        (|t| t.btn_review, "btn-review", &["photos"]),
        (|t| t.btn_train, "btn-train", &["price"]),
        (|t| t.btn_add_photos, "btn-add-photos", &[]),
        (|t| t.btn_avatar_card, "btn-avatar-card", &[]),
        (|t| t.review, "review", &["name", "lines", "progress"]),
        (|t| t.review_line, "review-line", &["number", "width", "height", "format", "date"]),
        (|t| t.review_empty, "review-empty", &["name", "progress"]),
        (|t| t.btn_remove_photo, "btn-remove-photo", &["number"]),
        (|t| t.btn_show_photos, "btn-show-photos", &[]),
        (|t| t.photo_removed, "photo-removed", &[]),
        (|t| t.photo_number, "photo-number", &["number"]),
        (|t| t.train_confirm, "train-confirm", &["name", "photos", "price", "balance_after"]),
        (|t| t.btn_train_yes, "btn-train-yes", &["price"]),
        (|t| t.train_not_enough_photos, "train-not-enough-photos", &["photos", "min_photos"]),
        (|t| t.train_already, "train-already", &[]),
        (|t| t.train_done_already, "train-done-already", &[]),
        (|t| t.train_started_already, "train-started-already", &[]),
        (|t| t.training_status, "training-status", &["state", "elapsed"]),
        (|t| t.training_pending, "training-pending", &[]),
        (|t| t.training_queued, "training-queued", &["position"]),
        (|t| t.training_running, "training-running", &[]),
        (|t| t.training_cancelling, "training-cancelling", &[]),
        (|t| t.elapsed_minutes, "elapsed-minutes", &["minutes"]),
        (|t| t.elapsed_hours, "elapsed-hours", &["hours", "minutes"]),
        (|t| t.training_ready, "training-ready", &["name"]),
        (|t| t.btn_create_photos, "btn-create-photos", &[]),
        (|t| t.training_failed, "training-failed", &["name", "reason", "refunded"]),
        (|t| t.training_cancelled, "training-cancelled", &["name", "refunded"]),
        (|t| t.avatar_fallback, "avatar-fallback", &[]),
        (|t| t.avatar_card, "avatar-card", &["name", "main", "status", "photos", "gender"]),
        (|t| t.card_main, "card-main", &[]),
        (|t| t.card_draft, "card-draft", &["photos", "min_photos"]),
        (|t| t.card_training, "card-training", &["since", "elapsed"]),
        (|t| t.card_ready, "card-ready", &[]),
        (|t| t.card_failed, "card-failed", &[]),
        (|t| t.btn_set_main, "btn-set-main", &[]),
        (|t| t.btn_rename, "btn-rename", &[]),
        (|t| t.btn_delete_avatar, "btn-delete-avatar", &[]),
        (|t| t.btn_cancel_training, "btn-cancel-training", &[]),
        (|t| t.btn_refresh, "btn-refresh", &[]),
        (|t| t.main_set, "main-set", &[]),
        (|t| t.not_usable, "not-usable", &[]),
        (|t| t.ask_rename, "ask-rename", &["name"]),
        (|t| t.confirm_avatar_delete, "confirm-avatar-delete", &["name", "photos"]),
        (|t| t.btn_delete_avatar_yes, "btn-delete-avatar-yes", &[]),
        (|t| t.avatar_deleted, "avatar-deleted", &["name"]),
        (|t| t.avatar_busy, "avatar-busy", &["name"]),
        (|t| t.with_me, "with-me", &["name", "price"]),
        (|t| t.with_me_none, "with-me-none", &[]),
        (|t| t.with_me_not_ready, "with-me-not-ready", &[]),
        (
            |t| t.confirm_with_me,
            "confirm-with-me",
            &["name", "prompt", "aspect", "count", "price", "count", "unit_price", "balance_after"],
        ),
        (|t| t.choose_avatar_filter, "choose-avatar-filter", &[]),
        (|t| t.upload_waiting, "upload-waiting", &["name", "progress"]),
        (|t| t.card_draft_ready, "card-draft-ready", &[]),
        (|t| t.training_too_late, "training-too-late", &[]),
        (|t| t.row_admin_plain, "row-admin-plain", &["amount"]),
        (|t| t.support_contact, "support-contact", &["contact"]),
        (|t| t.support_relay, "support-relay", &[]),
        (|t| t.support_payments, "support-payments", &["lines"]),
        (|t| t.support_no_payments, "support-no-payments", &[]),
        (|t| t.support_payment_line, "support-payment-line", &["date", "stars", "coins", "refunded", "charge_id"]),
        (|t| t.support_refunded, "support-refunded", &[]),
        (|t| t.btn_support_write, "btn-support-write", &[]),
        (|t| t.support_sent, "support-sent", &[]),
        (
            |t| t.support_to_operator,
            "support-to-operator",
            &["name", "telegram_id", "username", "question", "payments"],
        ),
        (|t| t.support_username, "support-username", &["username"]),
        (|t| t.what_support, "what-support", &[]),
        (|t| t.stats_tail, "stats-tail", &["favorites", "this_month", "spent"]),
        (|t| t.with_me_price, "with-me-price", &["price", "balance"]),
        (|t| t.elapsed_moment, "elapsed-moment", &[]),
        (|t| t.support_text_only, "support-text-only", &[]),
        (|t| t.months[0], "month-1", &[]),
        (|t| t.months[1], "month-2", &[]),
        (|t| t.months[2], "month-3", &[]),
        (|t| t.months[3], "month-4", &[]),
        (|t| t.months[4], "month-5", &[]),
        (|t| t.months[5], "month-6", &[]),
        (|t| t.months[6], "month-7", &[]),
        (|t| t.months[7], "month-8", &[]),
        (|t| t.months[8], "month-9", &[]),
        (|t| t.months[9], "month-10", &[]),
        (|t| t.months[10], "month-11", &[]),
        (|t| t.months[11], "month-12", &[]),
        (|t| t.filter_type[0], "filter-type-all", &[]),
        (|t| t.filter_type[1], "filter-type-prompt", &[]),
        (|t| t.filter_type[2], "filter-type-avatar", &[]),
        (|t| t.dates[0], "date-all", &[]),
        (|t| t.dates[1], "date-today", &[]),
        (|t| t.dates[2], "date-yesterday", &[]),
        (|t| t.dates[3], "date-week", &[]),
        (|t| t.dates[4], "date-month", &[]),
        (|t| t.dates[5], "date-custom", &[]),
        (|t| t.gender_names[0], "gender-male", &[]),
        (|t| t.gender_names[1], "gender-female", &[]),
        (|t| t.command_menu[0], "command-start", &[]),
        (|t| t.command_menu[1], "command-generate", &[]),
        (|t| t.command_menu[2], "command-gallery", &[]),
        (|t| t.command_menu[3], "command-avatars", &[]),
        (|t| t.command_menu[4], "command-balance", &[]),
        (|t| t.command_menu[5], "command-settings", &[]),
        (|t| t.command_menu[6], "command-help", &[]),
        (|t| t.command_menu[7], "command-cancel", &[]),
        (|t| t.command_menu[8], "command-paysupport", &[]),
    ];

    #[test]
    fn every_text_is_the_same() {
        let mut bad = Vec::new();
        for language in [Language::Ru, Language::En] {
            let old = super::texts(language);
            let new = super::fluent::texts(language);
            for (field, id, names) in CASES {
                let template = field(old);
                for n in [0u64, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1500] {
                    let values: Vec<&dyn std::fmt::Display> =
                        names.iter().map(|_| &n as &dyn std::fmt::Display).collect();
                    let want = fill(template, &values);
                    let mut args = super::FluentArgs::new();
                    for name in names.iter() {
                        args.set(*name, n);
                    }
                    let got = new.text_with(id, Some(&args));
                    if got != want {
                        bad.push(format!("{language:?} {id} n={n}\n  want {want:?}\n  got  {got:?}"));
                    }
                }
                let s = "a <b>x</b>";
                let values: Vec<&dyn std::fmt::Display> = names.iter().map(|_| &s as &dyn std::fmt::Display).collect();
                let want = fill(template, &values);
                let mut args = super::FluentArgs::new();
                for name in names.iter() {
                    args.set(*name, s);
                }
                let got = new.text_with(id, Some(&args));
                if got != want {
                    bad.push(format!("{language:?} {id} str\n  want {want:?}\n  got  {got:?}"));
                }
            }
        }
        assert!(bad.is_empty(), "{} differences:\n{}", bad.len(), bad.join("\n"));
    }
}
