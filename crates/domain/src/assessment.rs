//! The case assessment as rules: recording a risk assessment and an HRIA, clearing red flags by a
//! second person, when an HRIA is required, and what stands in the way of a decision.
//!
//! The assessment itself is computed by the risk crate (`oversight-risk`); this module decides who
//! may record what on which case, and what the record means for the case. State is folded per case
//! from stream `assessment-<case uuid>` with [`apply`].
//!
//! | command | who | refused when |
//! |---|---|---|
//! | record an assessment | licensing officer or human-rights assessor | case not submitted or already decided |
//! | record an HRIA | human-rights assessor | as above; a section empty or too long |
//! | clear red flags | an approver who did not record the assessment (second person) | no assessment; no red flags; already cleared; empty reason |
//!
//! Red flags put the case on hold (the lifecycle's `HoldForRedFlags`, issued by the assessment's
//! use case), and that hold can only be lifted once [`uncleared`] is empty.

use chrono::{DateTime, Utc};
use oversight_risk::{Assessment, Hria, HriaSection, RedFlagKind, assess::DataVersion};
use serde::{Deserialize, Serialize};

use crate::{
    Actor, Application, ApplicationId, FieldError, Role, UserId, access, application::ApplicationStatus,
    lifecycle::Rejection, parse_multiline_text,
};

/// Longest HRIA section accepted.
pub const MAX_HRIA_SECTION: usize = 20_000;

/// The stream of a case's assessments, HRIAs and red-flag clearances.
pub fn stream(id: ApplicationId) -> String {
    format!("assessment-{}", id.0)
}

/// Events of stream `assessment-<case>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseAssessmentEvent {
    /// One assessment run. `policy_sha256` and `data_versions` repeat what the assessment records, so
    /// the log can be searched by policy without opening the assessment.
    AssessmentRecorded {
        policy_id: String,
        policy_version: String,
        policy_sha256: String,
        data_versions: Vec<DataVersion>,
        assessment: Box<Assessment>,
    },
    HriaRecorded {
        hria: Hria,
    },
    /// An approver has considered the red flags of assessment `assessment_version` (its version in
    /// this stream) and records why the case may proceed to a decision.
    RedFlagsCleared {
        assessment_version: u64,
        flags: Vec<RedFlagKind>,
        reason: String,
    },
}

impl CaseAssessmentEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            CaseAssessmentEvent::AssessmentRecorded { .. } => "assessment_recorded",
            CaseAssessmentEvent::HriaRecorded { .. } => "hria_recorded",
            CaseAssessmentEvent::RedFlagsCleared { .. } => "red_flags_cleared",
        }
    }
}

/// Something recorded in the stream, with its position, time and author.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded<T> {
    pub version: u64,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub value: T,
}

/// A clearance of one assessment's red flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Clearance {
    pub assessment_version: u64,
    pub flags: Vec<RedFlagKind>,
    pub reason: String,
}

/// Everything recorded in one case's assessment stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseAssessment {
    pub assessments: Vec<Recorded<Assessment>>,
    pub hrias: Vec<Recorded<Hria>>,
    pub clearances: Vec<Recorded<Clearance>>,
    /// Events applied: the stream version.
    pub version: u64,
}

impl CaseAssessment {
    pub fn latest(&self) -> Option<&Recorded<Assessment>> {
        self.assessments.last()
    }

    pub fn clearance_of(&self, assessment_version: u64) -> Option<&Recorded<Clearance>> {
        self.clearances.iter().rev().find(|c| c.value.assessment_version == assessment_version)
    }
}

/// Folds one event recorded at `at` by `by`.
pub fn apply(
    mut state: CaseAssessment,
    event: &CaseAssessmentEvent,
    by: Option<UserId>,
    at: DateTime<Utc>,
) -> CaseAssessment {
    state.version += 1;
    let version = state.version;
    match event {
        CaseAssessmentEvent::AssessmentRecorded { assessment, .. } => {
            state.assessments.push(Recorded { version, at, by, value: (**assessment).clone() })
        }
        CaseAssessmentEvent::HriaRecorded { hria } => {
            state.hrias.push(Recorded { version, at, by, value: hria.clone() })
        }
        CaseAssessmentEvent::RedFlagsCleared { assessment_version, flags, reason } => {
            state.clearances.push(Recorded {
                version,
                at,
                by,
                value: Clearance {
                    assessment_version: *assessment_version,
                    flags: flags.clone(),
                    reason: reason.clone(),
                },
            })
        }
    }
    state
}

