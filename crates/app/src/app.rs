//! [`App`]: the use cases of the licensing platform.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use oversight_domain::{
    Actor, Application, ApplicationId, ApplicationStatus, ControlList, DocumentId, OrgId, OrgKind, Role,
    UserId,
    application::{Document, DocumentKind, Outcome},
    lifecycle::{Command, Context, Event, Recorded, apply, decide},
};
use oversight_store::{EventStore, NewEvent};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use oversight_domain::register::PublicationPolicy;

use crate::{
    accounts::{self, AccountEvent, Org, org_stream, user_stream},
    clock::Clock,
    error::AppError,
    projections::Projections,
};

pub use crate::projections::HistoryEntry;

type Result<T, E = AppError> = std::result::Result<T, E>;

/// How long a login session lasts.
const SESSION_HOURS: i64 = 12;
/// How long an issued licence is valid unless the decision says otherwise.
const LICENCE_DAYS: i64 = 730;
/// Failed logins allowed per account within the window before it is locked for a while.
const LOGIN_FAILURES_ALLOWED: u32 = 5;
const LOGIN_WINDOW_SECS: i64 = 15 * 60;
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
    /// Working days since submission (weekends skipped; the clock stops while on hold is not yet
    /// deducted).
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

/// Who the logged-in user is.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub organisation: OrgId,
    pub organisation_name: String,
    pub organisation_kind: OrgKind,
}

/// A successful login: the secrets go to the client once and are stored only as hashes.
#[derive(Debug, Clone)]
pub struct Login {
    pub session_token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub me: Me,
}

#[derive(Debug, Default)]
struct Failures {
    count: u32,
    first_at: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

/// The platform's use cases over one store.
pub struct App {
    pub(crate) store: Arc<dyn EventStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) control_list: ControlList,
    pub(crate) projections: RwLock<Projections>,
    /// Serialises catch-up so events are folded exactly once, in order.
    catch_up_lock: tokio::sync::Mutex<()>,
    login_failures: Mutex<HashMap<String, Failures>>,
    /// The authority's key for signing log checkpoints.
    pub(crate) log_signer: oversight_tlog::NoteSigner,
    pub(crate) publication: PublicationPolicy,
}

/// How an app is set up beyond its store and clock.
#[derive(Debug, Default)]
pub struct AppConfig {
    /// The checkpoint signing key; `None` makes a fresh one (tests, throw-away demos only).
    pub log_signer: Option<oversight_tlog::NoteSigner>,
    pub publication: PublicationPolicy,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("backend", &self.store.backend()).finish_non_exhaustive()
    }
}

impl App {
    /// Opens the app over a store, rebuilding every projection from the event log.
    pub async fn open(store: Arc<dyn EventStore>, clock: Arc<dyn Clock>) -> Result<Arc<App>> {
        Self::open_with(store, clock, AppConfig::default()).await
    }

