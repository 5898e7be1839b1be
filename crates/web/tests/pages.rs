//! The public register's HTML pages, over real HTTP against the demo dataset on a fresh SQLite
//! database (the pages only read the app's read models, so one backend suffices here; the JSON
//! behind them is tested against both in `api.rs`).

use oversight_testkit::TestServer;
use oversight_testkit::users::EXPORTER;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Status and body of a page, checking that it is HTML.
async fn page(site: &TestServer, path: &str) -> (StatusCode, String) {
    let resp = reqwest::get(site.url(path)).await.unwrap();
    let status = resp.status();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/html"), "{path}: {ct}");
    (status, resp.text().await.unwrap())
}

/// Rows of the results table.
fn rows(html: &str) -> usize {
    html.matches("<tr class=\"outcome-").count()
}

#[tokio::test]
async fn the_register_page_lists_the_demo_decisions_with_links_to_the_open_data() {
    let site = TestServer::sqlite().await;
    let (status, html) = page(&site, "/register").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&html), 8, "{html}");
    assert!(html.contains("Belarus (BY)") && html.contains("France (FR)"));
    assert!(html.contains("<caption>Published decisions and licence actions</caption>"));
    assert!(html.contains("<label for=\"outcome\">Outcome</label>"));
    for link in [
        "/register/decisions.csv",
        "/register/decisions.jsonl",
        "/register/feed.atom",
        "/register/stats",
        "/log/checkpoint",
    ] {
        assert!(html.contains(&format!("href=\"{link}\"")), "missing link to {link}");
    }
    assert!(!html.contains("<script"), "the pages need no JavaScript");
    let css = reqwest::get(site.url("/static/oversight.css")).await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
}

#[tokio::test]
async fn each_filter_narrows_the_results() {
    let site = TestServer::sqlite().await;
    let refused = page(&site, "/register?outcome=refused").await.1;
    assert_eq!(rows(&refused), 1);
    assert!(refused.contains("Belarus") && !refused.contains("France (FR)"));
    assert!(refused.contains("<option value=\"refused\" selected>"), "the form keeps the filter");

    assert_eq!(rows(&page(&site, "/register?destination=PH").await.1), 2);
    assert_eq!(rows(&page(&site, "/register?destination=PHL").await.1), 2);
    assert_eq!(rows(&page(&site, "/register?control_entry=5a001.f").await.1), 1);
    assert_eq!(rows(&page(&site, "/register?end_user_sector=intelligence").await.1), 3);
    assert_eq!(rows(&page(&site, "/register?q=judicial+oversight").await.1), 2);
    assert_eq!(rows(&page(&site, "/register?end_user_sector=police&outcome=issued").await.1), 1);
    let future = page(&site, "/register?from=2099-01-01").await.1;
    assert_eq!(rows(&future), 0);
    assert!(future.contains("No published record matches"));
    // A submitted form sends every field, the empty ones too: they mean "any".
    let all =
        page(&site, "/register?q=&destination=&outcome=&control_entry=&end_user_sector=&from=&to=").await.1;
    assert_eq!(rows(&all), 8);
    let beyond = page(&site, "/register?page=9").await;
    assert_eq!(beyond.0, StatusCode::OK);
    assert!(beyond.1.contains("There is no page 9"));
}

