//! Accounts: organisations, users, sign-in sessions and API tokens, kept as events like everything
//! else.
//!
//! Streams: `org-<id>` holds an organisation's registration; `user-<id>` a user's creation, password
//! changes and API tokens; `session-<id>` one sign-in session (started, ended). Each session has its
//! own stream, so any number of sign-ins of one account never contend. Secrets are never stored:
//! session ids, CSRF tokens and API tokens as SHA-256 hashes, passwords as argon2id hashes.
//!
//! Read model: organisations, users by id and e-mail, live sessions and tokens by hash. Expired
//! sessions are swept as new ones are folded, so the model does not grow with the number of
//! sign-ins.
//!
//! How long sessions and tokens live and how sign-ins are throttled are the core's rules
//! (`oversight_domain::credentials`); the throttle's counters live in the database
//! (`EventStore::throttle_reserve`), shared by every node. A session's activity is recorded
//! (`session_touched`) at most once per `SessionPolicy::touch_every`, a token's use
//! (`api_token_used`) at most hourly. Disabling a user (`user_disabled`) ends their sessions and
//! tokens at once.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use base64::Engine;
use chrono::{DateTime, Utc};
use oversight_domain::credentials::{SessionPolicy, ThrottlePolicy, TokenPolicy, token_use_needs_recording};
use oversight_domain::grants::{self, Grantee, PendingGrant};
use oversight_domain::{Actor, FieldError, OrgId, OrgKind, Role, UserId, parse_text};
use oversight_store::StoredEvent;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::{
    App, AppError,
    app::{Result, new_event},
    projections::Fold,
};

/// How sessions, tokens and sign-ins are limited (`oversight serve` sets them from its options).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountsPolicy {
    pub sessions: SessionPolicy,
    pub tokens: TokenPolicy,
    pub throttle: ThrottlePolicy,
}

/// The client address of sign-ins that come from no network (tests, the command line).
pub const LOCAL_CLIENT: &str = "local";
/// Sign-ins that may wait for a hashing slot; past this they are answered 503 at once.
pub const HASH_QUEUE: usize = 64;
/// Sessions folded between two sweeps of expired ones.
const SESSION_SWEEP_EVERY: u32 = 256;

/// An event on an organisation, user or session stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AccountEvent {
    OrgRegistered {
        id: OrgId,
        name: String,
        kind: OrgKind,
        country: String,
    },
    UserCreated {
        id: UserId,
        org: OrgId,
        email: String,
        name: String,
        roles: Vec<Role>,
        password_hash: String,
    },
    PasswordChanged {
        password_hash: String,
    },
    /// On `session-<id>` (and, in logs written before sessions had streams, on `user-<id>`).
    SessionStarted {
        /// The session's user (absent in old events on the user's own stream).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<UserId>,
        session_hash: String,
        /// SHA-256 of the session's CSRF token.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        csrf_hash: Option<String>,
        /// The CSRF token in plain text, as old events stored it; read, never written.
        #[serde(default, skip_serializing)]
        csrf_token: Option<String>,
        expires_at: DateTime<Utc>,
    },
    SessionEnded {
        session_hash: String,
    },
    /// On `session-<id>`: the session was used (recorded at most once per
    /// `SessionPolicy::touch_every`; its time is the event's).
    SessionTouched {
        session_hash: String,
    },
    ApiTokenIssued {
        token_hash: String,
        label: String,
        /// The token's id (absent in tokens issued before tokens could be listed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<uuid::Uuid>,
        /// The token's first characters, shown in lists to recognise it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prefix: Option<String>,
        /// When the token stops working (absent in old events: `TokenPolicy::legacy_expiry`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<DateTime<Utc>>,
    },
    /// The token was used (recorded at most hourly; its time is the event's).
    ApiTokenUsed {
        token_hash: String,
    },
    ApiTokenRevoked {
        token_hash: String,
    },
    /// An administrator disabled the user: their sessions and tokens end, they cannot sign in.
    UserDisabled,
    /// An administrator enabled the user again (ended sessions and tokens stay ended).
    UserEnabled,
    /// An administrator proposed giving the user a role of the authority; it takes effect once a
    /// second administrator approves it (`oversight_domain::grants`).
    RoleGrantProposed {
        grant: uuid::Uuid,
        role: Role,
        proposed_by: UserId,
    },
    /// A second administrator approved the grant: the user holds the role from now on.
    RoleGrantApproved {
        grant: uuid::Uuid,
        approved_by: UserId,
    },
    /// The grant was withdrawn without giving the role.
    RoleGrantWithdrawn {
        grant: uuid::Uuid,
        withdrawn_by: UserId,
    },
}

