//! Cases: the licensing lifecycle of an application, from draft to decision and licence.
//!
//! Stream `application-<uuid>`, events `oversight_domain::lifecycle::Event`. A command is handled as:
//! read the case's stream → fold it → read the gates the decision needs from the case's screening
//! and assessment streams → `lifecycle::decide` → append the events and their public records in one
//! transaction, guarded by the versions of the streams the gates were read from → fold. A lost race
//! (the case or a gate stream changed meanwhile) decides again on what is stored now.
//!
//! After the append, the capabilities that react to a case's events are called explicitly (see
//! [`App::react_to_case`]): screening records the submission's screening and re-screens against a
//! denial's end users.
//!
//! Read model: every case as folded, and the kinds of public record each case's events publish
//! (for the register's check). A case's history is read from its stream when it is shown: keeping
//! every event of every case in memory grows with the log without bound (issue 16).

use chrono::{DateTime, Utc};
use oversight_domain::{
    Actor, Application, ApplicationId, ApplicationStatus, DocumentId, Gates, OrgKind, Role, UserId, access,
    application::{Document, DocumentKind, Outcome},
    assessment as rules_assessment,
    disclosure::{self, Disclosed},
    licence,
    lifecycle::{self, Command, Context, Event, Recorded},
    register::{ExpectedRecords, RecordKind},
    screening as rules_screening,
};
use oversight_store::{Expect, StoredEvent};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use crate::{
    App, AppError,
    app::{Result, actor_of_event, new_event},
    projections::Fold,
};

/// Largest uploaded document.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// A case as a given user may see it: the application plus the applicant's name; internal
/// recommendations and notes are removed for anyone outside the authority.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationView {
    #[serde(flatten)]
    pub application: Application,
    pub organisation_name: String,
    /// Working days since submission (weekends skipped).
    pub working_days_elapsed: Option<u32>,
}

/// An entry in an officer's or approver's work queue.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueEntry {
    pub id: ApplicationId,
    pub title: String,
    pub destination: String,
    pub status: ApplicationStatus,
    pub organisation_name: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub working_days_elapsed: Option<u32>,
    /// Why it is in this queue.
    pub reason: String,
}

/// A page of the work queue and how many entries the whole queue has.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    pub total: usize,
    pub entries: Vec<QueueEntry>,
}

/// One line of a case's history: who did what, when, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub seq: u64,
    pub version: u64,
    pub kind: String,
    pub actor: Option<String>,
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
    /// The event as the viewer may see it (the authority sees internal notes; the applicant not).
    pub event: serde_json::Value,
}

/// The cases read model.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct CasesProjection {
    /// Cases, ordered by id (ids are UUIDv7, so by creation time).
    applications: BTreeMap<ApplicationId, Application>,
    /// What each case's events publish so far ([`oversight_domain::register::ExpectedRecords`]):
    /// a few bytes per case, where the events themselves stay in the store.
    expected: HashMap<ApplicationId, ExpectedRecords>,
}

impl CasesProjection {
    pub(crate) fn fold(&mut self, e: &StoredEvent, fold: &Fold) {
        let Fold::Case(id, event) = fold else { return };
        let actor = actor_of_event(e);
        let rec = Recorded {
            actor: actor.unwrap_or(UserId(uuid::Uuid::nil())),
            at: e.recorded_at,
            event: event.clone(),
        };
        let state = self.applications.remove(id);
        if let Some(next) = lifecycle::apply(state, &rec) {
            self.applications.insert(*id, next);
        }
        self.expected.entry(*id).or_default().fold(event);
    }
}

/// One event of a case's history, as read from its stream.
struct Happened {
    seq: u64,
    version: u64,
    actor: Option<UserId>,
    at: DateTime<Utc>,
    event: Event,
}

/// A case's stream folded from the store, with its version.
pub(crate) fn fold_case(stored: &[StoredEvent]) -> Result<Option<Application>> {
    let mut state: Option<Application> = None;
    for e in stored {
        let event: Event = crate::app::decode(e).map_err(AppError::Internal)?;
        let actor = actor_of_event(e).unwrap_or(UserId(uuid::Uuid::nil()));
        state = lifecycle::apply(state, &Recorded { actor, at: e.recorded_at, event });
    }
    Ok(state)
}

impl App {
    // ----- commands ---------------------------------------------------------------------------

    /// Runs one command against a case: load its stream, decide, append atomically with an
    /// optimistic-concurrency check, update the read models. A refused command appends nothing.
    pub async fn execute(&self, actor: &Actor, id: ApplicationId, cmd: Command) -> Result<ApplicationView> {
        self.execute_at(actor, id, cmd, self.now()).await
    }

