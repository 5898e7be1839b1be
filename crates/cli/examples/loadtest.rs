//! A bounded load test for one or several `oversight serve` nodes on loopback.
//!
//! ```text
//! oversight serve --db sqlite:///tmp/load.db --addr 127.0.0.1:8080 --demo
//! cargo run --release -p oversight-cli --example loadtest -- --url http://127.0.0.1:8080 --clients 32 --seconds 60
//! ```
//!
//! Logs in the demo users (password `oversight-demo-2026`) on every node, then runs `--clients`
//! concurrent clients for `--seconds`. Client `i` talks to node `i mod nodes` as one of the demo
//! exporters, and repeats the life of a filing: create a draft, add an item, add the end user,
//! submit, read the case back; every fourth round it also lists its organisation's applications, and
//! reads the officer's work queue (its first page, as the officer) on the same node. Each client owns its drafts,
//! so a conflict (409) is an error here, as is any non-2xx answer or a transport failure.
//!
//! Afterwards it checks that no acknowledged write was lost: every case whose creation was
//! acknowledged is read back through every node (the nodes get 10 s to catch up), with at least
//! the items and parties acknowledged, and submitted if the submission was acknowledged. It also
//! counts the opposite, writes answered with an error that were stored all the same. It prints
//! throughput, latency percentiles per request kind, and these counts, and exits non-zero if any
//! count is not zero.
//!
//! Bounded on purpose: loopback addresses only, at most 256 clients and 600 seconds.

use clap::Parser;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "oversight-demo-2026";
const EXPORTERS: [&str; 3] = [
    "compliance@nordwatch.example",
    "compliance@helix-forensics.example",
    "compliance@sentinel-signal.example",
];
const OFFICER: &str = "officer@authority.example";

#[derive(Parser, Debug)]
#[command(about = "Bounded load test against Oversight nodes on loopback")]
struct Args {
    /// Base URL of a node (repeat for several nodes), e.g. http://127.0.0.1:8080
    #[arg(long = "url", required = true)]
    urls: Vec<String>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=256))]
    clients: u32,
    /// Duration of the measured window.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=600))]
    seconds: u64,
}

/// A logged-in session on one node, shared by the clients that act as this user there.
#[derive(Clone)]
struct Session {
    base: String,
    client: Client,
    csrf: String,
}

