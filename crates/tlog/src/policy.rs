//! C2SP transparency log trust policies (<https://c2sp.org/tlog-policy>): which logs are trusted,
//! which witnesses exist, and the quorum of cosignatures a checkpoint needs.
//!
//! ```text
//! log <vkey> [<url>]
//! witness <name> <vkey> [<url>]
//! group <name> all|any|<k> <member>...
//! quorum <name>|none
//! ```
//!
//! A group may only name witnesses and groups defined on earlier lines (so there are no cycles),
//! each member at most once; exactly one `quorum` line. [`Policy::verify_checkpoint`] opens a
//! signed checkpoint note: it must be signed by one of the logs (whose key name is the checkpoint
//! origin), and the valid `cosignature/v1` signatures of the policy's witnesses must satisfy the
//! quorum. A witness whose cosignature is present but invalid simply does not count.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::checkpoint::{Checkpoint, CheckpointError, CosignatureVerifier};
use crate::note::{ALG_COSIGNATURE_V1, ALG_ED25519, Note, NoteError, NoteVerifier, parse_verifier_key};

/// Bounds on the policy's size (the spec recommends supporting at least 32 of each).
pub const MAX_ENTRIES: usize = 256;

/// What can be wrong with a policy file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("line {line}: {reason}")]
    Syntax { line: usize, reason: &'static str },
    #[error("line {line}: bad key: {error}")]
    Key { line: usize, error: NoteError },
    #[error("line {line}: the name {name:?} is already defined")]
    DuplicateName { line: usize, name: String },
    #[error("line {line}: the name {name:?} is not defined on an earlier line")]
    UnknownName { line: usize, name: String },
    #[error("line {line}: this public key is already listed")]
    DuplicateKey { line: usize },
    #[error("the policy has no quorum line")]
    MissingQuorum,
    #[error("the policy has more than {MAX_ENTRIES} entries")]
    TooLarge,
}

