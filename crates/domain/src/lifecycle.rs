//! The application lifecycle as a pure state machine.
//!
//! ```text
//! draft → submitted → under_review ⇄ consultation
//!                     under_review → pending_decision → approved | approved_with_conditions | denied
//! any open state (not draft) → on_hold → back to where it was
//! any open state → withdrawn (by the exporter)
//! licence: active ⇄ suspended; active | suspended → revoked | surrendered | expired
//! ```
//!
//! Who may do what:
//!
//! | command | role | state |
//! |---|---|---|
//! | create, edit, add/remove item or party, submit | exporter of the owning organisation | draft |
//! | attach document | exporter of the owner, licensing officer | any open state |
//! | withdraw | exporter of the owner | any open state |
//! | assign | licensing officer (assignee must be a licensing officer) | submitted, under_review |
//! | start / end consultation | licensing officer | under_review / consultation |
//! | recommend | the assigned licensing officer | under_review |
//! | decide | approver who did not draft the recommendation (four-eyes) | pending_decision |
//! | concur in a departure towards approval | an approver other than the one who proposed it and the recommending officer | pending_decision, a departure proposed |
//! | put on hold / resume | licensing officer or approver | submitted … pending_decision / on_hold |
//! | suspend, revoke licence | approver or enforcement officer | active (suspend); active, suspended (revoke) |
//! | reinstate licence | approver | suspended |
//! | add conditions (and obligations) to a licence | approver | active, suspended |
//! | apply an appeal decision (the panel's, `crate::appeal`) | review-panel member | the act appealed still stands |
//! | surrender licence | exporter of the owner | active, suspended |
//! | expire licence | licensing officer or administrator, once its expiry date has passed | active, suspended |
//! | release the exporter's statement (to the register) | licensing officer or approver | withdrawn after submission, or licence surrendered; once |

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    FieldError,
    application::{
        Application, ApplicationStatus as S, ClockStop, Decision, Departure, DepartureDirection, Document,
        DocumentKind, ExporterQuery, ExporterStatement, Hold, Item, Licence, LicenceStatus, Outcome,
        Recommendation, StatementAct, StopReason,
    },
    compliance::ObligationTerm,
    control_list::ControlList,
    countries::CountryCode,
    ids::{ApplicationId, DocumentId, ItemId, OrgId, PartyId, UserId},
    parse_filename, parse_multiline_text, parse_text,
    party::{Party, PartyRole, Sector},
    roles::{Actor, OrgKind, Role},
};

/// Everything `decide` needs besides the state and the command: who, when, against which list.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub actor: Actor,
    pub now: DateTime<Utc>,
    pub control_list: &'a ControlList,
    /// What the case's other records (screening, assessment) say about a decision or a resumption,
    /// read by the caller from the store in the same optimistic-concurrency check as the append.
    pub gates: Gates,
}

/// What other capabilities' rules say about the case, as far as the lifecycle needs it. Computed by
/// [`crate::screening::approval_blocker`] and [`crate::assessment::decision_blockers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gates {
    /// Why an approval must wait (screening); a denial is not held back by it.
    pub approval: Vec<String>,
    /// Why any decision must wait (assessment, HRIA, uncleared red flags).
    pub decision: Vec<String>,
    /// Whether the red flags of the latest assessment are cleared (or none were raised).
    pub red_flags_cleared: bool,
    /// The latest assessment's recommended outcome, which a decision may depart from only with a
    /// reasoned justification (and, towards approval, a second approver).
    pub recommended: Option<oversight_risk::Outcome>,
    /// At submission: why the exporter's applications go to senior review (enforcement's
    /// repeat-offender rule, [`crate::enforcement::standing`]), if they do.
    pub senior_review: Option<String>,
}

impl Gates {
    /// Nothing stands in the way (tests, and commands that need no gate).
    pub fn open() -> Self {
        Gates {
            approval: Vec::new(),
            decision: Vec::new(),
            red_flags_cleared: true,
            recommended: None,
            senior_review: None,
        }
    }
}

/// A request to change a case. Fresh ids are chosen by the caller, so `decide` stays pure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Create {
        id: ApplicationId,
        title: String,
        end_use: String,
        destination: String,
    },
    EditDraft {
        title: Option<String>,
        end_use: Option<String>,
        destination: Option<String>,
    },
    AddItem {
        id: ItemId,
        control_code: String,
        description: String,
        quantity: u32,
        value_eur: u64,
    },
    RemoveItem {
        id: ItemId,
    },
    AddParty {
        id: PartyId,
        role: PartyRole,
        name: String,
        address: String,
        country: String,
        sector: Sector,
    },
    RemoveParty {
        id: PartyId,
    },
    AttachDocument {
        id: DocumentId,
        kind: DocumentKind,
        filename: String,
        sha256: String,
        size: u64,
    },
    Submit,
    /// `officer_roles` are the assignee's roles, looked up by the caller.
    Assign {
        officer: UserId,
        officer_roles: Vec<Role>,
    },
    StartConsultation {
        with: String,
        reason: String,
    },
    EndConsultation {
        summary: String,
    },
    Recommend {
        outcome: Outcome,
        reasoning: String,
        conditions: Vec<String>,
    },
    Decide {
        outcome: Outcome,
        criteria: Vec<u8>,
        public_rationale: String,
        internal_note: String,
        conditions: Vec<String>,
        licence_number: String,
        licence_expires_at: DateTime<Utc>,
        /// Required when the outcome departs from the assessment's recommended outcome.
        #[serde(default)]
        departure_justification: String,
        /// Conditions that ask something of the exporter (obligations); each is also written on
        /// the licence as a condition.
        #[serde(default)]
        obligations: Vec<ObligationTerm>,
    },
    /// A second approver concurs in a departure towards approval proposed by another approver:
    /// the proposed decision is taken and the licence issued.
    ConcurInDeparture {
        licence_number: String,
        licence_expires_at: DateTime<Utc>,
    },
    Withdraw {
        reason: String,
    },
    PutOnHold {
        reason: String,
        /// On hold for the exporter's reasons (waiting for something only the exporter can give):
        /// the working-day clock stops until the case resumes.
        #[serde(default)]
        stops_clock: bool,
    },
    /// The red-flag rule: an assessment that raised red flags holds the case until an approver
    /// clears them. Issued by the use case that recorded the assessment, under its author.
    HoldForRedFlags {
        assessment_version: u64,
        flags: Vec<String>,
    },
    Resume {
        reason: String,
    },
    SuspendLicence {
        reason: String,
    },
    ReinstateLicence {
        reason: String,
    },
    RevokeLicence {
        reason: String,
    },
    SurrenderLicence {
        reason: String,
    },
    ExpireLicence,
    /// An approver adds conditions (and the obligations they bring) to a live licence: a licence
    /// review's outcome.
    AddLicenceConditions {
        conditions: Vec<String>,
        obligations: Vec<ObligationTerm>,
        reason: String,
    },
    /// The review panel's decision on an appeal, taken on the case by the member who recorded it
    /// (the appeal itself is `crate::appeal`'s record).
    ApplyAppealDecision {
        appeal: uuid::Uuid,
        subject: crate::appeal::AppealSubject,
        outcome: crate::appeal::AppealOutcome,
        reasons: String,
    },
    /// A licensing officer asks the exporter for information, to be answered by `due`.
    RaiseQuery {
        id: uuid::Uuid,
        question: String,
        due: chrono::NaiveDate,
    },
    /// The exporter answers an open query.
    AnswerQuery {
        id: uuid::Uuid,
        answer: String,
    },
    /// Publishes the exporter's own reason for a withdrawal or surrender, marked as theirs. Until
    /// an officer does this, the register shows only the authority's wording.
    ReleaseExporterStatement,
}

