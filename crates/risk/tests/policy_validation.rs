//! A malformed policy is refused at load with the path of the offending field.

use oversight_risk::{Policy, PolicyError};

fn with(from: &str, to: &str) -> Result<Policy, PolicyError> {
    let text = Policy::bundled_text();
    assert!(text.contains(from), "fixture text `{from}` not in policy");
    Policy::from_toml(&text.replacen(from, to, 1))
}

fn err_path(from: &str, to: &str) -> (String, String) {
    let e = with(from, to).unwrap_err();
    (e.path, e.message)
}

#[test]
fn the_bundled_policy_loads_and_its_hash_is_the_hash_of_its_text() {
    let p = Policy::bundled();
    assert_eq!(p.version(), "1.0.0");
    assert_eq!(p.sha256.len(), 64);
    let edited = Policy::from_toml(&format!("{}\n# comment\n", Policy::bundled_text())).unwrap();
    assert_ne!(edited.sha256, p.sha256, "any change to the text changes the hash");
    assert_eq!(edited.doc, p.doc);
}

#[test]
fn an_unknown_field_is_refused_with_its_path() {
    let (path, msg) = err_path("near_edge_margin = 3.0", "near_edge_margin = 3.0\nnear_edge_margn = 2.0");
    assert_eq!(path, "scoring.near_edge_margn");
    assert!(msg.contains("unknown field"), "{msg}");
}

#[test]
fn a_wrong_type_is_refused_with_the_indexed_path() {
    let (path, _) = err_path("weight = 20.0", "weight = \"twenty\"");
    assert_eq!(path, "factors[1].weight");
    let (path, msg) = err_path("worst = 5.0", "worst = \"five\"");
    assert_eq!(path, "factors[0].indicators[0].worst", "{msg}");
}

#[test]
fn an_unknown_outcome_or_sector_is_refused() {
    let (path, msg) = err_path("very_high = \"deny\"", "very_high = \"forbid\"");
    assert_eq!(path, "outcomes.A.very_high");
    assert!(msg.contains("forbid"), "{msg}");
    let (path, _) = err_path("\"interior_ministry\", ", "\"home_office\", ");
    assert_eq!(path, "sectors.shift_one_band_up[3]");
}

#[test]
fn a_missing_section_is_refused() {
    let e = with("[red_flags.prior_denial]\noutcome = \"presumption_of_denial\"", "").unwrap_err();
    assert_eq!(e.path, "red_flags");
    assert!(e.message.contains("prior_denial"), "{}", e.message);
}

#[test]
fn semantic_errors_name_the_field() {
    let cases = [
        ("weight = 25.0", "weight = 0.0", "factors[0].weight"),
        ("high = 50.0", "high = 20.0", "bands"),
        ("best = 1.0\nworst = 5.0", "best = 1.0\nworst = 1.0", "factors[0].indicators[0].worst"),
        ("factor = \"physical_integrity\"", "factor = \"torture\"", "physical_integrity_floor.factor"),
        ("min_weight_coverage = 0.6", "min_weight_coverage = 1.5", "scoring.min_weight_coverage"),
        (
            "elevated = \"refer\"\nhigh = \"presumption_of_denial\"",
            "elevated = \"deny\"\nhigh = \"presumption_of_denial\"",
            "outcomes.A",
        ),
        (
            "[red_flags.sharp_decline]\noutcome = \"refer\"",
            "[red_flags.sharp_decline]\noutcome = \"approve\"",
            "red_flags.sharp_decline.outcome",
        ),
        ("no_score = \"refer\"", "no_score = \"approve\"", "outcomes.no_score"),
        ("window_years = 5", "window_years = 0", "red_flags.sharp_decline.window_years"),
        ("id = \"rule_of_law_judicial\"", "id = \"physical_integrity\"", "factors[1].id"),
    ];
    for (from, to, path) in cases {
        let e = with(from, to).unwrap_err();
        assert_eq!(e.path, path, "{from} -> {to}: {e}");
        assert!(e.to_string().starts_with("policy field `"), "{e}");
    }
}

#[test]
fn a_lower_tier_may_not_be_stricter_than_a_higher_one() {
    let e = with(
        "[outcomes.C]\nlow = \"approve\"\nelevated = \"approve\"\nhigh = \"approve_with_conditions\"\nvery_high = \"refer\"",
        "[outcomes.C]\nlow = \"approve\"\nelevated = \"approve\"\nhigh = \"approve_with_conditions\"\nvery_high = \"deny\"",
    )
    .unwrap_err();
    assert_eq!(e.path, "outcomes.*.very_high");
}

#[test]
fn syntax_errors_report_a_line() {
    let e = Policy::from_toml("[policy]\nid = \n").unwrap_err();
    assert!(e.line.is_some(), "{e:?}");
}
