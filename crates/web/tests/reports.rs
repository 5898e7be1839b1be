//! Issue 11, part 6 over real HTTP: exporters' suspicious-activity reports and their triage; the
//! authority's informed notices, published on the register and holding covered shipments to a new
//! licence. Every refusal by role; bad input that changes nothing. SQLite and PostgreSQL.

use oversight_testkit::users::{
    ADMIN, APPROVER, ASSESSOR, ENFORCEMENT, EXPORTER, OFFICER, OTHER_EXPORTER, PARTNER,
};
use oversight_testkit::{TestServer, both_backends};
use reqwest::StatusCode;
use serde_json::json;

both_backends!(
    a_report_is_filed_by_an_exporter_and_triaged_once_by_an_officer,
    an_informed_notice_is_published_and_holds_covered_shipments
);

fn report() -> serde_json::Value {
    json!({"requester": "Gulf Trading FZE", "requester_country": "AE", "items": "Two IMSI catchers", "why": "Cash, no end user named."})
}

async fn a_report_is_filed_by_an_exporter_and_triaged_once_by_an_officer(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let others = [
        t.login(OFFICER).await,
        t.login(APPROVER).await,
        t.login(PARTNER).await,
        t.login(OTHER_EXPORTER).await,
    ];
    let before = t.events().await;
    for (body, field) in [
        (json!({"requester": "X", "requester_country": "ZZ", "items": "i", "why": "w"}), "requester_country"),
        (json!({"requester": " ", "requester_country": "AE", "items": "i", "why": "w"}), "requester"),
        (json!({"requester": "X", "requester_country": "AE", "items": "i", "why": ""}), "why"),
        (
            json!({"requester": "X", "requester_country": "AE", "items": "i", "why": "w", "documents": [{"filename": "a.pdf", "content_base64": "%%"}]}),
            "documents[0].content_base64",
        ),
    ] {
        let (s, e) = exporter.post("/api/reports", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {e}");
        assert!(e.to_string().contains(field), "{e}");
    }
    for who in &others[..3] {
        assert_eq!(who.post("/api/reports", report()).await.0, StatusCode::FORBIDDEN);
    }
    assert_eq!(t.events().await, before, "nothing stored");

    let mut body = report();
    body["documents"] = json!([{"filename": "emails.txt", "content_base64": "SGVsbG8="}]);
    let (s, r) = exporter.post("/api/reports", body).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let id = r["id"].as_str().unwrap().to_string();
    // Read by its exporter and the officers; not by another exporter, an approver or a partner.
    assert!(exporter.get("/api/reports").await.1.to_string().contains(&id));
    assert!(!others[3].get("/api/reports").await.1.to_string().contains(&id));
    assert!(t.login(ENFORCEMENT).await.get("/api/reports").await.1.to_string().contains(&id));
    for who in [&others[1], &others[2]] {
        assert_eq!(who.get("/api/reports").await.0, StatusCode::FORBIDDEN);
    }
    let triage = format!("/api/reports/{id}/triage");
    for (who, expected) in [
        (&exporter, StatusCode::FORBIDDEN),
        (&others[3], StatusCode::NOT_FOUND),
        (&others[1], StatusCode::NOT_FOUND),
    ] {
        let (s, body) = who.post(&triage, json!({"outcome": "no_action", "note": "n"})).await;
        assert_eq!(s, expected, "{body}");
    }
    let (s, done) = others[0]
        .post(&triage, json!({"outcome": "referred_to_enforcement", "note": "Known to enforcement."}))
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["triage"]["outcome"], "referred_to_enforcement");
    assert_eq!(
        others[0].post(&triage, json!({"outcome": "no_action", "note": "again"})).await.0,
        StatusCode::CONFLICT
    );
    // Triaged as concerning a live licence: the case is named, and a review of it opens.
    let (_, second) = exporter.post("/api/reports", report()).await;
    let triage = format!("/api/reports/{}/triage", second["id"].as_str().unwrap());
    let (s, e) = others[0].post(&triage, json!({"outcome": "licence_review", "note": "n"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("case_id"), "{e}");
    let (_, flags) = others[0].get("/api/licences/flags").await;
    let case = flags[0]["case_id"].as_str().unwrap();
    let (s, done) =
        others[0].post(&triage, json!({"outcome": "licence_review", "note": "Same requester as on the licence.", "case_id": case})).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let (_, reviews) = others[1].get(&format!("/api/reviews?case_id={case}")).await;
    assert!(
        reviews.as_array().unwrap().iter().any(|r| r["trigger"]["kind"] == "suspicious_activity"),
        "{reviews}"
    );
    // The demo's report waits for triage on the page.
    let (s, page) = others[0].get("/reports").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.as_str().unwrap().contains("Horizon Gulf Trading FZE"));
}

async fn an_informed_notice_is_published_and_holds_covered_shipments(t: TestServer) {
    // The demo's conditional licence with shipments (its certificate accepted).
    let officer = t.login(OFFICER).await;
    let (_, flags) = officer.get("/api/licences/flags").await;
    let case = flags[0]["case_id"].as_str().unwrap().to_string();
    let (_, view) = officer.get(&format!("/api/applications/{case}")).await;
    let org = view["org"].as_str().unwrap().to_string();
    let end_user =
        view["parties"].as_array().unwrap().iter().find(|p| p["role"] == "end_user").unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string();
    let item = view["items"][0]["id"].as_str().unwrap().to_string();
    let approver = t.login(APPROVER).await;
    let notice = json!({"exporter": org, "item": "Unlisted voice-analytics add-on", "end_user": end_user, "reason": "Risk of use against journalists."});

    // Refused: the wrong roles; bad input; nothing stored.
    let others = [officer, t.login(ASSESSOR).await, t.login(ADMIN).await, t.login(EXPORTER).await];
    let before = t.events().await;
    for who in &others {
        let (s, body) = who.post("/api/notices", notice.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    }
    for (body, field) in [
        (json!({"exporter": org, "item": "x", "reason": "r"}), "end_user"),
        (
            json!({"exporter": "00000000-0000-7000-8000-000000000000", "item": "x", "destination": "EG", "reason": "r"}),
            "exporter",
        ),
        (json!({"exporter": org, "item": "x", "destination": "Narnia", "reason": "r"}), "destination"),
        (json!({"exporter": org, "item": " ", "destination": "EG", "reason": "r"}), "item"),
    ] {
        let (s, e) = approver.post("/api/notices", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {e}");
        assert!(e.to_string().contains(field), "{e}");
    }
    assert_eq!(t.events().await, before, "nothing stored");

    let (s, n) = approver.post("/api/notices", notice).await;
    assert_eq!(s, StatusCode::CREATED, "{n}");
    let (_, page) = t.anonymous().get("/api/register?outcome=informed").await;
    assert!(page.to_string().contains("Unlisted voice-analytics add-on"), "{page}");
    // The licence holder sees it; the shipment it covers is refused with the reason.
    let holder =
        if t.login(EXPORTER).await.get(&format!("/api/applications/{case}")).await.0 == StatusCode::OK {
            EXPORTER
        } else {
            OTHER_EXPORTER
        };
    let holder = t.login(holder).await;
    assert!(holder.get("/api/notices").await.1.to_string().contains("voice-analytics"));
    let today = chrono::Utc::now().date_naive().to_string();
    let (s, refused) = holder
        .post(&format!("/api/licences/{case}/shipments"), json!({"date": today, "lines": [{"item": item, "quantity": 1}], "value_eur": 1, "consignee": end_user}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert!(refused["refused"].to_string().contains("informed notice"), "{refused}");
    // Withdrawn by an approver only, once.
    let id = n["id"].as_str().unwrap();
    assert_eq!(
        others[0].post(&format!("/api/notices/{id}/withdraw"), json!({"reason": "x"})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        approver.post(&format!("/api/notices/{id}/withdraw"), json!({"reason": "Now listed."})).await.0,
        StatusCode::OK
    );
    assert_eq!(
        approver.post(&format!("/api/notices/{id}/withdraw"), json!({"reason": "again"})).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(t.login(PARTNER).await.get("/api/notices").await.0, StatusCode::FORBIDDEN);
}
