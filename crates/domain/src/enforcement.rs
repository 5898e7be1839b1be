//! Enforcement: investigations of an exporter, findings, penalties, and the restrictions that follow
//! for repeat offenders (DOMAIN.md §1 item 8 and §7; issue 12 part 3).
//!
//! An enforcement officer opens an investigation against an exporter — from a complaint, a
//! suspicious-activity report, an obligation breach, a refused shipment, a screening match on a
//! licensee, or on the officer's own initiative — gathers evidence, and concludes it: no violation,
//! or a violation with findings and penalties (a warning, a fine, the suspension of named live
//! licences, debarment until a date). What follows is in this module too:
//!
//! - [`standing`]: a configurable number of findings of violation within a period (or a debarment
//!   in force) makes the exporter a repeat offender, and every application it submits from then on
//!   goes to **senior review**: an approval takes a second approver (the lifecycle's rule, given the
//!   reason at submission);
//! - [`active_debarments`]: a debarment puts the exporter on the authority's own restricted list
//!   until its end date, so screening catches it as a party of any application, and as the
//!   applicant of its own;
//! - [`penalty_records`]: warnings, fines and debarments are published in the register, naming the
//!   exporter (a suspension is published by the licence's own `licence_suspended` record).
//!
//! One stream per exporter, `enforcement-<org uuid>`, holds every investigation of it: the repeat
//! rule reads one stream, and a conclusion is decided against the exporter's whole record at one
//! version. [`decide`] and [`apply`], time and ids passed in.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    ApplicationId, FieldError, OrgId, UserId,
    access::require_authority,
    compliance::EvidenceFile,
    lifecycle::Rejection,
    parse_multiline_text, parse_text,
    register::{PublicRecord, PublishedPenalty, RecordKind},
    roles::{Actor, Role},
};

pub fn stream(org: OrgId) -> String {
    format!("enforcement-{}", org.0)
}

/// The reference an investigation is known by: `INV-` and the id's last 10 hex digits, upper case.
pub fn reference(id: Uuid) -> String {
    let hex = id.simple().to_string().to_uppercase();
    format!("INV-{}", &hex[hex.len() - 10..])
}

/// The largest fine recorded (EUR).
pub const MAX_FINE_EUR: u64 = 100_000_000;
/// The longest debarment, in years.
pub const MAX_DEBARMENT_YEARS: i64 = 10;

/// Where an investigation came from.
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
pub enum Origin {
    /// A complaint from the public, referred by the ombudsperson (`source`: its reference).
    Complaint,
    /// A suspicious-activity report (`source`: its id).
    SuspiciousActivityReport,
    /// An obligation of a licence overdue or rejected (`source`: the case id).
    ObligationBreach,
    /// A shipment refused under a licence (`source`: the case id).
    RefusedShipment,
    /// A screening match on a licensee's party (`source`: the case id).
    ScreeningMatch,
    /// The enforcement officer's own initiative.
    Officer,
}

impl Origin {
    pub const ALL: [Origin; 6] = oversight_vocab::all_variants();

    pub fn as_str(&self) -> &'static str {
        self.into()
    }

    /// Whether the origin names its source (every origin but the officer's own initiative).
    pub fn needs_source(&self) -> bool {
        *self != Origin::Officer
    }
}

/// A penalty imposed on a finding of violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Penalty {
    Warning,
    Fine {
        amount_eur: u64,
    },
    /// A live licence of the exporter suspended (through the licence's own lifecycle).
    LicenceSuspension {
        case: ApplicationId,
        #[serde(default)]
        licence_number: String,
    },
    /// The exporter is debarred through `until` (inclusive): on the authority's restricted list.
    Debarment {
        until: NaiveDate,
    },
}

