//! Read models, folded from the global event log. Rebuilt from scratch on start and kept current by
//! applying every newly stored event in sequence order (from this node or, on PostgreSQL, others).

use chrono::{DateTime, Utc};
use oversight_domain::{
    Application, ApplicationId, OrgId, UserId,
    lifecycle::{Event, Recorded, apply},
};
use oversight_store::StoredEvent;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

use crate::accounts::{AccountEvent, Org, Session, User};

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
    /// The event as stored (internal notes included: only the authority sees full history).
    pub event: serde_json::Value,
}

#[derive(Debug, Default)]
pub struct Projections {
    pub last_seq: u64,
    pub orgs: HashMap<OrgId, Org>,
    pub users: HashMap<UserId, User>,
    pub users_by_email: HashMap<String, UserId>,
    pub sessions: HashMap<String, Session>,
    pub api_tokens: HashMap<String, UserId>,
    /// Cases, ordered by id (ids are UUIDv7, so by creation time).
    pub applications: BTreeMap<ApplicationId, Application>,
    pub history: HashMap<ApplicationId, Vec<HistoryEntry>>,
    /// The public register, folded from the transparency log's leaves (`crate::register`).
    pub register: crate::register::RegisterProjection,
    /// Restricted-party lists, alerts and adjudications (`crate::screening`).
    pub screening: crate::screening::ScreeningProjection,
    /// Assessments, HRIAs and the evidence register (`crate::assessment`).
    pub assessments: crate::assessment::AssessmentProjection,
}

impl Projections {
    /// Folds one stored event. Events arrive in `seq` order; an event already seen is ignored.
    pub fn apply(&mut self, e: &StoredEvent) -> anyhow::Result<()> {
        if e.seq <= self.last_seq {
            return Ok(());
        }
        self.last_seq = e.seq;
        let actor: Option<UserId> = e.actor.as_deref().and_then(|a| a.parse().ok());
        if let Some(rest) = e.stream_id.strip_prefix("application-") {
            let id: ApplicationId =
                rest.parse().map_err(|_| anyhow::anyhow!("bad stream id {}", e.stream_id))?;
            let event: Event = serde_json::from_value(e.payload.clone())
                .map_err(|err| anyhow::anyhow!("event {} ({}): {err}", e.seq, e.kind))?;
            let rec =
                Recorded { actor: actor.unwrap_or(UserId(uuid::Uuid::nil())), at: e.recorded_at, event };
            let state = self.applications.remove(&id);
            if let Some(next) = apply(state, &rec) {
                self.applications.insert(id, next);
            }
            let actor_name = actor.and_then(|a| self.users.get(&a)).map(|u| u.name.clone());
            self.history.entry(id).or_default().push(HistoryEntry {
                seq: e.seq,
                version: e.version,
                kind: e.kind.clone(),
                actor: e.actor.clone(),
                actor_name,
                at: e.recorded_at,
                event: e.payload.clone(),
            });
        } else if e.stream_id.starts_with("org-") || e.stream_id.starts_with("user-") {
            let event: AccountEvent = serde_json::from_value(e.payload.clone())
                .map_err(|err| anyhow::anyhow!("event {} ({}): {err}", e.seq, e.kind))?;
            self.apply_account(&e.stream_id, e.version, event);
        }
        // Every capability folds the events it cares about (they ignore the rest).
        self.screening.apply(e)?;
        self.assessments.apply(e)?;
        Ok(())
    }

    fn apply_account(&mut self, stream: &str, version: u64, event: AccountEvent) {
        let user_id: Option<UserId> = stream.strip_prefix("user-").and_then(|s| s.parse().ok());
        match event {
            AccountEvent::OrgRegistered { id, name, kind, country } => {
                self.orgs.insert(id, Org { id, name, kind, country });
            }
            AccountEvent::UserCreated { id, org, email, name, roles, password_hash } => {
                self.users_by_email.insert(email.clone(), id);
                self.users.insert(id, User { id, org, email, name, roles, password_hash, version });
            }
            AccountEvent::PasswordChanged { password_hash } => {
                if let Some(u) = user_id.and_then(|id| self.users.get_mut(&id)) {
                    u.password_hash = password_hash;
                }
            }
            AccountEvent::SessionStarted { session_hash, csrf_token, expires_at } => {
                if let Some(user) = user_id {
                    self.sessions.insert(session_hash, Session { user, csrf_token, expires_at });
                }
            }
            AccountEvent::SessionEnded { session_hash } => {
                self.sessions.remove(&session_hash);
            }
            AccountEvent::ApiTokenIssued { token_hash, .. } => {
                if let Some(user) = user_id {
                    self.api_tokens.insert(token_hash, user);
                }
            }
            AccountEvent::ApiTokenRevoked { token_hash } => {
                self.api_tokens.remove(&token_hash);
            }
        }
        if let Some(u) = user_id.and_then(|id| self.users.get_mut(&id)) {
            u.version = version;
        }
    }
}