impl AccountEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            AccountEvent::OrgRegistered { .. } => "org_registered",
            AccountEvent::UserCreated { .. } => "user_created",
            AccountEvent::PasswordChanged { .. } => "password_changed",
            AccountEvent::SessionStarted { .. } => "session_started",
            AccountEvent::SessionEnded { .. } => "session_ended",
            AccountEvent::SessionTouched { .. } => "session_touched",
            AccountEvent::ApiTokenIssued { .. } => "api_token_issued",
            AccountEvent::ApiTokenUsed { .. } => "api_token_used",
            AccountEvent::ApiTokenRevoked { .. } => "api_token_revoked",
            AccountEvent::UserDisabled => "user_disabled",
            AccountEvent::UserEnabled => "user_enabled",
            AccountEvent::RoleGrantProposed { .. } => "role_grant_proposed",
            AccountEvent::RoleGrantApproved { .. } => "role_grant_approved",
            AccountEvent::RoleGrantWithdrawn { .. } => "role_grant_withdrawn",
        }
    }
}

pub fn org_stream(id: OrgId) -> String {
    format!("{}-{}", OrgId::PREFIX, id.0)
}

pub fn user_stream(id: UserId) -> String {
    format!("{}-{}", UserId::PREFIX, id.0)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub org: OrgId,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub password_hash: String,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user: UserId,
    pub csrf_hash: String,
    pub expires_at: DateTime<Utc>,
    /// When the session's activity was last recorded (its start, or its latest `session_touched`).
    pub last_active: DateTime<Utc>,
    /// The stream the session's events go to.
    pub stream: String,
}

/// An API token as the read model keeps it (the secret itself is never kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Token {
    user: UserId,
    id: uuid::Uuid,
    label: String,
    prefix: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

/// One of a user's API tokens, as listed to them: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// Revoke the token with `DELETE /api/tokens/{id}`.
    pub id: uuid::Uuid,
    pub label: String,
    /// The token's first characters, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When it was last used, to the hour (`null`: never).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A role grant waiting for a second administrator's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleGrantInfo {
    /// Approve with `POST /api/admin/role-grants/{id}/approve`.
    pub id: uuid::Uuid,
    pub user: UserId,
    pub user_email: String,
    pub role: Role,
    pub proposed_by: UserId,
}

/// A user as administrators see them (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub organisation: OrgId,
    pub organisation_name: String,
    pub organisation_kind: OrgKind,
}

/// A newly issued API token: the secret is shown this once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub info: TokenInfo,
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

/// The accounts read model.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsProjection {
    orgs: HashMap<OrgId, Org>,
    users: HashMap<UserId, User>,
    users_by_email: HashMap<String, UserId>,
    sessions: HashMap<String, Session>,
    api_tokens: HashMap<String, Token>,
    /// Role grants waiting for a second administrator.
    pending_grants: HashMap<uuid::Uuid, PendingGrant>,
    sessions_since_sweep: u32,
}

impl AccountsProjection {
    pub(crate) fn fold(&mut self, e: &StoredEvent, fold: &Fold) {
        let Fold::Account(event) = fold else { return };
        let stream_user: Option<UserId> = e.stream_id.strip_prefix("user-").and_then(|s| s.parse().ok());
        match event.clone() {
            AccountEvent::OrgRegistered { id, name, kind, country } => {
                self.orgs.insert(id, Org { id, name, kind, country });
            }
            AccountEvent::UserCreated { id, org, email, name, roles, password_hash } => {
                self.users_by_email.insert(email.clone(), id);
                self.users.insert(id, User { id, org, email, name, roles, password_hash, disabled: false });
            }
            AccountEvent::PasswordChanged { password_hash } => {
                if let Some(u) = stream_user.and_then(|id| self.users.get_mut(&id)) {
                    u.password_hash = password_hash;
                }
            }
            AccountEvent::SessionStarted { user, session_hash, csrf_hash, csrf_token, expires_at } => {
                let csrf_hash = csrf_hash.or_else(|| csrf_token.as_deref().map(secret_hash));
                if let (Some(user), Some(csrf_hash)) = (user.or(stream_user), csrf_hash) {
                    let stream = e.stream_id.clone();
                    let last_active = e.recorded_at;
                    self.sessions
                        .insert(session_hash, Session { user, csrf_hash, expires_at, last_active, stream });
                }
                self.sessions_since_sweep += 1;
                if self.sessions_since_sweep >= SESSION_SWEEP_EVERY {
                    // Time is the log's: a session that expired before this one started is over.
                    self.sessions.retain(|_, s| s.expires_at > e.recorded_at);
                    self.sessions_since_sweep = 0;
                }
            }
            AccountEvent::SessionEnded { session_hash } => {
                self.sessions.remove(&session_hash);
            }
            AccountEvent::SessionTouched { session_hash } => {
                if let Some(s) = self.sessions.get_mut(&session_hash) {
                    s.last_active = s.last_active.max(e.recorded_at);
                }
            }
            AccountEvent::ApiTokenIssued { token_hash, label, id, prefix, expires_at } => {
                if let Some(user) = stream_user {
                    let created_at = e.recorded_at;
                    let id = id.unwrap_or_else(|| legacy_token_id(&token_hash));
                    let token = Token { user, id, label, prefix, created_at, expires_at, last_used_at: None };
                    self.api_tokens.insert(token_hash, token);
                }
            }
            AccountEvent::ApiTokenUsed { token_hash } => {
                if let Some(t) = self.api_tokens.get_mut(&token_hash) {
                    t.last_used_at = Some(e.recorded_at);
                }
            }
            AccountEvent::ApiTokenRevoked { token_hash } => {
                self.api_tokens.remove(&token_hash);
            }
            AccountEvent::UserDisabled => {
                if let Some(user) = stream_user {
                    if let Some(u) = self.users.get_mut(&user) {
                        u.disabled = true;
                    }
                    self.sessions.retain(|_, s| s.user != user);
                    self.api_tokens.retain(|_, t| t.user != user);
                }
            }
            AccountEvent::UserEnabled => {
                if let Some(u) = stream_user.and_then(|id| self.users.get_mut(&id)) {
                    u.disabled = false;
                }
            }
            AccountEvent::RoleGrantProposed { grant, role, proposed_by } => {
                if let Some(user) = stream_user {
                    self.pending_grants.insert(grant, PendingGrant { id: grant, user, role, proposed_by });
                }
            }
            AccountEvent::RoleGrantApproved { grant, .. } => {
                if let Some(g) = self.pending_grants.remove(&grant)
                    && let Some(u) = self.users.get_mut(&g.user)
                {
                    u.roles.push(g.role);
                    u.roles.sort();
                    u.roles.dedup();
                }
            }
            AccountEvent::RoleGrantWithdrawn { grant, .. } => {
                self.pending_grants.remove(&grant);
            }
        }
    }

