//! C2SP transparency log proofs (<https://c2sp.org/tlog-proof>, `c2sp.org/tlog-proof@v1`): an
//! offline-verifiable statement that an entry is in a log, made of the entry's index, its Merkle
//! inclusion proof and the checkpoint (with any witness cosignatures) the proof leads to.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>            (optional, unauthenticated)
//! index <decimal>
//! <base64 hash>             (zero or more, leaf's sibling first)
//!
//! <signed checkpoint note, verbatim>
//! ```
//!
//! Parsing checks only the syntax; [`TlogProof::verify_inclusion`] checks the Merkle path against
//! the checkpoint's root. Whether the checkpoint itself is signed by a trusted log and cosigned by
//! enough witnesses is the job of [`crate::policy`].

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::hash::Hash;
use crate::note::Note;
use crate::verify::{ProofError, verify_inclusion};

/// First line of every proof.
pub const PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// What can be wrong with a `tlog-proof`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlogProofError {
    #[error("proof does not start with the line {PROOF_HEADER:?}")]
    BadHeader,
    #[error("proof has no `index` line")]
    MissingIndex,
    #[error("proof index {0:?} is not a canonical decimal number")]
    BadIndex(String),
    #[error("proof `extra` data is not valid base64")]
    BadExtra,
    #[error("inclusion proof line {0} is not the base64 of 32 bytes")]
    BadHash(usize),
    #[error("proof has no blank line before the checkpoint")]
    MissingCheckpoint,
    #[error("the proof's checkpoint is malformed: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("the inclusion proof does not verify against the checkpoint: {0}")]
    Inclusion(#[from] ProofError),
}

/// A parsed `tlog-proof`. The checkpoint note is kept verbatim so that its signatures can be
/// checked by a policy; nothing in this struct has been authenticated yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Application-specific bytes; never trusted.
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub hashes: Vec<Hash>,
    /// The signed checkpoint note (text, blank line, signature lines).
    pub checkpoint_note: String,
}

fn parse_decimal(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

impl TlogProof {
    /// Parses a proof. The checkpoint part is parsed as a note (syntax only).
    pub fn parse(text: &str) -> Result<Self, TlogProofError> {
        let rest = text
            .strip_prefix(PROOF_HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or(TlogProofError::BadHeader)?;
        let (head, checkpoint_note) = rest.split_once("\n\n").ok_or(TlogProofError::MissingCheckpoint)?;
        let mut lines = head.split('\n').peekable();
        let mut extra = None;
        if let Some(e) = lines.peek().and_then(|l| l.strip_prefix("extra ")) {
            extra = Some(B64.decode(e).map_err(|_| TlogProofError::BadExtra)?);
            lines.next();
        }
        let index_text =
            lines.next().and_then(|l| l.strip_prefix("index ")).ok_or(TlogProofError::MissingIndex)?;
        let index =
            parse_decimal(index_text).ok_or_else(|| TlogProofError::BadIndex(index_text.to_string()))?;
        let mut hashes = Vec::new();
        for (i, line) in lines.enumerate() {
            let hash: Hash = B64
                .decode(line)
                .ok()
                .and_then(|h| h.try_into().ok())
                .ok_or(TlogProofError::BadHash(i + 1))?;
            hashes.push(hash);
        }
        // The checkpoint must be a well-formed note; signatures are checked later by a policy.
        Note::parse(checkpoint_note).map_err(CheckpointError::from)?;
        Ok(TlogProof { extra, index, hashes, checkpoint_note: checkpoint_note.to_string() })
    }

    /// The proof in its text form.
    pub fn to_text(&self) -> String {
        let mut out = format!("{PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", B64.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.hashes {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint_note);
        out
    }

    /// The checkpoint in the proof's note (unauthenticated until a policy has checked the note).
    pub fn checkpoint(&self) -> Result<Checkpoint, TlogProofError> {
        let note = Note::parse(&self.checkpoint_note).map_err(CheckpointError::from)?;
        Ok(Checkpoint::parse(&note.text)?)
    }

    /// Checks that `leaf_hash` is at [`Self::index`] in the tree of the proof's checkpoint.
    pub fn verify_inclusion(&self, leaf_hash: &Hash) -> Result<Checkpoint, TlogProofError> {
        let checkpoint = self.checkpoint()?;
        verify_inclusion(self.index, checkpoint.size, leaf_hash, &self.hashes, &checkpoint.root)?;
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::note::NoteSigner;
    use crate::tree::{inclusion_proof_from_leaves, root_from_leaf_hashes};

    fn sample(index: u64) -> (TlogProof, Hash) {
        let leaves: Vec<Hash> = (0..7u8).map(|i| leaf_hash(&[i])).collect();
        let root = root_from_leaf_hashes(&leaves);
        let signer = NoteSigner::new("example.org/log", &[9; 32]).unwrap();
        let note = Checkpoint::new("example.org/log", 7, root).sign(&signer).unwrap();
        let hashes = inclusion_proof_from_leaves(&leaves, index, 7).unwrap();
        (
            TlogProof { extra: Some(b"ctx".to_vec()), index, hashes, checkpoint_note: note },
            leaves[index as usize],
        )
    }

    #[test]
    fn a_proof_survives_its_text_form_and_verifies() {
        let (proof, leaf) = sample(3);
        let parsed = TlogProof::parse(&proof.to_text()).unwrap();
        assert_eq!(parsed, proof);
        assert_eq!(parsed.verify_inclusion(&leaf).unwrap().size, 7);
    }

    #[test]
    fn a_proof_for_another_leaf_or_index_fails() {
        let (mut proof, leaf) = sample(3);
        assert!(proof.verify_inclusion(&leaf_hash(b"other")).is_err());
        proof.index = 4;
        assert!(matches!(proof.verify_inclusion(&leaf), Err(TlogProofError::Inclusion(_))));
    }

    #[test]
    fn malformed_proofs_are_refused_with_a_precise_error() {
        let (proof, _) = sample(0);
        let text = proof.to_text();
        assert_eq!(TlogProof::parse(&text.replacen("@v1", "@v2", 1)), Err(TlogProofError::BadHeader));
        assert_eq!(
            TlogProof::parse(&text.replacen("index 0", "index 00", 1)),
            Err(TlogProofError::BadIndex("00".into()))
        );
        assert_eq!(TlogProof::parse(&text.replacen("index 0\n", "", 1)), Err(TlogProofError::MissingIndex));
        let no_blank = text.replacen("\n\n", "\n", 1);
        assert!(TlogProof::parse(&no_blank).is_err());
        let bad_hash = text.replacen("index 0\n", "index 0\nAAAA\n", 1);
        assert_eq!(TlogProof::parse(&bad_hash), Err(TlogProofError::BadHash(1)));
    }
}
