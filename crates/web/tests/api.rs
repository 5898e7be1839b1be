//! API integration tests: each test starts the real HTTP server (`oversight_testkit::TestServer`)
//! on a random port over a fresh database loaded with the demo dataset, and talks to it over real
//! HTTP. Every test runs against SQLite and against PostgreSQL (a fresh database per test on
//! `OVERSIGHT_TEST_PG`, default `postgres://postgres@127.0.0.1:5432/postgres`); `OVERSIGHT_SKIP_PG=1`
//! skips PostgreSQL loudly, and on CI an unreachable PostgreSQL fails the tests.

use oversight_app::{App, SystemClock};
use oversight_testkit::users::{APPROVER, EXPORTER, OFFICER, OTHER_EXPORTER};
use oversight_testkit::{PASSWORD, TestServer, User, both_backends};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

/// Creates a complete draft and returns its id.
async fn draft(user: &User) -> String {
    let (s, app) = user
        .post(
            "/api/applications",
            json!({"title": "IMSI catchers", "end_use": "Border police, under warrant", "destination": "NO"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    let (s, _) = user
        .post(
            &format!("/api/applications/{id}/items"),
            json!({"control_code": "5A001.f", "description": "IMSI catcher", "quantity": 2, "value_eur": 100000}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = user
        .post(
            &format!("/api/applications/{id}/parties"),
            json!({"role": "end_user", "name": "Politiets sikkerhetstjeneste", "address": "Oslo", "country": "NO", "sector": "police"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    id
}

/// The assessment gates a decision now requires (`routes/assessment.rs`): the officer runs the risk
/// assessment and, for this tier-A item, the human-rights assessor records the HRIA.
async fn assess_and_record_hria(t: &TestServer, id: &str) {
    let officer = t.login(OFFICER).await;
    let (s, rec) = officer.post(&format!("/api/applications/{id}/assessment"), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{rec}");
    let assessor = t.login("assessor@authority.example").await;
    let hria = oversight_testkit::fixtures::hria();
    let (s, h) = assessor.call(Method::PUT, &format!("/api/applications/{id}/hria"), Some(hria)).await;
    assert_eq!(s, StatusCode::OK, "{h}");
}

both_backends!(
    a_case_goes_from_draft_to_licence_through_the_api,
    exporters_get_404_for_another_organisations_application,
    users_without_the_role_get_403,
    the_public_gets_only_public_data,
    the_approver_who_drafted_the_recommendation_cannot_decide,
    cookie_requests_that_change_state_need_the_csrf_token,
    bearer_tokens_work_without_csrf,
    bad_input_is_refused_naming_the_field_and_appends_nothing,
    repeated_failed_logins_are_throttled,
    documents_upload_and_download_only_for_those_who_may_see_the_case,
    restarting_rebuilds_the_same_read_models,
);

async fn a_case_goes_from_draft_to_licence_through_the_api(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = draft(&exporter).await;
    let (s, app) = exporter.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    assert_eq!((s, app["status"].as_str()), (StatusCode::OK, Some("submitted")), "{app}");

    let officer = t.login(OFFICER).await;
    let officer_id = officer.me().await["id"].as_str().unwrap().to_string();
    let (s, queue) = officer.get("/api/queue").await;
    assert_eq!(s, StatusCode::OK);
    assert!(queue.as_array().unwrap().iter().any(|q| q["id"] == id.as_str()));
    let (s, app) =
        officer.post(&format!("/api/applications/{id}/assign"), json!({"officer": officer_id})).await;
    assert_eq!((s, app["status"].as_str()), (StatusCode::OK, Some("under_review")), "{app}");
    let (s, app) = officer
        .post(
            &format!("/api/applications/{id}/recommendation"),
            json!({"outcome": "approve_with_conditions", "reasoning": "Judicial oversight in place", "conditions": ["End-use assurance"]}),
        )
        .await;
    assert_eq!((s, app["status"].as_str()), (StatusCode::OK, Some("pending_decision")), "{app}");
    assess_and_record_hria(&t, &id).await;

    let approver = t.login(APPROVER).await;
    let (s, app) = approver
        .post(
            &format!("/api/applications/{id}/decision"),
            json!({"outcome": "approve_with_conditions", "public_rationale": "Licensed with conditions.", "internal_note": "confidential", "conditions": ["End-use assurance", "Post-shipment verification within 90 days"]}),
        )
        .await;
    assert_eq!((s, app["status"].as_str()), (StatusCode::OK, Some("approved_with_conditions")), "{app}");
    assert_eq!(app["licence"]["status"], "active");
    assert!(app["licence"]["number"].as_str().unwrap().starts_with("OVS-"));

    // The exporter sees the decision but not the internal note or the recommendation.
    let (_, mine) = exporter.get(&format!("/api/applications/{id}")).await;
    assert_eq!(mine["decision"]["internal_note"], "");
    assert!(mine["recommendation"].is_null());

    let (s, history) = officer.get(&format!("/api/applications/{id}/history")).await;
    assert_eq!(s, StatusCode::OK);
    let kinds: Vec<_> =
        history.as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "item_added",
            "party_added",
            "submitted",
            "assigned",
            "recommended",
            "decided",
            "licence_issued"
        ]
    );
    assert!(history.as_array().unwrap().iter().all(|h| h["actor"].is_string() && h["at"].is_string()));

    // Licence actions: the enforcement officer suspends, the approver reinstates, the exporter surrenders.
    let enforcement = t.login("enforcement@authority.example").await;
    let (s, app) = enforcement
        .post(&format!("/api/applications/{id}/licence/suspend"), json!({"reason": "Overdue report"}))
        .await;
    assert_eq!((s, app["licence"]["status"].as_str()), (StatusCode::OK, Some("suspended")));
    let (s, _) = enforcement
        .post(&format!("/api/applications/{id}/licence/reinstate"), json!({"reason": "Report received"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = approver
        .post(&format!("/api/applications/{id}/licence/reinstate"), json!({"reason": "Report received"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, app) = exporter
        .post(&format!("/api/applications/{id}/licence/surrender"), json!({"reason": "Contract ended"}))
        .await;
    assert_eq!((s, app["licence"]["status"].as_str()), (StatusCode::OK, Some("surrendered")));
}

async fn exporters_get_404_for_another_organisations_application(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = draft(&exporter).await;
    let other = t.login(OTHER_EXPORTER).await;
    let before = t.events().await;
    assert_eq!(other.get(&format!("/api/applications/{id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/api/applications/{id}/history")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        other.post(&format!("/api/applications/{id}/submit"), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = other.get("/api/applications").await;
    assert!(list.as_array().unwrap().iter().all(|a| a["organisation_name"] == "Helix Forensics GmbH"));
    assert!(!list.as_array().unwrap().iter().any(|a| a["id"] == id.as_str()));
    assert_eq!(t.events().await, before);
}

async fn users_without_the_role_get_403(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = draft(&exporter).await;
    exporter.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    let officer = t.login(OFFICER).await;
    let officer_id = officer.me().await["id"].as_str().unwrap().to_string();
    let approver = t.login(APPROVER).await;
    let partner = t.login("liaison@partner-agency.example").await;
    // Logins are events too: count from here.
    let before = t.events().await;
    // An exporter cannot assign, an approver cannot assign, an officer cannot decide.
    let assign = json!({"officer": officer_id});
    assert_eq!(
        exporter.post(&format!("/api/applications/{id}/assign"), assign.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        approver.post(&format!("/api/applications/{id}/assign"), assign).await.0,
        StatusCode::FORBIDDEN
    );
    let decision = json!({"outcome": "deny", "criteria": [2], "public_rationale": "x"});
    assert_eq!(
        officer.post(&format!("/api/applications/{id}/decision"), decision).await.0,
        StatusCode::FORBIDDEN
    );
    // Officers cannot create applications; only administrators create users; exporters have no queue.
    let create = json!({"title": "t", "end_use": "e", "destination": "FR"});
    assert_eq!(officer.post("/api/applications", create).await.0, StatusCode::FORBIDDEN);
    let user = json!({"organisation": officer.me().await["organisation"], "email": "x@y.example", "name": "X", "roles": ["approver"], "password": "a-long-password"});
    assert_eq!(officer.post("/api/admin/users", user).await.0, StatusCode::FORBIDDEN);
    assert_eq!(exporter.get("/api/queue").await.0, StatusCode::FORBIDDEN);
    assert_eq!(partner.get("/api/applications").await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.events().await, before);
    // The administrator may create a user, whose roles must fit the organisation.
    let admin = t.login("admin@authority.example").await;
    let org = admin.me().await["organisation"].clone();
    let user = json!({"organisation": org, "email": "new.officer@authority.example", "name": "New Officer", "roles": ["licensing_officer"], "password": "a-long-password"});
    assert_eq!(admin.post("/api/admin/users", user).await.0, StatusCode::CREATED);
    let bad = json!({"organisation": org, "email": "bad@authority.example", "name": "Bad", "roles": ["exporter"], "password": "a-long-password"});
    let (s, e) = admin.post("/api/admin/users", bad).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("roles")));
}

async fn the_public_gets_only_public_data(t: TestServer) {
    let public = t.anonymous();
    let (s, health) = public.get("/health").await;
    assert_eq!((s, health["status"].as_str()), (StatusCode::OK, Some("ok")));
    assert_eq!(public.get("/api/control-list").await.0, StatusCode::OK);
    assert_eq!(public.get("/api/openapi.json").await.0, StatusCode::OK);
    for path in ["/api/applications", "/api/queue", "/api/session"] {
        let (s, e) = public.get(path).await;
        assert_eq!((s, e["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")), "{path}");
    }
    let (s, _) =
        public.post("/api/applications", json!({"title": "t", "end_use": "e", "destination": "FR"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let mut forged = t.anonymous();
    forged.bearer = Some("ovs_not_a_real_token".into());
    assert_eq!(forged.get("/api/applications").await.0, StatusCode::UNAUTHORIZED);
}

async fn the_approver_who_drafted_the_recommendation_cannot_decide(t: TestServer) {
    let admin = t.login("admin@authority.example").await;
    let org = admin.me().await["organisation"].clone();
    let both = json!({"organisation": org, "email": "both@authority.example", "name": "Both Hats", "roles": ["licensing_officer", "approver"], "password": PASSWORD});
    let (s, created) = admin.post("/api/admin/users", both).await;
    assert_eq!(s, StatusCode::CREATED);
    // Its roles are proposed; a second administrator approves them (separation of duties).
    let admin2 = t.login("admin2@authority.example").await;
    let (_, grants) = admin2.get("/api/admin/role-grants").await;
    for g in grants.as_array().unwrap().iter().filter(|g| g["user"] == created["id"]) {
        let (s, body) = admin2
            .post(&format!("/api/admin/role-grants/{}/approve", g["id"].as_str().unwrap()), json!({}))
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    }
    let exporter = t.login(EXPORTER).await;
    let id = draft(&exporter).await;
    exporter.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    let both = t.login("both@authority.example").await;
    let (s, _) =
        both.post(&format!("/api/applications/{id}/assign"), json!({"officer": created["id"]})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = both
        .post(
            &format!("/api/applications/{id}/recommendation"),
            json!({"outcome": "approve", "reasoning": "fine"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assess_and_record_hria(&t, &id).await;
    let decision = json!({"outcome": "approve", "public_rationale": "Licensed."});
    let (s, e) = both.post(&format!("/api/applications/{id}/decision"), decision.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(e["message"].as_str().unwrap().contains("four-eyes"), "{e}");
    let approver = t.login(APPROVER).await;
    assert_eq!(approver.post(&format!("/api/applications/{id}/decision"), decision).await.0, StatusCode::OK);
}

async fn cookie_requests_that_change_state_need_the_csrf_token(t: TestServer) {
    let mut exporter = t.login(EXPORTER).await;
    let csrf = exporter.csrf.take();
    let before = t.events().await;
    let create = json!({"title": "t", "end_use": "e", "destination": "FR"});
    let (s, e) = exporter.post("/api/applications", create.clone()).await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    exporter.csrf = Some("wrong".into());
    assert_eq!(exporter.post("/api/applications", create.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.events().await, before);
    // Reads need no token; with the right token the write goes through.
    assert_eq!(exporter.get("/api/applications").await.0, StatusCode::OK);
    exporter.csrf = csrf;
    assert_eq!(exporter.post("/api/applications", create).await.0, StatusCode::CREATED);
    // After logout the cookie no longer works.
    assert_eq!(exporter.call(Method::DELETE, "/api/session", None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(exporter.get("/api/applications").await.0, StatusCode::UNAUTHORIZED);
}

async fn bearer_tokens_work_without_csrf(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let (s, body) = exporter.post("/api/tokens", json!({"label": "ERP integration"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let mut machine = t.anonymous();
    machine.bearer = Some(body["token"].as_str().unwrap().to_string());
    let (s, _) =
        machine.post("/api/applications", json!({"title": "t", "end_use": "e", "destination": "FR"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, list) = machine.get("/api/applications").await;
    assert!(list.as_array().unwrap().iter().all(|a| a["organisation_name"] == "Nordwatch Systems AB"));
}

async fn bad_input_is_refused_naming_the_field_and_appends_nothing(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = draft(&exporter).await;
    let before = t.events().await;
    let raw = |body: &'static str, content_type: &'static str| {
        let req = exporter
            .client
            .post(format!("{}/api/applications", t.base))
            .header("X-CSRF-Token", exporter.csrf.clone().unwrap())
            .header("Content-Type", content_type)
            .body(body);
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // Malformed JSON.
    let (s, e) = raw("{\"title\": ", "application/json").await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    // Not JSON at all.
    assert_eq!(
        raw("title=x", "application/x-www-form-urlencoded").await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    // Unknown field, wrong type, missing field.
    let cases = [
        (json!({"title": "t", "end_use": "e", "destination": "FR", "surprise": 1}), "surprise"),
        (json!({"title": 5, "end_use": "e", "destination": "FR"}), "title"),
        (json!({"title": "t", "destination": "FR"}), "end_use"),
        (json!({"title": "t", "end_use": "e", "destination": "Freedonia"}), "destination"),
        (json!({"title": "", "end_use": "e", "destination": "FR"}), "title"),
    ];
    for (body, field) in cases {
        let (s, e) = exporter.post("/api/applications", body.clone()).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{body} -> {e}"
        );
        assert!(!e["message"].as_str().unwrap().is_empty());
    }
    // Unknown control entry, invalid party country, wrong enum, negative quantity.
    let item = |code: &str| json!({"control_code": code, "description": "x", "quantity": 1, "value_eur": 1});
    let (s, e) = exporter.post(&format!("/api/applications/{id}/items"), item("9Z999.z")).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("control_code")), "{e}");
    let neg = json!({"control_code": "5A001.f", "description": "x", "quantity": -1, "value_eur": 1});
    let (s, e) = exporter.post(&format!("/api/applications/{id}/items"), neg).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("quantity")), "{e}");
    let party = json!({"role": "end_user", "name": "X", "address": "Y", "country": "QQ", "sector": "police"});
    let (s, e) = exporter.post(&format!("/api/applications/{id}/parties"), party).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("country")), "{e}");
    let party = json!({"role": "end_user", "name": "X", "address": "Y", "country": "FR", "sector": "spies"});
    let (s, e) = exporter.post(&format!("/api/applications/{id}/parties"), party).await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("sector")), "{e}");
    // Oversize body.
    let big = json!({"title": "t".repeat(100_000), "end_use": "e", "destination": "FR"});
    let (s, e) = exporter.post("/api/applications", big).await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));
    // Unknown status filter; malformed id is simply not found.
    let (s, e) = exporter.get("/api/applications?status=pending").await;
    assert_eq!((s, e["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));
    assert_eq!(exporter.get("/api/applications/not-an-id").await.0, StatusCode::NOT_FOUND);
    // Wrong state: a draft cannot be decided or withdrawn twice.
    let (s, _) = exporter
        .post(&format!("/api/applications/{id}/withdraw"), json!({"reason": "no longer needed"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let after_withdraw = t.events().await;
    assert_eq!(after_withdraw, before + 1);
    let (s, e) = exporter.post(&format!("/api/applications/{id}/withdraw"), json!({"reason": "again"})).await;
    assert_eq!((s, e["error"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
    assert_eq!(t.events().await, after_withdraw);
}

async fn repeated_failed_logins_are_throttled(t: TestServer) {
    let client = Client::new();
    let attempt = |password: &'static str| {
        let req = client
            .post(format!("{}/api/session", t.base))
            .json(&json!({"email": OFFICER, "password": password}));
        async move { req.send().await.unwrap() }
    };
    // Ten attempts on one account from one address per window (docs/security.md).
    for _ in 0..10 {
        assert_eq!(attempt("wrong-password-123").await.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = attempt(PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers().contains_key("retry-after"));
    // Other accounts are not affected.
    assert_eq!(attempt_other(&client, &t.base).await, StatusCode::OK);
}

async fn attempt_other(client: &Client, base: &str) -> StatusCode {
    client
        .post(format!("{base}/api/session"))
        .json(&json!({"email": APPROVER, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn documents_upload_and_download_only_for_those_who_may_see_the_case(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = draft(&exporter).await;
    let pdf = b"%PDF-1.7\nEnd-use undertaking signed by the end user\n".to_vec();
    let resp = exporter
        .client
        .post(format!(
            "{}/api/applications/{id}/documents?filename=undertaking.pdf&kind=end_use_undertaking",
            t.base
        ))
        .header("X-CSRF-Token", exporter.csrf.clone().unwrap())
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let app: Value = resp.json().await.unwrap();
    let doc = app["documents"][0]["id"].as_str().unwrap().to_string();
    let url = format!("{}/api/applications/{id}/documents/{doc}", t.base);
    let got = exporter.client.get(&url).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().to_vec(), pdf);
    let officer = t.login(OFFICER).await;
    assert_eq!(officer.client.get(&url).send().await.unwrap().status(), StatusCode::OK);
    let other = t.login(OTHER_EXPORTER).await;
    assert_eq!(other.client.get(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // A bad kind is refused and stores nothing.
    let before = t.events().await;
    let resp = exporter
        .client
        .post(format!("{}/api/applications/{id}/documents?filename=x.pdf&kind=selfie", t.base))
        .header("X-CSRF-Token", exporter.csrf.clone().unwrap())
        .body(pdf)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.events().await, before);
}

async fn restarting_rebuilds_the_same_read_models(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = draft(&exporter).await;
    exporter.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    let officer = t.login(OFFICER).await;
    let (_, before) = officer.get("/api/applications").await;
    // A second App over the same store rebuilds everything from the log.
    let again = App::open(t.app.store().clone(), Arc::new(SystemClock)).await.unwrap();
    let me = again.me_of_id(again.user_by_email(OFFICER).unwrap()).unwrap();
    let actor = oversight_domain::Actor {
        user: me.id,
        org: me.organisation,
        org_kind: me.organisation_kind,
        roles: me.roles,
    };
    let after = serde_json::to_value(again.list_applications(&actor, None).unwrap()).unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let (_, openapi) = oversight_web::api();
    let json = serde_json::to_value(&openapi).unwrap();
    for path in
        ["/health", "/api/session", "/api/applications", "/api/applications/{id}/decision", "/api/queue"]
    {
        assert!(json["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
    insta::assert_json_snapshot!("openapi", json);
}

/// The work queue comes a page at a time, oldest submission first, with the whole queue's size in
/// `X-Total-Count`; a limit out of range is refused naming the field.
#[tokio::test]
async fn the_work_queue_is_paged_oldest_submission_first() {
    let t = TestServer::sqlite().await;
    let exporter = t.login(EXPORTER).await;
    for _ in 0..3 {
        let id = draft(&exporter).await;
        let (s, v) = exporter.post(&format!("/api/applications/{id}/submit"), json!({})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let officer = t.login(OFFICER).await;
    let page = |query: &'static str| {
        let req = officer.request(Method::GET, &format!("/api/queue{query}"));
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let total =
                resp.headers().get("x-total-count").map(|v| v.to_str().unwrap().parse::<usize>().unwrap());
            (status, total, resp.json::<Value>().await.unwrap())
        }
    };
    let (s, total, all) = page("").await;
    assert_eq!(s, StatusCode::OK);
    let all = all.as_array().unwrap().clone();
    assert_eq!(total, Some(all.len()));
    assert!(all.len() >= 3, "{all:?}");
    let submitted: Vec<&str> = all.iter().filter_map(|q| q["submitted_at"].as_str()).collect();
    assert!(submitted.windows(2).all(|w| w[0] <= w[1]), "oldest first: {submitted:?}");
    let (_, total, second) = page("?limit=1&offset=1").await;
    assert_eq!(total, Some(all.len()));
    assert_eq!(second.as_array().unwrap().as_slice(), &all[1..2]);
    let (_, _, beyond) = page(if all.len() < 1000 { "?offset=1000" } else { "?offset=100000" }).await;
    assert_eq!(beyond, json!([]));
    for bad in ["?limit=0", "?limit=1001", "?limit=x", "?offset=-1", "?page=2"] {
        let (s, _, e) = page(bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
    }
    let (_, _, e) = page("?limit=0").await;
    assert!(e.to_string().contains("limit"), "{e}");
}
