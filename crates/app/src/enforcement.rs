//! Enforcement: investigations of exporters, findings and penalties, and what follows for repeat
//! offenders and debarred exporters.
//!
//! Stream `enforcement-<org uuid>` (one per exporter), events
//! `oversight_domain::enforcement::EnforcementEvent`. Enforcement officers open, gather evidence
//! and conclude; the platform opens one when the ombudsperson refers a complaint naming an exporter.
//! A conclusion's warnings, fines and debarments are published in the register in the same append;
//! a suspension goes through the licence's own lifecycle (and its own record) first.
//!
//! What other capabilities ask of it, through this module's facade only:
//! - the cases capability, at submission: [`App::senior_review_gate`], read from the store with the
//!   stream's version so the submission is decided against the record as stored;
//! - the lists capability: [`App::debarment_entries`], the built-in list of debarred exporters.
//!
//! Read model: every exporter's record.

use std::collections::BTreeMap;

use oversight_domain::{
    Actor, ApplicationId, OrgId, OrgKind, Role,
    access::require_authority,
    application::LicenceStatus,
    compliance::EvidenceFile,
    enforcement::{
        self as rules, Context, EnforcementCommand, EnforcementEvent, ExporterRecord, Investigation, Origin,
        Penalty, RepeatPolicy, Standing,
    },
    lifecycle::Command,
    screening::{ListVersion, Trigger},
};
use oversight_screening::{Entry, EntryName, NameStrength, Schema};
use oversight_store::{Expect, StoredEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    App, AppError,
    app::{Result, decode, new_event},
    projections::Fold,
};

/// The built-in list of exporters debarred by the authority (derived from enforcement's records).
pub const DEBARMENTS_LIST: &str = "authority-debarments";

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnforcementProjection {
    records: BTreeMap<OrgId, ExporterRecord>,
}

impl EnforcementProjection {
    pub(crate) fn fold(&mut self, fold: &Fold) {
        let Fold::Enforcement(org, event) = fold else { return };
        if let Some(r) = rules::apply(self.records.remove(org), event) {
            self.records.insert(*org, r);
        }
    }
}

/// An investigation to open.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvestigationRequest {
    /// The exporter investigated (its organisation id).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub exporter: OrgId,
    pub origin: Origin,
    /// What the origin names: a complaint's reference (`C-…`), a report's id, or a case id.
    #[serde(default)]
    pub source: Option<String>,
    pub summary: String,
}

/// How an investigation ends.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConclusionRequest {
    pub violation: bool,
    /// Published with any warning, fine or debarment.
    pub findings: String,
    #[serde(default)]
    pub penalties: Vec<Penalty>,
}

/// An investigation with the names a reader needs.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvestigationView {
    #[serde(flatten)]
    pub investigation: Investigation,
    pub exporter_name: String,
    /// The exporter's standing today (repeat offender, debarment).
    pub standing: Standing,
}

fn require_reader(actor: &Actor) -> Result<()> {
    require_authority(actor, &[Role::EnforcementOfficer, Role::Approver], "enforcement records")?;
    Ok(())
}

fn fold_record(stored: &[StoredEvent]) -> Result<Option<ExporterRecord>> {
    stored.iter().try_fold(None, |r, e| {
        let event: EnforcementEvent = decode(e).map_err(AppError::Internal)?;
        Ok(rules::apply(r, &event))
    })
}

impl App {
    /// The repeat-offender rule in force (configuration `enforcement.*`).
    pub fn repeat_policy(&self) -> RepeatPolicy {
        self.repeat_policy
    }

