//! Balance, history, Stars top-ups, payments and promo codes.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::Dialogue;
use crate::html::escape;
use crate::io::{Event, MessageId, Outgoing, Reply, Update};
use crate::texts::{Texts, texts, tr};
use aisha_domain::JobKind;
use aisha_domain::TelegramUserId;
use aisha_domain::ledger::{LedgerEntry, LedgerReason};
use aisha_domain::payments::{PreCheckoutRefusal, PromoRefusal};
use aisha_domain::ports::{RedeemError, StoreError};
use aisha_domain::services::payments::{PaidInvoice, PromoError, TopUpError};

const PAGE: usize = 10;

/// A payment whose credit is not committed. `transient` (the store is unreachable or busy):
/// the transport must leave its update unconfirmed so Telegram delivers it again, and the
/// credit happens once the store is back. Otherwise the same delivery would fail the same way
/// (a row the store refuses), so holding it back would only stop intake: it is logged, and the
/// reconciliation with Telegram (`getStarTransactions`) tries it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotCredited {
    pub charge_id: String,
    pub payer: TelegramUserId,
    pub stars: u32,
    pub reason: String,
    pub transient: bool,
}

impl std::fmt::Display for NotCredited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "payment {} of {} Stars from {} not credited: {}",
            self.charge_id, self.stars, self.payer, self.reason
        )
    }
}

impl std::error::Error for NotCredited {}

fn signed(n: i64) -> String {
    if n < 0 { format!("−{}", -n) } else { format!("+{n}") }
}

pub(crate) fn ledger_row(t: &Texts, e: &LedgerEntry) -> String {
    match &e.reason {
        LedgerReason::JobCharge { job_kind: JobKind::Text, units, .. } => {
            tr!(t, "row-charge", amount = &signed(e.amount), count = units)
        }
        LedgerReason::JobCharge { job_kind: JobKind::AvatarPhotos, units, .. } => {
            tr!(t, "row-avatar-photos", amount = &signed(e.amount), count = units)
        }
        LedgerReason::JobCharge { job_kind: JobKind::Training, .. } => {
            tr!(t, "row-training", amount = &signed(e.amount))
        }
        LedgerReason::JobRefund { .. } => tr!(t, "row-refund", amount = &e.amount),
        LedgerReason::StarsTopUp { stars, .. } => tr!(t, "row-top-up", amount = &e.amount, stars = stars),
        LedgerReason::StarsRefund { .. } => tr!(t, "row-stars-refund", amount = &signed(e.amount)),
        LedgerReason::Promo { code } => tr!(t, "row-promo", amount = &e.amount, code = &escape(code.as_str())),
        LedgerReason::Welcome => tr!(t, "row-welcome", amount = &e.amount),
        // the operator's reason is theirs; the user reads the note written for them, if any
        LedgerReason::Admin { user_note: Some(note), .. } => {
            tr!(t, "row-admin", amount = &signed(e.amount), note = &escape(&crate::html::clip(note, 80)))
        }
        LedgerReason::Admin { user_note: None, .. } => tr!(t, "row-admin-plain", amount = &signed(e.amount)),
    }
}

