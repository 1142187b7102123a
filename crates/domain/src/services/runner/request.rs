//! Building the provider request for a job: the catalog model's endpoint, or the avatar's LoRA,
//! kept in our object store and uploaded again when the provider's copy expires.

use super::*;

/// The seed a job's requests carry: stable across retries, different between jobs.
pub(super) fn seed_of(job: JobId) -> u32 {
    (job.0.as_u128() & 0x7fff_ffff) as u32
}

/// How LoRA weights are stored in our object store.
pub(super) const LORA_CONTENT_TYPE: &str = "application/octet-stream";

/// Why a request could not be built.
pub(super) enum Prep {
    Fail(Failure),
    Retry(String),
}

pub(super) fn gone() -> Failure {
    Failure::new(FailureKind::InvalidInput, "the avatar is no longer available")
}

impl JobRunner {
    pub(super) async fn request_for(&self, job: &Job) -> Result<ProviderRequest, Prep> {
        match &job.spec {
            JobSpec::Text { prompt, aspect, count, model } => {
                let entry = self.catalog.get(*model).ok_or_else(|| {
                    Prep::Fail(Failure::new(
                        FailureKind::ProviderUnavailable,
                        format!("the model {model} is no longer in the catalog"),
                    ))
                })?;
                Ok(ProviderRequest::Text {
                    prompt: prompt.to_string(),
                    aspect: *aspect,
                    count: count.get(),
                    model: entry.provider.clone(),
                    seed: seed_of(job.id),
                })
            }
            JobSpec::AvatarPhotos { avatar, prompt, aspect, count } => {
                let a = self.usable_avatar(job.owner, *avatar).await?;
                let lora = a.lora.as_ref().ok_or_else(|| Prep::Fail(gone()))?;
                let lora_url = self.current_lora(&a, lora).await?;
                Ok(ProviderRequest::LoraImages {
                    prompt: a.trigger.inject(prompt.as_str(), a.gender),
                    lora_url,
                    aspect: *aspect,
                    count: count.get(),
                    seed: seed_of(job.id),
                })
            }
            JobSpec::Training { avatar } => {
                let a = self
                    .avatars
                    .get(job.owner, *avatar)
                    .await
                    .map_err(|e| Prep::Retry(e.to_string()))?
                    .ok_or_else(|| Prep::Fail(gone()))?;
                let photos = self.avatars.photos(job.owner, *avatar).await.map_err(|e| Prep::Retry(e.to_string()))?;
                let mut files = Vec::with_capacity(photos.len());
                for (n, p) in photos.iter().enumerate() {
                    let bytes = match self.images.get(&p.object.key).await {
                        Ok(b) => b,
                        Err(e) if e.is_retryable() => return Err(Prep::Retry(e.to_string())),
                        Err(e) => {
                            tracing::warn!(job = %job.id, error = %e, "a training photo is missing from storage; skipped");
                            continue;
                        }
                    };
                    files.push((format!("{:02}.{}", n + 1, p.object.format.extension()), bytes));
                }
                let zip = stored_zip(&files)
                    .map_err(|e| Prep::Fail(Failure::new(FailureKind::InvalidInput, e.to_string())))?;
                let url = match self.generator.upload_archive(&format!("{}.zip", job.id), zip).await {
                    Ok(u) => u,
                    Err(e) if e.is_retryable() => return Err(Prep::Retry(e.to_string())),
                    Err(e) => return Err(Prep::Fail(e.failure())),
                };
                Ok(ProviderRequest::Training { archive_url: url, trigger: a.trigger.as_str().to_owned() })
            }
        }
    }

