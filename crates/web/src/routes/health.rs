//! `GET /health`: 200 when the node can serve (the database answers), 503 otherwise.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{AppState, error::ApiResult};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
    backend: &'static str,
    events: u64,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// Liveness and readiness of this node.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = crate::error::ErrorBody)))]
async fn health(State(s): State<AppState>) -> ApiResult<Json<Health>> {
    s.app.health().await?;
    Ok(Json(Health { status: "ok", backend: s.app.store().backend(), events: s.app.last_seq() }))
}