impl Session {
    async fn login(base: &str, email: &str) -> anyhow::Result<Session> {
        let client = Client::builder().cookie_store(true).timeout(Duration::from_secs(30)).build()?;
        let resp = client
            .post(format!("{base}/api/session"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await?;
        anyhow::ensure!(resp.status() == StatusCode::OK, "login {email} on {base}: {}", resp.status());
        let body: Value = resp.json().await?;
        let csrf = body["csrf_token"].as_str().unwrap_or_default().to_string();
        Ok(Session { base: base.to_string(), client, csrf })
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), String> {
        let mut req =
            self.client.request(method, format!("{}{path}", self.base)).header("X-CSRF-Token", &self.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
}

/// The kinds of request, for per-kind latency figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Create,
    AddItem,
    AddParty,
    Submit,
    ReadCase,
    ListOwn,
    Queue,
}

impl Kind {
    fn is_write(self) -> bool {
        matches!(self, Kind::Create | Kind::AddItem | Kind::AddParty | Kind::Submit)
    }
}

/// What one client did: latencies per kind, errors, and the writes it had acknowledged.
#[derive(Default)]
struct Tally {
    latencies: BTreeMap<Kind, Vec<Duration>>,
    errors: Vec<String>,
    /// (case id, items acknowledged, parties acknowledged, submission acknowledged)
    cases: Vec<(String, usize, usize, bool)>,
}

impl Tally {
    /// Times one request; returns its body if it succeeded with `want`.
    async fn run(
        &mut self,
        kind: Kind,
        s: &Session,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Option<Value> {
        let start = Instant::now();
        let reply = s.call(method, path, body).await;
        self.latencies.entry(kind).or_default().push(start.elapsed());
        match reply {
            Ok((status, body)) if status.is_success() => Some(body),
            Ok((status, body)) => {
                self.errors.push(format!("{kind:?} {path} on {}: {status} {body}", s.base));
                None
            }
            Err(e) => {
                self.errors.push(format!("{kind:?} {path} on {}: {e}", s.base));
                None
            }
        }
    }
}

async fn client_loop(id: u32, exporter: Session, officer: Session, until: Instant) -> Tally {
    let mut t = Tally::default();
    let mut round = 0u64;
    while Instant::now() < until {
        round += 1;
        let title = format!("Load c{id} r{round}");
        let Some(app) = t
            .run(
                Kind::Create,
                &exporter,
                Method::POST,
                "/api/applications",
                Some(json!({"title": title, "end_use": "Lawful interception under judicial warrant", "destination": "NO"})),
            )
            .await
        else {
            continue;
        };
        let Some(case) = app["id"].as_str().map(str::to_string) else {
            t.errors.push(format!("create answered without an id: {app}"));
            continue;
        };
        t.cases.push((case.clone(), 0, 0, false));
        let item = json!({"control_code": "5A001.f", "description": format!("IMSI catcher {round}"), "quantity": 1, "value_eur": 85000});
        if t.run(
            Kind::AddItem,
            &exporter,
            Method::POST,
            &format!("/api/applications/{case}/items"),
            Some(item),
        )
        .await
        .is_some()
        {
            t.cases.last_mut().unwrap().1 += 1;
        }
        let party = json!({"role": "end_user", "name": "Politiets sikkerhetstjeneste", "address": "Nydalen, Oslo", "country": "NO", "sector": "police"});
        if t.run(
            Kind::AddParty,
            &exporter,
            Method::POST,
            &format!("/api/applications/{case}/parties"),
            Some(party),
        )
        .await
        .is_some()
        {
            t.cases.last_mut().unwrap().2 += 1;
        }
        if t.run(
            Kind::Submit,
            &exporter,
            Method::POST,
            &format!("/api/applications/{case}/submit"),
            Some(json!({})),
        )
        .await
        .is_some()
        {
            t.cases.last_mut().unwrap().3 = true;
        }
        t.run(Kind::ReadCase, &exporter, Method::GET, &format!("/api/applications/{case}"), None).await;
        if round.is_multiple_of(4) {
            t.run(Kind::ListOwn, &exporter, Method::GET, "/api/applications?status=draft", None).await;
            t.run(Kind::Queue, &officer, Method::GET, "/api/queue", None).await;
        }
    }
    t
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    for url in &args.urls {
        let host = url.trim_start_matches("http://").split(['/', ':']).next().unwrap_or_default();
        let host = if url.trim_start_matches("http://").starts_with("[::1]") { "::1" } else { host };
        anyhow::ensure!(
            url.starts_with("http://") && ["127.0.0.1", "localhost", "::1"].contains(&host),
            "refusing {url}: this load test only targets loopback (http://127.0.0.1:PORT)"
        );
    }
    let urls: Vec<String> = args.urls.iter().map(|u| u.trim_end_matches('/').to_string()).collect();

    // One session per (node, user), logged in before the clock starts.
    let mut exporters: Vec<Vec<Session>> = Vec::new();
    let mut officers: Vec<Session> = Vec::new();
    for url in &urls {
        let mut per_node = Vec::new();
        for email in EXPORTERS {
            per_node.push(Session::login(url, email).await?);
        }
        exporters.push(per_node);
        officers.push(Session::login(url, OFFICER).await?);
    }
    // Sessions started on one node must be known on the others before clients use them there.
    tokio::time::sleep(Duration::from_secs(1)).await;

    println!(
        "load test: {} client(s) for {} s against {} node(s): {}",
        args.clients,
        args.seconds,
        urls.len(),
        urls.join(", ")
    );
    let start = Instant::now();
    let until = start + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let node = c as usize % urls.len();
        let exporter = exporters[node][(c as usize / urls.len()) % EXPORTERS.len()].clone();
        let officer = officers[node].clone();
        tasks.push(tokio::spawn(client_loop(c, exporter, officer, until)));
    }
    let mut all = Tally::default();
    for task in tasks {
        let t = task.await?;
        for (k, v) in t.latencies {
            all.latencies.entry(k).or_default().extend(v);
        }
        all.errors.extend(t.errors);
        all.cases.extend(t.cases);
    }
    let elapsed = start.elapsed().as_secs_f64();

    let mut every: Vec<Duration> = Vec::new();
    let mut writes = 0usize;
    println!("{:<10} {:>8} {:>10} {:>10} {:>10}", "request", "count", "p50", "p99", "max");
    for (kind, lat) in all.latencies.iter_mut() {
        lat.sort();
        if kind.is_write() {
            writes += lat.len();
        }
        every.extend(lat.iter().copied());
        println!(
            "{:<10} {:>8} {:>10} {:>10} {:>10}",
            format!("{kind:?}"),
            lat.len(),
            ms(percentile(lat, 50.0)),
            ms(percentile(lat, 99.0)),
            ms(*lat.last().unwrap_or(&Duration::ZERO))
        );
    }
    every.sort();
    println!(
        "total: {} requests in {elapsed:.1} s = {:.0} req/s, {writes} writes = {:.0} writes/s, p50 {}, p99 {}",
        every.len(),
        every.len() as f64 / elapsed,
        writes as f64 / elapsed,
        ms(percentile(&every, 50.0)),
        ms(percentile(&every, 99.0)),
    );
    println!("errors: {}", all.errors.len());
    for e in all.errors.iter().take(10) {
        println!("  {e}");
    }

    // Lost writes: every acknowledged case, read back through every node, with what was acknowledged.
    let m = verify(&all.cases, &exporters).await;
    println!("acknowledged cases: {}, lost writes: {}", all.cases.len(), m.lost.len());
    for l in m.lost.iter().take(10) {
        println!("  {l}");
    }
    println!("writes answered with an error but stored all the same: {}", m.refused_but_stored.len());
    for l in m.refused_but_stored.iter().take(5) {
        println!("  {l}");
    }
    if !all.errors.is_empty() || !m.lost.is_empty() || !m.refused_but_stored.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// What the read-back found that does not match the acknowledged writes.
#[derive(Default)]
struct Mismatches {
    /// Acknowledged but not there (or not complete): lost writes.
    lost: Vec<String>,
    /// Refused (an error answer) but stored all the same.
    refused_but_stored: Vec<String>,
}

/// Reads every acknowledged case through every node and compares it with the acknowledged writes.
/// Nodes get one shared deadline of 10 s to catch up: cases that do not match are read again
/// until they do or the deadline passes.
async fn verify(cases: &[(String, usize, usize, bool)], exporters: &[Vec<Session>]) -> Mismatches {
    let deadline = Instant::now() + Duration::from_secs(10);
    // (case index, node index) still to confirm.
    let mut pending: Vec<(usize, usize)> =
        (0..cases.len()).flat_map(|c| (0..exporters.len()).map(move |n| (c, n))).collect();
    let last: Vec<Option<String>>;
    loop {
        let cases_arc = Arc::new(cases.to_vec());
        let exporters_arc = Arc::new(exporters.to_vec());
        let work = Arc::new(pending.clone());
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cases, exporters, work, next) =
                (cases_arc.clone(), exporters_arc.clone(), work.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&(c, n)) = work.get(i) else { return out };
                    out.push((i, check(&cases[c], &exporters[n]).await));
                }
            }));
        }
        let mut results: Vec<Option<String>> = vec![None; pending.len()];
        for t in tasks {
            for (i, r) in t.await.unwrap_or_default() {
                results[i] = r;
            }
        }
        let still: Vec<((usize, usize), String)> =
            pending.iter().zip(results).filter_map(|(w, r)| r.map(|r| (*w, r))).collect();
        if still.is_empty() || Instant::now() > deadline {
            pending = still.iter().map(|(w, _)| *w).collect();
            last = still.into_iter().map(|(_, r)| Some(r)).collect();
            break;
        }
        pending = still.into_iter().map(|(w, _)| w).collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut m = Mismatches::default();
    for ((c, _), why) in pending.into_iter().zip(last) {
        let why = why.unwrap_or_default();
        if why.starts_with("refused but stored") {
            m.refused_but_stored.push(format!("{}: {why}", cases[c].0));
        } else {
            m.lost.push(format!("{}: {why}", cases[c].0));
        }
    }
    m
}

