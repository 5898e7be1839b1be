//! Login (session cookie + CSRF token), logout, who am I, API tokens.

use axum::{
    Extension, Json,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
    response::{AppendHeaders, IntoResponse},
};
use oversight_app::{Me, accounts::TokenInfo};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::{Authenticated, SESSION_COOKIE, SessionAuthenticated, session_token},
    error::{ApiResult, ErrorBody, path_id},
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
    /// A name to recognise the token by (one line, at most 100 characters).
    label: String,
    /// Days until the token stops working: 1 to the server's maximum (`--token-max-days`, 90 by
    /// default), which is also the default.
    #[serde(default)]
    expires_in_days: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Shown once: store it; only its hash is kept.
    token: String,
    #[serde(flatten)]
    info: TokenInfo,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login, logout, whoami))
        .routes(routes!(create_api_token, list_api_tokens))
        .routes(routes!(revoke_api_token))
}

/// The address the sign-in throttle counts by: the TCP peer's (a reverse proxy's own address when
/// there is one in front; see docs/security.md). The API and the sign-in page both use it.
pub fn client_address(peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>) -> String {
    peer.map_or_else(
        || oversight_app::accounts::LOCAL_CLIENT.to_string(),
        |Extension(ConnectInfo(addr))| addr.ip().to_canonical().to_string(),
    )
}

/// Logs in with e-mail and password; sets an HttpOnly, SameSite=Strict session cookie.
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody, description = "Too many attempts on this account from this address, or from this address on any accounts; see Retry-After"),
              (status = 503, body = crate::error::ErrorBody, description = "Too many sign-ins being checked at once; see Retry-After")))]
async fn login(
    State(s): State<AppState>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let client = client_address(peer);
    let login = s.app.login(&req.email, &req.password, &client).await?;
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

/// Issues a bearer API token for the signed-in user's own account (for machine clients). Only a
/// password session may do this: a request authenticated by an API token is refused (403).
#[utoipa::path(post, path = "/api/tokens", tag = "session", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "Authenticated by an API token, or no CSRF token"),
              (status = 422, body = ErrorBody)))]
async fn create_api_token(
    State(s): State<AppState>,
    SessionAuthenticated(actor): SessionAuthenticated,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<impl IntoResponse> {
    let issued = s.app.issue_api_token(&actor, &req.label, req.expires_in_days).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token: issued.token, info: issued.info })))
}

/// The signed-in user's own API tokens that still work, newest first: never their secrets.
#[utoipa::path(get, path = "/api/tokens", tag = "session",
    responses((status = 200, body = Vec<TokenInfo>), (status = 401, body = ErrorBody)))]
async fn list_api_tokens(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(s.app.api_tokens(&actor)))
}

/// Revokes one of the user's own API tokens at once (another user's token is 404).
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "session",
    params(("id" = String, Path, description = "The token's id from the list")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_api_token(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.revoke_api_token(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
