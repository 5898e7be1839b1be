//! The witness: `POST /add-checkpoint` of C2SP `tlog-witness`.
//!
//! Request body: `old <size>\n`, zero or more consistency-proof lines (base64 hashes), an empty
//! line, then the signed checkpoint note. Answers, in the order the checks are made:
//!
//! | status | when |
//! |---|---|
//! | 400 | malformed body, note or checkpoint; `old` larger than the checkpoint's size |
//! | 404 | the checkpoint's origin is not a log this witness knows |
//! | 403 | the note carries no valid signature by that log's key |
//! | 409 + `text/x.tlog.size` | `old` is not the size this witness last cosigned (body: that size) |
//! | 409 (plain text) | same size as the one cosigned, different root: a fork |
//! | 422 | the consistency proof does not prove the new checkpoint extends the old one |
//! | 500 | the new state could not be persisted (nothing is cosigned) |
//! | 200 | the `cosignature/v1` line, after the new size and root are on disk |

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_tlog::{
    Checkpoint, CosignatureVerifier, Cosigner, Hash, Note, NoteVerifier, ProofError, empty_root,
    verify_consistency,
};

use crate::state::{LogState, StateError, WitnessState};

/// Largest request accepted: a checkpoint with a few signatures and at most 63 proof lines.
pub const MAX_BODY: usize = 16 * 1024;
/// A consistency proof for a tree of at most 2^63 leaves has at most this many hashes.
pub const MAX_PROOF_LINES: usize = 63;

/// Why the witness did not cosign.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unknown log {0:?}")]
    UnknownLog(String),
    #[error("the checkpoint is not signed by the key of log {0:?}")]
    BadSignature(String),
    #[error("old size {given} is not the size {known} this witness last cosigned")]
    SizeMismatch { given: u64, known: u64 },
    #[error("fork: the checkpoint of size {size} has root {now}, this witness cosigned root {cosigned}")]
    Fork { size: u64, cosigned: String, now: String },
    #[error("the consistency proof from size {old} to {new} does not verify: {reason}")]
    BadProof { old: u64, new: u64, reason: ProofError },
    #[error("could not persist the new state: {0}")]
    Persist(StateError),
}

impl Refusal {
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::BadRequest(_) => StatusCode::BAD_REQUEST,
            Refusal::UnknownLog(_) => StatusCode::NOT_FOUND,
            Refusal::BadSignature(_) => StatusCode::FORBIDDEN,
            Refusal::SizeMismatch { .. } | Refusal::Fork { .. } => StatusCode::CONFLICT,
            Refusal::BadProof { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Persist(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SizeMismatch { known, .. } => {
                (StatusCode::CONFLICT, [(header::CONTENT_TYPE, "text/x.tlog.size")], format!("{known}\n"))
                    .into_response()
            }
            other => (other.status(), format!("{other}\n")).into_response(),
        }
    }
}

/// A witness: its key, the logs it witnesses and its persisted state.
pub struct Witness {
    cosigner: Cosigner,
    logs: BTreeMap<String, NoteVerifier>,
    state_path: PathBuf,
    /// Held for the whole check–persist–cosign sequence of a request, so two submissions for the
    /// same log cannot both extend the same old state.
    state: Mutex<WitnessState>,
}

impl std::fmt::Debug for Witness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness")
            .field("cosigner", &self.cosigner)
            .field("logs", &self.logs.keys().collect::<Vec<_>>())
            .field("state_path", &self.state_path)
            .finish_non_exhaustive()
    }
}

fn parse_decimal(s: &str) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    canonical.then(|| s.parse().ok()).flatten()
}

fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A parsed add-checkpoint request body.
struct Request {
    old: u64,
    proof: Vec<Hash>,
    note_text: String,
}

fn parse_request(body: &str) -> Result<Request, Refusal> {
    let bad = |m: &str| Refusal::BadRequest(m.to_string());
    let (head, note_text) =
        body.split_once("\n\n").ok_or_else(|| bad("no empty line before the checkpoint"))?;
    let mut lines = head.split('\n');
    let old = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .and_then(parse_decimal)
        .ok_or_else(|| bad("the first line must be `old <size>`"))?;
    let mut proof = Vec::new();
    for line in lines {
        if proof.len() == MAX_PROOF_LINES {
            return Err(bad("too many consistency proof lines"));
        }
        let hash: Hash = B64
            .decode(line)
            .ok()
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| bad("a consistency proof line is not the base64 of 32 bytes"))?;
        proof.push(hash);
    }
    Ok(Request { old, proof, note_text: note_text.to_string() })
}

