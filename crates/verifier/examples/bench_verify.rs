//! End-to-end timing of `verify` against a local register serving N records (default 1,000,000)
//! over HTTP: `cargo run --release -p oversight-verify --example bench_verify [-- N [RUNS]]`.
//!
//! The register here is a minimal in-process HTTP server with the same contract as the real one
//! (pages of 1000 entries); the figure includes HTTP, JSON, base64, hashing and matching every
//! published record, i.e. what a watchdog pays to check a whole log.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_tlog::{Checkpoint, MemoryLog, NoteSigner};
use oversight_verify::{VerifyOptions, verify};

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

struct Served {
    records: Vec<Vec<u8>>,
    log: MemoryLog,
    checkpoint: String,
    vkey: String,
    jsonl: Vec<u8>,
}

fn respond(s: &Served, path: &str) -> (u16, Vec<u8>) {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let q = |name: &str| -> u64 {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let n = s.records.len() as u64;
    match route {
        "/log/key" => (200, s.vkey.clone().into_bytes()),
        "/log/checkpoint" => (200, s.checkpoint.clone().into_bytes()),
        "/log/entries" => {
            let start = q("start");
            let end = q("end").min(n).min(start + 1000);
            let entries: Vec<String> = (start..end).map(|i| B64.encode(&s.records[i as usize])).collect();
            (200, serde_json::json!({"start": start, "entries": entries}).to_string().into_bytes())
        }
        "/log/proof/inclusion" => {
            let (index, size) = (q("index"), q("size"));
            let proof: Vec<String> =
                s.log.inclusion_proof(index, size).unwrap().iter().map(|h| B64.encode(h)).collect();
            let leaf = B64.encode(s.log.store().leaf_hashes()[index as usize]);
            let body = serde_json::json!({"index": index, "size": size, "leaf_hash": leaf, "proof": proof});
            (200, body.to_string().into_bytes())
        }
        "/register/decisions.jsonl" => (200, s.jsonl.clone()),
        _ => (404, b"not found".to_vec()),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().map_or(1_000_000, |a| a.parse().expect("N"));
    let runs: usize = args.next().map_or(3, |a| a.parse().expect("RUNS"));

    let records: Vec<Vec<u8>> = (0..n).map(record).collect();
    let mut log = MemoryLog::new();
    let mut jsonl = Vec::new();
    for r in &records {
        log.append(r);
        jsonl.extend_from_slice(r);
        jsonl.push(b'\n');
    }
    let signer = NoteSigner::new("bench.example/log", &[1; 32]).unwrap();
    let checkpoint = Checkpoint::new("bench.example/log", n, log.root()).sign(&signer).unwrap();
    let served = Arc::new(Served { records, log, checkpoint, vkey: signer.verifier_key(), jsonl });

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let s = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|k| k > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = respond(&s, &path);
            let head =
                format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });

    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let report = verify(&VerifyOptions::new(url.clone())).unwrap();
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(report.size, n);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "verify over HTTP, {n} records ({} MB of records): median {:.2} s over {runs} runs (min {:.2} s, max {:.2} s)",
        served.jsonl.len() / 1_000_000,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}
