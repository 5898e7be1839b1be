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
/// The records the demo publishes: its decisions and licence actions, its three decided appeals and
/// the decision after one of them, its informed notice, its debarred exporter's warning, fine and
/// debarment, and its adopted rule change.
const DEMO_RECORDS: usize = 18;
/// The demo's log: its records and the two operating tokens its active licence's installation renews.
const DEMO_LEAVES: usize = DEMO_RECORDS + 2;

fn rows(html: &str) -> usize {
    html.matches("<tr class=\"outcome-").count()
}

#[tokio::test]
async fn the_register_page_lists_the_demo_decisions_with_links_to_the_open_data() {
    let site = TestServer::sqlite().await;
    let (status, html) = page(&site, "/register").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&html), DEMO_RECORDS, "{html}");
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
    // The pages need no JavaScript: the layout's one script is htmx, deferred, for the workspace.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=\"/static/htmx.min.js\" defer>").count()
    );
    let css = reqwest::get(site.url("/static/oversight.css")).await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
}

#[tokio::test]
async fn each_filter_narrows_the_results() {
    let site = TestServer::sqlite().await;
    let refused = page(&site, "/register?outcome=refused").await.1;
    assert_eq!(rows(&refused), 2);
    assert!(refused.contains("Belarus") && refused.contains("Chile") && !refused.contains("France (FR)"));
    assert!(refused.contains("<option value=\"refused\" selected>"), "the form keeps the filter");

    assert_eq!(rows(&page(&site, "/register?destination=PH").await.1), 2);
    assert_eq!(rows(&page(&site, "/register?destination=PHL").await.1), 2);
    // The Belarusian refusal and the appeal that upheld it.
    assert_eq!(rows(&page(&site, "/register?control_entry=5a001.f").await.1), 2);
    assert_eq!(rows(&page(&site, "/register?end_user_sector=intelligence").await.1), 4);
    assert_eq!(rows(&page(&site, "/register?q=judicial+oversight").await.1), 2);
    let p = page(&site, "/register?end_user_sector=police&outcome=issued").await.1;
    assert_eq!(rows(&p), 1, "{p}");
    let future = page(&site, "/register?from=2099-01-01").await.1;
    assert_eq!(rows(&future), 0);
    assert!(future.contains("No published record matches"));
    // A submitted form sends every field, the empty ones too: they mean "any".
    let all =
        page(&site, "/register?q=&destination=&outcome=&control_entry=&end_user_sector=&from=&to=").await.1;
    assert_eq!(rows(&all), DEMO_RECORDS);
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
    assert!(html.contains("<h1>Licence refused: Belarus</h1>"), "{html}");
    assert!(
        html.contains("<title>Licence refused: Belarus – Oversight – Export Licensing Authority</title>")
    );
    assert!(html.contains(api["leaf_hash"].as_str().unwrap()));
    for h in api["inclusion_proof"].as_array().unwrap() {
        assert!(html.contains(h.as_str().unwrap()), "proof hash {h} missing");
    }
    assert!(
        html.contains("Inclusion proof")
            && html.contains(&format!("<pre class=\"checkpoint\">oversight.local/register\n{DEMO_LEAVES}\n"))
    );
    assert!(html.contains(&format!("oversight verify --url {}", site.base)));
    assert!(html.contains("Criterion 2: human rights"));
    assert!(!html.contains(api["record"]["record_id"].as_str().unwrap()), "the internal id is not shown");
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
async fn the_statistics_page_has_tables_and_charts_whose_numbers_are_shown() {
    let site = TestServer::sqlite().await;
    let (status, html) = page(&site, "/register/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<title>Statistics – Oversight – Export Licensing Authority</title>"), "{html}");
    // Charts are HTML and CSS (no SVG, no script), each bar with its label and its number.
    assert!(!html.contains("<svg"));
    assert!(html.contains("<figcaption id=\"chart-outcomes-t\">First decisions by outcome</figcaption>"));
    assert!(html.contains("<figcaption id=\"chart-refusals-t\">Refusals by criterion</figcaption>"));
    assert!(
        html.contains("<span class=\"bar-label\">Refused</span><span class=\"bar-track\" aria-hidden=\"true\"><span class=\"bar-fill w"),
        "{html}"
    );
    assert!(html.contains("</span></span><span class=\"bar-count\">1</span>"), "{html}");
    // Criteria are explained, quarters read as months, destinations are named.
    assert!(html.contains("Criterion 2: human rights and international humanitarian law"));
    assert!(html.contains(" to ") && !html.contains("-Q"), "quarters as months: {html}");
    assert!(html.contains("Belarus (BY)"), "{html}");
    assert!(html.contains("id=\"within-20\">100 %") && html.contains("id=\"median\">9 working days"));
    let count =
        |label: &str, n: usize| format!("{label}</th><td class=\"num\" data-label=\"Count\">{n}</td>");
    assert!(html.contains(&count("licence action, not a licensing decision", 2)), "{html}");
    assert!(html.contains(&count("withdrawn by the applicant before a decision", 1)), "{html}");
    assert!(html.contains("Cyber-surveillance items") && html.contains("6 first decisions"));
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
    // Published only once an officer releases it, as the exporter's statement (the record after
    // the demo's).
    let officer = site.login("officer@authority.example").await;
    let (s, body) =
        officer.post(&format!("/api/applications/{id}/exporter-statement/release"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let escaped = "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; postponed";
    let list = page(&site, "/register?q=alert").await.1;
    assert_eq!(rows(&list), 1);
    assert!(list.contains(escaped) && !list.contains("<script>"), "{list}");
    let record = page(&site, &format!("/register/{}", DEMO_LEAVES + 1)).await.1;
    assert!(record.contains(escaped) && !record.contains("<script>"), "{record}");
    // What the visitor typed is escaped too.
    let echoed = page(&site, "/register?q=%22%3E%3Cscript%3E").await.1;
    assert!(echoed.contains("value=\"&#34;&#62;&#60;script&#62;\"") && !echoed.contains("<script>"));
}

/// Every UUID-shaped word in `text` (8-4-4-4-12 hexadecimal digits).
fn uuids(text: &str) -> Vec<&str> {
    let is_uuid = |w: &str| {
        let parts: Vec<&str> = w.split('-').collect();
        parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
            && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
    };
    (0..text.len().saturating_sub(35))
        .filter(|&i| text.is_char_boundary(i) && text.is_char_boundary(i + 36))
        .map(|i| &text[i..i + 36])
        .filter(|w| is_uuid(w))
        .collect()
}

// Issue 10: internal case and record ids were shown to the public.
#[tokio::test]
async fn no_register_page_shows_an_internal_case_or_record_id() {
    let site = TestServer::sqlite().await;
    let all: Value =
        reqwest::get(site.url("/api/register?per_page=200")).await.unwrap().json().await.unwrap();
    let records = all["records"].as_array().unwrap();
    assert_eq!(records.len(), DEMO_RECORDS);
    let mut paths = vec!["/register".to_string(), "/register/stats".to_string(), "/register?page=9".into()];
    paths.extend(records.iter().map(|r| format!("/register/{}", r["index"])));
    for path in &paths {
        let (status, html) = page(&site, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(uuids(&html), Vec::<&str>::new(), "{path} shows an internal id");
        for r in records {
            for id in [&r["record"]["record_id"], &r["record"]["case_id"]] {
                if let Some(id) = id.as_str() {
                    assert!(!html.contains(id), "{path} shows {id}");
                }
            }
        }
    }
}

// Issue 10: a validation error sits beside its field and in a summary, and keeps what was typed.
#[tokio::test]
async fn a_bad_filter_keeps_everything_typed_and_is_shown_beside_its_field_and_in_a_summary() {
    let site = TestServer::sqlite().await;
    let (status, html) = page(
        &site,
        "/register?q=judicial+oversight&destination=FR&from=yesterday&to=2026-12-31&outcome=refused",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("<title>Error: Search the register – Oversight – Export Licensing Authority</title>")
    );
    // The summary links to the field; the message is beside it; the field is described by it.
    assert!(html.contains("class=\"error-summary\" role=\"alert\""), "{html}");
    assert!(html.contains("<a href=\"#from\">Date from: “yesterday” is not a date"), "{html}");
    assert!(html.contains("<p class=\"error-message\" id=\"from-error\">"), "{html}");
    // The bad date stays visible as typed (a date input could not show it), and so does the rest.
    assert!(
        html.contains("<input id=\"from\" name=\"from\" type=\"text\" value=\"yesterday\" aria-describedby=\"from-error\">"),
        "{html}"
    );
    assert!(html.contains("<input id=\"to\" name=\"to\" type=\"date\" value=\"2026-12-31\">"), "{html}");
    assert!(html.contains("value=\"judicial oversight\""), "{html}");
    assert!(html.contains("name=\"destination\" value=\"FR\""), "{html}");
    assert!(html.contains("<option value=\"refused\" selected>"), "{html}");
    // An error the app finds (an unknown country) is beside its field too.
    let (status, html) = page(&site, "/register?destination=ZZ&q=kept").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<a href=\"#destination\">Destination:"), "{html}");
    assert!(html.contains("id=\"destination-error\"") && html.contains("value=\"kept\""), "{html}");
}

// Issue 10: raw timestamps, codes without meaning, and records linked as "Record 7".
#[tokio::test]
async fn the_record_page_dates_the_act_explains_its_codes_and_names_the_licence_it_acts_on() {
    let site = TestServer::sqlite().await;
    let all: Value =
        reqwest::get(site.url("/api/register?per_page=200")).await.unwrap().json().await.unwrap();
    let records = all["records"].as_array().unwrap();
    let by_index = |i: &Value| records.iter().find(|r| r["index"] == *i).unwrap();
    let action =
        records.iter().find(|r| r["record"]["acts_on"].is_string()).expect("a licence action in the demo");
    let one: Value = reqwest::get(site.url(&format!("/api/register/{}", action["index"])))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let licence = &by_index(&one["acts_on_index"])["record"];
    let html = page(&site, &format!("/register/{}", action["index"])).await.1;

    // Dates as dates, with their machine form.
    let day = |iso: &str| {
        let d = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").unwrap();
        format!("<time datetime=\"{iso}\">{}</time>", d.format("%-d %B %Y"))
    };
    let act = action["record"]["act_date"].as_str().unwrap();
    assert!(html.contains(&day(act)), "{html}");
    assert!(!html.contains(action["record"]["published_at"].as_str().unwrap()), "no raw timestamp: {html}");
    // The licence it acts on is linked by what it is, not by its number.
    let licence_name = format!(
        "<a href=\"/register/{}\">Licence issued{}: {}, ",
        one["acts_on_index"],
        if licence["kind"] == "licence_issued_with_conditions" { " with conditions" } else { "" },
        licence["destination_name"].as_str().unwrap()
    );
    assert!(html.contains(&licence_name), "{licence_name} in {html}");
    assert!(!html.contains(">Record "), "{html}");
    // Control entries say what they cover.
    let list: Value = reqwest::get(site.url("/api/control-list")).await.unwrap().json().await.unwrap();
    for code in action["record"]["control_entries"].as_array().unwrap() {
        let entry = list.as_array().unwrap().iter().find(|e| e["code"] == *code).expect("a listed entry");
        let title = entry["title"].as_str().unwrap();
        assert!(
            html.contains(&format!("<span class=\"code\">{}</span>: ", code.as_str().unwrap())),
            "{html}"
        );
        assert!(html.contains(&askama_escape(title)), "{title} in {html}");
    }
    // Every record of the application, each named by what it is.
    assert!(html.contains("Every record of this application"), "{html}");
    assert!(html.contains("(this record)"), "{html}");
}

/// What askama makes of text in HTML.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

// Issue 10: the results table ran off a phone's screen; the charts hid their numbers.
#[tokio::test]
async fn results_are_named_by_what_they_are_and_labelled_for_a_phone() {
    let site = TestServer::sqlite().await;
    let html = page(&site, "/register?outcome=refused").await.1;
    assert!(html.contains("<table class=\"results stack\">"), "{html}");
    assert!(html.contains("<td class=\"name\"><a href=\"/register/2\">Licence refused</a>"), "{html}");
    for label in
        ["Date", "Destination", "End-user sector", "Control entries", "Cyber-surveillance", "Rationale"]
    {
        assert!(html.contains(&format!("<td data-label=\"{label}\">")), "{label}: {html}");
    }
    assert!(html.contains("<link rel=\"alternate\" type=\"application/atom+xml\""), "{html}");
}
