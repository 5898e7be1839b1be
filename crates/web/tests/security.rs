//! Security findings of issue 15 that show on the wire, over real HTTP against the demo dataset:
//! spreadsheet formulas in the CSV download, security headers on every response, and no caching of
//! anything authenticated.

use oversight_app::demo::DEMO_PASSWORD as PASSWORD;
use oversight_testkit::{TestServer, User};
use reqwest::{Client, StatusCode, header::HeaderMap};
use serde_json::json;

/// A submitted application of the exporter's, withdrawn with `reason`, which an officer then
/// releases to the register as the exporter's statement (issue 15, finding 1).
async fn withdrawn_with(exporter: &User, officer: &User, reason: &str) {
    let (s, app) = exporter
        .post(
            "/api/applications",
            json!({"title": "IMSI catchers", "end_use": "Border police", "destination": "NO"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap();
    let item =
        json!({"control_code": "5A001.f", "description": "IMSI catcher", "quantity": 2, "value_eur": 100000});
    assert_eq!(exporter.post(&format!("/api/applications/{id}/items"), item).await.0, StatusCode::CREATED);
    let party =
        json!({"role": "end_user", "name": "PST", "address": "Oslo", "country": "NO", "sector": "police"});
    assert_eq!(exporter.post(&format!("/api/applications/{id}/parties"), party).await.0, StatusCode::CREATED);
    let (s, body) = exporter.post(&format!("/api/applications/{id}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) =
        exporter.post(&format!("/api/applications/{id}/withdraw"), json!({"reason": reason})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) =
        officer.post(&format!("/api/applications/{id}/exporter-statement/release"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn csv_cells_a_spreadsheet_would_evaluate_are_neutralised() {
    let t = TestServer::sqlite().await;
    let exporter = t.login("compliance@nordwatch.example").await;
    let officer = t.login("officer@authority.example").await;
    let hostile = [
        "=HYPERLINK(\"http://evil.example\",\"Official notice\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1,2)",
    ];
    for reason in hostile {
        withdrawn_with(&exporter, &officer, reason).await;
    }
    let resp = Client::new().get(format!("{}/register/decisions.csv", t.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let rationale = reader.headers().unwrap().iter().position(|h| h == "exporter_statement").unwrap();
    let cells: Vec<String> = reader.records().map(|r| r.unwrap()[rationale].to_string()).collect();
    for reason in hostile {
        let expected = format!("'{reason}");
        assert!(cells.contains(&expected), "{reason:?} not neutralised: {cells:?}");
    }
    // No cell of any column starts with a character a spreadsheet evaluates (tab and carriage
    // return included: free text is trimmed before it is stored, the unit tests cover those).
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
        }
    }
}

fn assert_security_headers(path: &str, h: &HeaderMap) {
    let get = |name: &str| h.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let csp = get("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    assert!(csp.contains("style-src 'self'"), "{path}: {csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path}: {csp}");
    // Scripts only from this site (the vendored htmx): no inline script, no other origin.
    let script =
        csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or("script-src 'none'");
    assert!(script == "script-src 'self'" || script == "script-src 'none'", "{path}: {csp}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
    assert_eq!(get("x-frame-options"), "DENY", "{path}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{path}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let t = TestServer::sqlite().await;
    let anon = Client::new();
    for path in [
        "/register",
        "/register/2",
        "/register/stats",
        "/register/999",
        "/register/decisions.csv",
        "/register/feed.atom",
        "/static/oversight.css",
        "/api/health",
        "/api/register",
        "/api/openapi.json",
        "/api/applications",
        "/no/such/route",
    ] {
        let resp = anon.get(format!("{}{path}", t.base)).send().await.unwrap();
        assert_security_headers(path, resp.headers());
    }
    let resp = anon
        .post(format!("{}/api/session", t.base))
        .json(&json!({"email": "nobody@example.org", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_security_headers("failed login", resp.headers());
}

fn no_store(h: &HeaderMap) -> bool {
    h.get("cache-control").is_some_and(|v| v.to_str().unwrap().contains("no-store"))
}

#[tokio::test]
async fn nothing_authenticated_is_cached() {
    let t = TestServer::sqlite().await;
    // The login answer carries the CSRF token.
    let client = Client::builder().cookie_store(true).build().unwrap();
    let resp = client
        .post(format!("{}/api/session", t.base))
        .json(&json!({"email": "compliance@nordwatch.example", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(no_store(resp.headers()), "login: {:?}", resp.headers());

    let exporter = t.login("compliance@nordwatch.example").await;
    // A session cookie: every answer, even a public page's.
    for path in ["/api/session", "/api/applications", "/register"] {
        let resp = exporter.client.get(format!("{}{path}", t.base)).send().await.unwrap();
        assert!(no_store(resp.headers()), "{path}: {:?}", resp.headers());
    }

    // A document download.
    let (s, app) = exporter
        .post(
            "/api/applications",
            json!({"title": "Lawful intercept", "end_use": "Police", "destination": "NO"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap();
    let (s, app) = exporter
        .upload(
            &format!("/api/applications/{id}/documents?filename=undertaking.pdf&kind=end_use_undertaking"),
            b"%PDF-1.4".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let doc = app["documents"][0]["id"].as_str().unwrap();
    let resp = exporter
        .client
        .get(format!("{}/api/applications/{id}/documents/{doc}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(no_store(resp.headers()), "download: {:?}", resp.headers());

    // A bearer token.
    let (s, token) = exporter.post("/api/tokens", json!({"label": "ci"})).await;
    assert!(s.is_success(), "{token}");
    let token = token["token"].as_str().unwrap();
    let resp =
        Client::new().get(format!("{}/api/applications", t.base)).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(no_store(resp.headers()), "bearer: {:?}", resp.headers());

    // The public stylesheet, fetched without credentials, may still be cached.
    let css = Client::new().get(format!("{}/static/oversight.css", t.base)).send().await.unwrap();
    assert!(!no_store(css.headers()));
}

#[tokio::test]
async fn file_names_go_through_the_text_policy() {
    let t = TestServer::sqlite().await;
    let admin = t.login("admin@authority.example").await;
    let csl =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/lists/us-csl-sample.csv")).unwrap();
    let before = t.events().await;
    // U+202E (right-to-left override), percent-encoded in the query.
    let (s, e) = admin
        .upload("/api/admin/lists/us-csl?format=csl-csv&filename=csl%E2%80%AEvsc.exe", csl.clone())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["field"], "filename", "{e}");
    let (s, e) = admin.upload("/api/admin/lists/us-csl?format=csl-csv&filename=csl%0A2026.csv", csl).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["field"], "filename", "{e}");
    assert_eq!(t.events().await, before);

    let exporter = t.login("compliance@nordwatch.example").await;
    let (s, app) = exporter
        .post(
            "/api/applications",
            json!({"title": "Lawful intercept", "end_use": "Police", "destination": "NO"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{app}");
    let id = app["id"].as_str().unwrap();
    let (s, e) = exporter
        .upload(
            &format!(
                "/api/applications/{id}/documents?filename=invoice%E2%80%AEfdp.exe&kind=end_use_undertaking"
            ),
            b"MZ".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["field"], "filename", "{e}");
}
