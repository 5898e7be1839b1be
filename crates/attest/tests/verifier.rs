//! The verifier, end to end in memory: every reason it can refuse for, the state machine, rotation
//! and revocation. Tokens come from the pure issue function via `MemoryAuthority`.

use oversight_attest::memory::{MemoryAuthority, installation_key, sample_claims};
use oversight_attest::{
    AuthoritySigner, Presented, Reason, RevocationList, RootStatement, Status, TrustedRoot, Verdict,
    Verifier, VerifierState, issue, token_leaf,
};
use oversight_tlog::Policy;

const T0: u64 = 1_780_000_000;
const HOUR: u64 = 3600;

struct World {
    authority: MemoryAuthority,
    verifier: Verifier,
    state: VerifierState,
    install: [u8; 32],
}

/// An authority with 3 witnesses, a 2-of-3 policy, and an installation with grace = 25 % of lease.
fn world() -> World {
    let authority = MemoryAuthority::new(7, 3);
    let (_, install) = installation_key(42);
    let verifier = Verifier {
        policy: Policy::parse(&authority.policy(2)).unwrap(),
        installation_key: install,
        grace_permille: 250,
        max_clock_skew: 300,
    };
    let state = VerifierState::new(TrustedRoot::pinned(&authority.root()).unwrap());
    World { authority, verifier, state, install }
}

impl World {
    /// A logged token leasing [nbf, nbf + 8 h) with sequence `seq`.
    fn token(&mut self, nbf: u64, seq: u64) -> (Vec<u8>, String) {
        let claims = sample_claims(self.install, nbf, nbf + 8 * HOUR, seq);
        self.authority.issue_logged(&claims)
    }

    fn check(&self, token: &[u8], proof: &str, now: u64) -> Verdict {
        self.verifier.check(&self.state, &Presented { token, proof, revocation: None }, now)
    }

    /// Checks and, like an embedder, persists the new state.
    fn check_and_store(&mut self, token: &[u8], proof: &str, now: u64) -> Verdict {
        let v = self.check(token, proof, now);
        self.state = v.state.clone();
        v
    }
}

fn refused(v: &Verdict, reason: Reason) {
    assert_eq!(v.status, Status::Disabled, "{v:?}");
    assert_eq!(v.reason, Some(reason), "{}", v.detail);
    assert!(!v.may_run());
}

#[test]
fn a_logged_witnessed_token_is_valid_then_in_grace_then_disabled() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    let v = w.check_and_store(&token, &proof, T0 + HOUR);
    assert_eq!((v.status, v.reason), (Status::Valid, None));
    assert_eq!(v.claims.as_ref().unwrap().licence_number, "GB-SIEL-2026-0042");
    assert_eq!(v.disabled_after, Some(T0 + 10 * HOUR)); // 8 h lease + 25 % grace
    assert_eq!(v.state.highest_sequence.unwrap().0, 1);
    assert_eq!(v.state.highest_time, T0 + HOUR);

    let v = w.check_and_store(&token, &proof, T0 + 9 * HOUR);
    assert_eq!(v.status, Status::Grace);
    assert!(v.may_run());

    let v = w.check_and_store(&token, &proof, T0 + 10 * HOUR);
    refused(&v, Reason::Expired);
}

#[test]
fn the_same_token_may_be_checked_again_and_again() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    for minute in 0..5 {
        assert_eq!(w.check_and_store(&token, &proof, T0 + minute * 60).status, Status::Valid);
    }
}

#[test]
fn a_forged_token_is_refused() {
    let mut w = world();
    let (mut token, proof) = w.token(T0, 1);
    // Flip a bit in the signature (the last bytes of the COSE_Sign1).
    let last = token.len() - 1;
    token[last] ^= 1;
    refused(&w.check(&token, &proof, T0), Reason::Forged);
}

#[test]
fn a_token_with_altered_claims_is_refused_as_forged() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    // The lease's expiry is encoded in the payload; change one byte of the licence number.
    let pos = token.windows(4).position(|s| s == b"0042").unwrap();
    let mut altered = token.clone();
    altered[pos + 3] = b'3';
    refused(&w.check(&altered, &proof, T0), Reason::Forged);
}

#[test]
fn a_token_signed_by_an_unknown_key_is_refused() {
    let mut w = world();
    let rogue = AuthoritySigner::from_secret(&[99; 32]);
    let token = issue(&sample_claims(w.install, T0, T0 + HOUR, 1), &rogue);
    let index = w.authority.append(&token_leaf(&token));
    let proof = w.authority.proof(index, &[0, 1, 2], T0);
    refused(&w.check(&token, &proof, T0), Reason::UnknownKey);
}

#[test]
fn garbage_is_refused_as_malformed() {
    let mut w = world();
    let (_, proof) = w.token(T0, 1);
    refused(&w.check(b"not a token", &proof, T0), Reason::Malformed);
    refused(&w.check(&[], &proof, T0), Reason::Malformed);
}

