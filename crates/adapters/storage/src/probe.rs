//! A live check of a store, for `aisha doctor` and start-up: write, read back, delete.

use aisha_domain::ports::{ImageStore, StorageError};
use aisha_domain::storage::StorageKey;
use std::fmt;
use std::time::{Duration, Instant};

/// What happened to one step of the probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// Done; the text says what was observed.
    Passed(String),
    /// The store answered with an error, or with something other than what was written.
    Failed(String),
    /// Not tried, because an earlier step failed.
    Skipped(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeStep {
    /// "write", "read back", "public url", "delete".
    pub action: &'static str,
    pub outcome: StepOutcome,
    pub elapsed: Duration,
}

/// The result of [`probe`], printable as a few lines of plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeReport {
    pub bucket: String,
    pub key: String,
    pub steps: Vec<ProbeStep>,
    /// The first storage error met, so a caller can tell "down" from "misconfigured".
    pub error: Option<StorageError>,
}

impl ProbeReport {
    /// Every step passed.
    pub fn ok(&self) -> bool {
        self.steps.iter().all(|s| matches!(s.outcome, StepOutcome::Passed(_)))
    }
}

impl fmt::Display for ProbeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.ok() { "works" } else { "does NOT work" };
        writeln!(f, "object storage (bucket `{}`) {verdict}; probe object {}:", self.bucket, self.key)?;
        for step in &self.steps {
            let ms = step.elapsed.as_millis();
            match &step.outcome {
                StepOutcome::Passed(what) => writeln!(f, "  {:<10} ok ({ms} ms): {what}", step.action)?,
                StepOutcome::Failed(why) => writeln!(f, "  {:<10} FAILED ({ms} ms): {why}", step.action)?,
                StepOutcome::Skipped(why) => writeln!(f, "  {:<10} skipped: {why}", step.action)?,
            }
        }
        Ok(())
    }
}

/// Writes a small object under `probe/`, reads it back and compares the bytes, asks for a
/// public URL, and deletes it (also after a failed read, so nothing is left behind).
pub async fn probe(store: &dyn ImageStore) -> ProbeReport {
    let key =
        StorageKey::parse(&format!("probe/{}.txt", uuid::Uuid::new_v4())).expect("a probe key is a valid storage key");
    let payload = format!("aisha storage probe {key}").into_bytes();
    let mut report =
        ProbeReport { bucket: store.bucket().to_owned(), key: key.to_string(), steps: Vec::new(), error: None };

    let started = Instant::now();
    let written = store.put(&key, payload.clone(), "text/plain").await;
    let write_ok = written.is_ok();
    report.step("write", started, written.map(|()| format!("stored {} bytes", payload.len())));

    if !write_ok {
        let why = "nothing was written";
        report.skip("read back", why);
        report.skip("public url", why);
        report.skip("delete", why);
        return report;
    }

    let started = Instant::now();
    let read = store.get(&key).await;
    let read = match read {
        Ok(bytes) if bytes == payload => Ok(Ok(format!("the same {} bytes came back", bytes.len()))),
        Ok(bytes) => Ok(Err(format!("{} bytes came back that differ from the {} written", bytes.len(), payload.len()))),
        Err(e) => Err(e),
    };
    match read {
        Ok(Ok(what)) => report.step("read back", started, Ok(what)),
        Ok(Err(why)) => report.fail("read back", started, why),
        Err(e) => report.step("read back", started, Err(e)),
    }

    let started = Instant::now();
    let url = store.public_url(&key, Duration::from_secs(60)).await.map(|url| match url {
        Some(_) => "the store hands out URLs (public or presigned)".to_owned(),
        None => "the store has no URLs (images are uploaded as files)".to_owned(),
    });
    report.step("public url", started, url);

    let started = Instant::now();
    let deleted = store.delete(&key).await;
    report.step("delete", started, deleted.map(|()| "removed".to_owned()));
    report
}

impl ProbeReport {
    fn step(&mut self, action: &'static str, started: Instant, result: Result<String, StorageError>) {
        let outcome = match result {
            Ok(what) => StepOutcome::Passed(what),
            Err(e) => {
                let why = e.to_string();
                self.error.get_or_insert(e);
                StepOutcome::Failed(why)
            }
        };
        self.steps.push(ProbeStep { action, outcome, elapsed: started.elapsed() });
    }

    fn fail(&mut self, action: &'static str, started: Instant, why: String) {
        self.steps.push(ProbeStep { action, outcome: StepOutcome::Failed(why), elapsed: started.elapsed() });
    }

    fn skip(&mut self, action: &'static str, why: &str) {
        self.steps.push(ProbeStep { action, outcome: StepOutcome::Skipped(why.to_owned()), elapsed: Duration::ZERO });
    }
}
