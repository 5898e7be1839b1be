//! The list entry model shared by every format parser, the index and the application's database.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::str::FromStr;

/// What kind of party a listed entry (or a query) is.
///
/// `LegalEntity` means "a person or an organisation, the source does not say which" (the BIS Denied
/// Persons List, for instance), so it is compatible with both.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::IntoStaticStr,
)]
pub enum Schema {
    Person,
    Organization,
    LegalEntity,
    Vessel,
    Aircraft,
}

impl Schema {
    /// Whether two schemas can describe the same real-world party.
    pub fn compatible(self, other: Schema) -> bool {
        use Schema::*;
        match (self, other) {
            (a, b) if a == b => true,
            (LegalEntity, Person | Organization) | (Person | Organization, LegalEntity) => true,
            _ => false,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl FromStr for Schema {
    type Err = String;

    /// Accepts the five schema names and the synonyms the list formats use
    /// ("Individual", "Entity", "Company", "Airplane"), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "person" | "individual" => Ok(Schema::Person),
            "organization" | "organisation" | "entity" | "company" | "publicbody" => Ok(Schema::Organization),
            "legalentity" | "legal_entity" | "" => Ok(Schema::LegalEntity),
            "vessel" => Ok(Schema::Vessel),
            "aircraft" | "airplane" => Ok(Schema::Aircraft),
            other => Err(format!(
                "unknown schema {other:?}; expected Person, Organization, LegalEntity, Vessel or Aircraft"
            )),
        }
    }
}

/// How much a listed name can be relied upon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NameStrength {
    /// The entry's main name.
    Primary,
    /// A good-quality alias (a.k.a., f.k.a., original script, ...).
    Strong,
    /// A weak or low-quality alias (OFAC "weak a.k.a.", UN quality "Low", FtM `weakAlias`):
    /// OFAC does not expect screening on these, so they weigh less.
    Weak,
}

/// One name of a listed entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryName {
    pub name: String,
    pub strength: NameStrength,
    /// The source's own alias type when it gives one ("aka", "fka", "nka", "original script").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// An identifier (passport, tax number, IMO number, SWIFT/BIC, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    /// The source's label for it ("Passport", "Tax ID No.", "IMO").
    pub kind: String,
    pub value: String,
    /// ISO 3166-1 alpha-2 code of the issuing country, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// One listed party, as read from a list release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Which list this entry came from ("us-csl", "ofac-sdn", "ofac-cons", "un-sc", "bis-dpl",
    /// "ftm" or the FtM dataset name). The application may overwrite it with its own list name.
    pub list: String,
    /// The source's own identifier: CSL `_id`, OFAC `ent_num`, UN `REFERENCE_NUMBER`, FtM `id`,
    /// and for the BIS DPL (which has none) `dpl-` + a hash of name, address and effective date.
    pub source_id: String,
    /// A finer list name given by the source (CSL `source`, e.g. "Entity List (EL) - Bureau of
    /// Industry and Security").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sublist: Option<String>,
    pub schema: Schema,
    /// Primary name first, then aliases.
    pub names: Vec<EntryName>,
    /// ISO 3166-1 alpha-2 codes of nationality, citizenship, registration and address countries.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Birth (or incorporation) dates as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default)]
    pub birth_dates: Vec<String>,
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub programs: Vec<String>,
}

impl Entry {
    /// A new entry with no names or attributes yet.
    pub fn new(list: impl Into<String>, source_id: impl Into<String>, schema: Schema) -> Self {
        Entry {
            list: list.into(),
            source_id: source_id.into(),
            sublist: None,
            schema,
            names: Vec::new(),
            countries: Vec::new(),
            birth_dates: Vec::new(),
            identifiers: Vec::new(),
            addresses: Vec::new(),
            programs: Vec::new(),
        }
    }

    /// The entry's main name (the first name, by construction of every parser).
    pub fn primary_name(&self) -> &str {
        self.names.first().map(|n| n.name.as_str()).unwrap_or("")
    }

    /// Adds a name unless the same text is already present (keeping the stronger mark).
    pub fn add_name(&mut self, name: &str, strength: NameStrength, kind: Option<&str>) {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return;
        }
        if let Some(existing) = self.names.iter_mut().find(|n| n.name == name) {
            if rank(strength) < rank(existing.strength) {
                existing.strength = strength;
            }
            return;
        }
        self.names.push(EntryName { name, strength, kind: kind.map(str::to_string) });
    }

    /// Adds an ISO alpha-2 country code (upper-cased, deduplicated).
    pub fn add_country(&mut self, code: &str) {
        let code = code.trim().to_ascii_uppercase();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) && !self.countries.contains(&code)
        {
            self.countries.push(code);
        }
    }

    pub fn add_birth_date(&mut self, date: String) {
        if !self.birth_dates.contains(&date) {
            self.birth_dates.push(date);
        }
    }

    pub(crate) fn push_unique(list: &mut Vec<String>, value: &str) {
        let value = value.trim();
        if !value.is_empty() && !list.iter().any(|v| v == value) {
            list.push(value.to_string());
        }
    }

    /// A stable content hash (SHA-256 of the entry's canonical JSON, hex).
    ///
    /// Two parses of the same record give the same hash; any change to a name, attribute or the
    /// list id changes it. The application stores it with a false-match dismissal, which stays in
    /// force only while the listed entry's hash is unchanged.
    pub fn content_hash(&self) -> String {
        // serde_json writes struct fields in declaration order and we never use maps here, so the
        // serialisation is canonical for a given struct definition.
        let bytes = serde_json::to_vec(self).expect("an Entry always serialises");
        hex::encode(Sha256::digest(&bytes))
    }
}

fn rank(s: NameStrength) -> u8 {
    match s {
        NameStrength::Primary => 0,
        NameStrength::Strong => 1,
        NameStrength::Weak => 2,
    }
}

/// What changed between two releases of a list, keyed by (`list`, `source_id`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDelta {
    /// Entries in the new release only (indexes into `new`).
    pub added: Vec<usize>,
    /// Entries present in both whose content hash differs (indexes into `new`).
    pub changed: Vec<usize>,
    /// Entries in the old release only (indexes into `old`).
    pub removed: Vec<usize>,
}

impl ListDelta {
    /// Indexes into `new` of the entries that must be re-screened against (added or changed).
    pub fn to_rescreen(&self) -> impl Iterator<Item = usize> + '_ {
        self.added.iter().chain(self.changed.iter()).copied()
    }
}

/// Compares two list releases; used for delta re-screening and to expire false-match dismissals.
pub fn diff_entries(old: &[Entry], new: &[Entry]) -> ListDelta {
    let old_by_key: HashMap<(&str, &str), (usize, String)> = old
        .iter()
        .enumerate()
        .map(|(i, e)| ((e.list.as_str(), e.source_id.as_str()), (i, e.content_hash())))
        .collect();
    let mut delta = ListDelta::default();
    let mut seen = vec![false; old.len()];
    for (i, e) in new.iter().enumerate() {
        match old_by_key.get(&(e.list.as_str(), e.source_id.as_str())) {
            None => delta.added.push(i),
            Some((j, hash)) => {
                seen[*j] = true;
                if *hash != e.content_hash() {
                    delta.changed.push(i);
                }
            }
        }
    }
    delta.removed = seen.iter().enumerate().filter(|(_, s)| !**s).map(|(i, _)| i).collect();
    delta
}
