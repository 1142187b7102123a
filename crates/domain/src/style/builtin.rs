//! The built-in styles: photographic scenes for photos with an avatar, looks for both. Plain
//! data, turned into [`Style`]s by [`styles`].

use super::Flow::{Create, WithMe};
use super::{Flow, Style, StyleKey};

/// One built-in style as it is written here.
struct Entry {
    key: &'static str,
    name_ru: &'static str,
    name_en: &'static str,
    template: &'static str,
    flows: &'static [Flow],
}

/// The built-in styles, in the order they are offered.
const BUILTIN: [Entry; 12] = [
    Entry {
        key: "business",
        name_ru: "💼 Деловой портрет",
        name_en: "💼 Business portrait",
        template: "professional headshot of {subject} in a tailored dark suit, soft studio light, plain grey \
                   background, 85mm lens, sharp focus",
        flows: &[WithMe],
    },
    Entry {
        key: "beach",
        name_ru: "🌅 Пляж на закате",
        name_en: "🌅 Beach at sunset",
        template: "{subject} walking barefoot on a sandy beach at sunset, warm golden light, gentle waves, \
                   candid photo, 50mm lens",
        flows: &[WithMe],
    },
    Entry {
        key: "noir",
        name_ru: "🎞 Нуар",
        name_en: "🎞 Film noir",
        template: "black and white film noir portrait of {subject}, hard side light through window blinds, \
                   cigarette smoke, 1940s detective mood",
        flows: &[WithMe, Create],
    },
    Entry {
        key: "cyberpunk",
        name_ru: "🌃 Киберпанк",
        name_en: "🌃 Cyberpunk",
        template: "{subject} in a rainy cyberpunk street at night, neon signs reflected in puddles, \
                   cinematic lighting, high detail",
        flows: &[WithMe, Create],
    },
    Entry {
        key: "knight",
        name_ru: "🛡 Рыцарь",
        name_en: "🛡 Knight",
        template: "{subject} as a medieval knight in polished plate armour, castle courtyard, overcast \
                   daylight, epic fantasy film still",
        flows: &[WithMe, Create],
    },
    Entry {
        key: "astronaut",
        name_ru: "🚀 Космонавт",
        name_en: "🚀 Astronaut",
        template: "{subject} as an astronaut in a white spacesuit on the surface of the Moon, Earth in the \
                   black sky, photorealistic",
        flows: &[WithMe, Create],
    },
    Entry {
        key: "magazine",
        name_ru: "📰 Обложка журнала",
        name_en: "📰 Magazine cover",
        template: "fashion magazine cover photo of {subject}, studio lighting, bold styling, confident pose, \
                   high-end editorial look",
        flows: &[WithMe],
    },
    Entry {
        key: "winter",
        name_ru: "❄️ Зимняя сказка",
        name_en: "❄️ Winter tale",
        template: "{subject} in a snowy pine forest, warm knitted scarf, falling snowflakes, soft morning \
                   light, fairytale mood",
        flows: &[WithMe, Create],
    },
    Entry {
        key: "anime",
        name_ru: "🌸 Аниме",
        name_en: "🌸 Anime",
        template: "{subject} drawn as an anime character, clean line art, vibrant cel shading, detailed \
                   background",
        flows: &[WithMe, Create],
    },
    Entry {
        key: "watercolor",
        name_ru: "🎨 Акварель",
        name_en: "🎨 Watercolour",
        template: "delicate watercolour painting of {subject}, soft washes of colour, visible paper texture, \
                   loose brush strokes",
        flows: &[WithMe, Create],
    },
    Entry {
        key: "oil",
        name_ru: "🖼 Масляная живопись",
        name_en: "🖼 Oil painting",
        template: "classical oil painting of {subject}, rich colours, dramatic chiaroscuro, visible brush \
                   strokes, museum quality",
        flows: &[WithMe, Create],
    },
    Entry {
        key: "pixel",
        name_ru: "👾 Пиксель-арт",
        name_en: "👾 Pixel art",
        template: "{subject} as 16-bit pixel art, limited palette, crisp pixels, retro video game scene",
        flows: &[Create],
    },
];

/// The built-in styles as [`Style`]s (no previews).
pub(super) fn styles() -> Vec<Style> {
    BUILTIN
        .iter()
        .map(|e| Style {
            key: StyleKey::parse(e.key).expect("literal key"),
            name_ru: e.name_ru.to_owned(),
            name_en: e.name_en.to_owned(),
            template: e.template.to_owned(),
            preview: None,
            flows: e.flows.to_vec(),
        })
        .collect()
}
