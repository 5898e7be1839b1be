//! `/api/admin`: organisations and users (administrators only).

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use oversight_domain::{OrgId, OrgKind, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::Authenticated,
    error::{ApiResult, ErrorBody, path_id},
    json::ApiJson,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_org))
        .routes(routes!(create_user, list_users))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
        .routes(routes!(propose_role_grant))
        .routes(routes!(list_role_grants))
        .routes(routes!(approve_role_grant))
        .routes(routes!(withdraw_role_grant))
        .routes(routes!(get_calendar))
        .routes(routes!(add_holiday))
        .routes(routes!(remove_holiday))
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
    /// At least 12 characters, not all blank, at least 5 different characters, and not a common
    /// (breached) password.
    password: String,
}

/// Creates a user in an organisation, with roles that fit the organisation's kind. The roles are
/// only proposed: each takes effect when a second administrator approves it
/// (`GET /api/admin/role-grants`).
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

/// Disables a user: their sessions and API tokens end at once and they can no longer sign in. An
/// administrator cannot disable their own account.
#[utoipa::path(post, path = "/api/admin/users/{id}/disable", tag = "admin",
    params(("id" = String, Path, description = "User id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn disable_user(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.disable_user(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enables a disabled user again; the sessions and tokens that ended stay ended.
#[utoipa::path(post, path = "/api/admin/users/{id}/enable", tag = "admin",
    params(("id" = String, Path, description = "User id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn enable_user(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.enable_user(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeGrant {
    role: Role,
}

/// Proposes giving a user a role. It takes effect when a second administrator
/// (not the proposer, not the user) approves it.
#[utoipa::path(post, path = "/api/admin/users/{id}/role-grants", tag = "admin", request_body = ProposeGrant,
    params(("id" = String, Path, description = "User id")),
    responses((status = 201, body = Created<uuid::Uuid>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn propose_role_grant(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ProposeGrant>,
) -> ApiResult<impl IntoResponse> {
    let grant = s.app.propose_role_grant(&actor, path_id(&id)?, req.role).await?;
    Ok((StatusCode::CREATED, Json(Created { id: grant })))
}

/// Every user, the authority's first, by organisation then name (never a password hash).
#[utoipa::path(get, path = "/api/admin/users", tag = "admin",
    responses((status = 200, body = Vec<oversight_app::accounts::UserInfo>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
async fn list_users(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<oversight_app::accounts::UserInfo>>> {
    Ok(Json(s.app.users(&actor)?))
}

/// The role grants waiting for a second administrator.
#[utoipa::path(get, path = "/api/admin/role-grants", tag = "admin",
    responses((status = 200, body = Vec<oversight_app::accounts::RoleGrantInfo>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
async fn list_role_grants(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<oversight_app::accounts::RoleGrantInfo>>> {
    Ok(Json(s.app.pending_role_grants(&actor)?))
}

/// Approves a pending role grant: the user holds the role from now on. Refused (403) to the
/// administrator who proposed it and to the user it is for.
#[utoipa::path(post, path = "/api/admin/role-grants/{id}/approve", tag = "admin",
    params(("id" = String, Path, description = "Grant id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn approve_role_grant(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.approve_role_grant(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraws a pending role grant without giving the role.
#[utoipa::path(delete, path = "/api/admin/role-grants/{id}", tag = "admin",
    params(("id" = String, Path, description = "Grant id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn withdraw_role_grant(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.withdraw_role_grant(&actor, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The holiday calendar the working-day clock counts with: the shipped public holidays of the
/// authority's country and the administrators' changes (any authority user with a role).
#[utoipa::path(get, path = "/api/admin/calendar", tag = "admin",
    responses((status = 200, body = oversight_app::calendar::CalendarView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
async fn get_calendar(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<oversight_app::calendar::CalendarView>> {
    Ok(Json(s.app.calendar(&actor)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddHoliday {
    /// YYYY-MM-DD, a weekday that is not already a holiday.
    #[schema(value_type = String, format = Date)]
    date: chrono::NaiveDate,
    name: String,
}

/// Adds a holiday to the authority's calendar (administrators). Cases' clocks skip it from now on;
/// published processing times stay as published.
#[utoipa::path(post, path = "/api/admin/calendar/holidays", tag = "admin", request_body = AddHoliday,
    responses((status = 201, body = oversight_app::calendar::CalendarView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_holiday(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<AddHoliday>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.app.add_holiday(&actor, req.date, &req.name).await?)))
}

/// Removes a holiday, shipped or added, from the authority's calendar (administrators).
#[utoipa::path(delete, path = "/api/admin/calendar/holidays/{date}", tag = "admin",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = oversight_app::calendar::CalendarView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn remove_holiday(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(date): Path<String>,
) -> ApiResult<Json<oversight_app::calendar::CalendarView>> {
    let date = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .map_err(|_| oversight_app::AppError::invalid("date", "use YYYY-MM-DD"))?;
    Ok(Json(s.app.remove_holiday(&actor, date).await?))
}
