//! A notifier that remembers what it was asked to say.

use aisha_domain::UserId;
use aisha_domain::ports::{Notice, Notifier};
use async_trait::async_trait;
use std::sync::Mutex;

#[derive(Default)]
pub struct RecordingNotifier(Mutex<Vec<(UserId, Notice)>>);

impl RecordingNotifier {
    pub fn notices(&self) -> Vec<(UserId, Notice)> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn take(&self) -> Vec<(UserId, Notice)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn notify(&self, owner: UserId, notice: Notice) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((owner, notice));
    }
}
