//! `/api/complaints`: complaints from anyone (no account) and the ombudsperson's examination.

use axum::{
    Extension, Json,
    extract::{ConnectInfo, DefaultBodyLimit, Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use oversight_app::complaints::ComplaintRequest;
use oversight_domain::complaint::{
    Complaint, ComplaintAction, ComplaintKind, MAX_FILE_BYTES, MAX_FILES, PublicComplaint,
};
use serde::Deserialize;
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
        .routes(routes!(submit_complaint))
        .routes(routes!(complaint_status))
        .routes(routes!(list_complaints))
        .routes(routes!(examine))
        .routes(routes!(conclude))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES * MAX_FILES / 3 * 4 + 64 * 1024))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitComplaint {
    kind: ComplaintKind,
    /// For a complaint about a decision: its register record number or licence number.
    #[serde(default)]
    about: Option<String>,
    /// Who, what, where, when.
    account: String,
    /// How to reach you (optional; never published).
    #[serde(default)]
    contact: Option<String>,
    /// Evidence (at most 5 files of 5 MiB: PDF, PNG, JPEG or plain text), base64-encoded.
    #[serde(default)]
    evidence: Vec<super::licences::UploadedFile>,
}

/// Anyone complains about a published decision or reports misuse of licensed technology (no
/// account needed). Answers with the reference to follow it by. At most 5 complaints an hour from
/// one address (429 with Retry-After).
#[utoipa::path(post, path = "/api/complaints", tag = "complaints", request_body = SubmitComplaint,
    responses((status = 201, body = PublicComplaint), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn submit_complaint(
    State(s): State<AppState>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    ApiJson(req): ApiJson<SubmitComplaint>,
) -> ApiResult<impl IntoResponse> {
    let files = super::licences::UploadedFile::decode_all(&req.evidence, "evidence")?;
    let client = super::session::client_address(peer);
    let body =
        ComplaintRequest { kind: req.kind, about: req.about, account: req.account, contact: req.contact };
    Ok((StatusCode::CREATED, Json(s.app.submit_complaint(&client, body, files).await?)))
}

/// A complaint's status and outcome by its reference (anyone): never who complained or what they wrote.
#[utoipa::path(get, path = "/api/complaints/{reference}", tag = "complaints", params(("reference" = String, Path)),
    responses((status = 200, body = PublicComplaint), (status = 404, body = ErrorBody)))]
async fn complaint_status(
    State(s): State<AppState>,
    Path(reference): Path<String>,
) -> ApiResult<Json<PublicComplaint>> {
    Ok(Json(s.app.complaint_by_reference(&reference)?))
}

/// The ombudsperson's queue: every complaint, open ones first.
#[utoipa::path(get, path = "/api/ombudsperson/complaints", tag = "complaints",
    responses((status = 200, body = Vec<Complaint>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_complaints(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<Complaint>>> {
    Ok(Json(s.app.complaints(&actor)?))
}

/// The ombudsperson starts examining a complaint.
#[utoipa::path(post, path = "/api/ombudsperson/complaints/{reference}/examine", tag = "complaints",
    params(("reference" = String, Path)),
    responses((status = 200, body = Complaint), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn examine(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(reference): Path<String>,
) -> ApiResult<Json<Complaint>> {
    Ok(Json(s.app.examine_complaint(&actor, &reference).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Conclusion {
    /// Published with the complaint's reference.
    findings: String,
    action: ComplaintAction,
    /// For `licence_review`: the case of the live licence (a review of it opens).
    #[serde(default)]
    case_id: Option<String>,
}

/// The ombudsperson records findings (published by reference) and what follows: nothing, a licence
/// review, a referral to enforcement, or a recommended change of rule.
#[utoipa::path(post, path = "/api/ombudsperson/complaints/{reference}/findings", tag = "complaints",
    request_body = Conclusion, params(("reference" = String, Path)),
    responses((status = 200, body = Complaint), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn conclude(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(reference): Path<String>,
    ApiJson(req): ApiJson<Conclusion>,
) -> ApiResult<Json<Complaint>> {
    let case = req.case_id.as_deref().map(path_id).transpose()?;
    Ok(Json(s.app.conclude_complaint(&actor, &reference, &req.findings, req.action, case).await?))
}
