//! The assessment: a pure function of (policy, indicator data, case facts, date) to a recommendation
//! with everything needed to explain and replay it.
//!
//! Order of reasoning (recorded step by step in `rule_path`):
//! 1. scale each indicator, average within factors, weight factors (renormalised over those with data);
//! 2. score → band; a very bad physical-integrity factor keeps the band at least `high`;
//! 3. security/intelligence end users move one band up;
//! 4. tier × band → outcome; near the next band edge the stricter neighbour's outcome applies, capped
//!    at `refer`; cyber-surveillance items never go below `approve_with_conditions`;
//! 5. red flags each force a minimum outcome; the strictest wins.
//!
//! The result is always a recommendation: `human_decision_required` is always true.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::country::Iso3;
use crate::evidence::{EvidenceEntry, EvidenceScope, normalise_name};
use crate::indicators::IndicatorStore;
use crate::model::{Band, Condition, Outcome, Sector, Tier};
use crate::policy::Policy;

/// The item being exported, as classified against the control list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemInput {
    /// Control-list entry, e.g. `5A001.j`, or `CATCH-ALL` for an unlisted cyber-surveillance item.
    pub control_code: String,
    pub tier: Tier,
    pub cyber_surveillance: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndUserInput {
    pub sector: Sector,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitStatus {
    Unreviewed,
    ConfirmedMatch,
    FalseMatch,
}

/// A restricted-party screening hit on one of the application's parties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreeningHit {
    pub party: String,
    pub list: String,
    pub entry_id: String,
    pub score: f64,
    pub status: HitStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SanctionsTarget {
    Destination,
    Party { name: String },
}

/// A sanctions or embargo measure that applies to the destination or a party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanctionsFact {
    pub applies_to: SanctionsTarget,
    /// E.g. "EU restrictive measures: ban on telecommunications monitoring equipment".
    pub regime: String,
    /// Legal reference, e.g. "Council Regulation (EU) No 36/2012, Art. 4a".
    pub reference: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// A denial by this authority or a partner state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorDenial {
    /// "us" or the partner authority.
    pub denied_by: String,
    pub reference: String,
    pub date: NaiveDate,
    pub destination: Iso3,
    pub control_code: String,
    #[serde(default)]
    pub end_user: Option<String>,
    #[serde(default)]
    pub end_user_sector: Option<Sector>,
    pub reason: String,
}

/// Serious violations established by a competent UN, EU or Council of Europe body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstablishedViolation {
    pub body: String,
    pub finding: String,
    pub reference: String,
    #[serde(default)]
    pub url: Option<String>,
    pub date: NaiveDate,
}

