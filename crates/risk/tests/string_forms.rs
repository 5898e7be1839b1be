//! The string forms of the risk vocabularies are in stored assessment records, the policy file and the
//! API: pinned here, and records written before the vocabularies were merged still read.

mod common;

use oversight_risk::{
    AssessmentInput, Band, Confidence, Iso3, Outcome, Policy, RedFlagKind, Sector, Tier, assess,
};
use serde_json::json;

fn json_str(v: impl serde::Serialize) -> String {
    serde_json::to_value(v).unwrap().as_str().unwrap().to_string()
}

#[test]
fn outcomes_red_flags_confidences_and_bands_keep_their_names() {
    use RedFlagKind::*;
    for o in [
        Outcome::Approve,
        Outcome::ApproveWithConditions,
        Outcome::Refer,
        Outcome::PresumptionOfDenial,
        Outcome::Deny,
    ] {
        assert_eq!(json_str(o), o.as_str());
        assert_eq!(o.to_string(), o.as_str());
    }
    assert_eq!(Outcome::PresumptionOfDenial.as_str(), "presumption_of_denial");
    for k in [
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
    ] {
        assert_eq!(json_str(k), k.as_str());
    }
    assert_eq!(ClosedAutocracyTierA.as_str(), "closed_autocracy_tier_a");

    let texts: Vec<&str> = [Confidence::Low, Confidence::Medium, Confidence::MediumHigh, Confidence::High]
        .map(|c| c.as_str())
        .into();
    assert_eq!(texts, ["low", "medium", "medium-high", "high"]);
    assert_eq!(json_str(Confidence::MediumHigh), "medium_high");
    for text in ["medium-high", "medium_high", " Medium-High "] {
        assert_eq!(text.parse::<Confidence>().unwrap(), Confidence::MediumHigh, "{text}");
    }
    assert_eq!(
        "certain".parse::<Confidence>().unwrap_err(),
        "unknown confidence `certain` (low, medium, medium-high, high)"
    );

    assert_eq!(Band::ALL, [Band::Low, Band::Elevated, Band::High, Band::VeryHigh]);
    assert_eq!(Band::VeryHigh.to_string(), "very high");
    assert_eq!(json_str(Band::VeryHigh), "very_high");
    assert_eq!(Tier::A.to_string(), "A");
}

#[test]
fn the_bundled_policy_still_names_security_forces_with_its_old_spelling() {
    // The file says `other_security`; it is not edited, so its hash (named by every recorded
    // assessment) stays the same.
    assert!(Policy::bundled_text().contains(r#""other_security"]"#));
    assert!(Policy::bundled().doc.sectors.shift_one_band_up.contains(&Sector::OtherSecurityForces));
}

/// An assessment input as stored before the vocabularies were merged (risk's `other_security`,
/// alpha-3 destination) and as written now: both read; countries stay alpha-3 in risk records.
#[test]
fn stored_assessment_inputs_keep_reading() {
    for sector in ["other_security", "other_security_forces"] {
        let stored = json!({
            "destination": "NOR",
            "item": { "control_code": "5A001.j", "tier": "A", "cyber_surveillance": true },
            "end_user": { "sector": sector, "name": "Police Security Service" },
            "assessment_date": "2026-11-27",
        });
        let input: AssessmentInput = serde_json::from_value(stored).unwrap();
        assert_eq!(input.end_user.sector, Sector::OtherSecurityForces);
        assert_eq!(input.destination, Iso3::parse("NO").unwrap());
        let again = serde_json::to_value(&input).unwrap();
        assert_eq!(again["destination"], "NOR");
        assert_eq!(again["end_user"]["sector"], "other_security_forces");

        let a = assess(common::policy(), common::data(), &input);
        assert_eq!(serde_json::to_value(&a).unwrap()["destination"], "NOR");
        assert_eq!(a.destination_name, "Norway");
    }
}
