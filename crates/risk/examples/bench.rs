//! Timing figures for the report (never a test gate):
//!
//! ```text
//! cargo run --release -p oversight-risk --example bench
//! ```
//!
//! Loads the bundled data and policy, then assesses every country with data × 8 sectors × 3 tiers.

use std::time::Instant;

use oversight_risk::{
    AssessmentInput, EndUserInput, IndicatorStore, ItemInput, Policy, Sector, Tier, assess, seed_evidence,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let data = IndicatorStore::bundled()?;
    let load_data = t.elapsed();
    let t = Instant::now();
    let policy = Policy::from_toml(Policy::bundled_text())?;
    let load_policy = t.elapsed();
    let evidence = seed_evidence()?;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).ok_or("date")?;
    let countries = data.countries();
    let t = Instant::now();
    let mut n = 0usize;
    let mut json_bytes = 0usize;
    for iso in &countries {
        for sector in Sector::ALL {
            for tier in [Tier::A, Tier::B, Tier::C] {
                let a = assess(
                    &policy,
                    &data,
                    &AssessmentInput {
                        destination: iso.clone(),
                        item: ItemInput { control_code: "X".into(), tier, cyber_surveillance: true },
                        end_user: EndUserInput { sector, name: None },
                        screening_hits: vec![],
                        sanctions: vec![],
                        prior_denials: vec![],
                        established_violations: vec![],
                        evidence: evidence.clone(),
                        assessment_date: date,
                    },
                );
                json_bytes += serde_json::to_string(&a)?.len();
                n += 1;
            }
        }
    }
    let all = t.elapsed();
    println!("load bundled indicator data (4 datasets, {} countries): {load_data:?}", countries.len());
    println!("parse + validate policy: {load_policy:?}");
    println!(
        "{n} assessments incl. JSON: {all:?} ({:.1} µs each, mean JSON {} bytes)",
        all.as_secs_f64() * 1e6 / n as f64,
        json_bytes / n
    );
    Ok(())
}
