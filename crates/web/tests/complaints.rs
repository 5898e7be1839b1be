//! Issue 12 part 2 over real HTTP: anyone complains (no account), follows the complaint by its
//! reference without it showing who complained; the ombudsperson alone examines and concludes, a
//! licence review opening from it; abuse is refused: too large, a wrong file type, too many from
//! one address.

use base64::Engine;
use oversight_testkit::users::{ADMIN, APPROVER, EXPORTER, OFFICER, OMBUDSPERSON};
use oversight_testkit::{TestServer, both_backends};
use reqwest::StatusCode;
use serde_json::json;

both_backends!(
    anyone_complains_and_the_ombudsperson_concludes_publicly_by_reference,
    abuse_is_refused_and_changes_nothing
);

fn complaint() -> serde_json::Value {
    json!({"kind": "misuse", "account": "The licensed IMSI catcher was used at a peaceful protest on 3 May.", "contact": "witness@example.org",
           "evidence": [{"filename": "notes.txt", "content_base64": base64::engine::general_purpose::STANDARD.encode("Seen at 14:00 near the square.")}]})
}

async fn anyone_complains_and_the_ombudsperson_concludes_publicly_by_reference(t: TestServer) {
    let public = t.anonymous();
    let (s, c) = public.post("/api/complaints", complaint()).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let reference = c["reference"].as_str().unwrap().to_string();
    assert!(reference.starts_with("C-"));
    let (s, status) = public.get(&format!("/api/complaints/{reference}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(status["status"], "received");
    let text = status.to_string();
    assert!(!text.contains("witness@example.org") && !text.contains("peaceful protest"), "{text}");
    assert_eq!(public.get("/api/complaints/C-000000000000").await.0, StatusCode::NOT_FOUND);

    // Only the ombudsperson sees the queue and acts.
    for who in [OFFICER, APPROVER, ADMIN, EXPORTER] {
        let u = t.login(who).await;
        assert_eq!(u.get("/api/ombudsperson/complaints").await.0, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            u.post(&format!("/api/ombudsperson/complaints/{reference}/examine"), json!({})).await.0,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(public.get("/api/ombudsperson/complaints").await.0, StatusCode::UNAUTHORIZED);
    let o = t.login(OMBUDSPERSON).await;
    let (s, queue) = o.get("/api/ombudsperson/complaints").await;
    assert_eq!(s, StatusCode::OK);
    assert!(queue.to_string().contains("witness@example.org"), "the ombudsperson sees the contact");
    assert_eq!(
        o.post(&format!("/api/ombudsperson/complaints/{reference}/examine"), json!({})).await.0,
        StatusCode::OK
    );
    // A licence review names a live licence.
    let findings = format!("/api/ombudsperson/complaints/{reference}/findings");
    let (s, e) = o.post(&findings, json!({"findings": "f", "action": "licence_review"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (_, flags) = t.login(OFFICER).await.get("/api/licences/flags").await;
    let case = flags[0]["case_id"].as_str().unwrap();
    let (s, done) = o
        .post(&findings, json!({"findings": "The account is credible: the licence is under review.", "action": "licence_review", "case_id": case}))
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let (_, status) = public.get(&format!("/api/complaints/{reference}")).await;
    assert_eq!(
        (status["status"].as_str(), status["action"].as_str()),
        (Some("concluded"), Some("licence_review"))
    );
    assert_eq!(status["findings"], "The account is credible: the licence is under review.");
    let (_, reviews) = t.login(APPROVER).await.get(&format!("/api/reviews?case_id={case}")).await;
    assert!(reviews.as_array().unwrap().iter().any(|r| r["trigger"]["kind"] == "complaint"), "{reviews}");
    assert_eq!(
        o.post(&findings, json!({"findings": "again", "action": "no_action"})).await.0,
        StatusCode::CONFLICT
    );
    // The public pages: the form and the status by reference.
    let page = reqwest::get(t.url(&format!("/complaints/{reference}"))).await.unwrap().text().await.unwrap();
    assert!(page.contains("The account is credible") && !page.contains("witness@example.org"));
}

async fn abuse_is_refused_and_changes_nothing(t: TestServer) {
    let public = t.anonymous();
    let before = t.events().await;
    let mut exe = complaint();
    exe["evidence"] = json!([{"filename": "photo.jpg", "content_base64": base64::engine::general_purpose::STANDARD.encode(b"MZ\x90\x00\x03\x00\x00\x00")}]);
    let (s, e) = public.post("/api/complaints", exe).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("evidence[0]") && e.to_string().contains("PDF, PNG, JPEG"), "{e}");
    let mut long = complaint();
    long["account"] = json!("x".repeat(10_001));
    assert_eq!(public.post("/api/complaints", long).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, e) = public.post("/api/complaints", json!({"kind": "decision", "account": "a"})).await;
    assert!(s == StatusCode::UNPROCESSABLE_ENTITY && e.to_string().contains("about"), "{e}");
    assert_eq!(t.events().await, before, "nothing stored");
    // Five an hour from one address; the sixth is refused with a time to wait.
    for i in 0..5 {
        assert_eq!(public.post("/api/complaints", complaint()).await.0, StatusCode::CREATED, "complaint {i}");
    }
    let after = t.events().await;
    let (s, e) = public.post("/api/complaints", complaint()).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{e}");
    assert_eq!(t.events().await, after, "a throttled complaint stores nothing");
}
