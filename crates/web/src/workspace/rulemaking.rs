//! `/consultations` (anyone: the rules in force, the proposed changes with their difference, the
//! published comments, the authority's response, and a comment form while the period is open) and
//! `/rule-making` (approvers propose, respond and adopt or withdraw; administrators moderate).
//! Each form calls the same `App` use case as the API. The public comment form carries no CSRF
//! token: it needs no session and grants nothing (the hourly limit per address guards it).

use askama::Template;
use axum::{
    Extension,
    extract::{ConnectInfo, Path, Query, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use oversight_app::{
    AppError,
    rulemaking::{CommentRequest, ProposalRequest},
};
use oversight_domain::{
    Role,
    rulemaking::{
        LineChange, MODERATOR_ROLES, ModerationDecision, PROPOSER_ROLES, Proposal, ProposalStatus,
        PublicProposal, RuleKind,
    },
};

use super::{
    display::{capitalise, date, date_time},
    page::{CsrfForm, Layout, Signed, SignedIn, Viewer, app_error, read_multipart, render},
    session::FieldMessage,
};
use crate::AppState;

/// One line of a difference as a page shows it.
struct Line {
    class: &'static str,
    old: String,
    new: String,
    text: String,
}

fn hunks(p: &PublicProposal) -> Vec<Vec<Line>> {
    p.difference
        .iter()
        .map(|h| {
            h.lines
                .iter()
                .map(|l| {
                    let class = match l.change {
                        LineChange::Unchanged => "same",
                        LineChange::Removed => "removed",
                        LineChange::Added => "added",
                    };
                    Line {
                        class,
                        old: l.old.map(|n| n.to_string()).unwrap_or_default(),
                        new: l.new.map(|n| n.to_string()).unwrap_or_default(),
                        text: l.text.clone(),
                    }
                })
                .collect()
        })
        .collect()
}

fn status_text(p: &PublicProposal, now: chrono::DateTime<chrono::Utc>) -> String {
    match p.status {
        ProposalStatus::Open if now < p.closes_at => {
            format!("Open for comment until {}", date_time(p.closes_at))
        }
        ProposalStatus::Open => {
            format!("Comment period closed on {}; response awaited", date_time(p.closes_at))
        }
        ProposalStatus::Adopted => {
            format!("Adopted on {}", p.responded_at.map(date_time).unwrap_or_default())
        }
        ProposalStatus::Withdrawn => {
            format!("Withdrawn on {}", p.responded_at.map(date_time).unwrap_or_default())
        }
    }
}

struct ListRow {
    reference: String,
    title: String,
    kind: String,
    change: String,
    proposed: String,
    status: String,
    comments: usize,
}

struct InForceRow {
    kind: String,
    version: String,
    sha256: String,
    since: String,
    proposal: Option<String>,
}

#[derive(Template)]
#[template(path = "consultations.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ListRow>,
    in_force: Vec<InForceRow>,
}

/// `GET /consultations`.
pub async fn list(State(s): State<AppState>, Viewer(v): Viewer) -> Response {
    let now = s.app.now();
    let rows = s
        .app
        .proposals()
        .iter()
        .map(|p| ListRow {
            reference: p.reference.clone(),
            title: p.title.clone(),
            kind: capitalise(p.kind.name().trim_start_matches("the ")),
            change: format!("version {} → {}", p.base.version, p.version),
            proposed: date(p.proposed_at),
            status: status_text(p, now),
            comments: p.comments.len(),
        })
        .collect();
    let in_force = s
        .app
        .rules_in_force()
        .into_iter()
        .map(|h| InForceRow {
            kind: capitalise(h.kind.name().trim_start_matches("the ")),
            version: h.in_force.version.clone(),
            sha256: h.in_force.sha256.clone(),
            since: h.in_force.in_force_from.map_or("as shipped".into(), date_time),
            proposal: h.in_force.proposal.clone(),
        })
        .collect();
    render(
        StatusCode::OK,
        &ListPage {
            layout: Layout::new(&s, "Consultations on rules", v.as_ref(), "/consultations"),
            rows,
            in_force,
        },
    )
}

#[derive(Default)]
struct Typed {
    text: String,
    name: String,
    contact: String,
}

#[derive(Template)]
#[template(path = "consultation.html")]
struct ProposalPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    typed: Typed,
    p: PublicProposal,
    kind: String,
    status: String,
    open: bool,
    proposed: String,
    closes: String,
    hunks: Vec<Vec<Line>>,
    comments: Vec<(u32, String, String, String, Vec<String>)>,
    rejected: Vec<(u32, String, String)>,
    received: Option<u32>,
    responded: Option<String>,
}

