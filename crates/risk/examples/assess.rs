//! Runs an assessment from the command line with the same flags as `oversight assess`, for use while
//! the CLI crate is being assembled:
//!
//! ```text
//! cargo run -p oversight-risk --example assess -- --destination PRK --item 5A001.j \
//!     --end-user-sector intelligence [--end-user NAME] [--json] [--date 2026-11-27] [--tier A]
//! ```
//!
//! The control list lives in `oversight-domain` (`data/control-list/surveillance.toml`); this example
//! mirrors its entries' tiers so the risk crate stays independent of it, and takes `--tier` otherwise.

use anyhow_free::Result;
use clap::Parser;
use oversight_risk::{
    AssessmentInput, EndUserInput, IndicatorStore, Iso3, ItemInput, Policy, Sector, Tier, assess,
    embargo::Embargoes, seed_evidence,
};

mod anyhow_free {
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;
}

#[derive(Parser, Debug)]
struct Args {
    #[arg(long)]
    destination: String,
    #[arg(long)]
    item: String,
    #[arg(long)]
    end_user_sector: String,
    #[arg(long)]
    end_user: Option<String>,
    #[arg(long)]
    json: bool,
    /// Assessment date (default 2026-11-27, so output is reproducible).
    #[arg(long, default_value = "2026-11-27")]
    date: chrono::NaiveDate,
    /// Tier for codes this example does not know.
    #[arg(long)]
    tier: Option<String>,
}

fn known_item(code: &str) -> Option<(Tier, bool)> {
    Some(match code.to_ascii_uppercase().as_str() {
        "4A005" | "4D004" | "4E001.C" | "5A001.F" | "5A001.J" | "5D001.E" | "NAT-LOC" => (Tier::A, true),
        "5A004.B" | "NAT-FRS" | "CATCH-ALL" => (Tier::B, true),
        "NAT-SMA" => (Tier::C, true),
        "SH-NETMGMT" => (Tier::C, false),
        _ => return None,
    })
}

fn main() -> Result<()> {
    let args = Args::parse();
    let destination = Iso3::parse(&args.destination)?;
    let sector: Sector = args.end_user_sector.parse()?;
    let (tier, cyber) = match (known_item(&args.item), args.tier.as_deref()) {
        (_, Some(t)) => (
            match t {
                "A" => Tier::A,
                "B" => Tier::B,
                "C" => Tier::C,
                _ => return Err(format!("unknown tier `{t}`").into()),
            },
            true,
        ),
        (Some(x), None) => x,
        (None, None) => return Err(format!("unknown control entry `{}`; pass --tier", args.item).into()),
    };
    let sanctions = Embargoes::bundled()?.facts_for(&destination);
    let input = AssessmentInput {
        destination,
        item: ItemInput { control_code: args.item.clone(), tier, cyber_surveillance: cyber },
        end_user: EndUserInput { sector, name: args.end_user.clone() },
        screening_hits: vec![],
        sanctions,
        prior_denials: vec![],
        established_violations: vec![],
        evidence: seed_evidence()?,
        assessment_date: args.date,
    };
    let a = assess(&Policy::bundled(), &IndicatorStore::bundled()?, &input);
    if args.json {
        println!("{}", serde_json::to_string(&a)?);
    } else {
        println!("{}\n\nWhat would change this outcome: {}", a.rationale, a.what_would_change);
        println!("\nRule path:\n  {}", a.rule_path.join("\n  "));
    }
    Ok(())
}
