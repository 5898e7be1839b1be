//! `/register/verify`: how anyone checks the register with `oversight verify`, with this log's
//! public key and latest checkpoint.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use super::page::{Layout, Viewer, render};
use crate::{AppState, public_url::PublicBase};

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    layout: Layout,
    base: String,
    key: String,
    checkpoint: Option<String>,
}

/// `GET /register/verify`.
pub async fn verify_page(State(s): State<AppState>, Viewer(v): Viewer, base: PublicBase) -> Response {
    let checkpoint = s.app.log_checkpoint().await.ok().flatten();
    render(
        StatusCode::OK,
        &VerifyPage {
            layout: Layout::new(&s, "Check the register yourself", v.as_ref(), "/register/verify"),
            base: base.0.to_string(),
            key: s.app.log_key(),
            checkpoint,
        },
    )
}
