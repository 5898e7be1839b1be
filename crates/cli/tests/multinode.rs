//! Several `oversight serve` processes on one PostgreSQL database (issue #6).
//!
//! Each test takes a fresh database from the test kit (`oversight_testkit::TestDb`, on the server
//! named by `OVERSIGHT_TEST_PG`, default `postgres://postgres@127.0.0.1:5432/postgres`), starts two
//! real server processes on it (node A loads the demo dataset, node B joins the same data), drives
//! them over HTTP, checks the event log directly through the store, and drops the database at the
//! end, also when the test fails. `OVERSIGHT_SKIP_PG=1` skips them loudly; on CI an unreachable
//! PostgreSQL fails them.
//!
//! Deadlines are generous (the CI machine has two shared cores): the only timing claim is that a
//! write through one node is visible through the other within a second, and that is measured and
//! printed rather than asserted, because a loaded machine can stall any process for longer.

use oversight_store::StoredEvent;
use oversight_testkit::users::{APPROVER, EXPORTER, OFFICER};
use oversight_testkit::{PASSWORD, Reply, ServerProcess as Node, TestDb, User, fixtures::hria};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long anything may take before the test gives up (never a performance claim).
const DEADLINE: Duration = Duration::from_secs(10);

// ----- the cluster ------------------------------------------------------------------------------

/// Two nodes on one fresh database. Node A loads the demo dataset before B starts, so B joins
/// existing data the way a second production node would.
struct Cluster {
    // Field order matters: the nodes stop before the database is dropped.
    a: Node,
    b: Node,
    /// The database; its directory holds the transparency log's signing key, which every node of
    /// one database shares, and the verifier's state.
    db: TestDb,
}

impl Cluster {
    fn start(db: TestDb) -> Cluster {
        let bin = env!("CARGO_BIN_EXE_oversight");
        let key = db.dir().join("log.key");
        // A creates the key on its first run; B starts after A, so it reads the same key.
        let a = Node::start("A", bin, db.url(), &key, true);
        let b = Node::start("B", bin, db.url(), &key, false);
        Cluster { a, b, db }
    }

    /// The whole global log, read the way the nodes read it.
    async fn log(&self) -> Vec<StoredEvent> {
        self.db.events().await
    }

    /// Waits until both nodes serve the same signed checkpoint, then verifies through `node`.
    async fn verify_when_agreed(&self, node: &Node) -> String {
        async fn checkpoint(node: &Node) -> Option<String> {
            reqwest::get(format!("{}/log/checkpoint", node.base)).await.ok()?.text().await.ok()
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            let (a, b) = (checkpoint(&self.a).await, checkpoint(&self.b).await);
            if a.is_some() && a == b {
                break;
            }
            assert!(Instant::now() < deadline, "the nodes serve different checkpoints:\nA: {a:?}\nB: {b:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.verify(node)
    }

    /// Runs `oversight verify` against a node, with a verifier state kept across calls.
    fn verify(&self, node: &Node) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_oversight"))
            .args(["verify", "--url", &node.base, "--state"])
            .arg(self.db.dir().join("verifier-state.json"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "oversight verify against node {}: {text}", node.name);
        text
    }
}

// ----- HTTP -------------------------------------------------------------------------------------

/// Logs in on one node, retrying until the deadline: node B may not have folded the demo users
/// yet right after it starts. Requests of this user time out after `DEADLINE`.
async fn login(node: &Node, email: &str) -> User {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match User::anonymous_with_timeout(&node.base, DEADLINE).sign_in(email, PASSWORD).await {
            Ok(user) => return user,
            Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(other) => panic!("login {email} on node {}: {other:?}", node.name),
        }
    }
}

/// Polls GET `path` until it answers 200, or fails after the deadline; returns the time it took.
async fn wait_visible(user: &User, path: &str) -> Duration {
    let start = Instant::now();
    loop {
        let (status, body) = user.get(path).await;
        if status == StatusCode::OK {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "GET {path} on {} still {status} {body} after {DEADLINE:?}",
            user.base
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A complete draft (one item, one end user) created by the exporter; returns its id.
async fn complete_draft(exporter: &User, title: &str) -> String {
    let app = exporter
        .ok(
            "/api/applications",
            json!({"title": title, "end_use": "Lawful interception under warrant", "destination": "NO"}),
        )
        .await;
    let id = app["id"].as_str().unwrap().to_string();
    exporter
        .ok(
            &format!("/api/applications/{id}/items"),
            json!({"control_code": "5A001.f", "description": "IMSI catcher", "quantity": 2, "value_eur": 100000}),
        )
        .await;
    exporter
        .ok(
            &format!("/api/applications/{id}/parties"),
            json!({"role": "end_user", "name": "Politiets sikkerhetstjeneste", "address": "Oslo", "country": "NO", "sector": "police"}),
        )
        .await;
    id
}

/// Events of one stream, in version order, from the global log.
fn stream<'a>(log: &'a [StoredEvent], id: &str) -> Vec<&'a StoredEvent> {
    let name = format!("application-{id}");
    let mut events: Vec<_> = log.iter().filter(|e| e.stream_id == name).collect();
    events.sort_by_key(|e| e.version);
    events
}

/// The global log is 1, 2, 3, … with no gap and no repeat, and every stream's versions are 1..n.
fn assert_log_consistent(log: &[StoredEvent]) {
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1, "global seq has a gap or repeat at position {i}: {e:?}");
    }
    let mut versions: HashMap<&str, u64> = HashMap::new();
    for e in log {
        let v = versions.entry(e.stream_id.as_str()).or_default();
        *v += 1;
        assert_eq!(e.version, *v, "stream {} has a version gap at seq {}", e.stream_id, e.seq);
    }
}