impl Penalty {
    pub fn name(&self) -> &'static str {
        match self {
            Penalty::Warning => "warning",
            Penalty::Fine { .. } => "fine",
            Penalty::LicenceSuspension { .. } => "licence_suspension",
            Penalty::Debarment { .. } => "debarment",
        }
    }

    /// The penalty in words: "a fine of EUR 250,000".
    pub fn describe(&self) -> String {
        match self {
            Penalty::Warning => "a warning".into(),
            Penalty::Fine { amount_eur } => format!("a fine of EUR {}", thousands(*amount_eur)),
            Penalty::LicenceSuspension { licence_number, .. } => {
                format!("suspension of licence {licence_number}")
            }
            Penalty::Debarment { until } => format!("debarment until {until}"),
        }
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A piece of evidence on the file: a note, with a document when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceItem {
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<EvidenceFile>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// How an investigation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Named apart from the complaints' `Conclusion` request in the OpenAPI document.
#[cfg_attr(feature = "openapi", schema(as = InvestigationConclusion))]
pub struct Conclusion {
    /// Whether a violation was found (only a finding of violation counts towards repeat offending).
    pub violation: bool,
    /// Written for publication when a penalty is published.
    pub findings: String,
    /// Each `{"type": "warning" | "fine" | "licence_suspension" | "debarment", …}` (see `Penalty`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub penalties: Vec<Penalty>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Investigation {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    pub reference: String,
    pub exporter: OrgId,
    pub origin: Origin,
    /// What the origin names: a complaint's reference, a report's id, a case id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub summary: String,
    /// `None` when the platform opened it (a complaint referred by the ombudsperson).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_by: Option<UserId>,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<Conclusion>,
}

impl Investigation {
    pub fn is_open(&self) -> bool {
        self.conclusion.is_none()
    }

    /// When a violation was found, if it was.
    pub fn violation_found_at(&self) -> Option<DateTime<Utc>> {
        self.conclusion.as_ref().filter(|c| c.violation).map(|c| c.at)
    }
}

/// Everything enforcement knows of one exporter: every investigation, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExporterRecord {
    pub exporter: OrgId,
    pub investigations: Vec<Investigation>,
}

impl ExporterRecord {
    pub fn investigation(&self, id: Uuid) -> Option<&Investigation> {
        self.investigations.iter().find(|i| i.id == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EnforcementCommand {
    Open { id: Uuid, origin: Origin, source: Option<String>, summary: String },
    AddEvidence { investigation: Uuid, note: String, file: Option<EvidenceFile> },
    Conclude { investigation: Uuid, violation: bool, findings: String, penalties: Vec<Penalty> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EnforcementEvent {
    InvestigationOpened { investigation: Investigation },
    InvestigationEvidenceAdded { investigation: Uuid, item: EvidenceItem },
    InvestigationConcluded { investigation: Uuid, conclusion: Conclusion },
}

impl EnforcementEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            EnforcementEvent::InvestigationOpened { .. } => "investigation_opened",
            EnforcementEvent::InvestigationEvidenceAdded { .. } => "investigation_evidence_added",
            EnforcementEvent::InvestigationConcluded { .. } => "investigation_concluded",
        }
    }
}

/// What a conclusion needs to know besides the record: the time, and the exporter's live licences
/// (case, licence number), the only ones a suspension may name.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub live_licences: &'a [(ApplicationId, String)],
}

fn invalid(field: &str, msg: &str) -> Rejection {
    Rejection::Invalid(FieldError::new(field, msg))
}

/// Decides a command against the exporter's record (`None`: no investigation yet). Only
/// enforcement officers act; the platform may open an investigation (a referred complaint).
pub fn decide(
    record: Option<&ExporterRecord>,
    exporter: OrgId,
    cmd: EnforcementCommand,
    actor: &Actor,
    ctx: &Context<'_>,
) -> Result<Vec<EnforcementEvent>, Rejection> {
    let opening = matches!(cmd, EnforcementCommand::Open { .. });
    if !(opening && actor.is_platform()) {
        require_authority(actor, &[Role::EnforcementOfficer], "investigating exporters")?;
    }
    let find = |id: Uuid| -> Result<&Investigation, Rejection> {
        record.and_then(|r| r.investigation(id)).ok_or(Rejection::NotFound)
    };
    let open_one = |id: Uuid| -> Result<&Investigation, Rejection> {
        let inv = find(id)?;
        match &inv.conclusion {
            Some(c) => Err(Rejection::Blocked(format!(
                "investigation {} was concluded on {}",
                inv.reference,
                c.at.date_naive()
            ))),
            None => Ok(inv),
        }
    };
    match cmd {
        EnforcementCommand::Open { id, origin, source, summary } => {
            if record.is_some_and(|r| r.investigation(id).is_some()) {
                return Err(Rejection::AlreadyExists);
            }
            let source = match source.as_deref().map(str::trim) {
                Some(s) if !s.is_empty() => Some(parse_text("source", s, 200)?),
                _ => None,
            };
            if origin.needs_source() && source.is_none() {
                return Err(invalid(
                    "source",
                    "name what the investigation comes from: the complaint's reference, the report's id or the case",
                ));
            }
            Ok(vec![EnforcementEvent::InvestigationOpened {
                investigation: Investigation {
                    id,
                    reference: reference(id),
                    exporter,
                    origin,
                    source,
                    summary: parse_multiline_text("summary", &summary, 5_000)?,
                    opened_by: (!actor.is_platform()).then_some(actor.user),
                    opened_at: ctx.now,
                    evidence: Vec::new(),
                    conclusion: None,
                },
            }])
        }
        EnforcementCommand::AddEvidence { investigation, note, file } => {
            open_one(investigation)?;
            if find(investigation)?.evidence.len() >= 200 {
                return Err(invalid("note", "at most 200 pieces of evidence per investigation"));
            }
            Ok(vec![EnforcementEvent::InvestigationEvidenceAdded {
                investigation,
                item: EvidenceItem {
                    note: parse_multiline_text("note", &note, 10_000)?,
                    file,
                    by: actor.user,
                    at: ctx.now,
                },
            }])
        }
        EnforcementCommand::Conclude { investigation, violation, findings, penalties } => {
            open_one(investigation)?;
            let findings = parse_multiline_text("findings", &findings, 10_000)?;
            let penalties = check_penalties(violation, penalties, ctx)?;
            Ok(vec![EnforcementEvent::InvestigationConcluded {
                investigation,
                conclusion: Conclusion { violation, findings, penalties, by: actor.user, at: ctx.now },
            }])
        }
    }
}

fn check_penalties(
    violation: bool,
    penalties: Vec<Penalty>,
    ctx: &Context<'_>,
) -> Result<Vec<Penalty>, Rejection> {
    if !violation && !penalties.is_empty() {
        return Err(invalid("penalties", "penalties follow only a finding of violation"));
    }
    let today = ctx.now.date_naive();
    let mut out: Vec<Penalty> = Vec::with_capacity(penalties.len());
    for (i, p) in penalties.into_iter().enumerate() {
        let field = |name: &str| format!("penalties[{i}].{name}");
        if out.iter().any(|q| match (q, &p) {
            (Penalty::LicenceSuspension { case: a, .. }, Penalty::LicenceSuspension { case: b, .. }) => {
                a == b
            }
            (q, p) => q.name() == p.name() && !matches!(p, Penalty::LicenceSuspension { .. }),
        }) {
            return Err(invalid(&format!("penalties[{i}]"), &format!("{} is imposed once", p.describe())));
        }
        let p = match p {
            Penalty::Fine { amount_eur } if amount_eur == 0 || amount_eur > MAX_FINE_EUR => {
                return Err(invalid(
                    &field("amount_eur"),
                    &format!("a fine is between EUR 1 and EUR {}", thousands(MAX_FINE_EUR)),
                ));
            }
            Penalty::Debarment { until } if until <= today => {
                return Err(invalid(&field("until"), "a debarment ends after today"));
            }
            Penalty::Debarment { until }
                if until > today + Duration::days(365 * MAX_DEBARMENT_YEARS + MAX_DEBARMENT_YEARS / 4) =>
            {
                return Err(invalid(
                    &field("until"),
                    &format!("a debarment lasts at most {MAX_DEBARMENT_YEARS} years"),
                ));
            }
            Penalty::LicenceSuspension { case, .. } => {
                match ctx.live_licences.iter().find(|(c, _)| *c == case) {
                    Some((_, number)) => Penalty::LicenceSuspension { case, licence_number: number.clone() },
                    None => {
                        return Err(invalid(&field("case"), "not an active licence of this exporter"));
                    }
                }
            }
            p => p,
        };
        out.push(p);
    }
    Ok(out)
}

pub fn apply(state: Option<ExporterRecord>, e: &EnforcementEvent) -> Option<ExporterRecord> {
    match (state, e) {
        (None, EnforcementEvent::InvestigationOpened { investigation }) => Some(ExporterRecord {
            exporter: investigation.exporter,
            investigations: vec![investigation.clone()],
        }),
        (Some(mut r), EnforcementEvent::InvestigationOpened { investigation }) => {
            r.investigations.push(investigation.clone());
            Some(r)
        }
        (Some(mut r), EnforcementEvent::InvestigationEvidenceAdded { investigation, item }) => {
            if let Some(i) = r.investigations.iter_mut().find(|i| i.id == *investigation) {
                i.evidence.push(item.clone());
            }
            Some(r)
        }
        (Some(mut r), EnforcementEvent::InvestigationConcluded { investigation, conclusion }) => {
            if let Some(i) = r.investigations.iter_mut().find(|i| i.id == *investigation) {
                i.conclusion = Some(conclusion.clone());
            }
            Some(r)
        }
        (s, _) => s,
    }
}

/// When an exporter counts as a repeat offender: `findings` findings of violation concluded within
/// the last `period_days` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatPolicy {
    pub findings: u32,
    pub period_days: u32,
}

impl Default for RepeatPolicy {
    /// Two findings within three years.
    fn default() -> Self {
        RepeatPolicy { findings: 2, period_days: 3 * 365 }
    }
}

/// What an exporter's record means for its applications today.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Standing {
    /// Findings of violation within the policy's period, newest first (references).
    pub recent_findings: Vec<String>,
    /// Why every new application goes to senior review, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub senior_review: Option<String>,
    /// The last day of the debarment in force, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debarred_until: Option<NaiveDate>,
}

