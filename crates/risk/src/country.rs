//! ISO 3166-1 country codes: the join key of every indicator and evidence entry.
//!
//! Sources disagree on a few codes (Kosovo is `XKX` in V-Dem and the EU, `KSV` in the World Bank's
//! older files and PTS, `OWID_KOS` in Our World in Data exports; the World Bank once used `ROM`, `ZAR`,
//! `TMP`, `WBG`, `ADO`). Everything is normalised to the alpha-3 code in the bundled ISO table (which
//! includes the user-assigned `XKX`), so two sources about the same country always meet.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const ISO_CSV: &str = include_str!("../../../data/indicators/iso3166_pycountry.csv");

/// Non-ISO codes seen in indicator sources, mapped to the code this crate uses. Kept explicit (not
/// fuzzy) so an unknown code is an error rather than a guess.
const LEGACY_ALPHA3: &[(&str, &str)] = &[
    ("KSV", "XKX"),
    ("KOS", "XKX"),
    ("OWID_KOS", "XKX"),
    ("ROM", "ROU"),
    ("ZAR", "COD"),
    ("TMP", "TLS"),
    ("WBG", "PSE"),
    ("ADO", "AND"),
];

/// A validated ISO 3166-1 alpha-3 code (or `XKX`), present in the bundled country table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iso3(String);

impl Iso3 {
    /// Resolves an alpha-2, alpha-3 or known legacy code (case-insensitive) to its alpha-3 code.
    /// Names are deliberately not accepted: "Congo" or "Korea" would be a guess.
    pub fn parse(code: &str) -> Result<Self, UnknownCountry> {
        countries()
            .resolve(code)
            .map(|c| Iso3(c.alpha3.clone()))
            .ok_or_else(|| UnknownCountry(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The common English name (e.g. "North Korea"), else the ISO short name.
    pub fn name(&self) -> &str {
        countries().by_alpha3.get(&self.0).map(|c| c.name.as_str()).unwrap_or(self.0.as_str())
    }
}

impl fmt::Display for Iso3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Iso3 {
    type Error = UnknownCountry;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Iso3::parse(&value)
    }
}

impl From<Iso3> for String {
    fn from(value: Iso3) -> Self {
        value.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown country code `{0}`: expected an ISO 3166-1 alpha-2 or alpha-3 code (e.g. DE or DEU)")]
pub struct UnknownCountry(pub String);

/// One row of the ISO table.
#[derive(Debug, Clone, Serialize)]
pub struct Country {
    pub alpha2: String,
    pub alpha3: String,
    /// Common English name (ISO `common_name` where it has one, else the ISO short name).
    pub name: String,
    /// ISO 3166-1 short name.
    pub iso_name: String,
}

/// The bundled ISO 3166-1 table with lookup by alpha-2, alpha-3 and legacy codes.
#[derive(Debug)]
pub struct CountryTable {
    by_alpha3: BTreeMap<String, Country>,
    alpha2_to_alpha3: BTreeMap<String, String>,
}

impl CountryTable {
    fn resolve(&self, code: &str) -> Option<&Country> {
        let up = code.trim().to_ascii_uppercase();
        if let Some(c) = self.by_alpha3.get(&up) {
            return Some(c);
        }
        if let Some(a3) = self.alpha2_to_alpha3.get(&up) {
            return self.by_alpha3.get(a3);
        }
        LEGACY_ALPHA3.iter().find(|(legacy, _)| *legacy == up).and_then(|(_, a3)| self.by_alpha3.get(*a3))
    }

    /// All countries, ordered by alpha-3 code.
    pub fn iter(&self) -> impl Iterator<Item = &Country> {
        self.by_alpha3.values()
    }
}

/// The bundled country table (parsed once).
pub fn countries() -> &'static CountryTable {
    static TABLE: OnceLock<CountryTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut by_alpha3 = BTreeMap::new();
        let mut alpha2_to_alpha3 = BTreeMap::new();
        let mut rdr = csv::Reader::from_reader(ISO_CSV.as_bytes());
        for rec in rdr.records() {
            // The table is compiled in and covered by tests; a broken row is a build defect.
            let rec = rec.expect("bundled iso3166_pycountry.csv is well-formed");
            let alpha2 = rec.get(0).unwrap_or_default().to_string();
            let alpha3 = rec.get(1).unwrap_or_default().to_string();
            let iso_name = rec.get(3).unwrap_or_default().to_string();
            // "North Korea" reads better in a public rationale than "Korea, Democratic People's
            // Republic of"; the ISO name is kept alongside.
            let name = rec.get(5).filter(|c| !c.is_empty()).map(str::to_string).unwrap_or(iso_name.clone());
            alpha2_to_alpha3.insert(alpha2.clone(), alpha3.clone());
            by_alpha3.insert(alpha3.clone(), Country { alpha2, alpha3, name, iso_name });
        }
        CountryTable { by_alpha3, alpha2_to_alpha3 }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha2_alpha3_and_legacy_codes_resolve_to_the_same_country() {
        assert_eq!(Iso3::parse("de").unwrap().as_str(), "DEU");
        assert_eq!(Iso3::parse("DEU").unwrap().as_str(), "DEU");
        assert_eq!(Iso3::parse("XK").unwrap().as_str(), "XKX");
        assert_eq!(Iso3::parse("KSV").unwrap().as_str(), "XKX");
        assert_eq!(Iso3::parse("OWID_KOS").unwrap().as_str(), "XKX");
        assert_eq!(Iso3::parse("ZAR").unwrap().as_str(), "COD");
        assert_eq!(Iso3::parse("KP").unwrap().name(), "North Korea");
        assert_eq!(Iso3::parse("NOR").unwrap().name(), "Norway");
    }

    #[test]
    fn unknown_codes_and_names_are_errors_not_guesses() {
        assert!(Iso3::parse("ZZZ").is_err());
        assert!(Iso3::parse("Germany").is_err());
        assert!(Iso3::parse("").is_err());
    }
}
