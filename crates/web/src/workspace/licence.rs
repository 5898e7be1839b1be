//! The licence after the decision: `/applications/{id}/licence` (what remains, obligations and
//! their evidence, shipments, audits, reviews) and `/reviews/{id}` (a licence review and the
//! approver's decision). Every form calls the same `App` use case as the API (`compliance`,
//! `reviews`); the pages decide nothing.

use askama::Template;
use axum::{
    extract::{Path, Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::{
    AppError,
    compliance::{ComplianceView, ShipmentReport},
    reviews::ReviewDecisionRequest,
};
use oversight_domain::{
    ApplicationId, Role,
    compliance::{ObligationKind, ObligationStatus, ObligationTerm, ShipmentLine},
    party::PartyRole,
    review::{Review, ReviewOutcomeTag, Trigger},
};

use super::{
    display::{capitalise, date, date_time, label, thousands},
    page::{CsrfForm, Layout, Signed, SignedIn, app_error, check_csrf_token, read_multipart, render},
    session::FieldMessage,
};
use crate::AppState;

fn parse_id(s: &str) -> Option<ApplicationId> {
    s.parse::<uuid::Uuid>().ok().map(ApplicationId)
}

struct ObligationRow {
    key: String,
    kind: String,
    wording: String,
    due: String,
    status: String,
    flagged: bool,
    submissions: Vec<SubmissionRow>,
    can_fulfil: bool,
    can_judge: bool,
    escalated: bool,
}

struct SubmissionRow {
    at: String,
    note: String,
    document: Option<(String, String)>,
    verdict: Option<String>,
}

struct ShipmentRow {
    date: String,
    lines: String,
    value: String,
    consignee: String,
    refused: Vec<String>,
}

struct DrawRow {
    code: String,
    description: String,
    licensed: u32,
    shipped: u64,
    remaining: i64,
    item: String,
    typed: String,
}

struct ReviewRow {
    id: String,
    opened: String,
    trigger: String,
    state: String,
}

/// What was typed into the forms, kept when one is refused.
#[derive(Default)]
struct Typed {
    ship_date: String,
    ship_value: String,
    ship_consignee: String,
    quantities: Vec<(String, String)>,
    note: String,
    review_evidence: String,
    audit_scope: String,
    audit_due: String,
}

#[derive(Template)]
#[template(path = "licence.html")]
struct LicencePage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    title: String,
    number: String,
    status: String,
    suspended: bool,
    draw: Vec<DrawRow>,
    value_licensed: String,
    value_shipped: String,
    obligations: Vec<ObligationRow>,
    shipments: Vec<ShipmentRow>,
    consignees: Vec<String>,
    can_ship: bool,
    can_audit: bool,
    can_review: bool,
    reviews: Option<Vec<ReviewRow>>,
    typed: Typed,
}

async fn licence_page(
    s: &AppState,
    v: &Signed,
    id: ApplicationId,
    errors: Vec<FieldMessage>,
    typed: Typed,
) -> Response {
    let c: ComplianceView = match s.app.compliance(&v.actor, id) {
        Ok(c) => c,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let case = match s.app.get_application(&v.actor, id) {
        Ok(view) => view.application,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let exporter = !v.is_authority() && v.has(Role::Exporter);
    let officer = v.is_authority() && v.has(Role::LicensingOfficer);
    let reviews = match s.app.reviews(&v.actor, false, Some(id)) {
        Ok(list) => Some(
            list.iter()
                .map(|r| ReviewRow {
                    id: r.id.to_string(),
                    opened: date(r.opened_at),
                    trigger: capitalise(&r.summary()),
                    state: review_state(r),
                })
                .collect(),
        ),
        Err(AppError::Forbidden(_)) => None,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let obligations = c
        .obligations
        .iter()
        .map(|o| ObligationRow {
            key: o.key.clone(),
            kind: label(&o.kind),
            wording: o.wording.clone(),
            due: match o.due {
                Some(d) => d.format("%-d %B %Y").to_string(),
                None => "before the first shipment".into(),
            },
            status: label(&o.status),
            flagged: o.status.is_flagged(),
            submissions: o
                .submissions
                .iter()
                .map(|sub| SubmissionRow {
                    at: date_time(sub.at),
                    note: sub.note.clone(),
                    document: sub.document.as_ref().map(|d| (d.filename.clone(), d.sha256.clone())),
                    verdict: sub.verdict.as_ref().map(|vd| {
                        format!(
                            "{} on {}: {}",
                            if vd.accepted { "Accepted" } else { "Rejected" },
                            date(vd.at),
                            vd.reason
                        )
                    }),
                })
                .collect(),
            can_fulfil: exporter
                && matches!(
                    o.status,
                    ObligationStatus::Pending | ObligationStatus::Overdue | ObligationStatus::Rejected
                ),
            can_judge: officer && o.status == ObligationStatus::Submitted,
            escalated: o.escalated,
        })
        .collect();
    let items = &case.items;
    let page = LicencePage {
        layout: Layout::new(s, format!("Licence {}", c.licence_number), Some(v), "/work"),
        errors,
        id: id.to_string(),
        title: case.title.clone(),
        number: c.licence_number.clone(),
        status: label(&c.licence_status),
        suspended: c.licence_status != oversight_domain::application::LicenceStatus::Active,
        draw: c
            .drawdown
            .items
            .iter()
            .map(|d| DrawRow {
                code: d.control_code.clone(),
                description: items
                    .iter()
                    .find(|i| i.id == d.item)
                    .map(|i| i.description.clone())
                    .unwrap_or_default(),
                licensed: d.licensed,
                shipped: d.shipped,
                remaining: i64::from(d.licensed) - d.shipped as i64,
                item: d.item.to_string(),
                typed: typed
                    .quantities
                    .iter()
                    .find(|(k, _)| *k == d.item.to_string())
                    .map(|(_, q)| q.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        value_licensed: thousands(c.drawdown.value_licensed_eur),
        value_shipped: thousands(c.drawdown.value_shipped_eur),
        obligations,
        shipments: c
            .shipments
            .iter()
            .rev()
            .map(|sh| ShipmentRow {
                date: sh.date.format("%-d %B %Y").to_string(),
                lines: sh
                    .lines
                    .iter()
                    .map(|l| {
                        let code = items
                            .iter()
                            .find(|i| i.id == l.item)
                            .map(|i| i.control_code.as_str())
                            .unwrap_or("?");
                        format!("{} × {code}", l.quantity)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                value: thousands(sh.value_eur),
                consignee: sh.consignee.clone(),
                refused: sh.refused.clone(),
            })
            .collect(),
        consignees: case
            .parties
            .iter()
            .filter(|p| matches!(p.role, PartyRole::Consignee | PartyRole::EndUser))
            .map(|p| p.name.clone())
            .collect(),
        can_ship: exporter,
        can_audit: v.is_authority()
            && (v.has(Role::LicensingOfficer) || v.has(Role::EnforcementOfficer))
            && case
                .licence
                .as_ref()
                .is_some_and(|l| l.obligations.iter().any(|t| t.kind == ObligationKind::AuditOnRequest)),
        can_review: v.is_authority()
            && (officer || v.has(Role::Approver) || v.has(Role::HumanRightsAssessor)),
        reviews,
        typed,
    };
    render(StatusCode::OK, &page)
}

fn review_state(r: &Review) -> String {
    match &r.decision {
        None => match r.proposed {
            Some(p) => format!("Open: {} proposed", label(&p).to_lowercase()),
            None => "Open".into(),
        },
        Some(d) => format!("Decided: {}", label(&d.outcome).to_lowercase()),
    }
}

/// A form's address opened (a refused form's page reloaded, a bookmark): the page it belongs to.
pub async fn back_to_licence(Path(id): Path<String>) -> Response {
    match parse_id(&id) {
        Some(id) => Redirect::to(&format!("/applications/{id}/licence")).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// As [`back_to_licence`], for an obligation's forms.
pub async fn back_to_licence_of(Path((id, _)): Path<(String, String)>) -> Response {
    back_to_licence(Path(id)).await
}

/// As [`back_to_licence`], for a review's decision form.
pub async fn back_to_review(Path(id): Path<String>) -> Response {
    match id.parse::<uuid::Uuid>() {
        Ok(id) => Redirect::to(&format!("/reviews/{id}")).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /applications/{id}/licence`.
pub async fn page(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    licence_page(&s, &v, id, vec![], Typed::default()).await
}

fn refused_field(f: &oversight_domain::FieldError, fallback: &'static str) -> FieldMessage {
    FieldMessage {
        field: fallback,
        message: format!("{}: {}", capitalise(&f.field.replace('_', " ")), f.message),
    }
}

/// `POST /applications/{id}/licence/shipments`: `date`, `value_eur`, `consignee` and a
/// `quantity.<item id>` per licensed item.
pub async fn report_shipment(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let get =
        |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, x)| x.trim().to_string()).unwrap_or_default();
    let quantities: Vec<(String, String)> = form
        .iter()
        .filter_map(|(k, x)| k.strip_prefix("quantity.").map(|item| (item.to_string(), x.trim().to_string())))
        .collect();
    let typed = Typed {
        ship_date: get("date"),
        ship_value: get("value_eur"),
        ship_consignee: get("consignee"),
        quantities: quantities.clone(),
        ..Typed::default()
    };
    let mut errors = Vec::new();
    let date = chrono::NaiveDate::parse_from_str(&typed.ship_date, "%Y-%m-%d").ok();
    if date.is_none() {
        errors.push(FieldMessage {
            field: "ship-date",
            message: "Enter the day the goods left, like 2026-11-20".into(),
        });
    }
    let value = typed.ship_value.replace([',', ' '], "").parse::<u64>().ok();
    if value.is_none() {
        errors.push(FieldMessage {
            field: "ship-value",
            message: "Enter the shipment's value in whole euros".into(),
        });
    }
    let mut lines = Vec::new();
    for (item, q) in &quantities {
        if q.is_empty() || q == "0" {
            continue;
        }
        match (item.parse::<uuid::Uuid>(), q.parse::<u32>()) {
            (Ok(item), Ok(quantity)) => {
                lines.push(ShipmentLine { item: oversight_domain::ItemId(item), quantity })
            }
            _ => errors.push(FieldMessage {
                field: "ship-lines",
                message: "Enter each quantity as a whole number".into(),
            }),
        }
    }
    if lines.is_empty() && errors.is_empty() {
        errors.push(FieldMessage {
            field: "ship-lines",
            message: "Enter the quantity shipped of at least one item".into(),
        });
    }
    let (Some(date), Some(value_eur), true) = (date, value, errors.is_empty()) else {
        return licence_page(&s, &v, id, errors, typed).await;
    };
    let report = ShipmentReport { date, lines, value_eur, consignee: typed.ship_consignee.clone() };
    match s.app.report_shipment(&v.actor, id, report).await {
        Ok(sh) if sh.is_refused() => {
            let errors = vec![FieldMessage {
                field: "shipments",
                message: format!(
                    "The shipment was refused and recorded for the enforcement officers: {}",
                    sh.refused.join("; ")
                ),
            }];
            licence_page(&s, &v, id, errors, Typed::default()).await
        }
        Ok(_) => Redirect::to(&format!("/applications/{id}/licence#shipments")).into_response(),
        Err(AppError::Invalid(f)) => {
            licence_page(&s, &v, id, vec![refused_field(&f, "ship-date")], typed).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// `POST /applications/{id}/licence/obligations/{key}/fulfil` (`multipart/form-data`:
/// `csrf_token`, `note`, optional `file`).
pub async fn fulfil(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Path((id, key)): Path<(String, String)>,
    req: Request,
) -> Response {
    let form = match read_multipart(req, &s, Some(&v)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = check_csrf_token(&s, &v, &form.get("csrf_token")) {
        return *r;
    }
    let (note, file) = (form.get("note"), form.file);
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let document = file.as_ref().map(|(n, b)| (n.as_str(), b.as_slice()));
    match s.app.fulfil_obligation(&v.actor, id, &key, &note, document).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}/licence#obligations")).into_response(),
        Err(AppError::Invalid(f)) => {
            let typed = Typed { note, ..Typed::default() };
            licence_page(&s, &v, id, vec![refused_field(&f, "obligations")], typed).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct VerdictForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
}

/// `POST /applications/{id}/licence/obligations/{key}/verdict`: `verdict` (accept or reject) and
/// `reason`.
pub async fn verdict(
    State(s): State<AppState>,
    Path((id, key)): Path<(String, String)>,
    CsrfForm(v, form): CsrfForm<VerdictForm>,
) -> Response {
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let accept = match form.verdict.as_str() {
        "accept" => true,
        "reject" => false,
        _ => {
            let errors = vec![FieldMessage {
                field: "obligations",
                message: "Choose to accept or reject the evidence".into(),
            }];
            return licence_page(&s, &v, id, errors, Typed::default()).await;
        }
    };
    match s.app.judge_obligation(&v.actor, id, &key, accept, &form.reason).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}/licence#obligations")).into_response(),
        Err(AppError::Invalid(f)) => {
            licence_page(&s, &v, id, vec![refused_field(&f, "obligations")], Typed::default()).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct AuditForm {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    due: String,
}

/// `POST /applications/{id}/licence/audits`.
pub async fn audit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<AuditForm>,
) -> Response {
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let typed = Typed { audit_scope: form.scope.clone(), audit_due: form.due.clone(), ..Typed::default() };
    let Ok(due) = chrono::NaiveDate::parse_from_str(form.due.trim(), "%Y-%m-%d") else {
        let errors = vec![FieldMessage {
            field: "audit-due",
            message: "Enter the date the audit is due, like 2026-12-24".into(),
        }];
        return licence_page(&s, &v, id, errors, typed).await;
    };
    match s.app.request_audit(&v.actor, id, &form.scope, due).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}/licence#obligations")).into_response(),
        Err(AppError::Invalid(f)) => {
            licence_page(&s, &v, id, vec![refused_field(&f, "audit-scope")], typed).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct OpenReviewForm {
    #[serde(default)]
    evidence: String,
}

/// `POST /applications/{id}/licence/reviews`: an officer's concern opens a review.
pub async fn open_review(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<OpenReviewForm>,
) -> Response {
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    match s.app.open_review(&v.actor, id, Trigger::Officer, &form.evidence, None).await {
        Ok(r) => Redirect::to(&format!("/reviews/{}", r.id)).into_response(),
        Err(AppError::Invalid(f)) => {
            let typed = Typed { review_evidence: form.evidence, ..Typed::default() };
            licence_page(&s, &v, id, vec![refused_field(&f, "review-evidence")], typed).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// `GET /applications/{id}/licence/documents/{sha256}`.
pub async fn document(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Path((id, sha)): Path<(String, String)>,
) -> Response {
    let Some(id) = parse_id(&id) else { return app_error(&s, AppError::NotFound, Some(&v)) };
    match s.app.obligation_document(&v.actor, id, &sha).await {
        Ok((meta, bytes)) => {
            let disposition =
                format!("attachment; filename=\"{}\"", meta.filename.replace(['"', '\\', '\r', '\n'], "_"));
            (
                [
                    (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

struct OutcomeChoice {
    value: &'static str,
    label: String,
    checked: bool,
}

struct TermChoice {
    kind: &'static str,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    case_id: String,
    licence: String,
    trigger: String,
    evidence: String,
    opened: String,
    state: String,
    decision: Option<String>,
    can_decide: bool,
    outcomes: Vec<OutcomeChoice>,
    terms: Vec<TermChoice>,
    reason: String,
    conditions: String,
}

fn review_page(
    s: &AppState,
    v: &Signed,
    id: uuid::Uuid,
    errors: Vec<FieldMessage>,
    typed: Vec<(String, String)>,
) -> Response {
    let r = match s.app.review(&v.actor, id) {
        Ok(r) => r,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let get = |k: &str| typed.iter().find(|(n, _)| n == k).map(|(_, x)| x.clone()).unwrap_or_default();
    let chosen = if typed.is_empty() {
        r.proposed.map(|p| p.as_str().to_string()).unwrap_or_default()
    } else {
        get("outcome")
    };
    let outcomes = ReviewOutcomeTag::ALL
        .iter()
        .map(|o| OutcomeChoice {
            value: o.as_str(),
            label: match o {
                ReviewOutcomeTag::Continue => "Continue the licence as it is".into(),
                ReviewOutcomeTag::AddConditions => "Continue with further conditions".into(),
                ReviewOutcomeTag::Suspend => "Suspend the licence (published at once; shipments stop)".into(),
                ReviewOutcomeTag::Revoke => "Revoke the licence (published at once)".into(),
            },
            checked: chosen == o.as_str(),
        })
        .collect();
    let terms = ObligationKind::ALL
        .iter()
        .map(|k| TermChoice {
            kind: k.as_str(),
            label: ObligationTerm { kind: *k, days: None }.wording(),
            checked: typed.iter().any(|(n, x)| n == "obligation" && x == k.as_str()),
        })
        .collect();
    let page = ReviewPage {
        layout: Layout::new(s, format!("Review of licence {}", r.licence_number), Some(v), "/work"),
        errors,
        id: r.id.to_string(),
        case_id: r.case.to_string(),
        licence: r.licence_number.clone(),
        trigger: capitalise(&r.trigger.label()),
        evidence: r.evidence.clone(),
        opened: format!(
            "{}{}",
            date_time(r.opened_at),
            if r.opened_by.is_none() { " by the platform" } else { "" }
        ),
        state: review_state(&r),
        decision: r
            .decision
            .as_ref()
            .map(|d| format!("{} on {}: {}", label(&d.outcome), date(d.at), d.reason)),
        can_decide: r.is_open() && v.is_authority() && v.has(Role::Approver),
        outcomes,
        terms,
        reason: get("reason"),
        conditions: get("conditions"),
    };
    render(StatusCode::OK, &page)
}

/// `GET /reviews/{id}`.
pub async fn review(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else { return app_error(&s, AppError::NotFound, Some(&v)) };
    review_page(&s, &v, id, vec![], vec![])
}

/// `POST /reviews/{id}/decision`: `outcome`, `reason`, and for added conditions `conditions` (one
/// per line) and `obligation` (repeated; each kind's default period).
pub async fn decide_review(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = id.parse::<uuid::Uuid>() else { return app_error(&s, AppError::NotFound, Some(&v)) };
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, x)| x.clone()).unwrap_or_default();
    let Ok(outcome) = get("outcome").parse::<ReviewOutcomeTag>() else {
        let errors =
            vec![FieldMessage { field: "outcome", message: "Choose the outcome of the review".into() }];
        return review_page(&s, &v, id, errors, form);
    };
    let obligations = form
        .iter()
        .filter(|(n, _)| n == "obligation")
        .filter_map(|(_, x)| x.parse::<ObligationKind>().ok())
        .map(|kind| ObligationTerm { kind, days: kind.default_days() })
        .collect();
    let conditions =
        get("conditions").lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    let req = ReviewDecisionRequest { outcome, reason: get("reason"), conditions, obligations };
    match s.app.decide_review(&v.actor, id, req).await {
        Ok(r) => Redirect::to(&format!("/applications/{}/licence#reviews", r.case)).into_response(),
        Err(AppError::Invalid(f)) => {
            let field = if f.field.starts_with("condition") || f.field.starts_with("obligation") {
                "conditions"
            } else {
                "reason"
            };
            review_page(&s, &v, id, vec![refused_field(&f, field)], form)
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}
