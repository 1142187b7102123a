//! /paysupport (Telegram requires it of bots that take Stars): how to reach support and the
//! user's recent payments with the charge ids support asks for. With a support contact
//! configured the user writes there; without one the next message is the question, passed to
//! the operators (the admins' chats with the bot, and the log) instead of being taken for a
//! description.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::Dialogue;
use crate::html::{clip, escape};
use crate::io::{Button, ButtonAction, ChatId, Keyboard, Outgoing, Reply};
use crate::texts::{Texts, texts, tr};
use aisha_domain::ledger::{LedgerEntry, LedgerReason};
use aisha_domain::ports::StoreError;
use aisha_domain::{Language, LedgerEntryId, Timezone};
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// Payments listed.
const PAYMENTS: usize = 5;
/// Ledger rows read looking for them (payments are rare next to charges; a user with more
/// rows than this since their last payment is told to give the date instead).
const SCANNED: u32 = 500;
const PAGE: u32 = 100;
/// A question is cut to this many characters for the operators' message (Telegram's limit is
/// 4096 for the whole message).
const QUESTION: usize = 2500;

/// A contact that can be a link: `@name` or a `t.me`/`https` address.
fn contact_url(contact: &str) -> Option<String> {
    let c = contact.trim();
    if let Some(name) = c.strip_prefix('@') {
        let plain = !name.is_empty() && name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        return plain.then(|| format!("https://t.me/{name}"));
    }
    (c.starts_with("https://") || c.starts_with("http://")).then(|| c.to_owned())
}

impl Bot {
    pub(crate) async fn paysupport(&self, cx: &mut Ctx) -> Result<(), StoreError> {
        let t = cx.t;
        let payments = self.payments_list(t, cx, cx.user.settings.timezone).await?;
        let contact = self.config.support_contact.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let mut rows: Keyboard = Vec::new();
        let how = match contact {
            Some(contact) => {
                if let Some(url) = contact_url(contact) {
                    rows.push(vec![Button { text: tr!(t, "btn-support-write"), action: ButtonAction::Url(url) }]);
                }
                rows.push(vec![button(tr!(t, "btn-menu"), Cb::Menu)]);
                tr!(t, "support-contact", contact = &escape(contact))
            }
            None => {
                self.set_dialogue(cx, &Dialogue::Support).await?;
                rows.push(vec![button(tr!(t, "btn-cancel"), Cb::Cancel), button(tr!(t, "btn-menu"), Cb::Menu)]);
                tr!(t, "support-relay")
            }
        };
        cx.send(tr!(t, "paysupport", how = &how, payments = &payments), Some(rows));
        Ok(())
    }

    /// The question typed after /paysupport: to every operator, and to the log (which is all
    /// there is when no operator is configured).
    pub(crate) async fn support_given(&self, cx: &mut Ctx, text: &str) -> Result<(), StoreError> {
        self.clear_dialogue(cx).await?;
        let profile = &cx.user.profile;
        tracing::warn!(
            telegram_id = profile.telegram_id.get(),
            user = %cx.user.id,
            question = %clip(text, QUESTION),
            "a payment question from a user (/paysupport)"
        );
        for admin in &self.config.admins {
            // in the operator's own language and timezone when they use the bot, else Russian and UTC
            let (language, tz) = match self.users.by_telegram(*admin).await {
                Ok(Some(u)) => (u.settings.language, u.settings.timezone),
                _ => (Language::Ru, Timezone::UTC),
            };
            let ta = texts(language);
            let who = format!(
                "<a href=\"tg://user?id={}\">{}</a>",
                profile.telegram_id.get(),
                escape(&clip(&profile.first_name, 64))
            );
            let username = profile
                .username
                .as_deref()
                .map(|u| tr!(ta, "support-username", username = &escape(u)))
                .unwrap_or_default();
            let payments = self.payments_list(ta, cx, tz).await?;
            let message = tr!(
                ta,
                "support-to-operator",
                name = &who,
                telegram_id = &profile.telegram_id.get(),
                username = &username,
                question = &escape(&clip(text.trim(), QUESTION)),
                payments = &payments
            );
            cx.out.push(Outgoing::normal(Reply::SendText { chat: ChatId(admin.get()), text: message, keyboard: None }));
        }
        let keyboard = self.menu_keyboard(cx).await?;
        let reply = tr!(cx.t, "support-sent");
        cx.send(reply, Some(keyboard));
        Ok(())
    }

    /// The user's latest Stars top-ups in `t`'s words and `tz`'s time, newest first, each with
    /// its charge id and whether it was refunded; read from the ledger, where each one is a row.
    async fn payments_list(&self, t: &Texts, cx: &Ctx, tz: Timezone) -> Result<String, StoreError> {
        let mut before: Option<(DateTime<Utc>, LedgerEntryId)> = None;
        let mut read = 0;
        let mut top_ups: Vec<LedgerEntry> = Vec::new();
        let mut refunded: HashSet<String> = HashSet::new();
        while read < SCANNED && top_ups.len() < PAYMENTS {
            let rows = self.ledger.history(cx.user.id, before, PAGE).await?;
            read += PAGE;
            for e in &rows {
                match &e.reason {
                    LedgerReason::StarsTopUp { .. } if top_ups.len() < PAYMENTS => top_ups.push(e.clone()),
                    LedgerReason::StarsRefund { charge_id } => {
                        refunded.insert(charge_id.clone());
                    }
                    _ => {}
                }
            }
            if rows.len() < PAGE as usize {
                break;
            }
            before = rows.last().map(|e| (e.created_at, e.id));
        }
        if top_ups.is_empty() {
            return Ok(tr!(t, "support-no-payments"));
        }
        let lines: Vec<String> = top_ups
            .iter()
            .filter_map(|e| {
                let LedgerReason::StarsTopUp { charge_id, stars } = &e.reason else { return None };
                let when = crate::texts::local_time(t, e.created_at, tz, true);
                let mark = if refunded.contains(charge_id) { tr!(t, "support-refunded") } else { String::new() };
                Some(tr!(
                    t,
                    "support-payment-line",
                    date = &when,
                    stars = stars,
                    coins = &e.amount,
                    refunded = &mark,
                    charge_id = &escape(charge_id)
                ))
            })
            .collect();
        Ok(tr!(t, "support-payments", lines = &lines.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::contact_url;

    #[test]
    fn a_contact_is_a_link_when_it_can_be() {
        assert_eq!(contact_url("@aisha_help").as_deref(), Some("https://t.me/aisha_help"));
        assert_eq!(contact_url("https://t.me/aisha_help").as_deref(), Some("https://t.me/aisha_help"));
        assert_eq!(contact_url("support@example.com"), None);
        assert_eq!(contact_url("@"), None);
        assert_eq!(contact_url("@bad name"), None);
    }
}