impl Bot {
    pub(crate) async fn show_balance(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        page: u16,
    ) -> Result<(), StoreError> {
        let t = cx.t;
        let balance = self.ledger.balance(cx.user.id).await?;
        let upto = (usize::from(page) + 1) * PAGE;
        let rows = self.ledger.history(cx.user.id, None, u32::try_from(upto + 1).unwrap_or(u32::MAX)).await?;
        let more = rows.len() > upto;
        let shown: Vec<&LedgerEntry> = rows.iter().skip(usize::from(page) * PAGE).take(PAGE).collect();
        let history = if shown.is_empty() {
            tr!(t, "no-history")
        } else {
            shown
                .iter()
                .map(|e| {
                    let when = crate::texts::local_time(t, e.created_at, cx.user.settings.timezone, false);
                    format!("{when} · {}", ledger_row(t, e))
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let text = tr!(t, "balance", balance = &balance, history = &history);
        // as in the gallery: newer on the left, older on the right
        let mut pager = Vec::new();
        if page > 0 {
            pager.push(button(tr!(t, "btn-newer"), Cb::History(page - 1)));
        }
        if more {
            pager.push(button(tr!(t, "btn-older"), Cb::History(page.saturating_add(1))));
        }
        let mut keyboard = vec![vec![button(tr!(t, "btn-top-up"), Cb::TopUp), button(tr!(t, "btn-promo"), Cb::Promo)]];
        if !pager.is_empty() {
            keyboard.push(pager);
        }
        keyboard.push(vec![button(tr!(t, "btn-menu"), Cb::Menu)]);
        cx.edit_or_send(message, text, Some(keyboard));
        Ok(())
    }

    pub(crate) async fn balance_button(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        cb: Cb,
    ) -> Result<(), StoreError> {
        let t = cx.t;
        match cb {
            Cb::Balance => self.show_balance(cx, message, 0).await?,
            Cb::History(page) => self.show_balance(cx, message, page).await?,
            Cb::TopUp => {
                let packages = &self.payments.packages;
                let mut rows: Vec<Vec<_>> = packages
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        let bonus = packages.first().map_or(0, |base| p.bonus_percent(base));
                        let mut label = tr!(t, "package", coins = &p.coins, stars = &p.stars);
                        if bonus > 0 {
                            label.push_str(&tr!(t, "package-bonus", percent = &bonus));
                        }
                        vec![button(label, Cb::Buy(u8::try_from(i).unwrap_or(u8::MAX)))]
                    })
                    .collect();
                rows.push(vec![button(tr!(t, "btn-back"), Cb::Balance)]);
                cx.edit_or_send(message, tr!(t, "top-up"), Some(rows));
            }
            Cb::Buy(i) => {
                let Some(package) = self.payments.packages.get(usize::from(i)) else {
                    cx.send(tr!(t, "pre-gone"), None);
                    return Ok(());
                };
                let Some((p, payload)) = self.payments.invoice(&package.id, cx.user.profile.telegram_id) else {
                    return Ok(());
                };
                cx.out.push(Outgoing::critical(Reply::Invoice {
                    chat: cx.chat,
                    title: tr!(t, "invoice-title", coins = &p.coins),
                    description: tr!(t, "invoice-description", coins = &p.coins),
                    payload: payload.encode(),
                    label: tr!(t, "package", coins = &p.coins, stars = &p.stars),
                    stars: p.stars,
                }));
            }
            Cb::Promo => {
                self.set_dialogue(cx, &Dialogue::Promo { refused: false }).await?;
                cx.edit_or_send(
                    message,
                    tr!(t, "ask-promo"),
                    Some(vec![vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]]),
                );
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) async fn pre_checkout(&self, cx: &mut Ctx, query_id: String, currency: &str, total: u32, payload: &str) {
        let t = cx.t;
        let verdict = self.payments.pre_checkout(cx.user.profile.telegram_id, payload, currency, total).await;
        let error = verdict.err().map(|r| {
            match r {
                PreCheckoutRefusal::UnknownInvoice => tr!(t, "pre-unknown"),
                PreCheckoutRefusal::PackageGone => tr!(t, "pre-gone"),
                PreCheckoutRefusal::WrongBuyer => tr!(t, "pre-buyer"),
                PreCheckoutRefusal::WrongAmount => tr!(t, "pre-amount"),
                PreCheckoutRefusal::Blocked => tr!(t, "pre-blocked"),
            }
            .to_owned()
        });
        cx.out.push(Outgoing::critical(Reply::AnswerPreCheckout { query_id, ok: error.is_none(), error }));
    }

    /// A `successful_payment`, handled before anything else about the update: the credit is
    /// the one thing that must happen (Telegram already has the Stars), so it does not wait
    /// for registration or the blocked flag. `Err` means the credit is not committed (see
    /// [`NotCredited`] for what the transport does); crediting is idempotent per charge id, so
    /// a repeat never pays twice. A payer AISHA has no row for
    /// (their first update was lost) is registered, then credited.
    pub async fn handle_payment(&self, update: Update) -> Result<Vec<Outgoing>, NotCredited> {
        let Update { from, event, .. } = update;
        let Event::Payment { chat, currency, total_amount, payload, telegram_charge_id, .. } = event else {
            return Ok(Vec::new());
        };
        let paid = PaidInvoice {
            payer: from.telegram_id,
            charge_id: telegram_charge_id.clone(),
            payload,
            currency,
            stars: total_amount,
        };
        let mut result = self.payments.complete(paid.clone()).await;
        if matches!(result, Err(TopUpError::UnknownPayer { .. })) {
            result = match self.accounts.register(from.clone()).await {
                Ok(_) => self.payments.complete(paid).await,
                Err(e) => Err(TopUpError::Store(e)),
            };
        }
        let top_up = result.map_err(|e| {
            let transient = matches!(&e, TopUpError::Store(s) if s.is_retryable());
            if transient {
                tracing::error!(charge_id = %telegram_charge_id, telegram_id = from.telegram_id.get(), stars = total_amount,
                    error = %e, "PAYMENT NOT CREDITED yet: the store is unavailable; not confirmed to Telegram, which delivers it again");
            } else {
                tracing::error!(charge_id = %telegram_charge_id, telegram_id = from.telegram_id.get(), stars = total_amount,
                    error = %e, "PAYMENT NOT CREDITED: the store refused it; the reconciliation with Telegram tries it again");
            }
            NotCredited {
                charge_id: telegram_charge_id.clone(),
                payer: from.telegram_id,
                stars: total_amount,
                reason: e.to_string(),
                transient,
            }
        })?;
        let Some(entry) = top_up.entry else {
            return Ok(Vec::new()); // a repeat: the receipt went out the first time
        };
        // committed; what follows is the receipt, and a failure here costs a message, not money
        let language = aisha_domain::Language::from_telegram(from.language_code.as_deref());
        let user = match self.accounts.register(from).await {
            Ok(registered) => Some(registered.user),
            Err(e) => {
                tracing::warn!(charge_id = %telegram_charge_id, error = %e, "payment credited; the receipt goes without the menu");
                None
            }
        };
        let Some(mut user) = user else {
            let text = tr!(texts(language), "paid", coins = &top_up.payment.coins, balance = &entry.balance_after);
            return Ok(vec![Outgoing::critical(Reply::SendText { chat, text, keyboard: None })]);
        };
        if user.blocked {
            // they paid, so Telegram delivers to them again
            match self.users.set_blocked(user.id, false).await {
                Ok(_) => user.blocked = false,
                Err(e) => tracing::warn!(user = %user.id, error = %e, "could not clear the blocked flag"),
            }
        }
        let t = texts(user.settings.language);
        let cx = Ctx { user, chat, t, out: Vec::new() };
        let text = tr!(t, "paid", coins = &top_up.payment.coins, balance = &entry.balance_after);
        let mut keyboard = self.menu_keyboard(&cx).await.ok();
        // an order kept for this top-up is one press away
        match self.kept_order(cx.user.id).await {
            Ok(Some(_)) => {
                if let Some(rows) = keyboard.as_mut() {
                    rows.insert(0, vec![button(tr!(t, "btn-resume"), Cb::Resume)]);
                } else {
                    keyboard = Some(vec![vec![button(tr!(t, "btn-resume"), Cb::Resume)]]);
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(user = %cx.user.id, error = %e, "payment credited; the receipt goes without the kept order")
            }
        }
        Ok(vec![Outgoing::critical(Reply::SendText { chat, text, keyboard })])
    }

    pub(crate) async fn promo_given(&self, cx: &mut Ctx, text: &str) -> Result<(), StoreError> {
        let t = cx.t;
        let when = |d: chrono::DateTime<chrono::Utc>| crate::texts::local_time(t, d, cx.user.settings.timezone, true);
        let refusal = match self.payments.redeem(&cx.user, text).await {
            Ok(r) => {
                self.clear_dialogue(cx).await?;
                let keyboard = self.menu_keyboard(cx).await?;
                cx.send(tr!(t, "promo-ok", coins = &r.coins, balance = &r.entry.balance_after), Some(keyboard));
                return Ok(());
            }
            Err(PromoError::Format(_)) => tr!(t, "promo-format"),
            Err(PromoError::Redeem(RedeemError::Refused(r))) => match r {
                PromoRefusal::Unknown => tr!(t, "promo-unknown"),
                PromoRefusal::Inactive => tr!(t, "promo-inactive"),
                PromoRefusal::NotYetValid(d) => tr!(t, "promo-not-yet", date = &when(d)),
                PromoRefusal::Expired(d) => tr!(t, "promo-expired", date = &when(d)),
                PromoRefusal::UsedUp => tr!(t, "promo-used-up"),
                PromoRefusal::AlreadyUsed => tr!(t, "promo-already"),
            },
            Err(PromoError::Redeem(RedeemError::Store(e))) => return Err(e),
        };
        // the question stays open for another code, with the way out beside it
        self.set_dialogue(cx, &Dialogue::Promo { refused: true }).await?;
        cx.send(
            format!("{refusal}\n{}", tr!(t, "promo-retry")),
            Some(vec![vec![button(tr!(t, "btn-cancel"), Cb::Cancel)]]),
        );
        Ok(())
    }
}
