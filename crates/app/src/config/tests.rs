use super::*;
use aisha_domain::style::Flow;
use secrecy::ExposeSecret;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn defaults_alone_are_valid_and_embedded() {
    let s = Settings::load(None, env(&[])).unwrap();
    assert!(s.telegram.token.is_none(), "no token: sandbox mode");
    assert!(s.database.url.starts_with("sqlite:"));
    assert_eq!(s.storage.kind, StorageKind::Local);
    assert!(s.redis.url.is_none());
    assert_eq!(s.prices.training, 150);
    assert_eq!(s.packages.len(), 3);
    assert_eq!(s.http.bind, "127.0.0.1:8080");
    assert_eq!(s.http.metrics_bind, "127.0.0.1:9184");
}

#[test]
fn an_empty_or_malformed_webhook_secret_is_refused() {
    let webhook = |secret: &str| {
        Settings::load(
            None,
            env(&[
                ("AISHA__TELEGRAM__MODE", "webhook"),
                ("AISHA__TELEGRAM__WEBHOOK_URL", "https://bot.example/telegram/webhook"),
                ("AISHA__TELEGRAM__WEBHOOK_SECRET", secret),
            ]),
        )
    };
    for bad in ["", "has space", "ключ", &"x".repeat(257)] {
        let err = webhook(bad).unwrap_err().to_string();
        assert!(err.contains("telegram.webhook_secret (AISHA__TELEGRAM__WEBHOOK_SECRET)"), "{bad:?}: {err}");
    }
    assert!(webhook("s3cret_-TOKEN").is_ok());
}

#[test]
fn metrics_off_loopback_need_a_token() {
    let err = Settings::load(None, env(&[("AISHA__HTTP__METRICS_BIND", "0.0.0.0:9184")])).unwrap_err().to_string();
    assert!(err.contains("http.metrics_token (AISHA__HTTP__METRICS_TOKEN)"), "{err}");
    let s = Settings::load(
        None,
        env(&[("AISHA__HTTP__METRICS_BIND", "0.0.0.0:9184"), ("AISHA__HTTP__METRICS_TOKEN", "scrape-me")]),
    )
    .unwrap();
    assert_eq!(s.http.metrics_token.unwrap().expose_secret(), "scrape-me");
    let err = Settings::load(None, env(&[("AISHA__HTTP__METRICS_BIND", "somewhere")])).unwrap_err().to_string();
    assert!(err.contains("http.metrics_bind"), "{err}");
    assert!(Http::is_loopback("127.0.0.1:1") && Http::is_loopback("[::1]:1") && !Http::is_loopback("0.0.0.0:1"));
}

#[test]
fn environment_overrides_land() {
    let s = Settings::load(
        None,
        env(&[
            ("AISHA__TELEGRAM__TOKEN", "123:abc"),
            ("AISHA__FAL__KEY", "fal-secret"),
            ("AISHA__TELEGRAM__ADMINS", "42,43"),
            ("AISHA__TELEGRAM__SUPPORT_CONTACT", "@aisha_help"),
            ("AISHA__PRICES__AVATAR_PHOTO", "4"),
            ("AISHA__DATABASE__URL", "postgres://u@db/aisha"),
            ("AISHA__REDIS__URL", "redis://127.0.0.1:6379/0"),
            ("AISHA__HTTP__BIND", "0.0.0.0:9000"),
            ("UNRELATED", "x"),
        ]),
    )
    .unwrap();
    assert_eq!(s.telegram.token.as_ref().unwrap().expose_secret(), "123:abc");
    assert_eq!(s.telegram.admins, vec![42, 43]);
    assert_eq!(s.telegram.support_contact.as_deref(), Some("@aisha_help"));
    assert_eq!(s.prices.avatar_photo, 4);
    assert_eq!(s.database.url, "postgres://u@db/aisha");
    assert_eq!(s.redis.url.as_deref(), Some("redis://127.0.0.1:6379/0"));
    assert_eq!(s.http.bind, "0.0.0.0:9000");
}

