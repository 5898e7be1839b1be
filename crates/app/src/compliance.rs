//! Compliance: what happens under a licence once it is issued — shipments reported against it
//! (drawdown, refusals flagged for enforcement) and the obligations its conditions bring.
//!
//! Stream `compliance-<case uuid>`, events `oversight_domain::compliance::ComplianceEvent`. A
//! command reads the case's own stream (for the licence as stored) and the compliance stream,
//! decides with `compliance::decide`, and appends guarded by the case's version: a shipment
//! reported while the licence is being suspended is decided again on the suspended licence.
//!
//! The periodic sweep ([`App::sweep_obligations`]) sends every breach past its grace period to a
//! licence review (the reviews capability), once.
//!
//! Read model: each licence's compliance record, for the queue's flags and the sweep.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use oversight_domain::{
    Actor, Application, ApplicationId, OrgKind, Role,
    application::LicenceStatus,
    compliance::{
        self as rules, Compliance, ComplianceCommand, ComplianceContext, ComplianceEvent, Drawdown,
        EvidenceFile, Obligation, Shipment, ShipmentLine,
    },
    review::{ReviewOutcomeTag, Trigger},
};
use oversight_store::{Expect, StoredEvent};
use serde::{Deserialize, Serialize};

use crate::{
    App, AppError,
    app::{Result, decode, new_event},
    cases::fold_case,
    projections::Fold,
};

/// Days an obligation may stay overdue or rejected before it goes to a licence review, unless
/// configured otherwise.
pub const DEFAULT_GRACE_DAYS: u32 = 14;

/// Every licence's compliance record, as folded.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceProjection {
    records: BTreeMap<ApplicationId, Compliance>,
}

impl ComplianceProjection {
    pub(crate) fn fold(&mut self, fold: &Fold) {
        let Fold::Compliance(id, event) = fold else { return };
        let record = self.records.remove(id).unwrap_or_default();
        self.records.insert(*id, rules::apply(record, event));
    }
}

/// A licence's compliance as its holder or the authority sees it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceView {
    pub case_id: ApplicationId,
    pub licence_number: String,
    pub licence_status: LicenceStatus,
    pub drawdown: Drawdown,
    pub obligations: Vec<Obligation>,
    /// Every shipment reported, refused ones with their reasons, newest last.
    pub shipments: Vec<Shipment>,
}

/// A shipment report, as the exporter sends it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShipmentReport {
    /// The day the goods left (YYYY-MM-DD).
    pub date: NaiveDate,
    pub lines: Vec<ShipmentLine>,
    pub value_eur: u64,
    /// The consignee as named on the licence.
    pub consignee: String,
}

/// A licence that needs someone's attention, for the work queue.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceFlag {
    pub case_id: ApplicationId,
    pub licence_number: String,
    /// What needs attention, in words.
    pub reason: String,
    /// The obligation or shipment concerned.
    pub subject: String,
    pub since: NaiveDate,
}

/// Largest document sent to fulfil an obligation.
pub const MAX_EVIDENCE_BYTES: usize = crate::cases::MAX_DOCUMENT_BYTES;

impl App {
    /// A licence's compliance: drawdown, obligations and shipments (its holder and the authority's
    /// case-file and enforcement roles).
    pub fn compliance(&self, actor: &Actor, id: ApplicationId) -> Result<ComplianceView> {
        let case = self.case(id).ok_or(AppError::NotFound)?;
        if !rules::may_see(actor, &case) {
            return Err(AppError::NotFound);
        }
        let licence = case.licence.clone().ok_or(AppError::NotFound)?;
        let record = self.read().compliance.records.get(&id).cloned().unwrap_or_default();
        Ok(view(&case, &record, &licence, self.now().date_naive()))
    }

    /// The exporter reports a shipment. A shipment outside the licence is recorded as refused, with
    /// its reasons, and flagged for enforcement: the answer says so.
    pub async fn report_shipment(
        &self,
        actor: &Actor,
        id: ApplicationId,
        report: ShipmentReport,
    ) -> Result<Shipment> {
        let shipment_id = self.new_uuid();
        let cmd = ComplianceCommand::ReportShipment {
            id: shipment_id,
            date: report.date,
            lines: report.lines,
            value_eur: report.value_eur,
            consignee: report.consignee,
        };
        let record = self.compliance_command(actor, id, cmd, self.now()).await?;
        record
            .shipments
            .into_iter()
            .find(|s| s.id == shipment_id)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the shipment was not recorded")))
    }

