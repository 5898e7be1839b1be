//! The app's error type: what went wrong, in terms the web layer maps to status codes.

use oversight_domain::{FieldError, Rejection};
use oversight_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not logged in, or bad credentials (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many failed logins (429); retry after the given number of seconds.
    #[error("too many failed logins; try again in {0} s")]
    Throttled(u64),
    /// Too many sign-ins are being checked at once (503); retry after the given number of seconds.
    #[error("too many sign-ins at once; try again in {0} s")]
    Busy(u64),
    /// The thing does not exist or is not visible to this user (404).
    #[error("not found")]
    NotFound,
    /// The user lacks the right (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// Another writer changed what this write was decided on; retried by [`crate::App`] a few
    /// times, then answered 409.
    #[error("{0}")]
    Contended(String),
    /// The node stopped serving because an event of the log cannot be read (503).
    #[error("this node has stopped: {0}")]
    Halted(String),
    /// A field is invalid (422).
    #[error("{0}")]
    Invalid(FieldError),
    /// The database cannot be reached (503).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldError::new(field, message))
    }
}

impl From<Rejection> for AppError {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::NotFound => AppError::NotFound,
            Rejection::Forbidden(m) => AppError::Forbidden(m),
            Rejection::InvalidTransition { .. } | Rejection::AlreadyExists | Rejection::Blocked(_) => {
                AppError::Conflict(r.to_string())
            }
            Rejection::Invalid(f) => AppError::Invalid(f),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(f: FieldError) -> Self {
        AppError::Invalid(f)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            return AppError::Unavailable(e.to_string());
        }
        match e {
            StoreError::Conflict { stream, .. } => {
                AppError::Contended(format!("{stream} was changed at the same time; reload and retry"))
            }
            StoreError::Invalid(m) => AppError::Internal(anyhow::anyhow!(m)),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}
