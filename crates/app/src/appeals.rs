//! Appeals to the independent review panel.
//!
//! Stream `appeal-<uuid>`, events `oversight_domain::appeal::AppealEvent`. Every command is decided
//! on the appeal and the case as stored, with the case's history — its own events and who recorded
//! its screening and assessment records — so that the core can refuse a panel member who took part.
//! The panel's decision acts on the case through the lifecycle (`ApplyAppealDecision`, published on
//! the register beside the act appealed) and is then recorded on the appeal; a licence action sent
//! back goes to the approvers as a licence review.
//!
//! Read model: every appeal.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use oversight_domain::{
    Actor, ApplicationId, OrgKind, Role, UserId,
    appeal::{
        self as rules, Appeal, AppealCommand, AppealContext, AppealEvent, AppealOutcome, AppealSubject,
    },
    assessment as rules_assessment,
    compliance::EvidenceFile,
    lifecycle::{Command, Event, Recorded},
    review::Trigger,
    screening as rules_screening,
};
use oversight_store::StoredEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    App, AppError,
    app::{Result, actor_of_event, decode, new_event},
    projections::Fold,
};

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppealsProjection {
    appeals: BTreeMap<Uuid, Appeal>,
}

impl AppealsProjection {
    pub(crate) fn fold(&mut self, e: &StoredEvent, fold: &Fold) {
        let Fold::Appeal(id, event) = fold else { return };
        if let Some(a) = rules::apply(self.appeals.remove(id), event, e.recorded_at) {
            self.appeals.insert(*id, a);
        }
    }
}

/// An appeal as the exporter files it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    pub subject: AppealSubject,
    pub grounds: String,
}

impl App {
    /// Calendar days after an act within which it may be appealed (`cases.appeal_window_days`).
    pub fn appeal_window_days(&self) -> u32 {
        self.appeal_window_days
    }

    /// The case as stored, its lifecycle history, and who recorded its other records.
    async fn case_with_history(
        &self,
        id: ApplicationId,
    ) -> Result<(oversight_domain::Application, Vec<Recorded>, Vec<UserId>, u64)> {
        let stored = self.store.read_stream(&id.stream()).await?;
        let mut history = Vec::with_capacity(stored.len());
        let mut case = None;
        for e in &stored {
            let event: Event = decode(e).map_err(AppError::Internal)?;
            let rec = Recorded {
                actor: actor_of_event(e).unwrap_or(UserId(Uuid::nil())),
                at: e.recorded_at,
                event,
            };
            case = oversight_domain::lifecycle::apply(case, &rec);
            history.push(rec);
        }
        let case = case.ok_or(AppError::NotFound)?;
        let mut others = Vec::new();
        for stream in [rules_screening::stream(id), rules_assessment::stream(id)] {
            others.extend(self.store.read_stream(&stream).await?.iter().filter_map(actor_of_event));
        }
        Ok((case, history, others, stored.len() as u64))
    }

    async fn appeal_from_store(&self, id: Uuid) -> Result<(Option<Appeal>, u64)> {
        let stored = self.store.read_stream(&rules::stream(id)).await?;
        let appeal = stored.iter().try_fold(None, |a, e| {
            let event: AppealEvent = decode(e).map_err(AppError::Internal)?;
            Ok::<_, AppError>(rules::apply(a, &event, e.recorded_at))
        })?;
        Ok((appeal, stored.len() as u64))
    }

