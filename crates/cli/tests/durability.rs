//! Durability of the real binary: a server killed with SIGKILL in the middle of a burst of writes
//! loses no acknowledged write, and everything is back after a restart (read models rebuilt from
//! the log), including published records (each acknowledged licence action is in the register
//! after the restart, and `oversight verify` accepts the log). Also: the README's `serve --demo`
//! start-up contract.

use oversight_testkit::users::{APPROVER, EXPORTER, OFFICER};
use oversight_testkit::{ServerProcess, TestDb};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};

/// `oversight serve` over the test's SQLite database; the log's signing key lives beside the
/// database file, never in the source tree.
async fn start(db: &TestDb, demo: bool) -> ServerProcess {
    let key = db.dir().join("oversight.db.log-key");
    let server = ServerProcess::start("oversight", env!("CARGO_BIN_EXE_oversight"), db.url(), &key, demo);
    server.wait_until_ok("/health").await;
    server
}

/// Published licence actions, per licence number, in the register served by `server`.
async fn published_actions(server: &ServerProcess) -> std::collections::HashMap<String, usize> {
    let jsonl = reqwest::get(format!("{}/register/decisions.jsonl", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut out = std::collections::HashMap::new();
    for line in jsonl.lines() {
        let r: Value = serde_json::from_str(line).unwrap();
        if matches!(r["kind"].as_str(), Some("licence_suspended" | "licence_reinstated")) {
            *out.entry(r["licence_number"].as_str().unwrap_or_default().to_string()).or_default() += 1;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_of_writes_loses_no_acknowledged_write() {
    let db = TestDb::sqlite();
    let mut server = start(&db, true).await;
    let exporter = server.login(EXPORTER).await;
    let approver = server.login(APPROVER).await;

    // 8 writers create drafts as fast as they can; each remembers what was acknowledged.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (exporter, acked) = (exporter.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let body = json!({"title": format!("burst {w}-{i}"), "end_use": "durability test", "destination": "FR"});
                match exporter.try_call(Method::POST, "/api/applications", Some(body)).await {
                    Ok((StatusCode::CREATED, body)) if body["id"].is_string() => {
                        acked.lock().unwrap().push(body["id"].as_str().unwrap().to_string());
                    }
                    _ => break, // the server is gone
                }
            }
        }));
    }
    // Meanwhile one writer per active licence publishes: suspend, reinstate, suspend, ... Each
    // counts the actions acknowledged (each is a record of the register, signed by the sequencer).
    let (_, apps) = approver.get("/api/applications").await;
    let licences: Vec<(String, String)> = apps
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["licence"]["status"] == "active")
        .map(|a| {
            (a["id"].as_str().unwrap().to_string(), a["licence"]["number"].as_str().unwrap().to_string())
        })
        .collect();
    assert!(!licences.is_empty(), "the demo has active licences: {apps}");
    let before = published_actions(&server).await;
    let mut publishers = Vec::new();
    for (case, number) in licences {
        let approver = approver.clone();
        publishers.push(tokio::spawn(async move {
            let mut acked = 0usize;
            for action in ["suspend", "reinstate"].into_iter().cycle() {
                let path = format!("/api/applications/{case}/licence/{action}");
                let body = json!({"reason": "Durability test: licence action under load."});
                match approver.try_call(Method::POST, &path, Some(body)).await {
                    Ok((StatusCode::OK, _)) => acked += 1,
                    _ => break, // the server is gone
                }
            }
            (number, acked)
        }));
    }
    // Let the burst run, then kill the server mid-flight.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 150 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    for w in writers {
        w.await.unwrap();
    }
    let mut published = Vec::new();
    for p in publishers {
        published.push(p.await.unwrap());
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(acked.len() >= 50, "too few writes before the kill: {}", acked.len());
    assert!(published.iter().map(|(_, n)| n).sum::<usize>() >= 4, "too few publications: {published:?}");

    let server = start(&db, false).await;
    let exporter = server.login(EXPORTER).await;
    let (status, list) = exporter.get("/api/applications").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let present: std::collections::HashSet<&str> =
        list.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    let lost: Vec<_> = acked.iter().filter(|id| !present.contains(id.as_str())).collect();
    assert!(lost.is_empty(), "{} acknowledged writes lost, e.g. {:?}", lost.len(), lost.first());
    // Every acknowledged licence action is in the register (one more may have been stored but not
    // acknowledged when the server died).
    let after = published_actions(&server).await;
    for (number, acked) in &published {
        let stored = after.get(number).copied().unwrap_or(0) - before.get(number).copied().unwrap_or(0);
        assert!(
            stored == *acked || stored == acked + 1,
            "licence {number}: {acked} actions acknowledged, {stored} in the register"
        );
    }
    // The log verifies, and its checkpoint (signed at the restart) covers every record.
    let out = Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(["verify", "--url", &server.base, "--state"])
        .arg(db.dir().join("verifier-state.json"))
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "oversight verify after the restart: {text}");
    println!(
        "{} acknowledged writes and {} acknowledged publications before SIGKILL, all present after restart",
        acked.len(),
        published.iter().map(|(_, n)| n).sum::<usize>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_demo_creates_the_database_and_keeps_it_across_restarts() {
    let db = TestDb::sqlite();
    let path = db.dir().join("oversight.db");
    assert!(!path.exists());
    let mut server = start(&db, true).await;
    assert!(path.exists(), "the database file is created on first run");
    let before: Value = server.login(OFFICER).await.get("/api/applications").await.1;
    assert_eq!(before.as_array().unwrap().len(), 13);
    server.kill9();
    // Restarting with --demo again does not load it twice.
    let server = start(&db, true).await;
    let after: Value = server.login(OFFICER).await.get("/api/applications").await.1;
    assert_eq!(before, after);
}

#[test]
fn admin_create_user_then_login_works_from_the_command_line() {
    let test_db = TestDb::sqlite();
    let db = test_db.url();
    let out = Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(["admin", "create-user", "--db", db, "--email", "chief@authority.example", "--name", "Chief"])
        .args(["--org", "National Authority", "--role", "administrator,approver", "--password-env", "OVS_PW"])
        .env("OVS_PW", "a-very-long-password")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user chief@authority.example"));
    // Bad input: unknown role, short password — clear error, non-zero exit.
    let bad = Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(["admin", "create-user", "--db", db, "--email", "x@authority.example", "--name", "X"])
        .args(["--org", "National Authority", "--role", "emperor", "--password-env", "OVS_PW"])
        .env("OVS_PW", "a-very-long-password")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown role"));
    let short = Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(["admin", "create-user", "--db", db, "--email", "y@authority.example", "--name", "Y"])
        .args(["--org", "National Authority", "--role", "approver", "--password-env", "OVS_PW"])
        .env("OVS_PW", "short")
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    let migrate =
        Command::new(env!("CARGO_BIN_EXE_oversight")).args(["migrate", "--db", db]).output().unwrap();
    assert!(migrate.status.success());
}
