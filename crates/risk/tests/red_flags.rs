//! Each red-flag rule of DOMAIN §6 fires where it should and stays quiet where it should not.

mod common;

use chrono::NaiveDate;
use common::{data, date, input, policy};
use oversight_risk::{
    Assessment, AssessmentInput, Confidence, DatasetMeta, EstablishedViolation, EvidenceEntry, EvidenceScope,
    HitStatus, IndicatorStore, Iso3, Outcome, PriorDenial, RedFlagKind, SanctionsFact, SanctionsTarget,
    ScreeningHit, Sector, Tier, assess, seed_evidence,
};

fn run(i: &AssessmentInput) -> Assessment {
    assess(policy(), data(), i)
}

fn flag(a: &Assessment, k: RedFlagKind) -> Option<Outcome> {
    a.red_flags.iter().find(|f| f.kind == k).map(|f| f.outcome)
}

fn clean_nor() -> AssessmentInput {
    input("NOR", "5A004.b", Tier::B, Sector::CivilGovernment)
}

#[test]
fn a_clean_case_in_a_low_risk_destination_raises_no_red_flag() {
    let a = run(&clean_nor());
    assert!(a.red_flags.is_empty(), "{:?}", a.red_flags);
    assert_eq!(a.recommended_outcome, Outcome::ApproveWithConditions);
}

#[test]
fn sanctions_on_the_destination_or_a_party_deny() {
    let mut i = clean_nor();
    i.sanctions.push(SanctionsFact {
        applies_to: SanctionsTarget::Party { name: "Acme Trading FZE".into() },
        regime: "EU asset freeze".into(),
        reference: "Council Regulation (EU) 2014/269".into(),
        url: None,
    });
    let a = run(&i);
    assert_eq!(flag(&a, RedFlagKind::SanctionsEmbargo), Some(Outcome::Deny));
    assert_eq!(a.recommended_outcome, Outcome::Deny);
    assert!(a.rationale.contains("Acme Trading FZE"));
    assert!(a.recommended_conditions.is_empty());
}

#[test]
fn restricted_party_hits_refer_when_unreviewed_presume_denial_when_confirmed_and_vanish_when_false() {
    let hit = |status| ScreeningHit {
        party: "Acme Trading FZE".into(),
        list: "US CSL (Entity List)".into(),
        entry_id: "e0b1c2".into(),
        score: 0.93,
        status,
    };
    let mut i = clean_nor();
    i.screening_hits = vec![hit(HitStatus::Unreviewed)];
    assert_eq!(flag(&run(&i), RedFlagKind::RestrictedParty), Some(Outcome::Refer));
    i.screening_hits = vec![hit(HitStatus::Unreviewed), hit(HitStatus::ConfirmedMatch)];
    assert_eq!(flag(&run(&i), RedFlagKind::RestrictedParty), Some(Outcome::PresumptionOfDenial));
    i.screening_hits = vec![hit(HitStatus::FalseMatch)];
    assert_eq!(flag(&run(&i), RedFlagKind::RestrictedParty), None);
}

fn end_user_entry(name: &str, year: i32, confidence: Confidence) -> EvidenceEntry {
    EvidenceEntry {
        id: "ev-1".into(),
        iso3: Iso3::parse("NOR").unwrap(),
        scope: EvidenceScope::EndUser { name: name.into() },
        finding: "spyware used against two journalists".into(),
        evidence_type: "forensic_confirmed_targeting_of_journalists".into(),
        technology: "Example spyware".into(),
        attributed_actor: name.into(),
        source: "Citizen Lab".into(),
        report: "Example report".into(),
        url: Some("https://example.org/report".into()),
        year,
        date: None,
        confidence,
        reviewer: Some("A. Assessor".into()),
        note: String::new(),
    }
}

