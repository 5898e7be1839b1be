//! OFAC "enhanced" XML (`SDN_ENHANCED.XML`, `CONS_ENHANCED.XML`), plain or zipped.

use super::xml::{self, Node};
use super::{parse_dates, read_file};
use crate::countries::country_code;
use crate::error::Error;
use crate::model::{Entry, Identifier, NameStrength, Schema};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Reads an OFAC enhanced XML file, or a zip archive holding one.
pub fn parse_ofac_xml(path: &Path) -> Result<Vec<Entry>, Error> {
    let bytes = read_file(path)?;
    let (bytes, file) =
        if bytes.starts_with(b"PK") { unzip_xml(path, &bytes)? } else { (bytes, path.to_path_buf()) };
    let root = xml::parse(&bytes, &file)?;
    if root.name != "sanctionsData" {
        return Err(Error::parse(
            &file,
            root.line,
            format!("root element is <{}>, expected <sanctionsData> (OFAC enhanced XML)", root.name),
        ));
    }
    let mut countries: HashMap<&str, String> = HashMap::new();
    if let Some(refs) = root.child("referenceValues") {
        for r in refs.children_named("referenceValue") {
            if r.text_of("type") == Some("COUNTRY") {
                let code = r
                    .text_of("isoCode")
                    .map(str::to_string)
                    .or_else(|| r.text_of("value").and_then(country_code).map(str::to_string));
                if let (Some(id), Some(code)) = (r.attr("refId"), code) {
                    countries.insert(id, code);
                }
            }
        }
    }
    let list = if root
        .child("publicationInfo")
        .and_then(|p| p.child("filters"))
        .and_then(|f| f.child("sanctionsLists"))
        .and_then(|l| l.child("sanctionsList"))
        .and_then(Node::trimmed)
        .is_some_and(|l| l.contains("SDN"))
    {
        "ofac-sdn"
    } else {
        "ofac-cons"
    };
    let entities =
        root.child("entities").ok_or_else(|| Error::parse(&file, root.line, "no <entities> element"))?;
    let mut out = Vec::new();
    for ent in entities.children_named("entity") {
        out.push(parse_entity(ent, &countries, list, &file)?);
    }
    Ok(out)
}

/// The largest XML file read out of a zipped list: well above OFAC's full SDN advanced XML, and a
/// bound on what a small hostile archive (a "zip bomb") can make the importer hold in memory.
pub const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;

fn unzip_xml(path: &Path, bytes: &[u8]) -> Result<(Vec<u8>, PathBuf), Error> {
    unzip_xml_capped(path, bytes, MAX_UNZIPPED_BYTES)
}

