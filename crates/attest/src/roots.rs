//! Authority key rotation with chained roots, in the manner of TUF: a root statement lists the
//! authority keys (and how many of them must sign the next root); root `n + 1` is valid only if
//! signed by a threshold of root `n`'s keys *and* a threshold of its own keys. A verifier pinned to
//! root 1 can thus follow any number of rotations without a software update, and refuses a chain
//! with a gap, a bad signature or a version going back.
//!
//! Format: a tagged COSE_Sign (CBOR tag 98, RFC 9052 §4.1) with one signature per signing key
//! (each with `alg: EdDSA` and its `kid` in the signature's protected header), external AAD
//! `"oversight/attest/v1 root"`, and payload the CBOR map
//! `{1: version (uint, from 1), 2: threshold (uint ≥ 1), 3: [bstr .size 32 ...] (the keys)}`.

use alloc::vec::Vec;

use ciborium::value::Value;
use coset::{CoseSign, CoseSignBuilder, CoseSignatureBuilder, HeaderBuilder, TaggedCborSerializable, iana};

use crate::keys::{
    AuthoritySigner, Fields, as_bytes32, from_cbor, is_valid_public_key, key_id, to_cbor, uint,
    verify_ed25519,
};

/// External AAD bound into every root signature.
pub const ROOT_AAD: &[u8] = b"oversight/attest/v1 root";

/// Why a root statement, or a chain of them, is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RootError {
    #[error("the root statement is malformed: {0}")]
    Malformed(&'static str),
    #[error("root version {got} does not follow version {current}: the chain has a gap")]
    Gap { current: u64, got: u64 },
    #[error("root version {got} is not newer than the trusted version {current}")]
    VersionWentBack { current: u64, got: u64 },
    #[error("root version {version} is signed by {signed} of the {which} keys, {needed} needed")]
    NotEnoughSignatures { version: u64, which: &'static str, signed: usize, needed: usize },
}

/// A verified root: the set of authority keys currently trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedRoot {
    pub version: u64,
    pub threshold: usize,
    pub keys: Vec<[u8; 32]>,
}

/// The content of a root statement, before it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootStatement {
    pub version: u64,
    pub threshold: usize,
    pub keys: Vec<[u8; 32]>,
}

impl RootStatement {
    fn payload(&self) -> Vec<u8> {
        to_cbor(&Value::Map(alloc::vec![
            (uint(1), uint(self.version)),
            (uint(2), uint(self.threshold as u64)),
            (uint(3), Value::Array(self.keys.iter().map(|k| Value::Bytes(k.to_vec())).collect())),
        ]))
    }

    /// Signs the statement with each of `signers` (for root `n + 1`: enough keys of root `n` and of
    /// root `n + 1`; for root 1: enough of its own keys).
    pub fn sign(&self, signers: &[&AuthoritySigner]) -> Vec<u8> {
        let mut builder = CoseSignBuilder::new()
            .protected(HeaderBuilder::new().content_type("application/oversight-root+cbor".into()).build())
            .payload(self.payload());
        for s in signers {
            let header =
                HeaderBuilder::new().algorithm(iana::Algorithm::EdDSA).key_id(s.kid().to_vec()).build();
            let sig = CoseSignatureBuilder::new().protected(header).build();
            builder = builder.add_created_signature(sig, ROOT_AAD, |m| s.sign(m));
        }
        builder.build().to_tagged_vec().expect("a COSE_Sign always encodes")
    }
}

struct ParsedRoot {
    sign: CoseSign,
    statement: RootStatement,
}

