//! C2SP signed notes (<https://c2sp.org/signed-note>) with Ed25519 keys.
//!
//! A signed note is a UTF-8 text ending in a newline, a blank line, then one or more lines
//! `— <key name> <base64(4-byte key id ‖ signature)>`. The key id is the first 4 bytes of
//! `SHA-256(name ‖ "\n" ‖ type ‖ public key)`, with type `0x01` for Ed25519 note signatures
//! (and `0x04` for the witness cosignatures of [`crate::checkpoint`]). A verifier key is written
//! `<name>+<8 hex digits of key id>+<base64(type ‖ public key)>`.
//!
//! Signing needs a 32-byte Ed25519 secret given by the caller: this crate has no randomness.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Signature type byte of Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;
/// Signature type byte of `cosignature/v1` witness cosignatures.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Signature lines beyond this are refused, as a bound on work (the Go implementation's limit).
pub const MAX_SIGNATURES: usize = 100;

const SIG_PREFIX: &str = "\u{2014} ";

/// A 4-byte key id.
pub type KeyId = [u8; 4];

/// Everything that can be wrong with a note, a key or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("note has no blank line separating the text from the signatures")]
    MissingSignatures,
    #[error("note text is empty")]
    EmptyText,
    #[error("note text contains the control character U+{0:04X}")]
    ControlCharacter(u32),
    #[error("note does not end with a newline")]
    MissingFinalNewline,
    #[error("signature line {line} is malformed: {reason}")]
    MalformedSignatureLine { line: usize, reason: &'static str },
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    #[error("signature by {name} (key id {key_id}) does not verify")]
    InvalidSignature { name: String, key_id: String },
    #[error("note is not signed by any trusted key (found signatures by: {found})")]
    NoTrustedSignature { found: String },
    #[error("key name {0:?} is invalid: it must be non-empty, without spaces or '+'")]
    InvalidKeyName(String),
    #[error("verifier key is malformed: {0}")]
    MalformedVerifierKey(&'static str),
    #[error("verifier key id {stated} does not match its name and public key (expected {computed})")]
    KeyIdMismatch { stated: String, computed: String },
    #[error("unsupported key type 0x{0:02x}")]
    UnsupportedKeyType(u8),
    #[error("public key is not a valid Ed25519 point")]
    InvalidPublicKey,
}

/// Key id for `name`, signature `type` and 32-byte public key.
pub fn key_id(name: &str, alg: u8, public_key: &[u8; 32]) -> KeyId {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg]);
    h.update(public_key);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

pub(crate) fn hex4(id: &KeyId) -> String {
    format!("{:02x}{:02x}{:02x}{:02x}", id[0], id[1], id[2], id[3])
}

/// Key names are free-form but must not break the line and key formats.
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(NoteError::InvalidKeyName(name.to_string()));
    }
    Ok(())
}

/// Formats a verifier key string `<name>+<hex key id>+<base64(type ‖ public key)>`.
pub fn format_verifier_key(name: &str, alg: u8, public_key: &[u8; 32]) -> String {
    let mut raw = Vec::with_capacity(33);
    raw.push(alg);
    raw.extend_from_slice(public_key);
    format!("{}+{}+{}", name, hex4(&key_id(name, alg, public_key)), B64.encode(raw))
}

/// Parses a verifier key string into `(name, type, public key)`, checking the key id.
pub fn parse_verifier_key(vkey: &str) -> Result<(String, u8, [u8; 32]), NoteError> {
    parse_key_parts(vkey.trim(), true)
}

/// Splits `<name>+<hex id>+<base64(type ‖ 32 bytes)>`; checks the id when the bytes are a public key.
fn parse_key_parts(vkey: &str, check_id: bool) -> Result<(String, u8, [u8; 32]), NoteError> {
    // Split from the left: names cannot contain '+', but base64 can.
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::MalformedVerifierKey("expected <name>+<key id>+<key>"));
    };
    check_key_name(name)?;
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::MalformedVerifierKey("key id must be 8 hex digits"));
    }
    let raw = B64.decode(b64).map_err(|_| NoteError::MalformedVerifierKey("key is not valid base64"))?;
    let Some((&alg, key)) = raw.split_first() else {
        return Err(NoteError::MalformedVerifierKey("key is empty"));
    };
    if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
        return Err(NoteError::UnsupportedKeyType(alg));
    }
    let key: [u8; 32] =
        key.try_into().map_err(|_| NoteError::MalformedVerifierKey("Ed25519 public key must be 32 bytes"))?;
    let computed = hex4(&key_id(name, alg, &key));
    if check_id && !computed.eq_ignore_ascii_case(hex) {
        return Err(NoteError::KeyIdMismatch { stated: hex.to_string(), computed });
    }
    Ok((name.to_string(), alg, key))
}

