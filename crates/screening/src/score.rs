//! Scoring: token similarity, name alignment and secondary evidence, with explanations.
//!
//! A name score is `M / (M + Pq + Pc)`: `M` is the weighted similarity of the aligned token pairs,
//! `Pq` the weight of query tokens left unmatched (and the shortfall of fuzzy pairs), `Pc` a lighter
//! charge for listed tokens the query did not mention (an omitted middle name is not a
//! contradiction, unless the query also brings a name part of its own). Token weights come from
//! the token's role (`TokenKind::weight`): legal forms, titles and stopwords barely count. Then
//! secondary evidence moves the score: schema, birth date, country, identifiers; weak aliases count
//! less. Every step is recorded in the `Explanation`.

use crate::model::NameStrength;
use crate::normalize::{TokenKind, phonetic_key, translit_key};
use serde::{Deserialize, Serialize};

/// The default alert threshold: a match scoring at or above it is an alert.
///
/// Chosen from the measured operating curves (docs/screening.md, "Third round"): 0.84 is where the
/// held-out sets (seeds 14 and 15: recall ≥ 0.98, false alerts ≤ 0.02, every kind ≥ 0.95) and the
/// development set (recall ≥ 0.99, false alerts ≤ 0.02) all meet their targets; at 0.82 the
/// held-out false alerts are above 0.02, at 0.86 held-out recall is below 0.98.
pub const DEFAULT_THRESHOLD: f64 = 0.84;

/// Name scores below this are not worth explaining or returning even when a caller asks for a
/// lower threshold.
pub(crate) const FLOOR: f64 = 0.30;

/// Multiplier for a match found on a weak alias.
pub(crate) const WEAK_ALIAS_FACTOR: f64 = 0.88;

/// The charge for a query name part the listed person's name does not have, when every part of
/// the listed name (at least two) was met and the extra part may be a personal name (not a word
/// the lists use only in organisations' names): an extra middle name or a second family name ("MARTÍNEZ, Luis" queried as
/// "Luis Alberto Martínez") adds to a name, it does not contradict it. A word that is not a name
/// ("DUGIN, Aleksandr WINGS") is charged in full.
pub(crate) const EXTRA_PART_WEIGHT: f32 = 0.25;

/// Each part of the listed name must have been met at least this closely (equal, a romanisation
/// variant, one edit in a long word) for `EXTRA_PART_WEIGHT` to apply: an extra part on top of
/// a loose match ("MARITZA, Fathy Ahmed" for "FATHI, Ahmad") is not an addition to that name.
pub(crate) const EXTRA_PART_MIN_SIMILARITY: f32 = 0.9;

/// The charge (per unit of weight) for a word of a listed organisation's name that the query
/// leaves out, when the query brings no word of its own: organisations are often named by part of
/// their name ("Pan Inc." for "Pan Aviation, Inc."); a person's omitted name part costs 0.3.
pub(crate) const ORG_OMISSION: f32 = 0.2;

/// The charge (per unit of weight) for a part of a listed person's name the query leaves out
/// (a middle name, a second family name), when the query brings no name part of its own.
pub(crate) const PERSON_OMISSION: f32 = 0.25;

/// The same for a patronymic (Vladimirovich, Viktorovna, Ogly): queries rarely carry one.
pub(crate) const PATRONYMIC_OMISSION: f32 = 0.15;

/// Subtracted from a name score for each word of the query that stands where the listed name has
/// another word (a substitution, at most two counted).
pub(crate) const SUBSTITUTION_PENALTY: f32 = 0.08;

/// One alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// The source's own identifier of the listed entry.
    pub source_id: String,
    /// The list the entry came from (`Entry::list`).
    pub list: String,
    /// The listed entry's primary name.
    pub name: String,
    /// In [0, 1].
    pub score: f64,
    pub explanation: Explanation,
}

