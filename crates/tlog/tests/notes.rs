//! Signed notes, checkpoints and cosignatures, checked against published examples.

use oversight_tlog::note::{ALG_COSIGNATURE_V1, NoteError, key_id, parse_verifier_key};
use oversight_tlog::{
    Checkpoint, CheckpointError, CosignatureVerifier, Cosigner, MemoryLog, Note, NoteSigner, NoteVerifier,
    open_checkpoint,
};

// The example of golang.org/x/mod/sumdb/note (BSD licence), reproduced by several independent
// implementations: Ed25519 is deterministic, so signing must give these exact bytes.
const PETER_SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn test_signer(name: &str, seed: u8) -> NoteSigner {
    NoteSigner::new(name, &[seed; 32]).unwrap()
}

#[test]
fn signing_reproduces_the_go_sumdb_note_example_byte_for_byte() {
    let signer = NoteSigner::from_signer_key(PETER_SKEY).unwrap();
    assert_eq!(signer.verifier_key(), PETER_VKEY);
    assert_eq!(signer.to_signer_key(), PETER_SKEY);
    assert_eq!(signer.sign(PETER_TEXT).unwrap(), PETER_NOTE);
}

#[test]
fn go_sumdb_note_example_verifies_and_a_changed_letter_does_not() {
    let verifier = NoteVerifier::parse(PETER_VKEY).unwrap();
    let note = verifier.open(PETER_NOTE).unwrap();
    assert_eq!(note.text, PETER_TEXT);
    let tampered = PETER_NOTE.replace("cryptography", "cryptographY");
    assert!(matches!(verifier.open(&tampered), Err(NoteError::InvalidSignature { .. })));
}

#[test]
fn cosignature_key_id_uses_type_0x04() {
    // Verifier key of a cosigner from transparency-dev/formats' tests (Apache-2.0).
    let vkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
    let (name, alg, key) = parse_verifier_key(vkey).unwrap();
    assert_eq!(alg, ALG_COSIGNATURE_V1);
    assert_eq!(key_id(&name, ALG_COSIGNATURE_V1, &key), [0xda, 0x77, 0xad, 0xe7]);
    assert_eq!(CosignatureVerifier::parse(vkey).unwrap().to_vkey(), vkey);
    assert!(matches!(NoteVerifier::parse(vkey), Err(NoteError::UnsupportedKeyType(0x04))));
}

