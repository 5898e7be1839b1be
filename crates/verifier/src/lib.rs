//! `oversight-verify`: checks, from the outside, that a register's public log is honest.
//!
//! Responsible for: fetching a register's signed checkpoint, every log entry, the published
//! records (`/register/decisions.jsonl`) and proofs over HTTP; checking the checkpoint signature
//! against a pinned key, recomputing the Merkle root from the entries, checking consistency with
//! the checkpoint seen last time (kept in a JSON state file), and checking that published records
//! and log leaves match one to one; with a C2SP `tlog-policy`, that a quorum of witnesses cosigned a
//! checkpoint consistent with the verified one (`witnessed.rs`). The same [`verify`] backs this crate's binary and the main
//! CLI's `oversight verify`.
//!
//! Must not depend on: any other Oversight crate than `oversight-tlog` (a watchdog must be able to
//! build and audit it alone), a database, or an async runtime.
//!
//! Start reading at [`verify`]; the HTTP contract is in `http.rs`, the state file in `state.rs`.

mod http;
mod state;
mod witnessed;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_tlog::{
    Checkpoint, CheckpointError, CosignatureVerifier, Frontier, Hash, Note, NoteError, NoteVerifier,
    ProofError, leaf_hash, open_checkpoint, verify_consistency, verify_inclusion,
};

pub use state::State;
pub use witnessed::{Witnessed, check_witnessed, parse_policy};

/// What to verify and where to remember it.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Base URL of the register, e.g. `http://localhost:8080`.
    pub base_url: String,
    /// JSON file holding the pinned key and the last verified checkpoint. Created if missing.
    /// `None`: nothing is remembered (no consistency check with an earlier run, no pinning).
    pub state_file: Option<PathBuf>,
    /// The log's verifier key `<name>+<hex key id>+<base64 key>`; overrides trust on first use.
    pub key: Option<String>,
    /// Witnesses whose `cosignature/v1` must be on the checkpoint: verifier keys
    /// `<name>+<hex key id>+<base64(0x04 ‖ public key)>`.
    pub witnesses: Vec<String>,
    /// A C2SP `tlog-policy` (the file's text): the checkpoint must be vouched for by its quorum.
    pub policy: Option<String>,
    /// The checkpoint note carrying the witnesses' cosignatures (as printed by `oversight witness
    /// submit`); without it, the register's own checkpoint note must carry them.
    pub cosigned: Option<String>,
    /// Timeout of each HTTP request.
    pub timeout: Duration,
    /// Told `(entries downloaded, entries to download)` as the log's entries arrive.
    pub progress: Option<ProgressFn>,
}

/// A progress callback: `(done, total)` log entries.
#[derive(Clone)]
pub struct ProgressFn(pub std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>);

impl std::fmt::Debug for ProgressFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressFn")
    }
}

impl VerifyOptions {
    pub fn new(base_url: impl Into<String>) -> Self {
        VerifyOptions {
            base_url: base_url.into(),
            state_file: None,
            key: None,
            witnesses: Vec::new(),
            policy: None,
            cosigned: None,
            timeout: Duration::from_secs(60),
            progress: None,
        }
    }
}

/// How the verifier came to trust the log's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Given with `--key`.
    Given,
    /// Read from the state file, pinned by an earlier run.
    Pinned,
    /// Fetched from `/log/key` and trusted on first use (pinned if a state file is used).
    TrustedOnFirstUse,
}