impl Witness {
    /// A witness cosigning with `cosigner` for `logs` (each log's origin is its key name), with
    /// its state in `state_path` (created on the first cosignature).
    pub fn open(
        cosigner: Cosigner,
        logs: Vec<NoteVerifier>,
        state_path: PathBuf,
    ) -> Result<Self, StateError> {
        let state = WitnessState::load(&state_path)?;
        let logs = logs.into_iter().map(|l| (l.name().to_string(), l)).collect();
        Ok(Witness { cosigner, logs, state_path, state: Mutex::new(state) })
    }

    /// The witness's cosignature verifier key, to put in a policy file.
    pub fn verifier(&self) -> CosignatureVerifier {
        self.cosigner.verifier()
    }

    /// The latest checkpoint cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Option<LogState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).logs.get(origin).cloned()
    }

    /// Handles an add-checkpoint body; returns the cosignature line(s) to send back.
    pub fn add_checkpoint(&self, body: &str) -> Result<String, Refusal> {
        self.add_checkpoint_at(body, now_unix())
    }

    /// [`Witness::add_checkpoint`] with the cosignature's timestamp given.
    pub fn add_checkpoint_at(&self, body: &str, timestamp: u64) -> Result<String, Refusal> {
        let req = parse_request(body)?;
        let note = Note::parse(&req.note_text).map_err(|e| Refusal::BadRequest(format!("bad note: {e}")))?;
        let checkpoint =
            Checkpoint::parse(&note.text).map_err(|e| Refusal::BadRequest(format!("bad checkpoint: {e}")))?;
        let log = self
            .logs
            .get(&checkpoint.origin)
            .ok_or_else(|| Refusal::UnknownLog(checkpoint.origin.clone()))?;
        log.open(&req.note_text).map_err(|_| Refusal::BadSignature(checkpoint.origin.clone()))?;
        if checkpoint.size == 0 && checkpoint.root != empty_root() {
            return Err(Refusal::BadRequest(
                "a checkpoint of size 0 must carry the empty tree's root".into(),
            ));
        }
        if req.old > checkpoint.size {
            return Err(Refusal::BadRequest(format!(
                "old size {} is larger than the checkpoint's size {}",
                req.old, checkpoint.size
            )));
        }

        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let known = state.logs.get(&checkpoint.origin);
        let known_size = known.map_or(0, |k| k.size);
        if req.old != known_size {
            return Err(Refusal::SizeMismatch { given: req.old, known: known_size });
        }
        // Nothing cosigned yet (or only the empty tree): every tree extends the empty one, so
        // there is nothing to prove.
        let known_root = known.and_then(LogState::root_hash).filter(|_| known_size > 0);
        let changed = match known_root {
            None => {
                if !req.proof.is_empty() {
                    return Err(Refusal::BadProof {
                        old: 0,
                        new: checkpoint.size,
                        reason: ProofError::WrongProofSize { got: req.proof.len(), want: 0 },
                    });
                }
                true
            }
            Some(root) if checkpoint.size == known_size => {
                if root != checkpoint.root {
                    tracing::warn!(origin = %checkpoint.origin, size = known_size, "refused a forked checkpoint");
                    return Err(Refusal::Fork {
                        size: known_size,
                        cosigned: B64.encode(root),
                        now: B64.encode(checkpoint.root),
                    });
                }
                if !req.proof.is_empty() {
                    return Err(Refusal::BadProof {
                        old: known_size,
                        new: checkpoint.size,
                        reason: ProofError::WrongProofSize { got: req.proof.len(), want: 0 },
                    });
                }
                false
            }
            Some(root) => {
                verify_consistency(known_size, checkpoint.size, &req.proof, &root, &checkpoint.root).map_err(
                    |reason| {
                        tracing::warn!(origin = %checkpoint.origin, old = known_size, new = checkpoint.size, %reason, "refused an inconsistent checkpoint");
                        Refusal::BadProof { old: known_size, new: checkpoint.size, reason }
                    },
                )?;
                true
            }
        };
        if changed {
            let mut next = state.clone();
            next.logs.insert(
                checkpoint.origin.clone(),
                LogState {
                    size: checkpoint.size,
                    root: B64.encode(checkpoint.root),
                    checkpoint: req.note_text.clone(),
                },
            );
            // Durable before the cosignature leaves this function; on failure nothing changes.
            next.save(&self.state_path).map_err(Refusal::Persist)?;
            *state = next;
        }
        drop(state);
        Ok(self.cosigner.cosign(&note.text, timestamp).to_line())
    }
}

async fn add_checkpoint_handler(State(witness): State<Arc<Witness>>, body: String) -> Response {
    // The state is written with fsync: keep that off the async workers.
    let result = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body)).await;
    match result {
        Ok(Ok(line)) => (StatusCode::OK, line).into_response(),
        Ok(Err(refusal)) => refusal.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// The witness's HTTP routes: `POST /add-checkpoint`.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint_handler))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(witness)
}

/// Serves the witness on `listener` until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, witness: Arc<Witness>) -> std::io::Result<()> {
    axum::serve(listener, router(witness)).await
}