#[test]
fn verifier_keys_with_a_wrong_id_or_length_are_rejected() {
    let bad_id = PETER_VKEY.replace("c74f20a3", "c74f20a4");
    assert!(matches!(NoteVerifier::parse(&bad_id), Err(NoteError::KeyIdMismatch { .. })));
    assert!(NoteVerifier::parse("PeterNeumann+c74f20a3").is_err());
    assert!(NoteVerifier::parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq").is_err());
    assert!(
        NoteVerifier::parse("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").is_err()
    );
}

#[test]
fn a_note_signed_by_an_unknown_key_only_is_refused_with_the_signers_listed() {
    let other = test_signer("other.example", 9);
    let msg = other.sign("hello\n").unwrap();
    let err = NoteVerifier::parse(PETER_VKEY).unwrap().open(&msg).unwrap_err();
    match err {
        NoteError::NoTrustedSignature { found } => assert!(found.starts_with("other.example+")),
        e => panic!("unexpected {e}"),
    }
}

#[test]
fn signatures_by_unknown_keys_are_ignored_beside_a_trusted_one() {
    let log = test_signer("log.example", 1);
    let witness = test_signer("witness.example", 2);
    let mut note = Note::parse(&log.sign("body\n").unwrap()).unwrap();
    note.signatures.push(witness.sign_text("body\n").unwrap());
    let reparsed = Note::parse(&note.to_text()).unwrap();
    assert_eq!(reparsed.verify(&[log.verifier()]).unwrap(), ["log.example"]);
}

#[test]
fn malformed_notes_get_precise_errors() {
    assert_eq!(Note::parse("no signatures\n"), Err(NoteError::MissingSignatures));
    assert_eq!(
        Note::parse("text\n\n\u{2014} name AAAA\n"),
        Err(NoteError::MalformedSignatureLine {
            line: 1,
            reason: "signature is shorter than a key id plus one byte"
        })
    );
    assert!(matches!(
        Note::parse("text\n\n- name AAAAAAAA\n"),
        Err(NoteError::MalformedSignatureLine { line: 1, .. })
    ));
    assert_eq!(Note::parse("te\u{7}xt\n\n\u{2014} name AAAAAAAA\n"), Err(NoteError::ControlCharacter(7)));
    assert_eq!(Note::parse("text\n\n\u{2014} name AAAAAAAA"), Err(NoteError::MissingFinalNewline));
    let signer = test_signer("log.example", 1);
    assert_eq!(signer.sign("no newline"), Err(NoteError::MissingFinalNewline));
}

#[test]
fn checkpoint_round_trips_through_a_signed_note() {
    let mut log = MemoryLog::new();
    for i in 0..10 {
        log.append(format!("r{i}").as_bytes());
    }
    let signer = test_signer("register.example.org/log", 7);
    let mut cp = Checkpoint::new("register.example.org/log", log.size(), log.root());
    cp.extensions.push("Timestamp: 1700000000".into());
    let msg = cp.sign(&signer).unwrap();
    assert!(msg.starts_with("register.example.org/log\n10\n"));
    let opened = open_checkpoint(&msg, &signer.verifier()).unwrap();
    assert_eq!(opened.checkpoint, cp);
}

#[test]
fn checkpoint_with_a_changed_size_fails_its_signature() {
    let signer = test_signer("log.example", 7);
    let msg = Checkpoint::new("log.example", 5, [1; 32]).sign(&signer).unwrap();
    let forged = msg.replacen("\n5\n", "\n4\n", 1);
    assert!(matches!(
        open_checkpoint(&forged, &signer.verifier()),
        Err(CheckpointError::Note(NoteError::InvalidSignature { .. }))
    ));
}

#[test]
fn checkpoint_bodies_are_parsed_strictly() {
    let root = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    assert!(Checkpoint::parse(&format!("o\n12\n{root}\n")).is_ok());
    assert_eq!(Checkpoint::parse(&format!("o\n012\n{root}\n")), Err(CheckpointError::BadSize("012".into())));
    assert_eq!(Checkpoint::parse(&format!("o\n-1\n{root}\n")), Err(CheckpointError::BadSize("-1".into())));
    assert_eq!(Checkpoint::parse("o\n12\nAAAA\n"), Err(CheckpointError::BadRoot("AAAA".into())));
    assert_eq!(Checkpoint::parse("o\n12\n"), Err(CheckpointError::TooShort));
    assert_eq!(Checkpoint::parse(&format!("\n12\n{root}\n")), Err(CheckpointError::EmptyOrigin));
    assert_eq!(Checkpoint::parse(&format!("o\n12\n{root}")), Err(CheckpointError::MissingFinalNewline));
}

#[test]
fn witness_cosignature_verifies_and_binds_its_timestamp() {
    let log = test_signer("log.example", 1);
    let cp = Checkpoint::new("log.example", 3, [2; 32]);
    let witness = Cosigner::new("witness.example/w1", &[3; 32]).unwrap();
    let mut note = Note::parse(&cp.sign(&log).unwrap()).unwrap();
    note.signatures.push(witness.cosign(&note.text, 1_700_000_000));
    let msg = note.to_text();

    let opened = open_checkpoint(&msg, &log.verifier()).unwrap();
    let verifier = witness.verifier();
    assert_eq!(verifier.verify(&opened.note).unwrap(), Some(1_700_000_000));

    // Changing the timestamp bytes invalidates the cosignature.
    let mut forged = opened.note.clone();
    forged.signatures[1].signature[7] ^= 1;
    assert!(matches!(verifier.verify(&forged), Err(NoteError::InvalidSignature { .. })));
    // A witness that did not cosign is reported as absent, not as an error.
    let absent = Cosigner::new("witness.example/w2", &[4; 32]).unwrap().verifier();
    assert_eq!(absent.verify(&opened.note).unwrap(), None);
}
