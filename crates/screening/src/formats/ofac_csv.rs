//! OFAC legacy CSV layout: `sdn.csv` (or `cons_prim.csv`), `alt.csv`, `add.csv`; no header row,
//! `-0-` for empty fields. Birth dates, nationalities, identifiers and weak aliases are only found
//! in the free-text remarks ("DOB 10 Dec 1948; nationality Iran; Passport 1084010 (Egypt);
//! a.k.a. 'BNC'."), which are parsed here.

use super::{decode, parse_dates, read_file};
use crate::countries::country_code;
use crate::error::Error;
use crate::model::{Entry, Identifier, NameStrength, Schema};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Reads an OFAC legacy CSV folder (SDN or consolidated non-SDN file names).
pub fn parse_ofac_csv(dir: &Path) -> Result<Vec<Entry>, Error> {
    // Accept the main file itself as well as its folder.
    let dir = match dir.parent() {
        Some(parent) if dir.is_file() => parent,
        _ => dir,
    };
    let pick =
        |names: &[&str]| -> Option<PathBuf> { names.iter().map(|n| dir.join(n)).find(|p| p.is_file()) };
    let (main, list) = if let Some(p) = pick(&["sdn.csv", "SDN.CSV"]) {
        (p, "ofac-sdn")
    } else if let Some(p) = pick(&["cons_prim.csv", "CONS_PRIM.CSV"]) {
        (p, "ofac-cons")
    } else {
        return Err(Error::io(
            dir,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no sdn.csv or cons_prim.csv in this folder (ofac-csv expects the folder holding OFAC's CSV files)",
            ),
        ));
    };
    let alt = pick(&["alt.csv", "ALT.CSV", "cons_alt.csv", "CONS_ALT.CSV"]);
    let add = pick(&["add.csv", "ADD.CSV", "cons_add.csv", "CONS_ADD.CSV"]);

    let mut entries = Vec::new();
    let mut by_num: HashMap<String, usize> = HashMap::new();
    for (line, f) in rows(&main, 12)? {
        let num = f[0].clone().ok_or_else(|| Error::parse(&main, line, "empty ent_num"))?;
        if !num.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::parse(&main, line, format!("ent_num {num:?} is not a number")));
        }
        let name =
            f[1].clone().ok_or_else(|| Error::parse(&main, line, format!("entry {num} has no name")))?;
        let schema = match f[2].as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("individual") => Schema::Person,
            Some("vessel") => Schema::Vessel,
            Some("aircraft") => Schema::Aircraft,
            _ => Schema::Organization,
        };
        let mut e = Entry::new(list, num.clone(), schema);
        e.add_name(&name, NameStrength::Primary, None);
        if let Some(programs) = &f[3] {
            for p in programs.split("] [").map(|p| p.trim_matches(['[', ']', ' '])) {
                Entry::push_unique(&mut e.programs, p);
            }
        }
        if let Some(call_sign) = &f[5] {
            e.identifiers.push(Identifier {
                kind: "Call Sign".into(),
                value: call_sign.clone(),
                country: None,
            });
        }
        if let Some(flag) = f[9].as_deref().and_then(country_code) {
            e.add_country(flag);
        }
        if let Some(remarks) = &f[11] {
            apply_remarks(&mut e, remarks);
        }
        if by_num.insert(num.clone(), entries.len()).is_some() {
            return Err(Error::parse(&main, line, format!("duplicate ent_num {num}")));
        }
        entries.push(e);
    }
    if let Some(alt) = alt {
        for (line, f) in rows(&alt, 4)? {
            let e = owner(&alt, line, &f, &by_num, &mut entries)?;
            if let Some(name) = &f[3] {
                let kind = f[2].as_deref().unwrap_or("aka").to_ascii_lowercase();
                let strength = if kind.contains("weak") { NameStrength::Weak } else { NameStrength::Strong };
                e.add_name(name, strength, Some(&kind));
            }
        }
    }
    if let Some(add) = add {
        for (line, f) in rows(&add, 5)? {
            let e = owner(&add, line, &f, &by_num, &mut entries)?;
            let parts: Vec<&str> = f[2..5].iter().flatten().map(String::as_str).collect();
            if !parts.is_empty() {
                Entry::push_unique(&mut e.addresses, &parts.join(", "));
            }
            if let Some(c) = f[4].as_deref().and_then(country_code) {
                e.add_country(c);
            }
        }
    }
    Ok(entries)
}

fn owner<'a>(
    file: &Path,
    line: u64,
    f: &[Option<String>],
    by_num: &HashMap<String, usize>,
    entries: &'a mut [Entry],
) -> Result<&'a mut Entry, Error> {
    let num = f[0].as_deref().unwrap_or("");
    let i = by_num
        .get(num)
        .ok_or_else(|| Error::parse(file, line, format!("ent_num {num:?} is not in the main file")))?;
    Ok(&mut entries[*i])
}

