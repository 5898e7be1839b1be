//! Restricted-party screening: list releases (import by administrators), alerts on cases and their
//! adjudication, ad-hoc searches and the search audit log. The rules live in `oversight_app::screening`.

use axum::{
    Json,
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use oversight_app::lists::{ImportReport, ListSummary, MAX_LIST_BYTES};
use oversight_app::screening::{Alert, SearchRecord, SearchRequest, SearchResponse, Verdict};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::Authenticated,
    error::{ApiError, ApiResult, ErrorBody, path_id as app_id},
    json::ApiJson,
    query::ApiQuery,
};

pub fn router() -> OpenApiRouter<AppState> {
    let import = OpenApiRouter::new()
        .routes(routes!(import_list))
        // The full US Consolidated Screening List is about 6 MB.
        .layer(DefaultBodyLimit::max(MAX_LIST_BYTES + 1024));
    OpenApiRouter::new()
        .routes(routes!(list_lists))
        .routes(routes!(list_alerts))
        .routes(routes!(adjudicate_alert))
        .routes(routes!(search))
        .routes(routes!(search_log))
        .merge(import)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// csl-csv, ofac-xml, un-xml, bis-dpl or ftm-json (ofac-csv is a folder: use the CLI).
    format: String,
    /// The file's name, used in error messages and recorded with the release.
    filename: Option<String>,
}

/// Imports a list file (raw bytes as the body) as the next release of the named list, then
/// re-screens open cases and live licences against its added and changed entries. Administrators only.
#[utoipa::path(post, path = "/api/admin/lists/{name}", tag = "screening",
    params(("name" = String, Path, description = "List name, e.g. us-csl"), ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, description = "A new release was stored", body = ImportReport),
        (status = 200, description = "The file is the list's latest release already: nothing was stored (a retried import)", body = ImportReport),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_list(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(name): Path<String>,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<impl IntoResponse> {
    let body = body.map_err(|e| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("list file too large: {}", e.body_text()),
        )
    })?;
    let filename = params.filename.unwrap_or_else(|| format!("{name}.{}", params.format));
    let report = s.app.import_list_bytes(&actor, &name, &params.format, &filename, &body).await?;
    let status = if report.already_imported { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(report)))
}

/// The restricted-party lists with every imported release, and the built-in `authority-denials`.
#[utoipa::path(get, path = "/api/lists", tag = "screening",
    responses((status = 200, body = Vec<ListSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_lists(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<ListSummary>>> {
    Ok(Json(s.app.lists(&actor)?))
}

/// The screening alerts on a case, with their explanations and adjudications (authority only;
/// others are answered 403).
#[utoipa::path(get, path = "/api/applications/{id}/alerts", tag = "screening",
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = Vec<Alert>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_alerts(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Alert>>> {
    Ok(Json(s.app.alerts(&actor, app_id(&id)?)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjudicateAlert {
    verdict: Verdict,
    reason: String,
}

/// A licensing officer marks an alert a true or false match, with a reason. A false match is not
/// raised again for the party until the listed entry changes.
#[utoipa::path(post, path = "/api/applications/{id}/alerts/{alert_id}", tag = "screening",
    params(("id" = String, Path, description = "Application id"), ("alert_id" = String, Path, description = "Alert id")),
    request_body = AdjudicateAlert,
    responses((status = 200, body = Alert), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn adjudicate_alert(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, alert)): Path<(String, String)>,
    ApiJson(req): ApiJson<AdjudicateAlert>,
) -> ApiResult<Json<Alert>> {
    let alert: uuid::Uuid = app_id(&alert)?;
    Ok(Json(s.app.adjudicate_alert(&actor, app_id(&id)?, alert, req.verdict, &req.reason).await?))
}

/// Screens one name against the current lists (authority users and exporters). Every search is
/// recorded in the audit log. 503 when no list has been imported.
#[utoipa::path(post, path = "/api/screening/search", tag = "screening", request_body = SearchRequest,
    responses((status = 200, body = SearchResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
async fn search(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<SearchRequest>,
) -> ApiResult<Json<SearchResponse>> {
    Ok(Json(s.app.screening_search(&actor, &req).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LogParams {
    /// At most this many records, newest first (default 100, at most 1000).
    limit: Option<usize>,
}

/// The audit log of screening searches: who, what, when, which list versions, what result
/// (authority only).
#[utoipa::path(get, path = "/api/screening/log", tag = "screening", params(LogParams),
    responses((status = 200, body = Vec<SearchRecord>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search_log(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(params): ApiQuery<LogParams>,
) -> ApiResult<Json<Vec<SearchRecord>>> {
    Ok(Json(s.app.screening_log(&actor, params.limit.unwrap_or(100).min(1000))?))
}
