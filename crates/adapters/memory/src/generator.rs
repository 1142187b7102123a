//! A scripted image provider: tests decide when each request is running, finished, failed or
//! what it returned. Result URLs of the form `mem://png/<w>/<h>` download as PNG headers of
//! that size; `mem://missing/...` is a permanent download error. LoRA files (`mem://lora/…`)
//! fetch as bytes naming their URL until a test marks them expired.

use aisha_domain::generation::ProviderRef;
use aisha_domain::media::fixtures::png_header;
use aisha_domain::ports::{
    CancelOutcome, ImageGenerator, ProviderError, ProviderErrorKind, ProviderImage, ProviderOutput, ProviderRequest,
    ProviderStatus, Submitted,
};
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

#[derive(Clone, Debug)]
pub struct Scripted {
    pub request: ProviderRequest,
    pub status: ProviderStatus,
    pub result: Option<Result<ProviderOutput, ProviderError>>,
    pub cancel_requested: bool,
}

#[derive(Default)]
struct GenState {
    requests: HashMap<String, Scripted>,
    order: Vec<String>,
    submit_errors: VecDeque<ProviderError>,
    download_errors: VecDeque<ProviderError>,
    archives: Vec<Vec<u8>>,
    lost_answers: VecDeque<ProviderError>,
    /// LoRA weights uploaded from our copy: URL → bytes.
    loras: Vec<(String, Vec<u8>)>,
    /// Files the provider no longer serves.
    expired: std::collections::HashSet<String>,
    /// Run at the start of the next `submit`s, one each, outside the lock.
    before_submit: VecDeque<Box<dyn FnOnce() + Send>>,
}

#[derive(Default)]
pub struct ScriptedGenerator {
    state: Mutex<GenState>,
}

impl ScriptedGenerator {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GenState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Request ids in submission order.
    pub fn requests(&self) -> Vec<String> {
        self.lock().order.clone()
    }

    pub fn request(&self, id: &str) -> Option<Scripted> {
        self.lock().requests.get(id).cloned()
    }

    /// Runs `f` when the next `submit` begins, before the provider takes the request: a test
    /// does there what happens while a worker is paused or slow in the middle of its step.
    pub fn before_next_submit(&self, f: impl FnOnce() + Send + 'static) {
        self.lock().before_submit.push_back(Box::new(f));
    }

    /// Requests cancelled through `cancel`, in submission order.
    pub fn cancelled(&self) -> Vec<String> {
        let s = self.lock();
        s.order.iter().filter(|id| s.requests.get(*id).is_some_and(|r| r.cancel_requested)).cloned().collect()
    }

    /// The next `submit` fails with this error.
    pub fn fail_next_submit(&self, e: ProviderError) {
        self.lock().submit_errors.push_back(e);
    }

    /// The next `submit` is taken, but its answer is lost: the caller sees this error.
    pub fn lose_next_submit_answer(&self, e: ProviderError) {
        self.lock().lost_answers.push_back(e);
    }

    /// The next `download` fails with this error.
    pub fn fail_next_download(&self, e: ProviderError) {
        self.lock().download_errors.push_back(e);
    }

    pub fn set_running(&self, id: &str) {
        if let Some(r) = self.lock().requests.get_mut(id) {
            r.status = ProviderStatus::Running;
        }
    }

    /// Finishes a request with this output (or error).
    pub fn finish(&self, id: &str, result: Result<ProviderOutput, ProviderError>) {
        if let Some(r) = self.lock().requests.get_mut(id) {
            r.status = ProviderStatus::Completed;
            r.result = Some(result);
        }
    }

    /// `count` images of `w`×`h`, the first `nsfw` of them flagged.
    pub fn images(w: u32, h: u32, count: usize, nsfw: usize) -> ProviderOutput {
        ProviderOutput::Images(
            (0..count).map(|i| ProviderImage { url: format!("mem://png/{w}/{h}/{i}"), nsfw: i < nsfw }).collect(),
        )
    }

    pub fn archives(&self) -> Vec<Vec<u8>> {
        self.lock().archives.clone()
    }

    /// The provider stops serving `url`, as its file retention ends.
    pub fn expire(&self, url: &str) {
        self.lock().expired.insert(url.to_owned());
    }

    /// LoRA files uploaded from our copies, as `(url, bytes)`.
    pub fn lora_uploads(&self) -> Vec<(String, Vec<u8>)> {
        self.lock().loras.clone()
    }

    /// The bytes a provider LoRA URL fetches as.
    pub fn lora_bytes(url: &str) -> Vec<u8> {
        format!("safetensors of {url}").into_bytes()
    }
}

