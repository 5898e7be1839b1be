//! Reports between exporters and the authority beyond an application (DOMAIN.md §1 items 6 and 11,
//! §8): an exporter's **suspicious-activity report** (a request that looked like diversion or
//! misuse), which the authority triages; and the authority's **informed notice** (EU Regulation
//! 2021/821 Art. 5): an unlisted item for a named end user or destination needs a licence, and the
//! exporter's new applications and shipments that the notice covers are held to it.
//!
//! Streams `sar-<uuid>` and `notice-<uuid>`; rules as [`decide_report`]/[`apply_report`] and
//! [`decide_notice`]/[`apply_notice`], time and ids passed in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Application, FieldError, OrgId, UserId,
    access::require_authority,
    compliance::EvidenceFile,
    countries::CountryCode,
    lifecycle::Rejection,
    parse_multiline_text, parse_text,
    party::PartyRole,
    roles::{Actor, OrgKind, Role},
};

pub fn report_stream(id: Uuid) -> String {
    format!("sar-{id}")
}

pub fn notice_stream(id: Uuid) -> String {
    format!("notice-{id}")
}

fn invalid(field: &str, msg: &str) -> Rejection {
    Rejection::Invalid(FieldError::new(field, msg))
}

// ----- suspicious-activity reports ------------------------------------------------------------

/// What the authority did with a report.
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
pub enum TriageOutcome {
    /// Nothing further: recorded for the authority's intelligence picture.
    NoAction,
    /// It concerns a live licence: a licence review was opened.
    LicenceReview,
    /// Sent to the enforcement officers.
    ReferredToEnforcement,
    /// The authority issued an informed notice.
    InformedNotice,
}

impl TriageOutcome {
    pub const ALL: [TriageOutcome; 4] = oversight_vocab::all_variants();

    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Triage {
    pub outcome: TriageOutcome,
    pub note: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// An exporter's report of a request that looked like diversion or misuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuspiciousActivityReport {
    pub id: Uuid,
    /// The reporting exporter's organisation.
    pub org: OrgId,
    pub reported_by: UserId,
    pub reported_at: DateTime<Utc>,
    /// Who asked: a name, and the country it gave.
    pub requester: String,
    pub requester_country: CountryCode,
    /// What was asked for.
    pub items: String,
    /// Why it looked suspicious.
    pub why: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<EvidenceFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<Triage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReportCommand {
    File {
        id: Uuid,
        requester: String,
        requester_country: String,
        items: String,
        why: String,
        documents: Vec<EvidenceFile>,
    },
    Triage {
        outcome: TriageOutcome,
        note: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReportEvent {
    ReportFiled { report: SuspiciousActivityReport },
    ReportTriaged { triage: Triage },
}

impl ReportEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            ReportEvent::ReportFiled { .. } => "report_filed",
            ReportEvent::ReportTriaged { .. } => "report_triaged",
        }
    }
}

/// Who may read a report: its organisation's exporters, and the authority's licensing and
/// enforcement officers.
pub fn may_read_report(actor: &Actor, r: &SuspiciousActivityReport) -> bool {
    match actor.org_kind {
        OrgKind::Exporter => actor.org == r.org && actor.has(Role::Exporter),
        OrgKind::Authority => actor.has(Role::LicensingOfficer) || actor.has(Role::EnforcementOfficer),
        OrgKind::PartnerAgency => false,
    }
}

pub fn decide_report(
    state: Option<&SuspiciousActivityReport>,
    cmd: ReportCommand,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<ReportEvent>, Rejection> {
    match (state, cmd) {
        (None, ReportCommand::File { id, requester, requester_country, items, why, documents }) => {
            if actor.org_kind != OrgKind::Exporter || !actor.has(Role::Exporter) {
                return Err(Rejection::Forbidden("only exporters file suspicious-activity reports".into()));
            }
            if documents.len() > 10 {
                return Err(invalid("documents", "at most 10 documents"));
            }
            Ok(vec![ReportEvent::ReportFiled {
                report: SuspiciousActivityReport {
                    id,
                    org: actor.org,
                    reported_by: actor.user,
                    reported_at: now,
                    requester: parse_text("requester", &requester, 300)?,
                    requester_country: CountryCode::parse(&requester_country)
                        .map_err(|e| FieldError::new("requester_country", e.message))?,
                    items: parse_multiline_text("items", &items, 5000)?,
                    why: parse_multiline_text("why", &why, 10_000)?,
                    documents,
                    triage: None,
                },
            }])
        }
        (Some(_), ReportCommand::File { .. }) => Err(Rejection::AlreadyExists),
        (None, ReportCommand::Triage { .. }) => Err(Rejection::NotFound),
        (Some(r), ReportCommand::Triage { outcome, note }) => {
            if !may_read_report(actor, r) {
                return Err(Rejection::NotFound);
            }
            require_authority(
                actor,
                &[Role::LicensingOfficer, Role::EnforcementOfficer],
                "triaging a report",
            )?;
            if r.triage.is_some() {
                return Err(Rejection::Blocked("the report is already triaged".into()));
            }
            Ok(vec![ReportEvent::ReportTriaged {
                triage: Triage {
                    outcome,
                    note: parse_multiline_text("note", &note, 5000)?,
                    by: actor.user,
                    at: now,
                },
            }])
        }
    }
}

pub fn apply_report(
    state: Option<SuspiciousActivityReport>,
    e: &ReportEvent,
) -> Option<SuspiciousActivityReport> {
    match (state, e) {
        (None, ReportEvent::ReportFiled { report }) => Some(report.clone()),
        (Some(mut r), ReportEvent::ReportTriaged { triage }) => {
            r.triage = Some(triage.clone());
            Some(r)
        }
        (s, _) => s,
    }
}

// ----- informed notices -----------------------------------------------------------------------

/// An informed notice: `exporter` is told that `item` for `end_user` and/or `destination` needs a
/// licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InformedNotice {
    pub id: Uuid,
    pub exporter: OrgId,
    /// The unlisted item, as the authority describes it.
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<CountryCode>,
    /// Why (published).
    pub reason: String,
    pub issued_by: UserId,
    pub issued_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<DateTime<Utc>>,
}

use crate::compliance::fold_name;

impl InformedNotice {
    pub fn is_live(&self) -> bool {
        self.withdrawn_at.is_none()
    }

