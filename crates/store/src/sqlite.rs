//! The SQLite backend: one file, WAL journal, full synchronous commits (an acknowledged append
//! survives a crash or power loss), migrations embedded in the binary.
//!
//! Appends are group-committed: concurrent appends queue to one writer task that commits all that
//! are waiting in one transaction, so many writers share one fsync (see [`group_committer`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Acquire, Row, SqlitePool};
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

use crate::log::{self, StoredCheckpoint};
use crate::{
    EventStore, Expect, NewEvent, NewSnapshot, Result, SnapshotInfo, StoreError, StoredEvent, ThrottleCount,
    check_append_args, checked_snapshot_body, sha256_hex, throttle_count,
};

/// One reservation under a throttle key: a new window, or one more attempt in the current one.
const UPSERT: &str = "INSERT INTO login_throttle (key, window_start, attempts) VALUES (?1, ?2, 1) \
     ON CONFLICT (key) DO UPDATE SET \
       attempts = CASE WHEN login_throttle.window_start <= ?3 THEN 1 ELSE login_throttle.attempts + 1 END, \
       window_start = CASE WHEN login_throttle.window_start <= ?3 THEN ?2 ELSE login_throttle.window_start END \
     RETURNING attempts, window_start";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Event store in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// SQLite allows one writer at a time; serialising writes here avoids busy-retry storms.
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Appends go to the group committer (see [`group_committer`]), which stops when the last
    /// clone of the store is dropped.
    appends: mpsc::UnboundedSender<PendingAppend>,
}

impl std::fmt::Debug for PendingAppend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAppend").field("stream", &self.stream).finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://PATH` or `sqlite::memory:`).
    /// A new database file is created readable and writable by its owner only (mode 0600 on
    /// Unix); SQLite gives its write-ahead log and shared-memory files the same mode.
    pub async fn open(url: &str, migrate: bool) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?;
        if !url.contains("mode=memory") && !url.contains("mode=ro") {
            create_private(options.get_filename())?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        let write_lock = std::sync::Arc::new(tokio::sync::Mutex::new(()));
        let (appends, queue) = mpsc::unbounded_channel();
        tokio::spawn(group_committer(pool.clone(), write_lock.clone(), queue));
        let store = SqliteStore { pool, write_lock, appends };
        if migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Appends many streams' events in one transaction (bulk loading, e.g. the history generator):
    /// each append is checked and stored exactly as [`EventStore::append_published`] would (its
    /// own savepoint and optimistic-concurrency check), and the first one refused rolls back
    /// everything and is returned. Only the commit of the whole batch is shared: one fsync.
    /// Returns the sequence number of the last event stored.
    pub async fn append_batch(&self, appends: Vec<BulkAppend>) -> Result<u64> {
        let mut pending = Vec::with_capacity(appends.len());
        for a in appends {
            check_append_args(&a.stream, &a.events, &a.leaves)?;
            let (answer, _) = oneshot::channel();
            pending.push(PendingAppend {
                stream: a.stream,
                expected: a.expected,
                events: a.events,
                leaves: a.leaves,
                expect: Vec::new(),
                answer,
            });
        }
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        let mut last = 0;
        for a in &pending {
            let stored = append_in(&mut tx, a).await?;
            last = stored.last().map_or(last, |e| e.seq);
        }
        tx.commit().await?;
        Ok(last)
    }

    /// The underlying pool, for modules of this crate that add tables.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Creates the database file, empty (which SQLite reads as an empty database), with owner-only
/// permissions, unless it exists or the database lives in memory.
fn create_private(path: &std::path::Path) -> Result<()> {
    let name = path.to_string_lossy();
    if name.is_empty() || name == ":memory:" || name.starts_with("file:") || path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process created it meanwhile: open what is there.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Database(format!("creating the database file {}: {e}", path.display()))),
    }
}

async fn read_hashes(conn: &mut sqlx::SqliteConnection, runs: &[(u32, u64, u64)]) -> Result<Vec<[u8; 32]>> {
    let mut out = Vec::new();
    for &(level, first, count) in runs {
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT hash FROM log_hashes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
        )
        .bind(level as i64)
        .bind(first as i64)
        .bind((first + count) as i64)
        .fetch_all(&mut *conn)
        .await?;
        if rows.len() as u64 != count {
            return Err(StoreError::Corrupt(format!("log hashes missing at level {level} from {first}")));
        }
        for r in rows {
            out.push(log::to_hash(&r)?);
        }
    }
    Ok(out)
}

