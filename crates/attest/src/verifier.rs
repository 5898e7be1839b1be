//! The offline verifier: decides whether a product may run, from a token, its `tlog-proof`, a
//! witness policy and the state persisted from the previous check.
//!
//! [`Verifier::check`] runs, in order, and stops at the first failure with a [`Reason`]:
//!
//! 1. the local clock is not more than `max_clock_skew` behind its reading at the last accepted
//!    check ([`Reason::ClockWentBack`]);
//! 2. the token is a COSE_Sign1 ([`Reason::Malformed`]) signed by a key of the current trusted
//!    root ([`Reason::UnknownKey`], [`Reason::Forged`]);
//! 3. it names this installation's key ([`Reason::WrongInstallation`]);
//! 4. the proof's checkpoint is signed by a log of the policy ([`Reason::UntrustedCheckpoint`]) and
//!    cosigned by a quorum of its witnesses ([`Reason::NoQuorum`]), and the token's leaf is in that
//!    checkpoint's tree ([`Reason::NotInLog`]);
//! 5. **trusted time** = max(local clock, highest time accepted, newest valid cosignature);
//! 6. a revocation list, if given, is signed, unexpired, logged under the same witness policy and
//!    not older than one seen ([`Reason::BadRevocationList`]), and does not name this licence or
//!    installation, nor did an earlier one ([`Reason::Revoked`]);
//! 7. the sequence number is not below the highest accepted, nor equal with other bytes
//!    ([`Reason::Rollback`]);
//! 8. trusted time is within `[nbf, exp)` → [`Status::Valid`]; within `[exp, exp + grace)` →
//!    [`Status::Grace`]; otherwise [`Status::Disabled`] ([`Reason::NotYetValid`], [`Reason::Expired`]).
//!
//! Every failure is [`Status::Disabled`]: the verifier fails closed. There is deliberately no
//! option that skips expiry. The verifier never reads a clock or writes a file: the embedder
//! passes its clock reading and stores the [`VerifierState`] it gets back.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ciborium::value::Value;
use oversight_tlog::{CheckpointPolicyError, Policy, TlogProof, leaf_hash};

use crate::keys::{Fields, as_bytes32, from_cbor, to_cbor, uint};
use crate::revocation::{RevocationError, RevocationList, revocation_leaf};
use crate::roots::{RootError, TrustedRoot};
use crate::token::{Token, TokenClaims, TokenError, token_leaf};

/// Whether the product may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The token is valid: run.
    Valid,
    /// The lease has ended but the grace period has not: run, and renew urgently.
    Grace,
    /// Do not run.
    Disabled,
}

/// Why the verifier disabled the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The token is not a well-formed COSE_Sign1 with the expected claims.
    Malformed,
    /// The token is signed by a key that is not in the trusted root.
    UnknownKey,
    /// The token's signature does not verify.
    Forged,
    /// The token is bound to another installation's key.
    WrongInstallation,
    /// The `tlog-proof` is malformed.
    BadProof,
    /// The proof's checkpoint is not signed by a log of the policy.
    UntrustedCheckpoint,
    /// The token is not in the log at the proof's index.
    NotInLog,
    /// The checkpoint lacks the witness quorum of the policy.
    NoQuorum,
    /// The token is older than (or different from, with the same sequence number) one accepted.
    Rollback,
    /// The local clock is behind its reading at an earlier accepted check.
    ClockWentBack,
    /// Trusted time is before the token's `nbf`.
    NotYetValid,
    /// The lease and its grace period have ended.
    Expired,
    /// A revocation list names this licence or installation.
    Revoked,
    /// A revocation list was given but is forged, malformed or expired.
    BadRevocationList,
    /// A root statement in a rotation chain is missing, forged or malformed.
    RootChainBroken,
    /// A root statement would take the trusted root back to an older version.
    RootRollback,
}

impl Reason {
    /// Every reason, in a stable order (the C ABI numbers them from 1 in this order).
    pub const ALL: [Reason; 16] = [
        Reason::Malformed,
        Reason::UnknownKey,
        Reason::Forged,
        Reason::WrongInstallation,
        Reason::BadProof,
        Reason::UntrustedCheckpoint,
        Reason::NotInLog,
        Reason::NoQuorum,
        Reason::Rollback,
        Reason::ClockWentBack,
        Reason::NotYetValid,
        Reason::Expired,
        Reason::Revoked,
        Reason::BadRevocationList,
        Reason::RootChainBroken,
        Reason::RootRollback,
    ];