    /// As [`execute`](Self::execute) at a given time (the demo back-dates its history).
    pub async fn execute_at(
        &self,
        actor: &Actor,
        id: ApplicationId,
        cmd: Command,
        now: DateTime<Utc>,
    ) -> Result<ApplicationView> {
        // Submission screens every party first, and is refused when that cannot be done (fail
        // closed). The result is recorded once the submission is stored.
        let screened = match &cmd {
            Command::Submit => {
                // This node's read model serves for the check: the submission itself is decided on
                // the stored case, and the recording re-screens if the parties differ.
                let state = match self.case(id) {
                    Some(case) => Some(case),
                    None => fold_case(&self.store.read_stream(&id.stream()).await?)?,
                };
                match state.as_ref() {
                    Some(app) if app.status == ApplicationStatus::Draft => {
                        Some(self.screen_for_submission(app).await?)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let (after, appended) =
            self.retrying("the case", || self.try_execute(actor, id, cmd.clone(), now)).await?;
        self.react_to_case(actor, &after, &appended, screened).await;
        let folded = self.case(id).filter(|a| a.version >= after.version);
        Ok(self.view(actor, folded.as_ref().unwrap_or(&after)))
    }

    /// One attempt: decide on what is stored now and append, guarded by the gate streams read.
    async fn try_execute(
        &self,
        actor: &Actor,
        id: ApplicationId,
        cmd: Command,
        now: DateTime<Utc>,
    ) -> Result<(Application, Vec<StoredEvent>)> {
        let stream = id.stream();
        let stored = self.store.read_stream(&stream).await?;
        let state = fold_case(&stored)?;
        let (gates, expect) = match (&cmd, state.as_ref()) {
            (
                Command::Decide { .. } | Command::ConcurInDeparture { .. } | Command::Resume { .. },
                Some(_),
            ) => self.gates(id).await?,
            // Enforcement's record says whether the exporter's new application goes to senior
            // review: read as stored, and the append guarded by its version.
            (Command::Submit, Some(app)) => {
                let (senior_review, expect) = self.senior_review_gate(app.org).await?;
                (Gates { senior_review, ..Gates::open() }, vec![expect])
            }
            _ => (Gates::open(), Vec::new()),
        };
        if matches!(
            cmd,
            Command::SuspendLicence { .. }
                | Command::ReinstateLicence { .. }
                | Command::RevokeLicence { .. }
                | Command::SurrenderLicence { .. }
                | Command::ExpireLicence
                | Command::ReleaseExporterStatement
        ) {
            // Their records name the record they act on: have every record of the case folded.
            self.catch_up_register().await?;
        }
        let ctx = Context { actor: actor.clone(), now, control_list: &self.control_list(), gates };
        let events = lifecycle::decide(state.as_ref(), cmd, &ctx)?;
        let leaves = self.public_records(state.as_ref(), &events, actor.user, now);
        let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
        let appended = self.append(&stream, stored.len() as u64, new, &leaves, &expect).await?;
        let mut after = state;
        for e in &events {
            after = lifecycle::apply(after, &Recorded { actor: actor.user, at: now, event: e.clone() });
        }
        Ok((after.expect("a stored command leaves a case"), appended))
    }

    /// What the case's screening and assessment records say about a decision, read from the store
    /// (not from read models that may lag on another node), with the versions they were read at.
    async fn gates(&self, id: ApplicationId) -> Result<(Gates, Vec<Expect>)> {
        let (screening, s_version) = self.case_screening_from_store(id).await?;
        let (assessment, a_version) = self.case_assessment_from_store(id).await?;
        let gates = Gates {
            approval: rules_screening::approval_blocker(&screening).into_iter().collect(),
            decision: rules_assessment::decision_blockers(&assessment),
            red_flags_cleared: rules_assessment::uncleared(&assessment).is_empty(),
            recommended: rules_assessment::recommended_outcome(&assessment),
            senior_review: None,
        };
        let expect = vec![
            Expect { stream: rules_screening::stream(id), version: s_version },
            Expect { stream: rules_assessment::stream(id), version: a_version },
        ];
        Ok((gates, expect))
    }

    /// The capabilities that react to what just happened to a case. The case's events are stored:
    /// a reaction that fails is logged (and reported by the capability's own record), never turned
    /// into a failure of the command.
    async fn react_to_case(
        &self,
        actor: &Actor,
        after: &Application,
        appended: &[StoredEvent],
        screened: Option<crate::screening::Screened>,
    ) {
        if let Err(e) = self.screening_react(actor, after, appended, screened).await {
            tracing::error!("screening after {} on case {} failed: {e}", appended[0].kind, after.id);
        }
    }

    /// Creates a draft application for the actor's organisation.
    pub async fn create_application(
        &self,
        actor: &Actor,
        title: &str,
        end_use: &str,
        destination: &str,
    ) -> Result<ApplicationView> {
        let id = ApplicationId(self.new_uuid());
        let cmd = Command::Create {
            id,
            title: title.into(),
            end_use: end_use.into(),
            destination: destination.into(),
        };
        self.execute(actor, id, cmd).await
    }

    /// Assigns a case to a licensing officer (looked up so the rule can check their role).
    pub async fn assign(&self, actor: &Actor, id: ApplicationId, officer: UserId) -> Result<ApplicationView> {
        let officer_roles = self.user_roles(officer);
        self.execute(actor, id, Command::Assign { officer, officer_roles }).await
    }

    /// Records the approver's decision; an approval issues a licence numbered after the case.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_case(
        &self,
        actor: &Actor,
        id: ApplicationId,
        outcome: Outcome,
        criteria: Vec<u8>,
        public_rationale: String,
        internal_note: String,
        conditions: Vec<String>,
        departure_justification: String,
        obligations: Vec<oversight_domain::compliance::ObligationTerm>,
    ) -> Result<ApplicationView> {
        let now = self.now();
        let cmd = decision_command(
            id,
            outcome,
            criteria,
            public_rationale,
            internal_note,
            conditions,
            departure_justification,
            now,
            obligations,
        );
        self.execute_at(actor, id, cmd, now).await
    }

    /// A second approver concurs in another approver's departure towards approval: the decision is
    /// taken and the licence issued.
    pub async fn concur_in_departure(&self, actor: &Actor, id: ApplicationId) -> Result<ApplicationView> {
        let now = self.now();
        let cmd = Command::ConcurInDeparture {
            licence_number: licence::number(id, now),
            licence_expires_at: licence::default_expiry(now),
        };
        self.execute_at(actor, id, cmd, now).await
    }

    /// Stores an uploaded document and attaches it to the case.
    pub async fn upload_document(
        &self,
        actor: &Actor,
        id: ApplicationId,
        kind: DocumentKind,
        filename: &str,
        content: &[u8],
    ) -> Result<ApplicationView> {
        // Check visibility first, so nothing is stored for a case the user may not touch.
        self.get_application(actor, id)?;
        if content.is_empty() {
            return Err(AppError::invalid("body", "the document is empty"));
        }
        if content.len() > MAX_DOCUMENT_BYTES {
            return Err(AppError::invalid(
                "body",
                format!("documents are limited to {MAX_DOCUMENT_BYTES} bytes"),
            ));
        }
        let now = self.now();
        let cmd = Command::AttachDocument {
            id: DocumentId(self.new_uuid()),
            kind,
            filename: filename.into(),
            sha256: oversight_store::sha256_hex(content),
            size: content.len() as u64,
        };
        // Validate the command before storing bytes: a refused upload leaves nothing behind.
        let state = fold_case(&self.store.read_stream(&id.stream()).await?)?;
        let ctx =
            Context { actor: actor.clone(), now, control_list: &self.control_list(), gates: Gates::open() };
        lifecycle::decide(state.as_ref(), cmd.clone(), &ctx)?;
        self.store.put_blob(content, now).await?;
        self.execute_at(actor, id, cmd, now).await
    }

    /// The exporter answers a query, with a document when it has one (attached to the case as
    /// correspondence). The answer is decided first: a refused answer stores no document.
    pub async fn answer_query(
        &self,
        actor: &Actor,
        id: ApplicationId,
        query: uuid::Uuid,
        answer: &str,
        document: Option<(&str, &[u8])>,
    ) -> Result<ApplicationView> {
        let cmd = Command::AnswerQuery { id: query, answer: answer.to_string() };
        let now = self.now();
        let state = fold_case(&self.store.read_stream(&id.stream()).await?)?;
        let ctx =
            Context { actor: actor.clone(), now, control_list: &self.control_list(), gates: Gates::open() };
        lifecycle::decide(state.as_ref(), cmd.clone(), &ctx)?;
        if let Some((filename, bytes)) = document {
            self.upload_document(actor, id, DocumentKind::Correspondence, filename, bytes).await?;
        }
        self.execute_at(actor, id, cmd, now).await
    }

    // ----- reads ------------------------------------------------------------------------------

    /// A document's metadata and bytes, if the actor may see the case.
    pub async fn download_document(
        &self,
        actor: &Actor,
        id: ApplicationId,
        doc: DocumentId,
    ) -> Result<(Document, Vec<u8>)> {
        let view = self.get_application(actor, id)?;
        let d = view.application.documents.iter().find(|d| d.id == doc).cloned().ok_or(AppError::NotFound)?;
        let bytes = self.store.get_blob(&d.sha256).await?.ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("blob {} of document {} is missing", d.sha256, d.id))
        })?;
        Ok((d, bytes))
    }