fn row_to_event(row: &sqlx::sqlite::SqliteRow) -> Result<StoredEvent> {
    let payload: String = row.try_get("payload")?;
    let recorded_at: String = row.try_get("recorded_at")?;
    Ok(StoredEvent {
        seq: row.try_get::<i64, _>("seq")? as u64,
        stream_id: row.try_get("stream_id")?,
        version: row.try_get::<i64, _>("version")? as u64,
        kind: row.try_get("kind")?,
        payload: serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt(format!("payload: {e}")))?,
        actor: row.try_get("actor")?,
        recorded_at: DateTime::parse_from_rfc3339(&recorded_at)
            .map_err(|e| StoreError::Corrupt(format!("recorded_at: {e}")))?
            .with_timezone(&Utc),
    })
}

/// One append of a [`SqliteStore::append_batch`].
#[derive(Debug, Clone)]
pub struct BulkAppend {
    pub stream: String,
    /// The stream's version before these events (0: a new stream).
    pub expected: u64,
    pub events: Vec<NewEvent>,
    /// `(i, bytes)`: `bytes` published as the next log leaf by `events[i]`.
    pub leaves: Vec<(usize, Vec<u8>)>,
}

/// One append waiting for the group committer, and where its answer goes.
struct PendingAppend {
    stream: String,
    expected: u64,
    events: Vec<NewEvent>,
    leaves: Vec<(usize, Vec<u8>)>,
    expect: Vec<Expect>,
    answer: oneshot::Sender<Result<Vec<StoredEvent>>>,
}

/// The group committer: takes every append queued while the previous transaction was being
/// committed, and commits them in one transaction (one fsync). Each append runs in its own
/// savepoint with its own optimistic-concurrency checks, so one append's conflict (or error) rolls
/// back that append only. Answers are sent after the commit is durable; if the commit fails,
/// every append of the batch is answered with the error and nothing of it is stored.
async fn group_committer(
    pool: SqlitePool,
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    mut queue: mpsc::UnboundedReceiver<PendingAppend>,
) {
    let mut batch = Vec::new();
    while queue.recv_many(&mut batch, MAX_GROUP).await > 0 {
        let appends = std::mem::take(&mut batch);
        let _guard = write_lock.lock().await;
        match commit_group(&pool, &appends).await {
            Ok(answers) => {
                for (append, answer) in appends.into_iter().zip(answers) {
                    let _ = append.answer.send(answer);
                }
            }
            Err(e) => {
                let why = e.to_string();
                let unavailable = e.is_unavailable();
                for append in appends {
                    let _ = append.answer.send(Err(if unavailable {
                        StoreError::Unavailable(why.clone())
                    } else {
                        StoreError::Database(why.clone())
                    }));
                }
            }
        }
    }
}

/// Most appends committed in one transaction.
const MAX_GROUP: usize = 256;