    /// A stable identifier, e.g. `"Expired"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "Malformed",
            Reason::UnknownKey => "UnknownKey",
            Reason::Forged => "Forged",
            Reason::WrongInstallation => "WrongInstallation",
            Reason::BadProof => "BadProof",
            Reason::UntrustedCheckpoint => "UntrustedCheckpoint",
            Reason::NotInLog => "NotInLog",
            Reason::NoQuorum => "NoQuorum",
            Reason::Rollback => "Rollback",
            Reason::ClockWentBack => "ClockWentBack",
            Reason::NotYetValid => "NotYetValid",
            Reason::Expired => "Expired",
            Reason::Revoked => "Revoked",
            Reason::BadRevocationList => "BadRevocationList",
            Reason::RootChainBroken => "RootChainBroken",
            Reason::RootRollback => "RootRollback",
        }
    }
}

impl core::fmt::Display for Reason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the verifier remembers between checks. The embedder persists it (see
/// [`VerifierState::to_bytes`]) and passes it back; losing it loses rollback protection, so it
/// belongs somewhere the product's user cannot easily reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierState {
    /// The authority keys currently trusted (after following any rotations).
    pub root: TrustedRoot,
    /// Highest token sequence number accepted, and the digest of that token.
    pub highest_sequence: Option<(u64, [u8; 32])>,
    /// Highest trusted time at which a token was accepted.
    pub highest_time: u64,
    /// Highest *local clock* reading at which a token was accepted. Kept apart from
    /// `highest_time` so that a device whose clock is merely slow (behind the witnesses'
    /// timestamps) is not mistaken for one whose clock was set back.
    pub highest_clock: u64,
    /// Tokens issued at or before this time are revoked (set by a revocation list).
    pub revoked_at: Option<u64>,
    /// Highest revocation list sequence number seen.
    pub revocation_sequence: Option<u64>,
}

/// The verifier's configuration, fixed by the vendor and the installation.
#[derive(Debug, Clone)]
pub struct Verifier {
    /// Which logs and witness quorum to trust.
    pub policy: Policy,
    /// This installation's Ed25519 public key (from its own key pair).
    pub installation_key: [u8; 32],
    /// Grace after `exp`, in thousandths of the lease (`exp - nbf`); e.g. 250 = a quarter.
    pub grace_permille: u32,
    /// How far the local clock may be behind its reading at the last accepted check before the
    /// verifier refuses with [`Reason::ClockWentBack`] (absorbs small NTP corrections).
    pub max_clock_skew: u64,
}

/// What the product presents at a check.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The token bytes (tagged COSE_Sign1).
    pub token: &'a [u8],
    /// Its `tlog-proof` text.
    pub proof: &'a str,
    /// A revocation list fetched recently (if the product is online) and its `tlog-proof`.
    pub revocation: Option<(&'a [u8], &'a str)>,
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    /// Why, when [`Status::Disabled`].
    pub reason: Option<Reason>,
    /// A human-readable explanation of the reason.
    pub detail: String,
    /// The token's claims, once its signature has verified.
    pub claims: Option<TokenClaims>,
    /// The trusted time the check used.
    pub trusted_time: u64,
    /// When a valid token stops being usable (`exp + grace`).
    pub disabled_after: Option<u64>,
    /// The state to persist (unchanged unless the token was accepted or a revocation applied).
    pub state: VerifierState,
}

impl Verdict {
    /// Whether the product may run.
    pub fn may_run(&self) -> bool {
        matches!(self.status, Status::Valid | Status::Grace)
    }
}

struct Refusal {
    reason: Reason,
    detail: String,
    // Boxed: a refusal travels through every `?` of `run`, and most carry neither.
    claims: Option<Box<TokenClaims>>,
    state: Option<Box<VerifierState>>,
    trusted_time: Option<u64>,
}

fn refuse(reason: Reason, detail: impl ToString) -> Refusal {
    Refusal { reason, detail: detail.to_string(), claims: None, state: None, trusted_time: None }
}

impl VerifierState {
    /// The state of a new installation: it trusts only the pinned root.
    pub fn new(root: TrustedRoot) -> Self {
        VerifierState {
            root,
            highest_sequence: None,
            highest_time: 0,
            highest_clock: 0,
            revoked_at: None,
            revocation_sequence: None,
        }
    }

