//! ISO 3166-1 country codes, validated against the bundled code list.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

use crate::FieldError;

static TABLE: &str = include_str!("../data/countries.tsv");

struct Country {
    alpha2: &'static str,
    alpha3: &'static str,
    name: &'static str,
}

fn countries() -> &'static [Country] {
    static LIST: OnceLock<Vec<Country>> = OnceLock::new();
    LIST.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let mut f = l.split('\t');
                let (Some(alpha2), Some(alpha3), Some(name)) = (f.next(), f.next(), f.next()) else {
                    panic!("bundled countries.tsv is malformed at {l:?}");
                };
                Country { alpha2, alpha3, name }
            })
            .collect()
    })
}

/// An ISO 3166-1 alpha-2 country code that exists in the bundled list (e.g. `DE`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "DE"))]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    /// Accepts an alpha-2 or alpha-3 code in any case; an unknown code is an error, never a guess.
    pub fn parse(code: &str) -> Result<Self, FieldError> {
        let upper = code.trim().to_ascii_uppercase();
        countries()
            .iter()
            .find(|c| c.alpha2 == upper || c.alpha3 == upper)
            .map(|c| CountryCode(c.alpha2.to_string()))
            .ok_or_else(|| FieldError::new("country", format!("{code:?} is not an ISO 3166-1 country code")))
    }

    pub fn alpha2(&self) -> &str {
        &self.0
    }

    pub fn alpha3(&self) -> &'static str {
        self.entry().alpha3
    }

    pub fn name(&self) -> &'static str {
        self.entry().name
    }

    fn entry(&self) -> &'static Country {
        countries().iter().find(|c| c.alpha2 == self.0).expect("validated on construction")
    }
}

impl TryFrom<String> for CountryCode {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> Self {
        c.0
    }
}

impl std::fmt::Display for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha2_and_alpha3_in_any_case_are_accepted() {
        assert_eq!(CountryCode::parse("de").unwrap().alpha2(), "DE");
        assert_eq!(CountryCode::parse("DEU").unwrap().alpha2(), "DE");
        assert_eq!(CountryCode::parse("DE").unwrap().alpha3(), "DEU");
        assert_eq!(CountryCode::parse("XK").unwrap().name(), "Kosovo");
    }

    #[test]
    fn unknown_codes_are_rejected_not_guessed() {
        for bad in ["", "D", "XX", "ZZZ", "GER", "12"] {
            let err = CountryCode::parse(bad).unwrap_err();
            assert_eq!(err.field, "country");
        }
    }

    #[test]
    fn the_bundled_list_has_every_iso_country() {
        assert!(countries().len() >= 249);
    }
}
