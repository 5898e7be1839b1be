//! BIS Denied Persons List, tab-separated with a header row.

use super::{parse_date, read_file};
use crate::error::Error;
use crate::model::{Entry, NameStrength, Schema};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Reads the DPL. The file has no stable row identifier, so `source_id` is `dpl-` followed by the
/// first 16 hex digits of SHA-256 over the trimmed fields Name, Street_Address, City, State,
/// Country, Postal_Code and Effective_Date joined by tab characters.
pub fn parse_bis_dpl(path: &Path) -> Result<Vec<Entry>, Error> {
    let bytes = read_file(path)?;
    let mut reader = csv::ReaderBuilder::new().delimiter(b'\t').from_reader(bytes.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| Error::parse(path, 1, format!("cannot read the header row: {e}")))?
        .clone();
    let col = |name: &str| -> Result<usize, Error> {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| Error::parse(path, 1, format!("missing column `{name}`: not a BIS DPL file")))
    };
    let cols = [
        col("Name")?,
        col("Street_Address")?,
        col("City")?,
        col("State")?,
        col("Country")?,
        col("Postal_Code")?,
        col("Effective_Date")?,
    ];
    let fr = col("FR_Citation").ok();
    let mut out = Vec::new();
    let mut lines = super::Lines::new(&bytes);
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = lines.at(e.position());
            Error::parse(path, line, format!("malformed row: {e}"))
        })?;
        let line = lines.at(record.position());
        let f: Vec<&str> = cols.iter().map(|c| record.get(*c).unwrap_or("").trim()).collect();
        if f[0].is_empty() {
            return Err(Error::parse(path, line, "row has an empty Name"));
        }
        let digest = Sha256::digest(f.join("\t").as_bytes());
        let mut e = Entry::new("bis-dpl", format!("dpl-{}", &hex::encode(digest)[..16]), Schema::LegalEntity);
        e.add_name(f[0], NameStrength::Primary, None);
        let address: Vec<&str> = f[1..6].iter().copied().filter(|s| !s.is_empty()).collect();
        if !address.is_empty() {
            Entry::push_unique(&mut e.addresses, &address.join(", "));
        }
        e.add_country(f[4]);
        if !f[6].is_empty() && parse_date(f[6]).is_none() {
            return Err(Error::parse(path, line, format!("Effective_Date {:?} is not a date", f[6])));
        }
        if let Some(citation) = fr.and_then(|c| record.get(c)).map(str::trim).filter(|s| !s.is_empty()) {
            e.programs.push(format!("DPL {citation}"));
        } else {
            e.programs.push("DPL".to_string());
        }
        out.push(e);
    }
    Ok(out)
}
