//! After the licence: what the exporter must do under it (obligations) and what it ships under it
//! (shipments and drawdown). DOMAIN.md §1 items 5–6 and §7.
//!
//! A licence's conditions that ask something of the exporter are [`ObligationTerm`]s, carried by
//! the licence (`Licence::obligations`). The obligations themselves are not stored: they follow
//! from the terms, the licence's dates and the shipments ([`obligations`]) — one end-use
//! certificate before the first shipment, one post-shipment verification per shipment, one
//! periodic report per period, one audit per request. What is stored, in the licence's compliance
//! record (stream `compliance-<case uuid>`), is what people did: shipments reported (or refused),
//! documents submitted to fulfil an obligation, the officer's verdict on them, audits requested,
//! and breaches escalated to a licence review.
//!
//! Rules: [`decide`] and [`apply`], time passed in [`ComplianceContext`], the case (and so the
//! licence) read by the caller from its own stream.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Application, ApplicationId, FieldError, ItemId, UserId,
    access::require_authority,
    application::LicenceStatus,
    lifecycle::Rejection,
    parse_multiline_text, parse_text,
    party::PartyRole,
    roles::{Actor, OrgKind, Role},
};

/// The stream of a licence's compliance record.
pub fn stream(case: ApplicationId) -> String {
    format!("compliance-{}", case.0)
}

/// What an obligation asks of the exporter.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ObligationKind {
    /// An end-use certificate signed by the end user, on file before the first shipment.
    EndUseCertificate,
    /// A post-shipment verification within `days` of each shipment.
    PostShipmentVerification,
    /// The recipient's staff trained (in lawful, rights-respecting use) within `days` of the first
    /// shipment, before the goods are used.
    RecipientTraining,
    /// An end-use report every `days` while the licence runs.
    PeriodicReport,
    /// An audit of the end use when the authority asks, by the date it gives.
    AuditOnRequest,
}

impl ObligationKind {
    pub const ALL: [ObligationKind; 5] = oversight_vocab::all_variants();

    pub fn as_str(&self) -> &'static str {
        self.into()
    }

    /// The days a term of this kind runs by default (`None`: the kind has no period).
    pub fn default_days(&self) -> Option<u32> {
        match self {
            ObligationKind::EndUseCertificate | ObligationKind::AuditOnRequest => None,
            ObligationKind::PostShipmentVerification | ObligationKind::RecipientTraining => Some(30),
            ObligationKind::PeriodicReport => Some(180),
        }
    }

    /// The fewest and most days a term of this kind may give.
    fn day_bounds(&self) -> (u32, u32) {
        match self {
            ObligationKind::PeriodicReport => (30, 365),
            _ => (1, 365),
        }
    }
}

/// A condition of a licence that asks something of the exporter, with its period in days where
/// the kind has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObligationTerm {
    pub kind: ObligationKind,
    /// Days: within how many days of a shipment (verification, training) or how often (periodic
    /// report). Absent for kinds without a period; the kind's default when absent for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

impl ObligationTerm {
    /// Checks the term and fills in the kind's default period.
    pub fn parse(field: &str, kind: ObligationKind, days: Option<u32>) -> Result<ObligationTerm, FieldError> {
        match (kind.default_days(), days) {
            (None, Some(_)) => {
                Err(FieldError::new(format!("{field}.days"), format!("a {} has no period", kind.as_str())))
            }
            (None, None) => Ok(ObligationTerm { kind, days: None }),
            (Some(default), days) => {
                let d = days.unwrap_or(default);
                let (lo, hi) = kind.day_bounds();
                if !(lo..=hi).contains(&d) {
                    return Err(FieldError::new(
                        format!("{field}.days"),
                        format!("must be between {lo} and {hi} days"),
                    ));
                }
                Ok(ObligationTerm { kind, days: Some(d) })
            }
        }
    }

