//! `/complaints` (anyone complains, no account needed; `/complaints/{reference}` follows one) and
//! `/ombudsperson` (the ombudsperson's queue). Each form calls the same `App` use case as the API.
//! The public form carries no CSRF token: it needs no session and grants nothing (the hourly limit
//! per address guards it).

use askama::Template;
use axum::{
    Extension,
    extract::{ConnectInfo, Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::{AppError, complaints::ComplaintRequest};
use oversight_domain::complaint::{ComplaintAction, ComplaintKind, ComplaintStatus, PublicComplaint};

use super::{
    display::{capitalise, date, label},
    page::{CsrfForm, Layout, Signed, SignedIn, Viewer, app_error, read_multipart, render},
    session::FieldMessage,
};
use crate::AppState;

#[derive(Default)]
struct Typed {
    kind: String,
    about: String,
    account: String,
    contact: String,
}

#[derive(Template)]
#[template(path = "complaint_new.html")]
struct NewPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    typed: Typed,
}

fn new_page(s: &AppState, v: Option<&Signed>, errors: Vec<FieldMessage>, typed: Typed) -> Response {
    let status = match errors.first().map(|e| e.field) {
        None => StatusCode::OK,
        Some("throttled") => StatusCode::TOO_MANY_REQUESTS,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    render(
        status,
        &NewPage { layout: Layout::new(s, "Complain or report misuse", v, "/complaints"), errors, typed },
    )
}

/// `GET /complaints`.
pub async fn form(State(s): State<AppState>, Viewer(v): Viewer) -> Response {
    new_page(&s, v.as_ref(), vec![], Typed { kind: "misuse".into(), ..Typed::default() })
}

/// `POST /complaints` (`multipart/form-data`: `kind`, `about`, `account`, `contact`, optional `file`).
pub async fn submit(
    State(s): State<AppState>,
    Viewer(v): Viewer,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    req: Request,
) -> Response {
    let form = match read_multipart(req, &s, v.as_ref()).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let typed = Typed {
        kind: form.get("kind"),
        about: form.get("about"),
        account: form.get("account"),
        contact: form.get("contact"),
    };
    let file = form.file;
    let Ok(kind) = typed.kind.parse::<ComplaintKind>() else {
        let errors =
            vec![FieldMessage { field: "kind", message: "Choose what your complaint is about".into() }];
        return new_page(&s, v.as_ref(), errors, typed);
    };
    let req = ComplaintRequest {
        kind,
        about: Some(typed.about.clone()),
        account: typed.account.clone(),
        contact: Some(typed.contact.clone()),
    };
    let client = crate::routes::session::client_address(peer);
    match s.app.submit_complaint(&client, req, file.into_iter().collect()).await {
        Ok(c) => Redirect::to(&format!("/complaints/{}", c.reference)).into_response(),
        Err(AppError::Invalid(f)) => {
            let field = match f.field.as_str() {
                "about" => "about",
                "account" => "account",
                "contact" => "contact",
                _ => "file",
            };
            let errors = vec![FieldMessage {
                field,
                message: format!("{}: {}", capitalise(&f.field.replace('_', " ")), f.message),
            }];
            new_page(&s, v.as_ref(), errors, typed)
        }
        Err(AppError::Throttled(secs)) => {
            let errors = vec![FieldMessage {
                field: "throttled",
                message: format!(
                    "Too many complaints from your address in the last hour: try again in {} minutes",
                    secs.div_ceil(60)
                ),
            }];
            new_page(&s, v.as_ref(), errors, typed)
        }
        Err(e) => app_error(&s, e, v.as_ref()),
    }
}

#[derive(Template)]
#[template(path = "complaint_status.html")]
struct StatusPage {
    layout: Layout,
    c: PublicComplaint,
    kind: String,
    status: String,
    received: String,
    action: Option<String>,
    concluded: Option<String>,
}

/// `GET /complaints/{reference}`: the status and outcome, as anyone may see them.
pub async fn status(State(s): State<AppState>, Viewer(v): Viewer, Path(reference): Path<String>) -> Response {
    match s.app.complaint_by_reference(&reference) {
        Ok(c) => render(
            StatusCode::OK,
            &StatusPage {
                layout: Layout::new(&s, format!("Complaint {}", c.reference), v.as_ref(), "/complaints"),
                kind: label(&c.kind),
                status: match c.status {
                    ComplaintStatus::Received => "Received".into(),
                    ComplaintStatus::UnderExamination => "Being examined by the ombudsperson".into(),
                    ComplaintStatus::Concluded => "Concluded".into(),
                },
                received: date(c.received_at),
                action: c.action.map(|a| label(&a)),
                concluded: c.concluded_at.map(date),
                c,
            },
        ),
        Err(e) => app_error(&s, e, v.as_ref()),
    }
}

struct Row {
    reference: String,
    kind: String,
    about: Option<String>,
    account: String,
    contact: Option<String>,
    received: String,
    evidence: usize,
    status: String,
    can_examine: bool,
    can_conclude: bool,
    findings: Option<String>,
}

#[derive(Template)]
#[template(path = "ombudsperson.html")]
struct QueuePage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    rows: Vec<Row>,
    actions: Vec<(&'static str, String)>,
    licences: Vec<(String, String)>,
}

fn queue_page(s: &AppState, v: &Signed, errors: Vec<FieldMessage>) -> Response {
    let list = match s.app.complaints(&v.actor) {
        Ok(l) => l,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &QueuePage {
            layout: Layout::new(s, "Complaints", Some(v), "/ombudsperson"),
            errors,
            rows: list
                .iter()
                .map(|c| Row {
                    reference: c.reference.clone(),
                    kind: label(&c.kind),
                    about: c.about.clone(),
                    account: c.account.clone(),
                    contact: c.contact.clone(),
                    received: date(c.received_at),
                    evidence: c.evidence.len(),
                    status: label(&c.status),
                    can_examine: c.status == ComplaintStatus::Received,
                    can_conclude: c.status != ComplaintStatus::Concluded,
                    findings: c.findings.as_ref().map(|f| format!("{}: {}", label(&f.action), f.findings)),
                })
                .collect(),
            actions: ComplaintAction::ALL.iter().map(|a| (a.as_str(), label(a))).collect(),
            licences: s
                .app
                .licences_live()
                .into_iter()
                .map(|(id, n, t)| (id.to_string(), format!("{n}: {t}")))
                .collect(),
        },
    )
}

/// `GET /ombudsperson`.
pub async fn queue(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    queue_page(&s, &v, vec![])
}

#[derive(Debug, serde::Deserialize)]
pub struct ConcludeForm {
    #[serde(default)]
    findings: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    case_id: String,
}

/// `POST /ombudsperson/{reference}/{what}`: `examine`, or `conclude` (`findings`, `action`, `case_id`).
pub async fn act(
    State(s): State<AppState>,
    Path((reference, what)): Path<(String, String)>,
    CsrfForm(v, form): CsrfForm<ConcludeForm>,
) -> Response {
    let result = match what.as_str() {
        "examine" => s.app.examine_complaint(&v.actor, &reference).await,
        "conclude" => match form.action.parse::<ComplaintAction>() {
            Ok(action) => {
                let case =
                    form.case_id.trim().parse::<uuid::Uuid>().ok().map(oversight_domain::ApplicationId);
                s.app.conclude_complaint(&v.actor, &reference, &form.findings, action, case).await
            }
            Err(_) => Err(AppError::invalid("action", "choose what follows")),
        },
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(_) => Redirect::to("/ombudsperson").into_response(),
        Err(AppError::Invalid(f)) => queue_page(
            &s,
            &v,
            vec![FieldMessage {
                field: "complaints",
                message: format!("{}: {}", capitalise(&f.field), f.message),
            }],
        ),
        Err(AppError::Conflict(why)) => {
            queue_page(&s, &v, vec![FieldMessage { field: "complaints", message: capitalise(&why) }])
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// A form's address opened as a page: the queue.
pub async fn back(Path(_): Path<(String, String)>) -> Response {
    Redirect::to("/ombudsperson").into_response()
}
