//! The encoding against itself and against data it must refuse.

use super::*;

#[test]
fn every_variant_round_trips_within_64_bytes() {
    for cb in samples() {
        let data = cb.encode();
        assert!(data.len() <= 64, "{cb:?} encodes to {} bytes", data.len());
        assert_eq!(Cb::decode(&data), Some(cb), "{data}");
    }
}

#[test]
fn unknown_old_and_forged_data_decode_to_none() {
    for bad in [
        "",
        "menu",
        "0m",
        "2m",
        "1zz",
        "1cn:5",
        "1cn:0",
        "1cy:not-hex",
        "1cy:",
        "1gf:123",
        "1ca:21",
        "1m:extra",
        "1sq:2",
        "1st:yes",
        "1cz:Bad Key",
        "1cs:256",
        "1fd:never",
        "1ag:x",
        "1ag",
        "1a:1",
        "1ao:",
        "1ax:123",
        "1wa:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "gallery_image_next:3",
        // steps: a short card, a bad kind, a bad flag, an unknown date, a reversed range, a
        // range of 367 days, a short avatar, trailing bytes, a multi-byte character
        "1gn:AAAAAAAAAAAAAAAAAAAAA",
        "1gn:AAAAAAAAAAAAAAAAAAAAAAx0-",
        "1gn:AAAAAAAAAAAAAAAAAAAAAAa2-",
        "1gn:AAAAAAAAAAAAAAAAAAAAAAa0q",
        "1gp:AAAAAAAAAAAAAAAAAAAAAAa0r b46b8b46b7",
        "1gp:AAAAAAAAAAAAAAAAAAAAAAa0rb4530b46c3",
        "1gn:AAAAAAAAAAAAAAAAAAAAAAa0-AAAA",
        "1gn:AAAAAAAAAAAAAAAAAAAAAAa0-AAAAAAAAAAAAAAAAAAAAAAx",
        "1gn:AAAAAAAAAAAAAAAAAAAAAAa0é",
    ] {
        assert_eq!(Cb::decode(bad), None, "{bad:?}");
    }
}

#[test]
fn a_step_decodes_what_its_encoder_writes() {
    let data = "1gn:AAAAAAAAAAAAAAAAAAAAAAt1-";
    let Some(Cb::Step(step)) = Cb::decode(data) else { panic!("{data} decodes as a step") };
    assert!(step.older);
    assert_eq!(step.from, ImageId(uuid::Uuid::nil()));
    assert_eq!(step.filter.kind, Some(ImageKind::Text));
    assert!(step.filter.favorites_only && step.filter.date.is_none() && step.filter.avatar.is_none());
    assert_eq!(Cb::Step(step).encode(), data);
    // the buttons of cards rendered before steps carried their card still work
    assert_eq!(Cb::decode("1gn"), Some(Cb::Older));
    assert_eq!(Cb::decode("1gp"), Some(Cb::Newer));
}

/// Which variant `cb` is. The match is exhaustive: a new variant does not compile until it is
/// numbered here, and then `every_variant_is_sampled` fails until `samples()` carries it (and
/// the round trip, until `wire` encodes it).
fn variant(cb: Cb) -> usize {
    match cb {
        Cb::Menu => 0,
        Cb::Create => 1,
        Cb::Gallery => 2,
        Cb::Balance => 3,
        Cb::Settings => 4,
        Cb::Help => 5,
        Cb::Cancel => 6,
        Cb::Aspect(_) => 7,
        Cb::Count(_) => 8,
        Cb::Model(_) => 9,
        Cb::Confirm(_) => 10,
        Cb::CancelJob(_) => 11,
        Cb::Again(_) => 12,
        Cb::EditPrompt(_) => 13,
        Cb::Resume => 14,
        Cb::Improve => 15,
        Cb::ImproveTake => 16,
        Cb::ImproveKeep => 17,
        Cb::SendOwn => 18,
        Cb::Styles(_) => 19,
        Cb::StylePreviews(_) => 20,
        Cb::Style(_) => 21,
        Cb::StylesBack => 22,
        Cb::Newer => 23,
        Cb::Older => 24,
        Cb::Open(_) => 25,
        Cb::Favorite(_) => 26,
        Cb::Prompt(_) => 27,
        Cb::AgainImage(_) => 28,
        Cb::Delete(_) => 29,
        Cb::DeleteYes(_) => 30,
        Cb::Card => 31,
        Cb::GalleryReset => 32,
        Cb::ResultFavorite(_) => 33,
        Cb::Original(_) => 34,
        Cb::Originals(_) => 35,
        Cb::GridOlder(_) => 36,
        Cb::GridNewer(_) => 37,
        Cb::Filters => 38,
        Cb::Stats => 39,
        Cb::FilterType(_) => 40,
        Cb::FilterAvatarMenu => 41,
        Cb::FilterAvatar(_) => 42,
        Cb::FilterFavorites(_) => 43,
        Cb::FilterDateMenu => 44,
        Cb::FilterDate(_) => 45,
        Cb::FilterReset => 46,
        Cb::Avatars => 47,
        Cb::AvatarNew => 48,
        Cb::Gender(_) => 49,
        Cb::AvatarOpen(_) => 50,
        Cb::AvatarUpload(_) => 51,
        Cb::AvatarReview(_) => 52,
        Cb::AvatarShowPhotos(_) => 53,
        Cb::PhotoRemove(_) => 54,
        Cb::AvatarTrain(_) => 55,
        Cb::TrainConfirm(_) => 56,
        Cb::AvatarMain(_) => 57,
        Cb::AvatarRename(_) => 58,
        Cb::AvatarDelete(_) => 59,
        Cb::AvatarDeleteYes(_) => 60,
        Cb::WithMe => 61,
        Cb::WithAvatar(_) => 62,
        Cb::TopUp => 63,
        Cb::Buy(_) => 64,
        Cb::Promo => 65,
        Cb::History(_) => 66,
        Cb::Language(_) => 67,
        Cb::TimezoneMenu => 68,
        Cb::Timezone(_) => 69,
        Cb::Defaults => 70,
        Cb::DefaultAspect(_) => 71,
        Cb::DefaultCount(_) => 72,
        Cb::DefaultModel(_) => 73,
        Cb::Quick(_) => 74,
        Cb::Translate(_) => 75,
        Cb::Noop => 76,
        Cb::Step(_) => 77,
    }
}

#[test]
fn every_variant_is_sampled() {
    let sampled: std::collections::BTreeSet<usize> = samples().into_iter().map(variant).collect();
    assert_eq!(sampled, (0..78).collect());
}
