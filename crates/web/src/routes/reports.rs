//! `/api/reports` (exporters' suspicious-activity reports and their triage) and `/api/notices` (the
//! authority's informed notices).

use axum::{
    Json,
    extract::{DefaultBodyLimit, Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use oversight_app::reports::{NoticeRequest, ReportRequest};
use oversight_domain::reports::{InformedNotice, SuspiciousActivityReport, TriageOutcome};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::Authenticated,
    error::{ApiResult, ErrorBody},
    json::ApiJson,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reports, file_report))
        .routes(routes!(triage_report))
        .routes(routes!(list_notices, issue_notice))
        .routes(routes!(withdraw_notice))
        .layer(DefaultBodyLimit::max(oversight_app::MAX_DOCUMENT_BYTES / 3 * 4 * 2 + 64 * 1024))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileReport {
    /// Who asked (a name).
    requester: String,
    /// ISO 3166-1 code of the country the requester gave.
    requester_country: String,
    /// What was asked for.
    items: String,
    /// Why it looked suspicious.
    why: String,
    /// Documents, base64-encoded (at most 10, each at most 10 MiB).
    #[serde(default)]
    documents: Vec<super::licences::UploadedFile>,
}

/// Suspicious-activity reports: an exporter's own, or every one for licensing and enforcement officers.
#[utoipa::path(get, path = "/api/reports", tag = "reports",
    responses((status = 200, body = Vec<SuspiciousActivityReport>), (status = 403, body = ErrorBody)))]
async fn list_reports(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<SuspiciousActivityReport>>> {
    Ok(Json(s.app.reports(&actor)?))
}

/// An exporter reports a request that looked like diversion or misuse: who asked, what, why it was
/// suspicious, with documents.
#[utoipa::path(post, path = "/api/reports", tag = "reports", request_body = FileReport,
    responses((status = 201, body = SuspiciousActivityReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file_report(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<FileReport>,
) -> ApiResult<impl IntoResponse> {
    let documents = super::licences::UploadedFile::decode_all(&req.documents, "documents")?;
    let report = ReportRequest {
        requester: req.requester,
        requester_country: req.requester_country,
        items: req.items,
        why: req.why,
    };
    Ok((StatusCode::CREATED, Json(s.app.file_report(&actor, report, documents).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    outcome: TriageOutcome,
    note: String,
    /// For `licence_review`: the case of the live licence the report concerns (a review of it opens).
    #[serde(default)]
    case_id: Option<String>,
}

/// Triages a report, once (licensing and enforcement officers).
#[utoipa::path(post, path = "/api/reports/{id}/triage", tag = "reports", request_body = TriageRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = SuspiciousActivityReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn triage_report(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<TriageRequest>,
) -> ApiResult<Json<SuspiciousActivityReport>> {
    let id = id.parse().map_err(|_| oversight_app::AppError::NotFound)?;
    let case = req.case_id.as_deref().map(crate::error::path_id).transpose()?;
    Ok(Json(s.app.triage_report(&actor, id, req.outcome, &req.note, case).await?))
}

/// Informed notices: the exporter's own, or every one for the authority.
#[utoipa::path(get, path = "/api/notices", tag = "reports",
    responses((status = 200, body = Vec<InformedNotice>), (status = 403, body = ErrorBody)))]
async fn list_notices(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<InformedNotice>>> {
    Ok(Json(s.app.notices(&actor)?))
}

/// Issues an informed notice (approvers): the exporter is told that an unlisted item for the named
/// end user and/or destination needs a licence. Published on the register at once; the exporter's
/// shipments that it covers under licences issued before it are refused from then on.
#[utoipa::path(post, path = "/api/notices", tag = "reports", request_body = NoticeRequest,
    responses((status = 201, body = InformedNotice), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn issue_notice(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<NoticeRequest>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.app.issue_notice(&actor, req).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawNotice {
    reason: String,
}

/// Withdraws an informed notice (approvers).
#[utoipa::path(post, path = "/api/notices/{id}/withdraw", tag = "reports", request_body = WithdrawNotice,
    params(("id" = String, Path)),
    responses((status = 200, body = InformedNotice), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn withdraw_notice(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<WithdrawNotice>,
) -> ApiResult<Json<InformedNotice>> {
    let id = id.parse().map_err(|_| oversight_app::AppError::NotFound)?;
    Ok(Json(s.app.withdraw_notice(&actor, id, &req.reason).await?))
}