/// The exporter's standing at `now` under `policy`.
pub fn standing(record: Option<&ExporterRecord>, policy: RepeatPolicy, now: DateTime<Utc>) -> Standing {
    let Some(record) = record else { return Standing::default() };
    let since = now - Duration::days(i64::from(policy.period_days));
    let mut recent: Vec<&Investigation> = record
        .investigations
        .iter()
        .filter(|i| i.violation_found_at().is_some_and(|at| at > since && at <= now))
        .collect();
    recent.sort_by_key(|i| std::cmp::Reverse(i.violation_found_at()));
    let debarred_until = debarment_in_force(record, now);
    let senior_review = if let Some(until) = debarred_until {
        Some(format!("the exporter is debarred until {until}"))
    } else if policy.findings > 0 && recent.len() >= policy.findings as usize {
        let refs: Vec<&str> = recent.iter().map(|i| i.reference.as_str()).collect();
        Some(format!(
            "repeat offender: {} findings of violation within {} days ({})",
            recent.len(),
            policy.period_days,
            refs.join(", ")
        ))
    } else {
        None
    };
    Standing {
        recent_findings: recent.iter().map(|i| i.reference.clone()).collect(),
        senior_review,
        debarred_until,
    }
}

/// The last day of the longest debarment in force at `now`, if any.
pub fn debarment_in_force(record: &ExporterRecord, now: DateTime<Utc>) -> Option<NaiveDate> {
    let today = now.date_naive();
    record
        .investigations
        .iter()
        .filter_map(|i| i.conclusion.as_ref())
        .filter(|c| c.at <= now)
        .flat_map(|c| c.penalties.iter())
        .filter_map(|p| match p {
            Penalty::Debarment { until } if *until >= today => Some(*until),
            _ => None,
        })
        .max()
}

