//! Every list parser on a real sample, and on malformed input (error names file and line).

use oversight_screening::{Entry, Error, Format, NameStrength, Schema, load_list_spec};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn spec(format: &str, name: &str) -> String {
    format!("{format}:{}", data(name).display())
}

fn find<'a>(entries: &'a [Entry], id: &str) -> &'a Entry {
    entries.iter().find(|e| e.source_id == id).unwrap_or_else(|| panic!("no entry {id}"))
}

fn parse_error_line(err: Error) -> (PathBuf, u64, String) {
    match err {
        Error::Parse { file, line, message } => (file, line, message),
        other => panic!("expected a parse error, got {other}"),
    }
}

#[test]
fn csl_sample_keeps_names_aliases_dates_countries_and_ids() {
    let entries = load_list_spec(&spec("csl-csv", "csl_sample.csv")).unwrap();
    assert_eq!(entries.len(), 178);
    let e = find(&entries, "9935");
    assert_eq!(e.schema, Schema::Person);
    assert_eq!(e.list, "us-csl");
    assert_eq!(e.names[0].strength, NameStrength::Primary);
    assert!(e.names.iter().any(|n| n.name == "ABDELRAZIK, Sofian" && n.strength == NameStrength::Strong));
    assert_eq!(e.birth_dates, vec!["1962-08-06"]);
    assert!(e.countries.contains(&"CA".to_string()) && e.countries.contains(&"SD".to_string()));
    assert_eq!(e.identifiers[0].value, "BC166787");
    assert!(entries.iter().any(|e| e.schema == Schema::Vessel));
    assert!(entries.iter().any(|e| e.schema == Schema::Aircraft));
    // Denied Persons rows in the CSL have no type: a person or a company.
    let dpl = find(&entries, "deb7a1d5743a85c354ca1a2c7f2664e2104b32d7");
    assert_eq!(dpl.schema, Schema::LegalEntity);
}

#[test]
fn ofac_legacy_csv_joins_aliases_and_addresses_and_reads_remarks() {
    let entries = load_list_spec(&spec("ofac-csv", "ofac_sdn")).unwrap();
    assert_eq!(entries.len(), 150);
    let bnc = find(&entries, "306");
    assert_eq!(bnc.list, "ofac-sdn");
    assert_eq!(bnc.primary_name(), "BANCO NACIONAL DE CUBA");
    assert!(
        bnc.names.iter().any(|n| n.name == "NATIONAL BANK OF CUBA" && n.strength == NameStrength::Strong)
    );
    assert!(bnc.names.iter().any(|n| n.name == "BNC" && n.strength == NameStrength::Weak));
    assert!(bnc.countries.contains(&"CH".to_string()));
    let zawahiri = find(&entries, "2676");
    assert_eq!(zawahiri.schema, Schema::Person);
    assert_eq!(zawahiri.birth_dates, vec!["1951-06-19"]);
    assert!(zawahiri.identifiers.iter().any(|i| i.value == "1084010" && i.country.as_deref() == Some("EG")));
}

#[test]
fn ofac_consolidated_csv_file_names_are_accepted() {
    let entries = load_list_spec(&spec("ofac-csv", "ofac_cons")).unwrap();
    assert_eq!(entries.len(), 60);
    assert!(entries.iter().all(|e| e.list == "ofac-cons"));
    let haniya = find(&entries, "9639");
    assert_eq!(haniya.birth_dates, vec!["1962"]);
}

#[test]
fn ofac_enhanced_xml_reads_the_same_entries_zipped_or_not() {
    let plain = load_list_spec(&spec("ofac-xml", "ofac_enhanced_sample.xml")).unwrap();
    let zipped = load_list_spec(&spec("ofac-xml", "ofac_enhanced_sample.zip")).unwrap();
    assert_eq!(plain, zipped);
    assert_eq!(plain.len(), 35);
    let haniya = find(&plain, "9639");
    assert_eq!(haniya.schema, Schema::Person);
    assert_eq!(haniya.primary_name(), "HANIYA, Ismail Abdul Salah");
    assert!(haniya.names.iter().any(|n| n.name == "HANIYYA, Ismaeel"));
    assert_eq!(haniya.birth_dates, vec!["1962"]);
    assert_eq!(haniya.programs, vec!["NS-PLC"]);
    assert!(
        plain
            .iter()
            .any(|e| e.identifiers.iter().any(|i| i.kind == "Tax ID No." || i.kind == "Registration ID"))
    );
    assert!(plain.iter().any(|e| e.names.iter().any(|n| n.strength == NameStrength::Weak)));
}

#[test]
fn un_xml_keeps_reference_numbers_original_script_and_low_quality_aliases() {
    let entries = load_list_spec(&spec("un-xml", "un_sample.xml")).unwrap();
    assert_eq!(entries.len(), 55);
    let badege = find(&entries, "CDi.001");
    assert_eq!(badege.primary_name(), "ERIC BADEGE");
    assert_eq!(badege.birth_dates, vec!["1971"]);
    assert!(badege.countries.contains(&"CD".to_string()) && badege.countries.contains(&"RW".to_string()));
    assert!(entries.iter().any(|e| e.names.iter().any(|n| n.kind.as_deref() == Some("original script"))));
    assert!(entries.iter().any(|e| e.names.iter().any(|n| n.strength == NameStrength::Weak)));
    assert_eq!(entries.iter().filter(|e| e.schema == Schema::Organization).count(), 20);
}

