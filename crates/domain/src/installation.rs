//! Installations of licensed products and their operating tokens (issue 13 part 3; DOMAIN.md §10).
//!
//! An exporter registers an installation of a product it holds a licence for: the installation's
//! Ed25519 public key (generated on the machine; only the public half leaves it), where it is
//! deployed, and under which of its organisation's licences. A key is registered once, ever. The
//! installation then renews its operating token by signing a fresh challenge (the app checks the
//! signatures); the rules here decide whether a renewal is granted — only while the licence is
//! active and the installation registered — and what the lease is: its length by the licence's
//! tier ([`LeasePolicy`]), never beyond the licence's own expiry, with a sequence number one above
//! the last, and the capabilities the licence's items allow.
//!
//! Stream `installation-<uuid>`; [`decide`], [`decide_renewal`] and [`apply`], time and ids passed
//! in. The token's bytes (signed by the app with the authority key) are recorded in
//! [`InstallationEvent::TokenIssued`], whose log leaf is appended in the same transaction.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    Application, ApplicationId, ControlList, FieldError, LicenceStatus, OrgId, Tier, UserId,
    access::can_see_case,
    lifecycle::Rejection,
    parse_multiline_text, parse_text,
    party::PartyRole,
    roles::{Actor, OrgKind, Role},
};

pub fn stream(id: Uuid) -> String {
    format!("installation-{id}")
}

/// How long a challenge may be answered.
pub const CHALLENGE_SECONDS: i64 = 60;

/// Shortest and longest lease a tier may be configured with.
pub const MIN_LEASE_SECONDS: u64 = 5;
pub const MAX_LEASE_SECONDS: u64 = 30 * 24 * 3600;

/// Lease length per licence tier, in seconds: the more intrusive the technology, the shorter the
/// lease (and the sooner a product stops after its licence does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeasePolicy {
    /// Tier A (interception, intrusion software, monitoring centres): 8 hours by default.
    pub tier_a: u64,
    /// Tier B (bulk analytics, forensics): 24 hours by default.
    pub tier_b: u64,
    /// Tier C (general ICT with surveillance capability): 3 days by default.
    pub tier_c: u64,
}

impl Default for LeasePolicy {
    fn default() -> Self {
        LeasePolicy { tier_a: 8 * 3600, tier_b: 24 * 3600, tier_c: 72 * 3600 }
    }
}

impl LeasePolicy {
    pub fn lease(&self, tier: Tier) -> u64 {
        match tier {
            Tier::A => self.tier_a,
            Tier::B => self.tier_b,
            Tier::C => self.tier_c,
        }
    }

    /// Each lease within [`MIN_LEASE_SECONDS`]..=[`MAX_LEASE_SECONDS`], naming the field.
    pub fn check(&self) -> Result<(), FieldError> {
        for (field, v) in
            [("lease_tier_a", self.tier_a), ("lease_tier_b", self.tier_b), ("lease_tier_c", self.tier_c)]
        {
            if !(MIN_LEASE_SECONDS..=MAX_LEASE_SECONDS).contains(&v) {
                return Err(FieldError::new(
                    field,
                    format!("must be from {MIN_LEASE_SECONDS} to {MAX_LEASE_SECONDS} seconds"),
                ));
            }
        }
        Ok(())
    }
}

/// What the rules need to know of a licence (read from its case by [`LicenceFacts::of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceFacts {
    pub case: ApplicationId,
    pub org: OrgId,
    pub number: String,
    pub status: LicenceStatus,
    pub expires_at: DateTime<Utc>,
    /// The most sensitive tier among the licence's items (A if an item's entry is unknown).
    pub tier: Tier,
    /// The control entries of the licence's items, sorted, each once.
    pub capabilities: Vec<String>,
    pub product: String,
    pub end_user: String,
    pub end_use: String,
}

