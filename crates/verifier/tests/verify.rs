//! End-to-end tests of the verifier against a tiny in-test HTTP server that serves a log built
//! with oversight-tlog, honest or tampered in the ways an authority (or an intruder) could.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_tlog::{Checkpoint, Cosigner, MemoryLog, Note, NoteSigner};
use oversight_verify::{KeySource, VerifyError, VerifyOptions, verify};

const ORIGIN: &str = "register.test/log";

/// What the fake register serves. Tests mutate it between verifier runs.
struct Register {
    signer: NoteSigner,
    /// The log's leaves (what `/log/entries` serves).
    log: Vec<Vec<u8>>,
    /// The published records (what `/register/decisions.jsonl` serves).
    published: Vec<Vec<u8>>,
    /// Sign checkpoints at this size instead of the full log.
    checkpoint_size: Option<u64>,
    /// Serve a checkpoint one record short this many times (a log growing during a run).
    stale_checkpoints: u32,
    /// Serve this signed note as the checkpoint (one signed earlier, before an edit).
    fixed_checkpoint: Option<String>,
    /// Label entry pages with a wrong start index.
    bad_page_start: bool,
    /// Witnesses cosigning every checkpoint served: (cosigner, POSIX time).
    witnesses: Vec<(Cosigner, u64)>,
    /// Most entries per page.
    page: usize,
}

