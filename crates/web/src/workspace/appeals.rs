//! `/appeals` (the review panel's list, an exporter's own), `/appeals/{id}` (an appeal: grounds,
//! panel, questions, decision) and `/applications/{id}/appeal` (an exporter files one). The forms
//! call the same `App` use cases as `/api/appeals`.

use askama::Template;
use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::{AppError, appeals::AppealRequest};
use oversight_domain::{
    ApplicationId, OrgKind, Role,
    appeal::{Appeal, AppealOutcome, AppealSubject},
    application::{LicenceStatus, Outcome},
};

use super::{
    display::{capitalise, date, date_time, label},
    page::{CsrfForm, Layout, Signed, SignedIn, app_error, check_csrf_token, read_multipart, render},
    session::FieldMessage,
};
use crate::AppState;

struct Row {
    id: String,
    subject: String,
    case_title: String,
    filed: String,
    state: String,
}

#[derive(Template)]
#[template(path = "appeals.html")]
struct AppealsPage {
    layout: Layout,
    rows: Vec<Row>,
}

fn state(a: &Appeal) -> String {
    match &a.decision {
        Some(d) => format!("Decided: {}", label(&d.outcome).to_lowercase()),
        None => format!("Before the panel ({} of 2 members)", a.panel.len()),
    }
}

fn case_title(s: &AppState, v: &Signed, a: &Appeal) -> String {
    s.app.get_application(&v.actor, a.case).map(|c| c.application.title).unwrap_or_else(|_| "the case".into())
}

/// `GET /appeals`.
pub async fn list(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    let appeals = match s.app.appeals(&v.actor) {
        Ok(a) => a,
        Err(e) => return app_error(&s, e, Some(&v)),
    };
    let rows = appeals
        .iter()
        .map(|a| Row {
            id: a.id.to_string(),
            subject: capitalise(&a.subject.label()),
            case_title: case_title(&s, &v, a),
            filed: date(a.filed_at),
            state: state(a),
        })
        .collect();
    render(StatusCode::OK, &AppealsPage { layout: Layout::new(&s, "Appeals", Some(&v), "/appeals"), rows })
}

struct QuestionRow {
    id: String,
    asked: String,
    question: String,
    answer: Option<String>,
}

#[derive(Template)]
#[template(path = "appeal.html")]
struct AppealPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    case_id: String,
    case_title: String,
    subject: String,
    grounds: String,
    documents: Vec<String>,
    filed: String,
    act: String,
    panel: Vec<String>,
    questions: Vec<QuestionRow>,
    decision: Option<String>,
    can_join: bool,
    member: bool,
    appellant: bool,
    outcomes: Vec<(&'static str, String)>,
}

fn appeal_page(s: &AppState, v: &Signed, id: uuid::Uuid, errors: Vec<FieldMessage>) -> Response {
    let a = match s.app.appeal(&v.actor, id) {
        Ok(a) => a,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let member = a.panel.contains(&v.actor.user) && a.is_open();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &AppealPage {
            layout: Layout::new(s, format!("Appeal of {}", a.subject.label()), Some(v), "/appeals"),
            errors,
            id: a.id.to_string(),
            case_id: a.case.to_string(),
            case_title: case_title(s, v, &a),
            subject: capitalise(&a.subject.label()),
            grounds: a.grounds.clone(),
            documents: a.documents.iter().map(|d| d.filename.clone()).collect(),
            filed: date_time(a.filed_at),
            act: date(a.act_at),
            panel: a.panel.iter().map(|u| s.app.user_name(Some(*u)).unwrap_or_default()).collect(),
            questions: a
                .questions
                .iter()
                .map(|q| QuestionRow {
                    id: q.id.to_string(),
                    asked: date(q.asked_at),
                    question: q.question.clone(),
                    answer: q.answer.clone(),
                })
                .collect(),
            decision: a.decision.as_ref().map(|d| format!("{} on {}: {}", label(&d.outcome), date(d.at), d.reasons)),
            can_join: a.is_open()
                && v.is_authority()
                && v.has(Role::ReviewPanelMember)
                && !a.panel.contains(&v.actor.user)
                && a.panel.len() < 3,
            member,
            appellant: v.actor.org_kind == OrgKind::Exporter && a.is_open(),
            outcomes: AppealOutcome::ALL
                .iter()
                .map(|o| {
                    (
                        o.as_str(),
                        match o {
                            AppealOutcome::Upheld => "Upheld: the act stands".to_string(),
                            AppealOutcome::Overturned => {
                                "Overturned: a refusal is decided again by another approver; a suspension or revocation is lifted; a condition is removed".to_string()
                            }
                            AppealOutcome::SentBack => "Sent back for a new decision".to_string(),
                        },
                    )
                })
                .collect(),
        },
    )
}

fn parse(id: &str) -> Option<uuid::Uuid> {
    id.parse().ok()
}

