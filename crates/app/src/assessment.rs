//! Risk assessment, human-rights impact assessment (HRIA), red flags and the evidence register on
//! cases (issue #4): the workflow around the pure crate `oversight_risk`.
//!
//! - An officer or human-rights assessor runs the assessment of a submitted case: the case's facts
//!   (destination, strictest item tier, cyber flag, end user, this authority's earlier denials, the
//!   evidence register, the embargo list) go into [`oversight_risk::assess`] with the bundled policy
//!   and indicator data, dated by the app clock. The full result is stored as an
//!   `assessment_recorded` event in the stream `assessment-<case uuid>`; it echoes its inputs, the
//!   policy hash and the data versions, so it can be replayed.
//! - Red flags put the case on hold at once (the platform applies the rule; see
//!   [`App::record_assessment`]). Only an approver clears them, with a recorded reason; clearing
//!   resumes the case if the red-flag hold is what holds it.
//! - An HRIA (DOMAIN §6 sections) is recorded by a human-rights assessor in the same stream.
//! - [`App::assessment_guard`] refuses a decision without an assessment, without a required HRIA,
//!   or while the latest assessment's red flags are not cleared; and refuses to resume a red-flag hold
//!   before the flags are cleared.
//! - The evidence register lives in streams `evidence-<entry id>`: seeded from the bundled seed the
//!   first time the register is needed, then edited by human-rights assessors.
//!
//! The guard reads the case's assessment stream from the store rather than the read model, so a node
//! that has not yet folded another node's assessment cannot let a decision through, nor refuse one
//! wrongly.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use oversight_domain::{
    Actor, Application, ApplicationId, ApplicationStatus, ControlEntry, OrgKind, Role, UserId,
    application::Outcome as DomainOutcome, lifecycle::Command, party::PartyRole,
};
use oversight_store::{NewEvent, StoredEvent};
use serde::{Deserialize, Serialize};

/// The pure assessment crate, re-exported so that faces (web, CLI) name the same types.
pub use oversight_risk as risk;
use risk::{
    Assessment, AssessmentInput, Confidence, EndUserInput, EvidenceEntry, EvidenceScope, Hria, HriaSection,
    IndicatorStore, Iso3, ItemInput, Policy, PriorDenial, RedFlagKind, assess::DataVersion,
    embargo::Embargoes,
};

use crate::{App, AppError};

type Result<T, E = AppError> = std::result::Result<T, E>;

/// Every hold the red-flag rule puts on a case starts with this, so that clearing the flags resumes
/// only that hold, never one an officer put on for another reason.
pub const RED_FLAG_HOLD_PREFIX: &str = "Red flags raised by the risk assessment";

/// Longest HRIA section accepted.
const MAX_HRIA_SECTION: usize = 20_000;

/// The stream of a case's assessments, HRIAs and red-flag clearances.
pub fn assessment_stream(id: ApplicationId) -> String {
    format!("assessment-{}", id.0)
}

/// The stream of one evidence register entry.
pub fn evidence_stream(id: &str) -> String {
    format!("evidence-{id}")
}

// ----- events --------------------------------------------------------------------------------

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

/// Events of stream `evidence-<id>`. Every event carries the whole entry as it stands after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EvidenceEvent {
    /// Loaded from the bundled seed (`data/indicators/spyware_evidence_seed.csv`).
    EvidenceSeeded { entry: EvidenceEntry },
    /// Added by a human-rights assessor.
    EvidenceAdded { entry: EvidenceEntry },
    /// Changed by a human-rights assessor.
    EvidenceRevised { entry: EvidenceEntry },
}

impl EvidenceEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            EvidenceEvent::EvidenceSeeded { .. } => "evidence_seeded",
            EvidenceEvent::EvidenceAdded { .. } => "evidence_added",
            EvidenceEvent::EvidenceRevised { .. } => "evidence_revised",
        }
    }
}

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

/// One entry of the evidence register with its revision.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceView {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub entry: EvidenceEntry,
    /// Number of recorded versions of the entry (the version to expect when editing).
    pub version: u64,
    /// `seed` while the entry is as loaded from the bundled seed, else `assessor`.
    pub origin: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
    pub updated_by_name: Option<String>,
}

