//! The public register: what of a case becomes public, and when.
//!
//! Each published event becomes one [`PublicRecord`], appended as a leaf to the transparency log
//! in the same transaction as the event. The record holds what DOMAIN.md §9 lists for the public —
//! never commercial secrets (no item descriptions, quantities or exact values, no internal notes or
//! recommendations), and the exporter's name only if the authority's policy says so. The record is
//! designed to carry later kinds (appeal outcomes, informed notices, rule changes) without change:
//! the kind says what it is, fields that do not apply are absent.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    application::{Application, ApplicationStatus, Outcome},
    control_list::ControlList,
    lifecycle::Event,
    party::{PartyRole, Sector},
};

/// What a published record records.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RecordKind {
    LicenceIssued,
    LicenceIssuedWithConditions,
    LicenceRefused,
    ApplicationWithdrawn,
    LicenceSuspended,
    LicenceReinstated,
    LicenceRevoked,
    LicenceSurrendered,
    LicenceExpired,
    /// Conditions added to a live licence (a licence review's outcome).
    LicenceConditionsAdded,
    AppealUpheld,
    AppealOverturned,
    AppealSentBack,
    InformedNotice,
    RuleChange,
    /// A warning or a fine imposed on an exporter on a finding of violation (enforcement).
    Penalty,
    /// An exporter debarred until a date (enforcement): on the authority's restricted list.
    Debarment,
    /// An exporter's own words (a withdrawal's or surrender's reason), released by an officer.
    ExporterStatement,
}

impl RecordKind {
    pub fn as_str(&self) -> &'static str {
        self.into()
    }

    /// The outcome word used in statistics ("issued", "refused", ...).
    pub fn outcome(&self) -> &'static str {
        match self {
            RecordKind::LicenceIssued => "issued",
            RecordKind::LicenceIssuedWithConditions => "issued_with_conditions",
            RecordKind::LicenceRefused => "refused",
            RecordKind::ApplicationWithdrawn => "withdrawn",
            RecordKind::LicenceSuspended => "suspended",
            RecordKind::LicenceReinstated => "reinstated",
            RecordKind::LicenceRevoked => "revoked",
            RecordKind::LicenceSurrendered => "surrendered",
            RecordKind::LicenceExpired => "expired",
            RecordKind::LicenceConditionsAdded => "conditions_added",
            RecordKind::AppealUpheld => "appeal_upheld",
            RecordKind::AppealOverturned => "appeal_overturned",
            RecordKind::AppealSentBack => "appeal_sent_back",
            RecordKind::InformedNotice => "informed",
            RecordKind::RuleChange => "rule_change",
            RecordKind::Penalty => "penalty",
            RecordKind::Debarment => "debarment",
            RecordKind::ExporterStatement => "exporter_statement",
        }
    }
}

/// One public record: a leaf of the transparency log, byte for byte its canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PublicRecord {
    /// Unique id of this record (so two records with the same content remain two records).
    pub record_id: String,
    pub kind: RecordKind,
    pub published_at: DateTime<Utc>,
    /// The case the record is about (absent for rule changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_type: Option<String>,
    /// The date of the licensing decision (for a licence action: the decision that issued it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_date: Option<NaiveDate>,
    /// The date of the act this record publishes (a revocation's date, not its licence's); absent
    /// in records published before it was recorded, whose act date is `published_at`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_date: Option<NaiveDate>,
    /// The record this one acts on (`record_id`): a licence action names the record that issued
    /// the licence, a released statement the withdrawal or surrender it explains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acts_on: Option<String>,
    /// ISO 3166-1 alpha-2 destination and its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_sector: Option<Sector>,
    #[serde(default)]
    pub control_entries: Vec<String>,
    pub cyber_surveillance: bool,
    /// Control-list titles of the goods (never the exporter's own description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_band: Option<String>,
    /// Criteria relied on for a refusal (1–8).
    #[serde(default)]
    pub refusal_criteria: Vec<u8>,
    #[serde(default)]
    pub conditions: Vec<String>,
    /// Working days from submission to decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_working_days: Option<u32>,
    /// The plain-language rationale, always written by the authority (for licence actions: the
    /// officer's stated reason; for a withdrawal or surrender: the authority's standard wording).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_rationale: Option<String>,
    /// The exporter's own words, only in an `exporter_statement` record (released by an officer,
    /// and always shown marked as the exporter's, never as the authority's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter_statement: Option<String>,
    /// The exporter, if the publication policy names exporters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exporter: Option<String>,
    /// The decision departs from the risk assessment's recommended outcome (its justification is
    /// recorded, and a departure towards approval was concurred in by a second approver).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub departed_from_recommendation: bool,
    /// Counted in "first decision only" statistics.
    pub first_decision: bool,
    /// Why the record is left out of decision statistics, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_from_statistics: Option<String>,
    /// An enforcement penalty or debarment (`penalty` and `debarment` records only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty: Option<PublishedPenalty>,
    /// The rule a `rule_change` record put in force: its version and content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleRef>,
}