/// The first string under `key` anywhere in a JSON value (events are tagged enums).
fn find_str(v: &Value, key: &str) -> Option<String> {
    match v {
        Value::Object(map) => map
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| map.values().find_map(|v| find_str(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find_str(v, key)),
        _ => None,
    }
}

// ----- the tests --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_created_through_one_node_is_visible_through_the_other_within_a_second() {
    let Some(db) = TestDb::postgres().await else { return };
    let c = Cluster::start(db);
    let on_a = login(&c.a, EXPORTER).await;
    let on_b = login(&c.b, EXPORTER).await;
    let officer_b = login(&c.b, OFFICER).await;

    let mut lags = Vec::new();
    for round in 0..5 {
        // A write through A, read through B (and the other way round), by the same exporter.
        let (writer, reader) = if round % 2 == 0 { (&on_a, &on_b) } else { (&on_b, &on_a) };
        let app = writer
            .ok(
                "/api/applications",
                json!({"title": format!("Round {round}"), "end_use": "Police", "destination": "NO"}),
            )
            .await;
        let id = app["id"].as_str().unwrap();
        lags.push(wait_visible(reader, &format!("/api/applications/{id}")).await);
        // The list views of the other node have it too.
        let (_, list) = reader.get("/api/applications").await;
        assert!(list.as_array().unwrap().iter().any(|a| a["id"] == id), "{id} missing from the list");
    }
    // A submission through A shows up in the officer's queue on B.
    let id = complete_draft(&on_a, "Queue visibility").await;
    on_a.ok(&format!("/api/applications/{id}/submit"), json!({})).await;
    let start = Instant::now();
    loop {
        let (status, queue) = officer_b.get("/api/queue").await;
        assert_eq!(status, StatusCode::OK, "{queue}");
        if queue.as_array().unwrap().iter().any(|e| e["id"] == id.as_str()) {
            lags.push(start.elapsed());
            break;
        }
        assert!(start.elapsed() < DEADLINE, "the submission never reached node B's queue");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let worst = lags.iter().max().unwrap();
    eprintln!("cross-node visibility lags: {lags:?} (worst {worst:?})");
    if *worst > Duration::from_secs(1) {
        // Measured, not asserted: a loaded CI machine can stall a process for longer than a second.
        eprintln!("NOTE: cross-node visibility took longer than 1 s on this machine: {worst:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_racing_commands_on_one_case_through_two_nodes_exactly_one_succeeds() {
    let Some(db) = TestDb::postgres().await else { return };
    let c = Cluster::start(db);
    let exporter_a = login(&c.a, EXPORTER).await;
    let exporter_b = login(&c.b, EXPORTER).await;
    let officer_a = login(&c.a, OFFICER).await;
    let officer_b = login(&c.b, OFFICER).await;
    let approver_a = login(&c.a, APPROVER).await;
    let approver_b = login(&c.b, APPROVER).await;
    let assessor_a = login(&c.a, "assessor@authority.example").await;

    let mut submit_ids = Vec::new();
    let mut decision_ids = Vec::new();
    for round in 0..4 {
        // Two submissions of the same draft, one through each node, sent at the same moment.
        let id = complete_draft(&exporter_a, &format!("Racing submit {round}")).await;
        wait_visible(&exporter_b, &format!("/api/applications/{id}")).await;
        let path = format!("/api/applications/{id}/submit");
        let (ra, rb) = tokio::join!(
            exporter_a.try_call(Method::POST, &path, Some(json!({}))),
            exporter_b.try_call(Method::POST, &path, Some(json!({})))
        );
        let mut statuses = [ra.unwrap().0, rb.unwrap().0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "racing submits of {id}");
        submit_ids.push(id.clone());

        // Then two different decisions by the approver, one through each node.
        officer_a.ok(&format!("/api/applications/{id}/assign"), json!({"officer": officer_a.user_id})).await;
        // The gates a decision needs: the risk assessment, the HRIA, red flags cleared.
        officer_a.ok(&format!("/api/applications/{id}/assessment"), json!({})).await;
        let (status, body) = assessor_a
            .try_call(Method::PUT, &format!("/api/applications/{id}/hria"), Some(hria()))
            .await
            .unwrap();
        assert!(status.is_success(), "HRIA on {id}: {status} {body}");
        if officer_a.get(&format!("/api/applications/{id}")).await.1["status"] == "on_hold" {
            let reason = json!({"reason": "Reviewed: mitigated by conditions"});
            approver_a.ok(&format!("/api/applications/{id}/red-flags/clear"), reason).await;
        }
        officer_a
            .ok(
                &format!("/api/applications/{id}/recommendation"),
                json!({"outcome": "approve", "reasoning": "Judicial oversight in place", "conditions": []}),
            )
            .await;
        wait_visible(&approver_b, &format!("/api/applications/{id}")).await;
        // B must have folded the recommendation, or it would refuse for a reason other than the race.
        let deadline = Instant::now() + DEADLINE;
        while approver_b.get(&format!("/api/applications/{id}")).await.1["status"] != "pending_decision"
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let path = format!("/api/applications/{id}/decision");
        let approve = json!({"outcome": "approve", "public_rationale": "Licensed.", "criteria": []});
        let deny =
            json!({"outcome": "deny", "criteria": [2], "public_rationale": "Risk of internal repression."});
        let (ra, rb) = tokio::join!(
            approver_a.try_call(Method::POST, &path, Some(approve)),
            approver_b.try_call(Method::POST, &path, Some(deny))
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let winner = match (ra.0, rb.0) {
            (StatusCode::OK, StatusCode::CONFLICT) => "approved",
            (StatusCode::CONFLICT, StatusCode::OK) => "denied",
            other => panic!("racing decisions on {id}: {other:?}\nA: {}\nB: {}", ra.1, rb.1),
        };
        // Both nodes converge on the winner.
        for approver in [&approver_a, &approver_b] {
            let deadline = Instant::now() + DEADLINE;
            loop {
                let (_, view) = approver.get(&format!("/api/applications/{id}")).await;
                if view["status"] == winner {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{id} on {} is {} not {winner}",
                    approver.base,
                    view["status"]
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        decision_ids.push(id);
        if round == 1 {
            c.verify_when_agreed(&c.a).await;
        }
    }

    // The record holds exactly one submission and one decision per case, through either node.
    let log = c.log().await;
    assert_log_consistent(&log);
    for id in &submit_ids {
        let events = stream(&log, id);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "submitted").count(), 1, "{id}: {kinds:?}");
        assert_eq!(kinds.iter().filter(|k| **k == "decided").count(), 1, "{id}: {kinds:?}");
        // The history API of both nodes (B has long caught up: it converged on the decision above).
        for officer in [&officer_a, &officer_b] {
            let (_, history) = officer.get(&format!("/api/applications/{id}/history")).await;
            let decided = history.as_array().unwrap().iter().filter(|h| h["kind"] == "decided").count();
            assert_eq!(decided, 1, "history of {id}: {history}");
        }
    }
    assert_eq!(decision_ids.len(), 4);

    // The decisions were published through both nodes into one transparency log. An outside
    // verifier saw it through A after two rounds; now, through B, it accepts B's larger checkpoint
    // as consistent with what it saw through A, and through A again.
    for node in [&c.b, &c.a] {
        let report = c.verify_when_agreed(node).await;
        eprintln!("verify through {}: {}", node.name, report.lines().take(3).collect::<Vec<_>>().join(" / "));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_two_thousand_appends_through_both_nodes_yields_one_gap_free_log() {
    let Some(db) = TestDb::postgres().await else { return };
    const APPENDS: usize = 2000;
    const WORKERS: usize = 16;
    const _: () = assert!(APPENDS.is_multiple_of(WORKERS), "every worker gets the same share");
    let c = Cluster::start(db);
    let mut users = Vec::new();
    for node in [&c.a, &c.b] {
        users.push(login(node, EXPORTER).await);
    }
    // After the logins, which are events too (a session starts on the user's stream).
    let before = c.log().await.len();
    let start = Instant::now();
    // Each worker owns its cases (so it never races itself) and writes through one node; half the
    // workers use A, half B. A case gets a create and then item additions, in order.
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let user = users[w % 2].clone();
        let share = APPENDS / WORKERS;
        tasks.push(tokio::spawn(async move {
            // (case id, number of item additions acknowledged, the descriptions acknowledged)
            let mut acked: Vec<(String, Vec<String>)> = Vec::new();
            let mut done = 0;
            while done < share {
                if acked.last().is_none_or(|(_, items)| items.len() >= 9) {
                    let body = json!({"title": format!("Burst w{w} n{done}"), "end_use": "Police", "destination": "SE"});
                    let (status, app) = user.try_call(Method::POST, "/api/applications", Some(body)).await.unwrap();
                    assert_eq!(status, StatusCode::CREATED, "{app}");
                    acked.push((app["id"].as_str().unwrap().to_string(), Vec::new()));
                } else {
                    let (id, items) = acked.last_mut().unwrap();
                    let description = format!("w{w}-n{done}");
                    let body = json!({"control_code": "5A001.f", "description": description, "quantity": 1, "value_eur": 1000});
                    let (status, app) =
                        user.try_call(Method::POST, &format!("/api/applications/{id}/items"), Some(body)).await.unwrap();
                    assert!(status.is_success(), "add item: {status} {app}");
                    items.push(description);
                }
                done += 1;
            }
            acked
        }));
    }
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed();
    let acked_appends: usize = acked.iter().map(|(_, items)| 1 + items.len()).sum();
    assert_eq!(acked_appends, APPENDS);
    eprintln!(
        "{APPENDS} appends through two nodes in {elapsed:.1?} ({:.0}/s)",
        APPENDS as f64 / elapsed.as_secs_f64()
    );

    // Straight from the database: one consistent log holding each acknowledged write exactly once.
    let log = c.log().await;
    assert_log_consistent(&log);
    assert_eq!(log.len(), before + APPENDS, "events beyond the acknowledged appends (the demo had {before})");
    let mut seen_items: HashSet<String> = HashSet::new();
    for (id, items) in &acked {
        let events = stream(&log, id);
        assert_eq!(events.len(), 1 + items.len(), "{id}");
        assert_eq!(events[0].kind, "created");
        for (e, want) in events[1..].iter().zip(items) {
            assert_eq!(e.kind, "item_added");
            let text = e.payload.to_string();
            assert!(text.contains(want.as_str()), "{id}: expected item {want} in {text}");
            assert!(seen_items.insert(want.clone()), "item {want} stored twice");
        }
    }

    // Both nodes' read models reach the same end of the log, and both serve every case.
    let last = log.last().unwrap().seq;
    for user in &users {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let (_, health) = user.get("/health").await;
            if health["events"].as_u64() == Some(last) {
                break;
            }
            assert!(Instant::now() < deadline, "{} stuck at {health} (log ends at {last})", user.base);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (status, list) = user.get("/api/applications").await;
        assert_eq!(status, StatusCode::OK);
        let listed: HashSet<&str> =
            list.as_array().unwrap().iter().filter_map(|a| a["id"].as_str()).collect();
        for (id, items) in &acked {
            assert!(listed.contains(id.as_str()), "{id} missing from {}", user.base);
            let _ = items;
        }
    }
    // Spot-check item counts through the API on the node that did not write the case.
    let by_id: BTreeMap<&str, usize> = acked.iter().map(|(id, items)| (id.as_str(), items.len())).collect();
    for (id, n) in by_id.iter().step_by(7) {
        for user in &users {
            let (_, view) = user.get(&format!("/api/applications/{id}")).await;
            assert_eq!(view["items"].as_array().map(Vec::len), Some(*n), "{id} on {}", user.base);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_database_connections_are_killed_never_hangs_and_recovers_by_itself() {
    let Some(db) = TestDb::postgres().await else { return };
    connection_loss(db, Strictness::RecoveryOnly).await;
}

// Fails on the code of 2026-11-27 (see docs/postgres.md, "Known defects"): a connection killed by
// the server (SQLSTATE 57P01) is reported as 500, not 503; and a write whose append committed but
// whose read-model catch-up then failed is answered with an error although it was stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_database_connections_are_killed_answers_503_or_normally_and_refuses_only_what_it_did_not_store()
 {
    let Some(db) = TestDb::postgres().await else { return };
    connection_loss(db, Strictness::Full).await;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    /// No hang, no transport failure, recovery by itself; any JSON error body is tolerated.
    RecoveryOnly,
    /// Also: every answer is normal or a JSON 503, and a refused write was not stored.
    Full,
}

/// Kills every connection of the test database three times while both nodes serve reads and
/// writes, then checks the answers, the log and the recovery.
async fn connection_loss(db: TestDb, strictness: Strictness) {
    let c = Cluster::start(db);
    let users = Arc::new([login(&c.a, EXPORTER).await, login(&c.b, EXPORTER).await]);
    let id = complete_draft(&users[0], "Connection loss").await;
    wait_visible(&users[1], &format!("/api/applications/{id}")).await;

    // Keep both nodes busy with reads and writes while the connections are killed, several times.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..6 {
        let users = users.clone();
        let stop = stop.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            let user = &users[w % 2];
            let mut seen: Vec<(String, Reply, Duration)> = Vec::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let started = Instant::now();
                let (what, reply) = match n % 3 {
                    0 => ("GET /health".to_string(), user.try_call(Method::GET, "/health", None).await),
                    1 => (
                        "GET case".to_string(),
                        user.try_call(Method::GET, &format!("/api/applications/{id}"), None).await,
                    ),
                    _ => {
                        let title = format!("Loss w{w} n{n}");
                        let body = json!({"title": title, "end_use": "Police", "destination": "FI"});
                        (
                            format!("POST create {title:?}"),
                            user.try_call(Method::POST, "/api/applications", Some(body)).await,
                        )
                    }
                };
                // A request that hangs ends in the client's timeout (DEADLINE) and fails below.
                seen.push((format!("{what} on {}", user.base), reply, started.elapsed()));
            }
            seen
        }));
    }
    let mut killed = 0;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        killed += c.db.terminate_connections().await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    // Collect everything before judging, so the nodes stay up until every request has ended.
    let mut seen = Vec::new();
    for t in tasks {
        seen.extend(t.await.unwrap());
    }
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut bad = Vec::new();
    for (what, reply, took) in &seen {
        match reply {
            Ok((status, body)) => {
                *statuses.entry(status.as_u16().to_string()).or_default() += 1;
                let fine = status.is_success()
                    || (*status == StatusCode::SERVICE_UNAVAILABLE && body["error"] == "unavailable")
                    || (strictness == Strictness::RecoveryOnly && body["error"].is_string());
                if !fine {
                    bad.push(format!("{what}: {status} {body} after {took:?}"));
                }
            }
            Err(e) => {
                *statuses.entry("no answer".into()).or_default() += 1;
                bad.push(format!("{what}: no answer after {took:?}: {e}"));
            }
        }
    }
    let slowest = seen.iter().map(|(_, _, took)| *took).max().unwrap_or_default();
    eprintln!(
        "killed {killed} connections; {} requests during the loss: {statuses:?}; slowest {slowest:?}",
        seen.len()
    );
    // A refused write must have changed nothing (the 503 says so): its title is not in the log.
    let log = c.log().await;
    let mut refused_but_stored = 0;
    let titles: HashSet<String> =
        log.iter().filter(|e| e.kind == "created").filter_map(|e| find_str(&e.payload, "title")).collect();
    for (what, reply, _) in &seen {
        let refused = !matches!(reply, Ok((status, _)) if status.is_success());
        let title = what.strip_prefix("POST create \"").and_then(|t| t.split('"').next());
        if refused && title.is_some_and(|t| titles.contains(t)) {
            refused_but_stored += 1;
            if strictness == Strictness::Full {
                bad.push(format!("{what}: refused ({:?}) but stored", reply.as_ref().map(|r| r.0)));
            }
        }
    }
    eprintln!("writes answered with an error although they were stored: {refused_but_stored}");
    assert!(killed > 0, "no connection was terminated: the test proved nothing");
    assert!(bad.is_empty(), "{} answers were neither normal nor a JSON 503:\n{}", bad.len(), bad.join("\n"));

    // Recovery by itself, within a few seconds, on both nodes: health, a read and a write.
    let recovery = Instant::now();
    for user in users.iter() {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let health = user.get("/health").await.0;
            let write = user
                .try_call(
                    Method::POST,
                    "/api/applications",
                    Some(json!({"title": "After", "end_use": "Police", "destination": "FI"})),
                )
                .await
                .unwrap()
                .0;
            if health == StatusCode::OK && write == StatusCode::CREATED {
                break;
            }
            let mut tolerated = vec![StatusCode::SERVICE_UNAVAILABLE];
            if strictness == Strictness::RecoveryOnly {
                tolerated.push(StatusCode::INTERNAL_SERVER_ERROR);
            }
            assert!(
                (health == StatusCode::OK || tolerated.contains(&health))
                    && (write == StatusCode::CREATED || tolerated.contains(&write)),
                "{}: health {health}, write {write}",
                user.base
            );
            assert!(
                Instant::now() < deadline,
                "{} did not recover: health {health}, write {write}",
                user.base
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    eprintln!("both nodes served a write again {:?} after the checks began", recovery.elapsed());
    let log = c.log().await;
    assert_log_consistent(&log);
}

/// Read-your-writes across nodes (issue 16, part 7): a write through one node answers with the
/// sequence it reached (`Oversight-Seq`); the first read through the other node that carries it
/// sees the write — no polling, no retry. A sequence no node has reached is refused with 503 and
/// `Retry-After` after the bound; a malformed one with 422 naming the header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_node_is_read_back_through_the_other_at_once_with_its_sequence() {
    let Some(db) = TestDb::postgres().await else { return };
    let c = Cluster::start(db);
    let on_a = login(&c.a, EXPORTER).await;
    let on_b = login(&c.b, EXPORTER).await;
    for round in 0..6 {
        let (writer, reader) = if round % 2 == 0 { (&on_a, &on_b) } else { (&on_b, &on_a) };
        let body = json!({"title": format!("Seq round {round}"), "end_use": "Police", "destination": "NO"});
        let resp = writer.request(Method::POST, "/api/applications").json(&body).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        let seq = resp.headers().get("oversight-seq").expect("a write answers with its sequence");
        let seq_n: u64 = seq.to_str().unwrap().parse().unwrap();
        let created: Value = resp.json().await.unwrap();
        let id = created["id"].as_str().unwrap();
        let read = reader
            .request(Method::GET, &format!("/api/applications/{id}"))
            .header("Oversight-Seq", seq_n.to_string())
            .send()
            .await
            .unwrap();
        let status = read.status();
        assert_eq!(status, StatusCode::OK, "round {round}: {:?}", read.text().await);
        let reached: u64 = read.headers()["oversight-seq"].to_str().unwrap().parse().unwrap();
        assert!(reached >= seq_n, "round {round}: answered at {reached}, asked for {seq_n}");
    }
    let far = on_b.request(Method::GET, "/api/applications").header("Oversight-Seq", "999999999");
    let far = far.send().await.unwrap();
    assert_eq!(far.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(far.headers()["retry-after"], "1");
    let bad = on_b.request(Method::GET, "/api/applications").header("Oversight-Seq", "soon");
    let (status, body) = on_b.try_send(bad).await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "Oversight-Seq");
}
