//! Exporters' reports to the authority and the authority's informed notices.
//!
//! Streams `sar-<uuid>` (`oversight_domain::reports::ReportEvent`) and `notice-<uuid>`
//! (`NoticeEvent`). An issued notice is published on the register in the same transaction (a
//! `informed_notice` record, the exporter named only if the publication policy says so). A live
//! notice holds the exporter's covered shipments under older licences to a new licence
//! (`compliance`), and the case page and the queue show the notices covering a case.
//!
//! Read model: every report and every notice.

use std::collections::BTreeMap;

use oversight_domain::{
    Actor, Application, OrgId, OrgKind,
    compliance::EvidenceFile,
    reports::{
        self as rules, InformedNotice, NoticeCommand, NoticeEvent, ReportCommand, ReportEvent,
        SuspiciousActivityReport, TriageOutcome,
    },
};
use oversight_store::StoredEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    App, AppError,
    app::{Result, decode, new_event},
    projections::Fold,
};

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportsProjection {
    reports: BTreeMap<Uuid, SuspiciousActivityReport>,
    notices: BTreeMap<Uuid, InformedNotice>,
}

impl ReportsProjection {
    pub(crate) fn fold(&mut self, e: &StoredEvent, fold: &Fold) {
        match fold {
            Fold::Report(id, event) => {
                if let Some(r) = rules::apply_report(self.reports.remove(id), event) {
                    self.reports.insert(*id, r);
                }
            }
            Fold::Notice(id, event) => {
                if let Some(n) = rules::apply_notice(self.notices.remove(id), event, e.recorded_at) {
                    self.notices.insert(*id, n);
                }
            }
            _ => {}
        }
    }
}

/// A report as sent (documents as their bytes, stored on filing).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    pub requester: String,
    /// ISO 3166-1 code of the country the requester gave.
    pub requester_country: String,
    pub items: String,
    pub why: String,
}

/// An informed notice as the approver issues it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    /// The exporter's organisation id.
    pub exporter: String,
    pub item: String,
    #[serde(default)]
    pub end_user: Option<String>,
    #[serde(default)]
    pub destination: Option<String>,
    pub reason: String,
}

impl App {
    /// An exporter files a suspicious-activity report, with documents (name, bytes).
    pub async fn file_report(
        &self,
        actor: &Actor,
        req: ReportRequest,
        documents: Vec<(String, Vec<u8>)>,
    ) -> Result<SuspiciousActivityReport> {
        let id = self.new_uuid();
        let now = self.now();
        for (_, bytes) in &documents {
            if bytes.is_empty() || bytes.len() > crate::cases::MAX_DOCUMENT_BYTES {
                return Err(AppError::invalid("documents", "each document is 1 byte to 10 MiB"));
            }
        }
        let files = documents
            .iter()
            .map(|(name, bytes)| EvidenceFile {
                filename: name.clone(),
                sha256: oversight_store::sha256_hex(bytes),
                size: bytes.len() as u64,
            })
            .collect();
        let cmd = ReportCommand::File {
            id,
            requester: req.requester,
            requester_country: req.requester_country,
            items: req.items,
            why: req.why,
            documents: files,
        };
        // Decided before any byte is stored: a refused report leaves nothing behind.
        let events = rules::decide_report(None, cmd, actor, now)?;
        for (name, bytes) in &documents {
            oversight_domain::parse_filename("documents.filename", name)?;
            self.store.put_blob(bytes, now).await?;
        }
        let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
        self.append(&rules::report_stream(id), 0, new, &[], &[]).await?;
        events
            .iter()
            .fold(None, rules::apply_report)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the report was not filed")))
    }

    /// A licensing or enforcement officer triages a report, once. Triaged as concerning a live
    /// licence (`licence_review`), it names the licence's case, and a review of it opens with the
    /// report as its evidence.
    pub async fn triage_report(
        &self,
        actor: &Actor,
        id: Uuid,
        outcome: TriageOutcome,
        note: &str,
        case: Option<oversight_domain::ApplicationId>,
    ) -> Result<SuspiciousActivityReport> {
        let now = self.now();
        if outcome == TriageOutcome::LicenceReview {
            // Checked before anything is stored: the triage and its review go together.
            let live = case
                .and_then(|c| self.case(c))
                .and_then(|c| c.licence)
                .is_some_and(|l| oversight_domain::review::is_live(l.status));
            if !live {
                return Err(AppError::invalid(
                    "case_id",
                    "name the case of the live licence the report concerns",
                ));
            }
        }
        let report = self
            .retrying("the report", || async {
                let stored = self.store.read_stream(&rules::report_stream(id)).await?;
                let state = stored.iter().try_fold(None, |s, e| {
                    let event: ReportEvent = decode(e).map_err(AppError::Internal)?;
                    Ok::<_, AppError>(rules::apply_report(s, &event))
                })?;
                let cmd = ReportCommand::Triage { outcome, note: note.to_string() };
                let events = rules::decide_report(state.as_ref(), cmd, actor, now)?;
                let new: Vec<_> =
                    events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
                self.append(&rules::report_stream(id), stored.len() as u64, new, &[], &[]).await?;
                events.iter().fold(state, rules::apply_report).ok_or(AppError::NotFound)
            })
            .await?;
        if let (TriageOutcome::LicenceReview, Some(case)) = (outcome, case) {
            let evidence = format!(
                "Suspicious-activity report of {}: {} ({}) asked for {}.\nWhy it was suspicious: {}\nTriage: {}",
                report.reported_at.date_naive(),
                report.requester,
                report.requester_country.name(),
                report.items,
                report.why,
                note.trim()
            );
            let trigger = oversight_domain::review::Trigger::SuspiciousActivity { report: id };
            self.open_review(actor, case, trigger, &evidence, None).await?;
        }
        Ok(report)
    }

