//! The in-memory candidate index and the screening entry point.
//!
//! Retrieval: every listed name is tokenised once; a token vocabulary maps each token to the
//! names holding it (postings), to its phonetic key, and to its one-letter deletions (a
//! symmetric-delete dictionary: two tokens within one edit, or a transposition, share a key). A
//! query token is expanded to the vocabulary tokens it may stand for, the postings of those
//! expansions vote for names (weighted by token role and similarity), and the best-voted names
//! are aligned and scored in full. Joined and split tokens ("JSCARGUMENT" / "JSC ARGUMENT",
//! "xi jinping" / "xi jin ping") are handled by query variants checked against the vocabulary.

use crate::model::{Entry, NameStrength, Schema};
use crate::normalize::{
    Token, TokenKind, fold, korean_key, legal_abbreviation_typos, read_folded_word, tokenize, translit_key,
};
use crate::score::{
    Adjustment, Alignment, EXTRA_PART_WEIGHT, Explanation, FLOOR, How, KOREAN_SIM, Keys, Match,
    NAME_BRIDGE_SIM, NAME_GROUP_SIM, NICKNAME_SIM, SideToken, TokenPair, WEAK_ALIAS_FACTOR, align,
    birth_date_adjustment, is_abd, phonetic, token_sim, vowel_poor,
};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// A party to screen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub name: String,
    #[serde(default)]
    pub schema: Option<Schema>,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default, rename = "birthDate")]
    pub birth_date: Option<String>,
    /// Identifier values (passport, registration, IMO numbers...).
    #[serde(default)]
    pub identifiers: Vec<String>,
}

