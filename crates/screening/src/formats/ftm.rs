//! FollowTheMoney entities as JSON lines (the OpenSanctions export format).
//!
//! Only the screenable schemata are kept (Person, Organization, Company, LegalEntity, PublicBody,
//! Vessel, Airplane); other records in the stream (Address, Sanction, Ownership, ...) are skipped.

use super::{parse_dates, read_file};
use crate::error::Error;
use crate::model::{Entry, Identifier, NameStrength, Schema};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
struct FtmEntity {
    id: String,
    schema: String,
    #[serde(default)]
    properties: BTreeMap<String, Vec<serde_json::Value>>,
    #[serde(default)]
    datasets: Vec<String>,
}

const ID_PROPS: &[&str] = &[
    "idNumber",
    "passportNumber",
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "imoNumber",
    "mmsi",
    "swiftBic",
    "leiCode",
    "vatCode",
    "callSign",
];

/// Reads FtM JSON lines.
pub fn parse_ftm_json(path: &Path) -> Result<Vec<Entry>, Error> {
    let bytes = read_file(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        Error::parse(path, line, "not UTF-8 text")
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let ent: FtmEntity = serde_json::from_str(line)
            .map_err(|e| Error::parse(path, n, format!("not an FtM entity: {e}")))?;
        let schema = match ent.schema.as_str() {
            "Person" => Schema::Person,
            "Organization" | "Company" | "PublicBody" => Schema::Organization,
            "LegalEntity" => Schema::LegalEntity,
            "Vessel" => Schema::Vessel,
            "Airplane" => Schema::Aircraft,
            _ => continue,
        };
        let strings = |prop: &str| -> Vec<String> {
            ent.properties
                .get(prop)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let list = ent.datasets.first().cloned().unwrap_or_else(|| "ftm".to_string());
        let mut e = Entry::new(list, ent.id.clone(), schema);
        let names = strings("name");
        if names.is_empty() {
            return Err(Error::parse(path, n, format!("entity {} has no `name` property", ent.id)));
        }
        for (k, name) in names.iter().enumerate() {
            let strength = if k == 0 { NameStrength::Primary } else { NameStrength::Strong };
            e.add_name(name, strength, None);
        }
        for (prop, strength) in [
            ("alias", NameStrength::Strong),
            ("previousName", NameStrength::Strong),
            ("weakAlias", NameStrength::Weak),
        ] {
            for name in strings(prop) {
                e.add_name(&name, strength, Some(prop));
            }
        }
        for prop in ["country", "nationality", "citizenship", "jurisdiction", "flag", "mainCountry"] {
            for c in strings(prop) {
                e.add_country(&c);
            }
        }
        for prop in ["birthDate", "incorporationDate", "buildDate"] {
            if prop != "birthDate" && schema == Schema::Person {
                continue;
            }
            for d in strings(prop) {
                for date in parse_dates(&d) {
                    e.add_birth_date(date);
                }
            }
        }
        for prop in ID_PROPS {
            for v in strings(prop) {
                e.identifiers.push(Identifier { kind: (*prop).to_string(), value: v, country: None });
            }
        }
        for a in strings("address") {
            Entry::push_unique(&mut e.addresses, &a);
        }
        for p in strings("program").into_iter().chain(strings("programId")) {
            Entry::push_unique(&mut e.programs, &p);
        }
        out.push(e);
    }
    Ok(out)
}
