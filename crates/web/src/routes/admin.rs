//! `/api/admin`: organisations and users (administrators only).

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use oversight_domain::{OrgId, OrgKind, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::Authenticated,
    error::{ApiResult, ErrorBody},
    json::ApiJson,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_org)).routes(routes!(create_user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrg {
    name: String,
    kind: OrgKind,
    country: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created<T> {
    id: T,
}

/// Registers an organisation.
#[utoipa::path(post, path = "/api/admin/organisations", tag = "admin", request_body = CreateOrg,
    responses((status = 201, body = Created<OrgId>), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_org(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<CreateOrg>,
) -> ApiResult<impl IntoResponse> {
    let id = s.app.register_org(Some(&actor), &req.name, req.kind, &req.country).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    organisation: OrgId,
    email: String,
    name: String,
    roles: Vec<Role>,
    /// At least 12 characters.
    password: String,
}

/// Creates a user in an organisation, with roles that fit the organisation's kind.
#[utoipa::path(post, path = "/api/admin/users", tag = "admin", request_body = CreateUser,
    responses((status = 201, body = Created<UserId>), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<CreateUser>,
) -> ApiResult<impl IntoResponse> {
    let id = s
        .app
        .create_user(Some(&actor), req.organisation, &req.email, &req.name, &req.roles, &req.password)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
