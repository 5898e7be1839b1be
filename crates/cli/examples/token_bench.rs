//! Issuance throughput of operating tokens with logging on SQLite (issue 13): each renewal is a
//! real one — a challenge, the installation's Ed25519 signature, the platform's checks, the signed
//! token, its `token_issued` event and its transparency-log leaf appended in one transaction, the
//! checkpoint covering it and its `tlog-proof`.
//!
//! ```text
//! cargo run --release -p oversight-cli --example token_bench -- [TOKENS_PER_RUN] [INSTALLATIONS]
//! ```
//!
//! Three runs over one demo database on the system clock (a lease long enough for the run), with
//! INSTALLATIONS (default 16) renewing concurrently; prints tokens/s per run and the median. Not a
//! test: figures depend on the machine (and on what else runs on it).

use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer;
use oversight_app::tokens::RegisterInstallation;
use oversight_testkit::TestDb;
use oversight_testkit::{actor, demo_app};

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let per_run: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let installations: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(16);
    let db = TestDb::sqlite();
    let app = demo_app(&db).await;
    let row = app
        .licence_tokens()
        .into_iter()
        .find(|r| r.licence_status == oversight_domain::LicenceStatus::Active)
        .expect("the demo's active licence has an installation");
    let case: oversight_domain::ApplicationId = row.case_id.parse()?;
    let holder = app
        .installations(&actor(&app, "officer@authority.example"), case)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .first()
        .map(|i| i.registered_by)
        .expect("an installation");
    let exporter = app.me_of_id(holder).expect("the holder");
    let exporter = actor(&app, &exporter.email);
    let mut keys = Vec::new();
    for i in 0..installations {
        let key = ed25519_dalek::SigningKey::from_bytes(&[200u8.wrapping_add(i as u8); 32]);
        let req = RegisterInstallation {
            public_key: B64.encode(key.verifying_key().to_bytes()),
            deployment: format!("Benchmark installation {i}"),
        };
        app.register_installation(&exporter, case, req).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        keys.push(Arc::new(key));
    }
    let mut rates = Vec::new();
    for run in 1..=3 {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let (app, key) = (app.clone(), key.clone());
            let n = per_run / installations + usize::from(i < per_run % installations);
            tasks.push(tokio::spawn(async move {
                for _ in 0..n {
                    let c =
                        app.token_challenge(&B64.encode(key.verifying_key().to_bytes())).expect("challenge");
                    let sig = B64.encode(key.sign(c.challenge.as_bytes()).to_bytes());
                    app.renew_token(&c.challenge, &sig).await.expect("renewal");
                }
            }));
        }
        for t in tasks {
            t.await?;
        }
        let secs = started.elapsed().as_secs_f64();
        let rate = per_run as f64 / secs;
        println!("run {run}: {per_run} tokens in {secs:.2} s = {rate:.1} tokens/s");
        rates.push(rate);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    println!("median: {:.1} tokens/s ({installations} installations renewing at once, SQLite)", rates[1]);
    Ok(())
}
