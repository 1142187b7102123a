//! A ZIP archive writer for training photos. Photos are already compressed (JPEG, PNG, WebP),
//! so entries are stored without compression: the archive is the photos plus a few headers,
//! and building it is pure computation.

/// Builds a ZIP (stored entries, no ZIP64: at most 65 535 entries and 4 GiB, far above the
/// 20 photos × 20 MB an avatar can have).
pub fn stored_zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ArchiveError> {
    if files.len() > usize::from(u16::MAX) {
        return Err(ArchiveError::TooLarge);
    }
    let mut out = Vec::with_capacity(files.iter().map(|(n, d)| n.len() * 2 + d.len() + 80).sum::<usize>() + 22);
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = u32::try_from(out.len()).map_err(|_| ArchiveError::TooLarge)?;
        let size = u32::try_from(data.len()).map_err(|_| ArchiveError::TooLarge)?;
        let name_len = u16::try_from(name.len()).map_err(|_| ArchiveError::TooLarge)?;
        let crc = crc32(data);
        // local file header
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        // version 2.0, no flags, method 0 (stored), time 00:00, date 1980-01-01
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // central directory entry
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).map_err(|_| ArchiveError::TooLarge)?;
    let central_size = u32::try_from(central.len()).map_err(|_| ArchiveError::TooLarge)?;
    let count = u16::try_from(files.len()).map_err(|_| ArchiveError::TooLarge)?;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("the archive would exceed the ZIP format's 4 GiB / 65 535 entry limits")]
    TooLarge,
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn archive_layout_is_readable() {
        let zip = stored_zip(&[("a.jpg".into(), b"hello".to_vec()), ("b.png".into(), vec![0; 3])]).unwrap();
        assert_eq!(&zip[..4], b"PK\x03\x04");
        let eocd = &zip[zip.len() - 22..];
        assert_eq!(&eocd[..4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([eocd[10], eocd[11]]), 2, "two entries");
        let cd_offset = u32::from_le_bytes(eocd[16..20].try_into().unwrap()) as usize;
        assert_eq!(&zip[cd_offset..cd_offset + 4], b"PK\x01\x02", "central directory where the end record says");
        // first entry's data follows its 30-byte header and name
        assert_eq!(&zip[30 + 5..30 + 10], b"hello");
        // and a real unzip agrees, when the machine has one
        let path = std::env::temp_dir().join(format!("aisha-zip-test-{}.zip", std::process::id()));
        std::fs::write(&path, &zip).unwrap();
        if let Ok(out) = std::process::Command::new("unzip").arg("-t").arg(&path).output() {
            assert!(out.status.success(), "unzip -t: {}", String::from_utf8_lossy(&out.stdout));
        }
        let _ = std::fs::remove_file(&path);
    }
}
