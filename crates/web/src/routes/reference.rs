//! Public reference data (no login): the control list.

use axum::{Json, extract::State};
use oversight_domain::ControlEntry;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(control_list))
}

/// The control-list entries an application item may cite (public).
#[utoipa::path(get, path = "/api/control-list", tag = "reference", responses((status = 200, body = Vec<ControlEntry>)))]
async fn control_list(State(s): State<AppState>) -> Json<Vec<ControlEntry>> {
    Json(s.app.control_list().entries().cloned().collect())
}
