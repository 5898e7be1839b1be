//! The risk assessment, the human-rights impact assessment (HRIA) and red flags on cases: the
//! workflow around the pure crate `oversight_risk`, under the rules of
//! `oversight_domain::assessment` (who records what, second-person clearance, HRIA requirement,
//! decision blockers).
//!
//! - A licensing officer or human-rights assessor runs the assessment of a submitted case: the
//!   case's facts (destination, strictest item tier, cyber flag, end user), its screening hits (from
//!   the screening capability), this authority's earlier denials (from the cases capability), the
//!   evidence register and its established violations (from the evidence capability) and the
//!   embargo list in force go into [`oversight_risk::assess`] with the policy in force (the bundled
//!   one until a change of rule is adopted: `crate::rulemaking`) and the bundled indicator data,
//!   dated by the app clock. The result is stored as an `assessment_recorded` event in stream
//!   `assessment-<case uuid>`; it echoes its inputs, the policy hash and the data versions, so it
//!   can be replayed.
//! - Red flags put the case on hold at once: the lifecycle's `HoldForRedFlags`, under the user whose
//!   assessment raised them. Only an approver who did not record the assessment clears them, with
//!   a recorded reason; clearing resumes the case if the red-flag hold is what holds it.
//! - A decision reads this stream from the store (the cases capability's gates), so a node that has
//!   not folded another node's assessment cannot let a decision through, nor refuse one wrongly.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use oversight_domain::{
    Actor, Application, ApplicationId, ApplicationStatus, ControlEntry,
    application::Outcome as DomainOutcome,
    assessment::{self as rules, CaseAssessment, CaseAssessmentEvent},
    lifecycle::Command,
    party::PartyRole,
};
use serde::Serialize;

/// The pure assessment crate, re-exported so that faces (web, CLI) name the same types.
pub use oversight_risk as risk;
use risk::{
    Assessment, AssessmentInput, EndUserInput, Hria, IndicatorStore, Iso3, ItemInput, PriorDenial,
    assess::DataVersion,
};

pub use oversight_domain::assessment::stream as assessment_stream;
pub use oversight_domain::lifecycle::RED_FLAG_HOLD_PREFIX;

use crate::{
    App, AppError,
    app::{Result, actor_of_event, decode, new_event},
    cases::fold_case,
};

// ----- views ---------------------------------------------------------------------------------

/// One recorded assessment.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentRecord {
    /// Position in the case's assessment stream (names the assessment when clearing its red flags).
    pub version: u64,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<String>,
    pub recorded_by_name: Option<String>,
    /// The full assessment: score, band, factors, red flags with evidence, recommended outcome and
    /// conditions, plain-language rationale, what would change it, rule path, policy and data
    /// versions, and the echoed inputs.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub assessment: Assessment,
    /// The approver's clearance of this assessment's red flags, if any.
    pub red_flags_cleared: Option<Clearance>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clearance {
    pub assessment_version: u64,
    pub flags: Vec<String>,
    pub reason: String,
    pub cleared_at: DateTime<Utc>,
    pub cleared_by: Option<String>,
    pub cleared_by_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HriaRecord {
    pub version: u64,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<String>,
    pub recorded_by_name: Option<String>,
    /// The sections of DOMAIN §6.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub hria: Hria,
}

/// A case's assessments and what still stands between it and a decision.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseAssessments {
    pub latest: Option<AssessmentRecord>,
    /// Earlier assessments, newest first.
    pub earlier: Vec<AssessmentRecord>,
    /// Whether the latest assessment requires an HRIA before a decision (`None` without one).
    pub hria_required: Option<bool>,
    /// The latest HRIA recorded.
    pub hria: Option<HriaRecord>,
    /// Red flags of the latest assessment not yet cleared by an approver.
    pub uncleared_red_flags: Vec<String>,
    /// Why a decision would be refused now (empty: the assessment gates are passed).
    pub decision_blockers: Vec<String>,
    /// The latest assessment beside the one before it, line by line (empty with fewer than two).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub difference: Vec<oversight_risk::compare::Difference>,
}

