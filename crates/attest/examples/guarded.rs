//! A "guarded tool" in Rust: it works only while it holds a valid operating token and stops when
//! the verifier says DISABLED. Self-contained: an in-memory authority issues the token, logs it
//! and has two witnesses cosign the checkpoint, as the platform will.
//!
//! `cargo run -p oversight-attest --example guarded [-- LEASE_SECONDS]` (default 3 s, grace 50 %).
//!
//! How a product embeds the verifier: keep `Verifier` (fixed configuration) and the persisted
//! `VerifierState`; at start and periodically, check the token and its proof with the local clock,
//! store the returned state, and stop unless the verdict says the product may run.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oversight_attest::memory::{MemoryAuthority, installation_key, sample_claims};
use oversight_attest::{Presented, TrustedRoot, Verifier, VerifierState};
use oversight_tlog::Policy;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs()
}

fn main() {
    let lease: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3);

    // --- The authority's side (the platform, later): issue, log, cosign. ---
    let mut authority = MemoryAuthority::new(1, 2);
    let (_, installation) = installation_key(2);
    let t = now();
    let (token, proof) = authority.issue_logged(&sample_claims(installation, t, t + lease, 1));
    println!("token: {} bytes; proof:\n{proof}", token.len());

    // --- The product's side: what the vendor ships and the installation persists. ---
    let verifier = Verifier {
        policy: Policy::parse(&authority.policy(2)).expect("policy"),
        installation_key: installation,
        grace_permille: 500,
        max_clock_skew: 300,
    };
    let mut state = VerifierState::new(TrustedRoot::pinned(&authority.root()).expect("pinned root"));

    loop {
        let verdict =
            verifier.check(&state, &Presented { token: &token, proof: &proof, revocation: None }, now());
        // Persist before acting: a crash must not forget a newer token (rollback protection).
        state = verdict.state.clone();
        if !verdict.may_run() {
            println!("stopped: {} ({})", verdict.reason.expect("a reason when disabled"), verdict.detail);
            break;
        }
        println!(
            "working: {:?}, {} s until disabled",
            verdict.status,
            verdict.disabled_after.unwrap_or(0).saturating_sub(verdict.trusted_time)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}
