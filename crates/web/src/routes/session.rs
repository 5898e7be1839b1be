//! Login (session cookie + CSRF token), logout, who am I, API tokens.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{AppendHeaders, IntoResponse},
};
use oversight_app::Me;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::{Authenticated, SESSION_COOKIE, session_token},
    error::ApiResult,
    json::ApiJson,
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    user: Me,
    /// Send this in the `X-CSRF-Token` header with every state-changing request.
    csrf_token: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    label: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Shown once: store it; only its hash is kept.
    token: String,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login, logout, whoami)).routes(routes!(create_api_token))
}

/// Logs in with e-mail and password; sets an HttpOnly, SameSite=Strict session cookie.
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
async fn login(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let login = s.app.login(&req.email, &req.password).await?;
    let max_age = (login.expires_at - s.app.now()).num_seconds().max(0);
    let cookie = session_cookie(&login.session_token, max_age, s.secure_cookies);
    let body = LoginResponse { user: login.me, csrf_token: login.csrf_token, expires_at: login.expires_at };
    Ok((AppendHeaders([(axum::http::header::SET_COOKIE, cookie)]), Json(body)))
}

/// The session cookie: HttpOnly (no script can read it), SameSite=Strict (not sent on cross-site
/// requests), Secure when served over HTTPS.
fn session_cookie(value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

/// Ends the session.
#[utoipa::path(delete, path = "/api/session", tag = "session",
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
async fn logout(
    State(s): State<AppState>,
    _auth: Authenticated,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    if let Some(token) = session_token(&headers) {
        s.app.logout(&token).await?;
    }
    let expired = session_cookie("", 0, s.secure_cookies);
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(axum::http::header::SET_COOKIE, expired)])))
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/session", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
async fn whoami(State(s): State<AppState>, Authenticated(actor): Authenticated) -> ApiResult<Json<Me>> {
    Ok(Json(s.app.me(&actor)?))
}

/// Issues a bearer API token for the logged-in user's own account (for machine clients).
#[utoipa::path(post, path = "/api/tokens", tag = "session", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = crate::error::ErrorBody)))]
async fn create_api_token(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<impl IntoResponse> {
    let token = s.app.issue_api_token(&actor, &req.label).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token })))
}
