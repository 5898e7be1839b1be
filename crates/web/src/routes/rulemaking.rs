//! `/api/rules` and `/api/consultations`: the rules in force and the public consultations on
//! changes to them (anyone reads and comments, no account); `/api/rule-making`: the authority's
//! side (approvers propose, respond and adopt or withdraw; administrators moderate comments).

use axum::{
    Extension, Json,
    extract::{ConnectInfo, DefaultBodyLimit, Path, State},
    http::StatusCode,
    response::IntoResponse,
};
use oversight_app::rulemaking::{CommentReceipt, CommentRequest, ProposalRequest, RuleHistory};
use oversight_domain::rulemaking::{MAX_FILES, ModerationDecision, Proposal, PublicProposal, RuleKind};
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
        .routes(routes!(rules_in_force))
        .routes(routes!(list_proposals))
        .routes(routes!(read_proposal))
        .routes(routes!(comment_on_proposal))
        .routes(routes!(authority_proposals, propose))
        .routes(routes!(moderate))
        .routes(routes!(adopt))
        .routes(routes!(withdraw))
        .layer(DefaultBodyLimit::max(
            oversight_domain::complaint::MAX_FILE_BYTES * MAX_FILES / 3 * 4 + 512 * 1024,
        ))
}

/// The rules in force (assessment policy, control list, embargo list): each one's version and
/// content hash, and every version ever in force with the time it came into force (anyone). An
/// assessment records the hash of the policy it used; these say which rule was in force when.
#[utoipa::path(get, path = "/api/rules", tag = "rules",
    responses((status = 200, body = Vec<RuleHistory>)))]
async fn rules_in_force(State(s): State<AppState>) -> Json<Vec<RuleHistory>> {
    Json(s.app.rules_in_force())
}

/// Every proposed change of rule, newest first, with its difference from the rule in force when
/// it was proposed, its published comments and the authority's response (anyone).
#[utoipa::path(get, path = "/api/consultations", tag = "rules",
    responses((status = 200, body = Vec<PublicProposal>)))]
async fn list_proposals(State(s): State<AppState>) -> Json<Vec<PublicProposal>> {
    Json(s.app.proposals())
}

/// One proposed change of rule by its reference (`P-…`; anyone).
#[utoipa::path(get, path = "/api/consultations/{reference}", tag = "rules", params(("reference" = String, Path)),
    responses((status = 200, body = PublicProposal), (status = 404, body = ErrorBody)))]
async fn read_proposal(
    State(s): State<AppState>,
    Path(reference): Path<String>,
) -> ApiResult<Json<PublicProposal>> {
    Ok(Json(s.app.proposal(&reference)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRuleComment {
    /// The comment (at most 10,000 characters).
    text: String,
    /// The name to publish it under (optional).
    #[serde(default)]
    name: Option<String>,
    /// How to reach you (optional; never published).
    #[serde(default)]
    contact: Option<String>,
    /// Evidence (at most 5 files of 5 MiB: PDF, PNG, JPEG or plain text), base64-encoded.
    #[serde(default)]
    evidence: Vec<super::licences::UploadedFile>,
}

/// Anyone comments on a proposal during its comment period (no account needed). The comment is
/// held for moderation and published once an administrator accepts it. After the period: 409
/// with the date it closed. At most 5 comments an hour from one address (429 with Retry-After).
#[utoipa::path(post, path = "/api/consultations/{reference}/comments", tag = "rules",
    request_body = SubmitRuleComment, params(("reference" = String, Path)),
    responses((status = 201, body = CommentReceipt), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn comment_on_proposal(
    State(s): State<AppState>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    Path(reference): Path<String>,
    ApiJson(req): ApiJson<SubmitRuleComment>,
) -> ApiResult<impl IntoResponse> {
    let files = super::licences::UploadedFile::decode_all(&req.evidence, "evidence")?;
    let client = super::session::client_address(peer);
    let body = CommentRequest { text: req.text, name: req.name, contact: req.contact };
    Ok((StatusCode::CREATED, Json(s.app.comment_on_rule(&client, &reference, body, files).await?)))
}

/// Every proposal with its held comments and commenters' contacts (approvers and administrators).
#[utoipa::path(get, path = "/api/rule-making/proposals", tag = "rules",
    responses((status = 200, body = Vec<Proposal>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn authority_proposals(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<Json<Vec<Proposal>>> {
    Ok(Json(s.app.proposals_for_authority(&actor)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeRule {
    kind: RuleKind,
    title: String,
    /// Why the change is proposed (published).
    explanation: String,
    /// The full proposed text, in the format of the rule's file (TOML), declaring a new version.
    content: String,
}

/// An approver publishes a proposed change of rule; the difference from the rule in force is
/// computed, and the comment period (`cases.comment_period_days`, default 30) starts.
#[utoipa::path(post, path = "/api/rule-making/proposals", tag = "rules", request_body = ProposeRule,
    responses((status = 201, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn propose(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiJson(req): ApiJson<ProposeRule>,
) -> ApiResult<impl IntoResponse> {
    let body = ProposalRequest {
        kind: req.kind,
        title: req.title,
        explanation: req.explanation,
        content: req.content,
    };
    Ok((StatusCode::CREATED, Json(s.app.propose_rule(&actor, body).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerateComment {
    decision: ModerationDecision,
    /// Why (required to reject; published either way).
    #[serde(default)]
    reason: Option<String>,
}

/// An administrator (not the proposer) publishes or rejects a held comment; the decision is recorded.
#[utoipa::path(post, path = "/api/rule-making/proposals/{reference}/comments/{number}/moderation", tag = "rules",
    request_body = ModerateComment, params(("reference" = String, Path), ("number" = u32, Path)),
    responses((status = 200, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn moderate(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path((reference, number)): Path<(String, String)>,
    ApiJson(req): ApiJson<ModerateComment>,
) -> ApiResult<Json<Proposal>> {
    // A number that is not one names no comment: 404, like any other path id.
    let number: u32 = crate::error::path_id(&number)?;
    Ok(Json(s.app.moderate_comment(&actor, &reference, number, req.decision, req.reason).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptRule {
    /// The authority's response to the comments (published).
    response: String,
}

/// After the comment period, with every comment moderated, an approver publishes the response to
/// the comments and adopts the rule: it is in force from now, and a `rule_change` record with its
/// version and content hash is published in the register and the transparency log.
#[utoipa::path(post, path = "/api/rule-making/proposals/{reference}/adoption", tag = "rules",
    request_body = AdoptRule, params(("reference" = String, Path)),
    responses((status = 200, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn adopt(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(reference): Path<String>,
    ApiJson(req): ApiJson<AdoptRule>,
) -> ApiResult<Json<Proposal>> {
    Ok(Json(s.app.adopt_rule(&actor, &reference, &req.response).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRule {
    /// Why the proposal is withdrawn (published).
    reason: String,
}

/// An approver withdraws a proposal that is not adopted, with a published reason.
#[utoipa::path(post, path = "/api/rule-making/proposals/{reference}/withdrawal", tag = "rules",
    request_body = WithdrawRule, params(("reference" = String, Path)),
    responses((status = 200, body = Proposal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn withdraw(
    State(s): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(reference): Path<String>,
    ApiJson(req): ApiJson<WithdrawRule>,
) -> ApiResult<Json<Proposal>> {
    Ok(Json(s.app.withdraw_rule(&actor, &reference, &req.reason).await?))
}
