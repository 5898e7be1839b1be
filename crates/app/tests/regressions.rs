//! Regression tests for defects a review of the app layer found (issue "Make the core carry the
//! next capabilities"). Each failed on the code before the redesign; the comment names the defect.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use oversight_app::{App, AppError, SystemClock, demo, evidence::EvidenceChange};
use oversight_domain::{
    Actor, ApplicationId, ItemId, PartyId, Sector, application::Outcome, lifecycle::Command, party::PartyRole,
};
use oversight_store::{EventStore, Expect, NewEvent, StoreError, StoredEvent, log::StoredCheckpoint};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const OFFICER: &str = "officer@authority.example";
const APPROVER: &str = "approver@authority.example";
const ASSESSOR: &str = "assessor@authority.example";
const ADMIN: &str = "admin@authority.example";
const EXPORTER: &str = "compliance@nordwatch.example";

/// A store that works, except that reading the global log fails while `fail_reads` is set: what a
/// lost connection right after a commit looks like to the app.
struct Flaky {
    inner: Arc<dyn EventStore>,
    fail_reads: AtomicBool,
}

#[async_trait]
impl EventStore for Flaky {
    async fn append_guarded(
        &self,
        stream: &str,
        expected: u64,
        events: &[NewEvent],
        leaves: &[(usize, Vec<u8>)],
        expect: &[Expect],
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner.append_guarded(stream, expected, events, leaves, expect).await
    }
    async fn read_stream(&self, stream: &str) -> Result<Vec<StoredEvent>, StoreError> {
        self.inner.read_stream(stream).await
    }
    async fn read_all(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        if self.fail_reads.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("connection lost (test)".into()));
        }
        self.inner.read_all(after, limit).await
    }
    async fn put_blob(&self, content: &[u8], now: DateTime<Utc>) -> Result<String, StoreError> {
        self.inner.put_blob(content, now).await
    }
    async fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_blob(sha256).await
    }
    async fn log_size(&self) -> Result<u64, StoreError> {
        self.inner.log_size().await
    }
    async fn log_leaves(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.inner.log_leaves(start, end).await
    }
    async fn log_hashes(&self, runs: &[(u32, u64, u64)]) -> Result<Vec<[u8; 32]>, StoreError> {
        self.inner.log_hashes(runs).await
    }
    async fn integrate_log(
        &self,
        signer: &oversight_tlog::NoteSigner,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.inner.integrate_log(signer, now).await
    }
    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.inner.latest_checkpoint().await
    }
    async fn throttle_reserve(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window_secs: i64,
    ) -> Result<Vec<oversight_store::ThrottleCount>, StoreError> {
        self.inner.throttle_reserve(keys, now, window_secs).await
    }
    async fn throttle_release(&self, keys: &[String]) -> Result<(), StoreError> {
        self.inner.throttle_release(keys).await
    }
    async fn save_snapshot(&self, s: &oversight_store::NewSnapshot, keep: usize) -> Result<(), StoreError> {
        self.inner.save_snapshot(s, keep).await
    }
    async fn snapshots(&self) -> Result<Vec<oversight_store::SnapshotInfo>, StoreError> {
        self.inner.snapshots().await
    }
    async fn snapshot_body(&self, last_seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.snapshot_body(last_seq).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
    fn backend(&self) -> &'static str {
        "flaky"
    }
}

async fn sqlite(dir: &tempfile::TempDir) -> Arc<dyn EventStore> {
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    oversight_store::open(&url, true).await.unwrap()
}

async fn demo_app(store: Arc<dyn EventStore>) -> Arc<App> {
    let app = App::open(store, Arc::new(SystemClock)).await.unwrap();
    demo::load(&app).await.unwrap();
    app
}

fn actor(app: &App, email: &str) -> Actor {
    app.actor_of(app.user_by_email(email).unwrap()).unwrap()
}

/// Defect: four paths answered a stored write as failed (`catch_up().await?` after the commit), so
/// a client retried a write that had happened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_after_the_commit_still_answers_success_and_the_write_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let flaky = Arc::new(Flaky { inner: sqlite(&dir).await, fail_reads: AtomicBool::new(false) });
    let app = demo_app(flaky.clone()).await;
    let assessor = actor(&app, ASSESSOR);
    let before = flaky.inner.read_all(0, u32::MAX).await.unwrap().len();
    flaky.fail_reads.store(true, Ordering::SeqCst);

    // The evidence register.
    let change = EvidenceChange {
        id: Some("regression-1".into()),
        iso3: Some("NOR".into()),
        finding: Some("A finding".into()),
        source: Some("Example Lab".into()),
        report: Some("Report".into()),
        year: Some(2025),
        confidence: Some("high".into()),
        ..Default::default()
    };
    let added = app.add_evidence(&assessor, change).await;
    assert!(added.is_ok(), "{added:?}");
    // The search log.
    let search = oversight_app::screening::SearchRequest { name: "Rim Abbas".into(), ..Default::default() };
    let found = app.screening_search(&actor(&app, OFFICER), &search).await;
    assert!(found.is_ok(), "{found:?}");
    // A case command.
    let exporter = actor(&app, EXPORTER);
    let created = app.create_application(&exporter, "Kits", "Investigations", "SE").await;
    assert!(created.is_ok(), "{created:?}");

    flaky.fail_reads.store(false, Ordering::SeqCst);
    let after = flaky.inner.read_all(0, u32::MAX).await.unwrap();
    let new: Vec<&str> = after[before..].iter().map(|e| e.kind.as_str()).collect();
    for kind in ["evidence_added", "screening_search_recorded", "created"] {
        assert!(new.contains(&kind), "{kind} stored: {new:?}");
    }
}

