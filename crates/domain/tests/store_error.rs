//! `StoreError::Internal` keeps the error that caused it: printed with it, reachable through
//! `source()`, and still `Clone` and comparable.

use aisha_domain::ports::StoreError;
use std::error::Error;

#[derive(Debug, thiserror::Error)]
#[error("disk full")]
struct DiskFull;

#[test]
fn an_internal_error_shows_and_keeps_its_cause() {
    let e = StoreError::internal_from("writing the ledger", DiskFull);
    assert_eq!(e.to_string(), "store error: writing the ledger: disk full");
    let cause = e.source().expect("the cause is kept");
    assert!(cause.downcast_ref::<DiskFull>().is_some(), "the cause is the original error, not its text");
    assert_eq!(e.clone(), e);
    assert_ne!(e, StoreError::internal("writing the ledger"));
    assert!(!e.is_retryable());
}

#[test]
fn an_internal_error_without_a_cause_reads_as_before() {
    let e = StoreError::internal("no price for Text");
    assert_eq!(e.to_string(), "store error: no price for Text");
    assert!(e.source().is_none());
    assert!(matches!(&e, StoreError::Internal { message, source: None } if message == "no price for Text"));
}
