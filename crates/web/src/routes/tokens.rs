//! Installations and operating tokens: the licence holder registers and withdraws installations
//! (`/api/licences/{id}/installations`, `/api/installations/{id}/withdraw`); an installation renews
//! its token by signing a challenge (`/api/tokens/challenge`, `/api/tokens/renew`: no account, the
//! installation's key signature authenticates it); anyone reads the revocation list, the trust
//! anchors (root chain, log key, witness policy) and how many tokens each licence got.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use oversight_app::tokens::{
    Challenge, LicenceTokens, RegisterInstallation, RenewedToken, RevocationListView, TrustAnchors,
};
use oversight_domain::installation::Installation;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::Authenticated,
    error::{ApiResult, ErrorBody, path_id},
    json::ApiJson,
    query::ApiQuery,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_installations, register_installation))
        .routes(routes!(withdraw_installation))
        .routes(routes!(challenge))
        .routes(routes!(renew))
        .routes(routes!(latest))
        .routes(routes!(revocations))
        .routes(routes!(trust))
        .routes(routes!(register_tokens))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInstallation {
    /// The installation's Ed25519 public key: base64 of its 32 bytes (generated on the machine,
    /// e.g. with `oversight token keygen`).
    public_key: String,
    /// Where it is deployed (site, operator).
    deployment: String,
}

/// The licence holder registers an installation of the licensed product (only while the licence is
/// active; a key is registered once).
#[utoipa::path(post, path = "/api/licences/{id}/installations", tag = "tokens",
    params(("id" = String, Path, description = "the case id of the licence")),
    request_body = NewInstallation,
    responses((status = 201, body = Installation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register_installation(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewInstallation>,
) -> ApiResult<impl IntoResponse> {
    let req = RegisterInstallation { public_key: req.public_key, deployment: req.deployment };
    let i = s.app.register_installation(&actor, path_id(&id)?, req).await?;
    Ok((StatusCode::CREATED, Json(i)))
}

/// The installations under a licence, with the tokens issued to each (the licence holder, and the
/// authority's roles that see the case).
#[utoipa::path(get, path = "/api/licences/{id}/installations", tag = "tokens",
    params(("id" = String, Path, description = "the case id of the licence")),
    responses((status = 200, body = Vec<Installation>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_installations(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Installation>>> {
    Ok(Json(s.app.installations(&actor, path_id(&id)?)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {
    #[serde(default)]
    reason: String,
}

/// The licence holder withdraws an installation: its renewals stop, and the next revocation list
/// names its key.
#[utoipa::path(post, path = "/api/installations/{id}/withdraw", tag = "tokens",
    params(("id" = String, Path)), request_body = Withdraw,
    responses((status = 200, body = Installation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn withdraw_installation(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Withdraw>,
) -> ApiResult<Json<Installation>> {
    Ok(Json(s.app.withdraw_installation(&actor, path_id(&id)?, &req.reason).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// The installation's registered public key (base64).
    installation_key: String,
}

/// A fresh challenge (valid 60 s, single use) for an installation to sign. No account: only the
/// holder of the installation's private key can answer it.
#[utoipa::path(post, path = "/api/tokens/challenge", tag = "tokens", request_body = ChallengeRequest,
    responses((status = 200, body = Challenge), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn challenge(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> ApiResult<Json<Challenge>> {
    Ok(Json(s.app.token_challenge(&req.installation_key)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewRequest {
    /// The challenge, exactly as received.
    challenge: String,
    /// The installation's Ed25519 signature over the challenge's UTF-8 bytes, base64.
    signature: String,
}

/// Renews an installation's operating token. Authenticated by the installation's signature of a
/// challenge; issued only while the licence is active and the installation registered, and
/// appended to the transparency log with its event. 401: a challenge not from this platform,
/// expired or already used, or a signature that does not verify; 409: the licence is not active
/// or the installation withdrawn (the reason says which).
#[utoipa::path(post, path = "/api/tokens/renew", tag = "tokens", request_body = RenewRequest,
    responses((status = 201, body = RenewedToken), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn renew(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<RenewRequest>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.app.renew_token(&req.challenge, &req.signature).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LatestQuery {
    /// The installation's public key (base64).
    installation_key: String,
}

/// An installation's newest token with a fresh proof (e.g. cosigned by more witnesses since).
#[utoipa::path(get, path = "/api/tokens/latest", tag = "tokens", params(LatestQuery),
    responses((status = 200, body = RenewedToken), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn latest(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<LatestQuery>,
) -> ApiResult<Json<RenewedToken>> {
    Ok(Json(s.app.latest_token(&q.installation_key).await?))
}

/// The current signed revocation list (short expiry, logged in the transparency log) with its
/// proof: the suspended and revoked licences with installations, and the keys of their
/// installations and of withdrawn ones.
#[utoipa::path(get, path = "/api/tokens/revocations", tag = "tokens",
    responses((status = 200, body = RevocationListView), (status = 503, body = ErrorBody)))]
async fn revocations(State(s): State<AppState>) -> ApiResult<Json<RevocationListView>> {
    Ok(Json(s.app.revocation_list().await?))
}

/// What a verifier pins and follows: the chain of root statements (root 1 first), the log's key
/// and a witness policy requiring every configured witness.
#[utoipa::path(get, path = "/api/tokens/trust", tag = "tokens", responses((status = 200, body = TrustAnchors)))]
async fn trust(State(s): State<AppState>) -> Json<TrustAnchors> {
    Json(s.app.token_trust())
}

/// Per licence with installations: how many installations, how many hold a token, how many tokens
/// were issued, and when the last one expires.
#[utoipa::path(get, path = "/api/register/tokens", tag = "register",
    responses((status = 200, body = Vec<LicenceTokens>)))]
async fn register_tokens(State(s): State<AppState>) -> Json<Vec<LicenceTokens>> {
    Json(s.app.licence_tokens())
}
