//! The operations both stores share, over any `object_store` backend.

use crate::errors::ErrorContext;
use aisha_domain::ports::StorageError;
use aisha_domain::storage::StorageKey;
use bytes::Bytes;
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, GetOptions, ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload,
    WriteMultipart,
};
use std::sync::Arc;

/// Objects larger than this go up in parts.
pub(crate) const MULTIPART_THRESHOLD: usize = 8 * 1024 * 1024;
/// Size of each part but the last (S3 wants at least 5 MiB).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight at once for one object.
const PART_CONCURRENCY: usize = 4;

pub(crate) struct Objects {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) ctx: ErrorContext,
    /// The backend keeps a Content-Type per object (S3 does; a plain directory does not).
    pub(crate) keeps_content_type: bool,
    /// The backend supports multipart uploads worth using (S3).
    pub(crate) multipart: bool,
}

pub(crate) fn path_of(key: &StorageKey) -> Result<Path, StorageError> {
    // `StorageKey` only admits relative paths of safe segments, which `Path` accepts as is.
    Path::parse(key.as_str()).map_err(|e| StorageError::Other(format!("key {key} is not a valid object path: {e}")))
}

impl Objects {
    pub(crate) async fn put(&self, key: &StorageKey, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        let path = path_of(key)?;
        let mut attributes = Attributes::new();
        if self.keeps_content_type && !content_type.is_empty() {
            attributes.insert(Attribute::ContentType, content_type.to_owned().into());
        }
        let result = if self.multipart && bytes.len() > MULTIPART_THRESHOLD {
            self.put_in_parts(&path, Bytes::from(bytes), attributes).await
        } else {
            self.store.put_opts(&path, PutPayload::from(bytes), PutOptions::from(attributes)).await.map(|_| ())
        };
        result.map_err(|e| self.ctx.map(e, Some(key)))
    }

    async fn put_in_parts(&self, path: &Path, bytes: Bytes, attributes: Attributes) -> object_store::Result<()> {
        let upload = self.store.put_multipart_opts(path, PutMultipartOptions::from(attributes)).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut rest = bytes;
        while !rest.is_empty() {
            if let Err(e) = writer.wait_for_capacity(PART_CONCURRENCY).await {
                // Best effort: a failed abort leaves parts the bucket's lifecycle rules reclaim.
                let _ = writer.abort().await;
                return Err(e);
            }
            let part = rest.split_to(rest.len().min(PART_SIZE));
            writer.put(part);
        }
        // `finish` aborts the upload itself when a part or the completion fails.
        writer.finish().await.map(|_| ())
    }

    pub(crate) async fn get(&self, key: &StorageKey) -> Result<Vec<u8>, StorageError> {
        let path = path_of(key)?;
        let read = async { self.store.get(&path).await?.bytes().await };
        read.await.map(Vec::from).map_err(|e| self.ctx.map(e, Some(key)))
    }

    pub(crate) async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        let path = path_of(key)?;
        match self.store.delete(&path).await.map_err(|e| self.ctx.map(e, Some(key))) {
            Err(StorageError::NotFound(_)) => Ok(()),
            other => other,
        }
    }

    /// `Ok(false)` only when the object is missing: a missing bucket or a refused key is an
    /// error. A HEAD answer has no body, so its 404 cannot tell a missing key from a missing
    /// bucket; with `bucket_check` a one-byte GET (which carries the S3 error code, and needs
    /// no more permission than the HEAD) settles it.
    pub(crate) async fn exists(&self, key: &StorageKey, bucket_check: bool) -> Result<bool, StorageError> {
        let path = path_of(key)?;
        match self.store.head(&path).await.map_err(|e| self.ctx.map(e, Some(key))) {
            Ok(_) => Ok(true),
            Err(StorageError::NotFound(_)) if bucket_check => {
                let one_byte = GetOptions::new().with_range(Some(0..1));
                match self.store.get_opts(&path, one_byte).await.map_err(|e| self.ctx.map(e, Some(key))) {
                    // written between the two requests
                    Ok(_) => Ok(true),
                    Err(StorageError::NotFound(_)) => Ok(false),
                    Err(e) => Err(e),
                }
            }
            Err(StorageError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
