//! Fresh databases: a SQLite file in a temporary directory, or a PostgreSQL database of its own.

use crate::policy::{missing, pg_skipped_by_env};
use oversight_store::{EventStore, StoredEvent};
use sqlx::Connection;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The storage backends a test can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const ALL: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];
}

/// The PostgreSQL server tests create their databases on: `OVERSIGHT_TEST_PG`, by default
/// `postgres://postgres@127.0.0.1:5432/postgres` (trust authentication).
pub fn pg_admin_url() -> String {
    std::env::var("OVERSIGHT_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database made for one test, with a temporary directory for files beside it (the SQLite file,
/// signing keys, backups). A PostgreSQL database is dropped (`WITH (FORCE)`, closing whatever is
/// still connected) when this is dropped, also when the test fails.
pub struct TestDb {
    url: String,
    backend: Backend,
    /// `(admin URL, database name)` of a PostgreSQL database.
    pg: Option<(String, String)>,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb").field("url", &self.url).finish()
    }
}

fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDb {
    /// A fresh, empty database on `backend`. `None` only for PostgreSQL, after a loud `SKIPPED`
    /// line: when `OVERSIGHT_SKIP_PG=1`, or when the server is unreachable and this is not CI. On
    /// CI an unreachable server panics: the test fails.
    pub async fn fresh(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => Self::postgres().await,
        }
    }

    /// A fresh SQLite database file in a temporary directory (created on first open).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("oversight.db").display());
        TestDb { url, backend: Backend::Sqlite, pg: None, dir }
    }

    /// A fresh PostgreSQL database, or `None` after a loud skip (see [`TestDb::fresh`]).
    pub async fn postgres() -> Option<TestDb> {
        if pg_skipped_by_env() {
            // On CI a test that cannot run fails ([`missing`]); elsewhere it is a loud skip.
            missing("PostgreSQL test not run: OVERSIGHT_SKIP_PG=1");
            return None;
        }
        let admin_url = pg_admin_url();
        let connected =
            tokio::time::timeout(Duration::from_secs(10), sqlx::PgConnection::connect(&admin_url))
                .await
                .map_err(|_| "no answer within 10 s".to_string())
                .and_then(|r| r.map_err(|e| e.to_string()));
        let mut admin = match connected {
            Ok(c) => c,
            Err(e) => {
                missing(&format!(
                    "PostgreSQL at {admin_url} is unreachable ({e}); start it, point OVERSIGHT_TEST_PG at \
                     a server, or set OVERSIGHT_SKIP_PG=1"
                ));
                return None;
            }
        };
        let name = unique_name("oversight_test");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} on {admin_url}: {e}"));
        let _ = admin.close().await;
        let (base, _) = admin_url.rsplit_once('/').expect("OVERSIGHT_TEST_PG ends in /DATABASE");
        let url = format!("{base}/{name}");
        let dir = tempfile::tempdir().expect("a temporary directory");
        Some(TestDb { url, backend: Backend::Postgres, pg: Some((admin_url, name)), dir })
    }

    /// The database URL, as `oversight --db` takes it.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A temporary directory that lives as long as the database.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Opens a store over the database (running migrations).
    pub async fn store(&self) -> Arc<dyn EventStore> {
        oversight_store::open(&self.url, true).await.unwrap_or_else(|e| panic!("open {}: {e}", self.url))
    }

    /// The whole global event log, read through a store of its own (as another node would).
    pub async fn events(&self) -> Vec<StoredEvent> {
        let store = oversight_store::open(&self.url, false)
            .await
            .unwrap_or_else(|e| panic!("open {}: {e}", self.url));
        let mut all: Vec<StoredEvent> = Vec::new();
        loop {
            let batch = store.read_all(all.last().map_or(0, |e| e.seq), 10_000).await.unwrap();
            if batch.is_empty() {
                return all;
            }
            all.extend(batch);
        }
    }

    /// PostgreSQL only: closes every connection to this database (nodes must reconnect by
    /// themselves); returns how many were closed.
    pub async fn terminate_connections(&self) -> u64 {
        let (admin_url, name) = self.pg.as_ref().expect("terminate_connections needs PostgreSQL");
        let mut admin = sqlx::PgConnection::connect(admin_url).await.expect("connect to the admin database");
        let killed: i64 = sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(name)
        .fetch_one(&mut admin)
        .await
        .expect("pg_terminate_backend");
        let _ = admin.close().await;
        killed as u64
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.pg.take() else { return };
        // Drop may run inside or outside a runtime: use a small one on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut c = sqlx::PgConnection::connect(&admin_url).await.map_err(|e| e.to_string())?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c)
                    .await
                    .map_err(|e| format!("DROP DATABASE {name}: {e}"))?;
                Ok::<_, String>(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("warning: could not drop the test database: {e}\n").as_bytes(),
            );
        }
    }
}