/// Defect: forty parallel sign-ins of one account answered 409 for most of them (sessions were
/// appended to the user's stream and collided). Forty clients: the sign-in throttle counts attempts
/// in progress per account and address, so forty from one address would be throttled by design.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_parallel_sign_ins_of_one_account_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(sqlite(&dir).await).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.login(OFFICER, demo::DEMO_PASSWORD, &format!("client-{i}")).await
        }));
    }
    let all = tokio::time::timeout(Duration::from_secs(120), futures_join(tasks)).await.expect("no hang");
    let failed: Vec<_> = all.iter().filter(|r| r.is_err()).collect();
    assert!(failed.is_empty(), "{} of 40 failed: {:?}", failed.len(), failed.first());
    let sessions: std::collections::HashSet<_> =
        all.iter().map(|r| r.as_ref().unwrap().session_token.clone()).collect();
    assert_eq!(sessions.len(), 40);
    for r in &all {
        assert!(app.authenticate_session(&r.as_ref().unwrap().session_token).await.is_some());
    }
}

async fn futures_join<T: Send + 'static>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Defect: a request took the read lock twice in one expression; with catch-up waiting for the
/// write lock in between, the second read never returned and every later request queued behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_and_reads_while_catch_up_runs_all_finish() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(sqlite(&dir).await).await;
    let exporter = actor(&app, EXPORTER);
    let work = async {
        let mut tasks = Vec::new();
        for i in 0..60 {
            let app = app.clone();
            let exporter = exporter.clone();
            tasks.push(tokio::spawn(async move {
                match i % 3 {
                    0 => app.login(OFFICER, demo::DEMO_PASSWORD, &format!("client-{i}")).await.map(drop),
                    1 => app.create_application(&exporter, "Kits", "Use", "SE").await.map(drop),
                    _ => app.catch_up().await,
                }
            }));
        }
        futures_join(tasks).await
    };
    let results = tokio::time::timeout(Duration::from_secs(120), work).await.expect("nothing hangs");
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
}

/// Defect: an unreadable event advanced the projection's sequence before it was parsed, so a
/// restarting node refused to open while a running one skipped the event for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_event_stops_a_node_the_same_way_at_start_and_while_following() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir).await;
    let running = demo_app(store.clone()).await;
    let id = ApplicationId(uuid::Uuid::now_v7());
    let garbage = NewEvent {
        kind: "created".into(),
        payload: serde_json::json!({"type": "created", "id": "not a uuid"}),
        actor: None,
        recorded_at: Utc::now(),
    };
    store.append(&id.stream(), 0, &[garbage]).await.unwrap();
    let seq_before = running.last_seq();

    let following = running.catch_up().await.unwrap_err();
    assert!(matches!(&following, AppError::Halted(m) if m.contains(&id.stream())), "{following:?}");
    assert_eq!(running.last_seq(), seq_before, "nothing after the unreadable event is folded");
    assert!(running.halted().is_some());
    assert!(matches!(running.health().await, Err(AppError::Halted(_))));
    assert!(matches!(running.catch_up().await, Err(AppError::Halted(_))), "and it stays stopped");

    let starting = App::open(store, Arc::new(SystemClock)).await.unwrap_err();
    assert_eq!(starting.to_string(), following.to_string(), "the same error at start");
}

/// A case of the demo exporter brought to a decision with every gate passed, on `app`.
async fn ready_for_decision(app: &App) -> ApplicationId {
    let exporter = actor(app, EXPORTER);
    let officer = actor(app, OFFICER);
    let id = app
        .create_application(&exporter, "Lawful intercept", "Police use", "NO")
        .await
        .unwrap()
        .application
        .id;
    let item = Command::AddItem {
        id: ItemId(app.new_id()),
        control_code: "5A001.j".into(),
        description: "IP interception".into(),
        quantity: 1,
        value_eur: 1000,
    };
    app.execute(&exporter, id, item).await.unwrap();
    let party = Command::AddParty {
        id: PartyId(app.new_id()),
        role: PartyRole::EndUser,
        name: "Politiets sikkerhetstjeneste".into(),
        address: "Oslo".into(),
        country: "NO".into(),
        sector: Sector::Police,
    };
    app.execute(&exporter, id, party).await.unwrap();
    app.execute(&exporter, id, Command::Submit).await.unwrap();
    app.assign(&officer, id, officer.user).await.unwrap();
    let recorded = app.record_assessment(&officer, id).await.unwrap();
    if !recorded.assessment.red_flags.is_empty() {
        app.clear_red_flags(&actor(app, APPROVER), id, "Considered.").await.unwrap();
    }
    if app.case_assessments(&officer, id).await.unwrap().hria_required == Some(true) {
        let s = "Considered in full.".to_string();
        let hria = oversight_app::assessment::risk::Hria {
            item_capabilities: s.clone(),
            legal_framework: s.clone(),
            end_user_record: s.clone(),
            groups_at_risk: s.clone(),
            likelihood_and_severity: s.clone(),
            mitigations: s.clone(),
            stakeholder_input: s.clone(),
            conclusion: s,
        };
        app.record_hria(&actor(app, ASSESSOR), id, hria).await.unwrap();
    }
    let rec = Command::Recommend { outcome: Outcome::Approve, reasoning: "Fine".into(), conditions: vec![] };
    app.execute(&officer, id, rec).await.unwrap();
    assert!(app.alerts(&officer, id).unwrap().is_empty());
    id
}

