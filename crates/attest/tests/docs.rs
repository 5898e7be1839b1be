//! The worked example in docs/operating-tokens.md is what the code produces today.

use oversight_attest::memory::{MemoryAuthority, installation_key, sample_claims};
use oversight_attest::{AuthoritySigner, issue, token_leaf};

const DOC: &str = include_str!("../../../docs/operating-tokens.md");

#[test]
fn the_documented_example_token_leaf_and_proof_are_what_the_code_produces() {
    let signer = AuthoritySigner::from_secret(&[1; 32]);
    let (_, installation) = installation_key(2);
    let mut claims = sample_claims(installation, 1_780_000_000, 1_780_000_000 + 7 * 86_400, 17);
    claims.capabilities.truncate(1);
    let token = issue(&claims, &signer);
    let hex: String = token.iter().map(|b| format!("{b:02x}")).collect();
    let documented: String = DOC
        .split("```\n")
        .find(|block| block.trim_start().starts_with("d28450"))
        .expect("the hex block")
        .split_whitespace()
        .collect();
    assert_eq!(documented, hex, "rerun `cargo run -p oversight-attest --example explain` and update the doc");
    assert!(DOC.contains(String::from_utf8(token_leaf(&token)).unwrap().trim_end()));

    let mut authority = MemoryAuthority::new(1, 2);
    authority.append(b"an earlier record");
    authority.append(b"another earlier record");
    let index = authority.append(&token_leaf(&token));
    assert!(DOC.contains(authority.proof(index, &[0, 1], claims.issued_at + 5).trim_end()));
    assert!(DOC.contains(authority.policy(2).trim_end()));
}
