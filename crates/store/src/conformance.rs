//! The conformance suite every [`EventStore`] backend must pass.
//!
//! Each check takes a fresh, migrated, empty store. Backends run them with
//! [`conformance_tests!`](crate::conformance_tests) from their own test file.

use chrono::{TimeZone, Utc};
use serde_json::json;
use std::sync::Arc;

use crate::{EventStore, Expect, NewEvent, StoreError};

fn ev(kind: &str, n: i64) -> NewEvent {
    NewEvent {
        kind: kind.into(),
        payload: json!({ "n": n, "text": "ünïcödé ✓", "nested": { "list": [1, 2, 3] } }),
        actor: Some(format!("user-{n}")),
        recorded_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::microseconds(n),
    }
}

pub async fn append_then_read_stream_round_trips(store: Arc<dyn EventStore>) {
    let stored = store.append("case-1", 0, &[ev("a", 1), ev("b", 2)]).await.unwrap();
    assert_eq!(stored.iter().map(|e| e.version).collect::<Vec<_>>(), vec![1, 2]);
    let read = store.read_stream("case-1").await.unwrap();
    assert_eq!(read, stored);
    assert_eq!(read[0].payload["text"], "ünïcödé ✓");
    assert_eq!(read[1].actor.as_deref(), Some("user-2"));
    assert_eq!(read[1].recorded_at, ev("b", 2).recorded_at);
    assert!(store.read_stream("no-such-stream").await.unwrap().is_empty());
}

pub async fn stale_expected_version_is_a_conflict_and_appends_nothing(store: Arc<dyn EventStore>) {
    store.append("case-1", 0, &[ev("a", 1)]).await.unwrap();
    for stale in [0, 2, 7] {
        let err = store.append("case-1", stale, &[ev("b", 2), ev("c", 3)]).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { actual: 1, .. }), "{err:?}");
    }
    assert_eq!(store.read_stream("case-1").await.unwrap().len(), 1);
    assert_eq!(store.read_all(0, 100).await.unwrap().len(), 1);
}

pub async fn an_append_guarded_by_another_stream_is_refused_once_that_stream_moved(
    store: Arc<dyn EventStore>,
) {
    store.append("alerts-1", 0, &[ev("raised", 1)]).await.unwrap();
    let guard = [Expect { stream: "alerts-1".into(), version: 1 }];
    store.append_guarded("case-1", 0, &[ev("a", 2)], &[], &guard).await.unwrap();
    store.append("alerts-1", 1, &[ev("raised", 3)]).await.unwrap();
    let err =
        store.append_guarded("case-1", 1, &[ev("b", 4)], &[(0, b"leaf".to_vec())], &guard).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Conflict { stream, expected: 1, actual: 2 } if stream == "alerts-1"),
        "{err:?}"
    );
    assert_eq!(
        store.read_stream("case-1").await.unwrap().len(),
        1,
        "nothing of the refused append is stored"
    );
    assert_eq!(store.log_size().await.unwrap(), 0, "nor its leaf");
    let missing = [Expect { stream: "never-written".into(), version: 0 }];
    store.append_guarded("case-1", 1, &[ev("b", 5)], &[], &missing).await.unwrap();
}

pub async fn concurrent_appends_to_one_stream_let_exactly_one_win(store: Arc<dyn EventStore>) {
    store.append("case-1", 0, &[ev("a", 1)]).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move { s.append("case-1", 1, &[ev("racer", i)]).await }));
    }
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(store.read_stream("case-1").await.unwrap().len(), 2);
}

pub async fn global_sequence_is_increasing_and_read_all_pages(store: Arc<dyn EventStore>) {
    for i in 0..10 {
        let stream = format!("case-{}", i % 3);
        let version = store.read_stream(&stream).await.unwrap().len() as u64;
        store.append(&stream, version, &[ev("x", i)]).await.unwrap();
    }
    let all = store.read_all(0, 1000).await.unwrap();
    assert_eq!(all.len(), 10);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    let first = store.read_all(0, 4).await.unwrap();
    assert_eq!(first.len(), 4);
    let rest = store.read_all(first[3].seq, 1000).await.unwrap();
    assert_eq!(rest.len(), 6);
    assert_eq!(rest[0].seq, all[4].seq);
    assert!(store.read_all(all[9].seq, 10).await.unwrap().is_empty());
}