impl LicenceFacts {
    /// The facts of a case's licence; `None` if the case has no licence.
    pub fn of(case: &Application, control_list: &ControlList) -> Option<LicenceFacts> {
        let licence = case.licence.as_ref()?;
        let tier = case
            .items
            .iter()
            .map(|i| control_list.get(&i.control_code).map_or(Tier::A, |e| e.tier))
            .min()
            .unwrap_or(Tier::A);
        let mut capabilities: Vec<String> = case.items.iter().map(|i| i.control_code.clone()).collect();
        capabilities.sort();
        capabilities.dedup();
        let product = case.items.iter().map(|i| i.description.as_str()).collect::<Vec<_>>().join("; ");
        let end_user = case
            .parties
            .iter()
            .find(|p| p.role == PartyRole::EndUser)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        Some(LicenceFacts {
            case: case.id,
            org: case.org,
            number: licence.number.clone(),
            status: licence.status,
            expires_at: licence.expires_at,
            tier,
            capabilities,
            product,
            end_user,
            end_use: case.end_use.clone(),
        })
    }

    /// Why no token may be issued under this licence at `now`, if it may not.
    pub fn inactive_reason(&self, now: DateTime<Utc>) -> Option<String> {
        let why = match self.status {
            LicenceStatus::Active if now >= self.expires_at => "expired",
            LicenceStatus::Active => return None,
            LicenceStatus::Suspended => "suspended",
            LicenceStatus::Revoked => "revoked",
            LicenceStatus::Expired => "expired",
            LicenceStatus::Surrendered => "surrendered",
        };
        Some(format!("the licence {} is {why}", self.number))
    }
}

/// A token the platform issued to an installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedToken {
    pub sequence: u64,
    pub issued_at: DateTime<Utc>,
    pub not_before: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    /// SHA-256 of the token's bytes (lowercase hex): its log leaf names it.
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Withdrawal {
    pub by: UserId,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// An installation of a licensed product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Installation {
    pub id: Uuid,
    pub org: OrgId,
    /// The case whose licence it runs under.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub case: ApplicationId,
    pub licence_number: String,
    /// The installation's Ed25519 public key, base64 (standard alphabet) of its 32 bytes.
    pub public_key: String,
    /// Where it is deployed (site, operator), in the exporter's words.
    pub deployment: String,
    pub registered_by: UserId,
    pub registered_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
    /// Every token issued to it, oldest first.
    #[serde(default)]
    pub tokens: Vec<IssuedToken>,
    /// The challenge nonces answered (hex), newest last: a challenge is used once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_nonces: Vec<(String, DateTime<Utc>)>,
    /// Number of events applied (the stream version).
    pub version: u64,
}

impl Installation {
    pub fn is_active(&self) -> bool {
        self.withdrawn.is_none()
    }

