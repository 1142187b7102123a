//! Result pictures: the pixel size each model gives for an aspect ratio or preset, and a cheap
//! deterministic drawing (two-colour gradient with diagonal bands) encoded as PNG or JPEG.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "jpeg" | "jpg" => Some(Format::Jpeg),
            "png" => Some(Format::Png),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
        }
    }
}

/// One picture a job will serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub seed: u64,
    /// Blacked out, as flux-lora returns images its safety checker flags.
    pub black: bool,
}

/// Imagen 4's output size for an aspect ratio at `1K` or `2K`.
pub fn imagen_size(aspect: &str, resolution: &str) -> Option<(u32, u32)> {
    let (w, h) = match aspect {
        "1:1" => (1024, 1024),
        "16:9" => (1408, 768),
        "9:16" => (768, 1408),
        "4:3" => (1280, 896),
        "3:4" => (896, 1280),
        _ => return None,
    };
    match resolution {
        "1K" => Some((w, h)),
        "2K" => Some((w * 2, h * 2)),
        _ => None,
    }
}

/// The Gemini models' output size: the long side 1024 pixels per `1K` (512 at `0.5K`), the
/// short side from the aspect ratio; `auto` draws a square.
pub fn gemini_size(aspect: &str, resolution: &str) -> Option<(u32, u32)> {
    let long = match resolution {
        "0.5K" => 512,
        "1K" => 1024,
        "2K" => 2048,
        "4K" => 4096,
        _ => return None,
    };
    let (w, h) = match aspect {
        "auto" => (1, 1),
        other => {
            let (w, h) = other.split_once(':')?;
            (w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)
        }
    };
    let short = |a: u32, b: u32| (long * a / b).max(64);
    Some(if w >= h { (long, short(h, w)) } else { (short(w, h), long) })
}

/// flux-lora's named presets. FAL names them orientation first: `portrait_4_3` is 3:4.
pub fn flux_size(preset: &str) -> Option<(u32, u32)> {
    Some(match preset {
        "square_hd" => (1024, 1024),
        "square" => (512, 512),
        "portrait_4_3" => (768, 1024),
        "portrait_16_9" => (576, 1024),
        "landscape_4_3" => (1024, 768),
        "landscape_16_9" => (1024, 576),
        _ => return None,
    })
}

fn colour(seed: u64, shift: u32) -> [u8; 3] {
    let v = seed.rotate_left(shift);
    [(v & 0xff) as u8, ((v >> 8) & 0xff) as u8, ((v >> 16) & 0xff) as u8]
}

/// Draws and encodes the picture: a horizontal two-colour gradient crossed by a plaid of
/// bands. Rows repeat within each band, which keeps drawing and compression cheap.
pub fn render(p: &Picture) -> Vec<u8> {
    let (w, h) = (p.width as usize, p.height as usize);
    let mut pixels = vec![0u8; w * h * 3];
    if !p.black {
        let mixed = super::splitmix(&mut p.seed.clone());
        let (a, b, c) = (colour(mixed, 0), colour(mixed, 24), colour(mixed, 48));
        let band = 32 + (mixed % 96) as usize;
        let row = |tinted: bool| -> Vec<u8> {
            let mut line = Vec::with_capacity(w * 3);
            for x in 0..w {
                let t = x as u32 * 255 / w.max(1) as u32;
                let base: [u8; 3] =
                    std::array::from_fn(|i| ((u32::from(a[i]) * (255 - t) + u32::from(b[i]) * t) / 255) as u8);
                let stripe = (x / band) % 2 == usize::from(tinted);
                let px = if stripe { std::array::from_fn(|i| base[i] / 2 + c[i] / 2) } else { base };
                line.extend_from_slice(&px);
            }
            line
        };
        let (plain, tinted) = (row(false), row(true));
        for (y, out) in pixels.chunks_exact_mut(w * 3).enumerate() {
            out.copy_from_slice(if (y / band).is_multiple_of(2) { &plain } else { &tinted });
        }
    }
    let mut out = Vec::new();
    let result = match p.format {
        Format::Png => PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive).write_image(
            &pixels,
            p.width,
            p.height,
            ExtendedColorType::Rgb8,
        ),
        Format::Jpeg => {
            JpegEncoder::new_with_quality(&mut out, 60).write_image(&pixels, p.width, p.height, ExtendedColorType::Rgb8)
        }
    };
    result.expect("encoding an in-memory RGB buffer cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_orientation() {
        assert_eq!(imagen_size("16:9", "1K"), Some((1408, 768)));
        assert_eq!(imagen_size("3:4", "1K"), Some((896, 1280)));
        assert_eq!(imagen_size("9:16", "2K"), Some((1536, 2816)));
        assert_eq!(imagen_size("2:1", "1K"), None);
        assert_eq!(gemini_size("16:9", "1K"), Some((1024, 576)));
        assert_eq!(gemini_size("3:4", "2K"), Some((1536, 2048)));
        assert_eq!(gemini_size("auto", "0.5K"), Some((512, 512)));
        assert_eq!(gemini_size("1:1", "8K"), None);
        assert_eq!(flux_size("portrait_16_9"), Some((576, 1024)));
        assert_eq!(flux_size("landscape_4_3"), Some((1024, 768)));
    }

    #[test]
    fn the_same_seed_draws_the_same_picture() {
        let p = Picture { width: 64, height: 48, format: Format::Png, seed: 42, black: false };
        assert_eq!(render(&p), render(&p));
        assert_ne!(render(&p), render(&Picture { seed: 43, ..p }));
        let jpeg = render(&Picture { format: Format::Jpeg, ..p });
        assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
        let decoded = image::load_from_memory(&render(&p)).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (64, 48));
    }
}
