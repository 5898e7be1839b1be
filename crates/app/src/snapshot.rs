//! Snapshots of the read models (issue 16): a node starts from the newest valid snapshot and folds
//! only the events after it, instead of folding the whole log.
//!
//! A snapshot is [`Projections`] serialised with serde (JSON: self-describing, and it copes with the
//! tagged enums the read models hold), each capability's read model by its own types. It is stored
//! with the `seq` of the last event folded into it, [`SNAPSHOT_FORMAT`], and an anchor: a digest of
//! the stored event at that `seq`. On open a snapshot is used only if its format is this version's,
//! the event at its `seq` is still the one it was taken after, its body matches the SHA-256 the
//! store keeps with it, and it decodes to read models at that `seq`; any other is ignored with a log
//! line, and the node folds from an older one or from the start. A snapshot is never the record:
//! it can always be thrown away and rebuilt from the events.
//!
//! Snapshots are written in the background once the events folded since the last one exceed
//! [`AppConfig::snapshot_every_events`](crate::AppConfig), serialised under the read lock of the
//! read models (readers go on; folding new events waits, for as long as a log line reports), and
//! stored outside it. The two newest are kept.

use oversight_store::{NewSnapshot, SnapshotInfo, StoredEvent};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::{App, AppError, app::Result, projections::Projections};

/// The version of the snapshot body. Bump it whenever the shape of any read model changes (a field
/// added, renamed or retyped in any capability's projection): a snapshot of another version is
/// ignored and the read models are rebuilt from the log.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// Events folded since the last snapshot before another is written, by default.
pub const DEFAULT_SNAPSHOT_EVERY_EVENTS: u64 = 100_000;

/// Snapshots kept: the newest, and one before it in case the newest cannot be read.
const SNAPSHOTS_KEPT: usize = 2;

/// What ties a snapshot to its log: a digest of the stored event at its `seq` (which stream, which
/// version, what and when). Another database, a log restored from another backup, or an event
/// changed since all give another anchor.
pub fn anchor(e: &StoredEvent) -> String {
    let text = format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n{}",
        e.seq,
        e.stream_id,
        e.version,
        e.kind,
        e.actor.as_deref().unwrap_or(""),
        e.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.payload,
    );
    oversight_store::sha256_hex(text.as_bytes())
}