/// One case through one node: `None` if it matches what was acknowledged.
async fn check(case: &(String, usize, usize, bool), sessions: &[Session]) -> Option<String> {
    let (id, items, parties, submitted) = case;
    // The case belongs to one of the exporters: try each session on this node.
    let mut found = None;
    for s in sessions {
        if let Ok((StatusCode::OK, view)) =
            s.call(Method::GET, &format!("/api/applications/{id}"), None).await
        {
            found = Some(view);
            break;
        }
    }
    let Some(v) = found else { return Some(format!("not found on {}", sessions[0].base)) };
    let (n_items, n_parties) =
        (v["items"].as_array().map_or(0, Vec::len), v["parties"].as_array().map_or(0, Vec::len));
    let is_submitted = v["status"] != "draft";
    if n_items < *items || n_parties < *parties || (*submitted && !is_submitted) {
        return Some(format!(
            "on {}: acknowledged {items} item(s), {parties} part(y/ies), submitted {submitted}; found {n_items}, {n_parties}, status {}",
            sessions[0].base, v["status"]
        ));
    }
    if n_items > *items || n_parties > *parties || (!*submitted && is_submitted) {
        return Some(format!(
            "refused but stored on {}: acknowledged {items} item(s), {parties} part(y/ies), submitted {submitted}; found {n_items}, {n_parties}, status {}",
            sessions[0].base, v["status"]
        ));
    }
    None
}