    /// Follows a chain of root statements (key rotation) from the current root. On success the
    /// new state trusts the last root of the chain; on failure nothing changes.
    pub fn follow_roots<B: AsRef<[u8]>>(&self, chain: &[B]) -> Result<VerifierState, (Reason, RootError)> {
        let root = self.root.follow_chain(chain).map_err(|e| {
            let reason = if matches!(e, RootError::VersionWentBack { .. }) {
                Reason::RootRollback
            } else {
                Reason::RootChainBroken
            };
            (reason, e)
        })?;
        Ok(VerifierState { root, ..self.clone() })
    }

    /// CBOR encoding for the embedder to store:
    /// `{1: root version, 2: threshold, 3: [keys], 4: highest time, ?5: sequence, ?6: token digest,
    /// ?7: revoked_at, ?8: revocation list sequence, 9: highest local clock}`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut map = alloc::vec![
            (uint(1), uint(self.root.version)),
            (uint(2), uint(self.root.threshold as u64)),
            (uint(3), Value::Array(self.root.keys.iter().map(|k| Value::Bytes(k.to_vec())).collect())),
            (uint(4), uint(self.highest_time)),
            (uint(9), uint(self.highest_clock)),
        ];
        if let Some((seq, digest)) = self.highest_sequence {
            map.push((uint(5), uint(seq)));
            map.push((uint(6), Value::Bytes(digest.to_vec())));
        }
        if let Some(r) = self.revoked_at {
            map.push((uint(7), uint(r)));
        }
        if let Some(r) = self.revocation_sequence {
            map.push((uint(8), uint(r)));
        }
        to_cbor(&Value::Map(map))
    }

    /// Reads a state written by [`Self::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let f = from_cbor(bytes).and_then(Fields::from_value)?;
        let keys: Vec<[u8; 32]> = match f.get(3)? {
            Value::Array(items) => items.iter().map(as_bytes32).collect::<Option<_>>()?,
            _ => return None,
        };
        let threshold = usize::try_from(f.u64(2)?).ok().filter(|t| *t >= 1 && *t <= keys.len())?;
        let highest_sequence = match (f.u64(5), f.bytes32(6)) {
            (Some(s), Some(d)) => Some((s, d)),
            (None, None) => None,
            _ => return None,
        };
        Some(VerifierState {
            root: TrustedRoot { version: f.u64(1)?, threshold, keys },
            highest_sequence,
            highest_time: f.u64(4)?,
            highest_clock: f.u64(9)?,
            revoked_at: f.u64(7),
            revocation_sequence: f.u64(8),
        })
    }
}

impl Verifier {
    /// Checks a presented token at local clock reading `now` (POSIX seconds).
    pub fn check(&self, state: &VerifierState, presented: &Presented<'_>, now: u64) -> Verdict {
        match self.run(state, presented, now) {
            Ok(verdict) => verdict,
            Err(r) => Verdict {
                status: Status::Disabled,
                reason: Some(r.reason),
                detail: r.detail,
                claims: r.claims.map(|c| *c),
                trusted_time: r.trusted_time.unwrap_or(now.max(state.highest_time)),
                disabled_after: None,
                state: r.state.map_or_else(|| state.clone(), |s| *s),
            },
        }
    }

