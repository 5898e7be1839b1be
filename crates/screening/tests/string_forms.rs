//! The names of list formats and schemas are in stored list releases, the API and the command line:
//! pinned here against the strum derives that now produce them.

use oversight_screening::{Format, Schema};
use strum::VariantArray;

#[test]
fn list_formats_keep_their_names() {
    let names: Vec<&str> = Format::VARIANTS.iter().map(|f| f.as_str()).collect();
    assert_eq!(names, ["csl-csv", "ofac-csv", "ofac-xml", "un-xml", "bis-dpl", "ftm-json"]);
    for f in Format::VARIANTS {
        assert_eq!(Format::parse(f.as_str()).unwrap(), *f);
    }
    for bad in ["CSL-CSV", "csl_csv", "", "xml"] {
        let err = Format::parse(bad).unwrap_err();
        assert!(matches!(err, oversight_screening::Error::UnknownFormat(ref s) if s == bad), "{bad}: {err}");
    }
}

#[test]
fn schemas_keep_their_names() {
    use Schema::*;
    for (schema, name) in [
        (Person, "Person"),
        (Organization, "Organization"),
        (LegalEntity, "LegalEntity"),
        (Vessel, "Vessel"),
        (Aircraft, "Aircraft"),
    ] {
        assert_eq!(schema.as_str(), name);
        assert_eq!(schema.to_string(), name);
        assert_eq!(serde_json::to_value(schema).unwrap(), name);
        assert_eq!(name.parse::<Schema>().unwrap(), schema);
    }
}