/// The result of re-running the latest assessment with its recorded inputs.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplayReport {
    pub assessment_version: u64,
    /// The replay reproduced the recorded assessment exactly (compared as JSON).
    pub identical: bool,
    pub policy_sha256: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub data_versions: Vec<DataVersion>,
    pub recorded_outcome: String,
    /// `None` when the replay could not run (the recorded policy or data is not the one available).
    pub replayed_outcome: Option<String>,
    pub message: String,
}

/// The method and data assessments are made with now: the policy's version and hash, and each
/// indicator dataset's release (public: anyone may know how decisions are assessed).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentBasis {
    pub policy_version: String,
    pub policy_sha256: String,
    pub datasets: Vec<DatasetInForce>,
}

/// One indicator dataset in force.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatasetInForce {
    pub id: String,
    pub name: String,
    pub release: String,
    pub licence: String,
    pub url: String,
    pub sha256: String,
}

impl App {
    /// The policy and indicator data in force.
    pub fn assessment_basis(&self) -> Result<AssessmentBasis> {
        let p = self.policy_in_force()?;
        Ok(AssessmentBasis {
            policy_version: p.version().to_string(),
            policy_sha256: p.sha256.clone(),
            datasets: indicators()?
                .datasets()
                .map(|d| DatasetInForce {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    release: d.release.clone(),
                    licence: d.licence.clone(),
                    url: d.url.clone(),
                    sha256: d.sha256.clone(),
                })
                .collect(),
        })
    }
}

// ----- bundled method and data ---------------------------------------------------------------

/// The bundled indicator data (loaded once; about 25 ms).
fn indicators() -> Result<&'static IndicatorStore> {
    static D: OnceLock<Result<IndicatorStore, String>> = OnceLock::new();
    D.get_or_init(|| IndicatorStore::bundled().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("loading the bundled indicator data: {e}")))
}

// ----- use cases -----------------------------------------------------------------------------

impl App {
    /// The case as stored (whatever this node's read model has reached).
    async fn case_from_store(&self, id: ApplicationId) -> Result<Application> {
        fold_case(&self.store.read_stream(&id.stream()).await?)?.ok_or(AppError::NotFound)
    }

    /// The case's assessment record folded from the store, with its stream version.
    pub(crate) async fn case_assessment_from_store(
        &self,
        id: ApplicationId,
    ) -> Result<(CaseAssessment, u64)> {
        let stored = self.store.read_stream(&rules::stream(id)).await?;
        let mut state = CaseAssessment::default();
        for e in &stored {
            let event: CaseAssessmentEvent = decode(e).map_err(AppError::Internal)?;
            state = rules::apply(state, &event, actor_of_event(e), e.recorded_at);
        }
        Ok((state, stored.len() as u64))
    }

