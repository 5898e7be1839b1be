//! `oversight-tlog`: the transparency log's algorithms, and nothing else.
//!
//! Responsible for: RFC 6962 leaf/node hashing and the Merkle tree hash ([`hash`], [`tree`]);
//! inclusion and consistency proofs — generation ([`tree`], [`store`]) and verification exactly as
//! RFC 9162 §2.1.3.2 / §2.1.4.2 ([`verify`]); the compact storage scheme and the append API a
//! database-backed log uses ([`store`]); C2SP signed notes with Ed25519 ([`note`]), checkpoints and
//! witness cosignatures ([`checkpoint`]); C2SP
//! `tlog-proof` inclusion proofs ([`proof`]) and `tlog-policy` witness quorums ([`policy`]).
//!
//! Must not depend on: `std`, a database, HTTP, a clock or a random number generator. It is
//! `no_std` + `alloc` so that the independent verifier, a witness or a small device can embed it;
//! timestamps and secret keys are always arguments.
//!
//! Start reading at [`store`] (how a log is appended to and proven from), then [`verify`].

#![no_std]
extern crate alloc;

pub mod checkpoint;
pub mod hash;
pub mod note;
pub mod policy;
pub mod proof;
pub mod store;
pub mod tree;
pub mod verify;

pub use checkpoint::{
    Checkpoint, CheckpointError, CosignatureVerifier, Cosigner, SignedCheckpoint, open_checkpoint,
};
pub use hash::{HASH_SIZE, Hash, empty_root, leaf_hash, node_hash};
pub use note::{Note, NoteError, NoteSignature, NoteSigner, NoteVerifier};
pub use policy::{CheckpointPolicyError, Policy, PolicyCheckpoint, PolicyError};
pub use proof::{TlogProof, TlogProofError};
pub use store::{
    Frontier, HashPlan, HashReader, MemoryLog, MemoryStore, NodeId, STRIDE, StoreError, StoredHash,
    consistency_proof, inclusion_proof, root_at,
};
pub use tree::root_from_leaf_hashes;
pub use verify::{
    ProofError, RootKind, root_from_inclusion_proof, verify_consistency, verify_inclusion,
    verify_subtree_consistency, verify_subtree_inclusion,
};
