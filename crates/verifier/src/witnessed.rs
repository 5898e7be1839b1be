//! `--policy` / `--cosigned`: the checkpoint verified must be vouched for by a quorum of witnesses
//! (C2SP `tlog-policy`). The cosigned note need not be the very checkpoint downloaded: it may be
//! older (then its root must be the root of the downloaded entries at its size) or newer (then the
//! register's consistency proof must show it extends the verified one).

use oversight_tlog::{
    Checkpoint, CheckpointPolicyError, Hash, NoteVerifier, Policy, PolicyError, open_checkpoint,
    root_from_leaf_hashes, verify_consistency,
};

use crate::VerifyError;

/// The witnesses that vouched, and for which checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witnessed {
    /// Size of the cosigned checkpoint.
    pub size: u64,
    /// Names (in the policy) of the witnesses whose cosignature is valid.
    pub cosigned_by: Vec<String>,
    /// POSIX time of the newest of those cosignatures.
    pub newest_cosignature: Option<u64>,
}

/// Parses a policy file's text.
pub fn parse_policy(text: &str) -> Result<Policy, VerifyError> {
    Policy::parse(text).map_err(|e: PolicyError| VerifyError::BadPolicy(e.to_string()))
}

/// Checks that `cosigned_note` satisfies `policy`, is signed by the verified log's key, and is
/// consistent with `verified` (whose entries hash to `leaves`). `consistency(old, new)` fetches a
/// consistency proof when the cosigned checkpoint is newer than the verified one.
pub fn check_witnessed(
    policy: &Policy,
    cosigned_note: &str,
    log_key: &NoteVerifier,
    verified: &Checkpoint,
    leaves: &[Hash],
    consistency: impl FnOnce(u64, u64) -> Result<Vec<Vec<u8>>, VerifyError>,
) -> Result<Witnessed, VerifyError> {
    let accepted = policy.verify_checkpoint(cosigned_note).map_err(|e| match e {
        CheckpointPolicyError::NoQuorum(valid) => VerifyError::NoQuorum(valid),
        other => VerifyError::WitnessedMismatch(other.to_string()),
    })?;
    open_checkpoint(cosigned_note, log_key).map_err(|e| {
        VerifyError::WitnessedMismatch(format!(
            "the cosigned checkpoint is not signed by the verified log's key: {e}"
        ))
    })?;
    let cp = &accepted.checkpoint;
    if cp.origin != verified.origin {
        return Err(VerifyError::WitnessedMismatch(format!(
            "the cosigned checkpoint is for log {:?}, not {:?}",
            cp.origin, verified.origin
        )));
    }
    let mismatch = |what: String| VerifyError::WitnessedMismatch(what);
    if cp.size <= verified.size {
        let root = if cp.size == verified.size {
            verified.root
        } else {
            root_from_leaf_hashes(&leaves[..cp.size as usize])
        };
        if root != cp.root {
            return Err(mismatch(format!(
                "the witnesses cosigned another root at size {}: a split view (the register showed this verifier a different tree)",
                cp.size
            )));
        }
    } else if verified.size > 0 {
        let proof = consistency(verified.size, cp.size)?;
        verify_consistency(verified.size, cp.size, &proof, &verified.root, &cp.root).map_err(|e| {
            mismatch(format!(
                "the cosigned checkpoint of size {} does not extend the verified one of size {}: {e}",
                cp.size, verified.size
            ))
        })?;
    }
    Ok(Witnessed {
        size: cp.size,
        cosigned_by: accepted.cosigned_by,
        newest_cosignature: accepted.newest_cosignature,
    })
}
