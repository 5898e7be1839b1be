//! An in-memory authority, log and witnesses: everything the platform does to issue a token,
//! done without a database, for tests, examples and benchmarks — and as the reference for what the
//! platform's issuance must produce (the same leaf, the same proof).
//!
//! Keys are derived from a one-byte seed: never use this for anything real.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use oversight_tlog::{Checkpoint, Cosigner, MemoryLog, Note, NoteSigner, TlogProof};

use crate::keys::AuthoritySigner;
use crate::revocation::{RevocationList, revocation_leaf};
use crate::roots::RootStatement;
use crate::token::{TokenClaims, issue, token_leaf};

/// Origin (and log key name) of the in-memory log.
pub const ORIGIN: &str = "oversight.example/attest-log";

/// An authority with one signing key, a log and `n` witnesses.
#[derive(Debug)]
pub struct MemoryAuthority {
    pub signer: AuthoritySigner,
    pub log_signer: NoteSigner,
    pub witnesses: Vec<Cosigner>,
    pub log: MemoryLog,
    /// Root version of `signer` (1 unless rotated).
    pub root_version: u64,
}

impl MemoryAuthority {
    /// An authority whose keys derive from `seed`, with `witnesses` witnesses.
    pub fn new(seed: u8, witnesses: usize) -> Self {
        MemoryAuthority {
            signer: AuthoritySigner::from_secret(&[seed; 32]),
            log_signer: NoteSigner::new(ORIGIN, &[seed ^ 0x55; 32]).expect("valid name"),
            witnesses: (0..witnesses)
                .map(|i| {
                    Cosigner::new(&format!("witness{i}.example"), &[seed.wrapping_add(100 + i as u8); 32])
                        .expect("name")
                })
                .collect(),
            log: MemoryLog::new(),
            root_version: 1,
        }
    }

    /// The self-signed root 1 naming the authority key (what a vendor pins).
    pub fn root(&self) -> Vec<u8> {
        RootStatement {
            version: self.root_version,
            threshold: 1,
            keys: alloc::vec![self.signer.public_key()],
        }
        .sign(&[&self.signer])
    }

    /// Rotates to a new key: returns the root statement signed by the old and the new key.
    pub fn rotate(&mut self, new_secret: &[u8; 32]) -> Vec<u8> {
        let next = AuthoritySigner::from_secret(new_secret);
        self.root_version += 1;
        let statement =
            RootStatement { version: self.root_version, threshold: 1, keys: alloc::vec![next.public_key()] };
        let bytes = statement.sign(&[&self.signer, &next]);
        self.signer = next;
        bytes
    }

    /// A policy trusting the log and requiring `k` of the witnesses (`quorum none` if `k == 0`).
    pub fn policy(&self, k: usize) -> String {
        let mut p = format!("log {}\n", self.log_signer.verifier_key());
        for (i, w) in self.witnesses.iter().enumerate() {
            p.push_str(&format!("witness w{i} {}\n", w.verifier().to_vkey()));
        }
        if k == 0 {
            p.push_str("quorum none\n");
        } else {
            p.push_str(&format!("group witnesses {k}"));
            for i in 0..self.witnesses.len() {
                p.push_str(&format!(" w{i}"));
            }
            p.push_str("\nquorum witnesses\n");
        }
        p
    }

    /// Appends arbitrary bytes to the log (as other records would be).
    pub fn append(&mut self, record: &[u8]) -> u64 {
        self.log.append(record)
    }

    /// The current checkpoint, signed by the log and cosigned by the witnesses in `cosigners` at
    /// `cosign_time`.
    pub fn checkpoint_note(&self, cosigners: &[usize], cosign_time: u64) -> String {
        let text = Checkpoint::new(ORIGIN, self.log.size(), self.log.root()).to_text();
        let mut note = Note::parse(&self.log_signer.sign(&text).expect("signable")).expect("parses");
        for &i in cosigners {
            note.signatures.push(self.witnesses[i].cosign(&text, cosign_time));
        }
        note.to_text()
    }

    /// The `tlog-proof` of the leaf at `index` against the current checkpoint.
    pub fn proof(&self, index: u64, cosigners: &[usize], cosign_time: u64) -> String {
        let hashes = self.log.inclusion_proof(index, self.log.size()).expect("index in log");
        TlogProof {
            extra: None,
            index,
            hashes,
            checkpoint_note: self.checkpoint_note(cosigners, cosign_time),
        }
        .to_text()
    }

    /// Issues a token, appends its leaf to the log, and returns it with its proof (cosigned by
    /// all witnesses at `claims.issued_at`).
    pub fn issue_logged(&mut self, claims: &TokenClaims) -> (Vec<u8>, String) {
        let all: Vec<usize> = (0..self.witnesses.len()).collect();
        self.issue_logged_with(claims, &all, claims.issued_at)
    }

    /// As [`Self::issue_logged`], choosing the cosigners and their timestamp.
    pub fn issue_logged_with(
        &mut self,
        claims: &TokenClaims,
        cosigners: &[usize],
        cosign_time: u64,
    ) -> (Vec<u8>, String) {
        let token = issue(claims, &self.signer);
        let index = self.log.append(&token_leaf(&token));
        let proof = self.proof(index, cosigners, cosign_time);
        (token, proof)
    }
}

impl MemoryAuthority {
    /// Signs a revocation list, appends its leaf and returns it with its proof (cosigned by all
    /// witnesses at `list.issued_at`).
    pub fn revoke_logged(&mut self, list: &RevocationList) -> (Vec<u8>, String) {
        let bytes = list.sign(&self.signer);
        let index = self.log.append(&revocation_leaf(&bytes));
        let all: Vec<usize> = (0..self.witnesses.len()).collect();
        let proof = self.proof(index, &all, list.issued_at);
        (bytes, proof)
    }
}

/// Claims for tests and examples: a lease from `nbf` to `exp`, sequence `seq`.
pub fn sample_claims(installation_key: [u8; 32], nbf: u64, exp: u64, seq: u64) -> TokenClaims {
    TokenClaims {
        issuer: String::from("Oversight demo authority"),
        licence_id: String::from("0190f3c2-7c1e-7d2a-9a54-3b1f0e6c2d11"),
        licence_number: String::from("GB-SIEL-2026-0042"),
        installation_key,
        capabilities: alloc::vec![String::from("intercept.lawful"), String::from("analytics.metadata")],
        product: String::from("Acme NetProbe 7 (IP monitoring centre)"),
        end_user: String::from("Ministry of the Interior, Republic of Examplia"),
        end_use: String::from("lawful interception under judicial warrant"),
        issued_at: nbf,
        not_before: nbf,
        expires: exp,
        sequence: seq,
    }
}

/// A deterministic installation key pair from a seed: (secret, public).
pub fn installation_key(seed: u8) -> ([u8; 32], [u8; 32]) {
    let s = AuthoritySigner::from_secret(&[seed; 32]);
    ([seed; 32], s.public_key())
}
