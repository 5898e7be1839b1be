//! Licence reviews: new evidence about a live licence opens a review of it; an approver decides
//! what follows (continue, add conditions, suspend, revoke) with a reason. DOMAIN.md §7.
//!
//! One stream per review (`review-<uuid>`). A review opens on a list release that matches a party
//! of the licence, an evidence-register entry about its destination, a breach of an obligation
//! past its grace period (or a failed post-shipment verification), or an officer's own concern.
//! The outcome's act on the licence (a suspension, a revocation, new conditions) is the
//! lifecycle's command, taken under the same approver: this record says why.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Application, ApplicationId, FieldError, UserId,
    access::require_authority,
    application::LicenceStatus,
    compliance::{ObligationTerm, parse_terms},
    lifecycle::Rejection,
    parse_multiline_text, parse_text,
    roles::{Actor, Role},
};

/// The stream of one review.
pub fn stream(id: Uuid) -> String {
    format!("review-{id}")
}

/// What opened the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Named apart from the screening's `Trigger` in the OpenAPI document (one schema per name).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReviewTrigger))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// A list release matched a party of the licence.
    ListMatch { list: String, list_version: u64, entry: String, party: String, score_percent: u32 },
    /// An evidence-register entry about the licence's destination.
    Evidence { evidence_id: String, title: String },
    /// An obligation breached past its grace period, or a failed post-shipment verification.
    ObligationBreach { key: String },
    /// An exporter's suspicious-activity report, triaged as concerning this licence.
    SuspiciousActivity { report: Uuid },
    /// A complaint from the public, examined by the ombudsperson.
    Complaint { reference: String },
    /// An officer's concern.
    Officer,
}

impl Trigger {
    pub fn label(&self) -> String {
        match self {
            Trigger::ListMatch { list, entry, party, .. } => {
                format!("list match: {party} on {list} ({entry})")
            }
            Trigger::Evidence { title, .. } => format!("new evidence: {title}"),
            Trigger::ObligationBreach { .. } => "obligation breached".into(),
            Trigger::SuspiciousActivity { .. } => "suspicious-activity report".into(),
            Trigger::Complaint { reference } => format!("complaint {reference}"),
            Trigger::Officer => "opened by an officer".into(),
        }
    }
}

/// How a review ends.
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
pub enum ReviewOutcomeTag {
    /// The licence continues as it is.
    Continue,
    /// The licence continues with further conditions.
    AddConditions,
    Suspend,
    Revoke,
}

impl ReviewOutcomeTag {
    pub const ALL: [ReviewOutcomeTag; 4] = oversight_vocab::all_variants();

    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

/// The approver's decision on a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewDecision {
    pub outcome: ReviewOutcomeTag,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<ObligationTerm>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A review, as folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub id: Uuid,
    pub case: ApplicationId,
    pub licence_number: String,
    pub trigger: Trigger,
    /// The evidence, in words an approver can check.
    pub evidence: String,
    /// The outcome the trigger proposes (a breach proposes a suspension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed: Option<ReviewOutcomeTag>,
    /// Absent when the platform opened it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_by: Option<UserId>,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ReviewDecision>,
    pub version: u64,
}

impl Review {
    pub fn is_open(&self) -> bool {
        self.decision.is_none()
    }