impl Command {
    /// A short name for messages ("cannot submit an application in state …").
    pub fn name(&self) -> &'static str {
        match self {
            Command::Create { .. } => "create",
            Command::EditDraft { .. } => "edit",
            Command::AddItem { .. } => "add an item to",
            Command::RemoveItem { .. } => "remove an item from",
            Command::AddParty { .. } => "add a party to",
            Command::RemoveParty { .. } => "remove a party from",
            Command::AttachDocument { .. } => "attach a document to",
            Command::Submit => "submit",
            Command::Assign { .. } => "assign",
            Command::StartConsultation { .. } => "start a consultation on",
            Command::EndConsultation { .. } => "end the consultation on",
            Command::Recommend { .. } => "record a recommendation on",
            Command::Decide { .. } => "decide",
            Command::ConcurInDeparture { .. } => "concur in the decision on",
            Command::Withdraw { .. } => "withdraw",
            Command::PutOnHold { .. } | Command::HoldForRedFlags { .. } => "put on hold",
            Command::Resume { .. } => "resume",
            Command::SuspendLicence { .. } => "suspend the licence of",
            Command::ReinstateLicence { .. } => "reinstate the licence of",
            Command::RevokeLicence { .. } => "revoke the licence of",
            Command::SurrenderLicence { .. } => "surrender the licence of",
            Command::ExpireLicence => "expire the licence of",
            Command::AddLicenceConditions { .. } => "add conditions to the licence of",
            Command::ApplyAppealDecision { .. } => "apply an appeal decision to",
            Command::RaiseQuery { .. } => "send a query on",
            Command::AnswerQuery { .. } => "answer a query on",
            Command::ReleaseExporterStatement => "release the exporter's statement on",
        }
    }
}

/// Something that happened to a case. Stored as JSON; `type` is the event kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Created {
        id: ApplicationId,
        org: OrgId,
        title: String,
        end_use: String,
        destination: CountryCode,
    },
    DraftEdited {
        title: String,
        end_use: String,
        destination: CountryCode,
    },
    ItemAdded {
        item: Item,
    },
    ItemRemoved {
        id: ItemId,
    },
    PartyAdded {
        party: Party,
    },
    PartyRemoved {
        id: PartyId,
    },
    DocumentAttached {
        document: Document,
    },
    Submitted,
    Assigned {
        officer: UserId,
    },
    ConsultationStarted {
        with: String,
        reason: String,
    },
    ConsultationEnded {
        summary: String,
    },
    Recommended {
        recommendation: Recommendation,
    },
    Decided {
        decision: Decision,
    },
    /// An approver decided towards approval against the assessment's recommendation, or approved a
    /// case under senior review: the decision waits for a second approver to concur.
    DepartureProposed {
        decision: Decision,
    },
    /// At submission: the exporter is a repeat offender or debarred, so an approval of this case
    /// takes a second approver (enforcement, issue 12).
    SeniorReviewRequired {
        reason: String,
    },
    LicenceIssued {
        licence: Licence,
    },
    Withdrawn {
        reason: String,
    },
    PutOnHold {
        reason: String,
        /// Set when the red-flag rule put the case on hold: the assessment (its version in the
        /// case's assessment stream) whose flags hold it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        red_flags_of: Option<u64>,
        /// On hold for the exporter's reasons: the clock stops until the case resumes.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        stops_clock: bool,
    },
    Resumed {
        reason: String,
    },
    LicenceSuspended {
        reason: String,
    },
    LicenceReinstated {
        reason: String,
    },
    LicenceRevoked {
        reason: String,
    },
    LicenceSurrendered {
        reason: String,
    },
    LicenceExpired,
    /// Conditions added to a live licence (with the obligations they bring) by an approver.
    LicenceConditionsAdded {
        conditions: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        obligations: Vec<ObligationTerm>,
        reason: String,
    },
    /// The review panel decided an appeal; its reasons are published beside the act appealed.
    AppealDecided {
        appeal: uuid::Uuid,
        subject: crate::appeal::AppealSubject,
        outcome: crate::appeal::AppealOutcome,
        reasons: String,
        /// The approvers who may not take the new decision (those of the decision appealed).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        excluded_approvers: Vec<UserId>,
    },
    /// An officer released the exporter's statement (its text, as the exporter wrote it).
    ExporterStatementReleased {
        statement: String,
    },
    QueryRaised {
        query: ExporterQuery,
    },
    QueryAnswered {
        id: uuid::Uuid,
        answer: String,
    },
}

