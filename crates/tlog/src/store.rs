//! Compact storage of the tree and fast proofs from it.
//!
//! # Storage scheme
//!
//! A log of `n` records keeps:
//! - every leaf hash (level 0): 32 bytes per record, needed anyway to serve inclusion proofs;
//! - the hash of every *complete* subtree whose height is a multiple of [`STRIDE`] (levels 4, 8,
//!   12, …): `n/16 + n/256 + …` hashes, i.e. `32/15 ≈ 2.13` bytes per record.
//!
//! Total ≈ 34.1 bytes of hashes per record. Every stored hash is final the moment it is written
//! (complete subtrees never change in an append-only log), so storage is append-only too.
//!
//! Any proof element is the hash of a range `[a, b)`, which splits into at most ~2·log₂ n complete
//! subtrees; a complete subtree at height `L` is either stored (`L % STRIDE == 0`) or rebuilt from
//! at most `2^(STRIDE-1) = 8` stored hashes `L % STRIDE` levels below. A proof at 10⁶ records thus
//! needs a few hundred stored hashes and as many SHA-256 computations: tens of microseconds.
//!
//! # Two ways to read
//!
//! [`HashPlan`] lists the stored hashes ([`NodeId`]s) a proof needs, and turns the fetched hashes
//! into the proof. An async caller (a web server over a database) fetches `plan.needed()` itself —
//! ideally in one query — then calls [`HashPlan::compute`]. A synchronous caller implements
//! [`HashReader`] and uses [`inclusion_proof`], [`consistency_proof`], [`root_at`] and
//! [`Frontier::restore`].
//!
//! # Appending
//!
//! [`Frontier`] holds the O(log n) hashes of the tree's right edge. Appending a leaf returns the
//! [`StoredHash`]es the caller must persist (the leaf hash, plus a subtree hash whenever a complete
//! subtree at a stored level closes), and the frontier gives the new root without any read.

use alloc::vec::Vec;

use crate::hash::{Hash, empty_root, leaf_hash, node_hash};
use crate::tree::{LeafRange, consistency_ranges, inclusion_ranges};
use crate::verify::ProofError;

/// Interior levels are stored every `STRIDE` levels (4: 34.1 bytes per record, ≤ 8 hashes to
/// rebuild any unstored node). Changing it changes what is on disk: it is part of the format.
pub const STRIDE: u32 = 4;

/// A stored hash's address: the complete subtree of height `level` covering leaves
/// `[index · 2^level, (index + 1) · 2^level)`. Level 0 is a leaf hash. Stored levels are
/// multiples of [`STRIDE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    pub level: u32,
    pub index: u64,
}

/// A hash the caller must persist after an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredHash {
    pub id: NodeId,
    pub hash: Hash,
}

/// Whether hashes at `level` are persisted by the storage scheme.
pub fn is_stored_level(level: u32) -> bool {
    level.is_multiple_of(STRIDE)
}

/// Errors from computing a proof or root out of stored hashes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError<E> {
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error("reading stored hashes failed: {0}")]
    Read(E),
    #[error("the hash reader returned {got} hashes for {want} requested")]
    WrongHashCount { got: usize, want: usize },
}

/// The caller's storage, seen by this crate: returns stored hashes by address.
pub trait HashReader {
    type Error;

    /// Returns the stored hash of every id in `ids`, in the same order. Every id is a leaf
    /// (`level == 0`) or a stored level; all lie within the log's current size.
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error>;
}

/// Splits `[a, b)` into the complete subtrees RFC 6962 would build it from, largest first.
fn complete_subtrees((mut a, b): LeafRange, out: &mut Vec<NodeId>) {
    while a < b {
        let align = if a == 0 { 63 } else { a.trailing_zeros() };
        let fit = 63 - (b - a).leading_zeros();
        let level = align.min(fit);
        out.push(NodeId { level, index: a >> level });
        a += 1u64 << level;
    }
}

