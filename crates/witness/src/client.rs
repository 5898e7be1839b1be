//! The submitting side of `tlog-witness`: post a checkpoint to a witness and collect its
//! cosignature, following the `409 Conflict` size-mismatch dance; and a minimal reader of the
//! register's public log API (checkpoint and consistency proofs) to feed it.
//!
//! Blocking (`ureq`), like the verifier: a submitter is a command or a background thread.

use std::io::Read;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_tlog::{Checkpoint, Hash, Note};
use serde::Deserialize;

/// How many times a 409 with the witness's size is followed before giving up (the witness's size
/// may move between attempts if several submitters race; two retries are plenty).
pub const MAX_ATTEMPTS: usize = 3;

/// Why a checkpoint could not be cosigned.
#[derive(Debug, thiserror::Error)]
pub enum AddCheckpointError {
    #[error("the checkpoint to submit is malformed: {0}")]
    Malformed(String),
    #[error("POST {url} failed: {reason}")]
    Http { url: String, reason: String },
    #[error("the witness at {url} refused the checkpoint: HTTP {status}: {body}")]
    Refused { url: String, status: u16, body: String },
    #[error("the witness at {url} has cosigned size {witness_size}, beyond this checkpoint's size {size}")]
    WitnessAhead { url: String, witness_size: u64, size: u64 },
    #[error(
        "the witness at {url} kept answering 409 with a moving size; gave up after {MAX_ATTEMPTS} attempts"
    )]
    TooManyConflicts { url: String },
    #[error("no consistency proof from size {old} to {new}: {reason}")]
    Proof { old: u64, new: u64, reason: String },
    #[error("the witness at {url} answered 200 without a cosignature line: {body:?}")]
    NoCosignature { url: String, body: String },
}

/// A witness's answer: its cosignature line(s), and the size it had cosigned before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    /// Signature lines `— <name> <base64>\n`, ready to append to the note.
    pub lines: String,
    /// The `old` size the witness accepted (its previous latest size).
    pub old: u64,
}

fn request_body(old: u64, proof: &[Hash], note: &str) -> String {
    let mut body = format!("old {old}\n");
    for h in proof {
        body.push_str(&B64.encode(h));
        body.push('\n');
    }
    body.push('\n');
    body.push_str(note);
    body
}

fn read_body(r: ureq::Response) -> String {
    let mut body = String::new();
    let _ = r.into_reader().take(64 * 1024).read_to_string(&mut body);
    body
}