/// Everything the assessment depends on besides the policy and the indicator data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentInput {
    pub destination: Iso3,
    pub item: ItemInput,
    pub end_user: EndUserInput,
    #[serde(default)]
    pub screening_hits: Vec<ScreeningHit>,
    #[serde(default)]
    pub sanctions: Vec<SanctionsFact>,
    #[serde(default)]
    pub prior_denials: Vec<PriorDenial>,
    #[serde(default)]
    pub established_violations: Vec<EstablishedViolation>,
    /// Evidence register entries (the assessment picks those about this destination / end user).
    #[serde(default)]
    pub evidence: Vec<EvidenceEntry>,
    /// The date the assessment is made "as of": data published later is not used.
    pub assessment_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorResult {
    pub dataset: String,
    pub dataset_name: String,
    pub release: String,
    pub variable: String,
    pub label: String,
    pub year: i32,
    pub raw_value: f64,
    /// 0–100, higher = worse.
    pub scaled_value: f64,
    /// Share of the country score carried by this indicator (0–1).
    pub weight: f64,
    /// Points of the country score: `scaled_value × weight`.
    pub contribution: f64,
    pub stale: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingIndicator {
    pub dataset: String,
    pub variable: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorResult {
    pub id: String,
    pub name: String,
    /// Weight as published in the policy.
    pub policy_weight: f64,
    /// Share of the score after renormalising over factors with data (0 when the factor has none).
    pub weight: f64,
    /// Mean of the factor's scaled indicators (0–100), `None` without data.
    pub score: Option<f64>,
    /// Points of the country score.
    pub contribution: f64,
    pub indicators: Vec<IndicatorResult>,
    pub missing: Vec<MissingIndicator>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RedFlagKind {
    SanctionsEmbargo,
    RestrictedParty,
    EndUserAbuseEvidence,
    CountryAbuseEvidence,
    EstablishedViolations,
    ClosedAutocracyTierA,
    WeakJudicialConstraints,
    SharpDecline,
    MissingOrStaleData,
    PriorDenial,
}

impl RedFlagKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One piece of evidence behind a red flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagEvidence {
    pub source: String,
    pub reference: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedFlag {
    pub kind: RedFlagKind,
    /// The minimum outcome this flag forces.
    pub outcome: Outcome,
    /// Plain-language statement of the flag.
    pub summary: String,
    pub evidence: Vec<FlagEvidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataVersion {
    pub dataset: String,
    pub name: String,
    pub release: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub destination: Iso3,
    pub destination_name: String,
    pub assessment_date: NaiveDate,
    /// 0–100, higher = worse; `None` when no factor has data.
    pub country_score: Option<f64>,
    /// Band of the score alone.
    pub country_band: Option<Band>,
    /// Band after the physical-integrity floor and the end-user-sector adjustment.
    pub adjusted_band: Option<Band>,
    /// Share of the policy's factor weight that had data (0–1).
    pub weight_coverage: f64,
    pub near_band_edge: bool,
    pub factors: Vec<FactorResult>,
    pub red_flags: Vec<RedFlag>,
    /// The outcome the score, tier and sector alone give (before red flags).
    pub band_outcome: Outcome,
    pub recommended_outcome: Outcome,
    pub recommended_conditions: Vec<Condition>,
    /// Always true: the outcome is a recommendation to people who decide.
    pub human_decision_required: bool,
    pub rationale: String,
    pub what_would_change: String,
    pub rule_path: Vec<String>,
    pub policy: PolicyRef,
    pub data_versions: Vec<DataVersion>,
    /// The inputs, echoed so the record can be replayed on its own.
    pub input: AssessmentInput,
}

/// Assesses one application item. Pure: same arguments, same result.
pub fn assess(policy: &Policy, data: &IndicatorStore, input: &AssessmentInput) -> Assessment {
    let doc = &policy.doc;
    let iso = &input.destination;
    let year = input.assessment_date.year();
    let stale_before = year - doc.scoring.max_data_age_years;
    let mut path = Vec::new();

    // 1. Factors.
    let mut factors = Vec::new();
    for f in &doc.factors {
        let mut inds = Vec::new();
        let mut missing = Vec::new();
        for spec in &f.indicators {
            match data.latest(iso, &spec.dataset, &spec.variable, year) {
                Some(obs) => {
                    let meta = data.dataset(&spec.dataset);
                    inds.push(IndicatorResult {
                        dataset: spec.dataset.clone(),
                        dataset_name: meta.map(|m| m.name.clone()).unwrap_or_default(),
                        release: meta.map(|m| m.release.clone()).unwrap_or_default(),
                        variable: spec.variable.clone(),
                        label: spec.label.clone(),
                        year: obs.year,
                        raw_value: obs.value,
                        scaled_value: spec.scale(obs.value),
                        weight: 0.0,
                        contribution: 0.0,
                        stale: obs.year < stale_before,
                    });
                }
                None => missing.push(MissingIndicator {
                    dataset: spec.dataset.clone(),
                    variable: spec.variable.clone(),
                    label: spec.label.clone(),
                }),
            }
        }
        let score =
            (!inds.is_empty()).then(|| inds.iter().map(|i| i.scaled_value).sum::<f64>() / inds.len() as f64);
        factors.push(FactorResult {
            id: f.id.clone(),
            name: f.name.clone(),
            policy_weight: f.weight,
            weight: 0.0,
            score,
            contribution: 0.0,
            indicators: inds,
            missing,
        });
    }
    let total_weight: f64 = factors.iter().map(|f| f.policy_weight).sum();
    let avail_weight: f64 = factors.iter().filter(|f| f.score.is_some()).map(|f| f.policy_weight).sum();
    let weight_coverage = avail_weight / total_weight;
    let mut country_score = None;
    if avail_weight > 0.0 {
        let mut s = 0.0;
        for f in &mut factors {
            if let Some(fs) = f.score {
                f.weight = f.policy_weight / avail_weight;
                f.contribution = fs * f.weight;
                s += f.contribution;
                let n = f.indicators.len() as f64;
                for i in &mut f.indicators {
                    i.weight = f.weight / n;
                    i.contribution = i.scaled_value * i.weight;
                }
            }
        }
        country_score = Some(s);
        path.push(format!(
            "score {:.1} from {} of {} factors ({:.0}% of weight)",
            s,
            factors.iter().filter(|f| f.score.is_some()).count(),
            factors.len(),
            weight_coverage * 100.0
        ));
    } else {
        path.push("no factor has data: no score".into());
    }

    // 2–4. Band and band-based outcome.
    let ctx = BandContext {
        policy,
        pi_score: factors.iter().find(|f| f.id == doc.physical_integrity_floor.factor).and_then(|f| f.score),
        sector: input.end_user.sector,
        tier: input.item.tier,
        cyber: input.item.cyber_surveillance,
    };
    let mut country_band = None;
    let mut adjusted_band = None;
    let mut near_band_edge = false;
    let band_outcome = match country_score {
        Some(s) => {
            let b0 = doc.bands.band(s);
            country_band = Some(b0);
            path.push(format!("score {s:.1} -> band {b0}"));
            let adj = ctx.adjust(b0, &mut path);
            adjusted_band = Some(adj);
            let mut o = doc.outcomes.for_tier(ctx.tier).get(adj);
            path.push(format!("tier {} x band {adj} -> {o}", ctx.tier));
            if let Some(edge) = doc.bands.next_edge(b0)
                && s >= edge - doc.scoring.near_edge_margin
            {
                near_band_edge = true;
                let neighbour = doc.outcomes.for_tier(ctx.tier).get(ctx.adjust(b0.up(), &mut Vec::new()));
                let raised = o.max(neighbour.min(Outcome::Refer));
                path.push(format!(
                    "score within {} points of the {} edge ({edge}): neighbour band gives {neighbour} -> {raised}",
                    doc.scoring.near_edge_margin,
                    b0.up()
                ));
                o = raised;
            }
            if ctx.cyber && o < doc.outcomes.cyber_surveillance_min {
                o = doc.outcomes.cyber_surveillance_min;
                path.push(format!("cyber-surveillance item: at least {o}"));
            }
            o
        }
        None => {
            let o = doc.outcomes.no_score;
            path.push(format!("no score -> {o}"));
            o
        }
    };

    // 5. Red flags.
    let red_flags = red_flags(policy, data, input, &factors, weight_coverage, country_score);
    let mut outcome = band_outcome;
    for f in &red_flags {
        path.push(format!("red flag {} -> at least {}", f.kind.as_str(), f.outcome));
        outcome = outcome.max(f.outcome);
    }
    path.push(format!("recommended: {outcome}"));

    let recommended_conditions = match outcome {
        Outcome::ApproveWithConditions | Outcome::Refer | Outcome::PresumptionOfDenial => {
            doc.conditions.for_tier(input.item.tier).to_vec()
        }
        Outcome::Approve | Outcome::Deny => Vec::new(),
    };

    let mut referenced: BTreeSet<&str> =
        doc.factors.iter().flat_map(|f| f.indicators.iter().map(|i| i.dataset.as_str())).collect();
    let rf = &doc.red_flags;
    referenced.extend([
        rf.closed_autocracy_tier_a.dataset.as_str(),
        rf.weak_judicial_constraints.dataset.as_str(),
        rf.sharp_decline.dataset.as_str(),
    ]);
    let data_versions = data
        .datasets()
        .filter(|m| referenced.contains(m.id.as_str()))
        .map(|m| DataVersion {
            dataset: m.id.clone(),
            name: m.name.clone(),
            release: m.release.clone(),
            sha256: m.sha256.clone(),
        })
        .collect();

    let mut a = Assessment {
        destination: iso.clone(),
        destination_name: iso.common_name().to_string(),
        assessment_date: input.assessment_date,
        country_score,
        country_band,
        adjusted_band,
        weight_coverage,
        near_band_edge,
        factors,
        red_flags,
        band_outcome,
        recommended_outcome: outcome,
        recommended_conditions,
        human_decision_required: true,
        rationale: String::new(),
        what_would_change: String::new(),
        rule_path: path,
        policy: PolicyRef {
            id: doc.policy.id.clone(),
            version: doc.policy.version.clone(),
            sha256: policy.sha256.clone(),
        },
        data_versions,
        input: input.clone(),
    };
    a.rationale = crate::explain::rationale(policy, &a);
    a.what_would_change = crate::explain::what_would_change(&ctx, &a);
    a
}

/// What the band step needs, kept together so "what would change" can ask counterfactuals.
pub(crate) struct BandContext<'a> {
    pub policy: &'a Policy,
    pub pi_score: Option<f64>,
    pub sector: Sector,
    pub tier: Tier,
    pub cyber: bool,
}

impl BandContext<'_> {
    /// Physical-integrity floor, then the end-user-sector shift.
    pub fn adjust(&self, band: Band, path: &mut Vec<String>) -> Band {
        let doc = &self.policy.doc;
        let mut b = band;
        let fl = &doc.physical_integrity_floor;
        if let Some(pi) = self.pi_score
            && pi >= fl.threshold
            && b < fl.min_band
        {
            b = fl.min_band;
            path.push(format!("physical integrity {pi:.1} >= {}: band at least {b}", fl.threshold));
        }
        if doc.sectors.shift_one_band_up.contains(&self.sector) {
            let up = b.up();
            path.push(format!("end user sector {}: band {b} -> {up}", self.sector));
            b = up;
        }
        b
    }

    /// Band-based outcome for a band of the raw score (no near-edge step).
    pub fn outcome_for(&self, band: Band) -> Outcome {
        let doc = &self.policy.doc;
        let o = doc.outcomes.for_tier(self.tier).get(self.adjust(band, &mut Vec::new()));
        if self.cyber { o.max(doc.outcomes.cyber_surveillance_min) } else { o }
    }
}

fn red_flags(
    policy: &Policy,
    data: &IndicatorStore,
    input: &AssessmentInput,
    factors: &[FactorResult],
    coverage: f64,
    score: Option<f64>,
) -> Vec<RedFlag> {
    let doc = &policy.doc;
    let rules = &doc.red_flags;
    let iso = &input.destination;
    let year = input.assessment_date.year();
    let country = iso.common_name();
    let mut flags = Vec::new();

    // Sanctions and embargoes.
    if !input.sanctions.is_empty() {
        flags.push(RedFlag {
            kind: RedFlagKind::SanctionsEmbargo,
            outcome: rules.sanctions_embargo.outcome,
            summary: format!(
                "Sanctions or an embargo apply to {}.",
                input
                    .sanctions
                    .iter()
                    .map(|s| match &s.applies_to {
                        SanctionsTarget::Destination => format!("{country} ({})", s.regime),
                        SanctionsTarget::Party { name } => format!("the party {name} ({})", s.regime),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            evidence: input
                .sanctions
                .iter()
                .map(|s| FlagEvidence {
                    source: s.regime.clone(),
                    reference: s.reference.clone(),
                    url: s.url.clone(),
                    date: None,
                    detail: match &s.applies_to {
                        SanctionsTarget::Destination => format!("applies to {country}"),
                        SanctionsTarget::Party { name } => format!("applies to {name}"),
                    },
                })
                .collect(),
        });
    }

    // Restricted-party screening.
    let live: Vec<&ScreeningHit> =
        input.screening_hits.iter().filter(|h| h.status != HitStatus::FalseMatch).collect();
    if !live.is_empty() {
        let confirmed = live.iter().any(|h| h.status == HitStatus::ConfirmedMatch);
        flags.push(RedFlag {
            kind: RedFlagKind::RestrictedParty,
            outcome: if confirmed {
                rules.restricted_party.confirmed
            } else {
                rules.restricted_party.unreviewed
            },
            summary: if confirmed {
                "A party to the application is confirmed to be on a restricted-party list.".into()
            } else {
                "A party to the application may be on a restricted-party list (match not yet reviewed)."
                    .into()
            },
            evidence: live
                .iter()
                .map(|h| FlagEvidence {
                    source: h.list.clone(),
                    reference: h.entry_id.clone(),
                    url: None,
                    date: None,
                    detail: format!(
                        "{} (score {:.2}, {})",
                        h.party,
                        h.score,
                        match h.status {
                            HitStatus::ConfirmedMatch => "confirmed match",
                            _ => "unreviewed",
                        }
                    ),
                })
                .collect(),
        });
    }

    // Evidence register.
    let eu_name = input.end_user.name.as_deref().map(normalise_name);
    let usable = |e: &&EvidenceEntry, rule: &crate::policy::EvidenceRule| {
        e.iso3 == *iso
            && e.confidence >= rule.min_confidence
            && e.year <= year
            && year - e.year <= rule.max_age_years
            && (!rule.cyber_surveillance_only || input.item.cyber_surveillance)
    };
    let to_evidence = |e: &EvidenceEntry| FlagEvidence {
        source: e.source.clone(),
        reference: e.report.clone(),
        url: e.url.clone(),
        date: Some(e.date.map(|d| d.to_string()).unwrap_or_else(|| e.year.to_string())),
        detail: format!(
            "{} (confidence {}{})",
            e.finding,
            e.confidence.as_str(),
            e.reviewer
                .as_deref()
                .map(|r| format!(", reviewed by {r}"))
                .unwrap_or_else(|| ", not yet reviewed".into())
        ),
    };
    let eu_hits: Vec<&EvidenceEntry> = input
        .evidence
        .iter()
        .filter(|e| usable(e, &rules.end_user_abuse_evidence))
        .filter(|e| match (&e.scope, &eu_name) {
            (EvidenceScope::EndUser { name }, Some(n)) => normalise_name(name) == *n,
            _ => false,
        })
        .collect();
    if !eu_hits.is_empty() {
        flags.push(RedFlag {
            kind: RedFlagKind::EndUserAbuseEvidence,
            outcome: rules.end_user_abuse_evidence.outcome,
            summary: format!(
                "There is credible evidence that this end user ({}) used surveillance technology against journalists, activists or the opposition.",
                input.end_user.name.as_deref().unwrap_or_default()
            ),
            evidence: eu_hits.iter().map(|e| to_evidence(e)).collect(),
        });
    }
    let country_hits: Vec<&EvidenceEntry> = input
        .evidence
        .iter()
        .filter(|e| usable(e, &rules.country_abuse_evidence))
        .filter(|e| e.scope == EvidenceScope::Country)
        .collect();
    if !country_hits.is_empty() {
        flags.push(RedFlag {
            kind: RedFlagKind::CountryAbuseEvidence,
            outcome: rules.country_abuse_evidence.outcome,
            summary: format!(
                "Researchers have documented state use of spyware against civil society in {country}; which agency was responsible needs to be established."
            ),
            evidence: country_hits.iter().map(|e| to_evidence(e)).collect(),
        });
    }

    // Serious violations established by competent bodies.
    let violations: Vec<&EstablishedViolation> =
        input.established_violations.iter().filter(|v| v.date <= input.assessment_date).collect();
    if !violations.is_empty() {
        flags.push(RedFlag {
            kind: RedFlagKind::EstablishedViolations,
            outcome: rules.established_violations.outcome,
            summary: format!(
                "Serious human-rights violations in {country} have been established by competent UN, EU or Council of Europe bodies."
            ),
            evidence: violations
                .iter()
                .map(|v| FlagEvidence {
                    source: v.body.clone(),
                    reference: v.reference.clone(),
                    url: v.url.clone(),
                    date: Some(v.date.to_string()),
                    detail: v.finding.clone(),
                })
                .collect(),
        });
    }

    let indicator_evidence = |dataset: &str, variable: &str, year: i32, value: f64, detail: String| {
        let meta = data.dataset(dataset);
        FlagEvidence {
            source: meta
                .map(|m| format!("{} (release {})", m.name, m.release))
                .unwrap_or_else(|| dataset.to_string()),
            reference: variable.to_string(),
            url: meta.map(|m| m.url.clone()),
            date: Some(year.to_string()),
            detail: format!("{variable} = {value} ({detail})"),
        }
    };

    // Closed autocracy with a tier-A item.
    let ca = &rules.closed_autocracy_tier_a;
    if input.item.tier == Tier::A
        && let Some(obs) = data.latest(iso, &ca.dataset, &ca.variable, year)
        && obs.value <= ca.at_most
    {
        flags.push(RedFlag {
            kind: RedFlagKind::ClosedAutocracyTierA,
            outcome: ca.outcome,
            summary: format!(
                "{country} is a closed autocracy (no multiparty elections for the executive), and the item is among the most intrusive (tier A)."
            ),
            evidence: vec![indicator_evidence(
                &ca.dataset,
                &ca.variable,
                obs.year,
                obs.value,
                format!("at or below {}", ca.at_most),
            )],
        });
    }

    // Very weak judicial constraints.
    let wj = &rules.weak_judicial_constraints;
    if let Some(obs) = data.latest(iso, &wj.dataset, &wj.variable, year)
        && obs.value <= wj.at_most
    {
        flags.push(RedFlag {
            kind: RedFlagKind::WeakJudicialConstraints,
            outcome: wj.outcome,
            summary: format!(
                "Courts in {country} place very weak constraints on the executive, so judicial oversight of surveillance cannot be relied on."
            ),
            evidence: vec![indicator_evidence(
                &wj.dataset,
                &wj.variable,
                obs.year,
                obs.value,
                format!("at or below {}", wj.at_most),
            )],
        });
    }

    // Sharp recent decline.
    let sd = &rules.sharp_decline;
    if let Some(now) = data.latest(iso, &sd.dataset, &sd.variable, year)
        && let Some(then) = data.at(iso, &sd.dataset, &sd.variable, now.year - sd.window_years)
        && then - now.value >= sd.min_drop
    {
        flags.push(RedFlag {
            kind: RedFlagKind::SharpDecline,
            outcome: sd.outcome,
            summary: format!(
                "Democratic freedoms in {country} fell sharply over the last {} years.",
                sd.window_years
            ),
            evidence: vec![indicator_evidence(
                &sd.dataset,
                &sd.variable,
                now.year,
                now.value,
                format!(
                    "down from {then} in {}, a drop of {:.3}",
                    now.year - sd.window_years,
                    then - now.value
                ),
            )],
        });
    }

    // Missing or stale data.
    let mut problems = Vec::new();
    if score.is_none() {
        problems.push(format!("no indicator data at all for {country}"));
    } else if coverage < doc.scoring.min_weight_coverage {
        problems.push(format!(
            "only {:.0}% of the factor weight has data (policy minimum {:.0}%)",
            coverage * 100.0,
            doc.scoring.min_weight_coverage * 100.0
        ));
    }
    for f in factors {
        if !f.indicators.is_empty() && f.indicators.iter().all(|i| i.stale) {
            let newest = f.indicators.iter().map(|i| i.year).max().unwrap_or_default();
            problems.push(format!(
                "{}: newest value is from {newest}, older than {} years",
                f.name, doc.scoring.max_data_age_years
            ));
        }
    }
    if !problems.is_empty() {
        flags.push(RedFlag {
            kind: RedFlagKind::MissingOrStaleData,
            outcome: rules.missing_or_stale_data.outcome,
            summary: "The indicator data are too thin or too old for the score to stand on its own.".into(),
            evidence: problems
                .into_iter()
                .map(|p| FlagEvidence {
                    source: "indicator store".into(),
                    reference: "coverage".into(),
                    url: None,
                    date: None,
                    detail: p,
                })
                .collect(),
        });
    }

    // Prior denial of an essentially identical transaction.
    let code = input.item.control_code.trim().to_ascii_uppercase();
    let denials: Vec<&PriorDenial> = input
        .prior_denials
        .iter()
        .filter(|d| d.date <= input.assessment_date && is_essentially_identical(d, input, &code))
        .collect();
    if !denials.is_empty() {
        flags.push(RedFlag {
            kind: RedFlagKind::PriorDenial,
            outcome: rules.prior_denial.outcome,
            summary: "An essentially identical export (same item, destination and end user) was denied before; the denying authority must be consulted (no undercut).".into(),
            evidence: denials
                .iter()
                .map(|d| FlagEvidence {
                    source: d.denied_by.clone(),
                    reference: d.reference.clone(),
                    url: None,
                    date: Some(d.date.to_string()),
                    detail: format!("{} to {}: {}", d.control_code, d.destination, d.reason),
                })
                .collect(),
        });
    }
    flags
}

/// Same destination and control entry, and the same end user: by name when both records have one,
/// else by sector when both have one. When neither can be compared the denial counts (a person then
/// checks), because missing detail must not let an undercut through.
fn is_essentially_identical(d: &PriorDenial, input: &AssessmentInput, code: &str) -> bool {
    if d.destination != input.destination || d.control_code.trim().to_ascii_uppercase() != code {
        return false;
    }
    match (&d.end_user, &input.end_user.name) {
        (Some(a), Some(b)) => normalise_name(a) == normalise_name(b),
        _ => match d.end_user_sector {
            Some(s) => s == input.end_user.sector,
            None => true,
        },
    }
}

/// What would change between two runs of the same case (e.g. current and candidate policy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentDiff {
    pub from_policy: PolicyRef,
    pub to_policy: PolicyRef,
    pub changed: bool,
    pub outcome: (Outcome, Outcome),
    pub country_score: (Option<f64>, Option<f64>),
    pub adjusted_band: (Option<Band>, Option<Band>),
    pub red_flags_added: Vec<RedFlagKind>,
    pub red_flags_removed: Vec<RedFlagKind>,
    pub conditions_added: Vec<Condition>,
    pub conditions_removed: Vec<Condition>,
    pub summary: String,
}

/// Compares two assessments of the same case.
pub fn diff(from: &Assessment, to: &Assessment) -> AssessmentDiff {
    let kinds = |a: &Assessment| a.red_flags.iter().map(|f| f.kind).collect::<BTreeSet<_>>();
    let conds = |a: &Assessment| a.recommended_conditions.iter().copied().collect::<BTreeSet<_>>();
    let (fk, tk) = (kinds(from), kinds(to));
    let (fc, tc) = (conds(from), conds(to));
    let red_flags_added: Vec<_> = tk.difference(&fk).copied().collect();
    let red_flags_removed: Vec<_> = fk.difference(&tk).copied().collect();
    let conditions_added: Vec<_> = tc.difference(&fc).copied().collect();
    let conditions_removed: Vec<_> = fc.difference(&tc).copied().collect();
    let score_changed = match (from.country_score, to.country_score) {
        (Some(a), Some(b)) => (a - b).abs() > 1e-9,
        (a, b) => a.is_some() != b.is_some(),
    };
    let changed = from.recommended_outcome != to.recommended_outcome
        || score_changed
        || from.adjusted_band != to.adjusted_band
        || !red_flags_added.is_empty()
        || !red_flags_removed.is_empty()
        || !conditions_added.is_empty()
        || !conditions_removed.is_empty();
    let fmt_score = |s: Option<f64>| s.map(|s| format!("{s:.1}")).unwrap_or_else(|| "none".into());
    let summary = if !changed {
        format!(
            "No change: policy {} and {} give the same result ({}).",
            from.policy.version, to.policy.version, to.recommended_outcome
        )
    } else {
        let mut parts = vec![format!("outcome {} -> {}", from.recommended_outcome, to.recommended_outcome)];
        if score_changed {
            parts.push(format!("score {} -> {}", fmt_score(from.country_score), fmt_score(to.country_score)));
        }
        if from.adjusted_band != to.adjusted_band {
            parts.push(format!("band {:?} -> {:?}", from.adjusted_band, to.adjusted_band));
        }
        for k in &red_flags_added {
            parts.push(format!("new red flag {}", k.as_str()));
        }
        for k in &red_flags_removed {
            parts.push(format!("red flag {} no longer raised", k.as_str()));
        }
        format!("Policy {} -> {}: {}.", from.policy.version, to.policy.version, parts.join("; "))
    };
    AssessmentDiff {
        from_policy: from.policy.clone(),
        to_policy: to.policy.clone(),
        changed,
        outcome: (from.recommended_outcome, to.recommended_outcome),
        country_score: (from.country_score, to.country_score),
        adjusted_band: (from.adjusted_band, to.adjusted_band),
        red_flags_added,
        red_flags_removed,
        conditions_added,
        conditions_removed,
        summary,
    }
}

/// Runs the case under the current and a candidate policy and reports what would change.
pub fn assess_side_by_side(
    current: &Policy,
    candidate: &Policy,
    data: &IndicatorStore,
    input: &AssessmentInput,
) -> (Assessment, Assessment, AssessmentDiff) {
    let a = assess(current, data, input);
    let b = assess(candidate, data, input);
    let d = diff(&a, &b);
    (a, b, d)
}

/// Re-runs a recorded assessment from its echoed inputs. The caller supplies the policy and data
/// whose hashes the record names; a mismatch is reported instead of silently re-scoring.
pub fn replay(
    policy: &Policy,
    data: &IndicatorStore,
    recorded: &Assessment,
) -> Result<Assessment, ReplayError> {
    if policy.sha256 != recorded.policy.sha256 {
        return Err(ReplayError::PolicyMismatch {
            recorded: recorded.policy.sha256.clone(),
            given: policy.sha256.clone(),
        });
    }
    let again = assess(policy, data, &recorded.input);
    if again.data_versions != recorded.data_versions {
        let dataset = recorded
            .data_versions
            .iter()
            .chain(again.data_versions.iter())
            .find(|v| !(recorded.data_versions.contains(v) && again.data_versions.contains(v)))
            .map(|v| v.dataset.clone())
            .unwrap_or_default();
        return Err(ReplayError::DataMismatch { dataset });
    }
    Ok(again)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the recorded assessment used policy {recorded}, not {given}")]
    PolicyMismatch { recorded: String, given: String },
    #[error("dataset `{dataset}` is missing or differs from the recorded release")]
    DataMismatch { dataset: String },
}
