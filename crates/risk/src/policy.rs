//! The assessment policy as data: a versioned TOML file (see `data/policy/policy-v1.toml` and
//! `docs/risk.md`). It is parsed and fully validated before a [`Policy`] exists, so a malformed file is
//! refused as a whole with the path of the offending field and never half-applied. Its SHA-256 content
//! hash travels with every assessment.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::indicators::sha256_hex;
use crate::model::{Band, Condition, Confidence, Outcome, Sector, Tier};

const POLICY_V1: &str = include_str!("../../../data/policy/policy-v1.toml");

/// A policy that parsed and passed every check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub doc: PolicyDoc,
    /// SHA-256 (hex) of the exact policy text.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy field `{path}`: {message}")]
pub struct PolicyError {
    /// Dotted path of the offending field, e.g. `factors[2].indicators[0].best`.
    pub path: String,
    pub message: String,
    /// 1-based line in the policy text when the parser knows it.
    pub line: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    pub policy: PolicyMeta,
    pub scoring: Scoring,
    pub bands: Bands,
    pub physical_integrity_floor: PhysicalIntegrityFloor,
    pub factors: Vec<Factor>,
    pub outcomes: OutcomeTable,
    pub sectors: Sectors,
    pub conditions: ConditionTable,
    pub red_flags: RedFlagRules,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyMeta {
    pub id: String,
    pub version: String,
    pub effective: chrono::NaiveDate,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// Share (0–1] of the total factor weight that must have data for the score to stand on its own.
    pub min_weight_coverage: f64,
    /// A value older than this many years before the assessment year is stale.
    pub max_data_age_years: i32,
    /// Points below the next band edge within which a case is treated as near the edge.
    pub near_edge_margin: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// Lower edges: low < elevated ≤ score < high ≤ score < very_high ≤ score.
    pub elevated: f64,
    pub high: f64,
    pub very_high: f64,
}

impl Bands {
    pub fn band(&self, score: f64) -> Band {
        if score >= self.very_high {
            Band::VeryHigh
        } else if score >= self.high {
            Band::High
        } else if score >= self.elevated {
            Band::Elevated
        } else {
            Band::Low
        }
    }

    /// The lower edge of the band above `band`, if any.
    pub fn next_edge(&self, band: Band) -> Option<f64> {
        match band {
            Band::Low => Some(self.elevated),
            Band::Elevated => Some(self.high),
            Band::High => Some(self.very_high),
            Band::VeryHigh => None,
        }
    }