/// What the register publishes of an enforcement penalty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PublishedPenalty {
    /// `warning`, `fine` or `debarment`.
    pub penalty: String,
    /// The investigation's reference.
    pub investigation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine_eur: Option<u64>,
    /// The last day of the debarment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debarred_until: Option<NaiveDate>,
}

/// What a `rule_change` record names: the rule adopted, the one it replaced, and the consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleRef {
    pub kind: crate::rulemaking::RuleKind,
    pub version: String,
    /// SHA-256 of the adopted text (what an assessment made under it records, for the policy).
    pub sha256: String,
    pub previous_version: String,
    pub previous_sha256: String,
    /// The consultation's reference (`P-…`).
    pub proposal: String,
    pub in_force_from: DateTime<Utc>,
}

impl PublicRecord {
    /// The date of the act published: what the register shows and its date filters use.
    pub fn date_of_act(&self) -> NaiveDate {
        self.act_date.unwrap_or_else(|| self.published_at.date_naive())
    }

    /// The bytes stored as the log leaf and served in `decisions.jsonl`.
    pub fn to_leaf(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("records serialise")
    }

    pub fn from_leaf(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// The authority's publication policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicationPolicy {
    /// Publish exporters' names (otherwise withheld).
    pub exporter_names: bool,
}

/// Everything a record needs besides the case: its id and time, who applied, the list, the policy,
/// and the case's earlier records (kind and `record_id`, in log order) that a new one may act on.
#[derive(Debug, Clone)]
pub struct Publication<'a> {
    pub record_id: String,
    pub at: DateTime<Utc>,
    pub exporter_name: &'a str,
    pub control_list: &'a ControlList,
    pub policy: PublicationPolicy,
    pub earlier: &'a [(RecordKind, String)],
    /// The working days the processing time is counted in (the authority's holidays).
    pub calendar: &'a crate::calendar::WorkingCalendar,
}

/// The authority's wording of a withdrawal on the register (the exporter's reason is not published).
pub const WITHDRAWAL_RATIONALE: &str = "The applicant withdrew the application before a decision was taken.";
/// The authority's wording of a surrender on the register (the exporter's reason is not published).
pub const SURRENDER_RATIONALE: &str = "The licence holder surrendered the licence.";
/// The authority's wording of a released exporter statement.
pub const STATEMENT_RATIONALE: &str = "The licensing authority releases the applicant's own statement below. \
     The words are the applicant's, not the authority's.";

/// The latest earlier record of one of `kinds`.
fn latest_of(earlier: &[(RecordKind, String)], kinds: &[RecordKind]) -> Option<String> {
    earlier.iter().rev().find(|(k, _)| kinds.contains(k)).map(|(_, id)| id.clone())
}