    /// An enforcement officer (or the platform, for a referred complaint) opens an investigation.
    /// The exporter must be a registered exporter, and the source must exist: the complaint, the
    /// report, or a case of that exporter.
    pub async fn open_investigation(
        &self,
        actor: &Actor,
        req: InvestigationRequest,
    ) -> Result<InvestigationView> {
        if !actor.is_platform() {
            require_authority(actor, &[Role::EnforcementOfficer], "investigating exporters")?;
        }
        let org = self.orgs().into_iter().find(|o| o.id == req.exporter && o.kind == OrgKind::Exporter);
        if org.is_none() {
            return Err(AppError::invalid("exporter", "no registered exporter has this id"));
        }
        if let Some(source) = req.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            self.check_source(req.exporter, req.origin, source)?;
        }
        let id = self.new_uuid();
        let cmd =
            EnforcementCommand::Open { id, origin: req.origin, source: req.source, summary: req.summary };
        self.enforcement_command(actor, req.exporter, cmd, Vec::new()).await?;
        self.investigation_view(id)
    }

    fn check_source(&self, exporter: OrgId, origin: Origin, source: &str) -> Result<()> {
        let bad = |msg: &str| Err(AppError::invalid("source", msg));
        match origin {
            Origin::Officer => Ok(()),
            Origin::Complaint => match self.complaint_by_reference(source) {
                Ok(_) => Ok(()),
                Err(_) => bad("no complaint has this reference"),
            },
            Origin::SuspiciousActivityReport => match source.parse::<Uuid>() {
                Ok(id) if self.report_exists(id) => Ok(()),
                _ => bad("no suspicious-activity report has this id"),
            },
            Origin::ObligationBreach | Origin::RefusedShipment | Origin::ScreeningMatch => {
                match source.parse::<ApplicationId>().ok().and_then(|c| self.case_org(c)) {
                    Some(org) if org == exporter => Ok(()),
                    _ => bad("name a case of this exporter (its id)"),
                }
            }
        }
    }

    /// An enforcement officer adds evidence: a note, with a file when there is one (checked by type
    /// and size before anything is stored).
    pub async fn add_investigation_evidence(
        &self,
        actor: &Actor,
        id: Uuid,
        note: &str,
        file: Option<(String, Vec<u8>)>,
    ) -> Result<InvestigationView> {
        let org = self.investigation_org(id)?;
        let evidence = match &file {
            Some((name, bytes)) => {
                oversight_domain::complaint::check_file("file", name, bytes)?;
                Some(EvidenceFile {
                    filename: oversight_domain::parse_filename("file", name)?,
                    sha256: oversight_store::sha256_hex(bytes),
                    size: bytes.len() as u64,
                })
            }
            None => None,
        };
        let cmd =
            EnforcementCommand::AddEvidence { investigation: id, note: note.to_string(), file: evidence };
        let blobs = file.map(|(_, b)| b).into_iter().collect();
        self.enforcement_command(actor, org, cmd, blobs).await?;
        self.investigation_view(id)
    }

    /// An enforcement officer concludes an investigation. The conclusion is decided first (a
    /// refused one changes nothing); then each suspension is taken through the licence's lifecycle;
    /// then the conclusion is appended with the register's records of its warnings, fines and
    /// debarments.
    pub async fn conclude_investigation(
        &self,
        actor: &Actor,
        id: Uuid,
        req: ConclusionRequest,
    ) -> Result<InvestigationView> {
        let org = self.investigation_org(id)?;
        let now = self.now();
        let live: Vec<(ApplicationId, String)> = self.case_rows(|a| {
            let l = a.licence.as_ref().filter(|l| a.org == org && l.status == LicenceStatus::Active)?;
            Some((a.id, l.number.clone()))
        });
        let cmd = EnforcementCommand::Conclude {
            investigation: id,
            violation: req.violation,
            findings: req.findings,
            penalties: req.penalties,
        };
        let stored = self.store.read_stream(&rules::stream(org)).await?;
        let record = fold_record(&stored)?;
        let ctx = Context { now, live_licences: &live };
        let events = rules::decide(record.as_ref(), org, cmd, actor, &ctx)?;
        let after = events.iter().fold(record, rules::apply);
        let concluded =
            after.as_ref().and_then(|r| r.investigation(id)).cloned().ok_or(AppError::NotFound)?;
        let exporter_name = self.org_name(org).unwrap_or_default();
        let leaves: Vec<(usize, Vec<u8>)> =
            rules::penalty_records(&concluded, &exporter_name, || self.new_uuid_at(now).to_string())
                .iter()
                .map(|r| (0, r.to_leaf()))
                .collect();
        let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
        // Each licence to suspend is read as stored: the conclusion is appended only if none of
        // them has changed since (and is still active), so that a licence revoked or suspended
        // meanwhile refuses the whole conclusion rather than leaving it half done.
        let mut expect = Vec::new();
        for p in concluded.conclusion.iter().flat_map(|c| c.penalties.iter()) {
            if let Penalty::LicenceSuspension { case, licence_number } = p {
                let stored_case = self.store.read_stream(&case.stream()).await?;
                let active = crate::cases::fold_case(&stored_case)?
                    .and_then(|a| a.licence)
                    .is_some_and(|l| l.status == LicenceStatus::Active);
                if !active {
                    return Err(AppError::Conflict(format!(
                        "licence {licence_number} is no longer active: nothing was recorded"
                    )));
                }
                expect.push(Expect { stream: case.stream(), version: stored_case.len() as u64 });
            }
        }
        self.append(&rules::stream(org), stored.len() as u64, new, &leaves, &expect).await?;
        // A debarment is on the restricted list from now: open cases and live licences naming the
        // exporter as a party are screened against it (a failure is logged; the next screening
        // of any case uses the list).
        if concluded
            .conclusion
            .iter()
            .flat_map(|c| c.penalties.iter())
            .any(|p| matches!(p, Penalty::Debarment { .. }))
        {
            let (entries, version) = self.debarment_entries();
            let debarred: Vec<Entry> =
                entries.into_iter().filter(|e| e.source_id == org.0.to_string()).collect();
            let lists = vec![ListVersion { name: DEBARMENTS_LIST.into(), version }];
            if let Err(e) = self.rescreen(Some(actor), Trigger::Debarment, debarred, lists, None).await {
                tracing::error!("re-screening against the debarment of {org} failed: {e}");
            }
        }
        // The conclusion stands; each suspension is then the licence's own act and record (a
        // change to the licence after the check above and before this is the one window left).
        let findings = concluded.conclusion.as_ref().map(|c| c.findings.clone()).unwrap_or_default();
        for p in concluded.conclusion.iter().flat_map(|c| c.penalties.iter()) {
            if let Penalty::LicenceSuspension { case, licence_number } = p {
                let reason =
                    format!("Enforcement penalty (investigation {}): {findings}", concluded.reference);
                if let Err(e) = self.execute_at(actor, *case, Command::SuspendLicence { reason }, now).await {
                    return Err(AppError::Conflict(format!(
                        "the investigation was concluded, but licence {licence_number} could not be suspended: {e}"
                    )));
                }
            }
        }
        self.investigation_view(id)
    }

    /// Decides a command on the exporter's record as stored and appends it (re-deciding if another
    /// writer got there first); `blobs` are stored only once the command is accepted.
    async fn enforcement_command(
        &self,
        actor: &Actor,
        org: OrgId,
        cmd: EnforcementCommand,
        blobs: Vec<Vec<u8>>,
    ) -> Result<ExporterRecord> {
        let now = self.now();
        let live = Vec::new();
        let ctx = Context { now, live_licences: &live };
        let stored = self.store.read_stream(&rules::stream(org)).await?;
        rules::decide(fold_record(&stored)?.as_ref(), org, cmd.clone(), actor, &ctx)?;
        for bytes in &blobs {
            self.store.put_blob(bytes, now).await?;
        }
        self.retrying("the exporter's enforcement record", || async {
            let stored = self.store.read_stream(&rules::stream(org)).await?;
            let record = fold_record(&stored)?;
            let events = rules::decide(record.as_ref(), org, cmd.clone(), actor, &ctx)?;
            let user = (!actor.is_platform()).then_some(actor.user);
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, user, now)).collect();
            self.append(&rules::stream(org), stored.len() as u64, new, &[], &[]).await?;
            events.iter().fold(record, rules::apply).ok_or(AppError::NotFound)
        })
        .await
    }

    fn investigation_org(&self, id: Uuid) -> Result<OrgId> {
        self.read()
            .enforcement
            .records
            .values()
            .find(|r| r.investigation(id).is_some())
            .map(|r| r.exporter)
            .ok_or(AppError::NotFound)
    }

    fn investigation_view(&self, id: Uuid) -> Result<InvestigationView> {
        let (inv, record) = {
            let p = self.read();
            let record = p.enforcement.records.values().find(|r| r.investigation(id).is_some()).cloned();
            let record = record.ok_or(AppError::NotFound)?;
            (record.investigation(id).cloned().ok_or(AppError::NotFound)?, record)
        };
        Ok(InvestigationView {
            exporter_name: self.org_name(inv.exporter).unwrap_or_default(),
            standing: rules::standing(Some(&record), self.repeat_policy, self.now()),
            investigation: inv,
        })
    }

    /// Investigations, open ones first, then newest first (enforcement officers and approvers).
    pub fn investigations(&self, actor: &Actor, open_only: bool) -> Result<Vec<InvestigationView>> {
        require_reader(actor)?;
        let now = self.now();
        let records: Vec<ExporterRecord> = self.read().enforcement.records.values().cloned().collect();
        let mut out: Vec<InvestigationView> = records
            .iter()
            .flat_map(|r| {
                let standing = rules::standing(Some(r), self.repeat_policy, now);
                let name = self.org_name(r.exporter).unwrap_or_default();
                r.investigations.iter().filter(|i| !open_only || i.is_open()).map(move |i| {
                    InvestigationView {
                        investigation: i.clone(),
                        exporter_name: name.clone(),
                        standing: standing.clone(),
                    }
                })
            })
            .collect();
        out.sort_by_key(|v| (!v.investigation.is_open(), std::cmp::Reverse(v.investigation.opened_at)));
        Ok(out)
    }

    /// One investigation (enforcement officers and approvers).
    pub fn investigation(&self, actor: &Actor, id: Uuid) -> Result<InvestigationView> {
        require_reader(actor)?;
        self.investigation_view(id)
    }

    /// An exporter's standing today (enforcement officers and approvers).
    pub fn exporter_standing(&self, actor: &Actor, org: OrgId) -> Result<Standing> {
        require_reader(actor)?;
        let record = self.read().enforcement.records.get(&org).cloned();
        Ok(rules::standing(record.as_ref(), self.repeat_policy, self.now()))
    }

    /// For the cases capability at submission: why the exporter's new application goes to senior
    /// review, read from the store, with the version it was read at (the append is guarded by it).
    pub(crate) async fn senior_review_gate(&self, org: OrgId) -> Result<(Option<String>, Expect)> {
        let stream = rules::stream(org);
        let stored = self.store.read_stream(&stream).await?;
        let record = fold_record(&stored)?;
        let standing = rules::standing(record.as_ref(), self.repeat_policy, self.now());
        Ok((standing.senior_review, Expect { stream, version: stored.len() as u64 }))
    }

    /// For the lists capability: the exporters debarred today as entries of the built-in list
    /// `authority-debarments`, and the list's version (it grows with every debarment imposed or
    /// ended).
    pub(crate) fn debarment_entries(&self) -> (Vec<Entry>, u64) {
        let now = self.now();
        let (active, version) = {
            let p = self.read();
            let records = p.enforcement.records.values();
            (rules::active_debarments(records.clone(), now), rules::debarment_list_version(records, now))
        };
        let orgs = self.orgs();
        let entries = active
            .into_iter()
            .filter_map(|(org, until, reference)| {
                let o = orgs.iter().find(|o| o.id == org)?;
                let mut e = Entry::new(DEBARMENTS_LIST, org.0.to_string(), Schema::Organization);
                e.names.push(EntryName { name: o.name.clone(), strength: NameStrength::Primary, kind: None });
                e.add_country(&o.country);
                e.programs.push(format!("debarred until {until} ({reference})"));
                Some(e)
            })
            .collect();
        (entries, version)
    }

    /// The platform opens an investigation for a complaint the ombudsperson referred, naming the
    /// exporter it concerns.
    pub(crate) async fn open_referred_investigation(
        &self,
        exporter: OrgId,
        complaint_reference: &str,
        findings: &str,
    ) -> Result<InvestigationView> {
        let req = InvestigationRequest {
            exporter,
            origin: Origin::Complaint,
            source: Some(complaint_reference.to_string()),
            summary: format!(
                "Referred by the ombudsperson (complaint {complaint_reference}). Findings: {}",
                findings.trim()
            ),
        };
        self.open_investigation(&Actor::platform(), req).await
    }
}
