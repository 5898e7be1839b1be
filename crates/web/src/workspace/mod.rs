//! The workspace: HTML pages for every role, server-rendered from askama templates
//! (`crates/web/templates/`), with htmx (vendored, served from `/static/htmx.min.js`) for inline
//! actions. Every form also works without JavaScript.
//!
//! Pages call the same app functions as the JSON API and decide nothing: who may see or do what is
//! the app's answer, rendered as a page ([`page::app_error`]).
//!
//! - `session`: `/login`, `/logout`, and `/`, which sends each person to their work.
//! - `queue`: `/work`, the authority's work queue.
//! - `case`: `/applications/{id}`, a case as the viewer may see it.
//! - `portal`: `/applications`, an exporter's applications.
//! - `admin`: users and roles, restricted-party lists and their imports, the assessment basis.
//! - `actions`: actions on a case after submission, each behind a confirmation page.
//! - `draft`: an exporter's application as a task list, from `/applications/new` to submission.

pub mod actions;
pub mod admin;
pub mod appeals;
pub mod case;
pub mod complaints;
pub mod display;
pub mod draft;
pub mod enforcement;
pub mod licence;
pub mod page;
pub mod portal;
pub mod queue;
pub mod reports;
pub mod rulemaking;
pub mod session;
pub mod tokens;
pub mod verify;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::header,
    response::IntoResponse,
    routing::{get, post},
};

use crate::AppState;

/// The one stylesheet of every page (workspace and register), served from the binary.
pub const STYLESHEET: &str = include_str!("../../static/oversight.css");

/// htmx 2.0.11 from the `htmx.org` npm package (BSD Zero Clause; see `static/vendor/`).
const HTMX: &str = include_str!("../../static/vendor/htmx.min.js");

/// The workspace's routes. They are pages, not API: they are not in the OpenAPI document.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(session::home))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/work", get(queue::work))
        .route("/applications", get(portal::applications))
        .route("/applications/new", get(draft::new_form).post(draft::create))
        .route("/applications/{id}", get(case::case_page))
        .route("/applications/{id}/details", get(draft::details_form).post(draft::edit_details))
        .route("/applications/{id}/items", get(draft::items).post(draft::add_item))
        .route("/applications/{id}/items/{item}/remove", post(draft::remove_item))
        .route("/applications/{id}/parties", get(draft::parties).post(draft::add_party))
        .route("/applications/{id}/parties/{party}/remove", post(draft::remove_party))
        .route(
            "/applications/{id}/documents",
            get(draft::documents).post(draft::upload).layer(DefaultBodyLimit::max(draft::MAX_UPLOAD_BYTES)),
        )
        .route("/applications/{id}/submit", get(draft::check).post(draft::submit))
        .route("/applications/{id}/assign", post(case::assign_to_me))
        .route("/applications/{id}/alerts/{alert}", post(case::adjudicate))
        .route("/applications/{id}/recommendation", post(case::recommend))
        .route("/applications/{id}/decision", post(case::decide))
        .route("/applications/{id}/assessment", post(case::assess))
        .route("/applications/{id}/hria", post(case::record_hria))
        .route("/applications/{id}/queries", post(case::raise_query))
        .route(
            "/applications/{id}/queries/{query}/answer",
            post(case::answer_query).layer(DefaultBodyLimit::max(draft::MAX_UPLOAD_BYTES)),
        )
        .route("/applications/{id}/red-flags/clear", post(case::clear_red_flags))
        .route("/applications/{id}/actions/{action}", get(actions::confirm).post(actions::act))
        .route("/applications/{id}/licence", get(licence::page))
        .route(
            "/applications/{id}/licence/shipments",
            get(licence::back_to_licence).post(licence::report_shipment),
        )
        .route(
            "/applications/{id}/licence/obligations/{key}/fulfil",
            get(licence::back_to_licence_of)
                .post(licence::fulfil)
                .layer(DefaultBodyLimit::max(draft::MAX_UPLOAD_BYTES)),
        )
        .route(
            "/applications/{id}/licence/obligations/{key}/verdict",
            get(licence::back_to_licence_of).post(licence::verdict),
        )
        .route("/applications/{id}/licence/audits", get(licence::back_to_licence).post(licence::audit))
        .route("/applications/{id}/licence/reviews", get(licence::back_to_licence).post(licence::open_review))
        .route("/applications/{id}/licence/documents/{sha}", get(licence::document))
        .route(
            "/reports",
            get(reports::reports).post(reports::file).layer(DefaultBodyLimit::max(draft::MAX_UPLOAD_BYTES)),
        )
        .route("/reports/{id}/triage", get(reports::back_to_reports_of).post(reports::triage))
        .route("/notices", get(reports::notices).post(reports::issue))
        .route("/notices/{id}/withdraw", get(reports::back_to_notices_of).post(reports::withdraw))
        .route(
            "/complaints",
            get(complaints::form)
                .post(complaints::submit)
                .layer(DefaultBodyLimit::max(oversight_domain::complaint::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/complaints/{reference}", get(complaints::status))
        .route("/ombudsperson", get(complaints::queue))
        .route("/ombudsperson/{reference}/{what}", get(complaints::back).post(complaints::act))
        .route("/enforcement", get(enforcement::list).post(enforcement::open))
        .route("/enforcement/{id}", get(enforcement::show))
        .route(
            "/enforcement/{id}/evidence",
            get(enforcement::back_to)
                .post(enforcement::add_evidence)
                .layer(DefaultBodyLimit::max(oversight_domain::complaint::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/enforcement/{id}/conclude", get(enforcement::back_to).post(enforcement::conclude))
        .route("/consultations", get(rulemaking::list))
        .route(
            "/consultations/{reference}",
            get(rulemaking::show)
                .post(rulemaking::comment)
                .layer(DefaultBodyLimit::max(oversight_domain::complaint::MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/rule-making", get(rulemaking::authority))
        .route("/rule-making/new", get(rulemaking::new_form).post(rulemaking::propose))
        .route("/rule-making/{reference}/{what}", get(rulemaking::back).post(rulemaking::act))
        .route("/appeals", get(appeals::list))
        .route("/appeals/{id}", get(appeals::show))
        .route("/appeals/{id}/{what}", get(appeals::back).post(appeals::act))
        .route("/applications/{id}/appeal", get(appeals::new_form).post(appeals::file))
        .route("/reviews/{id}", get(licence::review))
        .route("/reviews/{id}/decision", get(licence::back_to_review).post(licence::decide_review))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}/role-grants", post(admin::propose_grant))
        .route("/admin/users/{id}/{what}", post(admin::set_disabled))
        .route("/admin/role-grants/{id}/{what}", post(admin::decide_grant))
        .route(
            "/admin/lists",
            get(admin::lists)
                .post(admin::import)
                .layer(DefaultBodyLimit::max(oversight_app::lists::MAX_LIST_BYTES + 64 * 1024)),
        )
        .route("/admin/lists/imports/{id}", get(admin::import_progress))
        .route("/admin/basis", get(admin::basis))
        .route("/admin/calendar", get(admin::calendar).post(admin::change_calendar))
        .route("/register/verify", get(verify::verify_page))
        .route("/register/tokens", get(tokens::public))
        .route("/applications/{id}/installations", get(tokens::page).post(tokens::register))
        .route("/installations/{id}/withdraw", post(tokens::withdraw))
        .route("/static/oversight.css", get(stylesheet))
        .route("/static/htmx.min.js", get(htmx))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        STYLESHEET,
    )
}

async fn htmx() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        HTMX,
    )
}