#[test]
fn a_token_for_another_installation_is_refused() {
    let mut w = world();
    let (_, other) = installation_key(43);
    let (token, proof) = w.authority.issue_logged(&sample_claims(other, T0, T0 + HOUR, 1));
    refused(&w.check(&token, &proof, T0), Reason::WrongInstallation);
}

#[test]
fn a_token_not_in_the_log_is_refused() {
    let mut w = world();
    // Signed by the real authority but never appended: the proof is for another leaf.
    let (_, proof) = w.token(T0, 1);
    let unlogged = issue(&sample_claims(w.install, T0, T0 + HOUR, 2), &w.authority.signer);
    refused(&w.check(&unlogged, &proof, T0), Reason::NotInLog);
}

#[test]
fn a_proof_from_an_untrusted_log_is_refused() {
    let mut w = world();
    let (token, _) = w.token(T0, 1);
    let mut other = MemoryAuthority::new(8, 3);
    let index = other.append(&token_leaf(&token));
    let proof = other.proof(index, &[0, 1, 2], T0);
    refused(&w.check(&token, &proof, T0), Reason::UntrustedCheckpoint);
}

#[test]
fn a_checkpoint_without_the_witness_quorum_is_refused() {
    let mut w = world();
    let claims = sample_claims(w.install, T0, T0 + HOUR, 1);
    let (token, proof) = w.authority.issue_logged_with(&claims, &[1], T0);
    refused(&w.check(&token, &proof, T0), Reason::NoQuorum);
    let (token, proof) = w.authority.issue_logged_with(&claims, &[], T0);
    refused(&w.check(&token, &proof, T0), Reason::NoQuorum);
    let (token, proof) = w.authority.issue_logged_with(&claims, &[0, 2], T0);
    assert_eq!(w.check(&token, &proof, T0).status, Status::Valid);
}

#[test]
fn a_malformed_proof_is_refused() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    refused(&w.check(&token, "c2sp.org/tlog-proof@v1\nindex x\n\n", T0), Reason::BadProof);
    refused(&w.check(&token, &proof.replacen("@v1", "@v9", 1), T0), Reason::BadProof);
}

#[test]
fn an_older_token_replayed_after_a_newer_one_is_refused() {
    let mut w = world();
    let (old, old_proof) = w.token(T0, 1);
    let (new, new_proof) = w.token(T0 + HOUR, 2);
    assert_eq!(w.check_and_store(&old, &old_proof, T0 + 10).status, Status::Valid);
    assert_eq!(w.check_and_store(&new, &new_proof, T0 + HOUR).status, Status::Valid);
    refused(&w.check(&old, &old_proof, T0 + HOUR + 10), Reason::Rollback);
}

#[test]
fn another_token_with_the_same_sequence_is_refused() {
    let mut w = world();
    let (a, a_proof) = w.token(T0, 5);
    let (b, b_proof) = w.token(T0 + 60, 5);
    assert_eq!(w.check_and_store(&a, &a_proof, T0 + 120).status, Status::Valid);
    refused(&w.check(&b, &b_proof, T0 + 120), Reason::Rollback);
}

#[test]
fn a_clock_set_back_after_a_newer_token_is_refused() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    assert_eq!(w.check_and_store(&token, &proof, T0 + 2 * HOUR).status, Status::Valid);
    // Within the allowed skew: fine, and trusted time does not go back.
    let v = w.check(&token, &proof, T0 + 2 * HOUR - 100);
    assert_eq!((v.status, v.trusted_time), (Status::Valid, T0 + 2 * HOUR));
    refused(&w.check(&token, &proof, T0 + HOUR), Reason::ClockWentBack);
}

#[test]
fn a_witness_cosignature_moves_trusted_time_past_a_stale_local_clock() {
    let mut w = world();
    let claims = sample_claims(w.install, T0, T0 + HOUR, 1);
    // The witnesses cosigned after the lease ended: a device whose clock is stuck at T0 is not
    // fooled into thinking the lease is still running.
    let (token, proof) = w.authority.issue_logged_with(&claims, &[0, 1, 2], T0 + 3 * HOUR);
    let v = w.check(&token, &proof, T0);
    assert_eq!(v.trusted_time, T0 + 3 * HOUR);
    refused(&v, Reason::Expired);
}