    /// Opens the app with an explicit configuration (signing key, publication policy).
    pub async fn open_with(
        store: Arc<dyn EventStore>,
        clock: Arc<dyn Clock>,
        config: AppConfig,
    ) -> Result<Arc<App>> {
        let log_signer = match config.log_signer {
            Some(s) => s,
            None => crate::register::ephemeral_signer()?,
        };
        let app = Arc::new(App {
            store,
            clock,
            control_list: ControlList::bundled().clone(),
            projections: RwLock::new(Projections::default()),
            catch_up_lock: tokio::sync::Mutex::new(()),
            login_failures: Mutex::new(HashMap::new()),
            log_signer,
            publication: config.publication,
        });
        app.catch_up().await?;
        // Sign a checkpoint over anything published but not yet signed (e.g. before a crash).
        app.publish_checkpoint().await;
        Ok(app)
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn control_list(&self) -> &ControlList {
        &self.control_list
    }

    /// The global sequence number the read models have reached.
    pub fn last_seq(&self) -> u64 {
        self.read().last_seq
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Projections> {
        self.projections.read().expect("projection lock poisoned")
    }

    /// Folds every event stored since the last one seen (by this node or any other).
    pub async fn catch_up(&self) -> Result<()> {
        let _guard = self.catch_up_lock.lock().await;
        loop {
            let after = self.last_seq();
            let batch = self.store.read_all(after, 5000).await?;
            if batch.is_empty() {
                return self.catch_up_register().await;
            }
            let mut p = self.projections.write().expect("projection lock poisoned");
            for e in &batch {
                p.apply(e)?;
            }
        }
    }

    /// Keeps the read models current with events appended by other nodes: polls every `every`.
    pub fn spawn_follower(self: &Arc<Self>, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(app) = app.upgrade() else { return };
                if let Err(e) = app.catch_up().await {
                    tracing::warn!("catching up with the event log failed: {e}");
                }
            }
        })
    }

    /// Whether the node can serve: the database answers.
    pub async fn health(&self) -> Result<()> {
        self.store.ping().await.map_err(|e| AppError::Unavailable(e.to_string()))
    }

    async fn append_account(
        &self,
        stream: &str,
        expected: u64,
        actor: Option<UserId>,
        events: &[AccountEvent],
    ) -> Result<()> {
        let now = self.now();
        let new: Vec<NewEvent> = events
            .iter()
            .map(|e| NewEvent {
                kind: e.kind().into(),
                payload: serde_json::to_value(e).expect("account events serialise"),
                actor: actor.map(|a| a.to_string()),
                recorded_at: now,
            })
            .collect();
        self.store.append(stream, expected, &new).await?;
        self.refresh_after_write().await;
        Ok(())
    }

    // ----- accounts -------------------------------------------------------------------------

    pub fn orgs(&self) -> Vec<Org> {
        let mut orgs: Vec<Org> = self.read().orgs.values().cloned().collect();
        orgs.sort_by(|a, b| a.name.cmp(&b.name));
        orgs
    }

    pub fn org_by_name(&self, name: &str) -> Option<Org> {
        self.read().orgs.values().find(|o| o.name.eq_ignore_ascii_case(name.trim())).cloned()
    }

    /// Registers an organisation. `by` is `None` when an operator runs the CLI on the server.
    pub async fn register_org(
        &self,
        by: Option<&Actor>,
        name: &str,
        kind: OrgKind,
        country: &str,
    ) -> Result<OrgId> {
        if let Some(actor) = by {
            require_role(actor, Role::Administrator)?;
        }
        let name = oversight_domain::parse_text("name", name, 200)?;
        let country = oversight_domain::CountryCode::parse(country)?;
        if self.org_by_name(&name).is_some() {
            return Err(AppError::Conflict(format!("an organisation named {name:?} already exists")));
        }
        let id = OrgId(uuid::Uuid::now_v7());
        let event = AccountEvent::OrgRegistered { id, name, kind, country: country.to_string() };
        self.append_account(&org_stream(id), 0, by.map(|a| a.user), &[event]).await?;
        Ok(id)
    }

    /// Creates a user. `by` is `None` for the CLI; otherwise it must be an administrator.
    pub async fn create_user(
        &self,
        by: Option<&Actor>,
        org: OrgId,
        email: &str,
        name: &str,
        roles: &[Role],
        password: &str,
    ) -> Result<UserId> {
        if let Some(actor) = by {
            require_role(actor, Role::Administrator)?;
        }
        let email = accounts::parse_email(email)?;
        let name = accounts::parse_name(name)?;
        accounts::check_password(password)?;
        let org_kind = self
            .read()
            .orgs
            .get(&org)
            .map(|o| o.kind)
            .ok_or_else(|| AppError::invalid("org", "no such organisation"))?;
        accounts::check_roles(roles, org_kind)?;
        if self.read().users_by_email.contains_key(&email) {
            return Err(AppError::Conflict(format!("a user with e-mail {email} already exists")));
        }
        let password_hash = hash_blocking(password.to_string()).await?;
        let id = UserId(uuid::Uuid::now_v7());
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        let event = AccountEvent::UserCreated { id, org, email, name, roles, password_hash };
        self.append_account(&user_stream(id), 0, by.map(|a| a.user), &[event]).await?;
        Ok(id)
    }

    /// Checks a password and starts a session. Repeated failures for one account are slowed down and
    /// then refused for a while, whatever the password.
    pub async fn login(&self, email: &str, password: &str) -> Result<Login> {
        let key = email.trim().to_lowercase();
        let now = self.now();
        if let Some(wait) = self.locked_for(&key, now) {
            return Err(AppError::Throttled(wait));
        }
        let user = self.read().users_by_email.get(&key).and_then(|id| self.read().users.get(id).cloned());
        // Verify against a dummy hash when the user does not exist, so timing does not reveal accounts.
        let hash = match user.as_ref() {
            Some(u) => u.password_hash.clone(),
            None => dummy_hash().await?,
        };
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || accounts::verify_password(&pw, &hash))
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let Some(user) = user.filter(|_| ok) else {
            self.record_failure(&key, now);
            // Slow every failure down a little.
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            return Err(AppError::Unauthenticated("wrong e-mail or password".into()));
        };
        self.login_failures.lock().expect("lock").remove(&key);
        let session_token = accounts::new_secret();
        let csrf_token = accounts::new_secret();
        let expires_at = now + Duration::hours(SESSION_HOURS);
        let event = AccountEvent::SessionStarted {
            session_hash: accounts::secret_hash(&session_token),
            csrf_token: csrf_token.clone(),
            expires_at,
        };
        self.append_user_event(user.id, Some(user.id), event).await?;
        let me = self.me_of(user.id)?;
        Ok(Login { session_token, csrf_token, expires_at, me })
    }

    fn locked_for(&self, key: &str, now: DateTime<Utc>) -> Option<u64> {
        let failures = self.login_failures.lock().expect("lock");
        let f = failures.get(key)?;
        let until = f.locked_until?;
        (until > now).then(|| (until - now).num_seconds().max(1) as u64)
    }

    fn record_failure(&self, key: &str, now: DateTime<Utc>) {
        let mut failures = self.login_failures.lock().expect("lock");
        let f = failures.entry(key.to_string()).or_default();
        if f.first_at.is_none_or(|t| (now - t).num_seconds() > LOGIN_WINDOW_SECS) {
            *f = Failures { count: 0, first_at: Some(now), locked_until: None };
        }
        f.count += 1;
        if f.count >= LOGIN_FAILURES_ALLOWED {
            // 1 minute, doubling with every further failure, at most an hour.
            let extra = (f.count - LOGIN_FAILURES_ALLOWED).min(6);
            f.locked_until = Some(now + Duration::seconds(60 << extra));
        }
    }

    async fn append_user_event(
        &self,
        user: UserId,
        actor: Option<UserId>,
        event: AccountEvent,
    ) -> Result<()> {
        // Account streams see few concurrent writers; retry a conflict a few times with a fresh version.
        for _ in 0..5 {
            let version = self.store.read_stream(&user_stream(user)).await?.len() as u64;
            match self.append_account(&user_stream(user), version, actor, std::slice::from_ref(&event)).await
            {
                Err(AppError::Conflict(_)) => continue,
                other => return other,
            }
        }
        Err(AppError::Conflict("could not record the account change; retry".into()))
    }

    pub async fn logout(&self, session_token: &str) -> Result<()> {
        let hash = accounts::secret_hash(session_token);
        let user = self.read().sessions.get(&hash).map(|s| s.user);
        if let Some(user) = user {
            self.append_user_event(user, Some(user), AccountEvent::SessionEnded { session_hash: hash })
                .await?;
        }
        Ok(())
    }

    /// The actor behind a session cookie, with the session's CSRF token.
    pub fn authenticate_session(&self, session_token: &str) -> Option<(Actor, String)> {
        let p = self.read();
        let s = p.sessions.get(&accounts::secret_hash(session_token))?;
        if s.expires_at <= self.now() {
            return None;
        }
        Some((actor_of(&p, s.user)?, s.csrf_token.clone()))
    }

    /// The actor behind a bearer API token.
    pub fn authenticate_token(&self, token: &str) -> Option<Actor> {
        let p = self.read();
        let user = *p.api_tokens.get(&accounts::secret_hash(token))?;
        actor_of(&p, user)
    }

    /// Issues an API token for the actor's own account (machine clients). Returned once.
    pub async fn issue_api_token(&self, actor: &Actor, label: &str) -> Result<String> {
        let label = oversight_domain::parse_text("label", label, 100)?;
        let token = format!("ovs_{}", accounts::new_secret());
        let event = AccountEvent::ApiTokenIssued { token_hash: accounts::secret_hash(&token), label };
        self.append_user_event(actor.user, Some(actor.user), event).await?;
        Ok(token)
    }

    pub fn me(&self, actor: &Actor) -> Result<Me> {
        self.me_of(actor.user)
    }

    /// Profile of a user by id (for operators and the demo loader).
    pub fn me_of_id(&self, user: UserId) -> Result<Me> {
        self.me_of(user)
    }

    fn me_of(&self, user: UserId) -> Result<Me> {
        let p = self.read();
        let u = p.users.get(&user).ok_or(AppError::NotFound)?;
        let org = p.orgs.get(&u.org).ok_or(AppError::NotFound)?;
        Ok(Me {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            roles: u.roles.clone(),
            organisation: org.id,
            organisation_name: org.name.clone(),
            organisation_kind: org.kind,
        })
    }

    pub fn user_by_email(&self, email: &str) -> Option<UserId> {
        self.read().users_by_email.get(&email.trim().to_lowercase()).copied()
    }

    // ----- cases ----------------------------------------------------------------------------

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
        let stream = id.stream();
        let stored = self.store.read_stream(&stream).await?;
        let mut state: Option<Application> = None;
        for e in &stored {
            let event: Event = serde_json::from_value(e.payload.clone())
                .map_err(|err| AppError::Internal(anyhow::anyhow!("corrupt event {}: {err}", e.seq)))?;
            let actor = e.actor.as_deref().and_then(|a| a.parse().ok()).unwrap_or(UserId(uuid::Uuid::nil()));
            state = apply(state, &Recorded { actor, at: e.recorded_at, event });
        }
        let ctx = Context { actor: actor.clone(), now, control_list: &self.control_list };
        // Guards of other capabilities that may refuse a command the lifecycle would allow
        // (screening must run before submission; a decision needs its assessment and HRIA).
        self.screening_guard(actor, state.as_ref(), &cmd).await?;
        self.assessment_guard(actor, state.as_ref(), &cmd).await?;
        let events = decide(state.as_ref(), cmd, &ctx)?;
        let leaves = self.public_records(state.as_ref(), &events, actor.user, now);
        let new: Vec<NewEvent> = events
            .iter()
            .map(|e| NewEvent {
                kind: e.kind().into(),
                payload: serde_json::to_value(e).expect("events serialise"),
                actor: Some(actor.user.to_string()),
                recorded_at: now,
            })
            .collect();
        // The case's events and their public records are stored in one transaction.
        let appended = self.store.append_published(&stream, stored.len() as u64, &new, &leaves).await?;
        if !leaves.is_empty() {
            self.publish_checkpoint().await;
        }
        // The command is stored. From here on nothing may turn the answer into a failure, or a
        // client would retry a write that happened: problems are logged, and the follower folds
        // the events into the read models if this catch-up cannot.
        self.refresh_after_write().await;
        let mut after = state;
        for e in &appended {
            let event: Event = serde_json::from_value(e.payload.clone()).expect("just serialised");
            after = apply(after, &Recorded { actor: actor.user, at: e.recorded_at, event });
        }
        let after = after.expect("a stored command leaves a case");
        // Reactions of other capabilities to what just happened to the case.
        if let Err(e) = self.screening_react(actor, &after, &appended).await {
            tracing::error!("screening after {} on case {id} failed: {e}", appended[0].kind);
        }
        if let Err(e) = self.assessment_react(actor, &after, &appended).await {
            tracing::error!("assessment after {} on case {id} failed: {e}", appended[0].kind);
        }
        let p = self.read();
        Ok(self.view(
            &p,
            actor,
            p.applications.get(&id).filter(|a| a.version >= after.version).unwrap_or(&after),
        ))
    }

    /// Brings the read models up to date after a write that is already stored; a failure is logged,
    /// not returned (see `execute_at`).
    async fn refresh_after_write(&self) {
        if let Err(e) = self.catch_up().await {
            tracing::warn!(
                "the write is stored, but refreshing the read models failed (the follower will): {e}"
            );
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
        let id = ApplicationId(uuid::Uuid::now_v7());
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
        let officer_roles = self.read().users.get(&officer).map(|u| u.roles.clone()).unwrap_or_default();
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
    ) -> Result<ApplicationView> {
        let now = self.now();
        let cmd = decision_command(id, outcome, criteria, public_rationale, internal_note, conditions, now);
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
        let sha256 = oversight_store::sha256_hex(content);
        let doc = DocumentId(uuid::Uuid::now_v7());
        let cmd = Command::AttachDocument {
            id: doc,
            kind,
            filename: filename.into(),
            sha256,
            size: content.len() as u64,
        };
        // Validate the command before storing bytes: a refused upload leaves nothing behind.
        let state = self.read().applications.get(&id).cloned();
        let ctx = Context { actor: actor.clone(), now: self.now(), control_list: &self.control_list };
        decide(state.as_ref(), cmd.clone(), &ctx)?;
        self.store.put_blob(content, self.now()).await?;
        self.execute(actor, id, cmd).await
    }

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
        let p = self.read();
        let app = p.applications.get(&id).ok_or(AppError::NotFound)?;
        if !can_see(actor, app) {
            return Err(AppError::NotFound);
        }
        Ok(self.view(&p, actor, app))
    }

    fn view(&self, p: &Projections, actor: &Actor, app: &Application) -> ApplicationView {
        let mut application = app.clone();
        if actor.org_kind != OrgKind::Authority {
            application.recommendation = None;
            if let Some(d) = application.decision.as_mut() {
                d.internal_note.clear();
            }
        }
        ApplicationView {
            organisation_name: p.orgs.get(&app.org).map(|o| o.name.clone()).unwrap_or_default(),
            working_days_elapsed: app.submitted_at.map(|s| working_days_between(s, self.now())),
            application,
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
        let p = self.read();
        Ok(p.applications
            .values()
            .rev()
            .filter(|a| can_see(actor, a) && status.is_none_or(|s| a.status == s))
            .map(|a| self.view(&p, actor, a))
            .collect())
    }

    /// The case's full history: every event with who, when and why.
    pub fn history(&self, actor: &Actor, id: ApplicationId) -> Result<Vec<HistoryEntry>> {
        self.get_application(actor, id)?;
        let p = self.read();
        let mut entries = p.history.get(&id).cloned().unwrap_or_default();
        if actor.org_kind != OrgKind::Authority {
            for e in &mut entries {
                // The authority's internal deliberation is not shown to the applicant.
                if e.kind == "recommended" {
                    e.event = serde_json::json!({ "type": "recommended" });
                }
                if let Some(d) = e.event.get_mut("decision").and_then(|d| d.as_object_mut()) {
                    d.remove("internal_note");
                }
                if actor.user.to_string() != e.actor.clone().unwrap_or_default() {
                    e.actor_name = e.actor_name.as_ref().map(|_| "Licensing authority".to_string());
                    e.actor = None;
                }
            }
        }
        Ok(entries)
    }

    /// What is waiting for the actor: triage and assigned cases for officers, decisions for approvers.
    pub fn work_queue(&self, actor: &Actor) -> Result<Vec<QueueEntry>> {
        let officer = actor.org_kind == OrgKind::Authority && actor.has(Role::LicensingOfficer);
        let approver = actor.org_kind == OrgKind::Authority && actor.has(Role::Approver);
        if !officer && !approver {
            return Err(AppError::Forbidden("the work queue is for licensing officers and approvers".into()));
        }
        let p = self.read();
        let mut out = Vec::new();
        for a in p.applications.values() {
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
                    if approver && a.recommendation.as_ref().is_some_and(|r| r.by != actor.user) =>
                {
                    Some("awaiting decision")
                }
                _ => None,
            };
            if let Some(reason) = reason {
                out.push(QueueEntry {
                    id: a.id,
                    title: a.title.clone(),
                    destination: a.destination.to_string(),
                    status: a.status,
                    organisation_name: p.orgs.get(&a.org).map(|o| o.name.clone()).unwrap_or_default(),
                    submitted_at: a.submitted_at,
                    working_days_elapsed: a.submitted_at.map(|s| working_days_between(s, self.now())),
                    reason: reason.into(),
                });
            }
        }
        // Oldest submission first: the clock is running.
        out.sort_by_key(|q| q.submitted_at);
        Ok(out)
    }

    /// Number of cases (for health and tests).
    pub fn application_count(&self) -> usize {
        self.read().applications.len()
    }
}

