//! The one error type of the web layer: 4xx say what is wrong and name the field; 5xx say
//! "internal error" and the cause goes to the log.

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
            AppError::Throttled(secs) => {
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    format!("too many failed logins; try again in {secs} s"),
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
