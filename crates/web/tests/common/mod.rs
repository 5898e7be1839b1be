//! The harness shared by the single-backend API tests: the real server on a random port over a
//! fresh SQLite database loaded with the demo dataset, and a logged-in user with one helper per
//! HTTP verb. (`api.rs` has its own, which also runs on PostgreSQL.)

#![allow(dead_code)] // each test file uses a part of it

use oversight_app::{App, SystemClock, demo};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

pub const PASSWORD: &str = demo::DEMO_PASSWORD;

pub struct TestApp {
    pub base: String,
    pub app: Arc<App>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("x.db").display());
        let store = oversight_store::open(&url, true).await.unwrap();
        let app = App::open(store, Arc::new(SystemClock)).await.unwrap();
        demo::load(&app).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = oversight_web::router(app.clone(), false);
        tokio::spawn(oversight_web::serve(listener, router, std::future::pending()));
        TestApp { base, app, _dir: dir }
    }

    pub async fn login(&self, email: &str) -> User {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let resp = client
            .post(format!("{}/api/session", self.base))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "login {email}");
        let body: Value = resp.json().await.unwrap();
        User { base: self.base.clone(), client, csrf: body["csrf_token"].as_str().unwrap().to_string() }
    }

    pub async fn events(&self) -> u64 {
        self.app.store().read_all(0, u32::MAX).await.unwrap().len() as u64
    }
}

pub struct User {
    pub base: String,
    pub client: Client,
    pub csrf: String,
}

impl User {
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        raw: Option<Vec<u8>>,
    ) -> (StatusCode, Value) {
        let mut req =
            self.client.request(method, format!("{}{path}", self.base)).header("X-CSRF-Token", &self.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(bytes) = raw {
            req = req.header("Content-Type", "application/octet-stream").body(bytes);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body), None).await
    }
    pub async fn upload(&self, path: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        self.send(Method::POST, path, None, Some(bytes)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PUT, path, Some(body), None).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, path, Some(body), None).await
    }
    /// The logged-in user's id.
    pub async fn id(&self) -> String {
        self.get("/api/session").await.1["id"].as_str().unwrap().to_string()
    }
}
