//! Every word the bot says, one file per language. A text with `{}` placeholders is filled in
//! order by `fill`; callers escape user-supplied values before filling.

mod en;
mod ru;

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
    // styles and translation (issue 20)
    /// The button at the description step that opens the styles.
    pub btn_styles: &'static str,
    /// The styles of photos with an avatar: one tap makes the order.
    pub styles_with_me: &'static str,
    /// The styles of Create: the subject is asked next.
    pub styles_create: &'static str,
    /// Under the styles when there are several pages: this page, all pages.
    pub styles_page: &'static str,
    /// Sends the previews of the page's styles.
    pub btn_style_previews: &'static str,
    /// Create after a style: its name; the next message is the subject.
    pub style_subject: &'static str,
    /// Back to the styles from the subject question.
    pub btn_other_style: &'static str,
    /// Photos with an avatar: the translation that will be sent, under the confirmation.
    pub confirm_sent: &'static str,
    /// Send the user's own words instead of the translation.
    pub btn_send_own: &'static str,
    /// Why the description was not translated: the daily allowance.
    pub translate_limit: &'static str,
    /// The assistant is down or off.
    pub translate_down: &'static str,
    /// The assistant answered nothing usable.
    pub translate_unusable: &'static str,
    /// A line of the settings: on/off.
    pub settings_translate: &'static str,
    /// The settings button: the current state.
    pub btn_translate: &'static str,
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
