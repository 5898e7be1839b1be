//! The transparency log's storage, shared by the backends: what a checkpoint row is, and the one
//! computation that turns new leaves into stored hashes and a signed checkpoint.

use chrono::{DateTime, Utc};
use oversight_tlog::{Checkpoint, Frontier, Hash, HashPlan, NoteSigner, StoredHash, leaf_hash};

use crate::{Result, StoreError};

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The C2SP signed note, as served at `/log/checkpoint`.
    pub note: String,
    pub signed_at: DateTime<Utc>,
}

/// Which stored hashes to fetch to rebuild the frontier of a tree of `size` leaves.
pub fn frontier_plan(size: u64) -> HashPlan {
    HashPlan::for_ranges(&Frontier::peak_ranges(size))
}

/// Extends the tree of `old_size` leaves (whose frontier hashes, fetched per
/// [`frontier_plan`], are `peaks_fetched`) with `new_leaves`; returns the hashes to store and the
/// signed checkpoint of the new size.
pub fn extend(
    old_size: u64,
    peaks_fetched: &[Hash],
    new_leaves: &[Vec<u8>],
    signer: &NoteSigner,
    now: DateTime<Utc>,
) -> Result<(Vec<StoredHash>, StoredCheckpoint)> {
    let peaks = frontier_plan(old_size)
        .compute(peaks_fetched)
        .ok_or_else(|| StoreError::Corrupt(format!("log hashes for size {old_size} are incomplete")))?;
    let mut frontier = Frontier::from_peaks(old_size, peaks)
        .ok_or_else(|| StoreError::Corrupt(format!("log frontier for size {old_size} is inconsistent")))?;
    let mut hashes = Vec::with_capacity(new_leaves.len() * 2);
    for leaf in new_leaves {
        frontier.append_leaf_hash_into(leaf_hash(leaf), &mut hashes);
    }
    let (size, root) = (frontier.size(), frontier.root());
    let note = Checkpoint::new(signer.name(), size, root)
        .sign(signer)
        .map_err(|e| StoreError::Invalid(format!("signing the checkpoint: {e}")))?;
    // Microseconds: what both databases keep.
    let signed_at = DateTime::<Utc>::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    Ok((hashes, StoredCheckpoint { size, root, note, signed_at }))
}

pub(crate) fn to_hash(bytes: &[u8]) -> Result<Hash> {
    bytes.try_into().map_err(|_| StoreError::Corrupt(format!("a stored log hash has {} bytes", bytes.len())))
}