    /// The reports the actor may read, newest first.
    pub fn reports(&self, actor: &Actor) -> Result<Vec<SuspiciousActivityReport>> {
        let allowed = match actor.org_kind {
            OrgKind::Exporter => actor.has(oversight_domain::Role::Exporter),
            OrgKind::Authority => {
                actor.has(oversight_domain::Role::LicensingOfficer)
                    || actor.has(oversight_domain::Role::EnforcementOfficer)
            }
            OrgKind::PartnerAgency => false,
        };
        if !allowed {
            return Err(AppError::Forbidden(
                "suspicious-activity reports are for exporters and licensing or enforcement officers".into(),
            ));
        }
        let mut out: Vec<_> = self
            .read()
            .reports
            .reports
            .values()
            .filter(|r| rules::may_read_report(actor, r))
            .cloned()
            .collect();
        out.sort_by_key(|r| std::cmp::Reverse(r.reported_at));
        Ok(out)
    }

    /// An approver issues an informed notice; it is published on the register at once.
    pub async fn issue_notice(&self, actor: &Actor, req: NoticeRequest) -> Result<InformedNotice> {
        let id = self.new_uuid();
        let now = self.now();
        let exporter: Option<OrgId> = req.exporter.parse().ok();
        let org = exporter.and_then(|o| self.orgs().into_iter().find(|x| x.id == o));
        let cmd = NoticeCommand::Issue {
            id,
            exporter: exporter.unwrap_or(OrgId(Uuid::nil())),
            exporter_is_exporter: org.as_ref().is_some_and(|o| o.kind == OrgKind::Exporter),
            item: req.item,
            end_user: req.end_user,
            destination: req.destination,
            reason: req.reason,
        };
        let events = rules::decide_notice(None, cmd, actor, now)?;
        let notice = events
            .iter()
            .fold(None, |s, e| rules::apply_notice(s, e, now))
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the notice was not issued")))?;
        let record = rules::notice_record(
            &notice,
            self.new_uuid_at(now).to_string(),
            org.as_ref().map(|o| o.name.as_str()).unwrap_or(""),
            self.publication,
        );
        let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
        self.append(&rules::notice_stream(id), 0, new, &[(0, record.to_leaf())], &[]).await?;
        Ok(notice)
    }

    /// An approver withdraws a notice.
    pub async fn withdraw_notice(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<InformedNotice> {
        let now = self.now();
        self.retrying("the notice", || async {
            let stored = self.store.read_stream(&rules::notice_stream(id)).await?;
            let state = stored.iter().try_fold(None, |s, e| {
                let event: NoticeEvent = decode(e).map_err(AppError::Internal)?;
                Ok::<_, AppError>(rules::apply_notice(s, &event, e.recorded_at))
            })?;
            let events = rules::decide_notice(
                state.as_ref(),
                NoticeCommand::Withdraw { reason: reason.to_string() },
                actor,
                now,
            )?;
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
            self.append(&rules::notice_stream(id), stored.len() as u64, new, &[], &[]).await?;
            events.iter().fold(state, |s, e| rules::apply_notice(s, e, now)).ok_or(AppError::NotFound)
        })
        .await
    }

    /// The notices the actor may read, newest first.
    pub fn notices(&self, actor: &Actor) -> Result<Vec<InformedNotice>> {
        if actor.org_kind == OrgKind::PartnerAgency || actor.roles.is_empty() {
            return Err(AppError::Forbidden(
                "informed notices are for the authority and the exporters informed".into(),
            ));
        }
        let mut out: Vec<_> = self
            .read()
            .reports
            .notices
            .values()
            .filter(|n| rules::may_read_notice(actor, n))
            .cloned()
            .collect();
        out.sort_by_key(|n| std::cmp::Reverse(n.issued_at));
        Ok(out)
    }

    /// The notices to an exporter (live or withdrawn): the facade the compliance rules read.
    pub(crate) fn notices_to(&self, org: OrgId) -> Vec<InformedNotice> {
        self.read().reports.notices.values().filter(|n| n.exporter == org).cloned().collect()
    }

    /// Whether a suspicious-activity report with this id was filed (for enforcement's sources).
    pub(crate) fn report_exists(&self, id: Uuid) -> bool {
        self.read().reports.reports.contains_key(&id)
    }

    /// The live notices covering a case.
    pub fn notices_covering(&self, case: &Application) -> Vec<InformedNotice> {
        self.read().reports.notices.values().filter(|n| n.covers_case(case)).cloned().collect()
    }
}
