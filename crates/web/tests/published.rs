//! Issue 15, findings 1, 9, 12 and 13 over real HTTP: what the public register publishes of an
//! exporter's words, what an exporter sees of its case, departures from the assessment, and the
//! dates and links of the register's records. Each test runs on SQLite and PostgreSQL.

use oversight_testkit::users::{ADMIN, APPROVER, ENFORCEMENT, EXPORTER, OFFICER, OTHER_EXPORTER, PARTNER};
use oversight_testkit::{TestServer, User, both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

both_backends!(
    an_exporters_reason_is_published_only_as_theirs_after_an_officer_releases_it,
    only_licensing_officers_and_approvers_release_an_exporters_statement,
    the_exporter_sees_no_hold_reason_partner_or_officer_of_its_case,
    a_licence_action_is_dated_by_its_own_date_and_links_to_its_licence,
    concurring_in_a_departure_is_refused_to_those_without_the_right,
);

const PHISHING: &str = "OFFICIAL NOTICE: all licences must be re-verified at https://evil.example/login";

/// A submitted application of the demo exporter; returns its id.
async fn submitted(user: &User) -> String {
    let (s, app) = user
        .post(
            "/api/applications",
            json!({"title": "IMSI catchers", "end_use": "Border police, under warrant", "destination": "NO"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    user.ok(
        &format!("/api/applications/{id}/items"),
        json!({"control_code": "5A001.f", "description": "IMSI catcher", "quantity": 2, "value_eur": 100000}),
    )
    .await;
    user.ok(
        &format!("/api/applications/{id}/parties"),
        json!({"role": "end_user", "name": "Politiets sikkerhetstjeneste", "address": "Oslo", "country": "NO", "sector": "police"}),
    )
    .await;
    let (s, app) = user.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{app}");
    id
}

/// The register's records of one case, oldest first.
async fn records_of(public: &User, case: &str) -> Vec<Value> {
    let (s, page) = public.get(&format!("/api/register?case_id={case}")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let mut records = page["records"].as_array().unwrap().clone();
    records.reverse();
    records
}

async fn text(t: &TestServer, path: &str) -> String {
    let r = reqwest::get(format!("{}{path}", t.base)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

async fn an_exporters_reason_is_published_only_as_theirs_after_an_officer_releases_it(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = submitted(&exporter).await;
    let (s, _) =
        exporter.post(&format!("/api/applications/{id}/withdraw"), json!({"reason": PHISHING})).await;
    assert_eq!(s, StatusCode::OK);
    let public = t.anonymous();
    let records = records_of(&public, &id).await;
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0]["record"];
    assert_eq!(r["kind"], "application_withdrawn");
    assert_eq!(r["public_rationale"], oversight_domain::register::WITHDRAWAL_RATIONALE);
    assert!(r.get("exporter_statement").is_none(), "{r}");
    // Nowhere on the register: search, HTML, CSV, JSON lines, Atom.
    for path in
        ["/register?q=evil", "/register/decisions.csv", "/register/decisions.jsonl", "/register/feed.atom"]
    {
        assert!(!text(&t, path).await.contains("evil.example"), "{path} publishes the exporter's text");
    }
    let (_, found) = public.get("/api/register?q=evil.example").await;
    assert_eq!(found["total"], 0);

    // An officer releases it: a new record, the words marked as the exporter's, naming the withdrawal.
    let officer = t.login(OFFICER).await;
    let (s, view) =
        officer.post(&format!("/api/applications/{id}/exporter-statement/release"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{view}");
    assert_eq!(view["exporter_statement"]["released"], true);
    let records = records_of(&public, &id).await;
    assert_eq!(records.len(), 2, "{records:?}");
    let statement = &records[1]["record"];
    assert_eq!(statement["kind"], "exporter_statement");
    assert_eq!(statement["exporter_statement"], PHISHING);
    assert_eq!(statement["public_rationale"], oversight_domain::register::STATEMENT_RATIONALE);
    assert_eq!(statement["acts_on"], records[0]["record"]["record_id"]);
    let page = text(&t, &format!("/register/{}", records[1]["index"])).await;
    assert!(page.contains("Statement of the applicant (their own words"), "{page}");
    assert!(page.contains(&format!("href=\"/register/{}\"", records[0]["index"])), "{page}");
    // Once only.
    let (s, body) =
        officer.post(&format!("/api/applications/{id}/exporter-statement/release"), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
}

async fn only_licensing_officers_and_approvers_release_an_exporters_statement(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = submitted(&exporter).await;
    exporter.ok(&format!("/api/applications/{id}/withdraw"), json!({"reason": "Contract ended"})).await;
    let path = format!("/api/applications/{id}/exporter-statement/release");
    for (who, expected) in [
        (EXPORTER, StatusCode::FORBIDDEN),
        (OTHER_EXPORTER, StatusCode::NOT_FOUND),
        (PARTNER, StatusCode::NOT_FOUND),
        (ENFORCEMENT, StatusCode::FORBIDDEN),
        (ADMIN, StatusCode::FORBIDDEN),
    ] {
        let (s, body) = t.login(who).await.post(&path, json!({})).await;
        assert_eq!(s, expected, "{who}: {body}");
    }
    assert_eq!(records_of(&t.anonymous(), &id).await.len(), 1, "a refused release publishes nothing");
    let (s, body) = t.anonymous().post(&path, json!({})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    let (s, body) = t.login(APPROVER).await.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

async fn the_exporter_sees_no_hold_reason_partner_or_officer_of_its_case(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = submitted(&exporter).await;
    let officer = t.login(OFFICER).await;
    let officer_id = officer.me().await["id"].as_str().unwrap().to_string();
    officer.ok(&format!("/api/applications/{id}/assign"), json!({"officer": officer_id})).await;
    officer
        .ok(
            &format!("/api/applications/{id}/consultation"),
            json!({"with": "Partner intelligence service", "reason": "Diversion concern"}),
        )
        .await;
    officer
        .ok(
            &format!("/api/applications/{id}/consultation/end"),
            json!({"summary": "Partner objects strongly"}),
        )
        .await;
    officer
        .ok(
            &format!("/api/applications/{id}/hold"),
            json!({"reason": "Police investigation of the end user"}),
        )
        .await;
    let (s, case) = exporter.get(&format!("/api/applications/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(case["status"], "on_hold");
    assert_eq!(case["hold"]["reason"], oversight_domain::disclosure::HOLD_NOTICE);
    assert!(case["assigned_officer"].is_null() && case["consultation_with"].is_null(), "{case}");
    let (s, history) = exporter.get(&format!("/api/applications/{id}/history")).await;
    assert_eq!(s, StatusCode::OK);
    let kinds: Vec<&str> = history.as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.ends_with(&["assigned", "consultation_started", "consultation_ended", "put_on_hold"]),
        "{kinds:?}"
    );
    for (what, json) in [("case", &case), ("history", &history)] {
        let json = json.to_string();
        for secret in
            [officer_id.as_str(), "Partner intelligence", "Diversion", "objects", "Police investigation"]
        {
            assert!(!json.contains(secret), "the exporter's {what} shows {secret:?}: {json}");
        }
    }
    // The authority still sees all of it.
    let (_, full) = officer.get(&format!("/api/applications/{id}/history")).await;
    assert!(full.to_string().contains("Partner intelligence") && full.to_string().contains(&officer_id));
}

async fn a_licence_action_is_dated_by_its_own_date_and_links_to_its_licence(t: TestServer) {
    let public = t.anonymous();
    // The demo revokes a licence 30 days after it was issued.
    let (s, page) = public.get("/api/register?outcome=revoked").await;
    assert_eq!(s, StatusCode::OK);
    let entry = &page["records"][0];
    let revoked = &entry["record"];
    let act_date = revoked["act_date"].as_str().expect("a record carries the date of its act").to_string();
    assert_eq!(act_date, revoked["published_at"].as_str().unwrap()[..10]);
    assert_ne!(revoked["act_date"], revoked["decision_date"], "{revoked}");
    // It names the record that issued the licence, of the same case.
    let records = records_of(&public, revoked["case_id"].as_str().unwrap()).await;
    let issued =
        records.iter().find(|r| r["record"]["first_decision"] == true).expect("the licence's record");
    assert_eq!(revoked["acts_on"], issued["record"]["record_id"]);
    let (_, one) = public.get(&format!("/api/register/{}", entry["index"])).await;
    assert_eq!(one["acts_on_index"], issued["index"]);
    let html = text(&t, &format!("/register/{}", entry["index"])).await;
    assert!(html.contains(&format!("<a href=\"/register/{}\">", issued["index"])), "{html}");
    // The date filters and the results table use the act's date.
    let decided = revoked["decision_date"].as_str().unwrap();
    let (_, on_day) =
        public.get(&format!("/api/register?outcome=revoked&from={act_date}&to={act_date}")).await;
    assert_eq!(on_day["total"], 1, "{on_day}");
    let (_, on_decision_day) =
        public.get(&format!("/api/register?outcome=revoked&from={decided}&to={decided}")).await;
    assert_eq!(on_decision_day["total"], 0, "{on_decision_day}");
    let table = text(&t, "/register?outcome=revoked").await;
    assert!(table.contains(&format!("<td data-label=\"Date\"><time datetime=\"{act_date}\">")), "{table}");
    // Bad input to the new filter is harmless: an unknown case has no records.
    let (s, none) = public.get("/api/register?case_id=not-a-case").await;
    assert_eq!((s, none["total"].as_u64()), (StatusCode::OK, Some(0)));
}

async fn concurring_in_a_departure_is_refused_to_those_without_the_right(t: TestServer) {
    let exporter = t.login(EXPORTER).await;
    let id = submitted(&exporter).await;
    let path = format!("/api/applications/{id}/decision/concur");
    for (who, expected) in [
        (EXPORTER, StatusCode::FORBIDDEN),
        (OTHER_EXPORTER, StatusCode::NOT_FOUND),
        (OFFICER, StatusCode::FORBIDDEN),
        (ENFORCEMENT, StatusCode::FORBIDDEN),
        (ADMIN, StatusCode::FORBIDDEN),
        // An approver, but the case awaits no departure: refused for the state.
        (APPROVER, StatusCode::CONFLICT),
    ] {
        let (s, body) = t.login(who).await.post(&path, json!({})).await;
        assert_eq!(s, expected, "{who}: {body}");
    }
    // The decision's justification is refused naming its field when it is not text.
    let (s, body) = t
        .login(APPROVER)
        .await
        .post(
            &format!("/api/applications/{id}/decision"),
            json!({"outcome": "deny", "criteria": [2], "public_rationale": "Refused.", "departure_justification": 5}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("departure_justification"), "{body}");
}
