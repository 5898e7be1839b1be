//! ISO 3166-1 countries: one bundled table (`data/iso3166.csv`), written in two forms.
//!
//! A country is a row of the table ([`Country`]). Records name it by code, in one of two forms that
//! stored events and published texts already use, so each form is its own type over the same row:
//!
//! - [`CountryCode`]: alpha-2 (`DE`), the form of cases, organisations, the API and the register;
//! - [`Iso3`]: alpha-3 (`DEU`), the join key of indicator data and the form of risk records.
//!
//! Both parse an alpha-2 or alpha-3 code in any case and convert into each other without loss. Names
//! are never accepted as codes ("Congo" or "Korea" would be a guess). [`Iso3`] also accepts the few
//! non-ISO codes indicator sources use (Kosovo is `XKX` in V-Dem and the EU, `KSV` in the World Bank's
//! older files and PTS, `OWID_KOS` in Our World in Data exports; the World Bank once used `ROM`,
//! `ZAR`, `TMP`, `WBG`, `ADO`), so two sources about the same country always meet.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::FieldError;

const TABLE: &str = include_str!("../data/iso3166.csv");

/// Non-ISO codes seen in indicator sources, mapped to the alpha-3 code of the table. Kept explicit
/// (not fuzzy) so an unknown code is an error rather than a guess.
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

/// One row of the bundled ISO 3166-1 table.
#[derive(Debug, PartialEq, Eq)]
pub struct Country {
    alpha2: String,
    alpha3: String,
    numeric: String,
    name: String,
    official_name: String,
    common_name: String,
}

struct Table {
    /// In the order of the file (by alpha-3 code).
    rows: Vec<Country>,
    /// Upper-case alpha-2 and alpha-3 codes → index in `rows`.
    by_code: HashMap<String, usize>,
}

fn table() -> &'static Table {
    static TABLE_ONCE: OnceLock<Table> = OnceLock::new();
    TABLE_ONCE.get_or_init(|| {
        let mut rows = Vec::new();
        let mut by_code = HashMap::new();
        let mut reader = csv::Reader::from_reader(TABLE.as_bytes());
        for record in reader.records() {
            // The table is compiled in and covered by tests; a broken row is a build defect.
            let record = record.expect("bundled iso3166.csv is well-formed");
            let field = |i: usize| record.get(i).unwrap_or_default().to_string();
            let row = Country {
                alpha2: field(0),
                alpha3: field(1),
                numeric: field(2),
                name: field(3),
                official_name: field(4),
                common_name: field(5),
            };
            by_code.insert(row.alpha2.clone(), rows.len());
            by_code.insert(row.alpha3.clone(), rows.len());
            rows.push(row);
        }
        Table { rows, by_code }
    })
}

impl Country {
    /// Every country of the table, ordered by alpha-3 code.
    pub fn all() -> &'static [Country] {
        &table().rows
    }

    /// The country with this alpha-2 or alpha-3 code (any case, surrounding blanks ignored).
    pub fn find(code: &str) -> Option<&'static Country> {
        let t = table();
        t.by_code.get(code.trim().to_ascii_uppercase().as_str()).map(|&i| &t.rows[i])
    }

    /// Like [`Country::find`], and also the non-ISO codes indicator sources use (`KSV`, `ROM`, ...).
    pub fn find_source_code(code: &str) -> Option<&'static Country> {
        Country::find(code).or_else(|| {
            let up = code.trim().to_ascii_uppercase();
            LEGACY_ALPHA3.iter().find(|(legacy, _)| *legacy == up).and_then(|(_, a3)| Country::find(a3))
        })
    }

    pub fn alpha2(&self) -> &str {
        &self.alpha2
    }

    pub fn alpha3(&self) -> &str {
        &self.alpha3
    }

    /// ISO 3166-1 numeric code (`276`); empty for the user-assigned Kosovo.
    pub fn numeric(&self) -> &str {
        &self.numeric
    }

    /// ISO 3166-1 short name (`Korea, Democratic People's Republic of`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// ISO 3166-1 official name (`Democratic People's Republic of Korea`), when it has one.
    pub fn official_name(&self) -> Option<&str> {
        Some(self.official_name.as_str()).filter(|n| !n.is_empty())
    }

    /// The common English name (`North Korea`) where ISO gives one, else the short name: reads better
    /// in a public rationale.
    pub fn common_name(&self) -> &str {
        if self.common_name.is_empty() { &self.name } else { &self.common_name }
    }
}

