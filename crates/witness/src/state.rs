//! The witness's durable memory: for every log, the size, root and signed note of the latest
//! checkpoint it cosigned.
//!
//! One JSON file, replaced atomically: the new contents go to a temporary file in the same
//! directory, which is fsync'd, renamed over the old file, and then the directory is fsync'd so
//! the rename itself survives a power cut. A reader therefore sees either the old state or the
//! new one, never half of each; and [`WitnessState::save`] returns only once the new state is on
//! disk, which is what lets the witness answer only after persisting.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_tlog::Hash;
use serde::{Deserialize, Serialize};

/// What went wrong reading or writing the state file.
#[derive(Debug, thiserror::Error)]
#[error("witness state file {path}: {reason}")]
pub struct StateError {
    pub path: PathBuf,
    pub reason: String,
}

/// The latest checkpoint cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogState {
    pub size: u64,
    /// Base64 of the 32-byte root hash.
    pub root: String,
    /// The checkpoint note as the log signed it (kept as evidence: it proves what the log said).
    pub checkpoint: String,
}

impl LogState {
    pub fn root_hash(&self) -> Option<Hash> {
        B64.decode(&self.root).ok()?.try_into().ok()
    }
}

/// Contents of the state file: origin → latest cosigned checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessState {
    pub logs: BTreeMap<String, LogState>,
}

impl WitnessState {
    /// Reads the state file; an empty state if it does not exist yet.
    pub fn load(path: &Path) -> Result<Self, StateError> {
        let err = |reason: String| StateError { path: path.to_path_buf(), reason };
        let state: WitnessState = match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| err(format!("not a witness state: {e}")))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(err(format!("cannot read: {e}"))),
        };
        for (origin, log) in &state.logs {
            if log.root_hash().is_none() {
                return Err(err(format!("the root of {origin} is not the base64 of 32 bytes")));
            }
        }
        Ok(state)
    }

    /// Writes the state durably (temporary file, fsync, rename, fsync of the directory).
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let err = |reason: String| StateError { path: path.to_path_buf(), reason };
        let json = serde_json::to_vec_pretty(self).map_err(|e| err(e.to_string()))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(".tmp");
        let tmp = dir.join(tmp_name);
        let mut file =
            std::fs::File::create(&tmp).map_err(|e| err(format!("cannot create {}: {e}", tmp.display())))?;
        file.write_all(&json).map_err(|e| err(format!("cannot write {}: {e}", tmp.display())))?;
        file.sync_all().map_err(|e| err(format!("cannot fsync {}: {e}", tmp.display())))?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|e| err(format!("cannot replace: {e}")))?;
        // The rename is durable only once the directory entry is.
        #[cfg(unix)]
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| err(format!("cannot fsync the directory {}: {e}", dir.display())))?;
        Ok(())
    }
}
