//! C2SP checkpoints (<https://c2sp.org/tlog-checkpoint>) and witness cosignatures
//! (<https://c2sp.org/tlog-cosignature>, `cosignature/v1` with Ed25519).
//!
//! A checkpoint is the text of a signed note: the log's origin line, the tree size in decimal, the
//! base64 root hash, then optional non-empty extension lines. A cosignature is a note signature by
//! a witness with key id type `0x04`, whose bytes are `8-byte big-endian timestamp ‖ Ed25519
//! signature` over `"cosignature/v1\ntime <timestamp>\n" ‖ checkpoint text`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::hash::Hash;
use crate::note::{
    ALG_COSIGNATURE_V1, KeyId, Note, NoteError, NoteSignature, NoteSigner, NoteVerifier, check_key_name,
    format_verifier_key, hex4, key_id, parse_verifier_key, sign_ed25519, verify_ed25519,
};

/// What can be wrong with a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("checkpoint has fewer than three lines")]
    TooShort,
    #[error("checkpoint origin line is empty")]
    EmptyOrigin,
    #[error("checkpoint tree size {0:?} is not a canonical decimal number")]
    BadSize(String),
    #[error("checkpoint root hash {0:?} is not the base64 of 32 bytes")]
    BadRoot(String),
    #[error("checkpoint extension line {0} is empty")]
    EmptyExtension(usize),
    #[error("checkpoint text must end with a newline")]
    MissingFinalNewline,
}

/// A checkpoint: a signed statement of the log's size and root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Unique identity of the log, conventionally a schema-less URL; also the key name.
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Extra lines after the root, kept verbatim (each non-empty, without its newline).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Checkpoint { origin: origin.to_string(), size, root, extensions: Vec::new() }
    }

    /// The checkpoint text (the body of the signed note), ending with a newline.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root));
        for ext in &self.extensions {
            out.push_str(ext);
            out.push('\n');
        }
        out
    }

    /// Parses a checkpoint text (the body of a note, not the signed note itself).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::MissingFinalNewline)?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(CheckpointError::TooShort);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let canonical = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        let size_value: u64 = canonical
            .then(|| size.parse().ok())
            .flatten()
            .ok_or_else(|| CheckpointError::BadSize(size.to_string()))?;
        let root_value: Hash = B64
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| CheckpointError::BadRoot(root.to_string()))?;
        let mut extensions = Vec::new();
        for (i, ext) in lines.enumerate() {
            if ext.is_empty() {
                return Err(CheckpointError::EmptyExtension(i + 1));
            }
            extensions.push(ext.to_string());
        }
        Ok(Checkpoint { origin: origin.to_string(), size: size_value, root: root_value, extensions })
    }

    /// Signs the checkpoint and returns the signed note.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, CheckpointError> {
        Ok(signer.sign(&self.to_text())?)
    }
}

/// A checkpoint opened from a signed note whose signature was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: Note,
}

/// Parses a signed checkpoint note and verifies it is signed by `log_key`.
pub fn open_checkpoint(msg: &str, log_key: &NoteVerifier) -> Result<SignedCheckpoint, CheckpointError> {
    let note = log_key.open(msg)?;
    let checkpoint = Checkpoint::parse(&note.text)?;
    Ok(SignedCheckpoint { checkpoint, note })
}

fn cosigned_message(timestamp: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

/// A witness's cosigning key (used by tests and by anyone running a witness).
pub struct Cosigner {
    name: String,
    key: SigningKey,
    key_id: KeyId,
}

impl core::fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cosigner").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Cosigner {
    pub fn new(name: &str, secret: &[u8; 32]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(secret);
        let key_id = key_id(name, ALG_COSIGNATURE_V1, key.verifying_key().as_bytes());
        Ok(Cosigner { name: name.to_string(), key, key_id })
    }

    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier { name: self.name.clone(), key_id: self.key_id, key: self.key.verifying_key() }
    }

    /// Cosigns a checkpoint text at `timestamp` (POSIX seconds, supplied by the caller).
    pub fn cosign(&self, checkpoint_text: &str, timestamp: u64) -> NoteSignature {
        let sig = sign_ed25519(&self.key, &cosigned_message(timestamp, checkpoint_text));
        let mut bytes = Vec::with_capacity(72);
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(&sig);
        NoteSignature { name: self.name.clone(), key_id: self.key_id, signature: bytes }
    }
}

/// Verifies `cosignature/v1` signatures of one witness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: KeyId,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// From a witness name and 32-byte Ed25519 public key.
    pub fn new(name: &str, public_key: &[u8; 32]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| NoteError::InvalidPublicKey)?;
        Ok(CosignatureVerifier {
            name: name.to_string(),
            key_id: key_id(name, ALG_COSIGNATURE_V1, public_key),
            key,
        })
    }

    /// From a verifier key string `<name>+<hex key id>+<base64(0x04 ‖ public key)>`.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let (name, alg, key) = parse_verifier_key(vkey)?;
        if alg != ALG_COSIGNATURE_V1 {
            return Err(NoteError::UnsupportedKeyType(alg));
        }
        Self::new(&name, &key)
    }

    pub fn to_vkey(&self) -> String {
        format_verifier_key(&self.name, ALG_COSIGNATURE_V1, self.key.as_bytes())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Looks for this witness's cosignature on the note. Returns `Ok(Some(timestamp))` if present
    /// and valid, `Ok(None)` if the witness did not cosign, and an error if its cosignature is
    /// malformed or does not verify.
    pub fn verify(&self, note: &Note) -> Result<Option<u64>, NoteError> {
        let Some(sig) = note.signatures.iter().find(|s| s.name == self.name && s.key_id == self.key_id)
        else {
            return Ok(None);
        };
        let invalid = || NoteError::InvalidSignature { name: self.name.clone(), key_id: hex4(&self.key_id) };
        if sig.signature.len() != 8 + 64 {
            return Err(invalid());
        }
        let timestamp = u64::from_be_bytes(sig.signature[..8].try_into().expect("8 bytes"));
        let msg = cosigned_message(timestamp, &note.text);
        if !verify_ed25519(&self.key, &msg, &sig.signature[8..]) {
            return Err(invalid());
        }
        Ok(Some(timestamp))
    }
}