/// What to read, and how to combine it, to obtain the hashes of a list of leaf ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashPlan {
    /// For each requested range, the complete subtrees it is made of.
    targets: Vec<Vec<NodeId>>,
    needed: Vec<NodeId>,
}

impl HashPlan {
    /// Plan for the hashes of arbitrary ranges (each must be a node of some RFC 6962 tree,
    /// e.g. a proof element; an empty range hashes to the empty-tree hash).
    pub fn for_ranges(ranges: &[LeafRange]) -> Self {
        let mut targets = Vec::with_capacity(ranges.len());
        let mut needed = Vec::new();
        for range in ranges {
            let mut nodes = Vec::new();
            complete_subtrees(*range, &mut nodes);
            for node in &nodes {
                let base = node.level - node.level % STRIDE;
                let span = node.level - base;
                let first = node.index << span;
                needed.extend((first..first + (1u64 << span)).map(|index| NodeId { level: base, index }));
            }
            targets.push(nodes);
        }
        HashPlan { targets, needed }
    }

    /// Plan for the inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion(index: u64, size: u64) -> Result<Self, ProofError> {
        Ok(Self::for_ranges(&inclusion_ranges(index, size)?))
    }

    /// Plan for the consistency proof between the trees of `old` and `new` leaves.
    pub fn consistency(old: u64, new: u64) -> Result<Self, ProofError> {
        Ok(Self::for_ranges(&consistency_ranges(old, new)?))
    }

    /// Plan for the root hash of the tree of the first `size` leaves (one resulting hash).
    pub fn root(size: u64) -> Self {
        Self::for_ranges(&[(0, size)])
    }

    /// The stored hashes to fetch, in the order [`HashPlan::compute`] expects them.
    pub fn needed(&self) -> &[NodeId] {
        &self.needed
    }

    /// The same ids as [`HashPlan::needed`], grouped into runs of consecutive indices at one
    /// level: `(level, first index, count)`. Concatenating the hashes of each run, in order, gives
    /// the input of [`HashPlan::compute`]. One SQL range query per run (`level = ? AND idx >= ?
    /// AND idx < ? ORDER BY idx`) is a simple way to read them.
    pub fn needed_runs(&self) -> Vec<(u32, u64, u64)> {
        let mut runs: Vec<(u32, u64, u64)> = Vec::new();
        for id in &self.needed {
            match runs.last_mut() {
                Some((level, first, count)) if *level == id.level && *first + *count == id.index => {
                    *count += 1;
                }
                _ => runs.push((id.level, id.index, 1)),
            }
        }
        runs
    }

    /// Combines the fetched hashes (same order and length as [`HashPlan::needed`]) into one hash
    /// per planned range. Returns `None` if the number of hashes is wrong.
    pub fn compute(&self, fetched: &[Hash]) -> Option<Vec<Hash>> {
        if fetched.len() != self.needed.len() {
            return None;
        }
        let mut next = 0usize;
        let mut out = Vec::with_capacity(self.targets.len());
        let mut scratch: Vec<Hash> = Vec::new();
        let mut nodes: Vec<Hash> = Vec::new();
        for target in &self.targets {
            nodes.clear();
            for node in target {
                let span = node.level % STRIDE;
                let count = 1usize << span;
                scratch.clear();
                scratch.extend_from_slice(&fetched[next..next + count]);
                next += count;
                // Pairwise reduction of a complete subtree: `count` is a power of two.
                let mut width = count;
                while width > 1 {
                    for i in 0..width / 2 {
                        scratch[i] = node_hash(&scratch[2 * i], &scratch[2 * i + 1]);
                    }
                    width /= 2;
                }
                nodes.push(scratch[0]);
            }
            // A range's hash is its complete subtrees folded from the right (RFC 6962 splits a
            // range at its largest power of two, which is its first complete subtree).
            let hash = match nodes.split_last() {
                None => empty_root(),
                Some((last, rest)) => rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)),
            };
            out.push(hash);
        }
        Some(out)
    }

    fn run<R: HashReader>(&self, reader: &R) -> Result<Vec<Hash>, StoreError<R::Error>> {
        let fetched = reader.read_hashes(&self.needed).map_err(StoreError::Read)?;
        self.compute(&fetched)
            .ok_or(StoreError::WrongHashCount { got: fetched.len(), want: self.needed.len() })
    }
}

