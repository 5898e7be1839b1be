//! The public register end to end with the real binary: `oversight verify` succeeds against a
//! running server, keeps succeeding as the log grows, and fails — saying what is wrong — when a
//! published record is edited or deleted in the database, or the log is rolled back; and the
//! redress flows through the real binary: a refusal appealed, overturned and decided again by
//! another approver, all on the register and accepted by `oversight verify`, and a public complaint
//! that leads to a licence review.

use oversight_testkit::users::{
    APPROVER, APPROVER2, EXPORTER, OFFICER, OMBUDSPERSON, OTHER_EXPORTER, PANEL, PANEL2,
};
use oversight_testkit::{ServerProcess, TestDb};
use reqwest::{Client, StatusCode};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `oversight serve --demo` over the test's SQLite database, with the log's signing key beside it;
/// ready once it serves a signed checkpoint.
async fn start(db: &TestDb) -> ServerProcess {
    let key = db.dir().join("log.key");
    let server = ServerProcess::start("oversight", env!("CARGO_BIN_EXE_oversight"), db.url(), &key, true);
    server.wait_until_ok("/log/checkpoint").await;
    server
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

async fn checkpoint(server: &ServerProcess) -> String {
    reqwest::get(format!("{}/log/checkpoint", server.base)).await.unwrap().text().await.unwrap()
}

/// Suspends one active demo licence through the API (a licence action is published), and waits
/// for the checkpoint sequencer to sign a checkpoint covering it.
async fn publish_something(server: &ServerProcess) {
    let signed = checkpoint(server).await;
    let approver = server.login(APPROVER).await;
    let (_, apps) = approver.get("/api/applications").await;
    let active = apps
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["licence"]["status"] == "active")
        .expect("an active demo licence");
    let (status, body) = approver
        .post(
            &format!("/api/applications/{}/licence/suspend", active["id"].as_str().unwrap()),
            serde_json::json!({"reason": "Credible complaint received; review opened."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    signed_after(server, &signed).await;
}

/// Waits (at most 10 s) for the sequencer to sign a checkpoint other than `signed`.
async fn signed_after(server: &ServerProcess, signed: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while checkpoint(server).await == signed {
        assert!(std::time::Instant::now() < deadline, "no checkpoint covers the new records");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Issue 12 with the real binary: the demo's case awaiting a decision is refused; its exporter
/// appeals; two panel members who took no part overturn the refusal; the approver who refused may
/// not decide again and another approver licenses it; the register shows the refusal, the appeal's
/// outcome acting on it and the new decision, and `oversight verify` accepts the log. Then a member
/// of the public complains about the new licence and the ombudsperson's finding opens a review.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_overturned_on_appeal_is_decided_again_and_verified_and_a_complaint_opens_a_review() {
    let db = TestDb::sqlite();
    let state: PathBuf = db.dir().join("state.json");
    let server = start(&db).await;
    let first = verify(&server.base, &state);
    assert!(first.status.success(), "{}", text(&first));
    let signed = checkpoint(&server).await;

    let (_, pending) = server.login(OFFICER).await.get("/api/applications?status=pending_decision").await;
    let id = pending[0]["id"].as_str().expect("a demo case awaiting a decision").to_string();
    let mut exporter = server.login(EXPORTER).await;
    if exporter.get(&format!("/api/applications/{id}")).await.0 != StatusCode::OK {
        exporter = server.login(OTHER_EXPORTER).await;
    }
    let approver = server.login(APPROVER).await;
    let refuse = serde_json::json!({"outcome": "deny", "criteria": [2],
        "public_rationale": "Refused: a risk that the equipment would be used for internal repression.",
        "departure_justification": "The officer's review of the end user's record outweighs the indicator score."});
    let (s, v) = approver.post(&format!("/api/applications/{id}/decision"), refuse).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let appeal = serde_json::json!({"subject": {"kind": "refusal"},
        "grounds": "The end user acts only under a judge's warrant; the reports cited concern another body."});
    let (s, a) = exporter.post(&format!("/api/applications/{id}/appeals"), appeal).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_str().unwrap();
    let (panel, panel2) = (server.login(PANEL).await, server.login(PANEL2).await);
    for member in [&panel, &panel2] {
        let (s, v) = member.post(&format!("/api/appeals/{aid}/panel"), serde_json::json!({})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let reasons =
        "The refusal relied on reports about another body; the end user acts under judicial warrant.";
    let (s, v) = panel
        .post(
            &format!("/api/appeals/{aid}/decision"),
            serde_json::json!({"outcome": "overturned", "reasons": reasons}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The new decision follows the assessment, so that it needs no second approver: the only other
    // approver of the demo is the one who refused.
    let (_, assessment) = approver.get(&format!("/api/applications/{id}/assessment")).await;
    let mut approve = match assessment["latest"]["assessment"]["recommended_outcome"].as_str() {
        Some("approve" | "refer") => serde_json::json!({"outcome": "approve"}),
        Some("approve_with_conditions") => serde_json::json!({"outcome": "approve_with_conditions",
            "conditions": ["An end-use certificate signed by the end user before shipment"]}),
        other => panic!("the demo case's assessment recommends {other:?}: {assessment}"),
    };
    approve["public_rationale"] = "Licensed after the review panel overturned the refusal.".into();
    let (s, e) = approver.post(&format!("/api/applications/{id}/decision"), approve.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the approver who refused may not decide again: {e}");
    let (s, v) =
        server.login(APPROVER2).await.post(&format!("/api/applications/{id}/decision"), approve).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let (s, page) = server.anonymous().get(&format!("/api/register?case_id={id}")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let records: Vec<&Value> = page["records"].as_array().unwrap().iter().map(|r| &r["record"]).collect();
    let kinds: Vec<&str> = records.iter().filter_map(|r| r["kind"].as_str()).collect();
    let refusal = records.iter().find(|r| r["kind"] == "licence_refused").expect("the refusal");
    let overturned = records.iter().find(|r| r["kind"] == "appeal_overturned").expect("the appeal");
    assert_eq!(overturned["acts_on"], refusal["record_id"]);
    assert_eq!(overturned["public_rationale"], reasons);
    let issued = records
        .iter()
        .find(|r| r["kind"].as_str().is_some_and(|k| k.starts_with("licence_issued")))
        .unwrap_or_else(|| panic!("{kinds:?}"));
    assert_eq!(issued["first_decision"], false, "a decision after an appeal is not a first decision");

    // A member of the public complains about the new licence; the ombudsperson opens a review.
    let complaint = serde_json::json!({"kind": "misuse", "account": "The newly licensed kits were used on phones taken from journalists at a press conference."});
    let (s, c) = server.anonymous().post("/api/complaints", complaint).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let reference = c["reference"].as_str().unwrap();
    let ombudsperson = server.login(OMBUDSPERSON).await;
    let examine = format!("/api/ombudsperson/complaints/{reference}/examine");
    assert_eq!(ombudsperson.post(&examine, serde_json::json!({})).await.0, StatusCode::OK);
    let findings = serde_json::json!({"findings": "The account is credible: the licence is under review.",
        "action": "licence_review", "case_id": id});
    let (s, v) =
        ombudsperson.post(&format!("/api/ombudsperson/complaints/{reference}/findings"), findings).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, reviews) = approver.get(&format!("/api/reviews?case_id={id}")).await;
    assert!(reviews.as_array().unwrap().iter().any(|r| r["trigger"]["kind"] == "complaint"), "{reviews}");
    let (_, status) = server.anonymous().get(&format!("/api/complaints/{reference}")).await;
    assert_eq!(status["action"], "licence_review", "{status}");

    // Every record above is in the log, and the log is consistent with the one verified first.
    signed_after(&server, &signed).await;
    let again = verify(&server.base, &state);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("verified"), "{}", text(&again));
}

async fn sqlite(db: &TestDb) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(db.url()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_succeeds_then_catches_an_edited_record() {
    let db = TestDb::sqlite();
    let state: PathBuf = db.dir().join("state.json");
    let server = start(&db).await;
    let ok = verify(&server.base, &state);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("verified"));

    // The log grows; the verifier checks the new checkpoint is consistent with the one it saw.
    publish_something(&server).await;
    let again = verify(&server.base, &state);
    assert!(again.status.success(), "{}", text(&again));

    // An attacker with database access rewrites a published refusal as an issued licence.
    let pool = sqlite(&db).await;
    sqlx::query("DROP TRIGGER log_leaves_no_update").execute(&pool).await.unwrap();
    let changed = sqlx::query("UPDATE log_leaves SET data = CAST(REPLACE(CAST(data AS TEXT), 'licence_refused', 'licence_issued') AS BLOB) WHERE idx = (SELECT MIN(idx) FROM log_leaves WHERE CAST(data AS TEXT) LIKE '%licence_refused%')")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    let caught = verify(&server.base, &state);
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    assert!(text(&caught).contains("FAILED"), "{}", text(&caught));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_catches_a_deleted_record() {
    let db = TestDb::sqlite();
    let state = db.dir().join("state.json");
    let server = start(&db).await;
    assert!(verify(&server.base, &state).status.success());
    let pool = sqlite(&db).await;
    sqlx::query("DROP TRIGGER log_leaves_no_delete").execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM log_leaves WHERE idx = 2").execute(&pool).await.unwrap();
    let caught = verify(&server.base, &state);
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    assert!(text(&caught).contains("FAILED"), "{}", text(&caught));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_catches_a_log_rolled_back_to_an_earlier_state() {
    let db = TestDb::sqlite();
    let state = db.dir().join("state.json");
    let server = start(&db).await;
    // Keep a copy of the database as it is now.
    let pool = sqlite(&db).await;
    let backup = db.dir().join("backup.db");
    sqlx::query("VACUUM INTO ?").bind(backup.display().to_string()).execute(&pool).await.unwrap();
    pool.close().await;
    // The log grows and a watchdog sees the larger checkpoint.
    publish_something(&server).await;
    assert!(verify(&server.base, &state).status.success());
    // The authority's database is restored from the backup: published history disappears.
    drop(server);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(db.dir().join(format!("oversight.db{suffix}")));
    }
    std::fs::copy(&backup, db.dir().join("oversight.db")).unwrap();
    let server = start(&db).await;
    let caught = verify(&server.base, &state);
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    assert!(text(&caught).contains("FAILED"), "{}", text(&caught));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_records_carry_no_commercial_secrets_and_prove_their_inclusion() {
    let db = TestDb::sqlite();
    let server = start(&db).await;
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
        let answer = client.get(format!("{}/api/register/{index}", server.base)).send().await.unwrap();
        if answer.status() == reqwest::StatusCode::NOT_FOUND {
            // Not a record: an operating-token statement (the demo's installations' tokens).
            let page: Value = client
                .get(format!("{}/log/entries?start={index}&end={}", server.base, index + 1))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let leaf = b64.decode(page["entries"][0].as_str().unwrap()).unwrap();
            assert!(
                leaf.starts_with(b"oversight/attest/v1 "),
                "leaf {index} is neither a record nor a statement"
            );
            continue;
        }
        let r: Value = answer.json().await.unwrap();
        let proof: Vec<Vec<u8>> = r["inclusion_proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| b64.decode(h.as_str().unwrap()).unwrap())
            .collect();
        let leaf = b64.decode(r["leaf_hash"].as_str().unwrap()).unwrap();
        // Proved against the checkpoint served with it (the sequencer may have signed a newer one).
        let against = oversight_tlog::open_checkpoint(r["checkpoint"].as_str().unwrap(), &verifier).unwrap();
        assert!(against.checkpoint.size >= cp.size);
        let cp = against.checkpoint;
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

/// The register's answer to a public search, after the server restarted over the database.
async fn register_after_restart(db: &TestDb, server: ServerProcess) -> (ServerProcess, StatusCode, String) {
    drop(server);
    let server = start(db).await;
    let r = Client::new().get(format!("{}/api/register", server.base)).send().await.unwrap();
    let status = r.status();
    (server, status, r.text().await.unwrap())
}

// Issue 15, finding 11: the server checks its own log at start, and withholds the register when a
// published record or the event it publishes was changed in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_withholds_the_register_after_a_leaf_is_edited() {
    let db = TestDb::sqlite();
    let server = start(&db).await;
    let (server, status, _) = register_after_restart(&db, server).await;
    assert_eq!(status, StatusCode::OK, "an untouched database is served after a restart");
    let pool = sqlite(&db).await;
    sqlx::query("DROP TRIGGER log_leaves_no_update").execute(&pool).await.unwrap();
    let changed = sqlx::query("UPDATE log_leaves SET data = CAST(REPLACE(CAST(data AS TEXT), 'licence_refused', 'licence_issued') AS BLOB) WHERE idx = (SELECT MIN(idx) FROM log_leaves WHERE CAST(data AS TEXT) LIKE '%licence_refused%')")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    pool.close().await;
    let (server, status, body) = register_after_restart(&db, server).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("root recomputed from the stored leaves"), "{body}");
    // Every way of reading the register is withheld, the HTML page saying why.
    let client = Client::new();
    for path in [
        "/register",
        "/register/0",
        "/register/stats",
        "/register/decisions.csv",
        "/register/decisions.jsonl",
        "/register/feed.atom",
        "/api/register/0",
        "/api/register/stats",
    ] {
        let r = client.get(format!("{}{path}", server.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
    }
    let page = client.get(format!("{}/register", server.base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("withheld"), "{page}");
    // The alarm is in the server's log.
    assert!(server.log_text().contains("ALARM"), "{}", server.log_text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_withholds_the_register_after_an_event_is_edited() {
    let db = TestDb::sqlite();
    let server = start(&db).await;
    let pool = sqlite(&db).await;
    sqlx::query("DROP TRIGGER events_no_update").execute(&pool).await.unwrap();
    // A refusal rewritten as an approval in the case's own history (its record still says refused).
    let changed = sqlx::query(
        "UPDATE events SET payload = REPLACE(payload, '\"outcome\":\"deny\"', '\"outcome\":\"approve\"') \
         WHERE seq = (SELECT seq FROM events WHERE kind = 'decided' AND payload LIKE '%\"outcome\":\"deny\"%' LIMIT 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    pool.close().await;
    let (_server, status, body) = register_after_restart(&db, server).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("licence_issued record where the log holds a licence_refused record"), "{body}");
}
