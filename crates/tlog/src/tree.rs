//! Merkle tree hash and proof *generation* (RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1).
//!
//! Proof generation is split in two steps so that one algorithm serves both an in-memory slice of
//! leaf hashes and a database: [`inclusion_ranges`] and [`consistency_ranges`] say *which* leaf
//! ranges `[a, b)` the proof is made of (each proof element is `MTH(D[a:b])`), and the caller turns
//! each range into a hash — by hashing leaves ([`proof_from_leaves`]) or from stored subtree hashes
//! ([`crate::store`]).

use alloc::vec::Vec;

use crate::hash::{Hash, empty_root, node_hash};
use crate::verify::ProofError;

/// A half-open range of leaf indices `[start, end)` whose Merkle tree hash is one proof element.
pub type LeafRange = (u64, u64);

/// Largest power of two strictly smaller than `n` (n ≥ 2): the RFC 6962 split point.
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Whether `[start, end)` is a subtree in the sense of the Merkle Tree Certificates draft: non-empty
/// and `start` a multiple of the smallest power of two ≥ `end - start`. Exactly these ranges are
/// nodes of some RFC 6962 tree, so only they can be proven consistent with a larger tree.
pub fn is_valid_subtree(start: u64, end: u64) -> bool {
    if start >= end {
        return false;
    }
    if start == 0 {
        return true;
    }
    match (end - start).checked_next_power_of_two() {
        Some(width) => start.is_multiple_of(width),
        None => false,
    }
}

/// Merkle tree hash `MTH` of a list of leaf hashes, computed bottom-up in one pass.
///
/// This is the "full verification" path: it hashes each interior node exactly once
/// (n − 1 node hashes for n leaves) and keeps only O(log n) hashes in memory.
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    let mut frontier = crate::store::Frontier::new();
    for leaf in leaves {
        frontier.push_leaf_hash_untracked(*leaf);
    }
    frontier.root()
}

/// Ranges making up the inclusion proof of leaf `index` in a tree of `size` leaves, ordered from
/// the leaf's sibling up to the root's child (the order of RFC 9162 `PATH`).
pub fn inclusion_ranges(index: u64, size: u64) -> Result<Vec<LeafRange>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut lo, mut hi) = (0u64, size);
    let mut top_down = Vec::new();
    while hi - lo > 1 {
        let mid = lo + split_point(hi - lo);
        if index < mid {
            top_down.push((mid, hi));
            hi = mid;
        } else {
            top_down.push((lo, mid));
            lo = mid;
        }
    }
    top_down.reverse();
    Ok(top_down)
}

/// Ranges making up the consistency proof between the trees of sizes `old` and `new`
/// (RFC 9162 `PROOF(m, D[n])`). Requires `0 < old ≤ new`; equal sizes give an empty proof.
pub fn consistency_ranges(old: u64, new: u64) -> Result<Vec<LeafRange>, ProofError> {
    if old > new {
        return Err(ProofError::SizeDecreased { old, new });
    }
    if old == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    subtree_consistency_ranges(0, old, new)
}

/// Ranges making up the consistency proof of subtree `[start, end)` with the tree of `size`
/// leaves (`SUBTREE_PROOF` of the Merkle Tree Certificates draft; with `start = 0` it is exactly
/// RFC 9162 `PROOF(end, D[size])`).
pub fn subtree_consistency_ranges(start: u64, end: u64, size: u64) -> Result<Vec<LeafRange>, ProofError> {
    if !is_valid_subtree(start, end) {
        return Err(ProofError::InvalidSubtree { start, end });
    }
    if end > size {
        return Err(ProofError::SubtreeBeyondTree { end, size });
    }
    let (mut lo, mut hi) = (0u64, size);
    let (mut start, end) = (start, end);
    // `known` is RFC 9162's flag `b`: whether the verifier already knows the hash of the node we
    // are descending into (true until the old tree stops being a single node of the new tree).
    let mut known = true;
    let mut top_down = Vec::new();
    loop {
        if start == lo && end == hi {
            if !known {
                top_down.push((lo, hi));
            }
            break;
        }
        let mid = lo + split_point(hi - lo);
        if end <= mid {
            top_down.push((mid, hi));
            hi = mid;
        } else if start >= mid {
            top_down.push((lo, mid));
            lo = mid;
        } else {
            // The subtree straddles the split, which for a valid subtree means it starts at `lo`:
            // its left part [lo, mid) is a proof element and we continue with the rest.
            top_down.push((lo, mid));
            lo = mid;
            start = mid;
            known = false;
        }
    }
    top_down.reverse();
    Ok(top_down)
}

