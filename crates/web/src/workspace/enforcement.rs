//! `/enforcement` (the investigations and the form to open one) and `/enforcement/{id}` (one
//! investigation: evidence, and the conclusion with its penalties). Enforcement officers act;
//! approvers read. Each form calls the same `App` use case as the API.

use askama::Template;
use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::NaiveDate;
use oversight_app::{
    AppError,
    enforcement::{ConclusionRequest, InvestigationRequest, InvestigationView},
};
use oversight_domain::{
    ApplicationId, OrgId, OrgKind, Role,
    enforcement::{Origin, Penalty},
};

use super::{
    display::{capitalise, date, label},
    page::{
        CsrfBytes, CsrfForm, Layout, Signed, SignedIn, app_error, check_csrf_token, read_multipart, render,
    },
    session::FieldMessage,
};
use crate::AppState;

/// One investigation as a list shows it.
struct Row {
    id: String,
    reference: String,
    exporter: String,
    origin: String,
    opened: String,
    status: String,
    senior_review: bool,
}

fn row(v: &InvestigationView) -> Row {
    let i = &v.investigation;
    Row {
        id: i.id.to_string(),
        reference: i.reference.clone(),
        exporter: v.exporter_name.clone(),
        origin: label(&i.origin),
        opened: date(i.opened_at),
        status: match &i.conclusion {
            None => "Open".into(),
            Some(c) if c.violation => format!("Violation found {}", date(c.at)),
            Some(c) => format!("No violation ({})", date(c.at)),
        },
        senior_review: v.standing.senior_review.is_some(),
    }
}

#[derive(Default)]
struct Typed {
    exporter: String,
    origin: String,
    source: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "enforcement.html")]
struct ListPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    rows: Vec<Row>,
    can_open: bool,
    exporters: Vec<(String, String)>,
    origins: Vec<(&'static str, String)>,
    typed: Typed,
}

fn may_act(v: &Signed) -> bool {
    v.is_authority() && v.has(Role::EnforcementOfficer)
}

fn list_page(s: &AppState, v: &Signed, errors: Vec<FieldMessage>, typed: Typed) -> Response {
    let list = match s.app.investigations(&v.actor, false) {
        Ok(l) => l,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &ListPage {
            layout: Layout::new(s, "Enforcement", Some(v), "/enforcement"),
            errors,
            rows: list.iter().map(row).collect(),
            can_open: may_act(v),
            exporters: s
                .app
                .orgs()
                .into_iter()
                .filter(|o| o.kind == OrgKind::Exporter)
                .map(|o| (o.id.0.to_string(), o.name))
                .collect(),
            origins: Origin::ALL.iter().map(|o| (o.as_str(), label(o))).collect(),
            typed,
        },
    )
}

/// `GET /enforcement`.
pub async fn list(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    list_page(&s, &v, vec![], Typed { origin: "officer".into(), ..Typed::default() })
}

#[derive(Debug, serde::Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    exporter: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    summary: String,
}

