//! Authority signing keys and their ids, and the small CBOR helpers every statement shares.
//!
//! A key id (`kid`) is the first 8 bytes of `SHA-256("oversight/attest/v1 key\n" ‖ public key)`:
//! stable, derivable by anyone from the public key, and short enough for a COSE header.

use alloc::vec::Vec;

use ciborium::value::{Integer, Value};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// An 8-byte key id.
pub type KeyId = [u8; 8];

/// The key id of an Ed25519 public key.
pub fn key_id(public_key: &[u8; 32]) -> KeyId {
    let mut h = Sha256::new();
    h.update(b"oversight/attest/v1 key\n");
    h.update(public_key);
    let d = h.finalize();
    d[..8].try_into().expect("8 bytes")
}

/// An authority's (or anyone's) Ed25519 signing key. The secret is given by the caller: this
/// crate has no randomness.
pub struct AuthoritySigner {
    key: SigningKey,
    kid: KeyId,
}

impl core::fmt::Debug for AuthoritySigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthoritySigner").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl AuthoritySigner {
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(secret);
        let kid = key_id(key.verifying_key().as_bytes());
        AuthoritySigner { key, kid }
    }

    pub fn kid(&self) -> KeyId {
        self.kid
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub(crate) fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.key.sign(msg).to_bytes().to_vec()
    }
}

/// Verifies an Ed25519 signature strictly (no malleable or small-order encodings).
pub(crate) fn verify_ed25519(public_key: &[u8; 32], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public_key) else { return false };
    Signature::from_slice(sig).is_ok_and(|sig| key.verify_strict(msg, &sig).is_ok())
}

/// Whether 32 bytes are a valid Ed25519 public key (a point on the curve).
pub(crate) fn is_valid_public_key(public_key: &[u8; 32]) -> bool {
    VerifyingKey::from_bytes(public_key).is_ok()
}

pub(crate) fn hex(bytes: &[u8]) -> alloc::string::String {
    use core::fmt::Write;
    let mut s = alloc::string::String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

// --- CBOR helpers: statements are CBOR maps with small integer keys. ---

pub(crate) fn int(i: i64) -> Value {
    Value::Integer(Integer::from(i))
}

pub(crate) fn uint(i: u64) -> Value {
    Value::Integer(Integer::from(i))
}

pub(crate) fn to_cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("writing CBOR to a Vec cannot fail");
    out
}

pub(crate) fn from_cbor(bytes: &[u8]) -> Option<Value> {
    ciborium::from_reader(bytes).ok()
}

/// A CBOR map with integer keys, read field by field.
pub(crate) struct Fields(Vec<(Value, Value)>);

impl Fields {
    pub(crate) fn from_value(value: Value) -> Option<Self> {
        match value {
            Value::Map(entries) => Some(Fields(entries)),
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: i64) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k.as_integer() == Some(Integer::from(key))).map(|(_, v)| v)
    }

    pub(crate) fn u64(&self, key: i64) -> Option<u64> {
        self.get(key)?.as_integer().and_then(|i| u64::try_from(i).ok())
    }

    pub(crate) fn bytes32(&self, key: i64) -> Option<[u8; 32]> {
        self.get(key)?.as_bytes()?.as_slice().try_into().ok()
    }
}

pub(crate) fn as_bytes32(value: &Value) -> Option<[u8; 32]> {
    value.as_bytes()?.as_slice().try_into().ok()
}