/// Why a checkpoint does not satisfy a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointPolicyError {
    #[error("the checkpoint is not signed by any log of the policy")]
    UntrustedLog,
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("the checkpoint's cosignatures do not satisfy the witness quorum (valid cosigners: {0:?})")]
    NoQuorum(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Member {
    Witness(usize),
    Group(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    name: String,
    threshold: usize,
    members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Quorum {
    None,
    Of(Member),
}

/// A parsed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    logs: Vec<(NoteVerifier, Option<String>)>,
    witnesses: Vec<(String, CosignatureVerifier, Option<String>)>,
    groups: Vec<Group>,
    quorum: Quorum,
}

/// A checkpoint that satisfied a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: Note,
    /// Names (in the policy) of the witnesses whose cosignature verified.
    pub cosigned_by: Vec<String>,
    /// The newest timestamp among those valid cosignatures, if any.
    pub newest_cosignature: Option<u64>,
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

impl Policy {
    /// Parses a policy file.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let mut policy =
            Policy { logs: Vec::new(), witnesses: Vec::new(), groups: Vec::new(), quorum: Quorum::None };
        let mut names: BTreeMap<String, Member> = BTreeMap::new();
        let mut keys: Vec<[u8; 32]> = Vec::new();
        let mut quorum_seen = false;
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let syntax = |reason| PolicyError::Syntax { line, reason };
            // The spec allows tab and newline as the only control octets; octets ≥ 0x80 are opaque.
            if raw.chars().any(|c| c.is_ascii_control() && c != '\t') {
                return Err(syntax("control characters other than tab are not allowed"));
            }
            let words: Vec<&str> = raw.split(is_space).filter(|w| !w.is_empty()).collect();
            let Some(&keyword) = words.first() else { continue };
            if keyword.starts_with('#') {
                continue;
            }
            if policy.logs.len() + policy.witnesses.len() + policy.groups.len() >= MAX_ENTRIES {
                return Err(PolicyError::TooLarge);
            }
            let mut check_key = |vkey: &str, alg: u8| -> Result<(), PolicyError> {
                let (_, got, key) =
                    parse_verifier_key(vkey).map_err(|error| PolicyError::Key { line, error })?;
                if got != alg {
                    return Err(PolicyError::Key { line, error: NoteError::UnsupportedKeyType(got) });
                }
                if keys.contains(&key) {
                    return Err(PolicyError::DuplicateKey { line });
                }
                keys.push(key);
                Ok(())
            };
            let new_name = |names: &BTreeMap<String, Member>, name: &str| {
                if name == "none" || names.contains_key(name) {
                    Err(PolicyError::DuplicateName { line, name: name.to_string() })
                } else {
                    Ok(())
                }
            };
            match keyword {
                "log" => {
                    let (Some(vkey), url, None) = (words.get(1), words.get(2), words.get(3)) else {
                        return Err(syntax("expected `log <vkey> [<url>]`"));
                    };
                    check_key(vkey, ALG_ED25519)?;
                    let verifier =
                        NoteVerifier::parse(vkey).map_err(|error| PolicyError::Key { line, error })?;
                    policy.logs.push((verifier, url.map(|u| u.to_string())));
                }
                "witness" => {
                    let (Some(name), Some(vkey), url, None) =
                        (words.get(1), words.get(2), words.get(3), words.get(4))
                    else {
                        return Err(syntax("expected `witness <name> <vkey> [<url>]`"));
                    };
                    new_name(&names, name)?;
                    check_key(vkey, ALG_COSIGNATURE_V1)?;
                    let verifier =
                        CosignatureVerifier::parse(vkey).map_err(|error| PolicyError::Key { line, error })?;
                    names.insert(name.to_string(), Member::Witness(policy.witnesses.len()));
                    policy.witnesses.push((name.to_string(), verifier, url.map(|u| u.to_string())));
                }
                "group" => {
                    let (Some(name), Some(k)) = (words.get(1), words.get(2)) else {
                        return Err(syntax("expected `group <name> all|any|<k> <member>...`"));
                    };
                    new_name(&names, name)?;
                    let member_names = &words[3..];
                    if member_names.is_empty() {
                        return Err(syntax("a group needs at least one member"));
                    }
                    let mut members = Vec::new();
                    for m in member_names {
                        let member = names
                            .get(*m)
                            .cloned()
                            .ok_or_else(|| PolicyError::UnknownName { line, name: m.to_string() })?;
                        if members.contains(&member) {
                            return Err(syntax("a group lists the same member twice"));
                        }
                        members.push(member);
                    }
                    let n = members.len();
                    let threshold = match *k {
                        "all" => n,
                        "any" => 1,
                        digits => {
                            let canonical =
                                digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
                            match canonical.then(|| digits.parse::<usize>().ok()).flatten() {
                                Some(k) if (1..=n).contains(&k) => k,
                                _ => {
                                    return Err(syntax(
                                        "the threshold must be all, any or a number from 1 to n",
                                    ));
                                }
                            }
                        }
                    };
                    names.insert(name.to_string(), Member::Group(policy.groups.len()));
                    policy.groups.push(Group { name: name.to_string(), threshold, members });
                }
                "quorum" => {
                    let (Some(name), None) = (words.get(1), words.get(2)) else {
                        return Err(syntax("expected `quorum <name>`"));
                    };
                    if quorum_seen {
                        return Err(syntax("a policy has exactly one quorum line"));
                    }
                    quorum_seen = true;
                    policy.quorum = if *name == "none" {
                        Quorum::None
                    } else {
                        Quorum::Of(
                            names
                                .get(*name)
                                .cloned()
                                .ok_or_else(|| PolicyError::UnknownName { line, name: name.to_string() })?,
                        )
                    };
                }
                _ => return Err(syntax("unknown keyword (expected log, witness, group or quorum)")),
            }
        }
        if !quorum_seen {
            return Err(PolicyError::MissingQuorum);
        }
        Ok(policy)
    }

    /// The trusted logs' verifier keys.
    pub fn logs(&self) -> impl Iterator<Item = &NoteVerifier> {
        self.logs.iter().map(|(v, _)| v)
    }

    /// Names of the witnesses in the policy.
    pub fn witness_names(&self) -> impl Iterator<Item = &str> {
        self.witnesses.iter().map(|(n, _, _)| n.as_str())
    }

    /// Whether the witnesses named in `cosigned` (by index) satisfy the quorum.
    fn satisfied(&self, cosigned: &[bool]) -> bool {
        // Groups only refer to earlier groups, so one pass in definition order suffices.
        let mut group_ok = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let count = g
                .members
                .iter()
                .filter(|m| match m {
                    Member::Witness(w) => cosigned[*w],
                    Member::Group(j) => group_ok[*j],
                })
                .count();
            group_ok.push(count >= g.threshold);
        }
        match &self.quorum {
            Quorum::None => true,
            Quorum::Of(Member::Witness(w)) => cosigned[*w],
            Quorum::Of(Member::Group(j)) => group_ok[*j],
        }
    }

    /// Opens a signed checkpoint note: signed by a policy log whose name is the origin, and
    /// cosigned by a quorum of witnesses.
    pub fn verify_checkpoint(&self, note_text: &str) -> Result<PolicyCheckpoint, CheckpointPolicyError> {
        let note = Note::parse(note_text).map_err(CheckpointError::from)?;
        let checkpoint = Checkpoint::parse(&note.text)?;
        let signed_by_log = self
            .logs()
            .any(|log| log.name() == checkpoint.origin && note.verify(core::slice::from_ref(log)).is_ok());
        if !signed_by_log {
            return Err(CheckpointPolicyError::UntrustedLog);
        }
        let mut cosigned = Vec::with_capacity(self.witnesses.len());
        let mut cosigned_by = Vec::new();
        let mut newest = None;
        for (name, verifier, _) in &self.witnesses {
            let time = verifier.verify(&note).ok().flatten();
            cosigned.push(time.is_some());
            if let Some(t) = time {
                cosigned_by.push(name.clone());
                newest = newest.max(Some(t));
            }
        }
        if !self.satisfied(&cosigned) {
            return Err(CheckpointPolicyError::NoQuorum(cosigned_by));
        }
        Ok(PolicyCheckpoint { checkpoint, note, cosigned_by, newest_cosignature: newest })
    }
}

