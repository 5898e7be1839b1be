//! `oversight assess`: a destination risk assessment for one item and end user, from the shipped
//! control list, indicator data, evidence register seed and policy (crate `oversight-risk`).
//!
//! ```text
//! oversight assess --destination COUNTRY --item ENTRY --end-user-sector SECTOR [--end-user NAME] [--json]
//! ```
//!
//! COUNTRY is an ISO 3166-1 alpha-2 or alpha-3 code; an unknown code is an error, never a guess.
//! The assessment is dated today (UTC). Case facts that only the workflow knows (screening hits,
//! prior denials, findings of UN/EU/CoE bodies, end-user-level evidence) are not taken from the
//! command line; the destination-level embargoes in `data/policy/embargoes-v1.toml` are.

use anyhow::{Context, Result, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use oversight_domain::control_list::{ControlList, Tier as DomainTier};
use oversight_risk::{
    AssessmentInput, EndUserInput, IndicatorStore, Iso3, ItemInput, Policy, Sector, Tier, assess,
    embargo::Embargoes, seed_evidence,
};

#[derive(clap::Args, Debug)]
pub struct AssessArgs {
    /// Destination country: ISO 3166-1 alpha-2 or alpha-3 code (e.g. NO or NOR).
    #[arg(long, value_name = "COUNTRY")]
    pub destination: String,
    /// Control-list entry of the item (e.g. 5A001.j), or CATCH-ALL for an unlisted
    /// cyber-surveillance item.
    #[arg(long, value_name = "ENTRY")]
    pub item: String,
    /// End-user sector.
    #[arg(
        long,
        value_name = "SECTOR",
        value_parser = PossibleValuesParser::new(Sector::ALL.map(|s| s.as_str()))
            .try_map(|s| s.parse::<Sector>())
    )]
    pub end_user_sector: Sector,
    /// Name of the end user (matched against end-user-level evidence).
    #[arg(long, value_name = "NAME")]
    pub end_user: Option<String>,
    /// Print the assessment as one JSON object (`recommended_outcome` holds the outcome).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: AssessArgs) -> Result<()> {
    let destination = Iso3::parse(&args.destination)?;
    let list = ControlList::bundled();
    let Some(entry) = list.get(&args.item) else {
        bail!(
            "unknown control-list entry `{}` (control list version {}); use CATCH-ALL for an unlisted cyber-surveillance item",
            args.item,
            list.version()
        );
    };
    let tier = match entry.tier {
        DomainTier::A => Tier::A,
        DomainTier::B => Tier::B,
        DomainTier::C => Tier::C,
    };
    let policy = Policy::bundled();
    let data = IndicatorStore::bundled().context("loading the bundled indicator data")?;
    let evidence = seed_evidence().context("loading the bundled evidence register seed")?;
    let sanctions = Embargoes::bundled().context("loading the bundled embargo list")?.facts_for(&destination);
    let input = AssessmentInput {
        destination,
        item: ItemInput {
            control_code: entry.code.clone(),
            tier,
            cyber_surveillance: entry.cyber_surveillance,
        },
        end_user: EndUserInput { sector: args.end_user_sector, name: args.end_user.clone() },
        screening_hits: Vec::new(),
        sanctions,
        prior_denials: Vec::new(),
        established_violations: Vec::new(),
        evidence,
        assessment_date: oversight_risk::chrono::Utc::now().date_naive(),
    };
    let a = assess(&policy, &data, &input);
    if args.json {
        println!("{}", serde_json::to_string(&a).context("serialising the assessment")?);
        return Ok(());
    }
    println!("{} — {}", entry.code, entry.title);
    if entry.safe_harbour {
        println!(
            "Note: this entry is on the safe-harbour list; it needs no licence. The assessment below is for information."
        );
    }
    println!("\n{}", a.rationale);
    println!("\nWhat would change this outcome: {}", a.what_would_change);
    println!("\nHow the recommendation was reached:");
    for step in &a.rule_path {
        println!("  - {step}");
    }
    println!(
        "\nNot considered here (the case workflow adds them): restricted-party screening, prior denials, findings of UN/EU/Council of Europe bodies, end-user-level evidence."
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        args: AssessArgs,
    }

    fn parse(argv: &[&str]) -> Result<AssessArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("assess").chain(argv.iter().copied())).map(|c| c.args)
    }

    #[test]
    fn the_documented_flags_parse() {
        let a = parse(&[
            "--destination",
            "NO",
            "--item",
            "5A004.b",
            "--end-user-sector",
            "interior_ministry",
            "--end-user",
            "Kripos",
            "--json",
        ])
        .unwrap();
        assert_eq!(a.end_user_sector, Sector::InteriorMinistry);
        assert!(a.json);
        assert_eq!(a.end_user.as_deref(), Some("Kripos"));
    }

    #[test]
    fn an_unknown_sector_is_refused_by_the_parser() {
        assert!(parse(&["--destination", "NO", "--item", "5A004.b", "--end-user-sector", "spies"]).is_err());
    }

    #[test]
    fn an_unknown_country_code_is_an_error_not_a_guess() {
        let a =
            parse(&["--destination", "Norway", "--item", "5A004.b", "--end-user-sector", "police"]).unwrap();
        let e = run(a).unwrap_err().to_string();
        assert!(e.contains("unknown country code"), "{e}");
    }

    #[test]
    fn an_unknown_control_entry_is_an_error() {
        let a = parse(&["--destination", "NOR", "--item", "9Z999", "--end-user-sector", "police"]).unwrap();
        assert!(run(a).unwrap_err().to_string().contains("unknown control-list entry"));
    }
}
