//! Plain-language text for an assessment: the public rationale and the "what would change" line.
//! Written for a member of the public: every number says what it is and where it came from.

use std::fmt::Write as _;

use crate::assess::{Assessment, BandContext, RedFlagKind};
use crate::model::{Band, Outcome, Sector, Tier};
use crate::policy::Policy;

fn tier_plain(t: Tier) -> &'static str {
    match t {
        Tier::A => {
            "the most intrusive kind of surveillance technology (spyware, interception, IMSI catchers, monitoring centres)"
        }
        Tier::B => "bulk analytics or forensic technology",
        Tier::C => "general ICT with some surveillance capability",
    }
}

fn band_down(b: Band) -> Option<Band> {
    match b {
        Band::Low => None,
        Band::Elevated => Some(Band::Low),
        Band::High => Some(Band::Elevated),
        Band::VeryHigh => Some(Band::High),
    }
}

fn fmt_value(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

pub(crate) fn rationale(policy: &Policy, a: &Assessment) -> String {
    let doc = &policy.doc;
    let input = &a.input;
    let country = &a.destination_name;
    let mut t = String::new();
    let headline = match a.recommended_outcome {
        Outcome::Deny => "deny the licence".to_string(),
        o => o.plain().to_string(),
    };
    let _ = writeln!(
        t,
        "Recommendation: {headline}. This is a recommendation to the licensing officer and the approver; people take the decision."
    );
    let _ = writeln!(
        t,
        "\nWhat is being exported: item {} (tier {}: {}){}, to {}{} in {}.",
        input.item.control_code,
        input.item.tier,
        tier_plain(input.item.tier),
        if input.item.cyber_surveillance { ", a cyber-surveillance item" } else { "" },
        input.end_user.sector.plain(),
        input.end_user.name.as_deref().map(|n| format!(" (\"{n}\")")).unwrap_or_default(),
        country
    );
    match (a.country_score, a.country_band) {
        (Some(score), Some(band)) => {
            let _ = writeln!(
                t,
                "\nThe destination: {country} scores {score:.0} out of 100 on the policy's human-rights and governance risk scale (0 is best, 100 worst), in the \"{band}\" band. {:.0}% of the policy's factor weight had data.",
                a.weight_coverage * 100.0
            );
            for f in &a.factors {
                match f.score {
                    Some(fs) => {
                        let sources = f
                            .indicators
                            .iter()
                            .map(|i| {
                                format!(
                                    "{} {} ({}, {}{})",
                                    i.label,
                                    fmt_value(i.raw_value),
                                    i.dataset_name,
                                    i.year,
                                    if i.stale { ", out of date" } else { "" }
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; ");
                        let _ = writeln!(
                            t,
                            "- {}: {fs:.0}/100, {:.0}% of the score. Based on: {sources}.",
                            f.name,
                            f.weight * 100.0
                        );
                    }
                    None => {
                        let _ = writeln!(
                            t,
                            "- {}: no data loaded (it would come from: {}); the other factors' weights were scaled up to fill its place.",
                            f.name,
                            f.missing.iter().map(|m| m.label.as_str()).collect::<Vec<_>>().join("; ")
                        );
                    }
                }
            }
            let fl = &doc.physical_integrity_floor;
            if a.rule_path.iter().any(|p| p.starts_with("physical integrity")) {
                let _ = writeln!(
                    t,
                    "Physical integrity is very bad (at or above {:.0}/100), and good governance elsewhere cannot offset that, so the band is kept at least \"{}\".",
                    fl.threshold, fl.min_band
                );
            }
            if let Some(adj) = a.adjusted_band
                && doc.sectors.shift_one_band_up.contains(&input.end_user.sector)
            {
                let how = if a.country_band == Some(Band::VeryHigh) {
                    "but it is already the highest band".to_string()
                } else {
                    format!("to \"{adj}\"")
                };
                let _ = writeln!(
                    t,
                    "The end user is {}, a security or intelligence body, so the policy raises the risk band one step, {how}.",
                    input.end_user.sector.plain()
                );
            }
            if let Some(adj) = a.adjusted_band {
                let _ = writeln!(
                    t,
                    "For a tier {} item and a destination in the \"{adj}\" band, the policy's table gives: {}.",
                    input.item.tier,
                    doc.outcomes.for_tier(input.item.tier).get(adj).plain()
                );
            }
            if a.near_band_edge {
                let _ = writeln!(
                    t,
                    "The score is within {} points of the next band, so the case is treated with the caution of that band (at most a referral): {}.",
                    doc.scoring.near_edge_margin,
                    a.band_outcome.plain()
                );
            }
        }
        _ => {
            let _ = writeln!(
                t,
                "\nThe destination: no human-rights or governance indicator data is loaded for {country}, so no score can be computed and a person must assess it."
            );
        }
    }
    if a.red_flags.is_empty() {
        let _ = writeln!(t, "\nNo red flags were raised.");
    } else {
        let _ = writeln!(t, "\nRed flags:");
        for f in &a.red_flags {
            let cites = f
                .evidence
                .iter()
                .map(|e| {
                    let mut c = format!("{}: {}", e.source, e.detail);
                    if let Some(d) = &e.date {
                        let _ = write!(c, ", {d}");
                    }
                    if let Some(u) = &e.url {
                        let _ = write!(c, ", {u}");
                    }
                    c
                })
                .collect::<Vec<_>>()
                .join(" | ");
            let _ = writeln!(
                t,
                "- {} This alone calls for at least: {}. Evidence: {cites}",
                f.summary,
                f.outcome.plain()
            );
        }
        if a.recommended_outcome > a.band_outcome {
            let _ = writeln!(
                t,
                "The strictest red flag decides the recommendation: {}.",
                a.recommended_outcome.plain()
            );
        }
    }
    if !a.recommended_conditions.is_empty() {
        let lead = if a.recommended_outcome == Outcome::ApproveWithConditions {
            "Conditions"
        } else {
            "If a licence were nevertheless granted, conditions"
        };
        let _ = writeln!(
            t,
            "\n{lead}: {}.",
            a.recommended_conditions.iter().map(|c| c.plain()).collect::<Vec<_>>().join("; ")
        );
    }
    let _ = write!(
        t,
        "\nMethod: policy \"{}\" version {} (SHA-256 {}); data: {}.",
        a.policy.id,
        a.policy.version,
        &a.policy.sha256[..12.min(a.policy.sha256.len())],
        a.data_versions
            .iter()
            .map(|d| format!("{} release {}", d.name, d.release))
            .collect::<Vec<_>>()
            .join("; ")
    );
    t
}

pub(crate) fn what_would_change(ctx: &BandContext<'_>, a: &Assessment) -> String {
    let doc = &ctx.policy.doc;
    let mut parts: Vec<String> = Vec::new();
    if a.recommended_outcome > a.band_outcome {
        let kinds: Vec<&str> =
            a.red_flags.iter().filter(|f| f.outcome > a.band_outcome).map(|f| f.kind.as_str()).collect();
        parts.push(format!(
            "The red flag(s) {} set this outcome; only if the facts behind them change (or an approver clears them with a recorded reason) would the score-based recommendation, {}, apply.",
            kinds.join(", "),
            a.band_outcome
        ));
    }
    // Red flags stay whatever the score does, so every counterfactual below includes them.
    let flag_max = a.red_flags.iter().map(|f| f.outcome).max();
    let with_flags = |o: Outcome| flag_max.map_or(o, |f| o.max(f));
    let now = a.recommended_outcome;
    if let (Some(score), Some(b0)) = (a.country_score, a.country_band) {
        if let Some(lower) = band_down(b0) {
            let threshold = doc.bands.lower_edge(b0) - doc.scoring.near_edge_margin;
            let band_only = ctx.outcome_for(lower);
            let o = with_flags(band_only);
            if o < now {
                parts.push(format!(
                    "A destination score below {threshold:.0} (now {score:.0}) would give {o}."
                ));
            } else if band_only < a.band_outcome {
                parts.push(format!(
                    "A destination score below {threshold:.0} (now {score:.0}) would not change it while the red flag(s) {} stand.",
                    a.red_flags.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        if doc.bands.next_edge(b0).is_some() {
            let o = with_flags(ctx.outcome_for(b0.up()));
            if o > now {
                parts
                    .push(format!("A score of {:.0} or more would give {o}.", doc.bands.lower_edge(b0.up())));
            }
        }
        if doc.sectors.shift_one_band_up.contains(&ctx.sector) {
            let civil = BandContext {
                policy: ctx.policy,
                pi_score: ctx.pi_score,
                sector: Sector::CivilGovernment,
                tier: ctx.tier,
                cyber: ctx.cyber,
            };
            let o = with_flags(civil.outcome_for(b0));
            if o != now {
                parts.push(format!(
                    "For a civilian (non-security) end user the band would not be raised and the recommendation would be {o}."
                ));
            }
        }
    }
    let missing: Vec<&str> =
        a.factors.iter().filter(|f| f.score.is_none()).map(|f| f.name.as_str()).collect();
    if !missing.is_empty() {
        let datasets: std::collections::BTreeSet<&str> =
            a.factors.iter().flat_map(|f| f.missing.iter().map(|m| m.dataset.as_str())).collect();
        parts.push(format!(
            "No data for: {}. Importing the missing datasets ({}) could move the score.",
            missing.join("; "),
            datasets.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let has = |k: RedFlagKind| a.red_flags.iter().any(|f| f.kind == k);
    if a.recommended_outcome < Outcome::PresumptionOfDenial && !has(RedFlagKind::EndUserAbuseEvidence) {
        parts.push(format!(
            "Credible evidence that this end user used similar technology against journalists or activists would make it at least {}; sanctions or an embargo would make it {}.",
            doc.red_flags.end_user_abuse_evidence.outcome, doc.red_flags.sanctions_embargo.outcome
        ));
    }
    if parts.is_empty() {
        "Nothing in the policy's table would change this outcome short of a change in the facts.".into()
    } else {
        parts.join(" ")
    }
}
