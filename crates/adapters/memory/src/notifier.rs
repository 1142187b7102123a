//! A notifier that remembers what it was asked to say.

use aisha_domain::UserId;
use aisha_domain::ports::{Notice, Notifier, Told};
use async_trait::async_trait;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Records every notice and answers `Told::Done`, or `Told::Pending` while
/// [`RecordingNotifier::set_unreachable`] is on (as if every delivery failed). Re-sends are
/// recorded too, and counted apart.
#[derive(Default)]
pub struct RecordingNotifier {
    notices: Mutex<Vec<(UserId, Notice)>>,
    resent: Mutex<Vec<(UserId, Notice)>>,
    unreachable: AtomicBool,
}

impl RecordingNotifier {
    /// While on, outcomes are recorded but not confirmed.
    pub fn set_unreachable(&self, on: bool) {
        self.unreachable.store(on, Ordering::SeqCst);
    }

    /// The notices that were re-sends (also among [`RecordingNotifier::notices`]).
    pub fn resent(&self) -> Vec<(UserId, Notice)> {
        self.resent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn notices(&self) -> Vec<(UserId, Notice)> {
        self.notices.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn take(&self) -> Vec<(UserId, Notice)> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn notify(&self, owner: UserId, notice: Notice) -> Told {
        self.notices.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((owner, notice));
        if self.unreachable.load(Ordering::SeqCst) { Told::Pending } else { Told::Done }
    }

    async fn resend(&self, owner: UserId, notice: Notice) -> Told {
        self.resent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((owner, notice.clone()));
        self.notify(owner, notice).await
    }
}