/// The public record, if any, for `event`, part of a batch that turned `before` into `after`.
pub fn public_record(
    before: Option<&Application>,
    after: &Application,
    event: &Event,
    publication: Publication<'_>,
) -> Option<PublicRecord> {
    let Publication { record_id, at, exporter_name, control_list, policy, earlier, calendar } = publication;
    let issued = [RecordKind::LicenceIssued, RecordKind::LicenceIssuedWithConditions];
    let mut statement = None;
    let (kind, rationale, first, excluded) = match event {
        Event::Decided { decision } => {
            let kind = match decision.outcome {
                Outcome::Approve => RecordKind::LicenceIssued,
                Outcome::ApproveWithConditions => RecordKind::LicenceIssuedWithConditions,
                Outcome::Deny => RecordKind::LicenceRefused,
            };
            if after.reopened_on_appeal {
                // A new decision after an appeal: published, not counted again as a first decision.
                (
                    kind,
                    Some(decision.public_rationale.clone()),
                    false,
                    Some("decision after an appeal".to_string()),
                )
            } else {
                (kind, Some(decision.public_rationale.clone()), true, None)
            }
        }
        Event::AppealDecided { outcome, reasons, .. } => (
            match outcome {
                crate::appeal::AppealOutcome::Upheld => RecordKind::AppealUpheld,
                crate::appeal::AppealOutcome::Overturned => RecordKind::AppealOverturned,
                crate::appeal::AppealOutcome::SentBack => RecordKind::AppealSentBack,
            },
            Some(reasons.clone()),
            false,
            Some("appeal decision, not a licensing decision".to_string()),
        ),
        // Drafts are private; a submitted application that is withdrawn is public.
        Event::Withdrawn { reason } if before.is_some_and(|b| b.status != ApplicationStatus::Draft) => (
            RecordKind::ApplicationWithdrawn,
            Some(WITHDRAWAL_RATIONALE.to_string()),
            false,
            Some("withdrawn by the applicant before a decision".to_string()),
        ),
        Event::LicenceSuspended { reason } => {
            (RecordKind::LicenceSuspended, Some(reason.clone()), false, licence_action())
        }
        Event::LicenceReinstated { reason } => {
            (RecordKind::LicenceReinstated, Some(reason.clone()), false, licence_action())
        }
        Event::LicenceRevoked { reason } => {
            (RecordKind::LicenceRevoked, Some(reason.clone()), false, licence_action())
        }
        Event::LicenceSurrendered { .. } => {
            (RecordKind::LicenceSurrendered, Some(SURRENDER_RATIONALE.to_string()), false, licence_action())
        }
        Event::ExporterStatementReleased { statement: text } => {
            statement = Some(text.clone());
            (
                RecordKind::ExporterStatement,
                Some(STATEMENT_RATIONALE.to_string()),
                false,
                Some("statement of the applicant, not a licensing decision".to_string()),
            )
        }
        Event::LicenceExpired => (RecordKind::LicenceExpired, None, false, licence_action()),
        Event::LicenceConditionsAdded { reason, .. } => {
            (RecordKind::LicenceConditionsAdded, Some(reason.clone()), false, licence_action())
        }
        _ => return None,
    };
    let entries: Vec<_> = after.items.iter().filter_map(|i| control_list.get(&i.control_code)).collect();
    let mut codes: Vec<String> = entries.iter().map(|e| e.code.clone()).collect();
    codes.dedup();
    let mut titles: Vec<String> = entries.iter().map(|e| format!("{} ({})", e.title, e.code)).collect();
    titles.dedup();
    let end_user = after.parties.iter().find(|p| p.role == PartyRole::EndUser);
    let decision = after.decision.as_ref();
    let acts_on = match kind {
        RecordKind::LicenceSuspended
        | RecordKind::LicenceReinstated
        | RecordKind::LicenceRevoked
        | RecordKind::LicenceSurrendered
        | RecordKind::LicenceExpired
        | RecordKind::LicenceConditionsAdded => latest_of(earlier, &issued),
        RecordKind::ExporterStatement => {
            latest_of(earlier, &[RecordKind::ApplicationWithdrawn, RecordKind::LicenceSurrendered])
        }
        RecordKind::AppealUpheld | RecordKind::AppealOverturned | RecordKind::AppealSentBack => match event {
            Event::AppealDecided { subject, .. } => latest_of(
                earlier,
                &match subject {
                    crate::appeal::AppealSubject::Refusal => {
                        [RecordKind::LicenceRefused, RecordKind::LicenceRefused]
                    }
                    crate::appeal::AppealSubject::Suspension => {
                        [RecordKind::LicenceSuspended, RecordKind::LicenceSuspended]
                    }
                    crate::appeal::AppealSubject::Revocation => {
                        [RecordKind::LicenceRevoked, RecordKind::LicenceRevoked]
                    }
                    crate::appeal::AppealSubject::Condition { .. } => {
                        [RecordKind::LicenceIssuedWithConditions, RecordKind::LicenceConditionsAdded]
                    }
                },
            ),
            _ => None,
        },
        _ => None,
    };
    Some(PublicRecord {
        record_id,
        kind,
        published_at: at,
        case_id: Some(after.id.to_string()),
        licence_number: after.licence.as_ref().map(|l| l.number.clone()),
        licence_type: Some("standard individual export licence".to_string()),
        decision_date: decision.map(|d| d.at.date_naive()),
        act_date: Some(at.date_naive()),
        acts_on,
        destination: Some(after.destination.alpha2().to_string()),
        destination_name: Some(after.destination.name().to_string()),
        end_user_sector: end_user.map(|p| p.sector),
        control_entries: codes,
        cyber_surveillance: entries.iter().any(|e| e.cyber_surveillance),
        goods_summary: (!titles.is_empty()).then(|| titles.join("; ")),
        value_band: Some(declared_value_band(&after.items)),
        refusal_criteria: match (kind, decision) {
            (RecordKind::LicenceRefused, Some(d)) => d.criteria.clone(),
            _ => vec![],
        },
        conditions: match kind {
            RecordKind::LicenceIssuedWithConditions => {
                decision.map(|d| d.conditions.clone()).unwrap_or_default()
            }
            RecordKind::LicenceConditionsAdded => match event {
                Event::LicenceConditionsAdded { conditions, .. } => conditions.clone(),
                _ => vec![],
            },
            _ => vec![],
        },
        // The published clock: submission to decision, less the days a query to the exporter
        // was open (`Application::working_days_elapsed`).
        processing_working_days: match (after.submitted_at, decision) {
            (Some(_), Some(d)) if first => after.working_days_elapsed(d.at, calendar),
            _ => None,
        },
        public_rationale: rationale.filter(|r| !r.is_empty()),
        exporter_statement: statement,
        departed_from_recommendation: matches!(event, Event::Decided { decision } if decision.departure.is_some()),
        exporter: policy.exporter_names.then(|| exporter_name.to_string()),
        first_decision: first,
        excluded_from_statistics: excluded,
        penalty: None,
        rule: None,
    })
}

