//! Settings: language, timezone, generation defaults, quick mode.

use crate::bot::{Bot, Ctx, button};
use crate::callback::Cb;
use crate::dialogue::Dialogue;
use crate::html::escape;
use crate::io::MessageId;
use crate::texts::{texts, tr};
use aisha_domain::ports::StoreError;
use aisha_domain::{AspectRatio, ImageCount, Language, Timezone};

impl Bot {
    pub(crate) async fn show_settings(&self, cx: &mut Ctx, message: Option<MessageId>) -> Result<(), StoreError> {
        let t = cx.t;
        let s = cx.user.settings;
        let onoff = |b: bool| if b { tr!(t, "on") } else { tr!(t, "off") };
        let main = tr!(
            t,
            "settings",
            language = &tr!(t, "language-name"),
            timezone = &crate::zones::label(s.timezone, s.language, self.generation.env.now()),
            aspect = &s.defaults.aspect,
            count = &s.defaults.count.get(),
            model = &escape(self.generation.catalog().or_default(s.defaults.model).name(s.language)),
            quick = &onoff(s.quick_mode)
        );
        let text = format!("{main}\n{}", tr!(t, "settings-translate", state = &onoff(s.translate_prompts)));
        let other = match s.language {
            Language::Ru => Language::En,
            Language::En => Language::Ru,
        };
        let keyboard = vec![
            vec![button(tr!(t, "btn-language"), Cb::Language(other)), button(tr!(t, "btn-timezone"), Cb::TimezoneMenu)],
            vec![button(tr!(t, "btn-defaults"), Cb::Defaults)],
            vec![button(tr!(t, "btn-quick", state = &onoff(s.quick_mode)), Cb::Quick(!s.quick_mode))],
            vec![button(
                tr!(t, "btn-translate", state = &onoff(s.translate_prompts)),
                Cb::Translate(!s.translate_prompts),
            )],
            vec![button(tr!(t, "btn-menu"), Cb::Menu)],
        ];
        cx.edit_or_send(message, text, Some(keyboard));
        Ok(())
    }

    async fn save_settings(&self, cx: &mut Ctx) -> Result<(), StoreError> {
        self.users.update_settings(cx.user.id, cx.user.settings).await?;
        cx.t = texts(cx.user.settings.language);
        Ok(())
    }

    fn show_defaults(&self, cx: &mut Ctx, message: Option<MessageId>) {
        let t = cx.t;
        let d = cx.user.settings.defaults;
        let mark = |on: bool, s: String| if on { format!("✓ {s}") } else { s };
        let catalog = self.generation.catalog();
        let language = cx.user.settings.language;
        let chosen = catalog.or_default(d.model).key;
        let text = tr!(
            t,
            "defaults",
            aspect = &d.aspect,
            count = &d.count.get(),
            model = &escape(catalog.or_default(d.model).name(language))
        );
        let keyboard = vec![
            AspectRatio::ALL
                .iter()
                .map(|a| button(mark(*a == d.aspect, a.as_str().to_owned()), Cb::DefaultAspect(*a)))
                .collect(),
            (1..=4u8).map(|n| button(mark(n == d.count.get(), n.to_string()), Cb::DefaultCount(n))).collect(),
        ];
        let mut keyboard = keyboard;
        // one model a row: names are long
        keyboard.extend(
            catalog
                .enabled()
                .map(|m| vec![button(mark(m.key == chosen, m.name(language).to_owned()), Cb::DefaultModel(m.key))]),
        );
        keyboard.push(vec![button(tr!(t, "btn-back"), Cb::Settings)]);
        cx.edit_or_send(message, text, Some(keyboard));
    }

    fn show_timezones(&self, cx: &mut Ctx, message: Option<MessageId>) {
        let t = cx.t;
        let current = cx.user.settings.timezone;
        let (language, now) = (cx.user.settings.language, self.generation.env.now());
        let named = |tz: Timezone| crate::zones::label(tz, language, now);
        let mut rows: Vec<Vec<_>> = self
            .config
            .timezones
            .chunks(2)
            .enumerate()
            .map(|(row, pair)| {
                pair.iter()
                    .enumerate()
                    .map(|(i, tz)| {
                        let label = if *tz == current { format!("✓ {}", named(*tz)) } else { named(*tz) };
                        button(label, Cb::Timezone(u8::try_from(row * 2 + i).unwrap_or(u8::MAX)))
                    })
                    .collect()
            })
            .collect();
        rows.push(vec![button(tr!(t, "btn-back"), Cb::Settings)]);
        cx.edit_or_send(message, tr!(t, "choose-timezone", current = &named(current)), Some(rows));
    }

    pub(crate) async fn settings_button(
        &self,
        cx: &mut Ctx,
        message: Option<MessageId>,
        cb: Cb,
    ) -> Result<Option<String>, StoreError> {
        match cb {
            Cb::Settings => self.show_settings(cx, message).await?,
            Cb::Language(l) => {
                cx.user.settings.language = l;
                self.save_settings(cx).await?;
                self.show_settings(cx, message).await?;
            }
            Cb::Quick(on) => {
                cx.user.settings.quick_mode = on;
                self.save_settings(cx).await?;
                self.show_settings(cx, message).await?;
            }
            Cb::Translate(on) => {
                cx.user.settings.translate_prompts = on;
                self.save_settings(cx).await?;
                self.show_settings(cx, message).await?;
            }
            Cb::Defaults => self.show_defaults(cx, message),
            Cb::DefaultAspect(a) => {
                cx.user.settings.defaults.aspect = a;
                self.save_settings(cx).await?;
                self.show_defaults(cx, message);
            }
            Cb::DefaultCount(n) => {
                let Ok(count) = ImageCount::new(n) else { return Ok(Some(tr!(cx.t, "outdated"))) };
                cx.user.settings.defaults.count = count;
                self.save_settings(cx).await?;
                self.show_defaults(cx, message);
            }
            Cb::DefaultModel(k) => {
                if self.generation.catalog().offered(k).is_none() {
                    return Ok(Some(tr!(cx.t, "outdated")));
                }
                cx.user.settings.defaults.model = k;
                self.save_settings(cx).await?;
                self.show_defaults(cx, message);
            }
            Cb::TimezoneMenu => {
                self.set_dialogue(cx, &Dialogue::Timezone).await?;
                self.show_timezones(cx, message);
            }
            Cb::Timezone(i) => {
                let Some(tz) = self.config.timezones.get(usize::from(i)).copied() else {
                    return Ok(Some(tr!(cx.t, "outdated")));
                };
                self.set_timezone(cx, message, tz).await?;
            }
            _ => return Ok(None),
        }
        Ok(Some(tr!(cx.t, "saved")).filter(|_| !matches!(cb, Cb::Settings | Cb::Defaults | Cb::TimezoneMenu)))
    }

    async fn set_timezone(&self, cx: &mut Ctx, message: Option<MessageId>, tz: Timezone) -> Result<(), StoreError> {
        cx.user.settings.timezone = tz;
        self.save_settings(cx).await?;
        self.clear_dialogue(cx).await?;
        self.show_settings(cx, message).await
    }

    pub(crate) async fn timezone_given(&self, cx: &mut Ctx, text: &str) -> Result<(), StoreError> {
        match crate::zones::parse(text) {
            Some(tz) => self.set_timezone(cx, None, tz).await,
            None => {
                let reply = tr!(cx.t, "bad-timezone", zone = &escape(&crate::html::clip(text.trim(), 64)));
                cx.send(reply, Some(vec![vec![button(tr!(cx.t, "btn-cancel"), Cb::Cancel)]]));
                Ok(())
            }
        }
    }
}