/// One transaction for a group of appends, each in its own savepoint. `Err` when the transaction
/// itself failed (nothing stored); otherwise one answer per append, in order.
async fn commit_group(pool: &SqlitePool, appends: &[PendingAppend]) -> Result<Vec<Result<Vec<StoredEvent>>>> {
    let mut tx = pool.begin().await?;
    let mut answers = Vec::with_capacity(appends.len());
    for a in appends {
        let mut savepoint = tx.begin().await?;
        match append_in(&mut savepoint, a).await {
            Ok(stored) => {
                savepoint.commit().await?;
                answers.push(Ok(stored));
            }
            Err(e) => {
                savepoint.rollback().await?;
                answers.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok(answers)
}

async fn stream_version(conn: &mut sqlx::SqliteConnection, stream: &str) -> Result<u64> {
    let v: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = ?")
        .bind(stream)
        .fetch_one(conn)
        .await?;
    Ok(v as u64)
}

/// One append inside the group's transaction (it sees the appends committed before it in the
/// group): its concurrency checks, its events and its log leaves.
async fn append_in(conn: &mut sqlx::SqliteConnection, a: &PendingAppend) -> Result<Vec<StoredEvent>> {
    let actual = stream_version(conn, &a.stream).await?;
    if actual != a.expected {
        return Err(StoreError::Conflict { stream: a.stream.clone(), expected: a.expected, actual });
    }
    // Appends are serialised (one writer), so what is read here cannot change before commit.
    for e in &a.expect {
        let actual = stream_version(conn, &e.stream).await?;
        if actual != e.version {
            return Err(StoreError::Conflict { stream: e.stream.clone(), expected: e.version, actual });
        }
    }
    let mut stored = Vec::with_capacity(a.events.len());
    for (i, e) in a.events.iter().enumerate() {
        let version = a.expected + 1 + i as u64;
        let payload = serde_json::to_string(&e.payload).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let recorded_at = e.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO events (stream_id, version, kind, payload, actor, recorded_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
        )
        .bind(&a.stream)
        .bind(version as i64)
        .bind(&e.kind)
        .bind(&payload)
        .bind(&e.actor)
        .bind(&recorded_at)
        .fetch_one(&mut *conn)
        .await?;
        stored.push(StoredEvent {
            seq: seq as u64,
            stream_id: a.stream.clone(),
            version,
            kind: e.kind.clone(),
            payload: e.payload.clone(),
            actor: e.actor.clone(),
            // Round-trip through the stored text so the caller sees exactly what a reader will.
            recorded_at: DateTime::parse_from_rfc3339(&recorded_at)
                .expect("just formatted")
                .with_timezone(&Utc),
        });
    }
    if !a.leaves.is_empty() {
        let mut idx: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves")
            .fetch_one(&mut *conn)
            .await?;
        for (event, data) in &a.leaves {
            sqlx::query("INSERT INTO log_leaves (idx, data, event_seq) VALUES (?, ?, ?)")
                .bind(idx)
                .bind(data)
                .bind(stored[*event].seq as i64)
                .execute(&mut *conn)
                .await?;
            idx += 1;
        }
    }
    Ok(stored)
}

#[async_trait]
impl EventStore for SqliteStore {
    /// Queued to the group committer; answered once the transaction holding it is durable.
    async fn append_guarded(
        &self,
        stream: &str,
        expected_version: u64,
        events: &[NewEvent],
        leaves: &[(usize, Vec<u8>)],
        expect: &[Expect],
    ) -> Result<Vec<StoredEvent>> {
        check_append_args(stream, events, leaves)?;
        let (answer, answered) = oneshot::channel();
        let pending = PendingAppend {
            stream: stream.into(),
            expected: expected_version,
            events: events.to_vec(),
            leaves: leaves.to_vec(),
            expect: expect.to_vec(),
            answer,
        };
        let stopped = || StoreError::Unavailable("the database writer has stopped".into());
        self.appends.send(pending).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }

    async fn log_size(&self) -> Result<u64> {
        // Leaves are numbered 0.. without gaps: the largest index answers from the primary key,
        // where a count would read the whole table.
        let n: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    async fn log_leaves(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT data FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx")
            .bind(start as i64)
            .bind(end as i64)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn log_hashes(&self, runs: &[(u32, u64, u64)]) -> Result<Vec<[u8; 32]>> {
        let mut conn = self.pool.acquire().await?;
        read_hashes(&mut conn, runs).await
    }

    async fn integrate_log(
        &self,
        signer: &oversight_tlog::NoteSigner,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredCheckpoint>> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        let old: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(size), 0) FROM log_checkpoints")
            .fetch_one(&mut *tx)
            .await?;
        let leaves: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT data FROM log_leaves WHERE idx >= ? ORDER BY idx")
                .bind(old)
                .fetch_all(&mut *tx)
                .await?;
        if leaves.is_empty() {
            return Ok(None);
        }
        let peaks = read_hashes(&mut tx, &log::frontier_plan(old as u64).needed_runs()).await?;
        let (hashes, checkpoint) = log::extend(old as u64, &peaks, &leaves, signer, now)?;
        for h in &hashes {
            sqlx::query("INSERT INTO log_hashes (level, idx, hash) VALUES (?, ?, ?)")
                .bind(h.id.level as i64)
                .bind(h.id.index as i64)
                .bind(&h.hash[..])
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?)")
            .bind(checkpoint.size as i64)
            .bind(&checkpoint.root[..])
            .bind(&checkpoint.note)
            .bind(checkpoint.signed_at.to_rfc3339())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(checkpoint))
    }

    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let row =
            sqlx::query("SELECT size, root, note, signed_at FROM log_checkpoints ORDER BY size DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            let signed_at: String = r.try_get("signed_at")?;
            Ok(StoredCheckpoint {
                size: r.try_get::<i64, _>("size")? as u64,
                root: log::to_hash(&r.try_get::<Vec<u8>, _>("root")?)?,
                note: r.try_get("note")?,
                signed_at: DateTime::parse_from_rfc3339(&signed_at)
                    .map_err(|e| StoreError::Corrupt(format!("signed_at: {e}")))?
                    .with_timezone(&Utc),
            })
        })
        .transpose()
    }

    async fn read_stream(&self, stream: &str) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query("SELECT * FROM events WHERE stream_id = ? ORDER BY version")
            .bind(stream)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_to_event).collect()
    }

    async fn read_all(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after as i64)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_to_event).collect()
    }

    async fn put_blob(&self, content: &[u8], now: DateTime<Utc>) -> Result<String> {
        let sha = sha256_hex(content);
        let _guard = self.write_lock.lock().await;
        sqlx::query("INSERT OR IGNORE INTO blobs (sha256, content, size, created_at) VALUES (?, ?, ?, ?)")
            .bind(&sha)
            .bind(content)
            .bind(content.len() as i64)
            .bind(now.to_rfc3339())
            .execute(&self.pool)
            .await?;
        Ok(sha)
    }

    async fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT content FROM blobs WHERE sha256 = ?")
            .bind(sha256.to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn throttle_reserve(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window_secs: i64,
    ) -> Result<Vec<ThrottleCount>> {
        let (now, ended) = (now.timestamp(), now.timestamp().saturating_sub(window_secs));
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM login_throttle WHERE window_start <= ?")
            .bind(ended)
            .execute(&mut *tx)
            .await?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let (count, start): (i64, i64) =
                sqlx::query_as(UPSERT).bind(key).bind(now).bind(ended).fetch_one(&mut *tx).await?;
            out.push(throttle_count(count, start)?);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn throttle_release(&self, keys: &[String]) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        for key in keys {
            sqlx::query("UPDATE login_throttle SET attempts = attempts - 1 WHERE key = ? AND attempts > 0")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn save_snapshot(&self, snapshot: &NewSnapshot, keep: usize) -> Result<()> {
        let sha = sha256_hex(&snapshot.body);
        let _guard = self.write_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT OR REPLACE INTO snapshots (last_seq, format, anchor, body_sha256, size, created_at, body)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(snapshot.last_seq as i64)
        .bind(snapshot.format as i64)
        .bind(&snapshot.anchor)
        .bind(&sha)
        .bind(snapshot.body.len() as i64)
        .bind(snapshot.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .bind(&snapshot.body)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM snapshots WHERE last_seq NOT IN
               (SELECT last_seq FROM snapshots ORDER BY last_seq DESC LIMIT ?)",
        )
        .bind(keep.max(1) as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn snapshots(&self) -> Result<Vec<SnapshotInfo>> {
        let rows = sqlx::query(
            "SELECT last_seq, format, anchor, body_sha256, size, created_at FROM snapshots
             ORDER BY last_seq DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let created_at: String = r.try_get("created_at")?;
                Ok(SnapshotInfo {
                    last_seq: r.try_get::<i64, _>("last_seq")? as u64,
                    format: r.try_get::<i64, _>("format")? as u32,
                    anchor: r.try_get("anchor")?,
                    body_sha256: r.try_get("body_sha256")?,
                    size: r.try_get::<i64, _>("size")? as u64,
                    created_at: DateTime::parse_from_rfc3339(&created_at)
                        .map_err(|e| StoreError::Corrupt(format!("snapshot created_at: {e}")))?
                        .with_timezone(&Utc),
                })
            })
            .collect()
    }

    async fn snapshot_body(&self, last_seq: u64) -> Result<Option<Vec<u8>>> {
        let row: Option<(String, Vec<u8>)> =
            sqlx::query_as("SELECT body_sha256, body FROM snapshots WHERE last_seq = ?")
                .bind(last_seq as i64)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(sha, body)| checked_snapshot_body(last_seq, &sha, body)).transpose()
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
