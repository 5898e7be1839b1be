//! Oversight's use cases: the only layer that composes the pure rules with storage and time.
//!
//! Responsible for: command handling (load a case's stream → `decide` → append atomically → update
//! projections), accounts and authentication (users, roles, sessions, API tokens), the read models
//! (application lists per organisation, the officer work queue, case detail with history) rebuilt from
//! the event log on start, who may see what, and the demo dataset.
//!
//! Must not depend on: HTTP or the CLI. The web and CLI crates are thin faces over [`App`].
//!
//! Start reading at [`App`] (`app.rs`), then [`projections`].

#![forbid(unsafe_code)]

pub mod accounts;
mod app;
pub mod assessment;
pub mod clock;
pub mod demo;
pub mod error;
pub mod projections;
pub mod register;
pub mod screening;

pub use app::{App, AppConfig, ApplicationView, HistoryEntry, Login, MAX_DOCUMENT_BYTES, Me, QueueEntry};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::AppError;