    /// The actor a user acts as; `None` for an unknown or disabled user.
    fn actor(&self, user: UserId) -> Option<Actor> {
        let u = self.users.get(&user).filter(|u| !u.disabled)?;
        let org = self.orgs.get(&u.org)?;
        Some(Actor { user: u.id, org: org.id, org_kind: org.kind, roles: u.roles.clone() })
    }

    fn me(&self, user: UserId) -> Option<Me> {
        let u = self.users.get(&user)?;
        let org = self.orgs.get(&u.org)?;
        Some(Me {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            roles: u.roles.clone(),
            organisation: org.id,
            organisation_name: org.name.clone(),
            organisation_kind: org.kind,
        })
    }
}

impl App {
    // ----- organisations and users ------------------------------------------------------------

    pub fn orgs(&self) -> Vec<Org> {
        let mut orgs: Vec<Org> = self.read().accounts.orgs.values().cloned().collect();
        orgs.sort_by(|a, b| a.name.cmp(&b.name));
        orgs
    }

    pub fn org_by_name(&self, name: &str) -> Option<Org> {
        self.read().accounts.orgs.values().find(|o| o.name.eq_ignore_ascii_case(name.trim())).cloned()
    }

    /// The name of an organisation (shown with its cases and records).
    pub fn org_name(&self, org: OrgId) -> Option<String> {
        self.read().accounts.orgs.get(&org).map(|o| o.name.clone())
    }

    /// A user's display name.
    pub fn user_name(&self, user: Option<UserId>) -> Option<String> {
        let user = user?;
        self.read().accounts.users.get(&user).map(|u| u.name.clone())
    }

    /// A user's roles (empty for an unknown user).
    pub fn user_roles(&self, user: UserId) -> Vec<Role> {
        self.read().accounts.users.get(&user).map(|u| u.roles.clone()).unwrap_or_default()
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
        let name = parse_text("name", name, 200)?;
        let country = oversight_domain::CountryCode::parse(country)?;
        if self.org_by_name(&name).is_some() {
            return Err(AppError::Conflict(format!("an organisation named {name:?} already exists")));
        }
        let id = OrgId(self.new_uuid());
        let event = AccountEvent::OrgRegistered { id, name, kind, country: country.to_string() };
        let new = vec![new_event(event.kind(), &event, by.map(|a| a.user), self.now())];
        self.append(&org_stream(id), 0, new, &[], &[]).await?;
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
        let email = parse_email(email)?;
        let name = parse_name(name)?;
        check_password(password)?;
        let (org_kind, taken) = {
            let p = self.read();
            (p.accounts.orgs.get(&org).map(|o| o.kind), p.accounts.users_by_email.contains_key(&email))
        };
        let org_kind = org_kind.ok_or_else(|| AppError::invalid("org", "no such organisation"))?;
        check_roles(roles, org_kind)?;
        if taken {
            return Err(AppError::Conflict(format!("a user with e-mail {email} already exists")));
        }
        let password_hash = self.hash_blocking(password.to_string()).await?;
        let id = UserId(self.new_uuid());
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        // An administrator who creates a user only proposes its roles: a second administrator
        // approves each (the operator's `oversight admin create-user` gives them at once: that is
        // how the first administrators are made).
        let (held, proposed) = match by {
            Some(admin) => {
                let mut proposals = Vec::new();
                for role in &roles {
                    let g = grants::propose(
                        admin,
                        &Grantee { id, org_kind, roles: &[] },
                        *role,
                        &proposals,
                        self.new_uuid(),
                    )?;
                    proposals.push(g);
                }
                (Vec::new(), proposals)
            }
            None => (roles, Vec::new()),
        };
        let now = self.now();
        let actor = by.map(|a| a.user);
        let created = AccountEvent::UserCreated { id, org, email, name, roles: held, password_hash };
        let mut new = vec![new_event(created.kind(), &created, actor, now)];
        for g in proposed {
            let e = AccountEvent::RoleGrantProposed { grant: g.id, role: g.role, proposed_by: g.proposed_by };
            new.push(new_event(e.kind(), &e, actor, now));
        }
        self.append(&user_stream(id), 0, new, &[], &[]).await?;
        Ok(id)
    }

