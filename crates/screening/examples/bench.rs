//! Accuracy and speed benchmark on the US Consolidated Screening List and the development query
//! set, plus an optional synthetic large-list latency test.
//!
//! ```text
//! cargo run --release -p oversight-screening --example bench -- [--data DIR] [--out RESULTS.jsonl]
//!     [--threshold T] [--runs N] [--synthetic ENTRIES]
//! ```
//! `DIR` defaults to the first of `../shared/data`, `../../shared/data` that exists (the reference
//! data is not shipped with the project); without it the benchmark prints a skip message.

use oversight_screening::{DEFAULT_THRESHOLD, Entry, Index, NameStrength, Query, Schema, formats};
use rayon::prelude::*;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Args {
    data: Option<PathBuf>,
    out: PathBuf,
    threshold: f64,
    runs: usize,
    synthetic: Option<usize>,
}

fn parse_args() -> Args {
    let mut a = Args {
        data: None,
        out: std::env::temp_dir().join("oversight-screening-bench-results.jsonl"),
        threshold: DEFAULT_THRESHOLD,
        runs: 5,
        synthetic: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => a.data = Some(PathBuf::from(val())),
            "--out" => a.out = PathBuf::from(val()),
            "--threshold" => a.threshold = val().parse().expect("--threshold takes a number"),
            "--runs" => a.runs = val().parse().expect("--runs takes a number"),
            "--synthetic" => a.synthetic = Some(val().parse().expect("--synthetic takes a number")),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU seconds used so far by the calling thread (Linux), so that single-core speed can be
/// stated independently of other load on a shared machine.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn main() {
    let args = parse_args();
    let candidates = [
        PathBuf::from("../shared/data"),
        PathBuf::from("../../shared/data"),
        PathBuf::from("../../../shared/data"),
    ];
    let data = args.data.clone().or_else(|| candidates.into_iter().find(|p| p.join("lists").is_dir()));
    let Some(data) = data else {
        println!(
            "SKIP: reference data not found (looked for ../shared/data); pass --data DIR to run the benchmark"
        );
        return;
    };
    let csl = data.join("lists/us_csl_2022-05/consolidated.csv");
    let queries_path = data.join("screening-dev/queries_csl.jsonl");
    if !csl.is_file() || !queries_path.is_file() {
        println!("SKIP: {} or {} missing", csl.display(), queries_path.display());
        return;
    }
    let cores = rayon::current_num_threads();
    println!("machine: {cores} threads available to rayon");

    let mut parse_t = Vec::new();
    let mut build_t = Vec::new();
    let mut index = None;
    for _ in 0..3 {
        let t = Instant::now();
        let entries = formats::parse_csl_csv(&csl).expect("CSL parses");
        parse_t.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let idx = Index::build(entries);
        build_t.push(t.elapsed().as_secs_f64());
        index = Some(idx);
    }
    let index = index.expect("built");
    println!(
        "CSL: {} entries, {} names; parse {:.3} s, index build {:.3} s, parse+build {:.3} s (median of 3)",
        index.len(),
        index.name_count(),
        median(parse_t.clone()),
        median(build_t.clone()),
        median(parse_t.iter().zip(&build_t).map(|(a, b)| a + b).collect())
    );
    if let Some(mb) = rss_mb() {
        // Includes the entries, the index, the person-name table (parsed on the first build) and
        // the allocator's free memory from the two earlier builds.
        println!("resident memory with the CSL index built: {mb:.0} MB");
    }

    let lines: Vec<String> = std::io::BufReader::new(std::fs::File::open(&queries_path).expect("queries"))
        .lines()
        .map(|l| l.expect("readable"))
        .filter(|l| !l.trim().is_empty())
        .collect();
    let queries: Vec<(serde_json::Value, Query)> = lines
        .iter()
        .map(|l| {
            let bq: oversight_screening::BatchQuery = serde_json::from_str(l).expect("query JSON");
            (bq.id.clone(), bq.to_query().expect("valid query"))
        })
        .collect();

    // Accuracy run: write results in the batch output format for score.py.
    {
        let file = std::fs::File::create(&args.out).expect("results file");
        let n = oversight_screening::screen_batch(
            &index,
            std::io::BufReader::new(std::fs::File::open(&queries_path).expect("queries")),
            std::io::BufWriter::new(file),
            args.threshold,
            None,
        )
        .expect("batch");
        println!("wrote {n} results to {}", args.out.display());
    }

    let mut single = Vec::new();
    let mut multi = Vec::new();
    let mut cpu_time = 0.0;
    let mut cpu_queries = 0usize;
    for _ in 0..args.runs {
        let t = Instant::now();
        let cpu = thread_cpu_seconds();
        let mut alerts = 0usize;
        for (_, q) in &queries {
            alerts += index.screen(q, args.threshold).len();
        }
        single.push(queries.len() as f64 / t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu, thread_cpu_seconds()) {
            cpu_time += b - a;
            cpu_queries += queries.len();
        }
        std::hint::black_box(alerts);
        let t = Instant::now();
        let alerts: usize = queries.par_iter().map(|(_, q)| index.screen(q, args.threshold).len()).sum();
        multi.push(queries.len() as f64 / t.elapsed().as_secs_f64());
        std::hint::black_box(alerts);
    }
    println!(
        "queries/s over {} queries, median of {} runs: single core {:.0}, all cores ({cores}) {:.0}",
        queries.len(),
        args.runs,
        median(single),
        median(multi)
    );
    if cpu_time > 0.0 {
        println!(
            "single-thread queries per CPU-second (unaffected by other load): {:.0}",
            cpu_queries as f64 / cpu_time
        );
    }
    let score_py = data.join("screening-dev/score.py");
    match std::process::Command::new("python3").arg(&score_py).arg(&queries_path).arg(&args.out).output() {
        Ok(o) if o.status.success() => {
            println!("--- score.py (threshold {}) ---", args.threshold);
            print!("{}", String::from_utf8_lossy(&o.stdout));
        }
        _ => println!(
            "score with: python3 {} {} {}",
            score_py.display(),
            queries_path.display(),
            args.out.display()
        ),
    }

    delta_rescreen(index.entries(), &queries);

    if let Some(n) = args.synthetic {
        synthetic(index.entries(), n, &queries);
    }
}

/// Delta re-screening: 100,000 parties (the development queries, repeated) against a
/// 1,000-entry list update, on all cores.
fn delta_rescreen(real: &[Entry], queries: &[(serde_json::Value, Query)]) {
    let update: Vec<Entry> = real.iter().step_by(real.len() / 1000).take(1000).cloned().collect();
    let t = Instant::now();
    let index = Index::build(update);
    let build = t.elapsed();
    let parties: Vec<&Query> = queries.iter().map(|(_, q)| q).cycle().take(100_000).collect();
    let t = Instant::now();
    let alerts: usize = parties.par_iter().map(|q| index.screen(q, DEFAULT_THRESHOLD).len()).sum();
    println!(
        "delta re-screening: {} parties against a {}-entry update: index {:.3} s, screening {:.2} s on all cores ({alerts} alerts)",
        parties.len(),
        index.len(),
        build.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
}

/// A deterministic generator (no randomness the benchmark did not seed itself).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

/// Builds `n` entries by recombining real name parts of the CSL (given names with family names,
/// organisation words with legal forms) and measures build time, latency percentiles and memory.
fn synthetic(real: &[Entry], n: usize, queries: &[(serde_json::Value, Query)]) {
    let mut person_parts: Vec<Vec<String>> = vec![Vec::new(), Vec::new(), Vec::new()];
    let mut org_words: Vec<String> = Vec::new();
    for e in real {
        for name in &e.names {
            let words: Vec<String> =
                name.name.replace(',', " ").split_whitespace().map(str::to_string).collect();
            match e.schema {
                Schema::Person => {
                    for (k, w) in words.iter().take(3).enumerate() {
                        person_parts[k].push(w.clone());
                    }
                }
                _ => org_words.extend(words),
            }
        }
    }
    let legal = ["LLC", "LTD", "CO., LTD.", "JSC", "GMBH", "S.A.", "FZE", "INC."];
    let mut rng = Lcg(42);
    let rss_before = rss_mb();
    let t = Instant::now();
    let mut entries: Vec<Entry> = Vec::with_capacity(n);
    for i in 0..n {
        let person = i % 2 == 0;
        let mut e = Entry::new(
            "synthetic",
            format!("syn-{i}"),
            if person { Schema::Person } else { Schema::Organization },
        );
        let name = if person {
            let k = 2 + rng.next() % 2;
            (0..k)
                .map(|p| person_parts[p][rng.next() % person_parts[p].len()].clone())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            let k = 1 + rng.next() % 3;
            let mut w: Vec<String> =
                (0..k).map(|_| org_words[rng.next() % org_words.len()].clone()).collect();
            w.push(legal[rng.next() % legal.len()].to_string());
            w.join(" ")
        };
        e.add_name(&name, NameStrength::Primary, None);
        if rng.next().is_multiple_of(3) {
            let alias = name.split_whitespace().rev().collect::<Vec<_>>().join(" ");
            e.add_name(&alias, NameStrength::Strong, Some("aka"));
        }
        entries.push(e);
    }
    let gen_t = t.elapsed();
    let t = Instant::now();
    let index = Index::build(entries);
    let build_t = t.elapsed();
    let rss_after = rss_mb();
    let mut lat: Vec<Duration> = Vec::with_capacity(queries.len());
    for (_, q) in queries {
        let t = Instant::now();
        std::hint::black_box(index.screen(q, DEFAULT_THRESHOLD));
        lat.push(t.elapsed());
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
    println!(
        "synthetic: {} entries, {} names; generated in {:.1} s, index build {:.1} s; single-core latency over {} queries: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        index.len(),
        index.name_count(),
        gen_t.as_secs_f64(),
        build_t.as_secs_f64(),
        lat.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    if let (Some(a), Some(b)) = (rss_before, rss_after) {
        println!("synthetic: resident memory {:.0} MB after build ({:.0} MB for entries + index)", b, b - a);
    }
}
