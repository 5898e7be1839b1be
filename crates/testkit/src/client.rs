//! A user talking to a server over real HTTP.

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// What a request came back with: a status and a JSON body (or the text as a JSON string), or a
/// transport failure (refused connection, timeout) as text.
pub type Reply = Result<(StatusCode, Value), String>;

/// How long one request may take before the client gives up: a hung server fails the test.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A user of one server: a client with a cookie store, and the session's CSRF token and/or a
/// bearer token. Cloning shares the cookie store (the same session).
#[derive(Clone, Debug)]
pub struct User {
    pub base: String,
    pub client: Client,
    /// Sent as `X-CSRF-Token` with every request when set.
    pub csrf: Option<String>,
    /// Sent as `Authorization: Bearer` when set.
    pub bearer: Option<String>,
    /// The user's id from the login answer (empty for an anonymous user).
    pub user_id: String,
}

impl User {
    /// Nobody logged in (a fresh client with a cookie store), with the default request timeout.
    pub fn anonymous(base: &str) -> User {
        Self::anonymous_with_timeout(base, REQUEST_TIMEOUT)
    }

    /// Nobody logged in, connecting from the local address `from` (a loopback address such as
    /// 127.0.0.2 stands for another client machine: the sign-in throttle counts per address).
    pub fn anonymous_from(base: &str, from: std::net::IpAddr) -> User {
        let client = Client::builder()
            .cookie_store(true)
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(0)
            .local_address(from)
            .build()
            .unwrap();
        User {
            base: base.trim_end_matches('/').to_string(),
            client,
            csrf: None,
            bearer: None,
            user_id: String::new(),
        }
    }

    pub fn anonymous_with_timeout(base: &str, timeout: Duration) -> User {
        // No idle connections are kept: a server that answers early (413 before reading the body)
        // closes the connection, and a client that reused it would see a transport error instead
        // of the next answer (hyper's IncompleteMessage), making tests flaky.
        let client =
            Client::builder().cookie_store(true).timeout(timeout).pool_max_idle_per_host(0).build().unwrap();
        User {
            base: base.trim_end_matches('/').to_string(),
            client,
            csrf: None,
            bearer: None,
            user_id: String::new(),
        }
    }

    /// Signs in with a password (`POST /api/session`). On success the user carries the session
    /// cookie and CSRF token; otherwise the status and body are returned.
    pub async fn try_login(base: &str, email: &str, password: &str) -> Result<User, Reply> {
        Self::anonymous(base).sign_in(email, password).await
    }

    /// Signs this client in (keeps its timeout and cookie store).
    pub async fn sign_in(self, email: &str, password: &str) -> Result<User, Reply> {
        self.sign_in_with_headers(email, password).await.map(|(user, _)| user)
    }

    /// Signs this client in; on success also returns the answer's headers (e.g. `Set-Cookie`).
    pub async fn sign_in_with_headers(
        mut self,
        email: &str,
        password: &str,
    ) -> Result<(User, reqwest::header::HeaderMap), Reply> {
        let req =
            self.request(Method::POST, "/api/session").json(&json!({"email": email, "password": password}));
        let resp = req.send().await.map_err(|e| Err(format!("POST /api/session at {}: {e:?}", self.base)))?;
        let (status, headers) = (resp.status(), resp.headers().clone());
        let text =
            resp.text().await.map_err(|e| Err(format!("POST /api/session at {}: {e:?}", self.base)))?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status != StatusCode::OK {
            return Err(Ok((status, body)));
        }
        self.csrf = body["csrf_token"].as_str().map(str::to_string);
        self.user_id = body["user"]["id"].as_str().unwrap_or_default().to_string();
        Ok((self, headers))
    }

    /// Signs in and panics unless the server answers 200.
    pub async fn login(base: &str, email: &str, password: &str) -> User {
        match Self::try_login(base, email, password).await {
            Ok(user) => user,
            Err(reply) => panic!("login {email} at {base}: {reply:?}"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with the user's credentials; the body is JSON when given.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self.client.request(method, self.url(path));
        if let Some(csrf) = &self.csrf {
            req = req.header("X-CSRF-Token", csrf);
        }
        if let Some(token) = &self.bearer {
            req = req.bearer_auth(token);
        }
        req
    }

    /// Sends a request; a transport failure is an `Err`.
    pub async fn try_send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.map_err(|e| format!("{e:?}"))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| format!("{e:?}"))?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    }

    pub async fn try_call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self.request(method.clone(), path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.try_send(req).await.map_err(|e| format!("{method} {path} at {}: {e}", self.base))
    }

    /// A request that must get an answer (any status); panics on a transport failure.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.try_call(method, path, body).await.unwrap_or_else(|e| panic!("{e}"))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// POSTs raw bytes (`application/octet-stream`), e.g. a list file or a document.
    pub async fn upload(&self, path: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let req =
            self.request(Method::POST, path).header("Content-Type", "application/octet-stream").body(bytes);
        self.try_send(req).await.unwrap_or_else(|e| panic!("POST {path} at {}: {e}", self.base))
    }

    /// POST that must succeed (2xx); returns the body.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
        let (status, body) = self.post(path, body).await;
        assert!(status.is_success(), "POST {path} at {}: {status} {body}", self.base);
        body
    }

    /// `GET /api/session`: who the server thinks this is.
    pub async fn me(&self) -> Value {
        self.get("/api/session").await.1
    }

    /// The logged-in user's id, as the server reports it now.
    pub async fn id(&self) -> String {
        self.me().await["id"].as_str().expect("a logged-in user").to_string()
    }
}
