//! An `App` over a test database, and the real HTTP server over it.

use crate::client::User;
use crate::db::{Backend, TestDb};
use oversight_app::{App, AppConfig, Clock, FixedClock, SystemClock, demo};
use oversight_domain::Actor;
use std::sync::Arc;
use std::time::Duration;

/// The transparency log's signing key of every test app: one fixed seed, so that several apps
/// (nodes) over one database sign with the same key, as production nodes sharing a key file do.
pub fn test_signer() -> oversight_tlog::NoteSigner {
    oversight_tlog::NoteSigner::new("oversight.local/register", &[7u8; 32]).expect("a valid log origin")
}

/// A clock standing still at `at` (move it with `FixedClock::set`).
pub fn fixed_clock(at: chrono::DateTime<chrono::Utc>) -> Arc<FixedClock> {
    Arc::new(FixedClock::new(at))
}

/// Opens an `App` over the database (migrating it, rebuilding the read models from its log) with
/// the given clock, in the caller's runtime.
pub async fn open_app(db: &TestDb, clock: Arc<dyn Clock>) -> Arc<App> {
    let config = AppConfig { log_signer: Some(test_signer()), ..AppConfig::default() };
    App::open_with(db.store().await, clock, config)
        .await
        .unwrap_or_else(|e| panic!("App::open over {}: {e}", db.url()))
}

/// An `App` on the system clock with the demo dataset loaded.
pub async fn demo_app(db: &TestDb) -> Arc<App> {
    let app = open_app(db, Arc::new(SystemClock)).await;
    demo::load(&app).await.expect("load the demo dataset");
    app
}

/// The domain actor of a user, looked up by e-mail (for tests that call the `App` directly).
pub fn actor(app: &App, email: &str) -> Actor {
    let id = app.user_by_email(email).unwrap_or_else(|| panic!("no user {email}"));
    let me = app.me_of_id(id).expect("the user's profile");
    Actor { user: me.id, org: me.organisation, org_kind: me.organisation_kind, roles: me.roles }
}

/// How a [`TestServer`] is set up.
pub struct ServerOptions {
    /// Load the demo dataset first (the database must be empty).
    pub demo: bool,
    pub clock: Arc<dyn Clock>,
    /// Follow other nodes' writes every so often (`App::spawn_follower`), as `oversight serve` does
    /// every 500 ms; `None` follows nothing but the node's own writes.
    pub follow_every: Option<Duration>,
    /// Worker threads of the server's own runtime.
    pub worker_threads: usize,
    /// The configured public base URL (`oversight serve --public-url`); `None` is the listen address.
    pub public_url: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            demo: true,
            clock: Arc::new(SystemClock),
            follow_every: None,
            worker_threads: 2,
            public_url: None,
        }
    }
}

/// The real HTTP server (`oversight_web::router`) on a random loopback port, over an `App` on a
/// test database. The server runs in a Tokio runtime on a thread of its own, like a separate
/// process: if it deadlocks, the test's own timeouts still fire. Dropping it stops the server and
/// then drops the database (if no other server shares it).
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The server's app (its read models, its store).
    pub app: Arc<App>,
    pub db: Arc<TestDb>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer").field("base", &self.base).field("db", &self.db).finish()
    }
}

impl TestServer {
    /// A server with the demo dataset on a fresh database of `backend`; `None` when PostgreSQL is
    /// skipped (loudly; see [`TestDb::fresh`]).
    pub async fn start(backend: Backend) -> Option<TestServer> {
        let db = TestDb::fresh(backend).await?;
        Some(Self::start_on(Arc::new(db), ServerOptions::default()).await)
    }

    /// A server with the demo dataset on a fresh SQLite database.
    pub async fn sqlite() -> TestServer {
        Self::start_on(Arc::new(TestDb::sqlite()), ServerOptions::default()).await
    }

