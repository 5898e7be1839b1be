//! `/applications`: an exporter's own applications with their state and clock (an authority user
//! sees every case here; the work queue is their usual way in).

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use super::{
    display::{date, humanise, working_days},
    page::{Layout, SignedIn, app_error, render},
};
use crate::AppState;

struct Row {
    href: String,
    title: String,
    destination: String,
    status: String,
    submitted: String,
    clock: String,
    licence: String,
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ApplicationsPage {
    layout: Layout,
    organisation: String,
    /// Whether the viewer may start an application (exporters do; the authority does not).
    exporter: bool,
    rows: Vec<Row>,
}

/// `GET /applications`.
pub async fn applications(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    let list = match s.app.list_applications(&v.actor, None) {
        Ok(l) => l,
        Err(e) => return app_error(&s, e, Some(&v)),
    };
    let rows = list
        .into_iter()
        .map(|view| {
            let a = view.application;
            Row {
                href: format!("/applications/{}", a.id),
                title: a.title,
                destination: a.destination.name().to_string(),
                status: humanise(a.status.as_str()),
                submitted: a.submitted_at.map(date).unwrap_or_else(|| "Draft".into()),
                clock: match view.working_days_elapsed {
                    Some(d) if a.status.is_open() => working_days(i64::from(d)),
                    _ => String::new(),
                },
                licence: a.licence.map(|l| l.number).unwrap_or_default(),
            }
        })
        .collect();
    render(
        StatusCode::OK,
        &ApplicationsPage {
            layout: Layout::new(&s, "Applications", Some(&v), "/applications"),
            organisation: v.me.organisation_name.clone(),
            exporter: v.actor.org_kind == oversight_domain::OrgKind::Exporter,
            rows,
        },
    )
}