/// Why a match scored what it did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The query name as given.
    pub query_name: String,
    /// The listed name (primary name or alias) that the query met best.
    pub matched_name: String,
    pub matched_name_strength: NameStrength,
    /// The name similarity before secondary evidence.
    pub name_score: f64,
    /// Token alignment: each query token with the listed token it met (or none).
    pub alignment: Vec<TokenPair>,
    /// What raised or lowered the score after the name comparison.
    pub adjustments: Vec<Adjustment>,
}

/// One aligned (or unaligned) token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenPair {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
    pub similarity: f64,
    /// The weight of this pair in the name score (from the tokens' roles).
    pub weight: f64,
    /// exact, fuzzy (n edits), phonetic, article, initial, legal form, unmatched query token,
    /// unmatched listed token.
    pub how: String,
}

/// A change to the score after the name comparison, with its reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    pub reason: String,
    pub delta: f64,
}

/// How two tokens met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum How {
    Exact,
    Fuzzy(u8),
    Phonetic,
    Article,
    Initial,
    LegalForm,
    Romanisation,
    /// Two spellings of one name in the person-name table (the group's index).
    NameGroup(u32),
    /// A familiar or short form and the full name, spellings of one item of the person-name
    /// table that begin differently (Tolya / Anatoliy, Kolya / Nikolay).
    FamiliarForm(u32),
    /// Two names of the table written alike in Arabic script (the query's and the listed
    /// token's groups).
    NameBridge(u32, u32),
    /// A Korean name syllable in another romanisation system (`normalize::korean_key`).
    Korean,
    /// An English given name and its nickname (William / Bill).
    Nickname,
}

/// Similarity of a vowel-less spelling (a romanised Arabic-script word: "mhmd") and a vowelled one
/// with the same consonant skeleton ("Muhammad"). At 0.8 a Latin name met part for part in its
/// Arabic-script form ("TARIQ AZIZ" / طارق عزيز) scored about 0.83, under the default threshold.
/// A vowel-less spelling of three letters keeps 0.8.
pub(crate) const VOWELLESS_SIM: f32 = 0.85;

/// Similarity of a word of three letters and a one-edit typo of it (first letter right, not two
/// pinyin syllables). Just above the 0.7 a distinctive token must reach to identify a party, so
/// that a name whose only distinctive word has three letters (an acronym: "SGT HOLDING LIMITED"
/// for "STG HOLDINGS LIMITED", "JLF Technology" for "JLD Technology") can reach the threshold
/// when everything else matches; until the fourth round it was 0.675 (an edit charged as one in
/// four letters), which kept such names capped at 0.5.
pub(crate) const SHORT_WORD_TYPO_SIM: f32 = 0.72;

/// Similarity of a given name and its nickname.
pub(crate) const NICKNAME_SIM: f32 = 0.85;

/// Similarity of two spellings of a Korean name syllable in different romanisation systems.
pub(crate) const KOREAN_SIM: f32 = 0.9;

/// Similarity of two spellings of one name found in the person-name table (Oleksiy / Alexei).
pub(crate) const NAME_GROUP_SIM: f32 = 0.85;

/// Similarity of two names linked through a shared Arabic-script spelling (Mehmet / Muhammad).
pub(crate) const NAME_BRIDGE_SIM: f32 = 0.85;

impl How {
    pub(crate) fn describe(self) -> String {
        match self {
            How::Exact => "exact".into(),
            How::Fuzzy(1) => "fuzzy (1 edit)".into(),
            How::Fuzzy(n) => format!("fuzzy ({n} edits)"),
            How::Phonetic => "phonetic".into(),
            How::Article => "article al-/el- ignored".into(),
            How::Initial => "initial".into(),
            How::LegalForm => "different legal form".into(),
            How::Romanisation => "romanisation variant".into(),
            How::Korean => "Korean romanisation variant (McCune-Reischauer / Revised Romanization)".into(),
            How::Nickname => "nickname (nicknames table)".into(),
            How::NameGroup(g) => format!(
                "same name in another language or romanisation (Wikidata {}, rigour person-name table)",
                crate::names::table().qid(g)
            ),
            How::FamiliarForm(g) => format!(
                "familiar or short form of the same name (Wikidata {}, rigour person-name table)",
                crate::names::table().qid(g)
            ),
            How::NameBridge(a, b) => {
                let t = crate::names::table();
                format!(
                    "same name across languages: Wikidata {} and {} are written alike in Arabic script \
                     (rigour person-name table)",
                    t.qid(a),
                    t.qid(b)
                )
            }
        }
    }
}

