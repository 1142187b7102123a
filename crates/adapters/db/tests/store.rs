//! What the contract suites do not cover: connection errors, persistence across reconnects,
//! timestamp precision, and the columns an avatar deletion clears.

mod common;

use aisha_contract::fixtures::{self, new_job};
use aisha_db::{Backend, Db, PoolOptions};
use aisha_domain::gallery::ImageKind;
use aisha_domain::generation::{JobLimits, JobSpec, ProviderRef};
use aisha_domain::ports::{Avatars, DeleteAvatar, Gallery, JobOutput, Ledger, StoreError, Users};
use aisha_domain::ports::{JobOrders, JobOutcomes, JobQueue};
use aisha_domain::{AspectRatio, ImageCount};
use aisha_memory::ManualClock;
use chrono::{Duration, TimeZone, Utc};

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    let quick = PoolOptions { acquire_timeout: std::time::Duration::from_secs(1), ..PoolOptions::default() };
    let err = Db::connect_with("postgres://postgres@127.0.0.1:1/none", quick).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(err.is_retryable());
    let err = Db::connect("mysql://localhost/x").await.unwrap_err();
    assert!(matches!(err, StoreError::Internal { .. }), "an unsupported URL is a configuration error: {err:?}");
}

#[tokio::test]
async fn a_sqlite_file_keeps_its_data_across_reconnects() {
    let (first, url) = common::sqlite_file_empty().await;
    assert_eq!(first.backend(), Backend::Sqlite);
    first.migrate().await.unwrap();
    first.ping().await.expect("an open database answers");
    let u = fixtures::user(ManualClock::default_start());
    first.upsert(u.clone()).await.unwrap();
    first.db().close().await.unwrap();

    let again = Db::connect(&url).await.unwrap();
    assert!(again.migrate().await.unwrap().applied_now.is_empty(), "the schema is already there");
    assert_eq!(Users::get(&again, u.id).await.unwrap(), Some(u));
    again.close().await.unwrap();
}

async fn timestamps_keep_microseconds(db: &common::TestDb) {
    let precise = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap() + Duration::nanoseconds(123_456_789);
    let mut u = fixtures::user(precise);
    u.created_at = precise;
    let stored = db.upsert(u.clone()).await.unwrap().user;
    assert_eq!(stored.created_at, aisha_domain::truncate(precise), "written truncated to microseconds");
    assert_eq!(Users::get(&**db, u.id).await.unwrap().unwrap().created_at, aisha_domain::truncate(precise));
}

mod timestamps {
    use super::*;
    crate::on_every_backend!(timestamps_keep_microseconds);
}

/// Deleting an avatar keeps the images made with it (labelled with its name) and the jobs.
async fn avatar_deletion_keeps_images_and_jobs(db: &common::TestDb) {
    let now = ManualClock::default_start();
    let u = fixtures::user(now);
    db.upsert(u.clone()).await.unwrap();
    db.apply(fixtures::welcome(u.id, 100, now)).await.unwrap();
    let avatar = fixtures::ready_avatar(u.id, "Маша", now);
    db.create(&avatar).await.unwrap();
    let spec = JobSpec::AvatarPhotos {
        avatar: avatar.id,
        prompt: fixtures::prompt("in a forest"),
        aspect: AspectRatio::Portrait3x4,
        count: ImageCount::ONE,
    };
    let mut job = db.create_charged(new_job(u.id, spec, now), &JobLimits::default()).await.unwrap().job;
    let provider = ProviderRef {
        request_id: format!("req-{}", fixtures::id()),
        model: "fal-ai/flux-lora".into(),
        status_url: None,
        response_url: None,
        cancel_url: None,
    };
    job.submitted(provider, None, now).unwrap();
    db.save(&job).await.unwrap();
    let mut image = fixtures::image(u.id, Some(job.id), ImageKind::AvatarPhoto, now);
    image.avatar = Some(avatar.id);
    image.avatar_name = Some("Маша".into());
    db.succeed(job.id, JobOutput::Images(vec![image.clone()]), now).await.unwrap();

    assert!(matches!(Avatars::delete(&**db, u.id, avatar.id).await.unwrap(), DeleteAvatar::Deleted { .. }));
    let kept = Gallery::get(&**db, u.id, image.id).await.unwrap().expect("the image stays");
    assert_eq!((kept.avatar, kept.avatar_name.as_deref()), (None, Some("Маша")));
    let job = db.find(job.id).await.unwrap().expect("the job stays");
    assert_eq!(job.spec.avatar(), Some(avatar.id), "the job still says what was asked");
}

mod avatar_deletion {
    use super::*;
    crate::on_every_backend!(avatar_deletion_keeps_images_and_jobs);
}
