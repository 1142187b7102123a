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
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut rest = template;
    while let Some(i) = rest.find("{}") {
        out.push_str(&rest[..i]);
        if let Some(a) = args.next() {
            out.push_str(&a.to_string());
        }
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

pub struct Texts {
    pub months: [&'static str; 12],
    pub yes: &'static str,
    pub no: &'static str,
    pub on: &'static str,
    pub off: &'static str,
    pub coins: &'static str,
    // menu and common
    pub welcome: &'static str,
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
    pub outdated: &'static str,
    pub nothing_to_cancel: &'static str,
    pub cancelled: &'static str,
    pub error: &'static str,
    pub blocked: &'static str,
    // create
    pub ask_prompt: &'static str,
    pub prompt_too_short: &'static str,
    pub prompt_too_long: &'static str,
    pub ask_aspect: &'static str,
    pub ask_count: &'static str,
    pub ask_variant: &'static str,
    pub variant_names: [&'static str; 3],
    pub variant_button: &'static str,
    pub confirm: &'static str,
    pub btn_confirm: &'static str,
    pub not_enough: &'static str,
    pub btn_top_up: &'static str,
    pub too_many: &'static str,
    pub status_pending: &'static str,
    pub status_queued: &'static str,
    pub status_position: &'static str,
    pub status_running: &'static str,
    pub btn_cancel_job: &'static str,
    pub result: &'static str,
    pub result_partial: &'static str,
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
    pub model_imagen: &'static str,
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
    pub confirm_delete: &'static str,
    pub btn_delete_yes: &'static str,
    pub deleted: &'static str,
    pub prompt_view: &'static str,
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
    pub pre_unknown: &'static str,
    pub pre_gone: &'static str,
    pub pre_buyer: &'static str,
    pub pre_amount: &'static str,
    pub pre_blocked: &'static str,
    // operators
    pub admin_stats: &'static str,
    pub admin_only: &'static str,
}