/// An ISO 3166-1 alpha-2 country code that exists in the bundled list (e.g. `DE`).
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "DE"))]
pub struct CountryCode(&'static Country);

impl CountryCode {
    /// Accepts an alpha-2 or alpha-3 code in any case; an unknown code is an error, never a guess.
    pub fn parse(code: &str) -> Result<Self, FieldError> {
        Country::find(code)
            .map(CountryCode)
            .ok_or_else(|| FieldError::new("country", format!("{code:?} is not an ISO 3166-1 country code")))
    }

    pub fn alpha2(&self) -> &'static str {
        &self.0.alpha2
    }

    pub fn alpha3(&self) -> &'static str {
        &self.0.alpha3
    }

    /// ISO 3166-1 short name.
    pub fn name(&self) -> &'static str {
        &self.0.name
    }

    pub fn country(&self) -> &'static Country {
        self.0
    }
}

/// A country written as its ISO 3166-1 alpha-3 code (or the user-assigned `XKX`), e.g. `DEU`.
#[derive(Clone)]
pub struct Iso3(&'static Country);

impl Iso3 {
    /// Resolves an alpha-2, alpha-3 or known legacy code (case-insensitive) to its alpha-3 code.
    /// Names are deliberately not accepted: "Congo" or "Korea" would be a guess.
    pub fn parse(code: &str) -> Result<Self, UnknownCountry> {
        Country::find_source_code(code).map(Iso3).ok_or_else(|| UnknownCountry(code.to_string()))
    }

    pub fn as_str(&self) -> &'static str {
        &self.0.alpha3
    }

    pub fn country(&self) -> &'static Country {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown country code `{0}`: expected an ISO 3166-1 alpha-2 or alpha-3 code (e.g. DE or DEU)")]
pub struct UnknownCountry(pub String);

impl From<Iso3> for CountryCode {
    fn from(c: Iso3) -> Self {
        CountryCode(c.0)
    }
}

impl From<CountryCode> for Iso3 {
    fn from(c: CountryCode) -> Self {
        Iso3(c.0)
    }
}

/// Equality, order, hash, display and serde of the two forms, each by its own code, as they were when
/// the forms were strings: `CountryCode` orders by alpha-2, `Iso3` by alpha-3.
macro_rules! written_as {
    ($ty:ident, $code:ident, $err:ty) => {
        impl $ty {
            fn code(&self) -> &'static str {
                &self.0.$code
            }
        }

        impl Deref for $ty {
            type Target = Country;
            fn deref(&self) -> &Country {
                self.0
            }
        }

        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.code() == other.code()
            }
        }

        impl Eq for $ty {}

        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $ty {
            fn cmp(&self, other: &Self) -> Ordering {
                self.code().cmp(other.code())
            }
        }

        impl Hash for $ty {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.code().hash(state)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($ty)).field(&self.code()).finish()
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $err;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$ty> for String {
            fn from(c: $ty) -> Self {
                c.code().to_string()
            }
        }

        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = String::deserialize(deserializer)?;
                Self::parse(&code).map_err(serde::de::Error::custom)
            }
        }
    };
}