fn strip_article(t: &str) -> Option<&str> {
    if t.len() >= 5 && (t.starts_with("al") || t.starts_with("el")) { Some(&t[2..]) } else { None }
}

/// Whether a token is a syllable of Hanyu Pinyin (without tones), as Chinese names are written:
/// initials × finals, a slight over-generation of the real table.
pub(crate) fn is_pinyin(t: &str) -> bool {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<String>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        const INITIALS: &[&str] = &[
            "", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "zh", "ch", "sh", "r",
            "z", "c", "s", "y", "w",
        ];
        const FINALS: &[&str] = &[
            "a", "o", "e", "i", "u", "v", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "ia",
            "ie", "iao", "iu", "ian", "in", "iang", "ing", "iong", "ua", "uo", "uai", "ui", "uan", "un",
            "uang", "ue", "er",
        ];
        INITIALS.iter().flat_map(|i| FINALS.iter().map(move |f| format!("{i}{f}"))).collect()
    })
    .contains(t)
}

/// A token written without its inner vowels, as a romanised Arabic-script word is ("mhmd",
/// "ahmd", "altkrti"): no vowel in three or more letters once a leading and a trailing vowel are
/// set aside ("olga" is not such a word), or a run of four consonants.
pub(crate) fn vowel_poor(t: &str) -> bool {
    let is_vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u');
    let b = t.as_bytes();
    let inner = match b {
        [first, rest @ ..] if is_vowel(*first) => rest,
        _ => b,
    };
    let inner = match inner {
        [rest @ .., last] if is_vowel(*last) => rest,
        _ => inner,
    };
    let mut run = 0;
    let mut longest = 0;
    for &c in b {
        if is_vowel(c) || c.is_ascii_digit() {
            run = 0;
        } else {
            run += 1;
            longest = longest.max(run);
        }
    }
    (inner.len() >= 3 && !inner.iter().any(|c| is_vowel(*c))) || longest >= 4
}

/// Similarity of two folded tokens in [0, 1]; 0 means "not the same name part".
///
/// Tokens with digits must be equal. Tokens shorter than 3 letters get no fuzzy allowance. The
/// edit budget grows with length (1 edit up to 4 letters, 2 up to 8, 3 beyond) and each edit costs
/// in proportion to the length. Equal phonetic keys rescue transliteration variants; a vowel-less
/// token (romanised Arabic script) meets a vowelled one through its consonant skeleton.
/// The precomputed keys of a token: phonetic skeleton and romanisation-folded spelling.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Keys<'a> {
    pub phonetic: &'a str,
    pub translit: &'a str,
}

