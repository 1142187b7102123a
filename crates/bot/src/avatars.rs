//! Avatars: the list, creating one (name → gender → photos), the upload screen that takes
//! photos, image documents and albums, reviewing and removing photos, training with its
//! confirmation, the card (main, rename, delete), and "photos with me", whose order then
//! follows the create flow.
//!
//! Every avatar id a button carries is looked up with the user as owner: someone else's id is
//! "not found" and changes nothing.
//!
//! `screens` has the list and the card, `manage` creating an avatar (name → gender) and what
//! its card does (main, rename, delete), `photos` the upload screen, taking photos and the
//! review, `training` the training's confirmation and start, `with_me` the start of "photos
//! with me".

use crate::bot::Bot;
use crate::html::clip;
use crate::texts::Texts;
use aisha_domain::avatar::PhotoRules;
use aisha_domain::{AvatarName, Timezone};
use chrono::{DateTime, Utc};

mod manage;
mod photos;
mod screens;
mod training;
mod with_me;

/// At most this many avatars are listed as buttons (Telegram allows 100 buttons a message).
const LISTED: usize = 30;

/// "21 Nov 14:05" in the user's timezone.
fn local_time(t: &Texts, at: DateTime<Utc>, tz: Timezone) -> String {
    crate::texts::local_time(t, at, tz, false)
}

/// A button label with the avatar's name (labels are plain text: not escaped, only shortened).
fn labelled(prefix: &str, name: &AvatarName) -> String {
    format!("{prefix} {}", clip(name.as_str(), 30))
}

impl Bot {
    fn rules(&self) -> &PhotoRules {
        &self.avatars.rules
    }
}
