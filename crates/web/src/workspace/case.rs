//! `/applications/{id}`: a case as the viewer may see it — summary, items, parties, documents,
//! screening alerts with the scorer's explanation, the risk assessment, and the history as a
//! timeline — with the actions the viewer's role allows as forms.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::{
    AppError, ApplicationView, HistoryEntry,
    assessment::{CaseAssessments, risk::Hria},
};
use oversight_domain::compliance::{ObligationKind, ObligationTerm};
use oversight_domain::{
    ApplicationId, ApplicationStatus, Command, Role,
    application::Outcome,
    screening::{Alert, Verdict},
};
use serde::Deserialize;
use serde_json::Value;

use super::{
    display::{capitalise, code, date, date_time, humanise, iso, label, thousands, working_days},
    page::{CsrfBytes, CsrfForm, Layout, Signed, SignedIn, app_error, render},
    session::FieldMessage,
};
use crate::AppState;

fn parse_id(s: &str) -> Option<ApplicationId> {
    s.parse::<uuid::Uuid>().ok().map(ApplicationId)
}

struct ItemRow {
    code: String,
    entry_title: String,
    tier: String,
    description: String,
    quantity: u32,
    value: String,
}

struct PartyRow {
    role: String,
    name: String,
    address: String,
    country: String,
    sector: String,
}

struct DocRow {
    href: String,
    filename: String,
    kind: String,
    size: String,
    uploaded: String,
}

struct TokenRow {
    query: String,
    listed: String,
    how: String,
    similarity: String,
}

struct AlertView {
    id: String,
    party: String,
    party_country: String,
    entry: String,
    list: String,
    source_id: String,
    score: String,
    matched_name: String,
    tokens: Vec<TokenRow>,
    adjustments: Vec<String>,
    finding: Option<String>,
    open: bool,
}

struct FactorBar {
    name: String,
    contribution: String,
    width: u32,
    no_data: bool,
}

struct AssessmentView {
    /// The latest assessment beside the one before: (what, before, after, changed).
    difference: Vec<(String, String, String, bool)>,
    score: String,
    band: String,
    recommended: String,
    rationale: String,
    factors: Vec<FactorBar>,
    red_flags: Vec<String>,
    cleared: Option<String>,
    hria: String,
    blockers: Vec<String>,
    recorded: String,
    uncleared: Vec<String>,
}

struct Moment {
    what: String,
    who: String,
    when: String,
    when_iso: String,
    why: Option<String>,
}

/// What a person typed into the recommendation or decision form, shown again with the errors
/// when the form is refused (nothing typed is lost).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reasoning: String,
    #[serde(default)]
    conditions: String,
    /// Criteria 1–8, one field per ticked box (`criteria=2&criteria=7`), gathered by [`criteria_of`].
    #[serde(default)]
    public_rationale: String,
    #[serde(default)]
    internal_note: String,
    #[serde(default)]
    departure_justification: String,
}

/// What a person typed into a refused form, shown again with its errors.
#[derive(Debug, Default)]
struct Typed {
    decision: DecisionForm,
    /// The ticked criteria of a refused decision.
    ticked: Vec<u8>,
    /// The obligations ticked on a refused decision.
    obligations: Vec<ObligationKind>,
    /// The sections of a refused HRIA.
    hria: Option<Hria>,
    /// A refused query or answer.
    query: QueryForm,
}

/// One section of the HRIA form: the policy's sections, in their order.
struct HriaField {
    key: String,
    title: &'static str,
    text: String,
}

/// A query to the exporter as the case page shows it.
struct QueryView {
    id: String,
    question: String,
    asked: String,
    due: String,
    /// "Open", "Overdue" or "Answered on …".
    state: String,
    overdue: bool,
    answer: Option<String>,
}

/// What was typed into the query form (raise or answer), kept when refused.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct QueryForm {
    #[serde(default)]
    question: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    answer: String,
}

/// Whether the viewer may decide, and if not, why (four-eyes shown, not hidden).
enum DecideState {
    NotPending,
    MayDecide,
    Recommender,
    NotApprover,
}

