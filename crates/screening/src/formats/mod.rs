//! Parsers for the restricted-party list formats. Each returns all entries or an error naming
//! the file and line: an import is all-or-nothing.

mod csl;
mod dpl;
mod ftm;
mod ofac_csv;
mod ofac_xml;
mod un_xml;
mod xml;

pub use csl::parse_csl_csv;
pub use dpl::parse_bis_dpl;
pub use ftm::parse_ftm_json;
pub use ofac_csv::parse_ofac_csv;
pub use ofac_xml::parse_ofac_xml;
pub use un_xml::parse_un_xml;

use crate::error::Error;
use crate::model::Entry;
use std::path::Path;

/// The list formats `load_list_spec` understands, named in kebab case (`csl-csv`, `ofac-xml`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Format {
    /// US Consolidated Screening List CSV.
    CslCsv,
    /// OFAC legacy CSV: a folder with sdn.csv/alt.csv/add.csv or cons_prim.csv/cons_alt.csv/cons_add.csv.
    OfacCsv,
    /// OFAC enhanced XML, plain or zipped.
    OfacXml,
    /// UN Security Council consolidated list XML.
    UnXml,
    /// BIS Denied Persons List, tab-separated.
    BisDpl,
    /// FollowTheMoney entities, one JSON object per line (OpenSanctions exports).
    FtmJson,
}

impl Format {
    pub fn parse(name: &str) -> Result<Self, Error> {
        name.parse().map_err(|_| Error::UnknownFormat(name.to_string()))
    }

    /// The name `parse` reads (`csl-csv`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Reads a list in this format.
    pub fn load(self, path: &Path) -> Result<Vec<Entry>, Error> {
        let entries = match self {
            Format::CslCsv => parse_csl_csv(path)?,
            Format::OfacCsv => parse_ofac_csv(path)?,
            Format::OfacXml => parse_ofac_xml(path)?,
            Format::UnXml => parse_un_xml(path)?,
            Format::BisDpl => parse_bis_dpl(path)?,
            Format::FtmJson => parse_ftm_json(path)?,
        };
        if entries.is_empty() {
            return Err(Error::Empty { file: path.to_path_buf() });
        }
        Ok(entries)
    }
}

/// Loads a list given as `FORMAT:PATH` (the command line's `--list-file` value).
pub fn load_list_spec(spec: &str) -> Result<Vec<Entry>, Error> {
    let (format, path) = spec
        .split_once(':')
        .filter(|(f, p)| !f.is_empty() && !p.is_empty())
        .ok_or_else(|| Error::BadSpec(spec.to_string()))?;
    Format::parse(format)?.load(Path::new(path))
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Decodes bytes as UTF-8, or as Windows-1252/Latin-1 when they are not (older OFAC files).
pub(crate) fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// Turns byte offsets into 1-based line numbers. The csv crate's own line counter is off by one
/// on CRLF files (OFAC's), so lines are counted from byte positions instead. Offsets must be
/// asked for in increasing order (they are, when reading records in sequence).
pub(crate) struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Lines { bytes, pos: 0, line: 1 }
    }

    pub(crate) fn at(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(p) = position else { return self.line };
        let mut target = (p.byte() as usize).min(self.bytes.len());
        // With CRLF terminators a record's recorded start can sit on the previous line's '\n'.
        while target < self.bytes.len() && matches!(self.bytes[target], b'\r' | b'\n') {
            target += 1;
        }
        if target < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.pos..target].iter().filter(|&&b| b == b'\n').count() as u64;
        self.pos = target;
        self.line
    }
}

/// Splits a multi-valued cell on `;`, trimming and dropping empty parts.
pub(crate) fn split_multi(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

const MONTHS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// Parses the date forms the lists use into `YYYY`, `YYYY-MM` or `YYYY-MM-DD`:
/// `1962-08-06`, `1962`, `circa 1955`, `10 Dec 1948`, `Dec 1948`, `06/19/2003`.
/// A range ("1962 to 1964") yields every year in it (at most 10).
pub(crate) fn parse_dates(text: &str) -> Vec<String> {
    let t = text.trim().trim_start_matches("circa").trim_start_matches("Circa").trim();
    if let Some((a, b)) = t.split_once(" to ") {
        let (ya, yb) = (year_of(a), year_of(b));
        if let (Some(ya), Some(yb)) = (ya, yb)
            && ya <= yb
            && yb - ya <= 10
        {
            return (ya..=yb).map(|y| y.to_string()).collect();
        }
    }
    parse_date(t).into_iter().collect()
}

fn year_of(s: &str) -> Option<u32> {
    parse_date(s).and_then(|d| d.get(..4)?.parse().ok())
}

pub(crate) fn parse_date(t: &str) -> Option<String> {
    let t = t.trim();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    // ISO: YYYY, YYYY-MM, YYYY-MM-DD (with optional time suffix). Slices are taken with `get`: list
    // text is not ASCII, and a byte offset inside a character must not panic (found by fuzzing).
    if t.get(..4).is_some_and(digits) {
        let parts: Vec<&str> = t.split(['-', 'T', ' ']).take(3).collect();
        return match parts.as_slice() {
            [y] if y.len() == 4 => Some(y.to_string()),
            [y, m] if y.len() == 4 && digits(m) => Some(format!("{y}-{:0>2}", m)),
            [y, m, d, ..] if y.len() == 4 && digits(m) && digits(d) => Some(format!("{y}-{m:0>2}-{d:0>2}")),
            [y, ..] if y.len() == 4 && digits(y) => Some(y.to_string()),
            _ => None,
        };
    }
    // US: MM/DD/YYYY.
    let slash: Vec<&str> = t.split('/').collect();
    if let [m, d, y] = slash.as_slice()
        && digits(m)
        && digits(d)
        && digits(y)
        && y.len() == 4
    {
        return Some(format!("{y}-{m:0>2}-{d:0>2}"));
    }
    // OFAC: "10 Dec 1948", "Dec 1948".
    let words: Vec<&str> = t.split_whitespace().collect();
    let month = |w: &str| {
        MONTHS.iter().position(|m| w.get(..3).is_some_and(|w| w.eq_ignore_ascii_case(m))).map(|i| i + 1)
    };
    match words.as_slice() {
        [d, m, y] if digits(d) && digits(y) && y.len() == 4 => {
            month(m).map(|m| format!("{y}-{m:02}-{d:0>2}"))
        }
        [m, y] if digits(y) && y.len() == 4 => month(m).map(|m| format!("{y}-{m:02}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_list_formats_become_iso() {
        assert_eq!(parse_dates("1962-08-06"), vec!["1962-08-06"]);
        assert_eq!(parse_dates("circa 1955"), vec!["1955"]);
        assert_eq!(parse_dates("10 Dec 1948"), vec!["1948-12-10"]);
        assert_eq!(parse_dates("Dec 1948"), vec!["1948-12"]);
        assert_eq!(parse_dates("06/19/2003"), vec!["2003-06-19"]);
        assert_eq!(parse_dates("1962 to 1964"), vec!["1962", "1963", "1964"]);
        assert!(parse_dates("sometime").is_empty());
    }

    #[test]
    fn a_spec_without_a_format_is_rejected() {
        assert!(matches!(load_list_spec("consolidated.csv"), Err(Error::BadSpec(_))));
        assert!(matches!(load_list_spec("xls:foo"), Err(Error::UnknownFormat(_))));
    }
}