/// Merkle tree hash of `leaves[start..end]` computed from scratch (reference implementation; the
/// store computes the same value from stored subtree hashes).
pub fn range_hash(leaves: &[Hash], (start, end): LeafRange) -> Hash {
    let slice = &leaves[start as usize..end as usize];
    if slice.is_empty() {
        return empty_root();
    }
    root_from_leaf_hashes(slice)
}

/// Turns proof ranges into hashes by hashing an in-memory list of all leaf hashes.
pub fn proof_from_leaves(leaves: &[Hash], ranges: &[LeafRange]) -> Vec<Hash> {
    ranges.iter().map(|r| range_hash(leaves, *r)).collect()
}

/// Inclusion proof of leaf `index` in the tree made of the first `size` of `leaves`.
pub fn inclusion_proof_from_leaves(leaves: &[Hash], index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
    check_size(leaves, size)?;
    Ok(proof_from_leaves(leaves, &inclusion_ranges(index, size)?))
}

/// Consistency proof between the trees made of the first `old` and first `new` of `leaves`.
pub fn consistency_proof_from_leaves(leaves: &[Hash], old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
    check_size(leaves, new)?;
    Ok(proof_from_leaves(leaves, &consistency_ranges(old, new)?))
}

fn check_size(leaves: &[Hash], size: u64) -> Result<(), ProofError> {
    if size > leaves.len() as u64 {
        return Err(ProofError::BeyondLog { size, log_size: leaves.len() as u64 });
    }
    Ok(())
}

/// Hash of two children, exposed for callers that fold ranges themselves.
pub fn hash_children(left: &Hash, right: &Hash) -> Hash {
    node_hash(left, right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_largest_power_of_two_below_n() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(1 << 40), 1 << 39);
    }

    #[test]
    fn subtree_validity_follows_alignment_rule() {
        assert!(is_valid_subtree(0, 7));
        assert!(is_valid_subtree(4, 7));
        assert!(is_valid_subtree(8, 13));
        assert!(!is_valid_subtree(2, 5));
        assert!(!is_valid_subtree(2, 6));
        assert!(!is_valid_subtree(3, 3));
        assert!(!is_valid_subtree(1, 9_223_372_036_854_775_810));
    }

    #[test]
    fn consistency_proof_of_4_8_in_14_matches_the_draft_example() {
        // Merkle Tree Certificates draft, figure: subtree [4, 8) in a tree of 14 needs
        // MTH(D[0:4]) and MTH(D[8:14]).
        assert_eq!(subtree_consistency_ranges(4, 8, 14).unwrap(), [(0, 4), (8, 14)]);
    }

    #[test]
    fn rfc_consistency_example_3_to_7() {
        // RFC 9162 §2.1.5: PROOF(3, D[7]) = [c, d, g, l] = [2,3), [3,4), [0,2), [4,7).
        assert_eq!(consistency_ranges(3, 7).unwrap(), [(2, 3), (3, 4), (0, 2), (4, 7)]);
    }

    #[test]
    fn rfc_inclusion_example_leaf_3_of_7() {
        // RFC 9162 §2.1.5: PATH(3, D[7]) = [c, g, l].
        assert_eq!(inclusion_ranges(3, 7).unwrap(), [(2, 3), (0, 2), (4, 7)]);
    }
}
