//! Two assessments side by side: what a re-assessment changed (a new policy, new data, new evidence,
//! a later date). Pure: the same two assessments give the same rows.

use serde::Serialize;

use crate::assess::Assessment;

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What is compared ("Recommended outcome", "Factor: Civil liberties", "Data: wgi", …).
    pub what: String,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

fn row(what: impl Into<String>, before: String, after: String) -> Difference {
    let changed = before != after;
    Difference { what: what.into(), before, after, changed }
}

fn score(s: Option<f64>) -> String {
    s.map_or_else(|| "no data".into(), |x| format!("{x:.1}"))
}

/// Every line of `before` and `after` side by side, the summary first (outcome, band, score, red
/// flags), then the factors, the policy and the data releases; `changed` marks what differs.
pub fn differences(before: &Assessment, after: &Assessment) -> Vec<Difference> {
    let band = |a: &Assessment| a.adjusted_band.map_or_else(|| "none".into(), |b| b.to_string());
    let flags = |a: &Assessment| {
        if a.red_flags.is_empty() {
            "none".to_string()
        } else {
            a.red_flags.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>().join(", ")
        }
    };
    let mut out = vec![
        row(
            "Recommended outcome",
            before.recommended_outcome.plain().into(),
            after.recommended_outcome.plain().into(),
        ),
        row("Risk band", band(before), band(after)),
        row("Country score (0–100)", score(before.country_score), score(after.country_score)),
        row("Red flags", flags(before), flags(after)),
        row("Assessment date", before.assessment_date.to_string(), after.assessment_date.to_string()),
    ];
    let mut factors: Vec<(&str, &str)> =
        before.factors.iter().chain(&after.factors).map(|f| (f.id.as_str(), f.name.as_str())).collect();
    factors.sort();
    factors.dedup_by_key(|f| f.0);
    for (id, name) in factors {
        let of =
            |a: &Assessment| a.factors.iter().find(|f| f.id == id).map_or("—".into(), |f| score(f.score));
        out.push(row(format!("Factor: {name}"), of(before), of(after)));
    }
    out.push(row(
        "Policy",
        format!("{} {}", before.policy.id, before.policy.version),
        format!("{} {}", after.policy.id, after.policy.version),
    ));
    let mut sets: Vec<&str> =
        before.data_versions.iter().chain(&after.data_versions).map(|d| d.dataset.as_str()).collect();
    sets.sort();
    sets.dedup();
    for set in sets {
        let of = |a: &Assessment| {
            a.data_versions.iter().find(|d| d.dataset == set).map_or("—".into(), |d| d.release.clone())
        };
        out.push(row(format!("Data: {set}"), of(before), of(after)));
    }
    out
}