/// The debarments in force at `now` across every exporter, with the investigation that imposed
/// each: what the authority's restricted list of debarred exporters holds.
pub fn active_debarments<'a>(
    records: impl IntoIterator<Item = &'a ExporterRecord>,
    now: DateTime<Utc>,
) -> Vec<(OrgId, NaiveDate, String)> {
    records
        .into_iter()
        .filter_map(|r| {
            let until = debarment_in_force(r, now)?;
            let by = r
                .investigations
                .iter()
                .rev()
                .find(|i| {
                    i.conclusion.as_ref().is_some_and(|c| {
                        c.penalties
                            .iter()
                            .any(|p| matches!(p, Penalty::Debarment { until: u } if *u == until))
                    })
                })
                .map(|i| i.reference.clone())
                .unwrap_or_default();
            Some((r.exporter, until, by))
        })
        .collect()
}

/// How many times the debarment list has changed by `now`: every debarment imposed, and every one
/// that ended. It only grows, so it serves as the list's version.
pub fn debarment_list_version<'a>(
    records: impl IntoIterator<Item = &'a ExporterRecord>,
    now: DateTime<Utc>,
) -> u64 {
    let today = now.date_naive();
    records
        .into_iter()
        .flat_map(|r| r.investigations.iter())
        .filter_map(|i| i.conclusion.as_ref())
        .filter(|c| c.at <= now)
        .flat_map(|c| c.penalties.iter())
        .map(|p| match p {
            Penalty::Debarment { until } if *until < today => 2,
            Penalty::Debarment { .. } => 1,
            _ => 0,
        })
        .sum()
}

