//! Request bodies and files that many tests need.

use crate::policy::repo_path;
use serde_json::{Value, json};

/// A complete human-rights impact assessment (every section filled in), as `PUT .../hria` takes it.
pub fn hria() -> Value {
    json!({
        "item_capabilities": "Intercepts and locates handsets.",
        "legal_framework": "Court warrants; parliamentary oversight committee.",
        "end_user_record": "No documented abuse.",
        "groups_at_risk": "Journalists, protesters.",
        "likelihood_and_severity": "Low likelihood; severe harm.",
        "mitigations": "Audit logs; post-shipment verification.",
        "stakeholder_input": "None received.",
        "conclusion": "Acceptable with conditions."
    })
}

/// A file the repository ships (e.g. `data/lists/us-csl-sample.csv`); panics if it is missing,
/// because then the checkout itself is broken.
pub fn repo_file(relative: &str) -> Vec<u8> {
    let path = repo_path(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{} is part of the repository: {e}", path.display()))
}

/// The shipped extract of the US Consolidated Screening List (the demo's `us-csl` release 1).
pub fn csl_sample() -> Vec<u8> {
    repo_file("data/lists/us-csl-sample.csv")
}
