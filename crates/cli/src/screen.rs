//! `oversight screen`: screen one name, or a file of queries, against restricted-party list files.
//!
//! This command needs no database: it reads the lists named by `--list-file FORMAT:PATH`, builds
//! an in-memory index and prints alerts. Batch output (JSON lines on stdout, one per query, in
//! input order) is a contract other tools depend on; progress goes to stderr: a bar on a terminal,
//! plain lines otherwise (the CLI's `progress`, passed in by `main`).

use anyhow::{Context, Result, bail};
use oversight_screening::{DEFAULT_THRESHOLD, Entry, Index, Match, Query, Schema, load_list_spec};
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ScreenArgs {
    /// A list to screen against, as FORMAT:PATH; repeat for several lists. Formats: csl-csv,
    /// ofac-csv (PATH = folder with sdn.csv/alt.csv/add.csv), ofac-xml, un-xml, bis-dpl, ftm-json.
    #[arg(long = "list-file", value_name = "FORMAT:PATH", required = true)]
    pub list_file: Vec<String>,

    /// The name to screen.
    #[arg(long, value_name = "NAME", required_unless_present = "batch", conflicts_with = "batch")]
    pub name: Option<String>,

    /// Entity type of the party: Person, Organization, LegalEntity, Vessel or Aircraft.
    #[arg(long, value_name = "SCHEMA", value_parser = parse_schema)]
    pub schema: Option<Schema>,

    /// Country of the party (ISO 3166-1 alpha-2, e.g. RU).
    #[arg(long, value_name = "ISO2", value_parser = parse_country)]
    pub country: Option<String>,

    /// Date of birth (or incorporation): YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long = "birth-date", value_name = "DATE", value_parser = parse_birth_date)]
    pub birth_date: Option<String>,

    /// Screen every query in a JSON-lines file ({"id","name","schema"?,"country"?,"birthDate"?});
    /// `-` reads standard input. Writes one JSON line per query to standard output.
    #[arg(long, value_name = "QUERIES.jsonl")]
    pub batch: Option<PathBuf>,

    /// Alert threshold in [0, 1].
    #[arg(long, value_name = "T", default_value_t = DEFAULT_THRESHOLD, value_parser = parse_threshold)]
    pub threshold: f64,

    /// With --name: print the alerts as JSON instead of text.
    #[arg(long, conflicts_with = "batch")]
    pub json: bool,
}

fn parse_schema(s: &str) -> Result<Schema, String> {
    s.parse()
}

fn parse_country(s: &str) -> Result<String, String> {
    let c = s.trim();
    if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(c.to_ascii_uppercase())
    } else {
        Err(format!("{s:?} is not an ISO 3166-1 alpha-2 code (two letters, e.g. RU)"))
    }
}

fn parse_birth_date(s: &str) -> Result<String, String> {
    let ok = |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = s.trim().split('-').collect();
    let valid = match parts.as_slice() {
        [y] => ok(y, 4),
        [y, m] => ok(y, 4) && ok(m, 2),
        [y, m, d] => ok(y, 4) && ok(m, 2) && ok(d, 2),
        _ => false,
    };
    if valid { Ok(s.trim().to_string()) } else { Err(format!("{s:?} is not YYYY, YYYY-MM or YYYY-MM-DD")) }
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if (0.0..=1.0).contains(&t) => Ok(t),
        _ => Err(format!("{s:?} is not a number between 0 and 1")),
    }
}

/// Loads every list and builds one index over all of them.
fn build_index(specs: &[String]) -> Result<(Index, Vec<(String, usize)>)> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut loaded = Vec::new();
    for spec in specs {
        let list = load_list_spec(spec).with_context(|| format!("loading list {spec}"))?;
        loaded.push((spec.clone(), list.len()));
        entries.extend(list);
    }
    Ok((Index::build(entries), loaded))
}

/// Screens without progress reports (the screening crate's `screen` example compiles this module
/// alone, without the CLI's progress bar).
#[allow(dead_code)]
pub fn run(args: ScreenArgs) -> Result<()> {
    run_with_progress(args, None)
}

/// Screens; a batch tells `progress` `(queries done, queries in all)` as it advances.
pub fn run_with_progress(args: ScreenArgs, progress: Option<&(dyn Fn(usize, usize) + Sync)>) -> Result<()> {
    let (index, loaded) = build_index(&args.list_file)?;
    let stderr_tty = std::io::stderr().is_terminal();
    if stderr_tty {
        for (spec, n) in &loaded {
            eprintln!("loaded {n} entries from {spec}");
        }
    }
    if let Some(path) = &args.batch {
        let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
            Box::new(BufReader::new(std::io::stdin().lock()))
        } else {
            let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            Box::new(BufReader::new(file))
        };
        let out = BufWriter::new(std::io::stdout().lock());
        oversight_screening::screen_batch(&index, reader, out, args.threshold, progress)
            .with_context(|| format!("screening {}", path.display()))?;
        return Ok(());
    }
    let Some(name) = args.name.clone() else { bail!("give --name NAME or --batch QUERIES.jsonl") };
    let query = Query {
        name,
        schema: args.schema,
        country: args.country.clone(),
        birth_date: args.birth_date.clone(),
        identifiers: Vec::new(),
    };
    let matches = index.screen(&query, args.threshold);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &matches)?;
        writeln!(out)?;
    } else {
        print_readable(&mut out, &query, &matches, &index, args.threshold)?;
    }
    Ok(())
}

fn print_readable(
    out: &mut impl Write,
    query: &Query,
    matches: &[Match],
    index: &Index,
    threshold: f64,
) -> Result<()> {
    let lists: Vec<&str> = {
        let mut l: Vec<&str> = index.entries().iter().map(|e| e.list.as_str()).collect();
        l.sort_unstable();
        l.dedup();
        l
    };
    writeln!(
        out,
        "Screened {:?} against {} entries ({}): {} alert{} at threshold {threshold:.2}",
        query.name,
        index.len(),
        lists.join(", "),
        matches.len(),
        if matches.len() == 1 { "" } else { "s" }
    )?;
    for (i, m) in matches.iter().enumerate() {
        let e = &m.explanation;
        let schema =
            index.entry_by_source(&m.list, &m.source_id).map(|e| e.schema.to_string()).unwrap_or_default();
        writeln!(out)?;
        writeln!(out, "{:>3}. {:.3}  {}  [{} {}, {}]", i + 1, m.score, m.name, m.list, m.source_id, schema)?;
        if e.matched_name != m.name {
            writeln!(out, "       matched {:?} ({:?} name)", e.matched_name, e.matched_name_strength)?;
        }
        let tokens: Vec<String> = e
            .alignment
            .iter()
            .map(|p| match (&p.query, &p.listed) {
                (Some(q), Some(l)) if q == l => format!("{q} ({})", p.how),
                (Some(q), Some(l)) => format!("{q}~{l} ({}, {:.2})", p.how, p.similarity),
                (Some(q), None) => format!("{q} (not in listed name)"),
                (None, Some(l)) => format!("{l} (not in query)"),
                (None, None) => String::new(),
            })
            .collect();
        writeln!(out, "       name score {:.3}: {}", e.name_score, tokens.join(" · "))?;
        for a in &e.adjustments {
            writeln!(out, "       {:+.2} {}", a.delta, a.reason)?;
        }
    }
    Ok(())
}