    /// One case, if the actor may see it (else `NotFound`, so existence is not revealed).
    pub fn get_application(&self, actor: &Actor, id: ApplicationId) -> Result<ApplicationView> {
        let app = self.read().cases.applications.get(&id).cloned().ok_or(AppError::NotFound)?;
        if !access::can_see_case_file(actor, app.org, app.status) {
            return Err(AppError::NotFound);
        }
        Ok(self.view(actor, &app))
    }

    /// The case as stored in this node's read model, whoever asks (for capabilities that check
    /// visibility themselves with the domain's rules).
    pub(crate) fn case(&self, id: ApplicationId) -> Option<Application> {
        self.read().cases.applications.get(&id).cloned()
    }

    /// The case as the actor may see it ([`disclosure::disclose_application`]).
    fn view(&self, actor: &Actor, app: &Application) -> ApplicationView {
        self.view_on(actor, app, &self.working_calendar())
    }

    /// As [`view`](Self::view), on a calendar the caller read once (a list of cases).
    fn view_on(
        &self,
        actor: &Actor,
        app: &Application,
        calendar: &oversight_domain::calendar::WorkingCalendar,
    ) -> ApplicationView {
        let own = |u: UserId| self.actor_of(u).is_ok_and(|a| a.org == actor.org);
        ApplicationView {
            organisation_name: self.org_name(app.org).unwrap_or_default(),
            working_days_elapsed: app.working_days_elapsed(self.now(), calendar),
            application: disclosure::disclose_application(app, actor.org_kind, &own),
        }
    }

