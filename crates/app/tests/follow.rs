//! Nodes follow each other at once (issue 16, part 7): on PostgreSQL a node's follower wakes on
//! the store's notification, not only on its poll; and a request can wait until its node has
//! reached a given sequence number (read-your-writes across nodes).

use oversight_app::App;
use oversight_domain::OrgKind;
use oversight_testkit::{TestDb, open_app};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn two_nodes(db: &TestDb) -> (Arc<App>, Arc<App>) {
    let clock = Arc::new(oversight_app::clock::SystemClock);
    (open_app(db, clock.clone()).await, open_app(db, clock).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_catches_up_on_notification_without_waiting_for_its_poll() {
    let Some(db) = TestDb::postgres().await else { return };
    let (a, b) = two_nodes(&db).await;
    // B polls once an hour: only the notification can bring it A's writes within the test.
    let _follower = b.spawn_follower(Duration::from_secs(3600));
    for round in 0..3 {
        a.register_org(None, &format!("Follow Co {round}"), OrgKind::Exporter, "NO").await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while b.last_seq() < a.last_seq() {
            assert!(
                Instant::now() < deadline,
                "node B did not follow node A's write {round} without polling"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_waits_until_it_has_reached_the_sequence_asked_for() {
    let Some(db) = TestDb::postgres().await else { return };
    let (a, b) = two_nodes(&db).await;
    // No follower on B: only the wait brings it up to date.
    a.register_org(None, "Seq Co", OrgKind::Exporter, "NO").await.unwrap();
    let seq = a.last_seq();
    assert!(b.last_seq() < seq);
    assert!(b.wait_for_seq(seq, Duration::from_secs(2)).await.unwrap());
    assert!(b.last_seq() >= seq);
    // A sequence no node has reached: refused after the bound, nothing changed.
    assert!(!b.wait_for_seq(seq + 1_000, Duration::from_millis(200)).await.unwrap());
    assert_eq!(b.last_seq(), a.last_seq());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_the_follower_polls_and_the_wait_works_the_same() {
    let db = TestDb::sqlite();
    let (a, b) = two_nodes(&db).await;
    let _follower = b.spawn_follower(Duration::from_millis(20));
    a.register_org(None, "Lite Co", OrgKind::Exporter, "NO").await.unwrap();
    assert!(b.wait_for_seq(a.last_seq(), Duration::from_secs(2)).await.unwrap());
    assert!(!b.wait_for_seq(a.last_seq() + 5, Duration::from_millis(100)).await.unwrap());
}
