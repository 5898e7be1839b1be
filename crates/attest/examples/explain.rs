//! Prints the documented example token of `docs/operating-tokens.md`: its bytes in hex, the
//! COSE_Sign1 and its CWT claims in CBOR diagnostic notation (RFC 8949 §8), and its log leaf.
//!
//! `cargo run -p oversight-attest --example explain`

use ciborium::value::Value;
use oversight_attest::memory::{MemoryAuthority, installation_key, sample_claims};
use oversight_attest::{AuthoritySigner, issue, token_leaf};

fn diag(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent + 1);
    match v {
        Value::Integer(i) => out.push_str(&i128::from(*i).to_string()),
        Value::Bytes(b) => {
            // Byte strings that hold CBOR (COSE protected header, payload) are shown decoded.
            match ciborium::from_reader::<Value, _>(b.as_slice()) {
                Ok(inner @ Value::Map(_)) if b.len() > 2 => {
                    out.push_str("<< ");
                    diag(&inner, indent, out);
                    out.push_str(" >>");
                }
                _ => {
                    out.push_str(&format!("h'{}'", b.iter().map(|x| format!("{x:02x}")).collect::<String>()))
                }
            }
        }
        Value::Text(t) => out.push_str(&format!("{t:?}")),
        Value::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                out.push_str(if n == 0 { "\n" } else { ",\n" });
                out.push_str(&pad);
                diag(item, indent + 1, out);
            }
            out.push_str(&format!("\n{}]", "  ".repeat(indent)));
        }
        Value::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Value::Map(entries) => {
            out.push('{');
            for (n, (k, val)) in entries.iter().enumerate() {
                out.push_str(if n == 0 { "\n" } else { ",\n" });
                out.push_str(&pad);
                diag(k, indent + 1, out);
                out.push_str(": ");
                diag(val, indent + 1, out);
            }
            out.push_str(&format!("\n{}}}", "  ".repeat(indent)));
        }
        Value::Tag(tag, inner) => {
            out.push_str(&format!("{tag}("));
            diag(inner, indent, out);
            out.push(')');
        }
        other => out.push_str(&format!("{other:?}")),
    }
}

fn main() {
    let signer = AuthoritySigner::from_secret(&[1; 32]);
    let (_, installation) = installation_key(2);
    let mut claims = sample_claims(installation, 1_780_000_000, 1_780_000_000 + 7 * 86_400, 17);
    claims.capabilities.truncate(1);
    let token = issue(&claims, &signer);
    println!("authority key id: {}", signer.kid().iter().map(|x| format!("{x:02x}")).collect::<String>());
    println!("token ({} bytes):", token.len());
    for chunk in token.chunks(32) {
        println!("  {}", chunk.iter().map(|x| format!("{x:02x}")).collect::<String>());
    }
    let value: Value = ciborium::from_reader(token.as_slice()).expect("CBOR");
    let mut out = String::new();
    diag(&value, 0, &mut out);
    println!("diagnostic notation:\n{out}");
    print!("log leaf: {}", String::from_utf8(token_leaf(&token)).expect("ASCII"));
    // Its proof in a small log (two earlier records), cosigned by two witnesses.
    let mut authority = MemoryAuthority::new(1, 2);
    authority.append(b"an earlier record");
    authority.append(b"another earlier record");
    let index = authority.append(&token_leaf(&token));
    println!("tlog-proof:\n{}", authority.proof(index, &[0, 1], claims.issued_at + 5));
    println!("policy:\n{}", authority.policy(2));
}
