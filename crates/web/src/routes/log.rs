//! The transparency log (no login): signed checkpoint, key, entries and proofs — the contract
//! `oversight verify` and any independent watchdog rely on (docs/transparency-log.md).

use axum::{Json, extract::State, http::header, response::IntoResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::{ApiError, ApiResult, ErrorBody},
    query::ApiQuery,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log_checkpoint))
        .routes(routes!(log_key))
        .routes(routes!(log_entries))
        .routes(routes!(inclusion_proof))
        .routes(routes!(consistency_proof))
}

/// The latest checkpoint, a C2SP signed note (origin, size, base64 root, signature lines).
#[utoipa::path(get, path = "/log/checkpoint", tag = "log",
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = ErrorBody)))]
async fn log_checkpoint(State(s): State<AppState>) -> ApiResult<impl IntoResponse> {
    let note = s.app.log_checkpoint().await?.ok_or_else(ApiError::not_found)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note))
}

/// The log's note verifier key: `<name>+<hex key id>+<base64(0x01 ‖ Ed25519 public key)>`.
#[utoipa::path(get, path = "/log/key", tag = "log", responses((status = 200, content_type = "text/plain", body = String)))]
async fn log_key(State(s): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], s.app.log_key() + "\n")
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntriesParams {
    start: u64,
    /// Exclusive; at most 1000 entries are returned per call.
    end: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Entries {
    start: u64,
    /// base64 of each leaf's bytes.
    entries: Vec<String>,
}

/// Leaves `[start, end)` of the signed tree (at most 1000; page until done).
#[utoipa::path(get, path = "/log/entries", tag = "log", params(EntriesParams),
    responses((status = 200, body = Entries), (status = 422, body = ErrorBody)))]
async fn log_entries(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<EntriesParams>,
) -> ApiResult<Json<Entries>> {
    let leaves = s.app.log_entries(q.start, q.end).await?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(Json(Entries { start: q.start, entries: leaves.iter().map(|l| b64.encode(l)).collect() }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InclusionParams {
    index: u64,
    size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProof {
    index: u64,
    size: u64,
    leaf_hash: String,
    proof: Vec<String>,
}

/// RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves.
#[utoipa::path(get, path = "/log/proof/inclusion", tag = "log", params(InclusionParams),
    responses((status = 200, body = InclusionProof), (status = 422, body = ErrorBody)))]
async fn inclusion_proof(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<InclusionParams>,
) -> ApiResult<Json<InclusionProof>> {
    let p = s.app.inclusion_proof(q.index, q.size).await?;
    Ok(Json(InclusionProof {
        index: q.index,
        size: q.size,
        leaf_hash: p.leaf_hash.unwrap_or_default(),
        proof: p.hashes,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyParams {
    old: u64,
    new: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProof {
    old: u64,
    new: u64,
    proof: Vec<String>,
}

/// RFC 9162 consistency proof between tree sizes `old` and `new`.
#[utoipa::path(get, path = "/log/proof/consistency", tag = "log", params(ConsistencyParams),
    responses((status = 200, body = ConsistencyProof), (status = 422, body = ErrorBody)))]
async fn consistency_proof(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyParams>,
) -> ApiResult<Json<ConsistencyProof>> {
    let p = s.app.consistency_proof(q.old, q.new).await?;
    Ok(Json(ConsistencyProof { old: q.old, new: q.new, proof: p.hashes }))
}