/// A request to change a case's assessment record.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Record { assessment: Box<Assessment> },
    RecordHria { hria: Hria },
    ClearRedFlags { reason: String },
}

/// Everything [`decide`] needs besides the state and the command.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    /// The case as it stands (its owner decides visibility, its status whether it is assessable).
    pub case: &'a Application,
}

/// Decides which events an assessment command produces.
pub fn decide(
    state: &CaseAssessment,
    cmd: Command,
    ctx: &Context<'_>,
) -> Result<Vec<CaseAssessmentEvent>, Rejection> {
    let (actor, case) = (ctx.actor, ctx.case);
    match cmd {
        Command::Record { assessment } => {
            may_assess(actor, case)?;
            Ok(vec![CaseAssessmentEvent::AssessmentRecorded {
                policy_id: assessment.policy.id.clone(),
                policy_version: assessment.policy.version.clone(),
                policy_sha256: assessment.policy.sha256.clone(),
                data_versions: assessment.data_versions.clone(),
                assessment,
            }])
        }
        Command::RecordHria { hria } => {
            access::require_on_case(
                actor,
                case.org,
                &[Role::HumanRightsAssessor],
                "recording a human-rights impact assessment",
            )?;
            require_assessable(case, "a human-rights impact assessment")?;
            Ok(vec![CaseAssessmentEvent::HriaRecorded { hria: check_hria(hria)? }])
        }
        Command::ClearRedFlags { reason } => {
            access::require_on_case(actor, case.org, &[Role::Approver], "clearing red flags")?;
            require_assessable(case, "a red-flag clearance")?;
            let reason = parse_multiline_text("reason", &reason, 2000)?;
            let latest = state
                .latest()
                .ok_or_else(|| Rejection::Blocked("no assessment is recorded for this case".into()))?;
            if latest.value.red_flags.is_empty() {
                return Err(Rejection::Blocked("the latest assessment raised no red flags".into()));
            }
            if state.clearance_of(latest.version).is_some() {
                return Err(Rejection::Blocked(
                    "the red flags of the latest assessment are already cleared".into(),
                ));
            }
            if latest.by == Some(actor.user) {
                return Err(Rejection::Forbidden(
                    "red flags are cleared by a second person: not by the one who recorded the assessment"
                        .into(),
                ));
            }
            Ok(vec![CaseAssessmentEvent::RedFlagsCleared {
                assessment_version: latest.version,
                flags: latest.value.red_flags.iter().map(|f| f.kind).collect(),
                reason,
            }])
        }
    }
}

/// Whether `actor` may run and record a risk assessment of `case` now (asked before the
/// assessment is computed, and again when it is recorded): a submitted case not yet decided, or a
/// live (active or suspended) licence — a re-assessment when indicators, policy or evidence change
/// or a licence review opens, recorded beside the earlier ones.
pub fn may_assess(actor: &Actor, case: &Application) -> Result<(), Rejection> {
    access::require_on_case(
        actor,
        case.org,
        &[Role::LicensingOfficer, Role::HumanRightsAssessor],
        "running a risk assessment",
    )?;
    if case.licence.as_ref().is_some_and(|l| crate::review::is_live(l.status)) {
        return Ok(());
    }
    require_assessable(case, "a risk assessment")
}

/// A case on which assessments, HRIAs and clearances may be recorded: submitted, not yet decided.
fn require_assessable(case: &Application, what: &str) -> Result<(), Rejection> {
    if case.status.can_hold() || case.status == ApplicationStatus::OnHold {
        Ok(())
    } else {
        Err(Rejection::Blocked(format!(
            "{what} is recorded on a submitted case that is not yet decided; this case is {}",
            case.status.as_str()
        )))
    }
}

