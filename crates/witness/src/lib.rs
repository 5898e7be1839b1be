//! `oversight-witness`: both sides of the C2SP `tlog-witness` protocol
//! (<https://c2sp.org/tlog-witness>) for the Oversight transparency log.
//!
//! Responsible for: the witness ([`Witness`], served over HTTP by [`router`]/[`serve`]) — it
//! knows the logs it witnesses, checks each submitted checkpoint's log signature and the
//! consistency proof from the size it last cosigned, refuses forks and bad proofs, persists the new
//! size and root durably *before* it answers ([`state`]), and cosigns with `cosignature/v1`
//! (<https://c2sp.org/tlog-cosignature>); and the submitting client ([`client`]) that posts a
//! checkpoint, follows the `409 Conflict` size-mismatch dance and returns the cosignature lines.
//!
//! Must not depend on: the platform's app, store or web crates (a partner state or an NGO runs
//! this without the register's database). The log algorithms come from `oversight-tlog`.
//!
//! Start reading at [`Witness::add_checkpoint`].

pub mod client;
pub mod server;
pub mod state;

pub use client::{AddCheckpointError, Register, add_checkpoint, attach_cosignatures};
pub use server::{Refusal, Witness, router, serve};
pub use state::{LogState, StateError, WitnessState};