/// What was verified.
#[derive(Debug, Clone)]
pub struct Report {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub key: String,
    pub key_source: KeySource,
    /// Size of the checkpoint remembered from the previous run, if any.
    pub previous_size: Option<u64>,
    /// Number of log entries downloaded and hashed.
    pub entries: u64,
    /// Number of published records checked against the log.
    pub records: u64,
    /// Number of inclusion proofs served by the register that were checked.
    pub inclusion_proofs_checked: usize,
    /// Witness cosignatures checked: `(witness name, POSIX timestamp of the cosignature)`.
    pub cosignatures: Vec<(String, u64)>,
    /// The witness policy's verdict, when a policy was given.
    pub witnessed: Option<Witnessed>,
    /// Where the new checkpoint was saved.
    pub state_file: Option<PathBuf>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "OK: log {} verified at size {} (root {})",
            self.origin,
            self.size,
            B64.encode(self.root)
        )?;
        match (&self.key_source, &self.state_file) {
            (KeySource::TrustedOnFirstUse, Some(path)) => writeln!(
                f,
                "  key {} trusted on first use and pinned in {}: compare it with the key the authority publishes elsewhere",
                self.key,
                path.display()
            )?,
            (KeySource::TrustedOnFirstUse, None) => writeln!(
                f,
                "  key {} fetched from the server and NOT pinned (no state file): pass --key or --state",
                self.key
            )?,
            (KeySource::Given, _) => writeln!(f, "  signature checked with the given key {}", self.key)?,
            (KeySource::Pinned, _) => writeln!(f, "  signature checked with the pinned key {}", self.key)?,
        }
        match self.previous_size {
            Some(prev) => writeln!(
                f,
                "  consistent with the checkpoint of size {prev} seen last time (server proof and recomputed tree)"
            )?,
            None => writeln!(f, "  no earlier checkpoint to compare with (first run)")?,
        }
        writeln!(
            f,
            "  {} log entries downloaded, root recomputed; {} inclusion proofs from the server checked",
            self.entries, self.inclusion_proofs_checked
        )?;
        writeln!(
            f,
            "  {} published records in decisions.jsonl, each one a log leaf, and every leaf published",
            self.records
        )?;
        for (witness, time) in &self.cosignatures {
            writeln!(f, "  cosigned by witness {witness} at POSIX time {time}")?;
        }
        if let Some(w) = &self.witnessed {
            writeln!(
                f,
                "  witness policy satisfied by the cosigned checkpoint of size {} (valid cosignatures: {})",
                w.size,
                w.cosigned_by.join(", ")
            )?;
        }
        if let Some(path) = &self.state_file {
            writeln!(f, "  checkpoint saved in {}", path.display())?;
        }
        Ok(())
    }
}

/// Why verification failed. Each message says exactly what did not match.
/// How long a record published after the newest checkpoint may wait for a checkpoint that covers
/// it before it counts as "not in the log" (the server signs at most every
/// `register.checkpoint_interval_ms`, 250 ms by default).
pub const PENDING_CHECKPOINT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("GET {url} failed: {reason}")]
    Http { url: String, reason: String },
    #[error("GET {url} returned HTTP {status}: {body}")]
    HttpStatus { url: String, status: u16, body: String },
    #[error("malformed response from {url}: {what}")]
    Malformed { url: String, what: String },
    #[error("the log key {key:?} is invalid: {reason}")]
    BadKey { key: String, reason: NoteError },
    #[error(
        "the given key {given} differs from the key {pinned} pinned in the state file; delete the state file if the authority really changed its key"
    )]
    KeyMismatch { given: String, pinned: String },
    #[error("state file {path}: {reason}")]
    State { path: PathBuf, reason: String },
    #[error("bad checkpoint signature: {0}")]
    BadSignature(NoteError),
    #[error("malformed checkpoint: {0}")]
    BadCheckpoint(CheckpointError),
    #[error("witness key {key:?} is invalid: {reason}")]
    BadWitnessKey { key: String, reason: NoteError },
    #[error("the checkpoint is not cosigned by witness {0}")]
    MissingCosignature(String),
    #[error("bad cosignature by witness {witness}: {reason}")]
    BadCosignature { witness: String, reason: NoteError },
    #[error("the witness policy is invalid: {0}")]
    BadPolicy(String),
    #[error("the witness policy's quorum is not met (valid cosignatures from: {0:?})")]
    NoQuorum(Vec<String>),
    #[error("the witnessed checkpoint does not match what was verified: {0}")]
    WitnessedMismatch(String),
    #[error("log origin changed from {previous:?} to {now:?}")]
    OriginChanged { previous: String, now: String },
    #[error(
        "log size went backwards: the checkpoint seen last time had {previous} entries, the server now claims {now}"
    )]
    SizeWentBackwards { previous: u64, now: u64 },
    #[error("log forked: at size {size} the root was {previous}, now it is {now}")]
    Forked { size: u64, previous: String, now: String },
    #[error(
        "the checkpoint of size {new} is inconsistent with the checkpoint of size {old} seen last time: {reason}"
    )]
    Inconsistent { old: u64, new: u64, reason: ProofError },
    #[error(
        "root mismatch at size {size}: the checkpoint says {signed}, the downloaded entries hash to {recomputed}"
    )]
    RootMismatch { size: u64, signed: String, recomputed: String },
    #[error(
        "history rewritten: the downloaded entries give root {recomputed} at size {size}, but the checkpoint seen last time said {previous}"
    )]
    HistoryRewritten { size: u64, previous: String, recomputed: String },
    #[error("the server's inclusion proof for leaf {index} in size {size} does not verify: {reason}")]
    BadInclusionProof { index: u64, size: u64, reason: String },
    #[error("record not in log: line {line} of decisions.jsonl is not a leaf of the log: {excerpt}")]
    RecordNotInLog { line: u64, excerpt: String },
    #[error(
        "record missing from the register: log entry {index} does not appear in decisions.jsonl (deleted or hidden?): {excerpt}"
    )]
    RecordMissing { index: u64, excerpt: String },
}

