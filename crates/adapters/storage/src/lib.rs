#![doc = include_str!("../README.md")]

mod errors;
mod local;
mod objects;
mod probe;
mod s3;

pub use local::{LOCAL_BUCKET, LocalImageStore};
pub use probe::{ProbeReport, ProbeStep, StepOutcome, probe};
pub use s3::{S3Config, S3ImageStore};

use aisha_domain::ports::{ImageStore, StorageError};
use std::sync::Arc;

/// The S3 store behind the port.
pub fn s3_store(config: S3Config) -> Result<Arc<dyn ImageStore>, StorageError> {
    Ok(Arc::new(S3ImageStore::new(config)?))
}

/// The local-directory store behind the port; the directory is created if missing.
pub fn local_store(root: impl AsRef<std::path::Path>) -> Result<Arc<dyn ImageStore>, StorageError> {
    Ok(Arc::new(LocalImageStore::open(root)?))
}