    // ----- role grants (two administrators) ---------------------------------------------------

    /// Proposes giving `role` to `user` (administrators; `oversight_domain::grants`). Returns the
    /// grant's id; the role takes effect when another administrator approves it.
    pub async fn propose_role_grant(&self, by: &Actor, user: UserId, role: Role) -> Result<uuid::Uuid> {
        require_role(by, Role::Administrator)?;
        let (grantee_kind, grantee_roles, pending) = {
            let p = self.read();
            let u = p.accounts.users.get(&user).ok_or(AppError::NotFound)?;
            let kind = p.accounts.orgs.get(&u.org).map(|o| o.kind).ok_or(AppError::NotFound)?;
            (kind, u.roles.clone(), p.accounts.pending_grants.values().cloned().collect::<Vec<_>>())
        };
        let grantee = Grantee { id: user, org_kind: grantee_kind, roles: &grantee_roles };
        let g = grants::propose(by, &grantee, role, &pending, self.new_uuid())?;
        let event = AccountEvent::RoleGrantProposed { grant: g.id, role: g.role, proposed_by: g.proposed_by };
        self.append_retrying(&user_stream(user), Some(by.user), &event).await?;
        Ok(g.id)
    }

    /// Approves a pending role grant (an administrator other than the proposer and the grantee).
    pub async fn approve_role_grant(&self, by: &Actor, grant: uuid::Uuid) -> Result<()> {
        let g = self.pending_grant(by, grant)?;
        grants::approve(by, &g)?;
        let event = AccountEvent::RoleGrantApproved { grant, approved_by: by.user };
        self.append_retrying(&user_stream(g.user), Some(by.user), &event).await
    }

    /// Withdraws a pending role grant (any administrator).
    pub async fn withdraw_role_grant(&self, by: &Actor, grant: uuid::Uuid) -> Result<()> {
        let g = self.pending_grant(by, grant)?;
        grants::withdraw(by, &g)?;
        let event = AccountEvent::RoleGrantWithdrawn { grant, withdrawn_by: by.user };
        self.append_retrying(&user_stream(g.user), Some(by.user), &event).await
    }

    /// The role grants waiting for approval (administrators).
    pub fn pending_role_grants(&self, by: &Actor) -> Result<Vec<RoleGrantInfo>> {
        require_role(by, Role::Administrator)?;
        let p = self.read();
        let mut list: Vec<RoleGrantInfo> = p
            .accounts
            .pending_grants
            .values()
            .map(|g| RoleGrantInfo {
                id: g.id,
                user: g.user,
                user_email: p.accounts.users.get(&g.user).map(|u| u.email.clone()).unwrap_or_default(),
                role: g.role,
                proposed_by: g.proposed_by,
            })
            .collect();
        list.sort_by_key(|g| g.id);
        Ok(list)
    }

    /// Every user, by organisation then name (administrators).
    pub fn users(&self, by: &Actor) -> Result<Vec<UserInfo>> {
        require_role(by, Role::Administrator)?;
        let p = self.read();
        let mut list: Vec<UserInfo> = p
            .accounts
            .users
            .values()
            .filter_map(|u| {
                let org = p.accounts.orgs.get(&u.org)?;
                Some(UserInfo {
                    id: u.id,
                    email: u.email.clone(),
                    name: u.name.clone(),
                    roles: u.roles.clone(),
                    disabled: u.disabled,
                    organisation: org.id,
                    organisation_name: org.name.clone(),
                    organisation_kind: org.kind,
                })
            })
            .collect();
        list.sort_by(|a, b| {
            (a.organisation_kind != OrgKind::Authority, &a.organisation_name, &a.name).cmp(&(
                b.organisation_kind != OrgKind::Authority,
                &b.organisation_name,
                &b.name,
            ))
        });
        Ok(list)
    }

