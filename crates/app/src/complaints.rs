//! Complaints from the public and the ombudsperson's examination of them.
//!
//! Stream `complaint-<uuid>`, events `oversight_domain::complaint::ComplaintEvent`. Anyone submits
//! (no account); the store's throttle counters limit how many complaints one address submits an
//! hour (shared by every node, like the sign-in throttle); evidence files are checked by type and
//! size before anything is stored. The ombudsperson examines and concludes; a conclusion that opens
//! a licence review names the live licence and opens it in the same request.
//!
//! Read model: every complaint (the public sees each by reference, without identity or words).

use std::collections::BTreeMap;

use oversight_domain::{
    Actor, ApplicationId, Role,
    complaint::{
        self as rules, Complaint, ComplaintAction, ComplaintCommand, ComplaintEvent, ComplaintKind,
        PublicComplaint,
    },
    compliance::EvidenceFile,
    review::Trigger,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    App, AppError,
    app::{Result, decode, new_event},
    projections::Fold,
};

/// Complaints one address may submit in an hour.
pub const COMPLAINTS_PER_HOUR: u64 = 5;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintsProjection {
    complaints: BTreeMap<Uuid, Complaint>,
}

impl ComplaintsProjection {
    pub(crate) fn fold(&mut self, fold: &Fold) {
        let Fold::Complaint(id, event) = fold else { return };
        if let Some(c) = rules::apply(self.complaints.remove(id), event) {
            self.complaints.insert(*id, c);
        }
    }
}

/// A complaint as anyone sends it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintRequest {
    pub kind: ComplaintKind,
    /// For a complaint about a decision: its register record number or licence number.
    #[serde(default)]
    pub about: Option<String>,
    /// Who, what, where, when.
    pub account: String,
    /// How to reach the complainant (optional; never published).
    #[serde(default)]
    pub contact: Option<String>,
}