#[test]
fn a_device_whose_clock_is_merely_slow_keeps_working() {
    let mut w = world();
    let claims = sample_claims(w.install, T0, T0 + 8 * HOUR, 1);
    // The witnesses cosigned at T0 + 1 h; the device's clock is 40 minutes slow.
    let (token, proof) = w.authority.issue_logged_with(&claims, &[0, 1, 2], T0 + HOUR);
    let slow = T0 + HOUR - 40 * 60;
    let v = w.check_and_store(&token, &proof, slow);
    assert_eq!((v.status, v.trusted_time), (Status::Valid, T0 + HOUR));
    // Its clock keeps moving forward: not a clock set back, although it is behind trusted time.
    assert_eq!(w.check_and_store(&token, &proof, slow + 60).status, Status::Valid);
    refused(&w.check(&token, &proof, slow - 3600), Reason::ClockWentBack);
}

#[test]
fn a_token_before_its_lease_is_not_yet_valid() {
    let mut w = world();
    let claims = sample_claims(w.install, T0 + HOUR, T0 + 2 * HOUR, 1);
    let (token, proof) = w.authority.issue_logged_with(&claims, &[0, 1, 2], T0);
    refused(&w.check(&token, &proof, T0), Reason::NotYetValid);
}

#[test]
fn a_refusal_leaves_the_state_unchanged() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    w.check_and_store(&token, &proof, T0);
    let before = w.state.clone();
    let v = w.check(&token, &proof, T0 + 100 * HOUR);
    refused(&v, Reason::Expired);
    assert_eq!(v.state, before);
}

#[test]
fn the_state_survives_its_byte_form() {
    let mut w = world();
    let (token, proof) = w.token(T0, 3);
    let v = w.check_and_store(&token, &proof, T0);
    let bytes = v.state.to_bytes();
    assert_eq!(VerifierState::from_bytes(&bytes), Some(v.state));
    assert_eq!(VerifierState::from_bytes(&bytes[..bytes.len() - 1]), None);
    assert_eq!(VerifierState::from_bytes(b"\xa0"), None);
}

fn revocation(
    licences: Vec<String>,
    installations: Vec<[u8; 32]>,
    issued_at: u64,
    sequence: u64,
) -> RevocationList {
    RevocationList { issued_at, expires: issued_at + HOUR, licences, installations, sequence }
}

impl World {
    fn check_with_list(&self, token: &[u8], proof: &str, list: (&[u8], &str), now: u64) -> Verdict {
        self.verifier.check(&self.state, &Presented { token, proof, revocation: Some(list) }, now)
    }
}

#[test]
fn a_revocation_list_naming_the_licence_disables_at_once_and_for_good() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    assert_eq!(w.check_and_store(&token, &proof, T0).status, Status::Valid);
    let licence = sample_claims(w.install, T0, T0, 1).licence_id;
    let (list, list_proof) = w.authority.revoke_logged(&revocation(vec![licence], vec![], T0 + 60, 1));
    let v = w.check_with_list(&token, &proof, (&list, &list_proof), T0 + 120);
    refused(&v, Reason::Revoked);
    assert_eq!(v.state.revocation_sequence, Some(1));
    w.state = v.state;
    // Without the list, the same token stays disabled.
    refused(&w.check(&token, &proof, T0 + 180), Reason::Revoked);
    // A token issued after the list (the licence reinstated) runs again.
    let (newer, newer_proof) = w.token(T0 + 600, 2);
    assert_eq!(w.check(&newer, &newer_proof, T0 + 700).status, Status::Valid);
}

#[test]
fn a_revocation_list_naming_someone_else_changes_nothing() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    let (list, list_proof) =
        w.authority.revoke_logged(&revocation(vec!["other".into()], vec![[9; 32]], T0, 1));
    let v = w.check_with_list(&token, &proof, (&list, &list_proof), T0 + 1);
    assert_eq!(v.status, Status::Valid);
    assert_eq!(v.state.revoked_at, None);
    assert_eq!(v.state.revocation_sequence, Some(1));
}

#[test]
fn a_revocation_list_naming_the_installation_disables_it() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    let (list, list_proof) = w.authority.revoke_logged(&revocation(vec![], vec![w.install], T0, 1));
    refused(&w.check_with_list(&token, &proof, (&list, &list_proof), T0 + 1), Reason::Revoked);
}

