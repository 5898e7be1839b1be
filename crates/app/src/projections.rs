//! The read models, folded from the global event log: rebuilt from scratch on start and kept current
//! by folding every newly stored event in sequence order (from this node or, on PostgreSQL, others).
//!
//! Each event is first decoded into a [`Fold`] — all or nothing: an event that cannot be read stops
//! the fold before anything changes, so a node never skips it — and then handed to every capability,
//! each of which keeps its own read model and takes what it subscribes to. A capability never
//! reads another capability's read model.

use oversight_domain::{
    ApplicationId, assessment::CaseAssessmentEvent, compliance, lifecycle, review,
    screening::CaseScreeningEvent,
};
use oversight_store::StoredEvent;

use crate::{
    accounts::{self, AccountEvent},
    app::decode,
    cases,
    evidence::{self, EvidenceEvent},
    lists::{self, ListEvent},
    register, screening,
};

/// One stored event, decoded by the stream it belongs to.
#[derive(Debug)]
pub(crate) enum Fold {
    /// `application-<uuid>`: the case lifecycle.
    Case(ApplicationId, lifecycle::Event),
    /// `org-<uuid>`, `user-<uuid>`, `session-<uuid>`: accounts.
    Account(AccountEvent),
    /// `screening-<case uuid>`: a case's screening record.
    CaseScreening(ApplicationId, CaseScreeningEvent),
    /// `list-<name>`: list releases.
    List(ListEvent),
    /// `screening-search-<uuid>`: one search of the screening audit log.
    Search(screening::SearchEvent),
    /// `assessment-<case uuid>`: decoded (so an unreadable one halts the node) but kept in no read
    /// model — the assessment capability reads a case's record from the store when it needs it.
    Assessment,
    /// `evidence-<id>`.
    Evidence(String, EvidenceEvent),
    /// `compliance-<case uuid>`: shipments and obligations under a licence.
    Compliance(ApplicationId, compliance::ComplianceEvent),
    /// `calendar-<country>`: an administrator's change to the holidays.
    Calendar(String, oversight_domain::calendar::CalendarEvent),
    /// `sar-<uuid>`: an exporter's suspicious-activity report.
    Report(uuid::Uuid, oversight_domain::reports::ReportEvent),
    /// `notice-<uuid>`: an informed notice.
    Notice(uuid::Uuid, oversight_domain::reports::NoticeEvent),
    /// `appeal-<uuid>`: an appeal to the review panel.
    Appeal(uuid::Uuid, oversight_domain::appeal::AppealEvent),
    /// `complaint-<uuid>`: a complaint from the public.
    Complaint(uuid::Uuid, oversight_domain::complaint::ComplaintEvent),
    /// `rule-proposal-<uuid>`: a proposed change of rule and its consultation.
    RuleProposal(uuid::Uuid, oversight_domain::rulemaking::RuleEvent),
    /// `review-<uuid>`: a licence review.
    Review(uuid::Uuid, review::ReviewEvent),
    /// `enforcement-<org uuid>`: the investigations of one exporter.
    Enforcement(oversight_domain::OrgId, oversight_domain::enforcement::EnforcementEvent),
    /// `installation-<uuid>`, `token-revocations`, `token-witnessed`: installations and tokens.
    Tokens(crate::tokens::TokensFold),
    /// A stream no capability of this version knows (a later version's); kept in the log, not folded.
    Unknown,
}

impl Fold {
    pub(crate) fn decode(e: &StoredEvent) -> anyhow::Result<Fold> {
        let s = e.stream_id.as_str();
        let case_id = |rest: &str| -> anyhow::Result<ApplicationId> {
            rest.parse().map_err(|_| anyhow::anyhow!("event {}: bad stream id {s}", e.seq))
        };
        Ok(if let Some(rest) = s.strip_prefix("application-") {
            Fold::Case(case_id(rest)?, decode(e)?)
        } else if s.starts_with("org-") || s.starts_with("user-") || s.starts_with("session-") {
            Fold::Account(decode(e)?)
        } else if s.starts_with("list-") {
            Fold::List(decode(e)?)
        } else if s.starts_with("screening-search-") {
            Fold::Search(decode(e)?)
        } else if let Some(rest) = s.strip_prefix("screening-") {
            Fold::CaseScreening(case_id(rest)?, decode(e)?)
        } else if let Some(rest) = s.strip_prefix("assessment-") {
            case_id(rest)?;
            let _: CaseAssessmentEvent = decode(e)?;
            Fold::Assessment
        } else if let Some(rest) = s.strip_prefix("compliance-") {
            Fold::Compliance(case_id(rest)?, decode(e)?)
        } else if let Some(country) = s.strip_prefix("calendar-") {
            Fold::Calendar(country.to_string(), decode(e)?)
        } else if let Some(rest) = s.strip_prefix("sar-") {
            let id = rest.parse().map_err(|_| anyhow::anyhow!("event {}: bad stream id {s}", e.seq))?;
            Fold::Report(id, decode(e)?)
        } else if let Some(rest) = s.strip_prefix("notice-") {
            let id = rest.parse().map_err(|_| anyhow::anyhow!("event {}: bad stream id {s}", e.seq))?;
            Fold::Notice(id, decode(e)?)
        } else if let Some(rest) = s.strip_prefix("appeal-") {
            let id = rest.parse().map_err(|_| anyhow::anyhow!("event {}: bad stream id {s}", e.seq))?;
            Fold::Appeal(id, decode(e)?)
        } else if let Some(rest) = s.strip_prefix("complaint-") {
            let id = rest.parse().map_err(|_| anyhow::anyhow!("event {}: bad stream id {s}", e.seq))?;
            Fold::Complaint(id, decode(e)?)
        } else if let Some(rest) = s.strip_prefix("rule-proposal-") {
            let id = rest.parse().map_err(|_| anyhow::anyhow!("event {}: bad stream id {s}", e.seq))?;
            Fold::RuleProposal(id, decode(e)?)
        } else if let Some(rest) = s.strip_prefix("review-") {
            let id = rest.parse().map_err(|_| anyhow::anyhow!("event {}: bad stream id {s}", e.seq))?;
            Fold::Review(id, decode(e)?)
        } else if let Some(rest) = s.strip_prefix("enforcement-") {
            let id = rest.parse().map_err(|_| anyhow::anyhow!("event {}: bad stream id {s}", e.seq))?;
            Fold::Enforcement(oversight_domain::OrgId(id), decode(e)?)
        } else if let Some(t) = crate::tokens::TokensFold::decode(e)? {
            Fold::Tokens(t)
        } else if let Some(id) = s.strip_prefix("evidence-") {
            Fold::Evidence(id.to_string(), decode(e)?)
        } else {
            Fold::Unknown
        })
    }
}

