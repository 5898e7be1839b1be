//! Screening over real HTTP on a fresh SQLite database loaded with the demo dataset (whose lists are
//! the real extracts in `data/lists/`): list import by administrators, alerts and their
//! adjudication, ad-hoc searches and the audit log.

use oversight_testkit::{TestServer, User};
use reqwest::StatusCode;
use serde_json::json;

const EXPORTER: &str = "compliance@nordwatch.example";
const OFFICER: &str = "officer@authority.example";
const APPROVER: &str = "approver@authority.example";
const ADMIN: &str = "admin@authority.example";
const PARTNER: &str = "liaison@partner-agency.example";

/// Drafts a case whose end user is the given individual and submits it.
async fn submit_case(user: &User, end_user: &str, country: &str) -> String {
    let (s, app) = user
        .post(
            "/api/applications",
            json!({"title": "Forensic kits", "end_use": "Investigations", "destination": country}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    let item =
        json!({"control_code": "5A004.b", "description": "Forensic kit", "quantity": 1, "value_eur": 50000});
    assert_eq!(user.post(&format!("/api/applications/{id}/items"), item).await.0, StatusCode::CREATED);
    let party = json!({"role": "end_user", "name": end_user, "address": "Damascus", "country": country, "sector": "individual"});
    assert_eq!(user.post(&format!("/api/applications/{id}/parties"), party).await.0, StatusCode::CREATED);
    let (s, app) = user.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    assert_eq!((s, app["status"].as_str()), (StatusCode::OK, Some("submitted")), "{app}");
    id
}

fn sample_csl() -> Vec<u8> {
    oversight_testkit::fixtures::csl_sample()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_import_list_releases_over_http_and_others_get_403() {
    let t = TestServer::sqlite().await;
    let admin = t.login(ADMIN).await;
    let officer = t.login(OFFICER).await;
    let exporter = t.login(EXPORTER).await;

    let (s, lists) = officer.get("/api/lists").await;
    assert_eq!(s, StatusCode::OK);
    let csl = lists.as_array().unwrap().iter().find(|l| l["name"] == "us-csl").unwrap();
    assert_eq!(csl["current_version"], 1);
    assert!(
        lists.as_array().unwrap().iter().any(|l| l["name"] == "authority-denials" && l["builtin"] == true)
    );
    assert_eq!(exporter.get("/api/lists").await.0, StatusCode::FORBIDDEN);

    let before = t.events().await;
    for who in [&officer, &exporter] {
        let (s, _) = who.upload("/api/admin/lists/us-csl?format=csl-csv", sample_csl()).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    // A malformed file: the error names the uploaded file and the line; nothing is stored.
    let mut bad = sample_csl();
    bad.extend_from_slice(b"1,2,3\n");
    let (s, e) = admin.upload("/api/admin/lists/us-csl?format=csl-csv&filename=csl-2026.csv", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("csl-2026.csv:466"), "{e}");
    // A body the size of the full CSL is accepted by the route (and then refused by the parser).
    let (s, e) = admin.upload("/api/admin/lists/us-csl?format=csl-csv", vec![b'x'; 7_000_000]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(t.events().await, before);

    // A release that drops the extract's last entry is stored as version 2.
    let mut smaller = sample_csl();
    let cut = smaller[..smaller.len() - 1].iter().rposition(|b| *b == b'\n').unwrap() + 1;
    smaller.truncate(cut);
    let (s, r) =
        admin.upload("/api/admin/lists/us-csl?format=csl-csv&filename=csl-2026.csv", smaller.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(
        (r["release"]["version"].as_u64(), r["added"].as_u64(), r["changed"].as_u64(), r["removed"].as_u64()),
        (Some(2), Some(0), Some(0), Some(1))
    );
    assert_eq!(r["release"]["source_file"], "csl-2026.csv");
    // The same upload again (a client retrying) stores nothing and answers with that release.
    let before_retry = t.events().await;
    let (s, again) =
        admin.upload("/api/admin/lists/us-csl?format=csl-csv&filename=csl-2026.csv", smaller).await;
    assert_eq!((s, again["already_imported"].as_bool()), (StatusCode::OK, Some(true)), "{again}");
    assert_eq!(again["release"], r["release"]);
    assert_eq!(t.events().await, before_retry);
    let (_, lists) = officer.get("/api/lists").await;
    let csl = lists.as_array().unwrap().iter().find(|l| l["name"] == "us-csl").unwrap();
    assert_eq!((csl["current_version"].as_u64(), csl["releases"].as_array().unwrap().len()), (Some(2), 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_party_is_flagged_on_submission_and_an_officer_adjudicates_the_alert() {
    let t = TestServer::sqlite().await;
    let exporter = t.login(EXPORTER).await;
    let officer = t.login(OFFICER).await;
    // `'ABBAS, Rim` (CSL _id 21944) is in the shipped CSL extract.
    let id = submit_case(&exporter, "Rim Abbas", "SY").await;

    let (s, alerts) = officer.get(&format!("/api/applications/{id}/alerts")).await;
    assert_eq!(s, StatusCode::OK);
    let alert = alerts.as_array().unwrap().iter().find(|a| a["source_id"] == "21944").unwrap().clone();
    assert_eq!((alert["list"].as_str(), alert["trigger"].as_str()), (Some("us-csl"), Some("submission")));
    assert!(alert["explanation"]["alignment"].as_array().is_some_and(|a| !a.is_empty()));
    assert_eq!(exporter.get(&format!("/api/applications/{id}/alerts")).await.0, StatusCode::FORBIDDEN);

    let path = format!("/api/applications/{id}/alerts/{}", alert["id"].as_str().unwrap());
    let verdict =
        json!({"verdict": "false_match", "reason": "Different person: born 1990, Lebanese passport"});
    assert_eq!(exporter.post(&path, verdict.clone()).await.0, StatusCode::FORBIDDEN);
    let approver = t.login(APPROVER).await;
    assert_eq!(approver.post(&path, verdict.clone()).await.0, StatusCode::FORBIDDEN);
    let (s, a) = officer.post(&path, json!({"verdict": "maybe", "reason": "x"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{a}");
    let (s, a) = officer.post(&path, verdict).await;
    assert_eq!((s, a["adjudication"]["verdict"].as_str()), (StatusCode::OK, Some("false_match")), "{a}");
    assert_eq!(
        officer.post(&path, json!({"verdict": "true_match", "reason": "x"})).await.0,
        StatusCode::CONFLICT
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_are_recorded_and_the_log_is_for_the_authority() {
    let t = TestServer::sqlite().await;
    let exporter = t.login(EXPORTER).await;
    let officer = t.login(OFFICER).await;
    let partner = t.login(PARTNER).await;
    let (s, r) = exporter.post("/api/screening/search", json!({"name": "Rim Abbas", "country": "SY"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["matches"][0]["source_id"], "21944");
    assert!(r["lists"].as_array().unwrap().iter().all(|l| l["name"] != "authority-denials"));
    let (s, e) = exporter.post("/api/screening/search", json!({"name": "X", "birth_date": "1990-13"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        partner.post("/api/screening/search", json!({"name": "Rim Abbas"})).await.0,
        StatusCode::FORBIDDEN
    );

    let (s, log) = officer.get("/api/screening/log?limit=500").await;
    assert_eq!(s, StatusCode::OK);
    let rec = log.as_array().unwrap().iter().find(|r| r["purpose"] == "search").unwrap();
    assert_eq!(rec["id"], r["search_id"]);
    assert_eq!(rec["queries"][0]["name"], "Rim Abbas");
    assert_eq!(rec["results"][0]["source_id"], "21944");
    assert!(rec["lists"].as_array().unwrap().iter().any(|l| l["name"] == "us-csl"));
    // The demo's submissions were screened and recorded too.
    assert!(log.as_array().unwrap().iter().filter(|r| r["purpose"] == "submission").count() >= 10);
    assert_eq!(exporter.get("/api/screening/log").await.0, StatusCode::FORBIDDEN);
}
