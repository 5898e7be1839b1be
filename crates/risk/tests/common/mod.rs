#![allow(dead_code)]

use std::sync::OnceLock;

use chrono::NaiveDate;
use oversight_risk::{AssessmentInput, EndUserInput, IndicatorStore, Iso3, ItemInput, Policy, Sector, Tier};

pub fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(Policy::bundled)
}

pub fn data() -> &'static IndicatorStore {
    static D: OnceLock<IndicatorStore> = OnceLock::new();
    D.get_or_init(|| IndicatorStore::bundled().unwrap())
}

pub fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

pub fn input(iso: &str, code: &str, tier: Tier, sector: Sector) -> AssessmentInput {
    AssessmentInput {
        destination: Iso3::parse(iso).unwrap(),
        item: ItemInput { control_code: code.into(), tier, cyber_surveillance: true },
        end_user: EndUserInput { sector, name: None },
        screening_hits: vec![],
        sanctions: vec![],
        prior_denials: vec![],
        established_violations: vec![],
        evidence: vec![],
        assessment_date: date(),
    }
}