    fn pending_grant(&self, by: &Actor, grant: uuid::Uuid) -> Result<PendingGrant> {
        require_role(by, Role::Administrator)?;
        self.read().accounts.pending_grants.get(&grant).cloned().ok_or(AppError::NotFound)
    }

    pub fn user_by_email(&self, email: &str) -> Option<UserId> {
        self.read().accounts.users_by_email.get(&email.trim().to_lowercase()).copied()
    }

    pub fn me(&self, actor: &Actor) -> Result<Me> {
        self.me_of_id(actor.user)
    }

    /// Profile of a user by id (for operators and the demo loader).
    pub fn me_of_id(&self, user: UserId) -> Result<Me> {
        self.read().accounts.me(user).ok_or(AppError::NotFound)
    }

    /// The actor a user acts as (operators and the demo loader).
    pub fn actor_of(&self, user: UserId) -> Result<Actor> {
        self.read().accounts.actor(user).ok_or(AppError::NotFound)
    }

    // ----- sign-in ----------------------------------------------------------------------------

    /// Checks a password and starts a session. The attempt is first reserved with the sign-in
    /// throttle (the account from `client`, and `client` across accounts; in the database, so every
    /// node counts it): past a limit the answer is `Throttled` until the window ends, whatever the
    /// password, and no password is hashed. A successful sign-in gives its reservation back.
    /// `client` is the client's address ([`LOCAL_CLIENT`] when there is none).
    pub async fn login(&self, email: &str, password: &str, client: &str) -> Result<Login> {
        let key = email.trim().to_lowercase();
        let now = self.now();
        let throttle = self.accounts_policy.throttle;
        let keys = throttle.keys(&key, client);
        let names: Vec<String> = keys.iter().map(|k| k.key.clone()).collect();
        let counts = self.store.throttle_reserve(&names, now, throttle.window.num_seconds()).await?;
        for (k, c) in keys.iter().zip(&counts) {
            if let Err(wait) = throttle.verdict(k.limit, c.count, c.window_start, now) {
                return Err(AppError::Throttled(wait));
            }
        }
        let outcome = self.check_password_of(&key, password).await;
        match &outcome {
            // Not checked (the hashing queue is full), or checked and right: the attempt does not count.
            Err(AppError::Busy(_)) | Ok(_) => {
                if let Err(e) = self.store.throttle_release(&names).await {
                    tracing::warn!("giving back a sign-in reservation: {e}");
                }
            }
            Err(_) => {
                // Slow every failure down a little.
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        }
        let user = outcome?;
        if user.disabled {
            return Err(AppError::Unauthenticated("this account is disabled".into()));
        }
        let session_token = self.new_secret();
        let csrf_token = self.new_secret();
        let expires_at = now + self.accounts_policy.sessions.absolute;
        let event = AccountEvent::SessionStarted {
            user: Some(user.id),
            session_hash: secret_hash(&session_token),
            csrf_hash: Some(secret_hash(&csrf_token)),
            csrf_token: None,
            expires_at,
        };
        // A stream of its own: a new session never contends with another.
        let stream = format!("session-{}", self.new_uuid());
        let new = vec![new_event(event.kind(), &event, Some(user.id), now)];
        self.append(&stream, 0, new, &[], &[]).await?;
        let me = self.me_of_id(user.id)?;
        Ok(Login { session_token, csrf_token, expires_at, me })
    }

    /// The user of an e-mail address if `password` is theirs (`Unauthenticated` otherwise).
    async fn check_password_of(&self, email: &str, password: &str) -> Result<User> {
        let user = {
            let p = self.read();
            p.accounts.users_by_email.get(email).and_then(|id| p.accounts.users.get(id)).cloned()
        };
        // Verify against a dummy hash when the user does not exist, so timing does not reveal accounts.
        let hash = match user.as_ref() {
            Some(u) => u.password_hash.clone(),
            None => self.dummy_hash().await?,
        };
        let pw = password.to_string();
        let ok = self.with_hash_slot(move || verify_password(&pw, &hash)).await?;
        user.filter(|_| ok).ok_or_else(|| AppError::Unauthenticated("wrong e-mail or password".into()))
    }

    pub async fn logout(&self, session_token: &str) -> Result<()> {
        let hash = secret_hash(session_token);
        let session = self.read().accounts.sessions.get(&hash).cloned();
        if let Some(s) = session {
            let event = AccountEvent::SessionEnded { session_hash: hash };
            self.append_retrying(&s.stream, Some(s.user), &event).await?;
        }
        Ok(())
    }

    /// The actor behind a session cookie, with the SHA-256 of the session's CSRF token (compare a
    /// presented token's [`secret_hash`] with it in constant time). `None` once the session has
    /// ended: signed out, past its absolute end, idle too long, or its user disabled. A use records
    /// the session's activity when the last record is older than `SessionPolicy::touch_every`.
    pub async fn authenticate_session(&self, session_token: &str) -> Option<(Actor, String)> {
        let now = self.now();
        let policy = self.accounts_policy.sessions;
        let hash = secret_hash(session_token);
        let (actor, session) = {
            let p = self.read();
            let s = p.accounts.sessions.get(&hash)?;
            if !policy.is_live(s.expires_at, s.last_active, now) {
                return None;
            }
            (p.accounts.actor(s.user)?, s.clone())
        };
        if policy.needs_touch(session.last_active, now) {
            let event = AccountEvent::SessionTouched { session_hash: hash };
            // Best effort: another request (on any node) may have recorded it first.
            if let Err(e) = self.append_once(&session.stream, Some(session.user), &event).await {
                tracing::warn!("recording a session's activity: {e}");
            }
        }
        Some((actor, session.csrf_hash))
    }

    /// The actor behind a bearer API token; `None` when unknown, revoked, expired, or its user is
    /// disabled. A use is recorded when the last record is an hour old.
    pub async fn authenticate_token(&self, token: &str) -> Option<Actor> {
        let now = self.now();
        let hash = secret_hash(token);
        let (actor, t) = {
            let p = self.read();
            let t = p.accounts.api_tokens.get(&hash)?;
            let expires_at =
                t.expires_at.unwrap_or_else(|| self.accounts_policy.tokens.legacy_expiry(t.created_at));
            if expires_at <= now {
                return None;
            }
            (p.accounts.actor(t.user)?, t.clone())
        };
        if token_use_needs_recording(t.last_used_at, now) {
            let event = AccountEvent::ApiTokenUsed { token_hash: hash };
            if let Err(e) = self.append_once(&user_stream(t.user), Some(t.user), &event).await {
                tracing::warn!("recording a token's use: {e}");
            }
        }
        Some(actor)
    }

    /// Issues an API token for the actor's own account (machine clients), living `days` (at most,
    /// and by default, `TokenPolicy::max_days`). The secret is returned once. Only a signed-in
    /// session may call this: the web layer refuses a request authenticated by a token.
    pub async fn issue_api_token(
        &self,
        actor: &Actor,
        label: &str,
        days: Option<u32>,
    ) -> Result<IssuedToken> {
        let label = parse_text("label", label, 100)?;
        let now = self.now();
        let expires_at = self.accounts_policy.tokens.expiry(now, days)?;
        let token = format!("ovs_{}", self.new_secret());
        let prefix: String = token.chars().take(12).collect();
        let id = self.new_uuid();
        let event = AccountEvent::ApiTokenIssued {
            token_hash: secret_hash(&token),
            label: label.clone(),
            id: Some(id),
            prefix: Some(prefix.clone()),
            expires_at: Some(expires_at),
        };
        self.append_retrying(&user_stream(actor.user), Some(actor.user), &event).await?;
        let info = TokenInfo { id, label, prefix, created_at: now, expires_at, last_used_at: None };
        Ok(IssuedToken { token, info })
    }

    /// The actor's own API tokens that still work, newest first (never their secrets).
    pub fn api_tokens(&self, actor: &Actor) -> Vec<TokenInfo> {
        let now = self.now();
        let p = self.read();
        let mut list: Vec<TokenInfo> = p
            .accounts
            .api_tokens
            .values()
            .filter(|t| t.user == actor.user)
            .map(|t| self.token_info(t))
            .filter(|t| t.expires_at > now)
            .collect();
        list.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        list
    }

    fn token_info(&self, t: &Token) -> TokenInfo {
        TokenInfo {
            id: t.id,
            label: t.label.clone(),
            prefix: t.prefix.clone().unwrap_or_else(|| "ovs_".into()),
            created_at: t.created_at,
            expires_at: t
                .expires_at
                .unwrap_or_else(|| self.accounts_policy.tokens.legacy_expiry(t.created_at)),
            last_used_at: t.last_used_at,
        }
    }

    /// Revokes one of the actor's own API tokens; another user's token, or an unknown one, is
    /// `NotFound`.
    pub async fn revoke_api_token(&self, actor: &Actor, id: uuid::Uuid) -> Result<()> {
        let hash = {
            let p = self.read();
            p.accounts
                .api_tokens
                .iter()
                .find(|(_, t)| t.id == id && t.user == actor.user)
                .map(|(h, _)| h.clone())
        };
        let hash = hash.ok_or(AppError::NotFound)?;
        let event = AccountEvent::ApiTokenRevoked { token_hash: hash };
        self.append_retrying(&user_stream(actor.user), Some(actor.user), &event).await
    }

    /// Disables a user (administrators): their sessions and API tokens end at once, and they can no
    /// longer sign in. An administrator cannot disable themselves.
    pub async fn disable_user(&self, by: &Actor, user: UserId) -> Result<()> {
        self.set_disabled(by, user, true).await
    }

    /// Enables a disabled user again (administrators). Their ended sessions and tokens stay ended.
    pub async fn enable_user(&self, by: &Actor, user: UserId) -> Result<()> {
        self.set_disabled(by, user, false).await
    }

    async fn set_disabled(&self, by: &Actor, user: UserId, disabled: bool) -> Result<()> {
        require_role(by, Role::Administrator)?;
        if by.user == user {
            return Err(AppError::invalid(
                "user",
                "an administrator cannot disable or enable their own account",
            ));
        }
        if !self.read().accounts.users.contains_key(&user) {
            return Err(AppError::NotFound);
        }
        let event = if disabled { AccountEvent::UserDisabled } else { AccountEvent::UserEnabled };
        self.append_retrying(&user_stream(user), Some(by.user), &event).await
    }

    /// Appends one account event at the stream's current version, re-reading it after a race.
    async fn append_retrying(&self, stream: &str, actor: Option<UserId>, event: &AccountEvent) -> Result<()> {
        self.retrying("recording the account change", || async move {
            let version = self.store.read_stream(stream).await?.len() as u64;
            let new = vec![new_event(event.kind(), event, actor, self.now())];
            self.append(stream, version, new, &[], &[]).await.map(drop)
        })
        .await
    }

    /// Appends a record of activity at the stream's current version, once: when another request
    /// (on any node) wrote first, its record stands for this one too.
    async fn append_once(&self, stream: &str, actor: Option<UserId>, event: &AccountEvent) -> Result<()> {
        let version = self.store.read_stream(stream).await?.len() as u64;
        let new = vec![new_event(event.kind(), event, actor, self.now())];
        match self.append(stream, version, new, &[], &[]).await {
            Ok(_) | Err(AppError::Contended(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A fresh random secret (256 bits), URL-safe base64.
    fn new_secret(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.random_bytes::<32>())
    }

    async fn hash_blocking(&self, password: String) -> Result<String> {
        let salt = self.random_bytes::<16>();
        self.with_hash_slot(move || hash_password(&password, &salt)).await?.map_err(AppError::Internal)
    }

    /// Runs a password hash in a blocking thread once a slot is free (one per core), so memory stays
    /// bounded however many sign-ins arrive; with [`HASH_QUEUE`] already waiting, answers `Busy`.
    async fn with_hash_slot<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        use std::sync::atomic::Ordering;
        if self.hash_waiting.fetch_add(1, Ordering::SeqCst) >= HASH_QUEUE {
            self.hash_waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::Busy(1));
        }
        let permit = self.hash_slots.acquire().await;
        self.hash_waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.map_err(|e| AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(work).await.map_err(|e| AppError::Internal(e.into()))
    }

    /// A hash of a random password, verified against when the account does not exist, so that the
    /// time a failed login takes does not reveal whether the account exists.
    async fn dummy_hash(&self) -> Result<String> {
        static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        HASH.get_or_try_init(|| self.hash_blocking(self.new_secret())).await.cloned()
    }
}

/// Refuses unless `actor` is of the organisation kind of `role` and holds it.
pub(crate) fn require_role(actor: &Actor, role: Role) -> Result<()> {
    if actor.org_kind == role.org_kind() && actor.has(role) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("requires the role {}", role.as_str())))
    }
}

