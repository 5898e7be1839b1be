//! Destination-level embargoes as data (`data/policy/embargoes-v1.toml`): turns "the destination is
//! under an embargo covering these items" into [`SanctionsFact`]s for the assessment. Party-level
//! sanctions are screening's job; this list only says which destinations are embargoed.

use serde::{Deserialize, Serialize};

use crate::assess::{SanctionsFact, SanctionsTarget};
use crate::country::Iso3;

const EMBARGOES_V1: &str = include_str!("../../../data/policy/embargoes-v1.toml");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Embargo {
    pub iso3: Iso3,
    pub regime: String,
    pub reference: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Embargoes {
    pub version: String,
    #[serde(rename = "embargo")]
    pub embargoes: Vec<Embargo>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("embargo list field `{path}`: {message}")]
pub struct EmbargoError {
    pub path: String,
    pub message: String,
}

impl Embargoes {
    /// The list shipped in `data/policy/embargoes-v1.toml`.
    pub fn bundled() -> Result<Self, EmbargoError> {
        Self::from_toml(EMBARGOES_V1)
    }

    /// The text of the bundled list.
    pub fn bundled_text() -> &'static str {
        EMBARGOES_V1
    }

    pub fn from_toml(text: &str) -> Result<Self, EmbargoError> {
        let list: Embargoes =
            serde_path_to_error::deserialize(toml::Deserializer::new(text)).map_err(|e| EmbargoError {
                path: e.path().to_string(),
                message: e.into_inner().message().trim().to_string(),
            })?;
        for (i, e) in list.embargoes.iter().enumerate() {
            for (field, v) in [("regime", &e.regime), ("reference", &e.reference), ("url", &e.url)] {
                if v.trim().is_empty() {
                    return Err(EmbargoError {
                        path: format!("embargo[{i}].{field}"),
                        message: "must not be empty".into(),
                    });
                }
            }
        }
        Ok(list)
    }

    /// The measures on `iso`, as assessment inputs.
    pub fn facts_for(&self, iso: &Iso3) -> Vec<SanctionsFact> {
        self.embargoes
            .iter()
            .filter(|e| e.iso3 == *iso)
            .map(|e| SanctionsFact {
                applies_to: SanctionsTarget::Destination,
                regime: e.regime.clone(),
                reference: e.reference.clone(),
                url: Some(e.url.clone()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_loads_and_finds_embargoed_destinations_only() {
        let l = Embargoes::bundled().unwrap();
        assert_eq!(l.facts_for(&Iso3::parse("KP").unwrap()).len(), 1);
        assert!(l.facts_for(&Iso3::parse("NOR").unwrap()).is_empty());
    }

    #[test]
    fn an_unknown_country_code_is_refused_with_its_path() {
        let e = Embargoes::from_toml(
            "version = \"1\"\n[[embargo]]\niso3 = \"QQQ\"\nregime = \"r\"\nreference = \"x\"\nurl = \"u\"\n",
        )
        .unwrap_err();
        assert_eq!(e.path, "embargo[0].iso3");
    }
}