impl App {
    /// Writes a snapshot of the read models as they are now, unless there is nothing to snapshot
    /// (an empty log) or the newest stored one is already at this `seq`. Returns what was stored.
    pub async fn write_snapshot(self: &Arc<Self>) -> Result<Option<SnapshotInfo>> {
        let _one = self.snapshot_lock.lock().await;
        let app = self.clone();
        let (last_seq, body, held) = tokio::task::spawn_blocking(move || {
            let p = app.read();
            let started = Instant::now();
            let body = serde_json::to_vec(&*p);
            (p.last_seq, body, started.elapsed())
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
        let body = body.map_err(|e| AppError::Internal(anyhow::anyhow!("serialising a snapshot: {e}")))?;
        if last_seq == 0 || self.snapshot_seq.load(Ordering::SeqCst) == last_seq {
            return Ok(None);
        }
        let at = self.store.read_all(last_seq - 1, 1).await?;
        let Some(event) = at.first().filter(|e| e.seq == last_seq) else {
            return Err(AppError::Internal(anyhow::anyhow!("event {last_seq} is not in the store")));
        };
        let started = Instant::now();
        let snapshot = NewSnapshot {
            last_seq,
            format: SNAPSHOT_FORMAT,
            anchor: anchor(event),
            created_at: self.now(),
            body,
        };
        self.store.save_snapshot(&snapshot, SNAPSHOTS_KEPT).await?;
        self.snapshot_seq.store(last_seq, Ordering::SeqCst);
        tracing::info!(
            "snapshot of the read models at event {last_seq}: {} bytes, serialised in {} ms under the read lock, stored in {} ms",
            snapshot.body.len(),
            held.as_millis(),
            started.elapsed().as_millis()
        );
        let info = self.store.snapshots().await?.into_iter().find(|s| s.last_seq == last_seq);
        Ok(info)
    }

    /// Loads the newest valid snapshot into the read models (before the first catch-up). Every
    /// snapshot that does not fit is logged and skipped; with none, the read models stay empty and
    /// are folded from the whole log.
    pub(crate) async fn restore_snapshot(&self) {
        let infos = match self.store.snapshots().await {
            Ok(infos) => infos,
            Err(e) => {
                tracing::warn!("reading the snapshots failed; rebuilding the read models from the log: {e}");
                return;
            }
        };
        for info in infos {
            let started = Instant::now();
            match self.snapshot_fits(&info).await {
                Ok(p) => {
                    self.write_projections(|now| *now = p);
                    self.snapshot_seq.store(info.last_seq, Ordering::SeqCst);
                    tracing::info!(
                        "read models restored from the snapshot at event {} ({} bytes) in {} ms",
                        info.last_seq,
                        info.size,
                        started.elapsed().as_millis()
                    );
                    return;
                }
                Err(why) => tracing::warn!(
                    "ignoring the snapshot at event {}: {why}; using an older one or the whole log",
                    info.last_seq
                ),
            }
        }
    }

    /// The read models of a snapshot, if it belongs to this version and this log.
    async fn snapshot_fits(&self, info: &SnapshotInfo) -> std::result::Result<Projections, String> {
        if info.format != SNAPSHOT_FORMAT {
            return Err(format!("its format {} is not this version's {SNAPSHOT_FORMAT}", info.format));
        }
        let at = self.store.read_all(info.last_seq.saturating_sub(1), 1).await.map_err(|e| e.to_string())?;
        match at.first() {
            Some(e) if e.seq == info.last_seq && anchor(e) == info.anchor => {}
            Some(e) if e.seq == info.last_seq => {
                return Err("the event at its sequence number is not the one it was taken after".into());
            }
            _ => return Err("the log has no event at its sequence number".into()),
        }
        let body = self
            .store
            .snapshot_body(info.last_seq)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("it was deleted meanwhile")?;
        let p: Projections = serde_json::from_slice(&body).map_err(|e| format!("it cannot be read: {e}"))?;
        drop(body);
        if p.last_seq != info.last_seq {
            return Err(format!("its read models are at event {}, not {}", p.last_seq, info.last_seq));
        }
        let leaves = self.store.log_size().await.map_err(|e| e.to_string())?;
        if p.register.leaf_count() > leaves {
            return Err(format!("its register has {} records, the log {leaves}", p.register.leaf_count()));
        }
        Ok(p)
    }

    /// Wakes the snapshot writer when the events folded since the last snapshot reach the
    /// configured number.
    pub(crate) fn snapshot_if_due(&self, last_seq: u64) {
        let every = self.snapshot_every;
        if every > 0 && last_seq.saturating_sub(self.snapshot_seq.load(Ordering::SeqCst)) >= every {
            self.snapshot_wanted.notify_one();
        }
    }

    /// The background snapshot writer (see the module's documentation). Stops when the app is
    /// dropped.
    pub(crate) fn spawn_snapshotter(self: &Arc<Self>) {
        let app = Arc::downgrade(self);
        let wanted = self.snapshot_wanted.clone();
        tokio::spawn(async move {
            loop {
                wanted.notified().await;
                let Some(app) = app.upgrade() else { return };
                if let Err(e) = app.write_snapshot().await {
                    tracing::warn!("writing a snapshot of the read models failed (will retry later): {e}");
                }
            }
        });
    }

    /// The `seq` of the newest snapshot this node wrote or started from (0: none).
    pub fn snapshot_seq(&self) -> u64 {
        self.snapshot_seq.load(Ordering::SeqCst)
    }

    /// Whether this node's read models equal another's, field by field (tests: a restored snapshot
    /// against a rebuild from the log).
    #[doc(hidden)]
    pub fn read_models_equal(&self, other: &App) -> bool {
        *self.read() == *other.read()
    }
}
