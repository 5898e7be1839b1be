//! Appeals to an independent review panel (DOMAIN.md §1 item 8; issue 12 part 1).
//!
//! An exporter appeals a refusal, a condition of its licence, a suspension or a revocation within
//! the appeal window (default 28 calendar days from the act), with grounds and documents. Review-panel
//! members join the panel — never one who took part in the case, which the core reads from the
//! case's recorded history ([`participants`]) — ask the exporter questions, and decide: upheld,
//! overturned or sent back, with public reasons. The decision's effect on the case (a refusal
//! reopened for a different approver, a licence restored, a condition lifted) is the lifecycle's
//! `ApplyAppealDecision`, published beside the original record.
//!
//! Stream `appeal-<uuid>`; [`decide`] and [`apply`], time and ids passed in.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Application, ApplicationId, FieldError, UserId,
    application::{LicenceStatus, Outcome},
    compliance::EvidenceFile,
    lifecycle::{Event, Recorded, Rejection},
    parse_multiline_text,
    roles::{Actor, OrgKind, Role},
};

pub fn stream(id: Uuid) -> String {
    format!("appeal-{id}")
}

/// Calendar days after the act within which it may be appealed, unless configured otherwise.
pub const DEFAULT_WINDOW_DAYS: u32 = 28;
/// Members a panel needs before it decides.
pub const PANEL_SIZE: usize = 2;

/// What is appealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppealSubject {
    Refusal,
    /// A condition of the licence, by its position (0-based) among the licence's conditions.
    Condition {
        index: usize,
    },
    Suspension,
    Revocation,
}

impl AppealSubject {
    pub fn label(&self) -> String {
        match self {
            AppealSubject::Refusal => "the refusal".into(),
            AppealSubject::Condition { index } => format!("condition {} of the licence", index + 1),
            AppealSubject::Suspension => "the suspension of the licence".into(),
            AppealSubject::Revocation => "the revocation of the licence".into(),
        }
    }
}

/// The panel's decision.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AppealOutcome {
    /// The act stands.
    Upheld,
    /// The act is set aside: a refusal reopens the case for a decision by a different approver; a
    /// suspension or revocation is lifted; a condition is removed.
    Overturned,
    /// A new decision is to be taken: a refusal reopens the case for a different approver; a
    /// licence action goes back to the approvers as a licence review.
    SentBack,
}

