//! Organisations, users, sessions and API tokens, kept as events like everything else.
//!
//! Streams: `org-<id>` holds an organisation's registration; `user-<id>` holds a user's creation,
//! password changes, sessions started and ended, and API tokens issued and revoked. Secrets are never
//! stored: sessions and tokens are kept as SHA-256 hashes, passwords as argon2id hashes.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use base64::Engine;
use chrono::{DateTime, Utc};
use oversight_domain::{FieldError, OrgId, OrgKind, Role, UserId, parse_text};
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// An event on an organisation or user stream.
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
    SessionStarted {
        session_hash: String,
        csrf_token: String,
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
    /// Stream version, for optimistic concurrency on account changes.
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
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

/// Passwords: at least 12 characters, at most 256.
pub fn check_password(password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < 12 {
        return Err(FieldError::new("password", "must be at least 12 characters"));
    }
    if n > 256 {
        return Err(FieldError::new("password", "must be at most 256 characters"));
    }
    Ok(())
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A fresh random secret (256 bits), URL-safe base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a session id or API token: its SHA-256.
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
        let h = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
        assert!(!verify_password("x", "not a hash"));
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
    fn secrets_are_random_and_hashed() {
        let a = new_secret();
        assert_ne!(a, new_secret());
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }
}
