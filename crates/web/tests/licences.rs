//! Issue 11 over real HTTP: a licence decided with obligations; shipments drawn down and refused;
//! evidence sent and judged; a list release that names the end user opens a licence review; the
//! approver suspends; the suspension is published and stops shipments. Every refusal by role,
//! and bad input that changes nothing. Each test runs on SQLite and PostgreSQL.

use base64::Engine;
use oversight_testkit::users::{
    ADMIN, APPROVER, ASSESSOR, ENFORCEMENT, EXPORTER, OFFICER, OTHER_EXPORTER, PARTNER,
};
use oversight_testkit::{TestServer, User, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

both_backends!(
    the_demo_has_obligations_in_every_state_shipments_and_open_reviews,
    a_licence_is_watched_from_decision_to_suspension,
    bad_input_and_the_wrong_roles_change_nothing
);

/// The demo's case awaiting a decision, approved with obligations; returns (case id, end user).
async fn licensed(t: &TestServer) -> (String, Value) {
    let officer = t.login(OFFICER).await;
    let (_, list) = officer.get("/api/applications?status=pending_decision").await;
    let case = list.as_array().and_then(|a| a.first()).expect("a pending demo case").clone();
    let id = case["id"].as_str().unwrap().to_string();
    let approver = t.login(APPROVER).await;
    let (s, view) = approver
        .post(
            &format!("/api/applications/{id}/decision"),
            json!({
                "outcome": "approve_with_conditions",
                "public_rationale": "Licensed with end-use controls.",
                "departure_justification": "The case officer's review of the end user outweighs the indicator score here.",
                "obligations": [
                    {"kind": "end_use_certificate"},
                    {"kind": "post_shipment_verification", "days": 30},
                    {"kind": "audit_on_request"}
                ]
            }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{view}");
    if view["licence"].is_null() {
        // A departure towards approval waits for a second approver: none in the demo but the
        // officer-approver pair, so the test picks the path the demo case takes.
        panic!("the demo's pending case should be licensable by one approver: {view}");
    }
    let licence = &view["licence"];
    assert_eq!(licence["obligations"].as_array().unwrap().len(), 3, "{licence}");
    assert_eq!(licence["conditions"].as_array().unwrap().len(), 3, "each obligation is a condition");
    (id, view)
}

/// The demo exporter whose case it is, and the other one.
async fn holder_and_other(t: &TestServer, id: &str) -> (User, &'static str, User, &'static str) {
    let a = t.login(EXPORTER).await;
    if a.get(&format!("/api/applications/{id}")).await.0 == StatusCode::OK {
        (a, EXPORTER, t.login(OTHER_EXPORTER).await, OTHER_EXPORTER)
    } else {
        (t.login(OTHER_EXPORTER).await, OTHER_EXPORTER, a, EXPORTER)
    }
}

fn first_item(view: &Value) -> String {
    view["items"][0]["id"].as_str().unwrap().to_string()
}

fn party(view: &Value, role: &str) -> String {
    view["parties"].as_array().unwrap().iter().find(|p| p["role"] == role).unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string()
}

fn shipment(item: &str, quantity: u32, value: u64, consignee: &str) -> Value {
    json!({"date": chrono::Utc::now().date_naive().to_string(), "lines": [{"item": item, "quantity": quantity}], "value_eur": value, "consignee": consignee})
}

/// A CSL release: the demo's sample plus one entry naming `name`.
fn csl_with(name: &str) -> Vec<u8> {
    let mut csv = oversight_testkit::fixtures::csl_sample();
    let header = String::from_utf8_lossy(&csv).lines().next().unwrap().to_string();
    let columns = header.split(',').count();
    let mut row = vec![String::new(); columns];
    row[0] = "test-licensed-end-user".into();
    row[1] = "Entity List (EL) - Bureau of Industry and Security".into();
    row[3] = "Entity".into();
    row[5] = format!("\"{name}\"");
    if !csv.ends_with(b"\n") {
        csv.push(b'\n');
    }
    csv.extend_from_slice(row.join(",").as_bytes());
    csv.push(b'\n');
    csv
}

async fn compliance(user: &User, id: &str) -> Value {
    let (s, c) = user.get(&format!("/api/licences/{id}/compliance")).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    c
}

async fn a_licence_is_watched_from_decision_to_suspension(t: TestServer) {
    let (id, view) = licensed(&t).await;
    let item = first_item(&view);
    let licensed_qty = view["items"][0]["quantity"].as_u64().unwrap();
    let end_user = party(&view, "end_user");
    let (exporter, _, _, _) = holder_and_other(&t, &id).await;
    let officer = t.login(OFFICER).await;

    // Before the end-use certificate is accepted, a shipment is refused — and recorded.
    let c = compliance(&exporter, &id).await;
    assert_eq!(c["obligations"][0]["kind"], "end_use_certificate");
    assert_eq!(c["obligations"][0]["status"], "pending");
    let (s, refused) =
        exporter.post(&format!("/api/licences/{id}/shipments"), shipment(&item, 1, 1000, &end_user)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert!(refused["refused"].to_string().contains("end-use certificate"), "{refused}");
    let enforcement = t.login(ENFORCEMENT).await;
    let (_, flags) = enforcement.get("/api/licences/flags").await;
    assert!(flags.as_array().unwrap().iter().any(|f| f["case_id"] == id.as_str() && f["reason"].as_str().unwrap().contains("for enforcement")), "{flags}");

    // The certificate, sent with a document and accepted by an officer.
    let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 signed certificate");
    let (s, c) = exporter
        .post(
            &format!("/api/licences/{id}/obligations/t0/fulfil"),
            json!({"note": "Signed by the end user on 1 March.", "document": {"filename": "euc.pdf", "content_base64": pdf}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["obligations"][0]["status"], "submitted");
    let (_, flags) = officer.get("/api/licences/flags").await;
    assert!(flags.to_string().contains("evidence waiting for your verdict"), "{flags}");
    let sha = c["obligations"][0]["submissions"][0]["document"]["sha256"].as_str().unwrap().to_string();
    let doc = officer
        .request(reqwest::Method::GET, &format!("/api/licences/{id}/documents/{sha}"))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), StatusCode::OK);
    assert_eq!(doc.bytes().await.unwrap().as_ref(), b"%PDF-1.4 signed certificate");
    let (s, c) = officer
        .post(
            &format!("/api/licences/{id}/obligations/t0/verdict"),
            json!({"accept": true, "reason": "Signature checked against the end user's register."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["obligations"][0]["status"], "accepted");

    // Now within the licence: drawn down, and a verification falls due 30 days on.
    let (s, shipped) =
        exporter.post(&format!("/api/licences/{id}/shipments"), shipment(&item, 1, 1000, &end_user)).await;
    assert_eq!(s, StatusCode::CREATED, "{shipped}");
    let c = compliance(&officer, &id).await;
    assert_eq!(c["drawdown"]["items"][0]["shipped"], 1);
    assert!(
        c["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["kind"] == "post_shipment_verification" && o["status"] == "pending")
    );
    // Beyond the licensed quantity: refused with the reason.
    let (s, over) = exporter
        .post(&format!("/api/licences/{id}/shipments"), shipment(&item, licensed_qty as u32, 1, &end_user))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(over["refused"].to_string().contains("beyond the licensed quantity"), "{over}");

    // A list release that names the end user: the licence goes to review, the match attached.
    let admin = t.login(ADMIN).await;
    let (s, r) = admin
        .upload("/api/admin/lists/us-csl?format=csl-csv&filename=csl-next.csv", csl_with(&end_user))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let approver = t.login(APPROVER).await;
    let (s, reviews) = approver.get(&format!("/api/reviews?case_id={id}")).await;
    assert_eq!(s, StatusCode::OK, "{reviews}");
    let review = reviews
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["trigger"]["kind"] == "list_match")
        .unwrap_or_else(|| panic!("a review opened by the list match: {reviews} after {r}"))
        .clone();
    assert!(review["evidence"].as_str().unwrap().contains(&end_user), "{review}");
    assert_eq!(review["trigger"]["list"], "us-csl");
    let rid = review["id"].as_str().unwrap();

    // The approver suspends: one step, published at once.
    let (s, decided) = approver
        .post(
            &format!("/api/reviews/{rid}/decision"),
            json!({"outcome": "suspend", "reason": "The end user is now on the Entity List."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{decided}");
    assert_eq!(decided["decision"]["outcome"], "suspend");
    let (_, case) = officer.get(&format!("/api/applications/{id}")).await;
    assert_eq!(case["licence"]["status"], "suspended");
    let (_, page) = t.anonymous().get(&format!("/api/register?case_id={id}")).await;
    let kinds: Vec<&str> =
        page["records"].as_array().unwrap().iter().map(|r| r["record"]["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"licence_suspended"), "{kinds:?}");
    // A decided review is decided once.
    let (s, _) = approver
        .post(&format!("/api/reviews/{rid}/decision"), json!({"outcome": "revoke", "reason": "x"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // A suspended licence stops shipments at once.
    let (s, stopped) =
        exporter.post(&format!("/api/licences/{id}/shipments"), shipment(&item, 1, 1000, &end_user)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(stopped["refused"].to_string().contains("the licence is suspended"), "{stopped}");
    assert_eq!(compliance(&exporter, &id).await["drawdown"]["items"][0]["shipped"], 1);

    // Adding conditions on a later review: published with the conditions.
    let (s, opened) = officer
        .post("/api/reviews", json!({"case_id": id, "evidence": "The end user's new unit is unknown to us."}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{opened}");
    let rid = opened["id"].as_str().unwrap();
    let (s, d) = approver
        .post(
            &format!("/api/reviews/{rid}/decision"),
            json!({"outcome": "add_conditions", "reason": "Training before use.", "obligations": [{"kind": "recipient_training", "days": 20}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (_, page) = t.anonymous().get(&format!("/api/register?case_id={id}")).await;
    let added = page["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record"]["kind"] == "licence_conditions_added")
        .expect("published");
    assert!(added["record"]["conditions"].to_string().contains("within 20 days"), "{added}");
}

async fn bad_input_and_the_wrong_roles_change_nothing(t: TestServer) {
    let (id, view) = licensed(&t).await;
    let item = first_item(&view);
    let end_user = party(&view, "end_user");
    let (exporter, holder, _, other) = holder_and_other(&t, &id).await;
    let approver = t.login(APPROVER).await;
    let before = t.events().await;
    let ship = format!("/api/licences/{id}/shipments");

    // Bad input: the field is named, nothing is stored.
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    for (body, field) in [
        (
            json!({"date": tomorrow, "lines": [{"item": item, "quantity": 1}], "value_eur": 1, "consignee": end_user}),
            "date",
        ),
        (
            json!({"date": "2026-01-01", "lines": [{"item": item, "quantity": 0}], "value_eur": 1, "consignee": end_user}),
            "lines[0].quantity",
        ),
        (json!({"date": "2026-01-01", "lines": [], "value_eur": 1, "consignee": end_user}), "lines"),
        (
            json!({"date": "2026-01-01", "lines": [{"item": "00000000-0000-7000-8000-000000000000", "quantity": 1}], "value_eur": 1, "consignee": end_user}),
            "lines[0].item",
        ),
        (json!({"date": "yesterday", "lines": [], "value_eur": 1, "consignee": end_user}), "date"),
        (json!({"date": "2026-01-01", "lines": [], "value_eur": -1, "consignee": end_user}), "value_eur"),
    ] {
        let (s, e) = exporter.post(&ship, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {e}");
        assert!(e.to_string().contains(field), "{field}: {e}");
    }
    let fulfil = format!("/api/licences/{id}/obligations/t0/fulfil");
    let (s, e) = exporter
        .post(&fulfil, json!({"note": "n", "document": {"filename": "a.pdf", "content_base64": "***"}}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e.to_string().contains("document.content_base64"), "{e}");
    let (s, e) = exporter
        .post(&fulfil, json!({"note": "n", "document": {"filename": " ", "content_base64": "YQ=="}}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) =
        exporter.post(&format!("/api/licences/{id}/obligations/t9/fulfil"), json!({"note": "n"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = approver.post("/api/reviews", json!({"case_id": id, "evidence": " "})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("evidence"), "{e}");
    assert_eq!(t.events().await, before, "nothing was stored");

    // Roles: each refusal by the wrong one.
    let good = shipment(&item, 1, 1, &end_user);
    for (who, expected) in [
        (OFFICER, StatusCode::FORBIDDEN),
        (APPROVER, StatusCode::FORBIDDEN),
        (other, StatusCode::NOT_FOUND),
        (PARTNER, StatusCode::NOT_FOUND),
        (ADMIN, StatusCode::NOT_FOUND),
    ] {
        let (s, body) = t.login(who).await.post(&ship, good.clone()).await;
        assert_eq!(s, expected, "{who} reporting a shipment: {body}");
    }
    assert_eq!(t.anonymous().post(&ship, good.clone()).await.0, StatusCode::UNAUTHORIZED);
    for (who, expected) in
        [(other, StatusCode::NOT_FOUND), (PARTNER, StatusCode::NOT_FOUND), (ADMIN, StatusCode::NOT_FOUND)]
    {
        assert_eq!(
            t.login(who).await.get(&format!("/api/licences/{id}/compliance")).await.0,
            expected,
            "{who}"
        );
    }
    exporter.post(&fulfil, json!({"note": "Signed."})).await;
    let verdict = format!("/api/licences/{id}/obligations/t0/verdict");
    for who in [holder, APPROVER, ENFORCEMENT, ASSESSOR] {
        let (s, body) = t.login(who).await.post(&verdict, json!({"accept": true, "reason": "ok"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who} judging: {body}");
    }
    let audit = format!("/api/licences/{id}/audits");
    let due = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    for (who, expected) in
        [(holder, StatusCode::FORBIDDEN), (APPROVER, StatusCode::FORBIDDEN), (other, StatusCode::NOT_FOUND)]
    {
        let (s, body) = t.login(who).await.post(&audit, json!({"scope": "site visit", "due": due})).await;
        assert_eq!(s, expected, "{who} asking for an audit: {body}");
    }
    let (s, c) = t
        .login(ENFORCEMENT)
        .await
        .post(&audit, json!({"scope": "Site visit at the monitoring centre.", "due": due}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    // Reviews: read by the authority's case roles, decided by approvers only.
    let officer = t.login(OFFICER).await;
    let (s, opened) = officer
        .post("/api/reviews", json!({"case_id": id, "evidence": "A press report names the end user."}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{opened}");
    let rid = opened["id"].as_str().unwrap();
    for (who, expected) in
        [(holder, StatusCode::FORBIDDEN), (PARTNER, StatusCode::FORBIDDEN), (ADMIN, StatusCode::FORBIDDEN)]
    {
        assert_eq!(t.login(who).await.get("/api/reviews").await.0, expected, "{who}");
    }
    for who in [OFFICER, ENFORCEMENT, ASSESSOR, holder] {
        let (s, body) = t
            .login(who)
            .await
            .post(
                &format!("/api/reviews/{rid}/decision"),
                json!({"outcome": "continue", "reason": "no concern"}),
            )
            .await;
        assert!(
            matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{who} deciding a review: {s} {body}"
        );
    }
    let (s, e) = approver
        .post(
            &format!("/api/reviews/{rid}/decision"),
            json!({"outcome": "continue", "reason": "", "conditions": []}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = approver
        .post(
            &format!("/api/reviews/{rid}/decision"),
            json!({"outcome": "continue", "reason": "r", "conditions": ["x"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("conditions"));
    let (s, r) = approver
        .post(
            &format!("/api/reviews/{rid}/decision"),
            json!({"outcome": "continue", "reason": "The report concerns another unit."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
}

async fn the_demo_has_obligations_in_every_state_shipments_and_open_reviews(t: TestServer) {
    let officer = t.login(OFFICER).await;
    let (_, flags) = officer.get("/api/licences/flags").await;
    let case = flags.as_array().unwrap().first().expect("the demo flags a licence")["case_id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = compliance(&officer, &case).await;
    let mut states: Vec<&str> =
        c["obligations"].as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    states.sort();
    states.dedup();
    assert_eq!(states, vec!["accepted", "overdue", "pending", "rejected", "submitted"], "{c}");
    let shipments = c["shipments"].as_array().unwrap();
    assert_eq!(shipments.iter().filter(|s| s.get("refused").is_none()).count(), 2);
    assert_eq!(shipments.iter().filter(|s| s.get("refused").is_some()).count(), 1);
    assert_eq!(c["drawdown"]["items"][0]["shipped"], 3);
    let (_, reviews) = t.login(APPROVER).await.get("/api/reviews").await;
    let open: Vec<&Value> =
        reviews.as_array().unwrap().iter().filter(|r| r["case"] == case.as_str()).collect();
    assert!(
        open.iter().any(|r| r["proposed"] == "suspend" && r["trigger"]["kind"] == "obligation_breach"),
        "{reviews}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_licence_is_re_assessed_beside_its_earlier_assessment_and_new_evidence_opens_a_review() {
    let t = TestServer::sqlite().await;
    let officer = t.login(OFFICER).await;
    let (_, flags) = officer.get("/api/licences/flags").await;
    let case = flags[0]["case_id"].as_str().unwrap().to_string();
    let path = format!("/api/applications/{case}/assessment");
    // Refused to those without the right, and on a decided case without a live licence.
    for who in [APPROVER, ENFORCEMENT, ADMIN] {
        let (s, body) = t.login(who).await.post(&path, json!({})).await;
        assert!(matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{who}: {s} {body}");
    }
    let (_, refused) = officer.get("/api/applications?status=denied").await;
    let denied = refused[0]["id"].as_str().unwrap();
    assert_eq!(
        officer.post(&format!("/api/applications/{denied}/assessment"), json!({})).await.0,
        StatusCode::CONFLICT
    );
    let (s, rec) = officer.post(&path, json!({})).await;
    assert!(s.is_success(), "{s} {rec}");
    let (_, all) = officer.get(&path).await;
    let diff = all["difference"].as_array().unwrap();
    assert!(diff.iter().any(|d| d["what"] == "Recommended outcome"), "{all}");
    assert!(diff.iter().any(|d| d["what"].as_str().unwrap().starts_with("Factor: ")));
    // The case page shows them side by side.
    let (_, html) = officer.get(&format!("/applications/{case}")).await;
    assert!(html.as_str().unwrap().contains("The latest assessment beside the one before"));

    // New evidence about the licence's destination opens a review of it.
    let (_, view) = officer.get(&format!("/api/applications/{case}")).await;
    let iso3 = match view["destination"].as_str().unwrap() {
        "BR" => "BRA",
        other => panic!("the demo's conditional licence is to Brazil, not {other}"),
    };
    let assessor = t.login(ASSESSOR).await;
    let (s, e) = assessor
        .post(
            "/api/evidence",
            json!({"iso3": iso3, "year": 2026, "confidence": "high", "finding": "Interception used against journalists covering protests.", "source": "Test rapporteur", "evidence_type": "documented_misuse", "technology": "interception"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let (_, reviews) = t.login(APPROVER).await.get(&format!("/api/reviews?case_id={case}")).await;
    assert!(reviews.as_array().unwrap().iter().any(|r| r["trigger"]["kind"] == "evidence"), "{reviews}");
}