impl AppealOutcome {
    pub const ALL: [AppealOutcome; 3] = oversight_vocab::all_variants();

    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PanelQuestion {
    pub id: Uuid,
    pub question: String,
    pub asked_by: UserId,
    pub asked_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealDecision {
    pub outcome: AppealOutcome,
    /// The panel's reasons (published, without commercial secrets).
    pub reasons: String,
    pub by: UserId,
    pub panel: Vec<UserId>,
    pub at: DateTime<Utc>,
}

/// An appeal, as folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appeal {
    pub id: Uuid,
    pub case: ApplicationId,
    pub subject: AppealSubject,
    pub grounds: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<EvidenceFile>,
    pub filed_by: UserId,
    pub filed_at: DateTime<Utc>,
    /// The date of the act appealed.
    pub act_at: DateTime<Utc>,
    pub panel: Vec<UserId>,
    pub questions: Vec<PanelQuestion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<AppealDecision>,
    pub version: u64,
}

impl Appeal {
    pub fn is_open(&self) -> bool {
        self.decision.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AppealCommand {
    File { id: Uuid, subject: AppealSubject, grounds: String, documents: Vec<EvidenceFile> },
    JoinPanel,
    Ask { id: Uuid, question: String },
    Answer { id: Uuid, answer: String },
    Decide { outcome: AppealOutcome, reasons: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AppealEvent {
    AppealFiled { appeal: Appeal },
    PanelJoined { member: UserId },
    PanelAsked { question: PanelQuestion },
    PanelAnswered { id: Uuid, answer: String },
    AppealDecided { decision: AppealDecision },
}

impl AppealEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            AppealEvent::AppealFiled { .. } => "appeal_filed",
            AppealEvent::PanelJoined { .. } => "panel_joined",
            AppealEvent::PanelAsked { .. } => "panel_asked",
            AppealEvent::PanelAnswered { .. } => "panel_answered",
            AppealEvent::AppealDecided { .. } => "appeal_decided",
        }
    }
}

/// Everyone who recorded something on the case (its history's actors): none of them may sit on
/// its appeal panel.
pub fn participants(history: &[Recorded]) -> BTreeSet<UserId> {
    history.iter().map(|r| r.actor).filter(|u| !u.0.is_nil()).collect()
}

/// When the act appealed took place, read from the case's history; `None` when there is no such
/// act to appeal (no refusal, no such condition, not suspended or revoked now).
pub fn act_at(case: &Application, history: &[Recorded], subject: AppealSubject) -> Option<DateTime<Utc>> {
    let last = |f: fn(&Event) -> bool| history.iter().rev().find(|r| f(&r.event)).map(|r| r.at);
    match subject {
        AppealSubject::Refusal => case.decision.as_ref().filter(|d| d.outcome == Outcome::Deny).map(|d| d.at),
        AppealSubject::Condition { index } => {
            let l = case.licence.as_ref()?;
            if index >= l.conditions.len()
                || !matches!(l.status, LicenceStatus::Active | LicenceStatus::Suspended)
            {
                return None;
            }
            // The latest change of the licence's conditions.
            last(|e| matches!(e, Event::LicenceIssued { .. } | Event::LicenceConditionsAdded { .. }))
        }
        AppealSubject::Suspension => {
            (case.licence.as_ref()?.status == LicenceStatus::Suspended).then_some(())?;
            last(|e| matches!(e, Event::LicenceSuspended { .. }))
        }
        AppealSubject::Revocation => {
            (case.licence.as_ref()?.status == LicenceStatus::Revoked).then_some(())?;
            last(|e| matches!(e, Event::LicenceRevoked { .. }))
        }
    }
}

/// Who may see an appeal: the appealing organisation's exporters; the review panel's members; the
/// authority's case-file roles.
pub fn may_see(actor: &Actor, case: &Application) -> bool {
    match actor.org_kind {
        OrgKind::Exporter => actor.org == case.org && actor.has(Role::Exporter),
        OrgKind::Authority => crate::access::can_see_case(actor, case.org),
        OrgKind::PartnerAgency => false,
    }
}

/// What [`decide`] needs besides the appeal and the command.
#[derive(Debug, Clone)]
pub struct AppealContext<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub case: &'a Application,
    /// The case's recorded history (its events with who and when).
    pub history: &'a [Recorded],
    /// Who recorded the case's other records (its screening findings, its assessments and HRIA):
    /// they took part in the case too.
    pub other_actors: &'a [UserId],
    pub window_days: u32,
    /// Open appeals of the case on the same subject (another one may not be filed meanwhile).
    pub open_on_subject: bool,
}

fn invalid(field: &str, msg: &str) -> Rejection {
    Rejection::Invalid(FieldError::new(field, msg))
}

pub fn decide(
    state: Option<&Appeal>,
    cmd: AppealCommand,
    ctx: &AppealContext<'_>,
) -> Result<Vec<AppealEvent>, Rejection> {
    let (actor, case) = (ctx.actor, ctx.case);
    if !may_see(actor, case) {
        return Err(Rejection::NotFound);
    }
    let owner = || -> Result<(), Rejection> {
        if actor.org_kind == OrgKind::Exporter && actor.has(Role::Exporter) && actor.org == case.org {
            Ok(())
        } else {
            Err(Rejection::Forbidden(
                "only the exporter whose case it is appeals and answers the panel".into(),
            ))
        }
    };
    let member = |a: &Appeal| -> Result<(), Rejection> {
        crate::access::require_authority(actor, &[Role::ReviewPanelMember], "sitting on an appeal panel")?;
        if !a.panel.contains(&actor.user) {
            return Err(Rejection::Forbidden(
                "only a member of this appeal's panel may do this: join the panel first".into(),
            ));
        }
        Ok(())
    };
    match (state, cmd) {
        (None, AppealCommand::File { id, subject, grounds, documents }) => {
            owner()?;
            let Some(act) = act_at(case, ctx.history, subject) else {
                return Err(invalid(
                    "subject",
                    &format!(
                        "there is no {} to appeal on this case",
                        subject.label().trim_start_matches("the ")
                    ),
                ));
            };
            let closes = act + Duration::days(i64::from(ctx.window_days));
            if ctx.now > closes {
                return Err(Rejection::Blocked(format!(
                    "the window to appeal {} closed on {} ({} days after {})",
                    subject.label(),
                    closes.date_naive(),
                    ctx.window_days,
                    act.date_naive()
                )));
            }
            if ctx.open_on_subject {
                return Err(Rejection::Blocked(format!(
                    "an appeal of {} is already before the panel",
                    subject.label()
                )));
            }
            if documents.len() > 10 {
                return Err(invalid("documents", "at most 10 documents"));
            }
            Ok(vec![AppealEvent::AppealFiled {
                appeal: Appeal {
                    id,
                    case: case.id,
                    subject,
                    grounds: parse_multiline_text("grounds", &grounds, 20_000)?,
                    documents,
                    filed_by: actor.user,
                    filed_at: ctx.now,
                    act_at: act,
                    panel: vec![],
                    questions: vec![],
                    decision: None,
                    version: 0,
                },
            }])
        }
        (Some(_), AppealCommand::File { .. }) => Err(Rejection::AlreadyExists),
        (None, _) => Err(Rejection::NotFound),
        (Some(a), cmd) => {
            if !a.is_open() {
                return Err(Rejection::Blocked("the appeal is decided".into()));
            }
            match cmd {
                AppealCommand::File { .. } => Err(Rejection::AlreadyExists),
                AppealCommand::JoinPanel => {
                    crate::access::require_authority(
                        actor,
                        &[Role::ReviewPanelMember],
                        "sitting on an appeal panel",
                    )?;
                    if participants(ctx.history).contains(&actor.user)
                        || ctx.other_actors.contains(&actor.user)
                    {
                        return Err(Rejection::Forbidden(
                            "you took part in this case: an appeal is heard by panel members who did not"
                                .into(),
                        ));
                    }
                    if a.panel.contains(&actor.user) {
                        return Err(Rejection::Blocked("you are on this panel already".into()));
                    }
                    if a.panel.len() >= 3 {
                        return Err(Rejection::Blocked("the panel is complete (three members)".into()));
                    }
                    Ok(vec![AppealEvent::PanelJoined { member: actor.user }])
                }
                AppealCommand::Ask { id, question } => {
                    member(a)?;
                    if a.questions.iter().any(|q| q.id == id) {
                        return Err(invalid("id", "a question with this id exists"));
                    }
                    Ok(vec![AppealEvent::PanelAsked {
                        question: PanelQuestion {
                            id,
                            question: parse_multiline_text("question", &question, 5000)?,
                            asked_by: actor.user,
                            asked_at: ctx.now,
                            answer: None,
                            answered_at: None,
                        },
                    }])
                }
                AppealCommand::Answer { id, answer } => {
                    owner()?;
                    let q = a.questions.iter().find(|q| q.id == id).ok_or(Rejection::NotFound)?;
                    if q.answer.is_some() {
                        return Err(invalid("answer", "this question has been answered"));
                    }
                    Ok(vec![AppealEvent::PanelAnswered {
                        id,
                        answer: parse_multiline_text("answer", &answer, 20_000)?,
                    }])
                }
                AppealCommand::Decide { outcome, reasons } => {
                    member(a)?;
                    if a.panel.len() < PANEL_SIZE {
                        return Err(Rejection::Blocked(format!(
                            "the panel needs {PANEL_SIZE} members before it decides ({} so far)",
                            a.panel.len()
                        )));
                    }
                    if a.questions.iter().any(|q| q.answer.is_none()) {
                        return Err(Rejection::Blocked("a question to the exporter is unanswered".into()));
                    }
                    Ok(vec![AppealEvent::AppealDecided {
                        decision: AppealDecision {
                            outcome,
                            reasons: parse_multiline_text("reasons", &reasons, 20_000)?,
                            by: actor.user,
                            panel: a.panel.clone(),
                            at: ctx.now,
                        },
                    }])
                }
            }
        }
    }
}

pub fn apply(state: Option<Appeal>, e: &AppealEvent, at: DateTime<Utc>) -> Option<Appeal> {
    let mut a = match (state, e) {
        (None, AppealEvent::AppealFiled { appeal }) => {
            let mut a = appeal.clone();
            a.version = 1;
            return Some(a);
        }
        (None, _) => return None,
        (Some(a), _) => a,
    };
    a.version += 1;
    match e {
        AppealEvent::AppealFiled { .. } => {}
        AppealEvent::PanelJoined { member } => a.panel.push(*member),
        AppealEvent::PanelAsked { question } => a.questions.push(question.clone()),
        AppealEvent::PanelAnswered { id, answer } => {
            if let Some(q) = a.questions.iter_mut().find(|q| q.id == *id) {
                q.answer = Some(answer.clone());
                q.answered_at = Some(at);
            }
        }
        AppealEvent::AppealDecided { decision } => a.decision = Some(decision.clone()),
    }
    Some(a)
}

#[cfg(test)]
mod tests;