/// Builds the decide command with the licence number and default validity.
pub(crate) fn decision_command(
    id: ApplicationId,
    outcome: Outcome,
    criteria: Vec<u8>,
    public_rationale: String,
    internal_note: String,
    conditions: Vec<String>,
    now: DateTime<Utc>,
) -> Command {
    let hex = id.0.simple().to_string().to_uppercase();
    Command::Decide {
        outcome,
        criteria,
        public_rationale,
        internal_note,
        conditions,
        licence_number: format!("OVS-{}-{}", now.year(), &hex[hex.len() - 8..]),
        licence_expires_at: now + Duration::days(LICENCE_DAYS),
    }
}

/// The single visibility rule for cases: the authority sees all; an exporter sees its own
/// organisation's; nobody else sees any.
fn can_see(actor: &Actor, app: &Application) -> bool {
    match actor.org_kind {
        OrgKind::Authority => true,
        OrgKind::Exporter => actor.org == app.org,
        OrgKind::PartnerAgency => false,
    }
}

fn require_role(actor: &Actor, role: Role) -> Result<()> {
    if actor.org_kind == role.org_kind() && actor.has(role) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("requires the role {}", role.as_str())))
    }
}

fn actor_of(p: &Projections, user: UserId) -> Option<Actor> {
    let u = p.users.get(&user)?;
    let org = p.orgs.get(&u.org)?;
    Some(Actor { user: u.id, org: org.id, org_kind: org.kind, roles: u.roles.clone() })
}

async fn hash_blocking(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || accounts::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}

/// A hash of a random password, verified against when the account does not exist, so that the time
/// a failed login takes does not reveal whether the account exists.
async fn dummy_hash() -> Result<String> {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_try_init(|| hash_blocking(accounts::new_secret())).await.cloned()
}

/// Working days from `start` to `end` (Monday–Friday; public holidays are not yet configured).
pub fn working_days_between(start: DateTime<Utc>, end: DateTime<Utc>) -> u32 {
    let (mut d, last) = (start.date_naive(), end.date_naive());
    let mut n = 0;
    while d < last {
        d = d.succ_opt().expect("date in range");
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn working_days_skip_weekends() {
        let fri = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
        assert_eq!(working_days_between(fri, fri), 0);
        assert_eq!(working_days_between(fri, fri + Duration::days(3)), 1); // Monday
        assert_eq!(working_days_between(fri, fri + Duration::days(7)), 5);
    }
}
