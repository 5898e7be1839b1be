//! Revocation lists: a statement by the authority, with its own short expiry, naming licences and
//! installations whose tokens must stop working at once (before their lease ends).
//!
//! Format: a tagged COSE_Sign1 (EdDSA, `kid` in the protected header) with external AAD
//! `"oversight/attest/v1 revocation"` and payload the CBOR map
//! `{1: issued_at (uint), 2: expires (uint), 3: [licence id (text) ...], 4: [installation key (bstr .size 32) ...], 5: sequence (uint)}`.
//!
//! Like a token, a list is itself logged: its leaf is
//! `oversight/attest/v1 revocation <hex SHA-256 of the list's bytes>\n`, and the verifier accepts
//! it only with a `tlog-proof` satisfying the same witness policy — a secret revocation (or a
//! secretly withheld one) is as visible as a secret token. The sequence number increases with each
//! list; the verifier refuses a list older than one it has seen (replay of a stale list).
//!
//! A list names a licence or an installation; the verifier disables every token of that licence or
//! installation issued at or before the list's `issued_at` (a token issued later means the
//! authority has reinstated it) and remembers this in its state, so that dropping the list later
//! does not bring the product back.

use alloc::string::String;
use alloc::vec::Vec;

use ciborium::value::Value;
use coset::{CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};

use crate::keys::{AuthoritySigner, Fields, as_bytes32, from_cbor, to_cbor, uint};
use crate::token::{TokenError, open_sign1};

/// External AAD bound into every revocation list signature.
pub const REVOCATION_AAD: &[u8] = b"oversight/attest/v1 revocation";

/// The content of a revocation list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RevocationList {
    pub issued_at: u64,
    pub expires: u64,
    pub licences: Vec<String>,
    pub installations: Vec<[u8; 32]>,
    /// Increases with each list the authority publishes.
    pub sequence: u64,
}

/// Why a revocation list is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    #[error("revocation list signature: {0}")]
    Signature(#[from] TokenError),
    #[error("the revocation list's payload is malformed")]
    Malformed,
    #[error("the revocation list expired at {expires}, trusted time is {now}")]
    Expired { expires: u64, now: u64 },
}

impl RevocationList {
    /// Signs the list.
    pub fn sign(&self, signer: &AuthoritySigner) -> Vec<u8> {
        let payload = to_cbor(&Value::Map(alloc::vec![
            (uint(1), uint(self.issued_at)),
            (uint(2), uint(self.expires)),
            (uint(3), Value::Array(self.licences.iter().map(|l| Value::Text(l.clone())).collect())),
            (uint(4), Value::Array(self.installations.iter().map(|k| Value::Bytes(k.to_vec())).collect())),
            (uint(5), uint(self.sequence)),
        ]));
        let protected = HeaderBuilder::new()
            .algorithm(iana::Algorithm::EdDSA)
            .key_id(signer.kid().to_vec())
            .content_type("application/oversight-revocation+cbor".into())
            .build();
        CoseSign1Builder::new()
            .protected(protected)
            .payload(payload)
            .create_signature(REVOCATION_AAD, |m| signer.sign(m))
            .build()
            .to_tagged_vec()
            .expect("a COSE_Sign1 always encodes")
    }

    /// Verifies a list against the trusted authority keys and checks it has not expired at `now`
    /// (the verifier's trusted time).
    pub fn open(bytes: &[u8], trusted: &[[u8; 32]], now: u64) -> Result<RevocationList, RevocationError> {
        let (sign1, _) = open_sign1(bytes, REVOCATION_AAD, trusted)?;
        let fields = sign1
            .payload
            .as_deref()
            .and_then(from_cbor)
            .and_then(Fields::from_value)
            .ok_or(RevocationError::Malformed)?;
        let list = (|| {
            let licences = match fields.get(3)? {
                Value::Array(items) => {
                    items.iter().map(|v| v.as_text().map(String::from)).collect::<Option<_>>()?
                }
                _ => return None,
            };
            let installations = match fields.get(4)? {
                Value::Array(items) => items.iter().map(as_bytes32).collect::<Option<_>>()?,
                _ => return None,
            };
            Some(RevocationList {
                issued_at: fields.u64(1)?,
                expires: fields.u64(2)?,
                licences,
                installations,
                sequence: fields.u64(5)?,
            })
        })()
        .ok_or(RevocationError::Malformed)?;
        if now >= list.expires {
            return Err(RevocationError::Expired { expires: list.expires, now });
        }
        Ok(list)
    }

    /// Whether the list names this licence or installation.
    pub fn names(&self, licence_id: &str, installation_key: &[u8; 32]) -> bool {
        self.licences.iter().any(|l| l == licence_id) || self.installations.contains(installation_key)
    }
}

/// The log leaf that records a revocation list:
/// `oversight/attest/v1 revocation <64 lowercase hex digits of SHA-256(list bytes)>\n`.
pub fn revocation_leaf(list: &[u8]) -> Vec<u8> {
    alloc::format!("{REVOCATION_LEAF_PREFIX}{}\n", crate::keys::hex(&crate::token::token_digest(list)))
        .into_bytes()
}

/// Prefix of the log leaf that records a revocation list.
pub const REVOCATION_LEAF_PREFIX: &str = "oversight/attest/v1 revocation ";
