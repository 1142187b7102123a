//! Create: description → format → count → model (from the catalog) → confirmation with the price → a job whose
//! progress message the runner's notices keep up to date.
//!
//! `draft` asks for the description and the choices, `confirm` shows the price and starts the
//! job, `kept` keeps an order the balance did not cover through a top-up, `buttons` answers
//! Create's buttons, and `screens` has the job's progress, failure and result screens (the
//! runner's notices show them too).

mod buttons;
mod confirm;
mod draft;
mod kept;
mod screens;

pub(crate) use screens::{delivery, elapsed, failure_screen, status_screen, training_failure_screen};

/// A screen shown again, with why above it.
fn noted(note: Option<String>, text: String) -> String {
    match note {
        Some(note) => format!("{note}\n\n{text}"),
        None => text,
    }
}
