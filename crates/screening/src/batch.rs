//! Batch screening: JSON lines in, JSON lines out, in input order, on all cores.

use crate::error::Error;
use crate::index::{Index, Query};
use crate::model::Schema;
use crate::score::Match;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};

/// One line of a batch query file: `{"id", "name", "schema"?, "country"?, "birthDate"?}`.
/// Other fields are ignored.
#[derive(Clone, Debug, Deserialize)]
pub struct BatchQuery {
    pub id: serde_json::Value,
    pub name: String,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default, rename = "birthDate")]
    pub birth_date: Option<String>,
}

impl BatchQuery {
    /// Converts to a `Query`, validating the schema name.
    pub fn to_query(&self) -> Result<Query, String> {
        let schema = match self.schema.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(s.parse::<Schema>()?),
            None => None,
        };
        Ok(Query {
            name: self.name.clone(),
            schema,
            country: self.country.clone(),
            birth_date: self.birth_date.clone(),
            identifiers: Vec::new(),
        })
    }
}

/// One output line: `{"id", "matches": [...]}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchResult {
    pub id: serde_json::Value,
    pub matches: Vec<Match>,
}

/// Screens every query line of `reader` and writes one result line per query to `writer`, in
/// input order. All queries are read and validated first, so a malformed line fails the batch
/// before any output. `progress(done, total)` is called after each chunk. Returns the number of
/// queries screened.
pub fn screen_batch(
    index: &Index,
    reader: impl BufRead,
    mut writer: impl Write,
    threshold: f64,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<usize, Error> {
    let mut queries = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| Error::Query { line: n, message: e.to_string() })?;
        if line.trim().is_empty() {
            continue;
        }
        let bq: BatchQuery =
            serde_json::from_str(&line).map_err(|e| Error::Query { line: n, message: e.to_string() })?;
        let q = bq.to_query().map_err(|message| Error::Query { line: n, message })?;
        queries.push((bq.id, q));
    }
    let total = queries.len();
    const CHUNK: usize = 2048;
    let mut done = 0;
    for chunk in queries.chunks(CHUNK) {
        let lines: Vec<String> = chunk
            .par_iter()
            .map(|(id, q)| {
                let result = BatchResult { id: id.clone(), matches: index.screen(q, threshold) };
                serde_json::to_string(&result).expect("results always serialise")
            })
            .collect();
        for l in lines {
            writer.write_all(l.as_bytes()).map_err(Error::Output)?;
            writer.write_all(b"\n").map_err(Error::Output)?;
        }
        done += chunk.len();
        if let Some(p) = progress {
            p(done, total);
        }
    }
    writer.flush().map_err(Error::Output)?;
    Ok(total)
}
