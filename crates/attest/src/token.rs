//! The operating token: a COSE_Sign1 (RFC 9052) signed with EdDSA whose payload is a CWT claims
//! set (RFC 8392), and the log leaf that records it.
//!
//! | claim | key | value |
//! |---|---|---|
//! | `iss` | 1 | the authority's name (text) |
//! | `sub` | 2 | the licence id (text) |
//! | `exp` | 4 | end of the lease, POSIX seconds |
//! | `nbf` | 5 | start of the lease, POSIX seconds |
//! | `iat` | 6 | issuance time, POSIX seconds |
//! | `cnf` | 8 | `{1: COSE_Key}` (RFC 8747): the installation's Ed25519 key `{1: 1 (OKP), -1: 6 (Ed25519), -2: x}` |
//! | licence number | -65537 | text, as printed on the licence |
//! | capabilities | -65538 | array of text |
//! | sequence | -65539 | unsigned, strictly increasing per installation |
//! | product | -65540 | text: the licensed product |
//! | end user | -65541 | text: the end user the licence names |
//! | end use | -65542 | text: the permitted end use |
//!
//! The protected header holds `alg: EdDSA (-8)`, `kid` (8 bytes, [`crate::keys::key_id`]) and
//! `content-format: application/cwt (61)`. The signature uses the external AAD
//! `"oversight/attest/v1 token"`, so a root statement or revocation list signed by the same key can
//! never be taken for a token (and vice versa). The token travels tagged (CBOR tag 18).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ciborium::value::Value;
use coset::cwt::{ClaimName, ClaimsSet, Timestamp};
use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use sha2::{Digest, Sha256};

use crate::keys::{
    AuthoritySigner, Fields, KeyId, as_bytes32, hex, int, is_valid_public_key, verify_ed25519,
};

/// External AAD bound into every token signature (domain separation from other statements).
pub const TOKEN_AAD: &[u8] = b"oversight/attest/v1 token";
/// Prefix of the log leaf that records a token.
pub const LEAF_PREFIX: &str = "oversight/attest/v1 token ";

const CLAIM_LICENCE_NUMBER: i64 = -65537;
const CLAIM_CAPABILITIES: i64 = -65538;
const CLAIM_SEQUENCE: i64 = -65539;
const CLAIM_PRODUCT: i64 = -65540;
const CLAIM_END_USER: i64 = -65541;
const CLAIM_END_USE: i64 = -65542;

/// What the authority states in a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub issuer: String,
    pub licence_id: String,
    pub licence_number: String,
    /// The installation's Ed25519 public key: the token is useless on any other installation.
    pub installation_key: [u8; 32],
    pub capabilities: Vec<String>,
    /// The licensed product (name and model, as on the licence).
    pub product: String,
    /// The end user the licence names.
    pub end_user: String,
    /// The permitted end use the licence names.
    pub end_use: String,
    pub issued_at: u64,
    pub not_before: u64,
    pub expires: u64,
    pub sequence: u64,
}

/// Why bytes are not a token signed by a trusted key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a COSE_Sign1 token: {0}")]
    Malformed(&'static str),
    #[error("the token is signed by key {0}, which is not a trusted authority key")]
    UnknownKey(String),
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token's claims are malformed: {0}")]
    BadClaims(&'static str),
}

/// A token whose signature has been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub claims: TokenClaims,
    pub kid: KeyId,
    /// SHA-256 of the token's bytes, as named by its log leaf.
    pub digest: [u8; 32],
}

fn timestamp(t: u64) -> Timestamp {
    Timestamp::WholeSeconds(i64::try_from(t).unwrap_or(i64::MAX))
}

fn from_timestamp(t: &Option<Timestamp>) -> Option<u64> {
    match t {
        Some(Timestamp::WholeSeconds(s)) => u64::try_from(*s).ok(),
        _ => None,
    }
}

impl TokenClaims {
    fn to_claims_set(&self) -> ClaimsSet {
        let cose_key = Value::Map(alloc::vec![
            (int(1), int(1)),  // kty: OKP
            (int(-1), int(6)), // crv: Ed25519
            (int(-2), Value::Bytes(self.installation_key.to_vec())),
        ]);
        ClaimsSet {
            issuer: Some(self.issuer.clone()),
            subject: Some(self.licence_id.clone()),
            audience: None,
            expiration_time: Some(timestamp(self.expires)),
            not_before: Some(timestamp(self.not_before)),
            issued_at: Some(timestamp(self.issued_at)),
            cwt_id: None,
            rest: alloc::vec![
                (ClaimName::Assigned(iana::CwtClaimName::Cnf), Value::Map(alloc::vec![(int(1), cose_key)])),
                (ClaimName::PrivateUse(CLAIM_LICENCE_NUMBER), Value::Text(self.licence_number.clone())),
                (
                    ClaimName::PrivateUse(CLAIM_CAPABILITIES),
                    Value::Array(self.capabilities.iter().map(|c| Value::Text(c.clone())).collect()),
                ),
                (ClaimName::PrivateUse(CLAIM_SEQUENCE), crate::keys::uint(self.sequence)),
                (ClaimName::PrivateUse(CLAIM_PRODUCT), Value::Text(self.product.clone())),
                (ClaimName::PrivateUse(CLAIM_END_USER), Value::Text(self.end_user.clone())),
                (ClaimName::PrivateUse(CLAIM_END_USE), Value::Text(self.end_use.clone())),
            ],
        }
    }

