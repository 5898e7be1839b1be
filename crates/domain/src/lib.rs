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
pub mod appeal;
pub mod application;
pub mod assessment;
pub mod calendar;
pub mod clock;
pub mod complaint;
pub mod compliance;
pub mod control_list;
pub mod countries;
pub mod credentials;
pub mod disclosure;
pub mod enforcement;
pub mod grants;
pub mod ids;
pub mod installation;
pub mod licence;
pub mod lifecycle;
pub mod party;
pub mod register;
pub mod reports;
pub mod review;
pub mod roles;
pub mod rulemaking;
pub mod screening;
#[cfg(test)]
pub(crate) mod test_support;

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

/// Characters that reorder how text is displayed (bidirectional embeddings, overrides, isolates and
/// marks): refused in every field, so that no text shows something other than what it says
/// (`invoice\u{202E}fdp.exe` displays as `invoiceexe.pdf`).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The one text policy, for single-line fields (names, titles, labels, file names, numbers):
/// trimmed, non-empty, at most `max` characters, no control character at all (not even a line
/// break or tab) and no bidirectional control ([`is_bidi_control`]).
pub fn parse_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    checked_text(field, value.trim(), max, false)
}

/// The one text policy, for multi-line fields (reasons, rationales, descriptions, addresses):
/// as [`parse_text`], except that line breaks and tabs are kept; a Windows line break (`\r\n`) is
/// stored as `\n` and any other carriage return is refused.
pub fn parse_multiline_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    checked_text(field, value.replace("\r\n", "\n").trim(), max, true)
}

/// A file name (an uploaded document, an imported list): [`parse_text`] with at most 255
/// characters.
pub fn parse_filename(field: &str, value: &str) -> Result<String, FieldError> {
    parse_text(field, value, 255)
}

/// The characters of [`parse_text`] and [`parse_multiline_text`], for a field that may be empty
/// (the empty string is accepted as it is).
pub fn check_optional_text(
    field: &str,
    value: &str,
    max: usize,
    multiline: bool,
) -> Result<String, FieldError> {
    let value = if multiline { value.replace("\r\n", "\n") } else { value.to_string() };
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    checked_text(field, trimmed, max, multiline)
}

fn checked_text(field: &str, trimmed: &str, max: usize, multiline: bool) -> Result<String, FieldError> {
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t');
    if trimmed.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(FieldError::new(
            field,
            if multiline {
                "must not contain control characters (other than line breaks and tabs)"
            } else {
                "must be one line without control characters"
            },
        ));
    }
    if trimmed.chars().any(is_bidi_control) {
        return Err(FieldError::new(field, "must not contain bidirectional control characters"));
    }
    Ok(trimmed.to_string())
}