#[test]
fn every_bad_setting_is_named_at_once() {
    let err = Settings::load(
        None,
        env(&[
            ("AISHA__TELEGRAM__MODE", "webhook"),
            ("AISHA__TELEGRAM__TOKEN", "123:abc"),
            ("AISHA__PRICES__TRAINING", "0"),
            ("AISHA__STORAGE__KIND", "s3"),
            ("AISHA__HTTP__BIND", "nowhere"),
        ]),
    )
    .unwrap_err()
    .to_string();
    for key in [
        "telegram.webhook_url (AISHA__TELEGRAM__WEBHOOK_URL)",
        "telegram.webhook_secret",
        "fal.key (AISHA__FAL__KEY)",
        "prices.training",
        "storage.bucket",
        "storage.secret_access_key",
        "http.bind",
    ] {
        assert!(err.contains(key), "{key} missing from:\n{err}");
    }
}

#[test]
fn a_wrongly_typed_value_names_its_setting() {
    let err = Settings::load(None, env(&[("AISHA__LIMITS__IN_FLIGHT", "many")])).unwrap_err().to_string();
    assert!(err.contains("in_flight"), "{err}");
}

#[test]
fn the_first_image_gift_defaults_to_the_cheapest_image_and_adds_the_welcome_bonus() {
    let s = Settings::load(None, env(&[])).unwrap();
    let cheapest = s.catalog.cheapest_price().get();
    assert!(cheapest > 0);
    assert_eq!(s.limits.first_image_gift, None);
    assert_eq!(s.welcome_credit(), cheapest, "by default exactly one image of the cheapest model");
    let s = Settings::load(None, env(&[("AISHA__LIMITS__FIRST_IMAGE_GIFT", "0")])).unwrap();
    assert_eq!(s.welcome_credit(), 0, "0 turns it off");
    let s =
        Settings::load(None, env(&[("AISHA__LIMITS__FIRST_IMAGE_GIFT", "20"), ("AISHA__LIMITS__WELCOME_BONUS", "5")]))
            .unwrap();
    assert_eq!(s.welcome_credit(), 25, "one credit, both amounts");
    let err = Settings::load(None, env(&[("AISHA__LIMITS__FIRST_IMAGE_GIFT", "-1")])).unwrap_err().to_string();
    assert!(err.contains("limits.first_image_gift"), "{err}");
}

#[test]
fn an_image_deadline_in_seconds_replaces_the_minutes() {
    let s = Settings::load(None, env(&[])).unwrap();
    assert_eq!(s.timeouts.images_seconds, None);
    assert_eq!(s.timeouts.images(), chrono::Duration::minutes(10));
    let s = Settings::load(None, env(&[("AISHA__TIMEOUTS__IMAGES_SECONDS", "8")])).unwrap();
    assert_eq!(s.timeouts.images(), chrono::Duration::seconds(8));
    let err = Settings::load(None, env(&[("AISHA__TIMEOUTS__IMAGES_SECONDS", "0")])).unwrap_err().to_string();
    assert!(err.contains("timeouts.images_seconds (AISHA__TIMEOUTS__IMAGES_SECONDS)"), "{err}");
}

