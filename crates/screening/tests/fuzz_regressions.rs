//! Inputs found by fuzzing (`scripts/fuzz`, docs/testing.md) that once crashed a parser. Each must
//! now be read like any other input: entries or an error naming the file and line, never a panic.

use oversight_screening::Format;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz").join(name)
}

/// OFAC's legacy CSV remarks hold birth dates ("DOB 31 Aug 1960"). A date whose first bytes are not
/// all ASCII (a Latin-1 file decodes `ß` or `Û` to two UTF-8 bytes) was sliced inside a character:
/// `parse_date` panicked, and the whole import with it (fuzz target `ofac_csv`, seven crashes).
#[test]
fn ofac_remarks_with_a_date_cut_inside_a_character_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut sdn = b"36,\"AEROCARIBBEAN AIRLINES\",individual,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 196\xdb; DOB 31\xdfAug 1960; DOB \xdb\xdbug 1961; DOB 31 Aug 1962.\"\r\n".to_vec();
    sdn.push(0x1a);
    std::fs::write(dir.path().join("sdn.csv"), sdn).unwrap();
    let entries = Format::OfacCsv.load(dir.path()).expect("the file is valid; only some dates are not");
    assert_eq!(entries.len(), 1);
    // The dates that are dates are kept; the others are skipped, as any unreadable date is.
    assert_eq!(entries[0].birth_dates, vec!["1962-08-31".to_string()]);
}

/// The same slice in a CSL date cell (fuzz target `csl_csv`: `wwwьberbank.ua` as a date).
#[test]
fn csl_date_cells_cut_inside_a_character_are_read() {
    let entries = Format::CslCsv.load(&data("csl_date_inside_a_character.csv")).expect("readable");
    assert!(!entries.is_empty());
}