#[test]
fn a_forged_expired_unlogged_or_stale_revocation_list_fails_closed() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    let rogue = AuthoritySigner::from_secret(&[99; 32]);
    let body = revocation(vec![], vec![], T0, 5);
    let (good, good_proof) = w.authority.revoke_logged(&body);
    // Forged: signed by an unknown key (its proof is for the good list anyway).
    refused(
        &w.check_with_list(&token, &proof, (&body.sign(&rogue), &good_proof), T0 + 1),
        Reason::BadRevocationList,
    );
    // Expired.
    refused(&w.check_with_list(&token, &proof, (&good, &good_proof), T0 + HOUR), Reason::BadRevocationList);
    // Signed but not logged: the proof is the token's.
    let unlogged = revocation(vec![], vec![], T0, 6).sign(&w.authority.signer);
    refused(&w.check_with_list(&token, &proof, (&unlogged, &proof), T0 + 1), Reason::BadRevocationList);
    // Junk.
    refused(&w.check_with_list(&token, &proof, (b"junk", &good_proof), T0 + 1), Reason::BadRevocationList);
    // Stale: list 5 after list 5 is fine, list 4 after list 5 is not.
    let v = w.check_and_store(&token, &proof, T0 + 1);
    assert_eq!(v.status, Status::Valid);
    w.state = w.check_with_list(&token, &proof, (&good, &good_proof), T0 + 2).state;
    assert_eq!(w.check_with_list(&token, &proof, (&good, &good_proof), T0 + 3).status, Status::Valid);
    let (older, older_proof) = w.authority.revoke_logged(&revocation(vec![], vec![], T0, 4));
    refused(&w.check_with_list(&token, &proof, (&older, &older_proof), T0 + 4), Reason::BadRevocationList);
}

#[test]
fn a_token_can_never_pass_for_a_revocation_list_or_a_root() {
    let mut w = world();
    let (token, proof) = w.token(T0, 1);
    refused(&w.check_with_list(&token, &proof, (&token, &proof), T0), Reason::BadRevocationList);
    assert!(w.state.follow_roots(&[&token]).is_err());
}

#[test]
fn the_verifier_follows_a_key_rotation_without_an_update() {
    let mut w = world();
    let r2 = w.authority.rotate(&[21; 32]);
    let r3 = w.authority.rotate(&[22; 32]);
    let (token, proof) = w.token(T0, 1);
    // Signed by the third key: unknown to a verifier still at root 1.
    refused(&w.check(&token, &proof, T0), Reason::UnknownKey);
    w.state = w.state.follow_roots(&[&r2, &r3]).unwrap();
    assert_eq!(w.state.root.version, 3);
    assert_eq!(w.check(&token, &proof, T0).status, Status::Valid);
}

#[test]
fn a_broken_or_backward_root_chain_is_refused() {
    let mut w = world();
    let r2 = w.authority.rotate(&[21; 32]);
    let r3 = w.authority.rotate(&[22; 32]);
    // A gap: 1 → 3.
    assert_eq!(w.state.follow_roots(&[&r3]).unwrap_err().0, Reason::RootChainBroken);
    // Going back: 2 → 2, or 3 → 2.
    let at2 = w.state.follow_roots(&[&r2]).unwrap();
    assert_eq!(at2.follow_roots(&[&r2]).unwrap_err().0, Reason::RootRollback);
    let at3 = at2.follow_roots(&[&r3]).unwrap();
    assert_eq!(at3.follow_roots(&[&r2]).unwrap_err().0, Reason::RootRollback);
    // Version 2 signed only by the new key (not by root 1's key): refused.
    let new_key = AuthoritySigner::from_secret(&[30; 32]);
    let self_signed =
        RootStatement { version: 2, threshold: 1, keys: vec![new_key.public_key()] }.sign(&[&new_key]);
    assert_eq!(w.state.follow_roots(&[&self_signed]).unwrap_err().0, Reason::RootChainBroken);
    // Version 2 signed only by the old key (the new key never proved possession): refused.
    let old = AuthoritySigner::from_secret(&[7; 32]);
    let old_only = RootStatement { version: 2, threshold: 1, keys: vec![new_key.public_key()] }.sign(&[&old]);
    assert_eq!(w.state.follow_roots(&[&old_only]).unwrap_err().0, Reason::RootChainBroken);
    // Nothing changed on failure.
    assert_eq!(w.state.root.version, 1);
}

#[test]
fn a_two_of_three_root_needs_two_old_signatures_to_rotate() {
    let keys: Vec<AuthoritySigner> = (1..=3).map(|i| AuthoritySigner::from_secret(&[i; 32])).collect();
    let pubs: Vec<[u8; 32]> = keys.iter().map(|k| k.public_key()).collect();
    let root1 = RootStatement { version: 1, threshold: 2, keys: pubs.clone() };
    assert!(TrustedRoot::pinned(&root1.sign(&[&keys[0]])).is_err());
    let trusted = TrustedRoot::pinned(&root1.sign(&[&keys[0], &keys[2]])).unwrap();
    let next = AuthoritySigner::from_secret(&[9; 32]);
    let root2 = RootStatement { version: 2, threshold: 1, keys: vec![next.public_key()] };
    assert!(trusted.follow(&root2.sign(&[&keys[0], &next])).is_err());
    // The same key signing twice counts once.
    assert!(trusted.follow(&root2.sign(&[&keys[0], &keys[0], &next])).is_err());
    assert_eq!(trusted.follow(&root2.sign(&[&keys[0], &keys[1], &next])).unwrap().version, 2);
}

#[test]
fn every_reason_has_a_distinct_name() {
    let mut names: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), Reason::ALL.len());
}
