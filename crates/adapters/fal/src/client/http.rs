//! The authenticated calls to FAL's APIs: one request with the key, retried with jittered
//! backoff where `errors` allows, every other failure classified at once.

use super::FalClient;
use crate::errors::{self, Attempt, Op};
use aisha_domain::ports::{ProviderError, ProviderErrorKind};
use backon::{ExponentialBuilder, Retryable};
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, StatusCode, Url};
use serde_json::Value;

/// What an accepted HTTP answer carried.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: Bytes,
}

impl FalClient {
    /// An authenticated GET on the platform API with `?endpoint_id=`.
    pub(crate) async fn platform_get(&self, path: &str, endpoint: &str) -> Result<Value, ProviderError> {
        self.platform_get_with(path, endpoint, &[]).await
    }

    /// [`platform_get`](Self::platform_get) with more query parameters.
    pub(crate) async fn platform_get_with(
        &self,
        path: &str,
        endpoint: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ProviderError> {
        let mut url = Url::parse(&format!("{}{path}", self.config.api_base.trim_end_matches('/')))
            .map_err(|e| ProviderError::new(ProviderErrorKind::InvalidInput, format!("bad FAL api_base: {e}")))?;
        url.query_pairs_mut().append_pair("endpoint_id", endpoint);
        for (k, v) in query {
            url.query_pairs_mut().append_pair(k, v);
        }
        let answer = self.api(Op::Read, Method::GET, url.as_str(), None, &[]).await?;
        json(&answer)
    }

    pub(super) fn backoff(&self) -> ExponentialBuilder {
        let p = self.config.retry;
        ExponentialBuilder::default()
            .with_min_delay(p.min_delay)
            .with_max_delay(p.max_delay)
            .with_max_times(p.retries)
            .with_jitter()
    }

    /// Sends an authenticated API request, retrying what `op` allows (see `errors`). Answers
    /// outside 2xx are errors unless listed in `accept`.
    pub(super) async fn api(
        &self,
        op: Op,
        method: Method,
        url: &str,
        body: Option<&Value>,
        accept: &[StatusCode],
    ) -> Result<Answer, ProviderError> {
        self.api_call(op, method, url, body, &[], accept).await.map_err(|a| a.error)
    }

    /// [`api`](Self::api) with extra headers, keeping the failed attempt's request id.
    pub(super) async fn api_call(
        &self,
        op: Op,
        method: Method,
        url: &str,
        body: Option<&Value>,
        headers: &[(&'static str, String)],
        accept: &[StatusCode],
    ) -> Result<Answer, Attempt> {
        let url = Url::parse(url).map_err(|e| Attempt {
            error: ProviderError::new(ProviderErrorKind::NotFound, format!("bad FAL URL {url:?}: {e}")),
            retry: false,
            request_id: None,
        })?;
        let body = body.map(|b| Bytes::from(serde_json::to_vec(b).expect("JSON values serialize")));
        let attempt = || async {
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .header(AUTHORIZATION, self.auth.clone())
                .timeout(self.config.request_timeout);
            for (name, value) in headers {
                req = req.header(*name, value.as_str());
            }
            if let Some(b) = &body {
                req = req.header(CONTENT_TYPE, "application/json").body(b.clone());
            }
            send(op, req, accept).await
        };
        attempt
            .retry(self.backoff())
            .when(|a: &Attempt| a.retry)
            .notify(|a: &Attempt, after| {
                tracing::debug!(%method, error = %a.error, ?after, "FAL call failed; trying again");
            })
            .await
    }
}

pub(super) async fn send(op: Op, req: RequestBuilder, accept: &[StatusCode]) -> Result<Answer, Attempt> {
    let resp = req.send().await.map_err(|e| errors::transport(op, &e))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.map_err(|e| errors::transport(op, &e))?;
    if status.is_success() || accept.contains(&status) {
        Ok(Answer { status, body })
    } else {
        Err(errors::classify(op, status.as_u16(), &headers, &body))
    }
}

pub(super) fn json(answer: &Answer) -> Result<Value, ProviderError> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        ProviderError::new(
            ProviderErrorKind::Transient,
            format!("FAL answered {} with unreadable JSON: {e}", answer.status),
        )
    })
}
