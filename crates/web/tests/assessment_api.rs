//! Assessment API tests over real HTTP on a fresh SQLite database loaded with the demo dataset: the
//! assessment and HRIA gates on a decision, the red-flag hold and its clearance, HRIA validation, the
//! evidence register, replay.

use oversight_testkit::{TestServer, User};
use reqwest::StatusCode;
use serde_json::{Value, json};

const EXPORTER: &str = "compliance@nordwatch.example";
const OFFICER: &str = "officer@authority.example";
const APPROVER: &str = "approver@authority.example";
const ASSESSOR: &str = "assessor@authority.example";

/// A submitted case assigned to the demo officer, with one item and an end user; returns its id.
async fn assigned_case(t: &TestServer, destination: &str, code: &str, end_user: &str) -> String {
    let exporter = t.login(EXPORTER).await;
    let (s, app) = exporter
        .post(
            "/api/applications",
            json!({"title": "Assessment API test", "end_use": "Criminal investigations under warrant", "destination": destination}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    let item = json!({"control_code": code, "description": "Item", "quantity": 1, "value_eur": 100000});
    assert_eq!(exporter.post(&format!("/api/applications/{id}/items"), item).await.0, StatusCode::CREATED);
    let party = json!({"role": "end_user", "name": end_user, "address": "HQ", "country": destination, "sector": "police"});
    assert_eq!(exporter.post(&format!("/api/applications/{id}/parties"), party).await.0, StatusCode::CREATED);
    assert_eq!(exporter.post(&format!("/api/applications/{id}/submit"), json!({})).await.0, StatusCode::OK);
    let officer = t.login(OFFICER).await;
    let me = officer.id().await;
    let (s, v) = officer.post(&format!("/api/applications/{id}/assign"), json!({"officer": me})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    id
}

fn hria() -> Value {
    oversight_testkit::fixtures::hria()
}

fn decision() -> Value {
    json!({"outcome": "approve_with_conditions", "public_rationale": "Licensed with conditions.", "conditions": ["End-use assurance"]})
}

async fn recommend(officer: &User, id: &str) {
    let (s, v) = officer
        .post(
            &format!("/api/applications/{id}/recommendation"),
            json!({"outcome": "approve_with_conditions", "reasoning": "Oversight in place", "conditions": ["End-use assurance"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_is_refused_without_assessment_and_hria_then_allowed() {
    let t = TestServer::sqlite().await;
    let id = assigned_case(&t, "NO", "5A001.j", "Politiets sikkerhetstjeneste").await;
    let (officer, approver, assessor) =
        (t.login(OFFICER).await, t.login(APPROVER).await, t.login(ASSESSOR).await);
    recommend(&officer, &id).await;
    let path = format!("/api/applications/{id}/decision");

    let before = t.events().await;
    let (s, e) = approver.post(&path, decision()).await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("no risk assessment"), "{e}");
    assert_eq!(t.events().await, before);

    let (s, rec) = officer.post(&format!("/api/applications/{id}/assessment"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{rec}");
    assert_eq!(rec["assessment"]["recommended_outcome"], "refer", "{}", rec["assessment"]["rationale"]);
    assert_eq!(rec["assessment"]["input"]["item"]["tier"], "A");
    let (s, e) = approver.post(&path, decision()).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(e["message"].as_str().unwrap().contains("human-rights impact assessment"), "{e}");
    let (_, status) = approver.get(&format!("/api/applications/{id}/assessment")).await;
    assert_eq!(status["hria_required"], true);
    assert_eq!(status["decision_blockers"].as_array().unwrap().len(), 1, "{status}");

    let (s, h) = assessor.put(&format!("/api/applications/{id}/hria"), hria()).await;
    assert_eq!(s, StatusCode::OK, "{h}");
    let (s, v) = approver.post(&path, decision()).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("approved_with_conditions")), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_red_flag_puts_the_case_on_hold_and_only_an_approver_clears_it() {
    let t = TestServer::sqlite().await;
    let id = assigned_case(&t, "HU", "5A001.j", "Nemzetbiztonsági Szakszolgálat").await;
    let (officer, approver, assessor, exporter) =
        (t.login(OFFICER).await, t.login(APPROVER).await, t.login(ASSESSOR).await, t.login(EXPORTER).await);
    let (s, rec) = assessor.post(&format!("/api/applications/{id}/assessment"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{rec}");
    assert!(!rec["assessment"]["red_flags"].as_array().unwrap().is_empty());
    let (_, case) = officer.get(&format!("/api/applications/{id}")).await;
    assert_eq!(case["status"], "on_hold");
    assert!(case["hold"]["reason"].as_str().unwrap().starts_with("Red flags"), "{case}");

    let clear = format!("/api/applications/{id}/red-flags/clear");
    let reason = json!({"reason": "Findings considered; conditions mitigate."});
    let before = t.events().await;
    assert_eq!(officer.post(&clear, reason.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(assessor.post(&clear, reason.clone()).await.0, StatusCode::FORBIDDEN);
    // The applicant sees its case, so the authority's action is forbidden to it (403).
    assert_eq!(exporter.post(&clear, reason.clone()).await.0, StatusCode::FORBIDDEN);
    let (s, e) = officer.post(&format!("/api/applications/{id}/resume"), json!({"reason": "done"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, e) = approver.post(&clear, json!({})).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
    assert_eq!(t.events().await, before);

    let (s, v) = approver.post(&clear, reason).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["uncleared_red_flags"], json!([]));
    assert_eq!(v["latest"]["red_flags_cleared"]["reason"], "Findings considered; conditions mitigate.");
    let (_, case) = officer.get(&format!("/api/applications/{id}")).await;
    assert_eq!(case["status"], "under_review");

    recommend(&officer, &id).await;
    assert_eq!(assessor.put(&format!("/api/applications/{id}/hria"), hria()).await.0, StatusCode::OK);
    // The assessment recommended against approval: approving departs from it (issue 15, finding 12),
    // so it takes a justification and a second approver.
    let (s, v) = approver.post(&format!("/api/applications/{id}/decision"), decision()).await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("departure_justification")),
        "{v}"
    );
    let mut justified = decision();
    justified["departure_justification"] = json!("Findings considered; the conditions answer the red flags.");
    let (s, v) = approver.post(&format!("/api/applications/{id}/decision"), justified).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("pending_decision")), "{v}");
    let second = t.login("approver2@authority.example").await;
    let (s, v) = second.post(&format!("/api/applications/{id}/decision/concur"), json!({})).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("approved_with_conditions")), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hria_errors_name_the_section_and_only_assessors_write_it() {
    let t = TestServer::sqlite().await;
    let id = assigned_case(&t, "NO", "5A004.b", "Kripos").await;
    let (officer, assessor, exporter) =
        (t.login(OFFICER).await, t.login(ASSESSOR).await, t.login(EXPORTER).await);
    let path = format!("/api/applications/{id}/hria");
    let mut h = hria();
    h["mitigations"] = json!(" ");
    let before = t.events().await;
    let (s, e) = assessor.put(&path, h).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("mitigations")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("Mitigations"), "{e}");
    let mut h = hria();
    h.as_object_mut().unwrap().remove("stakeholder_input");
    let (s, e) = assessor.put(&path, h).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("stakeholder_input")),
        "{e}"
    );
    assert_eq!(officer.put(&path, hria()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(exporter.put(&path, hria()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(officer.get(&path).await.0, StatusCode::NOT_FOUND, "none recorded yet");
    assert_eq!(t.events().await, before);
    assert_eq!(assessor.put(&path, hria()).await.0, StatusCode::OK);
    let (s, got) = officer.get(&path).await;
    assert_eq!((s, &got["hria"]), (StatusCode::OK, &hria()));
    assert_eq!(exporter.get(&path).await.0, StatusCode::FORBIDDEN);
    assert_eq!(exporter.get(&format!("/api/applications/{id}/assessment")).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_evidence_register_is_edited_by_assessors_only() {
    let t = TestServer::sqlite().await;
    let (officer, assessor, exporter) =
        (t.login(OFFICER).await, t.login(ASSESSOR).await, t.login(EXPORTER).await);
    let (s, list) = officer.get("/api/evidence").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.as_array().unwrap().len() >= 19, "the seed is loaded");
    assert_eq!(exporter.get("/api/evidence").await.0, StatusCode::FORBIDDEN);

    let entry = json!({"id": "rs-bia-2024", "iso3": "RS", "end_user": "Security Information Agency (BIA)",
        "finding": "Spyware installed on a journalist's phone after police custody.", "source": "Amnesty International",
        "report": "A Digital Prison", "url": "https://www.amnesty.org/en/documents/eur70/8813/2024/en/",
        "year": 2024, "confidence": "high"});
    let before = t.events().await;
    assert_eq!(officer.post("/api/evidence", entry.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(exporter.post("/api/evidence", entry.clone()).await.0, StatusCode::FORBIDDEN);
    let mut bad = entry.clone();
    bad["confidence"] = json!("certain");
    let (s, e) = assessor.post("/api/evidence", bad).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("confidence")), "{e}");
    let mut bad = entry.clone();
    bad["source"] = json!("");
    let (s, e) = assessor.post("/api/evidence", bad).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("source")), "{e}");
    assert_eq!(t.events().await, before);

    let (s, v) = assessor.post("/api/evidence", entry).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["entry"]["scope"]["level"], "end_user");
    let (s, v) =
        assessor.patch("/api/evidence/rs-bia-2024", json!({"note": "Confirmed by a second lab."})).await;
    assert_eq!((s, v["version"].as_u64()), (StatusCode::OK, Some(2)), "{v}");
    assert_eq!(
        officer.patch("/api/evidence/rs-bia-2024", json!({"note": "x"})).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, e) = assessor.patch("/api/evidence/rs-bia-2024", json!({"date": "2023-02-30"})).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("date")));
    assert_eq!(assessor.patch("/api/evidence/nope", json!({"note": "x"})).await.0, StatusCode::NOT_FOUND);
    let (_, list) = officer.get("/api/evidence").await;
    let mine = list.as_array().unwrap().iter().find(|e| e["entry"]["id"] == "rs-bia-2024").unwrap();
    assert_eq!(mine["entry"]["note"], "Confirmed by a second lab.");
    assert_eq!(mine["origin"], "assessor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_reproduces_the_recorded_assessment() {
    let t = TestServer::sqlite().await;
    let id = assigned_case(&t, "MX", "5A004.b", "Fiscalía General de la República").await;
    let officer = t.login(OFFICER).await;
    let path = format!("/api/applications/{id}/assessment/replay");
    assert_eq!(officer.post(&path, json!({})).await.0, StatusCode::CONFLICT, "nothing to replay yet");
    let (s, rec) = officer.post(&format!("/api/applications/{id}/assessment"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, r) = officer.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["identical"], true, "{r}");
    assert_eq!(r["recorded_outcome"], rec["assessment"]["recommended_outcome"]);
    assert_eq!(r["policy_sha256"], rec["assessment"]["policy"]["sha256"]);
    let (_, all) = officer.get(&format!("/api/applications/{id}/assessment")).await;
    assert_eq!(all["latest"]["version"], rec["version"]);
}
