//! The PostgreSQL backend, for several `oversight serve` nodes sharing one database.
//!
//! Global sequence numbers are assigned under a transaction-scoped advisory lock, so they are
//! gap-free and commit in order: a node that tails `seq > N` never skips an event that commits
//! later with a smaller number. Each append sends `NOTIFY oversight_events`, which every node
//! listens for ([`EventStore::listen`]) to catch up at once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

use crate::log::{self, StoredCheckpoint};
use crate::{
    EventStore, Expect, NewEvent, NewSnapshot, Result, SnapshotInfo, StoreError, StoredEvent, ThrottleCount,
    check_append_args, checked_snapshot_body, sha256_hex, throttle_count,
};

/// One reservation under a throttle key: a new window, or one more attempt in the current one.
const UPSERT: &str = "INSERT INTO login_throttle (key, window_start, attempts) VALUES ($1, $2, 1) \
     ON CONFLICT (key) DO UPDATE SET \
       attempts = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.attempts + 1 END, \
       window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END \
     RETURNING attempts, window_start";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The advisory-lock key that serialises appends (any constant unique to Oversight).
const APPEND_LOCK: i64 = 0x4f76_6572_7369_6768; // "Oversigh"

/// The advisory-lock key that makes one node at a time the log's sequencer.
const LOG_LOCK: i64 = 0x4f76_6572_4c6f_6731; // "OverLog1"

/// The channel on which appends are announced.
pub const NOTIFY_CHANNEL: &str = "oversight_events";

/// Event store in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn open(url: &str, migrate: bool) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        let store = PostgresStore { pool };
        if migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

