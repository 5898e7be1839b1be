//! Person-name equivalences across languages and romanisation systems, from the table compiled
//! into the crate (`data/person_names.txt`, derived from OpenSanctions' `rigour` package, whose
//! name groups come from Wikidata; see `data/PROVENANCE.md`).
//!
//! Each group is one Wikidata name item (a QID) with its Latin, Cyrillic and Greek single-word
//! spellings, stored as romanisation-folded keys (`translit_key`): Oleksiy, Oleksii, Aleksei are
//! one group. Two groups may also share a *bridge*: the same Arabic-script spelling ("Mehmet" and
//! "Muhammad" are both written محمد).
//!
//! The table is parsed once per process (about 0.1 s) into sorted arrays of key hashes; nothing is
//! read at run time from outside the binary.

use std::hash::BuildHasher;
use std::sync::OnceLock;

static DATA: &str = include_str!("../data/person_names.txt");

pub(crate) struct NameTable {
    /// (hash of a folded spelling, group index), sorted.
    keys: Vec<(u64, u32)>,
    /// Per group: its Wikidata QID.
    qids: Vec<&'static str>,
    /// Per group: the range of its bridges in `bridge_ids`.
    bridge_at: Vec<(u32, u32)>,
    bridge_ids: Vec<u32>,
}

fn key_hash(key: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(key)
}

impl NameTable {
    fn parse(data: &'static str) -> NameTable {
        let mut t =
            NameTable { keys: Vec::new(), qids: Vec::new(), bridge_at: Vec::new(), bridge_ids: Vec::new() };
        for line in data.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut fields = line.split('\t');
            let (Some(qid), Some(forms)) = (fields.next(), fields.next()) else { continue };
            let bridges = fields.next().unwrap_or("");
            let group = {
                let g = t.qids.len() as u32;
                t.qids.push(qid);
                let start = t.bridge_ids.len() as u32;
                t.bridge_ids.extend(bridges.split(' ').filter_map(|b| b.parse::<u32>().ok()));
                t.bridge_at.push((start, t.bridge_ids.len() as u32));
                g
            };
            t.keys.extend(forms.split(' ').filter(|f| !f.is_empty()).map(|f| (key_hash(f), group)));
        }
        t.keys.sort_unstable();
        t.keys.dedup();
        t.keys.shrink_to_fit();
        t
    }

    fn entries(&self, key: &str) -> &[(u64, u32)] {
        let h = key_hash(key);
        let start = self.keys.partition_point(|e| e.0 < h);
        let len = self.keys[start..].iter().take_while(|e| e.0 == h).count();
        &self.keys[start..start + len]
    }

    /// The groups a folded spelling (`translit_key` of a token) belongs to.
    pub(crate) fn groups(&self, key: &str) -> impl Iterator<Item = u32> + '_ {
        self.entries(key).iter().map(|e| e.1)
    }

    pub(crate) fn bridges(&self, group: u32) -> &[u32] {
        let (a, b) = self.bridge_at[group as usize];
        &self.bridge_ids[a as usize..b as usize]
    }

    pub(crate) fn qid(&self, group: u32) -> &'static str {
        self.qids.get(group as usize).copied().unwrap_or("?")
    }
}

static NICKNAMES: &str = include_str!("../data/nicknames.csv");

/// English given names and their nicknames (`data/nicknames.csv`, from the `nicknames` package,
/// Apache-2.0; see `data/PROVENANCE.md`), both ways: William → Bill, Will, Billy; Bill → William.
/// Names of three letters or more only (Al, Ed, Jo are too short to tell apart); pairs of one
/// length beginning differently are left out (Ivan / John).
pub(crate) fn nicknames(name: &str) -> &'static [&'static str] {
    static MAP: OnceLock<rustc_hash::FxHashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m: rustc_hash::FxHashMap<&'static str, Vec<&'static str>> = Default::default();
        for line in NICKNAMES.lines().skip(1) {
            let mut f = line.split(',');
            let (Some(a), Some(_), Some(b)) = (f.next(), f.next(), f.next()) else { continue };
            let (a, b) = (a.trim(), b.trim());
            // The table also pairs cross-language equivalents of one length (Ivan / John, Sean /
            // John), too loose for screening: a nickname is shorter or begins alike.
            if a.len() < 3
                || b.len() < 3
                || a == b
                || (a.len() == b.len() && a.as_bytes()[0] != b.as_bytes()[0])
            {
                continue;
            }
            m.entry(a).or_default().push(b);
            m.entry(b).or_default().push(a);
        }
        for v in m.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        m
    });
    map.get(name).map(Vec::as_slice).unwrap_or(&[])
}

/// The table, parsed on first use.
pub(crate) fn table() -> &'static NameTable {
    static TABLE: OnceLock<NameTable> = OnceLock::new();
    TABLE.get_or_init(|| NameTable::parse(DATA))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::translit_key;

    fn share(a: &str, b: &str) -> bool {
        let t = table();
        let ga: Vec<u32> = t.groups(&translit_key(a)).collect();
        let gb: Vec<u32> = t.groups(&translit_key(b)).collect();
        ga.iter().any(|g| gb.contains(g))
            || ga.iter().any(|g| gb.iter().any(|h| t.bridges(*g).iter().any(|x| t.bridges(*h).contains(x))))
    }

    #[test]
    fn spellings_of_one_name_share_a_group_or_a_bridge() {
        assert!(share("oleksiy", "alexei"));
        assert!(share("mehmet", "muhammad"));
        assert!(share("volodymyr", "vladimir"));
        assert!(!share("vladimir", "muhammad"));
        assert!(nicknames("bill").contains(&"william") && nicknames("william").contains(&"bill"));
    }

    #[test]
    fn the_table_is_whole() {
        // The stored spellings are `translit_key` outputs of the person-name tokeniser; if either
        // changes, regenerate the table (examples/name_groups.rs) or lookups silently miss.
        let t = table();
        assert!(t.qids.len() > 50_000, "{} groups", t.qids.len());
        for line in DATA.lines().filter(|l| !l.starts_with('#')) {
            for f in line.split('\t').nth(1).unwrap_or("").split(' ') {
                assert!(f.len() >= 3 && f.bytes().all(|b| b.is_ascii_lowercase()), "{line}");
            }
        }
    }
}