/// Inclusion proof of leaf `index` in the tree of `size` leaves, from stored hashes.
pub fn inclusion_proof<R: HashReader>(
    reader: &R,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, StoreError<R::Error>> {
    HashPlan::inclusion(index, size)?.run(reader)
}

/// Consistency proof between the trees of `old` and `new` leaves, from stored hashes.
pub fn consistency_proof<R: HashReader>(
    reader: &R,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, StoreError<R::Error>> {
    HashPlan::consistency(old, new)?.run(reader)
}

/// Root hash of the tree of the first `size` leaves, from stored hashes.
pub fn root_at<R: HashReader>(reader: &R, size: u64) -> Result<Hash, StoreError<R::Error>> {
    let hashes = HashPlan::root(size).run(reader)?;
    Ok(hashes[0])
}

/// The right edge of the tree: one hash per complete subtree in the binary decomposition of the
/// size (the "compact range" `[0, size)`), highest first. Enough to append and to compute the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Root hash of the current tree (the empty-tree hash for size 0).
    pub fn root(&self) -> Hash {
        match self.peaks.split_last() {
            None => empty_root(),
            Some((last, rest)) => rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)),
        }
    }

    /// Leaf ranges of the peaks of a tree of `size` leaves, highest first; fetch their hashes
    /// with `HashPlan::for_ranges` and pass them to [`Frontier::from_peaks`].
    pub fn peak_ranges(size: u64) -> Vec<LeafRange> {
        let mut ranges = Vec::new();
        let mut start = 0u64;
        for level in (0..64).rev() {
            if size & (1u64 << level) != 0 {
                ranges.push((start, start + (1u64 << level)));
                start += 1u64 << level;
            }
        }
        ranges
    }

    /// Rebuilds a frontier from the hashes of [`Frontier::peak_ranges`]`(size)`, in that order.
    /// Returns `None` if the number of hashes does not match the size.
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Option<Self> {
        (peaks.len() == size.count_ones() as usize).then_some(Frontier { size, peaks })
    }

    /// Rebuilds the frontier of a stored log of `size` leaves (one read of ≤ 64·8 hashes).
    pub fn restore<R: HashReader>(reader: &R, size: u64) -> Result<Self, StoreError<R::Error>> {
        let peaks = HashPlan::for_ranges(&Self::peak_ranges(size)).run(reader)?;
        Ok(Frontier { size, peaks })
    }

    /// Appends a record; returns the hashes to persist (see [`Frontier::append_leaf_hash_into`]).
    pub fn append(&mut self, data: &[u8]) -> Vec<StoredHash> {
        let mut out = Vec::with_capacity(2);
        self.append_leaf_hash_into(leaf_hash(data), &mut out);
        out
    }

    /// Appends a leaf given its hash; pushes onto `out` the leaf hash (as `NodeId { level: 0,
    /// index: old size }`) and the hash of every complete subtree at a stored level that this
    /// leaf closes. Persist all of them in the same transaction as the record.
    pub fn append_leaf_hash_into(&mut self, leaf: Hash, out: &mut Vec<StoredHash>) {
        let index = self.size;
        out.push(StoredHash { id: NodeId { level: 0, index }, hash: leaf });
        let mut hash = leaf;
        let mut level = 0u32;
        let new_size = index + 1;
        // Each trailing zero of the new size is a completed subtree: merge it with its left peak.
        for _ in 0..new_size.trailing_zeros() {
            let left = self.peaks.pop().expect("a completed subtree has a left sibling peak");
            hash = node_hash(&left, &hash);
            level += 1;
            if is_stored_level(level) {
                out.push(StoredHash { id: NodeId { level, index: (new_size >> level) - 1 }, hash });
            }
        }
        self.peaks.push(hash);
        self.size = new_size;
    }

    /// Appends without reporting hashes to persist: for recomputing a root from leaves.
    pub(crate) fn push_leaf_hash_untracked(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let new_size = self.size + 1;
        for _ in 0..new_size.trailing_zeros() {
            let left = self.peaks.pop().expect("a completed subtree has a left sibling peak");
            hash = node_hash(&left, &hash);
        }
        self.peaks.push(hash);
        self.size = new_size;
    }
}