#[test]
fn evidence_that_this_end_user_abused_similar_technology_presumes_denial() {
    let mut i = clean_nor();
    i.end_user.name = Some("National Criminal Investigation Service (Kripos)".into());
    i.evidence =
        vec![end_user_entry("national criminal investigation service kripos", 2024, Confidence::High)];
    let a = run(&i);
    assert_eq!(flag(&a, RedFlagKind::EndUserAbuseEvidence), Some(Outcome::PresumptionOfDenial));
    assert_eq!(a.recommended_outcome, Outcome::PresumptionOfDenial);
    assert!(a.rationale.contains("https://example.org/report"));
}

#[test]
fn end_user_evidence_about_someone_else_or_weak_old_or_future_does_not_fire() {
    let mut i = clean_nor();
    i.end_user.name = Some("Kripos".into());
    for e in [
        end_user_entry("Police Security Service", 2024, Confidence::High),
        end_user_entry("Kripos", 2024, Confidence::Low),
        end_user_entry("Kripos", 2010, Confidence::High),
        end_user_entry("Kripos", 2027, Confidence::High),
    ] {
        i.evidence = vec![e.clone()];
        assert_eq!(flag(&run(&i), RedFlagKind::EndUserAbuseEvidence), None, "{e:?}");
    }
    // Without an end-user name nothing can be matched to the end user.
    i.end_user.name = None;
    i.evidence = vec![end_user_entry("Kripos", 2024, Confidence::High)];
    assert_eq!(flag(&run(&i), RedFlagKind::EndUserAbuseEvidence), None);
}

#[test]
fn country_level_seed_evidence_refers_cyber_surveillance_items_only() {
    let mut i = input("MEX", "5A004.b", Tier::B, Sector::CivilGovernment);
    i.evidence = seed_evidence().unwrap();
    let a = run(&i);
    assert_eq!(flag(&a, RedFlagKind::CountryAbuseEvidence), Some(Outcome::Refer));
    assert!(a.rationale.contains("Citizen Lab"));
    i.item.cyber_surveillance = false;
    assert_eq!(flag(&run(&i), RedFlagKind::CountryAbuseEvidence), None);
    let mut n = clean_nor();
    n.evidence = seed_evidence().unwrap();
    assert_eq!(flag(&run(&n), RedFlagKind::CountryAbuseEvidence), None);
}

#[test]
fn serious_violations_established_by_competent_bodies_refer() {
    let mut i = clean_nor();
    let v = EstablishedViolation {
        body: "UN Human Rights Committee".into(),
        finding: "arbitrary interception of communications".into(),
        reference: "CCPR/C/XXX/CO/1".into(),
        url: None,
        date: NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
    };
    i.established_violations = vec![v.clone()];
    assert_eq!(flag(&run(&i), RedFlagKind::EstablishedViolations), Some(Outcome::Refer));
    // A finding dated after the assessment date is not known at that date.
    i.established_violations =
        vec![EstablishedViolation { date: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(), ..v }];
    assert_eq!(flag(&run(&i), RedFlagKind::EstablishedViolations), None);
}

#[test]
fn closed_autocracy_flags_tier_a_items_only() {
    let a = run(&input("PRK", "5A001.j", Tier::A, Sector::CivilGovernment));
    assert_eq!(flag(&a, RedFlagKind::ClosedAutocracyTierA), Some(Outcome::PresumptionOfDenial));
    let b = run(&input("PRK", "5A004.b", Tier::B, Sector::CivilGovernment));
    assert_eq!(flag(&b, RedFlagKind::ClosedAutocracyTierA), None);
    let n = run(&input("NOR", "5A001.j", Tier::A, Sector::CivilGovernment));
    assert_eq!(flag(&n, RedFlagKind::ClosedAutocracyTierA), None);
}

#[test]
fn very_weak_judicial_constraints_refer() {
    let a = run(&input("PRK", "5A004.b", Tier::B, Sector::CivilGovernment));
    assert_eq!(flag(&a, RedFlagKind::WeakJudicialConstraints), Some(Outcome::Refer));
    assert_eq!(flag(&run(&clean_nor()), RedFlagKind::WeakJudicialConstraints), None);
}