impl core::fmt::Display for Policy {
    /// Writes the policy back in its file format (keys as vkeys, groups as numeric thresholds).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let url = |u: &Option<String>| u.as_ref().map(|u| alloc::format!(" {u}")).unwrap_or_default();
        for (log, u) in &self.logs {
            writeln!(f, "log {}{}", log.to_vkey(), url(u))?;
        }
        for (name, w, u) in &self.witnesses {
            writeln!(f, "witness {name} {}{}", w.to_vkey(), url(u))?;
        }
        let member_name = |m: &Member| match m {
            Member::Witness(w) => self.witnesses[*w].0.clone(),
            Member::Group(g) => self.groups[*g].name.clone(),
        };
        for g in &self.groups {
            write!(f, "group {} {}", g.name, g.threshold)?;
            for m in &g.members {
                write!(f, " {}", member_name(m))?;
            }
            writeln!(f)?;
        }
        match &self.quorum {
            Quorum::None => writeln!(f, "quorum none"),
            Quorum::Of(m) => writeln!(f, "quorum {}", member_name(m)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::Cosigner;
    use crate::note::NoteSigner;
    use alloc::format;

    struct Fixture {
        log: NoteSigner,
        witnesses: Vec<Cosigner>,
    }

    fn fixture() -> Fixture {
        Fixture {
            log: NoteSigner::new("example.org/log", &[1; 32]).unwrap(),
            witnesses: (0..6u8)
                .map(|i| Cosigner::new(&format!("w{i}.example"), &[10 + i; 32]).unwrap())
                .collect(),
        }
    }

    /// Two organisations, X (2 of 3) and Y (any of 3), both required: the spec's example.
    fn two_level(f: &Fixture) -> String {
        let mut p = format!("# comment\nlog {}\n\n", f.log.verifier_key());
        for (i, w) in f.witnesses.iter().enumerate() {
            let group = if i < 3 { 'X' } else { 'Y' };
            p.push_str(&format!("  witness\t{group}{} {}\n", i % 3 + 1, w.verifier().to_vkey()));
        }
        p.push_str("group X-witnesses 2 X1 X2 X3\ngroup Y-witnesses any Y1 Y2 Y3\n");
        p.push_str("group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n");
        p
    }

    fn note_cosigned_by(f: &Fixture, which: &[usize]) -> String {
        let text = Checkpoint::new("example.org/log", 5, [3; 32]).to_text();
        let mut note = Note::parse(&f.log.sign(&text).unwrap()).unwrap();
        for &i in which {
            note.signatures.push(f.witnesses[i].cosign(&text, 1_000 + i as u64));
        }
        note.to_text()
    }

    #[test]
    fn the_two_level_example_needs_two_x_and_one_y() {
        let f = fixture();
        let policy = Policy::parse(&two_level(&f)).unwrap();
        for (which, ok) in [
            (&[0, 1, 3][..], true),
            (&[0, 2, 5], true),
            (&[0, 1, 2], false),
            (&[0, 3, 4, 5], false),
            (&[], false),
        ] {
            let result = policy.verify_checkpoint(&note_cosigned_by(&f, which));
            assert_eq!(result.is_ok(), ok, "{which:?}: {result:?}");
        }
        let ok = policy.verify_checkpoint(&note_cosigned_by(&f, &[0, 1, 3])).unwrap();
        assert_eq!(ok.cosigned_by, ["X1", "X2", "Y1"]);
        assert_eq!(ok.newest_cosignature, Some(1_003));
    }

    #[test]
    fn a_policy_survives_its_text_form() {
        let f = fixture();
        let policy = Policy::parse(&two_level(&f)).unwrap();
        assert_eq!(Policy::parse(&policy.to_string()).unwrap(), policy);
    }

    #[test]
    fn a_checkpoint_from_another_log_or_with_a_forged_cosignature_fails() {
        let f = fixture();
        let policy = Policy::parse(&two_level(&f)).unwrap();
        let other = NoteSigner::new("example.org/log", &[2; 32]).unwrap();
        let text = Checkpoint::new("example.org/log", 5, [3; 32]).to_text();
        assert_eq!(
            policy.verify_checkpoint(&other.sign(&text).unwrap()),
            Err(CheckpointPolicyError::UntrustedLog)
        );
        // A cosignature over a different checkpoint text does not count.
        let mut note = Note::parse(&note_cosigned_by(&f, &[0, 3])).unwrap();
        note.signatures.push(f.witnesses[1].cosign("something else\n", 5));
        assert!(matches!(policy.verify_checkpoint(&note.to_text()), Err(CheckpointPolicyError::NoQuorum(_))));
    }

    #[test]
    fn quorum_none_needs_only_the_log() {
        let f = fixture();
        let policy = Policy::parse(&format!("log {}\nquorum none\n", f.log.verifier_key())).unwrap();
        let ok = policy.verify_checkpoint(&note_cosigned_by(&f, &[])).unwrap();
        assert_eq!(ok.newest_cosignature, None);
    }

    #[test]
    fn malformed_policies_are_refused() {
        let f = fixture();
        let w = f.witnesses[0].verifier().to_vkey();
        let w2 = f.witnesses[1].verifier().to_vkey();
        let bad = [
            format!("witness a {w}\n"),                                // no quorum
            format!("witness a {w}\nquorum b\n"),                      // undefined
            format!("witness a {w}\nwitness a {w2}\nquorum a\n"),      // duplicate name
            format!("witness a {w}\nwitness b {w}\nquorum a\n"),       // duplicate key
            format!("witness a {w}\ngroup g 2 a\nquorum g\n"),         // k > n
            format!("witness a {w}\ngroup g 0 a\nquorum g\n"),         // k = 0
            format!("witness a {w}\ngroup g any a a\nquorum g\n"),     // member twice
            format!("group g any a\nwitness a {w}\nquorum g\n"),       // forward reference
            format!("witness a {w}\nquorum a\nquorum a\n"),            // two quorums
            format!("witness none {w}\nquorum none\n"),                // reserved name
            format!("log {w}\nquorum none\n"),                         // cosigner key as log key
            format!("witness a {}\nquorum a\n", f.log.verifier_key()), // log key as witness key
            "frobnicate\nquorum none\n".to_string(),
            "quorum none\r\n".to_string(), // CR is a control character
        ];
        for text in bad {
            assert!(Policy::parse(&text).is_err(), "accepted: {text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Two groups (k1 of the first three witnesses, k2 of the last three), both required: the
        /// policy is satisfied exactly when each group has enough valid cosignatures.
        #[test]
        fn quorum_matches_counting(k1 in 1usize..=3, k2 in 1usize..=3, cosigned in proptest::collection::vec(proptest::bool::ANY, 6)) {
            let f = fixture();
            let mut p = format!("log {}\n", f.log.verifier_key());
            for (i, w) in f.witnesses.iter().enumerate() {
                p.push_str(&format!("witness w{i} {}\n", w.verifier().to_vkey()));
            }
            p.push_str(&format!("group a {k1} w0 w1 w2\ngroup b {k2} w3 w4 w5\ngroup ab all a b\nquorum ab\n"));
            let policy = Policy::parse(&p).unwrap();
            let which: Vec<usize> = (0..6).filter(|i| cosigned[*i]).collect();
            let in_a = which.iter().filter(|i| **i < 3).count();
            let in_b = which.len() - in_a;
            let ok = policy.verify_checkpoint(&note_cosigned_by(&f, &which)).is_ok();
            proptest::prop_assert_eq!(ok, in_a >= k1 && in_b >= k2);
        }
    }
}