    /// A server with the demo dataset on a fresh PostgreSQL database, or `None` (skipped loudly).
    pub async fn postgres() -> Option<TestServer> {
        Self::start(Backend::Postgres).await
    }

    /// A server over `db`, which other servers may share (several nodes on one PostgreSQL database).
    pub async fn start_on(db: Arc<TestDb>, options: ServerOptions) -> TestServer {
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<(String, Arc<App>), String>>();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let url = db.url().to_string();
        let thread = std::thread::Builder::new()
            .name(format!("test-server {url}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(options.worker_threads)
                    .thread_name("test-server-worker")
                    .enable_all()
                    .build()
                    .expect("the server's runtime");
                rt.block_on(async move {
                    let started = async {
                        let store = oversight_store::open(&url, true)
                            .await
                            .map_err(|e| format!("open {url}: {e}"))?;
                        let config = AppConfig { log_signer: Some(test_signer()), ..AppConfig::default() };
                        let app = App::open_with(store, options.clock, config)
                            .await
                            .map_err(|e| format!("App::open over {url}: {e}"))?;
                        if options.demo {
                            demo::load(&app).await.map_err(|e| format!("loading the demo dataset: {e}"))?;
                        }
                        if let Some(every) = options.follow_every {
                            app.spawn_follower(every);
                        }
                        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                            .await
                            .map_err(|e| format!("bind 127.0.0.1:0: {e}"))?;
                        let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
                        Ok::<_, String>((base, app, listener))
                    };
                    let (base, app, listener) = match started.await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let public_url = match options.public_url.as_deref().map(oversight_web::PublicUrl::parse)
                    {
                        Some(Ok(u)) => Some(u),
                        Some(Err(e)) => {
                            let _ = ready_tx.send(Err(format!("public URL: {e}")));
                            return;
                        }
                        None => None,
                    };
                    let config =
                        oversight_web::WebConfig { secure_cookies: false, public_url, authority_name: None };
                    let router = oversight_web::router_with(app.clone(), config);
                    let _ = ready_tx.send(Ok((base, app)));
                    // Not a graceful shutdown: a request the server is stuck on must not keep it up.
                    tokio::select! {
                        r = oversight_web::serve(listener, router, std::future::pending()) => {
                            if let Err(e) = r {
                                eprintln!("test server stopped: {e}");
                            }
                        }
                        _ = shutdown_rx => {}
                    }
                });
                // Threads stuck in a deadlock are left behind rather than waited for.
                rt.shutdown_timeout(Duration::from_secs(2));
            })
            .expect("spawn the server thread");
        match ready_rx.await {
            Ok(Ok((base, app))) => {
                TestServer { base, app, db, shutdown: Some(shutdown_tx), thread: Some(thread) }
            }
            Ok(Err(e)) => panic!("the test server did not start: {e}"),
            Err(_) => panic!("the test server's thread died while starting"),
        }
    }

    /// A user who is not logged in.
    pub fn anonymous(&self) -> User {
        User::anonymous(&self.base)
    }

    /// Logs in as a demo user (password [`crate::PASSWORD`]); panics unless the server answers 200
    /// with a session cookie that is `HttpOnly` and `SameSite=Strict`.
    pub async fn login(&self, email: &str) -> User {
        self.login_with(email, crate::PASSWORD).await
    }

    pub async fn login_with(&self, email: &str, password: &str) -> User {
        match self.anonymous().sign_in_with_headers(email, password).await {
            Ok((user, headers)) => {
                let cookie = headers.get("set-cookie").expect("a session cookie").to_str().unwrap();
                assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
                user
            }
            Err(reply) => panic!("login {email}: {reply:?}"),
        }
    }

    /// Number of events stored: a refused request must not change it.
    pub async fn events(&self) -> u64 {
        let mut n = 0;
        let mut after = 0;
        loop {
            let batch = self.app.store().read_all(after, 10_000).await.expect("read the event log");
            let Some(last) = batch.last() else { return n };
            after = last.seq;
            n += batch.len() as u64;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