impl Event {
    /// The event kind as stored (the serde tag).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Created { .. } => "created",
            Event::DraftEdited { .. } => "draft_edited",
            Event::ItemAdded { .. } => "item_added",
            Event::ItemRemoved { .. } => "item_removed",
            Event::PartyAdded { .. } => "party_added",
            Event::PartyRemoved { .. } => "party_removed",
            Event::DocumentAttached { .. } => "document_attached",
            Event::Submitted => "submitted",
            Event::Assigned { .. } => "assigned",
            Event::ConsultationStarted { .. } => "consultation_started",
            Event::ConsultationEnded { .. } => "consultation_ended",
            Event::Recommended { .. } => "recommended",
            Event::Decided { .. } => "decided",
            Event::DepartureProposed { .. } => "departure_proposed",
            Event::SeniorReviewRequired { .. } => "senior_review_required",
            Event::LicenceIssued { .. } => "licence_issued",
            Event::Withdrawn { .. } => "withdrawn",
            Event::PutOnHold { .. } => "put_on_hold",
            Event::Resumed { .. } => "resumed",
            Event::LicenceSuspended { .. } => "licence_suspended",
            Event::LicenceReinstated { .. } => "licence_reinstated",
            Event::LicenceRevoked { .. } => "licence_revoked",
            Event::LicenceSurrendered { .. } => "licence_surrendered",
            Event::LicenceExpired => "licence_expired",
            Event::LicenceConditionsAdded { .. } => "licence_conditions_added",
            Event::AppealDecided { .. } => "appeal_decided",
            Event::ExporterStatementReleased { .. } => "exporter_statement_released",
            Event::QueryRaised { .. } => "query_raised",
            Event::QueryAnswered { .. } => "query_answered",
        }
    }
}

/// An event with who recorded it and when: what `apply` folds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub actor: UserId,
    pub at: DateTime<Utc>,
    pub event: Event,
}

/// Why a command was refused. Nothing is appended when a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// No such case, or not visible to this actor (another organisation's case).
    #[error("application not found")]
    NotFound,
    /// The actor lacks the role, or the four-eyes rule forbids it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The command is not allowed in the case's current state.
    #[error("cannot {action} an application that is {status}")]
    InvalidTransition { action: &'static str, status: &'static str },
    /// The command's content is invalid.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// The case already exists.
    #[error("application already exists")]
    AlreadyExists,
    /// Another record of the case stands in the way (open screening alerts, a missing assessment,
    /// uncleared red flags, an alert already adjudicated): the reason in plain words.
    #[error("{0}")]
    Blocked(String),
}

fn forbidden(msg: &str) -> Rejection {
    Rejection::Forbidden(msg.to_string())
}

fn invalid(field: &str, msg: &str) -> Rejection {
    Rejection::Invalid(FieldError::new(field, msg))
}

use crate::access::require_authority;

/// The exporter who owns the case. Another organisation's exporter is told the case does not exist.
fn require_owner(app: &Application, actor: &Actor) -> Result<(), Rejection> {
    if actor.org_kind == OrgKind::Exporter && actor.org != app.org {
        return Err(Rejection::NotFound);
    }
    if actor.org_kind != OrgKind::Exporter || !actor.has(Role::Exporter) || actor.org != app.org {
        return Err(forbidden("only the applying exporter may do this"));
    }
    Ok(())
}

/// A case waiting for the exporter's answer cannot be decided.
fn no_open_query(app: &Application) -> Result<(), Rejection> {
    if app.has_open_query() {
        return Err(invalid(
            "queries",
            "a query to the exporter is open: the case is decided once it is answered",
        ));
    }
    Ok(())
}

fn require_status(app: &Application, cmd: &Command, allowed: &[S]) -> Result<(), Rejection> {
    if allowed.contains(&app.status) {
        Ok(())
    } else {
        Err(Rejection::InvalidTransition { action: cmd.name(), status: app.status.as_str() })
    }
}

/// A single-line field (the text policy of [`parse_text`]).
fn text(field: &str, value: &str, max: usize) -> Result<String, Rejection> {
    Ok(parse_text(field, value, max)?)
}

/// A multi-line field (the text policy of [`parse_multiline_text`]).
fn lines(field: &str, value: &str, max: usize) -> Result<String, Rejection> {
    Ok(parse_multiline_text(field, value, max)?)
}

/// The largest declared value of one item line, in euros (10^12: a trillion euros). With at most
/// 100 items, an application's total stays far inside `u64`; it is still summed with checked
/// arithmetic ([`crate::register`]).
pub const MAX_ITEM_VALUE_EUR: u64 = 1_000_000_000_000;
/// The largest quantity of one item line.
pub const MAX_ITEM_QUANTITY: u32 = 1_000_000;

fn conditions(field: &str, list: &[String]) -> Result<Vec<String>, Rejection> {
    if list.len() > 50 {
        return Err(invalid(field, "at most 50 conditions"));
    }
    list.iter().enumerate().map(|(i, c)| text(&format!("{field}[{i}]"), c, 2000)).collect()
}

