//! The state of one case: an application and, once approved, its licence.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    countries::CountryCode,
    ids::{ApplicationId, DocumentId, ItemId, OrgId, UserId},
    party::Party,
};

/// Where an application is in its lifecycle (DOMAIN.md §3).
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
pub enum ApplicationStatus {
    Draft,
    Submitted,
    UnderReview,
    Consultation,
    PendingDecision,
    OnHold,
    Approved,
    ApprovedWithConditions,
    Denied,
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 10] = oversight_vocab::all_variants();

    /// Open = not yet decided or withdrawn.
    pub fn is_open(&self) -> bool {
        !matches!(
            self,
            ApplicationStatus::Approved
                | ApplicationStatus::ApprovedWithConditions
                | ApplicationStatus::Denied
                | ApplicationStatus::Withdrawn
        )
    }

    /// States from which a case can be put on hold: submitted and not yet decided.
    pub fn can_hold(&self) -> bool {
        matches!(
            self,
            ApplicationStatus::Submitted
                | ApplicationStatus::UnderReview
                | ApplicationStatus::Consultation
                | ApplicationStatus::PendingDecision
        )
    }

    pub fn as_str(&self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// The state of an issued licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    Active,
    Suspended,
    Revoked,
    Expired,
    Surrendered,
}

/// A decision's outcome, as recommended by the officer and taken by the approver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    ApproveWithConditions,
    Deny,
}

/// What kind of document was attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    EndUseUndertaking,
    TechnicalSpecification,
    Contract,
    Correspondence,
    Other,
}

/// An item line: what is exported, classified against a control-list entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub id: ItemId,
    /// A control-list code, or `CATCH-ALL` for an unlisted cyber-surveillance item.
    pub control_code: String,
    pub description: String,
    pub quantity: u32,
    /// Declared value in whole euros (commercial information: never published as such).
    pub value_eur: u64,
}

/// A document attached to the case. The bytes live in blob storage under `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    pub id: DocumentId,
    pub kind: DocumentKind,
    pub filename: String,
    pub sha256: String,
    pub size: u64,
    pub uploaded_by: UserId,
    pub uploaded_at: DateTime<Utc>,
}

/// A query to the exporter (a request for information): an officer asks, with a date to answer by;
/// the exporter answers. While one is open the case cannot be decided and its clock stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExporterQuery {
    pub id: uuid::Uuid,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    /// The last day to answer.
    pub due: chrono::NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<DateTime<Utc>>,
}

impl ExporterQuery {
    pub fn is_open(&self) -> bool {
        self.answered_at.is_none()
    }

    /// Open past its due date (on `today`).
    pub fn is_overdue(&self, today: chrono::NaiveDate) -> bool {
        self.is_open() && today > self.due
    }
}

/// The case officer's recommendation (the first pair of eyes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recommendation {
    pub by: UserId,
    pub outcome: Outcome,
    pub reasoning: String,
    pub conditions: Vec<String>,
    pub at: DateTime<Utc>,
}

/// The approver's decision (the second pair of eyes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub by: UserId,
    pub outcome: Outcome,
    /// Criteria relied on (EU Common Position / UK numbering 1–8: 2 = human rights, 7 = diversion).
    pub criteria: Vec<u8>,
    /// Plain-language rationale for the public register.
    pub public_rationale: String,
    /// Confidential note, never published.
    pub internal_note: String,
    pub conditions: Vec<String>,
    pub at: DateTime<Utc>,
    /// Set when the outcome departs from the risk assessment's recommended outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departure: Option<Departure>,
    /// The conditions that ask something of the exporter, as obligation terms (their wording is
    /// also among `conditions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<crate::compliance::ObligationTerm>,
    /// The approver who concurred, when the decision took two (a departure towards approval, or an
    /// approval under senior review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_approver: Option<UserId>,
}

/// Which way a decision departs from the assessment's recommended outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DepartureDirection {
    /// More permissive than recommended (e.g. approving what the assessment said to deny): needs a
    /// second approver.
    TowardsApproval,
    /// Stricter than recommended.
    TowardsDenial,
}

/// A decision's departure from the assessment's recommended outcome, with its justification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Departure {
    /// The assessment's recommended outcome (`approve`, `approve_with_conditions`, `refer`,
    /// `presumption_of_denial`, `deny`).
    pub recommended: String,
    pub direction: DepartureDirection,
    /// The approver's reasoned justification (internal, never published).
    pub justification: String,
    /// The second approver who concurred (a departure towards approval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_approver: Option<UserId>,
}