pub(crate) fn token_sim(a: &str, b: &str, ka: Keys<'_>, kb: Keys<'_>) -> (f32, How) {
    let (pa, pb) = (ka.phonetic, kb.phonetic);
    if a == b {
        return (1.0, How::Exact);
    }
    let digits = |t: &str| t.bytes().any(|c| c.is_ascii_digit());
    if digits(a) || digits(b) {
        return (0.0, How::Exact);
    }
    if strip_article(a) == Some(b)
        || strip_article(b) == Some(a)
        || (strip_article(a).is_some() && strip_article(a) == strip_article(b))
    {
        return (0.9, How::Article);
    }
    // The article and another romanisation of the noun: al-Karim / Kareem, el-Hashimi / Hachemi.
    if let Some(r) = strip_article(a).filter(|_| strip_article(b).is_none())
        && translit_key(r) == kb.translit
        && r.len() >= 3
    {
        return (0.85, How::Article);
    }
    if let Some(r) = strip_article(b).filter(|_| strip_article(a).is_none())
        && translit_key(r) == ka.translit
        && r.len() >= 3
    {
        return (0.85, How::Article);
    }
    // "Servant of" written apart in its several romanisations: Abd (al-Karim), Abdul, Abdel.
    if is_abd(a) && is_abd(b) {
        return (0.95, How::Romanisation);
    }
    let (la, lb) = (a.len(), b.len());
    let (short, long) = (la.min(lb), la.max(lb));
    if short < 3 {
        return (0.0, How::Exact);
    }
    let budget = if long <= 4 || short == 3 {
        1
    } else if long <= 8 {
        2
    } else {
        3
    };
    if long - short > budget && pa != pb {
        return (0.0, How::Exact);
    }
    let d = rapidfuzz::distance::osa::distance(a.bytes(), b.bytes());
    let mut best = (0.0f32, How::Exact);
    // A word of three letters with a typo: only when the first letter is right and the two are
    // not two syllables of Chinese pinyin (Wei / Wen, Mei / Wei are different names).
    let short_typo_ok = short > 3 || (a.as_bytes()[0] == b.as_bytes()[0] && !(is_pinyin(a) && is_pinyin(b)));
    if d <= budget && short_typo_ok {
        // One letter changed in a word of three (Huo / Heo, Ali / Aki, SGT / STG) scores
        // `SHORT_WORD_TYPO_SIM`: at 1.3 / 3 a short name with a typo could never reach the
        // threshold.
        let s = if short == 3 { SHORT_WORD_TYPO_SIM } else { 1.0 - 1.3 * d as f32 / long.max(4) as f32 };
        // Below this two tokens are different names (Jose / Jesse), not one name misspelt.
        if s >= 0.55 {
            best = (s, How::Fuzzy(d as u8));
        }
    }
    // Spellings that differ only by romanisation system (Yevgeniy / Evgenij).
    if ka.translit == kb.translit && ka.translit.len() >= 3 {
        if 0.95 > best.0 {
            best = (0.95, How::Romanisation);
        }
    } else if ka.translit.len() >= 6 && kb.translit.len() >= 6 {
        let dt = rapidfuzz::distance::osa::distance(ka.translit.bytes(), kb.translit.bytes());
        let lt = ka.translit.len().max(kb.translit.len());
        let s = 0.95 - 1.3 * dt as f32 / lt as f32;
        if dt <= 1 && s > best.0 {
            best = (s, How::Romanisation);
        }
    }
    if pa == pb && pa.len() >= 2 {
        // Same consonant skeleton: vowel changes are transliteration noise, but each still costs
        // a little, and short names need to be close (John is not Jian).
        let phon = if d <= (long / 3).max(1) {
            0.9 - 0.07 * d as f32
        } else if (vowel_poor(a) && !vowel_poor(b) && la < lb) || (vowel_poor(b) && !vowel_poor(a) && lb < la)
        {
            // The vowel-less spelling is the shorter one (vowels were left out): "mhmd" meets
            // "muhammad", but the acronym "irgc" does not meet "ark". Three letters say less
            // ("ltj", "sbt" are more often a typo or an acronym than a word).
            if short >= 4 { VOWELLESS_SIM } else { 0.8 }
        } else {
            0.0
        };
        if phon > best.0 {
            best = (phon, How::Phonetic);
        }
    }
    best
}

/// A tokenised name ready for alignment.
#[derive(Clone, Debug)]
pub(crate) struct SideToken<'a> {
    pub text: &'a str,
    pub kind: TokenKind,
    /// May be a personal name (see `PreparedVariant::names`); only computed for the query side.
    pub name: bool,
}

/// The result of aligning two names.
#[derive(Clone, Debug)]
pub(crate) struct Alignment {
    pub score: f32,
    /// (query token index, listed token index, similarity, how)
    pub pairs: Vec<(usize, usize, f32, How)>,
    /// Every name part of the listed person's name was met, so the query's own extra name parts
    /// were charged `EXTRA_PART_WEIGHT` each instead of their full weight.
    pub extra_parts_discounted: bool,
}