type Row = (u64, Vec<Option<String>>);

/// Reads a header-less OFAC CSV, mapping `-0-` to `None`; rows must have at least `min_fields`.
fn rows(path: &Path, min_fields: usize) -> Result<Vec<Row>, Error> {
    let bytes = read_file(path)?;
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_slice());
    let mut out = Vec::new();
    let mut lines = super::Lines::new(&bytes);
    for record in reader.byte_records() {
        let record = record.map_err(|e| {
            let line = lines.at(e.position());
            Error::parse(path, line, format!("malformed CSV row: {e}"))
        })?;
        let line = lines.at(record.position());
        // OFAC files end with a DOS end-of-file character on its own line.
        if record.len() == 1 && record[0].iter().all(|b| *b == 0x1a || b.is_ascii_whitespace()) {
            continue;
        }
        if record.len() < min_fields {
            return Err(Error::parse(
                path,
                line,
                format!("expected {min_fields} fields, found {}", record.len()),
            ));
        }
        let fields = record
            .iter()
            .map(|f| {
                let s = decode(f);
                let s = s.trim();
                (!s.is_empty() && s != "-0-").then(|| s.to_string())
            })
            .collect();
        out.push((line, fields));
    }
    Ok(out)
}

const ID_KINDS: &[&str] = &[
    "Passport",
    "National ID No.",
    "Tax ID No.",
    "Identification Number",
    "Registration ID",
    "Registration Number",
    "SWIFT/BIC",
    "Cedula No.",
    "NIT #",
    "D.N.I.",
    "C.U.R.P. #",
    "R.F.C.",
    "RUC #",
    "Vessel Registration Identification IMO",
    "IMO",
    "MMSI",
    "Business Registration Document #",
    "Business Registration Number",
    "Company Number",
    "Driver's License No.",
    "Personal ID Card",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "Aircraft Tail Number",
    "Citizen's Card Number",
    "Residency Number",
    "Legal Entity Number",
    "Serial No.",
];

/// Extracts birth dates, countries, identifiers and weak aliases from OFAC remarks.
pub(crate) fn apply_remarks(e: &mut Entry, remarks: &str) {
    for segment in remarks.split(';') {
        let s = segment.trim().trim_end_matches('.').trim();
        let s = s.strip_prefix("alt. ").unwrap_or(s);
        if let Some(rest) = s.strip_prefix("a.k.a. '").or_else(|| s.strip_prefix("f.k.a. '")) {
            if let Some(name) = rest.strip_suffix('\'') {
                // Quoted a.k.a.s in the remarks are OFAC's "weak aliases".
                e.add_name(name, NameStrength::Weak, Some("weak aka"));
            }
        } else if let Some(d) = s.strip_prefix("DOB ") {
            for date in parse_dates(d) {
                e.add_birth_date(date);
            }
        } else if let Some(c) = s
            .strip_prefix("nationality ")
            .or_else(|| s.strip_prefix("citizen "))
            .or_else(|| s.strip_prefix("Nationality of Registration "))
        {
            if let Some(code) = country_code(c) {
                e.add_country(code);
            }
        } else if let Some(kind) =
            ID_KINDS.iter().find(|k| s.starts_with(**k) && s.as_bytes().get(k.len()) == Some(&b' '))
        {
            let rest = s[kind.len()..].trim();
            let (value, country) = match rest.rsplit_once(" (") {
                Some((v, c)) => (v.trim(), country_code(c.trim_end_matches(')'))),
                None => (rest, None),
            };
            if value.bytes().any(|b| b.is_ascii_digit()) {
                e.identifiers.push(Identifier {
                    kind: kind.to_string(),
                    value: value.to_string(),
                    country: country.map(str::to_string),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_yield_dates_countries_identifiers_and_weak_aliases() {
        let mut e = Entry::new("ofac-sdn", "1", Schema::Person);
        e.add_name("X", NameStrength::Primary, None);
        apply_remarks(
            &mut e,
            "DOB 19 Jun 1951; POB Giza, Egypt; nationality Egypt; Passport 1084010 (Egypt); alt. Passport 19820215; a.k.a. 'THE DOCTOR'.",
        );
        assert_eq!(e.birth_dates, vec!["1951-06-19"]);
        assert_eq!(e.countries, vec!["EG"]);
        assert_eq!(e.identifiers.len(), 2);
        assert_eq!(e.identifiers[0].country.as_deref(), Some("EG"));
        assert_eq!(e.names[1].name, "THE DOCTOR");
        assert_eq!(e.names[1].strength, NameStrength::Weak);
    }
}