    /// The lower edge of `band` (0 for low).
    pub fn lower_edge(&self, band: Band) -> f64 {
        match band {
            Band::Low => 0.0,
            Band::Elevated => self.elevated,
            Band::High => self.high,
            Band::VeryHigh => self.very_high,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhysicalIntegrityFloor {
    pub factor: String,
    /// A factor score at or above this keeps the band at least `min_band`.
    pub threshold: f64,
    pub min_band: Band,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    pub id: String,
    pub name: String,
    pub weight: f64,
    pub indicators: Vec<IndicatorSpec>,
}

/// One indicator and its fixed scaling range: `best` maps to risk 0, `worst` to risk 100, linear in
/// between and clamped outside. Fixed ranges (not rankings) mean a country's score never moves because
/// another country's data changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    pub dataset: String,
    pub variable: String,
    pub label: String,
    pub best: f64,
    pub worst: f64,
}

impl IndicatorSpec {
    pub fn scale(&self, raw: f64) -> f64 {
        (100.0 * (raw - self.best) / (self.worst - self.best)).clamp(0.0, 100.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandOutcomes {
    pub low: Outcome,
    pub elevated: Outcome,
    pub high: Outcome,
    pub very_high: Outcome,
}

impl BandOutcomes {
    pub fn get(&self, band: Band) -> Outcome {
        match band {
            Band::Low => self.low,
            Band::Elevated => self.elevated,
            Band::High => self.high,
            Band::VeryHigh => self.very_high,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeTable {
    #[serde(rename = "A")]
    pub a: BandOutcomes,
    #[serde(rename = "B")]
    pub b: BandOutcomes,
    #[serde(rename = "C")]
    pub c: BandOutcomes,
    /// Floor for any item flagged cyber-surveillance (conditions always attach).
    pub cyber_surveillance_min: Outcome,
    /// Outcome when no score can be computed at all.
    pub no_score: Outcome,
}

impl OutcomeTable {
    pub fn for_tier(&self, tier: Tier) -> &BandOutcomes {
        match tier {
            Tier::A => &self.a,
            Tier::B => &self.b,
            Tier::C => &self.c,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sectors {
    /// End-user sectors whose band moves one step up.
    pub shift_one_band_up: Vec<Sector>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionTable {
    #[serde(rename = "A")]
    pub a: Vec<Condition>,
    #[serde(rename = "B")]
    pub b: Vec<Condition>,
    #[serde(rename = "C")]
    pub c: Vec<Condition>,
}

impl ConditionTable {
    pub fn for_tier(&self, tier: Tier) -> &[Condition] {
        match tier {
            Tier::A => &self.a,
            Tier::B => &self.b,
            Tier::C => &self.c,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlagRules {
    pub sanctions_embargo: SimpleRule,
    pub restricted_party: RestrictedPartyRule,
    pub end_user_abuse_evidence: EvidenceRule,
    pub country_abuse_evidence: EvidenceRule,
    pub established_violations: SimpleRule,
    pub closed_autocracy_tier_a: ThresholdRule,
    pub weak_judicial_constraints: ThresholdRule,
    pub sharp_decline: DeclineRule,
    pub missing_or_stale_data: SimpleRule,
    pub prior_denial: SimpleRule,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimpleRule {
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestrictedPartyRule {
    /// A screening hit nobody has adjudicated yet.
    pub unreviewed: Outcome,
    /// A hit an officer confirmed as a true match.
    pub confirmed: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRule {
    pub outcome: Outcome,
    pub min_confidence: Confidence,
    pub max_age_years: i32,
    /// Apply only to items flagged cyber-surveillance.
    pub cyber_surveillance_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdRule {
    pub outcome: Outcome,
    pub dataset: String,
    pub variable: String,
    /// Fires when the latest value is at or below this.
    pub at_most: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclineRule {
    pub outcome: Outcome,
    pub dataset: String,
    pub variable: String,
    pub window_years: i32,
    /// Fires when the value fell by at least this much over the window (higher = freer).
    pub min_drop: f64,
}

impl Policy {
    /// The policy shipped with the platform (`data/policy/policy-v1.toml`).
    pub fn bundled() -> Policy {
        // Compiled in and tested; a failure here is a build defect, not a user error.
        Policy::from_toml(POLICY_V1).expect("bundled policy-v1.toml is valid")
    }

    /// The text of the bundled policy (for display and side-by-side runs).
    pub fn bundled_text() -> &'static str {
        POLICY_V1
    }

    /// Parses and validates a policy. Nothing of an invalid policy is returned.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let de = toml::Deserializer::new(text);
        let doc: PolicyDoc = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let line = inner.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            PolicyError {
                path: if path == "." { "(document)".into() } else { path },
                message: inner.message().trim().to_string(),
                line,
            }
        })?;
        validate(&doc)?;
        Ok(Policy { doc, sha256: sha256_hex(text) })
    }

    pub fn version(&self) -> &str {
        &self.doc.policy.version
    }
}

fn invalid(path: impl Into<String>, message: impl Into<String>) -> PolicyError {
    PolicyError { path: path.into(), message: message.into(), line: None }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn validate(doc: &PolicyDoc) -> Result<(), PolicyError> {
    if doc.policy.id.trim().is_empty() {
        return Err(invalid("policy.id", "must not be empty"));
    }
    if doc.policy.version.trim().is_empty() {
        return Err(invalid("policy.version", "must not be empty"));
    }
    let s = &doc.scoring;
    if !(s.min_weight_coverage > 0.0 && s.min_weight_coverage <= 1.0) {
        return Err(invalid("scoring.min_weight_coverage", "must be in (0, 1]"));
    }
    if s.max_data_age_years < 0 {
        return Err(invalid("scoring.max_data_age_years", "must be >= 0"));
    }
    if !(0.0..=20.0).contains(&s.near_edge_margin) {
        return Err(invalid("scoring.near_edge_margin", "must be in [0, 20]"));
    }
    let b = &doc.bands;
    if !(b.elevated > 0.0 && b.elevated < b.high && b.high < b.very_high && b.very_high < 100.0) {
        return Err(invalid("bands", "edges must satisfy 0 < elevated < high < very_high < 100"));
    }
    if doc.factors.is_empty() {
        return Err(invalid("factors", "at least one factor is required"));
    }
    let mut ids = BTreeSet::new();
    for (i, f) in doc.factors.iter().enumerate() {
        let p = format!("factors[{i}]");
        if !is_identifier(&f.id) {
            return Err(invalid(format!("{p}.id"), "must match [a-z0-9_]+"));
        }
        if !ids.insert(f.id.as_str()) {
            return Err(invalid(format!("{p}.id"), format!("duplicate factor id `{}`", f.id)));
        }
        if f.name.trim().is_empty() {
            return Err(invalid(format!("{p}.name"), "must not be empty"));
        }
        if !(f.weight.is_finite() && f.weight > 0.0) {
            return Err(invalid(format!("{p}.weight"), "must be a positive number"));
        }
        if f.indicators.is_empty() {
            return Err(invalid(format!("{p}.indicators"), "at least one indicator is required"));
        }
        let mut seen = BTreeSet::new();
        for (j, ind) in f.indicators.iter().enumerate() {
            let q = format!("{p}.indicators[{j}]");
            if !is_identifier(&ind.dataset) {
                return Err(invalid(format!("{q}.dataset"), "must match [a-z0-9_]+"));
            }
            if !is_identifier(&ind.variable) {
                return Err(invalid(format!("{q}.variable"), "must match [a-z0-9_]+"));
            }
            if !seen.insert((ind.dataset.as_str(), ind.variable.as_str())) {
                return Err(invalid(q, "indicator listed twice in this factor"));
            }
            if !ind.best.is_finite() || !ind.worst.is_finite() {
                return Err(invalid(format!("{q}.best"), "best and worst must be finite numbers"));
            }
            if ind.best == ind.worst {
                return Err(invalid(format!("{q}.worst"), "must differ from best"));
            }
        }
    }
    let fl = &doc.physical_integrity_floor;
    if !ids.contains(fl.factor.as_str()) {
        return Err(invalid("physical_integrity_floor.factor", format!("no factor with id `{}`", fl.factor)));
    }
    if !(0.0..=100.0).contains(&fl.threshold) {
        return Err(invalid("physical_integrity_floor.threshold", "must be in [0, 100]"));
    }
    // Monotone tables are what make "worse data never lowers the outcome" true; refuse others.
    for (name, t) in [("A", &doc.outcomes.a), ("B", &doc.outcomes.b), ("C", &doc.outcomes.c)] {
        let seq = [t.low, t.elevated, t.high, t.very_high];
        if seq.windows(2).any(|w| w[1] < w[0]) {
            return Err(invalid(
                format!("outcomes.{name}"),
                "outcomes must not get milder as the band gets worse",
            ));
        }
    }
    for band in Band::ALL {
        let (a, b, c) = (doc.outcomes.a.get(band), doc.outcomes.b.get(band), doc.outcomes.c.get(band));
        if b > a || c > b {
            return Err(invalid(
                format!("outcomes.{}", band_key(band)),
                "a lower tier must not be stricter than a higher tier",
            ));
        }
    }
    if doc.outcomes.no_score < Outcome::Refer {
        return Err(invalid("outcomes.no_score", "without a score the case must at least be referred"));
    }
    for (name, list) in [("A", &doc.conditions.a), ("B", &doc.conditions.b), ("C", &doc.conditions.c)] {
        if list.is_empty() {
            return Err(invalid(format!("conditions.{name}"), "at least one condition is required"));
        }
    }
    let r = &doc.red_flags;
    let rule_outcomes = [
        ("red_flags.sanctions_embargo.outcome", r.sanctions_embargo.outcome),
        ("red_flags.restricted_party.unreviewed", r.restricted_party.unreviewed),
        ("red_flags.restricted_party.confirmed", r.restricted_party.confirmed),
        ("red_flags.end_user_abuse_evidence.outcome", r.end_user_abuse_evidence.outcome),
        ("red_flags.country_abuse_evidence.outcome", r.country_abuse_evidence.outcome),
        ("red_flags.established_violations.outcome", r.established_violations.outcome),
        ("red_flags.closed_autocracy_tier_a.outcome", r.closed_autocracy_tier_a.outcome),
        ("red_flags.weak_judicial_constraints.outcome", r.weak_judicial_constraints.outcome),
        ("red_flags.sharp_decline.outcome", r.sharp_decline.outcome),
        ("red_flags.missing_or_stale_data.outcome", r.missing_or_stale_data.outcome),
        ("red_flags.prior_denial.outcome", r.prior_denial.outcome),
    ];
    for (path, o) in rule_outcomes {
        if o < Outcome::Refer {
            return Err(invalid(path, "a red flag must force at least `refer`"));
        }
    }
    for (p, e) in [
        ("red_flags.end_user_abuse_evidence", &r.end_user_abuse_evidence),
        ("red_flags.country_abuse_evidence", &r.country_abuse_evidence),
    ] {
        if e.max_age_years < 0 {
            return Err(invalid(format!("{p}.max_age_years"), "must be >= 0"));
        }
    }
    for (p, t) in [
        ("red_flags.closed_autocracy_tier_a", &r.closed_autocracy_tier_a),
        ("red_flags.weak_judicial_constraints", &r.weak_judicial_constraints),
    ] {
        if !is_identifier(&t.dataset) || !is_identifier(&t.variable) {
            return Err(invalid(format!("{p}.dataset"), "dataset and variable must match [a-z0-9_]+"));
        }
        if !t.at_most.is_finite() {
            return Err(invalid(format!("{p}.at_most"), "must be a finite number"));
        }
    }
    let d = &r.sharp_decline;
    if d.window_years < 1 {
        return Err(invalid("red_flags.sharp_decline.window_years", "must be >= 1"));
    }
    if !(d.min_drop.is_finite() && d.min_drop > 0.0) {
        return Err(invalid("red_flags.sharp_decline.min_drop", "must be a positive number"));
    }
    if !is_identifier(&d.dataset) || !is_identifier(&d.variable) {
        return Err(invalid("red_flags.sharp_decline.dataset", "dataset and variable must match [a-z0-9_]+"));
    }
    Ok(())
}

fn band_key(b: Band) -> &'static str {
    match b {
        Band::Low => "*.low",
        Band::Elevated => "*.elevated",
        Band::High => "*.high",
        Band::VeryHigh => "*.very_high",
    }
}
