//! [`App`]: the facade the web and CLI call, and what every capability shares — the store, the
//! clock and random source, the read models and how they follow the log, and the one way to write
//! with optimistic concurrency.
//!
//! The use cases themselves live in the capability modules (`cases`, `accounts`, `screening`,
//! `lists`, `assessment`, `evidence`, `register`), each an `impl App` block over its own events and
//! its own part of [`Projections`].

use chrono::{DateTime, Utc};
use oversight_domain::register::PublicationPolicy;
use oversight_store::{EventStore, Expect, NewEvent, StoreError, StoredEvent};
use parking_lot::{RwLock, RwLockReadGuard};
use std::future::Future;
use std::sync::{Arc, OnceLock};

use crate::{
    clock::{Clock, Entropy, OsEntropy, uuid_v7},
    error::AppError,
    projections::Projections,
};

pub(crate) type Result<T, E = AppError> = std::result::Result<T, E>;

/// How many times a write is re-decided after another writer got there first.
const WRITE_ATTEMPTS: usize = 8;

/// How often, at most, the checkpoint sequencer signs a checkpoint by default.
pub const DEFAULT_CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// How long a request that needs a checkpoint covering a record waits for it, beyond the
/// sequencer's interval, before it is answered with the checkpoint there is.
const CHECKPOINT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The platform's use cases over one store.
pub struct App {
    pub(crate) store: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    /// Every read model (parking_lot: a panic never poisons it).
    projections: RwLock<Projections>,
    /// Serialises catch-up so events are folded exactly once, in order.
    catch_up_lock: tokio::sync::Mutex<()>,
    /// Set when an event cannot be read: the node stops serving (see [`App::halted`]).
    halted: OnceLock<String>,
    halt_notify: tokio::sync::Notify,
    /// The authority's key for signing log checkpoints.
    pub(crate) log_signer: oversight_tlog::NoteSigner,
    /// Wakes the checkpoint sequencer: something was published (see [`App::spawn_sequencer`]).
    pub(crate) checkpoint_wanted: Arc<tokio::sync::Notify>,
    /// The size of the newest checkpoint this node has seen signed (sent after every signing run).
    pub(crate) checkpoint_signed: tokio::sync::watch::Sender<u64>,
    /// At most one checkpoint per this interval.
    pub(crate) checkpoint_interval: std::time::Duration,
    pub(crate) publication: PublicationPolicy,
    /// The working-day targets cases are measured against.
    pub(crate) clock_targets: oversight_domain::clock::ClockTargets,
    /// How long sessions and tokens live, and the sign-in throttle's limits.
    pub(crate) accounts_policy: crate::accounts::AccountsPolicy,
    /// Password hashes computed at once (one per core: each takes about 19 MiB), and how many
    /// sign-ins wait for a slot (the accounts capability's bound on memory).
    pub(crate) hash_slots: tokio::sync::Semaphore,
    pub(crate) hash_waiting: std::sync::atomic::AtomicUsize,
    /// The screening index over the current list releases (the lists capability's cache).
    pub(crate) index_cache: tokio::sync::Mutex<Option<Arc<crate::lists::Built>>>,
    /// Events folded between snapshots of the read models (0: none are written).
    pub(crate) snapshot_every: u64,
    /// The `seq` of the newest snapshot this node wrote or started from.
    pub(crate) snapshot_seq: std::sync::atomic::AtomicU64,
    /// Wakes the snapshot writer ([`App::spawn_snapshotter`]).
    pub(crate) snapshot_wanted: Arc<tokio::sync::Notify>,
    /// One snapshot written at a time.
    pub(crate) snapshot_lock: tokio::sync::Mutex<()>,
    /// Days an obligation may stay overdue or rejected before it goes to a licence review.
    pub(crate) grace_days: u32,
    /// Calendar days after an act within which it may be appealed.
    pub(crate) appeal_window_days: u32,
    /// When an exporter's applications go to senior review (enforcement).
    pub(crate) repeat_policy: oversight_domain::enforcement::RepeatPolicy,
    /// Calendar days a proposed change of rule is open for comment.
    pub(crate) comment_period_days: u32,
    /// Installations and operating tokens: the token key, leases, witnesses ([`crate::tokens`]).
    pub(crate) tokens: crate::tokens::Tokens,
}

