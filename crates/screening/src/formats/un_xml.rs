//! UN Security Council consolidated list XML.

use super::xml::{self, Node};
use super::{parse_date, read_file};
use crate::countries::country_code;
use crate::error::Error;
use crate::model::{Entry, Identifier, NameStrength, Schema};
use std::path::Path;

/// Reads the UN consolidated list (`<CONSOLIDATED_LIST>` with `<INDIVIDUALS>` and `<ENTITIES>`).
pub fn parse_un_xml(path: &Path) -> Result<Vec<Entry>, Error> {
    let bytes = read_file(path)?;
    let root = xml::parse(&bytes, path)?;
    if root.name != "CONSOLIDATED_LIST" {
        return Err(Error::parse(
            path,
            root.line,
            format!("root element is <{}>, expected <CONSOLIDATED_LIST> (UN XML)", root.name),
        ));
    }
    let mut out = Vec::new();
    for (group, item, schema, prefix) in [
        ("INDIVIDUALS", "INDIVIDUAL", Schema::Person, "INDIVIDUAL"),
        ("ENTITIES", "ENTITY", Schema::Organization, "ENTITY"),
    ] {
        for n in root.child(group).iter().flat_map(|g| g.children_named(item)) {
            out.push(parse_item(n, schema, prefix, path)?);
        }
    }
    Ok(out)
}

fn parse_item(n: &Node, schema: Schema, prefix: &str, file: &Path) -> Result<Entry, Error> {
    let reference = n
        .text_of("REFERENCE_NUMBER")
        .ok_or_else(|| Error::parse(file, n.line, format!("<{}> without REFERENCE_NUMBER", n.name)))?;
    let mut e = Entry::new("un-sc", reference, schema);
    let name: Vec<&str> = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .iter()
        .filter_map(|f| n.text_of(f))
        .collect();
    if name.is_empty() {
        return Err(Error::parse(file, n.line, format!("{reference} has no FIRST_NAME")));
    }
    e.add_name(&name.join(" "), NameStrength::Primary, None);
    if let Some(original) = n.text_of("NAME_ORIGINAL_SCRIPT") {
        e.add_name(original, NameStrength::Strong, Some("original script"));
    }
    for a in n.children_named(&format!("{prefix}_ALIAS")) {
        let Some(alias) = a.text_of("ALIAS_NAME") else { continue };
        let strength = match a.text_of("QUALITY") {
            Some(q) if q.eq_ignore_ascii_case("low") => NameStrength::Weak,
            _ => NameStrength::Strong,
        };
        e.add_name(alias, strength, a.text_of("QUALITY").map(|q| q.to_ascii_lowercase()).as_deref());
    }
    if let Some(t) = n.text_of("UN_LIST_TYPE") {
        e.programs.push(t.to_string());
    }
    for v in n.child("NATIONALITY").iter().flat_map(|x| x.children_named("VALUE")) {
        if let Some(code) = v.trimmed().and_then(country_code) {
            e.add_country(code);
        }
    }
    for a in n.children_named(&format!("{prefix}_ADDRESS")) {
        let parts: Vec<&str> = ["STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"]
            .iter()
            .filter_map(|f| a.text_of(f))
            .collect();
        if !parts.is_empty() {
            Entry::push_unique(&mut e.addresses, &parts.join(", "));
        }
        if let Some(code) = a.text_of("COUNTRY").and_then(country_code) {
            e.add_country(code);
        }
    }
    for d in n.children_named("INDIVIDUAL_DATE_OF_BIRTH") {
        if let Some(date) = d.text_of("DATE").and_then(parse_date) {
            e.add_birth_date(date);
        } else if let Some(year) = d.text_of("YEAR") {
            e.add_birth_date(year.to_string());
        } else if let (Some(from), Some(to)) = (d.text_of("FROM_YEAR"), d.text_of("TO_YEAR"))
            && let (Ok(from), Ok(to)) = (from.parse::<u32>(), to.parse::<u32>())
            && from <= to
            && to - from <= 10
        {
            for y in from..=to {
                e.add_birth_date(y.to_string());
            }
        }
    }
    for d in n.children_named("INDIVIDUAL_DOCUMENT") {
        if let Some(number) = d.text_of("NUMBER") {
            e.identifiers.push(Identifier {
                kind: d.text_of("TYPE_OF_DOCUMENT").unwrap_or("Document").to_string(),
                value: number.to_string(),
                country: d
                    .text_of("ISSUING_COUNTRY")
                    .or_else(|| d.text_of("COUNTRY_OF_ISSUE"))
                    .and_then(country_code)
                    .map(str::to_string),
            });
        }
    }
    Ok(e)
}