/// Decides what happens when `cmd` is applied to `state` (`None` = the case does not exist yet).
pub fn decide(state: Option<&Application>, cmd: Command, ctx: &Context<'_>) -> Result<Vec<Event>, Rejection> {
    let actor = &ctx.actor;
    let Some(app) = state else {
        return match cmd {
            Command::Create { id, title, end_use, destination } => {
                if actor.org_kind != OrgKind::Exporter || !actor.has(Role::Exporter) {
                    return Err(forbidden("only exporters create applications"));
                }
                Ok(vec![Event::Created {
                    id,
                    org: actor.org,
                    title: text("title", &title, 200)?,
                    end_use: lines("end_use", &end_use, 5000)?,
                    destination: CountryCode::parse(&destination)
                        .map_err(|e| FieldError::new("destination", e.message))?,
                }])
            }
            _ => Err(Rejection::NotFound),
        };
    };
    // An exporter never learns anything about another organisation's case.
    if actor.org_kind != OrgKind::Authority && actor.org != app.org {
        return Err(Rejection::NotFound);
    }
    let open_submitted = [S::Submitted, S::UnderReview, S::Consultation, S::PendingDecision];
    match cmd {
        Command::Create { .. } => Err(Rejection::AlreadyExists),
        Command::EditDraft { ref title, ref end_use, ref destination } => {
            require_owner(app, actor)?;
            require_status(app, &cmd, &[S::Draft])?;
            Ok(vec![Event::DraftEdited {
                title: match title {
                    Some(t) => text("title", t, 200)?,
                    None => app.title.clone(),
                },
                end_use: match end_use {
                    Some(t) => lines("end_use", t, 5000)?,
                    None => app.end_use.clone(),
                },
                destination: match destination {
                    Some(d) => {
                        CountryCode::parse(d).map_err(|e| FieldError::new("destination", e.message))?
                    }
                    None => app.destination.clone(),
                },
            }])
        }
        Command::AddItem { id, ref control_code, ref description, quantity, value_eur } => {
            require_owner(app, actor)?;
            require_status(app, &cmd, &[S::Draft])?;
            let entry = ctx.control_list.get(control_code).ok_or_else(|| {
                invalid(
                    "control_code",
                    &format!("{control_code:?} is not on the control list (use \"CATCH-ALL\" for an unlisted cyber-surveillance item)"),
                )
            })?;
            if quantity == 0 {
                return Err(invalid("quantity", "must be at least 1"));
            }
            if quantity > MAX_ITEM_QUANTITY {
                return Err(invalid("quantity", &format!("must be at most {MAX_ITEM_QUANTITY}")));
            }
            if value_eur > MAX_ITEM_VALUE_EUR {
                return Err(invalid("value_eur", &format!("must be at most {MAX_ITEM_VALUE_EUR} EUR")));
            }
            if app.items.len() >= 100 {
                return Err(invalid("items", "at most 100 items per application"));
            }
            Ok(vec![Event::ItemAdded {
                item: Item {
                    id,
                    control_code: entry.code.clone(),
                    description: lines("description", description, 2000)?,
                    quantity,
                    value_eur,
                },
            }])
        }
        Command::RemoveItem { id } => {
            require_owner(app, actor)?;
            require_status(app, &cmd, &[S::Draft])?;
            if !app.items.iter().any(|i| i.id == id) {
                return Err(invalid("item_id", "no such item on this application"));
            }
            Ok(vec![Event::ItemRemoved { id }])
        }
        Command::AddParty { id, role, ref name, ref address, ref country, sector } => {
            require_owner(app, actor)?;
            require_status(app, &cmd, &[S::Draft])?;
            if app.parties.len() >= 50 {
                return Err(invalid("parties", "at most 50 parties per application"));
            }
            if role == PartyRole::Applicant {
                return Err(invalid("role", "the applicant is not added as a party: add the other parties"));
            }
            Ok(vec![Event::PartyAdded { party: Party::new(id, role, name, address, country, sector)? }])
        }
        Command::RemoveParty { id } => {
            require_owner(app, actor)?;
            require_status(app, &cmd, &[S::Draft])?;
            if !app.parties.iter().any(|p| p.id == id) {
                return Err(invalid("party_id", "no such party on this application"));
            }
            Ok(vec![Event::PartyRemoved { id }])
        }
        Command::AttachDocument { id, kind, ref filename, ref sha256, size } => {
            if actor.org_kind == OrgKind::Authority {
                require_authority(actor, &[Role::LicensingOfficer], "attaching a document")?;
            } else {
                require_owner(app, actor)?;
            }
            if !app.status.is_open() {
                return Err(Rejection::InvalidTransition { action: cmd.name(), status: app.status.as_str() });
            }
            if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid("sha256", "must be 64 hexadecimal characters"));
            }
            Ok(vec![Event::DocumentAttached {
                document: Document {
                    id,
                    kind,
                    filename: parse_filename("filename", filename)?,
                    sha256: sha256.to_ascii_lowercase(),
                    size,
                    uploaded_by: actor.user,
                    uploaded_at: ctx.now,
                },
            }])
        }
        Command::Submit => {
            require_owner(app, actor)?;
            require_status(app, &cmd, &[S::Draft])?;
            if app.items.is_empty() {
                return Err(invalid("items", "an application needs at least one item"));
            }
            if !app.parties.iter().any(|p| p.role == PartyRole::EndUser) {
                return Err(invalid("parties", "an application needs an end user"));
            }
            let mut events = vec![Event::Submitted];
            if let Some(reason) = &ctx.gates.senior_review {
                events.push(Event::SeniorReviewRequired { reason: reason.clone() });
            }
            Ok(events)
        }
        Command::Assign { officer, ref officer_roles } => {
            require_authority(actor, &[Role::LicensingOfficer], "assigning a case")?;
            require_status(app, &cmd, &[S::Submitted, S::UnderReview])?;
            if !officer_roles.contains(&Role::LicensingOfficer) {
                return Err(invalid("officer", "the assignee must be a licensing officer"));
            }
            Ok(vec![Event::Assigned { officer }])
        }
        Command::StartConsultation { ref with, ref reason } => {
            require_authority(actor, &[Role::LicensingOfficer], "starting a consultation")?;
            require_status(app, &cmd, &[S::UnderReview])?;
            Ok(vec![Event::ConsultationStarted {
                with: text("with", with, 300)?,
                reason: lines("reason", reason, 2000)?,
            }])
        }
        Command::EndConsultation { ref summary } => {
            require_authority(actor, &[Role::LicensingOfficer], "ending a consultation")?;
            require_status(app, &cmd, &[S::Consultation])?;
            Ok(vec![Event::ConsultationEnded { summary: lines("summary", summary, 5000)? }])
        }
        Command::Recommend { outcome, ref reasoning, conditions: ref conds } => {
            require_authority(actor, &[Role::LicensingOfficer], "recommending a decision")?;
            require_status(app, &cmd, &[S::UnderReview])?;
            if app.assigned_officer != Some(actor.user) {
                return Err(forbidden("only the officer assigned to the case may recommend"));
            }
            let conds = conditions("conditions", conds)?;
            check_conditions(outcome, &conds)?;
            Ok(vec![Event::Recommended {
                recommendation: Recommendation {
                    by: actor.user,
                    outcome,
                    reasoning: lines("reasoning", reasoning, 10_000)?,
                    conditions: conds,
                    at: ctx.now,
                },
            }])
        }
        Command::Decide {
            outcome,
            ref criteria,
            ref public_rationale,
            ref internal_note,
            conditions: ref conds,
            ref licence_number,
            licence_expires_at,
            ref departure_justification,
            ref obligations,
        } => {
            require_authority(actor, &[Role::Approver], "deciding")?;
            require_status(app, &cmd, &[S::PendingDecision])?;
            no_open_query(app)?;
            if app.excluded_approvers.contains(&actor.user) {
                return Err(forbidden("after an appeal, the new decision is taken by a different approver"));
            }
            if app.recommendation.as_ref().map(|r| r.by) == Some(actor.user) {
                return Err(forbidden(
                    "four-eyes rule: the approver must not be the officer who drafted the recommendation",
                ));
            }
            // What other records of the case say comes first: it is what the approver must resolve.
            check_gates(&ctx.gates, outcome)?;
            let obligations = crate::compliance::parse_terms("obligations", obligations)?;
            let mut conds = conditions("conditions", conds)?;
            conds.extend(obligations.iter().map(ObligationTerm::wording));
            check_conditions(outcome, &conds)?;
            if criteria.iter().any(|c| !(1..=8).contains(c)) {
                return Err(invalid("criteria", "criteria are numbered 1 to 8"));
            }
            if outcome == Outcome::Deny && criteria.is_empty() {
                return Err(invalid("criteria", "a denial must cite at least one criterion"));
            }
            let internal_note = if internal_note.trim().is_empty() {
                String::new()
            } else {
                lines("internal_note", internal_note, 10_000)?
            };
            let departure = match ctx.gates.recommended {
                Some(r) => match crate::assessment::departure(r, outcome) {
                    Some(direction) => Some(Departure {
                        recommended: r.as_str().to_string(),
                        direction,
                        justification: justification(departure_justification, r)?,
                        second_approver: None,
                    }),
                    None => None,
                },
                None => None,
            };
            let decision = Decision {
                by: actor.user,
                outcome,
                criteria: criteria.clone(),
                public_rationale: lines("public_rationale", public_rationale, 10_000)?,
                internal_note,
                conditions: conds,
                at: ctx.now,
                departure,
                obligations,
                second_approver: None,
            };
            if outcome != Outcome::Deny && licence_expires_at <= ctx.now {
                return Err(invalid("licence_expires_at", "must be in the future"));
            }
            let towards_approval = decision
                .departure
                .as_ref()
                .is_some_and(|d| d.direction == DepartureDirection::TowardsApproval);
            if towards_approval || (app.senior_review.is_some() && outcome != Outcome::Deny) {
                // Departing towards approval, or approving under senior review, takes a second
                // approver (ConcurInDeparture).
                return Ok(vec![Event::DepartureProposed { decision }]);
            }
            decided(decision, licence_number, licence_expires_at, ctx.now)
        }
        Command::ConcurInDeparture { ref licence_number, licence_expires_at } => {
            require_authority(actor, &[Role::Approver], "concurring in a decision")?;
            require_status(app, &cmd, &[S::PendingDecision])?;
            if app.excluded_approvers.contains(&actor.user) {
                return Err(forbidden("after an appeal, the new decision is taken by a different approver"));
            }
            let Some(proposed) = app.proposed_decision.clone() else {
                return Err(Rejection::Blocked("no decision awaits a second approver".into()));
            };
            if proposed.by == actor.user {
                return Err(forbidden(
                    "this decision needs a second approver: not the approver who proposed it",
                ));
            }
            if app.recommendation.as_ref().map(|r| r.by) == Some(actor.user) {
                return Err(forbidden(
                    "four-eyes rule: the approver must not be the officer who drafted the recommendation",
                ));
            }
            check_gates(&ctx.gates, proposed.outcome)?;
            if licence_expires_at <= ctx.now {
                return Err(invalid("licence_expires_at", "must be in the future"));
            }
            let mut decision = proposed;
            decision.at = ctx.now;
            decision.second_approver = Some(actor.user);
            if let Some(d) = decision.departure.as_mut() {
                d.second_approver = Some(actor.user);
            }
            decided(decision, licence_number, licence_expires_at, ctx.now)
        }
        Command::RaiseQuery { id, ref question, due } => {
            require_authority(actor, &[Role::LicensingOfficer], "sending a query to the exporter")?;
            require_status(
                app,
                &cmd,
                &[S::Submitted, S::UnderReview, S::Consultation, S::PendingDecision, S::OnHold],
            )?;
            if app.queries.iter().any(|q| q.id == id) {
                return Err(invalid("id", "a query with this id exists"));
            }
            if due <= ctx.now.date_naive() {
                return Err(invalid("due", "the date to answer by must be after today"));
            }
            if due > ctx.now.date_naive() + chrono::Duration::days(366) {
                return Err(invalid("due", "the date to answer by must be within a year"));
            }
            Ok(vec![Event::QueryRaised {
                query: ExporterQuery {
                    id,
                    question: lines("question", question, 5000)?,
                    asked_at: ctx.now,
                    due,
                    answer: None,
                    answered_at: None,
                },
            }])
        }
        Command::AnswerQuery { id, ref answer } => {
            require_owner(app, actor)?;
            if actor.org_kind != OrgKind::Exporter {
                return Err(forbidden("only the exporter answers its queries"));
            }
            let Some(query) = app.queries.iter().find(|q| q.id == id) else {
                return Err(Rejection::NotFound);
            };
            if !query.is_open() {
                return Err(invalid("answer", "this query has been answered"));
            }
            Ok(vec![Event::QueryAnswered { id, answer: lines("answer", answer, 10_000)? }])
        }
        Command::Withdraw { ref reason } => {
            require_owner(app, actor)?;
            if !app.status.is_open() {
                return Err(Rejection::InvalidTransition { action: cmd.name(), status: app.status.as_str() });
            }
            Ok(vec![Event::Withdrawn { reason: lines("reason", reason, 2000)? }])
        }
        Command::PutOnHold { ref reason, stops_clock } => {
            require_authority(actor, &[Role::LicensingOfficer, Role::Approver], "putting a case on hold")?;
            require_status(app, &cmd, &open_submitted)?;
            Ok(vec![Event::PutOnHold {
                reason: lines("reason", reason, 2000)?,
                red_flags_of: None,
                stops_clock,
            }])
        }
        Command::HoldForRedFlags { assessment_version, ref flags } => {
            require_authority(
                actor,
                &[Role::LicensingOfficer, Role::HumanRightsAssessor],
                "recording an assessment that holds a case",
            )?;
            require_status(app, &cmd, &open_submitted)?;
            if flags.is_empty() {
                return Err(invalid("flags", "a red-flag hold names at least one red flag"));
            }
            Ok(vec![Event::PutOnHold {
                reason: format!(
                    "{RED_FLAG_HOLD_PREFIX} (assessment {assessment_version}): {}. The case waits until an approver clears them with a recorded reason.",
                    flags.join(", ")
                ),
                red_flags_of: Some(assessment_version),
                stops_clock: false,
            }])
        }
        Command::Resume { ref reason } => {
            require_authority(actor, &[Role::LicensingOfficer, Role::Approver], "resuming a case")?;
            require_status(app, &cmd, &[S::OnHold])?;
            if app.hold.as_ref().is_some_and(|h| h.red_flags_of.is_some()) && !ctx.gates.red_flags_cleared {
                return Err(Rejection::Blocked(
                    "the case is on hold for red flags; an approver must clear them with a reason, which resumes the case".into(),
                ));
            }
            Ok(vec![Event::Resumed { reason: lines("reason", reason, 2000)? }])
        }
        Command::SuspendLicence { ref reason } => {
            require_authority(actor, &[Role::Approver, Role::EnforcementOfficer], "suspending a licence")?;
            require_licence(app, &cmd, &[LicenceStatus::Active])?;
            Ok(vec![Event::LicenceSuspended { reason: lines("reason", reason, 2000)? }])
        }
        Command::ReinstateLicence { ref reason } => {
            require_authority(actor, &[Role::Approver], "reinstating a licence")?;
            require_licence(app, &cmd, &[LicenceStatus::Suspended])?;
            Ok(vec![Event::LicenceReinstated { reason: lines("reason", reason, 2000)? }])
        }
        Command::RevokeLicence { ref reason } => {
            require_authority(actor, &[Role::Approver, Role::EnforcementOfficer], "revoking a licence")?;
            require_licence(app, &cmd, &[LicenceStatus::Active, LicenceStatus::Suspended])?;
            Ok(vec![Event::LicenceRevoked { reason: lines("reason", reason, 2000)? }])
        }
        Command::SurrenderLicence { ref reason } => {
            require_owner(app, actor)?;
            require_licence(app, &cmd, &[LicenceStatus::Active, LicenceStatus::Suspended])?;
            Ok(vec![Event::LicenceSurrendered { reason: lines("reason", reason, 2000)? }])
        }
        Command::ExpireLicence => {
            require_authority(actor, &[Role::LicensingOfficer, Role::Administrator], "expiring a licence")?;
            let licence = require_licence(app, &cmd, &[LicenceStatus::Active, LicenceStatus::Suspended])?;
            if ctx.now < licence.expires_at {
                return Err(invalid("expires_at", "the licence has not reached its expiry date"));
            }
            Ok(vec![Event::LicenceExpired])
        }
        Command::AddLicenceConditions { conditions: ref conds, ref obligations, ref reason } => {
            require_authority(actor, &[Role::Approver], "adding conditions to a licence")?;
            require_licence(app, &cmd, &[LicenceStatus::Active, LicenceStatus::Suspended])?;
            let obligations = crate::compliance::parse_terms("obligations", obligations)?;
            let mut conds = conditions("conditions", conds)?;
            conds.extend(obligations.iter().map(ObligationTerm::wording));
            if conds.is_empty() {
                return Err(invalid("conditions", "name at least one condition or obligation to add"));
            }
            Ok(vec![Event::LicenceConditionsAdded {
                conditions: conds,
                obligations,
                reason: lines("reason", reason, 5000)?,
            }])
        }
        Command::ApplyAppealDecision { appeal, subject, outcome, ref reasons } => {
            use crate::appeal::AppealSubject as A;
            require_authority(actor, &[Role::ReviewPanelMember], "applying an appeal decision")?;
            let stands = match subject {
                A::Refusal => app.status == S::Denied,
                A::Suspension => app.licence.as_ref().is_some_and(|l| l.status == LicenceStatus::Suspended),
                A::Revocation => app.licence.as_ref().is_some_and(|l| l.status == LicenceStatus::Revoked),
                A::Condition { index } => app.licence.as_ref().is_some_and(|l| index < l.conditions.len()),
            };
            if !stands {
                return Err(Rejection::Blocked(format!("{} no longer stands on this case", subject.label())));
            }
            let excluded_approvers = match (subject, &app.decision) {
                (A::Refusal, Some(d)) => {
                    let mut v = vec![d.by];
                    v.extend(d.departure.as_ref().and_then(|x| x.second_approver));
                    v
                }
                _ => vec![],
            };
            Ok(vec![Event::AppealDecided {
                appeal,
                subject,
                outcome,
                reasons: lines("reasons", reasons, 20_000)?,
                excluded_approvers,
            }])
        }
        Command::ReleaseExporterStatement => {
            require_authority(
                actor,
                &[Role::LicensingOfficer, Role::Approver],
                "releasing an exporter's statement",
            )?;
            match &app.exporter_statement {
                None => Err(Rejection::Blocked(
                    "there is no published withdrawal or surrender whose statement could be released".into(),
                )),
                Some(s) if s.released => {
                    Err(Rejection::Blocked("the exporter's statement is already released".into()))
                }
                Some(s) => Ok(vec![Event::ExporterStatementReleased { statement: s.text.clone() }]),
            }
        }
    }
}