fn proposal_page(
    s: &AppState,
    v: Option<&Signed>,
    reference: &str,
    errors: Vec<FieldMessage>,
    typed: Typed,
    received: Option<u32>,
) -> Response {
    let p = match s.app.proposal(reference) {
        Ok(p) => p,
        Err(e) => return app_error(s, e, v),
    };
    let now = s.app.now();
    let status = match errors.first().map(|e| e.field) {
        None => StatusCode::OK,
        Some("throttled") => StatusCode::TOO_MANY_REQUESTS,
        Some("closed") => StatusCode::CONFLICT,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    render(
        status,
        &ProposalPage {
            layout: Layout::new(s, format!("{}: {}", p.reference, p.title), v, "/consultations"),
            errors,
            typed,
            kind: capitalise(p.kind.name().trim_start_matches("the ")),
            status: status_text(&p, now),
            open: p.status == ProposalStatus::Open && now < p.closes_at,
            proposed: date_time(p.proposed_at),
            closes: date_time(p.closes_at),
            hunks: hunks(&p),
            comments: p
                .comments
                .iter()
                .map(|c| {
                    (
                        c.number,
                        c.name.clone().unwrap_or_else(|| "Anonymous".into()),
                        date(c.received_at),
                        c.text.clone(),
                        c.evidence.clone(),
                    )
                })
                .collect(),
            rejected: p
                .rejected_comments
                .iter()
                .map(|c| (c.number, date(c.received_at), c.reason.clone()))
                .collect(),
            received,
            responded: p.responded_at.map(date_time),
            p,
        },
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct Received {
    #[serde(default)]
    received: Option<u32>,
}

/// `GET /consultations/{reference}`.
pub async fn show(
    State(s): State<AppState>,
    Viewer(v): Viewer,
    Path(reference): Path<String>,
    Query(q): Query<Received>,
) -> Response {
    proposal_page(&s, v.as_ref(), &reference, vec![], Typed::default(), q.received)
}

/// `POST /consultations/{reference}` (`multipart/form-data`: `text`, `name`, `contact`, optional `file`).
pub async fn comment(
    State(s): State<AppState>,
    Viewer(v): Viewer,
    Path(reference): Path<String>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    req: Request,
) -> Response {
    let form = match read_multipart(req, &s, v.as_ref()).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let typed = Typed { text: form.get("text"), name: form.get("name"), contact: form.get("contact") };
    let req = CommentRequest {
        text: typed.text.clone(),
        name: Some(typed.name.clone()),
        contact: Some(typed.contact.clone()),
    };
    let client = crate::routes::session::client_address(peer);
    let fail = |field: &'static str, message: String, typed: Typed| {
        proposal_page(&s, v.as_ref(), &reference, vec![FieldMessage { field, message }], typed, None)
    };
    match s.app.comment_on_rule(&client, &reference, req, form.file.into_iter().collect()).await {
        Ok(r) => Redirect::to(&format!("/consultations/{}?received={}#received", r.proposal, r.number))
            .into_response(),
        Err(AppError::Invalid(f)) => {
            let field = match f.field.as_str() {
                "text" => "text",
                "name" => "name",
                "contact" => "contact",
                _ => "file",
            };
            let message = format!("{}: {}", capitalise(&f.field.replace('_', " ")), f.message);
            fail(field, message, typed)
        }
        Err(AppError::Conflict(why)) => fail("closed", capitalise(&why), typed),
        Err(AppError::Throttled(secs)) => fail(
            "throttled",
            format!(
                "Too many comments from your address in the last hour: try again in {} minutes",
                secs.div_ceil(60)
            ),
            typed,
        ),
        Err(e) => app_error(&s, e, v.as_ref()),
    }
}

// ----- the authority's side ------------------------------------------------------------------

struct HeldComment {
    number: u32,
    text: String,
    name: Option<String>,
    contact: Option<String>,
    received: String,
    evidence: usize,
}

struct AuthorityRow {
    reference: String,
    title: String,
    kind: String,
    status: String,
    held: Vec<HeldComment>,
    moderated: usize,
    can_adopt: bool,
    can_withdraw: bool,
    period_over: bool,
}

#[derive(Template)]
#[template(path = "rule_making.html")]
struct AuthorityPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    rows: Vec<AuthorityRow>,
    proposer: bool,
    moderator: bool,
    kinds: Vec<(&'static str, String)>,
}

fn authority_page(s: &AppState, v: &Signed, errors: Vec<FieldMessage>) -> Response {
    let list = match s.app.proposals_for_authority(&v.actor) {
        Ok(l) => l,
        Err(e) => return app_error(s, e, Some(v)),
    };
    let now = s.app.now();
    let proposer = PROPOSER_ROLES.iter().any(|r| v.has(*r));
    let moderator = MODERATOR_ROLES.iter().any(|r| v.has(*r));
    let row = |p: &Proposal| {
        let public = p.public();
        AuthorityRow {
            reference: p.reference.clone(),
            title: p.title.clone(),
            kind: capitalise(p.kind.name().trim_start_matches("the ")),
            status: status_text(&public, now),
            held: p
                .comments
                .iter()
                .filter(|c| c.moderation.is_none())
                .map(|c| HeldComment {
                    number: c.number,
                    text: c.text.clone(),
                    name: c.name.clone(),
                    contact: c.contact.clone(),
                    received: date_time(c.received_at),
                    evidence: c.evidence.len(),
                })
                .collect(),
            moderated: p.comments.iter().filter(|c| c.moderation.is_some()).count(),
            can_adopt: proposer && p.status == ProposalStatus::Open,
            can_withdraw: proposer && p.status == ProposalStatus::Open,
            period_over: now >= p.closes_at,
        }
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &AuthorityPage {
            layout: Layout::new(s, "Rule-making", Some(v), "/rule-making"),
            errors,
            rows: list.iter().map(row).collect(),
            proposer,
            moderator,
            kinds: RuleKind::ALL
                .iter()
                .map(|k| (k.as_str(), capitalise(k.name().trim_start_matches("the "))))
                .collect(),
        },
    )
}

/// `GET /rule-making`.
pub async fn authority(State(s): State<AppState>, SignedIn(v): SignedIn) -> Response {
    authority_page(&s, &v, vec![])
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ActForm {
    #[serde(default)]
    number: Option<String>,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    response: String,
}

/// `POST /rule-making/{reference}/{what}`: `moderate` (`number`, `decision`, `reason`), `adopt`
/// (`response`) or `withdraw` (`reason`).
pub async fn act(
    State(s): State<AppState>,
    Path((reference, what)): Path<(String, String)>,
    CsrfForm(v, form): CsrfForm<ActForm>,
) -> Response {
    let result = match what.as_str() {
        "moderate" => {
            let number = form.number.as_deref().and_then(|n| n.trim().parse::<u32>().ok());
            match (number, form.decision.parse::<ModerationDecision>()) {
                (None, _) => Err(AppError::invalid("number", "name the comment")),
                (_, Err(_)) => Err(AppError::invalid("decision", "choose publish or reject")),
                (Some(n), Ok(d)) => {
                    let reason = Some(form.reason.clone()).filter(|r| !r.trim().is_empty());
                    s.app.moderate_comment(&v.actor, &reference, n, d, reason).await
                }
            }
        }
        "adopt" => s.app.adopt_rule(&v.actor, &reference, &form.response).await,
        "withdraw" => s.app.withdraw_rule(&v.actor, &reference, &form.reason).await,
        _ => Err(AppError::NotFound),
    };
    match result {
        Ok(_) => Redirect::to("/rule-making").into_response(),
        Err(AppError::Invalid(f)) => authority_page(
            &s,
            &v,
            vec![FieldMessage {
                field: "proposals",
                message: format!("{}: {}: {}", reference, capitalise(&f.field), f.message),
            }],
        ),
        Err(AppError::Conflict(why)) => authority_page(
            &s,
            &v,
            vec![FieldMessage { field: "proposals", message: format!("{reference}: {}", capitalise(&why)) }],
        ),
        Err(e) => app_error(&s, e, Some(&v)),
    }
}

/// A form's address opened as a page: the rule-making page.
pub async fn back(Path(_): Path<(String, String)>) -> Response {
    Redirect::to("/rule-making").into_response()
}

#[derive(Default)]
struct NewTyped {
    kind: String,
    title: String,
    explanation: String,
    content: String,
}

#[derive(Template)]
#[template(path = "rule_new.html")]
struct NewPage {
    layout: Layout,
    errors: Vec<FieldMessage>,
    typed: NewTyped,
    kinds: Vec<(&'static str, String)>,
    version: String,
    period_days: u32,
}

#[derive(Debug, serde::Deserialize)]
pub struct KindQuery {
    #[serde(default)]
    kind: Option<String>,
}

fn new_page(s: &AppState, v: &Signed, errors: Vec<FieldMessage>, typed: NewTyped) -> Response {
    if !v.is_authority() || !PROPOSER_ROLES.iter().any(|r| v.has(*r)) {
        return app_error(
            s,
            AppError::Forbidden(format!(
                "proposing a change of rule requires the role {}",
                Role::Approver.as_str()
            )),
            Some(v),
        );
    }
    let kind = typed.kind.parse::<RuleKind>().unwrap_or(RuleKind::AssessmentPolicy);
    let (version, _) = s.app.rule_in_force(kind);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(
        status,
        &NewPage {
            layout: Layout::new(s, "Propose a change of rule", Some(v), "/rule-making"),
            errors,
            typed,
            kinds: RuleKind::ALL
                .iter()
                .map(|k| (k.as_str(), capitalise(k.name().trim_start_matches("the "))))
                .collect(),
            version: version.version,
            period_days: s.app.comment_period_days(),
        },
    )
}

/// `GET /rule-making/new?kind=…`: the form, with the text of the rule in force to edit.
pub async fn new_form(
    State(s): State<AppState>,
    SignedIn(v): SignedIn,
    Query(q): Query<KindQuery>,
) -> Response {
    let kind =
        q.kind.as_deref().and_then(|k| k.parse::<RuleKind>().ok()).unwrap_or(RuleKind::AssessmentPolicy);
    let (_, text) = s.app.rule_in_force(kind);
    new_page(&s, &v, vec![], NewTyped { kind: kind.as_str().into(), content: text, ..NewTyped::default() })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ProposeForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    content: String,
}

/// `POST /rule-making/new`.
pub async fn propose(State(s): State<AppState>, CsrfForm(v, form): CsrfForm<ProposeForm>) -> Response {
    let typed = NewTyped {
        kind: form.kind.clone(),
        title: form.title.clone(),
        explanation: form.explanation.clone(),
        content: form.content.clone(),
    };
    let Ok(kind) = form.kind.parse::<RuleKind>() else {
        let errors = vec![FieldMessage { field: "kind", message: "Choose the rule to change".into() }];
        return new_page(&s, &v, errors, typed);
    };
    let req =
        ProposalRequest { kind, title: form.title, explanation: form.explanation, content: form.content };
    match s.app.propose_rule(&v.actor, req).await {
        Ok(p) => Redirect::to(&format!("/consultations/{}", p.reference)).into_response(),
        Err(AppError::Invalid(f)) => {
            let field = match f.field.as_str() {
                "title" => "title",
                "explanation" => "explanation",
                _ => "content",
            };
            let errors =
                vec![FieldMessage { field, message: format!("{}: {}", capitalise(&f.field), f.message) }];
            new_page(&s, &v, errors, typed)
        }
        Err(AppError::Conflict(why)) => {
            new_page(&s, &v, vec![FieldMessage { field: "kind", message: capitalise(&why) }], typed)
        }
        Err(e) => app_error(&s, e, Some(&v)),
    }
}
