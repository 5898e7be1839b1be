//! The witness over real HTTP on 127.0.0.1: cosigning, the 409 dance, refusing forks and bad
//! proofs without changing state, persistence across a restart, and a 2-of-2 witness policy.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_tlog::{Checkpoint, Cosigner, MemoryLog, Note, NoteSigner, Policy};
use oversight_witness::{AddCheckpointError, Witness, WitnessState, add_checkpoint, attach_cosignatures};

const ORIGIN: &str = "register.example/log";

fn log_signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, &[1; 32]).unwrap()
}

/// A log of `n` records `prefix-i`.
fn log_of(prefix: &str, n: u64) -> MemoryLog {
    let mut log = MemoryLog::new();
    for i in 0..n {
        log.append(format!("{prefix}-{i}").as_bytes());
    }
    log
}

fn signed(log: &MemoryLog, signer: &NoteSigner) -> String {
    Checkpoint::new(signer.name(), log.size(), log.root()).sign(signer).unwrap()
}

/// A witness served on an ephemeral port by its own runtime thread; stopped on drop.
struct Server {
    url: String,
    witness: Arc<Witness>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

fn start(seed: u8, state: &Path, logs: &[&NoteSigner]) -> Server {
    let cosigner = Cosigner::new(&format!("witness{seed}.example"), &[seed; 32]).unwrap();
    let logs = logs.iter().map(|l| l.verifier()).collect();
    let witness = Arc::new(Witness::open(cosigner, logs, state.to_path_buf()).unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let served = witness.clone();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            ready_tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, oversight_witness::router(served))
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
    });
    let addr = ready_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    Server { url: format!("http://{addr}"), witness, stop: Some(stop), thread: Some(thread) }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build()
}

/// Submits through the client, with proofs from `log`.
fn submit(server: &Server, log: &MemoryLog, note: &str, old: u64) -> Result<String, AddCheckpointError> {
    let mut proofs = |a, b| log.consistency_proof(a, b).map_err(|e| e.to_string());
    add_checkpoint(&agent(), &server.url, note, old, &mut proofs).map(|c| c.lines)
}

/// A raw POST: `(status, content type, body)`.
fn post(server: &Server, body: &str) -> (u16, String, String) {
    let r = match agent().post(&format!("{}/add-checkpoint", server.url)).send_string(body) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let (status, ctype) = (r.status(), r.header("Content-Type").unwrap_or_default().to_string());
    (status, ctype, r.into_string().unwrap())
}

fn body(old: u64, proof: &[[u8; 32]], note: &str) -> String {
    let mut b = format!("old {old}\n");
    for h in proof {
        b.push_str(&B64.encode(h));
        b.push('\n');
    }
    b.push('\n');
    b.push_str(note);
    b
}

fn persisted(path: &Path) -> Option<u64> {
    WitnessState::load(path).unwrap().logs.get(ORIGIN).map(|l| l.size)
}

fn cosignature_valid(server: &Server, note: &str, line: &str) -> bool {
    let cosigned = Note::parse(&attach_cosignatures(note, &[line])).unwrap();
    matches!(server.witness.verifier().verify(&cosigned), Ok(Some(_)))
}

fn state_path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn cosigns_a_first_checkpoint_then_a_consistent_larger_one_persisting_each() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_path(&dir, "w.json");
    let signer = log_signer();
    let server = start(7, &state, &[&signer]);

    let mut log = log_of("r", 5);
    let note5 = signed(&log, &signer);
    let line = submit(&server, &log, &note5, 0).unwrap();
    assert!(cosignature_valid(&server, &note5, &line), "{line}");
    // Persisted before the answer: the file already says 5 when the response has arrived.
    assert_eq!(persisted(&state), Some(5));

    for i in 5..12 {
        log.append(format!("r-{i}").as_bytes());
    }
    let note12 = signed(&log, &signer);
    let line = submit(&server, &log, &note12, 5).unwrap();
    assert!(cosignature_valid(&server, &note12, &line));
    assert_eq!(persisted(&state), Some(12));
    // A cosignature over 12 is not one over 5.
    assert!(!cosignature_valid(&server, &note5, &line));
}

#[test]
fn an_empty_log_then_its_growth_is_cosigned() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_path(&dir, "w.json");
    let signer = log_signer();
    let server = start(7, &state, &[&signer]);
    let empty = MemoryLog::new();
    submit(&server, &empty, &signed(&empty, &signer), 0).unwrap();
    assert_eq!(persisted(&state), Some(0));
    // A size-0 checkpoint with another root is malformed.
    let bogus = Checkpoint::new(ORIGIN, 0, [9; 32]).sign(&signer).unwrap();
    assert_eq!(post(&server, &body(0, &[], &bogus)).0, 400);
    let log = log_of("r", 3);
    submit(&server, &log, &signed(&log, &signer), 0).unwrap();
    assert_eq!(persisted(&state), Some(3));
}