/// How an app is set up beyond its store and clock.
#[derive(Default)]
pub struct AppConfig {
    /// The checkpoint signing key; `None` makes a fresh one (tests, throw-away demos only).
    pub log_signer: Option<oversight_tlog::NoteSigner>,
    pub publication: PublicationPolicy,
    /// The working-day targets of the case clock (defaults: 20 and 60 working days).
    pub clock_targets: oversight_domain::clock::ClockTargets,
    /// Where ids and secrets get their randomness; `None` is the operating system's.
    pub entropy: Option<Arc<dyn Entropy>>,
    /// Sessions, API tokens and the sign-in throttle.
    pub accounts: crate::accounts::AccountsPolicy,
    /// How often, at most, checkpoints are signed; `None` is [`DEFAULT_CHECKPOINT_INTERVAL`].
    pub checkpoint_interval: Option<std::time::Duration>,
    /// Events folded between snapshots of the read models ([`crate::snapshot`]); `None` is
    /// [`DEFAULT_SNAPSHOT_EVERY_EVENTS`](crate::snapshot::DEFAULT_SNAPSHOT_EVERY_EVENTS), `Some(0)`
    /// writes none (a node still starts from a stored one).
    pub snapshot_every_events: Option<u64>,
    /// Days an overdue or rejected obligation waits before a licence review proposes a
    /// suspension; `None` is [`DEFAULT_GRACE_DAYS`](crate::compliance::DEFAULT_GRACE_DAYS).
    pub obligation_grace_days: Option<u32>,
    /// Calendar days after an act within which it may be appealed; `None` is
    /// [`DEFAULT_WINDOW_DAYS`](oversight_domain::appeal::DEFAULT_WINDOW_DAYS).
    pub appeal_window_days: Option<u32>,
    /// When an exporter's applications go to senior review; `None` is the default (two findings
    /// of violation within three years).
    pub repeat_policy: Option<oversight_domain::enforcement::RepeatPolicy>,
    /// Calendar days a proposed change of rule is open for comment; `None` is
    /// [`DEFAULT_PERIOD_DAYS`](oversight_domain::rulemaking::DEFAULT_PERIOD_DAYS).
    pub comment_period_days: Option<u32>,
    /// The token-signing key, lease lengths and witnesses ([`crate::tokens`]).
    pub tokens: crate::tokens::TokensConfig,
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig").field("publication", &self.publication).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("backend", &self.store.backend()).finish_non_exhaustive()
    }
}

impl App {
    /// Opens the app over a store, rebuilding every projection from the event log.
    pub async fn open(store: Arc<dyn EventStore>, clock: Arc<dyn Clock>) -> Result<Arc<App>> {
        Self::open_with(store, clock, AppConfig::default()).await
    }