/// Checks and normalises an e-mail address used as a login name.
pub fn parse_email(email: &str) -> Result<String, FieldError> {
    let e = email.trim().to_lowercase();
    let valid = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid { Ok(e) } else { Err(FieldError::new("email", "must be an e-mail address")) }
}

pub fn parse_name(name: &str) -> Result<String, FieldError> {
    parse_text("name", name, 200)
}

/// The 30,000 most common passwords (zxcvbn's list; provenance and licence in `data/passwords/`).
const COMMON_PASSWORDS: &str = include_str!("../../../data/passwords/common-passwords.txt");

fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| COMMON_PASSWORDS.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
}

/// Whether a password is a common one: lower-cased, on the list, or on the list once digits, blanks
/// and punctuation are removed from both ends (at least 4 characters left): `password1234`,
/// `!!qwertyuiop!!`, `monkey-2026-01`.
pub fn is_common_password(password: &str) -> bool {
    let lower = password.to_lowercase();
    let list = common_passwords();
    if list.contains(lower.as_str()) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    core.chars().count() >= 4 && list.contains(core)
}

/// Passwords: at least 12 characters, at most 256, not only blanks, at least 5 different
/// characters (so "aaaaaaaaaaaa" or twelve spaces are refused), and not a common password
/// ([`is_common_password`]). Checked at every password set.
pub fn check_password(password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < 12 {
        return Err(FieldError::new("password", "must be at least 12 characters"));
    }
    if password.trim().is_empty() {
        return Err(FieldError::new("password", "must not be only blanks"));
    }
    if password.chars().collect::<std::collections::HashSet<_>>().len() < 5 {
        return Err(FieldError::new("password", "must use at least 5 different characters"));
    }
    if n > 256 {
        return Err(FieldError::new("password", "must be at most 256 characters"));
    }
    if is_common_password(password) {
        return Err(FieldError::new("password", "is too common: it is on a list of breached passwords"));
    }
    Ok(())
}