/// The fewest characters of a departure's justification: a reason, not a word.
pub const MIN_DEPARTURE_JUSTIFICATION: usize = 30;

fn justification(text: &str, recommended: oversight_risk::Outcome) -> Result<String, Rejection> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(
            "departure_justification",
            &format!(
                "the risk assessment recommended \"{}\"; a decision that departs from it needs a reasoned justification",
                recommended.plain()
            ),
        ));
    }
    if t.chars().count() < MIN_DEPARTURE_JUSTIFICATION {
        return Err(invalid(
            "departure_justification",
            &format!(
                "give the reasons for departing from the assessment (at least {MIN_DEPARTURE_JUSTIFICATION} characters)"
            ),
        ));
    }
    lines("departure_justification", t, 10_000)
}

/// Refuses a decision of `outcome` while other records of the case stand in the way.
fn check_gates(gates: &Gates, outcome: Outcome) -> Result<(), Rejection> {
    let mut blockers = gates.decision.clone();
    if outcome != Outcome::Deny {
        blockers.extend(gates.approval.iter().map(|b| format!("approval refused: {b}")));
    }
    if blockers.is_empty() {
        Ok(())
    } else {
        Err(Rejection::Blocked(format!("the decision cannot be taken yet: {}.", blockers.join("; "))))
    }
}

