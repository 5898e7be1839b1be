//! The PostgreSQL backend against the shared conformance suite. Each test gets a database of its
//! own from the test kit (`OVERSIGHT_TEST_PG`, default `postgres://postgres@127.0.0.1:5432/postgres`),
//! dropped afterwards. `OVERSIGHT_SKIP_PG=1` skips them loudly; on CI an unreachable server fails them.

use oversight_store::{EventStore, conformance_tests};
use oversight_testkit::TestDb;
use std::sync::Arc;

/// A store over a fresh database, and the database's guard; `None` when PostgreSQL is skipped.
async fn fresh() -> Option<(Arc<dyn EventStore>, TestDb)> {
    let db = TestDb::postgres().await?;
    Some((db.store().await, db))
}

conformance_tests!(match fresh().await {
    Some(store_and_guard) => store_and_guard,
    None => return,
});
