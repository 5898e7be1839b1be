//! The flow a database-backed server follows (docs/transparency-log.md), with a `BTreeMap`
//! standing in for the `tlog_hashes (level, idx) → hash` table and range reads standing in for SQL.

use std::collections::BTreeMap;

use oversight_tlog::{
    Checkpoint, Frontier, Hash, HashPlan, NoteSigner, StoredHash, leaf_hash, open_checkpoint,
    verify_consistency, verify_inclusion,
};

#[derive(Default)]
struct Table(BTreeMap<(u32, u64), Hash>);

impl Table {
    fn insert(&mut self, rows: &[StoredHash]) {
        for h in rows {
            assert!(self.0.insert((h.id.level, h.id.index), h.hash).is_none(), "rows are never rewritten");
        }
    }

    /// `SELECT hash … WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx`, once per run.
    fn fetch(&self, plan: &HashPlan) -> Vec<Hash> {
        plan.needed_runs()
            .into_iter()
            .flat_map(|(level, first, count)| {
                self.0.range((level, first)..(level, first + count)).map(|(_, h)| *h)
            })
            .collect()
    }
}

#[test]
fn server_flow_appends_restarts_signs_and_serves_verifiable_proofs() {
    let mut table = Table::default();
    let mut frontier = Frontier::new();
    let records: Vec<Vec<u8>> = (0..300).map(|i| format!("{{\"index\":{i}}}").into_bytes()).collect();

    for (i, record) in records.iter().enumerate() {
        // A server restart halfway: rebuild the frontier from the table alone.
        if i == 150 {
            let plan = HashPlan::for_ranges(&Frontier::peak_ranges(150));
            let restored = Frontier::from_peaks(150, plan.compute(&table.fetch(&plan)).unwrap()).unwrap();
            assert_eq!(restored, frontier);
            frontier = restored;
        }
        let mut next = frontier.clone();
        let mut out = Vec::new();
        next.append_leaf_hash_into(leaf_hash(record), &mut out);
        table.insert(&out);
        frontier = next;
    }
    assert!(table.0.len() as u64 * 32 <= 40 * 300);

    let signer = NoteSigner::new("register.test/log", &[5; 32]).unwrap();
    let note = Checkpoint::new(signer.name(), frontier.size(), frontier.root()).sign(&signer).unwrap();
    let checkpoint = open_checkpoint(&note, &signer.verifier()).unwrap().checkpoint;

    let plan = HashPlan::inclusion(123, checkpoint.size).unwrap();
    let proof = plan.compute(&table.fetch(&plan)).unwrap();
    let leaf = table.0[&(0, 123)];
    verify_inclusion(123, checkpoint.size, &leaf, &proof, &checkpoint.root).unwrap();

    let old_plan = HashPlan::root(77);
    let old_root = old_plan.compute(&table.fetch(&old_plan)).unwrap()[0];
    let plan = HashPlan::consistency(77, checkpoint.size).unwrap();
    let proof = plan.compute(&table.fetch(&plan)).unwrap();
    verify_consistency(77, checkpoint.size, &proof, &old_root, &checkpoint.root).unwrap();
}
