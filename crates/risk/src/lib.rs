//! `oversight-risk`: destination risk assessment and the human-rights impact assessment (HRIA) record
//! for surveillance-technology export licensing, as policy-as-data (DOMAIN §6).
//!
//! Responsible for: the bundled indicator data (World Bank WGI, V-Dem extracts) and the importer for
//! further indicator files ([`indicators`]); the evidence register entry type and seed ([`evidence`]);
//! the versioned TOML policy and its validation ([`policy`]); the assessment itself, its explanation,
//! replay and policy side-by-side diff ([`assess`]); destination embargoes as data ([`embargo`]); the
//! HRIA record ([`hria`]).
//!
//! Must not depend on: any other Oversight crate but `oversight-vocab` (whose countries, sectors and
//! tiers it uses; the control list, screening and case workflow call in with plain values), an async
//! runtime, a database, the network, the clock or randomness. The assessment date is an argument; the
//! same inputs, policy and data always give the same output.
//!
//! Start reading at [`assess::assess`], then `data/policy/policy-v1.toml` (the method is the data)
//! and `docs/risk.md`.

pub mod assess;
pub mod compare;
pub mod country;
pub mod embargo;
pub mod evidence;
mod explain;
pub mod hria;
pub mod indicators;
pub mod model;
pub mod policy;

/// Re-exported so callers build `assessment_date` values with the same chrono version.
pub use chrono;

pub use assess::{
    Assessment, AssessmentDiff, AssessmentInput, EndUserInput, EstablishedViolation, HitStatus, ItemInput,
    PriorDenial, RedFlag, RedFlagKind, ReplayError, SanctionsFact, SanctionsTarget, ScreeningHit, assess,
    assess_side_by_side, diff, replay,
};
pub use country::{Iso3, UnknownCountry};
pub use evidence::{EvidenceEntry, EvidenceScope, InvalidEvidence, seed_evidence};
pub use hria::{Hria, HriaIncomplete, HriaSection, hria_required};
pub use indicators::{DatasetMeta, ImportError, IndicatorStore};
pub use model::{Band, Condition, Confidence, Outcome, Sector, Tier};
pub use policy::{Policy, PolicyError};