fn not_found(what: &str) -> ProviderError {
    ProviderError::new(ProviderErrorKind::NotFound, format!("no such {what}"))
}

#[async_trait]
impl ImageGenerator for ScriptedGenerator {
    async fn submit(&self, request: &ProviderRequest, _webhook: bool) -> Result<Submitted, ProviderError> {
        let hook = self.lock().before_submit.pop_front();
        if let Some(hook) = hook {
            hook();
        }
        let mut s = self.lock();
        if let Some(e) = s.submit_errors.pop_front() {
            return Err(e);
        }
        let id = format!("req-{}", s.order.len() + 1);
        let position =
            u32::try_from(s.requests.values().filter(|r| r.status != ProviderStatus::Completed).count()).unwrap_or(0);
        s.requests.insert(
            id.clone(),
            Scripted {
                request: request.clone(),
                status: ProviderStatus::Queued { position: Some(position) },
                result: None,
                cancel_requested: false,
            },
        );
        s.order.push(id.clone());
        if let Some(e) = s.lost_answers.pop_front() {
            return Err(e);
        }
        Ok(Submitted {
            provider: ProviderRef {
                request_id: id,
                model: "scripted".into(),
                status_url: None,
                response_url: None,
                cancel_url: None,
            },
            queue_position: Some(position),
        })
    }

    async fn status(&self, job: &ProviderRef) -> Result<ProviderStatus, ProviderError> {
        self.lock().requests.get(&job.request_id).map(|r| r.status.clone()).ok_or_else(|| not_found("request"))
    }

    async fn result(&self, job: &ProviderRef) -> Result<ProviderOutput, ProviderError> {
        let s = self.lock();
        let r = s.requests.get(&job.request_id).ok_or_else(|| not_found("request"))?;
        r.result.clone().unwrap_or_else(|| Err(ProviderError::new(ProviderErrorKind::Transient, "not finished")))
    }

    async fn cancel(&self, job: &ProviderRef) -> Result<CancelOutcome, ProviderError> {
        let mut s = self.lock();
        let Some(r) = s.requests.get_mut(&job.request_id) else { return Ok(CancelOutcome::NotFound) };
        if r.status == ProviderStatus::Completed {
            return Ok(CancelOutcome::AlreadyCompleted);
        }
        r.cancel_requested = true;
        Ok(CancelOutcome::Requested)
    }

    async fn upload_archive(&self, _file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError> {
        let mut s = self.lock();
        s.archives.push(bytes);
        Ok(format!("mem://archive/{}", s.archives.len()))
    }

    async fn find_submitted(
        &self,
        request: &ProviderRequest,
        _since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Submitted>, ProviderError> {
        let s = self.lock();
        Ok(s.order.iter().find(|id| s.requests.get(*id).is_some_and(|r| &r.request == request)).map(|id| Submitted {
            provider: ProviderRef {
                request_id: id.clone(),
                model: "scripted".into(),
                status_url: None,
                response_url: None,
                cancel_url: None,
            },
            queue_position: None,
        }))
    }

    async fn fetch_lora(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        let s = self.lock();
        if s.expired.contains(url) {
            return Err(not_found(url));
        }
        if let Some((_, bytes)) = s.loras.iter().find(|(u, _)| u == url) {
            return Ok(bytes.clone());
        }
        if url.starts_with("mem://lora/") { Ok(Self::lora_bytes(url)) } else { Err(not_found(url)) }
    }

    async fn upload_lora(&self, file_name: &str, bytes: Vec<u8>) -> Result<String, ProviderError> {
        let mut s = self.lock();
        let url = format!("mem://lora/uploaded/{}/{file_name}", s.loras.len() + 1);
        s.loras.push((url.clone(), bytes));
        Ok(url)
    }

    async fn still_served(&self, url: &str) -> Result<bool, ProviderError> {
        Ok(!self.lock().expired.contains(url))
    }

    async fn download(&self, url: &str) -> Result<Vec<u8>, ProviderError> {
        if let Some(e) = self.lock().download_errors.pop_front() {
            return Err(e);
        }
        let parts: Vec<&str> = url.trim_start_matches("mem://").split('/').collect();
        match parts.as_slice() {
            ["png", w, h, ..] => {
                let (w, h) = (w.parse().map_err(|_| not_found(url))?, h.parse().map_err(|_| not_found(url))?);
                Ok(png_header(w, h))
            }
            _ => Err(not_found(url)),
        }
    }
}