    /// The cases the actor may see, newest first, optionally of one status.
    pub fn list_applications(
        &self,
        actor: &Actor,
        status: Option<ApplicationStatus>,
    ) -> Result<Vec<ApplicationView>> {
        if actor.org_kind == OrgKind::PartnerAgency {
            return Err(AppError::Forbidden("partner agencies do not see applications".into()));
        }
        let cases: Vec<Application> = self
            .read()
            .cases
            .applications
            .values()
            .rev()
            .filter(|a| {
                access::can_see_case_file(actor, a.org, a.status) && status.is_none_or(|s| a.status == s)
            })
            .cloned()
            .collect();
        let calendar = self.working_calendar();
        Ok(cases.iter().map(|a| self.view_on(actor, a, &calendar)).collect())
    }

    /// The case's full history: every event with who, when and why, as the actor may see it. Read
    /// from the case's stream (indexed by stream and version), not kept in memory.
    pub async fn history(&self, actor: &Actor, id: ApplicationId) -> Result<Vec<HistoryEntry>> {
        self.get_application(actor, id)?;
        let stored = self.store.read_stream(&id.stream()).await?;
        let happened = stored
            .iter()
            .map(|e| {
                let event: Event = crate::app::decode(e).map_err(AppError::Internal)?;
                Ok((e, actor_of_event(e), event))
            })
            .collect::<Result<Vec<_>>>()?;
        let own = |u: UserId| self.actor_of(u).is_ok_and(|a| a.org == actor.org);
        Ok(happened
            .into_iter()
            .filter_map(|(stored, by, event)| {
                let h = Happened {
                    seq: stored.seq,
                    version: stored.version,
                    actor: by,
                    at: stored.recorded_at,
                    event,
                };
                let event = match disclosure::disclose(&h.event, actor.org_kind, &own) {
                    Disclosed::Shown(e) => serde_json::to_value(&e).expect("events serialise"),
                    Disclosed::KindOnly(kind) => serde_json::json!({ "type": kind }),
                    Disclosed::Hidden => return None,
                };
                let (actor_id, actor_name) =
                    if disclosure::shows_actor(actor.org_kind, h.actor == Some(actor.user)) {
                        (h.actor.map(|a| a.to_string()), self.user_name(h.actor))
                    } else {
                        (None, h.actor.map(|_| "Licensing authority".to_string()))
                    };
                Some(HistoryEntry {
                    seq: h.seq,
                    version: h.version,
                    kind: h.event.kind().to_string(),
                    actor: actor_id,
                    actor_name,
                    at: h.at,
                    event,
                })
            })
            .collect())
    }