pub async fn concurrent_appends_to_many_streams_lose_nothing(store: Arc<dyn EventStore>) {
    let mut tasks = Vec::new();
    for s in 0..8 {
        let st = store.clone();
        tasks.push(tokio::spawn(async move {
            for v in 0..10 {
                st.append(&format!("stream-{s}"), v, &[ev("e", v as i64)]).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = store.read_all(0, 10_000).await.unwrap();
    assert_eq!(all.len(), 80);
    let mut seqs: Vec<_> = all.iter().map(|e| e.seq).collect();
    seqs.dedup();
    assert_eq!(seqs.len(), 80);
}

/// Concurrent appends (which a backend may commit together) each get their own answer: a stale
/// append is refused with a conflict without failing the others, every other append is stored with
/// its leaves, and what each was answered is what is read back.
pub async fn concurrent_appends_each_get_their_own_answer(store: Arc<dyn EventStore>) {
    for s in 0..16 {
        store.append(&format!("case-{s}"), 0, &[ev("created", s)]).await.unwrap();
    }
    let mut tasks = Vec::new();
    for s in 0..16i64 {
        for attempt in 0..4i64 {
            let st = store.clone();
            tasks.push(tokio::spawn(async move {
                // One append per stream is current (expected 1); three are stale (expected 0).
                let expected = if attempt == 0 { 1 } else { 0 };
                let leaf = format!("leaf {s}-{attempt}").into_bytes();
                let r = st
                    .append_published(
                        &format!("case-{s}"),
                        expected,
                        &[ev("next", s), ev("more", s)],
                        &[(1, leaf)],
                    )
                    .await;
                (s, attempt, r)
            }));
        }
    }
    let mut answered = Vec::new();
    for t in tasks {
        let (s, attempt, r) = t.await.unwrap();
        match (attempt, r) {
            (0, Ok(stored)) => {
                assert_eq!(stored.iter().map(|e| e.version).collect::<Vec<_>>(), vec![2, 3]);
                assert_eq!(store.read_stream(&format!("case-{s}")).await.unwrap()[1..], stored[..]);
                answered.extend(stored);
            }
            (0, Err(e)) => panic!("the current append to case-{s} failed: {e:?}"),
            (_, Err(StoreError::Conflict { expected: 0, actual, .. })) => assert!(actual >= 1),
            (_, other) => panic!("a stale append to case-{s} was answered {other:?}"),
        }
    }
    let all = store.read_all(0, 10_000).await.unwrap();
    assert_eq!(all.len(), 16 + 32, "the stale appends stored nothing");
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    answered.sort_by_key(|e| e.seq);
    assert_eq!(all[16..], answered[..], "each append was answered with what is stored");
    assert_eq!(store.log_size().await.unwrap(), 16, "one leaf per stored append, none of the refused");
    let mut leaves: Vec<String> =
        store.log_leaves(0, 16).await.unwrap().into_iter().map(|l| String::from_utf8(l).unwrap()).collect();
    leaves.sort();
    let mut want: Vec<String> = (0..16).map(|s| format!("leaf {s}-0")).collect();
    want.sort();
    assert_eq!(leaves, want);
}

/// Concurrent guarded appends: an append guarded by a stream that a concurrent append moves is
/// either stored before the move (and the guard held) or refused; never stored after it.
pub async fn concurrent_guarded_appends_respect_their_guards(store: Arc<dyn EventStore>) {
    for s in 0..8 {
        store.append(&format!("alerts-{s}"), 0, &[ev("raised", s)]).await.unwrap();
    }
    let mut tasks = Vec::new();
    for s in 0..8i64 {
        let st = store.clone();
        tasks.push(tokio::spawn(async move {
            let guard = [Expect { stream: format!("alerts-{s}"), version: 1 }];
            st.append_guarded(&format!("case-{s}"), 0, &[ev("decided", s)], &[], &guard)
                .await
                .map(|e| e[0].seq)
        }));
        let st = store.clone();
        tasks.push(tokio::spawn(async move {
            st.append(&format!("alerts-{s}"), 1, &[ev("raised", s)]).await.map(|e| e[0].seq)
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    for s in 0..8usize {
        let (decision, alert) = (&results[2 * s], &results[2 * s + 1]);
        let alert = *alert.as_ref().expect("the alert has no competitor on its stream");
        match decision {
            Ok(seq) => assert!(*seq < alert, "case-{s} was decided after its guard moved"),
            Err(StoreError::Conflict { stream, expected: 1, actual: 2 }) => {
                assert_eq!(stream, &format!("alerts-{s}"))
            }
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
}

pub async fn empty_appends_and_bad_stream_ids_are_refused(store: Arc<dyn EventStore>) {
    assert!(matches!(store.append("case-1", 0, &[]).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.append("", 0, &[ev("a", 1)]).await, Err(StoreError::Invalid(_))));
    assert!(store.read_all(0, 10).await.unwrap().is_empty());
}

pub async fn blobs_are_content_addressed(store: Arc<dyn EventStore>) {
    let now = Utc::now();
    let bytes = b"%PDF-1.7 end-use undertaking".to_vec();
    let sha = store.put_blob(&bytes, now).await.unwrap();
    assert_eq!(sha, crate::sha256_hex(&bytes));
    assert_eq!(store.put_blob(&bytes, now).await.unwrap(), sha);
    assert_eq!(store.get_blob(&sha).await.unwrap(), Some(bytes));
    assert_eq!(store.get_blob(&sha.to_uppercase()).await.unwrap().map(|b| b.len()), Some(28));
    assert_eq!(store.get_blob(&"0".repeat(64)).await.unwrap(), None);
    let big = vec![7u8; 3 * 1024 * 1024];
    let big_sha = store.put_blob(&big, now).await.unwrap();
    assert_eq!(store.get_blob(&big_sha).await.unwrap().unwrap().len(), big.len());
}

pub async fn ping_succeeds_on_a_live_store(store: Arc<dyn EventStore>) {
    store.ping().await.unwrap();
    assert!(!store.backend().is_empty());
}

fn signer() -> oversight_tlog::NoteSigner {
    oversight_tlog::NoteSigner::new("register.test/log", &[7u8; 32]).unwrap()
}

pub async fn published_leaves_are_appended_with_their_events_and_only_then(store: Arc<dyn EventStore>) {
    let leaf = |n: usize| format!("{{\"record\":{n}}}").into_bytes();
    store
        .append_published(
            "case-1",
            0,
            &[ev("decided", 1), ev("licence_issued", 2)],
            &[(0, leaf(0)), (1, leaf(1))],
        )
        .await
        .unwrap();
    // A refused append publishes nothing.
    let err = store.append_published("case-1", 0, &[ev("decided", 3)], &[(0, leaf(9))]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }));
    assert!(matches!(
        store.append_published("case-2", 0, &[ev("x", 1)], &[(1, leaf(9))]).await,
        Err(StoreError::Invalid(_))
    ));
    store.append_published("case-3", 0, &[ev("decided", 4)], &[(0, leaf(2))]).await.unwrap();
    assert_eq!(store.log_size().await.unwrap(), 3);
    assert_eq!(store.log_leaves(0, 10).await.unwrap(), vec![leaf(0), leaf(1), leaf(2)]);
    assert_eq!(store.log_leaves(1, 2).await.unwrap(), vec![leaf(1)]);
    assert!(store.read_all(0, 100).await.unwrap().iter().all(|e| e.kind != "decided" || e.payload["n"] != 3));
}

pub async fn integrating_the_log_signs_consistent_checkpoints_and_serves_proofs(store: Arc<dyn EventStore>) {
    use oversight_tlog::{HashPlan, MemoryLog, leaf_hash, verify_consistency, verify_inclusion};
    let signer = signer();
    assert!(store.latest_checkpoint().await.unwrap().is_none());
    assert!(store.integrate_log(&signer, Utc::now()).await.unwrap().is_none());
    let mut memory = MemoryLog::new();
    let mut sizes = Vec::new();
    for batch in [1usize, 2, 13, 1, 40] {
        let start = memory.size();
        let leaves: Vec<(usize, Vec<u8>)> =
            (0..batch).map(|i| (0, format!("record {}", start as usize + i).into_bytes())).collect();
        for (_, l) in &leaves {
            memory.append(l);
        }
        let stream = format!("case-{start}");
        store.append_published(&stream, 0, &[ev("decided", 1)], &leaves).await.unwrap();
        let cp = store.integrate_log(&signer, Utc::now()).await.unwrap().unwrap();
        assert_eq!((cp.size, cp.root), (memory.size(), memory.root()));
        let opened = oversight_tlog::open_checkpoint(&cp.note, &signer.verifier()).unwrap();
        assert_eq!(opened.checkpoint.size, cp.size);
        assert_eq!(store.latest_checkpoint().await.unwrap().unwrap(), cp);
        sizes.push(cp.size);
    }
    assert!(store.integrate_log(&signer, Utc::now()).await.unwrap().is_none());
    let n = memory.size();
    let root = memory.root();
    for index in [0, 1, 7, n - 1] {
        let plan = HashPlan::inclusion(index, n).unwrap();
        let proof = plan.compute(&store.log_hashes(&plan.needed_runs()).await.unwrap()).unwrap();
        let leaf = leaf_hash(format!("record {index}").as_bytes());
        verify_inclusion(index, n, &leaf, &proof, &root).unwrap();
    }
    for old in sizes {
        let plan = HashPlan::consistency(old, n).unwrap();
        let proof = plan.compute(&store.log_hashes(&plan.needed_runs()).await.unwrap()).unwrap();
        if old < n {
            verify_consistency(old, n, &proof, &memory.root_at(old).unwrap(), &root).unwrap();
        }
    }
}

pub async fn concurrent_integration_never_forks_the_log(store: Arc<dyn EventStore>) {
    let mut tasks = Vec::new();
    for t in 0..4 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let signer = signer();
            for i in 0..5 {
                let leaf = format!("t{t} i{i}").into_bytes();
                s.append_published(&format!("c-{t}-{i}"), 0, &[ev("decided", 1)], &[(0, leaf)])
                    .await
                    .unwrap();
                s.integrate_log(&signer, Utc::now()).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let cp = store.latest_checkpoint().await.unwrap().unwrap();
    assert_eq!(cp.size, 20);
    let leaves = store.log_leaves(0, 20).await.unwrap();
    let hashes: Vec<_> = leaves.iter().map(|l| oversight_tlog::leaf_hash(l)).collect();
    assert_eq!(oversight_tlog::root_from_leaf_hashes(&hashes), cp.root);
}

/// Generates one `#[tokio::test]` per conformance check, given an async expression producing a fresh
/// store (`Arc<dyn EventStore>`).
pub async fn throttle_counts_per_key_within_a_window_and_starts_afresh_after_it(store: Arc<dyn EventStore>) {
    let t0 = Utc.with_ymd_and_hms(2026, 1, 2, 3, 0, 0).unwrap();
    let keys = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    let mut last = Vec::new();
    for n in 1..=3u64 {
        last = store
            .throttle_reserve(&keys("acct", "addr"), t0 + chrono::Duration::seconds(n as i64), 900)
            .await
            .unwrap();
        assert_eq!(last.iter().map(|c| c.count).collect::<Vec<_>>(), vec![n, n]);
        assert!(last.iter().all(|c| c.window_start == t0 + chrono::Duration::seconds(1)), "{last:?}");
    }
    // Another key of the same address counts on its own; the shared key goes on counting.
    let other =
        store.throttle_reserve(&keys("acct2", "addr"), t0 + chrono::Duration::seconds(5), 900).await.unwrap();
    assert_eq!((other[0].count, other[1].count), (1, 4));
    // A successful attempt gives its reservation back, never below zero.
    store.throttle_release(&keys("acct", "addr")).await.unwrap();
    let again =
        store.throttle_reserve(&keys("acct", "addr"), t0 + chrono::Duration::seconds(6), 900).await.unwrap();
    assert_eq!((again[0].count, again[1].count), (3, 4));
    for _ in 0..5 {
        store.throttle_release(&keys("acct2", "none")).await.unwrap();
    }
    let floor =
        store.throttle_reserve(&keys("acct2", "x"), t0 + chrono::Duration::seconds(7), 900).await.unwrap();
    assert_eq!(floor[0].count, 1, "released below zero: {floor:?}");
    // Once the window has passed, counting starts again from the attempt that opens a new one.
    let later = t0 + chrono::Duration::seconds(1 + 900);
    let fresh = store.throttle_reserve(&keys("acct", "addr"), later, 900).await.unwrap();
    assert_eq!(
        fresh.iter().map(|c| (c.count, c.window_start)).collect::<Vec<_>>(),
        vec![(1, later), (1, later)]
    );
    assert_eq!(last.len(), 2);
}

pub async fn parallel_throttle_reservations_each_get_their_own_count(store: Arc<dyn EventStore>) {
    let now = Utc.with_ymd_and_hms(2026, 1, 2, 3, 0, 0).unwrap();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let keys = vec![format!("account-{}", i % 2), "address".to_string()];
            store.throttle_reserve(&keys, now, 900).await.unwrap()
        }));
    }
    let mut shared = Vec::new();
    for t in tasks {
        shared.push(t.await.unwrap()[1].count);
    }
    shared.sort();
    assert_eq!(shared, (1..=24).collect::<Vec<u64>>(), "every reservation counted once");
}

pub async fn snapshots_round_trip_newest_first_and_only_the_newest_are_kept(store: Arc<dyn EventStore>) {
    use crate::NewSnapshot;
    assert!(store.snapshots().await.unwrap().is_empty());
    assert_eq!(store.snapshot_body(1).await.unwrap(), None);
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::microseconds(7);
    let snap = |seq: u64, body: &[u8]| NewSnapshot {
        last_seq: seq,
        format: 3,
        anchor: format!("anchor-{seq}"),
        created_at: at,
        body: body.to_vec(),
    };
    // Bodies are bytes, any bytes (a NUL, invalid UTF-8), of any length.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    store.save_snapshot(&snap(10, b"ten\0\xff"), 2).await.unwrap();
    store.save_snapshot(&snap(30, &big), 2).await.unwrap();
    store.save_snapshot(&snap(20, b"twenty"), 2).await.unwrap();
    let listed = store.snapshots().await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.last_seq).collect::<Vec<_>>(),
        vec![30, 20],
        "the two newest, newest first"
    );
    assert_eq!(listed[0].format, 3);
    assert_eq!(listed[0].anchor, "anchor-30");
    assert_eq!(listed[0].size, big.len() as u64);
    assert_eq!(listed[0].body_sha256, crate::sha256_hex(&big));
    assert_eq!(listed[0].created_at, at);
    assert_eq!(store.snapshot_body(30).await.unwrap(), Some(big));
    assert_eq!(store.snapshot_body(20).await.unwrap().as_deref(), Some(&b"twenty"[..]));
    assert_eq!(store.snapshot_body(10).await.unwrap(), None, "the oldest was deleted");
    // Saving again at the same sequence replaces it; keeping one deletes the rest.
    store.save_snapshot(&snap(30, b"again"), 1).await.unwrap();
    let listed = store.snapshots().await.unwrap();
    assert_eq!(listed.iter().map(|s| s.last_seq).collect::<Vec<_>>(), vec![30]);
    assert_eq!(store.snapshot_body(30).await.unwrap().as_deref(), Some(&b"again"[..]));
}

#[macro_export]
macro_rules! conformance_tests {
    ($fresh:expr) => {
        $crate::conformance_tests!(@each $fresh;
            append_then_read_stream_round_trips,
            stale_expected_version_is_a_conflict_and_appends_nothing,
            an_append_guarded_by_another_stream_is_refused_once_that_stream_moved,
            concurrent_appends_to_one_stream_let_exactly_one_win,
            global_sequence_is_increasing_and_read_all_pages,
            concurrent_appends_to_many_streams_lose_nothing,
            concurrent_appends_each_get_their_own_answer,
            concurrent_guarded_appends_respect_their_guards,
            empty_appends_and_bad_stream_ids_are_refused,
            blobs_are_content_addressed,
            ping_succeeds_on_a_live_store,
            published_leaves_are_appended_with_their_events_and_only_then,
            integrating_the_log_signs_consistent_checkpoints_and_serves_proofs,
            concurrent_integration_never_forks_the_log,
            throttle_counts_per_key_within_a_window_and_starts_afresh_after_it,
            parallel_throttle_reservations_each_get_their_own_count,
            snapshots_round_trip_newest_first_and_only_the_newest_are_kept
        );
    };
    (@each $fresh:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $fresh;
                $crate::conformance::$name(store).await;
            }
        )*
    };
}