/// Submits `signed_checkpoint` to the witness at `witness_url` (its base URL; the request goes to
/// `<witness_url>/add-checkpoint`). `old_hint` is the size the submitter believes the witness last
/// cosigned (0 if it does not know); `proofs(old, new)` provides a consistency proof between two
/// sizes of the log. On `409 Conflict` with `text/x.tlog.size`, retries from the witness's size.
pub fn add_checkpoint(
    agent: &ureq::Agent,
    witness_url: &str,
    signed_checkpoint: &str,
    old_hint: u64,
    proofs: &mut dyn FnMut(u64, u64) -> Result<Vec<Hash>, String>,
) -> Result<Cosigned, AddCheckpointError> {
    let note = Note::parse(signed_checkpoint).map_err(|e| AddCheckpointError::Malformed(e.to_string()))?;
    let checkpoint =
        Checkpoint::parse(&note.text).map_err(|e| AddCheckpointError::Malformed(e.to_string()))?;
    let url = format!("{}/add-checkpoint", witness_url.trim_end_matches('/'));
    let mut old = old_hint.min(checkpoint.size);
    for _ in 0..MAX_ATTEMPTS {
        let proof = if old == 0 || old == checkpoint.size {
            Vec::new()
        } else {
            proofs(old, checkpoint.size).map_err(|reason| AddCheckpointError::Proof {
                old,
                new: checkpoint.size,
                reason,
            })?
        };
        let body = request_body(old, &proof, signed_checkpoint);
        match agent.post(&url).set("Content-Type", "text/plain; charset=utf-8").send_string(&body) {
            Ok(r) => {
                let body = read_body(r);
                if !body.starts_with("— ") {
                    return Err(AddCheckpointError::NoCosignature { url, body });
                }
                return Ok(Cosigned { lines: body, old });
            }
            Err(ureq::Error::Status(409, r))
                if r.header("Content-Type").is_some_and(|t| t.trim() == "text/x.tlog.size") =>
            {
                let body = read_body(r);
                let size = body.strip_suffix('\n').and_then(|s| s.parse::<u64>().ok()).ok_or_else(|| {
                    AddCheckpointError::Refused { url: url.clone(), status: 409, body: body.clone() }
                })?;
                if size > checkpoint.size {
                    return Err(AddCheckpointError::WitnessAhead {
                        url,
                        witness_size: size,
                        size: checkpoint.size,
                    });
                }
                if size == old {
                    return Err(AddCheckpointError::Refused { url, status: 409, body });
                }
                tracing::info!(%url, hinted = old, witness = size, "witness holds another size; retrying from it");
                old = size;
            }
            Err(ureq::Error::Status(status, r)) => {
                return Err(AddCheckpointError::Refused {
                    url,
                    status,
                    body: read_body(r).trim().to_string(),
                });
            }
            Err(ureq::Error::Transport(t)) => {
                return Err(AddCheckpointError::Http { url, reason: t.to_string() });
            }
        }
    }
    Err(AddCheckpointError::TooManyConflicts { url })
}

/// The note with the cosignature lines appended (lines already present are not repeated).
pub fn attach_cosignatures(note: &str, cosignatures: &[&str]) -> String {
    let mut out = note.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    for block in cosignatures {
        for line in block.lines().filter(|l| !l.is_empty()) {
            let line = format!("{line}\n");
            if !out.contains(&line) {
                out.push_str(&line);
            }
        }
    }
    out
}

/// The register's public log API, as much as a submitter needs.
#[derive(Debug)]
pub struct Register {
    base: String,
    agent: ureq::Agent,
}

#[derive(Deserialize)]
struct ConsistencyResponse {
    old: u64,
    new: u64,
    proof: Vec<String>,
}

impl Register {
    pub fn new(base_url: &str, timeout: Duration) -> Self {
        Register {
            base: base_url.trim_end_matches('/').to_string(),
            agent: ureq::AgentBuilder::new().timeout(timeout).build(),
        }
    }

    fn get(&self, path: &str) -> Result<String, String> {
        let url = format!("{}{}", self.base, path);
        match self.agent.get(&url).call() {
            Ok(r) => r.into_string().map_err(|e| format!("GET {url}: reading the body: {e}")),
            Err(ureq::Error::Status(status, r)) => {
                Err(format!("GET {url} returned HTTP {status}: {}", read_body(r).trim()))
            }
            Err(e) => Err(format!("GET {url} failed: {e}")),
        }
    }

    /// `GET /log/checkpoint`: the signed checkpoint note.
    pub fn checkpoint(&self) -> Result<String, String> {
        self.get("/log/checkpoint")
    }

    /// `GET /log/proof/consistency?old=M&new=N`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, String> {
        let path = format!("/log/proof/consistency?old={old}&new={new}");
        let body = self.get(&path)?;
        let r: ConsistencyResponse =
            serde_json::from_str(&body).map_err(|e| format!("{path}: invalid JSON: {e}"))?;
        if r.old != old || r.new != new {
            return Err(format!("{path}: proof is for sizes {} → {}", r.old, r.new));
        }
        r.proof
            .iter()
            .map(|p| {
                B64.decode(p)
                    .ok()
                    .and_then(|h| h.try_into().ok())
                    .ok_or_else(|| format!("{path}: a proof element is not the base64 of 32 bytes"))
            })
            .collect()
    }
}