impl VerifyError {
    /// True for evidence against the log (as opposed to a network, usage or file problem).
    pub fn is_mismatch(&self) -> bool {
        !matches!(
            self,
            VerifyError::Http { .. }
                | VerifyError::HttpStatus { .. }
                | VerifyError::BadKey { .. }
                | VerifyError::KeyMismatch { .. }
                | VerifyError::BadWitnessKey { .. }
                | VerifyError::BadPolicy(_)
                | VerifyError::State { .. }
        )
    }
}

fn b64(h: &Hash) -> String {
    B64.encode(h)
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text.chars().take(160).collect();
    if text.chars().count() > 160 {
        out.push('…');
    }
    out
}

/// The downloaded log: leaf hashes plus the tree's right edge.
struct Downloaded {
    leaves: Vec<Hash>,
    /// Indexes of leaves that are operating-token statements (`oversight/attest/v1 token …` and
    /// `… revocation …`, docs/operating-tokens.md): logged, but not register records, so they are
    /// not expected in decisions.jsonl.
    statements: Vec<u64>,
    frontier: Frontier,
    /// Root recomputed at the previous checkpoint's size, when it was passed.
    root_at_previous: Option<Hash>,
}

fn download(
    api: &http::Api,
    dl: &mut Downloaded,
    end: u64,
    previous_size: Option<u64>,
    progress: Option<&ProgressFn>,
) -> Result<(), VerifyError> {
    let start = dl.frontier.size();
    if let Some(p) = progress {
        (p.0)(start, end);
    }
    api.entries(start, end, |_, bytes| {
        let leaf = leaf_hash(&bytes);
        if bytes.starts_with(b"oversight/attest/v1 ") {
            dl.statements.push(dl.leaves.len() as u64);
        }
        dl.leaves.push(leaf);
        let mut sink = Vec::new();
        dl.frontier.append_leaf_hash_into(leaf, &mut sink);
        if Some(dl.frontier.size()) == previous_size {
            dl.root_at_previous = Some(dl.frontier.root());
        }
        if let Some(p) = progress {
            (p.0)(dl.frontier.size(), end);
        }
        Ok(())
    })
}

fn open(msg: &str, key: &NoteVerifier) -> Result<Checkpoint, VerifyError> {
    open_checkpoint(msg, key).map(|c| c.checkpoint).map_err(|e| match e {
        CheckpointError::Note(n) => VerifyError::BadSignature(n),
        other => VerifyError::BadCheckpoint(other),
    })
}