    fn days(&self) -> i64 {
        i64::from(self.days.or(self.kind.default_days()).unwrap_or(0))
    }

    /// The condition as it is written on the licence (and published).
    pub fn wording(&self) -> String {
        let d = self.days();
        match self.kind {
            ObligationKind::EndUseCertificate => {
                "An end-use certificate signed by the end user must be on file before the first shipment."
                    .into()
            }
            ObligationKind::PostShipmentVerification => {
                format!("A post-shipment verification must be completed within {d} days of each shipment.")
            }
            ObligationKind::RecipientTraining => format!(
                "The recipient's staff must complete training in lawful use within {d} days of the first shipment, before use."
            ),
            ObligationKind::PeriodicReport => format!("An end-use report must be submitted every {d} days."),
            ObligationKind::AuditOnRequest => {
                "The exporter must support an audit of the end use when the authority requests one.".into()
            }
        }
    }
}

/// Checks a list of terms (at most 10, each [`ObligationTerm::parse`]d).
pub fn parse_terms(field: &str, terms: &[ObligationTerm]) -> Result<Vec<ObligationTerm>, FieldError> {
    if terms.len() > 10 {
        return Err(FieldError::new(field, "at most 10 obligations"));
    }
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| ObligationTerm::parse(&format!("{field}[{i}]"), t.kind, t.days))
        .collect()
}

/// One line of a shipment: how many of a licensed item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentLine {
    pub item: ItemId,
    pub quantity: u32,
}

/// A shipment as the exporter reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    pub id: Uuid,
    /// The day the goods left.
    pub date: NaiveDate,
    pub lines: Vec<ShipmentLine>,
    /// Declared value in whole euros.
    pub value_eur: u64,
    /// The consignee, as named on the licence.
    pub consignee: String,
    pub reported_at: DateTime<Utc>,
    pub reported_by: UserId,
    /// Why it was refused (empty when it was within the licence). A refused shipment draws nothing
    /// down and is flagged for enforcement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

impl Shipment {
    pub fn is_refused(&self) -> bool {
        !self.refused.is_empty()
    }
}

/// A document sent to fulfil an obligation. The bytes are in blob storage under `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceFile {
    pub filename: String,
    pub sha256: String,
    pub size: u64,
}

/// The officer's verdict on a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Named apart from the screening's `Verdict` in the OpenAPI document (one schema per name).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ObligationVerdict))]
pub struct Verdict {
    pub accepted: bool,
    pub reason: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// What the exporter sent to fulfil an obligation, and the officer's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submission {
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<EvidenceFile>,
    pub by: UserId,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
}

/// An audit the authority asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRequest {
    pub id: Uuid,
    pub scope: String,
    pub due: NaiveDate,
    pub at: DateTime<Utc>,
}

/// A licence's compliance record, as folded from its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compliance {
    pub shipments: Vec<Shipment>,
    /// Submissions per obligation key, oldest first.
    pub submissions: BTreeMap<String, Vec<Submission>>,
    pub audits: Vec<AuditRequest>,
    /// Obligations whose breach has been sent to a licence review.
    pub escalated: BTreeSet<String>,
    /// Number of events applied.
    pub version: u64,
}

impl Compliance {
    /// Shipments within the licence (what draws it down).
    pub fn accepted_shipments(&self) -> impl Iterator<Item = &Shipment> {
        self.shipments.iter().filter(|s| !s.is_refused())
    }
}

/// Where an obligation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ObligationStatus {
    /// Not yet due.
    Pending,
    /// Sent by the exporter, waiting for an officer.
    Submitted,
    Accepted,
    /// The last submission was rejected: the exporter must send another.
    Rejected,
    /// Past its due date with nothing accepted or waiting.
    Overdue,
}

impl ObligationStatus {
    pub fn as_str(&self) -> &'static str {
        self.into()
    }

    /// Overdue or rejected: a flag on the licence.
    pub fn is_flagged(&self) -> bool {
        matches!(self, ObligationStatus::Overdue | ObligationStatus::Rejected)
    }
}