    /// Decides an assessment command on the case and its record as stored, and appends what the
    /// rules say, deciding again if another writer got there first. Returns the record after it.
    async fn assessment_command(
        &self,
        actor: &Actor,
        id: ApplicationId,
        make: impl Fn(&Application) -> Result<rules::Command>,
        at: DateTime<Utc>,
    ) -> Result<(CaseAssessment, Application)> {
        self.retrying("the assessment record", || async {
            let case = self.case_from_store(id).await?;
            let (state, version) = self.case_assessment_from_store(id).await?;
            let cmd = make(&case)?;
            let ctx = rules::Context { actor, now: at, case: &case };
            let events = rules::decide(&state, cmd, &ctx)?;
            let new = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), at)).collect();
            self.append(&rules::stream(id), version, new, &[], &[]).await?;
            let after = events.iter().fold(state, |s, e| rules::apply(s, e, Some(actor.user), at));
            Ok((after, case))
        })
        .await
    }

    /// The assessment inputs from the case's facts and the other capabilities' records, dated `date`.
    async fn assessment_input(&self, app: &Application, date: NaiveDate) -> Result<AssessmentInput> {
        let destination = Iso3::parse(&app.destination.to_string())
            .map_err(|e| AppError::Conflict(format!("the destination cannot be assessed: {e}")))?;
        // The strictest item decides (tier A before B before C; a cyber-surveillance entry first).
        let list = self.control_list();
        let mut entries: Vec<&ControlEntry> = Vec::new();
        for item in &app.items {
            let entry = list.get(&item.control_code).ok_or_else(|| {
                AppError::Conflict(format!(
                    "item {} has the control code {}, which is not in the control list",
                    item.id, item.control_code
                ))
            })?;
            entries.push(entry);
        }
        let strictest = entries
            .iter()
            .min_by_key(|e| (e.tier, !e.cyber_surveillance))
            .ok_or_else(|| AppError::Conflict("the case has no items to assess".into()))?;
        let end_user = app
            .parties
            .iter()
            .find(|p| p.role == PartyRole::EndUser)
            .ok_or_else(|| AppError::Conflict("the case has no end user to assess".into()))?;
        let mut evidence = self.evidence_entries();
        evidence.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(AssessmentInput {
            destination: destination.clone(),
            item: ItemInput {
                control_code: strictest.code.clone(),
                tier: strictest.tier,
                cyber_surveillance: entries.iter().any(|e| e.cyber_surveillance),
            },
            end_user: EndUserInput { sector: end_user.sector, name: Some(end_user.name.clone()) },
            screening_hits: self.screening_hits(app.id).await?,
            sanctions: self.embargoes_in_force()?.facts_for(&destination),
            prior_denials: self.prior_denials(app, &destination, date),
            established_violations: self.established_violations(&destination, &end_user.name),
            evidence,
            assessment_date: date,
        })
    }

    /// This authority's own denials to the same destination decided on or before `date`: one per
    /// denied item, with the end user, so the assessment's prior-denial rule can match them.
    fn prior_denials(&self, app: &Application, destination: &Iso3, date: NaiveDate) -> Vec<PriorDenial> {
        let mut out = Vec::new();
        for other in &self.cases_where(|a| a.status == ApplicationStatus::Denied) {
            let Some(d) = other.decision.as_ref() else { continue };
            if other.id == app.id
                || d.outcome != DomainOutcome::Deny
                || d.at.date_naive() > date
                || other.destination != app.destination
            {
                continue;
            }
            let end_user = other.parties.iter().find(|p| p.role == PartyRole::EndUser);
            for item in &other.items {
                out.push(PriorDenial {
                    denied_by: "us".into(),
                    reference: format!("case {}", other.id.0),
                    date: d.at.date_naive(),
                    destination: destination.clone(),
                    control_code: item.control_code.clone(),
                    end_user: end_user.map(|p| p.name.clone()),
                    end_user_sector: end_user.map(|p| p.sector),
                    reason: d.public_rationale.chars().take(500).collect(),
                });
            }
        }
        out
    }

    fn assessment_view(&self, rec: &CaseAssessment, a: &rules::Recorded<Assessment>) -> AssessmentRecord {
        AssessmentRecord {
            version: a.version,
            recorded_at: a.at,
            recorded_by: a.by.map(|u| u.to_string()),
            recorded_by_name: self.user_name(a.by),
            assessment: a.value.clone(),
            red_flags_cleared: rec.clearance_of(a.version).map(|c| Clearance {
                assessment_version: c.value.assessment_version,
                flags: c.value.flags.iter().map(|f| f.as_str().to_string()).collect(),
                reason: c.value.reason.clone(),
                cleared_at: c.at,
                cleared_by: c.by.map(|u| u.to_string()),
                cleared_by_name: self.user_name(c.by),
            }),
        }
    }

    fn hria_view(&self, h: &rules::Recorded<Hria>) -> HriaRecord {
        HriaRecord {
            version: h.version,
            recorded_at: h.at,
            recorded_by: h.by.map(|u| u.to_string()),
            recorded_by_name: self.user_name(h.by),
            hria: h.value.clone(),
        }
    }

    fn case_assessments_view(&self, rec: &CaseAssessment) -> CaseAssessments {
        let mut all: Vec<AssessmentRecord> =
            rec.assessments.iter().rev().map(|a| self.assessment_view(rec, a)).collect();
        let latest = (!all.is_empty()).then(|| all.remove(0));
        let difference = match (&latest, all.first()) {
            (Some(l), Some(e)) => oversight_risk::compare::differences(&e.assessment, &l.assessment),
            _ => vec![],
        };
        CaseAssessments {
            difference,
            latest,
            earlier: all,
            hria_required: rules::hria_required(rec),
            hria: rec.hrias.last().map(|h| self.hria_view(h)),
            uncleared_red_flags: rules::uncleared(rec).iter().map(|f| f.as_str().to_string()).collect(),
            decision_blockers: rules::decision_blockers(rec),
        }
    }

    /// Refuses unless the actor may see the case and is of the authority (reads of assessments).
    fn assessment_reader(
        &self,
        actor: &Actor,
        id: ApplicationId,
        roles: &[oversight_domain::Role],
    ) -> Result<()> {
        let case = self.case(id).ok_or(AppError::NotFound)?;
        oversight_domain::access::require_on_case(actor, case.org, roles, "seeing a case's assessment")?;
        Ok(())
    }

    /// Runs the risk assessment of a submitted case and records it (licensing officers and
    /// human-rights assessors). Red flags put the case on hold at once if it can be held.
    pub async fn record_assessment(&self, actor: &Actor, id: ApplicationId) -> Result<AssessmentRecord> {
        self.record_assessment_at(actor, id, self.now()).await
    }

    async fn record_assessment_at(
        &self,
        actor: &Actor,
        id: ApplicationId,
        at: DateTime<Utc>,
    ) -> Result<AssessmentRecord> {
        // Refuse a wrong role or case before computing anything.
        let case = self.case_from_store(id).await?;
        rules::may_assess(actor, &case)?;
        self.ensure_evidence_seeded(at).await?;
        let input = self.assessment_input(&case, at.date_naive()).await?;
        // The policy and embargo list in force now (the policy's hash is recorded in the assessment).
        let assessment = risk::assess(&*self.policy_in_force()?, indicators()?, &input);
        let (rec, case) = self
            .assessment_command(
                actor,
                id,
                |_| Ok(rules::Command::Record { assessment: Box::new(assessment.clone()) }),
                at,
            )
            .await?;
        let latest = rec.latest().expect("just recorded");
        let flags: Vec<String> = latest.value.red_flags.iter().map(|f| f.kind.as_str().to_string()).collect();
        // A re-assessment of a live licence that raises red flags is new evidence: a review.
        if !flags.is_empty()
            && case.licence.as_ref().is_some_and(|l| oversight_domain::review::is_live(l.status))
        {
            let trigger = oversight_domain::review::Trigger::Officer;
            let evidence = format!(
                "Re-assessment {} raised red flags: {}. Recommended outcome: {}.",
                latest.version,
                latest.value.red_flags.iter().map(|f| f.summary.as_str()).collect::<Vec<_>>().join("; "),
                latest.value.recommended_outcome.plain()
            );
            self.open_reviews(actor, vec![(id, trigger, evidence)]).await;
        }
        if !flags.is_empty() && case.status.can_hold() {
            // The assessment is stored: the hold is its consequence, and a failure to record it is
            // logged, not answered as a failed assessment (the decision gate still holds the case).
            let cmd = Command::HoldForRedFlags { assessment_version: latest.version, flags };
            if let Err(e) = self.execute_at(actor, id, cmd, at).await {
                tracing::error!(
                    "assessment {} of case {id} raised red flags, but the hold failed: {e}",
                    latest.version
                );
            }
        }
        Ok(self.assessment_view(&rec, latest))
    }

    /// The case's assessments (latest first), its HRIA and what blocks a decision (authority only).
    pub async fn case_assessments(&self, actor: &Actor, id: ApplicationId) -> Result<CaseAssessments> {
        self.assessment_reader(actor, id, &oversight_domain::access::CASE_FILE_ROLES)?;
        let (rec, _) = self.case_assessment_from_store(id).await?;
        Ok(self.case_assessments_view(&rec))
    }

    /// Re-runs the latest recorded assessment with its recorded inputs, the policy it recorded (any
    /// version ever in force) and the bundled data,
    /// and says whether the result is identical. A policy or data release other than the recorded
    /// one is reported, not silently re-scored.
    pub async fn replay_assessment(&self, actor: &Actor, id: ApplicationId) -> Result<ReplayReport> {
        self.assessment_reader(
            actor,
            id,
            &[
                oversight_domain::Role::LicensingOfficer,
                oversight_domain::Role::HumanRightsAssessor,
                oversight_domain::Role::Approver,
            ],
        )?;
        let (rec, _) = self.case_assessment_from_store(id).await?;
        let latest = rec
            .latest()
            .ok_or_else(|| AppError::Conflict("no assessment is recorded for this case".into()))?;
        let recorded = &latest.value;
        let mut report = ReplayReport {
            assessment_version: latest.version,
            identical: false,
            policy_sha256: recorded.policy.sha256.clone(),
            data_versions: recorded.data_versions.clone(),
            recorded_outcome: recorded.recommended_outcome.as_str().into(),
            replayed_outcome: None,
            message: String::new(),
        };
        // The recorded policy, whichever version it was; one never in force here is reported.
        let policy = match self.policy_by_hash(&recorded.policy.sha256)? {
            Some(p) => p,
            None => self.policy_in_force()?,
        };
        match risk::replay(&policy, indicators()?, recorded) {
            Err(e) => report.message = format!("cannot replay: {e}"),
            Ok(again) => {
                let (before, after) = (
                    serde_json::to_value(recorded).map_err(|e| AppError::Internal(e.into()))?,
                    serde_json::to_value(&again).map_err(|e| AppError::Internal(e.into()))?,
                );
                report.identical = before == after;
                report.replayed_outcome = Some(again.recommended_outcome.as_str().into());
                report.message = if report.identical {
                    "the replay with the recorded policy and data reproduced the recorded assessment exactly"
                        .into()
                } else {
                    let diff = risk::diff(recorded, &again);
                    format!("the replay differs from the record: {}", diff.summary)
                };
            }
        }
        Ok(report)
    }

    /// Records a human-rights impact assessment on the case (human-rights assessors only). Every
    /// section must be filled in; a blank one is refused naming it.
    pub async fn record_hria(&self, actor: &Actor, id: ApplicationId, hria: Hria) -> Result<HriaRecord> {
        self.record_hria_at(actor, id, hria, self.now()).await
    }

    async fn record_hria_at(
        &self,
        actor: &Actor,
        id: ApplicationId,
        hria: Hria,
        at: DateTime<Utc>,
    ) -> Result<HriaRecord> {
        let (rec, _) = self
            .assessment_command(actor, id, |_| Ok(rules::Command::RecordHria { hria: hria.clone() }), at)
            .await?;
        Ok(self.hria_view(rec.hrias.last().expect("just recorded")))
    }

    /// The latest HRIA of the case (authority only).
    pub async fn case_hria(&self, actor: &Actor, id: ApplicationId) -> Result<HriaRecord> {
        self.assessment_reader(actor, id, &oversight_domain::access::CASE_FILE_ROLES)?;
        let (rec, _) = self.case_assessment_from_store(id).await?;
        rec.hrias.last().map(|h| self.hria_view(h)).ok_or(AppError::NotFound)
    }

    /// An approver who did not record the assessment clears the latest assessment's red flags with
    /// a recorded reason; a case held by the red-flag rule resumes to where it was.
    pub async fn clear_red_flags(
        &self,
        actor: &Actor,
        id: ApplicationId,
        reason: &str,
    ) -> Result<CaseAssessments> {
        self.clear_red_flags_at(actor, id, reason, self.now()).await
    }

    async fn clear_red_flags_at(
        &self,
        actor: &Actor,
        id: ApplicationId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<CaseAssessments> {
        let cmd = || Ok(rules::Command::ClearRedFlags { reason: reason.to_string() });
        let (rec, case) = self.assessment_command(actor, id, |_| cmd(), at).await?;
        let reason = rec.clearances.last().map(|c| c.value.reason.clone()).unwrap_or_default();
        if case.status == ApplicationStatus::OnHold
            && case.hold.as_ref().is_some_and(|h| h.red_flags_of.is_some())
        {
            let cmd = Command::Resume { reason: format!("Red flags cleared by an approver: {reason}") };
            if let Err(e) = self.execute_at(actor, id, cmd, at).await {
                tracing::error!("red flags of case {id} are cleared, but resuming the case failed: {e}");
            }
        }
        Ok(self.case_assessments_view(&rec))
    }

    /// Records the demo case's assessment (and HRIA where required) before its decision
    /// (called by `demo::load` once the officer's recommendation is recorded). Red flags are put on
    /// hold and then cleared by the demo approver, so that the demo's later decisions go through and
    /// the history shows the whole red-flag path.
    pub(crate) async fn demo_assess(
        &self,
        officer: &Actor,
        id: oversight_domain::ApplicationId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AppError> {
        let demo_actor = |email: &str| -> Result<Actor> {
            self.actor_of(self.user_by_email(email).ok_or(AppError::NotFound)?)
        };
        let approver = demo_actor("approver@authority.example")?;
        let assessor = demo_actor("assessor@authority.example")?;
        let minutes = chrono::Duration::minutes;
        let recorded = self.record_assessment_at(officer, id, at + minutes(10)).await?;
        let a = &recorded.assessment;
        if !a.red_flags.is_empty() {
            let reason = format!(
                "Reviewed the red flags ({}) against the recommendation; they are weighed in the decision and recorded in its rationale.",
                rules::flag_names(&a.red_flags.iter().map(|f| f.kind).collect::<Vec<_>>())
            );
            self.clear_red_flags_at(&approver, id, &reason, at + minutes(120)).await?;
        }
        let (rec, _) = self.case_assessment_from_store(id).await?;
        if rules::hria_required(&rec) == Some(true) {
            let app = self.case_from_store(id).await?;
            let end_user = app.parties.iter().find(|p| p.role == PartyRole::EndUser);
            let item = app.items.first();
            let hria = Hria {
                item_capabilities: format!(
                    "{} (control entry {}): can be used to monitor communications or devices of people who are not suspects.",
                    item.map(|i| i.description.as_str()).unwrap_or("the item"),
                    a.input.item.control_code
                ),
                legal_framework: format!(
                    "Destination {} ({}): reviewed the legal basis for surveillance, judicial authorisation and oversight bodies as scored in the assessment (band {}).",
                    a.destination_name,
                    a.destination.as_str(),
                    a.adjusted_band.map_or("none".to_string(), |b| b.to_string())
                ),
                end_user_record: format!(
                    "{}: public reporting and the evidence register checked; findings listed in the assessment's red flags, if any.",
                    end_user.map(|p| p.name.as_str()).unwrap_or("End user")
                ),
                groups_at_risk: "Journalists, human-rights defenders, political opposition, minorities."
                    .into(),
                likelihood_and_severity: format!(
                    "Assessment recommends {}; severity of misuse is high (privacy, freedom of expression).",
                    a.recommended_outcome.as_str()
                ),
                mitigations:
                    "End-use assurance, post-shipment verification, recipient training, audit rights.".into(),
                stakeholder_input: "Demo: no stakeholder submissions received.".into(),
                conclusion: format!(
                    "Consistent with the recommended outcome ({}).",
                    a.recommended_outcome.as_str()
                ),
            };
            self.record_hria_at(&assessor, id, hria, at + minutes(240)).await?;
        }
        Ok(())
    }
}