/// One signature line of a note, as parsed (not yet verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: KeyId,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears in a note, including the final newline.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id);
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }
}

/// A parsed note: its signed text and its signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The signed text, ending with a newline.
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

impl Note {
    /// Parses a signed note without verifying anything but its form.
    pub fn parse(msg: &str) -> Result<Note, NoteError> {
        if let Some(c) = msg.chars().find(|&c| c.is_control() && c != '\n') {
            return Err(NoteError::ControlCharacter(c as u32));
        }
        let split = msg.rfind("\n\n").ok_or(NoteError::MissingSignatures)?;
        let (text, sigs) = (&msg[..split + 1], &msg[split + 2..]);
        if text.len() <= 1 {
            return Err(NoteError::EmptyText);
        }
        if sigs.is_empty() {
            return Err(NoteError::MissingSignatures);
        }
        if !sigs.ends_with('\n') {
            return Err(NoteError::MissingFinalNewline);
        }
        let mut signatures = Vec::new();
        for (i, line) in sigs[..sigs.len() - 1].split('\n').enumerate() {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
            signatures.push(parse_signature_line(i + 1, line)?);
        }
        Ok(Note { text: text.to_string(), signatures })
    }

    /// The note as text: the signed text, a blank line, the signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.to_line());
        }
        out
    }

    /// Verifies the note against trusted keys: every signature by a trusted key (same name and
    /// key id) must verify, and at least one must be present. Signatures by other keys are
    /// ignored, as the format requires (they may be witnesses the caller does not know).
    /// Returns the names of the trusted keys that signed.
    pub fn verify(&self, trusted: &[NoteVerifier]) -> Result<Vec<String>, NoteError> {
        let mut signed_by = Vec::new();
        for sig in &self.signatures {
            let Some(v) = trusted.iter().find(|v| v.name == sig.name && v.key_id == sig.key_id) else {
                continue;
            };
            if !v.verify_raw(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::InvalidSignature {
                    name: sig.name.clone(),
                    key_id: hex4(&sig.key_id),
                });
            }
            if !signed_by.contains(&v.name) {
                signed_by.push(v.name.clone());
            }
        }
        if signed_by.is_empty() {
            let found: Vec<String> =
                self.signatures.iter().map(|s| format!("{}+{}", s.name, hex4(&s.key_id))).collect();
            return Err(NoteError::NoTrustedSignature { found: found.join(", ") });
        }
        Ok(signed_by)
    }
}

fn parse_signature_line(line_no: usize, line: &str) -> Result<NoteSignature, NoteError> {
    let malformed = |reason| NoteError::MalformedSignatureLine { line: line_no, reason };
    let rest =
        line.strip_prefix(SIG_PREFIX).ok_or(malformed("does not start with an em dash and a space"))?;
    let (name, b64) = rest.split_once(' ').ok_or(malformed("expected a key name and a signature"))?;
    if check_key_name(name).is_err() {
        return Err(malformed("invalid key name"));
    }
    let raw = B64.decode(b64).map_err(|_| malformed("signature is not valid base64"))?;
    if raw.len() < 5 {
        return Err(malformed("signature is shorter than a key id plus one byte"));
    }
    Ok(NoteSignature {
        name: name.to_string(),
        key_id: [raw[0], raw[1], raw[2], raw[3]],
        signature: raw[4..].to_vec(),
    })
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() || text == "\n" {
        return Err(NoteError::EmptyText);
    }
    if !text.ends_with('\n') {
        return Err(NoteError::MissingFinalNewline);
    }
    if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
        return Err(NoteError::ControlCharacter(c as u32));
    }
    if text.contains("\n\n") {
        // A blank line inside the text would be taken for the start of the signatures.
        return Err(NoteError::MalformedSignatureLine {
            line: 0,
            reason: "note text must not contain a blank line",
        });
    }
    Ok(())
}