/// The kinds of record a case's events publish, in order (what its records in the log must be).
/// A withdrawal is published only after a submission (a withdrawn draft is private).
pub fn expected_kinds(events: &[Event]) -> Vec<RecordKind> {
    let mut x = ExpectedRecords::default();
    events.iter().for_each(|e| x.fold(e));
    x.kinds
}

/// [`expected_kinds`] folded one event at a time, so a read model can keep it per case without
/// keeping the case's events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedRecords {
    submitted: bool,
    kinds: Vec<RecordKind>,
}

impl ExpectedRecords {
    pub fn fold(&mut self, e: &Event) {
        let kind = match e {
            Event::Submitted => {
                self.submitted = true;
                None
            }
            Event::Decided { decision } => Some(match decision.outcome {
                Outcome::Approve => RecordKind::LicenceIssued,
                Outcome::ApproveWithConditions => RecordKind::LicenceIssuedWithConditions,
                Outcome::Deny => RecordKind::LicenceRefused,
            }),
            Event::Withdrawn { .. } if self.submitted => Some(RecordKind::ApplicationWithdrawn),
            Event::LicenceSuspended { .. } => Some(RecordKind::LicenceSuspended),
            Event::LicenceReinstated { .. } => Some(RecordKind::LicenceReinstated),
            Event::LicenceRevoked { .. } => Some(RecordKind::LicenceRevoked),
            Event::LicenceSurrendered { .. } => Some(RecordKind::LicenceSurrendered),
            Event::LicenceExpired => Some(RecordKind::LicenceExpired),
            Event::LicenceConditionsAdded { .. } => Some(RecordKind::LicenceConditionsAdded),
            Event::AppealDecided { outcome, .. } => Some(match outcome {
                crate::appeal::AppealOutcome::Upheld => RecordKind::AppealUpheld,
                crate::appeal::AppealOutcome::Overturned => RecordKind::AppealOverturned,
                crate::appeal::AppealOutcome::SentBack => RecordKind::AppealSentBack,
            }),
            Event::ExporterStatementReleased { .. } => Some(RecordKind::ExporterStatement),
            _ => None,
        };
        self.kinds.extend(kind);
    }