    /// Opens the app with an explicit configuration (signing key, publication policy, entropy).
    /// Refuses to open when an event of the log cannot be read.
    pub async fn open_with(
        store: Arc<dyn EventStore>,
        clock: Arc<dyn Clock>,
        config: AppConfig,
    ) -> Result<Arc<App>> {
        let entropy = config.entropy.unwrap_or_else(|| Arc::new(OsEntropy));
        let log_signer = match config.log_signer {
            Some(s) => s,
            None => crate::register::ephemeral_signer(entropy.as_ref())?,
        };
        let tokens = crate::tokens::Tokens::new(config.tokens, "Oversight licensing authority")?;
        let app = Arc::new(App {
            tokens,
            store,
            clock,
            entropy,
            projections: RwLock::new(Projections::default()),
            catch_up_lock: tokio::sync::Mutex::new(()),
            halted: OnceLock::new(),
            halt_notify: tokio::sync::Notify::new(),
            log_signer,
            checkpoint_wanted: Arc::new(tokio::sync::Notify::new()),
            checkpoint_signed: tokio::sync::watch::Sender::new(0),
            checkpoint_interval: config.checkpoint_interval.unwrap_or(DEFAULT_CHECKPOINT_INTERVAL),
            publication: config.publication,
            clock_targets: config.clock_targets,
            accounts_policy: config.accounts,
            hash_slots: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            ),
            hash_waiting: std::sync::atomic::AtomicUsize::new(0),
            index_cache: tokio::sync::Mutex::new(None),
            snapshot_every: config
                .snapshot_every_events
                .unwrap_or(crate::snapshot::DEFAULT_SNAPSHOT_EVERY_EVENTS),
            snapshot_seq: std::sync::atomic::AtomicU64::new(0),
            snapshot_wanted: Arc::new(tokio::sync::Notify::new()),
            snapshot_lock: tokio::sync::Mutex::new(()),
            grace_days: config.obligation_grace_days.unwrap_or(crate::compliance::DEFAULT_GRACE_DAYS),
            appeal_window_days: config
                .appeal_window_days
                .unwrap_or(oversight_domain::appeal::DEFAULT_WINDOW_DAYS),
            repeat_policy: config.repeat_policy.unwrap_or_default(),
            comment_period_days: config
                .comment_period_days
                .unwrap_or(oversight_domain::rulemaking::DEFAULT_PERIOD_DAYS),
        });
        let started = std::time::Instant::now();
        app.restore_snapshot().await;
        let from = app.last_seq();
        app.catch_up().await?;
        tracing::info!(
            "read models at event {} ({} folded after event {from}) in {} ms",
            app.last_seq(),
            app.last_seq() - from,
            started.elapsed().as_millis()
        );
        app.spawn_snapshotter();
        app.snapshot_if_due(app.last_seq());
        // Check the log before serving it (`register::check_log`): a failure withholds the register.
        let checking = std::time::Instant::now();
        match app.check_log().await {
            Ok(_) => tracing::info!(
                "checked the transparency log ({} leaves) in {} ms",
                app.read().register.leaf_count(),
                checking.elapsed().as_millis()
            ),
            Err(e) => tracing::warn!("checking the transparency log at start failed (will retry): {e}"),
        }
        // Sign a checkpoint over anything published but not yet signed (e.g. before a crash).
        app.publish_checkpoint().await;
        app.spawn_sequencer();
        app.spawn_witness_submitter();
        Ok(app)
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A fresh id (UUIDv7) from the app's clock and random source, for callers that name what
    /// they create (items, parties).
    pub fn new_id(&self) -> uuid::Uuid {
        self.new_uuid()
    }

    /// A fresh UUIDv7 from the app's clock and random source.
    pub(crate) fn new_uuid(&self) -> uuid::Uuid {
        uuid_v7(self.now(), self.entropy.as_ref())
    }

    /// A fresh UUIDv7 for time `at` (back-dated demo history).
    pub(crate) fn new_uuid_at(&self, at: DateTime<Utc>) -> uuid::Uuid {
        uuid_v7(at, self.entropy.as_ref())
    }

    /// `n` random bytes from the app's random source.
    pub(crate) fn random_bytes<const N: usize>(&self) -> [u8; N] {
        let mut b = [0u8; N];
        self.entropy.fill(&mut b);
        b
    }

    /// The global sequence number the read models have reached.
    pub fn last_seq(&self) -> u64 {
        self.read().last_seq
    }

    /// A read guard on the read models. Recursive: a second read while a writer waits does not
    /// block (each use still takes it once and lets it go before awaiting anything).
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Projections> {
        self.projections.read_recursive()
    }

    /// Changes the read models outside the fold of events (the register folds log leaves, a
    /// snapshot replaces them all before the first fold).
    pub(crate) fn write_projections<R>(&self, f: impl FnOnce(&mut Projections) -> R) -> R {
        f(&mut self.projections.write())
    }

    // ----- following the log ------------------------------------------------------------------

    /// Folds every event stored since the last one seen (by this node or any other). An event that
    /// cannot be read halts the node: nothing after it is folded, and the error says which.
    pub async fn catch_up(&self) -> Result<()> {
        if let Some(why) = self.halted() {
            return Err(AppError::Halted(why));
        }
        let _guard = self.catch_up_lock.lock().await;
        loop {
            let after = self.last_seq();
            let batch = self.store.read_all(after, 5000).await?;
            if batch.is_empty() {
                self.snapshot_if_due(after);
                return self.catch_up_register().await;
            }
            let result = {
                let mut p = self.projections.write();
                batch.iter().try_for_each(|e| p.apply(e))
            };
            if let Err(why) = result {
                let why = why.to_string();
                tracing::error!("HALTED: {why}");
                let _ = self.halted.set(why.clone());
                self.halt_notify.notify_waiters();
                return Err(AppError::Halted(why));
            }
        }
    }

