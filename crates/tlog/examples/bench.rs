//! Benchmark of the log's hot paths at 1,000,000 records. Run with
//! `cargo run --release -p oversight-tlog --example bench [-- RECORDS [RUNS]]`.
//!
//! Prints the median over RUNS (default 5) of: append throughput (leaf hashing + tree update +
//! storing the returned hashes), inclusion and consistency proof generation from the compact
//! store, bytes of hashes stored per record, and full verification (recompute every leaf hash and
//! the root from the records).

use std::hint::black_box;
use std::time::{Duration, Instant};

use oversight_tlog::{
    HashPlan, MemoryLog, leaf_hash, root_from_leaf_hashes, verify_consistency, verify_inclusion,
};

/// A public record of realistic size (~350 bytes of JSON).
fn record(i: u64) -> Vec<u8> {
    format!(
        concat!(
            "{{\"index\":{},\"date\":\"2026-03-{:02}\",\"licence_type\":\"individual\",",
            "\"outcome\":\"issued\",\"destination\":\"BR\",\"end_user_sector\":\"telecommunications\",",
            "\"control_entries\":[\"5A001.j\",\"5D001\"],\"cyber_surveillance\":true,",
            "\"goods_summary\":\"IP network communications surveillance system\",",
            "\"value_band\":\"100k-1M\",\"processing_days\":{},\"rationale\":\"Assessed against ",
            "criteria 1-8; end-use assurances verified.\"}}"
        ),
        i,
        1 + i % 28,
        i % 90
    )
    .into_bytes()
}

/// xorshift64*: deterministic pseudo-random positions, so runs are comparable.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn median(v: Vec<f64>) -> f64 {
    percentile(v, 0.5)
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(1_000_000, |a| a.parse().expect("RECORDS"));
    let runs: usize = args.next().map_or(5, |a| a.parse().expect("RUNS"));
    const PROOFS: usize = 2_000;

    println!("records: {n}, runs: {runs}, proofs per run: {PROOFS}");
    let records: Vec<Vec<u8>> = (0..n).map(record).collect();
    let avg_len = records.iter().map(Vec::len).sum::<usize>() as f64 / n as f64;
    println!("average record size: {avg_len:.0} bytes");

    let (mut append_rates, mut incl_us, mut cons_us, mut verify_s) = (vec![], vec![], vec![], vec![]);
    let (mut incl_p99, mut cons_p99) = (vec![], vec![]);
    let (mut incl_reads, mut cons_reads) = (0usize, 0usize);
    let (mut incl_runs, mut cons_runs) = (0usize, 0usize);
    let mut log = MemoryLog::new();
    for run in 0..runs {
        // Append: leaf hash + frontier update + persisting returned hashes (in memory).
        log = MemoryLog::new();
        let t = Instant::now();
        for r in &records {
            log.append(r);
        }
        append_rates.push(n as f64 / t.elapsed().as_secs_f64());
        let root = log.root();

        // Inclusion proofs at the full size, random leaves.
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 + run as u64);
        let mut times = Vec::with_capacity(PROOFS);
        for _ in 0..PROOFS {
            let i = rng.below(n);
            let t = Instant::now();
            let proof = black_box(log.inclusion_proof(i, n).unwrap());
            times.push(micros(t.elapsed()));
            if run == 0 {
                let plan = HashPlan::inclusion(i, n).unwrap();
                incl_reads += plan.needed().len();
                incl_runs += plan.needed_runs().len();
                verify_inclusion(i, n, &leaf_hash(&records[i as usize]), &proof, &root).unwrap();
            }
        }
        incl_p99.push(percentile(times.clone(), 0.99));
        incl_us.push(median(times));

        // Consistency proofs from a random older size to the full size.
        let mut times = Vec::with_capacity(PROOFS);
        for k in 0..PROOFS {
            let old = 1 + rng.below(n - 1);
            let t = Instant::now();
            let proof = black_box(log.consistency_proof(old, n).unwrap());
            times.push(micros(t.elapsed()));
            if run == 0 {
                let plan = HashPlan::consistency(old, n).unwrap();
                cons_reads += plan.needed().len();
                cons_runs += plan.needed_runs().len();
                if k < 50 {
                    let old_root = log.root_at(old).unwrap();
                    verify_consistency(old, n, &proof, &old_root, &root).unwrap();
                }
            }
        }
        cons_p99.push(percentile(times.clone(), 0.99));
        cons_us.push(median(times));

        // Full verification: what the independent verifier does after downloading every record.
        let t = Instant::now();
        let leaves: Vec<_> = records.iter().map(|r| leaf_hash(r)).collect();
        let recomputed = root_from_leaf_hashes(&leaves);
        verify_s.push(t.elapsed().as_secs_f64());
        assert_eq!(recomputed, root);
    }

    let stored = log.store().hash_count();
    println!("append throughput: {:.0} records/s (median)", median(append_rates));
    println!(
        "inclusion proof at {n}: median {:.1} µs, p99 {:.1} µs, {:.0} stored hashes read per proof in {:.0} index ranges",
        median(incl_us),
        median(incl_p99),
        incl_reads as f64 / PROOFS as f64,
        incl_runs as f64 / PROOFS as f64
    );
    println!(
        "consistency proof at {n}: median {:.1} µs, p99 {:.1} µs, {:.0} stored hashes read per proof in {:.0} index ranges",
        median(cons_us),
        median(cons_p99),
        cons_reads as f64 / PROOFS as f64,
        cons_runs as f64 / PROOFS as f64
    );
    println!("storage: {stored} hashes = {:.2} bytes of hashes per record", stored as f64 * 32.0 / n as f64);
    println!("full verification (hash {n} records + recompute root): {:.3} s (median)", median(verify_s));
}
