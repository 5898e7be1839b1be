use serde::{Deserialize, Serialize};

/// Sensitivity tier (see DOMAIN.md §4).
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
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Tier {
    /// Covert or intrusive: spyware, interception, IMSI catchers, monitoring centres.
    A,
    /// Bulk analytics, forensic tools.
    B,
    /// General ICT with surveillance capability.
    C,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn a_tier_is_written_as_its_letter_everywhere() {
        for t in Tier::VARIANTS {
            let json = serde_json::to_value(t).unwrap();
            assert_eq!(json, t.as_str());
            assert_eq!(t.to_string(), t.as_str());
            assert_eq!(t.as_str().parse::<Tier>().unwrap(), *t);
        }
        assert_eq!(Tier::VARIANTS.iter().map(|t| t.as_str()).collect::<String>(), "ABC");
        assert!(Tier::A < Tier::C);
    }
}