    /// Keeps our own copy of a trained LoRA before the training is settled: the provider's
    /// file expires, the avatar is used for months. `Err` (try again later) only when the
    /// copy could not be written; a LoRA the provider will not hand over is kept as its URL.
    pub(super) async fn keep_lora(&self, job: &Job, lora: Lora) -> Result<Lora, String> {
        let JobSpec::Training { avatar } = job.spec else { return Ok(lora) };
        let now = self.env.now();
        match self.generator.fetch_lora(&lora.url).await {
            Ok(bytes) => {
                let key = StorageKey::lora(job.owner, avatar, job.id);
                self.images.put(&key, bytes, LORA_CONTENT_TYPE).await.map_err(|e| format!("storing {key}: {e}"))?;
                Ok(Lora { stored: Some(key), refreshed_at: Some(now), ..lora })
            }
            Err(e) if e.is_retryable() => Err(format!("fetching the trained LoRA: {e}")),
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "the trained LoRA could not be copied; the avatar lives as long as the provider's file");
                Ok(Lora { refreshed_at: Some(now), ..lora })
            }
        }
    }

    /// The LoRA URL a generation may use: the stored one while it is young and served, else a
    /// fresh upload of our copy, recorded on the avatar. An avatar trained before copies were
    /// kept is copied now, while its file still exists.
    pub(super) async fn current_lora(&self, a: &Avatar, lora: &Lora) -> Result<String, Prep> {
        let now = self.env.now();
        let age = lora.refreshed_at.map(|t| now - t);
        let too_old = lora.stored.is_none() || age.is_none_or(|d| d >= self.config.lora_max_age);
        if !too_old && age.is_some_and(|d| d < self.config.lora_check_after) {
            return Ok(lora.url.clone());
        }
        let retry =
            |e: ProviderError| if e.is_retryable() { Prep::Retry(e.to_string()) } else { Prep::Fail(e.failure()) };
        if !too_old && self.generator.still_served(&lora.url).await.map_err(retry)? {
            return Ok(lora.url.clone());
        }
        let (bytes, stored) = match &lora.stored {
            Some(key) => match self.images.get(key).await {
                Ok(b) => (b, key.clone()),
                Err(e) if e.is_retryable() => return Err(Prep::Retry(e.to_string())),
                Err(e) => {
                    return Err(Prep::Fail(Failure::new(
                        FailureKind::NoResult,
                        format!("the avatar's LoRA copy {key} is gone: {e}"),
                    )));
                }
            },
            None => {
                let bytes = match self.generator.fetch_lora(&lora.url).await {
                    Ok(b) => b,
                    Err(e) if e.is_retryable() => return Err(Prep::Retry(e.to_string())),
                    // not copyable (too large, say) but still served: it lives as long as that
                    Err(e) if self.generator.still_served(&lora.url).await.unwrap_or(false) => {
                        tracing::warn!(avatar = %a.id, error = %e, "the avatar's LoRA cannot be copied; using the provider's file");
                        return Ok(lora.url.clone());
                    }
                    Err(e) => {
                        let why = format!("the provider no longer serves this avatar's LoRA and no copy was kept: {e}");
                        return Err(Prep::Fail(Failure::new(FailureKind::NoResult, why)));
                    }
                };
                let key = StorageKey::lora(a.owner, a.id, a.training_job.unwrap_or(JobId(uuid::Uuid::nil())));
                self.images
                    .put(&key, bytes.clone(), LORA_CONTENT_TYPE)
                    .await
                    .map_err(|e| Prep::Retry(e.to_string()))?;
                (bytes, key)
            }
        };
        let url = self.generator.upload_lora(&format!("{}.safetensors", a.id), bytes).await.map_err(retry)?;
        let fresh = Lora { url: url.clone(), stored: Some(stored), refreshed_at: Some(now), ..lora.clone() };
        if let Err(e) = self.avatars.refresh_lora(a.owner, a.id, &fresh).await {
            // the upload is still good for this job; the next one uploads again
            tracing::warn!(avatar = %a.id, error = %e, "could not record the re-uploaded LoRA");
        }
        tracing::info!(avatar = %a.id, "the avatar's LoRA was uploaded to the provider again from our copy");
        Ok(url)
    }

    pub(super) async fn usable_avatar(&self, owner: UserId, id: crate::AvatarId) -> Result<Avatar, Prep> {
        match self.avatars.get(owner, id).await {
            Ok(Some(a)) if a.is_usable() => Ok(a),
            Ok(_) => Err(Prep::Fail(gone())),
            Err(e) => Err(Prep::Retry(e.to_string())),
        }
    }
}