/// The events of a decision taken: the decision and, for an approval, its licence.
fn decided(
    decision: Decision,
    licence_number: &str,
    licence_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Rejection> {
    let (outcome, conds, obligations) =
        (decision.outcome, decision.conditions.clone(), decision.obligations.clone());
    let mut events = vec![Event::Decided { decision }];
    if outcome != Outcome::Deny {
        events.push(Event::LicenceIssued {
            licence: Licence {
                number: text("licence_number", licence_number, 64)?,
                status: LicenceStatus::Active,
                issued_at: now,
                expires_at: licence_expires_at,
                conditions: conds,
                obligations,
            },
        });
    }
    Ok(events)
}

fn check_conditions(outcome: Outcome, conds: &[String]) -> Result<(), Rejection> {
    match outcome {
        Outcome::ApproveWithConditions if conds.is_empty() => {
            Err(invalid("conditions", "an approval with conditions needs at least one condition"))
        }
        Outcome::Approve | Outcome::Deny if !conds.is_empty() => {
            Err(invalid("conditions", "conditions only go with approve_with_conditions"))
        }
        _ => Ok(()),
    }
}

fn require_licence<'a>(
    app: &'a Application,
    cmd: &Command,
    allowed: &[LicenceStatus],
) -> Result<&'a Licence, Rejection> {
    match &app.licence {
        Some(l) if allowed.contains(&l.status) => Ok(l),
        Some(l) => Err(Rejection::InvalidTransition {
            action: cmd.name(),
            status: match l.status {
                LicenceStatus::Active => "licensed (active)",
                LicenceStatus::Suspended => "licensed (suspended)",
                LicenceStatus::Revoked => "licensed (revoked)",
                LicenceStatus::Expired => "licensed (expired)",
                LicenceStatus::Surrendered => "licensed (surrendered)",
            },
        }),
        None => Err(Rejection::InvalidTransition { action: cmd.name(), status: app.status.as_str() }),
    }
}

