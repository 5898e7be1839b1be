//! How long the workspace pages take to render with many cases: the work queue and the case page,
//! measured over HTTP on loopback against a running node (the server's time plus loopback, which
//! is what a caseworker waits for, less the browser).
//!
//! ```text
//! oversight serve --db sqlite:///tmp/render.db --addr 127.0.0.1:8080 --demo
//! cargo run --release -p oversight-cli --example render_bench -- --url http://127.0.0.1:8080 --cases 10000
//! ```
//!
//! First fills the node up to `--cases` applications through the JSON API, as the demo exporters
//! would (create, add an item, add the end user, submit — so every one is screened and queued),
//! 16 at a time. Then signs in through the page form as the licensing officer and the approver and
//! times, `--requests` times each: the work queue (first page, a later page, filtered by destination,
//! sorted newest first) and the case page of cases picked across the whole range. Prints p50, p90,
//! p99 and the maximum per page. Bounded: loopback only, at most 50,000 cases.

use clap::Parser;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PASSWORD: &str = "oversight-demo-2026";
const EXPORTERS: [&str; 3] = [
    "compliance@nordwatch.example",
    "compliance@helix-forensics.example",
    "compliance@sentinel-signal.example",
];
const DESTINATIONS: [&str; 8] = ["NO", "SE", "DE", "FR", "BR", "IN", "KE", "AE"];

#[derive(Parser, Debug)]
#[command(about = "Render time of the work queue and the case page with many cases")]
struct Args {
    /// Base URL of the node, e.g. http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    /// Fill the node up to this many applications first.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    cases: u32,
    /// Timed requests per page.
    #[arg(long, default_value_t = 200)]
    requests: u32,
}

/// A JSON API session: the session cookie and the CSRF token for writes.
#[derive(Clone)]
struct Api {
    base: String,
    client: Client,
    csrf: String,
}

impl Api {
    async fn login(base: &str, email: &str) -> anyhow::Result<Api> {
        let client = Client::builder().cookie_store(true).build()?;
        let resp = client
            .post(format!("{base}/api/session"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "login {email}: {}", resp.status());
        let body: Value = resp.json().await?;
        let csrf = body["csrf_token"].as_str().unwrap_or_default().to_string();
        Ok(Api { base: base.to_string(), client, csrf })
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        anyhow::ensure!(status.is_success(), "POST {path}: {status} {body}");
        Ok(body)
    }

    async fn count(&self) -> anyhow::Result<usize> {
        let resp = self.client.get(format!("{}/api/applications", self.base)).send().await?;
        let list: Value = resp.json().await?;
        Ok(list.as_array().map_or(0, Vec::len))
    }
}

/// One filing, as an exporter makes it.
async fn file(api: &Api, n: u32) -> anyhow::Result<String> {
    let dest = DESTINATIONS[n as usize % DESTINATIONS.len()];
    let case = api
        .post(
            "/api/applications",
            json!({"title": format!("Lawful interception platform {n}"),
                   "end_use": "Lawful interception under judicial warrant", "destination": dest}),
        )
        .await?;
    let id = case["id"].as_str().unwrap_or_default().to_string();
    api.post(
        &format!("/api/applications/{id}/items"),
        json!({"control_code": "5A001.f", "description": "IMSI catcher", "quantity": 1 + n % 5, "value_eur": 100_000 + n}),
    )
    .await?;
    api.post(
        &format!("/api/applications/{id}/parties"),
        json!({"role": "end_user", "name": format!("National Police Directorate {n}"), "address": "Capital",
               "country": dest, "sector": "police"}),
    )
    .await?;
    api.post(&format!("/api/applications/{id}/submit"), json!({})).await?;
    Ok(id)
}

/// Signs in through the page form; the client keeps both cookies.
async fn page_session(base: &str, email: &str) -> anyhow::Result<Client> {
    let client = Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let resp =
        client.post(format!("{base}/login")).form(&[("email", email), ("password", PASSWORD)]).send().await?;
    anyhow::ensure!(resp.status() == StatusCode::SEE_OTHER, "page sign-in {email}: {}", resp.status());
    Ok(client)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn time_pages(client: &Client, urls: &[String]) -> anyhow::Result<Vec<Duration>> {
    let mut took = Vec::with_capacity(urls.len());
    for url in urls {
        let start = Instant::now();
        let resp = client.get(url).send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        took.push(start.elapsed());
        anyhow::ensure!(status == StatusCode::OK && !body.is_empty(), "GET {url}: {status}");
    }
    took.sort();
    Ok(took)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let base = args.url.trim_end_matches('/').to_string();
    let host = reqwest::Url::parse(&base)?.host_str().unwrap_or_default().to_string();
    anyhow::ensure!(host == "127.0.0.1" || host == "localhost" || host == "[::1]", "loopback only");

    let officer_api = Api::login(&base, "officer@authority.example").await?;
    let have = officer_api.count().await?;
    let want = args.cases as usize;
    if have < want {
        let mut exporters = Vec::new();
        for e in EXPORTERS {
            exporters.push(Api::login(&base, e).await?);
        }
        let started = Instant::now();
        let missing = (want - have) as u32;
        let next = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for w in 0..16 {
            let api = exporters[w % exporters.len()].clone();
            let next = next.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= missing {
                        return anyhow::Ok(());
                    }
                    file(&api, n).await?;
                    if n > 0 && n.is_multiple_of(1000) {
                        eprintln!("filed {n} of {missing}");
                    }
                }
            }));
        }
        for t in tasks {
            t.await??;
        }
        eprintln!("filed {missing} applications in {:.1} s", started.elapsed().as_secs_f64());
    }
    let ids: Vec<String> = {
        let resp = officer_api.client.get(format!("{base}/api/applications")).send().await?;
        let list: Value = resp.json().await?;
        list.as_array()
            .map(|a| a.iter().filter_map(|c| c["id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    println!("{} applications on the node", ids.len());

    let n = args.requests as usize;
    let officer = page_session(&base, "officer@authority.example").await?;
    let approver = page_session(&base, "approver@authority.example").await?;
    let repeat = |path: &str| vec![format!("{base}{path}"); n];
    let spread: Vec<String> =
        (0..n).map(|i| format!("{base}/applications/{}", ids[(i * 7919) % ids.len()])).collect();
    let runs: Vec<(&str, &Client, Vec<String>)> = vec![
        ("work queue, first page (officer)", &officer, repeat("/work")),
        ("work queue, page 20 (officer)", &officer, repeat("/work?page=20")),
        ("work queue, destination=BR (officer)", &officer, repeat("/work?destination=BR")),
        ("work queue, newest first (officer)", &officer, repeat("/work?sort=newest")),
        ("work queue, first page (approver)", &approver, repeat("/work")),
        ("case page (officer)", &officer, spread.clone()),
        ("case page (approver)", &approver, spread),
    ];
    println!("{:<40} {:>9} {:>9} {:>9} {:>9}", "page", "p50 ms", "p90 ms", "p99 ms", "max ms");
    for (name, client, urls) in runs {
        // One warm-up request, not counted.
        client.get(&urls[0]).send().await?.bytes().await?;
        let took = time_pages(client, &urls).await?;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<40} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            ms(percentile(&took, 0.5)),
            ms(percentile(&took, 0.9)),
            ms(percentile(&took, 0.99)),
            ms(*took.last().unwrap())
        );
    }
    Ok(())
}
