//! `/api/investigations`: enforcement officers' investigations of exporters, their evidence,
//! findings and penalties; `/api/exporters/{id}/standing`: what an exporter's record means for its
//! applications. Enforcement officers act; approvers read (they decide under senior review).

use axum::{
    Json,
    extract::{DefaultBodyLimit, Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use oversight_app::enforcement::{ConclusionRequest, InvestigationRequest, InvestigationView};
use oversight_domain::{OrgId, complaint::MAX_FILE_BYTES, enforcement::Standing};
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
        .routes(routes!(list_investigations, open_investigation))
        .routes(routes!(get_investigation))
        .routes(routes!(add_evidence))
        .routes(routes!(conclude_investigation))
        .routes(routes!(exporter_standing))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES / 3 * 4 + 64 * 1024))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvestigationFilter {
    /// Only investigations not yet concluded.
    #[serde(default)]
    open: Option<bool>,
}

/// Investigations, open ones first, then newest first (enforcement officers and approvers).
#[utoipa::path(get, path = "/api/investigations", tag = "enforcement", params(InvestigationFilter),
    responses((status = 200, body = Vec<InvestigationView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_investigations(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(q): ApiQuery<InvestigationFilter>,
) -> ApiResult<Json<Vec<InvestigationView>>> {
    Ok(Json(s.app.investigations(&actor, q.open.unwrap_or(false))?))
}

/// An enforcement officer opens an investigation of an exporter, naming where it comes from: a
/// complaint (its reference), a suspicious-activity report (its id), an obligation breach, a refused
/// shipment or a screening match (the case's id), or the officer's own initiative.
#[utoipa::path(post, path = "/api/investigations", tag = "enforcement", request_body = InvestigationRequest,
    responses((status = 201, body = InvestigationView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn open_investigation(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<InvestigationRequest>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.app.open_investigation(&actor, req).await?)))
}

/// One investigation with its evidence and conclusion.
#[utoipa::path(get, path = "/api/investigations/{id}", tag = "enforcement", params(("id" = String, Path)),
    responses((status = 200, body = InvestigationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_investigation(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<InvestigationView>> {
    Ok(Json(s.app.investigation(&actor, path_id(&id)?)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    note: String,
    /// A document (PDF, PNG, JPEG or plain text, at most 5 MiB), base64-encoded.
    #[serde(default)]
    file: Option<super::licences::UploadedFile>,
}

/// An enforcement officer adds evidence to an open investigation.
#[utoipa::path(post, path = "/api/investigations/{id}/evidence", tag = "enforcement",
    request_body = EvidenceRequest, params(("id" = String, Path)),
    responses((status = 200, body = InvestigationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_evidence(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EvidenceRequest>,
) -> ApiResult<Json<InvestigationView>> {
    let id = path_id(&id)?;
    let file = req.file.as_ref().map(|f| f.decode("file")).transpose()?;
    Ok(Json(s.app.add_investigation_evidence(&actor, id, &req.note, file).await?))
}

/// An enforcement officer concludes an investigation: no violation, or a violation with findings and
/// penalties (`warning`, `fine` with `amount_eur`, `licence_suspension` of a live licence's `case`,
/// `debarment` `until` a date). Warnings, fines and debarments are published in the register; a
/// debarred exporter is on the authority's restricted list (`authority-debarments`) until then.
#[utoipa::path(post, path = "/api/investigations/{id}/conclusion", tag = "enforcement",
    request_body = ConclusionRequest, params(("id" = String, Path)),
    responses((status = 200, body = InvestigationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn conclude_investigation(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ConclusionRequest>,
) -> ApiResult<Json<InvestigationView>> {
    Ok(Json(s.app.conclude_investigation(&actor, path_id(&id)?, req).await?))
}

/// An exporter's standing today: its findings of violation within the repeat-offender period,
/// whether its applications go to senior review, and any debarment in force.
#[utoipa::path(get, path = "/api/exporters/{id}/standing", tag = "enforcement", params(("id" = String, Path)),
    responses((status = 200, body = Standing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn exporter_standing(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Standing>> {
    let org: uuid::Uuid = path_id(&id)?;
    Ok(Json(s.app.exporter_standing(&actor, OrgId(org))?))
}
