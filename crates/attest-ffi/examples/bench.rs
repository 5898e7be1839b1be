//! Benchmark (not a test): token verification time, and the size of the verifier library.
//!
//! `cargo run --release -p oversight-attest-ffi --example bench [-- RUNS]`
//!
//! Prints the median over RUNS (default 7) rounds of 200 full checks each (COSE signature,
//! claims, tlog-proof parse, checkpoint signature, 2-of-3 witness cosignatures, inclusion proof in
//! a log of 100,000 leaves), through the Rust API and through the C ABI; then strips a copy of the
//! release `liboversight_attest_ffi.so` built next to this example and prints its size.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use oversight_attest::memory::{MemoryAuthority, installation_key, sample_claims};
use oversight_attest::{Presented, TrustedRoot, Verifier, VerifierState};
use oversight_attest_ffi::{OV_VALID, ov_verifier_check, ov_verifier_free, ov_verifier_new};
use oversight_tlog::Policy;

const T0: u64 = 1_780_000_000;
const PER_ROUND: u32 = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(7);
    let mut authority = MemoryAuthority::new(1, 3);
    for i in 0..100_000u32 {
        authority.append(&i.to_be_bytes());
    }
    let (_, install) = installation_key(2);
    let (token, proof) = authority.issue_logged(&sample_claims(install, T0, T0 + 86_400, 1));
    let policy_text = authority.policy(2);
    let root = authority.root();
    let verifier = Verifier {
        policy: Policy::parse(&policy_text).unwrap(),
        installation_key: install,
        grace_permille: 250,
        max_clock_skew: 300,
    };
    let state = VerifierState::new(TrustedRoot::pinned(&root).unwrap());
    println!(
        "token {} bytes, proof {} bytes, log of {} leaves",
        token.len(),
        proof.len(),
        authority.log.size()
    );

    let rust: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..PER_ROUND {
                let v = verifier.check(
                    &state,
                    &Presented { token: &token, proof: &proof, revocation: None },
                    T0 + 60,
                );
                assert!(v.may_run());
                black_box(v);
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(PER_ROUND)
        })
        .collect();
    println!("verify (Rust API): median {:.1} µs per token over {runs} runs of {PER_ROUND}", median(rust));

    let policy_c = std::ffi::CString::new(policy_text).unwrap();
    let proof_c = std::ffi::CString::new(proof).unwrap();
    let mut err = 0;
    // SAFETY: every pointer is valid for its length and lives until the end of main.
    let v = unsafe {
        ov_verifier_new(
            root.as_ptr(),
            root.len(),
            policy_c.as_ptr(),
            install.as_ptr(),
            250,
            300,
            std::ptr::null(),
            0,
            &mut err,
        )
    };
    assert!(!v.is_null(), "ov_verifier_new error {err}");
    let c: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..PER_ROUND {
                // SAFETY: as above; `v` is live.
                let verdict = unsafe {
                    ov_verifier_check(
                        v,
                        token.as_ptr(),
                        token.len(),
                        proof_c.as_ptr(),
                        std::ptr::null(),
                        0,
                        std::ptr::null(),
                        T0 + 60,
                    )
                };
                assert_eq!(verdict.status, OV_VALID);
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(PER_ROUND)
        })
        .collect();
    // SAFETY: `v` came from ov_verifier_new and is not used again.
    unsafe { ov_verifier_free(v) };
    println!("verify (C ABI):    median {:.1} µs per token over {runs} runs of {PER_ROUND}", median(c));

    // The cdylib is built beside the example: in `target/release/deps` when built as its
    // dependency, in `target/release` after `cargo build --release -p oversight-attest-ffi`.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let name = "liboversight_attest_ffi.so";
    let Some(lib): Option<PathBuf> =
        [profile_dir.join(name), profile_dir.join("deps").join(name)].into_iter().find(|p| p.exists())
    else {
        println!("{name} not found under {}: build with --release to measure it", profile_dir.display());
        return;
    };
    let copy = std::env::temp_dir().join(format!("liboversight_attest_ffi-{}.so", std::process::id()));
    std::fs::copy(&lib, &copy).unwrap();
    let stripped = Command::new("strip").arg(&copy).status().is_ok_and(|s| s.success());
    let size = std::fs::metadata(&copy).unwrap().len();
    println!(
        "cdylib {}: {} bytes as built, {} bytes ({:.0} KiB) {}",
        lib.display(),
        std::fs::metadata(&lib).unwrap().len(),
        size,
        size as f64 / 1024.0,
        if stripped { "stripped" } else { "(strip failed: unstripped)" }
    );
    let _ = std::fs::remove_file(copy);
}