fn parse(bytes: &[u8]) -> Result<ParsedRoot, RootError> {
    let sign =
        CoseSign::from_tagged_slice(bytes).map_err(|_| RootError::Malformed("not a tagged COSE_Sign"))?;
    let payload = sign.payload.as_deref().ok_or(RootError::Malformed("no payload"))?;
    let fields = from_cbor(payload)
        .and_then(Fields::from_value)
        .ok_or(RootError::Malformed("payload is not a map"))?;
    let version = fields.u64(1).filter(|v| *v >= 1).ok_or(RootError::Malformed("bad version"))?;
    let threshold = fields.u64(2).filter(|t| *t >= 1).ok_or(RootError::Malformed("bad threshold"))? as usize;
    let keys: Vec<[u8; 32]> = match fields.get(3) {
        Some(Value::Array(items)) => items
            .iter()
            .map(as_bytes32)
            .collect::<Option<_>>()
            .ok_or(RootError::Malformed("a key is not 32 bytes"))?,
        _ => return Err(RootError::Malformed("no key list")),
    };
    if keys.iter().any(|k| !is_valid_public_key(k)) {
        return Err(RootError::Malformed("a key is not a valid Ed25519 point"));
    }
    if keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k)) {
        return Err(RootError::Malformed("a key is listed twice"));
    }
    if threshold > keys.len() {
        return Err(RootError::Malformed("threshold larger than the number of keys"));
    }
    Ok(ParsedRoot { sign, statement: RootStatement { version, threshold, keys } })
}

/// How many distinct keys of `keys` produced a valid signature on the statement.
fn count_signers(parsed: &ParsedRoot, keys: &[[u8; 32]]) -> usize {
    keys.iter()
        .filter(|key| {
            let kid = key_id(key);
            parsed.sign.signatures.iter().enumerate().any(|(i, s)| {
                s.protected.header.key_id.as_slice() == kid
                    && s.protected.header.alg
                        == Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA))
                    && parsed
                        .sign
                        .verify_signature(i, ROOT_AAD, |sig, msg| {
                            verify_ed25519(key, msg, sig).then_some(()).ok_or(())
                        })
                        .is_ok()
            })
        })
        .count()
}

fn require(
    parsed: &ParsedRoot,
    keys: &[[u8; 32]],
    needed: usize,
    which: &'static str,
) -> Result<(), RootError> {
    let signed = count_signers(parsed, keys);
    if signed < needed {
        return Err(RootError::NotEnoughSignatures {
            version: parsed.statement.version,
            which,
            signed,
            needed,
        });
    }
    Ok(())
}

impl TrustedRoot {
    /// The root a verifier is shipped with (pinned by the vendor): it must be signed by a
    /// threshold of its own keys. Any version may be pinned.
    pub fn pinned(bytes: &[u8]) -> Result<TrustedRoot, RootError> {
        let parsed = parse(bytes)?;
        let s = &parsed.statement;
        require(&parsed, &s.keys, s.threshold, "its own")?;
        Ok(TrustedRoot { version: s.version, threshold: s.threshold, keys: s.keys.clone() })
    }

    /// Follows one rotation: `next` must be version `self.version + 1`, signed by a threshold of
    /// this root's keys and a threshold of its own.
    pub fn follow(&self, next: &[u8]) -> Result<TrustedRoot, RootError> {
        let parsed = parse(next)?;
        let s = &parsed.statement;
        if s.version <= self.version {
            return Err(RootError::VersionWentBack { current: self.version, got: s.version });
        }
        if s.version != self.version + 1 {
            return Err(RootError::Gap { current: self.version, got: s.version });
        }
        require(&parsed, &self.keys, self.threshold, "previous root's")?;
        require(&parsed, &s.keys, s.threshold, "new root's own")?;
        Ok(TrustedRoot { version: s.version, threshold: s.threshold, keys: s.keys.clone() })
    }

    /// Follows a chain of root statements in order. A statement whose version is the current one
    /// or older is refused (it may be an attempt to roll the keys back).
    pub fn follow_chain<B: AsRef<[u8]>>(&self, chain: &[B]) -> Result<TrustedRoot, RootError> {
        let mut root = self.clone();
        for next in chain {
            root = root.follow(next.as_ref())?;
        }
        Ok(root)
    }
}
