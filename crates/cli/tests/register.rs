//! The public register end to end with the real binary: `oversight verify` succeeds against a
//! running server, keeps succeeding as the log grows, and fails — saying what is wrong — when a
//! published record is edited or deleted in the database, or the log is rolled back.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(dir: &Path) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--db")
        .arg(format!("sqlite://{}", dir.join("register.db").display()))
        .arg("--log-key")
        .arg(dir.join("log.key"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Owned by `Server` at once, so the process is killed and reaped even if the start times out.
    let server = Server { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = Client::new().get(format!("{}/log/checkpoint", server.base)).send().await
            && r.status() == StatusCode::OK
        {
            return server;
        }
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn verify(base: &str, state: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(["verify", "--url", base, "--state"])
        .arg(state)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Revokes one active demo licence through the API (a licence action is published).
async fn publish_something(base: &str) {
    let client = Client::builder().cookie_store(true).build().unwrap();
    let login: Value = client
        .post(format!("{base}/api/session"))
        .json(&json!({"email": "approver@authority.example", "password": "oversight-demo-2026"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = login["csrf_token"].as_str().unwrap();
    let apps: Vec<Value> =
        client.get(format!("{base}/api/applications")).send().await.unwrap().json().await.unwrap();
    let active = apps.iter().find(|a| a["licence"]["status"] == "active").expect("an active demo licence");
    let resp = client
        .post(format!("{base}/api/applications/{}/licence/suspend", active["id"].as_str().unwrap()))
        .header("X-CSRF-Token", csrf)
        .json(&json!({"reason": "Credible complaint received; review opened."}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn sqlite(dir: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("register.db").display())).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_succeeds_then_catches_an_edited_record() {
    let dir = tempfile::tempdir().unwrap();
    let state: PathBuf = dir.path().join("state.json");
    let server = start(dir.path()).await;
    let ok = verify(&server.base, &state);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("verified"));

    // The log grows; the verifier checks the new checkpoint is consistent with the one it saw.
    publish_something(&server.base).await;
    let again = verify(&server.base, &state);
    assert!(again.status.success(), "{}", text(&again));

    // An attacker with database access rewrites a published refusal as an issued licence.
    let db = sqlite(dir.path()).await;
    sqlx::query("DROP TRIGGER log_leaves_no_update").execute(&db).await.unwrap();
    let changed = sqlx::query("UPDATE log_leaves SET data = CAST(REPLACE(CAST(data AS TEXT), 'licence_refused', 'licence_issued') AS BLOB) WHERE CAST(data AS TEXT) LIKE '%licence_refused%'")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let caught = verify(&server.base, &state);
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    assert!(text(&caught).contains("FAILED"), "{}", text(&caught));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_catches_a_deleted_record() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let server = start(dir.path()).await;
    assert!(verify(&server.base, &state).status.success());
    let db = sqlite(dir.path()).await;
    sqlx::query("DROP TRIGGER log_leaves_no_delete").execute(&db).await.unwrap();
    sqlx::query("DELETE FROM log_leaves WHERE idx = 2").execute(&db).await.unwrap();
    let caught = verify(&server.base, &state);
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    assert!(text(&caught).contains("FAILED"), "{}", text(&caught));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_catches_a_log_rolled_back_to_an_earlier_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let server = start(dir.path()).await;
    // Keep a copy of the database as it is now.
    let db = sqlite(dir.path()).await;
    let backup = dir.path().join("backup.db");
    sqlx::query("VACUUM INTO ?").bind(backup.display().to_string()).execute(&db).await.unwrap();
    db.close().await;
    // The log grows and a watchdog sees the larger checkpoint.
    publish_something(&server.base).await;
    assert!(verify(&server.base, &state).status.success());
    // The authority's database is restored from the backup: published history disappears.
    drop(server);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("register.db{suffix}")));
    }
    std::fs::copy(&backup, dir.path().join("register.db")).unwrap();
    let server = start(dir.path()).await;
    let caught = verify(&server.base, &state);
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    assert!(text(&caught).contains("FAILED"), "{}", text(&caught));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_records_carry_no_commercial_secrets_and_prove_their_inclusion() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = Client::new();
    let jsonl = client
        .get(format!("{}/register/decisions.jsonl", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(jsonl.lines().count() >= 6, "{jsonl}");
    for secret in ["Demo decision.", "Portable", "Vehicle-mounted", "7400000", "Nordwatch"] {
        assert!(!jsonl.contains(secret), "the register leaks {secret:?}");
    }
    // Each record's inclusion proof verifies against the signed checkpoint.
    let key = client.get(format!("{}/log/key", server.base)).send().await.unwrap().text().await.unwrap();
    let verifier = oversight_tlog::NoteVerifier::parse(key.trim()).unwrap();
    let note =
        client.get(format!("{}/log/checkpoint", server.base)).send().await.unwrap().text().await.unwrap();
    let cp = oversight_tlog::open_checkpoint(&note, &verifier).unwrap().checkpoint;
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    for index in 0..cp.size {
        let r: Value = client
            .get(format!("{}/api/register/{index}", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let proof: Vec<Vec<u8>> = r["inclusion_proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| b64.decode(h.as_str().unwrap()).unwrap())
            .collect();
        let leaf = b64.decode(r["leaf_hash"].as_str().unwrap()).unwrap();
        oversight_tlog::verify_inclusion(index, cp.size, &leaf, &proof, &cp.root).unwrap();
    }
    // Filters and bad parameters.
    let refused: Value = client
        .get(format!("{}/api/register?outcome=refused", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(refused["total"].as_u64().unwrap() >= 1);
    assert!(refused["records"].as_array().unwrap().iter().all(|e| e["record"]["kind"] == "licence_refused"));
    let by = client.get(format!("{}/api/register?destination=BLR", server.base)).send().await.unwrap();
    let by: Value = by.json().await.unwrap();
    assert!(by["records"].as_array().unwrap().iter().all(|e| e["record"]["destination"] == "BY"));
    let bad = client.get(format!("{}/api/register?destination=Atlantis", server.base)).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = client.get(format!("{}/api/register?from=yesterday", server.base)).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let feed =
        client.get(format!("{}/register/feed.atom", server.base)).send().await.unwrap().text().await.unwrap();
    assert!(feed.starts_with("<?xml") && feed.contains("<entry>"));
    let csv = client
        .get(format!("{}/register/decisions.csv", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().next().unwrap().split(',').next(), Some("index"));
    let stats: Value =
        client.get(format!("{}/api/register/stats", server.base)).send().await.unwrap().json().await.unwrap();
    assert!(stats["first_decisions"].as_u64().unwrap() >= 4);
    assert!(stats["cyber_surveillance"]["first_decisions"].as_u64().unwrap() >= 4);
    assert!(stats["refusals_by_criterion"]["2"].as_u64().unwrap() >= 1);
}
