//! US Consolidated Screening List, CSV export (trade.gov).

use super::{parse_dates, read_file, split_multi};
use crate::error::Error;
use crate::model::{Entry, Identifier, NameStrength, Schema};
use std::path::Path;

/// Reads the CSL CSV (header row with `_id`, `source`, `type`, `name`, `alt_names`, ...).
pub fn parse_csl_csv(path: &Path) -> Result<Vec<Entry>, Error> {
    let bytes = read_file(path)?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| Error::parse(path, 1, format!("cannot read the header row: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name);
    let id_col =
        col("_id").ok_or_else(|| Error::parse(path, 1, "missing column `_id`: not a CSL CSV file"))?;
    let name_col = col("name").ok_or_else(|| Error::parse(path, 1, "missing column `name`"))?;
    let opt = |name: &str| col(name);
    let (source, kind, programs, addresses, alt_names) =
        (opt("source"), opt("type"), opt("programs"), opt("addresses"), opt("alt_names"));
    let (citizenships, dobs, nationalities, ids) =
        (opt("citizenships"), opt("dates_of_birth"), opt("nationalities"), opt("ids"));
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut lines = super::Lines::new(&bytes);
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = lines.at(e.position());
            Error::parse(path, line, format!("malformed CSV row: {e}"))
        })?;
        let line = lines.at(record.position());
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim();
        let id = get(Some(id_col));
        let name = get(Some(name_col));
        if id.is_empty() {
            return Err(Error::parse(path, line, "row has an empty `_id`"));
        }
        if name.is_empty() {
            return Err(Error::parse(path, line, format!("entry {id} has an empty `name`")));
        }
        let schema = match get(kind) {
            "Individual" => Schema::Person,
            "Entity" => Schema::Organization,
            "Vessel" => Schema::Vessel,
            "Aircraft" => Schema::Aircraft,
            _ => Schema::LegalEntity,
        };
        let mut e = Entry::new("us-csl", id, schema);
        let sub = get(source);
        if !sub.is_empty() {
            e.sublist = Some(sub.to_string());
        }
        e.add_name(name, NameStrength::Primary, None);
        for alias in split_multi(get(alt_names)) {
            e.add_name(alias, NameStrength::Strong, Some("aka"));
        }
        for p in split_multi(get(programs)) {
            Entry::push_unique(&mut e.programs, p);
        }
        for a in split_multi(get(addresses)) {
            Entry::push_unique(&mut e.addresses, a);
            // CSL addresses end with an ISO country code ("Basrah, IQ").
            if let Some(last) = a.rsplit(',').next().map(str::trim)
                && last.len() == 2
                && last.bytes().all(|b| b.is_ascii_uppercase())
            {
                e.add_country(last);
            }
        }
        for c in split_multi(get(citizenships)).chain(split_multi(get(nationalities))) {
            e.add_country(c);
        }
        for d in split_multi(get(dobs)) {
            for date in parse_dates(d) {
                e.add_birth_date(date);
            }
        }
        for id_text in split_multi(get(ids)) {
            if let Some(ident) = parse_csl_id(id_text) {
                e.identifiers.push(ident);
            }
        }
        // The CSL repeats an `_id` on several rows (one per programme or directive): one party.
        match seen.get(id) {
            Some(&i) => merge_into(&mut entries[i], e),
            None => {
                seen.insert(id.to_string(), entries.len());
                entries.push(e);
            }
        }
    }
    Ok(entries)
}

fn merge_into(target: &mut Entry, other: Entry) {
    for n in other.names {
        let strength = if n.strength == NameStrength::Primary { NameStrength::Strong } else { n.strength };
        target.add_name(&n.name, strength, n.kind.as_deref().or(Some("aka")));
    }
    for c in other.countries {
        target.add_country(&c);
    }
    for d in other.birth_dates {
        target.add_birth_date(d);
    }
    for i in other.identifiers {
        if !target.identifiers.contains(&i) {
            target.identifiers.push(i);
        }
    }
    for a in other.addresses {
        Entry::push_unique(&mut target.addresses, &a);
    }
    for p in other.programs {
        Entry::push_unique(&mut target.programs, &p);
    }
}

/// CSL ids look like "CA, BC166787, Passport" or "JO, 2014-08-30, 2009-08-31, K475336, Passport":
/// optional country, optional dates, number, type. Cells that are not identifiers ("Male, Gender",
/// sanctions notes) are skipped: an identifier's number contains a digit.
fn parse_csl_id(text: &str) -> Option<Identifier> {
    let parts: Vec<&str> = text.split(", ").map(str::trim).collect();
    let (kind, rest) = parts.split_last()?;
    if kind.ends_with(':') || kind.ends_with('-') || rest.is_empty() {
        return None;
    }
    let mut country = None;
    let mut rest = rest;
    if let Some((first, tail)) = rest.split_first()
        && !tail.is_empty()
        && first.len() == 2
        && first.bytes().all(|b| b.is_ascii_uppercase())
    {
        country = Some(first.to_string());
        rest = tail;
    }
    let value = rest.iter().rev().find(|p| super::parse_date(p).is_none_or(|_| p.len() != 10))?;
    if !value.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Identifier { kind: kind.to_string(), value: value.to_string(), country })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csl_identifier_cells_yield_country_number_and_type() {
        let id = parse_csl_id("JO, 2014-08-30, 2009-08-31, K475336, Passport").unwrap();
        assert_eq!(id.value, "K475336");
        assert_eq!(id.country.as_deref(), Some("JO"));
        assert_eq!(id.kind, "Passport");
        assert!(parse_csl_id("Male, Gender").is_none());
        assert_eq!(parse_csl_id("K048787, Passport").unwrap().value, "K048787");
    }
}