    /// The kinds so far, in order.
    pub fn kinds(&self) -> &[RecordKind] {
        &self.kinds
    }
}

/// Where a case's published records disagree with what its events publish: the first position at
/// which the kinds differ. Either list may be ahead of the other by records not yet folded (a
/// write between the two reads), so only a difference within both is a disagreement.
pub fn first_disagreement(expected: &[RecordKind], published: &[RecordKind]) -> Option<usize> {
    expected.iter().zip(published).position(|(e, p)| e != p)
}

fn licence_action() -> Option<String> {
    Some("licence action, not a licensing decision".to_string())
}

/// Value bands published instead of exact values.
/// The band of an application's declared total value. Values are summed with checked arithmetic:
/// a total beyond `u64` (not reachable through [`crate::lifecycle`]'s bounds, but possible in a
/// hand-made record) is in the top band, never wrapped into a small one.
pub fn declared_value_band(items: &[crate::application::Item]) -> String {
    let total = items.iter().try_fold(0u64, |sum, i| sum.checked_add(i.value_eur));
    value_band(total.unwrap_or(u64::MAX))
}

pub fn value_band(eur: u64) -> String {
    match eur {
        0..100_000 => "under 100,000 EUR",
        100_000..1_000_000 => "100,000 to 1 million EUR",
        1_000_000..10_000_000 => "1 to 10 million EUR",
        _ => "over 10 million EUR",
    }
    .to_string()
}

/// Working days from `start` to `end`, Monday to Friday, without holidays (a case's clock counts
/// on the authority's calendar: [`crate::calendar::WorkingCalendar`]).
pub fn working_days_between(start: DateTime<Utc>, end: DateTime<Utc>) -> u32 {
    crate::calendar::WorkingCalendar::weekends_only().working_days_between(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn working_days_skip_weekends() {
        let fri = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        assert_eq!(working_days_between(fri, fri), 0);
        assert_eq!(working_days_between(fri, fri + Duration::days(3)), 1);
        assert_eq!(working_days_between(fri, fri + Duration::days(7)), 5);
    }

    #[test]
    fn a_total_beyond_u64_is_in_the_top_band_not_wrapped() {
        let item = |value_eur| crate::application::Item {
            id: crate::ItemId(uuid::Uuid::nil()),
            control_code: "5A001.f".into(),
            description: "x".into(),
            quantity: 1,
            value_eur,
        };
        assert_eq!(declared_value_band(&[item(u64::MAX), item(2)]), "over 10 million EUR");
        assert_eq!(declared_value_band(&[item(60_000), item(39_999)]), "under 100,000 EUR");
        assert_eq!(declared_value_band(&[]), "under 100,000 EUR");
    }

    #[test]
    fn values_are_published_as_bands() {
        assert_eq!(value_band(99_999), "under 100,000 EUR");
        assert_eq!(value_band(100_000), "100,000 to 1 million EUR");
        assert_eq!(value_band(12_000_000), "over 10 million EUR");
    }

    #[test]
    fn records_round_trip_and_refuse_unknown_fields() {
        let r = PublicRecord {
            record_id: "r".into(),
            kind: RecordKind::RuleChange,
            published_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            case_id: None,
            licence_number: None,
            licence_type: None,
            decision_date: None,
            act_date: None,
            acts_on: None,
            destination: None,
            destination_name: None,
            end_user_sector: None,
            control_entries: vec![],
            cyber_surveillance: false,
            goods_summary: None,
            value_band: None,
            refusal_criteria: vec![],
            conditions: vec![],
            processing_working_days: None,
            public_rationale: Some("New catch-all guidance".into()),
            exporter_statement: None,
            departed_from_recommendation: false,
            exporter: None,
            first_decision: false,
            excluded_from_statistics: Some("not a decision".into()),
            penalty: None,
            rule: None,
        };
        assert_eq!(PublicRecord::from_leaf(&r.to_leaf()).unwrap(), r);
        let mut v: serde_json::Value = serde_json::from_slice(&r.to_leaf()).unwrap();
        v["internal_note"] = "secret".into();
        assert!(PublicRecord::from_leaf(v.to_string().as_bytes()).is_err());
    }
}