    /// What waits for the actor, oldest submission first (the clock is running): `limit` entries
    /// from `offset`, and how many wait in all. Built under one read of the read model without
    /// cloning the cases: the queue of a busy authority holds thousands.
    pub fn work_queue(&self, actor: &Actor, offset: usize, limit: usize) -> Result<QueuePage> {
        let officer = actor.org_kind == OrgKind::Authority && actor.has(Role::LicensingOfficer);
        let approver = actor.org_kind == OrgKind::Authority && actor.has(Role::Approver);
        if !officer && !approver {
            return Err(AppError::Forbidden("the work queue is for licensing officers and approvers".into()));
        }
        let now = self.now();
        let calendar = self.working_calendar();
        let p = self.read();
        let mut waiting: Vec<(&Application, &'static str)> = p
            .cases
            .applications
            .values()
            .filter_map(|a| {
                let reason = match a.status {
                    ApplicationStatus::Submitted if officer => Some("submitted: to be assigned"),
                    ApplicationStatus::UnderReview
                    | ApplicationStatus::Consultation
                    | ApplicationStatus::OnHold
                        if officer && a.assigned_officer == Some(actor.user) =>
                    {
                        Some("assigned to you")
                    }
                    ApplicationStatus::PendingDecision
                        if approver && a.proposed_decision.as_ref().is_some_and(|d| d.by != actor.user) =>
                    {
                        Some("a departure from the assessment awaits a second approver")
                    }
                    ApplicationStatus::PendingDecision
                        if approver && a.recommendation.as_ref().is_some_and(|r| r.by != actor.user) =>
                    {
                        Some("awaiting decision")
                    }
                    _ => None,
                };
                reason.map(|r| (a, r))
            })
            .collect();
        let total = waiting.len();
        // Oldest submission first (then by id, so that pages do not overlap).
        waiting.sort_unstable_by_key(|(a, _)| (a.submitted_at, a.id));
        let entries = waiting
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|(a, reason)| QueueEntry {
                id: a.id,
                title: a.title.clone(),
                destination: a.destination.to_string(),
                status: a.status,
                organisation_name: self.org_name(a.org).unwrap_or_default(),
                submitted_at: a.submitted_at,
                working_days_elapsed: a.working_days_elapsed(now, &calendar),
                reason: reason.into(),
            })
            .collect();
        Ok(QueuePage { total, entries })
    }

    /// The cases that satisfy `pred`, in id order: the cases capability's answer to the other
    /// capabilities (re-screening targets, denials, prior denials).
    pub(crate) fn cases_where(&self, pred: impl Fn(&Application) -> bool) -> Vec<Application> {
        self.read().cases.applications.values().filter(|a| pred(a)).cloned().collect()
    }

    /// The kinds of public record every case's events publish, in order (the register's check of
    /// its records against the cases).
    pub(crate) fn case_expected_records(&self) -> Vec<(ApplicationId, Vec<RecordKind>)> {
        self.read().cases.expected.iter().map(|(id, x)| (*id, x.kinds().to_vec())).collect()
    }

    /// `f` of every case it maps to `Some`, in id order, under one read of the read model (the
    /// queue's way to look at thousands of cases without cloning them).
    pub(crate) fn case_rows<T>(&self, mut f: impl FnMut(&Application) -> Option<T>) -> Vec<T> {
        self.read().cases.applications.values().filter_map(&mut f).collect()
    }

    /// The organisation a case belongs to.
    pub fn case_org(&self, id: ApplicationId) -> Option<oversight_domain::OrgId> {
        self.read().cases.applications.get(&id).map(|a| a.org)
    }

    /// Number of cases (for health and tests).
    pub fn application_count(&self) -> usize {
        self.read().cases.applications.len()
    }
}

#[allow(clippy::too_many_arguments)]
/// Builds the decide command with the licence number and default validity of the licence rules.
pub(crate) fn decision_command(
    id: ApplicationId,
    outcome: Outcome,
    criteria: Vec<u8>,
    public_rationale: String,
    internal_note: String,
    conditions: Vec<String>,
    departure_justification: String,
    now: DateTime<Utc>,
    obligations: Vec<oversight_domain::compliance::ObligationTerm>,
) -> Command {
    Command::Decide {
        outcome,
        criteria,
        public_rationale,
        internal_note,
        conditions,
        licence_number: licence::number(id, now),
        licence_expires_at: licence::default_expiry(now),
        departure_justification,
        obligations,
    }
}
