//! The evidence register: cited findings about a destination's state or a specific end user having
//! used surveillance technology against journalists, activists or the opposition.
//!
//! The application stores and edits the register (human-rights assessors curate it); this module
//! gives the entry type, the loader for the bundled seed (`data/indicators/spyware_evidence_seed.csv`,
//! country-level findings only) and the name matching the assessment uses.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::country::Iso3;
use crate::model::Confidence;

const SEED_CSV: &str = include_str!("../../../data/indicators/spyware_evidence_seed.csv");

/// Whom a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum EvidenceScope {
    /// The destination's state in general (no agency identified with certainty).
    Country,
    /// A named end user (agency) in the destination; weighs most (EU Criterion 2).
    EndUser { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceEntry {
    /// Stable identifier in the register.
    pub id: String,
    pub iso3: Iso3,
    pub scope: EvidenceScope,
    /// What was found, in a sentence.
    pub finding: String,
    /// Category, e.g. `forensic_confirmed_targeting_of_journalists`.
    pub evidence_type: String,
    pub technology: String,
    pub attributed_actor: String,
    /// Organisation(s) that published the finding.
    pub source: String,
    /// Title of the report.
    pub report: String,
    /// Link to the report; the seed has one row still waiting for its URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Year of the finding (the seed records years only).
    pub year: i32,
    /// Exact date when known.
    #[serde(default)]
    pub date: Option<chrono::NaiveDate>,
    pub confidence: Confidence,
    /// Who reviewed the entry; `None` for uncurated seed rows.
    #[serde(default)]
    pub reviewer: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct EvidenceError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

impl EvidenceEntry {
    /// Checks an entry before the register stores it (the app calls this on create and edit).
    /// Errors name the field.
    pub fn validate(&self) -> Result<(), InvalidEvidence> {
        let bad =
            |field: &'static str, message: &str| Err(InvalidEvidence { field, message: message.to_string() });
        if self.id.trim().is_empty() {
            return bad("id", "must not be empty");
        }
        if let EvidenceScope::EndUser { name } = &self.scope
            && normalise_name(name).is_empty()
        {
            return bad("scope.name", "an end-user finding must name the end user");
        }
        if self.finding.trim().is_empty() {
            return bad("finding", "must not be empty");
        }
        if self.source.trim().is_empty() {
            return bad("source", "must name the organisation that published the finding");
        }
        if let Some(u) = &self.url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return bad("url", "must be an http(s) URL");
        }
        if !(1900..=2100).contains(&self.year) {
            return bad("year", "must be a year between 1900 and 2100");
        }
        if let Some(d) = self.date
            && chrono::Datelike::year(&d) != self.year
        {
            return bad("date", "must fall in `year`");
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("evidence entry field `{field}`: {message}")]
pub struct InvalidEvidence {
    pub field: &'static str,
    pub message: String,
}

/// The bundled seed register (19 country-level findings, 2016–2024).
pub fn seed_evidence() -> Result<Vec<EvidenceEntry>, EvidenceError> {
    parse_evidence_csv("data/indicators/spyware_evidence_seed.csv", SEED_CSV)
}

/// Parses a register in the seed's CSV layout:
/// `iso3,country,year,evidence_type,technology,attributed_actor,source_org,report,url,confidence,curator_note`
/// plus optional `end_user` (makes the row end-user-level), `reviewer` and `id` columns.
/// All-or-nothing, like the indicator importer.
pub fn parse_evidence_csv(file: &str, text: &str) -> Result<Vec<EvidenceEntry>, EvidenceError> {
    let err = |line: u64, message: String| EvidenceError { file: file.to_string(), line, message };
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| err(1, e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let required = [
        "iso3",
        "year",
        "evidence_type",
        "technology",
        "attributed_actor",
        "source_org",
        "report",
        "url",
        "confidence",
    ];
    let mut idx = Vec::new();
    for r in required {
        idx.push(col(r).ok_or_else(|| err(1, format!("missing column `{r}`")))?);
    }
    let (note_c, end_user_c, reviewer_c, id_c) =
        (col("curator_note"), col("end_user"), col("reviewer"), col("id"));
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| err(e.position().map(|p| p.line()).unwrap_or(0), e.to_string()))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| rec.get(idx[i]).unwrap_or_default().trim().to_string();
        let opt = |c: Option<usize>| {
            c.and_then(|c| rec.get(c)).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
        };
        let iso3 = Iso3::parse(&get(0)).map_err(|e| err(line, e.to_string()))?;
        let year: i32 = get(1)
            .parse()
            .ok()
            .filter(|y| (1900..=2100).contains(y))
            .ok_or_else(|| err(line, format!("year `{}` is not a valid year", get(1))))?;
        let confidence = Confidence::from_str(&get(8)).map_err(|e| err(line, e))?;
        let url = Some(get(7)).filter(|u| !u.is_empty());
        if let Some(u) = &url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(err(line, format!("url `{u}` is not an http(s) URL")));
        }
        let scope = match opt(end_user_c) {
            Some(name) => EvidenceScope::EndUser { name },
            None => EvidenceScope::Country,
        };
        let (evidence_type, technology, actor) = (get(2), get(3), get(4));
        let finding =
            format!("{} ({}), attributed to {}", evidence_type.replace('_', " "), technology, actor);
        out.push(EvidenceEntry {
            id: opt(id_c).unwrap_or_else(|| format!("seed-{}-{}-{}", iso3, year, line)),
            iso3,
            scope,
            finding,
            evidence_type,
            technology,
            attributed_actor: actor,
            source: get(5),
            report: get(6),
            url,
            year,
            date: None,
            confidence,
            reviewer: opt(reviewer_c),
            note: opt(note_c).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Folds an organisation name for comparison: case, punctuation and spacing do not matter.
pub fn normalise_name(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_register_loads_nineteen_country_level_findings() {
        let seed = seed_evidence().unwrap();
        assert_eq!(seed.len(), 19);
        assert!(seed.iter().all(|e| e.scope == EvidenceScope::Country));
        let srb = seed.iter().find(|e| e.iso3.as_str() == "SRB").unwrap();
        assert_eq!(srb.year, 2024);
        assert_eq!(srb.url, None, "the seed row is still waiting for its URL");
        let are = seed.iter().find(|e| e.iso3.as_str() == "ARE").unwrap();
        assert!(are.url.as_deref().unwrap().starts_with("https://citizenlab.ca/"));
        assert_eq!(seed.iter().filter(|e| e.url.is_none()).count(), 4);
        assert!(seed.iter().all(|e| e.validate().is_ok()));
    }

    #[test]
    fn an_end_user_column_makes_a_finding_end_user_level() {
        let text = "iso3,year,evidence_type,technology,attributed_actor,source_org,report,url,confidence,end_user,reviewer\n\
                    SRB,2024,targeting,NoviSpy,BIA,Amnesty,Report,https://example.org/r,high,Security Information Agency (BIA),A. Assessor\n";
        let e = &parse_evidence_csv("r.csv", text).unwrap()[0];
        assert_eq!(e.scope, EvidenceScope::EndUser { name: "Security Information Agency (BIA)".into() });
        assert_eq!(e.reviewer.as_deref(), Some("A. Assessor"));
    }

    #[test]
    fn a_bad_row_is_reported_with_its_line() {
        let text = "iso3,year,evidence_type,technology,attributed_actor,source_org,report,url,confidence\n\
                    SRB,2024,t,x,y,z,r,https://e.org,high\n\
                    SRB,2024,t,x,y,z,r,https://e.org,sure\n";
        let e = parse_evidence_csv("r.csv", text).unwrap_err();
        assert_eq!(e.line, 3);
    }

    #[test]
    fn validation_names_the_offending_field() {
        let mut e = seed_evidence().unwrap().remove(0);
        e.url = Some("ftp://example.org".into());
        assert_eq!(e.validate().unwrap_err().field, "url");
        e.url = None;
        e.scope = EvidenceScope::EndUser { name: " - ".into() };
        assert_eq!(e.validate().unwrap_err().field, "scope.name");
        e.scope = EvidenceScope::Country;
        e.date = chrono::NaiveDate::from_ymd_opt(e.year + 1, 1, 1);
        assert_eq!(e.validate().unwrap_err().field, "date");
    }

    #[test]
    fn names_compare_without_case_or_punctuation() {
        assert_eq!(
            normalise_name("Security Information Agency (BIA)"),
            normalise_name("security information agency bia")
        );
    }
}
