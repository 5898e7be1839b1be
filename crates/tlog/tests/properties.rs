//! Property tests: proofs generated from the compact store agree with the RFC 6962 definitions,
//! always verify, and stop verifying when any byte changes.

use oversight_tlog::tree::{
    consistency_proof_from_leaves, inclusion_proof_from_leaves, is_valid_subtree, proof_from_leaves,
    subtree_consistency_ranges,
};
use oversight_tlog::{
    Frontier, Hash, MemoryLog, leaf_hash, node_hash, root_from_leaf_hashes, verify_consistency,
    verify_inclusion, verify_subtree_consistency, verify_subtree_inclusion,
};
use proptest::prelude::*;

/// MTH written exactly as RFC 9162 §2.1.1 defines it, recursively: an independent reference.
fn reference_mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => oversight_tlog::empty_root(),
        1 => leaves[0],
        n => {
            // k = the largest power of two smaller than n.
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&reference_mth(&leaves[..k]), &reference_mth(&leaves[k..]))
        }
    }
}

fn build(n: u64) -> (MemoryLog, Vec<Hash>) {
    let mut log = MemoryLog::new();
    let mut leaves = Vec::new();
    for i in 0..n {
        let record = format!("record {i}");
        leaves.push(leaf_hash(record.as_bytes()));
        log.append(record.as_bytes());
    }
    (log, leaves)
}

fn flip(bytes: &mut [u8], at: usize, mask: u8) {
    let i = at % bytes.len();
    bytes[i] ^= mask;
}