/// A new evidence entry or a change to one: on create, `iso3`, `finding`, `source`, `year` and
/// `confidence` are required; on edit, fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceChange {
    /// Create only: `[A-Za-z0-9._-]`, at most 80 characters; generated when absent.
    pub id: Option<String>,
    /// Country the finding is about: ISO 3166-1 alpha-2 or alpha-3.
    pub iso3: Option<String>,
    /// The named end user (agency) the finding is about; empty for a country-level finding.
    pub end_user: Option<String>,
    pub finding: Option<String>,
    pub evidence_type: Option<String>,
    pub technology: Option<String>,
    pub attributed_actor: Option<String>,
    /// Organisation(s) that published the finding.
    pub source: Option<String>,
    /// Title of the report.
    pub report: Option<String>,
    /// http(s) link to the report; empty to remove.
    pub url: Option<String>,
    pub year: Option<i32>,
    /// Exact date (YYYY-MM-DD) when known; empty to remove.
    pub date: Option<String>,
    /// `low`, `medium`, `medium-high` or `high`.
    pub confidence: Option<String>,
    /// Who reviewed the entry; defaults to the editing assessor's name.
    pub reviewer: Option<String>,
    pub note: Option<String>,
}

// ----- read model ----------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Recorded<T> {
    version: u64,
    at: DateTime<Utc>,
    by: Option<UserId>,
    value: T,
}

#[derive(Debug, Clone)]
struct ClearanceRec {
    assessment_version: u64,
    flags: Vec<RedFlagKind>,
    reason: String,
}

/// Everything recorded in one case's assessment stream.
#[derive(Debug, Clone, Default)]
struct CaseRecord {
    assessments: Vec<Recorded<Assessment>>,
    hrias: Vec<Recorded<Hria>>,
    clearances: Vec<Recorded<ClearanceRec>>,
}

impl CaseRecord {
    fn apply(&mut self, e: &StoredEvent) -> anyhow::Result<()> {
        let event: CaseAssessmentEvent = serde_json::from_value(e.payload.clone())
            .map_err(|err| anyhow::anyhow!("event {} ({}): {err}", e.seq, e.kind))?;
        let by = e.actor.as_deref().and_then(|a| a.parse().ok());
        let (version, at) = (e.version, e.recorded_at);
        match event {
            CaseAssessmentEvent::AssessmentRecorded { assessment, .. } => {
                self.assessments.push(Recorded { version, at, by, value: *assessment })
            }
            CaseAssessmentEvent::HriaRecorded { hria } => {
                self.hrias.push(Recorded { version, at, by, value: hria })
            }
            CaseAssessmentEvent::RedFlagsCleared { assessment_version, flags, reason } => {
                self.clearances.push(Recorded {
                    version,
                    at,
                    by,
                    value: ClearanceRec { assessment_version, flags, reason },
                })
            }
        }
        Ok(())
    }

    fn latest(&self) -> Option<&Recorded<Assessment>> {
        self.assessments.last()
    }

    fn clearance_of(&self, assessment_version: u64) -> Option<&Recorded<ClearanceRec>> {
        self.clearances.iter().rev().find(|c| c.value.assessment_version == assessment_version)
    }

