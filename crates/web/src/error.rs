//! The one error type of the web layer, and the one place where errors become status codes: 4xx
//! say what is wrong and name the field; 5xx say "internal error" and the cause goes to the log.
//! The JSON API and the HTML pages both map through [`ApiError`].
//!
//! Authorization is decided by the app, never here; this module only maps its answers, which follow
//! one rule: a case you may not see is `NotFound` (404, so its existence is not revealed); an action
//! your role lacks on a case you may see is `Forbidden` (403); a list or collection your role may not
//! use is `Forbidden` (403). A malformed id in a path is a case nobody can see: 404 ([`path_id`]).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use oversight_app::AppError;
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code: `bad_request`, `invalid`, `unauthenticated`, `forbidden`,
    /// `not_found`, `conflict`, `payload_too_large`, `unsupported_media_type`, `throttled`,
    /// `unavailable`, `internal`.
    pub error: &'static str,
    pub message: String,
    /// The input field at fault, when there is one (e.g. `destination`, `items[0].quantity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, retry_after: None }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message);
        e.field = Some(field).filter(|f| !f.is_empty());
        e
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "not found")
    }
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "log in or send a bearer API token")
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated(m) => Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", m),
            AppError::Busy(secs) => {
                let mut e = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    format!("too many sign-ins are being checked at once; try again in {secs} s"),
                );
                e.retry_after = Some(secs);
                e
            }
            AppError::Throttled(secs) => {
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    format!("too many sign-in attempts; try again in {secs} s"),
                );
                e.retry_after = Some(secs);
                e
            }
            AppError::NotFound => Self::not_found(),
            AppError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::Conflict(m) | AppError::Contended(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            AppError::Halted(m) => {
                let mut e = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "halted",
                    format!("this node has stopped serving: {m}"),
                );
                e.retry_after = Some(30);
                e
            }
            AppError::Invalid(f) => Self::invalid(f.field, f.message),
            AppError::Unavailable(m) => {
                tracing::warn!("database unavailable: {m}");
                let mut e = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; nothing was changed; retry shortly",
                );
                e.retry_after = Some(2);
                e
            }
            AppError::Internal(cause) => {
                tracing::error!("internal error: {cause:#}");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: self.code, message: self.message, field: self.field };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// An id taken from a path: one that does not parse names nothing, so it is "not found".
pub fn path_id<T: std::str::FromStr>(raw: &str) -> ApiResult<T> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// A 500 whose cause is logged (e.g. a writer failing on an in-memory buffer).
pub fn internal(cause: impl std::fmt::Display) -> ApiError {
    ApiError::from(AppError::Internal(anyhow::anyhow!("{cause}")))
}

/// The JSON 500 answered when a handler panics (see the `CatchPanicLayer` in [`crate::router`]): the
/// request fails alone instead of dropping the connection.
pub fn panic_response(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!("handler panicked: {what}");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error").into_response()
}