    fn from_claims_set(set: ClaimsSet) -> Result<Self, TokenError> {
        let bad = TokenError::BadClaims;
        let rest = |name: ClaimName| set.rest.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        let cnf = rest(ClaimName::Assigned(iana::CwtClaimName::Cnf)).ok_or(bad("no cnf claim"))?;
        let cose_key =
            Fields::from_value(cnf).and_then(|f| f.get(1).cloned()).ok_or(bad("cnf has no COSE_Key"))?;
        let key = Fields::from_value(cose_key).ok_or(bad("cnf key is not a map"))?;
        if key.get(1).and_then(|v| v.as_integer()) != Some(1.into())
            || key.get(-1).and_then(|v| v.as_integer()) != Some(6.into())
        {
            return Err(bad("the installation key is not an Ed25519 OKP key"));
        }
        let installation_key =
            key.get(-2).and_then(as_bytes32).ok_or(bad("the installation key is not 32 bytes"))?;
        if !is_valid_public_key(&installation_key) {
            return Err(bad("the installation key is not a valid Ed25519 point"));
        }
        let capabilities = match rest(ClaimName::PrivateUse(CLAIM_CAPABILITIES)) {
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| v.into_text().map_err(|_| bad("a capability is not text")))
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(bad("no capabilities claim")),
        };
        let text = |key: i64, missing: &'static str| {
            rest(ClaimName::PrivateUse(key)).and_then(|v| v.into_text().ok()).ok_or(bad(missing))
        };
        let claims = TokenClaims {
            issuer: set.issuer.clone().ok_or(bad("no iss claim"))?,
            licence_id: set.subject.clone().ok_or(bad("no sub claim (licence id)"))?,
            licence_number: text(CLAIM_LICENCE_NUMBER, "no licence number claim")?,
            installation_key,
            capabilities,
            product: text(CLAIM_PRODUCT, "no product claim")?,
            end_user: text(CLAIM_END_USER, "no end user claim")?,
            end_use: text(CLAIM_END_USE, "no end use claim")?,
            issued_at: from_timestamp(&set.issued_at).ok_or(bad("no iat claim"))?,
            not_before: from_timestamp(&set.not_before).ok_or(bad("no nbf claim"))?,
            expires: from_timestamp(&set.expiration_time).ok_or(bad("no exp claim"))?,
            sequence: rest(ClaimName::PrivateUse(CLAIM_SEQUENCE))
                .and_then(|v| v.as_integer().and_then(|i| u64::try_from(i).ok()))
                .ok_or(bad("no sequence claim"))?,
        };
        if claims.expires <= claims.not_before {
            return Err(bad("exp is not after nbf"));
        }
        Ok(claims)
    }
}

/// Issues a token: signs `claims` with `signer`. Pure: time and keys are the caller's.
pub fn issue(claims: &TokenClaims, signer: &AuthoritySigner) -> Vec<u8> {
    let payload = claims.to_claims_set().to_vec().expect("claims always encode");
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(signer.kid().to_vec())
        .content_format(iana::CoapContentFormat::Cwt)
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(TOKEN_AAD, |msg| signer.sign(msg))
        .build()
        .to_tagged_vec()
        .expect("a COSE_Sign1 always encodes")
}

/// Reads the `kid` and `alg` of a COSE_Sign1 and checks its signature against the trusted key
/// with that id. Shared by tokens and revocation lists.
pub(crate) fn open_sign1(
    bytes: &[u8],
    aad: &[u8],
    trusted: &[[u8; 32]],
) -> Result<(CoseSign1, KeyId), TokenError> {
    let sign1 =
        CoseSign1::from_tagged_slice(bytes).map_err(|_| TokenError::Malformed("not a tagged COSE_Sign1"))?;
    let protected = &sign1.protected.header;
    if protected.alg != Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA)) {
        return Err(TokenError::Malformed("the protected header's alg is not EdDSA"));
    }
    let kid: KeyId = protected
        .key_id
        .as_slice()
        .try_into()
        .map_err(|_| TokenError::Malformed("the protected kid is not 8 bytes"))?;
    let key = trusted
        .iter()
        .find(|k| crate::keys::key_id(k) == kid)
        .ok_or_else(|| TokenError::UnknownKey(hex(&kid)))?;
    sign1
        .verify_signature(aad, |sig, msg| if verify_ed25519(key, msg, sig) { Ok(()) } else { Err(()) })
        .map_err(|()| TokenError::BadSignature)?;
    Ok((sign1, kid))
}

impl Token {
    /// Parses a token and verifies its signature against the authority keys in `trusted`.
    pub fn open(bytes: &[u8], trusted: &[[u8; 32]]) -> Result<Token, TokenError> {
        let (sign1, kid) = open_sign1(bytes, TOKEN_AAD, trusted)?;
        let payload = sign1.payload.ok_or(TokenError::Malformed("the token has no payload"))?;
        let set =
            ClaimsSet::from_slice(&payload).map_err(|_| TokenError::BadClaims("not a CWT claims set"))?;
        Ok(Token { claims: TokenClaims::from_claims_set(set)?, kid, digest: token_digest(bytes) })
    }
}

/// SHA-256 of a token's bytes.
pub fn token_digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

/// The log leaf that records a token: the ASCII line
/// `oversight/attest/v1 token <64 lowercase hex digits of SHA-256(token bytes)>\n`.
/// The platform appends exactly these bytes; the Merkle leaf hash is RFC 6962's
/// `SHA-256(0x00 ‖ leaf)`.
pub fn token_leaf(token: &[u8]) -> Vec<u8> {
    format!("{LEAF_PREFIX}{}\n", hex(&token_digest(token))).into_bytes()
}

/// A short printable form of a key id.
pub fn kid_hex(kid: &KeyId) -> String {
    hex(kid).to_string()
}
