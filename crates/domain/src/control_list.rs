//! The control list: entries an application item must cite, each with its sensitivity tier.
//!
//! The shipped list lives in `data/control-list/surveillance.toml` at the repository root and is
//! compiled in, so every binary has it; an authority can load its own file with [`ControlList::parse`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

static BUNDLED: &str = include_str!("../../../data/control-list/surveillance.toml");

/// The code an item cites when it is not listed but is a cyber-surveillance item (EU Art. 5 catch-all).
pub const CATCH_ALL: &str = "CATCH-ALL";

/// Sensitivity tier (see DOMAIN.md §4): one vocabulary with the risk crate.
pub use oversight_vocab::Tier;

/// One control-list entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ControlEntry {
    pub code: String,
    pub regime: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub exclusions: String,
    pub tier: Tier,
    pub cyber_surveillance: bool,
    /// Non-sensitive technology that needs no licence.
    pub safe_harbour: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlListFile {
    version: String,
    #[serde(rename = "entry")]
    entries: Vec<ControlEntry>,
}

/// Why a control-list file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlListError {
    #[error("control list: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error("control list: entry {code:?} appears twice")]
    Duplicate { code: String },
    #[error("control list: entry {index} has an empty code")]
    EmptyCode { index: usize },
    #[error("control list: the catch-all entry {CATCH_ALL:?} is missing")]
    NoCatchAll,
}

/// A loaded, validated control list.
#[derive(Debug, Clone)]
pub struct ControlList {
    version: String,
    entries: BTreeMap<String, ControlEntry>,
}

impl ControlList {
    /// Parses and validates a control-list TOML document; nothing is returned unless all of it is valid.
    pub fn parse(text: &str) -> Result<Self, ControlListError> {
        let file: ControlListFile = toml::from_str(text)?;
        let mut entries = BTreeMap::new();
        for (index, entry) in file.entries.into_iter().enumerate() {
            if entry.code.trim().is_empty() {
                return Err(ControlListError::EmptyCode { index });
            }
            if let Some(prev) = entries.insert(entry.code.clone(), entry) {
                return Err(ControlListError::Duplicate { code: prev.code });
            }
        }
        if !entries.contains_key(CATCH_ALL) {
            return Err(ControlListError::NoCatchAll);
        }
        Ok(Self { version: file.version, entries })
    }

    /// The list shipped with Oversight.
    pub fn bundled() -> &'static ControlList {
        static LIST: OnceLock<ControlList> = OnceLock::new();
        LIST.get_or_init(|| ControlList::parse(BUNDLED).expect("the bundled control list is valid"))
    }

    /// The text of the list shipped with Oversight (the rule in force until another is adopted).
    pub fn bundled_text() -> &'static str {
        BUNDLED
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// Looks an entry up by code, ignoring case.
    pub fn get(&self, code: &str) -> Option<&ControlEntry> {
        self.entries
            .get(code.trim())
            .or_else(|| self.entries.values().find(|e| e.code.eq_ignore_ascii_case(code.trim())))
    }

    pub fn entries(&self) -> impl Iterator<Item = &ControlEntry> {
        self.entries.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_has_the_surveillance_entries() {
        let list = ControlList::bundled();
        for code in ["4A005", "4D004", "4E001.c", "5A001.f", "5A001.j", "5A004.b", "5D001.e", CATCH_ALL] {
            let entry = list.get(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(entry.cyber_surveillance, "{code}");
            assert!(!entry.safe_harbour, "{code}");
        }
        assert_eq!(list.get("5a001.J").unwrap().tier, Tier::A);
        assert_eq!(list.get("5A004.b").unwrap().tier, Tier::B);
        assert!(list.entries().any(|e| e.safe_harbour));
        assert!(list.entries().any(|e| e.regime == "national" && e.title.contains("Facial")));
        assert!(list.entries().any(|e| e.regime == "national" && e.title.contains("Location")));
    }

    #[test]
    fn duplicate_codes_are_refused() {
        let text = r#"
version = "x"
[[entry]]
code = "CATCH-ALL"
regime = "eu-art5"
title = "t"
text = "t"
tier = "B"
cyber_surveillance = true
safe_harbour = false
[[entry]]
code = "CATCH-ALL"
regime = "eu-art5"
title = "t"
text = "t"
tier = "B"
cyber_surveillance = true
safe_harbour = false
"#;
        assert!(matches!(ControlList::parse(text), Err(ControlListError::Duplicate { .. })));
    }

    #[test]
    fn unknown_fields_and_bad_tiers_are_refused() {
        let text = "version = \"x\"\n[[entry]]\ncode = \"A\"\nregime = \"r\"\ntitle = \"t\"\ntext = \"t\"\ntier = \"D\"\ncyber_surveillance = true\nsafe_harbour = false\n";
        let err = ControlList::parse(text).unwrap_err().to_string();
        assert!(err.contains("tier") || err.contains("variant"), "{err}");
        assert!(ControlList::parse("version = \"x\"\nentry = []\nsurprise = 1\n").is_err());
    }
}