    /// The exporter sends what an obligation asks for: a note and, optionally, a document.
    pub async fn fulfil_obligation(
        &self,
        actor: &Actor,
        id: ApplicationId,
        key: &str,
        note: &str,
        document: Option<(&str, &[u8])>,
    ) -> Result<ComplianceView> {
        let now = self.now();
        let file = match document {
            Some((_, [])) => {
                return Err(AppError::invalid("document", "the document is empty"));
            }
            Some((_, bytes)) if bytes.len() > MAX_EVIDENCE_BYTES => {
                return Err(AppError::invalid(
                    "document",
                    format!("documents are limited to {MAX_EVIDENCE_BYTES} bytes"),
                ));
            }
            Some((name, bytes)) => Some(EvidenceFile {
                filename: name.to_string(),
                sha256: oversight_store::sha256_hex(bytes),
                size: bytes.len() as u64,
            }),
            None => None,
        };
        let cmd = ComplianceCommand::Fulfil { key: key.to_string(), note: note.to_string(), document: file };
        // Decided before the bytes are stored: a refused submission leaves nothing behind.
        self.decide_compliance(actor, id, cmd.clone(), now).await?;
        if let Some((_, bytes)) = document {
            self.store.put_blob(bytes, now).await?;
        }
        self.compliance_command(actor, id, cmd, now).await?;
        self.compliance(actor, id)
    }

    /// A licensing officer accepts or rejects what was sent for an obligation, with a reason.
    pub async fn judge_obligation(
        &self,
        actor: &Actor,
        id: ApplicationId,
        key: &str,
        accept: bool,
        reason: &str,
    ) -> Result<ComplianceView> {
        let cmd = ComplianceCommand::Judge { key: key.to_string(), accept, reason: reason.to_string() };
        self.compliance_command(actor, id, cmd, self.now()).await?;
        // A failed verification goes to review at once.
        if let Err(e) = self.sweep_licence(id, self.grace_days).await {
            tracing::error!("sending breaches of {id} to review failed: {e}");
        }
        self.compliance(actor, id)
    }

    /// A licensing or enforcement officer asks for an audit under the licence's audit condition.
    pub async fn request_audit(
        &self,
        actor: &Actor,
        id: ApplicationId,
        scope: &str,
        due: NaiveDate,
    ) -> Result<ComplianceView> {
        let cmd = ComplianceCommand::RequestAudit { id: self.new_uuid(), scope: scope.to_string(), due };
        self.compliance_command(actor, id, cmd, self.now()).await?;
        self.compliance(actor, id)
    }