fn record(i: u64) -> Vec<u8> {
    format!(r#"{{"index":{i},"outcome":"issued","destination":"BR","control_entries":["5A001.j"]}}"#)
        .into_bytes()
}

impl Register {
    fn new(n: u64) -> Self {
        let log: Vec<Vec<u8>> = (0..n).map(record).collect();
        Register {
            signer: NoteSigner::new(ORIGIN, &[42; 32]).unwrap(),
            published: log.clone(),
            log,
            checkpoint_size: None,
            stale_checkpoints: 0,
            fixed_checkpoint: None,
            bad_page_start: false,
            witnesses: Vec::new(),
            page: 3,
        }
    }

    fn append(&mut self, n: u64) {
        for _ in 0..n {
            let r = record(self.log.len() as u64);
            self.log.push(r.clone());
            self.published.push(r);
        }
    }

    fn tree(&self, size: u64) -> MemoryLog {
        let mut log = MemoryLog::new();
        for r in &self.log[..size as usize] {
            log.append(r);
        }
        log
    }

    fn respond(&mut self, path: &str) -> (u16, String) {
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        let q = |name: &str| -> u64 {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let full = self.log.len() as u64;
        match route {
            "/log/key" => (200, self.signer.verifier_key()),
            "/log/checkpoint" if self.fixed_checkpoint.is_some() => {
                (200, self.fixed_checkpoint.clone().unwrap())
            }
            "/log/checkpoint" => {
                let mut size = self.checkpoint_size.unwrap_or(full);
                if self.stale_checkpoints > 0 {
                    self.stale_checkpoints -= 1;
                    size -= 1;
                }
                let cp = Checkpoint::new(ORIGIN, size, self.tree(size).root());
                let mut note = Note::parse(&cp.sign(&self.signer).unwrap()).unwrap();
                for (witness, time) in &self.witnesses {
                    note.signatures.push(witness.cosign(&note.text, *time));
                }
                (200, note.to_text())
            }
            "/log/entries" => {
                let (start, end) = (q("start"), q("end").min(full));
                let end = end.min(start + self.page as u64);
                let entries: Vec<String> = (start..end).map(|i| B64.encode(&self.log[i as usize])).collect();
                let start = start + u64::from(self.bad_page_start);
                (200, serde_json::json!({"start": start, "entries": entries}).to_string())
            }
            "/log/proof/inclusion" => {
                let (index, size) = (q("index"), q("size"));
                let tree = self.tree(full);
                let proof: Vec<String> =
                    tree.inclusion_proof(index, size).unwrap().iter().map(|h| B64.encode(h)).collect();
                let leaf = B64.encode(tree.store().leaf_hashes()[index as usize]);
                let body =
                    serde_json::json!({"index": index, "size": size, "leaf_hash": leaf, "proof": proof});
                (200, body.to_string())
            }
            "/log/proof/consistency" => {
                let (old, new) = (q("old"), q("new"));
                match self.tree(full).consistency_proof(old, new) {
                    Ok(proof) => {
                        let proof: Vec<String> = proof.iter().map(|h| B64.encode(h)).collect();
                        (200, serde_json::json!({"old": old, "new": new, "proof": proof}).to_string())
                    }
                    Err(e) => (400, e.to_string()),
                }
            }
            "/register/decisions.jsonl" => {
                let mut body = Vec::new();
                for r in &self.published {
                    body.extend_from_slice(r);
                    body.push(b'\n');
                }
                (200, String::from_utf8(body).unwrap())
            }
            _ => (404, "not found".into()),
        }
    }
}

/// Starts the fake register on a random port; returns its base URL.
fn serve(register: Arc<Mutex<Register>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Skip the headers; GET requests have no body.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = register.lock().unwrap().respond(&path);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    url
}

struct Fixture {
    register: Arc<Mutex<Register>>,
    opts: VerifyOptions,
    _dir: tempfile::TempDir,
}

fn fixture(n: u64) -> Fixture {
    let register = Arc::new(Mutex::new(Register::new(n)));
    let dir = tempfile::tempdir().unwrap();
    let mut opts = VerifyOptions::new(serve(register.clone()));
    opts.state_file = Some(dir.path().join("state.json"));
    Fixture { register, opts, _dir: dir }
}

impl Fixture {
    fn edit(&self, f: impl FnOnce(&mut Register)) {
        f(&mut self.register.lock().unwrap());
    }
}

#[test]
fn honest_register_verifies_and_its_key_is_pinned_on_first_use() {
    let fx = fixture(10);
    let report = verify(&fx.opts).unwrap();
    assert_eq!(report.size, 10);
    assert_eq!(report.entries, 10);
    assert_eq!(report.records, 10);
    assert_eq!(report.key_source, KeySource::TrustedOnFirstUse);
    assert!(report.to_string().contains("trusted on first use and pinned"));

    fx.edit(|r| r.append(7));
    let report = verify(&fx.opts).unwrap();
    assert_eq!(report.key_source, KeySource::Pinned);
    assert_eq!(report.previous_size, Some(10));
    assert_eq!(report.size, 17);
}

#[test]
fn empty_and_single_record_logs_verify() {
    let fx = fixture(0);
    assert_eq!(verify(&fx.opts).unwrap().size, 0);
    fx.edit(|r| r.append(1));
    assert_eq!(verify(&fx.opts).unwrap().size, 1);
    fx.edit(|r| r.append(1));
    assert_eq!(verify(&fx.opts).unwrap().size, 2);
}

#[test]
fn record_tampered_in_the_register_is_not_in_the_log() {
    let fx = fixture(10);
    verify(&fx.opts).unwrap();
    fx.edit(|r| r.published[4] = br#"{"index":4,"outcome":"refused"}"#.to_vec());
    let err = verify(&fx.opts).unwrap_err();
    assert!(matches!(err, VerifyError::RecordNotInLog { line: 5, .. }), "{err}");
    assert!(err.is_mismatch());
}

#[test]
fn log_entry_edited_after_signing_does_not_hash_to_the_signed_root() {
    let fx = fixture(10);
    verify(&fx.opts).unwrap();
    fx.edit(|r| {
        // The checkpoint stays the one signed over the honest log; then a database edit
        // changes one stored entry (and the published record with it).
        let size = r.log.len() as u64;
        r.fixed_checkpoint =
            Some(Checkpoint::new(ORIGIN, size, r.tree(size).root()).sign(&r.signer).unwrap());
        r.log[4] = br#"{"index":4,"outcome":"refused"}"#.to_vec();
        r.published[4] = r.log[4].clone();
    });
    let err = verify(&fx.opts).unwrap_err();
    assert!(matches!(err, VerifyError::RootMismatch { size: 10, .. }), "{err}");
    assert!(err.to_string().starts_with("root mismatch at size 10: the checkpoint says "));
}

#[test]
fn log_rewritten_and_resigned_at_the_same_size_is_a_fork() {
    let fx = fixture(10);
    verify(&fx.opts).unwrap();
    fx.edit(|r| {
        r.log[3] = b"edited".to_vec();
        r.published[3] = b"edited".to_vec();
    });
    let err = verify(&fx.opts).unwrap_err();
    assert!(matches!(err, VerifyError::Forked { size: 10, .. }), "{err}");
}

#[test]
fn record_deleted_from_the_register_is_reported_missing() {
    let fx = fixture(10);
    verify(&fx.opts).unwrap();
    fx.edit(|r| {
        r.published.remove(6);
    });
    let err = verify(&fx.opts).unwrap_err();
    assert!(matches!(err, VerifyError::RecordMissing { index: 6, .. }), "{err}");
    assert!(err.to_string().contains(r#""index":6"#));
}

#[test]
fn record_deleted_from_register_and_log_is_an_inconsistent_history() {
    let fx = fixture(10);
    verify(&fx.opts).unwrap();
    fx.edit(|r| {
        r.log.remove(2);
        r.published.remove(2);
        r.append(3); // hide the deletion behind growth: 12 entries
    });
    let err = verify(&fx.opts).unwrap_err();
    assert!(matches!(err, VerifyError::Inconsistent { old: 10, new: 12, .. }), "{err}");
}

#[test]
fn rolled_back_log_fails_because_its_size_went_backwards() {
    let fx = fixture(10);
    verify(&fx.opts).unwrap();
    fx.edit(|r| {
        r.log.truncate(7);
        r.published.truncate(7);
    });
    let err = verify(&fx.opts).unwrap_err();
    assert!(matches!(err, VerifyError::SizeWentBackwards { previous: 10, now: 7 }), "{err}");
    assert_eq!(
        err.to_string(),
        "log size went backwards: the checkpoint seen last time had 10 entries, the server now claims 7"
    );
}

#[test]
fn checkpoint_signed_with_another_key_fails_against_the_pinned_key() {
    let fx = fixture(5);
    verify(&fx.opts).unwrap();
    fx.edit(|r| r.signer = NoteSigner::new(ORIGIN, &[7; 32]).unwrap());
    let err = verify(&fx.opts).unwrap_err();
    assert!(matches!(err, VerifyError::BadSignature(_)), "{err}");
}

#[test]
fn a_wrong_given_key_is_refused() {
    let fx = fixture(5);
    let mut opts = fx.opts.clone();
    opts.state_file = None;
    opts.key = Some(NoteSigner::new(ORIGIN, &[8; 32]).unwrap().verifier_key());
    let err = verify(&opts).unwrap_err();
    assert!(matches!(err, VerifyError::BadSignature(_)), "{err}");
    // The right key works without any state file.
    opts.key = Some(fx.register.lock().unwrap().signer.verifier_key());
    assert_eq!(verify(&opts).unwrap().key_source, KeySource::Given);
}

#[test]
fn a_given_key_that_contradicts_the_pinned_one_is_refused() {
    let fx = fixture(5);
    verify(&fx.opts).unwrap();
    let mut opts = fx.opts.clone();
    opts.key = Some(NoteSigner::new(ORIGIN, &[8; 32]).unwrap().verifier_key());
    let err = verify(&opts).unwrap_err();
    assert!(matches!(err, VerifyError::KeyMismatch { .. }), "{err}");
    assert!(!err.is_mismatch());
}

#[test]
fn records_published_after_the_checkpoint_are_found_under_a_newer_checkpoint() {
    let fx = fixture(8);
    fx.edit(|r| r.stale_checkpoints = 1);
    let report = verify(&fx.opts).unwrap();
    assert_eq!(report.size, 8);
    assert_eq!(report.records, 8);
}

#[test]
fn an_empty_record_is_a_legal_leaf() {
    let fx = fixture(5);
    fx.edit(|r| r.log[2] = Vec::new());
    fx.edit(|r| r.published[2] = Vec::new());
    verify(&fx.opts).unwrap();
}

#[test]
fn malformed_entries_page_is_reported_with_its_url() {
    let fx = fixture(5);
    fx.edit(|r| r.bad_page_start = true);
    let err = verify(&fx.opts).unwrap_err();
    assert!(matches!(err, VerifyError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("/log/entries?start=0&end=5"), "{err}");
    assert!(err.to_string().contains("page starts at 1 instead of 0"), "{err}");
}

#[test]
fn missing_endpoint_is_reported_as_a_transport_problem() {
    let fx = fixture(5);

    let mut opts = fx.opts.clone();
    opts.base_url = format!("{}/nowhere", opts.base_url);
    opts.state_file = None;
    let err = verify(&opts).unwrap_err();
    assert!(matches!(err, VerifyError::HttpStatus { status: 404, .. }), "{err}");
}

#[test]
fn binary_exits_zero_when_verified_and_one_with_the_message_on_a_rollback() {
    let fx = fixture(6);
    let state = fx.opts.state_file.clone().unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_oversight-verify"))
            .args(["--url", &fx.opts.base_url, "--state"])
            .arg(&state)
            .output()
            .unwrap()
    };
    let ok = run();
    assert_eq!(ok.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(stdout.starts_with("OK: log register.test/log verified at size 6"), "{stdout}");
    assert!(stdout.contains("pinned in"), "{stdout}");

    fx.edit(|r| r.log.truncate(4));
    let failed = run();
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&failed.stderr).trim(),
        "FAILED: log size went backwards: the checkpoint seen last time had 6 entries, the server now claims 4"
    );
}

#[test]
fn required_witness_cosignatures_are_checked() {
    let fx = fixture(4);
    let witness = Cosigner::new("witness.test/w1", &[11; 32]).unwrap();
    let mut opts = fx.opts.clone();
    opts.witnesses = vec![witness.verifier().to_vkey()];

    let err = verify(&opts).unwrap_err();
    assert_eq!(err.to_string(), "the checkpoint is not cosigned by witness witness.test/w1");

    fx.edit(|r| r.witnesses.push((Cosigner::new("witness.test/w1", &[11; 32]).unwrap(), 1_700_000_000)));
    let report = verify(&opts).unwrap();
    assert_eq!(report.cosignatures, [("witness.test/w1".to_string(), 1_700_000_000)]);

    // A different key under the same name does not count as that witness.
    fx.edit(|r| r.witnesses = vec![(Cosigner::new("witness.test/w1", &[12; 32]).unwrap(), 1)]);
    assert!(matches!(verify(&opts).unwrap_err(), VerifyError::MissingCosignature(_)));
}