    /// Red flags of the latest assessment that no approver has cleared.
    fn uncleared(&self) -> Vec<RedFlagKind> {
        match self.latest() {
            Some(a) if self.clearance_of(a.version).is_none() => {
                a.value.red_flags.iter().map(|f| f.kind).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Whether the latest assessment needs an HRIA: tier A/B items, or an adjusted band of
    /// "elevated" or worse. Without a score (no data at all) an HRIA is required: nothing about the
    /// destination is known to say it is not.
    fn hria_required(&self) -> Option<bool> {
        let a = &self.latest()?.value;
        Some(a.adjusted_band.is_none_or(|band| risk::hria_required(a.input.item.tier, band)))
    }

    /// Why a decision must wait, in plain words; empty when the assessment gates are passed.
    fn decision_blockers(&self) -> Vec<String> {
        let Some(latest) = self.latest() else {
            return vec![
                "no risk assessment is recorded for this case: a licensing officer or human-rights assessor must run it before a decision"
                    .into(),
            ];
        };
        let mut out = Vec::new();
        if self.hria_required() == Some(true) && self.hrias.is_empty() {
            let a = &latest.value;
            let band = a.adjusted_band.map_or("no score".to_string(), |b| format!("{b} band"));
            out.push(format!(
                "a human-rights impact assessment is required (tier {} item, {band}) and none is recorded: a human-rights assessor must record it before a decision",
                a.input.item.tier
            ));
        }
        let uncleared = self.uncleared();
        if !uncleared.is_empty() {
            out.push(format!(
                "the risk assessment raised red flags ({}) that an approver has not cleared",
                flag_names(&uncleared)
            ));
        }
        out
    }
}

#[derive(Debug, Clone)]
struct EvidenceRecord {
    entry: EvidenceEntry,
    version: u64,
    seeded_only: bool,
    at: DateTime<Utc>,
    by: Option<UserId>,
}

/// Read model of assessments, HRIAs and evidence.
#[derive(Debug, Default)]
pub struct AssessmentProjection {
    cases: HashMap<ApplicationId, CaseRecord>,
    evidence: BTreeMap<String, EvidenceRecord>,
}

impl AssessmentProjection {
    /// Folds one stored event (any stream; ignore what is not yours).
    pub fn apply(&mut self, e: &StoredEvent) -> anyhow::Result<()> {
        if let Some(rest) = e.stream_id.strip_prefix("assessment-") {
            let id: ApplicationId =
                rest.parse().map_err(|_| anyhow::anyhow!("bad stream id {}", e.stream_id))?;
            self.cases.entry(id).or_default().apply(e)?;
        } else if let Some(id) = e.stream_id.strip_prefix("evidence-") {
            let event: EvidenceEvent = serde_json::from_value(e.payload.clone())
                .map_err(|err| anyhow::anyhow!("event {} ({}): {err}", e.seq, e.kind))?;
            let seeded_only = matches!(event, EvidenceEvent::EvidenceSeeded { .. });
            let (EvidenceEvent::EvidenceSeeded { entry }
            | EvidenceEvent::EvidenceAdded { entry }
            | EvidenceEvent::EvidenceRevised { entry }) = event;
            self.evidence.insert(
                id.to_string(),
                EvidenceRecord {
                    entry,
                    version: e.version,
                    seeded_only,
                    at: e.recorded_at,
                    by: e.actor.as_deref().and_then(|a| a.parse().ok()),
                },
            );
        }
        Ok(())
    }

    /// The register as it stands (for assessments).
    fn register(&self) -> Vec<EvidenceEntry> {
        self.evidence.values().map(|r| r.entry.clone()).collect()
    }
}

// ----- bundled method and data ---------------------------------------------------------------

/// The bundled policy (parsed once).
fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(Policy::bundled)
}

/// The bundled indicator data (loaded once; about 25 ms).
fn indicators() -> Result<&'static IndicatorStore> {
    static D: OnceLock<Result<IndicatorStore, String>> = OnceLock::new();
    D.get_or_init(|| IndicatorStore::bundled().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("loading the bundled indicator data: {e}")))
}

fn embargoes() -> Result<&'static Embargoes> {
    static E: OnceLock<Result<Embargoes, String>> = OnceLock::new();
    E.get_or_init(|| Embargoes::bundled().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("loading the bundled embargo list: {e}")))
}

fn seed() -> Result<&'static [EvidenceEntry]> {
    static S: OnceLock<Result<Vec<EvidenceEntry>, String>> = OnceLock::new();
    S.get_or_init(|| risk::seed_evidence().map_err(|e| e.to_string()))
        .as_deref()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("loading the bundled evidence seed: {e}")))
}

// ----- helpers -------------------------------------------------------------------------------

fn flag_names(flags: &[RedFlagKind]) -> String {
    flags.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
}

/// Case-bound capabilities are the authority's: anyone else is told the thing does not exist.
fn authority_with(actor: &Actor, roles: &[Role], action: &str) -> Result<()> {
    if actor.org_kind != OrgKind::Authority {
        return Err(AppError::NotFound);
    }
    if roles.iter().any(|r| actor.has(*r)) {
        return Ok(());
    }
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    Err(AppError::Forbidden(format!("{action} requires the role {}", names.join(" or "))))
}

/// A case on which assessments, HRIAs and clearances may be recorded: submitted, not yet decided.
fn require_assessable(app: &Application, what: &str) -> Result<()> {
    if app.status.can_hold() || app.status == ApplicationStatus::OnHold {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "{what} is recorded on a submitted case that is not yet decided; this case is {}",
            app.status.as_str()
        )))
    }
}

fn is_red_flag_hold(app: &Application) -> bool {
    app.status == ApplicationStatus::OnHold
        && app.hold.as_ref().is_some_and(|h| h.reason.starts_with(RED_FLAG_HOLD_PREFIX))
}

