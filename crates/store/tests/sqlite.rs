//! The SQLite backend against the shared conformance suite, plus SQLite-specific checks.

use oversight_store::{EventStore, conformance_tests, sqlite::SqliteStore};
use oversight_testkit::TestDb;
use std::sync::Arc;

async fn fresh() -> (Arc<dyn EventStore>, TestDb) {
    let db = TestDb::sqlite();
    (db.store().await, db)
}

conformance_tests!(fresh().await);

#[tokio::test]
async fn the_database_file_is_created_on_first_open_and_reopens_with_its_events() {
    let db = TestDb::sqlite();
    let path = db.dir().join("oversight.db");
    let url = db.url();
    assert!(!path.exists());
    let store = SqliteStore::open(url, true).await.unwrap();
    assert!(path.exists());
    let ev = oversight_store::NewEvent {
        kind: "k".into(),
        payload: serde_json::json!({}),
        actor: None,
        recorded_at: chrono::Utc::now(),
    };
    store.append("s", 0, &[ev]).await.unwrap();
    drop(store);
    let again = SqliteStore::open(url, true).await.unwrap();
    assert_eq!(again.read_stream("s").await.unwrap().len(), 1);
}

#[tokio::test]
async fn events_cannot_be_updated_or_deleted_through_sql() {
    let db = TestDb::sqlite();
    let raw = SqliteStore::open(db.url(), true).await.unwrap();
    let ev = oversight_store::NewEvent {
        kind: "k".into(),
        payload: serde_json::json!({"a": 1}),
        actor: None,
        recorded_at: chrono::Utc::now(),
    };
    raw.append("s", 0, &[ev]).await.unwrap();
    let upd = sqlx::query("UPDATE events SET kind = 'x'").execute(raw.pool()).await;
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = sqlx::query("DELETE FROM events").execute(raw.pool()).await;
    assert!(del.unwrap_err().to_string().contains("append-only"));
    assert_eq!(raw.read_stream("s").await.unwrap().len(), 1);
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_file_and_its_journal_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.db");
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::open(&url, true).await.unwrap();
    let ev = oversight_store::NewEvent {
        kind: "k".into(),
        payload: serde_json::json!({}),
        actor: None,
        recorded_at: chrono::Utc::now(),
    };
    store.append("s", 0, &[ev]).await.unwrap();
    let mut checked = 0;
    for name in ["private.db", "private.db-wal", "private.db-shm"] {
        let Ok(meta) = std::fs::metadata(dir.path().join(name)) else { continue };
        assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
        checked += 1;
    }
    assert!(checked >= 2, "the database and its write-ahead log exist");
}

#[tokio::test]
async fn a_snapshot_body_changed_in_the_database_is_refused_as_corrupt() {
    let db = TestDb::sqlite();
    let raw = SqliteStore::open(db.url(), true).await.unwrap();
    let snap = oversight_store::NewSnapshot {
        last_seq: 5,
        format: 1,
        anchor: "a".into(),
        created_at: chrono::Utc::now(),
        body: b"{\"last_seq\":5}".to_vec(),
    };
    raw.save_snapshot(&snap, 2).await.unwrap();
    assert_eq!(raw.snapshot_body(5).await.unwrap(), Some(snap.body.clone()));
    sqlx::query("UPDATE snapshots SET body = X'7b7d'").execute(raw.pool()).await.unwrap();
    let err = raw.snapshot_body(5).await.unwrap_err();
    assert!(matches!(err, oversight_store::StoreError::Corrupt(_)), "{err:?}");
}
