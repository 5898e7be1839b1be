//! Property tests: worse indicator values never lower the risk; weights renormalise over the factors
//! that have data.

mod common;

use common::{input, policy};
use oversight_risk::{DatasetMeta, IndicatorStore, Iso3, Sector, Tier, assess};
use proptest::prelude::*;

/// Every (dataset, variable, best, worst) the bundled policy scores, in policy order.
fn specs() -> Vec<(String, String, f64, f64)> {
    policy()
        .doc
        .factors
        .iter()
        .flat_map(|f| f.indicators.iter().map(|i| (i.dataset.clone(), i.variable.clone(), i.best, i.worst)))
        .collect()
}

/// A store for Norway with indicator k set at `pos[k]` of the way from best (0) to worst (1), or
/// absent when `None`. Only one year, so no decline flag interferes.
fn store(pos: &[Option<f64>]) -> IndicatorStore {
    let mut s = IndicatorStore::new();
    let iso = Iso3::parse("NOR").unwrap();
    for ((ds, var, best, worst), p) in specs().into_iter().zip(pos) {
        if let Some(p) = p {
            let meta = DatasetMeta::new(&ds, &ds, "t", "test", "https://example.org");
            s.insert(&meta, &iso, &var, 2025, best + (worst - best) * p);
        }
    }
    s
}

fn positions() -> impl Strategy<Value = Vec<Option<f64>>> {
    prop::collection::vec(prop::option::weighted(0.8, -0.2f64..1.2), specs().len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn worsening_any_indicator_never_lowers_score_band_or_outcome(
        pos in positions(),
        k in 0usize..100,
        delta in 0.0f64..1.0,
        tier in prop::sample::select(vec![Tier::A, Tier::B, Tier::C]),
        sector in prop::sample::select(Sector::ALL.to_vec()),
    ) {
        let k = k % pos.len();
        let mut worse = pos.clone();
        worse[k] = Some(pos[k].unwrap_or(0.5) + delta);
        if pos[k].is_none() {
            // Adding data changes which factors count; compare like with like.
            return Ok(());
        }
        let i = input("NOR", "X", tier, sector);
        let a = assess(policy(), &store(&pos), &i);
        let b = assess(policy(), &store(&worse), &i);
        if let (Some(sa), Some(sb)) = (a.country_score, b.country_score) {
            prop_assert!(sb >= sa - 1e-9, "score {sa} -> {sb}");
        }
        prop_assert!(b.adjusted_band >= a.adjusted_band);
        prop_assert!(b.band_outcome >= a.band_outcome, "{} -> {}", a.band_outcome, b.band_outcome);
        prop_assert!(b.recommended_outcome >= a.recommended_outcome,
            "{} -> {}", a.recommended_outcome, b.recommended_outcome);
    }

    #[test]
    fn weights_renormalise_over_the_factors_with_data(pos in positions()) {
        let a = assess(policy(), &store(&pos), &input("NOR", "X", Tier::B, Sector::Commercial));
        let with_data: Vec<_> = a.factors.iter().filter(|f| f.score.is_some()).collect();
        if with_data.is_empty() {
            prop_assert!(a.country_score.is_none());
            return Ok(());
        }
        let total: f64 = with_data.iter().map(|f| f.policy_weight).sum();
        let shares: f64 = with_data.iter().map(|f| f.weight).sum();
        prop_assert!((shares - 1.0).abs() < 1e-9);
        let expected: f64 = with_data
            .iter()
            .map(|f| f.score.unwrap() * f.policy_weight / total)
            .sum();
        prop_assert!((a.country_score.unwrap() - expected).abs() < 1e-9);
        for f in &a.factors {
            if f.score.is_none() {
                prop_assert_eq!(f.weight, 0.0);
                prop_assert_eq!(f.contribution, 0.0);
            }
            let ind_sum: f64 = f.indicators.iter().map(|i| i.contribution).sum();
            prop_assert!((ind_sum - f.contribution).abs() < 1e-9);
        }
        let all: f64 = a.factors.iter().map(|f| f.policy_weight).sum();
        prop_assert!((a.weight_coverage - total / all).abs() < 1e-12);
    }
}