/// Aligns query tokens with listed tokens greedily, best pair first, each token used once.
/// `sim(i, j)` gives the similarity of query token `i` and listed token `j`. `person`: the listed
/// party is a person, so a query that meets every part of the listed name (two or more) and adds
/// name parts of its own is charged little for them (`EXTRA_PART_WEIGHT`).
pub(crate) fn align(
    q: &[SideToken<'_>],
    c: &[SideToken<'_>],
    mut sim: impl FnMut(usize, usize) -> (f32, How),
    want_pairs: bool,
    person: bool,
    organisation: bool,
) -> Alignment {
    // Small fixed-size buffers: names rarely exceed a dozen tokens.
    let mut cand: Vec<(f32, usize, usize, How)> = Vec::with_capacity(q.len() * c.len());
    for (i, qt) in q.iter().enumerate() {
        for (j, ct) in c.iter().enumerate() {
            let (s, how) = if qt.kind == TokenKind::Initial || ct.kind == TokenKind::Initial {
                if qt.text.as_bytes()[0] == ct.text.as_bytes()[0]
                    && (qt.kind == TokenKind::Initial) != (ct.kind == TokenKind::Initial)
                    && !matches!(qt.kind, TokenKind::Number)
                    && !matches!(ct.kind, TokenKind::Number)
                {
                    // A query initial abbreviates a listed name: good evidence. A listed initial
                    // (often a middle initial) only weakly confirms a full name in the query.
                    if qt.kind == TokenKind::Initial { (0.8, How::Initial) } else { (0.6, How::Initial) }
                } else if qt.text == ct.text {
                    (1.0, How::Exact)
                } else {
                    (0.0, How::Exact)
                }
            } else if qt.kind == TokenKind::LegalForm && ct.kind == TokenKind::LegalForm {
                if qt.text == ct.text { (1.0, How::Exact) } else { (0.5, How::LegalForm) }
            } else {
                sim(i, j)
            };
            if s > 0.0 {
                // A small bonus for equal positions breaks ties in favour of the natural order.
                cand.push((s + if i == j { 1e-4 } else { 0.0 }, i, j, how));
            }
        }
    }
    cand.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut q_used = [false; 64];
    let mut c_used = [false; 64];
    let mut pairs = Vec::new();
    let (mut m, mut pq, mut pc) = (0.0f32, 0.0f32, 0.0f32);
    let mut distinctive_hit = false;
    let mut all_exact = true;
    // The lowest similarity with which a distinctive listed token was met.
    let mut weakest_listed_pair = 1.0f32;
    for (s, i, j, how) in cand {
        if i >= 64 || j >= 64 || q_used[i] || c_used[j] {
            continue;
        }
        q_used[i] = true;
        c_used[j] = true;
        let s = s.min(1.0);
        let (wq, wc) = (q[i].kind.weight(), c[j].kind.weight());
        m += s * (wq + wc) / 2.0;
        pq += (1.0 - s) * wq * 0.7;
        if s >= 0.7 && q[i].kind.is_distinctive() && c[j].kind.is_distinctive() {
            distinctive_hit = true;
        }
        if s < 1.0 {
            all_exact = false;
        }
        if c[j].kind.is_distinctive() {
            weakest_listed_pair = weakest_listed_pair.min(s);
        }
        if want_pairs {
            pairs.push((i, j, s, how));
        }
    }
    // Every distinctive part of the listed person's name met closely by the query, and at least
    // two of them name parts proper (not the particles of a kunya or patronymic: "Abu Bakr" is
    // one name). Then one extra query name part is an addition, not a contradiction.
    let listed_parts = c.iter().filter(|t| t.kind.is_distinctive() && !is_particle(t.text)).count();
    let covered = person
        && listed_parts >= 2
        && weakest_listed_pair >= EXTRA_PART_MIN_SIMILARITY
        && c.iter().enumerate().all(|(j, t)| !t.kind.is_distinctive() || (j < 64 && c_used[j]));
    let mut unmatched_q_distinctive = 0.0;
    // Words and generic words left over on each side (weights), for the substitution charge.
    let mut unmatched_q_words = 0.0f32;
    let mut extra_parts_discounted = false;
    for (i, t) in q.iter().enumerate() {
        if i >= 64 || !q_used[i] {
            if covered && !extra_parts_discounted && t.kind == TokenKind::Word && t.name {
                pq += EXTRA_PART_WEIGHT;
                extra_parts_discounted = true;
                continue;
            }
            pq += t.kind.weight();
            if t.kind.is_distinctive() {
                unmatched_q_distinctive += 1.0;
            }
            if t.kind.weight() >= 0.5 {
                unmatched_q_words += t.kind.weight();
            }
        }
    }
    // A listed token the query omits is a lighter charge, unless the query also brings a name
    // part of its own: then the two names disagree rather than one being shorter.
    let contradiction = unmatched_q_distinctive > 0.0;
    let omission = if contradiction {
        0.6
    } else if organisation {
        ORG_OMISSION
    } else {
        PERSON_OMISSION
    };
    let mut unmatched_c_words = 0.0f32;
    for (j, t) in c.iter().enumerate() {
        if j >= 64 || !c_used[j] {
            let charge = if contradiction {
                omission
            } else if !t.kind.is_distinctive() && t.kind.weight() < 0.5 {
                // A legal form, title or stopword left out ("ROSOBORONEXPORT" for
                // "ROSOBORONEXPORT JSC") says nothing against the match.
                0.0
            } else if !organisation && is_patronymic(t.text) {
                PATRONYMIC_OMISSION
            } else {
                omission
            };
            pc += t.kind.weight() * charge;
            if t.kind.weight() >= 0.5 {
                unmatched_c_words += t.kind.weight();
            }
        }
    }
    let mut score = if m > 0.0 { m / (m + pq + pc) } else { 0.0 };
    // A word of the query standing where the listed name has another word is a substitution:
    // evidence of another party however long the names are (the ratio above dilutes it in long
    // names), so each one (at most two) costs a fixed amount.
    let substitutions = unmatched_q_words.min(unmatched_c_words).min(2.0);
    score -= SUBSTITUTION_PENALTY * substitutions;
    let mut score = score.max(0.0);
    let complete = pq == 0.0 && pc == 0.0 && all_exact;
    if !distinctive_hit && !complete {
        // Legal forms, titles and initials alone cannot identify a party (unless the two names
        // are token for token the same).
        score = score.min(0.5);
    }
    Alignment { score, pairs, extra_parts_discounted }
}

/// A patronymic: Russian, Ukrainian and Belarusian -ovich / -evich / -ovna / -evna (and their
/// romanisations), Turkic ogly / kyzy.
pub(crate) fn is_patronymic(t: &str) -> bool {
    t.len() >= 7
        && ["ovich", "evich", "ovych", "evych", "ovna", "evna", "ivna", "ovitch", "evitch", "ovic", "evic"]
            .iter()
            .any(|s| t.ends_with(s))
        || matches!(t, "ogly" | "ogli" | "oglu" | "kyzy" | "kizi" | "qizi")
}

/// The "servant of" particle written apart: Abd (before al-X), Abdul, Abdel, Abdal, Abdoul, Abdol.
pub(crate) fn is_abd(t: &str) -> bool {
    matches!(t, "abd" | "abdul" | "abdel" | "abdal" | "abdoul" | "abdol" | "abdu" | "abdou" | "abdil")
}

/// Particles that join a name rather than being one: Arabic kunya and patronymic markers
/// (Abu, Umm, Bin, Ibn, Bint, Ould) and the "servant of" prefix written apart (Abd, Abdul).
pub(crate) fn is_particle(t: &str) -> bool {
    matches!(
        t,
        "abu"
            | "abou"
            | "abo"
            | "umm"
            | "um"
            | "bin"
            | "ibn"
            | "bint"
            | "ben"
            | "ould"
            | "abd"
            | "abdul"
            | "abdel"
            | "abdal"
            | "abdoul"
    )
}

/// Birth-date agreement: `Some(delta, reason)` when both sides have a date.
pub(crate) fn birth_date_adjustment(query: &str, listed: &[String]) -> Option<Adjustment> {
    if listed.is_empty() {
        return None;
    }
    let qy: i32 = query.get(..4)?.parse().ok()?;
    let mut best: Option<Adjustment> = None;
    for d in listed {
        let Some(ly) = d.get(..4).and_then(|y| y.parse::<i32>().ok()) else { continue };
        let adj = if ly == qy {
            if query.len() == 10 && d.len() == 10 {
                if query == d {
                    Adjustment { reason: format!("birth date {d} matches"), delta: 0.05 }
                } else {
                    Adjustment { reason: format!("same birth year, different day ({d})"), delta: -0.08 }
                }
            } else {
                Adjustment { reason: format!("birth year {ly} matches"), delta: 0.03 }
            }
        } else if (ly - qy).abs() == 1 {
            Adjustment { reason: format!("birth year differs by one ({d})"), delta: -0.08 }
        } else {
            Adjustment { reason: format!("birth date differs ({d})"), delta: -0.2 }
        };
        if best.as_ref().is_none_or(|b| adj.delta > b.delta) {
            best = Some(adj);
        }
    }
    best
}

pub(crate) fn phonetic(text: &str) -> String {
    phonetic_key(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(a: &str, b: &str) -> f32 {
        let (pa, pb) = (phonetic_key(a), phonetic_key(b));
        let (ta, tb) = (crate::normalize::translit_key(a), crate::normalize::translit_key(b));
        token_sim(a, b, Keys { phonetic: &pa, translit: &ta }, Keys { phonetic: &pb, translit: &tb }).0
    }

    #[test]
    fn short_tokens_get_no_fuzzy_allowance() {
        assert_eq!(sim("al", "el"), 0.0);
        assert!(sim("jon", "john") >= 0.8, "one letter added to a short name, same sound");
        assert_eq!(sim("bush", "habbash"), 0.0);
    }

    #[test]
    fn typos_cost_in_proportion_to_length() {
        assert!(sim("rosoboronexprot", "rosoboronexport") > 0.9);
        assert!(sim("ivanovch", "ivanovich") > 0.8);
        assert!(sim("smith", "jones") == 0.0);
        assert_eq!(sim("jose", "jesse"), 0.0);
    }

    #[test]
    fn romanisation_variants_score_almost_as_equal() {
        assert!(sim("yevgeniy", "evgenij") >= 0.9);
        assert!(sim("prigozhin", "prigozin") >= 0.9);
        assert!(sim("ivanov", "ivanova") < 0.9);
    }

    #[test]
    fn numbers_must_match_exactly() {
        assert_eq!(sim("11420", "11421"), 0.0);
        assert_eq!(sim("11420", "11420"), 1.0);
    }

    #[test]
    fn transliteration_variants_meet_phonetically() {
        assert!(sim("mohammed", "muhammad") >= 0.75);
        assert!(sim("sergey", "sergei") >= 0.8);
        assert_eq!(sim("john", "jian"), 0.0);
        assert!(sim("mhmd", "muhammad") >= 0.8);
        assert!(sim("mohammed", "mahmud") < 0.7);
    }

    #[test]
    fn vowel_less_romanisations_are_recognised() {
        assert!(vowel_poor("mhmd") && vowel_poor("ahmd") && vowel_poor("altkrti") && vowel_poor("hmza"));
        assert!(!vowel_poor("olga") && !vowel_poor("ali") && !vowel_poor("mohammed"));
        assert!(sim("hsn", "hussein") >= 0.8);
        assert_eq!(sim("olga", "alice"), 0.0);
        assert_eq!(sim("irgc", "ark"), 0.0);
    }

    #[test]
    fn birth_dates_raise_or_lower_the_score() {
        let listed = vec!["1959-09-06".to_string()];
        assert!(birth_date_adjustment("1959-09-06", &listed).unwrap().delta > 0.0);
        assert!(birth_date_adjustment("1959", &listed).unwrap().delta > 0.0);
        assert!(birth_date_adjustment("1971", &listed).unwrap().delta < -0.1);
        assert!(birth_date_adjustment("1971", &[]).is_none());
    }
}
