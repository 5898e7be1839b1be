//! `/api/applications`: licence applications and every step of their lifecycle.

use axum::{
    Json,
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State},
    http::{StatusCode, header},
    response::IntoResponse,
};
use oversight_app::{ApplicationView, HistoryEntry, MAX_DOCUMENT_BYTES, QueueEntry};
use oversight_domain::{
    ApplicationStatus, DocumentId, ItemId, PartyId, PartyRole, Sector, UserId,
    application::{DocumentKind, Outcome},
    lifecycle::Command,
};
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
    OpenApiRouter::new()
        .routes(routes!(list_applications, create_application))
        .routes(routes!(get_application, edit_application))
        .routes(routes!(application_history))
        .routes(routes!(add_item))
        .routes(routes!(remove_item))
        .routes(routes!(add_party))
        .routes(routes!(remove_party))
        .routes(routes!(upload_document))
        .routes(routes!(download_document))
        .routes(routes!(submit_application))
        .routes(routes!(assign_application))
        .routes(routes!(start_consultation))
        .routes(routes!(end_consultation))
        .routes(routes!(recommend_decision))
        .routes(routes!(decide_application))
        .routes(routes!(concur_in_departure))
        .routes(routes!(withdraw_application))
        .routes(routes!(hold_application))
        .routes(routes!(resume_application))
        .routes(routes!(licence_action))
        .routes(routes!(release_exporter_statement))
        .routes(routes!(raise_query))
        .routes(routes!(answer_query))
        .routes(routes!(work_queue))
        .layer(DefaultBodyLimit::max(MAX_DOCUMENT_BYTES + 1024))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only applications in this state (e.g. `submitted`).
    status: Option<String>,
}

