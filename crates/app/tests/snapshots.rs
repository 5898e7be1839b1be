//! Snapshots of the read models (issue 16): a node started from a snapshot and the tail of the log
//! has the read models of a node that folded the whole log; a snapshot that does not belong to the
//! log, to this version or to its own sequence number is ignored; nothing is lost between them.

use oversight_app::{App, AppConfig, SystemClock, demo, snapshot::SNAPSHOT_FORMAT};
use oversight_store::{EventStore, NewSnapshot};
use oversight_testkit::{TestDb, actor};
use std::sync::Arc;

const OFFICER: &str = "officer@authority.example";
const EXPORTER: &str = "compliance@nordwatch.example";

async fn open(db: &TestDb, every: u64) -> Arc<App> {
    let config = AppConfig {
        log_signer: Some(oversight_testkit::test_signer()),
        snapshot_every_events: Some(every),
        ..AppConfig::default()
    };
    App::open_with(db.store().await, Arc::new(SystemClock), config).await.unwrap()
}

/// What the app's queries answer, as JSON: cases, a work queue, the register, a history.
async fn answers(app: &App) -> serde_json::Value {
    let officer = actor(app, OFFICER);
    let exporter = actor(app, EXPORTER);
    let cases = app.list_applications(&officer, None).unwrap();
    let first = cases.last().unwrap().application.id;
    serde_json::json!({
        "cases": serde_json::to_value(&cases).unwrap(),
        "exporter": serde_json::to_value(app.list_applications(&exporter, None).unwrap()).unwrap(),
        "queue": serde_json::to_value(app.work_queue(&officer, 0, 1000).unwrap().entries).unwrap(),
        "register": serde_json::to_value(app.register_all().unwrap()).unwrap(),
        "stats": serde_json::to_value(app.register_stats().unwrap()).unwrap(),
        "history": serde_json::to_value(app.history(&officer, first).await.unwrap()).unwrap(),
        "orgs": serde_json::to_value(app.orgs()).unwrap(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_started_from_a_snapshot_and_the_tail_equals_one_that_folded_the_whole_log() {
    let db = TestDb::sqlite();
    let live = open(&db, 0).await;
    demo::load(&live).await.unwrap();
    let snap = live.write_snapshot().await.unwrap().expect("a snapshot is written");
    assert_eq!(snap.last_seq, live.last_seq());
    assert_eq!(snap.format, SNAPSHOT_FORMAT);
    assert!(live.write_snapshot().await.unwrap().is_none(), "nothing new: no second snapshot");
    // The tail: events after the snapshot, then the node stops without another one (a crash).
    let exporter = actor(&live, EXPORTER);
    let created =
        live.create_application(&exporter, "After the snapshot", "Lawful interception", "NO").await.unwrap();
    assert!(live.last_seq() > snap.last_seq);

    let restarted = open(&db, 0).await;
    assert_eq!(restarted.snapshot_seq(), snap.last_seq, "it started from the snapshot");
    assert_eq!(restarted.last_seq(), live.last_seq(), "and folded the tail after it");
    assert!(restarted.get_application(&exporter, created.application.id).is_ok(), "nothing is lost");
    assert!(restarted.read_models_equal(&live), "the read models equal those folded from the whole log");
    assert_eq!(answers(&restarted).await, answers(&live).await);
    assert_eq!(restarted.check_log().await.unwrap(), None, "the register still passes its check");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_that_does_not_belong_to_this_log_or_version_is_ignored_and_the_log_is_folded() {
    let db = TestDb::sqlite();
    let live = open(&db, 0).await;
    demo::load(&live).await.unwrap();
    let good = live.write_snapshot().await.unwrap().unwrap();
    let store: Arc<dyn EventStore> = db.store().await;
    let body = store.snapshot_body(good.last_seq).await.unwrap().unwrap();
    let text = String::from_utf8(body.clone()).unwrap();
    let base = NewSnapshot {
        last_seq: good.last_seq,
        format: good.format,
        anchor: good.anchor.clone(),
        created_at: good.created_at,
        body: body.clone(),
    };
    let seq_field = format!("\"last_seq\":{}", good.last_seq);
    assert!(text.contains(&seq_field));
    let earlier = good.last_seq - 1;
    let earlier_anchor = oversight_app::snapshot::anchor(&store.read_all(earlier - 1, 1).await.unwrap()[0]);
    // A bad newer snapshot in front of the good one: the node falls back to the good one.
    store.save_snapshot(&NewSnapshot { last_seq: good.last_seq + 5, ..base.clone() }, 2).await.unwrap();
    let node = open(&db, 0).await;
    assert_eq!(node.snapshot_seq(), good.last_seq, "the older, valid snapshot is used");
    assert!(node.read_models_equal(&live));
    // Each alone (the newest by sequence number; the last one is past every other).
    let variants = [
        ("an older format", NewSnapshot { format: SNAPSHOT_FORMAT + 1, ..base.clone() }),
        ("another log's anchor", NewSnapshot { anchor: "0".repeat(64), ..base.clone() }),
        ("an unreadable body", NewSnapshot { body: b"{\"last_seq\":".to_vec(), ..base.clone() }),
        (
            "a body of another shape",
            NewSnapshot {
                body: text.replacen("\"accounts\"", "\"acounts\"", 1).into_bytes(),
                ..base.clone()
            },
        ),
        (
            "read models of another sequence number",
            NewSnapshot { last_seq: earlier, anchor: earlier_anchor, ..base.clone() },
        ),
        ("a sequence number past the log", NewSnapshot { last_seq: good.last_seq + 1000, ..base.clone() }),
    ];
    for (what, bad) in variants {
        store.save_snapshot(&bad, 1).await.unwrap();
        assert_eq!(store.snapshots().await.unwrap().len(), 1, "{what}: only the bad one is left");
        let node = open(&db, 0).await;
        assert_eq!(node.snapshot_seq(), 0, "{what}: the snapshot is not used");
        assert!(node.read_models_equal(&live), "{what}: the read models are folded from the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_are_written_in_the_background_every_so_many_events_and_two_are_kept() {
    let db = TestDb::sqlite();
    let app = open(&db, 25).await;
    demo::load(&app).await.unwrap();
    let store = db.store().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let snaps = store.snapshots().await.unwrap();
        if snaps.first().is_some_and(|s| app.last_seq() - s.last_seq < 25) {
            assert!(snaps.len() <= 2, "{} snapshots kept", snaps.len());
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no recent snapshot: {snaps:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let node = open(&db, 0).await;
    assert!(node.snapshot_seq() > 0, "a restarted node starts from it");
    assert!(node.read_models_equal(&app));
}