/// One obligation of a licence, derived from its terms, dates and shipments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Obligation {
    /// Stable key: `t<term>` (once per licence), `t<term>-s<shipment>` (per shipment),
    /// `t<term>-p<period>` (per period), `audit-<id>`.
    pub key: String,
    pub kind: ObligationKind,
    pub wording: String,
    /// The last day to fulfil it; absent for an end-use certificate, due before the first shipment.
    pub due: Option<NaiveDate>,
    pub status: ObligationStatus,
    /// The shipment it follows, for a per-shipment obligation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipment: Option<Uuid>,
    pub submissions: Vec<Submission>,
    /// Whether its breach has been sent to a licence review.
    pub escalated: bool,
    /// Since when it has been overdue or rejected (for the grace period).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flagged_since: Option<NaiveDate>,
}

/// The obligations of `case`'s licence on `today` (none without a licence).
pub fn obligations(case: &Application, record: &Compliance, today: NaiveDate) -> Vec<Obligation> {
    let Some(licence) = &case.licence else { return vec![] };
    let issued = licence.issued_at.date_naive();
    let expires = licence.expires_at.date_naive();
    let accepted: Vec<&Shipment> = record.accepted_shipments().collect();
    let first_shipment = accepted.iter().map(|s| s.date).min();
    let mut out = Vec::new();
    for (t, term) in licence.obligations.iter().enumerate() {
        let days = Duration::days(term.days());
        match term.kind {
            ObligationKind::EndUseCertificate => out.push((format!("t{t}"), term, None, None)),
            ObligationKind::RecipientTraining => {
                if let Some(first) = first_shipment {
                    out.push((format!("t{t}"), term, Some(first + days), None));
                }
            }
            ObligationKind::PostShipmentVerification => {
                for s in &accepted {
                    out.push((format!("t{t}-s{}", s.id.simple()), term, Some(s.date + days), Some(s.id)));
                }
            }
            ObligationKind::PeriodicReport => {
                // Every period that has ended by today, and the one running now, up to expiry.
                let mut k = 1;
                loop {
                    let due = issued + days * k;
                    if due > expires || due - days > today {
                        break;
                    }
                    out.push((format!("t{t}-p{k}"), term, Some(due), None));
                    k += 1;
                }
            }
            // Audits come from the authority's requests, below.
            ObligationKind::AuditOnRequest => {}
        }
    }
    let audit_term = ObligationTerm { kind: ObligationKind::AuditOnRequest, days: None };
    let mut list: Vec<Obligation> = out
        .into_iter()
        .map(|(key, term, due, shipment)| {
            obligation(key, term.kind, term.wording(), due, shipment, record, today)
        })
        .collect();
    for a in &record.audits {
        let wording = format!("{} Requested: {}", audit_term.wording(), a.scope);
        list.push(obligation(
            format!("audit-{}", a.id.simple()),
            ObligationKind::AuditOnRequest,
            wording,
            Some(a.due),
            None,
            record,
            today,
        ));
    }
    list
}

fn obligation(
    key: String,
    kind: ObligationKind,
    wording: String,
    due: Option<NaiveDate>,
    shipment: Option<Uuid>,
    record: &Compliance,
    today: NaiveDate,
) -> Obligation {
    let submissions = record.submissions.get(&key).cloned().unwrap_or_default();
    let last = submissions.last();
    let (status, flagged_since) = match last.map(|s| s.verdict.as_ref().map(|v| (v.accepted, v.at))) {
        Some(None) => (ObligationStatus::Submitted, None),
        Some(Some((true, _))) => (ObligationStatus::Accepted, None),
        Some(Some((false, at))) => (ObligationStatus::Rejected, Some(at.date_naive())),
        None => match due {
            Some(due) if today > due => (ObligationStatus::Overdue, Some(due + Duration::days(1))),
            _ => (ObligationStatus::Pending, None),
        },
    };
    let escalated = record.escalated.contains(&key);
    Obligation { key, kind, wording, due, status, shipment, submissions, escalated, flagged_since }
}

