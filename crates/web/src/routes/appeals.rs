//! `/api/appeals`: appeals to the independent review panel.

use axum::{
    Json,
    extract::{DefaultBodyLimit, Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use oversight_app::appeals::AppealRequest;
use oversight_domain::appeal::{Appeal, AppealOutcome, AppealSubject};
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
        .routes(routes!(file_appeal))
        .routes(routes!(list_appeals))
        .routes(routes!(get_appeal))
        .routes(routes!(join_panel))
        .routes(routes!(ask))
        .routes(routes!(answer))
        .routes(routes!(decide))
        .layer(DefaultBodyLimit::max(oversight_app::MAX_DOCUMENT_BYTES / 3 * 4 * 2 + 64 * 1024))
}

fn appeal_id(s: &str) -> Result<uuid::Uuid, crate::error::ApiError> {
    s.parse().map_err(|_| oversight_app::AppError::NotFound.into())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileAppeal {
    /// What is appealed: `{"kind": "refusal"}`, `{"kind": "condition", "index": 0}`,
    /// `{"kind": "suspension"}`, `{"kind": "revocation"}`.
    subject: AppealSubject,
    grounds: String,
    /// Documents, base64-encoded (at most 10, each at most 10 MiB).
    #[serde(default)]
    documents: Vec<super::licences::UploadedFile>,
}

/// Appeals a refusal, a condition, a suspension or a revocation of the caller's own case, within
/// the appeal window (default 28 calendar days from the act); after it, 409 with the date it closed.
#[utoipa::path(post, path = "/api/applications/{id}/appeals", tag = "appeals", request_body = FileAppeal,
    params(("id" = String, Path)),
    responses((status = 201, body = Appeal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file_appeal(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<FileAppeal>,
) -> ApiResult<impl IntoResponse> {
    let documents = super::licences::UploadedFile::decode_all(&req.documents, "documents")?;
    let appeal = s
        .app
        .file_appeal(
            &actor,
            path_id(&id)?,
            AppealRequest { subject: req.subject, grounds: req.grounds },
            documents,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(appeal)))
}

/// Appeals, newest first: an exporter's own; every one for the review panel and the case-file roles.
#[utoipa::path(get, path = "/api/appeals", tag = "appeals",
    responses((status = 200, body = Vec<Appeal>), (status = 403, body = ErrorBody)))]
async fn list_appeals(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<Appeal>>> {
    Ok(Json(s.app.appeals(&actor)?))
}

/// One appeal.
#[utoipa::path(get, path = "/api/appeals/{id}", tag = "appeals", params(("id" = String, Path)),
    responses((status = 200, body = Appeal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_appeal(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Appeal>> {
    Ok(Json(s.app.appeal(&actor, appeal_id(&id)?)?))
}

/// Joins the appeal's panel (review-panel members who took no part in the case; at most three).
#[utoipa::path(post, path = "/api/appeals/{id}/panel", tag = "appeals", params(("id" = String, Path)),
    responses((status = 200, body = Appeal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn join_panel(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Appeal>> {
    Ok(Json(s.app.join_panel(&actor, appeal_id(&id)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    question: String,
}

/// Asks the appellant a question (members of the panel); the panel decides once it is answered.
#[utoipa::path(post, path = "/api/appeals/{id}/questions", tag = "appeals", request_body = Question,
    params(("id" = String, Path)),
    responses((status = 201, body = Appeal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn ask(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Question>,
) -> ApiResult<impl IntoResponse> {
    Ok((StatusCode::CREATED, Json(s.app.ask_appellant(&actor, appeal_id(&id)?, &req.question).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    answer: String,
}

/// Answers the panel's question (the appellant).
#[utoipa::path(post, path = "/api/appeals/{id}/questions/{question_id}/answer", tag = "appeals", request_body = Answer,
    params(("id" = String, Path), ("question_id" = String, Path)),
    responses((status = 200, body = Appeal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn answer(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((id, q)): Path<(String, String)>,
    ApiJson(req): ApiJson<Answer>,
) -> ApiResult<Json<Appeal>> {
    Ok(Json(s.app.answer_panel(&actor, appeal_id(&id)?, appeal_id(&q)?, &req.answer).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionRequest {
    outcome: AppealOutcome,
    /// The panel's reasons: published on the register beside the act appealed.
    reasons: String,
}

/// Records the panel's decision (a member of a panel of at least two): upheld, overturned (a
/// refusal reopened for a different approver; a suspension or revocation lifted; a condition
/// removed) or sent back; published at once.
#[utoipa::path(post, path = "/api/appeals/{id}/decision", tag = "appeals", request_body = AppealDecisionRequest,
    params(("id" = String, Path)),
    responses((status = 200, body = Appeal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AppealDecisionRequest>,
) -> ApiResult<Json<Appeal>> {
    Ok(Json(s.app.decide_appeal(&actor, appeal_id(&id)?, req.outcome, &req.reasons).await?))
}
