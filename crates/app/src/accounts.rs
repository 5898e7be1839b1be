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

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use oversight_domain::{Actor, FieldError, OrgId, OrgKind, Role, UserId, parse_text};
use oversight_store::StoredEvent;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::{
    App, AppError,
    app::{Result, new_event},
    projections::Fold,
};

/// How long a sign-in session lasts.
const SESSION_HOURS: i64 = 12;
/// Failed sign-ins allowed per account within the window before it is locked for a while.
const LOGIN_FAILURES_ALLOWED: u32 = 5;
const LOGIN_WINDOW_SECS: i64 = 15 * 60;
/// Accounts whose failures are remembered at once; past this, expired entries are dropped.
const LOGIN_FAILURES_KEPT: usize = 10_000;
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
    ApiTokenIssued {
        token_hash: String,
        label: String,
    },
    ApiTokenRevoked {
        token_hash: String,
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
            AccountEvent::ApiTokenIssued { .. } => "api_token_issued",
            AccountEvent::ApiTokenRevoked { .. } => "api_token_revoked",
        }
    }
}

pub fn org_stream(id: OrgId) -> String {
    format!("{}-{}", OrgId::PREFIX, id.0)
}

pub fn user_stream(id: UserId) -> String {
    format!("{}-{}", UserId::PREFIX, id.0)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub org: OrgId,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    pub csrf_hash: String,
    pub expires_at: DateTime<Utc>,
    /// The stream the session's events go to.
    pub stream: String,
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
#[derive(Debug, Default)]
pub struct AccountsProjection {
    orgs: HashMap<OrgId, Org>,
    users: HashMap<UserId, User>,
    users_by_email: HashMap<String, UserId>,
    sessions: HashMap<String, Session>,
    api_tokens: HashMap<String, UserId>,
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
                self.users.insert(id, User { id, org, email, name, roles, password_hash });
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
                    self.sessions.insert(session_hash, Session { user, csrf_hash, expires_at, stream });
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
            AccountEvent::ApiTokenIssued { token_hash, .. } => {
                if let Some(user) = stream_user {
                    self.api_tokens.insert(token_hash, user);
                }
            }
            AccountEvent::ApiTokenRevoked { token_hash } => {
                self.api_tokens.remove(&token_hash);
            }
        }
    }

    fn actor(&self, user: UserId) -> Option<Actor> {
        let u = self.users.get(&user)?;
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

/// Failed sign-ins per account on this node.
#[derive(Debug, Default)]
pub struct LoginFailures(HashMap<String, Failures>);

#[derive(Debug, Default)]
struct Failures {
    count: u32,
    first_at: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

impl LoginFailures {
    fn locked_for(&self, key: &str, now: DateTime<Utc>) -> Option<u64> {
        let until = self.0.get(key)?.locked_until?;
        (until > now).then(|| (until - now).num_seconds().max(1) as u64)
    }

    fn record(&mut self, key: &str, now: DateTime<Utc>) {
        if self.0.len() >= LOGIN_FAILURES_KEPT {
            self.0.retain(|_, f| {
                f.locked_until.is_some_and(|u| u > now)
                    || f.first_at.is_some_and(|t| (now - t).num_seconds() <= LOGIN_WINDOW_SECS)
            });
        }
        let f = self.0.entry(key.to_string()).or_default();
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

    fn clear(&mut self, key: &str) {
        self.0.remove(key);
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
        let event = AccountEvent::UserCreated { id, org, email, name, roles, password_hash };
        let new = vec![new_event(event.kind(), &event, by.map(|a| a.user), self.now())];
        self.append(&user_stream(id), 0, new, &[], &[]).await?;
        Ok(id)
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

    /// Checks a password and starts a session. Repeated failures for one account are slowed down and
    /// then refused for a while, whatever the password.
    pub async fn login(&self, email: &str, password: &str) -> Result<Login> {
        let key = email.trim().to_lowercase();
        let now = self.now();
        if let Some(wait) = self.login_failures.lock().locked_for(&key, now) {
            return Err(AppError::Throttled(wait));
        }
        let user = {
            let p = self.read();
            p.accounts.users_by_email.get(&key).and_then(|id| p.accounts.users.get(id)).cloned()
        };
        // Verify against a dummy hash when the user does not exist, so timing does not reveal accounts.
        let hash = match user.as_ref() {
            Some(u) => u.password_hash.clone(),
            None => self.dummy_hash().await?,
        };
        let pw = password.to_string();
        let ok = self.with_hash_slot(move || verify_password(&pw, &hash)).await?;
        let Some(user) = user.filter(|_| ok) else {
            self.login_failures.lock().record(&key, now);
            // Slow every failure down a little.
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            return Err(AppError::Unauthenticated("wrong e-mail or password".into()));
        };
        self.login_failures.lock().clear(&key);
        let session_token = self.new_secret();
        let csrf_token = self.new_secret();
        let expires_at = now + Duration::hours(SESSION_HOURS);
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
    /// presented token's [`secret_hash`] with it in constant time).
    pub fn authenticate_session(&self, session_token: &str) -> Option<(Actor, String)> {
        let now = self.now();
        let p = self.read();
        let s = p.accounts.sessions.get(&secret_hash(session_token))?;
        if s.expires_at <= now {
            return None;
        }
        Some((p.accounts.actor(s.user)?, s.csrf_hash.clone()))
    }

    /// The actor behind a bearer API token.
    pub fn authenticate_token(&self, token: &str) -> Option<Actor> {
        let p = self.read();
        let user = *p.accounts.api_tokens.get(&secret_hash(token))?;
        p.accounts.actor(user)
    }

    /// Issues an API token for the actor's own account (machine clients). Returned once.
    pub async fn issue_api_token(&self, actor: &Actor, label: &str) -> Result<String> {
        let label = parse_text("label", label, 100)?;
        let token = format!("ovs_{}", self.new_secret());
        let event = AccountEvent::ApiTokenIssued { token_hash: secret_hash(&token), label };
        self.append_retrying(&user_stream(actor.user), Some(actor.user), &event).await?;
        Ok(token)
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

/// Passwords: at least 12 characters, at most 256, not only blanks, and at least 5 different
/// characters (so "aaaaaaaaaaaa" or twelve spaces are refused).
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
    fn the_throttle_forgets_old_failures_when_it_is_full() {
        let mut f = LoginFailures::default();
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc();
        for i in 0..LOGIN_FAILURES_KEPT {
            f.record(&format!("u{i}"), t0);
        }
        f.record("late", t0 + Duration::hours(1));
        assert!(f.0.len() < 10, "expired entries were dropped: {}", f.0.len());
    }
}