/// Reads the archive's XML file, refusing it (without reading further) once it passes `cap`
/// bytes, whatever size the archive's header claims.
fn unzip_xml_capped(path: &Path, bytes: &[u8], cap: u64) -> Result<(Vec<u8>, PathBuf), Error> {
    let bad = |e: &dyn std::fmt::Display| Error::parse(path, 0, format!("unreadable zip archive: {e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let name = archive
        .file_names()
        .find(|n| n.to_ascii_lowercase().ends_with(".xml"))
        .map(str::to_string)
        .ok_or_else(|| bad(&"no .xml file inside"))?;
    let too_big = || {
        Error::parse(
            path,
            0,
            format!("{name} inside the archive is larger than {} MiB unzipped: refused", cap / (1024 * 1024)),
        )
    };
    let file = archive.by_name(&name).map_err(|e| bad(&e))?;
    if file.size() > cap {
        return Err(too_big());
    }
    let mut xml = Vec::new();
    file.take(cap + 1).read_to_end(&mut xml).map_err(|e| bad(&e))?;
    if xml.len() as u64 > cap {
        return Err(too_big());
    }
    Ok((xml, PathBuf::from(format!("{}!/{name}", path.display()))))
}

fn parse_entity(
    ent: &Node,
    countries: &HashMap<&str, String>,
    list: &str,
    file: &Path,
) -> Result<Entry, Error> {
    let id =
        ent.attr("id").ok_or_else(|| Error::parse(file, ent.line, "<entity> without an id attribute"))?;
    let kind = ent.child("generalInfo").and_then(|g| g.text_of("entityType")).unwrap_or("Entity");
    let schema = match kind {
        "Individual" => Schema::Person,
        "Vessel" => Schema::Vessel,
        "Aircraft" => Schema::Aircraft,
        _ => Schema::Organization,
    };
    let mut e = Entry::new(list, id, schema);
    let country_of = |n: &Node| -> Option<String> {
        n.attr("refId")
            .and_then(|r| countries.get(r).cloned())
            .or_else(|| n.trimmed().and_then(country_code).map(str::to_string))
    };
    if let Some(l) =
        ent.child("sanctionsLists").and_then(|l| l.child("sanctionsList")).and_then(Node::trimmed)
    {
        e.sublist = Some(l.to_string());
    }
    for p in ent.child("sanctionsPrograms").iter().flat_map(|p| p.children_named("sanctionsProgram")) {
        if let Some(t) = p.trimmed() {
            Entry::push_unique(&mut e.programs, t);
        }
    }
    let mut names: Vec<(&Node, NameStrength)> = Vec::new();
    for n in ent.child("names").iter().flat_map(|n| n.children_named("name")) {
        let strength = if n.text_of("isPrimary") == Some("true") {
            NameStrength::Primary
        } else if n.text_of("isLowQuality") == Some("true") {
            NameStrength::Weak
        } else {
            NameStrength::Strong
        };
        names.push((n, strength));
    }
    // The primary name first, whatever the file order.
    names.sort_by_key(|(_, s)| *s != NameStrength::Primary);
    for (n, strength) in names {
        let alias_type = n.text_of("aliasType").map(|a| a.to_ascii_lowercase().replace('.', ""));
        for t in n.child("translations").iter().flat_map(|t| t.children_named("translation")) {
            let Some(full) = t.text_of("formattedFullName") else { continue };
            let latin = t.text_of("script").is_none_or(|s| s == "Latin");
            let kind = if latin { alias_type.clone() } else { Some("original script".to_string()) };
            let strength =
                if strength == NameStrength::Primary && !latin { NameStrength::Strong } else { strength };
            e.add_name(full, strength, kind.as_deref());
        }
    }
    if e.names.is_empty() {
        return Err(Error::parse(file, ent.line, format!("entity {id} has no name")));
    }
    for a in ent.child("addresses").iter().flat_map(|a| a.children_named("address")) {
        let mut parts: Vec<&str> = a
            .child("translations")
            .and_then(|t| t.child("translation"))
            .and_then(|t| t.child("addressParts"))
            .iter()
            .flat_map(|p| p.children_named("addressPart"))
            .filter_map(|p| p.text_of("value"))
            .collect();
        if let Some(c) = a.child("country") {
            if let Some(code) = country_of(c) {
                e.add_country(&code);
            }
            if let Some(name) = c.trimmed() {
                parts.push(name);
            }
        }
        if !parts.is_empty() {
            Entry::push_unique(&mut e.addresses, &parts.join(", "));
        }
    }
    for f in ent.child("features").iter().flat_map(|f| f.children_named("feature")) {
        let Some(kind) = f.text_of("type") else { continue };
        let value = f.text_of("value");
        match kind {
            "Birthdate" => {
                let dates = value.map(parse_dates).unwrap_or_default();
                if dates.is_empty()
                    && let Some(d) = f.child("valueDate").and_then(|d| d.text_of("fromDateBegin"))
                {
                    e.add_birth_date(d.to_string());
                }
                for d in dates {
                    e.add_birth_date(d);
                }
            }
            "Nationality Country" | "Citizenship Country" | "Nationality of Registration" => {
                let code = f
                    .text_of("valueRefId")
                    .and_then(|r| countries.get(r).cloned())
                    .or_else(|| value.and_then(country_code).map(str::to_string));
                if let Some(code) = code {
                    e.add_country(&code);
                }
            }
            k if k.starts_with("SWIFT") || k.contains("IMO") || k.contains("MMSI") || k == "ISIN" => {
                if let Some(v) = value {
                    e.identifiers.push(Identifier {
                        kind: k.to_string(),
                        value: v.to_string(),
                        country: None,
                    });
                }
            }
            _ => {}
        }
    }
    for d in ent.child("identityDocuments").iter().flat_map(|d| d.children_named("identityDocument")) {
        if let Some(number) = d.text_of("documentNumber") {
            e.identifiers.push(Identifier {
                kind: d.text_of("type").unwrap_or("Identity document").to_string(),
                value: number.to_string(),
                country: d.child("issuingCountry").and_then(country_of),
            });
        }
    }
    Ok(e)
}

#[cfg(test)]
mod zip_cap_tests {
    use super::*;
    use std::io::Write;

    fn zipped(xml: &[u8]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        w.start_file("list.xml", zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(xml).unwrap();
        w.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn a_zipped_list_larger_than_the_cap_unzipped_is_refused_naming_the_file() {
        // 4 MiB of one byte compresses to a few KB: a small "zip bomb".
        let bomb = zipped(&vec![b' '; 4 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
        let err = unzip_xml_capped(Path::new("sdn.zip"), &bomb, 1024 * 1024).unwrap_err().to_string();
        assert!(err.contains("sdn.zip") && err.contains("larger than 1 MiB unzipped"), "{err}");
        let (xml, _) = unzip_xml_capped(Path::new("sdn.zip"), &zipped(b"<x/>"), 1024 * 1024).unwrap();
        assert_eq!(xml, b"<x/>");
    }
}
