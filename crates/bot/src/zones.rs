//! Timezones as people name them: a city in the user's language and its offset from UTC now
//! («Москва (UTC+3)»), never an IANA id on a Russian screen. A city typed in either language
//! is understood too.

use aisha_domain::{Language, Timezone};
use chrono::{DateTime, Offset, Utc};

/// IANA id, Russian name, English name.
const CITIES: &[(&str, &str, &str)] = &[
    ("Europe/Kaliningrad", "Калининград", "Kaliningrad"),
    ("Europe/Moscow", "Москва", "Moscow"),
    ("Europe/Volgograd", "Волгоград", "Volgograd"),
    ("Europe/Samara", "Самара", "Samara"),
    ("Asia/Yekaterinburg", "Екатеринбург", "Yekaterinburg"),
    ("Asia/Omsk", "Омск", "Omsk"),
    ("Asia/Novosibirsk", "Новосибирск", "Novosibirsk"),
    ("Asia/Krasnoyarsk", "Красноярск", "Krasnoyarsk"),
    ("Asia/Irkutsk", "Иркутск", "Irkutsk"),
    ("Asia/Yakutsk", "Якутск", "Yakutsk"),
    ("Asia/Vladivostok", "Владивосток", "Vladivostok"),
    ("Asia/Magadan", "Магадан", "Magadan"),
    ("Asia/Kamchatka", "Петропавловск-Камчатский", "Petropavlovsk-Kamchatsky"),
    ("Europe/Minsk", "Минск", "Minsk"),
    ("Europe/Kyiv", "Киев", "Kyiv"),
    ("Asia/Almaty", "Алматы", "Almaty"),
    ("Asia/Tashkent", "Ташкент", "Tashkent"),
    ("Asia/Bishkek", "Бишкек", "Bishkek"),
    ("Asia/Tbilisi", "Тбилиси", "Tbilisi"),
    ("Asia/Yerevan", "Ереван", "Yerevan"),
    ("Asia/Baku", "Баку", "Baku"),
    ("Europe/Istanbul", "Стамбул", "Istanbul"),
    ("Asia/Dubai", "Дубай", "Dubai"),
    ("Asia/Bangkok", "Бангкок", "Bangkok"),
    ("Europe/Berlin", "Берлин", "Berlin"),
    ("Europe/London", "Лондон", "London"),
    ("America/New_York", "Нью-Йорк", "New York"),
];

/// "UTC+3", "UTC−3:30", "UTC" at `now` (summer time included).
pub(crate) fn offset(tz: Timezone, now: DateTime<Utc>) -> String {
    let seconds = now.with_timezone(&tz.tz()).offset().fix().local_minus_utc();
    if seconds == 0 {
        return "UTC".into();
    }
    let sign = if seconds < 0 { '−' } else { '+' };
    let (h, m) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
    if m == 0 { format!("UTC{sign}{h}") } else { format!("UTC{sign}{h}:{m:02}") }
}

/// «Москва (UTC+3)»; a zone without a known city is its offset alone.
pub(crate) fn label(tz: Timezone, language: Language, now: DateTime<Utc>) -> String {
    let offset = offset(tz, now);
    match CITIES.iter().find(|(id, _, _)| *id == tz.name() || (*id == "Europe/Kyiv" && tz.name() == "Europe/Kiev")) {
        Some((_, ru, en)) => format!("{} ({offset})", if language == Language::Ru { ru } else { en }),
        None => offset,
    }
}

/// A typed city (either language, any case) or what `Timezone::parse` takes (an IANA id,
/// `UTC+5`).
pub(crate) fn parse(typed: &str) -> Option<Timezone> {
    let wanted = typed.trim().to_lowercase();
    CITIES
        .iter()
        .find(|(_, ru, en)| ru.to_lowercase() == wanted || en.to_lowercase() == wanted)
        .and_then(|(id, _, _)| Timezone::parse(id).ok())
        .or_else(|| Timezone::parse(typed).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn zones_read_as_cities_with_their_offset_now() {
        let winter = Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 15, 12, 0, 0).unwrap();
        let tz = |s| Timezone::parse(s).unwrap();
        assert_eq!(label(tz("Europe/Moscow"), Language::Ru, winter), "Москва (UTC+3)");
        assert_eq!(label(tz("Europe/Moscow"), Language::En, winter), "Moscow (UTC+3)");
        assert_eq!(label(tz("Europe/Berlin"), Language::Ru, winter), "Берлин (UTC+1)");
        assert_eq!(label(tz("Europe/Berlin"), Language::Ru, summer), "Берлин (UTC+2)", "summer time");
        assert_eq!(label(tz("America/New_York"), Language::En, winter), "New York (UTC−5)");
        assert_eq!(label(tz("UTC"), Language::Ru, winter), "UTC");
        assert_eq!(label(tz("UTC+5"), Language::Ru, winter), "UTC+5", "no city: the offset alone");
        assert_eq!(label(tz("Asia/Kolkata"), Language::Ru, winter), "UTC+5:30", "no IANA id on a Russian screen");
    }

    #[test]
    fn a_city_is_understood_in_either_language() {
        for typed in ["Москва", "москва", "  Moscow ", "Europe/Moscow"] {
            assert_eq!(parse(typed).map(Timezone::name), Some("Europe/Moscow"), "{typed}");
        }
        assert_eq!(parse("Алматы").map(Timezone::name), Some("Asia/Almaty"));
        assert_eq!(parse("UTC+5").map(Timezone::name), Some("Etc/GMT-5"));
        assert_eq!(parse("Нарния"), None);
    }
}
