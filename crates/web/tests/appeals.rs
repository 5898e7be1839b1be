//! Issue 12 part 1 over real HTTP: an exporter appeals a refusal within the window; a panel member
//! who worked on the case cannot sit on it; the panel asks, decides, and an overturned refusal
//! reopens the case for a different approver; the decision is published beside the refusal; an
//! appeal after the window is refused with the date it closed.

use std::sync::Arc;

use oversight_testkit::users::{
    ADMIN, APPROVER, APPROVER2, EXPORTER, OFFICER, OFFICER_PANEL, OTHER_EXPORTER, PANEL, PANEL2, PARTNER,
};
use oversight_testkit::{ServerOptions, TestDb, TestServer, User, fixed_clock};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The demo's case awaiting a decision, refused by the approver after the officer-panel member
/// raised a query on it (so took part); returns (case id, the exporter who owns it).
async fn refused(t: &TestServer) -> (String, User) {
    let officer = t.login(OFFICER).await;
    let (_, list) = officer.get("/api/applications?status=pending_decision").await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    let exporter = {
        let a = t.login(EXPORTER).await;
        if a.get(&format!("/api/applications/{id}")).await.0 == StatusCode::OK {
            a
        } else {
            t.login(OTHER_EXPORTER).await
        }
    };
    let due = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive().to_string();
    let (s, v) = t
        .login(OFFICER_PANEL)
        .await
        .post(
            &format!("/api/applications/{id}/queries"),
            json!({"question": "Who oversees the end user?", "due": due}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let q = v["queries"][0]["id"].as_str().unwrap();
    let (s, _) = exporter
        .post(&format!("/api/applications/{id}/queries/{q}/answer"), json!({"answer": "The courts."}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = t
        .login(APPROVER)
        .await
        .post(&format!("/api/applications/{id}/decision"), json!({"outcome": "deny", "criteria": [2], "public_rationale": "Refused: risk of internal repression.",
                   "departure_justification": "The officer's review of the end user's record outweighs the indicator score."}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (id, exporter)
}

fn appeal() -> Value {
    json!({"subject": {"kind": "refusal"}, "grounds": "The end user is under independent judicial oversight.",
           "documents": [{"filename": "court-order.txt", "content_base64": "Q291cnQgb3JkZXI="}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overturned_refusal_is_decided_again_by_a_different_approver_and_published() {
    let t = TestServer::sqlite().await;
    let (id, exporter) = refused(&t).await;
    let path = format!("/api/applications/{id}/appeals");
    // Only the owner appeals; bad input changes nothing.
    let others = [t.login(OFFICER).await, t.login(PANEL).await, t.login(PARTNER).await];
    let before = t.events().await;
    assert_eq!(others[0].post(&path, appeal()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(others[2].post(&path, appeal()).await.0, StatusCode::NOT_FOUND);
    let (s, e) = exporter.post(&path, json!({"subject": {"kind": "suspension"}, "grounds": "x"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = exporter.post(&path, json!({"subject": {"kind": "refusal"}, "grounds": " "})).await;
    assert!(s == StatusCode::UNPROCESSABLE_ENTITY && e.to_string().contains("grounds"), "{e}");
    assert_eq!(t.events().await, before, "nothing stored");

    let (s, a) = exporter.post(&path, appeal()).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let aid = a["id"].as_str().unwrap().to_string();
    assert_eq!(
        exporter.post(&path, appeal()).await.0,
        StatusCode::CONFLICT,
        "one appeal of the refusal at a time"
    );

    // The officer-panel member raised a query on the case: not independent.
    let (s, e) = t.login(OFFICER_PANEL).await.post(&format!("/api/appeals/{aid}/panel"), json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(e.to_string().contains("took part"), "{e}");
    for who in [APPROVER, ADMIN] {
        let (s, _) = t.login(who).await.post(&format!("/api/appeals/{aid}/panel"), json!({})).await;
        assert!(matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{who}: {s}");
    }
    let (panel, panel2) = (&others[1], t.login(PANEL2).await);
    assert_eq!(panel.post(&format!("/api/appeals/{aid}/panel"), json!({})).await.0, StatusCode::OK);
    let decision =
        json!({"outcome": "overturned", "reasons": "The panel finds the judicial oversight effective."});
    assert_eq!(
        panel.post(&format!("/api/appeals/{aid}/decision"), decision.clone()).await.0,
        StatusCode::CONFLICT,
        "a panel of two"
    );
    assert_eq!(panel2.post(&format!("/api/appeals/{aid}/panel"), json!({})).await.0, StatusCode::OK);
    let (s, a) =
        panel2.post(&format!("/api/appeals/{aid}/questions"), json!({"question": "Which court?"})).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let q = a["questions"][0]["id"].as_str().unwrap();
    assert_eq!(
        panel.post(&format!("/api/appeals/{aid}/questions/{q}/answer"), json!({"answer": "x"})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        panel.post(&format!("/api/appeals/{aid}/decision"), decision.clone()).await.0,
        StatusCode::CONFLICT,
        "a question open"
    );
    assert_eq!(
        exporter
            .post(
                &format!("/api/appeals/{aid}/questions/{q}/answer"),
                json!({"answer": "The district court."})
            )
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        exporter.post(&format!("/api/appeals/{aid}/decision"), decision.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, a) = panel.post(&format!("/api/appeals/{aid}/decision"), decision.clone()).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["decision"]["outcome"], "overturned");

    // Reopened: the approver who refused may not decide again; another approver does.
    let (_, case) = others[0].get(&format!("/api/applications/{id}")).await;
    assert_eq!(case["status"], "pending_decision");
    // As the assessment recommends (approval with conditions): no second approver needed.
    let approve = json!({"outcome": "approve_with_conditions", "public_rationale": "Licensed after the appeal.",
        "conditions": ["An end-use certificate signed by the end user before shipment"]});
    let (s, e) =
        t.login(APPROVER).await.post(&format!("/api/applications/{id}/decision"), approve.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(e.to_string().contains("different approver"), "{e}");
    let (s, v) = t.login(APPROVER2).await.post(&format!("/api/applications/{id}/decision"), approve).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Published beside the refusal; the new decision is not a second first decision.
    let (_, page) = t.anonymous().get(&format!("/api/register?case_id={id}")).await;
    let records: Vec<&Value> = page["records"].as_array().unwrap().iter().map(|r| &r["record"]).collect();
    let refusal = records.iter().find(|r| r["kind"] == "licence_refused").expect("the refusal");
    let overturned =
        records.iter().find(|r| r["kind"] == "appeal_overturned").expect("the appeal's decision");
    assert_eq!(overturned["acts_on"], refusal["record_id"]);
    assert_eq!(overturned["public_rationale"], "The panel finds the judicial oversight effective.");
    let issued =
        records.iter().find(|r| r["kind"] == "licence_issued_with_conditions").expect("the new decision");
    assert_eq!(issued["first_decision"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appeal_after_the_window_is_refused_with_the_date_it_closed() {
    let now = chrono::Utc::now();
    let clock = fixed_clock(now);
    let t = TestServer::start_on(
        Arc::new(TestDb::sqlite()),
        ServerOptions { clock: clock.clone(), ..ServerOptions::default() },
    )
    .await;
    let (id, exporter) = refused(&t).await;
    clock.set(now + chrono::Duration::days(29));
    let exporter = t
        .login(if exporter.get(&format!("/api/applications/{id}")).await.0 == StatusCode::OK {
            EXPORTER
        } else {
            OTHER_EXPORTER
        })
        .await;
    let before = t.events().await;
    let (s, e) = exporter.post(&format!("/api/applications/{id}/appeals"), appeal()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let closes = (now + chrono::Duration::days(28)).date_naive().to_string();
    assert!(e.to_string().contains(&format!("closed on {closes}")), "{e}");
    assert_eq!(t.events().await, before, "nothing stored");
}
