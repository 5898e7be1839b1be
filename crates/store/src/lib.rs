//! Oversight's storage: an append-only event store and a content-addressed blob store.
//!
//! Responsible for: persisting events with optimistic concurrency per stream, handing them back in
//! stream order and in global order (for projections), and keeping uploaded files. Every backend
//! (SQLite by default, PostgreSQL for several nodes) implements [`EventStore`] and must pass the
//! shared [`conformance`] suite.
//!
//! Must not depend on: the domain, the app or the web layer. Payloads are opaque JSON here.
//!
//! Start reading at [`EventStore`], then [`sqlite::SqliteStore`].

#![forbid(unsafe_code)]

pub mod conformance;
pub mod log;
pub mod postgres;
pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

/// An event to append. `recorded_at` comes from the caller's clock, so the store stays deterministic.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: String,
    pub payload: serde_json::Value,
    pub actor: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    /// Global sequence number: strictly increasing across all streams, in commit order.
    pub seq: u64,
    pub stream_id: String,
    /// 1-based position within the stream.
    pub version: u64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub actor: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// A snapshot of the read models to store: opaque bytes here (the app serialises its projections
/// and says what format they are in).
#[derive(Debug, Clone, PartialEq)]
pub struct NewSnapshot {
    /// The global sequence number of the last event folded into it.
    pub last_seq: u64,
    /// The app's serialisation version: a snapshot of another format is ignored.
    pub format: u32,
    /// What tells the snapshot still belongs to this log (the app's choice: a digest of the event
    /// at `last_seq`).
    pub anchor: String,
    pub created_at: DateTime<Utc>,
    pub body: Vec<u8>,
}

/// A stored snapshot, without its body (see [`EventStore::snapshot_body`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotInfo {
    pub last_seq: u64,
    pub format: u32,
    pub anchor: String,
    /// SHA-256 (hex) of the body, computed by the store when it was saved.
    pub body_sha256: String,
    /// The body's length in bytes.
    pub size: u64,
    pub created_at: DateTime<Utc>,
}

/// Errors a store reports.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else appended to the stream first (optimistic concurrency).
    #[error("conflict on stream {stream}: expected version {expected}, found {actual}")]
    Conflict { stream: String, expected: u64, actual: u64 },
    /// The database cannot be reached or refused the operation.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// Any other database failure, as the driver described it.
    #[error("database error: {0}")]
    Database(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the error means "the database is not there right now" (the web layer answers 503).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// The driver's errors stay inside this crate: callers see what kind of failure it was, in words.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        let unavailable = match &e {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => true,
            // PostgreSQL: connection exceptions (class 08), operator intervention such as a
            // terminated connection or a shutting-down server (class 57), and a database that
            // does not accept connections (55000).
            sqlx::Error::Database(db) => {
                db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57") || c == "55000")
            }
            _ => false,
        };
        if unavailable { StoreError::Unavailable(e.to_string()) } else { StoreError::Database(e.to_string()) }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Migration(e.to_string())
    }
}

/// A stream an append depends on: the append is refused with [`StoreError::Conflict`] unless the
/// stream is still at `version` when the append commits. This is how a gate read from another
/// stream (screening alerts, the assessment) takes part in the write's optimistic-concurrency check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub stream: String,
    pub version: u64,
}

/// A sign-in throttle key's count in its current window (see [`EventStore::throttle_reserve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleCount {
    pub count: u64,
    pub window_start: DateTime<Utc>,
}

