//! `oversight-attest`: operating tokens — short-lived, signed, logged and witnessed leases that a
//! licensed surveillance product must hold to run — and the offline verifier a vendor embeds.
//!
//! Responsible for: the token format (COSE_Sign1 with CWT claims, [`token`]) and its log leaf;
//! issuing a token given keys and times ([`token::issue`]); the verifier and its state machine
//! VALID → GRACE → DISABLED, failing closed with a [`Reason`] ([`verifier`]); authority key
//! rotation through chained roots ([`roots`]); signed revocation lists ([`revocation`]). Proofs of
//! logging (`tlog-proof`) and witness policies (`tlog-policy`) come from `oversight-tlog`.
//!
//! Must not depend on: `std`, a clock, a random number generator, the file system, the network, or
//! any platform crate (app, store, web, domain). It is `no_std` + `alloc` so that a product in any
//! language can embed it (see the `oversight-attest-ffi` C ABI); times, keys and the persisted
//! [`VerifierState`] are always arguments and results.
//!
//! What it does not stop: someone who patches the product's binary to skip the check. It gives
//! tamper-evident accountability — every token the authority issues is in a public, witnessed log —
//! for a cooperative vendor, not DRM. See `docs/operating-tokens.md`.
//!
//! Start reading at [`verifier`] (the checks, in order), then [`token`]. [`memory`] shows what the
//! platform must do to issue (sign, append the leaf, collect cosignatures, build the proof).

#![no_std]
extern crate alloc;

pub mod keys;
pub mod memory;
pub mod revocation;
pub mod roots;
pub mod token;
pub mod verifier;

pub use keys::{AuthoritySigner, KeyId, key_id};
pub use revocation::{RevocationError, RevocationList, revocation_leaf};
pub use roots::{RootError, RootStatement, TrustedRoot};
pub use token::{Token, TokenClaims, TokenError, issue, token_digest, token_leaf};
pub use verifier::{Presented, Reason, Status, Verdict, Verifier, VerifierState};