    /// Decides and appends one command on an appeal (load → decide → append, retried on a race).
    async fn appeal_command(
        &self,
        actor: &Actor,
        id: Uuid,
        case: Option<ApplicationId>,
        cmd: AppealCommand,
        now: DateTime<Utc>,
    ) -> Result<Appeal> {
        self.retrying("the appeal", || async {
            let (appeal, version) = self.appeal_from_store(id).await?;
            let case_id = appeal.as_ref().map(|a| a.case).or(case).ok_or(AppError::NotFound)?;
            let (case, history, others, _) = self.case_with_history(case_id).await?;
            let subject = match &cmd {
                AppealCommand::File { subject, .. } => Some(*subject),
                _ => None,
            };
            let open_on_subject = subject.is_some_and(|s| {
                self.read()
                    .appeals
                    .appeals
                    .values()
                    .any(|a| a.case == case_id && a.subject == s && a.is_open())
            });
            let ctx = AppealContext {
                actor,
                now,
                case: &case,
                history: &history,
                other_actors: &others,
                window_days: self.appeal_window_days,
                open_on_subject,
            };
            let events = rules::decide(appeal.as_ref(), cmd.clone(), &ctx)?;
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
            self.append(&rules::stream(id), version, new, &[], &[]).await?;
            events.iter().fold(appeal, |a, e| rules::apply(a, e, now)).ok_or(AppError::NotFound)
        })
        .await
    }

    /// The exporter appeals an act on its case within the window, with grounds and documents.
    pub async fn file_appeal(
        &self,
        actor: &Actor,
        case: ApplicationId,
        req: AppealRequest,
        documents: Vec<(String, Vec<u8>)>,
    ) -> Result<Appeal> {
        self.file_appeal_at(actor, case, req, documents, self.now()).await
    }

    /// [`Self::file_appeal`] at a given time (the demo's back-dated history).
    pub(crate) async fn file_appeal_at(
        &self,
        actor: &Actor,
        case: ApplicationId,
        req: AppealRequest,
        documents: Vec<(String, Vec<u8>)>,
        now: DateTime<Utc>,
    ) -> Result<Appeal> {
        let mut files = Vec::new();
        for (name, bytes) in &documents {
            if bytes.is_empty() || bytes.len() > crate::cases::MAX_DOCUMENT_BYTES {
                return Err(AppError::invalid("documents", "each document is 1 byte to 10 MiB"));
            }
            files.push(EvidenceFile {
                filename: oversight_domain::parse_filename("documents.filename", name)?,
                sha256: oversight_store::sha256_hex(bytes),
                size: bytes.len() as u64,
            });
        }
        let id = self.new_uuid_at(now);
        let cmd = AppealCommand::File { id, subject: req.subject, grounds: req.grounds, documents: files };
        // Decided before any byte is stored: a refused appeal leaves nothing behind.
        let (c, history, others, _) = self.case_with_history(case).await?;
        let ctx = AppealContext {
            actor,
            now,
            case: &c,
            history: &history,
            other_actors: &others,
            window_days: self.appeal_window_days,
            open_on_subject: false,
        };
        rules::decide(None, cmd.clone(), &ctx)?;
        for (_, bytes) in &documents {
            self.store.put_blob(bytes, now).await?;
        }
        self.appeal_command(actor, id, Some(case), cmd, now).await
    }

    /// A review-panel member joins an appeal's panel (refused to one who took part in the case).
    pub async fn join_panel(&self, actor: &Actor, id: Uuid) -> Result<Appeal> {
        self.join_panel_at(actor, id, self.now()).await
    }

    pub(crate) async fn join_panel_at(&self, actor: &Actor, id: Uuid, at: DateTime<Utc>) -> Result<Appeal> {
        self.appeal_command(actor, id, None, AppealCommand::JoinPanel, at).await
    }

    /// A panel member asks the exporter a question.
    pub async fn ask_appellant(&self, actor: &Actor, id: Uuid, question: &str) -> Result<Appeal> {
        self.ask_appellant_at(actor, id, question, self.now()).await
    }

    pub(crate) async fn ask_appellant_at(
        &self,
        actor: &Actor,
        id: Uuid,
        question: &str,
        at: DateTime<Utc>,
    ) -> Result<Appeal> {
        let cmd = AppealCommand::Ask { id: self.new_uuid_at(at), question: question.to_string() };
        self.appeal_command(actor, id, None, cmd, at).await
    }