    /// The sequence number of the last token issued (0 before the first).
    pub fn last_sequence(&self) -> u64 {
        self.tokens.last().map_or(0, |t| t.sequence)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallationCommand {
    Register {
        id: Uuid,
        /// Already decoded and checked to be an Ed25519 point by the caller (base64 of 32 bytes).
        public_key: String,
        deployment: String,
        /// Whether any installation (active or withdrawn) already has this key.
        key_taken: bool,
    },
    Withdraw {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InstallationEvent {
    InstallationRegistered {
        installation: Installation,
    },
    InstallationWithdrawn {
        withdrawal: Withdrawal,
    },
    TokenIssued {
        token: IssuedToken,
        /// The challenge nonce (hex) the installation answered.
        nonce: String,
        /// The token's bytes, base64: the platform can serve it and its proof again.
        bytes: String,
    },
}

impl InstallationEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            InstallationEvent::InstallationRegistered { .. } => "installation_registered",
            InstallationEvent::InstallationWithdrawn { .. } => "installation_withdrawn",
            InstallationEvent::TokenIssued { .. } => "token_issued",
        }
    }
}

/// Only the exporter organisation holding the licence acts on its installations: another
/// organisation (and a partner agency) gets `NotFound`, the authority `Forbidden`.
pub fn require_holder(actor: &Actor, org: OrgId, what: &str) -> Result<(), Rejection> {
    match actor.org_kind {
        OrgKind::Exporter if actor.org == org && actor.has(Role::Exporter) => Ok(()),
        OrgKind::Authority if can_see_case(actor, org) => {
            Err(Rejection::Forbidden(format!("{what} requires the role exporter (the licence holder)")))
        }
        OrgKind::Authority => Err(Rejection::Forbidden(format!("{what} requires the role exporter"))),
        _ => Err(Rejection::NotFound),
    }
}

/// Registering and withdrawing installations.
pub fn decide(
    state: Option<&Installation>,
    cmd: InstallationCommand,
    actor: &Actor,
    licence: &LicenceFacts,
    now: DateTime<Utc>,
) -> Result<Vec<InstallationEvent>, Rejection> {
    match (state, cmd) {
        (None, InstallationCommand::Register { id, public_key, deployment, key_taken }) => {
            require_holder(actor, licence.org, "registering an installation")?;
            let deployment = parse_multiline_text("deployment", &deployment, 500)?;
            let public_key = parse_text("public_key", &public_key, 64)?;
            if key_taken {
                return Err(FieldError::new(
                    "public_key",
                    "this key is already registered (a key is registered once; generate a new key pair)",
                )
                .into());
            }
            if let Some(why) = licence.inactive_reason(now) {
                return Err(Rejection::Blocked(format!("cannot register an installation: {why}")));
            }
            Ok(vec![InstallationEvent::InstallationRegistered {
                installation: Installation {
                    id,
                    org: licence.org,
                    case: licence.case,
                    licence_number: licence.number.clone(),
                    public_key,
                    deployment,
                    registered_by: actor.user,
                    registered_at: now,
                    withdrawn: None,
                    tokens: vec![],
                    used_nonces: vec![],
                    version: 0,
                },
            }])
        }
        (Some(_), InstallationCommand::Register { .. }) => Err(Rejection::AlreadyExists),
        (None, InstallationCommand::Withdraw { .. }) => Err(Rejection::NotFound),
        (Some(i), InstallationCommand::Withdraw { reason }) => {
            require_holder(actor, i.org, "withdrawing an installation")?;
            if i.withdrawn.is_some() {
                return Err(Rejection::Blocked("the installation is already withdrawn".into()));
            }
            let reason = if reason.trim().is_empty() {
                String::new()
            } else {
                parse_multiline_text("reason", &reason, 1000)?
            };
            Ok(vec![InstallationEvent::InstallationWithdrawn {
                withdrawal: Withdrawal { by: actor.user, at: now, reason },
            }])
        }
    }
}

/// A renewal the rules granted: what the token states (the app signs it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub sequence: u64,
    pub issued_at: DateTime<Utc>,
    pub not_before: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub capabilities: Vec<String>,
    pub nonce: String,
}

impl Lease {
    /// The event recording the token signed for this lease.
    pub fn issued(&self, digest: String, bytes: String) -> InstallationEvent {
        InstallationEvent::TokenIssued {
            token: IssuedToken {
                sequence: self.sequence,
                issued_at: self.issued_at,
                not_before: self.not_before,
                expires: self.expires,
                digest,
            },
            nonce: self.nonce.clone(),
            bytes,
        }
    }
}

/// Why a renewal is refused (the installation's signature already verified).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenewalRefused {
    #[error("renewal refused: the installation was withdrawn")]
    Withdrawn,
    #[error("renewal refused: {0}")]
    LicenceInactive(String),
    #[error("renewal refused: the challenge expired at {0}; ask for a new one")]
    ChallengeExpired(DateTime<Utc>),
    #[error("renewal refused: the challenge was already used; ask for a new one")]
    ChallengeReused,
}

