//! The rules of the Oversight licensing regime, as pure functions and types.
//!
//! Responsible for: the vocabulary of the regime (organisations, users and roles, control-list entries,
//! items, parties, applications, licences), validation of values on construction ("parse, don't
//! validate"), and the application lifecycle written as
//! [`decide`](lifecycle::decide)`(state, command, ctx) -> Result<Vec<Event>, Rejection>` and
//! [`apply`](lifecycle::apply)`(state, event)`.
//!
//! Countries, end-user sectors, tiers and [`FieldError`] are `oversight-vocab`'s, re-exported here.
//!
//! Must not depend on: any Oversight crate but `oversight-vocab`, storage, HTTP, an async runtime, the
//! clock or randomness. Time and fresh ids arrive as arguments (in [`lifecycle::Context`] and in
//! commands).
//!
//! Start reading at [`lifecycle`]: the state machine and its table of who may do what, when.

#![forbid(unsafe_code)]

pub mod access;
pub mod application;
pub mod assessment;
pub mod control_list;
pub mod countries;
pub mod disclosure;
pub mod ids;
pub mod licence;
pub mod lifecycle;
pub mod party;
pub mod register;
pub mod roles;
pub mod screening;

pub use application::{Application, ApplicationStatus, Licence, LicenceStatus};
pub use control_list::{ControlEntry, ControlList, Tier};
pub use countries::CountryCode;
pub use ids::{ApplicationId, DocumentId, ItemId, OrgId, PartyId, UserId};
pub use lifecycle::{Command, Context, Event, Gates, Rejection, apply, decide};
pub use party::{Party, PartyRole, Sector};
pub use register::working_days_between;
pub use roles::{Actor, OrgKind, Role};

/// A validation failure of one named field: what the web layer reports as 422.
pub use oversight_vocab::FieldError;

/// Checks a free-text field: trimmed, non-empty, at most `max` characters, no control characters.
pub fn parse_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(trimmed.to_string())
}
