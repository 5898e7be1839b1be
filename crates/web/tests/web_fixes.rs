//! Regressions of the web layer (issue 9): register paging that overflowed `u32`, absolute URLs
//! built from the client's `Host` header, query-string errors that were 400s or did not name the
//! parameter, and register filters the JSON search did not check.
//!
//! Each test runs the real server on a random port over a fresh SQLite database with the demo data.

use oversight_app::demo;
use oversight_testkit::{ServerOptions, TestDb, TestServer};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Server {
    base: String,
    addr: std::net::SocketAddr,
    client: Client,
    _server: TestServer,
}

impl Server {
    async fn spawn(public_url: Option<&str>) -> Server {
        let options =
            ServerOptions { public_url: public_url.map(str::to_string), ..ServerOptions::default() };
        let server = TestServer::start_on(Arc::new(TestDb::sqlite()), options).await;
        let addr = server.base.trim_start_matches("http://").parse().unwrap();
        Server {
            base: server.base.clone(),
            addr,
            client: Client::builder().cookie_store(true).build().unwrap(),
            _server: server,
        }
    }

    /// Status and JSON body (or the text as a JSON string).
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self.client.get(format!("{}{path}", self.base)).send().await.unwrap_or_else(|e| {
            panic!("GET {path}: no response (did the handler panic?): {e}");
        });
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Logs the client in (its cookie store keeps the session); returns the CSRF token.
    async fn login(&self, email: &str) -> String {
        let resp = self
            .client
            .post(format!("{}/api/session", self.base))
            .json(&json!({"email": email, "password": demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "login {email}");
        resp.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_string()
    }

    /// A GET written by hand, so the `Host` header is exactly what a hostile client sends.
    async fn get_with_host(&self, path: &str, host: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, body.to_string())
    }
}

fn assert_invalid(got: (StatusCode, Value), field: &str, what: &str) {
    assert_eq!(got.0, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {}", got.1);
    assert_eq!(got.1["error"], "invalid", "{what}: {}", got.1);
    assert_eq!(got.1["field"], field, "{what}: {}", got.1);
}

/// Every `href` attribute value and the text of every `<id>` of an Atom document, read by an XML
/// parser (so the document must be well-formed).
fn feed_urls(xml: &str) -> Vec<String> {
    use quick_xml::{Reader, events::Event};
    let mut reader = Reader::from_str(xml);
    let (mut urls, mut in_id) = (Vec::new(), false);
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("the feed is not well-formed XML: {e}\n{xml}")) {
            Event::Eof => return urls,
            Event::Start(e) | Event::Empty(e) => {
                in_id = e.name().as_ref() == b"id";
                for a in e.attributes() {
                    let a = a.unwrap();
                    if a.key.as_ref() == b"href" {
                        urls.push(a.unescape_value().unwrap().into_owned());
                    }
                }
            }
            Event::Text(t) if in_id => urls.push(t.unescape().unwrap().into_owned()),
            Event::End(_) => in_id = false,
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_register_page_is_a_422_naming_page_never_a_500() {
    let s = Server::spawn(None).await;
    // (page - 1) * per_page overflowed u32 in the app: a panic in a debug build, a wrong page in release.
    for path in [
        "/api/register?page=4294967295",
        "/api/register?page=4294967295&per_page=200",
        "/api/register?page=21474837&per_page=200",
        "/api/register?page=0",
    ] {
        assert_invalid(s.get(path).await, "page", path);
    }
    // Beyond u32 altogether: still the parameter's name, not a generic "query".
    assert_invalid(s.get("/api/register?page=4294967296").await, "page", "page beyond u32");
    assert_invalid(s.get("/api/register?per_page=0").await, "per_page", "per_page 0");
    assert_invalid(s.get("/api/register?per_page=201").await, "per_page", "per_page 201");
    // The last allowed page is an empty page, not an error.
    let (status, page) = s.get("/api/register?page=1000000&per_page=200").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!((page["page"].as_u64(), page["records"].as_array().map(Vec::len)), (Some(1_000_000), Some(0)));

    // The HTML page: a message naming the page, with 422.
    let (status, html) = s.get("/register?page=4294967295").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.as_str().unwrap().contains("Page: must be a whole number from 1 to 1000000"));
    let (status, html) = s.get("/register?page=1000000").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.as_str().unwrap().contains("There is no page 1000000 of these results"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_api_checks_its_filters_like_the_page() {
    let s = Server::spawn(None).await;
    for (path, field) in [
        ("/api/register?outcome=maybe", "outcome"),
        ("/api/register?end_user_sector=pirates", "end_user_sector"),
        ("/api/register?end_user_sector=other_security", "end_user_sector"),
        ("/api/register?from=2026-02-01&to=2026-01-01", "from"),
        ("/api/register?from=yesterday", "from"),
        ("/api/register?destination=XX", "destination"),
        ("/api/register?colour=red", "colour"),
    ] {
        assert_invalid(s.get(path).await, field, path);
        // The page refuses the same search with 422 too.
        let html_path = path.replacen("/api/register", "/register", 1);
        if !html_path.contains("colour") {
            assert_eq!(s.get(&html_path).await.0, StatusCode::UNPROCESSABLE_ENTITY, "{html_path}");
        }
    }
    let (status, page) = s.get("/api/register?outcome=refused&end_user_sector=&from=2000-01-01").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(!page["records"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absolute_urls_never_come_from_the_host_header() {
    let s = Server::spawn(None).await;
    let evil = "evil.example\"><script>alert(1)</script>";
    let (status, feed) = s.get_with_host("/register/feed.atom", evil).await;
    assert_eq!(status, 200, "{feed}");
    assert!(!feed.contains("evil.example"), "the feed used the Host header:\n{feed}");
    let urls = feed_urls(&feed);
    assert!(urls.len() > 3, "{urls:?}");
    for u in &urls {
        assert!(u.starts_with(&format!("{}/register", s.base)) || u.starts_with("urn:uuid:"), "{u}");
    }
    let (status, page) = s.get_with_host("/register/0", "evil.example").await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("evil.example"));
    assert!(page.contains(&format!("oversight verify --url {}", s.base)), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_public_url_is_the_base_of_every_absolute_url() {
    let s = Server::spawn(Some("https://register.example.gov/")).await;
    let (status, feed) = s.get_with_host("/register/feed.atom", "127.0.0.1").await;
    assert_eq!(status, 200);
    let urls = feed_urls(&feed);
    assert!(urls.contains(&"https://register.example.gov/register/feed.atom".to_string()), "{urls:?}");
    assert!(urls.contains(&"https://register.example.gov/register/0".to_string()), "{urls:?}");
    assert!(
        urls.iter()
            .all(|u| u.starts_with("https://register.example.gov/register") || u.starts_with("urn:uuid:")),
        "{urls:?}"
    );
    let (_, page) = s.get("/register/0").await;
    assert!(page.as_str().unwrap().contains("oversight verify --url https://register.example.gov<"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_query_parameters_are_422_naming_the_parameter() {
    let s = Server::spawn(None).await;
    // Public endpoints.
    assert_invalid(s.get("/log/entries?start=x&end=1").await, "start", "log entries");
    assert_invalid(s.get("/log/entries?start=0").await, "end", "log entries, end missing");
    assert_invalid(
        s.get("/log/proof/inclusion?index=0&size=99999999999999999999").await,
        "size",
        "inclusion",
    );
    assert_invalid(s.get("/log/proof/consistency?old=1&new=2&x=3").await, "x", "consistency");
    // Logged in: the authority's lists and an exporter's upload.
    s.login("officer@authority.example").await;
    assert_invalid(s.get("/api/applications?bogus=1").await, "bogus", "applications");
    assert_invalid(s.get("/api/screening/log?limit=-1").await, "limit", "screening log");
    let (status, apps) = s.get("/api/applications?status=submitted").await;
    assert_eq!(status, StatusCode::OK, "{apps}");
    let exporter = Server { client: Client::builder().cookie_store(true).build().unwrap(), ..s };
    let csrf = exporter.login("compliance@nordwatch.example").await;
    let (_, mine) = exporter.get("/api/applications").await;
    let id = mine[0]["id"].as_str().unwrap();
    let resp = exporter
        .client
        .post(format!("{}/api/applications/{id}/documents?filename=a.pdf", exporter.base))
        .header("X-CSRF-Token", &csrf)
        .header("Content-Type", "application/octet-stream")
        .body(b"%PDF-1.4".to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert_invalid((status, resp.json().await.unwrap()), "kind", "upload without kind");
}