/// Every capability's read model. A snapshot ([`crate::snapshot`]) is this, serialised by each
/// capability's own types.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Projections {
    pub(crate) last_seq: u64,
    pub(crate) accounts: accounts::AccountsProjection,
    pub(crate) cases: cases::CasesProjection,
    pub(crate) screening: screening::ScreeningProjection,
    pub(crate) lists: lists::ListsProjection,
    pub(crate) evidence: evidence::EvidenceProjection,
    pub(crate) register: register::RegisterProjection,
    #[serde(default)]
    pub(crate) compliance: crate::compliance::ComplianceProjection,
    #[serde(default)]
    pub(crate) reviews: crate::reviews::ReviewsProjection,
    #[serde(default)]
    pub(crate) calendar: crate::calendar::CalendarProjection,
    #[serde(default)]
    pub(crate) reports: crate::reports::ReportsProjection,
    #[serde(default)]
    pub(crate) appeals: crate::appeals::AppealsProjection,
    #[serde(default)]
    pub(crate) complaints: crate::complaints::ComplaintsProjection,
    #[serde(default)]
    pub(crate) enforcement: crate::enforcement::EnforcementProjection,
    #[serde(default)]
    pub(crate) rulemaking: crate::rulemaking::RulemakingProjection,
    #[serde(default)]
    pub(crate) tokens: crate::tokens::TokensProjection,
}

impl Projections {
    /// Folds one stored event. Events arrive in `seq` order; an event already seen is ignored. An
    /// event that cannot be decoded is an error and changes nothing (not even `last_seq`).
    pub fn apply(&mut self, e: &StoredEvent) -> anyhow::Result<()> {
        if e.seq <= self.last_seq {
            return Ok(());
        }
        let fold = Fold::decode(e)?;
        self.accounts.fold(e, &fold);
        self.cases.fold(e, &fold);
        self.screening.fold(e, &fold);
        self.lists.fold(e, &fold);
        self.evidence.fold(e, &fold);
        self.compliance.fold(&fold);
        self.reviews.fold(e, &fold);
        self.calendar.fold(&fold);
        self.reports.fold(e, &fold);
        self.appeals.fold(e, &fold);
        self.complaints.fold(&fold);
        self.enforcement.fold(&fold);
        self.rulemaking.fold(&fold);
        self.tokens.fold(&fold);
        self.last_seq = e.seq;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn stored(seq: u64, stream: &str, payload: serde_json::Value) -> StoredEvent {
        StoredEvent {
            seq,
            stream_id: stream.into(),
            version: 1,
            kind: "k".into(),
            payload,
            actor: None,
            recorded_at: Utc::now(),
        }
    }

    #[test]
    fn an_unreadable_event_changes_nothing_and_is_refused_every_time() {
        let mut p = Projections::default();
        let bad = stored(
            1,
            "application-0192e8a0-0000-7000-8000-000000000001",
            serde_json::json!({"type": "nonsense"}),
        );
        let first = p.apply(&bad).unwrap_err().to_string();
        assert!(first.contains("event 1"), "{first}");
        assert_eq!(p.last_seq, 0, "the sequence does not advance past an unreadable event");
        assert_eq!(p.apply(&bad).unwrap_err().to_string(), first, "and it is refused the same way again");
        let unknown = stored(1, "some-future-capability-1", serde_json::json!({}));
        p.apply(&unknown).unwrap();
        assert_eq!(p.last_seq, 1);
    }
}