/// `GET /appeals/{id}`.
pub async fn show(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    let Some(id) = parse(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    appeal_page(&s, &v, id, vec![])
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct PanelForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reasons: String,
}

/// `POST /appeals/{id}/{what}`: `join`, `ask` (`question`), `decide` (`outcome`, `reasons`), or
/// `answer-<question id>` (`answer`).
pub async fn act(
    State(s): State<AppState>,
    Path((id, what)): Path<(String, String)>,
    CsrfForm(v, form): CsrfForm<PanelForm>,
) -> Response {
    let Some(id) = parse(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let result = match what.as_str() {
        "join" => s.app.join_panel(&v.actor, id).await,
        "ask" => s.app.ask_appellant(&v.actor, id, &form.question).await,
        "decide" => match form.outcome.parse::<AppealOutcome>() {
            Ok(o) => s.app.decide_appeal(&v.actor, id, o, &form.reasons).await,
            Err(_) => Err(AppError::invalid("outcome", "choose the panel's decision")),
        },
        other => match other.strip_prefix("answer-").and_then(parse) {
            Some(q) => s.app.answer_panel(&v.actor, id, q, &form.answer).await,
            None => Err(AppError::NotFound),
        },
    };
    match result {
        Ok(_) => Redirect::to(&format!("/appeals/{id}")).into_response(),
        Err(AppError::Invalid(f)) => {
            let msg =
                FieldMessage { field: "panel", message: format!("{}: {}", capitalise(&f.field), f.message) };
            appeal_page(&s, &v, id, vec![msg])
        }
        Err(AppError::Conflict(why)) => {
            appeal_page(&s, &v, id, vec![FieldMessage { field: "panel", message: capitalise(&why) }])
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// A panel form's address opened: the appeal.
pub async fn back(Path((id, _)): Path<(String, String)>) -> Response {
    match parse(&id) {
        Some(id) => Redirect::to(&format!("/appeals/{id}")).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Template)]
#[template(path = "appeal_new.html")]
struct NewAppealPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    title: String,
    subjects: Vec<(String, String, bool)>,
    grounds: String,
    window_days: u32,
}

/// What the exporter may appeal on its case: (value, label).
fn subjects(c: &oversight_domain::Application) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if c.decision.as_ref().is_some_and(|d| d.outcome == Outcome::Deny) {
        out.push(("refusal".to_string(), "The refusal".to_string()));
    }
    if let Some(l) = &c.licence {
        match l.status {
            LicenceStatus::Suspended => {
                out.push(("suspension".into(), "The suspension of the licence".into()))
            }
            LicenceStatus::Revoked => out.push(("revocation".into(), "The revocation of the licence".into())),
            _ => {}
        }
        if matches!(l.status, LicenceStatus::Active | LicenceStatus::Suspended) {
            for (i, cond) in l.conditions.iter().enumerate() {
                out.push((format!("condition-{i}"), format!("Condition {}: {cond}", i + 1)));
            }
        }
    }
    out
}

fn new_page(
    s: &AppState,
    v: &Signed,
    id: ApplicationId,
    errors: Vec<FieldMessage>,
    chosen: &str,
    grounds: &str,
) -> Response {
    let c = match s.app.get_application(&v.actor, id) {
        Ok(c) => c.application,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &NewAppealPage {
            layout: Layout::new(s, "Appeal", Some(v), "/applications"),
            errors,
            id: id.to_string(),
            title: c.title.clone(),
            subjects: subjects(&c).into_iter().map(|(val, l)| (val.clone(), l, val == chosen)).collect(),
            grounds: grounds.to_string(),
            window_days: s.app.appeal_window_days(),
        },
    )
}

/// `GET /applications/{id}/appeal`.
pub async fn new_form(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else { return app_error(&s, AppError::NotFound, Some(&v)) };
    new_page(&s, &v, ApplicationId(id), vec![], "", "")
}

/// `POST /applications/{id}/appeal` (`multipart/form-data`: `csrf_token`, `subject`, `grounds`,
/// optional `file`, a supporting document).
pub async fn file(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let form = match read_multipart(req, &s, Some(&v)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = check_csrf_token(&s, &v, &form.get("csrf_token")) {
        return *r;
    }
    let Ok(id) = id.parse::<uuid::Uuid>() else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let id = ApplicationId(id);
    let (chosen, grounds) = (form.get("subject"), form.get("grounds"));
    let subject = match chosen.as_str() {
        "refusal" => Some(AppealSubject::Refusal),
        "suspension" => Some(AppealSubject::Suspension),
        "revocation" => Some(AppealSubject::Revocation),
        other => other
            .strip_prefix("condition-")
            .and_then(|i| i.parse().ok())
            .map(|index| AppealSubject::Condition { index }),
    };
    let Some(subject) = subject else {
        let errors = vec![FieldMessage { field: "subject", message: "Choose what you appeal".into() }];
        return new_page(&s, &v, id, errors, &chosen, &grounds);
    };
    let documents = form.file.into_iter().collect();
    match s
        .app
        .file_appeal(&v.actor, id, AppealRequest { subject, grounds: grounds.clone() }, documents)
        .await
    {
        Ok(a) => Redirect::to(&format!("/appeals/{}", a.id)).into_response(),
        Err(AppError::Invalid(f)) => {
            let field = match f.field.as_str() {
                "grounds" => "grounds",
                f if f.starts_with("documents") => "file",
                _ => "subject",
            };
            let errors =
                vec![FieldMessage { field, message: format!("{}: {}", capitalise(&f.field), f.message) }];
            new_page(&s, &v, id, errors, &chosen, &grounds)
        }
        Err(AppError::Conflict(why)) => new_page(
            &s,
            &v,
            id,
            vec![FieldMessage { field: "subject", message: capitalise(&why) }],
            &chosen,
            &grounds,
        ),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}
