//! The queue protocol: the `ImageGenerator` port (submit, status, result, cancel, finding an
//! earlier submit), the URL fallback for jobs stored without FAL's URLs, and the waiting call
//! the prompt assistant uses.

use super::FalClient;
use super::http::json;
use crate::errors::{self, Attempt, Op};
use crate::models::{decode_output, owner_app};
use aisha_domain::generation::ProviderRef;
use aisha_domain::ports::{
    CancelOutcome, ImageGenerator, ProviderError, ProviderErrorKind, ProviderOutput, ProviderRequest, ProviderStatus,
    Submitted,
};
use async_trait::async_trait;
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde_json::Value;

#[async_trait]
impl ImageGenerator for FalClient {
    async fn submit(&self, request: &ProviderRequest, webhook: bool) -> Result<Submitted, ProviderError> {
        let (model, input) = self.input_for(request)?;
        let mut url = Url::parse(&format!("{}/{model}", self.config.queue_base.trim_end_matches('/')))
            .map_err(|e| ProviderError::new(ProviderErrorKind::InvalidInput, format!("bad model id {model:?}: {e}")))?;
        match (&self.config.webhook_url, webhook) {
            (Some(hook), true) => {
                url.query_pairs_mut().append_pair("fal_webhook", hook);
            }
            (None, true) => tracing::debug!("a webhook was asked for but none is configured; the job will be polled"),
            _ => {}
        }
        let headers = self.lifecycle_for(request);
        let answer = match self.api_call(Op::Submit, Method::POST, url.as_str(), Some(&input), &headers, &[]).await {
            Ok(a) => a,
            Err(Attempt { error, request_id: Some(id), .. }) if error.kind == ProviderErrorKind::Transient => {
                return self.adopt(&model, &id).await.ok_or(error);
            }
            Err(a) => return Err(a.error),
        };
        let body: SubmitBody = serde_json::from_value(json(&answer)?).map_err(|e| {
            ProviderError::new(ProviderErrorKind::Transient, format!("unreadable submit answer from FAL: {e}"))
        })?;
        let request_id = body.request_id.filter(|id| !id.is_empty()).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Transient, "FAL accepted the job without a request id")
        })?;
        tracing::debug!(%model, %request_id, "submitted to FAL");
        Ok(Submitted {
            provider: ProviderRef {
                request_id,
                model,
                status_url: body.status_url,
                response_url: body.response_url,
                cancel_url: body.cancel_url,
            },
            queue_position: body.queue_position,
        })
    }

    async fn status(&self, job: &ProviderRef) -> Result<ProviderStatus, ProviderError> {
        let url = job.status_url.clone().unwrap_or_else(|| self.fallback(job, "/status"));
        let answer = self.api(Op::Read, Method::GET, &url, None, &[]).await?;
        let body: StatusBody = serde_json::from_value(json(&answer)?).map_err(|e| {
            ProviderError::new(ProviderErrorKind::Transient, format!("unreadable status from FAL: {e}"))
        })?;
        Ok(match body.status.as_deref() {
            Some("IN_QUEUE") => ProviderStatus::Queued { position: body.queue_position },
            Some("IN_PROGRESS") => ProviderStatus::Running,
            Some("COMPLETED") => ProviderStatus::Completed,
            other => {
                // not one of the three documented states: keep following it rather than guess
                tracing::warn!(request_id = %job.request_id, status = ?other, "unknown FAL status; treated as running");
                ProviderStatus::Running
            }
        })
    }

    async fn result(&self, job: &ProviderRef) -> Result<ProviderOutput, ProviderError> {
        let url = job.response_url.clone().unwrap_or_else(|| self.fallback(job, ""));
        let answer = self.api(Op::Result, Method::GET, &url, None, &[]).await?;
        decode_output(Some(self.model_kind(&job.model)), &json(&answer)?)
    }

    async fn cancel(&self, job: &ProviderRef) -> Result<CancelOutcome, ProviderError> {
        let url = job.cancel_url.clone().unwrap_or_else(|| self.fallback(job, "/cancel"));
        let accept = [StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND];
        let answer = self.api(Op::Read, Method::PUT, &url, None, &accept).await?;
        let status = serde_json::from_slice::<CancelBody>(&answer.body).ok().and_then(|b| b.status);
        match (answer.status, status.as_deref()) {
            (_, Some("ALREADY_COMPLETED")) => Ok(CancelOutcome::AlreadyCompleted),
            (_, Some("NOT_FOUND")) | (StatusCode::NOT_FOUND, _) => Ok(CancelOutcome::NotFound),
            (StatusCode::BAD_REQUEST, _) => {
                Err(errors::classify(Op::Read, 400, &reqwest::header::HeaderMap::new(), &answer.body).error)
            }
            _ => Ok(CancelOutcome::Requested),
        }
    }

    async fn upload_archive(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError> {
        // the archive holds people's faces: FAL keeps it only as long as the training needs it
        self.upload(file_name, "application/zip", bytes, Some(self.config.archive_lifetime)).await
    }

    async fn download(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        self.fetch(url, self.config.max_download_bytes).await
    }

    async fn fetch_lora(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        self.fetch(url, self.config.max_lora_bytes).await
    }

    async fn find_submitted(
        &self,
        request: &ProviderRequest,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Submitted>, ProviderError> {
        let (model, input) = self.input_for(request)?;
        // a little before the job was created, for clocks that disagree
        let start = (since - chrono::Duration::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        // a training's archive is uploaded again for each attempt; its avatar cannot have two
        // trainings at once, so the trigger and the trainer tell its request apart
        let ignore: &[&str] = match request {
            ProviderRequest::Training { .. } => &["images_data_url"],
            _ => &[],
        };
        let found = self.find_request(&model, &input, ignore, &start).await?;
        Ok(found.map(|request_id| Submitted {
            provider: ProviderRef { request_id, model, status_url: None, response_url: None, cancel_url: None },
            queue_position: None,
        }))
    }

    async fn upload_lora(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError> {
        let url = self.upload(file_name, "application/octet-stream", bytes, Some(self.config.lora_lifetime)).await?;
        metrics::counter!("aisha_lora_reuploads_total").increment(1);
        Ok(url)
    }

    async fn still_served(&self, url: &str) -> Result<bool, ProviderError> {
        self.is_served(url).await
    }
}

impl FalClient {
    /// The `{queue}/{owner}/{app}/requests/{id}` URL (then `tail`), for a job stored without
    /// the URLs FAL returned at submit.
    fn fallback(&self, job: &ProviderRef, tail: &str) -> String {
        format!(
            "{}/{}/requests/{}{tail}",
            self.config.queue_base.trim_end_matches('/'),
            owner_app(&job.model),
            job.request_id
        )
    }

    /// After a submit answered with a server error that carries a request id, asks FAL
    /// whether that request exists before anyone submits again: FAL's app saw it, and may
    /// have queued it.
    async fn adopt(&self, model: &str, request_id: &str) -> Option<Submitted> {
        let provider = ProviderRef {
            request_id: request_id.to_owned(),
            model: model.to_owned(),
            status_url: None,
            response_url: None,
            cancel_url: None,
        };
        match self.status(&provider).await {
            Ok(status) => {
                tracing::warn!(%model, %request_id, "FAL answered a submit with an error but has the request; following it");
                let queue_position = match status {
                    ProviderStatus::Queued { position } => position,
                    _ => None,
                };
                Some(Submitted { provider, queue_position })
            }
            Err(_) => None,
        }
    }

    /// Submits `input` to `endpoint` on the queue, reads its status every `poll_every` until it
    /// completes, and returns the result's JSON: for short requests whose caller waits (the
    /// prompt assistant), never for jobs. The caller bounds the whole with its own timeout.
    pub(crate) async fn run_and_wait(
        &self,
        endpoint: &str,
        input: &Value,
        poll_every: std::time::Duration,
    ) -> Result<Value, ProviderError> {
        let url = format!("{}/{endpoint}", self.config.queue_base.trim_end_matches('/'));
        let answer = self.api(Op::Submit, Method::POST, &url, Some(input), &[]).await?;
        let body: SubmitBody = serde_json::from_value(json(&answer)?).map_err(|e| {
            ProviderError::new(ProviderErrorKind::Transient, format!("unreadable submit answer from FAL: {e}"))
        })?;
        let request_id = body.request_id.filter(|id| !id.is_empty()).ok_or_else(|| {
            ProviderError::new(ProviderErrorKind::Transient, "FAL accepted the request without a request id")
        })?;
        let job = ProviderRef {
            request_id,
            model: endpoint.to_owned(),
            status_url: body.status_url,
            response_url: body.response_url,
            cancel_url: body.cancel_url,
        };
        loop {
            if self.status(&job).await? == ProviderStatus::Completed {
                break;
            }
            tokio::time::sleep(poll_every).await;
        }
        let url = job.response_url.clone().unwrap_or_else(|| self.fallback(&job, ""));
        let answer = self.api(Op::Result, Method::GET, &url, None, &[]).await?;
        json(&answer)
    }
}

#[derive(Deserialize)]
struct SubmitBody {
    request_id: Option<String>,
    status_url: Option<String>,
    response_url: Option<String>,
    cancel_url: Option<String>,
    queue_position: Option<u32>,
}

#[derive(Deserialize)]
struct StatusBody {
    status: Option<String>,
    queue_position: Option<u32>,
}

#[derive(Deserialize)]
struct CancelBody {
    status: Option<String>,
}
