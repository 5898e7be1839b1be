//! Indicator data: country-year values keyed by ISO alpha-3, each carrying its dataset and release.
//!
//! The bundled datasets are compiled in (`include_str!`) so the CLI works from any directory and an
//! assessment can always name the exact bytes it used (the SHA-256 of each file is recorded). Further
//! sources (Political Terror Scale, Freedom House, the full V-Dem with its digital-society variables)
//! come in through [`IndicatorStore::import_csv`], whose format is documented in `docs/risk.md` and on
//! that function. An import is all-or-nothing: it is parsed and checked completely before anything is
//! merged, so a bad line leaves the store exactly as it was.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::country::Iso3;

/// Identifies one release of one dataset, as recorded with every assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetMeta {
    /// Short id used by the policy to reference the dataset (e.g. `wgi`, `vdem_v16_owid`, `pts`).
    pub id: String,
    /// Human-readable name cited in rationales.
    pub name: String,
    /// Release label (e.g. `2024`, `v16`).
    pub release: String,
    pub licence: String,
    pub url: String,
    /// SHA-256 (hex) of the file the values were read from; filled in at load.
    #[serde(default)]
    pub sha256: String,
}

impl DatasetMeta {
    pub fn new(id: &str, name: &str, release: &str, licence: &str, url: &str) -> Self {
        DatasetMeta {
            id: id.into(),
            name: name.into(),
            release: release.into(),
            licence: licence.into(),
            url: url.into(),
            sha256: String::new(),
        }
    }
}

/// One value as found: which dataset, which year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub year: i32,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ImportError {
    pub file: String,
    /// 1-based line in the file (1 is the header); 0 when the problem is the file as a whole.
    pub line: u64,
    pub message: String,
}

/// What an import added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub dataset: String,
    pub countries: usize,
    pub variables: Vec<String>,
    pub values: usize,
}

type SeriesKey = (Iso3, String, String);

/// All loaded indicator values.
#[derive(Debug, Clone, Default)]
pub struct IndicatorStore {
    datasets: BTreeMap<String, DatasetMeta>,
    series: BTreeMap<SeriesKey, BTreeMap<i32, f64>>,
}

const WGI_CSV: &str = include_str!("../../../data/indicators/wgi_2024_wide_2013_2023.csv");
const VDEM16_CSV: &str = include_str!("../../../data/indicators/vdem_v16_owid_2000_2025.csv");
const VDEM15_JUCON_CSV: &str = include_str!("../../../data/indicators/vdem_v15_jucon_2024_owid.csv");
const VDEM14_CSV: &str = include_str!("../../../data/indicators/vdem_v14_demspaces_2000_2023.csv");

const VDEM_LICENCE: &str =
    "CC BY-SA 4.0, V-Dem Institute (Coppedge et al., V-Dem Dataset); via Our World in Data";

/// Columns that describe a row rather than hold an indicator value; a wide import skips them.
const DESCRIPTIVE_COLUMNS: &[&str] =
    &["country", "country_name", "entity", "name", "note", "notes", "gwcode", "cowcode", "time", "region"];

impl IndicatorStore {
    /// An empty store (tests and callers that bring all their own data).
    pub fn new() -> Self {
        Self::default()
    }

