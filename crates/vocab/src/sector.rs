use std::fmt;
use std::str::FromStr;

use serde::de::IntoDeserializer;
use serde::de::value::StrDeserializer;
use serde::{Deserialize, Serialize};
use strum::VariantArray;

/// The sector of a party (the end user's sector moves the risk band, see DOMAIN.md §6).
//
// Written as the snake_case variant name (`other_security_forces`) in events and the API. Read also as
// `other_security`, the risk crate's spelling before the vocabularies were merged, which assessment
// records written before then and `data/policy/policy-v1.toml` contain.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Sector {
    Police,
    Intelligence,
    Military,
    InteriorMinistry,
    #[serde(alias = "other_security")]
    OtherSecurityForces,
    CivilGovernment,
    Commercial,
    Individual,
}

impl Sector {
    pub const ALL: [Sector; 8] = crate::all_variants();

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Words for a public rationale ("a police force").
    pub fn plain(self) -> &'static str {
        match self {
            Sector::Police => "a police force",
            Sector::Intelligence => "an intelligence service",
            Sector::Military => "the military",
            Sector::InteriorMinistry => "an interior ministry",
            Sector::OtherSecurityForces => "a security force",
            Sector::CivilGovernment => "a civilian government body",
            Sector::Commercial => "a company",
            Sector::Individual => "a private individual",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSector(pub String);

impl fmt::Display for UnknownSector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Sector::VARIANTS.iter().map(|s| s.as_str()).collect();
        write!(f, "unknown end-user sector `{}`: expected one of {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownSector {}

impl FromStr for Sector {
    type Err = UnknownSector;

    /// Accepts the written form in any case, with `-` or blanks for `_`, and the old spellings that
    /// serde reads (its aliases above).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let text: StrDeserializer<'_, serde::de::value::Error> = norm.as_str().into_deserializer();
        Sector::deserialize(text).map_err(|_| UnknownSector(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sector_is_written_the_same_in_json_text_and_parse() {
        for s in Sector::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(s.to_string(), s.as_str());
            assert_eq!(s.as_str().parse::<Sector>().unwrap(), s);
            assert_eq!(serde_json::from_value::<Sector>(s.as_str().into()).unwrap(), s);
        }
        assert_eq!(Sector::OtherSecurityForces.as_str(), "other_security_forces");
        assert_eq!(Sector::InteriorMinistry.as_str(), "interior_ministry");
        assert_eq!(Sector::ALL.len(), Sector::VARIANTS.len());
    }

    #[test]
    fn both_stored_spellings_of_other_security_forces_are_read() {
        // Case events (party_added) wrote the domain's spelling; assessment events and the policy file
        // wrote the risk crate's.
        for old in [r#""other_security_forces""#, r#""other_security""#] {
            assert_eq!(serde_json::from_str::<Sector>(old).unwrap(), Sector::OtherSecurityForces, "{old}");
        }
        assert_eq!("other_security".parse::<Sector>().unwrap(), Sector::OtherSecurityForces);
        assert_eq!(
            serde_json::to_string(&Sector::OtherSecurityForces).unwrap(),
            r#""other_security_forces""#
        );
    }

    #[test]
    fn parsing_is_lenient_about_case_and_separators_but_never_guesses() {
        assert_eq!(" Interior-Ministry ".parse::<Sector>().unwrap(), Sector::InteriorMinistry);
        assert_eq!("civil government".parse::<Sector>().unwrap(), Sector::CivilGovernment);
        let err = "army".parse::<Sector>().unwrap_err();
        assert_eq!(err, UnknownSector("army".into()));
        assert!(err.to_string().contains("other_security_forces"));
        assert!(serde_json::from_str::<Sector>(r#""Police""#).is_err(), "serde reads the exact form");
    }
}