/// What remains of a licence after its shipments: per item line, and the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Drawdown {
    pub items: Vec<ItemDrawdown>,
    pub value_licensed_eur: u64,
    pub value_shipped_eur: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemDrawdown {
    pub item: ItemId,
    pub control_code: String,
    pub description: String,
    pub licensed: u32,
    pub shipped: u64,
}

/// The licensed quantities and value against what has been shipped within the licence.
pub fn drawdown(case: &Application, record: &Compliance) -> Drawdown {
    let shipped = |id: ItemId| -> u64 {
        record
            .accepted_shipments()
            .flat_map(|s| &s.lines)
            .filter(|l| l.item == id)
            .map(|l| u64::from(l.quantity))
            .sum()
    };
    Drawdown {
        items: case
            .items
            .iter()
            .map(|i| ItemDrawdown {
                item: i.id,
                control_code: i.control_code.clone(),
                description: i.description.clone(),
                licensed: i.quantity,
                shipped: shipped(i.id),
            })
            .collect(),
        value_licensed_eur: case.items.iter().map(|i| i.value_eur).fold(0u64, u64::saturating_add),
        value_shipped_eur: record.accepted_shipments().map(|s| s.value_eur).fold(0u64, u64::saturating_add),
    }
}

/// What people do to a licence's compliance record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ComplianceCommand {
    /// The exporter reports a shipment under the licence.
    ReportShipment { id: Uuid, date: NaiveDate, lines: Vec<ShipmentLine>, value_eur: u64, consignee: String },
    /// The exporter sends what an obligation asks for.
    Fulfil { key: String, note: String, document: Option<EvidenceFile> },
    /// A licensing officer accepts or rejects the latest submission, with a reason.
    Judge { key: String, accept: bool, reason: String },
    /// A licensing officer asks for an audit (the licence must carry the audit term).
    RequestAudit { id: Uuid, scope: String, due: NaiveDate },
    /// The periodic sweep: sends every breach past its grace period to a licence review (at most
    /// once per obligation). Run under the authority's own account.
    Escalate { grace_days: u32 },
}

/// What happened to a licence's compliance record. Stored as JSON; `type` is the kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ComplianceEvent {
    ShipmentReported {
        shipment: Shipment,
    },
    /// A shipment outside the licence: recorded with its reasons and flagged for enforcement.
    ShipmentRefused {
        shipment: Shipment,
    },
    ObligationFulfilled {
        key: String,
        submission: Submission,
    },
    ObligationJudged {
        key: String,
        verdict: Verdict,
    },
    AuditRequested {
        audit: AuditRequest,
    },
    /// A breach sent to a licence review: `reason` says what (the review is the reviews'
    /// capability's record).
    BreachEscalated {
        key: String,
        reason: String,
    },
}

impl ComplianceEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            ComplianceEvent::ShipmentReported { .. } => "shipment_reported",
            ComplianceEvent::ShipmentRefused { .. } => "shipment_refused",
            ComplianceEvent::ObligationFulfilled { .. } => "obligation_fulfilled",
            ComplianceEvent::ObligationJudged { .. } => "obligation_judged",
            ComplianceEvent::AuditRequested { .. } => "audit_requested",
            ComplianceEvent::BreachEscalated { .. } => "breach_escalated",
        }
    }
}

/// Who acts, when, and on which case (read by the caller from the case's own stream).
#[derive(Debug, Clone)]
pub struct ComplianceContext<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub case: &'a Application,
    /// The informed notices to the licence holder (live or not): a live one issued after the
    /// licence that covers a shipment holds it to a new licence.
    pub notices: &'a [crate::reports::InformedNotice],
}