/// The register's records of a concluded investigation: one for each warning, fine and debarment,
/// naming the exporter (an enforcement act names whom it is against, whatever the publication
/// policy says of licensing decisions). A suspension is published by the licence's own record.
pub fn penalty_records(
    inv: &Investigation,
    exporter_name: &str,
    mut record_id: impl FnMut() -> String,
) -> Vec<PublicRecord> {
    let Some(c) = &inv.conclusion else { return Vec::new() };
    c.penalties
        .iter()
        .filter(|p| !matches!(p, Penalty::LicenceSuspension { .. }))
        .map(|p| {
            let (kind, published) = match p {
                Penalty::Debarment { until } => (
                    RecordKind::Debarment,
                    PublishedPenalty {
                        penalty: p.name().into(),
                        investigation: inv.reference.clone(),
                        fine_eur: None,
                        debarred_until: Some(*until),
                    },
                ),
                Penalty::Fine { amount_eur } => (
                    RecordKind::Penalty,
                    PublishedPenalty {
                        penalty: p.name().into(),
                        investigation: inv.reference.clone(),
                        fine_eur: Some(*amount_eur),
                        debarred_until: None,
                    },
                ),
                _ => (
                    RecordKind::Penalty,
                    PublishedPenalty {
                        penalty: p.name().into(),
                        investigation: inv.reference.clone(),
                        fine_eur: None,
                        debarred_until: None,
                    },
                ),
            };
            PublicRecord {
                record_id: record_id(),
                kind,
                published_at: c.at,
                case_id: None,
                licence_number: None,
                licence_type: None,
                decision_date: Some(c.at.date_naive()),
                act_date: Some(c.at.date_naive()),
                acts_on: None,
                destination: None,
                destination_name: None,
                end_user_sector: None,
                control_entries: vec![],
                cyber_surveillance: true,
                goods_summary: None,
                value_band: None,
                refusal_criteria: vec![],
                conditions: vec![],
                processing_working_days: None,
                public_rationale: Some(c.findings.clone()),
                exporter_statement: None,
                exporter: Some(exporter_name.to_string()),
                departed_from_recommendation: false,
                first_decision: false,
                excluded_from_statistics: Some("enforcement act, not a licensing decision".into()),
                penalty: Some(published),
                rule: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