fn section_name(s: HriaSection) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn valid_evidence_id(id: &str) -> bool {
    (1..=80).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn optional(v: String) -> Option<String> {
    let t = v.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// Applies a change to an entry (a fresh one on create) and validates the result.
fn apply_change(mut e: EvidenceEntry, c: EvidenceChange, editor: &str) -> Result<EvidenceEntry> {
    if let Some(iso) = c.iso3 {
        e.iso3 = Iso3::parse(&iso).map_err(|err| AppError::invalid("iso3", err.to_string()))?;
    }
    if let Some(name) = c.end_user {
        e.scope = match optional(name) {
            Some(name) => EvidenceScope::EndUser { name },
            None => EvidenceScope::Country,
        };
    }
    let text = |field: &str, v: String, max: usize| -> Result<String> {
        let v = v.trim().to_string();
        if v.chars().count() > max {
            return Err(AppError::invalid(field, format!("at most {max} characters")));
        }
        Ok(v)
    };
    if let Some(v) = c.finding {
        e.finding = text("finding", v, 2000)?;
    }
    if let Some(v) = c.evidence_type {
        e.evidence_type = text("evidence_type", v, 200)?;
    }
    if let Some(v) = c.technology {
        e.technology = text("technology", v, 200)?;
    }
    if let Some(v) = c.attributed_actor {
        e.attributed_actor = text("attributed_actor", v, 300)?;
    }
    if let Some(v) = c.source {
        e.source = text("source", v, 300)?;
    }
    if let Some(v) = c.report {
        e.report = text("report", v, 500)?;
    }
    if let Some(v) = c.url {
        e.url = optional(text("url", v, 2000)?);
    }
    if let Some(y) = c.year {
        e.year = y;
    }
    if let Some(d) = c.date {
        e.date = match optional(d) {
            None => None,
            Some(d) => Some(
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| AppError::invalid("date", "must be a date YYYY-MM-DD"))?,
            ),
        };
    }
    if let Some(v) = c.confidence {
        e.confidence = v.parse::<Confidence>().map_err(|m| AppError::invalid("confidence", m))?;
    }
    if let Some(v) = c.note {
        e.note = text("note", v, 5000)?;
    }
    e.reviewer = match c.reviewer {
        Some(r) => optional(text("reviewer", r, 200)?),
        None => Some(editor.to_string()),
    };
    e.validate().map_err(|err| AppError::invalid(err.field, err.to_string()))?;
    Ok(e)
}

// ----- use cases -----------------------------------------------------------------------------

impl App {
    fn user_name(&self, user: Option<UserId>) -> Option<String> {
        user.and_then(|u| self.read().users.get(&u).map(|u| u.name.clone()))
    }

    fn case_for_assessment(&self, id: ApplicationId) -> Result<Application> {
        self.read().applications.get(&id).cloned().ok_or(AppError::NotFound)
    }

    /// The case's assessment stream, folded from the store (authoritative, whatever this node's read
    /// models have reached).
    async fn case_record(&self, id: ApplicationId) -> Result<(CaseRecord, u64)> {
        let stored = self.store().read_stream(&assessment_stream(id)).await?;
        let mut rec = CaseRecord::default();
        for e in &stored {
            rec.apply(e).map_err(AppError::Internal)?;
        }
        Ok((rec, stored.len() as u64))
    }

    /// Appends one event to the case's assessment stream; retries a concurrent append, since these
    /// events do not depend on each other's order. Returns the new event's version.
    async fn append_case_event(
        &self,
        actor: &Actor,
        id: ApplicationId,
        at: DateTime<Utc>,
        event: &CaseAssessmentEvent,
    ) -> Result<u64> {
        let new = NewEvent {
            kind: event.kind().into(),
            payload: serde_json::to_value(event).map_err(|e| AppError::Internal(e.into()))?,
            actor: Some(actor.user.to_string()),
            recorded_at: at,
        };
        let stream = assessment_stream(id);
        for _ in 0..5 {
            let version = self.store().read_stream(&stream).await?.len() as u64;
            match self.store().append(&stream, version, std::slice::from_ref(&new)).await {
                Ok(_) => {
                    self.catch_up().await?;
                    return Ok(version + 1);
                }
                Err(oversight_store::StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Conflict("could not record the change; retry".into()))
    }

    /// The assessment inputs from the case's facts, dated `date`.
    fn assessment_input(&self, app: &Application, date: NaiveDate) -> Result<AssessmentInput> {
        let destination = Iso3::parse(&app.destination.to_string())
            .map_err(|e| AppError::Conflict(format!("the destination cannot be assessed: {e}")))?;
        // The strictest item decides (tier A before B before C; a cyber-surveillance entry first).
        let mut entries: Vec<&ControlEntry> = Vec::new();
        for item in &app.items {
            let entry = self.control_list().get(&item.control_code).ok_or_else(|| {
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
        let mut evidence = self.read().assessments.register();
        evidence.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(AssessmentInput {
            destination: destination.clone(),
            item: ItemInput {
                control_code: strictest.code.clone(),
                tier: strictest.tier,
                cyber_surveillance: entries.iter().any(|e| e.cyber_surveillance),
            },
            end_user: EndUserInput { sector: end_user.sector, name: Some(end_user.name.clone()) },
            // Restricted-party screening hits come from the screening capability (not yet wired).
            screening_hits: Vec::new(),
            sanctions: embargoes()?.facts_for(&destination),
            prior_denials: self.prior_denials(app, &destination, date),
            // Findings of UN/EU/CoE bodies are not yet recorded anywhere in the platform.
            established_violations: Vec::new(),
            evidence,
            assessment_date: date,
        })
    }

    /// This authority's own denials to the same destination decided on or before `date`: one per
    /// denied item, with the end user, so the assessment's prior-denial rule can match them.
    fn prior_denials(&self, app: &Application, destination: &Iso3, date: NaiveDate) -> Vec<PriorDenial> {
        let p = self.read();
        let mut out = Vec::new();
        for other in p.applications.values() {
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

    fn assessment_view(&self, rec: &CaseRecord, a: &Recorded<Assessment>) -> AssessmentRecord {
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

    fn hria_view(&self, h: &Recorded<Hria>) -> HriaRecord {
        HriaRecord {
            version: h.version,
            recorded_at: h.at,
            recorded_by: h.by.map(|u| u.to_string()),
            recorded_by_name: self.user_name(h.by),
            hria: h.value.clone(),
        }
    }

    fn case_assessments_view(&self, rec: &CaseRecord) -> CaseAssessments {
        let mut all: Vec<AssessmentRecord> =
            rec.assessments.iter().rev().map(|a| self.assessment_view(rec, a)).collect();
        let latest = (!all.is_empty()).then(|| all.remove(0));
        CaseAssessments {
            latest,
            earlier: all,
            hria_required: rec.hria_required(),
            hria: rec.hrias.last().map(|h| self.hria_view(h)),
            uncleared_red_flags: rec.uncleared().iter().map(|f| f.as_str().to_string()).collect(),
            decision_blockers: rec.decision_blockers(),
        }
    }

    /// Runs the risk assessment of a submitted case and records it (licensing officers and
    /// human-rights assessors). Red flags put the case on hold at once if it can be held.
    ///
    /// The hold is the platform's rule, not a discretionary act: it is recorded under the user whose
    /// assessment raised the flags (they caused it; the log says who), with the authority of the rule
    /// — a human-rights assessor cannot put a case on hold by hand, but their assessment can.
    pub async fn record_assessment(&self, actor: &Actor, id: ApplicationId) -> Result<AssessmentRecord> {
        self.record_assessment_at(actor, id, self.now()).await
    }

    async fn record_assessment_at(
        &self,
        actor: &Actor,
        id: ApplicationId,
        at: DateTime<Utc>,
    ) -> Result<AssessmentRecord> {
        authority_with(
            actor,
            &[Role::LicensingOfficer, Role::HumanRightsAssessor],
            "running a risk assessment",
        )?;
        let app = self.case_for_assessment(id)?;
        require_assessable(&app, "a risk assessment")?;
        self.ensure_evidence_seeded(at).await?;
        let input = self.assessment_input(&app, at.date_naive())?;
        let policy = policy();
        let a = risk::assess(policy, indicators()?, &input);
        let flags: Vec<RedFlagKind> = a.red_flags.iter().map(|f| f.kind).collect();
        let event = CaseAssessmentEvent::AssessmentRecorded {
            policy_id: a.policy.id.clone(),
            policy_version: a.policy.version.clone(),
            policy_sha256: a.policy.sha256.clone(),
            data_versions: a.data_versions.clone(),
            assessment: Box::new(a),
        };
        let version = self.append_case_event(actor, id, at, &event).await?;
        if !flags.is_empty() {
            let app = self.case_for_assessment(id)?;
            if app.status.can_hold() {
                let reason = format!(
                    "{RED_FLAG_HOLD_PREFIX} (assessment {version}): {}. The case waits until an approver clears them with a recorded reason.",
                    flag_names(&flags)
                );
                let by_rule = Actor { roles: vec![Role::LicensingOfficer], ..actor.clone() };
                self.execute_at(&by_rule, id, Command::PutOnHold { reason }, at).await?;
            }
        }
        let (rec, _) = self.case_record(id).await?;
        let latest = rec.assessments.iter().find(|a| a.version == version).ok_or(AppError::NotFound)?;
        Ok(self.assessment_view(&rec, latest))
    }

    /// The case's assessments (latest first), its HRIA and what blocks a decision (authority only).
    pub async fn case_assessments(&self, actor: &Actor, id: ApplicationId) -> Result<CaseAssessments> {
        if actor.org_kind != OrgKind::Authority {
            return Err(AppError::NotFound);
        }
        self.case_for_assessment(id)?;
        let (rec, _) = self.case_record(id).await?;
        Ok(self.case_assessments_view(&rec))
    }

    /// Re-runs the latest recorded assessment with its recorded inputs, the bundled policy and data,
    /// and says whether the result is identical. A policy or data release other than the recorded
    /// one is reported, not silently re-scored.
    pub async fn replay_assessment(&self, actor: &Actor, id: ApplicationId) -> Result<ReplayReport> {
        authority_with(
            actor,
            &[Role::LicensingOfficer, Role::HumanRightsAssessor, Role::Approver],
            "replaying an assessment",
        )?;
        self.case_for_assessment(id)?;
        let (rec, _) = self.case_record(id).await?;
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
        match risk::replay(policy(), indicators()?, recorded) {
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
        mut hria: Hria,
        at: DateTime<Utc>,
    ) -> Result<HriaRecord> {
        authority_with(actor, &[Role::HumanRightsAssessor], "recording a human-rights impact assessment")?;
        let app = self.case_for_assessment(id)?;
        require_assessable(&app, "a human-rights impact assessment")?;
        if let Err(e) = hria.validate() {
            let first = e.0.first().copied().map(section_name).unwrap_or_default();
            return Err(AppError::invalid(first, e.to_string()));
        }
        for (section, text) in hria.sections() {
            if text.chars().count() > MAX_HRIA_SECTION {
                return Err(AppError::invalid(
                    section_name(section),
                    format!(
                        "the section \"{}\" is longer than {MAX_HRIA_SECTION} characters",
                        section.title()
                    ),
                ));
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
        let version =
            self.append_case_event(actor, id, at, &CaseAssessmentEvent::HriaRecorded { hria }).await?;
        let (rec, _) = self.case_record(id).await?;
        let h = rec.hrias.iter().find(|h| h.version == version).ok_or(AppError::NotFound)?;
        Ok(self.hria_view(h))
    }

    /// The latest HRIA of the case (authority only).
    pub async fn case_hria(&self, actor: &Actor, id: ApplicationId) -> Result<HriaRecord> {
        if actor.org_kind != OrgKind::Authority {
            return Err(AppError::NotFound);
        }
        self.case_for_assessment(id)?;
        let (rec, _) = self.case_record(id).await?;
        rec.hrias.last().map(|h| self.hria_view(h)).ok_or(AppError::NotFound)
    }

    /// An approver clears the latest assessment's red flags with a recorded reason; a case held by
    /// the red-flag rule resumes to where it was.
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
        authority_with(actor, &[Role::Approver], "clearing red flags")?;
        let app = self.case_for_assessment(id)?;
        require_assessable(&app, "a red-flag clearance")?;
        let reason = oversight_domain::parse_text("reason", reason, 2000)?;
        let (rec, _) = self.case_record(id).await?;
        let latest = rec
            .latest()
            .ok_or_else(|| AppError::Conflict("no assessment is recorded for this case".into()))?;
        if latest.value.red_flags.is_empty() {
            return Err(AppError::Conflict("the latest assessment raised no red flags".into()));
        }
        if rec.clearance_of(latest.version).is_some() {
            return Err(AppError::Conflict(
                "the red flags of the latest assessment are already cleared".into(),
            ));
        }
        let flags: Vec<RedFlagKind> = latest.value.red_flags.iter().map(|f| f.kind).collect();
        let event = CaseAssessmentEvent::RedFlagsCleared {
            assessment_version: latest.version,
            flags,
            reason: reason.clone(),
        };
        self.append_case_event(actor, id, at, &event).await?;
        if is_red_flag_hold(&self.case_for_assessment(id)?) {
            let cmd = Command::Resume { reason: format!("Red flags cleared by an approver: {reason}") };
            self.execute_at(actor, id, cmd, at).await?;
        }
        let (rec, _) = self.case_record(id).await?;
        Ok(self.case_assessments_view(&rec))
    }

    // ----- evidence register -----------------------------------------------------------------

    /// Loads the bundled seed into the register if any seed entry is missing. Idempotent and safe on
    /// several nodes: each entry goes to its own new stream, and a stream that exists already means
    /// someone seeded it (or an assessor edited it) first.
    pub async fn ensure_evidence_seeded(&self, at: DateTime<Utc>) -> Result<()> {
        let missing: Vec<&EvidenceEntry> = {
            let p = self.read();
            seed()?.iter().filter(|e| !p.assessments.evidence.contains_key(&e.id)).collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        for entry in missing {
            let event = EvidenceEvent::EvidenceSeeded { entry: entry.clone() };
            let new = NewEvent {
                kind: event.kind().into(),
                payload: serde_json::to_value(&event).map_err(|e| AppError::Internal(e.into()))?,
                actor: None,
                recorded_at: at,
            };
            match self.store().append(&evidence_stream(&entry.id), 0, &[new]).await {
                Ok(_) | Err(oversight_store::StoreError::Conflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.catch_up().await
    }

    fn evidence_view(&self, r: &EvidenceRecord) -> EvidenceView {
        EvidenceView {
            entry: r.entry.clone(),
            version: r.version,
            origin: if r.seeded_only { "seed" } else { "assessor" }.into(),
            updated_at: r.at,
            updated_by: r.by.map(|u| u.to_string()),
            updated_by_name: self.user_name(r.by),
        }
    }

    /// The evidence register (authority only).
    pub async fn evidence_register(&self, actor: &Actor) -> Result<Vec<EvidenceView>> {
        if actor.org_kind != OrgKind::Authority {
            return Err(AppError::Forbidden("the evidence register is the authority's".into()));
        }
        self.ensure_evidence_seeded(self.now()).await?;
        let records: Vec<EvidenceRecord> = self.read().assessments.evidence.values().cloned().collect();
        Ok(records.iter().map(|r| self.evidence_view(r)).collect())
    }

    fn require_assessor(&self, actor: &Actor) -> Result<String> {
        if actor.org_kind == OrgKind::Authority && actor.has(Role::HumanRightsAssessor) {
            Ok(self.user_name(Some(actor.user)).unwrap_or_else(|| actor.user.to_string()))
        } else {
            Err(AppError::Forbidden(
                "editing the evidence register requires the role human_rights_assessor".into(),
            ))
        }
    }

    /// Adds an entry to the evidence register (human-rights assessors only).
    pub async fn add_evidence(&self, actor: &Actor, change: EvidenceChange) -> Result<EvidenceView> {
        let editor = self.require_assessor(actor)?;
        let now = self.now();
        self.ensure_evidence_seeded(now).await?;
        let id = match change.id.clone() {
            Some(id) if !valid_evidence_id(&id) => {
                return Err(AppError::invalid("id", "use 1 to 80 letters, digits, '.', '_' or '-'"));
            }
            Some(id) => id,
            None => format!("ev-{}", uuid::Uuid::now_v7().simple()),
        };
        if change.iso3.is_none() {
            return Err(AppError::invalid("iso3", "the country the finding is about is required"));
        }
        if change.year.is_none() {
            return Err(AppError::invalid("year", "the year of the finding is required"));
        }
        if change.confidence.is_none() {
            return Err(AppError::invalid("confidence", "required: low, medium, medium-high or high"));
        }
        let blank = EvidenceEntry {
            id: id.clone(),
            iso3: Iso3::parse("NOR").map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?,
            scope: EvidenceScope::Country,
            finding: String::new(),
            evidence_type: String::new(),
            technology: String::new(),
            attributed_actor: String::new(),
            source: String::new(),
            report: String::new(),
            url: None,
            year: 0,
            date: None,
            confidence: Confidence::Low,
            reviewer: None,
            note: String::new(),
        };
        let entry = apply_change(blank, EvidenceChange { id: None, ..change }, &editor)?;
        self.append_evidence(actor, &id, 0, EvidenceEvent::EvidenceAdded { entry }, now).await
    }

    /// Changes an entry of the evidence register (human-rights assessors only); fields left out stay.
    pub async fn revise_evidence(
        &self,
        actor: &Actor,
        id: &str,
        change: EvidenceChange,
    ) -> Result<EvidenceView> {
        let editor = self.require_assessor(actor)?;
        let now = self.now();
        self.ensure_evidence_seeded(now).await?;
        if change.id.as_deref().is_some_and(|new| new != id) {
            return Err(AppError::invalid("id", "an entry's id cannot change"));
        }
        let current = self.read().assessments.evidence.get(id).cloned().ok_or(AppError::NotFound)?;
        let entry = apply_change(current.entry, change, &editor)?;
        self.append_evidence(actor, id, current.version, EvidenceEvent::EvidenceRevised { entry }, now).await
    }

    async fn append_evidence(
        &self,
        actor: &Actor,
        id: &str,
        expected: u64,
        event: EvidenceEvent,
        at: DateTime<Utc>,
    ) -> Result<EvidenceView> {
        let new = NewEvent {
            kind: event.kind().into(),
            payload: serde_json::to_value(&event).map_err(|e| AppError::Internal(e.into()))?,
            actor: Some(actor.user.to_string()),
            recorded_at: at,
        };
        match self.store().append(&evidence_stream(id), expected, &[new]).await {
            Err(oversight_store::StoreError::Conflict { .. }) if expected == 0 => {
                return Err(AppError::Conflict(format!(
                    "an evidence entry with the id {id:?} already exists"
                )));
            }
            other => {
                other?;
            }
        }
        self.catch_up().await?;
        let r = self.read().assessments.evidence.get(id).cloned().ok_or(AppError::NotFound)?;
        Ok(self.evidence_view(&r))
    }

    // ----- hooks -----------------------------------------------------------------------------

    /// Runs before a case command is decided; an error refuses the command (nothing is appended).
    ///
    /// A decision is gated only when the lifecycle would otherwise accept it (an approver, a case
    /// pending decision, not the recommending officer), so that wrong role or state keeps its own
    /// answer (403, 409) and the gate adds the assessment's conditions on top.
    pub(crate) async fn assessment_guard(
        &self,
        actor: &Actor,
        state: Option<&Application>,
        cmd: &Command,
    ) -> Result<(), AppError> {
        let Some(app) = state else { return Ok(()) };
        match cmd {
            Command::Decide { .. } => {
                let lifecycle_would_accept = actor.org_kind == OrgKind::Authority
                    && actor.has(Role::Approver)
                    && app.status == ApplicationStatus::PendingDecision
                    && app.recommendation.as_ref().is_none_or(|r| r.by != actor.user);
                if !lifecycle_would_accept {
                    return Ok(());
                }
                let (rec, _) = self.case_record(app.id).await?;
                let blockers = rec.decision_blockers();
                if blockers.is_empty() {
                    Ok(())
                } else {
                    Err(AppError::Conflict(format!(
                        "the decision cannot be taken yet: {}.",
                        blockers.join("; ")
                    )))
                }
            }
            Command::Resume { .. } if is_red_flag_hold(app) => {
                let (rec, _) = self.case_record(app.id).await?;
                let uncleared = rec.uncleared();
                if uncleared.is_empty() {
                    Ok(())
                } else {
                    Err(AppError::Conflict(format!(
                        "the case is on hold for red flags ({}); an approver must clear them with a reason, which resumes the case",
                        flag_names(&uncleared)
                    )))
                }
            }
            _ => Ok(()),
        }
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
            let user = self.user_by_email(email).ok_or(AppError::NotFound)?;
            let me = self.me_of_id(user)?;
            Ok(Actor { user: me.id, org: me.organisation, org_kind: me.organisation_kind, roles: me.roles })
        };
        let approver = demo_actor("approver@authority.example")?;
        let assessor = demo_actor("assessor@authority.example")?;
        let minutes = chrono::Duration::minutes;
        let recorded = self.record_assessment_at(officer, id, at + minutes(10)).await?;
        let a = &recorded.assessment;
        if !a.red_flags.is_empty() {
            let reason = format!(
                "Reviewed the red flags ({}) against the recommendation; they are weighed in the decision and recorded in its rationale.",
                flag_names(&a.red_flags.iter().map(|f| f.kind).collect::<Vec<_>>())
            );
            self.clear_red_flags_at(&approver, id, &reason, at + minutes(120)).await?;
        }
        let (rec, _) = self.case_record(id).await?;
        if rec.hria_required() == Some(true) {
            let app = self.case_for_assessment(id)?;
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

    /// Runs after a case command's events were appended. Nothing to do: assessments react to their
    /// own recording (red-flag hold), not to case commands.
    pub(crate) async fn assessment_react(
        &self,
        _actor: &Actor,
        _app: &Application,
        _appended: &[StoredEvent],
    ) -> Result<(), AppError> {
        Ok(())
    }
}