fn invalid(field: &str, msg: &str) -> Rejection {
    Rejection::Invalid(FieldError::new(field, msg))
}

/// Normalised for comparing names: case folded, whitespace collapsed (also `reports`' rule).
pub(crate) fn fold_name(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Whether the actor may see the licence's compliance record: the licence holder (its exporters)
/// and the authority's case-file and enforcement roles.
pub fn may_see(actor: &Actor, case: &Application) -> bool {
    crate::access::can_see_case_file(actor, case.org, case.status)
}

/// Decides a command on a licence's compliance record.
pub fn decide(
    record: &Compliance,
    cmd: ComplianceCommand,
    ctx: &ComplianceContext<'_>,
) -> Result<Vec<ComplianceEvent>, Rejection> {
    let (actor, case) = (ctx.actor, ctx.case);
    if !actor.is_platform() && !may_see(actor, case) {
        return Err(Rejection::NotFound);
    }
    let Some(licence) = &case.licence else {
        return Err(Rejection::Blocked("the case has no licence".into()));
    };
    let today = ctx.now.date_naive();
    let exporter = || -> Result<(), Rejection> {
        if actor.org_kind == OrgKind::Exporter && actor.has(Role::Exporter) {
            Ok(())
        } else {
            Err(Rejection::Forbidden("only the licence holder's exporters may do this".into()))
        }
    };
    match cmd {
        ComplianceCommand::ReportShipment { id, date, lines, value_eur, consignee } => {
            exporter()?;
            if record.shipments.iter().any(|s| s.id == id) {
                return Err(invalid("id", "a shipment with this id exists"));
            }
            if date > today {
                return Err(invalid(
                    "date",
                    "a shipment is reported once it has left (the date is in the future)",
                ));
            }
            if lines.is_empty() {
                return Err(invalid("lines", "a shipment has at least one item line"));
            }
            if lines.len() > 100 {
                return Err(invalid("lines", "at most 100 item lines"));
            }
            for (i, l) in lines.iter().enumerate() {
                if !case.items.iter().any(|it| it.id == l.item) {
                    return Err(invalid(&format!("lines[{i}].item"), "no such item on this licence"));
                }
                if l.quantity == 0 || l.quantity > crate::lifecycle::MAX_ITEM_QUANTITY {
                    return Err(invalid(
                        &format!("lines[{i}].quantity"),
                        &format!("must be between 1 and {}", crate::lifecycle::MAX_ITEM_QUANTITY),
                    ));
                }
            }
            if value_eur > crate::lifecycle::MAX_ITEM_VALUE_EUR {
                return Err(invalid("value_eur", "too large"));
            }
            let consignee = parse_text("consignee", &consignee, 300)?;
            let mut reasons = Vec::new();
            match licence.status {
                LicenceStatus::Active => {}
                s => reasons.push(format!("the licence is {}", status_word(s))),
            }
            if date < licence.issued_at.date_naive() {
                reasons.push(format!(
                    "the shipment is dated before the licence was issued ({})",
                    licence.issued_at.date_naive()
                ));
            }
            if date > licence.expires_at.date_naive() {
                reasons.push(format!(
                    "the shipment is dated after the licence expired ({})",
                    licence.expires_at.date_naive()
                ));
            }
            let named = case
                .parties
                .iter()
                .filter(|p| matches!(p.role, PartyRole::Consignee | PartyRole::EndUser))
                .any(|p| fold_name(&p.name) == fold_name(&consignee));
            if !named {
                reasons.push(format!("{consignee:?} is not a consignee or end user on the licence"));
            }
            let end_users: Vec<&str> = case
                .parties
                .iter()
                .filter(|p| p.role == PartyRole::EndUser)
                .map(|p| p.name.as_str())
                .chain([consignee.as_str()])
                .collect();
            for n in ctx.notices.iter().filter(|n| n.issued_at > licence.issued_at) {
                if end_users.iter().any(|u| n.covers(case.org, &case.destination, Some(u))) {
                    reasons.push(format!(
                        "an informed notice of {} covers this export (\"{}\"): it needs a new licence",
                        n.issued_at.date_naive(),
                        n.item
                    ));
                }
            }
            let dd = drawdown(case, record);
            for it in &dd.items {
                let now: u64 =
                    lines.iter().filter(|l| l.item == it.item).map(|l| u64::from(l.quantity)).sum();
                if now > 0 && it.shipped + now > u64::from(it.licensed) {
                    reasons.push(format!(
                        "{} × {} goes beyond the licensed quantity ({} licensed, {} already shipped)",
                        now, it.control_code, it.licensed, it.shipped
                    ));
                }
            }
            if dd.value_shipped_eur.saturating_add(value_eur) > dd.value_licensed_eur {
                reasons.push(format!(
                    "the value goes beyond the licensed value (EUR {} licensed, EUR {} already shipped)",
                    dd.value_licensed_eur, dd.value_shipped_eur
                ));
            }
            let euc_missing = obligations(case, record, today).iter().any(|o| {
                o.kind == ObligationKind::EndUseCertificate && o.status != ObligationStatus::Accepted
            });
            if euc_missing {
                reasons.push(
                    "the end-use certificate is not yet accepted (it is due before the first shipment)"
                        .into(),
                );
            }
            let shipment = Shipment {
                id,
                date,
                lines,
                value_eur,
                consignee,
                reported_at: ctx.now,
                reported_by: actor.user,
                refused: reasons,
            };
            Ok(vec![if shipment.is_refused() {
                ComplianceEvent::ShipmentRefused { shipment }
            } else {
                ComplianceEvent::ShipmentReported { shipment }
            }])
        }
        ComplianceCommand::Fulfil { key, note, document } => {
            exporter()?;
            let o = find(case, record, today, &key)?;
            match o.status {
                ObligationStatus::Accepted => return Err(invalid("key", "this obligation is fulfilled")),
                ObligationStatus::Submitted => {
                    return Err(invalid("key", "a submission for this obligation is waiting for an officer"));
                }
                _ => {}
            }
            let note = parse_multiline_text("note", &note, 5000)?;
            let document = document.map(check_file).transpose()?;
            Ok(vec![ComplianceEvent::ObligationFulfilled {
                key,
                submission: Submission { note, document, by: actor.user, at: ctx.now, verdict: None },
            }])
        }
        ComplianceCommand::Judge { key, accept, reason } => {
            require_authority(actor, &[Role::LicensingOfficer], "judging an obligation's evidence")?;
            let o = find(case, record, today, &key)?;
            if o.status != ObligationStatus::Submitted {
                return Err(Rejection::Blocked("there is no submission waiting for a verdict".into()));
            }
            let reason = parse_multiline_text("reason", &reason, 2000)?;
            Ok(vec![ComplianceEvent::ObligationJudged {
                key,
                verdict: Verdict { accepted: accept, reason, by: actor.user, at: ctx.now },
            }])
        }
        ComplianceCommand::RequestAudit { id, scope, due } => {
            require_authority(
                actor,
                &[Role::LicensingOfficer, Role::EnforcementOfficer],
                "requesting an audit",
            )?;
            if !licence.obligations.iter().any(|t| t.kind == ObligationKind::AuditOnRequest) {
                return Err(Rejection::Blocked("the licence carries no audit condition".into()));
            }
            if !matches!(licence.status, LicenceStatus::Active | LicenceStatus::Suspended) {
                return Err(Rejection::Blocked(format!("the licence is {}", status_word(licence.status))));
            }
            if record.audits.iter().any(|a| a.id == id) {
                return Err(invalid("id", "an audit with this id exists"));
            }
            if due <= today || due > today + Duration::days(366) {
                return Err(invalid("due", "must be after today and within a year"));
            }
            Ok(vec![ComplianceEvent::AuditRequested {
                audit: AuditRequest {
                    id,
                    scope: parse_multiline_text("scope", &scope, 2000)?,
                    due,
                    at: ctx.now,
                },
            }])
        }
        ComplianceCommand::Escalate { grace_days } => {
            if !actor.is_platform() {
                require_authority(actor, &[Role::LicensingOfficer], "escalating breaches")?;
            }
            Ok(escalations(case, record, today, grace_days))
        }
    }
}

/// The breaches to send to a licence review on `today`: an obligation overdue or rejected for more
/// than `grace_days`, and a rejected post-shipment verification at once (a failed verification is
/// evidence in itself). Each once.
pub fn escalations(
    case: &Application,
    record: &Compliance,
    today: NaiveDate,
    grace_days: u32,
) -> Vec<ComplianceEvent> {
    obligations(case, record, today)
        .into_iter()
        .filter(|o| !o.escalated)
        .filter_map(|o| {
            let since = o.flagged_since?;
            let failed_verification =
                o.kind == ObligationKind::PostShipmentVerification && o.status == ObligationStatus::Rejected;
            let past_grace = today > since + Duration::days(i64::from(grace_days));
            if !(failed_verification || past_grace) {
                return None;
            }
            let reason = match o.status {
                ObligationStatus::Rejected if failed_verification => {
                    format!(
                        "post-shipment verification failed: {}",
                        o.submissions
                            .last()
                            .and_then(|s| s.verdict.as_ref())
                            .map(|v| v.reason.as_str())
                            .unwrap_or("")
                    )
                }
                ObligationStatus::Rejected => {
                    format!("evidence rejected and not replaced within {grace_days} days: {}", o.wording)
                }
                _ => format!(
                    "overdue since {} and not fulfilled within a grace period of {grace_days} days: {}",
                    since, o.wording
                ),
            };
            Some(ComplianceEvent::BreachEscalated { key: o.key, reason })
        })
        .collect()
}

fn find(
    case: &Application,
    record: &Compliance,
    today: NaiveDate,
    key: &str,
) -> Result<Obligation, Rejection> {
    obligations(case, record, today).into_iter().find(|o| o.key == key).ok_or(Rejection::NotFound)
}

fn check_file(d: EvidenceFile) -> Result<EvidenceFile, Rejection> {
    let filename = crate::parse_filename("document.filename", &d.filename)?;
    if d.sha256.len() != 64 || !d.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("document.sha256", "must be 64 hexadecimal characters"));
    }
    Ok(EvidenceFile { filename, sha256: d.sha256.to_ascii_lowercase(), ..d })
}