    /// Whether the notice covers an export by `org` to `destination` for `end_user` (names
    /// compared without regard to case or spacing): the exporter named, and every limit the notice
    /// sets (end user, destination) met.
    pub fn covers(&self, org: OrgId, destination: &CountryCode, end_user: Option<&str>) -> bool {
        self.is_live()
            && self.exporter == org
            && self.destination.as_ref().is_none_or(|d| d == destination)
            && self.end_user.as_deref().is_none_or(|n| end_user.is_some_and(|u| fold_name(u) == fold_name(n)))
    }

    /// Whether it covers a case (its destination and end user).
    pub fn covers_case(&self, case: &Application) -> bool {
        let end_users: Vec<&str> =
            case.parties.iter().filter(|p| p.role == PartyRole::EndUser).map(|p| p.name.as_str()).collect();
        if end_users.is_empty() {
            return self.covers(case.org, &case.destination, None);
        }
        end_users.into_iter().any(|u| self.covers(case.org, &case.destination, Some(u)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NoticeCommand {
    /// `exporter_is_exporter`: the organisation named is an exporter (looked up by the caller).
    Issue {
        id: Uuid,
        exporter: OrgId,
        exporter_is_exporter: bool,
        item: String,
        end_user: Option<String>,
        destination: Option<String>,
        reason: String,
    },
    Withdraw {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NoticeEvent {
    NoticeIssued { notice: InformedNotice },
    NoticeWithdrawn { reason: String },
}

impl NoticeEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            NoticeEvent::NoticeIssued { .. } => "notice_issued",
            NoticeEvent::NoticeWithdrawn { .. } => "notice_withdrawn",
        }
    }
}

/// Who may read a notice: the exporter it names, and the authority's users with a role.
pub fn may_read_notice(actor: &Actor, n: &InformedNotice) -> bool {
    match actor.org_kind {
        OrgKind::Exporter => actor.org == n.exporter && actor.has(Role::Exporter),
        OrgKind::Authority => !actor.roles.is_empty(),
        OrgKind::PartnerAgency => false,
    }
}

pub fn decide_notice(
    state: Option<&InformedNotice>,
    cmd: NoticeCommand,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<NoticeEvent>, Rejection> {
    require_authority(actor, &[Role::Approver], "issuing or withdrawing an informed notice")?;
    match (state, cmd) {
        (
            None,
            NoticeCommand::Issue { id, exporter, exporter_is_exporter, item, end_user, destination, reason },
        ) => {
            if !exporter_is_exporter {
                return Err(invalid("exporter", "not an exporter's organisation"));
            }
            let end_user = match end_user.as_deref().map(str::trim) {
                Some(u) if !u.is_empty() => Some(parse_text("end_user", u, 300)?),
                _ => None,
            };
            let destination = match destination.as_deref().map(str::trim) {
                Some(d) if !d.is_empty() => {
                    Some(CountryCode::parse(d).map_err(|e| FieldError::new("destination", e.message))?)
                }
                _ => None,
            };
            if end_user.is_none() && destination.is_none() {
                return Err(invalid("end_user", "name an end user or a destination (or both)"));
            }
            Ok(vec![NoticeEvent::NoticeIssued {
                notice: InformedNotice {
                    id,
                    exporter,
                    item: parse_multiline_text("item", &item, 2000)?,
                    end_user,
                    destination,
                    reason: parse_multiline_text("reason", &reason, 5000)?,
                    issued_by: actor.user,
                    issued_at: now,
                    withdrawn_at: None,
                },
            }])
        }
        (Some(_), NoticeCommand::Issue { .. }) => Err(Rejection::AlreadyExists),
        (None, NoticeCommand::Withdraw { .. }) => Err(Rejection::NotFound),
        (Some(n), NoticeCommand::Withdraw { reason }) => {
            if !n.is_live() {
                return Err(Rejection::Blocked("the notice is already withdrawn".into()));
            }
            Ok(vec![NoticeEvent::NoticeWithdrawn { reason: parse_multiline_text("reason", &reason, 5000)? }])
        }
    }
}

pub fn apply_notice(
    state: Option<InformedNotice>,
    e: &NoticeEvent,
    at: DateTime<Utc>,
) -> Option<InformedNotice> {
    match (state, e) {
        (None, NoticeEvent::NoticeIssued { notice }) => Some(notice.clone()),
        (Some(mut n), NoticeEvent::NoticeWithdrawn { .. }) => {
            n.withdrawn_at = Some(at);
            Some(n)
        }
        (s, _) => s,
    }
}

/// The public record of an issued notice (the exporter named only if the policy says so).
pub fn notice_record(
    n: &InformedNotice,
    record_id: String,
    exporter_name: &str,
    policy: crate::register::PublicationPolicy,
) -> crate::register::PublicRecord {
    crate::register::PublicRecord {
        record_id,
        kind: crate::register::RecordKind::InformedNotice,
        published_at: n.issued_at,
        case_id: None,
        licence_number: None,
        licence_type: Some("informed notice (Regulation (EU) 2021/821, Article 5)".into()),
        decision_date: Some(n.issued_at.date_naive()),
        act_date: Some(n.issued_at.date_naive()),
        acts_on: None,
        destination: n.destination.as_ref().map(|d| d.alpha2().to_string()),
        destination_name: n.destination.as_ref().map(|d| d.name().to_string()),
        end_user_sector: None,
        control_entries: vec![],
        cyber_surveillance: true,
        goods_summary: Some(n.item.clone()),
        value_band: None,
        refusal_criteria: vec![],
        conditions: vec![],
        processing_working_days: None,
        public_rationale: Some(n.reason.clone()),
        exporter_statement: None,
        exporter: policy.exporter_names.then(|| exporter_name.to_string()),
        departed_from_recommendation: false,
        first_decision: false,
        excluded_from_statistics: Some("informed notice, not a licensing decision".into()),
        penalty: None,
        rule: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{authority, exporter_of, licensed_case};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
    }

    #[test]
    fn an_exporter_files_a_report_and_an_officer_triages_it_once() {
        let case = licensed_case();
        let exporter = exporter_of(&case);
        let file = |requester: &str, country: &str| ReportCommand::File {
            id: Uuid::from_u128(1),
            requester: requester.into(),
            requester_country: country.into(),
            items: "Two IMSI catchers".into(),
            why: "Asked to ship via a free zone and pay in cash".into(),
            documents: vec![],
        };
        assert!(
            matches!(decide_report(None, file("Gulf Trading FZE", "XX"), &exporter, now()), Err(Rejection::Invalid(e)) if e.field == "requester_country")
        );
        assert!(
            matches!(decide_report(None, file(" ", "AE"), &exporter, now()), Err(Rejection::Invalid(e)) if e.field == "requester")
        );
        assert!(matches!(
            decide_report(None, file("x", "AE"), &authority(&[Role::LicensingOfficer], 2), now()),
            Err(Rejection::Forbidden(_))
        ));
        let ev = decide_report(None, file("Gulf Trading FZE", "AE"), &exporter, now()).unwrap();
        let r = ev.iter().fold(None, apply_report).unwrap();
        assert_eq!(r.org, exporter.org);
        let triage = |outcome| ReportCommand::Triage {
            outcome,
            note: "Requester known to the enforcement team.".into(),
        };
        assert!(matches!(
            decide_report(Some(&r), triage(TriageOutcome::NoAction), &exporter, now()),
            Err(Rejection::Forbidden(_))
        ));
        let mut other = exporter.clone();
        other.org = OrgId(Uuid::from_u128(77));
        assert_eq!(
            decide_report(Some(&r), triage(TriageOutcome::NoAction), &other, now()),
            Err(Rejection::NotFound)
        );
        assert!(matches!(
            decide_report(Some(&r), triage(TriageOutcome::NoAction), &authority(&[Role::Approver], 3), now()),
            Err(Rejection::NotFound)
        ));
        let ev = decide_report(
            Some(&r),
            triage(TriageOutcome::ReferredToEnforcement),
            &authority(&[Role::EnforcementOfficer], 4),
            now(),
        )
        .unwrap();
        let r = ev.iter().fold(Some(r), apply_report).unwrap();
        assert!(matches!(
            decide_report(
                Some(&r),
                triage(TriageOutcome::NoAction),
                &authority(&[Role::LicensingOfficer], 2),
                now()
            ),
            Err(Rejection::Blocked(_))
        ));
    }

    #[test]
    fn an_approver_issues_a_notice_that_covers_the_exporters_cases_to_its_end_user_or_destination() {
        let case = licensed_case();
        let approver = authority(&[Role::Approver], 3);
        let issue = |end_user: Option<&str>, destination: Option<&str>, is_exporter| NoticeCommand::Issue {
            id: Uuid::from_u128(9),
            exporter: case.org,
            exporter_is_exporter: is_exporter,
            item: "Unlisted social-media monitoring software".into(),
            end_user: end_user.map(String::from),
            destination: destination.map(String::from),
            reason: "Risk of use against protesters.".into(),
        };
        assert!(
            matches!(decide_notice(None, issue(None, None, true), &approver, now()), Err(Rejection::Invalid(e)) if e.field == "end_user")
        );
        assert!(
            matches!(decide_notice(None, issue(None, Some("NO"), false), &approver, now()), Err(Rejection::Invalid(e)) if e.field == "exporter")
        );
        assert!(matches!(
            decide_notice(
                None,
                issue(None, Some("NO"), true),
                &authority(&[Role::LicensingOfficer], 2),
                now()
            ),
            Err(Rejection::Forbidden(_))
        ));
        let n =
            decide_notice(None, issue(Some("national  police directorate"), None, true), &approver, now())
                .unwrap()
                .iter()
                .fold(None, |s, e| apply_notice(s, e, now()))
                .unwrap();
        assert!(n.covers_case(&case), "the end user, however cased and spaced");
        let mut elsewhere = case.clone();
        elsewhere.parties.retain(|p| p.role != PartyRole::EndUser);
        assert!(!n.covers_case(&elsewhere));
        let mut other_org = case.clone();
        other_org.org = OrgId(Uuid::from_u128(5));
        assert!(!n.covers_case(&other_org), "only the exporter informed");
        let by_country = decide_notice(None, issue(None, Some("NO"), true), &approver, now())
            .unwrap()
            .iter()
            .fold(None, |s, e| apply_notice(s, e, now()))
            .unwrap();
        assert!(by_country.covers_case(&case));
        let w = decide_notice(
            Some(&by_country),
            NoticeCommand::Withdraw { reason: "Listed now.".into() },
            &approver,
            now(),
        )
        .unwrap();
        let gone = w.iter().try_fold(by_country, |s, e| apply_notice(Some(s), e, now())).unwrap();
        assert!(!gone.covers_case(&case), "a withdrawn notice covers nothing");
        let r = notice_record(&gone, "r1".into(), "Nordwatch", crate::register::PublicationPolicy::default());
        assert_eq!(
            (r.kind, r.exporter, r.first_decision),
            (crate::register::RecordKind::InformedNotice, None, false)
        );
    }
}
