//! Checking the settings: every problem at once, each naming its setting and the environment
//! variable that sets it.

use super::{ConfigError, Settings, StorageKind, TelegramMode};
use secrecy::ExposeSecret;

/// The problems found so far.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    /// Notes `why` against `key` unless `ok`.
    fn need(&mut self, ok: bool, key: &str, why: &str) {
        if !ok {
            let env = format!("AISHA__{}", key.replace('.', "__").to_uppercase());
            self.0.push(format!("{key} ({env}): {why}"));
        }
    }
}

impl Settings {
    /// Every problem at once, each naming its setting and the environment variable.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Problems::default();
        self.check_telegram(&mut p);
        self.check_stores(&mut p);
        self.check_prices_and_fal(&mut p);
        self.check_limits(&mut p);
        self.check_assistant_and_http(&mut p);
        if p.0.is_empty() { Ok(()) } else { Err(ConfigError::Invalid(p.0)) }
    }

    fn check_telegram(&self, p: &mut Problems) {
        let t = &self.telegram;
        let webhook = t.mode == TelegramMode::Webhook;
        p.need(!webhook || t.webhook_url.is_some(), "telegram.webhook_url", "required when telegram.mode is webhook");
        p.need(
            !webhook || t.webhook_secret.is_some(),
            "telegram.webhook_secret",
            "required when telegram.mode is webhook",
        );
        // Bot API setWebhook: secret_token is 1-256 characters, only A-Z, a-z, 0-9, _ and -
        // (https://core.telegram.org/bots/api#setwebhook, read 2026-12-06). An empty one
        // would make every request without the header look genuine.
        p.need(
            t.webhook_secret.as_ref().is_none_or(|s| {
                let s = s.expose_secret();
                (1..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            }),
            "telegram.webhook_secret",
            "1 to 256 characters, only letters, digits, _ and - (Telegram's rule); never empty",
        );
        p.need(t.admins.iter().all(|a| *a > 0), "telegram.admins", "Telegram ids are positive numbers");
        p.need(
            t.token.is_none() || self.fal.key.is_some(),
            "fal.key",
            "required with a real Telegram token (without one the app runs the sandbox)",
        );
    }

    fn check_stores(&self, p: &mut Problems) {
        let db = &self.database.url;
        p.need(
            db.starts_with("sqlite:") || db.starts_with("postgres://") || db.starts_with("postgresql://"),
            "database.url",
            "must be a sqlite: or postgres:// URL",
        );
        if let Some(url) = &self.redis.url {
            p.need(url.starts_with("redis://") || url.starts_with("rediss://"), "redis.url", "must be a redis:// URL");
        }
        let s = &self.storage;
        if s.kind == StorageKind::S3 {
            p.need(s.bucket.is_some(), "storage.bucket", "required when storage.kind is s3");
            p.need(s.access_key_id.is_some(), "storage.access_key_id", "required when storage.kind is s3");
            p.need(s.secret_access_key.is_some(), "storage.secret_access_key", "required when storage.kind is s3");
        }
    }

    fn check_prices_and_fal(&self, p: &mut Problems) {
        let pr = &self.prices;
        for (key, v) in [("prices.avatar_photo", pr.avatar_photo), ("prices.training", pr.training)] {
            p.need(v > 0, key, "prices are positive whole coins");
        }
        for (key, v) in [
            ("prices.imagen_fast", pr.imagen_fast),
            ("prices.imagen_standard", pr.imagen_standard),
            ("prices.imagen_ultra", pr.imagen_ultra),
        ] {
            p.need(v.is_none(), key, "Imagen 4 was retired; model prices are set per [[models]] entry now");
        }
        let f = &self.fal;
        p.need(
            aisha_fal::Trainer::of(&f.trainer).is_some(),
            "fal.trainer",
            "fal-ai/flux-lora-portrait-trainer or fal-ai/flux-lora-fast-training (the trigger field differs)",
        );
        p.need(f.archive_hours >= 1, "fal.archive_hours", "at least 1: the training must find its photos");
        p.need(
            f.lora_check_hours >= 0 && f.lora_check_hours <= f.lora_max_age_hours,
            "fal.lora_check_hours",
            "0 to fal.lora_max_age_hours",
        );
    }

    fn check_limits(&self, p: &mut Problems) {
        p.need(!self.packages.is_empty(), "packages", "at least one Stars package is needed");
        for (i, pk) in self.packages.iter().enumerate() {
            p.need(pk.coins > 0 && pk.stars > 0, &format!("packages.{i}"), "coins and stars must be positive");
            p.need(
                !pk.id.is_empty() && pk.id.len() <= 16 && pk.id.chars().all(|c| c.is_ascii_alphanumeric()),
                &format!("packages.{i}.id"),
                "1–16 letters or digits",
            );
        }
        let l = &self.limits;
        p.need(l.in_flight >= 1, "limits.in_flight", "must be at least 1");
        p.need(l.welcome_bonus >= 0, "limits.welcome_bonus", "cannot be negative");
        p.need(l.first_image_gift.is_none_or(|g| g >= 0), "limits.first_image_gift", "cannot be negative");
        p.need(l.min_photos >= 1 && l.min_photos <= l.max_photos, "limits.min_photos", "must be 1..=limits.max_photos");
        p.need(
            l.photo_max_mb >= 1 && l.photo_max_mb <= 20,
            "limits.photo_max_mb",
            "1 to 20 (Telegram's download limit)",
        );
        let to = &self.timeouts;
        p.need(to.images_minutes >= 1, "timeouts.images_minutes", "must be at least 1");
        p.need(to.images_seconds.is_none_or(|s| s >= 1), "timeouts.images_seconds", "must be at least 1");
        p.need(to.training_minutes >= 1, "timeouts.training_minutes", "must be at least 1");
        p.need(to.poll_seconds >= 1, "timeouts.poll_seconds", "must be at least 1");
        p.need(to.lease_seconds >= 3, "timeouts.lease_seconds", "must be at least 3");
    }

    fn check_assistant_and_http(&self, p: &mut Problems) {
        let a = &self.assistant;
        p.need(!a.model.trim().is_empty(), "assistant.model", "must name a model");
        p.need(!a.vision_model.trim().is_empty(), "assistant.vision_model", "must name a model");
        p.need((1..=120).contains(&a.timeout_seconds), "assistant.timeout_seconds", "must be 1 to 120");
        let h = &self.http;
        p.need(h.bind.parse::<std::net::SocketAddr>().is_ok(), "http.bind", "must be host:port, e.g. 127.0.0.1:8080");
        p.need(
            h.metrics_bind.parse::<std::net::SocketAddr>().is_ok(),
            "http.metrics_bind",
            "must be host:port, e.g. 127.0.0.1:9184",
        );
        p.need(
            !h.metrics_bind.parse::<std::net::SocketAddr>().is_ok_and(|a| !a.ip().is_loopback())
                || h.metrics_token.as_ref().is_some_and(|t| !t.expose_secret().is_empty()),
            "http.metrics_token",
            "required when http.metrics_bind is not a loopback address (/metrics would be public)",
        );
    }
}