pub(crate) fn throttle_count(count: i64, window_start: i64) -> Result<ThrottleCount> {
    Ok(ThrottleCount {
        count: count.max(0) as u64,
        window_start: DateTime::from_timestamp(window_start, 0)
            .ok_or_else(|| StoreError::Corrupt(format!("throttle window start {window_start}")))?,
    })
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The storage interface. Small on purpose: everything else is a projection of the events.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `events` to `stream` if its current version is `expected_version` (0 = new stream),
    /// atomically: all or nothing. Returns the stored events with their sequence numbers.
    async fn append(
        &self,
        stream: &str,
        expected_version: u64,
        events: &[NewEvent],
    ) -> Result<Vec<StoredEvent>> {
        self.append_published(stream, expected_version, events, &[]).await
    }

    /// As [`append`](Self::append), and in the same transaction appends `leaves` to the
    /// transparency log: `(i, bytes)` publishes `bytes` as the next leaf, recorded as published by
    /// `events[i]`. Either the events and their leaves are all stored, or nothing is.
    async fn append_published(
        &self,
        stream: &str,
        expected_version: u64,
        events: &[NewEvent],
        leaves: &[(usize, Vec<u8>)],
    ) -> Result<Vec<StoredEvent>> {
        self.append_guarded(stream, expected_version, events, leaves, &[]).await
    }

    /// As [`append_published`](Self::append_published), and refused with a conflict (nothing stored)
    /// unless every stream in `expect` is still at its version when the transaction commits.
    async fn append_guarded(
        &self,
        stream: &str,
        expected_version: u64,
        events: &[NewEvent],
        leaves: &[(usize, Vec<u8>)],
        expect: &[Expect],
    ) -> Result<Vec<StoredEvent>>;

    /// The whole stream in version order (empty if it does not exist).
    async fn read_stream(&self, stream: &str) -> Result<Vec<StoredEvent>>;

    /// Up to `limit` events with `seq > after`, in sequence order.
    async fn read_all(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>>;

    /// Stores bytes under their SHA-256 (hex); storing the same bytes twice is a no-op.
    async fn put_blob(&self, content: &[u8], now: DateTime<Utc>) -> Result<String>;

    /// The bytes stored under a SHA-256, if any.
    async fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>>;

    /// Number of leaves in the transparency log (published, whether or not yet in a checkpoint).
    async fn log_size(&self) -> Result<u64>;

    /// Leaf bytes `[start, end)` of the transparency log.
    async fn log_leaves(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>>;

    /// Stored tree hashes for runs of `(level, first index, count)`, concatenated in order
    /// (see `oversight_tlog::HashPlan::needed_runs`). A missing hash is `Corrupt`.
    async fn log_hashes(&self, runs: &[(u32, u64, u64)]) -> Result<Vec<[u8; 32]>>;

    /// Hashes the leaves appended since the last checkpoint into the tree and signs a checkpoint
    /// for the new size dated `now`, in one transaction under the log's lock, so that however many
    /// nodes call it there is one tree and never two inconsistent checkpoints. `None` if nothing
    /// was new.
    async fn integrate_log(
        &self,
        signer: &oversight_tlog::NoteSigner,
        now: DateTime<Utc>,
    ) -> Result<Option<log::StoredCheckpoint>>;

    /// The newest signed checkpoint, if any.
    async fn latest_checkpoint(&self) -> Result<Option<log::StoredCheckpoint>>;

    /// Reserves one sign-in attempt under each of `keys`, in one transaction (the sign-in
    /// throttle, `oversight_domain::credentials`; counters, not events, shared by every node of the
    /// database). For each key, atomically: when it has no window, or its window started at or
    /// before `now - window_secs`, a new window starts at `now` with a count of 1; otherwise its
    /// count goes up by one. Returns each key's count (this attempt included) and window start, in
    /// the order of `keys`. Keys whose window has ended are forgotten meanwhile, so the table holds
    /// only the current window's keys. Parallel reservations never see the same count.
    async fn throttle_reserve(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window_secs: i64,
    ) -> Result<Vec<ThrottleCount>>;

    /// Gives back one reservation under each of `keys` (an attempt that succeeded): each count goes
    /// down by one, never below zero.
    async fn throttle_release(&self, keys: &[String]) -> Result<()>;

    /// Stores a snapshot of the read models (replacing one at the same `last_seq`) and deletes all
    /// but the `keep` newest by `last_seq` (which need not include the one just saved, if newer
    /// ones are stored). The store computes and
    /// keeps the body's SHA-256.
    async fn save_snapshot(&self, snapshot: &NewSnapshot, keep: usize) -> Result<()>;

    /// The stored snapshots, newest (`last_seq`) first, without their bodies.
    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>>;

    /// The body of the snapshot at `last_seq`; `None` if there is none. A body that does not match
    /// the SHA-256 stored with it is [`StoreError::Corrupt`].
    async fn snapshot_body(&self, last_seq: u64) -> Result<Option<Vec<u8>>>;

    /// Succeeds when the database can serve requests.
    async fn ping(&self) -> Result<()>;

    /// Wakes `wake` whenever any node appends (and once when listening starts), for as long as the
    /// connection lasts; returns `Err` when it is lost. Backends without notifications return
    /// `Ok(())` at once, and their followers only poll. A notification is a hint to catch up
    /// now, never the only way to learn of an event: followers also poll.
    async fn listen(&self, wake: Arc<tokio::sync::Notify>) -> Result<()> {
        let _ = wake;
        Ok(())
    }

    /// A short name for logs ("sqlite", "postgres").
    fn backend(&self) -> &'static str;
}

/// Opens the store named by a URL: `sqlite://PATH` (created if missing) or `postgres://…`.
/// Runs pending migrations when `migrate` is true.
pub async fn open(url: &str, migrate: bool) -> Result<Arc<dyn EventStore>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url, migrate).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PostgresStore::open(url, migrate).await?))
    } else {
        Err(StoreError::Invalid(format!(
            "unsupported database URL {url:?}: use sqlite://PATH or postgres://..."
        )))
    }
}

/// Checks a snapshot body read back against the SHA-256 stored with it.
pub(crate) fn checked_snapshot_body(last_seq: u64, sha256: &str, body: Vec<u8>) -> Result<Vec<u8>> {
    if sha256_hex(&body) != sha256 {
        return Err(StoreError::Corrupt(format!("the snapshot at {last_seq} does not match its SHA-256")));
    }
    Ok(body)
}

/// SHA-256 of bytes, hex-encoded: the blob address.
pub fn sha256_hex(content: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(content))
}

pub(crate) fn check_append_args(
    stream: &str,
    events: &[NewEvent],
    leaves: &[(usize, Vec<u8>)],
) -> Result<()> {
    if leaves.iter().any(|(i, _)| *i >= events.len()) {
        return Err(StoreError::Invalid("a log leaf refers to an event that is not appended".into()));
    }
    if stream.is_empty() || stream.len() > 200 {
        return Err(StoreError::Invalid("stream id must be 1 to 200 characters".into()));
    }
    if events.is_empty() {
        return Err(StoreError::Invalid("nothing to append".into()));
    }
    Ok(())
}
