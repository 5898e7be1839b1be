//! The verifier's memory between runs: the pinned key and the last verified checkpoint.
//!
//! Kept as JSON so a person can read it, and the whole signed checkpoint note is stored (not just
//! size and root) so that the file itself remains evidence: anyone holding it can show the
//! authority signed that root at that size.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::VerifyError;

/// Contents of the state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The pinned note verifier key `<name>+<hex key id>+<base64 key>`.
    pub key: String,
    /// The last checkpoint verified, as the signed note the server sent.
    pub checkpoint: Option<String>,
}

impl State {
    /// Reads the state file; `Ok(None)` if it does not exist yet.
    pub fn load(path: &Path) -> Result<Option<State>, VerifyError> {
        let err = |reason: String| VerifyError::State { path: path.to_path_buf(), reason };
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| err(format!("not a valid state file: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(err(format!("cannot read: {e}"))),
        }
    }

    /// Writes the state file atomically (write a temporary file, then rename), so that an
    /// interrupted run never leaves a half-written pin behind.
    pub fn save(&self, path: &Path) -> Result<(), VerifyError> {
        let err = |reason: String| VerifyError::State { path: path.to_path_buf(), reason };
        let json = serde_json::to_vec_pretty(self).map_err(|e| err(e.to_string()))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, json).map_err(|e| err(format!("cannot write: {e}")))?;
        std::fs::rename(&tmp, path).map_err(|e| err(format!("cannot replace: {e}")))
    }
}