impl Query {
    pub fn name(name: impl Into<String>) -> Self {
        Query { name: name.into(), ..Query::default() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PersonUse {
    Unseen,
    Person,
    OrganisationOnly,
}

struct NameRec {
    entry: u32,
    /// Position of the name in `Entry::names`.
    name: u16,
    strength: NameStrength,
    tokens: Box<[u32]>,
    kinds: Box<[TokenKind]>,
}

/// "Servant of" written apart, as the lists write it (`score::is_abd`).
const ABD_FORMS: &[&str] = &["abd", "abdul", "abdel", "abdal", "abdoul", "abdol", "abdu", "abdou", "abdil"];

/// A word of three letters held by at most this many names is also looked up within one edit.
const RARE_SHORT_WORD: usize = 20;

/// Postings longer than this are only used for retrieval when the query has nothing rarer.
const COMMON_POSTINGS: usize = 3000;
/// Multiplier for a match found on the query read without its country words.
const COUNTRY_READING_FACTOR: f64 = 0.97;
/// Multiplier for a match found on the query read with a word one edit from a legal-form
/// abbreviation taken for that legal form ("MIRIM SHIPPING CO LTJ" read as "... CO LTD"); the
/// name score is squared first, as for the country reading.
const LEGAL_TYPO_FACTOR: f64 = 0.97;
/// At most this many such readings per query.
const MAX_LEGAL_TYPO_READINGS: usize = 3;
/// How many best-voted names are scored in full.
const MAX_CANDIDATES: usize = 120;
/// How many vocabulary tokens one query token may stand for.
const MAX_EXPANSIONS: usize = 24;
/// For a word of three letters, this many of the commonest words one typo away are kept beyond
/// `MAX_EXPANSIONS`.
const SHORT_TYPO_KEPT: usize = 4;
/// Tokens this long are looked up within two edits (shorter ones within one).
const LONG_TOKEN: usize = 8;

/// A screening index over a set of list entries. Build once per set of list releases; it is
/// immutable and `Sync`, so one index serves all threads.
pub struct Index {
    entries: Vec<Entry>,
    names: Vec<NameRec>,
    tok_text: Vec<Box<str>>,
    tok_phon: Vec<Box<str>>,
    tok_translit: Vec<Box<str>>,
    /// Whether a token appears in persons' names, or only in other parties' names (organisations,
    /// vessels, aircraft and legal entities; the last, mostly the Denied Persons List's rows
    /// without a type, hold people too, so a person's name there can count as an organisation
    /// word; tried the other way, the held-out false alerts rose by 0.001 to 0.007).
    tok_person: Vec<PersonUse>,
    postings: Vec<Vec<u32>>,
    vocab: HashMap<Box<str>, u32>,
    phon: HashMap<Box<str>, Vec<u32>>,
    /// Romanisation-folded spelling → tokens.
    translit: HashMap<Box<str>, Vec<u32>>,
    dels: HashMap<Box<str>, Vec<u32>>,
    /// Two-letter deletions of long tokens (`LONG_TOKEN` letters or more): with the query's own
    /// deletions, tokens two edits apart share a key (two typos in one long word).
    /// Stored compactly as (hash of the deleted form, token) sorted by hash: a hash collision only
    /// proposes a candidate that `token_sim` then refuses.
    dels2: Vec<(u64, u32)>,
    /// A listed name of several words written without spaces ("statesecuritycommittee") → names.
    joined: HashMap<Box<str>, Vec<u32>>,
    idents: HashMap<String, Vec<u32>>,
    by_source: HashMap<(String, String), u32>,
    /// Per vocabulary token: the range of its person-name table groups in `tok_group_ids`
    /// (looked up once at build time, so that a query token the lists have costs no lookup).
    tok_groups: Vec<(u32, u32)>,
    tok_group_ids: Vec<u32>,
    /// Person-name table group → vocabulary tokens spelt as one of its names.
    name_groups: HashMap<u32, Vec<u32>>,
    /// Person-name table bridge → (vocabulary token, its group).
    name_bridges: HashMap<u32, Vec<(u32, u32)>>,
    /// Korean romanisation key (`korean_key`) → tokens of the names of Korean listed parties.
    korean: HashMap<Box<str>, Vec<u32>>,
    /// The Korean romanisation keys of the syllables (words of up to five letters) of Korean listed
    /// persons' names, for reading a joined given name apart ("Heojin" / "Ho Jin").
    korean_syllables: rustc_hash::FxHashSet<Box<str>>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("entries", &self.entries.len())
            .field("names", &self.names.len())
            .field("tokens", &self.tok_text.len())
            .field("long_token_deletions", &self.dels2.len())
            .finish()
    }
}

fn normalise_identifier(v: &str) -> String {
    v.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

fn deletions(t: &str) -> impl Iterator<Item = String> + '_ {
    (0..t.len()).map(move |i| {
        let mut s = String::with_capacity(t.len() - 1);
        s.push_str(&t[..i]);
        s.push_str(&t[i + 1..]);
        s
    })
}

/// Calls `f` with each one-letter deletion of `t`, reusing one buffer.
fn for_each_deletion(t: &str, mut f: impl FnMut(&str)) {
    let mut buf = String::with_capacity(t.len());
    for i in 0..t.len() {
        buf.clear();
        buf.push_str(&t[..i]);
        buf.push_str(&t[i + 1..]);
        f(&buf);
    }
}

fn del_hash(t: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(t)
}

fn fuzzy_eligible(t: &str) -> bool {
    t.len() >= 3 && t.bytes().all(|b| b.is_ascii_lowercase())
}

impl Index {
    /// Builds the index. Entries from several lists can be mixed; each keeps its `list`.
    pub fn build(entries: Vec<Entry>) -> Index {
        let mut idx = Index {
            entries: Vec::new(),
            names: Vec::new(),
            tok_text: Vec::new(),
            tok_phon: Vec::new(),
            tok_translit: Vec::new(),
            tok_person: Vec::new(),
            translit: HashMap::default(),
            postings: Vec::new(),
            vocab: HashMap::default(),
            phon: HashMap::default(),
            dels: HashMap::default(),
            dels2: Vec::new(),
            joined: HashMap::default(),
            idents: HashMap::default(),
            by_source: HashMap::default(),
            tok_groups: Vec::new(),
            tok_group_ids: Vec::new(),
            name_groups: HashMap::default(),
            name_bridges: HashMap::default(),
            korean: HashMap::default(),
            korean_syllables: Default::default(),
        };
        let mut korean_tokens: Vec<u32> = Vec::new();
        for (ei, entry) in entries.iter().enumerate() {
            let ei = ei as u32;
            idx.by_source.insert((entry.list.clone(), entry.source_id.clone()), ei);
            for ident in &entry.identifiers {
                let v = normalise_identifier(&ident.value);
                if v.len() >= 4 {
                    idx.idents.entry(v).or_default().push(ei);
                }
            }
            let hint = match entry.schema {
                Schema::LegalEntity => None,
                s => Some(s),
            };
            let korean_entry = entry.countries.iter().any(|c| c == "KP" || c == "KR");
            for (name_pos, name) in entry.names.iter().enumerate().take(u16::MAX as usize) {
                let tokens = tokenize(&name.name, hint);
                if tokens.is_empty() || tokens.len() > 60 {
                    continue;
                }
                let ni = idx.names.len() as u32;
                let folded = fold(&name.name);
                if folded.contains(' ') {
                    let key: String = folded.split(' ').collect();
                    if key.len() >= 6 {
                        let v = idx.joined.entry(key.into_boxed_str()).or_default();
                        if v.len() < 8 {
                            v.push(ni);
                        }
                    }
                }
                let mut ids = Vec::with_capacity(tokens.len());
                for t in &tokens {
                    let id = idx.intern(&t.text);
                    let in_person = entry.schema == Schema::Person;
                    let slot = &mut idx.tok_person[id as usize];
                    *slot = match (*slot, in_person) {
                        (PersonUse::Unseen, true) | (PersonUse::Person, _) => PersonUse::Person,
                        (PersonUse::Unseen | PersonUse::OrganisationOnly, false) => {
                            PersonUse::OrganisationOnly
                        }
                        (PersonUse::OrganisationOnly, true) => PersonUse::Person,
                    };
                    if idx.postings[id as usize].last() != Some(&ni) {
                        idx.postings[id as usize].push(ni);
                    }
                    ids.push(id);
                    if korean_entry && t.kind == TokenKind::Word {
                        korean_tokens.push(id);
                        if entry.schema == Schema::Person
                            && t.text.len() <= 5
                            && t.text.bytes().all(|b| b.is_ascii_lowercase())
                        {
                            idx.korean_syllables.insert(korean_key(&t.text).into_boxed_str());
                        }
                    }
                }
                idx.names.push(NameRec {
                    entry: ei,
                    name: name_pos as u16,
                    strength: name.strength,
                    tokens: ids.into_boxed_slice(),
                    kinds: tokens.iter().map(|t| t.kind).collect(),
                });
            }
        }
        idx.entries = entries;
        korean_tokens.sort_unstable();
        korean_tokens.dedup();
        for id in korean_tokens {
            let text = &idx.tok_text[id as usize];
            if text.bytes().all(|b| b.is_ascii_lowercase()) {
                idx.korean.entry(korean_key(text).into_boxed_str()).or_default().push(id);
            }
        }
        let mut dels2 = std::mem::take(&mut idx.dels2);
        idx.tok_groups = vec![(0, 0); idx.tok_text.len()];
        let names = crate::names::table();
        for (id, text) in idx.tok_text.iter().enumerate() {
            let id = id as u32;
            if !fuzzy_eligible(text) {
                continue;
            }
            let tkey = &idx.tok_translit[id as usize];
            if **tkey != **text {
                idx.translit.entry(tkey.clone()).or_default().push(id);
            }
            let start = idx.tok_group_ids.len() as u32;
            for g in names.groups(tkey) {
                idx.tok_group_ids.push(g);
                idx.name_groups.entry(g).or_default().push(id);
                for &b in names.bridges(g) {
                    idx.name_bridges.entry(b).or_default().push((id, g));
                }
            }
            idx.tok_groups[id as usize] = (start, idx.tok_group_ids.len() as u32);
            let key = &idx.tok_phon[id as usize];
            if key.len() >= 2 {
                idx.phon.entry(key.clone()).or_default().push(id);
            }
            if text.len() >= 3 {
                for d in deletions(text) {
                    if text.len() >= LONG_TOKEN {
                        for_each_deletion(&d, |d2| dels2.push((del_hash(d2), id)));
                    }
                    let v = idx.dels.entry(d.into_boxed_str()).or_default();
                    if v.last() != Some(&id) {
                        v.push(id);
                    }
                }
            }
            if text.len() >= 5 && (text.starts_with("al") || text.starts_with("el")) {
                idx.dels.entry(text[2..].into()).or_default().push(id);
            }
        }
        dels2.sort_unstable();
        dels2.dedup();
        dels2.shrink_to_fit();
        idx.dels2 = dels2;
        idx
    }

    /// Tokens one of whose two-letter deletions is `key` (or collides with it).
    fn dels2_into(&self, key: &str, out: &mut Vec<u32>) {
        let h = del_hash(key);
        let start = self.dels2.partition_point(|e| e.0 < h);
        out.extend(self.dels2[start..].iter().take_while(|e| e.0 == h).map(|e| e.1));
    }

    fn intern(&mut self, text: &str) -> u32 {
        if let Some(id) = self.vocab.get(text) {
            return *id;
        }
        let id = self.tok_text.len() as u32;
        self.tok_text.push(text.into());
        self.tok_phon.push(phonetic(text).into_boxed_str());
        self.tok_translit.push(translit_key(text).into_boxed_str());
        self.tok_person.push(PersonUse::Unseen);
        self.postings.push(Vec::new());
        self.vocab.insert(text.into(), id);
        id
    }

    /// The indexed entries, in the order given to `build`.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of indexed names (primary names and aliases).
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Looks an entry up by its list and source id (e.g. to fetch its content hash for an alert).
    pub fn entry_by_source(&self, list: &str, source_id: &str) -> Option<&Entry> {
        self.by_source.get(&(list.to_string(), source_id.to_string())).map(|i| &self.entries[*i as usize])
    }

    /// Vocabulary tokens a query token may stand for, with their similarity, best first.
    fn expand(&self, text: &str) -> Vec<(u32, f32, How)> {
        let mut out: Vec<(u32, f32, How)> = Vec::new();
        if let Some(id) = self.vocab.get(text) {
            out.push((*id, 1.0, How::Exact));
        }
        // Korean names written by another romanisation system (Jeong / Jong, Lee / Ri, Choi / Choe),
        // compared only with the names of Korean listed parties.
        if !self.korean.is_empty()
            && text.len() <= 12
            && text.bytes().all(|b| b.is_ascii_lowercase())
            && let Some(v) = self.korean.get(korean_key(text).as_str())
        {
            out.extend(
                v.iter()
                    .filter(|id| *self.tok_text[**id as usize] != *text)
                    .map(|&id| (id, KOREAN_SIM, How::Korean)),
            );
        }
        if !fuzzy_eligible(text) {
            return out;
        }
        let pq = phonetic(text);
        let tq = translit_key(text);
        let mut cands: Vec<u32> = Vec::new();
        if let Some(id) = self.vocab.get(tq.as_str()) {
            cands.push(*id);
        }
        if let Some(v) = self.translit.get(tq.as_str()) {
            cands.extend(v);
        }
        if let Some(v) = self.dels.get(text) {
            cands.extend(v);
        }
        // A word of three letters is looked up within one edit only when the lists do not have it
        // as written or have it rarely (a typo: "Huo" for "Heo", "Aki" for "Ali"); common short
        // words ("ltd", "ali", "kim") would otherwise propose hundreds of neighbours.
        if text.len() >= 4
            || (text.len() == 3
                && self.vocab.get(text).is_none_or(|id| self.postings[*id as usize].len() <= RARE_SHORT_WORD))
        {
            for_each_deletion(text, |d| {
                if let Some(id) = self.vocab.get(d) {
                    cands.push(*id);
                }
                if let Some(v) = self.dels.get(d) {
                    cands.extend(v);
                }
            });
        }
        // Two edits in a long token: the query and the listed token (of `LONG_TOKEN` letters or
        // more), each with up to two letters deleted, meet (symmetric deletion at depth two).
        // Only for a token the lists do not have as written (a listed word is rarely a
        // misspelling of another), which keeps the cost off the common case.
        let known = out.first().is_some_and(|e| e.2 == How::Exact && e.1 >= 1.0);
        if !known && text.len() + 2 >= LONG_TOKEN {
            self.dels2_into(text, &mut cands);
        }
        if !known && text.len() + 1 >= LONG_TOKEN {
            for_each_deletion(text, |d| {
                self.dels2_into(d, &mut cands);
                if text.len() >= LONG_TOKEN {
                    for_each_deletion(d, |d2| {
                        if let Some(id) = self.vocab.get(d2) {
                            cands.push(*id);
                        }
                        if let Some(v) = self.dels.get(d2) {
                            cands.extend(v);
                        }
                        self.dels2_into(d2, &mut cands);
                    });
                }
            });
        }
        if text.len() >= 5 && (text.starts_with("al") || text.starts_with("el")) {
            if let Some(id) = self.vocab.get(&text[2..]) {
                cands.push(*id);
            }
            if let Some(v) = self.dels.get(&text[2..]) {
                cands.extend(v);
            }
            // al-Karim for Kareem: the noun's other romanisations.
            let noun = translit_key(&text[2..]);
            if let Some(v) = self.translit.get(noun.as_str()) {
                cands.extend(v);
            }
            if let Some(id) = self.vocab.get(noun.as_str()) {
                cands.push(*id);
            }
        } else if *tq != *text
            && let Some(v) = self.dels.get(tq.as_str())
        {
            // Kareem for al-Karim (listed nouns are also kept under their article-less form).
            cands.extend(v);
        }
        if is_abd(text) {
            cands.extend(ABD_FORMS.iter().filter_map(|f| self.vocab.get(*f)));
        }
        if pq.len() >= 2
            && let Some(v) = self.phon.get(pq.as_str())
            && v.len() <= 400
        {
            // Same skeleton but very different lengths cannot pass token_sim: skip them early.
            // (A vowel-less token may be much shorter than its vowelled spellings.)
            let poor = vowel_poor(text);
            cands.extend(v.iter().filter(|id| {
                let other = &self.tok_text[**id as usize];
                other.len().abs_diff(text.len()) <= 3 || poor || vowel_poor(other)
            }));
        }
        cands.sort_unstable();
        cands.dedup();
        // Other spellings of the same personal name (Oleksiy / Alexei), and names written alike in
        // Arabic script (Mehmet / Muhammad), from the person-name table.
        // Both spellings of four letters or more, beginning alike (the same letter, or letters
        // languages write for one another: `initial_class`): the table's items also hold loose
        // transliterations of short names (Zhang / Chan, Wei / Hui) that are not the same name to
        // a screening officer.
        let mut equiv: Vec<(u32, f32, How)> = Vec::new();
        // Nicknames (Bill / William).
        for n in crate::names::nicknames(text) {
            if let Some(id) = self.vocab.get(*n) {
                equiv.push((*id, NICKNAME_SIM, How::Nickname));
            }
        }
        let alike = |o: &str| {
            let (a, b) = (tq.as_bytes()[0], o.as_bytes()[0]);
            o.len() >= 4 && (a == b || (initial_class(a).is_some() && initial_class(a) == initial_class(b)))
        };
        // Spellings of one item that begin differently may still be the same name when one is a
        // familiar or short form built on a stem of the other (Tolya / Anatoliy, Kolya /
        // Nikolay, Vanya / Ivan, Slava / Vyacheslav): the first three letters of one occur inside
        // the other, not at its start. Loose items of unrelated short names (Zhang / Chan) do not
        // pass.
        let stem = |o: &str| o.len() >= 4 && (o[1..].contains(&tq[..3]) || tq[1..].contains(&o[..3]));
        if tq.len() >= 4 && !self.name_groups.is_empty() {
            let names = crate::names::table();
            let groups: Vec<u32> = match self.vocab.get(text) {
                Some(id) => {
                    let (a, b) = self.tok_groups[*id as usize];
                    self.tok_group_ids[a as usize..b as usize].to_vec()
                }
                None => names.groups(&tq).collect(),
            };
            for g in groups {
                if let Some(v) = self.name_groups.get(&g) {
                    for &id in v {
                        let o = &self.tok_translit[id as usize];
                        if alike(o) {
                            equiv.push((id, NAME_GROUP_SIM, How::NameGroup(g)));
                        } else if stem(o) {
                            equiv.push((id, NAME_GROUP_SIM, How::FamiliarForm(g)));
                        }
                    }
                }
                for b in names.bridges(g) {
                    if let Some(v) = self.name_bridges.get(b) {
                        equiv.extend(
                            v.iter()
                                .filter(|e| e.1 != g && alike(&self.tok_translit[e.0 as usize]))
                                .map(|&(id, h)| (id, NAME_BRIDGE_SIM, How::NameBridge(g, h))),
                        );
                    }
                }
            }
        }
        for id in cands {
            let other = &self.tok_text[id as usize];
            if **other == *text {
                continue;
            }
            let (s, how) = token_sim(
                text,
                other,
                Keys { phonetic: &pq, translit: &tq },
                Keys { phonetic: &self.tok_phon[id as usize], translit: &self.tok_translit[id as usize] },
            );
            if s > 0.0 {
                out.push((id, s, how));
            }
        }
        for e in equiv {
            if *self.tok_text[e.0 as usize] == *text {
                continue;
            }
            match out.iter_mut().find(|o| o.0 == e.0) {
                Some(o) if o.1 < e.1 => *o = e,
                Some(_) => {}
                None => out.push(e),
            }
        }
        // Among equally close spellings the more common listed word is the likelier one meant
        // ("WIE" for "WEI", "THP" for "THE" among dozens of three-letter neighbours).
        out.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| self.postings[b.0 as usize].len().cmp(&self.postings[a.0 as usize].len()))
        });
        if text.len() == 3 && out.len() > MAX_EXPANSIONS {
            // A word of three letters (typically one the lists do not have): its consonants are
            // shared by dozens of spellings that score higher (a vowel-less reading, "thb" /
            // "tub"), which would crowd out the most common words one typo away ("the", "zhu",
            // "kyu"); a few of those are kept.
            let mut kept = 0;
            let mut k = MAX_EXPANSIONS;
            while k < out.len() && kept < SHORT_TYPO_KEPT {
                if out[k].2 == How::Fuzzy(1) {
                    out.swap(MAX_EXPANSIONS + kept, k);
                    kept += 1;
                }
                k += 1;
            }
            out.truncate(MAX_EXPANSIONS + kept);
        } else {
            out.truncate(MAX_EXPANSIONS);
        }
        out
    }

    /// Alternative tokenisations of the query checked against the vocabulary: a token the lists
    /// do not know split into two they do know, and adjacent tokens joined when the join is known.
    /// A piece may also be a legal form written in a way the vocabulary holds under its symbol
    /// ("CoLtd", "StockCompany", "CORPORA TION"); such a variant is tokenised again, so that the
    /// legal-form phrases it completes are recognised.
    fn variants(&self, tokens: &[Token], hint: Option<Schema>) -> Vec<Vec<Token>> {
        // Whether a piece is known: as it is, or (organisations) as the legal-form symbol it
        // stands for; the second is reported as `Some(true)`.
        let known = |w: &str| -> Option<bool> {
            if self.vocab.contains_key(w) {
                return Some(false);
            }
            if matches!(hint, Some(Schema::Person)) || w.len() < 2 {
                return None;
            }
            let text = match read_folded_word(w, hint) {
                Some(t) => t.text,
                None => {
                    let t = tokenize(w, hint);
                    if t.len() != 1 {
                        return None;
                    }
                    t.into_iter().next()?.text
                }
            };
            (text != w && self.vocab.contains_key(text.as_str())).then_some(true)
        };
        // Two syllables of Korean listed persons' names in another romanisation, written as one
        // word ("Heojin" read as "heo jin" for "Ho Jin").
        let korean = |w: &str| {
            !matches!(hint, Some(Schema::Organization | Schema::Vessel | Schema::Aircraft))
                && (2..=5).contains(&w.len())
                && !self.korean_syllables.is_empty()
                && self.korean_syllables.contains(korean_key(w).as_str())
        };
        let mut out = vec![tokens.to_vec()];
        let mut split = Vec::with_capacity(tokens.len() + 2);
        let mut words: Vec<String> = Vec::with_capacity(tokens.len() + 2);
        let mut changed = false;
        let mut relex = false;
        for t in tokens {
            if t.kind == TokenKind::Word && t.text.len() >= 5 && !self.vocab.contains_key(t.text.as_str()) {
                let best = (2..t.text.len() - 1)
                    .filter_map(|k| {
                        let (x, y) = (&t.text[..k], &t.text[k..]);
                        if t.text.len() <= 10 && korean(x) && korean(y) {
                            return Some((k, false));
                        }
                        let (a, b) = (known(x)?, known(y)?);
                        Some((k, a || b))
                    })
                    .max_by_key(|&(k, legal)| (!legal, k.min(t.text.len() - k)));
                if let Some((k, legal)) = best {
                    split.push(Token { text: t.text[..k].to_string(), kind: TokenKind::Word });
                    split.push(Token { text: t.text[k..].to_string(), kind: TokenKind::Word });
                    words.push(t.text[..k].to_string());
                    words.push(t.text[k..].to_string());
                    changed = true;
                    relex |= legal;
                    continue;
                }
            }
            split.push(t.clone());
            words.push(t.text.clone());
        }
        if changed {
            out.push(if relex { tokenize(&words.join(" "), hint) } else { split });
        }
        let mut joined: Vec<Token> = Vec::with_capacity(tokens.len());
        words.clear();
        let mut changed = false;
        let mut relex = false;
        let mut i = 0;
        while i < tokens.len() {
            if i + 1 < tokens.len() {
                let j = format!("{}{}", tokens[i].text, tokens[i + 1].text);
                if let Some(legal) = known(&j) {
                    words.push(j.clone());
                    joined.push(Token { text: j, kind: TokenKind::Word });
                    i += 2;
                    changed = true;
                    relex |= legal;
                    continue;
                }
            }
            joined.push(tokens[i].clone());
            words.push(tokens[i].text.clone());
            i += 1;
        }
        if changed {
            out.push(if relex { tokenize(&words.join(" "), hint) } else { joined });
        }
        out
    }

    /// Screens one party; returns alerts scoring at or above `threshold`, best first, one per
    /// listed entry.
    pub fn screen(&self, query: &Query, threshold: f64) -> Vec<Match> {
        let hint = match query.schema {
            Some(Schema::LegalEntity) => None,
            s => s,
        };
        let mut base = tokenize(&query.name, hint);
        // Names longer than this are not names; the alignment tracks at most 64 tokens.
        base.truncate(48);
        let mut best: HashMap<u32, (f64, usize, u32)> = HashMap::default();
        // Identifier hits are candidates whatever the name says.
        let mut ident_hits: Vec<u32> = Vec::new();
        for v in &query.identifiers {
            if let Some(es) = self.idents.get(&normalise_identifier(v)) {
                ident_hits.extend(es);
            }
        }
        let variants = if base.is_empty() { Vec::new() } else { self.variants(&base, hint) };
        let mut prepared: Vec<PreparedVariant> =
            variants.into_iter().map(|v| self.prepare(v, None)).collect();
        if let Some(as_written) = prepared.first_mut() {
            as_written.extra_parts = true;
        }
        // An organisation named with its country ("Belarus KGB", "KGB of the Republic of
        // Belarus"): also read without the country words, and with only the country's name, for
        // listed parties of that country.
        if !matches!(hint, Some(Schema::Person))
            && let Some((code, country, start, end)) = country_in(&base)
        {
            let (mut lo, mut end) = (start, end);
            while lo > 0 && country_filler(&base[lo - 1]) {
                lo -= 1;
            }
            // "Russian Federation", "Belarus Republic".
            while end < base.len() && matches!(base[end].text.as_str(), "federation" | "republic") {
                end += 1;
            }
            let rest: Vec<Token> = base[..lo].iter().chain(&base[end..]).cloned().collect();
            if rest.iter().any(|t| t.kind.is_distinctive()) {
                let cname = oversight_vocab::Country::find(code).map(|c| c.common_name()).unwrap_or(code);
                let note =
                    format!("country {cname} ({code}) named in the query is the listed party's country");
                let mut with_country = rest.clone();
                with_country.extend(country);
                let mut pv = self.prepare(
                    rest,
                    Some(format!(
                        "{note}; compared without it (name score squared × {COUNTRY_READING_FACTOR})"
                    )),
                );
                pv.country = Some(code.to_string());
                pv.squared_factor = Some(COUNTRY_READING_FACTOR);
                prepared.push(pv);
                if end - lo > 1 {
                    let mut pv = self.prepare(
                        with_country,
                        Some(format!(
                            "{note}; compared as \"{cname}\" (name score squared × {COUNTRY_READING_FACTOR})"
                        )),
                    );
                    pv.country = Some(code.to_string());
                    pv.squared_factor = Some(COUNTRY_READING_FACTOR);
                    prepared.push(pv);
                }
            }
        }
        // A word one edit from a short legal-form abbreviation where a legal form is expected
        // (the first or last word of an organisation's name, or next to another legal form:
        // "MIRIM SHIPPING CO LTJ", "Krasnoye Znamya Plant OAY", "Sdhn Bhd"): also read as that
        // legal form, the name score squared and multiplied by `LEGAL_TYPO_FACTOR` (the rest of
        // the name must match closely: "Syria OYO" read as "Syria OAO" is not "OJSC TSRY").
        // Only for a word the lists do not have or have rarely (a listed word is not taken for a
        // typo).
        if !matches!(hint, Some(Schema::Person)) && base.len() >= 2 {
            // The query's folded words, computed only when a reading is tried.
            let mut raw: Option<Vec<String>> = None;
            let last = base.len() - 1;
            let mut readings = 0;
            for (i, t) in base.iter().enumerate() {
                let expected = i == 0
                    || i == last
                    || base[i - 1].kind == TokenKind::LegalForm
                    || base[i + 1].kind == TokenKind::LegalForm;
                if t.kind != TokenKind::Word
                    || !expected
                    || !(3..=5).contains(&t.text.len())
                    || self
                        .vocab
                        .get(t.text.as_str())
                        .is_some_and(|id| self.postings[*id as usize].len() > RARE_SHORT_WORD)
                {
                    continue;
                }
                for abbr in legal_abbreviation_typos(&t.text) {
                    if readings >= MAX_LEGAL_TYPO_READINGS {
                        break;
                    }
                    readings += 1;
                    // Re-read from the folded words, so that the phrase the abbreviation
                    // completes is recognised ("Sdhn Bhd" → "sdn bhd").
                    let raw = raw.get_or_insert_with(|| {
                        fold(&query.name).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect()
                    });
                    let mut words: Vec<&str> = raw.iter().map(String::as_str).collect();
                    let at = if i == 0 {
                        words.iter().position(|w| *w == t.text)
                    } else {
                        words.iter().rposition(|w| *w == t.text)
                    };
                    match at {
                        Some(k) => words[k] = abbr,
                        None => continue,
                    }
                    let mut tokens = tokenize(&words.join(" "), hint);
                    tokens.truncate(48);
                    let note = format!(
                        "query word \"{}\" read as the legal form \"{abbr}\" (one letter different; name score squared × {LEGAL_TYPO_FACTOR})",
                        t.text
                    );
                    let mut pv = self.prepare(tokens, Some(note));
                    pv.squared_factor = Some(LEGAL_TYPO_FACTOR);
                    prepared.push(pv);
                }
            }
        }
        // A listed name written with its spaces removed (or hidden): read the query as that name.
        if base.len() <= 3 {
            let key: String = fold(&query.name).split(' ').collect();
            if let Some(names) = self.joined.get(key.as_str()) {
                for &ni in names.iter().take(4) {
                    let rec = &self.names[ni as usize];
                    let listed = &self.entries[rec.entry as usize].names[rec.name as usize].name;
                    let mut tokens = tokenize(listed, hint);
                    tokens.truncate(48);
                    let note = format!("query is the listed name \"{listed}\" written without spaces");
                    prepared.push(self.prepare(tokens, Some(note)));
                }
            }
        }
        let mut c_buf = Vec::new();
        for (vi, pv) in prepared.iter().enumerate() {
            let q: Vec<SideToken<'_>> = pv
                .tokens
                .iter()
                .zip(&pv.names)
                .map(|(t, n)| SideToken { text: &t.text, kind: t.kind, name: *n })
                .collect();
            for ni in self.retrieve(pv) {
                let rec = &self.names[ni as usize];
                if let Some(code) = &pv.country
                    && !self.entries[rec.entry as usize].countries.contains(code)
                {
                    continue;
                }
                let al = self.align_prepared(pv, &q, rec, &mut c_buf, false);
                let mut s = al.score as f64;
                if let Some(factor) = pv.squared_factor {
                    // A reading of the query that is not the query as written (the country
                    // confirms but the name left to compare is short; a word taken for a
                    // misspelt legal form): a near miss on the rest (one edit, a phonetic
                    // skeleton) is not enough, so the score is squared (1.0 stays 1.0, 0.85
                    // falls to 0.72) before the factor.
                    s = s * s * factor;
                }
                if rec.strength == NameStrength::Weak {
                    s *= WEAK_ALIAS_FACTOR;
                }
                let slot = best.entry(rec.entry).or_insert((0.0, vi, ni));
                if s > slot.0 {
                    *slot = (s, vi, ni);
                }
            }
        }
        for e in &ident_hits {
            best.entry(*e).or_insert_with(|| {
                let ni = self.names.iter().position(|n| n.entry == *e).unwrap_or(0) as u32;
                (0.0, 0, ni)
            });
        }
        let mut out = Vec::new();
        // One alert per listed party, even if a list repeats a source id.
        let mut reported: HashMap<(&str, &str), f64> = HashMap::default();
        let mut best: Vec<(u32, (f64, usize, u32))> = best.into_iter().collect();
        best.sort_by(|a, b| b.1.0.total_cmp(&a.1.0).then(a.0.cmp(&b.0)));
        for (entry_idx, (name_score, vi, ni)) in best {
            let entry = &self.entries[entry_idx as usize];
            let key = (entry.list.as_str(), entry.source_id.as_str());
            if reported.contains_key(&key) {
                continue;
            }
            reported.insert(key, name_score);
            let ident_hit = ident_hits.contains(&entry_idx);
            if name_score < FLOOR && !ident_hit {
                continue;
            }
            let (score, adjustments) = self.secondary(query, entry, name_score, ident_hit);
            if score + 1e-9 < threshold {
                continue;
            }
            let explanation = match prepared.get(vi) {
                Some(pv) => self.explain(query, pv, ni, name_score, adjustments),
                None => Explanation {
                    query_name: query.name.clone(),
                    matched_name: entry.primary_name().to_string(),
                    matched_name_strength: NameStrength::Primary,
                    name_score: 0.0,
                    alignment: Vec::new(),
                    adjustments,
                },
            };
            // Ties (the same party on two lists) go to a primary-name match, then to a listed
            // name written exactly as the query.
            let tie_break = (
                explanation.matched_name_strength != NameStrength::Primary,
                explanation.matched_name != query.name,
            );
            out.push((
                tie_break,
                Match {
                    source_id: entry.source_id.clone(),
                    list: entry.list.clone(),
                    name: entry.primary_name().to_string(),
                    score: (score * 1000.0).round() / 1000.0,
                    explanation,
                },
            ));
        }
        out.sort_by(|(ta, a), (tb, b)| {
            b.score.total_cmp(&a.score).then(ta.cmp(tb)).then_with(|| a.source_id.cmp(&b.source_id))
        });
        out.into_iter().map(|(_, m)| m).collect()
    }

    fn secondary(&self, q: &Query, e: &Entry, name_score: f64, ident_hit: bool) -> (f64, Vec<Adjustment>) {
        let mut adj = Vec::new();
        if let Some(qs) = q.schema
            && !qs.compatible(e.schema)
        {
            adj.push(Adjustment {
                reason: format!("entity type differs: query {qs}, listed {}", e.schema),
                delta: -0.3,
            });
        }
        if let Some(d) = q.birth_date.as_deref().filter(|d| !d.is_empty())
            && let Some(a) = birth_date_adjustment(d, &e.birth_dates)
        {
            adj.push(a);
        }
        if let Some(c) = q.country.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            let c = c.to_ascii_uppercase();
            if !e.countries.is_empty() {
                if e.countries.contains(&c) {
                    adj.push(Adjustment { reason: format!("country {c} matches"), delta: 0.03 });
                } else {
                    adj.push(Adjustment {
                        reason: format!("country {c} not among listed countries {}", e.countries.join(", ")),
                        delta: -0.1,
                    });
                }
            }
        }
        let mut score = name_score + adj.iter().map(|a| a.delta).sum::<f64>();
        if ident_hit {
            adj.push(Adjustment { reason: "identifier matches a listed identifier".into(), delta: 0.0 });
            score = score.max(0.98);
        }
        (score.clamp(0.0, 1.0), adj)
    }

    fn prepare(&self, tokens: Vec<Token>, note: Option<String>) -> PreparedVariant {
        let exps = tokens.iter().map(|t| self.expand(&t.text)).collect();
        // A query word may be a personal name unless the lists use it only in the names of
        // organisations, vessels and aircraft ("STOCK", "WINGS", "AUTONOMOUS"). (The person-name
        // table's lexicon is no help here: Wikidata lists "Wings", "State" and "Junior" as names.)
        let names = tokens
            .iter()
            .map(|t| {
                t.kind == TokenKind::Word
                    && self
                        .vocab
                        .get(t.text.as_str())
                        .is_none_or(|id| self.tok_person[*id as usize] != PersonUse::OrganisationOnly)
            })
            .collect();
        PreparedVariant { tokens, exps, names, note, country: None, extra_parts: false, squared_factor: None }
    }

    /// Names voted for by the query's tokens, best first.
    fn retrieve(&self, pv: &PreparedVariant) -> Vec<u32> {
        // Informative tokens vote, rarest first; beyond the two rarest, a token whose postings are
        // longer than COMMON_POSTINGS votes only if nothing has been retrieved yet. Legal forms,
        // titles, stopwords and initials vote only when the query has nothing else.
        let mut order: Vec<(usize, usize)> = pv
            .tokens
            .iter()
            .enumerate()
            .filter(|(i, t)| t.kind.weight() >= 0.5 && !pv.exps[*i].is_empty())
            .map(|(i, _)| (i, pv.exps[i].iter().map(|e| self.postings[e.0 as usize].len()).sum()))
            .collect();
        if order.is_empty() {
            // Only low-information tokens: use them all.
            order = (0..pv.tokens.len())
                .filter(|i| !pv.exps[*i].is_empty())
                .map(|i| (i, pv.exps[i].iter().map(|e| self.postings[e.0 as usize].len()).sum()))
                .collect();
        }
        order.sort_by_key(|o| o.1);
        let total_weight: f32 = order.iter().map(|(i, _)| pv.tokens[*i].kind.weight()).sum();
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            s.prepare(self.names.len());
            for (rank, (i, postings_len)) in order.iter().enumerate() {
                if rank >= 2 && *postings_len > COMMON_POSTINGS && !s.touched.is_empty() {
                    continue;
                }
                s.stamp += 1;
                let stamp = s.stamp;
                let w = pv.tokens[*i].kind.weight();
                for (tid, sim, _) in &pv.exps[*i] {
                    for &ni in &self.postings[*tid as usize] {
                        let n = ni as usize;
                        if s.mark[n] == stamp {
                            continue;
                        }
                        s.mark[n] = stamp;
                        if s.acc[n] == 0.0 {
                            s.touched.push(ni);
                        }
                        s.acc[n] += w * sim;
                    }
                }
            }
            let top = s.touched.iter().map(|&ni| s.acc[ni as usize]).fold(0.0f32, f32::max);
            // A name needs a fair share of the query's weight and of the best name's votes.
            let min_vote = (0.3 * total_weight).min(0.9).max(0.4 * top);
            let mut cands: Vec<(f32, u32)> = s
                .touched
                .iter()
                .map(|&ni| (s.acc[ni as usize], ni))
                .filter(|(a, _)| *a >= min_vote)
                .map(|(a, ni)| (a - 0.02 * self.names[ni as usize].tokens.len() as f32, ni))
                .collect();
            if cands.len() > MAX_CANDIDATES {
                cands.select_nth_unstable_by(MAX_CANDIDATES, |a, b| b.0.total_cmp(&a.0));
                cands.truncate(MAX_CANDIDATES);
            }
            s.reset();
            cands.into_iter().map(|c| c.1).collect()
        })
    }

    fn align_with(&self, pv: &PreparedVariant, rec: &NameRec, want_pairs: bool) -> Alignment {
        let q: Vec<SideToken<'_>> = pv
            .tokens
            .iter()
            .zip(&pv.names)
            .map(|(t, n)| SideToken { text: &t.text, kind: t.kind, name: *n })
            .collect();
        let mut c = Vec::with_capacity(rec.tokens.len());
        self.align_prepared(pv, &q, rec, &mut c, want_pairs)
    }

    /// Aligns with the query side already prepared and a reusable buffer for the listed side.
    fn align_prepared<'a>(
        &'a self,
        pv: &PreparedVariant,
        q: &[SideToken<'_>],
        rec: &NameRec,
        c: &mut Vec<SideToken<'a>>,
        want_pairs: bool,
    ) -> Alignment {
        c.clear();
        c.extend(rec.tokens.iter().zip(rec.kinds.iter()).map(|(id, k)| SideToken {
            text: &self.tok_text[*id as usize],
            kind: *k,
            name: false,
        }));
        align(
            q,
            c,
            |i, j| {
                let tid = rec.tokens[j];
                pv.exps[i].iter().find(|e| e.0 == tid).map(|e| (e.1, e.2)).unwrap_or((0.0, How::Exact))
            },
            want_pairs,
            pv.extra_parts && self.entries[rec.entry as usize].schema == Schema::Person,
            !matches!(self.entries[rec.entry as usize].schema, Schema::Person),
        )
    }

    fn explain(
        &self,
        q: &Query,
        pv: &PreparedVariant,
        ni: u32,
        name_score: f64,
        adjustments: Vec<Adjustment>,
    ) -> Explanation {
        let rec = &self.names[ni as usize];
        let entry = &self.entries[rec.entry as usize];
        let name = entry
            .names
            .get(rec.name as usize)
            .map(|n| n.name.clone())
            .unwrap_or_else(|| entry.primary_name().to_string());
        let al = self.align_with(pv, rec, true);
        let mut alignment = Vec::new();
        let mut q_seen = vec![false; pv.tokens.len()];
        let mut c_seen = vec![false; rec.tokens.len()];
        for (i, j, s, how) in &al.pairs {
            q_seen[*i] = true;
            c_seen[*j] = true;
            alignment.push(TokenPair {
                query: Some(pv.tokens[*i].text.clone()),
                listed: Some(self.tok_text[rec.tokens[*j] as usize].to_string()),
                similarity: round3(*s as f64),
                weight: round3(((pv.tokens[*i].kind.weight() + rec.kinds[*j].weight()) / 2.0) as f64),
                how: how.describe(),
            });
        }
        // The first unmatched ordinary query word is the one `align` charged as an extra part.
        let mut extra_left = al.extra_parts_discounted;
        for (i, t) in pv.tokens.iter().enumerate() {
            if !q_seen[i] {
                let extra = extra_left && t.kind == TokenKind::Word && pv.names[i];
                extra_left &= !extra;
                alignment.push(TokenPair {
                    query: Some(t.text.clone()),
                    listed: None,
                    similarity: 0.0,
                    weight: round3(if extra { EXTRA_PART_WEIGHT } else { t.kind.weight() } as f64),
                    how: if extra {
                        "extra query name part (every part of the listed name was met)".into()
                    } else {
                        "unmatched query token".into()
                    },
                });
            }
        }
        for (j, id) in rec.tokens.iter().enumerate() {
            if !c_seen[j] {
                alignment.push(TokenPair {
                    query: None,
                    listed: Some(self.tok_text[*id as usize].to_string()),
                    similarity: 0.0,
                    weight: round3(rec.kinds[j].weight() as f64),
                    how: "unmatched listed token".into(),
                });
            }
        }
        let mut adjustments = adjustments;
        if let Some(note) = &pv.note {
            adjustments.insert(0, Adjustment { reason: note.clone(), delta: 0.0 });
        }
        if rec.strength == NameStrength::Weak {
            adjustments.insert(
                0,
                Adjustment {
                    reason: format!("matched a weak alias (name score × {WEAK_ALIAS_FACTOR})"),
                    delta: round3(name_score - name_score / WEAK_ALIAS_FACTOR),
                },
            );
        }
        Explanation {
            query_name: q.name.clone(),
            matched_name: name,
            matched_name_strength: rec.strength,
            name_score: round3(name_score),
            alignment,
            adjustments,
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

struct PreparedVariant {
    tokens: Vec<Token>,
    exps: Vec<Vec<(u32, f32, How)>>,
    /// Per token: a word that may be a personal name (not a word the lists use only in the names
    /// of organisations, vessels and aircraft).
    names: Vec<bool>,
    /// Why this reading of the query was tried, when it is not the query as written.
    note: Option<String>,
    /// Only listed parties of this country (ISO alpha-2) are compared with this reading.
    country: Option<String>,
    /// Whether an extra name part may be charged little (`EXTRA_PART_WEIGHT`): only for the
    /// query as written, not for a split or joined reading ("Tanaka" read as "tan aka" does not
    /// bring a name part "aka").
    extra_parts: bool,
    /// For a reading that is not the query as written (country words left out, a word taken for
    /// a misspelt legal form): its name score is squared and multiplied by this factor.
    squared_factor: Option<f64>,
}

/// Initial letters that languages write for one another in the forms of a given name: vowels and
/// y (Oleksiy / Alexei, Yevhen / Evgeny), g / h / k (Hryhoriy / Grigory, Heorhiy / Georgy),
/// v / w / u / f (Uladzimir / Vladimir), m / n (Mykola / Nikolai).
fn initial_class(b: u8) -> Option<u8> {
    match b {
        b'a' | b'e' | b'i' | b'o' | b'u' | b'y' => Some(0),
        b'g' | b'h' | b'k' => Some(1),
        b'v' | b'w' | b'f' => Some(2),
        b'm' | b'n' => Some(3),
        _ => None,
    }
}

/// A country named in a query: (ISO code, its name as one folded token, first and one past the
/// last token of the name). Names of four letters or more (so that "and", "can" are not read as
/// ISO alpha-3 codes); demonyms were already folded to the country's name by `tokenize`.
fn country_in(tokens: &[Token]) -> Option<(&'static str, Vec<Token>, usize, usize)> {
    // Up to six words: "Democratic Republic of the Congo", "Congo, The Democratic Republic of the".
    for len in (1..=6).rev() {
        for i in 0..tokens.len().saturating_sub(len - 1) {
            let words: Vec<&str> = tokens[i..i + len].iter().map(|t| t.text.as_str()).collect();
            if words.iter().any(|w| !w.bytes().all(|b| b.is_ascii_lowercase())) {
                continue;
            }
            let name = words.join(" ");
            if name.len() < 4 {
                continue;
            }
            if let Some(code) = crate::countries::country_code_folded(&name) {
                let core: Vec<Token> =
                    tokens[i..i + len].iter().filter(|t| !country_filler(t)).cloned().collect();
                return Some((code, core, i, i + len));
            }
        }
    }
    None
}

/// Words around a country's name in an organisation's name ("of the Republic of").
fn country_filler(t: &Token) -> bool {
    matches!(
        t.text.as_str(),
        "of" | "the" | "republic" | "rep" | "state" | "islamic" | "democratic" | "federation"
    )
}

/// Per-thread vote accumulators, reused across queries so that a query costs what it touches,
/// not the size of the index.
#[derive(Default)]
struct Scratch {
    acc: Vec<f32>,
    mark: Vec<u32>,
    touched: Vec<u32>,
    stamp: u32,
}

impl Scratch {
    fn prepare(&mut self, n: usize) {
        if self.acc.len() < n {
            self.acc.resize(n, 0.0);
            self.mark.resize(n, 0);
        }
    }

    fn reset(&mut self) {
        for &ni in &self.touched {
            self.acc[ni as usize] = 0.0;
        }
        self.touched.clear();
        if self.stamp > u32::MAX - 1000 {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.stamp = 0;
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}
