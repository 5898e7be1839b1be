//! The PostgreSQL backend against the shared conformance suite. Each test creates its own database
//! on the server named by `OVERSIGHT_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and drops it afterwards. Set `OVERSIGHT_SKIP_PG=1` to skip when no server is available.

use oversight_store::{EventStore, conformance_tests, postgres::PostgresStore};
use sqlx::{Connection, PgConnection};
use std::sync::Arc;

/// Drops the per-test database when the test ends.
struct DropDb {
    admin_url: String,
    name: String,
}

impl Drop for DropDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside the test's runtime: use a small one of its own.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join()
        .ok();
    }
}

async fn fresh() -> (Arc<dyn EventStore>, Option<DropDb>) {
    let admin_url = std::env::var("OVERSIGHT_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("oversight_test_{}", uuid_like());
    let mut admin = PgConnection::connect(&admin_url).await.expect("PostgreSQL test server reachable");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("bad OVERSIGHT_TEST_PG"),
    };
    let store = PostgresStore::open(&url, true).await.unwrap();
    (Arc::new(store), Some(DropDb { admin_url, name }))
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{}_{}", std::process::id(), nanos % 1_000_000_000, N.fetch_add(1, Ordering::Relaxed))
}

conformance_tests!(fresh().await);