/// Every required witness must have a valid cosignature on the checkpoint note.
fn check_cosignatures(
    signed_note: &str,
    witnesses: &[CosignatureVerifier],
) -> Result<Vec<(String, u64)>, VerifyError> {
    if witnesses.is_empty() {
        return Ok(Vec::new());
    }
    let note = Note::parse(signed_note).map_err(VerifyError::BadSignature)?;
    witnesses
        .iter()
        .map(|w| match w.verify(&note) {
            Ok(Some(time)) => Ok((w.name().to_string(), time)),
            Ok(None) => Err(VerifyError::MissingCosignature(w.name().to_string())),
            Err(reason) => Err(VerifyError::BadCosignature { witness: w.name().to_string(), reason }),
        })
        .collect()
}

/// Checks `new` against an older trusted checkpoint with the server's consistency proof.
fn check_consistent(api: &http::Api, old: &Checkpoint, new: &Checkpoint) -> Result<(), VerifyError> {
    if new.origin != old.origin {
        return Err(VerifyError::OriginChanged { previous: old.origin.clone(), now: new.origin.clone() });
    }
    if new.size < old.size {
        return Err(VerifyError::SizeWentBackwards { previous: old.size, now: new.size });
    }
    if new.size == old.size {
        if new.root != old.root {
            return Err(VerifyError::Forked {
                size: new.size,
                previous: b64(&old.root),
                now: b64(&new.root),
            });
        }
        return Ok(());
    }
    if old.size == 0 {
        return Ok(()); // every tree extends the empty tree
    }
    let proof = api.consistency_proof(old.size, new.size)?;
    verify_consistency(old.size, new.size, &proof, &old.root, &new.root)
        .map_err(|reason| VerifyError::Inconsistent { old: old.size, new: new.size, reason })
}