    /// A document sent for an obligation, if the actor may see the licence.
    pub async fn obligation_document(
        &self,
        actor: &Actor,
        id: ApplicationId,
        sha256: &str,
    ) -> Result<(EvidenceFile, Vec<u8>)> {
        let view = self.compliance(actor, id)?;
        let file = view
            .obligations
            .iter()
            .flat_map(|o| &o.submissions)
            .filter_map(|s| s.document.clone())
            .find(|d| d.sha256 == sha256)
            .ok_or(AppError::NotFound)?;
        let bytes = self
            .store
            .get_blob(sha256)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("blob {sha256} is missing")))?;
        Ok((file, bytes))
    }

    /// The sweep: every live licence's breaches past the grace period go to a licence review, each
    /// once. Returns the number of reviews opened. Run periodically by `oversight serve`.
    pub async fn sweep_obligations(&self) -> Result<usize> {
        let ids: Vec<ApplicationId> = self
            .cases_where(|a| {
                a.licence
                    .as_ref()
                    .is_some_and(|l| !l.obligations.is_empty() && oversight_domain::review::is_live(l.status))
            })
            .into_iter()
            .map(|a| a.id)
            .collect();
        let mut opened = 0;
        for id in ids {
            opened += self.sweep_licence(id, self.grace_days).await?;
        }
        Ok(opened)
    }

    /// Runs [`sweep_obligations`](Self::sweep_obligations) at start and then every `every`.
    pub fn spawn_obligation_sweep(
        self: &std::sync::Arc<Self>,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let app = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let Some(strong) = app.upgrade() else { return };
                match strong.sweep_obligations().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("{n} obligation breaches sent to licence review"),
                    Err(e) => tracing::warn!("the obligation sweep failed (will retry): {e}"),
                }
                drop(strong);
                tokio::time::sleep(every).await;
            }
        })
    }

    async fn sweep_licence(&self, id: ApplicationId, grace_days: u32) -> Result<usize> {
        let now = self.now();
        let platform = Actor::platform();
        let (case, record, _) = self.compliance_from_store(id).await?;
        let Some(case) = case else { return Ok(0) };
        if rules::escalations(&case, &record, now.date_naive(), grace_days).is_empty() {
            return Ok(0);
        }
        let before = record.escalated.clone();
        let after =
            self.compliance_command(&platform, id, ComplianceCommand::Escalate { grace_days }, now).await?;
        let obligations = rules::obligations(&case, &after, now.date_naive());
        let mut opened = 0;
        for key in after.escalated.difference(&before) {
            let Some(o) = obligations.iter().find(|o| &o.key == key) else { continue };
            let evidence = match o.submissions.last().and_then(|s| s.verdict.as_ref()) {
                Some(v) if !v.accepted => {
                    format!("{}\nRejected on {}: {}", o.wording, v.at.date_naive(), v.reason)
                }
                _ => format!(
                    "{}\nDue {} and not fulfilled.",
                    o.wording,
                    o.due.map(|d| d.to_string()).unwrap_or_default()
                ),
            };
            let trigger = Trigger::ObligationBreach { key: key.clone() };
            self.open_review(&platform, id, trigger, &evidence, Some(ReviewOutcomeTag::Suspend)).await?;
            opened += 1;
        }
        Ok(opened)
    }

    /// Licences needing the actor's attention: for licensing officers, submissions waiting for a
    /// verdict and flagged obligations; for enforcement officers (and licensing officers),
    /// refused shipments.
    pub fn licence_flags(&self, actor: &Actor) -> Vec<LicenceFlag> {
        let officer = actor.org_kind == OrgKind::Authority && actor.has(Role::LicensingOfficer);
        let enforcement = actor.org_kind == OrgKind::Authority && actor.has(Role::EnforcementOfficer);
        if !officer && !enforcement {
            return vec![];
        }
        let today = self.now().date_naive();
        let mut records: BTreeMap<ApplicationId, Compliance> = self.read().compliance.records.clone();
        // A licence with obligations and nothing recorded yet can already be overdue.
        for case in self.cases_where(|a| a.licence.as_ref().is_some_and(|l| !l.obligations.is_empty())) {
            records.entry(case.id).or_default();
        }
        let mut out = Vec::new();
        for (id, record) in records {
            let Some(case) = self.case(id) else { continue };
            let Some(licence) = &case.licence else { continue };
            let number = &licence.number;
            for s in record.shipments.iter().filter(|s| s.is_refused()) {
                out.push(LicenceFlag {
                    case_id: id,
                    licence_number: number.clone(),
                    reason: format!("shipment refused, for enforcement: {}", s.refused.join("; ")),
                    subject: format!("shipment of {}", s.date),
                    since: s.reported_at.date_naive(),
                });
            }
            if !officer {
                continue;
            }
            for o in rules::obligations(&case, &record, today) {
                let reason = match o.status {
                    rules::ObligationStatus::Submitted => "evidence waiting for your verdict",
                    rules::ObligationStatus::Overdue => "obligation overdue",
                    rules::ObligationStatus::Rejected => "evidence rejected, waiting for the exporter",
                    _ => continue,
                };
                let since =
                    o.submissions.last().map(|s| s.at.date_naive()).or(o.flagged_since).unwrap_or(today);
                out.push(LicenceFlag {
                    case_id: id,
                    licence_number: number.clone(),
                    reason: reason.into(),
                    subject: o.wording,
                    since,
                });
            }
        }
        out.sort_by_key(|f| f.since);
        out
    }

    // ----- the write path ---------------------------------------------------------------------

    /// The case as stored and its compliance record, with the case stream's version.
    async fn compliance_from_store(
        &self,
        id: ApplicationId,
    ) -> Result<(Option<Application>, Compliance, u64)> {
        let case_events = self.store.read_stream(&id.stream()).await?;
        let case = fold_case(&case_events)?;
        let record = fold_record(&self.store.read_stream(&rules::stream(id)).await?)?;
        Ok((case, record, case_events.len() as u64))
    }

    /// Decides without appending (to refuse before storing a document's bytes).
    async fn decide_compliance(
        &self,
        actor: &Actor,
        id: ApplicationId,
        cmd: ComplianceCommand,
        now: DateTime<Utc>,
    ) -> Result<Vec<ComplianceEvent>> {
        let (case, record, _) = self.compliance_from_store(id).await?;
        let case = case.ok_or(AppError::NotFound)?;
        let notices = self.notices_to(case.org);
        Ok(rules::decide(&record, cmd, &ComplianceContext { actor, now, case: &case, notices: &notices })?)
    }

    /// Load → decide → append (guarded by the case's version) → the record after.
    pub(crate) async fn compliance_command(
        &self,
        actor: &Actor,
        id: ApplicationId,
        cmd: ComplianceCommand,
        now: DateTime<Utc>,
    ) -> Result<Compliance> {
        self.retrying("the licence's compliance record", || async {
            let (case, record, case_version) = self.compliance_from_store(id).await?;
            let case = case.ok_or(AppError::NotFound)?;
            let notices = self.notices_to(case.org);
            let events = rules::decide(
                &record,
                cmd.clone(),
                &ComplianceContext { actor, now, case: &case, notices: &notices },
            )?;
            let by = (!actor.is_platform()).then_some(actor.user);
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, by, now)).collect();
            let expect = [Expect { stream: id.stream(), version: case_version }];
            self.append(&rules::stream(id), record.version, new, &[], &expect).await?;
            Ok(events.iter().fold(record, rules::apply))
        })
        .await
    }
}

fn fold_record(stored: &[StoredEvent]) -> Result<Compliance> {
    stored.iter().try_fold(Compliance::default(), |r, e| {
        let event: ComplianceEvent = decode(e).map_err(AppError::Internal)?;
        Ok(rules::apply(r, &event))
    })
}

fn view(
    case: &Application,
    record: &Compliance,
    licence: &oversight_domain::Licence,
    today: NaiveDate,
) -> ComplianceView {
    ComplianceView {
        case_id: case.id,
        licence_number: licence.number.clone(),
        licence_status: licence.status,
        drawdown: rules::drawdown(case, record),
        obligations: rules::obligations(case, record, today),
        shipments: record.shipments.clone(),
    }
}