/// `POST /enforcement`: `exporter`, `origin`, `source`, `summary`.
pub async fn open(State(s): State<AppState>, CsrfForm(v, form): CsrfForm<OpenForm>) -> Response {
    let typed = Typed {
        exporter: form.exporter.clone(),
        origin: form.origin.clone(),
        source: form.source,
        summary: form.summary,
    };
    let refused = |field: &'static str, message: &str| FieldMessage { field, message: message.into() };
    let Ok(exporter) = typed.exporter.parse::<uuid::Uuid>() else {
        return list_page(&s, &v, vec![refused("exporter", "Choose the exporter")], typed);
    };
    let Ok(origin) = typed.origin.parse::<Origin>() else {
        return list_page(
            &s,
            &v,
            vec![refused("origin", "Choose where the investigation comes from")],
            typed,
        );
    };
    let req = InvestigationRequest {
        exporter: OrgId(exporter),
        origin,
        source: Some(typed.source.clone()),
        summary: typed.summary.clone(),
    };
    match s.app.open_investigation(&v.actor, req).await {
        Ok(view) => Redirect::to(&format!("/enforcement/{}", view.investigation.id)).into_response(),
        Err(AppError::Invalid(f)) => {
            let field = match f.field.as_str() {
                "exporter" => "exporter",
                "source" => "source",
                _ => "summary",
            };
            list_page(&s, &v, vec![FieldMessage { field, message: capitalise(&f.message) }], typed)
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

struct EvidenceRow {
    note: String,
    file: Option<String>,
    by: String,
    at: String,
}

#[derive(Template)]
#[template(path = "investigation.html")]
struct ShowPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    reference: String,
    exporter: String,
    origin: String,
    source: Option<String>,
    summary: String,
    opened: String,
    opened_by: String,
    evidence: Vec<EvidenceRow>,
    /// The conclusion in words: findings and each penalty.
    conclusion: Option<(String, String, Vec<String>)>,
    senior_review: Option<String>,
    debarred_until: Option<String>,
    recent_findings: Vec<String>,
    can_act: bool,
    licences: Vec<(String, String)>,
}

async fn show_page(s: &AppState, v: &Signed, id: uuid::Uuid, errors: Vec<FieldMessage>) -> Response {
    let view = match s.app.investigation(&v.actor, id) {
        Ok(view) => view,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let i = &view.investigation;
    let exporter = i.exporter;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &ShowPage {
            layout: Layout::new(s, format!("Investigation {}", i.reference), Some(v), "/enforcement"),
            errors,
            id: i.id.to_string(),
            reference: i.reference.clone(),
            exporter: view.exporter_name.clone(),
            origin: label(&i.origin),
            source: i.source.clone(),
            summary: i.summary.clone(),
            opened: date(i.opened_at),
            opened_by: s
                .app
                .user_name(i.opened_by)
                .unwrap_or_else(|| "the platform (referred complaint)".into()),
            evidence: i
                .evidence
                .iter()
                .map(|e| EvidenceRow {
                    note: e.note.clone(),
                    file: e.file.as_ref().map(|f| format!("{} ({} bytes)", f.filename, f.size)),
                    by: s.app.user_name(Some(e.by)).unwrap_or_default(),
                    at: date(e.at),
                })
                .collect(),
            conclusion: i.conclusion.as_ref().map(|c| {
                (
                    if c.violation { "Violation found".into() } else { "No violation found".into() },
                    c.findings.clone(),
                    c.penalties.iter().map(|p| capitalise(&p.describe())).collect(),
                )
            }),
            senior_review: view.standing.senior_review.clone(),
            debarred_until: view.standing.debarred_until.map(|d| d.to_string()),
            recent_findings: view.standing.recent_findings.clone(),
            can_act: may_act(v) && i.is_open(),
            licences: s
                .app
                .licences_live()
                .into_iter()
                .filter(|(case, _, _)| s.app.case_org(*case) == Some(exporter))
                .map(|(case, n, t)| (case.to_string(), format!("{n}: {t}")))
                .collect(),
        },
    )
    .into_response()
}

fn parse_id(raw: &str) -> Option<uuid::Uuid> {
    raw.parse().ok()
}

/// `GET /enforcement/{id}`.
pub async fn show(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    show_page(&s, &v, id, vec![]).await
}

/// `GET /enforcement/{id}/evidence` and `/conclude`: the forms post there; a reload goes back to
/// the page.
pub async fn back_to(Path(id): Path<String>) -> Redirect {
    Redirect::to(&format!("/enforcement/{id}"))
}

fn refusal(f: &oversight_domain::FieldError) -> FieldMessage {
    FieldMessage { field: "conclude", message: format!("{}: {}", capitalise(&f.field), f.message) }
}

/// `POST /enforcement/{id}/evidence` (`multipart/form-data`: `csrf_token`, `note`, optional `file`).
pub async fn add_evidence(
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
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    match s.app.add_investigation_evidence(&v.actor, id, &form.get("note"), form.file).await {
        Ok(_) => Redirect::to(&format!("/enforcement/{id}#evidence")).into_response(),
        Err(AppError::Invalid(f)) => {
            let msg =
                FieldMessage { field: "note", message: format!("{}: {}", capitalise(&f.field), f.message) };
            show_page(&s, &v, id, vec![msg]).await
        }
        Err(AppError::Conflict(why)) => {
            show_page(&s, &v, id, vec![FieldMessage { field: "note", message: capitalise(&why) }]).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ConcludeForm {
    #[serde(default)]
    violation: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    warning: Option<String>,
    #[serde(default)]
    fine_eur: String,
    #[serde(default)]
    debarred_until: String,
    /// Case ids of licences to suspend (the repeated field, read apart).
    #[serde(skip)]
    suspend: Vec<String>,
}

/// The penalties a conclusion form asks for, or the field that cannot be read.
fn penalties(form: &ConcludeForm) -> Result<Vec<Penalty>, FieldMessage> {
    let refused = |message: &str| FieldMessage { field: "conclude", message: message.into() };
    let mut out = Vec::new();
    if form.warning.is_some() {
        out.push(Penalty::Warning);
    }
    let fine = form.fine_eur.trim().replace([',', ' '], "");
    if !fine.is_empty() {
        let amount_eur = fine.parse::<u64>().map_err(|_| refused("Fine: write the amount in whole euros"))?;
        out.push(Penalty::Fine { amount_eur });
    }
    for case in &form.suspend {
        let case = case.parse::<ApplicationId>().map_err(|_| refused("Suspension: choose a licence"))?;
        out.push(Penalty::LicenceSuspension { case, licence_number: String::new() });
    }
    let until = form.debarred_until.trim();
    if !until.is_empty() {
        let until = NaiveDate::parse_from_str(until, "%Y-%m-%d")
            .map_err(|_| refused("Debarment: give the last day as a date (YYYY-MM-DD)"))?;
        out.push(Penalty::Debarment { until });
    }
    Ok(out)
}

/// `POST /enforcement/{id}/conclude`: `violation` (yes/no), `findings`, and the penalties:
/// `warning`, `fine_eur`, `suspend` (repeated), `debarred_until`.
pub async fn conclude(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfBytes(v, body): CsrfBytes,
) -> Response {
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let mut form: ConcludeForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    // Ticked licences (`suspend` may repeat).
    form.suspend = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k == "suspend")
        .map(|(_, x)| x)
        .collect();
    let violation = match form.violation.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            let msg = FieldMessage { field: "conclude", message: "Say whether a violation was found".into() };
            return show_page(&s, &v, id, vec![msg]).await;
        }
    };
    let penalties = match penalties(&form) {
        Ok(p) => p,
        Err(msg) => return show_page(&s, &v, id, vec![msg]).await,
    };
    let req = ConclusionRequest { violation, findings: form.findings.clone(), penalties };
    match s.app.conclude_investigation(&v.actor, id, req).await {
        Ok(_) => Redirect::to(&format!("/enforcement/{id}")).into_response(),
        Err(AppError::Invalid(f)) => show_page(&s, &v, id, vec![refusal(&f)]).await,
        Err(AppError::Conflict(why)) => {
            show_page(&s, &v, id, vec![FieldMessage { field: "conclude", message: capitalise(&why) }]).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}
