//! The OpenAPI document against the real server (issue 15; `scripts/api-fuzz` goes further with
//! Schemathesis): every operation it says needs login answers 401 to a request without credentials,
//! every public one does not, and each answer is one of the status codes documented for it.

use oversight_testkit::TestServer;
use reqwest::{Client, Method};
use serde_json::Value;

/// A value for a path parameter: an id that names nothing, or a word.
fn fill(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{index}" => "1",
            s if s.starts_with('{') && s.contains("id") => "0190a0c0-0000-7000-8000-000000000000",
            s if s.starts_with('{') => "x",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn operations_needing_login_are_marked_and_refuse_anonymous_requests_as_documented() {
    let t = TestServer::sqlite().await;
    let client = Client::new();
    let doc: Value =
        client.get(format!("{}/api/openapi.json", t.base)).send().await.unwrap().json().await.unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(m) = method.to_uppercase().parse::<Method>() else { continue };
            let needs_login = op.get("security").is_some();
            let mut req = client.request(m.clone(), format!("{}{}", t.base, fill(path)));
            if m != Method::GET {
                req = req.header("content-type", "application/json").body("{}");
            }
            let status = req.send().await.unwrap().status();
            let what = format!("{method} {path} answered {status}");
            if needs_login {
                assert_eq!(status.as_u16(), 401, "{what}, but the document says it needs login");
            } else {
                assert_ne!(status.as_u16(), 401, "{what}, but the document says it is public");
            }
            assert!(op["responses"].get(status.as_str()).is_some(), "{what}, which it does not document");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} operations in the document");
}