/// A licence issued by an approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Licence {
    pub number: String,
    pub status: LicenceStatus,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub conditions: Vec<String>,
    /// The conditions that become obligations ([`crate::compliance`]); their wording is also among
    /// `conditions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obligations: Vec<crate::compliance::ObligationTerm>,
}

/// Why and from where a case was put on hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    pub reason: String,
    pub resume_to: ApplicationStatus,
    pub since: DateTime<Utc>,
    /// Set when the red-flag rule holds the case: the assessment whose flags hold it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub red_flags_of: Option<u64>,
    /// On hold for the exporter's reasons: the working-day clock stops meanwhile.
    #[serde(default)]
    pub stops_clock: bool,
}

/// Why the working-day clock stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// A query to the exporter was open.
    Query,
    /// The case was on hold for the exporter's reasons.
    ExporterHold,
}

/// A time the clock stood still: from `from` until `until` (still stopped when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClockStop {
    pub reason: StopReason,
    pub from: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

/// The act an exporter's statement was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatementAct {
    Withdrawal,
    Surrender,
}

/// An exporter's own reason for a withdrawal or surrender (DOMAIN.md §9: published text is the
/// authority's; the exporter's words only after an officer releases them, marked as theirs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExporterStatement {
    pub act: StatementAct,
    pub text: String,
    pub at: DateTime<Utc>,
    /// Whether an officer has released it to the public register.
    pub released: bool,
}

/// One case, as folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    pub id: ApplicationId,
    pub org: OrgId,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub status: ApplicationStatus,
    pub title: String,
    pub end_use: String,
    pub destination: CountryCode,
    pub items: Vec<Item>,
    pub parties: Vec<Party>,
    pub documents: Vec<Document>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub assigned_officer: Option<UserId>,
    pub consultation_with: Option<String>,
    pub recommendation: Option<Recommendation>,
    pub hold: Option<Hold>,
    pub decision: Option<Decision>,
    pub licence: Option<Licence>,
    /// What the exporter wrote when withdrawing the application or surrendering the licence: never
    /// published until an officer releases it, and then marked as the exporter's own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_statement: Option<ExporterStatement>,
    /// A decision departing from the assessment towards approval, awaiting a second approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_decision: Option<Decision>,
    /// Queries to the exporter, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queries: Vec<ExporterQuery>,
    /// The times the case was on hold for the exporter's reasons (the queries' stops are their
    /// own dates): see [`Application::clock_stops`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hold_stops: Vec<ClockStop>,
    /// After an appeal reopened a refusal: the approvers who may not take the new decision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_approvers: Vec<UserId>,
    /// Whether an appeal reopened the case (its next decision is not a first decision).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reopened_on_appeal: bool,
    /// Why the case went to senior review at submission (the exporter is a repeat offender or
    /// debarred): an approval then takes a second approver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub senior_review: Option<String>,
    /// Number of events applied: the stream version used for optimistic concurrency.
    pub version: u64,
}

impl Application {
    /// Working days from submission to `now` (or to the decision, if earlier) on `calendar`, not
    /// counting the days the clock stood still ([`clock_stops`](Self::clock_stops)): while a query to
    /// the exporter was open, and while the case was on hold for the exporter's reasons. A day
    /// within two stops is one day not counted.
    pub fn working_days_elapsed(
        &self,
        now: DateTime<Utc>,
        calendar: &crate::calendar::WorkingCalendar,
    ) -> Option<u32> {
        let submitted = self.submitted_at?;
        let end = match &self.decision {
            Some(d) => d.at.min(now),
            None => now,
        };
        let stops: Vec<(chrono::NaiveDate, chrono::NaiveDate)> = self
            .clock_stops()
            .iter()
            .map(|s| (s.from.date_naive(), s.until.unwrap_or(end).min(end).date_naive()))
            .filter(|(from, until)| until > from)
            .collect();
        Some(calendar.working_days_in(submitted.date_naive(), end.date_naive(), |d| {
            stops.iter().any(|(from, until)| *from < d && d <= *until)
        }))
    }

    /// Every time the clock stood still, oldest first: each query to the exporter while it was
    /// open, each hold for the exporter's reasons.
    pub fn clock_stops(&self) -> Vec<ClockStop> {
        let mut stops: Vec<ClockStop> = self
            .queries
            .iter()
            .map(|q| ClockStop { reason: StopReason::Query, from: q.asked_at, until: q.answered_at })
            .chain(self.hold_stops.iter().cloned())
            .collect();
        stops.sort_by_key(|s| s.from);
        stops
    }

    /// Whether a query to the exporter is open.
    pub fn has_open_query(&self) -> bool {
        self.queries.iter().any(ExporterQuery::is_open)
    }
}
