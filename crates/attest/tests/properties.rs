//! Property tests: tokens survive encoding, no altered byte is ever accepted, and the state
//! machine only moves forward.

use oversight_attest::memory::{MemoryAuthority, installation_key, sample_claims};
use oversight_attest::{
    AuthoritySigner, Presented, Status, Token, TokenClaims, TrustedRoot, Verifier, VerifierState, issue,
};
use oversight_tlog::Policy;
use proptest::prelude::*;

const T0: u64 = 1_780_000_000;

fn claims_strategy() -> impl Strategy<Value = TokenClaims> {
    (
        "[a-zA-Z0-9 -]{0,40}",
        "[a-f0-9-]{1,36}",
        "\\PC{0,30}",
        prop::collection::vec("[a-z.]{1,20}", 0..6),
        0u64..(1 << 40),
        1u64..(1 << 30),
        any::<u64>(),
        any::<u8>(),
        ("\\PC{0,30}", "\\PC{0,30}", "\\PC{0,30}"),
    )
        .prop_map(
            |(
                issuer,
                licence_id,
                licence_number,
                capabilities,
                nbf,
                lease,
                sequence,
                seed,
                (product, end_user, end_use),
            )| {
                TokenClaims {
                    issuer,
                    licence_id,
                    licence_number,
                    installation_key: installation_key(seed).1,
                    capabilities,
                    product,
                    end_user,
                    end_use,
                    issued_at: nbf,
                    not_before: nbf,
                    expires: nbf + lease,
                    sequence,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn issued_claims_are_the_claims_read_back(claims in claims_strategy()) {
        let signer = AuthoritySigner::from_secret(&[5; 32]);
        let token = issue(&claims, &signer);
        let opened = Token::open(&token, &[signer.public_key()]).unwrap();
        prop_assert_eq!(opened.claims, claims);
        prop_assert_eq!(opened.kid, signer.kid());
    }

    #[test]
    fn no_single_altered_byte_is_ever_accepted(pos in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let mut authority = MemoryAuthority::new(3, 2);
        let (_, install) = installation_key(1);
        let verifier = Verifier {
            policy: Policy::parse(&authority.policy(2)).unwrap(),
            installation_key: install,
            grace_permille: 0,
            max_clock_skew: 0,
        };
        let state = VerifierState::new(TrustedRoot::pinned(&authority.root()).unwrap());
        let (mut token, proof) = authority.issue_logged(&sample_claims(install, T0, T0 + 3600, 1));
        let ok = verifier.check(&state, &Presented { token: &token, proof: &proof, revocation: None }, T0);
        prop_assert_eq!(ok.status, Status::Valid);
        let i = pos.index(token.len());
        token[i] ^= flip;
        let v = verifier.check(&state, &Presented { token: &token, proof: &proof, revocation: None }, T0);
        prop_assert_eq!(v.status, Status::Disabled);
        prop_assert!(v.reason.is_some());
    }

    #[test]
    fn status_only_moves_forward_and_trusted_time_never_goes_back(
        steps in prop::collection::vec(0u64..4000, 1..30),
        grace in 0u32..1000,
    ) {
        let mut authority = MemoryAuthority::new(4, 1);
        let (_, install) = installation_key(2);
        let verifier = Verifier {
            policy: Policy::parse(&authority.policy(1)).unwrap(),
            installation_key: install,
            grace_permille: grace,
            max_clock_skew: 0,
        };
        let mut state = VerifierState::new(TrustedRoot::pinned(&authority.root()).unwrap());
        let (token, proof) = authority.issue_logged(&sample_claims(install, T0, T0 + 36_000, 1));
        let rank = |s: Status| match s { Status::Valid => 0, Status::Grace => 1, Status::Disabled => 2 };
        let (mut now, mut last_rank, mut last_time) = (T0, 0, 0);
        for step in steps {
            now += step * 10;
            let v = verifier.check(&state, &Presented { token: &token, proof: &proof, revocation: None }, now);
            prop_assert!(rank(v.status) >= last_rank, "went back from {} to {:?}", last_rank, v.status);
            prop_assert!(v.state.highest_time >= last_time);
            last_rank = rank(v.status);
            last_time = v.state.highest_time;
            state = v.state;
        }
    }
}
