//! Two assessments side by side (`oversight_risk::compare`).

mod common;

use common::{data, input, policy};
use oversight_risk::{Outcome, Sector, Tier, assess, compare::differences};

#[test]
fn an_assessment_compared_with_itself_changes_nothing_and_a_change_shows_where() {
    let a = assess(policy(), data(), &input("NOR", "5A001.f", Tier::B, Sector::Police));
    let same = differences(&a, &a);
    assert!(same.len() > 5 && same.iter().all(|d| !d.changed), "{same:?}");
    assert!(
        same.iter().any(|d| d.what.starts_with("Factor: "))
            && same.iter().any(|d| d.what.starts_with("Data: "))
    );
    let mut b = a.clone();
    b.country_score = b.country_score.map(|s| s + 7.0);
    b.recommended_outcome = Outcome::Deny;
    let rows = differences(&a, &b);
    let changed: Vec<&str> = rows.iter().filter(|d| d.changed).map(|d| d.what.as_str()).collect();
    assert_eq!(changed, vec!["Recommended outcome", "Country score (0–100)"]);
    // Another destination: the score and factors differ, the policy does not.
    let c = assess(policy(), data(), &input("SAU", "5A001.f", Tier::B, Sector::Intelligence));
    let rows = differences(&a, &c);
    assert!(rows.iter().any(|d| d.what.starts_with("Factor: ") && d.changed));
    assert!(rows.iter().any(|d| d.what == "Policy" && !d.changed));
}