/// An Ed25519 note signer: a key name and a secret key.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    key_id: KeyId,
}

impl core::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print the secret key.
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &hex4(&self.key_id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// A signer from a key name and 32 secret bytes (an Ed25519 seed; give it fresh randomness).
    pub fn new(name: &str, secret: &[u8; 32]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(secret);
        let key_id = key_id(name, ALG_ED25519, key.verifying_key().as_bytes());
        Ok(NoteSigner { name: name.to_string(), key, key_id })
    }

    /// Parses a signer key string `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ secret)>`, the
    /// format of Go's `golang.org/x/mod/sumdb/note`, convenient for a key file.
    pub fn from_signer_key(skey: &str) -> Result<Self, NoteError> {
        let rest = skey
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedVerifierKey("signer key must start with PRIVATE+KEY+"))?;
        let (name, alg, secret) = parse_key_parts(rest, false)?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedKeyType(alg));
        }
        let signer = Self::new(&name, &secret)?;
        let stated = rest.split('+').nth(1).unwrap_or_default();
        let computed = hex4(&signer.key_id);
        if !computed.eq_ignore_ascii_case(stated) {
            return Err(NoteError::KeyIdMismatch { stated: stated.to_string(), computed });
        }
        Ok(signer)
    }

    /// The signer key string `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ secret)>`. It holds
    /// the secret: write it only to a file readable by the authority's service.
    pub fn to_signer_key(&self) -> String {
        let mut raw = Vec::with_capacity(33);
        raw.push(ALG_ED25519);
        raw.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{}+{}", self.name, hex4(&self.key_id), B64.encode(raw))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The matching verifier.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier { name: self.name.clone(), key_id: self.key_id, key: self.key.verifying_key() }
    }

    /// The verifier key string `<name>+<hex key id>+<base64(0x01 ‖ public key)>` to publish.
    pub fn verifier_key(&self) -> String {
        format_verifier_key(&self.name, ALG_ED25519, &self.public_key())
    }

    /// Signs `text` (non-empty, ending in a newline, no blank line) and returns the signature.
    pub fn sign_text(&self, text: &str) -> Result<NoteSignature, NoteError> {
        check_text(text)?;
        let sig: Signature = self.key.sign(text.as_bytes());
        Ok(NoteSignature { name: self.name.clone(), key_id: self.key_id, signature: sig.to_bytes().to_vec() })
    }

    /// Signs `text` and returns the complete signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        let sig = self.sign_text(text)?;
        Ok(Note { text: text.to_string(), signatures: alloc::vec![sig] }.to_text())
    }
}

/// An Ed25519 note verifier: a key name, key id and public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: KeyId,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses a verifier key string `<name>+<hex key id>+<base64(0x01 ‖ public key)>`.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let (name, alg, key) = parse_verifier_key(vkey)?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedKeyType(alg));
        }
        Self::from_public_key(&name, &key)
    }

    /// A verifier from a key name and a 32-byte Ed25519 public key.
    pub fn from_public_key(name: &str, public_key: &[u8; 32]) -> Result<Self, NoteError> {
        check_key_name(name)?;
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| NoteError::InvalidPublicKey)?;
        Ok(NoteVerifier { name: name.to_string(), key_id: key_id(name, ALG_ED25519, public_key), key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The verifier key string.
    pub fn to_vkey(&self) -> String {
        format_verifier_key(&self.name, ALG_ED25519, self.key.as_bytes())
    }

    /// Parses `msg` and verifies it is signed by this key; returns the note.
    pub fn open(&self, msg: &str) -> Result<Note, NoteError> {
        let note = Note::parse(msg)?;
        note.verify(core::slice::from_ref(self))?;
        Ok(note)
    }

    fn verify_raw(&self, msg: &[u8], sig: &[u8]) -> bool {
        verify_ed25519(&self.key, msg, sig)
    }
}

pub(crate) fn verify_ed25519(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    Signature::from_slice(sig).is_ok_and(|sig| key.verify_strict(msg, &sig).is_ok())
}

pub(crate) fn sign_ed25519(key: &SigningKey, msg: &[u8]) -> [u8; 64] {
    key.sign(msg).to_bytes()
}