#[test]
fn dpl_source_ids_are_stable_hashes_of_name_address_and_date() {
    let a = load_list_spec(&spec("bis-dpl", "dpl_sample.txt")).unwrap();
    let b = load_list_spec(&spec("bis-dpl", "dpl_sample.txt")).unwrap();
    assert_eq!(a.len(), 80);
    assert_eq!(a, b);
    assert!(a[0].source_id.starts_with("dpl-") && a[0].source_id.len() == 20);
    let mut ids: Vec<&str> = a.iter().map(|e| e.source_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), a.len(), "ids are unique");
    assert_eq!(a[0].primary_name(), "I. ASH");
}

#[test]
fn ftm_json_keeps_parties_and_skips_other_schemata() {
    let entries = load_list_spec(&spec("ftm-json", "ftm_sample.jsonl")).unwrap();
    assert_eq!(entries.len(), 5);
    let bout = find(&entries, "NK-test-person-1");
    assert_eq!(bout.list, "test_sanctions");
    assert_eq!(bout.countries, vec!["RU"]);
    assert_eq!(bout.birth_dates, vec!["1967-01-13"]);
    assert!(bout.names.iter().any(|n| n.name == "The Merchant of Death" && n.strength == NameStrength::Weak));
    assert_eq!(find(&entries, "NK-test-company-1").schema, Schema::Organization);
    assert_eq!(find(&entries, "NK-test-plane-1").schema, Schema::Aircraft);
    assert_eq!(find(&entries, "NK-test-vessel-1").identifiers[0].value, "IMO9123456");
}

#[test]
fn entries_survive_a_json_round_trip_with_the_same_content_hash() {
    let entries = load_list_spec(&spec("un-xml", "un_sample.xml")).unwrap();
    let json = serde_json::to_string(&entries).unwrap();
    let back: Vec<Entry> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, entries);
    assert_eq!(back[3].content_hash(), entries[3].content_hash());
    let mut changed = entries[3].clone();
    changed.names.push(oversight_screening::EntryName {
        name: "NEW ALIAS".into(),
        strength: NameStrength::Strong,
        kind: None,
    });
    assert_ne!(changed.content_hash(), entries[3].content_hash());
}

#[test]
fn malformed_csl_rows_name_the_file_and_line() {
    let (file, line, msg) =
        parse_error_line(load_list_spec(&spec("csl-csv", "malformed_csl_empty_id.csv")).unwrap_err());
    assert!(file.ends_with("malformed_csl_empty_id.csv"));
    assert_eq!(line, 4, "{msg}");
    let (_, line, _) =
        parse_error_line(load_list_spec(&spec("csl-csv", "malformed_csl_short_row.csv")).unwrap_err());
    assert_eq!(line, 5);
    let (_, line, msg) =
        parse_error_line(load_list_spec(&spec("csl-csv", "malformed_csl_not_csl.csv")).unwrap_err());
    assert_eq!(line, 1);
    assert!(msg.contains("_id"));
}

#[test]
fn malformed_ofac_csv_names_the_file_and_line() {
    let (file, line, _) =
        parse_error_line(load_list_spec(&spec("ofac-csv", "malformed_ofac_short_row")).unwrap_err());
    assert!(file.ends_with("sdn.csv"));
    assert_eq!(line, 2);
    let (file, line, msg) =
        parse_error_line(load_list_spec(&spec("ofac-csv", "malformed_ofac_unknown_alt")).unwrap_err());
    assert!(file.ends_with("alt.csv"));
    assert_eq!(line, 2);
    assert!(msg.contains("999"));
}

#[test]
fn malformed_xml_names_the_file_and_line() {
    let (file, line, msg) =
        parse_error_line(load_list_spec(&spec("un-xml", "malformed_un_mismatched_tag.xml")).unwrap_err());
    assert!(file.ends_with("malformed_un_mismatched_tag.xml"));
    assert_eq!(line, 854, "{msg}");
    let (_, line, msg) = parse_error_line(
        load_list_spec(&spec("ofac-xml", "malformed_ofac_enhanced_truncated.xml")).unwrap_err(),
    );
    assert!(line > 1000, "{line}: {msg}");
    // A UN file given as OFAC XML is refused at its root element.
    let (_, line, msg) = parse_error_line(load_list_spec(&spec("ofac-xml", "un_sample.xml")).unwrap_err());
    assert_eq!(line, 2);
    assert!(msg.contains("sanctionsData"));
}

#[test]
fn malformed_dpl_and_ftm_name_the_file_and_line() {
    let (_, line, msg) =
        parse_error_line(load_list_spec(&spec("bis-dpl", "malformed_dpl_bad_date.txt")).unwrap_err());
    assert_eq!(line, 11, "{msg}");
    let (_, line, _) = parse_error_line(
        load_list_spec(&spec("ftm-json", "malformed_ftm_truncated_line.jsonl")).unwrap_err(),
    );
    assert_eq!(line, 3);
    let (_, line, msg) =
        parse_error_line(load_list_spec(&spec("ftm-json", "malformed_ftm_no_name.jsonl")).unwrap_err());
    assert_eq!(line, 1);
    assert!(msg.contains("name"));
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = Format::CslCsv.load(&data("no_such_file.csv")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().contains("no_such_file.csv"));
}

#[test]
fn csl_rows_repeating_an_id_become_one_entry() {
    let entries = load_list_spec(&spec("csl-csv", "csl_repeated_id.csv")).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].source_id, "18715");
    assert!(entries[0].programs.len() >= 2, "{:?}", entries[0].programs);
}

#[test]
fn ofac_csv_accepts_the_main_file_as_well_as_its_folder() {
    let by_file = load_list_spec(&spec("ofac-csv", "ofac_sdn/sdn.csv")).unwrap();
    let by_dir = load_list_spec(&spec("ofac-csv", "ofac_sdn")).unwrap();
    assert_eq!(by_file, by_dir);
}
