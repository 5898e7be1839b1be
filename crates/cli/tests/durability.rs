//! Durability of the real binary: a server killed with SIGKILL in the middle of a burst of writes
//! loses no acknowledged write, and everything is back after a restart (read models rebuilt from
//! the log). Also: the README's `serve --demo` start-up contract.

use oversight_testkit::users::{EXPORTER, OFFICER};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_of_writes_loses_no_acknowledged_write() {
    let db = TestDb::sqlite();
    let mut server = start(&db, true).await;
    let exporter = server.login(EXPORTER).await;

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
    // Let the burst run, then kill the server mid-flight.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 150 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(acked.len() >= 50, "too few writes before the kill: {}", acked.len());

    let server = start(&db, false).await;
    let exporter = server.login(EXPORTER).await;
    let (status, list) = exporter.get("/api/applications").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let present: std::collections::HashSet<&str> =
        list.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    let lost: Vec<_> = acked.iter().filter(|id| !present.contains(id.as_str())).collect();
    assert!(lost.is_empty(), "{} acknowledged writes lost, e.g. {:?}", lost.len(), lost.first());
    println!("{} acknowledged writes before SIGKILL, all present after restart", acked.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_demo_creates_the_database_and_keeps_it_across_restarts() {
    let db = TestDb::sqlite();
    let path = db.dir().join("oversight.db");
    assert!(!path.exists());
    let mut server = start(&db, true).await;
    assert!(path.exists(), "the database file is created on first run");
    let before: Value = server.login(OFFICER).await.get("/api/applications").await.1;
    assert_eq!(before.as_array().unwrap().len(), 12);
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