impl App {
    /// Anyone submits a complaint with evidence files (name, bytes), from `client` (the address it
    /// came from, for the hourly limit). Answers with the reference to follow it by.
    pub async fn submit_complaint(
        &self,
        client: &str,
        req: ComplaintRequest,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<PublicComplaint> {
        let now = self.now();
        let mut evidence = Vec::new();
        for (i, (name, bytes)) in files.iter().enumerate() {
            let field = format!("evidence[{i}]");
            rules::check_file(&field, name, bytes)?;
            evidence.push(EvidenceFile {
                filename: oversight_domain::parse_filename(&field, name)?,
                sha256: oversight_store::sha256_hex(bytes),
                size: bytes.len() as u64,
            });
        }
        let id = self.new_uuid();
        let cmd = ComplaintCommand::Submit {
            id,
            kind: req.kind,
            about: req.about,
            account: req.account,
            evidence,
            contact: req.contact,
        };
        // Refused content changes nothing, not even the address's count.
        let events = rules::decide(None, cmd, None, now)?;
        let key = format!("complaint:{client}");
        let counts = self.store.throttle_reserve(std::slice::from_ref(&key), now, 3600).await?;
        if let Some(c) = counts.first().filter(|c| c.count > COMPLAINTS_PER_HOUR) {
            let retry = (c.window_start + chrono::Duration::hours(1) - now).num_seconds().max(1) as u64;
            return Err(AppError::Throttled(retry));
        }
        for (_, bytes) in &files {
            self.store.put_blob(bytes, now).await?;
        }
        let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, None, now)).collect();
        self.append(&rules::stream(id), 0, new, &[], &[]).await?;
        let complaint = events.iter().fold(None, rules::apply).ok_or(AppError::NotFound)?;
        Ok(complaint.public())
    }

    /// A complaint's status and outcome, by reference (anyone).
    pub fn complaint_by_reference(&self, reference: &str) -> Result<PublicComplaint> {
        let r = reference.trim().to_uppercase();
        self.read()
            .complaints
            .complaints
            .values()
            .find(|c| c.reference == r)
            .map(Complaint::public)
            .ok_or(AppError::NotFound)
    }

    /// The ombudsperson's queue: every complaint, oldest open first.
    pub fn complaints(&self, actor: &Actor) -> Result<Vec<Complaint>> {
        oversight_domain::access::require_authority(actor, &[Role::Ombudsperson], "the complaints queue")?;
        let mut out: Vec<Complaint> = self.read().complaints.complaints.values().cloned().collect();
        out.sort_by_key(|c| (c.findings.is_some(), c.received_at));
        Ok(out)
    }

    fn complaint_id(&self, reference: &str) -> Result<Uuid> {
        let r = reference.trim().to_uppercase();
        self.read()
            .complaints
            .complaints
            .values()
            .find(|c| c.reference == r)
            .map(|c| c.id)
            .ok_or(AppError::NotFound)
    }

    async fn complaint_command(&self, actor: &Actor, id: Uuid, cmd: ComplaintCommand) -> Result<Complaint> {
        let now = self.now();
        self.retrying("the complaint", || async {
            let stored = self.store.read_stream(&rules::stream(id)).await?;
            let state = stored.iter().try_fold(None, |s, e| {
                let event: ComplaintEvent = decode(e).map_err(AppError::Internal)?;
                Ok::<_, AppError>(rules::apply(s, &event))
            })?;
            let events = rules::decide(state.as_ref(), cmd.clone(), Some(actor), now)?;
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
            self.append(&rules::stream(id), stored.len() as u64, new, &[], &[]).await?;
            events.iter().fold(state, rules::apply).ok_or(AppError::NotFound)
        })
        .await
    }

    /// The ombudsperson starts examining a complaint.
    pub async fn examine_complaint(&self, actor: &Actor, reference: &str) -> Result<Complaint> {
        let id = self.complaint_id(reference)?;
        self.complaint_command(actor, id, ComplaintCommand::Examine).await
    }

    /// The ombudsperson records published findings and an action; a licence review names the live
    /// licence's case, checked before anything is stored, and opens with the complaint as evidence.
    /// A referral to enforcement that names a case opens an investigation of its exporter.
    pub async fn conclude_complaint(
        &self,
        actor: &Actor,
        reference: &str,
        findings: &str,
        action: ComplaintAction,
        case: Option<ApplicationId>,
    ) -> Result<Complaint> {
        let id = self.complaint_id(reference)?;
        if action == ComplaintAction::LicenceReview {
            oversight_domain::access::require_authority(
                actor,
                &[Role::Ombudsperson],
                "examining complaints",
            )?;
            let live = case
                .and_then(|c| self.case(c))
                .and_then(|c| c.licence)
                .is_some_and(|l| oversight_domain::review::is_live(l.status));
            if !live {
                return Err(AppError::invalid(
                    "case_id",
                    "name the case of the live licence the complaint concerns",
                ));
            }
        }
        let referred_exporter = match (action, case) {
            (ComplaintAction::ReferredToEnforcement, Some(c)) => {
                oversight_domain::access::require_authority(
                    actor,
                    &[Role::Ombudsperson],
                    "examining complaints",
                )?;
                Some(self.case_org(c).ok_or_else(|| AppError::invalid("case_id", "no case has this id"))?)
            }
            _ => None,
        };
        let cmd = ComplaintCommand::Conclude { findings: findings.to_string(), action };
        let concluded = self.complaint_command(actor, id, cmd).await?;
        if let Some(org) = referred_exporter {
            self.open_referred_investigation(org, &concluded.reference, findings).await?;
        }
        if let (ComplaintAction::LicenceReview, Some(case)) = (action, case) {
            let evidence = format!(
                "Complaint {} received {}: {}\nOmbudsperson's findings: {}",
                concluded.reference,
                concluded.received_at.date_naive(),
                concluded.account,
                findings.trim()
            );
            let trigger = Trigger::Complaint { reference: concluded.reference.clone() };
            self.open_review(&Actor::platform(), case, trigger, &evidence, None).await?;
        }
        Ok(concluded)
    }
}
