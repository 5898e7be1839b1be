//! Oversight's use cases: the only layer that composes the pure rules with storage and time.
//!
//! Responsible for: loading a capability's streams, asking the core's rules (`oversight_domain`)
//! what happens, appending what they decide with optimistic concurrency, and folding the read
//! models; accounts and sign-in; the demo dataset.
//!
//! Organised by capability, each a module that owns its events, its read model and its use cases
//! (an `impl App` block): [`cases`], [`accounts`], [`screening`], [`lists`], [`assessment`],
//! [`evidence`], [`register`]. A capability never reads another's read model; it asks the other's
//! facade, or reads the other's stream from the store when a decision depends on it.
//!
//! Must not depend on: HTTP or the CLI. The web and CLI crates are thin faces over [`App`].
//!
//! Start reading at [`App`] (`app.rs`), then [`projections`] (and [`snapshot`], how they start
//! without folding the whole log), then [`cases`].

#![forbid(unsafe_code)]

pub mod accounts;
mod app;
pub mod appeals;
pub mod assessment;
pub mod calendar;
pub mod cases;
pub mod clock;
pub mod complaints;
pub mod compliance;
pub mod demo;
pub mod enforcement;
pub mod error;
pub mod evidence;
pub mod lists;
mod observe;
pub mod projections;
pub mod queue;
pub mod register;
pub mod reports;
pub mod reviews;
pub mod rulemaking;
pub mod screening;
pub mod snapshot;
pub mod tokens;

pub use accounts::{Login, Me};
pub use app::{App, AppConfig};
pub use cases::{ApplicationView, HistoryEntry, MAX_DOCUMENT_BYTES, QueueEntry, QueuePage};
pub use clock::{Clock, Entropy, FixedClock, OsEntropy, SeededEntropy, SystemClock};
pub use error::AppError;
