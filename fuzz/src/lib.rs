//! The fuzz targets of Oversight's parsers, one function per target. Each takes the fuzzer's bytes,
//! feeds them to one parser the way the platform does, and panics only on a bug: a parser panic,
//! or a broken property (a parsed note or checkpoint that does not write back as it was read).
//! The binaries in `src/bin/` wrap these in `afl::fuzz!`; `scripts/fuzz` builds and runs them.

use std::path::{Path, PathBuf};

use oversight_screening::Format;

/// A scratch folder of this process: list parsers read files, as the platform's import does.
fn scratch() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("oversight-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    })
}

fn load(format: Format, file: &str, data: &[u8]) {
    let path = scratch().join(file);
    std::fs::write(&path, data).expect("write scratch file");
    // Errors are the expected answer to most inputs; only a panic (or a hang) is a finding.
    let _ = format.load(&path);
}

/// US Consolidated Screening List CSV.
pub fn csl_csv(data: &[u8]) {
    load(Format::CslCsv, "consolidated.csv", data)
}

/// BIS Denied Persons List (tab-separated).
pub fn bis_dpl(data: &[u8]) {
    load(Format::BisDpl, "dpl.txt", data)
}

/// FollowTheMoney JSON lines.
pub fn ftm_json(data: &[u8]) {
    load(Format::FtmJson, "entities.ftm.json", data)
}

/// UN Security Council consolidated list XML.
pub fn un_xml(data: &[u8]) {
    load(Format::UnXml, "consolidated.xml", data)
}

/// OFAC enhanced XML, plain or zipped (a zip is recognised by its content, as in the platform).
pub fn ofac_xml(data: &[u8]) {
    load(Format::OfacXml, "sdn_enhanced.xml", data)
}

/// OFAC legacy CSV: one input is the folder's three files `sdn.csv`, `alt.csv`, `add.csv`, separated
/// by NUL bytes (a missing part is a missing file).
pub fn ofac_csv(data: &[u8]) {
    let dir = scratch().join("ofac");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let mut parts = data.splitn(3, |&b| b == 0);
    for name in ["sdn.csv", "alt.csv", "add.csv"] {
        let path = dir.join(name);
        match parts.next() {
            Some(part) => std::fs::write(&path, part).expect("write scratch file"),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let _ = Format::OfacCsv.load(&dir);
}

/// The risk policy (TOML, validated as a whole).
pub fn risk_policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = oversight_risk::policy::Policy::from_toml(text);
}

fn log_key() -> &'static (oversight_tlog::NoteSigner, oversight_tlog::NoteVerifier) {
    static KEY: std::sync::OnceLock<(oversight_tlog::NoteSigner, oversight_tlog::NoteVerifier)> =
        std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let signer = oversight_tlog::NoteSigner::new("oversight.example/log", &[7; 32]).expect("key");
        let verifier = signer.verifier();
        (signer, verifier)
    })
}

fn witness() -> &'static oversight_tlog::CosignatureVerifier {
    static KEY: std::sync::OnceLock<oversight_tlog::CosignatureVerifier> = std::sync::OnceLock::new();
    KEY.get_or_init(|| oversight_tlog::Cosigner::new("witness.example/w1", &[9; 32]).expect("key").verifier())
}

/// C2SP signed notes: parse, write back, verify against a log key and a witness key.
pub fn note(data: &[u8]) {
    let Ok(msg) = std::str::from_utf8(data) else { return };
    if let Ok(note) = oversight_tlog::Note::parse(msg) {
        let again = oversight_tlog::Note::parse(&note.to_text());
        assert_eq!(again.as_ref(), Ok(&note), "a parsed note must parse the same when written back");
        let _ = note.verify(std::slice::from_ref(&log_key().1));
        let _ = witness().verify(&note);
    }
    let _ = log_key().1.open(msg);
}

/// Checkpoints: the body parser (which must write back exactly what it read) and a signed one.
pub fn checkpoint(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(cp) = oversight_tlog::Checkpoint::parse(text) {
        assert_eq!(cp.to_text(), text, "a parsed checkpoint must write back byte for byte");
    }
    let _ = oversight_tlog::open_checkpoint(text, &log_key().1);
}

/// Key strings: verifier keys (log and witness) and signer keys.
pub fn keys(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((name, alg, key)) = oversight_tlog::note::parse_verifier_key(text) {
        let written = oversight_tlog::note::format_verifier_key(&name, alg, &key);
        assert_eq!(
            oversight_tlog::note::parse_verifier_key(&written),
            Ok((name, alg, key)),
            "a parsed verifier key must parse the same when written back"
        );
    }
    if let Ok(v) = oversight_tlog::NoteVerifier::parse(text) {
        assert_eq!(oversight_tlog::NoteVerifier::parse(&v.to_vkey()).map(|w| w.to_vkey()), Ok(v.to_vkey()));
    }
    if let Ok(w) = oversight_tlog::CosignatureVerifier::parse(text) {
        assert_eq!(oversight_tlog::CosignatureVerifier::parse(&w.to_vkey()), Ok(w));
    }
    if let Ok(s) = oversight_tlog::NoteSigner::from_signer_key(text) {
        let again =
            oversight_tlog::NoteSigner::from_signer_key(&s.to_signer_key()).expect("written key parses");
        assert_eq!(again.verifier_key(), s.verifier_key());
    }
}

/// C2SP `tlog-proof`: parse (it must write back as read), check the inclusion of an arbitrary leaf.
pub fn tlog_proof(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(proof) = oversight_tlog::TlogProof::parse(text) {
        assert_eq!(
            oversight_tlog::TlogProof::parse(&proof.to_text()).as_ref(),
            Ok(&proof),
            "a parsed proof must parse the same when written back"
        );
        let _ = proof.verify_inclusion(&oversight_tlog::leaf_hash(b"leaf"));
    }
}

/// C2SP `tlog-policy`: parse (it must parse the same when written back), evaluate a checkpoint.
pub fn tlog_policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(policy) = oversight_tlog::Policy::parse(text) {
        let written = policy.to_string();
        assert_eq!(
            oversight_tlog::Policy::parse(&written).as_ref(),
            Ok(&policy),
            "a parsed policy must parse the same when written back"
        );
        let cp = oversight_tlog::Checkpoint::new("oversight.example/log", 1, [0; 32]).to_text();
        let _ = policy.verify_checkpoint(&log_key().0.sign(&cp).expect("signable"));
    }
}

/// Operating tokens and their companions, all CBOR from outside: a token, a root statement, a
/// revocation list and a persisted verifier state, each opened against fixed keys; and a full
/// verifier check of the bytes as a token.
pub fn attest(data: &[u8]) {
    use oversight_attest::{AuthoritySigner, RevocationList, Token, TrustedRoot, VerifierState};
    let authority = AuthoritySigner::from_secret(&[3; 32]).public_key();
    let _ = Token::open(data, &[authority]);
    let _ = RevocationList::open(data, &[authority], 0);
    if let Ok(root) = TrustedRoot::pinned(data) {
        let _ = root.follow(data);
    }
    if let Some(state) = VerifierState::from_bytes(data) {
        assert_eq!(
            VerifierState::from_bytes(&state.to_bytes()),
            Some(state),
            "state must survive its byte form"
        );
    }
}
