//! The C ABI called from Rust as C would call it: state persistence across a restart, key
//! rotation, revocation lists, and bad arguments.

use std::ffi::{CStr, CString};
use std::ptr::{null, null_mut};

use oversight_attest::RevocationList;
use oversight_attest::memory::{MemoryAuthority, installation_key, sample_claims};
use oversight_attest_ffi::*;

const T0: u64 = 1_780_000_000;

struct Abi {
    authority: MemoryAuthority,
    root: Vec<u8>,
    policy: CString,
    install: [u8; 32],
}

fn abi() -> Abi {
    let authority = MemoryAuthority::new(5, 2);
    let root = authority.root();
    let policy = CString::new(authority.policy(2)).unwrap();
    Abi { authority, root, policy, install: installation_key(6).1 }
}

impl Abi {
    fn new_verifier(&self, state: Option<&[u8]>) -> *mut OvVerifier {
        let mut err = 0;
        let (sp, sl) = state.map_or((null(), 0), |s| (s.as_ptr(), s.len()));
        // SAFETY: every pointer is valid for its length for the duration of the call.
        let v = unsafe {
            ov_verifier_new(
                self.root.as_ptr(),
                self.root.len(),
                self.policy.as_ptr(),
                self.install.as_ptr(),
                0,
                300,
                sp,
                sl,
                &mut err,
            )
        };
        assert!(!v.is_null(), "ov_verifier_new error {err}");
        v
    }
}

fn check(
    v: *mut OvVerifier,
    token: &[u8],
    proof: &str,
    revocation: Option<(&[u8], &str)>,
    now: u64,
) -> OvVerdict {
    let proof = CString::new(proof).unwrap();
    let list_proof = revocation.map(|(_, p)| CString::new(p).unwrap());
    let (lp, ll) = revocation.map_or((null(), 0), |(l, _)| (l.as_ptr(), l.len()));
    // SAFETY: as above; `v` is live.
    unsafe {
        ov_verifier_check(
            v,
            token.as_ptr(),
            token.len(),
            proof.as_ptr(),
            lp,
            ll,
            list_proof.as_ref().map_or(null(), |p| p.as_ptr()),
            now,
        )
    }
}

fn state_of(v: *mut OvVerifier) -> Vec<u8> {
    // SAFETY: `v` is live; the buffer is as large as the first call said.
    unsafe {
        let n = ov_verifier_state(v, null_mut(), 0);
        let mut buf = vec![0; n];
        assert_eq!(ov_verifier_state(v, buf.as_mut_ptr(), n), n);
        buf
    }
}

fn name(reason: u32) -> &'static str {
    // SAFETY: ov_reason_name returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(ov_reason_name(reason)) }.to_str().unwrap()
}

fn free(v: *mut OvVerifier) {
    // SAFETY: `v` came from ov_verifier_new and is not used again.
    unsafe { ov_verifier_free(v) }
}

#[test]
fn the_state_saved_through_the_abi_stops_a_rollback_after_a_restart() {
    let mut a = abi();
    let (old, old_proof) = a.authority.issue_logged(&sample_claims(a.install, T0, T0 + 3600, 1));
    let (new, new_proof) = a.authority.issue_logged(&sample_claims(a.install, T0 + 60, T0 + 3600, 2));
    let v = a.new_verifier(None);
    let verdict = check(v, &new, &new_proof, None, T0 + 100);
    assert_eq!((verdict.status, verdict.sequence, verdict.disabled_after), (OV_VALID, 2, T0 + 3600));
    let saved = state_of(v);
    free(v);

    let v = a.new_verifier(Some(&saved));
    let verdict = check(v, &old, &old_proof, None, T0 + 200);
    assert_eq!((verdict.status, name(verdict.reason)), (OV_DISABLED, "Rollback"));
    assert_eq!(verdict.reason, OV_REASON_ROLLBACK);
    free(v);

    // A state that is not one fails creation, with its own error.
    let mut err = 0;
    // SAFETY: valid pointers and lengths.
    let bad = unsafe {
        ov_verifier_new(
            a.root.as_ptr(),
            a.root.len(),
            a.policy.as_ptr(),
            a.install.as_ptr(),
            0,
            300,
            b"x".as_ptr(),
            1,
            &mut err,
        )
    };
    assert!(bad.is_null());
    assert_eq!(err, OV_NEW_BAD_STATE);
}

#[test]
fn a_rotation_followed_through_the_abi_accepts_the_new_key_only() {
    let mut a = abi();
    let v = a.new_verifier(None);
    let r2 = a.authority.rotate(&[50; 32]);
    let (token, proof) = a.authority.issue_logged(&sample_claims(a.install, T0, T0 + 3600, 1));
    assert_eq!(check(v, &token, &proof, None, T0).reason, OV_REASON_UNKNOWN_KEY);
    // SAFETY: `v` is live and `r2` valid for its length.
    assert_eq!(unsafe { ov_verifier_follow_root(v, r2.as_ptr(), r2.len()) }, OV_REASON_NONE);
    assert_eq!(check(v, &token, &proof, None, T0).status, OV_VALID);
    // SAFETY: as above.
    assert_eq!(unsafe { ov_verifier_follow_root(v, r2.as_ptr(), r2.len()) }, OV_REASON_ROOT_ROLLBACK);
    free(v);
}

#[test]
fn a_revocation_list_through_the_abi_disables_at_once() {
    let mut a = abi();
    let (token, proof) = a.authority.issue_logged(&sample_claims(a.install, T0, T0 + 3600, 1));
    let list = RevocationList {
        issued_at: T0 + 10,
        expires: T0 + 600,
        licences: vec![],
        installations: vec![a.install],
        sequence: 1,
    };
    let (list, list_proof) = a.authority.revoke_logged(&list);
    let v = a.new_verifier(None);
    assert_eq!(check(v, &token, &proof, None, T0 + 20).status, OV_VALID);
    let verdict = check(v, &token, &proof, Some((&list, &list_proof)), T0 + 30);
    assert_eq!((verdict.status, verdict.reason), (OV_DISABLED, OV_REASON_REVOKED));
    assert_eq!(check(v, &token, &proof, None, T0 + 40).reason, OV_REASON_REVOKED);
    free(v);
}

#[test]
fn half_a_revocation_argument_or_a_null_token_fails_closed() {
    let mut a = abi();
    let (token, proof) = a.authority.issue_logged(&sample_claims(a.install, T0, T0 + 3600, 1));
    let v = a.new_verifier(None);
    let proof_c = CString::new(proof).unwrap();
    // SAFETY: `v` is live; pointers valid or NULL as documented.
    unsafe {
        let r = ov_verifier_check(
            v,
            token.as_ptr(),
            token.len(),
            proof_c.as_ptr(),
            token.as_ptr(),
            token.len(),
            null(),
            T0,
        );
        assert_eq!((r.status, r.reason), (OV_DISABLED, OV_REASON_BAD_ARGUMENT));
        let r = ov_verifier_check(v, null(), 0, proof_c.as_ptr(), null(), 0, null(), T0);
        assert_eq!((r.status, r.reason), (OV_DISABLED, OV_REASON_BAD_ARGUMENT));
        let r = ov_verifier_check(v, token.as_ptr(), token.len(), proof_c.as_ptr(), null(), 0, null(), T0);
        assert_eq!(r.status, OV_VALID);
    }
    assert_eq!(name(OV_REASON_BAD_ARGUMENT), "BadArgument");
    assert_eq!(name(9999), "Unknown");
    free(v);
}