/// Folds one recorded event into the state. Events are facts: `apply` never fails; an event that
/// makes no sense for the state (which `decide` never produces) leaves the state unchanged.
pub fn apply(state: Option<Application>, rec: &Recorded) -> Option<Application> {
    let mut app = match (state, &rec.event) {
        (None, Event::Created { id, org, title, end_use, destination }) => {
            return Some(Application {
                id: *id,
                org: *org,
                created_by: rec.actor,
                created_at: rec.at,
                status: S::Draft,
                title: title.clone(),
                end_use: end_use.clone(),
                destination: destination.clone(),
                items: vec![],
                parties: vec![],
                documents: vec![],
                submitted_at: None,
                assigned_officer: None,
                consultation_with: None,
                recommendation: None,
                hold: None,
                decision: None,
                licence: None,
                exporter_statement: None,
                proposed_decision: None,
                queries: Vec::new(),
                hold_stops: Vec::new(),
                excluded_approvers: Vec::new(),
                reopened_on_appeal: false,
                senior_review: None,
                version: 1,
            });
        }
        (None, _) => return None,
        (Some(app), _) => app,
    };
    app.version += 1;
    match &rec.event {
        Event::Created { .. } => {}
        Event::DraftEdited { title, end_use, destination } => {
            app.title = title.clone();
            app.end_use = end_use.clone();
            app.destination = destination.clone();
        }
        Event::ItemAdded { item } => app.items.push(item.clone()),
        Event::ItemRemoved { id } => app.items.retain(|i| i.id != *id),
        Event::PartyAdded { party } => app.parties.push(party.clone()),
        Event::PartyRemoved { id } => app.parties.retain(|p| p.id != *id),
        Event::DocumentAttached { document } => app.documents.push(document.clone()),
        Event::Submitted => {
            app.status = S::Submitted;
            app.submitted_at = Some(rec.at);
        }
        Event::Assigned { officer } => {
            app.assigned_officer = Some(*officer);
            app.status = S::UnderReview;
        }
        Event::ConsultationStarted { with, .. } => {
            app.consultation_with = Some(with.clone());
            app.status = S::Consultation;
        }
        Event::ConsultationEnded { .. } => {
            app.consultation_with = None;
            app.status = S::UnderReview;
        }
        Event::Recommended { recommendation } => {
            app.recommendation = Some(recommendation.clone());
            app.status = S::PendingDecision;
        }
        Event::Decided { decision } => {
            app.status = match decision.outcome {
                Outcome::Approve => S::Approved,
                Outcome::ApproveWithConditions => S::ApprovedWithConditions,
                Outcome::Deny => S::Denied,
            };
            app.decision = Some(decision.clone());
            app.proposed_decision = None;
        }
        Event::DepartureProposed { decision } => app.proposed_decision = Some(decision.clone()),
        Event::SeniorReviewRequired { reason } => app.senior_review = Some(reason.clone()),
        Event::LicenceIssued { licence } => app.licence = Some(licence.clone()),
        Event::Withdrawn { reason } => {
            // A withdrawn draft is private: there is no public record to explain.
            if app.status != S::Draft {
                app.exporter_statement = statement(StatementAct::Withdrawal, reason, rec.at);
            }
            app.status = S::Withdrawn;
            app.hold = None;
            close_hold_stop(&mut app, rec.at);
            app.proposed_decision = None;
        }
        Event::PutOnHold { reason, red_flags_of, stops_clock } => {
            // Holds recorded before `red_flags_of` existed are recognised by the rule's own wording.
            let red_flags_of = red_flags_of.or_else(|| legacy_red_flag_hold(reason));
            app.hold = Some(Hold {
                reason: reason.clone(),
                resume_to: app.status,
                since: rec.at,
                red_flags_of,
                stops_clock: *stops_clock,
            });
            if *stops_clock {
                app.hold_stops.push(ClockStop {
                    reason: StopReason::ExporterHold,
                    from: rec.at,
                    until: None,
                });
            }
            app.status = S::OnHold;
        }
        Event::Resumed { .. } => {
            if let Some(hold) = app.hold.take() {
                app.status = hold.resume_to;
            }
            close_hold_stop(&mut app, rec.at);
        }
        Event::LicenceSuspended { .. } => set_licence(&mut app, LicenceStatus::Suspended),
        Event::LicenceReinstated { .. } => set_licence(&mut app, LicenceStatus::Active),
        Event::LicenceRevoked { .. } => set_licence(&mut app, LicenceStatus::Revoked),
        Event::LicenceSurrendered { reason } => {
            set_licence(&mut app, LicenceStatus::Surrendered);
            app.exporter_statement = statement(StatementAct::Surrender, reason, rec.at);
        }
        Event::LicenceExpired => set_licence(&mut app, LicenceStatus::Expired),
        Event::AppealDecided { subject, outcome, excluded_approvers, .. } => {
            use crate::appeal::{AppealOutcome as O, AppealSubject as A};
            match (subject, outcome) {
                (A::Refusal, O::Overturned | O::SentBack) => {
                    app.status = S::PendingDecision;
                    app.decision = None;
                    app.excluded_approvers = excluded_approvers.clone();
                    app.reopened_on_appeal = true;
                }
                (A::Suspension | A::Revocation, O::Overturned) => {
                    set_licence(&mut app, LicenceStatus::Active)
                }
                (A::Condition { index }, O::Overturned) => {
                    if let Some(l) = app.licence.as_mut().filter(|l| *index < l.conditions.len()) {
                        let removed = l.conditions.remove(*index);
                        l.obligations.retain(|t| t.wording() != removed);
                    }
                }
                _ => {}
            }
        }
        Event::LicenceConditionsAdded { conditions, obligations, .. } => {
            if let Some(l) = app.licence.as_mut() {
                l.conditions.extend(conditions.iter().cloned());
                l.obligations.extend(obligations.iter().cloned());
            }
        }
        Event::ExporterStatementReleased { .. } => {
            if let Some(s) = app.exporter_statement.as_mut() {
                s.released = true;
            }
        }
        Event::QueryRaised { query } => app.queries.push(query.clone()),
        Event::QueryAnswered { id, answer } => {
            if let Some(q) = app.queries.iter_mut().find(|q| q.id == *id) {
                q.answer = Some(answer.clone());
                q.answered_at = Some(rec.at);
            }
        }
    }
    Some(app)
}

fn statement(act: StatementAct, text: &str, at: DateTime<Utc>) -> Option<ExporterStatement> {
    (!text.trim().is_empty()).then(|| ExporterStatement { act, text: text.to_string(), at, released: false })
}

/// Every hold the red-flag rule puts on a case starts with this.
pub const RED_FLAG_HOLD_PREFIX: &str = "Red flags raised by the risk assessment";

/// The assessment version named by a red-flag hold stored before holds carried it (upcasting old
/// events; new events say it in `red_flags_of`).
fn legacy_red_flag_hold(reason: &str) -> Option<u64> {
    let rest = reason.strip_prefix(RED_FLAG_HOLD_PREFIX)?.strip_prefix(" (assessment ")?;
    rest.split(')').next()?.parse().ok()
}

/// Ends the clock stop of an exporter's hold, if one runs.
fn close_hold_stop(app: &mut Application, at: DateTime<Utc>) {
    if let Some(stop) = app.hold_stops.iter_mut().find(|s| s.until.is_none()) {
        stop.until = Some(at);
    }
}

fn set_licence(app: &mut Application, status: LicenceStatus) {
    if let Some(l) = app.licence.as_mut() {
        l.status = status;
    }
}

#[cfg(test)]
mod tests;