    /// Why this node stopped serving, if it did: an event of the log could not be read.
    pub fn halted(&self) -> Option<String> {
        self.halted.get().cloned()
    }

    /// Resolves once the node halts (the CLI exits with the reason, as it does when it cannot open).
    pub async fn wait_halted(&self) -> String {
        loop {
            let notified = self.halt_notify.notified();
            if let Some(why) = self.halted() {
                return why;
            }
            notified.await;
        }
    }

    /// Keeps the read models current with events appended by other nodes: catches up as soon as
    /// the store announces an append (PostgreSQL's `LISTEN`), and polls every `every` as a
    /// fallback (lost notifications, a lost listening connection, SQLite). Stops once the node has
    /// halted.
    pub fn spawn_follower(self: &Arc<Self>, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let wake = Arc::new(tokio::sync::Notify::new());
        let (store, announced) = (self.store.clone(), wake.clone());
        let listener = tokio::spawn(async move {
            loop {
                match store.listen(announced.clone()).await {
                    Ok(()) => return, // the backend has no notifications: polling only
                    Err(e) => tracing::warn!("listening for appends failed (polling meanwhile): {e}"),
                }
                tokio::time::sleep(every).await;
            }
        });
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = wake.notified() => {}
                }
                let Some(app) = app.upgrade() else { break };
                match app.catch_up().await {
                    Err(AppError::Halted(_)) => break,
                    Err(e) => tracing::warn!("catching up with the event log failed: {e}"),
                    Ok(()) => {}
                }
            }
            listener.abort();
        })
    }

    /// Read-your-writes across nodes: waits until the read models have folded the event with
    /// sequence number `seq` (one a write answered with, perhaps on another node), catching up
    /// from the store meanwhile, for at most `within`. False if it was not reached in time.
    pub async fn wait_for_seq(&self, seq: u64, within: std::time::Duration) -> Result<bool> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if self.last_seq() >= seq {
                return Ok(true);
            }
            match tokio::time::timeout_at(deadline, self.catch_up()).await {
                Ok(Err(AppError::Halted(why))) => return Err(AppError::Halted(why)),
                Ok(_) if self.last_seq() >= seq => return Ok(true),
                Err(_) => return Ok(self.last_seq() >= seq),
                Ok(_) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            // Not committed yet as far as this node can see: look again shortly.
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            tokio::time::sleep(std::time::Duration::from_millis(10).min(left)).await;
        }
    }

    /// The checkpoint sequencer: signs a checkpoint over what was published, when woken by an
    /// append that published something, at most once per `checkpoint_interval` (so a burst of
    /// decisions shares one signature). Stops when the app is dropped.
    fn spawn_sequencer(self: &Arc<Self>) {
        let app = Arc::downgrade(self);
        let (wanted, every) = (self.checkpoint_wanted.clone(), self.checkpoint_interval);
        tokio::spawn(async move {
            let mut last: Option<tokio::time::Instant> = None;
            loop {
                wanted.notified().await;
                if let Some(last) = last {
                    tokio::time::sleep_until(last + every).await;
                }
                let Some(app) = app.upgrade() else { return };
                last = Some(tokio::time::Instant::now());
                app.publish_checkpoint().await;
            }
        });
    }

    /// Waits until a signed checkpoint covers the first `size` leaves of the log (waking the
    /// sequencer), for at most the sequencer's interval and [`CHECKPOINT_WAIT`]; returns the size
    /// of the newest checkpoint then, which may still be smaller (a pending checkpoint).
    pub(crate) async fn wait_for_checkpoint(&self, size: u64) -> Result<u64> {
        let mut signed = self.checkpoint_signed.subscribe();
        let deadline = tokio::time::Instant::now() + self.checkpoint_interval + CHECKPOINT_WAIT;
        loop {
            let now = self.signed_size().await?;
            if now >= size {
                return Ok(now);
            }
            self.checkpoint_wanted.notify_one();
            if tokio::time::timeout_at(deadline, signed.changed()).await.is_err() {
                return self.signed_size().await;
            }
        }
    }

    /// Whether the node can serve: not halted, and the database answers.
    pub async fn health(&self) -> Result<()> {
        if let Some(why) = self.halted() {
            return Err(AppError::Halted(why));
        }
        self.store.ping().await.map_err(|e| AppError::Unavailable(e.to_string()))
    }

    /// Folds events until the read models have reached `seq`: a catch-up that another write started
    /// meanwhile (concurrent writes are committed together) may already have folded it.
    async fn catch_up_to(&self, seq: u64) -> Result<()> {
        {
            // Under the lock: a catch-up that folded `seq` has also folded its log leaves.
            let _guard = self.catch_up_lock.lock().await;
            if self.last_seq() >= seq {
                return Ok(());
            }
        }
        self.catch_up().await
    }

    /// Brings the read models up to date after a write that is already stored. A failure is logged,
    /// not returned: a stored write is answered as stored, and the follower folds it later.
    pub(crate) async fn refresh_after_write(&self, seq: u64) {
        if let Err(e) = self.catch_up_to(seq).await {
            tracing::warn!(
                "the write is stored, but refreshing the read models failed (the follower will): {e}"
            );
        }
    }

    // ----- writing ----------------------------------------------------------------------------

    /// Runs `attempt` until it does not lose a race: a [`AppError::Contended`] (another writer
    /// appended to a stream it read first) re-runs it against what is stored now, so its rules are
    /// decided again on fresh state. Every other answer is returned as it is.
    pub(crate) async fn retrying<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        for _ in 0..WRITE_ATTEMPTS {
            match attempt().await {
                Err(AppError::Contended(_)) => {
                    tokio::time::sleep(std::time::Duration::from_millis(
                        self.random_bytes::<1>()[0] as u64 % 8,
                    ))
                    .await;
                }
                other => return other,
            }
        }
        Err(AppError::Contended(format!("{what}: too many concurrent changes; retry")))
    }

    /// Appends events to `stream` at `expected` (optimistic concurrency), guarded by the versions
    /// of the streams in `expect`, with `leaves` published in the same transaction. A lost race is
    /// [`AppError::Contended`]. The read models are refreshed after the commit without turning a
    /// stored write into a failure.
    pub(crate) async fn append(
        &self,
        stream: &str,
        expected: u64,
        events: Vec<NewEvent>,
        leaves: &[(usize, Vec<u8>)],
        expect: &[Expect],
    ) -> Result<Vec<StoredEvent>> {
        let append = self.store.append_guarded(stream, expected, &events, leaves, expect);
        let stored = match crate::observe::timed_append(append).await {
            Err(StoreError::Conflict { stream, .. }) => {
                return Err(AppError::Contended(format!("{stream} was changed at the same time")));
            }
            other => other?,
        };
        if !leaves.is_empty() {
            // Signed by the sequencer, with whatever else is published meanwhile.
            self.checkpoint_wanted.notify_one();
        }
        self.refresh_after_write(stored.last().map_or(0, |e| e.seq)).await;
        Ok(stored)
    }
}

/// A stored event to be: its kind, payload, who and when.
pub(crate) fn new_event<E: serde::Serialize>(
    kind: &str,
    event: &E,
    actor: Option<oversight_domain::UserId>,
    at: DateTime<Utc>,
) -> NewEvent {
    NewEvent {
        kind: kind.into(),
        payload: serde_json::to_value(event).expect("events serialise to JSON"),
        actor: actor.map(|a| a.to_string()),
        recorded_at: at,
    }
}

/// Decodes a stored event's payload, naming the event when it cannot be read.
pub(crate) fn decode<E: serde::de::DeserializeOwned>(e: &StoredEvent) -> anyhow::Result<E> {
    // Read from the stored value in place: cloning every payload first was a measurable share of
    // a fold from the start of the log (issue 16).
    E::deserialize(&e.payload).map_err(|err| {
        anyhow::anyhow!("event {} ({} on {}) cannot be read: {err}", e.seq, e.kind, e.stream_id)
    })
}

/// The user id an event was recorded by, if any.
pub(crate) fn actor_of_event(e: &StoredEvent) -> Option<oversight_domain::UserId> {
    e.actor.as_deref().and_then(|a| a.parse().ok())
}