    fn run(&self, state: &VerifierState, presented: &Presented<'_>, now: u64) -> Result<Verdict, Refusal> {
        if now.saturating_add(self.max_clock_skew) < state.highest_clock {
            return Err(refuse(
                Reason::ClockWentBack,
                alloc::format!(
                    "the local clock ({now}) is behind its reading at an earlier accepted check ({})",
                    state.highest_clock
                ),
            ));
        }

        let token = Token::open(presented.token, &state.root.keys).map_err(|e| {
            let reason = match e {
                TokenError::Malformed(_) | TokenError::BadClaims(_) => Reason::Malformed,
                TokenError::UnknownKey(_) => Reason::UnknownKey,
                TokenError::BadSignature => Reason::Forged,
            };
            refuse(reason, e)
        })?;
        let claims = token.claims.clone();
        let with_claims = |mut r: Refusal| {
            r.claims = Some(Box::new(claims.clone()));
            r
        };

        if claims.installation_key != self.installation_key {
            return Err(with_claims(refuse(
                Reason::WrongInstallation,
                "the token is bound to another installation's key",
            )));
        }

        let proof =
            TlogProof::parse(presented.proof).map_err(|e| with_claims(refuse(Reason::BadProof, e)))?;
        let witnessed = self.policy.verify_checkpoint(&proof.checkpoint_note).map_err(|e| {
            let reason = match e {
                CheckpointPolicyError::UntrustedLog => Reason::UntrustedCheckpoint,
                CheckpointPolicyError::NoQuorum(_) => Reason::NoQuorum,
                CheckpointPolicyError::Checkpoint(_) => Reason::BadProof,
            };
            with_claims(refuse(reason, e))
        })?;
        proof
            .verify_inclusion(&leaf_hash(&token_leaf(presented.token)))
            .map_err(|e| with_claims(refuse(Reason::NotInLog, e)))?;

        let trusted_time = now.max(state.highest_time).max(witnessed.newest_cosignature.unwrap_or(0));
        // From here on, refusals report the trusted time they were decided at.
        let with_claims = |r: Refusal| Refusal { trusted_time: Some(trusted_time), ..with_claims(r) };

        let mut new_state = state.clone();
        if let Some((list_bytes, list_proof)) = presented.revocation {
            let bad = |detail: String| with_claims(refuse(Reason::BadRevocationList, detail));
            let list = RevocationList::open(list_bytes, &state.root.keys, trusted_time)
                .map_err(|e: RevocationError| bad(e.to_string()))?;
            let list_proof =
                TlogProof::parse(list_proof).map_err(|e| bad(alloc::format!("its proof: {e}")))?;
            self.policy
                .verify_checkpoint(&list_proof.checkpoint_note)
                .map_err(|e| bad(alloc::format!("its checkpoint: {e}")))?;
            list_proof
                .verify_inclusion(&leaf_hash(&revocation_leaf(list_bytes)))
                .map_err(|e| bad(alloc::format!("it is not in the log: {e}")))?;
            if let Some(seen) = state.revocation_sequence
                && list.sequence < seen
            {
                return Err(bad(alloc::format!(
                    "list {} is older than list {seen} already seen",
                    list.sequence
                )));
            }
            new_state.revocation_sequence = Some(list.sequence);
            if list.names(&claims.licence_id, &self.installation_key) {
                new_state.revoked_at = new_state.revoked_at.max(Some(list.issued_at));
            }
        }
        if let Some(revoked_at) = new_state.revoked_at
            && claims.issued_at <= revoked_at
        {
            let mut r = with_claims(refuse(
                Reason::Revoked,
                alloc::format!("the licence or installation was revoked at {revoked_at}"),
            ));
            r.state = Some(Box::new(new_state));
            return Err(r);
        }

        if let Some((highest, digest)) = state.highest_sequence
            && (claims.sequence < highest || (claims.sequence == highest && digest != token.digest))
        {
            return Err(with_claims(refuse(
                Reason::Rollback,
                alloc::format!(
                    "token sequence {} is not newer than the accepted sequence {highest}",
                    claims.sequence
                ),
            )));
        }

        if trusted_time < claims.not_before {
            return Err(with_claims(refuse(
                Reason::NotYetValid,
                alloc::format!("the lease starts at {}, trusted time is {trusted_time}", claims.not_before),
            )));
        }
        let lease = claims.expires - claims.not_before;
        let grace = lease.saturating_mul(u64::from(self.grace_permille)) / 1000;
        let disabled_after = claims.expires.saturating_add(grace);
        let status = if trusted_time < claims.expires {
            Status::Valid
        } else if trusted_time < disabled_after {
            Status::Grace
        } else {
            return Err(with_claims(refuse(
                Reason::Expired,
                alloc::format!(
                    "the lease ended at {} (grace until {disabled_after}), trusted time is {trusted_time}",
                    claims.expires
                ),
            )));
        };

        new_state.highest_sequence = Some((claims.sequence, token.digest));
        new_state.highest_time = trusted_time;
        new_state.highest_clock = state.highest_clock.max(now);
        Ok(Verdict {
            status,
            reason: None,
            detail: String::from(if status == Status::Valid {
                "valid"
            } else {
                "lease ended, in grace period"
            }),
            claims: Some(claims),
            trusted_time,
            disabled_after: Some(disabled_after),
            state: new_state,
        })
    }
}