/// The applications the caller may see: an exporter its own organisation's, the authority all.
#[utoipa::path(get, path = "/api/applications", tag = "applications", params(ListParams),
    responses((status = 200, body = Vec<ApplicationView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_applications(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    let status = match params.status.as_deref() {
        None => None,
        Some(raw) => Some(
            ApplicationStatus::parse(raw)
                .ok_or_else(|| ApiError::invalid("status", format!("unknown status {raw:?}")))?,
        ),
    };
    Ok(Json(s.app.list_applications(&actor, status)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    title: String,
    /// The end-use statement.
    end_use: String,
    /// ISO 3166-1 country of final destination.
    destination: String,
}

/// Creates a draft application for the caller's organisation (exporters only).
#[utoipa::path(post, path = "/api/applications", tag = "applications", request_body = CreateApplication,
    responses((status = 201, body = ApplicationView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_application(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<CreateApplication>,
) -> ApiResult<impl IntoResponse> {
    let view = s.app.create_application(&actor, &req.title, &req.end_use, &req.destination).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One application with its items, parties, documents, decision and licence.
#[utoipa::path(get, path = "/api/applications/{id}", tag = "applications",
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
async fn get_application(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.app.get_application(&actor, app_id(&id)?)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditApplication {
    title: Option<String>,
    end_use: Option<String>,
    destination: Option<String>,
}

/// Edits a draft.
#[utoipa::path(patch, path = "/api/applications/{id}", tag = "applications", request_body = EditApplication,
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit_application(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EditApplication>,
) -> ApiResult<Json<ApplicationView>> {
    let cmd = Command::EditDraft { title: req.title, end_use: req.end_use, destination: req.destination };
    Ok(Json(s.app.execute(&actor, app_id(&id)?, cmd).await?))
}

/// The case's full history: every event with who, when and why.
#[utoipa::path(get, path = "/api/applications/{id}/history", tag = "applications",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ErrorBody)))]
async fn application_history(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(s.app.history(&actor, app_id(&id)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItem {
    /// A control-list code (see `/api/control-list`) or `CATCH-ALL`.
    control_code: String,
    description: String,
    quantity: u32,
    /// Declared value in whole euros.
    value_eur: u64,
}

/// Adds an item to a draft.
#[utoipa::path(post, path = "/api/applications/{id}/items", tag = "applications", request_body = AddItem,
    params(("id" = String, Path)),
    responses((status = 201, body = ApplicationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn add_item(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AddItem>,
) -> ApiResult<impl IntoResponse> {
    let cmd = Command::AddItem {
        id: ItemId(s.app.new_id()),
        control_code: req.control_code,
        description: req.description,
        quantity: req.quantity,
        value_eur: req.value_eur,
    };
    Ok((StatusCode::CREATED, Json(s.app.execute(&actor, app_id(&id)?, cmd).await?)))
}

/// Removes an item from a draft.
#[utoipa::path(delete, path = "/api/applications/{id}/items/{item_id}", tag = "applications",
    params(("id" = String, Path), ("item_id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn remove_item(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<Json<ApplicationView>> {
    let item: ItemId = app_id(&item)?;
    Ok(Json(s.app.execute(&actor, app_id(&id)?, Command::RemoveItem { id: item }).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddParty {
    role: PartyRole,
    name: String,
    address: String,
    /// ISO 3166-1 alpha-2 or alpha-3.
    country: String,
    sector: Sector,
}

/// Adds a party (end user, consignee, ultimate end user, intermediary) to a draft.
#[utoipa::path(post, path = "/api/applications/{id}/parties", tag = "applications", request_body = AddParty,
    params(("id" = String, Path)),
    responses((status = 201, body = ApplicationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn add_party(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AddParty>,
) -> ApiResult<impl IntoResponse> {
    let cmd = Command::AddParty {
        id: PartyId(s.app.new_id()),
        role: req.role,
        name: req.name,
        address: req.address,
        country: req.country,
        sector: req.sector,
    };
    Ok((StatusCode::CREATED, Json(s.app.execute(&actor, app_id(&id)?, cmd).await?)))
}

/// Removes a party from a draft.
#[utoipa::path(delete, path = "/api/applications/{id}/parties/{party_id}", tag = "applications",
    params(("id" = String, Path), ("party_id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn remove_party(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, party)): Path<(String, String)>,
) -> ApiResult<Json<ApplicationView>> {
    let party: PartyId = app_id(&party)?;
    Ok(Json(s.app.execute(&actor, app_id(&id)?, Command::RemoveParty { id: party }).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadParams {
    filename: String,
    kind: DocumentKind,
}

/// Uploads a document (raw bytes as the body, at most 10 MiB).
#[utoipa::path(post, path = "/api/applications/{id}/documents", tag = "applications",
    params(("id" = String, Path), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ApplicationView), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_document(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<UploadParams>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<impl IntoResponse> {
    let body = body.map_err(|e| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("document too large: {}", e.body_text()),
        )
    })?;
    let view = s.app.upload_document(&actor, app_id(&id)?, params.kind, &params.filename, &body).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Downloads a document.
#[utoipa::path(get, path = "/api/applications/{id}/documents/{document_id}", tag = "applications",
    params(("id" = String, Path), ("document_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
async fn download_document(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, doc)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let doc: DocumentId = app_id(&doc)?;
    let (meta, bytes) = s.app.download_document(&actor, app_id(&id)?, doc).await?;
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

/// Submits a draft to the authority.
#[utoipa::path(post, path = "/api/applications/{id}/submit", tag = "applications",
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn submit_application(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.app.execute(&actor, app_id(&id)?, Command::Submit).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The licensing officer's user id.
    officer: UserId,
}

/// Assigns a submitted case to a licensing officer (licensing officers only).
#[utoipa::path(post, path = "/api/applications/{id}/assign", tag = "applications", request_body = AssignRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn assign_application(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AssignRequest>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.app.assign(&actor, app_id(&id)?, req.officer).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationRequest {
    /// Who is consulted (a ministry, a partner state).
    with: String,
    reason: String,
}

/// Starts a consultation (other departments, partner states).
#[utoipa::path(post, path = "/api/applications/{id}/consultation", tag = "applications", request_body = ConsultationRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn start_consultation(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ConsultationRequest>,
) -> ApiResult<Json<ApplicationView>> {
    let cmd = Command::StartConsultation { with: req.with, reason: req.reason };
    Ok(Json(s.app.execute(&actor, app_id(&id)?, cmd).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndConsultationRequest {
    summary: String,
}

/// Ends the consultation and returns the case to review.
#[utoipa::path(post, path = "/api/applications/{id}/consultation/end", tag = "applications", request_body = EndConsultationRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn end_consultation(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EndConsultationRequest>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.app.execute(&actor, app_id(&id)?, Command::EndConsultation { summary: req.summary }).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationRequest {
    outcome: Outcome,
    reasoning: String,
    #[serde(default)]
    conditions: Vec<String>,
}

/// Records the assigned officer's recommendation; the case goes to an approver.
#[utoipa::path(post, path = "/api/applications/{id}/recommendation", tag = "applications", request_body = RecommendationRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn recommend_decision(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RecommendationRequest>,
) -> ApiResult<Json<ApplicationView>> {
    let cmd =
        Command::Recommend { outcome: req.outcome, reasoning: req.reasoning, conditions: req.conditions };
    Ok(Json(s.app.execute(&actor, app_id(&id)?, cmd).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    outcome: Outcome,
    /// Criteria relied on, 1–8 (2 = human rights, 7 = diversion); required for a denial.
    #[serde(default)]
    criteria: Vec<u8>,
    /// Plain-language rationale for the public register.
    public_rationale: String,
    /// Confidential note, never published or shown to the exporter.
    #[serde(default)]
    internal_note: String,
    /// Required for `approve_with_conditions`.
    #[serde(default)]
    conditions: Vec<String>,
    /// Required (at least 30 characters) when the outcome departs from the risk assessment's
    /// recommended outcome; internal, never published (the register says that a departure
    /// happened). A departure towards approval then waits for a second approver.
    #[serde(default)]
    departure_justification: String,
    /// Conditions that ask something of the exporter (end-use certificate, post-shipment
    /// verification, training, periodic report, audit on request): each is written on the licence
    /// as a condition and tracked as obligations (`approve_with_conditions` only).
    #[serde(default)]
    obligations: Vec<oversight_domain::compliance::ObligationTerm>,
}

/// Takes the decision (approvers only; not the officer who drafted the recommendation). An approval
/// issues a licence.
#[utoipa::path(post, path = "/api/applications/{id}/decision", tag = "applications", request_body = DecisionRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide_application(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> ApiResult<Json<ApplicationView>> {
    let view = s
        .app
        .decide_case(
            &actor,
            app_id(&id)?,
            req.outcome,
            req.criteria,
            req.public_rationale,
            req.internal_note,
            req.conditions,
            req.departure_justification,
            req.obligations,
        )
        .await?;
    Ok(Json(view))
}

/// Concurs, as a second approver, in another approver's decision that departs from the risk
/// assessment towards approval: the decision is taken and the licence issued.
#[utoipa::path(post, path = "/api/applications/{id}/decision/concur", tag = "applications",
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn concur_in_departure(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.app.concur_in_departure(&actor, app_id(&id)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    reason: String,
}

/// Withdraws an open application (the applying exporter).
#[utoipa::path(post, path = "/api/applications/{id}/withdraw", tag = "applications", request_body = ReasonRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn withdraw_application(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.app.execute(&actor, app_id(&id)?, Command::Withdraw { reason: req.reason }).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    reason: String,
    /// On hold for the exporter's reasons (waiting for something only the exporter can give): the
    /// working-day clock stops until the case resumes. Default false: the authority's own hold.
    #[serde(default)]
    stops_clock: bool,
}

/// Puts a case on hold (licensing officers, approvers). A hold for the exporter's reasons
/// (`stops_clock`) stops the working-day clock until the case resumes.
#[utoipa::path(post, path = "/api/applications/{id}/hold", tag = "applications", request_body = HoldRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn hold_application(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<HoldRequest>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(
        s.app
            .execute(
                &actor,
                app_id(&id)?,
                Command::PutOnHold { reason: req.reason, stops_clock: req.stops_clock },
            )
            .await?,
    ))
}

/// Resumes a case on hold, back to the state it was held in.
#[utoipa::path(post, path = "/api/applications/{id}/resume", tag = "applications", request_body = ReasonRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn resume_application(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.app.execute(&actor, app_id(&id)?, Command::Resume { reason: req.reason }).await?))
}

/// Acts on an issued licence: `suspend`, `reinstate`, `revoke` (authority) or `surrender` (exporter).
#[utoipa::path(post, path = "/api/applications/{id}/licence/{action}", tag = "applications", request_body = ReasonRequest,
    params(("id" = String, Path), ("action" = String, Path, description = "suspend | reinstate | revoke | surrender")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn licence_action(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, action)): Path<(String, String)>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> ApiResult<Json<ApplicationView>> {
    let reason = req.reason;
    let cmd = match action.as_str() {
        "suspend" => Command::SuspendLicence { reason },
        "reinstate" => Command::ReinstateLicence { reason },
        "revoke" => Command::RevokeLicence { reason },
        "surrender" => Command::SurrenderLicence { reason },
        _ => return Err(ApiError::not_found()),
    };
    Ok(Json(s.app.execute(&actor, app_id(&id)?, cmd).await?))
}

/// Releases the exporter's own reason for a withdrawal or surrender to the public register, where it
/// is published marked as the exporter's words (licensing officers and approvers). Until then the
/// register shows only the authority's wording.
#[utoipa::path(post, path = "/api/applications/{id}/exporter-statement/release", tag = "applications",
    params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn release_exporter_statement(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(s.app.execute(&actor, app_id(&id)?, Command::ReleaseExporterStatement).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseQuery {
    question: String,
    /// The last day to answer (YYYY-MM-DD), after today and within a year.
    #[schema(value_type = String, format = Date)]
    due: chrono::NaiveDate,
}

/// Sends a query (a request for information) to the exporter (licensing officers). While it is open
/// the case cannot be decided and its working-day clock stops.
#[utoipa::path(post, path = "/api/applications/{id}/queries", tag = "applications", request_body = RaiseQuery,
    params(("id" = String, Path)),
    responses((status = 201, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn raise_query(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RaiseQuery>,
) -> ApiResult<impl IntoResponse> {
    let cmd = Command::RaiseQuery { id: s.app.new_id(), question: req.question, due: req.due };
    Ok((StatusCode::CREATED, Json(s.app.execute(&actor, app_id(&id)?, cmd).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerQuery {
    answer: String,
    /// A document with the answer (attached to the case as correspondence), base64-encoded.
    #[serde(default)]
    document: Option<super::licences::UploadedFile>,
}

/// Answers an open query (the exporter whose application it is).
#[utoipa::path(post, path = "/api/applications/{id}/queries/{query_id}/answer", tag = "applications",
    request_body = AnswerQuery, params(("id" = String, Path), ("query_id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn answer_query(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, query)): Path<(String, String)>,
    ApiJson(req): ApiJson<AnswerQuery>,
) -> ApiResult<Json<ApplicationView>> {
    let query = query
        .parse::<uuid::Uuid>()
        .map_err(|_| crate::error::ApiError::from(oversight_app::AppError::NotFound))?;
    let file = req.document.as_ref().map(|d| d.decode("document")).transpose()?;
    let document = file.as_ref().map(|(n, b)| (n.as_str(), b.as_slice()));
    Ok(Json(s.app.answer_query(&actor, app_id(&id)?, query, &req.answer, document).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// At most this many entries (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// Entries to skip from the start of the queue (default 0).
    offset: Option<usize>,
}

/// What waits for the caller, oldest submission first: triage and assigned cases (officers),
/// decisions (approvers). One page at a time; `X-Total-Count` says how many wait in all.
#[utoipa::path(get, path = "/api/queue", tag = "applications", params(QueueParams),
    responses((status = 200, body = Vec<QueueEntry>,
               headers(("X-Total-Count" = u64, description = "How many entries the whole queue has"))),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn work_queue(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiQuery(params): ApiQuery<QueueParams>,
) -> ApiResult<impl IntoResponse> {
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(oversight_app::AppError::invalid("limit", "must be 1 to 1000").into());
    }
    let page = s.app.work_queue(&actor, params.offset.unwrap_or(0), limit)?;
    Ok(([(header::HeaderName::from_static("x-total-count"), page.total.to_string())], Json(page.entries)))
}