/// An argon2id hash of `password` with the given salt.
pub fn hash_password(password: &str, salt: &[u8]) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// The id of a token issued before tokens had ids: from its hash, so it is the same on every node.
fn legacy_token_id(token_hash: &str) -> uuid::Uuid {
    let bytes = hex::decode(token_hash.get(..32).unwrap_or_default()).unwrap_or_default();
    uuid::Uuid::from_slice(&bytes).unwrap_or_default()
}

/// What is stored for a session id, CSRF token or API token: its SHA-256.
pub fn secret_hash(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Checks that a role fits the organisation it is given in (an exporter cannot be an approver).
pub fn check_roles(roles: &[Role], org_kind: OrgKind) -> Result<(), FieldError> {
    if roles.is_empty() {
        return Err(FieldError::new("roles", "a user needs at least one role"));
    }
    for r in roles {
        if r.org_kind() != org_kind {
            return Err(FieldError::new(
                "roles",
                format!("the role {} does not belong in an organisation of kind {:?}", r.as_str(), org_kind),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery", b"0123456789abcdef").unwrap();
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn passwords_of_blanks_or_one_repeated_character_are_refused() {
        for bad in ["            ", "aaaaaaaaaaaa", "abababababab", "short"] {
            assert!(check_password(bad).is_err(), "{bad:?}");
        }
        assert!(check_password("oversight-demo-2026").is_ok());
        assert!(check_password("a-long-test-password").is_ok());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(parse_email(" Officer@Authority.Example ").unwrap(), "officer@authority.example");
        for bad in ["", "a", "a@b", "@b.c", "a b@c.d", "a@.c"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_must_fit_the_organisation_kind() {
        assert!(check_roles(&[Role::Exporter], OrgKind::Exporter).is_ok());
        assert!(check_roles(&[Role::Approver], OrgKind::Exporter).is_err());
        assert!(check_roles(&[Role::Exporter], OrgKind::Authority).is_err());
        assert!(check_roles(&[], OrgKind::Authority).is_err());
    }

    #[test]
    fn sessions_from_old_logs_are_read_with_their_csrf_token_hashed() {
        let old = serde_json::json!({
            "type": "session_started", "session_hash": "h", "csrf_token": "plain", "expires_at": "2030-01-01T00:00:00Z"
        });
        let AccountEvent::SessionStarted { user, csrf_hash, csrf_token, .. } =
            serde_json::from_value(old).unwrap()
        else {
            panic!()
        };
        assert_eq!((user, csrf_hash, csrf_token.as_deref()), (None, None, Some("plain")));
        let new = AccountEvent::SessionStarted {
            user: None,
            session_hash: "h".into(),
            csrf_hash: Some(secret_hash("t")),
            csrf_token: Some("never written".into()),
            expires_at: Utc::now(),
        };
        assert!(!serde_json::to_string(&new).unwrap().contains("never written"));
    }

    #[test]
    fn common_passwords_are_refused_with_digits_or_punctuation_around_them() {
        assert_eq!(common_passwords().len(), 30_000);
        for bad in [
            "1qaz2wsx3edc",
            "qwertyuiop123",
            "password1234",
            "!!qwertyuiop!!",
            "Monkey-2026-01",
            "PASSWORD1234",
        ] {
            let e = check_password(bad).unwrap_err();
            assert_eq!((e.field.as_str(), e.message.contains("common")), ("password", true), "{bad:?}: {e}");
        }
        for good in ["oversight-demo-2026", "a-long-test-password", "2026-castle-tree-lamp"] {
            assert!(check_password(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn tokens_from_before_ids_get_one_from_their_hash() {
        let h = secret_hash("ovs_old");
        assert_eq!(legacy_token_id(&h), legacy_token_id(&h));
        assert_ne!(legacy_token_id(&h), legacy_token_id(&secret_hash("ovs_other")));
        let old = serde_json::json!({"type": "api_token_issued", "token_hash": h, "label": "ci"});
        let AccountEvent::ApiTokenIssued { id, expires_at, .. } = serde_json::from_value(old).unwrap() else {
            panic!()
        };
        assert_eq!((id, expires_at), (None, None));
    }
}