    /// The datasets shipped in `data/indicators/` (World Bank WGI 2024; V-Dem v16, v15 and v14 extracts).
    pub fn bundled() -> Result<Self, ImportError> {
        let mut store = IndicatorStore::new();
        store.import_csv(
            "data/indicators/wgi_2024_wide_2013_2023.csv",
            WGI_CSV,
            DatasetMeta::new(
                "wgi",
                "World Bank Worldwide Governance Indicators",
                "2024",
                "CC BY 4.0, The World Bank",
                "https://www.worldbank.org/en/publication/worldwide-governance-indicators",
            ),
        )?;
        store.import_csv(
            "data/indicators/vdem_v16_owid_2000_2025.csv",
            VDEM16_CSV,
            DatasetMeta::new(
                "vdem_v16_owid",
                "V-Dem v16 (Our World in Data export)",
                "v16",
                VDEM_LICENCE,
                "https://v-dem.net/data/the-v-dem-dataset/",
            ),
        )?;
        // OWID names the single value column by its label; rename it to the V-Dem tag.
        let jucon = VDEM15_JUCON_CSV.replacen(
            "Entity,Code,Year,Judicial constraints on the executive index (best estimate),time",
            "country,iso3,year,v2x_jucon,time",
            1,
        );
        if jucon == VDEM15_JUCON_CSV {
            return Err(ImportError {
                file: "data/indicators/vdem_v15_jucon_2024_owid.csv".into(),
                line: 1,
                message: "unexpected header (OWID column names changed?)".into(),
            });
        }
        let mut meta = DatasetMeta::new(
            "vdem_v15_owid",
            "V-Dem v15 judicial constraints (Our World in Data export)",
            "v15",
            VDEM_LICENCE,
            "https://ourworldindata.org/grapher/judicial-constraints-on-the-executive-index",
        );
        meta.sha256 = sha256_hex(VDEM15_JUCON_CSV);
        store.import_csv_with_hash("data/indicators/vdem_v15_jucon_2024_owid.csv", &jucon, meta)?;
        store.import_csv(
            "data/indicators/vdem_v14_demspaces_2000_2023.csv",
            VDEM14_CSV,
            DatasetMeta::new(
                "vdem_v14_demspaces",
                "V-Dem v14 (Democratic Spaces extract)",
                "v14",
                VDEM_LICENCE,
                "https://v-dem.net/data/the-v-dem-dataset/",
            ),
        )?;
        Ok(store)
    }

    /// Imports one indicator file as one dataset release. All-or-nothing.
    ///
    /// Format (CSV, UTF-8, header row required; column order free; names case-insensitive):
    /// - **long**: columns `iso3,year,indicator,value` — one value per row;
    /// - **wide**: columns `iso3,year` plus one column per indicator (any column not in the
    ///   descriptive set `country, country_name, entity, name, note(s), gwcode, cowcode, time, region`).
    ///
    /// `iso3` accepts ISO 3166-1 alpha-3 or alpha-2 and the legacy codes `KSV`, `OWID_KOS`, `ROM`, `ZAR`,
    /// `TMP`, `WBG`, `ADO`; `year` is an integer 1800–2100; `value` a finite decimal number, or empty for
    /// "no data"; indicator names are `[a-z0-9_]+`. A (country, indicator, year) may appear once. The
    /// dataset id, name and release come from `meta` (one file = one release of one dataset), and a
    /// dataset id may be loaded only once per store.
    pub fn import_csv(
        &mut self,
        file: &str,
        text: &str,
        mut meta: DatasetMeta,
    ) -> Result<ImportSummary, ImportError> {
        meta.sha256 = sha256_hex(text);
        self.import_csv_with_hash(file, text, meta)
    }