fn status_word(s: LicenceStatus) -> &'static str {
    match s {
        LicenceStatus::Active => "active",
        LicenceStatus::Suspended => "suspended",
        LicenceStatus::Revoked => "revoked",
        LicenceStatus::Expired => "expired",
        LicenceStatus::Surrendered => "surrendered",
    }
}

/// Folds one event into the record.
pub fn apply(mut record: Compliance, event: &ComplianceEvent) -> Compliance {
    record.version += 1;
    match event {
        ComplianceEvent::ShipmentReported { shipment } | ComplianceEvent::ShipmentRefused { shipment } => {
            record.shipments.push(shipment.clone())
        }
        ComplianceEvent::ObligationFulfilled { key, submission } => {
            record.submissions.entry(key.clone()).or_default().push(submission.clone())
        }
        ComplianceEvent::ObligationJudged { key, verdict } => {
            if let Some(last) = record.submissions.get_mut(key).and_then(|s| s.last_mut()) {
                last.verdict = Some(verdict.clone());
            }
        }
        ComplianceEvent::AuditRequested { audit } => record.audits.push(audit.clone()),
        ComplianceEvent::BreachEscalated { key, .. } => {
            record.escalated.insert(key.clone());
        }
    }
    record
}

#[cfg(test)]
mod tests;
