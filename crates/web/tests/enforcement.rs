//! Issue 12 part 3 over real HTTP: enforcement officers investigate exporters and conclude with
//! penalties; the penalties are published in the register; a debarred exporter is caught by
//! screening as the applicant of its own new application and as a party of another's; repeat
//! offenders' new applications go to senior review; every other role is refused; bad input names
//! its field and stores nothing.

use oversight_testkit::users::{
    ADMIN, APPROVER, ENFORCEMENT, EXPORTER, OFFICER, OMBUDSPERSON, OTHER_EXPORTER, PANEL,
};
use oversight_testkit::{TestServer, User, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

both_backends!(
    only_enforcement_officers_investigate_and_bad_input_changes_nothing,
    a_debarred_exporter_is_caught_by_screening_and_published,
    repeat_offenders_go_to_senior_review,
    a_complaint_referred_to_enforcement_opens_an_investigation,
    a_suspension_penalty_suspends_the_licence_and_is_published,
);

async fn org_of(t: &TestServer, who: &str) -> String {
    t.login(who).await.me().await["organisation"].as_str().unwrap().to_string()
}

async fn open(e: &User, exporter: &str, summary: &str) -> Value {
    let (s, inv) = e
        .post("/api/investigations", json!({"exporter": exporter, "origin": "officer", "summary": summary}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    inv
}

async fn conclude(e: &User, inv: &Value, penalties: Value) -> Value {
    let id = inv["id"].as_str().unwrap();
    let (s, done) = e
        .post(
            &format!("/api/investigations/{id}/conclusion"),
            json!({"violation": true, "findings": "Exports without a licence, knowingly.", "penalties": penalties}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    done
}

/// A draft with an item and an end user, and optionally another party.
async fn draft(user: &User, extra_party: Option<Value>) -> String {
    let (s, app) = user
        .post(
            "/api/applications",
            json!({"title": "Interception probes", "end_use": "Lawful interception", "destination": "NO"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    let (s, _) = user
        .post(
            &format!("/api/applications/{id}/items"),
            json!({"control_code": "5A001.j", "description": "Probe", "quantity": 1, "value_eur": 50000}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut parties = vec![
        json!({"role": "end_user", "name": "Politiets sikkerhetstjeneste", "address": "Oslo", "country": "NO", "sector": "police"}),
    ];
    parties.extend(extra_party);
    for p in parties {
        let (s, e) = user.post(&format!("/api/applications/{id}/parties"), p).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
    }
    id
}

async fn only_enforcement_officers_investigate_and_bad_input_changes_nothing(t: TestServer) {
    let helix = org_of(&t, OTHER_EXPORTER).await;
    let body = json!({"exporter": helix, "origin": "officer", "summary": "Press reports."});
    for who in [OFFICER, ADMIN, OMBUDSPERSON, PANEL, EXPORTER, OTHER_EXPORTER] {
        let u = t.login(who).await;
        assert_eq!(u.get("/api/investigations").await.0, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(u.post("/api/investigations", body.clone()).await.0, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            u.get(&format!("/api/exporters/{helix}/standing")).await.0,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(t.anonymous().get("/api/investigations").await.0, StatusCode::UNAUTHORIZED);
    // Approvers read (they decide under senior review) but do not act.
    let approver = t.login(APPROVER).await;
    let (s, list) = approver.get("/api/investigations").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.to_string().contains(oversight_app::demo::DEMO_DEBARRED), "the demo's debarment: {list}");
    assert_eq!(approver.post("/api/investigations", body.clone()).await.0, StatusCode::FORBIDDEN);

    let e = t.login(ENFORCEMENT).await;
    let authority = org_of(&t, OFFICER).await;
    let before = t.events().await;
    let refused = |field: &'static str| {
        move |(s, v): (StatusCode, Value)| {
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert!(v.to_string().contains(field), "{field}: {v}");
        }
    };
    refused("exporter")(
        e.post("/api/investigations", json!({"exporter": authority, "origin": "officer", "summary": "s"}))
            .await,
    );
    refused("source")(
        e.post("/api/investigations", json!({"exporter": helix, "origin": "complaint", "summary": "s"}))
            .await,
    );
    refused("source")(
        e.post(
            "/api/investigations",
            json!({"exporter": helix, "origin": "complaint", "source": "C-000000000000", "summary": "s"}),
        )
        .await,
    );
    refused("source")(
        e.post(
            "/api/investigations",
            json!({"exporter": helix, "origin": "refused_shipment", "source": "not-a-case", "summary": "s"}),
        )
        .await,
    );
    refused("summary")(
        e.post("/api/investigations", json!({"exporter": helix, "origin": "officer", "summary": " "})).await,
    );
    let inv = open(&e, &helix, "Press reports of a sale to an embargoed destination.").await;
    let id = inv["id"].as_str().unwrap();
    assert_eq!(inv["reference"].as_str().unwrap().len(), 14, "{inv}");
    let after_open = t.events().await;
    assert_eq!(after_open, before + 1, "the refusals stored nothing");
    let path = format!("/api/investigations/{id}/conclusion");
    refused("penalties")(
        e.post(&path, json!({"violation": false, "findings": "f", "penalties": [{"type": "warning"}]})).await,
    );
    refused("penalties[0].amount_eur")(
        e.post(
            &path,
            json!({"violation": true, "findings": "f", "penalties": [{"type": "fine", "amount_eur": 0}]}),
        )
        .await,
    );
    refused("penalties[0].until")(
        e.post(&path, json!({"violation": true, "findings": "f", "penalties": [{"type": "debarment", "until": "2020-01-01"}]})).await,
    );
    refused("penalties[0].case")(
        e.post(&path, json!({"violation": true, "findings": "f", "penalties": [{"type": "licence_suspension", "case": "0192e8a0-0000-7000-8000-000000000001"}]})).await,
    );
    refused("note")(e.post(&format!("/api/investigations/{id}/evidence"), json!({"note": ""})).await);
    let exe = json!({"note": "n", "file": {"filename": "a.pdf", "content_base64": "TVqQAAMAAAA="}});
    refused("file")(e.post(&format!("/api/investigations/{id}/evidence"), exe).await);
    assert_eq!(t.events().await, after_open, "refused conclusions and evidence stored nothing");
    // Evidence, then a conclusion without violation: final, and nothing published.
    let (s, v) = e
        .post(&format!("/api/investigations/{id}/evidence"), json!({"note": "The report was retracted."}))
        .await;
    assert_eq!((s, v["evidence"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "{v}");
    let (_, register_before) = t.anonymous().get("/api/register?outcome=penalty").await;
    let (s, v) = e.post(&path, json!({"violation": false, "findings": "Not substantiated."})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(e.post(&path, json!({"violation": false, "findings": "again"})).await.0, StatusCode::CONFLICT);
    let (_, register_after) = t.anonymous().get("/api/register?outcome=penalty").await;
    assert_eq!(register_before["total"], register_after["total"], "no violation, no penalty record");
    assert_eq!(
        e.get("/api/investigations/0192e8a0-0000-7000-8000-000000000001").await.0,
        StatusCode::NOT_FOUND
    );
}

async fn a_debarred_exporter_is_caught_by_screening_and_published(t: TestServer) {
    let helix = org_of(&t, OTHER_EXPORTER).await;
    let e = t.login(ENFORCEMENT).await;
    let inv = open(&e, &helix, "Brokering of interception probes without a licence.").await;
    let until = (chrono::Utc::now() + chrono::Duration::days(365)).date_naive().to_string();
    conclude(
        &e,
        &inv,
        json!([{"type": "fine", "amount_eur": 120000}, {"type": "debarment", "until": until}]),
    )
    .await;
    let (_, standing) = e.get(&format!("/api/exporters/{helix}/standing")).await;
    assert_eq!(standing["debarred_until"], until.as_str(), "{standing}");

    // The register names the exporter, the fine and the debarment's end.
    let (s, found) = t.anonymous().get("/api/register?outcome=debarment").await;
    assert_eq!(s, StatusCode::OK);
    let text = found.to_string();
    assert!(text.contains("Helix Forensics GmbH") && text.contains(&until), "{text}");
    let (_, fines) = t.anonymous().get("/api/register?outcome=penalty").await;
    assert!(fines.to_string().contains("120000"), "{fines}");

    // The debarred exporter's own new application: caught as the applicant, and under senior review.
    let helix_user = t.login(OTHER_EXPORTER).await;
    let own = draft(&helix_user, None).await;
    let (s, v) = helix_user.post(&format!("/api/applications/{own}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v.to_string().find("senior_review").is_none(), "the exporter is not told why: {v}");
    let officer = t.login(OFFICER).await;
    let (_, alerts) = officer.get(&format!("/api/applications/{own}/alerts")).await;
    let hit = alerts.as_array().unwrap().iter().find(|a| a["list"] == "authority-debarments");
    let hit = hit.unwrap_or_else(|| panic!("no debarment alert: {alerts}"));
    assert_eq!(hit["party_name"], "Helix Forensics GmbH");
    let (_, case) = officer.get(&format!("/api/applications/{own}")).await;
    assert!(case.to_string().contains("debarred until"), "senior review says why: {case}");

    // Another exporter's application naming it as a party: caught too.
    let nordwatch = t.login(EXPORTER).await;
    let party = json!({"role": "integrator", "name": "Helix Forensics GmbH", "address": "Munich", "country": "DE", "sector": "commercial"});
    let other = draft(&nordwatch, Some(party)).await;
    assert_eq!(
        nordwatch.post(&format!("/api/applications/{other}/submit"), json!({})).await.0,
        StatusCode::OK
    );
    let (_, alerts) = officer.get(&format!("/api/applications/{other}/alerts")).await;
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["list"] == "authority-debarments" && a["party_name"] == "Helix Forensics GmbH"),
        "{alerts}"
    );
    // The list is shown among the authority's lists, and cannot be imported over.
    let (_, lists) = t.login(ADMIN).await.get("/api/lists").await;
    assert!(lists.to_string().contains("authority-debarments"), "{lists}");
}

async fn repeat_offenders_go_to_senior_review(t: TestServer) {
    let helix = org_of(&t, OTHER_EXPORTER).await;
    let e = t.login(ENFORCEMENT).await;
    let helix_user = t.login(OTHER_EXPORTER).await;
    let officer = t.login(OFFICER).await;
    let submitted = |id: String| {
        let (u, o) = (&helix_user, &officer);
        async move {
            assert_eq!(u.post(&format!("/api/applications/{id}/submit"), json!({})).await.0, StatusCode::OK);
            o.get(&format!("/api/applications/{id}")).await.1
        }
    };
    // One finding: not yet.
    let first = open(&e, &helix, "Late end-use reports, twice.").await;
    conclude(&e, &first, json!([{"type": "warning"}])).await;
    let case = submitted(draft(&helix_user, None).await).await;
    assert!(case["senior_review"].is_null(), "{case}");
    // The second within the period: every new application goes to senior review.
    let second = open(&e, &helix, "A shipment to a consignee not on the licence.").await;
    conclude(&e, &second, json!([{"type": "fine", "amount_eur": 5000}])).await;
    let (_, standing) = e.get(&format!("/api/exporters/{helix}/standing")).await;
    assert_eq!(standing["recent_findings"].as_array().map(Vec::len), Some(2), "{standing}");
    let case = submitted(draft(&helix_user, None).await).await;
    let why = case["senior_review"].as_str().unwrap_or_else(|| panic!("{case}"));
    assert!(why.contains("repeat offender") && why.contains(first["reference"].as_str().unwrap()), "{why}");
    // The exporter sees that it happened, not why.
    let id = case["id"].as_str().unwrap();
    let (_, own) = helix_user.get(&format!("/api/applications/{id}")).await;
    assert!(own["senior_review"].is_null(), "{own}");
}

async fn a_complaint_referred_to_enforcement_opens_an_investigation(t: TestServer) {
    let (s, c) = t
        .anonymous()
        .post(
            "/api/complaints",
            json!({"kind": "misuse", "account": "The licensed system was used to track a journalist."}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let reference = c["reference"].as_str().unwrap().to_string();
    let (_, flags) = t.login(OFFICER).await.get("/api/licences/flags").await;
    let case = flags[0]["case_id"].as_str().unwrap().to_string();
    let o = t.login(OMBUDSPERSON).await;
    let (s, done) = o
        .post(
            &format!("/api/ombudsperson/complaints/{reference}/findings"),
            json!({"findings": "Credible; referred to enforcement.", "action": "referred_to_enforcement", "case_id": case}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let (_, list) = t.login(ENFORCEMENT).await.get("/api/investigations?open=true").await;
    let inv = list.as_array().unwrap().iter().find(|i| i["source"] == reference.as_str());
    let inv = inv.unwrap_or_else(|| panic!("no investigation from {reference}: {list}"));
    assert_eq!(inv["origin"], "complaint");
    assert!(inv["opened_by"].is_null(), "the platform opened it");
}

/// A conclusion that suspends an active licence of the exporter suspends it through the licence's
/// lifecycle and publishes it; a conclusion naming a licence no longer active is refused and
/// stores nothing.
async fn a_suspension_penalty_suspends_the_licence_and_is_published(t: TestServer) {
    let e = t.login(ENFORCEMENT).await;
    let exporter = t.login(EXPORTER).await;
    let (_, mine) = exporter.get("/api/applications").await;
    let active = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["licence"]["status"] == "active")
        .expect("an active demo licence of the exporter");
    let case = active["id"].as_str().unwrap().to_string();
    let org = org_of(&t, EXPORTER).await;
    let inv = open(&e, &org, "Shipments to an undeclared consignee.").await;
    conclude(&e, &inv, json!([{"type": "licence_suspension", "case": case}])).await;
    let (_, after) = exporter.get(&format!("/api/applications/{case}")).await;
    assert_eq!(after["licence"]["status"], "suspended", "{after}");
    let (_, page) = t.anonymous().get(&format!("/api/register?case_id={case}")).await;
    assert!(page.to_string().contains("licence_suspended"), "{page}");

    // The licence is suspended now: a second conclusion naming it is refused, storing nothing.
    let again = open(&e, &org, "A second matter.").await;
    let before = t.events().await;
    let id = again["id"].as_str().unwrap();
    let (s, err) = e
        .post(
            &format!("/api/investigations/{id}/conclusion"),
            json!({"violation": true, "findings": "f", "penalties": [{"type": "licence_suspension", "case": case}]}),
        )
        .await;
    assert!(s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::CONFLICT, "{s}: {err}");
    assert_eq!(t.events().await, before, "nothing stored");
}
