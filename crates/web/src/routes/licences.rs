//! `/api/licences/{case id}/…` and `/api/reviews`: what happens under a licence after the decision —
//! shipments and drawdown, obligations and their evidence, audits, licence reviews.

use axum::{
    Json,
    extract::{DefaultBodyLimit, Path, State},
    http::{StatusCode, header},
    response::IntoResponse,
};
use base64::Engine;
use oversight_app::{
    compliance::{ComplianceView, LicenceFlag, ShipmentReport},
    reviews::ReviewDecisionRequest,
};
use oversight_domain::{
    compliance::Shipment,
    review::{Review, Trigger},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::Authenticated,
    error::{ApiResult, ErrorBody, path_id as app_id},
    json::ApiJson,
    query::ApiQuery,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_compliance))
        .routes(routes!(report_shipment))
        .routes(routes!(fulfil_obligation))
        .routes(routes!(judge_obligation))
        .routes(routes!(obligation_document))
        .routes(routes!(request_audit))
        .routes(routes!(licence_flags))
        .routes(routes!(list_reviews, open_review))
        .routes(routes!(get_review))
        .routes(routes!(decide_review))
        // A document, base64-encoded in JSON: a third larger than its bytes.
        .layer(DefaultBodyLimit::max(oversight_app::compliance::MAX_EVIDENCE_BYTES / 3 * 4 + 64 * 1024))
}

/// A licence's compliance: what remains of it, its obligations and every shipment reported
/// (the licence holder, and the authority's case-file and enforcement roles).
#[utoipa::path(get, path = "/api/licences/{id}/compliance", tag = "licences",
    params(("id" = String, Path, description = "the case id of the licence")),
    responses((status = 200, body = ComplianceView), (status = 404, body = ErrorBody)))]