#[test]
fn reference_split_is_largest_power_of_two_below_n() {
    // Guard for the test's own reference: 5 leaves split 4 + 1, 8 split 4 + 4.
    let leaves: Vec<Hash> = (0..8u8).map(|i| leaf_hash(&[i])).collect();
    assert_eq!(reference_mth(&leaves[..5]), node_hash(&reference_mth(&leaves[..4]), &leaves[4]));
    assert_eq!(reference_mth(&leaves), node_hash(&reference_mth(&leaves[..4]), &reference_mth(&leaves[4..])));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn roots_from_store_frontier_and_definition_agree(n in 1u64..700, m_seed in any::<u64>()) {
        let (log, leaves) = build(n);
        let m = 1 + m_seed % n;
        let expected = reference_mth(&leaves[..m as usize]);
        prop_assert_eq!(log.root_at(m).unwrap(), expected);
        prop_assert_eq!(root_from_leaf_hashes(&leaves[..m as usize]), expected);
        prop_assert_eq!(log.root(), reference_mth(&leaves));
    }

    #[test]
    fn any_leaf_is_included(n in 1u64..700, i_seed in any::<u64>(), size_seed in any::<u64>()) {
        let (log, leaves) = build(n);
        let size = 1 + size_seed % n;
        let index = i_seed % size;
        let proof = log.inclusion_proof(index, size).unwrap();
        prop_assert_eq!(&proof, &inclusion_proof_from_leaves(&leaves, index, size).unwrap());
        let root = log.root_at(size).unwrap();
        prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &proof, &root).is_ok());
    }

    #[test]
    fn any_two_sizes_are_consistent(n in 1u64..700, a in any::<u64>(), b in any::<u64>()) {
        let (log, leaves) = build(n);
        let (x, y) = (1 + a % n, 1 + b % n);
        let (old, new) = (x.min(y), x.max(y));
        let proof = log.consistency_proof(old, new).unwrap();
        prop_assert_eq!(&proof, &consistency_proof_from_leaves(&leaves, old, new).unwrap());
        let (old_root, new_root) = (log.root_at(old).unwrap(), log.root_at(new).unwrap());
        prop_assert!(verify_consistency(old, new, &proof, &old_root, &new_root).is_ok());
    }

    #[test]
    fn any_changed_byte_breaks_an_inclusion_proof(
        n in 2u64..300, i_seed in any::<u64>(), what in 0u8..3, at in any::<usize>(), mask in 1u8..=255,
    ) {
        let (log, leaves) = build(n);
        let index = i_seed % n;
        let mut proof = log.inclusion_proof(index, n).unwrap();
        let mut root = log.root();
        let mut leaf = leaves[index as usize];
        match what {
            0 => { let k = at % proof.len(); flip(&mut proof[k], at / 7, mask) }
            1 => flip(&mut root, at, mask),
            _ => flip(&mut leaf, at, mask),
        }
        prop_assert!(verify_inclusion(index, n, &leaf, &proof, &root).is_err());
    }

    #[test]
    fn any_changed_byte_breaks_a_consistency_proof(
        n in 3u64..300, a in any::<u64>(), what in 0u8..3, at in any::<usize>(), mask in 1u8..=255,
    ) {
        let (log, _) = build(n);
        let old = 1 + a % (n - 1); // old < n, so the proof is never empty
        let mut proof = log.consistency_proof(old, n).unwrap();
        let mut old_root = log.root_at(old).unwrap();
        let mut new_root = log.root();
        match what {
            0 => { let k = at % proof.len(); flip(&mut proof[k], at / 7, mask) }
            1 => flip(&mut old_root, at, mask),
            _ => flip(&mut new_root, at, mask),
        }
        prop_assert!(verify_consistency(old, n, &proof, &old_root, &new_root).is_err());
    }

    #[test]
    fn truncated_or_extended_proofs_fail(n in 3u64..300, a in any::<u64>(), extra in any::<[u8; 32]>()) {
        let (log, leaves) = build(n);
        let old = 1 + a % (n - 1);
        let proof = log.consistency_proof(old, n).unwrap();
        let (old_root, new_root) = (log.root_at(old).unwrap(), log.root());
        let mut longer = proof.clone();
        longer.push(extra);
        prop_assert!(verify_consistency(old, n, &longer, &old_root, &new_root).is_err());
        prop_assert!(verify_consistency(old, n, &proof[..proof.len() - 1], &old_root, &new_root).is_err());
        let index = a % n;
        let incl = log.inclusion_proof(index, n).unwrap();
        prop_assert!(verify_inclusion(index, n, &leaves[index as usize], &incl[..incl.len() - 1], &new_root).is_err());
    }

    #[test]
    fn any_valid_subtree_is_consistent_with_the_tree(n in 1u64..300, s in any::<u64>(), w in any::<u64>()) {
        let (log, leaves) = build(n);
        // Pick an aligned subtree: width ≤ 2^k, start a multiple of 2^k.
        let k = (w % 9) as u32;
        let block = 1u64 << k;
        let start = (s % n) / block * block;
        let end = (start + 1 + (w >> 8) % block).min(n);
        prop_assume!(is_valid_subtree(start, end));
        let ranges = subtree_consistency_ranges(start, end, n).unwrap();
        let proof = proof_from_leaves(&leaves, &ranges);
        let sub_root = reference_mth(&leaves[start as usize..end as usize]);
        prop_assert!(verify_subtree_consistency(start, end, n, &proof, &sub_root, &log.root()).is_ok());
        let index = start + s % (end - start);
        let incl = inclusion_proof_from_leaves(&leaves[start as usize..end as usize], index - start, end - start).unwrap();
        prop_assert!(verify_subtree_inclusion(index, start, end, &leaves[index as usize], &incl, &sub_root).is_ok());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            bad[0][0] ^= 1;
            prop_assert!(verify_subtree_consistency(start, end, n, &bad, &sub_root, &log.root()).is_err());
        }
    }

    #[test]
    fn frontier_restored_from_storage_continues_the_same_log(n in 0u64..700, more in 1u64..40) {
        let (log, _) = build(n);
        let mut restored = Frontier::restore(log.store(), n).unwrap();
        prop_assert_eq!(restored.root(), log.root());
        let mut original = log.clone();
        for i in 0..more {
            let data = format!("later {i}");
            restored.append(data.as_bytes());
            original.append(data.as_bytes());
        }
        prop_assert_eq!(restored.root(), original.root());
    }

    #[test]
    fn storage_stays_under_forty_bytes_of_hashes_per_record(n in 1u64..5000) {
        let (log, _) = build(n);
        let bytes = log.store().hash_count() * 32;
        prop_assert!(bytes <= 40 * n, "{bytes} bytes for {n} records");
    }
}

#[test]
fn needed_runs_cover_exactly_the_needed_ids_in_order() {
    use oversight_tlog::{HashPlan, NodeId};
    for (index, size) in [(0u64, 1u64), (5, 1000), (999_999, 1_000_000), (123_456, 1_000_000)] {
        let plan = HashPlan::inclusion(index, size).unwrap();
        let expanded: Vec<NodeId> = plan
            .needed_runs()
            .iter()
            .flat_map(|&(level, first, count)| {
                (first..first + count).map(move |index| NodeId { level, index })
            })
            .collect();
        assert_eq!(expanded, plan.needed());
        assert!(plan.needed_runs().len() <= 64);
    }
}
