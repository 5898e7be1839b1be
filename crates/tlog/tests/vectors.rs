//! Runs every transparency-dev/merkle test vector in `tests/vectors` (see its README and NOTICE).

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oversight_tlog::{
    verify_consistency, verify_inclusion, verify_subtree_consistency, verify_subtree_inclusion,
};
use serde_json::Value;

fn vector_files(kind: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors").join(kind);
    let mut out = Vec::new();
    walk(&root, &mut out);
    out.sort();
    out
}

fn bytes(v: &Value, field: &str) -> Vec<u8> {
    B64.decode(v[field].as_str().unwrap_or_else(|| panic!("{field} is not a string")))
        .unwrap_or_else(|e| panic!("{field} is not base64: {e}"))
}

fn proof(v: &Value) -> Vec<Vec<u8>> {
    match &v["proof"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().map(|p| B64.decode(p.as_str().unwrap()).unwrap()).collect(),
        other => panic!("proof is {other}"),
    }
}

fn num(v: &Value, field: &str) -> u64 {
    v[field].as_u64().unwrap_or_else(|| panic!("{field} is not a u64"))
}

/// Runs `check` on every vector of `kind`, asserting the result matches `wantErr`; returns how
/// many positive and negative vectors ran so that the test can prove it saw them.
fn run(kind: &str, check: impl Fn(&Value) -> Result<(), String>) -> (usize, usize) {
    let files = vector_files(kind);
    assert!(!files.is_empty(), "no vectors found for {kind}");
    let (mut ok, mut err) = (0, 0);
    let mut failures = Vec::new();
    for file in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let want_err = v["wantErr"].as_bool().unwrap();
        let got = check(&v);
        match (want_err, &got) {
            (false, Ok(())) => ok += 1,
            (true, Err(_)) => err += 1,
            _ => failures.push(format!("{}: wantErr={want_err}, got {got:?}", file.display())),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    (ok, err)
}

#[test]
fn every_inclusion_vector_gives_the_expected_verdict() {
    let (ok, err) = run("inclusion", |v| {
        verify_inclusion(
            num(v, "leafIdx"),
            num(v, "treeSize"),
            &bytes(v, "leafHash"),
            &proof(v),
            &bytes(v, "root"),
        )
        .map_err(|e| e.to_string())
    });
    assert!(ok >= 5 && err >= 50, "ok={ok} err={err}");
}

#[test]
fn every_consistency_vector_gives_the_expected_verdict() {
    let (ok, err) = run("consistency", |v| {
        verify_consistency(
            num(v, "size1"),
            num(v, "size2"),
            &proof(v),
            &bytes(v, "root1"),
            &bytes(v, "root2"),
        )
        .map_err(|e| e.to_string())
    });
    assert!(ok >= 5 && err >= 50, "ok={ok} err={err}");
}

#[test]
fn every_subtree_inclusion_vector_gives_the_expected_verdict() {
    let (ok, err) = run("subtreeinclusion", |v| {
        verify_subtree_inclusion(
            num(v, "leafIdx"),
            num(v, "start"),
            num(v, "end"),
            &bytes(v, "leafHash"),
            &proof(v),
            &bytes(v, "root"),
        )
        .map_err(|e| e.to_string())
    });
    assert!(ok >= 5 && err >= 50, "ok={ok} err={err}");
}

#[test]
fn every_subtree_consistency_vector_gives_the_expected_verdict() {
    let (ok, err) = run("subtreeconsistency", |v| {
        verify_subtree_consistency(
            num(v, "start"),
            num(v, "end"),
            num(v, "size"),
            &proof(v),
            &bytes(v, "root1"),
            &bytes(v, "root2"),
        )
        .map_err(|e| e.to_string())
    });
    assert!(ok >= 5 && err >= 50, "ok={ok} err={err}");
}