#[tokio::test]
async fn invalid_search_parameters_show_a_message_naming_the_field() {
    let site = TestServer::sqlite().await;
    for (query, expected) in [
        ("from=yesterday", "Date from: “yesterday” is not a date"),
        ("to=2026-13-01", "Date to:"),
        ("from=2026-09-01&to=2026-01-01", "must not be after"),
        ("outcome=maybe", "Outcome: “maybe” is not one of"),
        ("end_user_sector=pirates", "End-user sector:"),
        ("page=0", "Page: must be a whole number"),
        ("destination=ZZ", "Destination:"),
    ] {
        let (status, html) = page(&site, &format!("/register?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(html.contains(expected), "{query}: {html}");
        assert!(html.contains("role=\"alert\"") && html.contains("<form"), "{query}");
    }
}

#[tokio::test]
async fn a_record_page_shows_every_public_field_and_its_inclusion_proof() {
    let site = TestServer::sqlite().await;
    let api: Value = reqwest::get(site.url("/api/register/2")).await.unwrap().json().await.unwrap();
    assert_eq!(api["record"]["kind"], "licence_refused");
    let (status, html) = page(&site, "/register/2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Refused: Belarus</h1>"), "{html}");
    assert!(html.contains(api["leaf_hash"].as_str().unwrap()));
    for h in api["inclusion_proof"].as_array().unwrap() {
        assert!(html.contains(h.as_str().unwrap()), "proof hash {h} missing");
    }
    assert!(
        html.contains("Inclusion proof")
            && html.contains("<pre class=\"checkpoint\">oversight.local/register\n8\n")
    );
    assert!(html.contains(&format!("oversight verify --url {}", site.base)));
    assert!(html.contains("Criterion 2: human rights"));
    assert!(html.contains(api["record"]["record_id"].as_str().unwrap()));
    assert!(html.contains("withheld (publication policy)"));
}

#[tokio::test]
async fn an_unknown_record_is_a_404_page() {
    let site = TestServer::sqlite().await;
    for path in ["/register/999", "/register/abc", "/register/-1"] {
        let (status, html) = page(&site, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("Record not found"), "{path}");
    }
}

#[tokio::test]
async fn the_statistics_page_has_tables_and_accessible_svg_charts() {
    let site = TestServer::sqlite().await;
    let (status, html) = page(&site, "/register/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<svg") && html.contains("role=\"img\""));
    assert!(html.contains("<title id=\"chart-outcomes-t\">First decisions by outcome</title>"));
    assert!(html.contains("<title id=\"chart-refusals-t\">Refusals by criterion</title>"));
    assert!(html.contains("<title>Refused: 1</title>"));
    assert!(html.contains("<th scope=\"row\">2026-Q3</th><td>BY</td>") || html.contains("-Q"), "{html}");
    assert!(html.contains("id=\"within-20\">100 %") && html.contains("id=\"median\">9 working days"));
    assert!(html.contains("licence action, not a licensing decision</th><td class=\"num\">2"));
    assert!(html.contains("withdrawn by the applicant before a decision</th><td class=\"num\">1"));
    assert!(html.contains("Cyber-surveillance items") && html.contains("5 first decisions"));
    assert!(html.contains("first decisions only"));
}

#[tokio::test]
async fn record_text_is_escaped_on_every_page() {
    let site = TestServer::sqlite().await;
    let exporter = site.login(EXPORTER).await;
    let (s, app) = exporter
        .post(
            "/api/applications",
            json!({"title": "IMSI catchers", "end_use": "Border police", "destination": "NO"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap();
    let (s, _) = exporter.post(&format!("/api/applications/{id}/items"), json!({"control_code": "5A001.f", "description": "IMSI catcher", "quantity": 2, "value_eur": 100000}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = exporter.post(&format!("/api/applications/{id}/parties"), json!({"role": "end_user", "name": "PST", "address": "Oslo", "country": "NO", "sector": "police"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = exporter.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let reason = "<script>alert(\"x\")</script> & postponed";
    let (s, body) =
        exporter.post(&format!("/api/applications/{id}/withdraw"), json!({"reason": reason})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // Published only once an officer releases it, as the exporter's statement (record 9).
    let officer = site.login("officer@authority.example").await;
    let (s, body) =
        officer.post(&format!("/api/applications/{id}/exporter-statement/release"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; postponed";
    let list = page(&site, "/register?q=alert").await.1;
    assert_eq!(rows(&list), 1);
    assert!(list.contains(escaped) && !list.contains("<script>"), "{list}");
    let record = page(&site, "/register/9").await.1;
    assert!(record.contains(escaped) && !record.contains("<script>"), "{record}");
    // What the visitor typed is escaped too.
    let echoed = page(&site, "/register?q=%22%3E%3Cscript%3E").await.1;
    assert!(echoed.contains("value=\"&quot;&gt;&lt;script&gt;\"") && !echoed.contains("<script>"));
}