/// A hash the in-memory store was asked for but does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no stored hash at level {} index {}", .0.level, .0.index)]
pub struct NotStored(pub NodeId);

/// In-memory implementation of the storage scheme, for tests, benchmarks and small tools. Its
/// layout is what a database table `(level, idx) → hash` holds.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    /// `levels[j]` holds the hashes of level `j · STRIDE`, by index.
    levels: Vec<Vec<Hash>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores hashes returned by [`Frontier::append_leaf_hash_into`]. They arrive in index order
    /// per level; anything else is a caller bug and is rejected.
    pub fn persist(&mut self, hashes: &[StoredHash]) -> Result<(), NotStored> {
        for stored in hashes {
            if !is_stored_level(stored.id.level) {
                return Err(NotStored(stored.id));
            }
            let slot = (stored.id.level / STRIDE) as usize;
            if self.levels.len() <= slot {
                self.levels.resize_with(slot + 1, Vec::new);
            }
            let level = &mut self.levels[slot];
            if stored.id.index != level.len() as u64 {
                return Err(NotStored(stored.id));
            }
            level.push(stored.hash);
        }
        Ok(())
    }

    /// Number of leaves stored.
    pub fn leaf_count(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Total number of hashes stored (leaves and interior).
    pub fn hash_count(&self) -> u64 {
        self.levels.iter().map(|l| l.len() as u64).sum()
    }

    /// All leaf hashes, in order.
    pub fn leaf_hashes(&self) -> &[Hash] {
        self.levels.first().map_or(&[], |l| l.as_slice())
    }
}

impl HashReader for MemoryStore {
    type Error = NotStored;

    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, NotStored> {
        ids.iter()
            .map(|id| {
                if !is_stored_level(id.level) {
                    return Err(NotStored(*id));
                }
                self.levels
                    .get((id.level / STRIDE) as usize)
                    .and_then(|l| l.get(usize::try_from(id.index).ok()?))
                    .copied()
                    .ok_or(NotStored(*id))
            })
            .collect()
    }
}

/// An in-memory log: a [`Frontier`] for appends and a [`MemoryStore`] for proofs.
#[derive(Debug, Clone, Default)]
pub struct MemoryLog {
    frontier: Frontier,
    store: MemoryStore,
    scratch: Vec<StoredHash>,
}

impl MemoryLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a record and returns its leaf index.
    pub fn append(&mut self, data: &[u8]) -> u64 {
        self.append_leaf_hash(leaf_hash(data))
    }

    /// Appends a leaf by hash and returns its index.
    pub fn append_leaf_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.frontier.size();
        self.scratch.clear();
        self.frontier.append_leaf_hash_into(leaf, &mut self.scratch);
        self.store.persist(&self.scratch).expect("the frontier emits hashes in storage order");
        index
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    pub fn store(&self) -> &MemoryStore {
        &self.store
    }

    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, StoreError<NotStored>> {
        self.check_size(size)?;
        inclusion_proof(&self.store, index, size)
    }

    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError<NotStored>> {
        self.check_size(new)?;
        consistency_proof(&self.store, old, new)
    }

    pub fn root_at(&self, size: u64) -> Result<Hash, StoreError<NotStored>> {
        self.check_size(size)?;
        root_at(&self.store, size)
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        if size > self.size() {
            return Err(ProofError::BeyondLog { size, log_size: self.size() });
        }
        Ok(())
    }
}
