//! Image bytes as the domain sees them: the format by magic bytes and the pixel size from the
//! header. Pure parsing, no decoding: cheap enough to run on every upload and every result.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Jpeg,
    Png,
    Webp,
}

impl ImageFormat {
    /// The format named by the first bytes, whatever the file name or declared type says.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageFormat::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
        }
    }
}

/// Format and pixel size read from an image's header; `None` if the bytes are not a JPEG, PNG
/// or WebP whose header can be read.
pub fn probe(bytes: &[u8]) -> Option<(ImageFormat, u32, u32)> {
    let format = ImageFormat::sniff(bytes)?;
    let (w, h) = match format {
        ImageFormat::Png => png_size(bytes)?,
        ImageFormat::Jpeg => jpeg_size(bytes)?,
        ImageFormat::Webp => webp_size(bytes)?,
    };
    (w > 0 && h > 0).then_some((format, w, h))
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?])))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?])))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([*b.get(at)?, *b.get(at + 1)?, *b.get(at + 2)?, 0]))
}

fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    loop {
        // markers may be preceded by any number of 0xFF fill bytes
        while *b.get(i)? != 0xFF {
            i += 1;
        }
        while *b.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *b.get(i)?;
        i += 1;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return None,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let h = be16(b, i + 3)?;
                let w = be16(b, i + 5)?;
                return Some((w, h));
            }
            _ => i += usize::try_from(be16(b, i)?).ok()?,
        }
    }
}

fn webp_size(b: &[u8]) -> Option<(u32, u32)> {
    let data = 20;
    match b.get(12..16)? {
        b"VP8X" => Some((le24(b, data + 4)? + 1, le24(b, data + 7)? + 1)),
        b"VP8 " => {
            if b.get(data + 3..data + 6)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            Some((le16(b, data + 6)? & 0x3FFF, le16(b, data + 8)? & 0x3FFF))
        }
        b"VP8L" => {
            if *b.get(data)? != 0x2F {
                return None;
            }
            let bits = u32::from_le_bytes(b.get(data + 1..data + 5)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        _ => None,
    }
}

/// Hex SHA-256 of the bytes: the content hash used to spot duplicate photos.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Minimal well-formed headers for tests and emulators: enough for `probe` to read a size.
pub mod fixtures {
    /// A PNG signature plus an IHDR chunk for a `w`×`h` image (no pixel data).
    pub fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        v
    }

    /// A JPEG SOI, an APP0 segment and a baseline SOF0 for a `w`×`h` image.
    pub fn jpeg_header(w: u16, h: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        v.extend_from_slice(&[0xFF, 0xD9]);
        v
    }

    /// A RIFF/WEBP container with a VP8X chunk for a `w`×`h` canvas.
    pub fn webp_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"RIFF\x16\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00".to_vec();
        v.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        v.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn reads_sizes_of_all_three_formats() {
        assert_eq!(probe(&png_header(768, 1024)), Some((ImageFormat::Png, 768, 1024)));
        assert_eq!(probe(&jpeg_header(1024, 576)), Some((ImageFormat::Jpeg, 1024, 576)));
        assert_eq!(probe(&webp_header(600, 800)), Some((ImageFormat::Webp, 600, 800)));
    }

    #[test]
    fn lossy_and_lossless_webp() {
        let mut lossy = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0".to_vec();
        lossy.extend_from_slice(&[0, 0, 0, 0x9D, 0x01, 0x2A]);
        lossy.extend_from_slice(&640u16.to_le_bytes());
        lossy.extend_from_slice(&480u16.to_le_bytes());
        assert_eq!(probe(&lossy), Some((ImageFormat::Webp, 640, 480)));
        let mut lossless = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2F".to_vec();
        let bits: u32 = (512 - 1) | ((300 - 1) << 14);
        lossless.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(probe(&lossless), Some((ImageFormat::Webp, 512, 300)));
    }

    #[test]
    fn rejects_what_is_not_an_image() {
        assert_eq!(ImageFormat::sniff(b"%PDF-1.7 ..."), None);
        assert_eq!(probe(b""), None);
        assert_eq!(probe(&[0xFF, 0xD8, 0xFF]), None, "truncated JPEG has no size");
        assert_eq!(probe(&png_header(0, 10)), None);
    }

    #[test]
    fn hash_is_stable_hex() {
        assert_eq!(content_hash(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
