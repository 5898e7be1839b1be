//! Durability of the real binary: a server killed with SIGKILL in the middle of a burst of writes
//! loses no acknowledged write, and everything is back after a restart (read models rebuilt from
//! the log). Also: the README's `serve --demo` start-up contract.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(db: &str, demo: bool) -> Server {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oversight"));
        cmd.args(["serve", "--db", db, "--addr", &format!("127.0.0.1:{port}")]);
        if demo {
            cmd.arg("--demo");
        }
        // The log's signing key lives beside the database file, never in the source tree.
        let key = format!("{}.log-key", db.trim_start_matches("sqlite://"));
        cmd.args(["--log-key", &key]);
        let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        // Owned by `Server` at once, so the process is killed and reaped even if the start times out.
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = Client::new().get(format!("{}/health", server.base)).send().await
                && r.status() == StatusCode::OK
            {
                return server;
            }
            assert!(Instant::now() < deadline, "server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn kill9(&mut self) {
        // SIGKILL: no shutdown hook runs.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn login(base: &str, email: &str) -> (Client, String) {
    let client = Client::builder().cookie_store(true).build().unwrap();
    let body: Value = client
        .post(format!("{base}/api/session"))
        .json(&json!({"email": email, "password": "oversight-demo-2026"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (client, body["csrf_token"].as_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_of_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("kill.db").display());
    let mut server = Server::start(&db, true).await;
    let (client, csrf) = login(&server.base, "compliance@nordwatch.example").await;

    // 8 writers create drafts as fast as they can; each remembers what was acknowledged.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, csrf, base, acked) =
            (client.clone(), csrf.clone(), server.base.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let resp = client
                    .post(format!("{base}/api/applications"))
                    .header("X-CSRF-Token", &csrf)
                    .json(&json!({"title": format!("burst {w}-{i}"), "end_use": "durability test", "destination": "FR"}))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        let Ok(body) = r.json::<Value>().await else { break };
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

    let server = Server::start(&db, false).await;
    let (client, _) = login(&server.base, "compliance@nordwatch.example").await;
    let list: Vec<Value> =
        client.get(format!("{}/api/applications", server.base)).send().await.unwrap().json().await.unwrap();
    let present: std::collections::HashSet<&str> = list.iter().map(|a| a["id"].as_str().unwrap()).collect();
    let lost: Vec<_> = acked.iter().filter(|id| !present.contains(id.as_str())).collect();
    assert!(lost.is_empty(), "{} acknowledged writes lost, e.g. {:?}", lost.len(), lost.first());
    println!("{} acknowledged writes before SIGKILL, all present after restart", acked.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_demo_creates_the_database_and_keeps_it_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let db = format!("sqlite://{}", path.display());
    let mut server = Server::start(&db, true).await;
    assert!(path.exists(), "the database file is created on first run");
    let (client, _) = login(&server.base, "officer@authority.example").await;
    let before: Value =
        client.get(format!("{}/api/applications", server.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(before.as_array().unwrap().len(), 12);
    server.kill9();
    // Restarting with --demo again does not load it twice.
    let server = Server::start(&db, true).await;
    let (client, _) = login(&server.base, "officer@authority.example").await;
    let after: Value =
        client.get(format!("{}/api/applications", server.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(before, after);
}

#[test]
fn admin_create_user_then_login_works_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("admin.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(["admin", "create-user", "--db", &db, "--email", "chief@authority.example", "--name", "Chief"])
        .args(["--org", "National Authority", "--role", "administrator,approver", "--password-env", "OVS_PW"])
        .env("OVS_PW", "a-very-long-password")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user chief@authority.example"));
    // Bad input: unknown role, short password — clear error, non-zero exit.
    let bad = Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(["admin", "create-user", "--db", &db, "--email", "x@authority.example", "--name", "X"])
        .args(["--org", "National Authority", "--role", "emperor", "--password-env", "OVS_PW"])
        .env("OVS_PW", "a-very-long-password")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown role"));
    let short = Command::new(env!("CARGO_BIN_EXE_oversight"))
        .args(["admin", "create-user", "--db", &db, "--email", "y@authority.example", "--name", "Y"])
        .args(["--org", "National Authority", "--role", "approver", "--password-env", "OVS_PW"])
        .env("OVS_PW", "short")
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    let migrate =
        Command::new(env!("CARGO_BIN_EXE_oversight")).args(["migrate", "--db", &db]).output().unwrap();
    assert!(migrate.status.success());
}