fn synthetic(libdem: &[(i32, f64)]) -> IndicatorStore {
    let mut s = IndicatorStore::new();
    let m = DatasetMeta::new("vdem_v16_owid", "V-Dem v16", "v16", "CC BY-SA 4.0", "https://v-dem.net");
    let nor = Iso3::parse("NOR").unwrap();
    for (y, v) in libdem {
        s.insert(&m, &nor, "v2x_libdem", *y, *v);
    }
    s
}

#[test]
fn a_sharp_recent_decline_refers_and_a_small_one_does_not() {
    let i = clean_nor();
    let sharp = synthetic(&[(2020, 0.80), (2025, 0.68)]);
    let a = assess(policy(), &sharp, &i);
    assert_eq!(flag(&a, RedFlagKind::SharpDecline), Some(Outcome::Refer));
    let mild = synthetic(&[(2020, 0.80), (2025, 0.75)]);
    assert_eq!(flag(&assess(policy(), &mild, &i), RedFlagKind::SharpDecline), None);
    // Real data: Mexico's liberal democracy index fell from 0.406 (2020) to 0.221 (2025).
    let m = run(&input("MEX", "5A004.b", Tier::B, Sector::CivilGovernment));
    assert!(flag(&m, RedFlagKind::SharpDecline).is_some());
}

#[test]
fn missing_or_stale_data_refers_and_full_recent_data_does_not() {
    // Aruba: World Bank data only, half the factor weight.
    let a = run(&input("ABW", "5A004.b", Tier::B, Sector::CivilGovernment));
    assert_eq!(flag(&a, RedFlagKind::MissingOrStaleData), Some(Outcome::Refer));
    assert!(a.recommended_outcome >= Outcome::Refer);
    // Antarctica: nothing at all, so no score.
    let q = run(&input("ATA", "5A004.b", Tier::C, Sector::Commercial));
    assert_eq!(q.country_score, None);
    assert_eq!(q.recommended_outcome, Outcome::Refer);
    assert!(flag(&q, RedFlagKind::MissingOrStaleData).is_some());
    // Norway in 2026 is fine; assessed as of 2031 every value is more than 3 years old.
    assert_eq!(flag(&run(&clean_nor()), RedFlagKind::MissingOrStaleData), None);
    let mut later = clean_nor();
    later.assessment_date = NaiveDate::from_ymd_opt(2031, 1, 1).unwrap();
    let l = run(&later);
    assert_eq!(flag(&l, RedFlagKind::MissingOrStaleData), Some(Outcome::Refer));
    assert!(l.recommended_outcome >= Outcome::Refer);
}

fn denial(code: &str, end_user: Option<&str>, date: NaiveDate) -> PriorDenial {
    PriorDenial {
        denied_by: "Bundesamt für Wirtschaft und Ausfuhrkontrolle (partner)".into(),
        reference: "DE-2025-0042".into(),
        date,
        destination: Iso3::parse("NOR").unwrap(),
        control_code: code.into(),
        end_user: end_user.map(Into::into),
        end_user_sector: None,
        reason: "Criterion 2".into(),
    }
}

#[test]
fn a_prior_denial_of_an_essentially_identical_transaction_presumes_denial() {
    let mut i = clean_nor();
    i.end_user.name = Some("Kripos".into());
    let d = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    i.prior_denials = vec![denial("5a004.B", Some("KRIPOS"), d)];
    assert_eq!(flag(&run(&i), RedFlagKind::PriorDenial), Some(Outcome::PresumptionOfDenial));
    for other in [
        denial("5A001.j", Some("Kripos"), d),
        denial("5A004.b", Some("Police Security Service"), d),
        denial("5A004.b", Some("Kripos"), date().succ_opt().unwrap()),
    ] {
        i.prior_denials = vec![other.clone()];
        assert_eq!(flag(&run(&i), RedFlagKind::PriorDenial), None, "{other:?}");
    }
}