#[test]
fn answers_409_with_its_size_and_the_client_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_path(&dir, "w.json");
    let signer = log_signer();
    let server = start(7, &state, &[&signer]);
    let mut log = log_of("r", 5);
    submit(&server, &log, &signed(&log, &signer), 0).unwrap();
    log.append(b"r-5");
    let note6 = signed(&log, &signer);

    let (status, ctype, text) = post(&server, &body(0, &[], &note6));
    assert_eq!((status, ctype.as_str(), text.as_str()), (409, "text/x.tlog.size", "5\n"));
    let (status, ctype, text) = post(&server, &body(3, &[], &note6));
    assert_eq!((status, ctype.as_str(), text.as_str()), (409, "text/x.tlog.size", "5\n"));
    assert_eq!(persisted(&state), Some(5));

    // The client, told the wrong size, retries from 5 with the proof 5 → 6.
    let mut proofs = |a, b| log.consistency_proof(a, b).map_err(|e| e.to_string());
    let c = add_checkpoint(&agent(), &server.url, &note6, 2, &mut proofs).unwrap();
    assert_eq!(c.old, 5);
    assert!(cosignature_valid(&server, &note6, &c.lines));
    assert_eq!(persisted(&state), Some(6));
}

#[test]
fn refuses_forks_and_bad_proofs_without_changing_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_path(&dir, "w.json");
    let signer = log_signer();
    let server = start(7, &state, &[&signer]);
    let honest = log_of("r", 8);
    submit(&server, &honest, &signed(&honest, &signer), 0).unwrap();
    let before = std::fs::read(&state).unwrap();

    // Same size, other root: the log key signed a different tree (a tampered database).
    let forked = log_of("tampered", 8);
    let (status, _, text) = post(&server, &body(8, &[], &signed(&forked, &signer)));
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("fork"), "{text}");

    // Larger fork with its own (valid for itself) proof from 8: does not extend what was cosigned.
    let forked12 = log_of("tampered", 12);
    let proof = forked12.consistency_proof(8, 12).unwrap();
    let (status, _, text) = post(&server, &body(8, &proof, &signed(&forked12, &signer)));
    assert_eq!(status, 422, "{text}");
    // The client reports the refusal rather than a cosignature.
    let err = submit(&server, &forked12, &signed(&forked12, &signer), 8).unwrap_err();
    assert!(matches!(err, AddCheckpointError::Refused { status: 422, .. }), "{err}");

    // The honest log grown to 12, but with a corrupted proof.
    let mut grown = log_of("r", 12);
    let mut proof = grown.consistency_proof(8, 12).unwrap();
    proof[0][0] ^= 1;
    let (status, _, text) = post(&server, &body(8, &proof, &signed(&grown, &signer)));
    assert_eq!(status, 422, "{text}");
    // A proof with a missing element, and a proof where none is due (same size).
    let short = &grown.consistency_proof(8, 12).unwrap()[1..];
    assert_eq!(post(&server, &body(8, short, &signed(&grown, &signer))).0, 422);
    assert_eq!(post(&server, &body(8, &[[0; 32]], &signed(&honest, &signer))).0, 422);
    // Garbage and an old size beyond the checkpoint.
    assert_eq!(post(&server, "old x\n\nnothing").0, 400);
    assert_eq!(post(&server, &body(13, &[], &signed(&grown, &signer))).0, 400);

    assert_eq!(std::fs::read(&state).unwrap(), before, "state changed by a refused checkpoint");
    // And the honest continuation is still accepted afterwards.
    grown.append(b"r-12");
    submit(&server, &grown, &signed(&grown, &signer), 8).unwrap();
    assert_eq!(persisted(&state), Some(13));
}

#[test]
fn its_state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_path(&dir, "w.json");
    let signer = log_signer();
    let honest = log_of("r", 9);
    {
        let server = start(7, &state, &[&signer]);
        submit(&server, &honest, &signed(&honest, &signer), 0).unwrap();
    } // stopped
    let server = start(7, &state, &[&signer]);
    assert_eq!(server.witness.latest(ORIGIN).map(|l| l.size), Some(9));
    let (status, ctype, text) = post(&server, &body(0, &[], &signed(&honest, &signer)));
    assert_eq!((status, ctype.as_str(), text.as_str()), (409, "text/x.tlog.size", "9\n"));
    // After the restart it still refuses the fork it would have refused before.
    let (status, _, _) = post(&server, &body(9, &[], &signed(&log_of("tampered", 9), &signer)));
    assert_eq!(status, 409);
}

#[test]
fn refuses_unknown_logs_and_wrong_keys() {
    let dir = tempfile::tempdir().unwrap();
    let signer = log_signer();
    let server = start(7, &state_path(&dir, "w.json"), &[&signer]);
    let log = log_of("r", 3);
    let stranger = NoteSigner::new("other.example/log", &[2; 32]).unwrap();
    let (status, _, text) = post(&server, &body(0, &[], &signed(&log, &stranger)));
    assert_eq!(status, 404, "{text}");
    // The right origin, signed by another key.
    let impostor = NoteSigner::new(ORIGIN, &[3; 32]).unwrap();
    let (status, _, text) = post(&server, &body(0, &[], &signed(&log, &impostor)));
    assert_eq!(status, 403, "{text}");
    assert_eq!(server.witness.latest(ORIGIN), None);
    assert!(!state_path(&dir, "w.json").exists());
}

