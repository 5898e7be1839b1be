//! Prints the outcome table of `docs/risk.md`: ten destinations × three item tiers, with the bundled
//! policy, data and seed evidence register, for a police end user (and tier A for an intelligence
//! service), as of a fixed date so the table is reproducible:
//!
//! ```text
//! cargo run -p oversight-risk --example outcome_table [-- 2026-11-27]
//! ```

use oversight_risk::{
    AssessmentInput, EndUserInput, IndicatorStore, Iso3, ItemInput, Policy, Sector, Tier, assess,
    embargo::Embargoes, seed_evidence,
};

const DESTINATIONS: [&str; 10] = ["NOR", "DEU", "BRA", "HUN", "IND", "MEX", "SRB", "TUR", "SAU", "PRK"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let date = std::env::args()
        .nth(1)
        .map(|d| d.parse())
        .transpose()?
        .unwrap_or(chrono::NaiveDate::from_ymd_opt(2026, 11, 27).ok_or("date")?);
    let policy = Policy::bundled();
    let data = IndicatorStore::bundled()?;
    let evidence = seed_evidence()?;
    let embargoes = Embargoes::bundled()?;
    let run = |iso: &Iso3, code: &str, tier: Tier, sector: Sector| {
        assess(
            &policy,
            &data,
            &AssessmentInput {
                destination: iso.clone(),
                item: ItemInput { control_code: code.into(), tier, cyber_surveillance: true },
                end_user: EndUserInput { sector, name: None },
                screening_hits: vec![],
                sanctions: embargoes.facts_for(iso),
                prior_denials: vec![],
                established_violations: vec![],
                evidence: evidence.clone(),
                assessment_date: date,
            },
        )
    };
    println!(
        "| destination | score | band | police: tier A (5A001.j) | police: tier B (5A004.b) | police: tier C (NAT-SMA) | intelligence: tier A | red flags (tier A, police) | missing factors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for code in DESTINATIONS {
        let iso = Iso3::parse(code)?;
        let a = run(&iso, "5A001.j", Tier::A, Sector::Police);
        let b = run(&iso, "5A004.b", Tier::B, Sector::Police);
        let c = run(&iso, "NAT-SMA", Tier::C, Sector::Police);
        let ai = run(&iso, "5A001.j", Tier::A, Sector::Intelligence);
        let flags: Vec<&str> = a.red_flags.iter().map(|f| f.kind.as_str()).collect();
        let missing: Vec<&str> =
            a.factors.iter().filter(|f| f.score.is_none()).map(|f| f.id.as_str()).collect();
        println!(
            "| {} {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            iso,
            iso.common_name(),
            a.country_score.map(|s| format!("{s:.1}")).unwrap_or("–".into()),
            a.country_band.map(|b| b.to_string()).unwrap_or("–".into()),
            a.recommended_outcome,
            b.recommended_outcome,
            c.recommended_outcome,
            ai.recommended_outcome,
            if flags.is_empty() { "–".into() } else { flags.join(", ") },
            missing.join(", ")
        );
    }
    Ok(())
}
