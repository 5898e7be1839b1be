//! Proof *verification*: RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), plus the
//! subtree generalisations used by the transparency-dev test vectors.
//!
//! Hashes are taken as byte slices, not `[u8; 32]`, on purpose: a proof arriving over the network
//! may hold elements of any length, and rejecting a 31-byte element must be this module's job
//! (with a precise error), not something that silently happens while decoding.

use crate::hash::{HASH_SIZE, Hash, empty_root, hash_from_slice, node_hash};
use crate::tree::is_valid_subtree;

/// Which root a proof failed to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKind {
    /// The root of the tree the leaf is claimed to be in (inclusion proofs).
    Tree,
    /// The root of the older tree (consistency proofs).
    Old,
    /// The root of the newer tree (consistency proofs).
    New,
}

impl core::fmt::Display for RootKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            RootKind::Tree => "tree root",
            RootKind::Old => "old root",
            RootKind::New => "new root",
        })
    }
}

/// Why a proof could not be generated or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("{what} is {len} bytes long, a hash must be {HASH_SIZE}")]
    BadHashLength { what: &'static str, len: usize },
    #[error("proof has {got} hashes, expected {want}")]
    WrongProofSize { got: usize, want: usize },
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizeDecreased { old: u64, new: u64 },
    #[error("a consistency proof from the empty tree proves nothing")]
    EmptyOldTree,
    #[error("[{start}, {end}) is not a valid subtree")]
    InvalidSubtree { start: u64, end: u64 },
    #[error("subtree end {end} is beyond tree size {size}")]
    SubtreeBeyondTree { end: u64, size: u64 },
    #[error("tree size {size} is beyond the {log_size} leaves of the log")]
    BeyondLog { size: u64, log_size: u64 },
    #[error("the proof does not reproduce the {0}")]
    RootMismatch(RootKind),
}

fn to_hash(what: &'static str, bytes: &[u8]) -> Result<Hash, ProofError> {
    hash_from_slice(bytes).ok_or(ProofError::BadHashLength { what, len: bytes.len() })
}

fn to_hashes<P: AsRef<[u8]>>(proof: &[P]) -> Result<alloc::vec::Vec<Hash>, ProofError> {
    proof.iter().map(|p| to_hash("a proof element", p.as_ref())).collect()
}

fn matches(computed: &Hash, expected: &[u8], kind: RootKind) -> Result<(), ProofError> {
    if computed.as_slice() == expected { Ok(()) } else { Err(ProofError::RootMismatch(kind)) }
}

/// Number of proof steps the RFC 9162 loop takes from position `fn_` with last index `sn` before
/// reaching the root: the only valid proof length, computed up front for a precise error.
fn path_len(mut fn_: u64, mut sn: u64) -> usize {
    let mut steps = 0;
    while sn != 0 {
        if fn_ & 1 == 0 && fn_ == sn {
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        }
        steps += 1;
        fn_ >>= 1;
        sn >>= 1;
    }
    steps
}

/// Recomputes the root of a tree of `size` leaves from leaf `index`, its hash and an inclusion
/// proof (RFC 9162 §2.1.3.2 steps 1–4).
pub fn root_from_inclusion_proof<P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[P],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let leaf = to_hash("the leaf hash", leaf_hash)?;
    let proof = to_hashes(proof)?;
    let want = path_len(index, size - 1);
    if proof.len() != want {
        return Err(ProofError::WrongProofSize { got: proof.len(), want });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = leaf;
    for p in &proof {
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    debug_assert_eq!(sn, 0, "path_len guarantees the walk ends at the root");
    Ok(r)
}

/// Verifies that the leaf with hash `leaf_hash` is at `index` in the tree of `size` leaves whose
/// root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion<P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    proof: &[P],
    root: &[u8],
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(index, size, leaf_hash, proof)?;
    matches(&computed, root, RootKind::Tree)
}

/// Verifies that the tree of `old` leaves with root `old_root` is a prefix of the tree of `new`
/// leaves with root `new_root` (RFC 9162 §2.1.4.2). Requires `0 < old ≤ new`.
pub fn verify_consistency<P: AsRef<[u8]>>(
    old: u64,
    new: u64,
    proof: &[P],
    old_root: &[u8],
    new_root: &[u8],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizeDecreased { old, new });
    }
    if old == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofSize { got: proof.len(), want: 0 });
        }
        // Equal sizes: the proof is empty and the two roots must simply be the same bytes.
        return if old_root == new_root { Ok(()) } else { Err(ProofError::RootMismatch(RootKind::New)) };
    }
    let computed = root_from_subtree_consistency(0, old, new, proof, old_root)?;
    matches(&computed, new_root, RootKind::New)
}