struct Criterion {
    number: u8,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    id: String,
    title: String,
    status: String,
    organisation: String,
    destination: String,
    end_use: String,
    submitted: String,
    clock: Option<String>,
    clock_band: &'static str,
    /// Each time the clock stood still, in words.
    clock_stops: Vec<String>,
    /// The informed notices that cover the case.
    notices: Vec<String>,
    /// The exporter may appeal something on the case (a refusal, a licence action, a condition).
    can_appeal: bool,
    officer: String,
    consultation: Option<String>,
    /// Why the case went to senior review (approvals take a second approver).
    senior_review: Option<String>,
    items: Vec<ItemRow>,
    parties: Vec<PartyRow>,
    documents: Vec<DocRow>,
    authority: bool,
    /// Whether the viewer's role may read the case's screening and assessment records.
    case_records: bool,
    can_assign: bool,
    can_adjudicate: bool,
    alerts: Vec<AlertView>,
    assessment: Option<AssessmentView>,
    history: Vec<Moment>,
    decision: Option<String>,
    licence: Option<String>,
    can_recommend: bool,
    recommendation: Option<String>,
    decide: DecideState,
    can_assess: bool,
    can_clear: bool,
    draft: DecisionForm,
    criteria: Vec<Criterion>,
    /// The obligations a conditional approval may impose: (kind, wording, ticked).
    obligation_terms: Vec<(&'static str, String, bool)>,
    /// The assessor's form: the latest HRIA's sections (or what was typed), when they may record one.
    can_record_hria: bool,
    hria_fields: Vec<HriaField>,
    /// The latest HRIA recorded, section by section, and who recorded it.
    hria_recorded: Option<String>,
    hria_sections: Vec<HriaField>,
    /// The conditions of the decision (and so of the licence).
    conditions: Vec<String>,
    /// Actions after submission the viewer is offered (each behind a confirmation page).
    actions: Vec<super::actions::ActionLink>,
    queries: Vec<QueryView>,
    /// A licensing officer may send a query (case submitted and open).
    can_query: bool,
    /// The exporter answers its open queries.
    can_answer: bool,
    query_form: QueryForm,
    /// The exporter (its own open case) or a licensing officer may attach a document.
    can_upload: bool,
    document_kinds: Vec<(String, String)>,
}

/// The criteria of Council Common Position 2008/944/CFSP, as a decision relies on them.
const CRITERIA: [&str; 8] = [
    "1. International obligations and sanctions",
    "2. Human rights and international humanitarian law",
    "3. Internal situation in the country of final destination",
    "4. Regional peace, security and stability",
    "5. National security of member states and allies",
    "6. Behaviour towards terrorism and international law",
    "7. Risk of diversion or re-export",
    "8. Technical and economic capacity of the recipient country",
];

/// The ticked criteria of a submitted form (`criteria` may repeat).
fn criteria_of(body: &[u8]) -> Result<Vec<u8>, String> {
    form_urlencoded::parse(body)
        .filter(|(k, _)| k == "criteria")
        .map(|(_, v)| match v.parse::<u8>() {
            Ok(n) if (1..=8).contains(&n) => Ok(n),
            _ => Err(format!("Criteria: “{v}” is not one of 1 to 8")),
        })
        .collect()
}

fn outcome_of(s: &str) -> Option<Outcome> {
    match s {
        "approve" => Some(Outcome::Approve),
        "approve_with_conditions" => Some(Outcome::ApproveWithConditions),
        "deny" => Some(Outcome::Deny),
        _ => None,
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn alert_view(a: &Alert) -> AlertView {
    let e = &a.explanation;
    let tokens = e["alignment"]
        .as_array()
        .map(|pairs| {
            pairs
                .iter()
                .map(|p| TokenRow {
                    query: text(&p["query"]),
                    listed: text(&p["listed"]),
                    how: text(&p["how"]),
                    similarity: format!("{:.2}", p["similarity"].as_f64().unwrap_or_default()),
                })
                .collect()
        })
        .unwrap_or_default();
    let adjustments = e["adjustments"]
        .as_array()
        .map(|xs| {
            xs.iter()
                .map(|x| format!("{} ({:+.2})", text(&x["reason"]), x["delta"].as_f64().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    AlertView {
        id: a.id.to_string(),
        party: a.party_name.clone(),
        party_country: a.party_country.clone(),
        entry: a.entry_name.clone(),
        list: a.list.clone(),
        source_id: a.source_id.clone(),
        score: format!("{:.2}", a.score),
        matched_name: text(&e["matched_name"]),
        tokens,
        adjustments,
        finding: a.adjudication.as_ref().map(|j| {
            let verdict = match j.verdict {
                Verdict::TrueMatch => "True match",
                Verdict::FalseMatch => "False match",
            };
            format!("{verdict}: {}", j.reason)
        }),
        open: a.adjudication.is_none(),
    }
}

fn assessment_view(c: &CaseAssessments) -> Option<AssessmentView> {
    let latest = c.latest.as_ref()?;
    let a = &latest.assessment;
    let max = a.factors.iter().map(|f| f.contribution).fold(0.0_f64, f64::max).max(1.0);
    Some(AssessmentView {
        difference: c
            .difference
            .iter()
            .map(|d| (d.what.clone(), d.before.clone(), d.after.clone(), d.changed))
            .collect(),
        score: a.country_score.map_or("no data".into(), |s| format!("{s:.0} of 100")),
        band: a.adjusted_band.as_ref().map(label).unwrap_or_else(|| "none".into()),
        recommended: label(&a.recommended_outcome),
        rationale: a.rationale.clone(),
        factors: a
            .factors
            .iter()
            .map(|f| FactorBar {
                name: f.name.clone(),
                contribution: format!("{:.1}", f.contribution),
                width: ((f.contribution / max) * 200.0).round().clamp(0.0, 200.0) as u32,
                no_data: f.score.is_none(),
            })
            .collect(),
        red_flags: a.red_flags.iter().map(|f| f.summary.clone()).collect(),
        cleared: latest.red_flags_cleared.as_ref().map(|cl| {
            format!(
                "Cleared by {} on {}: {}",
                cl.cleared_by_name.clone().unwrap_or_default(),
                date(cl.cleared_at),
                cl.reason
            )
        }),
        hria: match (c.hria_required, &c.hria) {
            (_, Some(h)) => format!("Recorded on {}", date(h.recorded_at)),
            (Some(true), None) => "Required, not yet recorded".into(),
            _ => "Not required".into(),
        },
        blockers: c.decision_blockers.clone(),
        uncleared: c.uncleared_red_flags.clone(),
        recorded: format!(
            "{} by {}",
            date_time(latest.recorded_at),
            latest.recorded_by_name.clone().unwrap_or_else(|| "the system".into())
        ),
    })
}

/// The words of an event that say why: a reason, note or rationale, whichever it carries.
fn why(event: &Value) -> Option<String> {
    ["reason", "reasoning", "public_rationale", "note", "partner"]
        .iter()
        .find_map(|k| event[*k].as_str().filter(|s| !s.trim().is_empty()).map(str::to_string))
}

fn moment(h: &HistoryEntry) -> Moment {
    Moment {
        what: humanise(&h.kind),
        who: h.actor_name.clone().unwrap_or_else(|| "The system".into()),
        when: date_time(h.at),
        when_iso: iso(h.at),
        why: why(&h.event),
    }
}

pub(crate) async fn case_page_for(
    s: &AppState,
    v: &Signed,
    id: ApplicationId,
    errors: Vec<FieldMessage>,
) -> Response {
    case_page_with(s, v, id, errors, Typed::default()).await
}

async fn case_page_with(
    s: &AppState,
    v: &Signed,
    id: ApplicationId,
    errors: Vec<FieldMessage>,
    typed: Typed,
) -> Response {
    let view: ApplicationView = match s.app.get_application(&v.actor, id) {
        Ok(view) => view,
        Err(e) => return app_error(s, e, Some(v)),
    };
    // An exporter's draft is a task list of what is left to fill in (`draft`).
    if view.application.status == ApplicationStatus::Draft && !v.is_authority() {
        return super::draft::task_list(s, v, &view.application);
    }
    let history = match s.app.history(&v.actor, id).await {
        Ok(h) => h,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let authority = v.is_authority();
    // The screening and assessment records are for the case-working roles: a role without them
    // (an exporter, an enforcement officer) gets no such section, never an empty one; any other
    // failure is the page's error, not "nothing found".
    let alerts = match s.app.alerts(&v.actor, id) {
        Ok(alerts) => Some(alerts),
        Err(AppError::Forbidden(_)) => None,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let assessments = match s.app.case_assessments(&v.actor, id).await {
        Ok(c) => Some(c),
        Err(AppError::Forbidden(_)) => None,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let assessment = assessments.as_ref().map(assessment_view);
    let latest_hria = assessments.as_ref().and_then(|c| c.hria.as_ref());
    let hria_fields = |h: Option<&Hria>| -> Vec<HriaField> {
        let h = h.cloned().unwrap_or_default();
        h.sections()
            .into_iter()
            .map(|(section, text)| HriaField {
                key: code(&section),
                title: section.title(),
                text: text.to_string(),
            })
            .collect()
    };
    let case_records = alerts.is_some() && assessment.is_some();
    let a = &view.application;
    let list = s.app.control_list();
    let targets = s.app.clock_targets();
    let band = view.working_days_elapsed.map(|d| targets.band(d));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let title = if errors.is_empty() { a.title.clone() } else { format!("Error: {}", a.title) };
    render(
        status,
        &CasePage {
            layout: Layout::new(s, title, Some(v), ""),
            errors,
            id: a.id.to_string(),
            title: a.title.clone(),
            status: humanise(a.status.as_str()),
            organisation: view.organisation_name.clone(),
            destination: format!("{} ({})", a.destination.name(), a.destination.alpha2()),
            end_use: a.end_use.clone(),
            submitted: a.submitted_at.map(date).unwrap_or_else(|| "Not yet submitted".into()),
            clock: view
                .working_days_elapsed
                .filter(|_| a.status.is_open())
                .map(|d| format!("{} of {}", working_days(i64::from(d)), targets.target)),
            clock_band: band.map_or("not_due", |b| b.as_str()),
            can_appeal: !authority
                && (a.status == ApplicationStatus::Denied
                    || a.licence.as_ref().is_some_and(|l| {
                        matches!(
                            l.status,
                            oversight_domain::LicenceStatus::Suspended
                                | oversight_domain::LicenceStatus::Revoked
                        ) || !l.conditions.is_empty()
                    })),
            notices: s
                .app
                .notices_covering(a)
                .iter()
                .map(|n| format!("Informed notice of {}: {} — {}", date(n.issued_at), n.item, n.reason))
                .collect(),
            clock_stops: a
                .clock_stops()
                .iter()
                .map(|st| {
                    let why = match st.reason {
                        oversight_domain::application::StopReason::Query => {
                            "a query to the exporter was open"
                        }
                        oversight_domain::application::StopReason::ExporterHold => {
                            "on hold for the exporter's reasons"
                        }
                    };
                    match st.until {
                        Some(u) => format!("{} to {}: {why}", date(st.from), date(u)),
                        None => format!("Since {}: {why} (the clock is stopped)", date(st.from)),
                    }
                })
                .collect(),
            officer: s.app.user_name(a.assigned_officer).unwrap_or_else(|| "Not assigned".into()),
            consultation: a.consultation_with.clone(),
            items: a
                .items
                .iter()
                .map(|i| {
                    let entry = list.get(&i.control_code);
                    ItemRow {
                        code: i.control_code.clone(),
                        entry_title: entry
                            .map(|e| e.title.clone())
                            .unwrap_or_else(|| "Not on the control list".into()),
                        tier: entry.map(|e| format!("Tier {}", label(&e.tier))).unwrap_or_default(),
                        description: i.description.clone(),
                        quantity: i.quantity,
                        value: format!("{} EUR", thousands(i.value_eur)),
                    }
                })
                .collect(),
            parties: a
                .parties
                .iter()
                .map(|p| PartyRow {
                    role: label(&p.role),
                    name: p.name.clone(),
                    address: p.address.clone(),
                    country: p.country.name().to_string(),
                    sector: humanise(p.sector.as_str()),
                })
                .collect(),
            documents: a
                .documents
                .iter()
                .map(|d| DocRow {
                    href: format!("/api/applications/{}/documents/{}", a.id, d.id),
                    filename: d.filename.clone(),
                    kind: label(&d.kind),
                    size: format!("{:.1} KB", d.size as f64 / 1024.0),
                    uploaded: date(d.uploaded_at),
                })
                .collect(),
            authority,
            can_assign: authority
                && v.has(Role::LicensingOfficer)
                && a.status == ApplicationStatus::Submitted
                && a.assigned_officer.is_none(),
            can_adjudicate: authority && v.has(Role::LicensingOfficer),
            alerts: alerts
                .unwrap_or_default()
                .iter()
                .map(|x| {
                    let mut view = alert_view(x);
                    // The applicant itself is screened against the authority's debarments.
                    if x.party_id.0 == a.org.0 {
                        view.party = format!("{} (the applicant)", view.party);
                    }
                    view
                })
                .collect(),
            senior_review: a.senior_review.clone(),
            assessment: assessment.flatten(),
            case_records,
            history: history.iter().rev().map(moment).collect(),
            decision: a
                .decision
                .as_ref()
                .map(|d| format!("{} on {}. {}", label(&d.outcome), date(d.at), d.public_rationale)),
            licence: a
                .licence
                .as_ref()
                .map(|l| format!("{} ({}), valid until {}", l.number, label(&l.status), date(l.expires_at))),
            can_recommend: authority
                && v.has(Role::LicensingOfficer)
                && matches!(a.status, ApplicationStatus::UnderReview | ApplicationStatus::Consultation),
            recommendation: a.recommendation.as_ref().map(|r| {
                let by = s.app.user_name(Some(r.by)).unwrap_or_default();
                format!("{} by {by} on {}: {}", label(&r.outcome), date(r.at), r.reasoning)
            }),
            decide: match (&a.status, &a.recommendation) {
                (ApplicationStatus::PendingDecision, Some(r)) if r.by == v.actor.user => {
                    DecideState::Recommender
                }
                (ApplicationStatus::PendingDecision, _) if authority && v.has(Role::Approver) => {
                    DecideState::MayDecide
                }
                (ApplicationStatus::PendingDecision, _) if authority => DecideState::NotApprover,
                _ => DecideState::NotPending,
            },
            can_assess: authority
                && (v.has(Role::LicensingOfficer) || v.has(Role::HumanRightsAssessor))
                && ((a.status.is_open() && a.submitted_at.is_some())
                    || a.licence.as_ref().is_some_and(|l| oversight_domain::review::is_live(l.status))),
            can_clear: authority && v.has(Role::Approver),
            obligation_terms: ObligationKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.as_str(),
                        ObligationTerm { kind: *k, days: None }.wording(),
                        typed.obligations.contains(k),
                    )
                })
                .collect(),
            criteria: CRITERIA
                .iter()
                .zip(1u8..)
                .map(|(label, number)| Criterion { number, label, checked: typed.ticked.contains(&number) })
                .collect(),
            draft: typed.decision,
            can_record_hria: authority
                && v.has(Role::HumanRightsAssessor)
                && a.status.is_open()
                && a.submitted_at.is_some(),
            hria_fields: hria_fields(typed.hria.as_ref().or(latest_hria.map(|h| &h.hria))),
            hria_recorded: latest_hria.map(|h| {
                format!(
                    "Recorded by {} on {}",
                    h.recorded_by_name.clone().unwrap_or_else(|| "an assessor".into()),
                    date_time(h.recorded_at)
                )
            }),
            hria_sections: latest_hria.map(|h| hria_fields(Some(&h.hria))).unwrap_or_default(),
            conditions: a.decision.as_ref().map(|d| d.conditions.clone()).unwrap_or_default(),
            actions: super::actions::offered(v, a),
            queries: a
                .queries
                .iter()
                .map(|q| {
                    let today = s.app.now().date_naive();
                    QueryView {
                        id: q.id.to_string(),
                        question: q.question.clone(),
                        asked: date(q.asked_at),
                        due: q.due.format("%-d %B %Y").to_string(),
                        state: match q.answered_at {
                            Some(at) => format!("Answered on {}", date(at)),
                            None if q.is_overdue(today) => "Overdue".into(),
                            None => "Open".into(),
                        },
                        overdue: q.is_overdue(today),
                        answer: q.answer.clone(),
                    }
                })
                .collect(),
            can_query: authority
                && v.has(Role::LicensingOfficer)
                && a.status.is_open()
                && a.submitted_at.is_some(),
            can_answer: v.actor.org_kind == oversight_domain::OrgKind::Exporter,
            query_form: typed.query,
            can_upload: a.status.is_open()
                && (v.actor.org_kind == oversight_domain::OrgKind::Exporter
                    || (authority && v.has(Role::LicensingOfficer))),
            document_kinds: [
                oversight_domain::application::DocumentKind::EndUseUndertaking,
                oversight_domain::application::DocumentKind::TechnicalSpecification,
                oversight_domain::application::DocumentKind::Contract,
                oversight_domain::application::DocumentKind::Correspondence,
                oversight_domain::application::DocumentKind::Other,
            ]
            .iter()
            .map(|k| (code(k), label(k)))
            .collect(),
        },
    )
}

/// `GET /applications/{id}`.
pub async fn case_page(State(s): State<AppState>, SignedIn(v): SignedIn, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    case_page_for(&s, &v, id, Vec::new()).await
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {}

/// `POST /applications/{id}/assign`: the officer takes the case.
pub async fn assign_to_me(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, _): CsrfForm<AssignForm>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    match s.app.assign(&v.actor, id, v.actor.user).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}")).into_response(),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, Deserialize)]
pub struct AdjudicateForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
}

/// `POST /applications/{id}/alerts/{alert}`: an officer's finding on a screening alert.
pub async fn adjudicate(
    State(s): State<AppState>,
    Path((id, alert)): Path<(String, String)>,
    CsrfForm(v, form): CsrfForm<AdjudicateForm>,
) -> Response {
    let (Some(id), Ok(alert)) = (parse_id(&id), alert.parse::<uuid::Uuid>()) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    let verdict = match form.verdict.as_str() {
        "true_match" => Verdict::TrueMatch,
        "false_match" => Verdict::FalseMatch,
        _ => {
            let errors =
                vec![FieldMessage { field: "alerts", message: "Choose true match or false match".into() }];
            return case_page_for(&s, &v, id, errors).await;
        }
    };
    if form.reason.trim().is_empty() {
        let errors =
            vec![FieldMessage { field: "alerts", message: "Give the reason for your finding".into() }];
        return case_page_for(&s, &v, id, errors).await;
    }
    match s.app.adjudicate_alert(&v.actor, id, alert, verdict, form.reason.trim()).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}#screening")).into_response(),
        Err(oversight_app::AppError::Invalid(f)) => {
            case_page_for(&s, &v, id, vec![FieldMessage { field: "alerts", message: f.message }]).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// `POST /applications/{id}/recommendation`: the case officer's recommendation.
pub async fn recommend(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<DecisionForm>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    let Some(outcome) = outcome_of(&form.outcome) else {
        let errors =
            vec![FieldMessage { field: "recommend", message: "Choose the outcome you recommend".into() }];
        return case_page_with(&s, &v, id, errors, Typed { decision: form, ..Typed::default() }).await;
    };
    let cmd = Command::Recommend {
        outcome,
        reasoning: form.reasoning.trim().to_string(),
        conditions: lines(&form.conditions),
    };
    match s.app.execute(&v.actor, id, cmd).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}#summary")).into_response(),
        Err(oversight_app::AppError::Invalid(f)) => {
            let errors = vec![FieldMessage {
                field: "recommend",
                message: format!("{}: {}", humanise(&f.field), f.message),
            }];
            case_page_with(&s, &v, id, errors, Typed { decision: form, ..Typed::default() }).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// `POST /applications/{id}/decision`: the approver's decision (never the recommending officer's).
pub async fn decide(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfBytes(v, body): CsrfBytes,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    let form: DecisionForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let (criteria, mut errors) = match criteria_of(&body) {
        Ok(c) => (c, Vec::new()),
        Err(m) => (Vec::new(), vec![FieldMessage { field: "decide", message: m }]),
    };
    let outcome = outcome_of(&form.outcome);
    if outcome.is_none() {
        errors.push(FieldMessage { field: "decide", message: "Choose the outcome of your decision".into() });
    }
    // Ticked obligations (`obligation` may repeat), each with its kind's default period.
    let ticked: Vec<ObligationKind> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k == "obligation")
        .filter_map(|(_, x)| x.parse().ok())
        .collect();
    let terms: Vec<ObligationTerm> =
        ticked.iter().map(|k| ObligationTerm { kind: *k, days: k.default_days() }).collect();
    let Some(outcome) = outcome.filter(|_| errors.is_empty()) else {
        return case_page_with(
            &s,
            &v,
            id,
            errors,
            Typed { decision: form, ticked: criteria, obligations: ticked, ..Typed::default() },
        )
        .await;
    };
    let result = s
        .app
        .decide_case(
            &v.actor,
            id,
            outcome,
            criteria.clone(),
            form.public_rationale.trim().to_string(),
            form.internal_note.trim().to_string(),
            lines(&form.conditions),
            form.departure_justification.trim().to_string(),
            terms,
        )
        .await;
    match result {
        Ok(_) => Redirect::to(&format!("/applications/{id}#summary")).into_response(),
        Err(oversight_app::AppError::Invalid(f)) => {
            let errors = vec![FieldMessage {
                field: "decide",
                message: format!("{}: {}", humanise(&f.field), f.message),
            }];
            case_page_with(
                &s,
                &v,
                id,
                errors,
                Typed { decision: form, ticked: criteria, obligations: ticked, ..Typed::default() },
            )
            .await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, Deserialize)]
pub struct AssessForm {}

/// `POST /applications/{id}/assessment`: runs the risk assessment and records it.
pub async fn assess(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, _): CsrfForm<AssessForm>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    match s.app.record_assessment(&v.actor, id).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}#assessment")).into_response(),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

#[derive(Debug, Deserialize)]
pub struct ClearForm {
    #[serde(default)]
    reason: String,
}

/// `POST /applications/{id}/red-flags/clear`: an approver (not the one who recorded the
/// assessment) clears its red flags with a reason.
pub async fn clear_red_flags(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<ClearForm>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    match s.app.clear_red_flags(&v.actor, id, form.reason.trim()).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}#assessment")).into_response(),
        Err(oversight_app::AppError::Invalid(f)) => {
            let errors = vec![FieldMessage {
                field: "clear",
                message: format!("{}: {}", humanise(&f.field), f.message),
            }];
            case_page_for(&s, &v, id, errors).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// `POST /applications/{id}/hria`: the assessor records the human-rights impact assessment, every
/// section filled in (the core says which are empty; what was typed is kept).
pub async fn record_hria(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, hria): CsrfForm<Hria>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    match s.app.record_hria(&v.actor, id, hria.clone()).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}#hria")).into_response(),
        Err(oversight_app::AppError::Invalid(f)) => {
            let errors = vec![FieldMessage { field: "hria", message: capitalise(&f.message) }];
            case_page_with(&s, &v, id, errors, Typed { hria: Some(hria), ..Typed::default() }).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// `POST /applications/{id}/queries`: a licensing officer sends the exporter a query.
pub async fn raise_query(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(v, form): CsrfForm<QueryForm>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    let refused = |message: String, form: QueryForm| {
        let s = s.clone();
        let v = v.clone();
        async move {
            let errors = vec![FieldMessage { field: "query", message }];
            case_page_with(&s, &v, id, errors, Typed { query: form, ..Typed::default() }).await
        }
    };
    let Ok(due) = chrono::NaiveDate::parse_from_str(form.due.trim(), "%Y-%m-%d") else {
        return refused("Enter the date to answer by, like 2026-12-24".into(), form).await;
    };
    let cmd = Command::RaiseQuery { id: s.app.new_id(), question: form.question.trim().to_string(), due };
    match s.app.execute(&v.actor, id, cmd).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}#queries")).into_response(),
        Err(oversight_app::AppError::Invalid(f)) => refused(capitalise(&f.message), form).await,
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// `POST /applications/{id}/queries/{query}/answer` (`multipart/form-data`: `csrf_token`,
/// `answer`, optional `file`): the exporter answers, with a document when it has one.
pub async fn answer_query(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Path((id, query)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Response {
    let multipart = match super::page::read_multipart(req, &s, Some(&v)).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = super::page::check_csrf_token(&s, &v, &multipart.get("csrf_token")) {
        return *r;
    }
    let form = QueryForm { answer: multipart.get("answer"), ..QueryForm::default() };
    let file = multipart.file;
    let (Some(id), Ok(query)) = (parse_id(&id), query.parse::<uuid::Uuid>()) else {
        return app_error(&s, oversight_app::AppError::NotFound, Some(&v));
    };
    let document = file.as_ref().map(|(n, b)| (n.as_str(), b.as_slice()));
    match s.app.answer_query(&v.actor, id, query, form.answer.trim(), document).await {
        Ok(_) => Redirect::to(&format!("/applications/{id}#queries")).into_response(),
        Err(oversight_app::AppError::Invalid(f)) => {
            let errors = vec![FieldMessage { field: "query", message: capitalise(&f.message) }];
            case_page_with(&s, &v, id, errors, Typed { query: form, ..Typed::default() }).await
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}