    /// The exporter answers the panel's question.
    pub async fn answer_panel(
        &self,
        actor: &Actor,
        id: Uuid,
        question: Uuid,
        answer: &str,
    ) -> Result<Appeal> {
        self.answer_panel_at(actor, id, question, answer, self.now()).await
    }

    pub(crate) async fn answer_panel_at(
        &self,
        actor: &Actor,
        id: Uuid,
        question: Uuid,
        answer: &str,
        at: DateTime<Utc>,
    ) -> Result<Appeal> {
        let cmd = AppealCommand::Answer { id: question, answer: answer.to_string() };
        self.appeal_command(actor, id, None, cmd, at).await
    }

    /// A panel member records the panel's decision. Its effect on the case is taken first, through
    /// the lifecycle, and published; then the appeal records it.
    pub async fn decide_appeal(
        &self,
        actor: &Actor,
        id: Uuid,
        outcome: AppealOutcome,
        reasons: &str,
    ) -> Result<Appeal> {
        self.decide_appeal_at(actor, id, outcome, reasons, self.now()).await
    }

    pub(crate) async fn decide_appeal_at(
        &self,
        actor: &Actor,
        id: Uuid,
        outcome: AppealOutcome,
        reasons: &str,
        now: DateTime<Utc>,
    ) -> Result<Appeal> {
        let (appeal, _) = self.appeal_from_store(id).await?;
        let appeal = appeal.ok_or(AppError::NotFound)?;
        let (case, history, others, _) = self.case_with_history(appeal.case).await?;
        let cmd = AppealCommand::Decide { outcome, reasons: reasons.to_string() };
        let ctx = AppealContext {
            actor,
            now,
            case: &case,
            history: &history,
            other_actors: &others,
            window_days: self.appeal_window_days,
            open_on_subject: false,
        };
        rules::decide(Some(&appeal), cmd.clone(), &ctx)?;
        let act = Command::ApplyAppealDecision {
            appeal: id,
            subject: appeal.subject,
            outcome,
            reasons: reasons.to_string(),
        };
        self.execute_at(actor, appeal.case, act, now).await?;
        let decided = self.appeal_command(actor, id, None, cmd, now).await?;
        if outcome == AppealOutcome::SentBack && appeal.subject != AppealSubject::Refusal {
            let evidence = format!(
                "The review panel sent {} back for a new decision: {}",
                appeal.subject.label(),
                reasons.trim()
            );
            self.open_reviews(&Actor::platform(), vec![(appeal.case, Trigger::Officer, evidence)]).await;
        }
        Ok(decided)
    }

    /// The appeals the actor may see, newest first: an exporter's own; every one for the review
    /// panel and the authority's case-file roles.
    pub fn appeals(&self, actor: &Actor) -> Result<Vec<Appeal>> {
        let allowed = match actor.org_kind {
            OrgKind::Exporter => actor.has(Role::Exporter),
            OrgKind::Authority => oversight_domain::access::CASE_FILE_ROLES.iter().any(|r| actor.has(*r)),
            OrgKind::PartnerAgency => false,
        };
        if !allowed {
            return Err(AppError::Forbidden(
                "appeals are for the appellant, the review panel and the case-file roles".into(),
            ));
        }
        let mut out: Vec<Appeal> = self
            .read()
            .appeals
            .appeals
            .values()
            .filter(|a| actor.org_kind != OrgKind::Exporter || self.case_org(a.case) == Some(actor.org))
            .cloned()
            .collect();
        out.sort_by_key(|a| std::cmp::Reverse(a.filed_at));
        Ok(out)
    }

    /// One appeal, if the actor may see it.
    pub fn appeal(&self, actor: &Actor, id: Uuid) -> Result<Appeal> {
        self.appeals(actor)?.into_iter().find(|a| a.id == id).ok_or(AppError::NotFound)
    }
}