/// Verifies that leaf `index` with hash `leaf_hash` is in the subtree `[start, end)` whose hash
/// is `subtree_root`.
pub fn verify_subtree_inclusion<P: AsRef<[u8]>>(
    index: u64,
    start: u64,
    end: u64,
    leaf_hash: &[u8],
    proof: &[P],
    subtree_root: &[u8],
) -> Result<(), ProofError> {
    if !is_valid_subtree(start, end) {
        return Err(ProofError::InvalidSubtree { start, end });
    }
    if index < start || index >= end {
        return Err(ProofError::IndexOutOfRange { index, size: end });
    }
    let computed = root_from_inclusion_proof(index - start, end - start, leaf_hash, proof)?;
    matches(&computed, subtree_root, RootKind::Tree)
}

/// Verifies that the subtree `[start, end)` with hash `subtree_root` is part of the tree of
/// `size` leaves with root `root`. The empty subtree (`start == end`) is consistent with every
/// tree, provided its hash is the empty-tree hash and the proof is empty.
pub fn verify_subtree_consistency<P: AsRef<[u8]>>(
    start: u64,
    end: u64,
    size: u64,
    proof: &[P],
    subtree_root: &[u8],
    root: &[u8],
) -> Result<(), ProofError> {
    if start == end && end <= size {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofSize { got: proof.len(), want: 0 });
        }
        return matches(&empty_root(), subtree_root, RootKind::Old);
    }
    if start == 0 && end == size && is_valid_subtree(start, end) {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofSize { got: proof.len(), want: 0 });
        }
        return if subtree_root == root { Ok(()) } else { Err(ProofError::RootMismatch(RootKind::New)) };
    }
    let computed = root_from_subtree_consistency(start, end, size, proof, subtree_root)?;
    matches(&computed, root, RootKind::New)
}

/// Recomputes the root of the tree of `size` leaves from the hash of subtree `[start, end)` and a
/// consistency proof, checking on the way that the proof also reproduces the subtree hash.
///
/// This is RFC 9162 §2.1.4.2 generalised to a subtree that need not start at 0: the old-root
/// accumulator (`fr`) only absorbs left siblings below the subtree's height, because above it the
/// siblings belong to the rest of the log, not to the subtree.
pub fn root_from_subtree_consistency<P: AsRef<[u8]>>(
    start: u64,
    end: u64,
    size: u64,
    proof: &[P],
    subtree_root: &[u8],
) -> Result<Hash, ProofError> {
    if !is_valid_subtree(start, end) {
        return Err(ProofError::InvalidSubtree { start, end });
    }
    if end > size {
        return Err(ProofError::SubtreeBeyondTree { end, size });
    }
    let sub_root = to_hash("the subtree root", subtree_root)?;
    let proof = to_hashes(proof)?;
    if start == 0 && end == size {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofSize { got: proof.len(), want: 0 });
        }
        return Ok(sub_root);
    }
    // Height of the subtree's root node: the level where the paths of `start` and `end - 1` meet.
    let height = u64::BITS - ((end - 1) ^ start).leading_zeros();

    if end == size {
        // The subtree is a node on the right border of the tree: only the left siblings of its
        // ancestors are needed.
        let want = (start >> height).count_ones() as usize;
        if proof.len() != want {
            return Err(ProofError::WrongProofSize { got: proof.len(), want });
        }
        return Ok(proof.iter().fold(sub_root, |acc, p| node_hash(p, &acc)));
    }

    let full = (end - start).is_power_of_two();
    let (mut fn_, mut sn, mut level) = (end - 1, size - 1, 0u32);
    // Climb while the last leaf's node is a right child inside the subtree (RFC step 4): those
    // levels are summarised by the first proof element, or by the subtree root itself if full.
    while fn_ & 1 == 1 && level < height {
        fn_ >>= 1;
        sn >>= 1;
        level += 1;
    }
    let seed_in_proof = usize::from(!full);
    let want = seed_in_proof + path_len(fn_, sn);
    if proof.len() != want {
        return Err(ProofError::WrongProofSize { got: proof.len(), want });
    }
    let seed = if full { sub_root } else { proof[0] };
    let (mut fr, mut sr) = (seed, seed);
    for c in &proof[seed_in_proof..] {
        if fn_ & 1 == 1 || fn_ == sn {
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                    level += 1;
                }
            }
            if level < height {
                fr = node_hash(c, &fr);
            }
            sr = node_hash(c, &sr);
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
        level += 1;
    }
    matches(&fr, &sub_root, RootKind::Old)?;
    Ok(sr)
}
