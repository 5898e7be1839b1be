//! Authentication, in one place: a request is from a logged-in user (session cookie), a machine
//! client (bearer API token), or the public. Cookie-authenticated requests that change state must
//! carry the session's CSRF token in `X-CSRF-Token` (cookies are also `SameSite=Strict`).

use axum::{
    extract::FromRequestParts,
    http::{Method, header, request::Parts},
};
use axum_extra::extract::cookie::CookieJar;
use oversight_domain::Actor;
use subtle::ConstantTimeEq;

use crate::{AppState, error::ApiError};

pub const SESSION_COOKIE: &str = "oversight_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated user. Extracting it refuses the request (401) if nobody is logged in, and (403)
/// if a cookie-authenticated state-changing request lacks the right CSRF token.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Actor);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let value = auth.to_str().unwrap_or_default();
            let token = value.strip_prefix("Bearer ").ok_or_else(ApiError::unauthenticated)?;
            return state.app.authenticate_token(token.trim()).await.map(Authenticated).ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "unknown, expired or revoked API token",
                )
            });
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let cookie = jar.get(SESSION_COOKIE).ok_or_else(ApiError::unauthenticated)?;
        let (actor, csrf_hash) = state.app.authenticate_session(cookie.value()).await.ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "session ended (signed out, expired or idle too long) or unknown; log in again",
            )
        })?;
        if changes_state(&parts.method) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            // Only the token's hash is stored; compare hashes in constant time.
            let sent_hash = oversight_app::accounts::secret_hash(sent);
            if sent.is_empty() || !bool::from(sent_hash.as_bytes().ct_eq(csrf_hash.as_bytes())) {
                return Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "forbidden",
                    "missing or wrong X-CSRF-Token header (returned at login)",
                ));
            }
        }
        Ok(Authenticated(actor))
    }
}

/// A user signed in with a session (cookie and CSRF token), not with an API token: what creating an
/// API token requires, so that a token can never mint another. A request with an `Authorization`
/// header is refused (403).
#[derive(Debug, Clone)]
pub struct SessionAuthenticated(pub Actor);

impl FromRequestParts<AppState> for SessionAuthenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                "an API token cannot create API tokens; sign in with a password to create one",
            ));
        }
        let Authenticated(actor) = Authenticated::from_request_parts(parts, state).await?;
        Ok(SessionAuthenticated(actor))
    }
}

/// The session token from the cookie, if any (for logout).
pub fn session_token(parts_headers: &axum::http::HeaderMap) -> Option<String> {
    CookieJar::from_headers(parts_headers).get(SESSION_COOKIE).map(|c| c.value().to_string())
}

fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}
