//! Small closed vocabularies shared by the policy, the inputs and the assessment.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use strum::VariantArray;

/// Sensitivity tier of a control-list entry (DOMAIN §4): A covert/intrusive, B bulk analytics and
/// forensics, C general ICT with surveillance capability. One vocabulary with the domain.
pub use oversight_vocab::Tier;

/// Destination risk band, ordered from least to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Low,
    Elevated,
    High,
    VeryHigh,
}

impl Band {
    pub const ALL: [Band; 4] = oversight_vocab::all_variants();

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
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    Approve,
    ApproveWithConditions,
    Refer,
    PresumptionOfDenial,
    Deny,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        self.into()
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

/// End-user sector (DOMAIN §5). One vocabulary with the domain: written `other_security_forces`, and
/// the `other_security` of assessment records and policy files written before is read as the same.
pub use oversight_vocab::{Sector, UnknownSector};

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

/// How sure a finding is. Written `medium_high` in JSON and `medium-high` in text (`as_str`, the
/// evidence CSV); parsing accepts both.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "kebab-case")]
pub enum Confidence {
    Low,
    Medium,
    /// Used by the seed register for attributions from leaked selector lists.
    MediumHigh,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        let text = norm.replace('_', "-");
        Confidence::VARIANTS
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| format!("unknown confidence `{norm}` (low, medium, medium-high, high)"))
    }
}