/// Defect: the screening gate read the local read model, so on several nodes an approval could pass
/// within the poll interval after another node raised an alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_on_a_lagging_node_right_after_another_node_raised_an_alert_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(&dir).await;
    let node_a = demo_app(store.clone()).await;
    let id = ready_for_decision(&node_a).await;
    // Node B is up to date now and then hears nothing more (no follower runs).
    let node_b = App::open(store, Arc::new(SystemClock)).await.unwrap();
    // Node A imports a list on which the case's end user stands: re-screening raises an alert.
    let file = dir.path().join("extra.ftm.json");
    std::fs::write(
        &file,
        r#"{"id":"pst-1","schema":"PublicBody","properties":{"name":["Politiets sikkerhetstjeneste"],"country":["no"]},"datasets":["extra"]}"#,
    )
    .unwrap();
    let report = node_a.import_list(Some(&actor(&node_a, ADMIN)), "extra", "ftm-json", &file).await.unwrap();
    assert_eq!(report.alerts_raised, 1, "{report:?}");
    assert!(node_b.alerts(&actor(&node_b, OFFICER), id).unwrap().is_empty(), "node B has not heard of it");
    let approver = actor(&node_b, APPROVER);
    let r = node_b
        .decide_case(
            &approver,
            id,
            Outcome::Approve,
            vec![],
            "Licensed.".into(),
            String::new(),
            vec![],
            String::new(),
            vec![],
        )
        .await;
    assert!(matches!(&r, Err(AppError::Conflict(m)) if m.contains("screening")), "{r:?}");
}

/// Defect: a list release was stored and then the re-screen's error failed the request, so a retry
/// stored a second release. An import is idempotent: the same file twice is one release.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_list_import_stores_one_release() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(sqlite(&dir).await).await;
    let admin = actor(&app, ADMIN);
    let bytes = br#"{"id":"x-1","schema":"Person","properties":{"name":["Ivan Example"]},"datasets":["x"]}"#;
    let first = app.import_list_bytes(&admin, "x", "ftm-json", "x.json", bytes).await.unwrap();
    let again = app.import_list_bytes(&admin, "x", "ftm-json", "x.json", bytes).await.unwrap();
    assert!(!first.already_imported && again.already_imported);
    assert_eq!(again.release, first.release);
    let lists = app.lists(&admin).unwrap();
    let x = lists.iter().find(|l| l.name == "x").unwrap();
    assert_eq!((x.current_version, x.releases.len()), (1, 1));
}

/// Issue 15, finding 7: every sign-in ran Argon2 (about 19 MiB) with no bound on how many at once,
/// so a burst of wrong passwords could exhaust memory. Hashing runs one per core; at most
/// `HASH_QUEUE` wait; the rest are answered `Busy` (503 with Retry-After) at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_sign_ins_is_bounded_and_the_overflow_is_told_to_retry() {
    let dir = tempfile::tempdir().unwrap();
    let app = demo_app(sqlite(&dir).await).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            // From many addresses: one address would meet the throttle's per-address limit first.
            app.login(&format!("nobody{i}@example.org"), "wrong password!", &format!("client-{i}")).await
        }));
    }
    let all = tokio::time::timeout(Duration::from_secs(300), futures_join(tasks)).await.expect("no hang");
    let busy = all.iter().filter(|r| matches!(r, Err(AppError::Busy(_)))).count();
    let refused = all.iter().filter(|r| matches!(r, Err(AppError::Unauthenticated(_)))).count();
    assert_eq!(
        busy + refused,
        200,
        "only 'wrong password' or 'busy': {:?}",
        all.iter().find(|r| { !matches!(r, Err(AppError::Busy(_)) | Err(AppError::Unauthenticated(_))) })
    );
    assert!(busy > 0, "the overflow beyond the queue is answered busy");
    assert!(refused >= oversight_app::accounts::HASH_QUEUE, "the queue is served: {refused}");
    // Afterwards a real sign-in goes through.
    assert!(app.login(OFFICER, demo::DEMO_PASSWORD, "client-0").await.is_ok());
}