fn section_name(s: HriaSection) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Every section present, none too long; text trimmed.
fn check_hria(mut hria: Hria) -> Result<Hria, Rejection> {
    if let Err(e) = hria.validate() {
        let first = e.0.first().copied().map(section_name).unwrap_or_default();
        return Err(Rejection::Invalid(FieldError::new(first, e.to_string())));
    }
    for (section, text) in hria.sections() {
        if text.chars().count() > MAX_HRIA_SECTION {
            return Err(Rejection::Invalid(FieldError::new(
                section_name(section),
                format!("the section \"{}\" is longer than {MAX_HRIA_SECTION} characters", section.title()),
            )));
        }
    }
    for s in [
        &mut hria.item_capabilities,
        &mut hria.legal_framework,
        &mut hria.end_user_record,
        &mut hria.groups_at_risk,
        &mut hria.likelihood_and_severity,
        &mut hria.mitigations,
        &mut hria.stakeholder_input,
        &mut hria.conclusion,
    ] {
        *s = s.trim().to_string();
    }
    Ok(hria)
}

/// Red flags of the latest assessment that no approver has cleared.
pub fn uncleared(state: &CaseAssessment) -> Vec<RedFlagKind> {
    match state.latest() {
        Some(a) if state.clearance_of(a.version).is_none() => {
            a.value.red_flags.iter().map(|f| f.kind).collect()
        }
        _ => Vec::new(),
    }
}

/// Whether the latest assessment needs an HRIA: tier A/B items, or an adjusted band of "elevated"
/// or worse. Without a score (no data at all) an HRIA is required: nothing about the destination is
/// known to say it is not. `None` without an assessment.
pub fn hria_required(state: &CaseAssessment) -> Option<bool> {
    let a = &state.latest()?.value;
    Some(a.adjusted_band.is_none_or(|band| oversight_risk::hria_required(a.input.item.tier, band)))
}

/// The names of red flags, for messages.
pub fn flag_names(flags: &[RedFlagKind]) -> String {
    flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
}

/// The latest assessment's recommended outcome (what a decision may depart from).
pub fn recommended_outcome(state: &CaseAssessment) -> Option<oversight_risk::Outcome> {
    state.latest().map(|a| a.value.recommended_outcome)
}

/// Whether, and which way, deciding `decided` departs from the recommended outcome. Outcomes are
/// ranked by strictness (approve < approve with conditions < deny); `refer` recommends no outcome,
/// so nothing departs from it; from a presumption of denial, any approval departs towards approval
/// and a denial does not depart.
pub fn departure(
    recommended: oversight_risk::Outcome,
    decided: crate::application::Outcome,
) -> Option<crate::application::DepartureDirection> {
    use crate::application::{DepartureDirection as D, Outcome as O};
    use oversight_risk::Outcome as R;
    let rank = |o: O| match o {
        O::Approve => 0,
        O::ApproveWithConditions => 1,
        O::Deny => 2,
    };
    let recommended = match recommended {
        R::Refer => return None,
        R::PresumptionOfDenial if decided == O::Deny => return None,
        R::PresumptionOfDenial | R::Deny => O::Deny,
        R::Approve => O::Approve,
        R::ApproveWithConditions => O::ApproveWithConditions,
    };
    match rank(decided).cmp(&rank(recommended)) {
        std::cmp::Ordering::Less => Some(D::TowardsApproval),
        std::cmp::Ordering::Greater => Some(D::TowardsDenial),
        std::cmp::Ordering::Equal => None,
    }
}

/// Why a decision must wait, in plain words; empty when the assessment gates are passed.
pub fn decision_blockers(state: &CaseAssessment) -> Vec<String> {
    let Some(latest) = state.latest() else {
        return vec![
            "no risk assessment is recorded for this case: a licensing officer or human-rights assessor must run it before a decision"
                .into(),
        ];
    };
    let mut out = Vec::new();
    if hria_required(state) == Some(true) && state.hrias.is_empty() {
        let a = &latest.value;
        let band = a.adjusted_band.map_or("no score".to_string(), |b| format!("{b} band"));
        out.push(format!(
            "a human-rights impact assessment is required (tier {} item, {band}) and none is recorded: a human-rights assessor must record it before a decision",
            a.input.item.tier
        ));
    }
    let flags = uncleared(state);
    if !flags.is_empty() {
        out.push(format!(
            "the risk assessment raised red flags ({}) that an approver has not cleared",
            flag_names(&flags)
        ));
    }
    out
}
