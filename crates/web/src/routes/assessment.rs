//! Routes of the assessment capability: a case's risk assessment, its replay, the human-rights impact
//! assessment (HRIA), clearing red flags, and the evidence register. The rules live in
//! `oversight_app::assessment`; each handler extracts its input and calls one app function.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use oversight_app::assessment::{AssessmentRecord, CaseAssessments, HriaRecord, ReplayReport, risk::Hria};
use oversight_app::evidence::{EvidenceChange, EvidenceView};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::Authenticated,
    error::{ApiResult, ErrorBody, path_id as app_id},
    json::ApiJson,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_assessments, run_assessment))
        .routes(routes!(replay_assessment))
        .routes(routes!(get_hria, put_hria))
        .routes(routes!(clear_red_flags))
        .routes(routes!(list_evidence, add_evidence))
        .routes(routes!(revise_evidence))
}

/// Runs the risk assessment of a submitted case, or re-runs it on a live licence, with the bundled
/// policy and data and records it beside the earlier ones (licensing officers and human-rights
/// assessors). Red flags put an open case on hold until an approver clears them; on a live licence
/// they open a licence review.
#[utoipa::path(post, path = "/api/applications/{id}/assessment", tag = "assessment",
    params(("id" = String, Path, description = "Application id")),
    responses((status = 201, body = AssessmentRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn run_assessment(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let rec = s.app.record_assessment(&actor, app_id(&id)?).await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

/// The case's latest assessment, earlier ones, its HRIA and what still blocks a decision
/// (the authority only).
#[utoipa::path(get, path = "/api/applications/{id}/assessment", tag = "assessment",
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = CaseAssessments), (status = 404, body = ErrorBody)))]
async fn get_assessments(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseAssessments>> {
    Ok(Json(s.app.case_assessments(&actor, app_id(&id)?).await?))
}

/// Re-runs the latest assessment with its recorded inputs, policy and data, and says whether the
/// result is identical.
#[utoipa::path(post, path = "/api/applications/{id}/assessment/replay", tag = "assessment",
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ReplayReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn replay_assessment(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<ReplayReport>> {
    Ok(Json(s.app.replay_assessment(&actor, app_id(&id)?).await?))
}

/// The sections of a human-rights impact assessment (DOMAIN §6); every one must be filled in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HriaRequest {
    /// What the item can do and how it could be misused.
    #[serde(default)]
    item_capabilities: String,
    /// The destination's legal framework for surveillance: judicial authorisation, oversight bodies,
    /// remedies.
    #[serde(default)]
    legal_framework: String,
    /// The end user's record.
    #[serde(default)]
    end_user_record: String,
    /// Groups at risk (journalists, activists, minorities, opposition).
    #[serde(default)]
    groups_at_risk: String,
    /// Likelihood and severity of harm.
    #[serde(default)]
    likelihood_and_severity: String,
    /// Mitigations: technical limits, conditions, training, audits.
    #[serde(default)]
    mitigations: String,
    /// Stakeholder input received.
    #[serde(default)]
    stakeholder_input: String,
    /// The assessor's conclusion.
    #[serde(default)]
    conclusion: String,
}

/// Records the case's human-rights impact assessment (human-rights assessors only). A blank section
/// is refused with 422 naming it; each PUT records a new version.
#[utoipa::path(put, path = "/api/applications/{id}/hria", tag = "assessment", request_body = HriaRequest,
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = HriaRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_hria(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<HriaRequest>,
) -> ApiResult<Json<HriaRecord>> {
    let hria = Hria {
        item_capabilities: req.item_capabilities,
        legal_framework: req.legal_framework,
        end_user_record: req.end_user_record,
        groups_at_risk: req.groups_at_risk,
        likelihood_and_severity: req.likelihood_and_severity,
        mitigations: req.mitigations,
        stakeholder_input: req.stakeholder_input,
        conclusion: req.conclusion,
    };
    Ok(Json(s.app.record_hria(&actor, app_id(&id)?, hria).await?))
}

/// The case's latest HRIA (the authority only; 404 when none is recorded).
#[utoipa::path(get, path = "/api/applications/{id}/hria", tag = "assessment",
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = HriaRecord), (status = 404, body = ErrorBody)))]
async fn get_hria(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<HriaRecord>> {
    Ok(Json(s.app.case_hria(&actor, app_id(&id)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearRequest {
    /// Why the case may proceed to a decision despite the red flags (recorded and kept).
    reason: String,
}

/// An approver clears the latest assessment's red flags with a recorded reason; a case held by the
/// red-flag rule resumes.
#[utoipa::path(post, path = "/api/applications/{id}/red-flags/clear", tag = "assessment", request_body = ClearRequest,
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = CaseAssessments), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn clear_red_flags(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ClearRequest>,
) -> ApiResult<Json<CaseAssessments>> {
    Ok(Json(s.app.clear_red_flags(&actor, app_id(&id)?, &req.reason).await?))
}

/// The evidence register: cited findings about destinations and end users (the authority only).
#[utoipa::path(get, path = "/api/evidence", tag = "assessment",
    responses((status = 200, body = Vec<EvidenceView>), (status = 403, body = ErrorBody)))]
async fn list_evidence(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<EvidenceView>>> {
    Ok(Json(s.app.evidence_register(&actor).await?))
}

/// Adds an entry to the evidence register (human-rights assessors only).
#[utoipa::path(post, path = "/api/evidence", tag = "assessment", request_body = EvidenceChange,
    responses((status = 201, body = EvidenceView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_evidence(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<EvidenceChange>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.app.add_evidence(&actor, req).await?)))
}

/// Changes an entry of the evidence register; fields left out stay as they are (human-rights
/// assessors only).
#[utoipa::path(patch, path = "/api/evidence/{id}", tag = "assessment", request_body = EvidenceChange,
    params(("id" = String, Path, description = "Evidence entry id")),
    responses((status = 200, body = EvidenceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn revise_evidence(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EvidenceChange>,
) -> ApiResult<Json<EvidenceView>> {
    Ok(Json(s.app.revise_evidence(&actor, &id, req).await?))
}