fn policy_2_of_2(signer: &NoteSigner, a: &Server, b: &Server) -> Policy {
    Policy::parse(&format!(
        "log {}\nwitness a {}\nwitness b {}\ngroup both 2 a b\nquorum both\n",
        signer.verifier_key(),
        a.witness.verifier().to_vkey(),
        b.witness.verifier().to_vkey()
    ))
    .unwrap()
}

/// `oversight verify`'s witness check, for a verifier that verified `log`; `prover` plays the
/// register serving consistency proofs.
fn check_with(
    policy: &Policy,
    cosigned: &str,
    log: &MemoryLog,
    prover: &MemoryLog,
    signer: &NoteSigner,
) -> Result<Vec<String>, String> {
    let verified = Checkpoint::new(ORIGIN, log.size(), log.root());
    let proofs = |old, new| {
        Ok(prover.consistency_proof(old, new).unwrap().iter().map(|h| h.to_vec()).collect::<Vec<_>>())
    };
    oversight_verify::check_witnessed(
        policy,
        cosigned,
        &signer.verifier(),
        &verified,
        log.store().leaf_hashes(),
        proofs,
    )
    .map(|w| w.cosigned_by)
    .map_err(|e| e.to_string())
}

fn check(
    policy: &Policy,
    cosigned: &str,
    log: &MemoryLog,
    signer: &NoteSigner,
) -> Result<Vec<String>, String> {
    check_with(policy, cosigned, log, log, signer)
}

#[test]
fn two_witnesses_2_of_2_pass_together_fail_alone_and_a_fork_cannot_reach_quorum() {
    let dir = tempfile::tempdir().unwrap();
    let signer = log_signer();
    let a = start(7, &state_path(&dir, "a.json"), &[&signer]);
    let b = start(8, &state_path(&dir, "b.json"), &[&signer]);
    let policy = policy_2_of_2(&signer, &a, &b);

    let honest = log_of("r", 10);
    let note = signed(&honest, &signer);
    let la = submit(&a, &honest, &note, 0).unwrap();
    let lb = submit(&b, &honest, &note, 0).unwrap();
    let both = attach_cosignatures(&note, &[&la, &lb]);
    assert_eq!(check(&policy, &both, &honest, &signer).unwrap(), ["a", "b"]);
    let only_a = attach_cosignatures(&note, &[&la]);
    let err = check(&policy, &only_a, &honest, &signer).unwrap_err();
    assert!(err.contains("quorum"), "{err}");

    // An older cosigned checkpoint still vouches for a verified, larger tree consistent with it.
    let mut grown = log_of("r", 14);
    assert_eq!(check(&policy, &both, &grown, &signer).unwrap(), ["a", "b"]);
    // A checkpoint cosigned by both at 14 vouches for a verifier that has only seen 10 (via proof).
    let note14 = signed(&grown, &signer);
    let both14 = attach_cosignatures(
        &note14,
        &[&submit(&a, &grown, &note14, 10).unwrap(), &submit(&b, &grown, &note14, 10).unwrap()],
    );
    assert!(check_with(&policy, &both14, &honest, &grown, &signer).is_ok());
    // The same note served with a proof from another tree does not.
    assert!(check_with(&policy, &both14, &honest, &log_of("x", 14), &signer).is_err());
    grown.append(b"r-14");

    // The database is tampered with: records changed, the tree rebuilt and re-signed by the log key.
    // Witness b has never seen this log (a fresh witness); a has cosigned the honest 14.
    let b_fresh = start(9, &state_path(&dir, "c.json"), &[&signer]);
    let policy = policy_2_of_2(&signer, &a, &b_fresh);
    let tampered = log_of("tampered", 15);
    let forged = signed(&tampered, &signer);
    let by_b = submit(&b_fresh, &tampered, &forged, 0).unwrap();
    let by_a = submit(&a, &tampered, &forged, 0);
    // a follows the 409 to its size 14 and then cannot be given a valid proof: refused.
    assert!(matches!(by_a, Err(AddCheckpointError::Refused { status: 422, .. })), "{by_a:?}");
    assert_eq!(a.witness.latest(ORIGIN).unwrap().size, 14);
    let cosigned = attach_cosignatures(&forged, &[&by_b]);
    let err = check(&policy, &cosigned, &tampered, &signer).unwrap_err();
    assert!(err.contains("quorum"), "{err}");
    // And the honest verifier holding the honest tree sees the fork as a mismatch, not as proof.
    let policy_any = Policy::parse(&format!(
        "log {}\nwitness b {}\nquorum b\n",
        signer.verifier_key(),
        b_fresh.witness.verifier().to_vkey()
    ))
    .unwrap();
    let err = check(&policy_any, &cosigned, &log_of("r", 15), &signer).unwrap_err();
    assert!(err.contains("split view"), "{err}");
}