written_as!(CountryCode, alpha2, FieldError);
written_as!(Iso3, alpha3, UnknownCountry);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha2_and_alpha3_in_any_case_are_accepted() {
        assert_eq!(CountryCode::parse("de").unwrap().alpha2(), "DE");
        assert_eq!(CountryCode::parse(" DEU ").unwrap().alpha2(), "DE");
        assert_eq!(CountryCode::parse("DE").unwrap().alpha3(), "DEU");
        assert_eq!(CountryCode::parse("XK").unwrap().name(), "Kosovo");
        assert_eq!(Iso3::parse("de").unwrap().as_str(), "DEU");
        assert_eq!(Iso3::parse("DEU").unwrap().as_str(), "DEU");
        assert_eq!(Iso3::parse("XK").unwrap().as_str(), "XKX");
    }

    #[test]
    fn unknown_codes_and_names_are_rejected_not_guessed() {
        for bad in ["", "D", "XX", "ZZZ", "GER", "12", "Germany"] {
            let err = CountryCode::parse(bad).unwrap_err();
            assert_eq!(err.field, "country");
            assert!(Iso3::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn legacy_source_codes_resolve_only_as_iso3() {
        assert_eq!(Iso3::parse("KSV").unwrap().as_str(), "XKX");
        assert_eq!(Iso3::parse("OWID_KOS").unwrap().as_str(), "XKX");
        assert_eq!(Iso3::parse("ZAR").unwrap().as_str(), "COD");
        assert_eq!(Iso3::parse("rom").unwrap().as_str(), "ROU");
        // The application's destinations stay strictly ISO, as before.
        assert!(CountryCode::parse("ROM").is_err());
    }

    #[test]
    fn names_short_official_and_common() {
        let kp = CountryCode::parse("KP").unwrap();
        assert_eq!(kp.name(), "Korea, Democratic People's Republic of");
        assert_eq!(kp.common_name(), "North Korea");
        assert_eq!(kp.official_name(), Some("Democratic People's Republic of Korea"));
        assert_eq!(Iso3::parse("NOR").unwrap().common_name(), "Norway");
        assert_eq!(Iso3::parse("AIA").unwrap().official_name(), None);
        assert_eq!(Iso3::parse("DE").unwrap().numeric(), "276");
    }

    #[test]
    fn the_two_forms_are_one_country() {
        let de = CountryCode::parse("DE").unwrap();
        let deu = Iso3::from(de.clone());
        assert_eq!(deu.as_str(), "DEU");
        assert_eq!(CountryCode::from(deu), de);
    }

    #[test]
    fn each_form_serialises_as_its_code_and_reads_either() {
        let de = CountryCode::parse("DE").unwrap();
        assert_eq!(serde_json::to_string(&de).unwrap(), r#""DE""#);
        assert_eq!(serde_json::from_str::<CountryCode>(r#""DEU""#).unwrap(), de);
        let deu = Iso3::parse("DE").unwrap();
        assert_eq!(serde_json::to_string(&deu).unwrap(), r#""DEU""#);
        assert_eq!(serde_json::from_str::<Iso3>(r#""de""#).unwrap(), deu);
        assert!(serde_json::from_str::<CountryCode>(r#""XX""#).is_err());
        assert_eq!(format!("{de} {deu} {de:?} {deu:?}"), r#"DE DEU CountryCode("DE") Iso3("DEU")"#);
    }

    #[test]
    fn each_form_orders_by_its_own_code() {
        // Austria: AT / AUT; Australia: AU / AUS.
        let (at, au) = (CountryCode::parse("AT").unwrap(), CountryCode::parse("AU").unwrap());
        assert!(at < au);
        assert!(Iso3::from(at) > Iso3::from(au));
    }

    #[test]
    fn the_bundled_list_has_every_iso_country_once() {
        let all = Country::all();
        assert_eq!(all.len(), 250);
        let mut codes: Vec<&str> = all.iter().flat_map(|c| [c.alpha2(), c.alpha3()]).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 500, "a code appears twice");
        assert!(all.windows(2).all(|w| w[0].alpha3() < w[1].alpha3()), "ordered by alpha-3");
    }
}
