//! The human-rights impact assessment (HRIA) record: the structured sections of DOMAIN §6 that a
//! human-rights assessor fills in. This module validates the record; the application decides when a
//! case may not proceed without one, using [`hria_required`].

use serde::{Deserialize, Serialize};

use crate::model::{Band, Tier};

/// One HRIA, as written by an assessor. Every section is free text and must be filled in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Hria {
    /// What the item can do and how it could be misused.
    pub item_capabilities: String,
    /// The destination's legal framework for surveillance: judicial authorisation, oversight bodies,
    /// remedies.
    pub legal_framework: String,
    /// The end user's record.
    pub end_user_record: String,
    /// Groups at risk (journalists, activists, minorities, opposition).
    pub groups_at_risk: String,
    /// Likelihood and severity of harm.
    pub likelihood_and_severity: String,
    /// Mitigations: technical limits, conditions, training, audits.
    pub mitigations: String,
    /// Stakeholder input received.
    pub stakeholder_input: String,
    /// The assessor's conclusion.
    pub conclusion: String,
}

/// The HRIA sections, in the order they are presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HriaSection {
    ItemCapabilities,
    LegalFramework,
    EndUserRecord,
    GroupsAtRisk,
    LikelihoodAndSeverity,
    Mitigations,
    StakeholderInput,
    Conclusion,
}

impl HriaSection {
    pub fn title(self) -> &'static str {
        match self {
            HriaSection::ItemCapabilities => "Item capabilities and misuse potential",
            HriaSection::LegalFramework => "Destination's legal framework for surveillance",
            HriaSection::EndUserRecord => "End user's record",
            HriaSection::GroupsAtRisk => "Groups at risk",
            HriaSection::LikelihoodAndSeverity => "Likelihood and severity of harm",
            HriaSection::Mitigations => "Mitigations",
            HriaSection::StakeholderInput => "Stakeholder input",
            HriaSection::Conclusion => "Conclusion",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the HRIA is incomplete: empty section(s): {}", .0.iter().map(|s| s.title()).collect::<Vec<_>>().join(", "))]
pub struct HriaIncomplete(pub Vec<HriaSection>);

impl Hria {
    pub fn sections(&self) -> [(HriaSection, &str); 8] {
        [
            (HriaSection::ItemCapabilities, &self.item_capabilities),
            (HriaSection::LegalFramework, &self.legal_framework),
            (HriaSection::EndUserRecord, &self.end_user_record),
            (HriaSection::GroupsAtRisk, &self.groups_at_risk),
            (HriaSection::LikelihoodAndSeverity, &self.likelihood_and_severity),
            (HriaSection::Mitigations, &self.mitigations),
            (HriaSection::StakeholderInput, &self.stakeholder_input),
            (HriaSection::Conclusion, &self.conclusion),
        ]
    }

    /// Every section must hold text (whitespace does not count). Lists all empty sections at once.
    pub fn validate(&self) -> Result<(), HriaIncomplete> {
        let empty: Vec<HriaSection> =
            self.sections().into_iter().filter(|(_, text)| text.trim().is_empty()).map(|(s, _)| s).collect();
        if empty.is_empty() { Ok(()) } else { Err(HriaIncomplete(empty)) }
    }
}

/// An HRIA is required before a decision on tier A or B items, or on destinations in the
/// "elevated" band or worse (use the adjusted band of the assessment).
pub fn hria_required(tier: Tier, band: Band) -> bool {
    matches!(tier, Tier::A | Tier::B) || band >= Band::Elevated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete() -> Hria {
        Hria {
            item_capabilities: "Carrier-grade IP interception with content extraction.".into(),
            legal_framework: "Warrants issued by an investigating judge; oversight commission.".into(),
            end_user_record: "No documented abuse.".into(),
            groups_at_risk: "Journalists and opposition politicians.".into(),
            likelihood_and_severity: "Low likelihood, severe harm.".into(),
            mitigations: "Audit logs, training, post-shipment verification.".into(),
            stakeholder_input: "Consulted two NGOs.".into(),
            conclusion: "Acceptable with conditions.".into(),
        }
    }

    #[test]
    fn a_complete_hria_is_valid() {
        assert!(complete().validate().is_ok());
    }

    #[test]
    fn every_empty_or_blank_section_is_named() {
        let mut h = complete();
        h.groups_at_risk = "  ".into();
        h.conclusion.clear();
        let e = h.validate().unwrap_err();
        assert_eq!(e.0, vec![HriaSection::GroupsAtRisk, HriaSection::Conclusion]);
        assert!(e.to_string().contains("Groups at risk"));
        assert_eq!(Hria::default().validate().unwrap_err().0.len(), 8);
    }

    #[test]
    fn hria_is_required_for_tier_a_and_b_or_elevated_destinations() {
        assert!(hria_required(Tier::A, Band::Low));
        assert!(hria_required(Tier::B, Band::Low));
        assert!(!hria_required(Tier::C, Band::Low));
        assert!(hria_required(Tier::C, Band::Elevated));
        assert!(hria_required(Tier::C, Band::VeryHigh));
    }
}