async fn read_hashes(conn: &mut sqlx::PgConnection, runs: &[(u32, u64, u64)]) -> Result<Vec<[u8; 32]>> {
    let mut out = Vec::new();
    for &(level, first, count) in runs {
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT hash FROM log_hashes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
        )
        .bind(level as i32)
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

fn row_to_event(row: &sqlx::postgres::PgRow) -> Result<StoredEvent> {
    Ok(StoredEvent {
        seq: row.try_get::<i64, _>("seq")? as u64,
        stream_id: row.try_get("stream_id")?,
        version: row.try_get::<i64, _>("version")? as u64,
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        actor: row.try_get("actor")?,
        recorded_at: row.try_get("recorded_at")?,
    })
}

#[async_trait]
impl EventStore for PostgresStore {
    async fn append_guarded(
        &self,
        stream: &str,
        expected_version: u64,
        events: &[NewEvent],
        leaves: &[(usize, Vec<u8>)],
        expect: &[Expect],
    ) -> Result<Vec<StoredEvent>> {
        check_append_args(stream, events, leaves)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(APPEND_LOCK).execute(&mut *tx).await?;
        let actual: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = $1")
                .bind(stream)
                .fetch_one(&mut *tx)
                .await?;
        if actual as u64 != expected_version {
            return Err(StoreError::Conflict {
                stream: stream.into(),
                expected: expected_version,
                actual: actual as u64,
            });
        }
        // Appends are serialised (one writer), so what is read here cannot change before commit.
        for e in expect {
            let actual: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream_id = $1")
                    .bind(&e.stream)
                    .fetch_one(&mut *tx)
                    .await?;
            if actual as u64 != e.version {
                return Err(StoreError::Conflict {
                    stream: e.stream.clone(),
                    expected: e.version,
                    actual: actual as u64,
                });
            }
        }
        let mut seq: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events").fetch_one(&mut *tx).await?;
        let mut stored = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            seq += 1;
            let version = expected_version + 1 + i as u64;
            // Microsecond precision, as stored.
            let recorded_at = DateTime::<Utc>::from_timestamp_micros(e.recorded_at.timestamp_micros())
                .ok_or_else(|| StoreError::Invalid("recorded_at out of range".into()))?;
            sqlx::query(
                "INSERT INTO events (seq, stream_id, version, kind, payload, actor, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(seq)
            .bind(stream)
            .bind(version as i64)
            .bind(&e.kind)
            .bind(&e.payload)
            .bind(&e.actor)
            .bind(recorded_at)
            .execute(&mut *tx)
            .await?;
            stored.push(StoredEvent {
                seq: seq as u64,
                stream_id: stream.into(),
                version,
                kind: e.kind.clone(),
                payload: e.payload.clone(),
                actor: e.actor.clone(),
                recorded_at,
            });
        }
        if !leaves.is_empty() {
            // Leaf indexes, like event sequence numbers, are assigned under the append lock.
            let mut idx: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves")
                .fetch_one(&mut *tx)
                .await?;
            for (event, data) in leaves {
                sqlx::query("INSERT INTO log_leaves (idx, data, event_seq) VALUES ($1, $2, $3)")
                    .bind(idx)
                    .bind(data)
                    .bind(stored[*event].seq as i64)
                    .execute(&mut *tx)
                    .await?;
                idx += 1;
            }
        }
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(NOTIFY_CHANNEL)
            .bind(seq.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn read_stream(&self, stream: &str) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query("SELECT * FROM events WHERE stream_id = $1 ORDER BY version")
            .bind(stream)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_to_event).collect()
    }

    async fn read_all(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query("SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after as i64)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_to_event).collect()
    }

    async fn put_blob(&self, content: &[u8], now: DateTime<Utc>) -> Result<String> {
        let sha = sha256_hex(content);
        sqlx::query(
            "INSERT INTO blobs (sha256, content, size, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha)
        .bind(content)
        .bind(content.len() as i64)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(sha)
    }

    async fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT content FROM blobs WHERE sha256 = $1")
            .bind(sha256.to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?)
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
        Ok(sqlx::query_scalar("SELECT data FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx")
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
        let mut tx = self.pool.begin().await?;
        // One sequencer per log, whatever the number of nodes.
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LOG_LOCK).execute(&mut *tx).await?;
        let old: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(size), 0) FROM log_checkpoints")
            .fetch_one(&mut *tx)
            .await?;
        let leaves: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT data FROM log_leaves WHERE idx >= $1 ORDER BY idx")
                .bind(old)
                .fetch_all(&mut *tx)
                .await?;
        if leaves.is_empty() {
            return Ok(None);
        }
        let peaks = read_hashes(&mut tx, &log::frontier_plan(old as u64).needed_runs()).await?;
        let (hashes, checkpoint) = log::extend(old as u64, &peaks, &leaves, signer, now)?;
        for h in &hashes {
            sqlx::query("INSERT INTO log_hashes (level, idx, hash) VALUES ($1, $2, $3)")
                .bind(h.id.level as i32)
                .bind(h.id.index as i64)
                .bind(&h.hash[..])
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO log_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4)")
            .bind(checkpoint.size as i64)
            .bind(&checkpoint.root[..])
            .bind(&checkpoint.note)
            .bind(checkpoint.signed_at)
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
            Ok(StoredCheckpoint {
                size: r.try_get::<i64, _>("size")? as u64,
                root: log::to_hash(&r.try_get::<Vec<u8>, _>("root")?)?,
                note: r.try_get("note")?,
                signed_at: r.try_get("signed_at")?,
            })
        })
        .transpose()
    }

    async fn throttle_reserve(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window_secs: i64,
    ) -> Result<Vec<ThrottleCount>> {
        let (now, ended) = (now.timestamp(), now.timestamp().saturating_sub(window_secs));
        // Forget ended windows, skipping rows another transaction holds (no deadlock with it).
        sqlx::query(
            "DELETE FROM login_throttle WHERE key IN (SELECT key FROM login_throttle \
             WHERE window_start <= $1 LIMIT 1000 FOR UPDATE SKIP LOCKED)",
        )
        .bind(ended)
        .execute(&self.pool)
        .await?;
        // Each upsert locks its row until the commit; keys come in the same order from every
        // caller (the account, then the address), so two reservations never wait on each other.
        let mut tx = self.pool.begin().await?;
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
        let mut tx = self.pool.begin().await?;
        for key in keys {
            sqlx::query("UPDATE login_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// `LISTEN oversight_events` on a connection of its own (sqlx's `PgListener`).
    async fn listen(&self, wake: std::sync::Arc<tokio::sync::Notify>) -> Result<()> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(NOTIFY_CHANNEL).await?;
        // Anything appended before the LISTEN took effect: catch up once now.
        wake.notify_one();
        loop {
            // After a lost connection `recv` reconnects (notifications meanwhile are lost, so wake
            // the follower to catch up by sequence number).
            let _notification = listener.try_recv().await?;
            wake.notify_one();
        }
    }

    async fn save_snapshot(&self, snapshot: &NewSnapshot, keep: usize) -> Result<()> {
        let sha = sha256_hex(&snapshot.body);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO snapshots (last_seq, format, anchor, body_sha256, size, created_at, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (last_seq) DO UPDATE SET format = EXCLUDED.format, anchor = EXCLUDED.anchor,
               body_sha256 = EXCLUDED.body_sha256, size = EXCLUDED.size,
               created_at = EXCLUDED.created_at, body = EXCLUDED.body",
        )
        .bind(snapshot.last_seq as i64)
        .bind(snapshot.format as i32)
        .bind(&snapshot.anchor)
        .bind(&sha)
        .bind(snapshot.body.len() as i64)
        .bind(snapshot.created_at)
        .bind(&snapshot.body)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM snapshots WHERE last_seq NOT IN
               (SELECT last_seq FROM snapshots ORDER BY last_seq DESC LIMIT $1)",
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
                Ok(SnapshotInfo {
                    last_seq: r.try_get::<i64, _>("last_seq")? as u64,
                    format: r.try_get::<i32, _>("format")? as u32,
                    anchor: r.try_get("anchor")?,
                    body_sha256: r.try_get("body_sha256")?,
                    size: r.try_get::<i64, _>("size")? as u64,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn snapshot_body(&self, last_seq: u64) -> Result<Option<Vec<u8>>> {
        let row: Option<(String, Vec<u8>)> =
            sqlx::query_as("SELECT body_sha256, body FROM snapshots WHERE last_seq = $1")
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
        "postgres"
    }
}