/// Verifies the register at `opts.base_url`; see the crate documentation for what is checked.
pub fn verify(opts: &VerifyOptions) -> Result<Report, VerifyError> {
    let api = http::Api::new(&opts.base_url, opts.timeout);
    let state = match &opts.state_file {
        Some(path) => State::load(path)?,
        None => None,
    };

    // 1. The key: given, pinned, or trusted on first use.
    let (key, key_source) = match (&opts.key, &state) {
        (Some(given), Some(s)) if given.trim() != s.key.trim() => {
            return Err(VerifyError::KeyMismatch {
                given: given.trim().to_string(),
                pinned: s.key.trim().to_string(),
            });
        }
        (Some(given), _) => (given.trim().to_string(), KeySource::Given),
        (None, Some(s)) => (s.key.trim().to_string(), KeySource::Pinned),
        (None, None) => (api.key()?, KeySource::TrustedOnFirstUse),
    };
    let verifier =
        NoteVerifier::parse(&key).map_err(|reason| VerifyError::BadKey { key: key.clone(), reason })?;
    let previous = match state.as_ref().and_then(|s| s.checkpoint.as_deref()) {
        Some(note) => Some(open(note, &verifier).map_err(|e| VerifyError::State {
            path: opts.state_file.clone().unwrap_or_default(),
            reason: format!("saved checkpoint does not verify with the pinned key: {e}"),
        })?),
        None => None,
    };

    let witnesses = opts
        .witnesses
        .iter()
        .map(|w| {
            CosignatureVerifier::parse(w)
                .map_err(|reason| VerifyError::BadWitnessKey { key: w.clone(), reason })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let policy = opts.policy.as_deref().map(parse_policy).transpose()?;

    // 2. The signed checkpoint, its cosignatures, and consistency with the one seen last time.
    let mut signed_note = api.checkpoint()?;
    let mut checkpoint = open(&signed_note, &verifier)?;
    let mut cosignatures = check_cosignatures(&signed_note, &witnesses)?;
    if let Some(prev) = &previous {
        check_consistent(&api, prev, &checkpoint)?;
    }

    // 3. Every entry: recompute the root, and the root at the previous size.
    let previous_size = previous.as_ref().map(|p| p.size).filter(|&s| s > 0);
    let mut dl = Downloaded {
        statements: Vec::new(),
        leaves: Vec::with_capacity(usize::try_from(checkpoint.size).unwrap_or(0).min(1 << 24)),
        frontier: Frontier::new(),
        root_at_previous: None,
    };
    download(&api, &mut dl, checkpoint.size, previous_size, opts.progress.as_ref())?;
    let recomputed = dl.frontier.root();
    if recomputed != checkpoint.root {
        return Err(VerifyError::RootMismatch {
            size: checkpoint.size,
            signed: b64(&checkpoint.root),
            recomputed: b64(&recomputed),
        });
    }
    if let (Some(prev), Some(at_prev)) = (&previous, dl.root_at_previous)
        && at_prev != prev.root
    {
        return Err(VerifyError::HistoryRewritten {
            size: prev.size,
            previous: b64(&prev.root),
            recomputed: b64(&at_prev),
        });
    }

    // 4. Spot-check the server's inclusion proofs (first, middle, last leaf).
    let mut proofs_checked = 0;
    if checkpoint.size > 0 {
        let n = checkpoint.size;
        let mut indices = vec![0, n / 2, n - 1];
        indices.dedup();
        for index in indices {
            let (leaf, proof) = api.inclusion_proof(index, n)?;
            let bad = |reason: String| VerifyError::BadInclusionProof { index, size: n, reason };
            if leaf != dl.leaves[index as usize] {
                return Err(bad("its leaf hash is not the hash of the downloaded entry".into()));
            }
            verify_inclusion(index, n, &leaf, &proof, &checkpoint.root).map_err(|e| bad(e.to_string()))?;
            proofs_checked += 1;
        }
    }

    // 5. Published records ↔ log leaves, one to one. decisions.jsonl is fetched after the
    //    checkpoint, so it holds at least the checkpoint's records (and maybe newer ones).
    let published_until = checkpoint.size;
    let body = api.decisions()?;
    let lines: Vec<&[u8]> = {
        let body = body.strip_suffix(b"\n").unwrap_or(&body);
        if body.is_empty() { Vec::new() } else { body.split(|&b| b == b'\n').collect() }
    };
    let line_hashes: Vec<Hash> = lines.iter().map(|l| leaf_hash(l)).collect();
    let mut unmatched = match_lines(&dl.leaves, &line_hashes);
    // Records newer than our checkpoint: fetch a fresh one, prove it extends ours, download the new
    // entries, and match again. The server signs checkpoints by a background sequencer (at most
    // every few hundred milliseconds), so a record published a moment ago may not be in any
    // checkpoint yet: wait for one that covers it, for a bounded time.
    let deadline = std::time::Instant::now() + PENDING_CHECKPOINT_WAIT;
    while !unmatched.lines.is_empty() {
        let newer_note = api.checkpoint()?;
        let newer = open(&newer_note, &verifier)?;
        if newer.size > checkpoint.size {
            check_consistent(&api, &checkpoint, &newer)?;
            download(&api, &mut dl, newer.size, None, opts.progress.as_ref())?;
            let recomputed = dl.frontier.root();
            if recomputed != newer.root {
                return Err(VerifyError::RootMismatch {
                    size: newer.size,
                    signed: b64(&newer.root),
                    recomputed: b64(&recomputed),
                });
            }
            cosignatures = check_cosignatures(&newer_note, &witnesses)?;
            checkpoint = newer;
            signed_note = newer_note;
            unmatched = match_lines(&dl.leaves, &line_hashes);
        } else if std::time::Instant::now() >= deadline {
            break;
        } else {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }
    if let Some(&line) = unmatched.lines.first() {
        return Err(VerifyError::RecordNotInLog { line: line as u64 + 1, excerpt: excerpt(lines[line]) });
    }
    if let Some(&index) =
        unmatched.leaves.iter().find(|&&i| i < published_until && dl.statements.binary_search(&i).is_err())
    {
        let mut entry = None;
        api.entries(index, index + 1, |_, bytes| {
            entry = Some(bytes);
            Ok(())
        })?;
        return Err(VerifyError::RecordMissing { index, excerpt: excerpt(&entry.unwrap_or_default()) });
    }

    // 6. The witness policy: a quorum vouches for this tree (or one consistent with it).
    let witnessed = match &policy {
        Some(policy) => Some(check_witnessed(
            policy,
            opts.cosigned.as_deref().unwrap_or(&signed_note),
            &verifier,
            &checkpoint,
            &dl.leaves,
            |old, new| api.consistency_proof(old, new),
        )?),
        None => None,
    };

    // 7. Remember what was verified.
    if let Some(path) = &opts.state_file {
        State { key: key.clone(), checkpoint: Some(signed_note) }.save(path)?;
    }
    Ok(Report {
        origin: checkpoint.origin,
        size: checkpoint.size,
        root: checkpoint.root,
        key,
        key_source,
        previous_size: previous.map(|p| p.size),
        entries: dl.leaves.len() as u64,
        records: lines.len() as u64,
        inclusion_proofs_checked: proofs_checked,
        cosignatures,
        witnessed,
        state_file: opts.state_file.clone(),
    })
}

/// Lines whose hash matches no (still unmatched) leaf, and leaves no line matched.
struct Unmatched {
    lines: Vec<usize>,
    leaves: Vec<u64>,
}

/// Matches published lines to log leaves as a multiset (identical records may legitimately
/// appear twice, each must then be logged twice). Published order is not required to be log
/// order, but it usually is, so that case is checked first without any allocation.
fn match_lines(leaves: &[Hash], lines: &[Hash]) -> Unmatched {
    let common = leaves.len().min(lines.len());
    if leaves[..common] == lines[..common] {
        return Unmatched {
            lines: (common..lines.len()).collect(),
            leaves: (common as u64..leaves.len() as u64).collect(),
        };
    }
    let mut by_leaf: Vec<(&Hash, u64)> = leaves.iter().zip(0u64..).collect();
    let mut by_line: Vec<(&Hash, usize)> = lines.iter().zip(0usize..).collect();
    by_leaf.sort_unstable();
    by_line.sort_unstable();
    let (mut unmatched_lines, mut unmatched_leaves) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < by_leaf.len() && j < by_line.len() {
        match by_leaf[i].0.cmp(by_line[j].0) {
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => {
                unmatched_leaves.push(by_leaf[i].1);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                unmatched_lines.push(by_line[j].1);
                j += 1;
            }
        }
    }
    unmatched_leaves.extend(by_leaf[i..].iter().map(|(_, k)| *k));
    unmatched_lines.extend(by_line[j..].iter().map(|(_, k)| *k));
    unmatched_leaves.sort_unstable();
    unmatched_lines.sort_unstable();
    Unmatched { lines: unmatched_lines, leaves: unmatched_leaves }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(i: u8) -> Hash {
        leaf_hash(&[i])
    }

    #[test]
    fn lines_in_log_order_match_without_leftovers() {
        let leaves = [h(1), h(2), h(3)];
        let m = match_lines(&leaves, &leaves);
        assert!(m.lines.is_empty() && m.leaves.is_empty());
    }

    #[test]
    fn lines_in_another_order_still_match_one_to_one() {
        let m = match_lines(&[h(1), h(2), h(3)], &[h(3), h(1), h(2)]);
        assert!(m.lines.is_empty() && m.leaves.is_empty());
    }

    #[test]
    fn a_duplicated_line_needs_a_duplicated_leaf() {
        let m = match_lines(&[h(1), h(2)], &[h(2), h(1), h(2)]);
        assert_eq!(m.lines.len(), 1);
        assert!(m.leaves.is_empty());
    }

    #[test]
    fn unmatched_lines_and_leaves_are_reported_by_position() {
        let m = match_lines(&[h(1), h(2), h(3)], &[h(3), h(9), h(1)]);
        assert_eq!(m.lines, [1]);
        assert_eq!(m.leaves, [1]);
    }
}