    /// What the review is about, in one line: the trigger and, for a breach or an officer's
    /// concern, the first line of the evidence.
    pub fn summary(&self) -> String {
        match self.trigger {
            Trigger::ObligationBreach { .. }
            | Trigger::Officer
            | Trigger::SuspiciousActivity { .. }
            | Trigger::Complaint { .. } => {
                let first: String = self.evidence.lines().next().unwrap_or("").chars().take(140).collect();
                format!("{}: {first}", self.trigger.label())
            }
            _ => self.trigger.label(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReviewCommand {
    Open {
        id: Uuid,
        trigger: Trigger,
        evidence: String,
        proposed: Option<ReviewOutcomeTag>,
    },
    Decide {
        outcome: ReviewOutcomeTag,
        reason: String,
        conditions: Vec<String>,
        obligations: Vec<ObligationTerm>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReviewEvent {
    ReviewOpened {
        id: Uuid,
        case: ApplicationId,
        licence_number: String,
        trigger: Trigger,
        evidence: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proposed: Option<ReviewOutcomeTag>,
    },
    ReviewDecided {
        decision: ReviewDecision,
    },
}

impl ReviewEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            ReviewEvent::ReviewOpened { .. } => "review_opened",
            ReviewEvent::ReviewDecided { .. } => "review_decided",
        }
    }
}

fn invalid(field: &str, msg: &str) -> Rejection {
    Rejection::Invalid(FieldError::new(field, msg))
}

/// Whether a licence in this state is live: what a review is about.
pub fn is_live(status: LicenceStatus) -> bool {
    matches!(status, LicenceStatus::Active | LicenceStatus::Suspended)
}

/// Decides a command on a review (`None`: it does not exist yet) of `case`, read by the caller
/// from the case's own stream.
pub fn decide(
    review: Option<&Review>,
    case: &Application,
    cmd: ReviewCommand,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<ReviewEvent>, Rejection> {
    if !actor.is_platform() && !crate::access::can_see_case(actor, case.org) {
        return Err(Rejection::NotFound);
    }
    let Some(licence) = case.licence.as_ref() else {
        return Err(Rejection::Blocked("the case has no licence to review".into()));
    };
    match (review, cmd) {
        (Some(_), ReviewCommand::Open { .. }) => Err(Rejection::AlreadyExists),
        (None, ReviewCommand::Open { id, trigger, evidence, proposed }) => {
            if !actor.is_platform() {
                require_authority(
                    actor,
                    &[Role::LicensingOfficer, Role::Approver, Role::HumanRightsAssessor, Role::Administrator],
                    "opening a licence review",
                )?;
            }
            if !is_live(licence.status) {
                return Err(Rejection::Blocked(format!(
                    "licence {} is no longer live: there is nothing to review",
                    licence.number
                )));
            }
            Ok(vec![ReviewEvent::ReviewOpened {
                id,
                case: case.id,
                licence_number: licence.number.clone(),
                trigger,
                evidence: parse_multiline_text("evidence", &evidence, 10_000)?,
                proposed,
            }])
        }
        (None, ReviewCommand::Decide { .. }) => Err(Rejection::NotFound),
        (Some(review), ReviewCommand::Decide { outcome, reason, conditions, obligations }) => {
            require_authority(actor, &[Role::Approver], "deciding a licence review")?;
            if !review.is_open() {
                return Err(Rejection::Blocked("the review is decided".into()));
            }
            let reason = parse_multiline_text("reason", &reason, 5000)?;
            let (conditions, obligations) = match outcome {
                ReviewOutcomeTag::AddConditions => {
                    if conditions.len() > 20 {
                        return Err(invalid("conditions", "at most 20 conditions"));
                    }
                    let conditions: Vec<String> = conditions
                        .iter()
                        .enumerate()
                        .map(|(i, c)| parse_text(&format!("conditions[{i}]"), c, 2000))
                        .collect::<Result<_, _>>()?;
                    let obligations = parse_terms("obligations", &obligations)?;
                    if conditions.is_empty() && obligations.is_empty() {
                        return Err(invalid(
                            "conditions",
                            "adding conditions needs at least one condition or obligation",
                        ));
                    }
                    (conditions, obligations)
                }
                _ if !conditions.is_empty() || !obligations.is_empty() => {
                    return Err(invalid("conditions", "conditions only go with the outcome add_conditions"));
                }
                _ => (vec![], vec![]),
            };
            let allowed = match outcome {
                ReviewOutcomeTag::Continue | ReviewOutcomeTag::Revoke | ReviewOutcomeTag::AddConditions => {
                    is_live(licence.status)
                }
                ReviewOutcomeTag::Suspend => licence.status == LicenceStatus::Active,
            };
            if !allowed {
                return Err(Rejection::Blocked(format!(
                    "licence {} cannot be {} from where it stands",
                    licence.number,
                    match outcome {
                        ReviewOutcomeTag::Continue => "continued",
                        ReviewOutcomeTag::AddConditions => "given conditions",
                        ReviewOutcomeTag::Suspend => "suspended",
                        ReviewOutcomeTag::Revoke => "revoked",
                    }
                )));
            }
            Ok(vec![ReviewEvent::ReviewDecided {
                decision: ReviewDecision {
                    outcome,
                    reason,
                    conditions,
                    obligations,
                    by: actor.user,
                    at: now,
                },
            }])
        }
    }
}

/// Folds one event (recorded by `actor` at `at`).
pub fn apply(
    review: Option<Review>,
    event: &ReviewEvent,
    actor: Option<UserId>,
    at: DateTime<Utc>,
) -> Option<Review> {
    match (review, event) {
        (None, ReviewEvent::ReviewOpened { id, case, licence_number, trigger, evidence, proposed }) => {
            Some(Review {
                id: *id,
                case: *case,
                licence_number: licence_number.clone(),
                trigger: trigger.clone(),
                evidence: evidence.clone(),
                proposed: *proposed,
                opened_by: actor,
                opened_at: at,
                decision: None,
                version: 1,
            })
        }
        (Some(mut r), ReviewEvent::ReviewDecided { decision }) => {
            r.decision = Some(decision.clone());
            r.version += 1;
            Some(r)
        }
        (r, _) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::licensed_case;

    fn officer() -> Actor {
        crate::test_support::authority(&[Role::LicensingOfficer], 2)
    }
    fn approver() -> Actor {
        crate::test_support::authority(&[Role::Approver], 3)
    }

    fn opened(case: &Application) -> Review {
        let now = case.licence.as_ref().unwrap().issued_at;
        let ev = decide(
            None,
            case,
            ReviewCommand::Open {
                id: Uuid::from_u128(7),
                trigger: Trigger::Officer,
                evidence: "report".into(),
                proposed: None,
            },
            &officer(),
            now,
        )
        .unwrap();
        apply(None, &ev[0], Some(officer().user), now).unwrap()
    }

    #[test]
    fn an_officer_or_the_platform_opens_a_review_of_a_live_licence_and_an_exporter_cannot() {
        let case = licensed_case();
        let r = opened(&case);
        assert!(r.is_open());
        let open = ReviewCommand::Open {
            id: Uuid::from_u128(8),
            trigger: Trigger::Officer,
            evidence: "x".into(),
            proposed: None,
        };
        assert!(decide(None, &case, open.clone(), &Actor::platform(), r.opened_at).is_ok());
        let exporter = crate::test_support::exporter_of(&case);
        assert!(matches!(
            decide(None, &case, open.clone(), &exporter, r.opened_at),
            Err(Rejection::Forbidden(_))
        ));
        let mut other = exporter.clone();
        other.org = crate::OrgId(Uuid::from_u128(999));
        assert_eq!(decide(None, &case, open.clone(), &other, r.opened_at), Err(Rejection::NotFound));
        let mut revoked = case.clone();
        revoked.licence.as_mut().unwrap().status = LicenceStatus::Revoked;
        assert!(matches!(decide(None, &revoked, open, &officer(), r.opened_at), Err(Rejection::Blocked(_))));
    }

    #[test]
    fn only_an_approver_decides_with_a_reason_and_only_once() {
        let case = licensed_case();
        let r = opened(&case);
        let suspend = |reason: &str| ReviewCommand::Decide {
            outcome: ReviewOutcomeTag::Suspend,
            reason: reason.into(),
            conditions: vec![],
            obligations: vec![],
        };
        assert!(matches!(
            decide(Some(&r), &case, suspend("because"), &officer(), r.opened_at),
            Err(Rejection::Forbidden(_))
        ));
        assert!(matches!(
            decide(Some(&r), &case, suspend("  "), &approver(), r.opened_at),
            Err(Rejection::Invalid(_))
        ));
        let ev =
            decide(Some(&r), &case, suspend("the end user is now listed"), &approver(), r.opened_at).unwrap();
        let decided = apply(Some(r.clone()), &ev[0], Some(approver().user), r.opened_at).unwrap();
        assert!(!decided.is_open());
        assert!(matches!(
            decide(Some(&decided), &case, suspend("again"), &approver(), r.opened_at),
            Err(Rejection::Blocked(_))
        ));
        // A suspended licence cannot be suspended again, but can be revoked.
        let mut suspended = case.clone();
        suspended.licence.as_mut().unwrap().status = LicenceStatus::Suspended;
        assert!(matches!(
            decide(Some(&r), &suspended, suspend("x"), &approver(), r.opened_at),
            Err(Rejection::Blocked(_))
        ));
        let revoke = ReviewCommand::Decide {
            outcome: ReviewOutcomeTag::Revoke,
            reason: "x".into(),
            conditions: vec![],
            obligations: vec![],
        };
        assert!(decide(Some(&r), &suspended, revoke, &approver(), r.opened_at).is_ok());
    }

    #[test]
    fn adding_conditions_needs_one_and_other_outcomes_take_none() {
        let case = licensed_case();
        let r = opened(&case);
        let add = |c: Vec<String>, o: Vec<ObligationTerm>, outcome| ReviewCommand::Decide {
            outcome,
            reason: "r".into(),
            conditions: c,
            obligations: o,
        };
        assert!(matches!(
            decide(Some(&r), &case, add(vec![], vec![], ReviewOutcomeTag::AddConditions), &approver(), r.opened_at),
            Err(Rejection::Invalid(e)) if e.field == "conditions"
        ));
        let psv = ObligationTerm {
            kind: crate::compliance::ObligationKind::PostShipmentVerification,
            days: Some(400),
        };
        assert!(matches!(
            decide(Some(&r), &case, add(vec![], vec![psv.clone()], ReviewOutcomeTag::AddConditions), &approver(), r.opened_at),
            Err(Rejection::Invalid(e)) if e.field == "obligations[0].days"
        ));
        let ok = ObligationTerm { days: Some(14), ..psv };
        assert!(
            decide(
                Some(&r),
                &case,
                add(vec![], vec![ok.clone()], ReviewOutcomeTag::AddConditions),
                &approver(),
                r.opened_at
            )
            .is_ok()
        );
        assert!(matches!(
            decide(
                Some(&r),
                &case,
                add(vec!["x".into()], vec![], ReviewOutcomeTag::Continue),
                &approver(),
                r.opened_at
            ),
            Err(Rejection::Invalid(_))
        ));
    }
}
