//! Benchmark of the transparency log on SQLite (issue #5 targets).
//!
//! ```sh
//! cargo run --release -p oversight-store --example log_bench -- [RECORDS] [RUNS]
//! ```
//!
//! (RECORDS = 0 runs the throughput figures only.)
//!
//! Measures, on a fresh database in a temporary directory:
//! 1. appends with checkpoint signing, one record per transaction (each an fsync'd commit, as a
//!    decision is published) and 100 records per transaction (a bulk publication), records/s;
//!    Then published records under concurrency, as the server publishes them: 32 writers each
//!    appending one event with its record at a time (so concurrent appends can share a commit)
//!    while a sequencer signs a checkpoint every 250 ms; records/s until the last is signed;
//! 2. inclusion and consistency proofs served from the database at RECORDS (default 1,000,000)
//!    leaves: median and p99 over many random proofs;
//! 3. bytes of hashes stored per record;
//! 4. full verification: read every leaf back, hash it and recompute the root.

use chrono::Utc;
use oversight_store::{EventStore, NewEvent, sqlite::SqliteStore};
use oversight_tlog::{HashPlan, NoteSigner, leaf_hash, root_from_leaf_hashes};
use std::time::Instant;

fn record(i: u64) -> Vec<u8> {
    // A realistic register record of about 600 bytes.
    format!(
        r#"{{"record_id":"01a21c89-d209-76d7-bacf-{i:012}","kind":"licence_issued_with_conditions","published_at":"2026-11-27T10:00:00Z","case_id":"01a21c89-d1db-7784-b166-{i:012}","licence_number":"OVS-2026-{i:08X}","licence_type":"standard individual export licence","decision_date":"2026-11-27","destination":"BR","destination_name":"Brazil","end_user_sector":"police","control_entries":["5D001.e"],"cyber_surveillance":true,"goods_summary":"Law-enforcement monitoring software (5D001.e)","value_band":"1 to 10 million EUR","refusal_criteria":[],"conditions":["End-use assurance signed by the end user before shipment"],"processing_working_days":17,"public_rationale":"Licensed with conditions.","first_decision":true}}"#
    )
    .into_bytes()
}

fn ev() -> NewEvent {
    NewEvent { kind: "decided".into(), payload: serde_json::json!({}), actor: None, recorded_at: Utc::now() }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let records: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3);
    let signer = NoteSigner::new("bench.example/log", &[9u8; 32]).unwrap();

    // 1. Append throughput with signing.
    for (label, per_tx, total) in
        [("1 record per transaction", 1u64, 2_000u64), ("100 records per transaction", 100, 20_000)]
    {
        let mut rates = Vec::new();
        for _ in 0..runs {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(&format!("sqlite://{}", dir.path().join("b.db").display()), true)
                .await
                .unwrap();
            let start = Instant::now();
            let mut n = 0;
            while n < total {
                let leaves: Vec<(usize, Vec<u8>)> = (0..per_tx).map(|i| (0, record(n + i))).collect();
                store.append_published(&format!("case-{n}"), 0, &[ev()], &leaves).await.unwrap();
                store.integrate_log(&signer, Utc::now()).await.unwrap();
                n += per_tx;
            }
            rates.push(total as f64 / start.elapsed().as_secs_f64());
        }
        println!("append + sign checkpoint, {label}: median {:.0} records/s over {runs} runs", median(rates));
    }

    // Published records under concurrency: 32 writers, one record per append, a sequencer.
    let (writers, per_writer) = (32u64, 500u64);
    let signer = std::sync::Arc::new(signer);
    let mut rates = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(
            SqliteStore::open(&format!("sqlite://{}", dir.path().join("c.db").display()), true)
                .await
                .unwrap(),
        );
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sequencer = {
            let (store, signer, done) = (store.clone(), signer.clone(), done.clone());
            tokio::spawn(async move {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                    store.integrate_log(&signer, Utc::now()).await.unwrap();
                }
            })
        };
        let start = Instant::now();
        let tasks: Vec<_> = (0..writers)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    for i in 0..per_writer {
                        let n = w * per_writer + i;
                        store
                            .append_published(&format!("case-{n}"), 0, &[ev()], &[(0, record(n))])
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        sequencer.await.unwrap();
        store.integrate_log(&signer, Utc::now()).await.unwrap();
        let total = writers * per_writer;
        assert_eq!(store.latest_checkpoint().await.unwrap().unwrap().size, total);
        rates.push(total as f64 / start.elapsed().as_secs_f64());
    }
    println!(
        "{writers} concurrent writers, one record per append, checkpoint every 250 ms: median {:.0} records/s over {runs} runs",
        median(rates)
    );
    if records == 0 {
        return;
    }

    // 2–4. A large log.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.db");
    let store = SqliteStore::open(&format!("sqlite://{}", path.display()), true).await.unwrap();
    let build = Instant::now();
    let mut n = 0;
    while n < records {
        let batch = 10_000.min(records - n);
        let leaves: Vec<(usize, Vec<u8>)> = (0..batch).map(|i| (0, record(n + i))).collect();
        store.append_published(&format!("bulk-{n}"), 0, &[ev()], &leaves).await.unwrap();
        store.integrate_log(&signer, Utc::now()).await.unwrap();
        n += batch;
    }
    println!("built a log of {records} records in {:.1} s", build.elapsed().as_secs_f64());

    let hashes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM log_hashes").fetch_one(store.pool()).await.unwrap();
    println!(
        "stored hashes: {hashes} = {:.2} bytes of hashes per record",
        hashes as f64 * 32.0 / records as f64
    );

    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for kind in ["inclusion", "consistency"] {
        let mut times = Vec::new();
        for _ in 0..2000 {
            let plan = if kind == "inclusion" {
                HashPlan::inclusion(rand() % records, records).unwrap()
            } else {
                HashPlan::consistency(1 + rand() % (records - 1), records).unwrap()
            };
            let t = Instant::now();
            let fetched = store.log_hashes(&plan.needed_runs()).await.unwrap();
            let proof = plan.compute(&fetched).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(!proof.is_empty());
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "{kind} proof at {records} records, from SQLite: median {:.3} ms, p99 {:.3} ms",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }

    let mut verify_times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let mut leaf_hashes = Vec::with_capacity(records as usize);
        let mut at = 0;
        while at < records {
            let end = (at + 10_000).min(records);
            for l in store.log_leaves(at, end).await.unwrap() {
                leaf_hashes.push(leaf_hash(&l));
            }
            at = end;
        }
        let root = root_from_leaf_hashes(&leaf_hashes);
        assert_eq!(root, store.latest_checkpoint().await.unwrap().unwrap().root);
        verify_times.push(t.elapsed().as_secs_f64());
    }
    println!(
        "full verification (read {records} leaves, hash, recompute root): median {:.2} s",
        median(verify_times)
    );
}