/// Whether a renewal is granted to `installation` answering the challenge `nonce` (which expires at
/// `challenge_expires`) under `licence` at `now`, and with what lease.
pub fn decide_renewal(
    installation: &Installation,
    licence: &LicenceFacts,
    nonce: &str,
    challenge_expires: DateTime<Utc>,
    policy: &LeasePolicy,
    now: DateTime<Utc>,
) -> Result<Lease, RenewalRefused> {
    if now >= challenge_expires {
        return Err(RenewalRefused::ChallengeExpired(challenge_expires));
    }
    if installation.used_nonces.iter().any(|(n, _)| n == nonce) {
        return Err(RenewalRefused::ChallengeReused);
    }
    if installation.withdrawn.is_some() {
        return Err(RenewalRefused::Withdrawn);
    }
    if let Some(why) = licence.inactive_reason(now) {
        return Err(RenewalRefused::LicenceInactive(why));
    }
    let lease = Duration::seconds(policy.lease(licence.tier).min(MAX_LEASE_SECONDS) as i64);
    Ok(Lease {
        sequence: installation.last_sequence() + 1,
        issued_at: now,
        not_before: now,
        expires: (now + lease).min(licence.expires_at),
        capabilities: licence.capabilities.clone(),
        nonce: nonce.to_string(),
    })
}