fn load_file(name: &str, text: &str) -> Result<Settings, ConfigError> {
    let dir = std::env::temp_dir().join(format!("aisha-config-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("aisha.toml");
    std::fs::write(&path, text).unwrap();
    let s = Settings::load(Some(&path), env(&[]));
    std::fs::remove_dir_all(&dir).ok();
    s
}

#[test]
fn without_models_the_built_in_catalog_is_used() {
    let s = Settings::load(None, env(&[])).unwrap();
    assert_eq!(s.catalog, Catalog::default());
}

#[test]
fn styles_come_from_the_configuration_with_every_problem_named() {
    assert_eq!(Settings::load(None, env(&[])).unwrap().styles, Styles::default());
    let s = load_file(
        "styles",
        r#"
[[styles]]
key = "retro"
name_ru = "Ретро"
name_en = "Retro"
template = "1970s film photo of {subject}, warm grain"
preview = "https://example.com/retro.jpg"
flows = ["with_me"]

[[styles]]
key = "ink"
name_ru = "Тушь"
name_en = "Ink"
template = "ink drawing of {subject}"
"#,
    )
    .unwrap();
    let keys: Vec<&str> = s.styles.offered(Flow::Create).map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["ink"], "flows default to both; retro is for photos with me only");
    assert_eq!(s.styles.offered(Flow::WithMe).count(), 2);
    let err = load_file(
        "bad-styles",
        r#"
[[styles]]
key = "Bad Key"
name_ru = "А"
name_en = "A"
template = "{subject}"

[[styles]]
key = "noslot"
name_ru = "Б"
name_en = "B"
template = "a photo"
flows = ["everywhere"]
"#,
    )
    .unwrap_err()
    .to_string();
    for expected in [
        "styles[0].key: invalid style key",
        r#"styles[1] "noslot": unknown flow "everywhere""#,
        r#"styles[1] "noslot": the template must contain {subject} exactly once"#,
    ] {
        assert!(err.contains(expected), "{expected}\nin\n{err}");
    }
}

#[test]
fn a_model_of_a_known_dialect_is_configuration_only() {
    let s = load_file(
        "add",
        r#"
[[models]]
key = "nano-banana-2"
endpoint = "fal-ai/nano-banana-2"
dialect = "gemini"
resolution = "1K"
name_ru = "Nano Banana 2"
name_en = "Nano Banana 2"
price = 11

[[models]]
key = "flux-2-pro"
endpoint = "fal-ai/flux-2-pro"
dialect = "flux-2"
name_ru = "FLUX.2 Pro"
name_en = "FLUX.2 Pro"
price = 6
max_images = 1
aspects = ["1:1", "16:9"]
"#,
    )
    .unwrap();
    let keys: Vec<&str> = s.catalog.enabled().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["nano-banana-2", "flux-2-pro"]);
    let pro = &s.catalog.all()[1];
    assert_eq!((pro.price.get(), pro.max_images, pro.aspects.len()), (6, 1, 2));
    assert_eq!(pro.provider.endpoint, "fal-ai/flux-2-pro");
}

#[test]
fn a_bad_catalog_stops_the_start_naming_each_entry() {
    let err = load_file(
        "bad",
        r#"
[[models]]
key = "a"
endpoint = "fal-ai/x"
dialect = "dall-e"
name_ru = "A"
name_en = "A"
price = 3

[[models]]
key = "a"
endpoint = "fal-ai/y"
dialect = "gemini"
name_ru = "B"
name_en = "B"
price = 0
aspects = ["21:9"]

[[models]]
key = "c"
endpoint = "fal-ai/flux-2"
dialect = "flux-2"
resolution = "2K"
name_ru = "C"
name_en = "C"
price = -5
"#,
    )
    .unwrap_err()
    .to_string();
    for needle in [
        r#"models[0] "a": unknown dialect "dall-e""#,
        r#"models[1] "a": the key is used by an earlier entry"#,
        r#"models[1] "a": price must be at least 1 coin"#,
        r#"models[1] "a": aspect ratio "21:9" cannot be offered"#,
        r#"models[2] "c": price must be at least 1 coin"#,
        r#"models[2] "c": resolution "2K" is not one of the flux-2 dialect's"#,
    ] {
        assert!(err.contains(needle), "{needle} missing from:\n{err}");
    }
}

#[test]
fn imagen4_prices_point_to_the_catalog() {
    let err = Settings::load(None, env(&[("AISHA__PRICES__IMAGEN_FAST", "3")])).unwrap_err().to_string();
    assert!(err.contains("prices.imagen_fast") && err.contains("[[models]]"), "{err}");
}

#[test]
fn secrets_are_not_printed() {
    let s =
        Settings::load(None, env(&[("AISHA__TELEGRAM__TOKEN", "123:very-secret"), ("AISHA__FAL__KEY", "k")])).unwrap();
    assert!(!format!("{s:?}").contains("very-secret"));
}

#[test]
fn a_file_overrides_defaults_and_env_overrides_the_file() {
    let dir = std::env::temp_dir().join(format!("aisha-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("aisha.toml");
    std::fs::write(&path, "[prices]\navatar_photo = 7\ntraining = 9\n").unwrap();
    let s = Settings::load(Some(&path), env(&[("AISHA__PRICES__TRAINING", "11")])).unwrap();
    assert_eq!((s.prices.avatar_photo, s.prices.training), (7, 11));
    assert!(Settings::load(Some(&dir.join("missing.toml")), env(&[])).is_err());
    std::fs::remove_dir_all(&dir).ok();
}
