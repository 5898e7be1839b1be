//! `/reports` (an exporter's suspicious-activity reports; the officers' triage) and `/notices` (the
//! authority's informed notices). Each form calls the same `App` use case as the API.

use askama::Template;
use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::{
    AppError,
    reports::{NoticeRequest, ReportRequest},
};
use oversight_domain::{OrgKind, Role, reports::TriageOutcome};

use super::{
    display::{capitalise, date, label},
    draft::{Choice, country_choices},
    page::{CsrfForm, Layout, Signed, SignedIn, app_error, check_csrf_token, read_multipart, render},
    session::FieldMessage,
};
use crate::AppState;

struct ReportRow {
    id: String,
    reported: String,
    organisation: String,
    requester: String,
    items: String,
    why: String,
    documents: usize,
    triage: Option<String>,
    can_triage: bool,
}

#[derive(Default)]
struct ReportTyped {
    requester: String,
    country: String,
    items: String,
    why: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    reports: Vec<ReportRow>,
    can_file: bool,
    countries: Vec<Choice>,
    outcomes: Vec<(&'static str, String)>,
    /// Live licences a report may concern: (case id, licence number and title).
    licences: Vec<(String, String)>,
    typed: ReportTyped,
}

fn reports_page(s: &AppState, v: &Signed, errors: Vec<FieldMessage>, typed: ReportTyped) -> Response {
    let list = match s.app.reports(&v.actor) {
        Ok(l) => l,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let officer = v.is_authority();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &ReportsPage {
            layout: Layout::new(s, "Suspicious-activity reports", Some(v), "/reports"),
            errors,
            reports: list
                .iter()
                .map(|r| ReportRow {
                    id: r.id.to_string(),
                    reported: date(r.reported_at),
                    organisation: s.app.org_name(r.org).unwrap_or_default(),
                    requester: format!("{} ({})", r.requester, r.requester_country.name()),
                    items: r.items.clone(),
                    why: r.why.clone(),
                    documents: r.documents.len(),
                    triage: r
                        .triage
                        .as_ref()
                        .map(|t| format!("{} on {}: {}", label(&t.outcome), date(t.at), t.note)),
                    can_triage: officer && r.triage.is_none(),
                })
                .collect(),
            can_file: v.actor.org_kind == OrgKind::Exporter,
            countries: country_choices(&typed.country),
            outcomes: TriageOutcome::ALL.iter().map(|o| (o.as_str(), label(o))).collect(),
            licences: if officer { live_licences(s) } else { vec![] },
            typed,
        },
    )
}

fn live_licences(s: &AppState) -> Vec<(String, String)> {
    s.app
        .licences_live()
        .into_iter()
        .map(|(id, number, title)| (id.to_string(), format!("{number}: {title}")))
        .collect()
}

/// `GET /reports`.
pub async fn reports(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    reports_page(&s, &v, vec![], ReportTyped::default())
}

/// `POST /reports` (`multipart/form-data`: `csrf_token`, `requester`, `requester_country`, `items`,
/// `why`, optional `file`).
pub async fn file(State(s): State<AppState>, SignedIn(v): SignedIn, req: Request) -> Response {
    let form = match read_multipart(req, &s, Some(&v)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = check_csrf_token(&s, &v, &form.get("csrf_token")) {
        return *r;
    }
    let typed = ReportTyped {
        requester: form.get("requester"),
        country: form.get("requester_country"),
        items: form.get("items"),
        why: form.get("why"),
    };
    let file = form.file;
    let req = ReportRequest {
        requester: typed.requester.clone(),
        requester_country: typed.country.clone(),
        items: typed.items.clone(),
        why: typed.why.clone(),
    };
    match s.app.file_report(&v.actor, req, file.into_iter().collect()).await {
        Ok(_) => Redirect::to("/reports").into_response(),
        Err(AppError::Invalid(f)) => {
            let field = match f.field.as_str() {
                "requester" => "requester",
                "requester_country" => "requester_country",
                "items" => "items",
                "why" => "why",
                _ => "file",
            };
            let errors = vec![FieldMessage {
                field,
                message: format!("{}: {}", capitalise(&f.field.replace('_', " ")), f.message),
            }];
            reports_page(&s, &v, errors, typed)
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
    /// For a licence review: the licence (its case) the report concerns.
    #[serde(default)]
    case_id: String,
}

/// `POST /reports/{id}/triage`.
pub async fn triage(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<TriageForm>,
) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let Ok(outcome) = form.outcome.parse::<TriageOutcome>() else {
        let errors =
            vec![FieldMessage { field: "reports", message: "Choose what was done with the report".into() }];
        return reports_page(&s, &v, errors, ReportTyped::default());
    };
    let case = form.case_id.trim().parse::<uuid::Uuid>().ok().map(oversight_domain::ApplicationId);
    match s.app.triage_report(&v.actor, id, outcome, &form.note, case).await {
        Ok(_) => Redirect::to("/reports").into_response(),
        Err(AppError::Invalid(f)) => {
            let errors = vec![FieldMessage {
                field: "reports",
                message: format!("{}: {}", capitalise(&f.field), f.message),
            }];
            reports_page(&s, &v, errors, ReportTyped::default())
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// A report's triage form opened as a page: the reports.
pub async fn back_to_reports_of(Path(_): Path<String>) -> Response {
    Redirect::to("/reports").into_response()
}

struct NoticeRow {
    id: String,
    issued: String,
    exporter: String,
    item: String,
    scope: String,
    reason: String,
    withdrawn: Option<String>,
}

#[derive(Default, serde::Deserialize)]
pub struct NoticeForm {
    #[serde(default)]
    exporter: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    end_user: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    notices: Vec<NoticeRow>,
    can_issue: bool,
    exporters: Vec<Choice>,
    countries: Vec<Choice>,
    typed: NoticeForm,
}

fn notices_page(s: &AppState, v: &Signed, errors: Vec<FieldMessage>, typed: NoticeForm) -> Response {
    let list = match s.app.notices(&v.actor) {
        Ok(l) => l,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &NoticesPage {
            layout: Layout::new(s, "Informed notices", Some(v), "/notices"),
            errors,
            notices: list
                .iter()
                .map(|n| NoticeRow {
                    id: n.id.to_string(),
                    issued: date(n.issued_at),
                    exporter: s.app.org_name(n.exporter).unwrap_or_default(),
                    item: n.item.clone(),
                    scope: [
                        n.end_user.as_ref().map(|u| format!("end user {u}")),
                        n.destination.as_ref().map(|d| format!("destination {}", d.name())),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                    reason: n.reason.clone(),
                    withdrawn: n.withdrawn_at.map(date),
                })
                .collect(),
            can_issue: v.is_authority() && v.has(Role::Approver),
            exporters: s
                .app
                .orgs()
                .into_iter()
                .filter(|o| o.kind == OrgKind::Exporter)
                .map(|o| Choice {
                    selected: o.id.to_string() == typed.exporter,
                    value: o.id.to_string(),
                    label: o.name,
                })
                .collect(),
            countries: country_choices(&typed.destination),
            typed,
        },
    )
}

/// `GET /notices`.
pub async fn notices(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    notices_page(&s, &v, vec![], NoticeForm::default())
}

/// `POST /notices`: an approver issues a notice.
pub async fn issue(State(s): State<AppState>, CsrfForm(v, form): CsrfForm<NoticeForm>) -> Response {
    let req = NoticeRequest {
        exporter: form.exporter.clone(),
        item: form.item.clone(),
        end_user: Some(form.end_user.clone()),
        destination: Some(form.destination.clone()),
        reason: form.reason.clone(),
    };
    match s.app.issue_notice(&v.actor, req).await {
        Ok(_) => Redirect::to("/notices").into_response(),
        Err(AppError::Invalid(f)) => {
            let field = match f.field.as_str() {
                "exporter" => "exporter",
                "item" => "item",
                "destination" => "destination",
                "reason" => "reason",
                _ => "end_user",
            };
            let errors = vec![FieldMessage {
                field,
                message: format!("{}: {}", capitalise(&f.field.replace('_', " ")), f.message),
            }];
            notices_page(&s, &v, errors, form)
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

/// `POST /notices/{id}/withdraw`.
pub async fn withdraw(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<WithdrawForm>,
) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else { return app_error(&s, AppError::NotFound, Some(&v)) };
    match s.app.withdraw_notice(&v.actor, id, &form.reason).await {
        Ok(_) => Redirect::to("/notices").into_response(),
        Err(AppError::Invalid(f)) => {
            let errors = vec![FieldMessage {
                field: "notices",
                message: format!("{}: {}", capitalise(&f.field), f.message),
            }];
            notices_page(&s, &v, errors, NoticeForm::default())
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// A notice's withdrawal form opened as a page: the notices.
pub async fn back_to_notices_of(Path(_): Path<String>) -> Response {
    Redirect::to("/notices").into_response()
}