/// Folds an event; a used nonce is forgotten once its challenge could no longer be answered.
pub fn apply(state: Option<Installation>, e: &InstallationEvent) -> Option<Installation> {
    let mut next = match (state, e) {
        (None, InstallationEvent::InstallationRegistered { installation }) => installation.clone(),
        (Some(mut i), InstallationEvent::InstallationWithdrawn { withdrawal }) => {
            i.withdrawn = Some(withdrawal.clone());
            i
        }
        (Some(mut i), InstallationEvent::TokenIssued { token, nonce, .. }) => {
            let horizon = token.issued_at - Duration::seconds(CHALLENGE_SECONDS);
            i.used_nonces.retain(|(_, at)| *at >= horizon);
            i.used_nonces.push((nonce.clone(), token.issued_at));
            i.tokens.push(token.clone());
            i
        }
        (s, _) => return s,
    };
    next.version += 1;
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{authority, exporter_of, licensed_case};

    fn now() -> DateTime<Utc> {
        licensed_case().licence.unwrap().issued_at + Duration::days(10)
    }

    fn facts() -> LicenceFacts {
        LicenceFacts::of(&licensed_case(), ControlList::bundled()).unwrap()
    }

    fn facts_with(status: LicenceStatus) -> LicenceFacts {
        LicenceFacts { status, ..facts() }
    }

    fn register(key_taken: bool) -> InstallationCommand {
        InstallationCommand::Register {
            id: Uuid::from_u128(7),
            public_key: "gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=".into(),
            deployment: "Data centre 2, Oslo; operated by the NPD".into(),
            key_taken,
        }
    }

    fn registered() -> Installation {
        let case = licensed_case();
        let events = decide(None, register(false), &exporter_of(&case), &facts(), now()).unwrap();
        events.iter().fold(None, apply).unwrap()
    }

    fn renewed(i: &Installation, nonce: &str, at: DateTime<Utc>) -> Installation {
        let lease =
            decide_renewal(i, &facts(), nonce, at + Duration::seconds(30), &LeasePolicy::default(), at)
                .unwrap();
        apply(Some(i.clone()), &lease.issued("ab".into(), "AA==".into())).unwrap()
    }

    #[test]
    fn the_licence_holder_registers_an_installation_of_an_active_licence() {
        let i = registered();
        assert_eq!(i.case, licensed_case().id);
        assert_eq!(i.licence_number, facts().number);
        assert!(i.is_active());
        assert_eq!((i.version, i.last_sequence()), (1, 0));
    }

    #[test]
    fn others_cannot_register_or_withdraw() {
        let case = licensed_case();
        let mut other = exporter_of(&case);
        other.org = OrgId(Uuid::from_u128(55));
        assert_eq!(decide(None, register(false), &other, &facts(), now()), Err(Rejection::NotFound));
        let mut pending = exporter_of(&case);
        pending.roles.clear();
        assert_eq!(decide(None, register(false), &pending, &facts(), now()), Err(Rejection::NotFound));
        let officer = authority(&[Role::LicensingOfficer], 20);
        assert!(matches!(
            decide(None, register(false), &officer, &facts(), now()),
            Err(Rejection::Forbidden(_))
        ));
        let admin = authority(&[Role::Administrator], 21);
        assert!(matches!(
            decide(None, register(false), &admin, &facts(), now()),
            Err(Rejection::Forbidden(_))
        ));
        let i = registered();
        let withdraw = || InstallationCommand::Withdraw { reason: String::new() };
        assert_eq!(decide(Some(&i), withdraw(), &other, &facts(), now()), Err(Rejection::NotFound));
        assert!(matches!(
            decide(Some(&i), withdraw(), &officer, &facts(), now()),
            Err(Rejection::Forbidden(_))
        ));
    }

    #[test]
    fn registration_needs_an_active_licence_a_fresh_key_and_a_deployment() {
        let case = licensed_case();
        let exporter = exporter_of(&case);
        for status in [
            LicenceStatus::Suspended,
            LicenceStatus::Revoked,
            LicenceStatus::Expired,
            LicenceStatus::Surrendered,
        ] {
            let err = decide(None, register(false), &exporter, &facts_with(status), now()).unwrap_err();
            assert!(matches!(&err, Rejection::Blocked(m) if m.contains("is ")), "{status:?}: {err}");
        }
        let past = facts().expires_at + Duration::seconds(1);
        assert!(
            matches!(decide(None, register(false), &exporter, &facts(), past), Err(Rejection::Blocked(m)) if m.contains("expired"))
        );
        match decide(None, register(true), &exporter, &facts(), now()) {
            Err(Rejection::Invalid(f)) => assert_eq!(f.field, "public_key"),
            other => panic!("{other:?}"),
        }
        let blank = InstallationCommand::Register {
            id: Uuid::from_u128(7),
            public_key: "k".into(),
            deployment: "  ".into(),
            key_taken: false,
        };
        match decide(None, blank, &exporter, &facts(), now()) {
            Err(Rejection::Invalid(f)) => assert_eq!(f.field, "deployment"),
            other => panic!("{other:?}"),
        }
        let i = registered();
        assert_eq!(
            decide(Some(&i), register(false), &exporter, &facts(), now()),
            Err(Rejection::AlreadyExists)
        );
    }

    #[test]
    fn the_holder_withdraws_once_and_renewal_stops() {
        let case = licensed_case();
        let i = registered();
        let events = decide(
            Some(&i),
            InstallationCommand::Withdraw { reason: "decommissioned".into() },
            &exporter_of(&case),
            &facts(),
            now(),
        )
        .unwrap();
        let mut w = Some(i);
        for e in &events {
            w = apply(w, e);
        }
        let w = w.unwrap();
        assert!(!w.is_active());
        assert_eq!(w.withdrawn.as_ref().unwrap().reason, "decommissioned");
        assert!(matches!(
            decide(
                Some(&w),
                InstallationCommand::Withdraw { reason: String::new() },
                &exporter_of(&case),
                &facts(),
                now()
            ),
            Err(Rejection::Blocked(_))
        ));
        let refused =
            decide_renewal(&w, &facts(), "n", now() + Duration::seconds(5), &LeasePolicy::default(), now());
        assert_eq!(refused, Err(RenewalRefused::Withdrawn));
        assert_eq!(
            decide(
                None,
                InstallationCommand::Withdraw { reason: String::new() },
                &exporter_of(&case),
                &facts(),
                now()
            ),
            Err(Rejection::NotFound)
        );
    }

    #[test]
    fn a_renewal_gets_the_tier_lease_a_higher_sequence_and_the_items_capabilities() {
        let i = registered();
        let policy = LeasePolicy { tier_a: 100, tier_b: 200, tier_c: 300 };
        let f = facts();
        let lease = decide_renewal(&i, &f, "n1", now() + Duration::seconds(30), &policy, now()).unwrap();
        assert_eq!(lease.sequence, 1);
        assert_eq!(lease.expires - lease.not_before, Duration::seconds(policy.lease(f.tier) as i64));
        assert_eq!(lease.capabilities, f.capabilities);
        assert!(!lease.capabilities.is_empty());
        let after = renewed(&i, "n1", now());
        let second = renewed(&after, "n2", now() + Duration::seconds(1));
        assert_eq!(second.tokens.iter().map(|t| t.sequence).collect::<Vec<_>>(), [1, 2]);
        for (tier, secs) in [(Tier::A, 100), (Tier::B, 200), (Tier::C, 300)] {
            let f = LicenceFacts { tier, ..facts() };
            let l = decide_renewal(&i, &f, "x", now() + Duration::seconds(30), &policy, now()).unwrap();
            assert_eq!((l.expires - l.not_before).num_seconds(), secs);
        }
    }

    #[test]
    fn a_lease_never_outlasts_the_licence() {
        let i = registered();
        let f = facts();
        let late = f.expires_at - Duration::seconds(60);
        let lease =
            decide_renewal(&i, &f, "n", late + Duration::seconds(30), &LeasePolicy::default(), late).unwrap();
        assert_eq!(lease.expires, f.expires_at);
    }

    #[test]
    fn renewal_is_refused_with_the_reason_when_the_licence_is_not_active() {
        let i = registered();
        for (status, word) in [
            (LicenceStatus::Suspended, "suspended"),
            (LicenceStatus::Revoked, "revoked"),
            (LicenceStatus::Expired, "expired"),
            (LicenceStatus::Surrendered, "surrendered"),
        ] {
            let r = decide_renewal(
                &i,
                &facts_with(status),
                "n",
                now() + Duration::seconds(5),
                &LeasePolicy::default(),
                now(),
            );
            match r {
                Err(RenewalRefused::LicenceInactive(why)) => assert!(why.contains(word), "{why}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_challenge_is_answered_once_and_before_it_expires() {
        let i = registered();
        let p = LeasePolicy::default();
        let expired = decide_renewal(&i, &facts(), "n1", now(), &p, now());
        assert_eq!(expired, Err(RenewalRefused::ChallengeExpired(now())));
        let after = renewed(&i, "n1", now());
        let again = decide_renewal(&after, &facts(), "n1", now() + Duration::seconds(30), &p, now());
        assert_eq!(again, Err(RenewalRefused::ChallengeReused));
        // Nonces are forgotten once their challenge could no longer be answered.
        let later = renewed(&after, "n2", now() + Duration::seconds(CHALLENGE_SECONDS + 1));
        assert_eq!(later.used_nonces.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["n2"]);
    }

    #[test]
    fn lease_policies_are_checked_and_the_facts_read_from_the_case() {
        assert!(LeasePolicy::default().check().is_ok());
        let bad = LeasePolicy { tier_b: 1, ..LeasePolicy::default() };
        assert_eq!(bad.check().unwrap_err().field, "lease_tier_b");
        let too_long = LeasePolicy { tier_c: MAX_LEASE_SECONDS + 1, ..LeasePolicy::default() };
        assert_eq!(too_long.check().unwrap_err().field, "lease_tier_c");
        let f = facts();
        assert!(!f.end_user.is_empty());
        let mut unlicensed = licensed_case();
        unlicensed.licence = None;
        assert!(LicenceFacts::of(&unlicensed, ControlList::bundled()).is_none());
        assert_eq!(f.inactive_reason(now()), None);
    }

    #[test]
    fn events_round_trip_through_json() {
        let i = registered();
        let e = InstallationEvent::InstallationRegistered { installation: i };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "installation_registered");
        assert_eq!(serde_json::from_value::<InstallationEvent>(json).unwrap(), e);
    }
}
