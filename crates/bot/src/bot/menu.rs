//! The main menu and its keyboard, the help, the command menu, and `/stats` for operators.

use super::{Bot, COMMANDS, Ctx, button};
use crate::callback::Cb;
use crate::io::{Keyboard, MessageId};
use crate::texts::tr;
use aisha_domain::ports::StoreError;

impl Bot {
    pub(crate) async fn menu_keyboard(&self, cx: &Ctx) -> Result<Keyboard, StoreError> {
        let balance = self.ledger.balance(cx.user.id).await?;
        let t = cx.t;
        Ok(vec![
            vec![button(tr!(t, "btn-create"), Cb::Create), button(tr!(t, "btn-gallery"), Cb::Gallery)],
            vec![
                button(tr!(t, "btn-avatars"), Cb::Avatars),
                button(tr!(t, "btn-balance", balance = &balance), Cb::Balance),
            ],
            vec![button(tr!(t, "btn-settings"), Cb::Settings), button(tr!(t, "btn-help"), Cb::Help)],
        ])
    }

    pub(crate) async fn show_menu(&self, cx: &mut Ctx, message: Option<MessageId>) -> Result<(), StoreError> {
        let balance = self.ledger.balance(cx.user.id).await?;
        let keyboard = self.menu_keyboard(cx).await?;
        let text = tr!(cx.t, "menu", balance = &balance);
        cx.edit_or_send(message, text, Some(keyboard));
        Ok(())
    }

    /// The command menu in `language`: what Telegram shows next to the input field
    /// (`setMyCommands`), from the one list the bot answers and the help names.
    pub fn command_menu(language: aisha_domain::Language) -> Vec<(&'static str, String)> {
        COMMANDS.iter().copied().zip(crate::texts::command_menu(crate::texts::texts(language))).collect()
    }

    pub(super) fn show_help(&self, cx: &mut Ctx, message: Option<MessageId>) {
        let p = &self.generation.prices;
        let rules = &self.avatars.rules;
        let language = cx.user.settings.language;
        let models = p
            .catalog
            .enabled()
            .map(|m| tr!(cx.t, "help-model", model = &crate::html::escape(m.name(language)), price = &m.price))
            .collect::<Vec<_>>()
            .join("\n");
        let text = tr!(
            cx.t,
            "help",
            models = &models,
            jobs = &self.generation.limits.in_flight.0,
            min_photos = &rules.min_photos,
            max_photos = &rules.max_photos,
            training = &p.training,
            photo_price = &p.avatar_photo
        );
        let commands = COMMANDS.iter().map(|c| format!("/{c}")).collect::<Vec<_>>().join(" ");
        let text = format!("{text}\n\n{}", tr!(cx.t, "help-commands", commands = &commands));
        let keyboard = vec![vec![button(tr!(cx.t, "btn-menu"), Cb::Menu)]];
        cx.edit_or_send(message, text, Some(keyboard));
    }

    pub(super) async fn admin_stats(&self, cx: &mut Ctx) -> Result<(), StoreError> {
        if !self.config.admins.contains(&cx.user.profile.telegram_id) {
            let text = tr!(cx.t, "admin-only");
            cx.send(text, None);
            return Ok(());
        }
        let users = self.users.count().await?;
        let jobs = self.jobs.count_by_status().await?;
        let jobs = jobs.iter().map(|(s, n)| format!("{} {n}", s.as_str())).collect::<Vec<_>>().join(", ");
        let totals = self.ledger.totals().await?;
        let stars = self.stars.stars_totals().await?;
        let text = tr!(
            cx.t,
            "admin-stats",
            users = &users,
            jobs = &jobs,
            credited = &totals.credited,
            spent = &totals.spent,
            withdrawn = &totals.withdrawn,
            payments = &stars.payments,
            stars = &stars.stars,
            refunded_stars = &stars.refunded_stars
        );
        cx.send(text, None);
        Ok(())
    }
}