async fn get_compliance(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<ComplianceView>> {
    Ok(Json(s.app.compliance(&actor, app_id(&id)?)?))
}

/// Reports a shipment under the licence (the licence holder's exporters). A shipment outside
/// the licence — beyond its quantity or value, to a party not on it, after expiry or suspension,
/// before the end-use certificate is accepted — is recorded as refused with its reasons and
/// flagged for enforcement: the answer is then 409 with the reasons, and the refusal stays on
/// record.
#[utoipa::path(post, path = "/api/licences/{id}/shipments", tag = "licences", request_body = ShipmentReport,
    params(("id" = String, Path)),
    responses((status = 201, body = Shipment), (status = 409, body = Shipment, description = "refused and recorded for enforcement"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report_shipment(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ShipmentReport>,
) -> ApiResult<impl IntoResponse> {
    let shipment = s.app.report_shipment(&actor, app_id(&id)?, req).await?;
    let status = if shipment.is_refused() { StatusCode::CONFLICT } else { StatusCode::CREATED };
    Ok((status, Json(shipment)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fulfilment {
    /// What was done, in words.
    note: String,
    /// A document (at most 10 MiB), base64-encoded.
    #[serde(default)]
    document: Option<UploadedFile>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadedFile {
    pub(crate) filename: String,
    pub(crate) content_base64: String,
}

impl UploadedFile {
    /// The file's name and bytes; `field` names it in the error when the content is not base64.
    pub(crate) fn decode(&self, field: &str) -> Result<(String, Vec<u8>), oversight_app::AppError> {
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(self.content_base64.trim()).map_err(|_| {
                oversight_app::AppError::invalid(format!("{field}.content_base64"), "not valid base64")
            })?;
        Ok((self.filename.clone(), bytes))
    }

    /// Every file of a list, named `<field>[i]` in an error.
    pub(crate) fn decode_all(
        files: &[UploadedFile],
        field: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, oversight_app::AppError> {
        files.iter().enumerate().map(|(i, f)| f.decode(&format!("{field}[{i}]"))).collect()
    }
}

/// Sends what an obligation asks for (the licence holder's exporters): a note and a document.
#[utoipa::path(post, path = "/api/licences/{id}/obligations/{key}/fulfil", tag = "licences", request_body = Fulfilment,
    params(("id" = String, Path), ("key" = String, Path, description = "the obligation's key (see the compliance view)")),
    responses((status = 200, body = ComplianceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn fulfil_obligation(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, key)): Path<(String, String)>,
    ApiJson(req): ApiJson<Fulfilment>,
) -> ApiResult<Json<ComplianceView>> {
    let file = req.document.as_ref().map(|d| d.decode("document")).transpose()?;
    let document = file.as_ref().map(|(n, b)| (n.as_str(), b.as_slice()));
    Ok(Json(s.app.fulfil_obligation(&actor, app_id(&id)?, &key, &req.note, document).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Judgement {
    /// Accept (true) or reject (false) the latest submission.
    accept: bool,
    reason: String,
}

/// Accepts or rejects what was sent for an obligation, with a reason (licensing officers). A
/// rejected post-shipment verification opens a licence review at once.
#[utoipa::path(post, path = "/api/licences/{id}/obligations/{key}/verdict", tag = "licences", request_body = Judgement,
    params(("id" = String, Path), ("key" = String, Path)),
    responses((status = 200, body = ComplianceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn judge_obligation(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, key)): Path<(String, String)>,
    ApiJson(req): ApiJson<Judgement>,
) -> ApiResult<Json<ComplianceView>> {
    Ok(Json(s.app.judge_obligation(&actor, app_id(&id)?, &key, req.accept, &req.reason).await?))
}

/// Downloads a document sent for an obligation, by its SHA-256.
#[utoipa::path(get, path = "/api/licences/{id}/documents/{sha256}", tag = "licences",
    params(("id" = String, Path), ("sha256" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
async fn obligation_document(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, sha)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let (meta, bytes) = s.app.obligation_document(&actor, app_id(&id)?, &sha).await?;
    let disposition =
        format!("attachment; filename=\"{}\"", meta.filename.replace(['"', '\\', '\r', '\n'], "_"));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditRequestBody {
    /// What the audit covers.
    scope: String,
    /// The last day (YYYY-MM-DD), after today and within a year.
    #[schema(value_type = String, format = Date)]
    due: chrono::NaiveDate,
}

/// Asks for an audit under the licence's audit condition (licensing and enforcement officers).
#[utoipa::path(post, path = "/api/licences/{id}/audits", tag = "licences", request_body = AuditRequestBody,
    params(("id" = String, Path)),
    responses((status = 201, body = ComplianceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn request_audit(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AuditRequestBody>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.app.request_audit(&actor, app_id(&id)?, &req.scope, req.due).await?)))
}

/// Licences needing the caller's attention: evidence to judge, overdue or rejected obligations
/// (licensing officers), refused shipments (licensing and enforcement officers). Empty for others.
#[utoipa::path(get, path = "/api/licences/flags", tag = "licences",
    responses((status = 200, body = Vec<LicenceFlag>)))]
async fn licence_flags(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Json<Vec<LicenceFlag>> {
    Json(s.app.licence_flags(&actor))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReviewParams {
    /// Only open reviews (default true).
    open: Option<bool>,
    /// Only reviews of this case.
    case_id: Option<String>,
}

/// Licence reviews, newest first (licensing officers, approvers, human-rights assessors,
/// enforcement officers).
#[utoipa::path(get, path = "/api/reviews", tag = "licences", params(ReviewParams),
    responses((status = 200, body = Vec<Review>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_reviews(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(p): ApiQuery<ReviewParams>,
) -> ApiResult<Json<Vec<Review>>> {
    let case = p.case_id.as_deref().map(app_id).transpose()?;
    Ok(Json(s.app.reviews(&actor, p.open.unwrap_or(true), case)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenReview {
    /// The case whose licence is reviewed.
    case_id: String,
    /// The concern and its evidence, in words.
    evidence: String,
}

/// Opens a review of a live licence on an officer's concern (licensing officers, approvers,
/// human-rights assessors, administrators). Reviews also open by themselves on a list match, new
/// evidence about the destination and obligation breaches.
#[utoipa::path(post, path = "/api/reviews", tag = "licences", request_body = OpenReview,
    responses((status = 201, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn open_review(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<OpenReview>,
) -> ApiResult<impl IntoResponse> {
    let review =
        s.app.open_review(&actor, app_id(&req.case_id)?, Trigger::Officer, &req.evidence, None).await?;
    Ok((StatusCode::CREATED, Json(review)))
}

/// One review.
#[utoipa::path(get, path = "/api/reviews/{id}", tag = "licences", params(("id" = String, Path)),
    responses((status = 200, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_review(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Review>> {
    Ok(Json(s.app.review(&actor, review_id(&id)?)?))
}

/// Decides a review (approvers): continue, add conditions, suspend or revoke, with a reason. A
/// suspension, revocation or new condition is taken on the licence and published on the register
/// at once.
#[utoipa::path(post, path = "/api/reviews/{id}/decision", tag = "licences", request_body = ReviewDecisionRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide_review(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReviewDecisionRequest>,
) -> ApiResult<Json<Review>> {
    Ok(Json(s.app.decide_review(&actor, review_id(&id)?, req).await?))
}

fn review_id(s: &str) -> Result<uuid::Uuid, crate::error::ApiError> {
    s.parse().map_err(|_| oversight_app::AppError::NotFound.into())
}
