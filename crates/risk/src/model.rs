//! Small closed vocabularies shared by the policy, the inputs and the assessment.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Sensitivity tier of a control-list entry (DOMAIN §4): A covert/intrusive, B bulk analytics and
/// forensics, C general ICT with surveillance capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    A,
    B,
    C,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::A => "A",
            Tier::B => "B",
            Tier::C => "C",
        })
    }
}

/// Destination risk band, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Low,
    Elevated,
    High,
    VeryHigh,
}

impl Band {
    pub const ALL: [Band; 4] = [Band::Low, Band::Elevated, Band::High, Band::VeryHigh];

    /// One band more severe (saturating).
    pub fn up(self) -> Band {
        match self {
            Band::Low => Band::Elevated,
            Band::Elevated => Band::High,
            Band::High | Band::VeryHigh => Band::VeryHigh,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Elevated => "elevated",
            Band::High => "high",
            Band::VeryHigh => "very high",
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Recommended outcome, ordered from mildest to strictest so "the strictest wins" is `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    ApproveWithConditions,
    Refer,
    PresumptionOfDenial,
    Deny,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::ApproveWithConditions => "approve_with_conditions",
            Outcome::Refer => "refer",
            Outcome::PresumptionOfDenial => "presumption_of_denial",
            Outcome::Deny => "deny",
        }
    }

    /// Words for the public rationale.
    pub fn plain(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::ApproveWithConditions => "approve, with conditions",
            Outcome::Refer => "refer to a senior official for a decision",
            Outcome::PresumptionOfDenial => {
                "deny unless the exporter shows exceptional grounds (presumption of denial)"
            }
            Outcome::Deny => "deny",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// End-user sector (DOMAIN §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Police,
    Intelligence,
    Military,
    InteriorMinistry,
    OtherSecurity,
    CivilGovernment,
    Commercial,
    Individual,
}

impl Sector {
    pub const ALL: [Sector; 8] = [
        Sector::Police,
        Sector::Intelligence,
        Sector::Military,
        Sector::InteriorMinistry,
        Sector::OtherSecurity,
        Sector::CivilGovernment,
        Sector::Commercial,
        Sector::Individual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Police => "police",
            Sector::Intelligence => "intelligence",
            Sector::Military => "military",
            Sector::InteriorMinistry => "interior_ministry",
            Sector::OtherSecurity => "other_security",
            Sector::CivilGovernment => "civil_government",
            Sector::Commercial => "commercial",
            Sector::Individual => "individual",
        }
    }

    pub fn plain(self) -> &'static str {
        match self {
            Sector::Police => "a police force",
            Sector::Intelligence => "an intelligence service",
            Sector::Military => "the military",
            Sector::InteriorMinistry => "an interior ministry",
            Sector::OtherSecurity => "a security force",
            Sector::CivilGovernment => "a civilian government body",
            Sector::Commercial => "a company",
            Sector::Individual => "a private individual",
        }
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown end-user sector `{0}`: expected one of police, intelligence, military, interior_ministry, other_security, civil_government, commercial, individual"
)]
pub struct UnknownSector(pub String);

impl FromStr for Sector {
    type Err = UnknownSector;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Sector::ALL.into_iter().find(|x| x.as_str() == norm).ok_or_else(|| UnknownSector(s.to_string()))
    }
}

/// A condition a licence can carry (DOMAIN §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    EndUseAssurance,
    PostShipmentVerification,
    RecipientTraining,
    AuditRights,
    PeriodicEndUseReports,
    TechnicalLimits,
}

impl Condition {
    pub fn plain(self) -> &'static str {
        match self {
            Condition::EndUseAssurance => "an end-use assurance signed by the end user",
            Condition::PostShipmentVerification => "post-shipment verification",
            Condition::RecipientTraining => {
                "human-rights and lawful-use training for the recipient before use"
            }
            Condition::AuditRights => "audit rights for the licensing authority",
            Condition::PeriodicEndUseReports => "periodic end-use reports",
            Condition::TechnicalLimits => "technical limits on use (e.g. disabling on revocation)",
        }
    }
}

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    /// Used by the seed register for attributions from leaked selector lists.
    MediumHigh,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::MediumHigh => "medium-high",
            Confidence::High => "high",
        }
    }
}

impl FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "medium-high" | "medium_high" => Ok(Confidence::MediumHigh),
            "high" => Ok(Confidence::High),
            other => Err(format!("unknown confidence `{other}` (low, medium, medium-high, high)")),
        }
    }
}