    fn import_csv_with_hash(
        &mut self,
        file: &str,
        text: &str,
        meta: DatasetMeta,
    ) -> Result<ImportSummary, ImportError> {
        let err = |line: u64, message: String| ImportError { file: file.to_string(), line, message };
        if !is_identifier(&meta.id) {
            return Err(err(0, format!("dataset id `{}` must match [a-z0-9_]+", meta.id)));
        }
        if meta.release.trim().is_empty() || meta.name.trim().is_empty() {
            return Err(err(0, "dataset name and release must be given".into()));
        }
        if self.datasets.contains_key(&meta.id) {
            return Err(err(
                0,
                format!("dataset `{}` is already loaded; give a new release its own id", meta.id),
            ));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rdr =
            csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| err(1, format!("cannot read header: {e}")))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let iso_col = col("iso3").ok_or_else(|| err(1, "missing column `iso3`".into()))?;
        let year_col = col("year").ok_or_else(|| err(1, "missing column `year`".into()))?;
        let long = match (col("indicator"), col("value")) {
            (Some(i), Some(v)) => Some((i, v)),
            (None, None) => None,
            _ => {
                return Err(err(1, "a long-format file needs both `indicator` and `value` columns".into()));
            }
        };
        let wide_cols: Vec<(usize, String)> = if long.is_none() {
            let mut cols = Vec::new();
            for (i, h) in headers.iter().enumerate() {
                if i == iso_col || i == year_col || DESCRIPTIVE_COLUMNS.contains(&h.as_str()) {
                    continue;
                }
                if !is_identifier(h) {
                    return Err(err(1, format!("column `{h}` is not a valid indicator name ([a-z0-9_]+)")));
                }
                cols.push((i, h.clone()));
            }
            if cols.is_empty() {
                return Err(err(1, "no indicator columns".into()));
            }
            cols
        } else {
            Vec::new()
        };

        let mut batch: BTreeMap<SeriesKey, BTreeMap<i32, f64>> = BTreeMap::new();
        let mut rows = 0usize;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                err(line, format!("malformed CSV: {e}"))
            })?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            rows += 1;
            let raw_iso = rec.get(iso_col).unwrap_or_default();
            let iso = Iso3::parse(raw_iso).map_err(|e| err(line, e.to_string()))?;
            let raw_year = rec.get(year_col).unwrap_or_default().trim();
            let year = parse_year(raw_year)
                .ok_or_else(|| err(line, format!("year `{raw_year}` is not an integer 1800–2100")))?;
            let mut put = |variable: &str, raw: &str| -> Result<(), ImportError> {
                let raw = raw.trim();
                if raw.is_empty() {
                    return Ok(());
                }
                let value: f64 = raw
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| err(line, format!("`{variable}` value `{raw}` is not a number")))?;
                let slot = batch.entry((iso.clone(), meta.id.clone(), variable.to_string())).or_default();
                if slot.insert(year, value).is_some() {
                    return Err(err(line, format!("duplicate value for {iso} `{variable}` {year}")));
                }
                Ok(())
            };
            if let Some((ind_col, val_col)) = long {
                let variable = rec.get(ind_col).unwrap_or_default().trim().to_ascii_lowercase();
                if !is_identifier(&variable) {
                    return Err(err(
                        line,
                        format!("indicator `{variable}` is not a valid name ([a-z0-9_]+)"),
                    ));
                }
                put(&variable, rec.get(val_col).unwrap_or_default())?;
            } else {
                for (i, variable) in &wide_cols {
                    put(variable, rec.get(*i).unwrap_or_default())?;
                }
            }
        }
        if rows == 0 || batch.is_empty() {
            return Err(err(0, "the file holds no values".into()));
        }
        let countries: BTreeSet<&Iso3> = batch.keys().map(|(c, _, _)| c).collect();
        let variables: BTreeSet<&String> = batch.keys().map(|(_, _, v)| v).collect();
        let summary = ImportSummary {
            dataset: meta.id.clone(),
            countries: countries.len(),
            variables: variables.into_iter().cloned().collect(),
            values: batch.values().map(BTreeMap::len).sum(),
        };
        // Only now, with the whole file checked, does anything reach the store.
        self.datasets.insert(meta.id.clone(), meta);
        self.series.extend(batch);
        Ok(summary)
    }

    /// Adds one value directly (for callers that hold data in another form, and for tests).
    pub fn insert(&mut self, meta: &DatasetMeta, iso: &Iso3, variable: &str, year: i32, value: f64) {
        self.datasets.entry(meta.id.clone()).or_insert_with(|| meta.clone());
        self.series
            .entry((iso.clone(), meta.id.clone(), variable.to_string()))
            .or_default()
            .insert(year, value);
    }

    /// The most recent value in or before `year`: an assessment dated in the past never sees data
    /// published later, which is what makes replay by date meaningful.
    pub fn latest(&self, iso: &Iso3, dataset: &str, variable: &str, year: i32) -> Option<Observation> {
        self.series
            .get(&(iso.clone(), dataset.to_string(), variable.to_string()))
            .and_then(|s| s.range(..=year).next_back())
            .map(|(y, v)| Observation { year: *y, value: *v })
    }

    /// The value for exactly `year`.
    pub fn at(&self, iso: &Iso3, dataset: &str, variable: &str, year: i32) -> Option<f64> {
        self.series
            .get(&(iso.clone(), dataset.to_string(), variable.to_string()))
            .and_then(|s| s.get(&year))
            .copied()
    }

    pub fn dataset(&self, id: &str) -> Option<&DatasetMeta> {
        self.datasets.get(id)
    }

    pub fn datasets(&self) -> impl Iterator<Item = &DatasetMeta> {
        self.datasets.values()
    }

    /// Countries with at least one value.
    pub fn countries(&self) -> BTreeSet<Iso3> {
        self.series.keys().map(|(c, _, _)| c.clone()).collect()
    }
}

