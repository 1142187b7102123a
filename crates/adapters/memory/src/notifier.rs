//! A notifier that remembers what it was asked to say.

use aisha_domain::UserId;
use aisha_domain::ports::{Confirmation, Notice, Notifier, Told};
use async_trait::async_trait;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Records every notice and answers `Told::Done`; `Told::NotSent` while
/// [`RecordingNotifier::set_unreachable`] is on (as if every delivery failed); and, while
/// [`RecordingNotifier::hold_deliveries`] is on, a `Told::Confirming` that resolves when the
/// test calls [`RecordingNotifier::deliver`]. Re-sends are recorded too, and counted apart.
#[derive(Default)]
pub struct RecordingNotifier {
    notices: Mutex<Vec<(UserId, Notice)>>,
    resent: Mutex<Vec<(UserId, Notice)>>,
    unreachable: AtomicBool,
    holding: AtomicBool,
    /// Held deliveries, in the order they were handed over.
    held: Mutex<Vec<Arc<Mutex<Held>>>>,
}

/// A held delivery: its answer once given, and who to wake when it is.
#[derive(Default)]
struct Held {
    answer: Option<bool>,
    waiting: Option<std::task::Waker>,
}

impl RecordingNotifier {
    /// While on, outcomes are handed over but their delivery is confirmed only by
    /// [`RecordingNotifier::deliver`].
    pub fn hold_deliveries(&self, on: bool) {
        self.holding.store(on, Ordering::SeqCst);
    }

    /// Ends every held delivery not ended yet: `through` says whether it got through. Returns
    /// how many it ended.
    pub fn deliver(&self, through: bool) -> usize {
        let held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut n = 0;
        for delivery in held.iter() {
            let mut delivery = delivery.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if delivery.answer.is_none() {
                delivery.answer = Some(through);
                if let Some(waiting) = delivery.waiting.take() {
                    waiting.wake();
                }
                n += 1;
            }
        }
        n
    }

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
        let outcome = notice.outcome_of().is_some();
        self.notices.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((owner, notice));
        if self.unreachable.load(Ordering::SeqCst) {
            return Told::NotSent;
        }
        if !outcome || !self.holding.load(Ordering::SeqCst) {
            return Told::Done;
        }
        let delivery = Arc::new(Mutex::new(Held::default()));
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(delivery.clone());
        // resolves once `deliver` has answered, and wakes whoever waits (as a channel does)
        Told::Confirming(Confirmation::new(std::future::poll_fn(move |cx| {
            let mut delivery = delivery.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match delivery.answer {
                Some(through) => std::task::Poll::Ready(through),
                None => {
                    delivery.waiting = Some(cx.waker().clone());
                    std::task::Poll::Pending
                }
            }
        })))
    }

    async fn resend(&self, owner: UserId, notice: Notice) -> Told {
        self.resent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((owner, notice.clone()));
        self.notify(owner, notice).await
    }
}