/// SHA-256 (hex) of a text.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn parse_year(s: &str) -> Option<i32> {
    // WGI writes some years as "2013.0"; accept an integral decimal but nothing else.
    let y: i32 =
        s.parse().ok().or_else(|| s.parse::<f64>().ok().filter(|f| f.fract() == 0.0).map(|f| f as i32))?;
    (1800..=2100).contains(&y).then_some(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str) -> DatasetMeta {
        DatasetMeta::new(id, "Test data", "t1", "test", "https://example.org")
    }

    #[test]
    fn bundled_data_loads_and_is_keyed_by_alpha3() {
        let s = IndicatorStore::bundled().unwrap();
        let deu = Iso3::parse("DEU").unwrap();
        let rl = s.latest(&deu, "wgi", "wgi_rl_estimate", 2026).unwrap();
        assert_eq!(rl.year, 2023);
        assert!((rl.value - 1.55).abs() < 1e-9);
        let xkx = Iso3::parse("XKX").unwrap();
        assert!(s.latest(&xkx, "vdem_v15_owid", "v2x_jucon", 2026).is_some());
        assert!(s.latest(&xkx, "wgi", "wgi_va_estimate", 2026).is_some());
        assert_eq!(s.dataset("wgi").unwrap().sha256.len(), 64);
    }

    #[test]
    fn latest_never_returns_a_value_from_after_the_requested_year() {
        let s = IndicatorStore::bundled().unwrap();
        let nor = Iso3::parse("NOR").unwrap();
        assert_eq!(s.latest(&nor, "vdem_v16_owid", "v2x_libdem", 2010).unwrap().year, 2010);
        assert!(s.latest(&nor, "wgi", "wgi_rl_estimate", 2012).is_none());
    }

    #[test]
    fn long_format_file_imports() {
        let mut s = IndicatorStore::new();
        let text = "iso3,year,indicator,value,country\nPRK,2023,pts_max,5,North Korea\nKSV,2023,pts_max,2,Kosovo\nNOR,2023,pts_max,,Norway\n";
        let sum = s.import_csv("pts.csv", text, meta("pts")).unwrap();
        assert_eq!(sum.values, 2);
        let xkx = Iso3::parse("XKX").unwrap();
        assert_eq!(s.at(&xkx, "pts", "pts_max", 2023), Some(2.0));
    }

    #[test]
    fn a_bad_line_rejects_the_whole_file_with_its_line_number() {
        let mut s = IndicatorStore::new();
        let text = "iso3,year,pts_max\nPRK,2023,5\nNOR,2023,1\nQQQ,2023,3\n";
        let e = s.import_csv("pts.csv", text, meta("pts")).unwrap_err();
        assert_eq!(e.file, "pts.csv");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("QQQ"), "{e}");
        assert!(s.countries().is_empty(), "nothing may be loaded from a rejected file");
        assert!(s.dataset("pts").is_none());
    }

    #[test]
    fn non_numeric_values_bad_years_and_duplicates_are_rejected() {
        for (text, line, needle) in [
            ("iso3,year,x\nNOR,2023,high\n", 2, "not a number"),
            ("iso3,year,x\nNOR,20x3,1\n", 2, "year"),
            ("iso3,year,x\nNOR,2023,1\nNO,2023,2\n", 3, "duplicate"),
            ("iso3,year,x\nNOR,2023,inf\n", 2, "not a number"),
            ("iso,year,x\nNOR,2023,1\n", 1, "iso3"),
            ("iso3,year,indicator\nNOR,2023,x\n", 1, "long-format"),
            ("iso3,year,indicator,value\nNOR,2023,Bad Name,1\n", 2, "indicator"),
        ] {
            let mut s = IndicatorStore::new();
            let e = s.import_csv("f.csv", text, meta("d")).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e}");
            assert!(e.message.contains(needle), "{text}: {e}");
            assert!(s.countries().is_empty());
        }
    }

    #[test]
    fn a_dataset_id_cannot_be_loaded_twice() {
        let mut s = IndicatorStore::new();
        s.import_csv("a.csv", "iso3,year,x\nNOR,2023,1\n", meta("d")).unwrap();
        let e = s.import_csv("b.csv", "iso3,year,x\nSWE,2023,1\n", meta("d")).unwrap_err();
        assert!(e.message.contains("already loaded"));
        assert!(!s.countries().contains(&Iso3::parse("SWE").unwrap()));
    }
}
