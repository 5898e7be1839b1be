//! The public register as HTML pages (no login, no JavaScript): search, one record with its
//! inclusion proof, and statistics with server-drawn SVG charts.
//!
//! The pages render the same app calls as the JSON endpoints in `register.rs`; nothing here decides
//! what is public. Every piece of record text goes through [`escape`] — records carry free text
//! written by officers and exporters.

use axum::{
    Router,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use oversight_app::{
    AppError,
    register::{RecordWithProof, RegisterPage, RegisterQuery, RegisterStats},
};
use oversight_domain::register::PublicRecord;
use serde::Deserialize;
use std::{collections::BTreeMap, fmt::Write as _};

use super::register::{MAX_PAGE, OUTCOMES, SECTORS, escape, is_sector};
use crate::{AppState, error::ApiError, public_url::PublicBase};

/// Criteria of Council Common Position 2008/944/CFSP, as relied on for refusals.
const CRITERIA: [&str; 8] = [
    "international obligations and sanctions",
    "human rights and international humanitarian law",
    "internal situation in the country of final destination",
    "regional peace, security and stability",
    "national security of member states and allies",
    "behaviour of the buyer country towards terrorism and international law",
    "risk of diversion or re-export",
    "compatibility with the technical and economic capacity of the recipient country",
];

const PER_PAGE: u32 = 25;

/// The HTML routes. They are not in the OpenAPI document: they are pages, not an API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/register", get(search_page))
        .route("/register/stats", get(stats_page))
        .route("/register/{index}", get(record_page))
}

/// The search form's parameters, all as typed: an empty field means "any", and every value is
/// checked here so that a bad one yields a message on the page rather than a bare error.
#[derive(Debug, Default, Deserialize)]
struct SearchForm {
    q: Option<String>,
    destination: Option<String>,
    outcome: Option<String>,
    control_entry: Option<String>,
    end_user_sector: Option<String>,
    case_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

impl SearchForm {
    /// The app query, or the messages naming each invalid field.
    fn to_query(&self) -> Result<RegisterQuery, Vec<String>> {
        let mut errors = Vec::new();
        let date = |name: &str, v: &Option<String>, errors: &mut Vec<String>| {
            filled(v).and_then(|s| match chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(format!("{name}: “{s}” is not a date in the form YYYY-MM-DD."));
                    None
                }
            })
        };
        let from = date("Date from", &self.from, &mut errors);
        let to = date("Date to", &self.to, &mut errors);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.push("Date from: must not be after “Date to”.".into());
        }
        let outcome = filled(&self.outcome);
        if let Some(o) = &outcome
            && !OUTCOMES.contains(&o.as_str())
        {
            errors.push(format!("Outcome: “{o}” is not one of {}.", OUTCOMES.join(", ")));
        }
        let sector = filled(&self.end_user_sector);
        if let Some(s) = &sector
            && !is_sector(s)
        {
            errors.push(format!("End-user sector: “{s}” is not one of {}.", SECTORS.join(", ")));
        }
        let page = match filled(&self.page).map(|p| p.parse::<u32>()) {
            None => None,
            Some(Ok(p)) if (1..=MAX_PAGE).contains(&p) => Some(p),
            Some(_) => {
                errors.push(format!("Page: must be a whole number from 1 to {MAX_PAGE}."));
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(RegisterQuery {
            q: filled(&self.q),
            destination: filled(&self.destination),
            outcome,
            control_entry: filled(&self.control_entry),
            end_user_sector: sector,
            case_id: filled(&self.case_id),
            from,
            to,
            page,
            per_page: Some(PER_PAGE),
        })
    }

    /// The query string of these filters with another page number.
    fn href(&self, page: u32) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("destination", &self.destination),
            ("outcome", &self.outcome),
            ("control_entry", &self.control_entry),
            ("end_user_sector", &self.end_user_sector),
            ("case_id", &self.case_id),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = filled(v) {
                query.append_pair(k, &v);
            }
        }
        query.append_pair("page", &page.to_string());
        format!("/register?{}", escape(&query.finish()))
    }
}

/// A whole HTML document around `body`.
fn layout(title: &str, body: &str) -> String {
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — Oversight public register</title>
<link rel="stylesheet" href="/static/oversight.css">
<link rel="alternate" type="application/atom+xml" title="New decisions" href="/register/feed.atom">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="site">Oversight — public register of export-licensing decisions</p>
<nav aria-label="Register">
<ul>
<li><a href="/register">Search decisions</a></li>
<li><a href="/register/stats">Statistics</a></li>
<li><a href="/register/decisions.csv">CSV</a></li>
<li><a href="/register/decisions.jsonl">JSON lines</a></li>
<li><a href="/register/feed.atom">Atom feed</a></li>
<li><a href="/log/checkpoint">Transparency log</a></li>
</ul>
</nav>
</header>
<main id="main">
<h1>{title}</h1>
{body}
</main>
<footer><p>Every record on this register is a leaf of a signed, append-only transparency log.
Anyone can check that nothing published was changed or removed: see a record's page for how.</p></footer>
</body>
</html>
"##,
        title = escape(title)
    )
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    (status, Html(layout(title, body))).into_response()
}

fn not_found() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "Record not found",
        "<p>There is no record with this number on the register.</p>\
         <p><a href=\"/register\">Search the register</a></p>",
    )
}

/// Maps an app error to a page, with the status the JSON API gives it (the mapping, and the
/// logging of 5xx causes, is [`ApiError`]'s): field errors are the visitor's to fix; others are ours.
fn error_page(e: AppError) -> Response {
    let e = ApiError::from(e);
    match e.status {
        StatusCode::NOT_FOUND => not_found(),
        StatusCode::SERVICE_UNAVAILABLE => html(
            e.status,
            "Service unavailable",
            &format!("<p>{}</p><p>Please try again shortly.</p>", escape(&e.message)),
        ),
        s if s.is_server_error() => html(s, "Internal error", "<p>Internal error.</p>"),
        s => {
            let what = match &e.field {
                Some(f) => format!("{}: {}", humanise(f), e.message),
                None => e.message.clone(),
            };
            html(s, "Invalid request", &format!("<p class=\"error\">{}</p>", escape(&what)))
        }
    }
}

fn humanise(word: &str) -> String {
    let s = word.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

/// The first `max` characters of `text`, cut at a word, with an ellipsis if cut.
fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head).trim_end();
    format!("{cut}…")
}

fn destination(r: &PublicRecord) -> String {
    match (&r.destination_name, &r.destination) {
        (Some(n), Some(c)) => format!("{} ({})", escape(n), escape(c)),
        (None, Some(c)) => escape(c),
        _ => "—".into(),
    }
}

/// The date of the act the record publishes (a revocation's, not its licence's).
fn record_date(r: &PublicRecord) -> String {
    r.date_of_act().to_string()
}

fn options(values: &[&str], selected: Option<&str>, any: &str) -> String {
    let mut out = format!("<option value=\"\">{any}</option>");
    for v in values {
        let sel = if selected == Some(*v) { " selected" } else { "" };
        let _ = write!(out, "<option value=\"{v}\"{sel}>{}</option>", humanise(v));
    }
    out
}

fn search_form(f: &SearchForm) -> String {
    let val = |v: &Option<String>| escape(v.as_deref().unwrap_or(""));
    format!(
        r#"<form class="search" method="get" action="/register" role="search" aria-label="Search the register">
<div><label for="q">Text</label><input id="q" name="q" type="search" value="{q}"></div>
<div><label for="destination">Destination (ISO code)</label><input id="destination" name="destination" value="{destination}" size="4" placeholder="e.g. FR"></div>
<div><label for="outcome">Outcome</label><select id="outcome" name="outcome">{outcomes}</select></div>
<div><label for="control_entry">Control entry</label><input id="control_entry" name="control_entry" value="{control_entry}" placeholder="e.g. 5A001.f"></div>
<div><label for="end_user_sector">End-user sector</label><select id="end_user_sector" name="end_user_sector">{sectors}</select></div>
<div><label for="from">Date from</label><input id="from" name="from" type="date" value="{from}"></div>
<div><label for="to">Date to</label><input id="to" name="to" type="date" value="{to}"></div>
<div class="buttons"><button type="submit">Search</button> <a href="/register">Clear</a></div>
</form>"#,
        q = val(&f.q),
        destination = val(&f.destination),
        outcomes = options(&OUTCOMES, filled(&f.outcome).as_deref(), "Any outcome"),
        control_entry = val(&f.control_entry),
        sectors = options(&SECTORS, filled(&f.end_user_sector).as_deref(), "Any sector"),
        from = val(&f.from),
        to = val(&f.to),
    )
}

fn results_table(page: &RegisterPage, form: &SearchForm) -> String {
    // In u64: no page number or total can overflow the arithmetic of the summary and the links.
    let per_page = u64::from(page.per_page.max(1));
    let (current, total) = (u64::from(page.page.max(1)), page.total as u64);
    let pages = total.div_ceil(per_page).max(1);
    let mut out = String::new();
    let first = (current - 1).saturating_mul(per_page).saturating_add(1);
    let shown = page.records.len() as u64;
    if page.total == 0 {
        out += "<p class=\"summary\" role=\"status\">No published record matches these filters.</p>";
        return out;
    }
    if shown == 0 {
        let _ = write!(
            out,
            "<p class=\"summary\" role=\"status\">There is no page {} of these results: {} record{} in {pages} page{}. <a href=\"{}\">First page</a></p>",
            page.page,
            page.total,
            if page.total == 1 { "" } else { "s" },
            if pages == 1 { "" } else { "s" },
            form.href(1)
        );
        return out;
    }
    let _ = write!(
        out,
        "<p class=\"summary\" role=\"status\">{} matching record{}; showing {}–{}, newest first.</p>",
        page.total,
        if page.total == 1 { "" } else { "s" },
        first,
        first + shown.saturating_sub(1)
    );
    out += r#"<table class="results">
<caption>Published decisions and licence actions</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Outcome</th><th scope="col">Destination</th><th scope="col">End-user sector</th><th scope="col">Control entries</th><th scope="col">Cyber-surveillance</th><th scope="col">Rationale</th><th scope="col">Record</th></tr></thead>
<tbody>
"#;
    for e in &page.records {
        let r = &e.record;
        let outcome = r.kind.outcome();
        let _ = writeln!(
            out,
            "<tr class=\"outcome-{outcome}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/register/{}\">Record {}</a></td></tr>",
            record_date(r),
            humanise(outcome),
            destination(r),
            r.end_user_sector.map(|s| humanise(s.as_str())).unwrap_or_else(|| "—".into()),
            escape(&r.control_entries.join(", ")),
            if r.cyber_surveillance { "Yes" } else { "No" },
            match &r.exporter_statement {
                Some(words) => format!(
                    "Statement of the applicant (their own words): “{}”",
                    escape(&excerpt(words, 120))
                ),
                None => escape(&excerpt(r.public_rationale.as_deref().unwrap_or(""), 140)),
            },
            e.index,
            e.index,
        );
    }
    out += "</tbody></table>\n";
    if pages > 1 {
        out += "<nav class=\"pagination\" aria-label=\"Pages of results\"><ul>";
        if page.page > 1 {
            let _ =
                write!(out, "<li><a rel=\"prev\" href=\"{}\">Previous</a></li>", form.href(page.page - 1));
        }
        let _ = write!(out, "<li aria-current=\"page\">Page {} of {pages}</li>", page.page);
        if current < pages
            && let Some(next) = page.page.checked_add(1)
        {
            let _ = write!(out, "<li><a rel=\"next\" href=\"{}\">Next</a></li>", form.href(next));
        }
        out += "</ul></nav>\n";
    }
    out
}

const DOWNLOADS: &str = r#"<section aria-labelledby="downloads">
<h2 id="downloads">Open data</h2>
<ul>
<li><a href="/register/decisions.csv">All records as CSV</a> (UTF-8, one row per record, lists joined with “; ”)</li>
<li><a href="/register/decisions.jsonl">All records as JSON lines</a> (each line is byte for byte a leaf of the transparency log)</li>
<li><a href="/register/feed.atom">Atom feed</a> of the newest records</li>
<li><a href="/register/stats">Statistics</a> — and as JSON: <a href="/api/register/stats">/api/register/stats</a></li>
<li>The transparency log: <a href="/log/checkpoint">latest signed checkpoint</a></li>
</ul>
</section>"#;

async fn search_page(State(s): State<AppState>, RawQuery(query): RawQuery) -> Response {
    // A withheld register is a 503 with the reason, whatever the search.
    if let Err(e) = s.app.register_guard() {
        return error_page(e);
    }
    let form = match crate::query::parse::<SearchForm>(query.as_deref().unwrap_or_default()) {
        Ok(f) => f,
        Err(e) => {
            let body = format!(
                "<div class=\"error\" role=\"alert\"><p>The search could not be read: {}</p></div>{}{DOWNLOADS}",
                escape(&e.message),
                search_form(&SearchForm::default())
            );
            return html(e.status, "Search the register", &body);
        }
    };
    let mut body = search_form(&form);
    let result = form.to_query().and_then(|q| {
        s.app.register_search(&q).map_err(|e| match e {
            AppError::Invalid(f) => vec![format!("{}: {}", humanise(&f.field), f.message)],
            other => {
                tracing::error!("register search: {other:#}");
                vec!["The register could not be searched (internal error).".into()]
            }
        })
    });
    let status = match result {
        Ok(page) => {
            body += &results_table(&page, &form);
            StatusCode::OK
        }
        Err(errors) => {
            body += "<div class=\"error\" role=\"alert\"><h2>Please correct the search</h2><ul>";
            for e in errors {
                let _ = write!(body, "<li>{}</li>", escape(&e));
            }
            body += "</ul></div>";
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    body += DOWNLOADS;
    html(status, "Search the register", &body)
}

async fn record_page(
    State(s): State<AppState>,
    Path(index): Path<String>,
    PublicBase(base): PublicBase,
) -> Response {
    let Ok(index) = index.parse::<u64>() else { return not_found() };
    match s.app.register_record(index).await {
        Ok(r) => html(StatusCode::OK, &record_title(&r.record), &record_body(&r, base.as_str())),
        Err(e) => error_page(e),
    }
}

fn record_title(r: &PublicRecord) -> String {
    format!("{}: {}", humanise(r.kind.outcome()), r.destination_name.as_deref().unwrap_or("register record"))
}

fn record_body(p: &RecordWithProof, base: &str) -> String {
    let r = &p.record;
    let opt = |v: &Option<String>| v.as_deref().map(escape).unwrap_or_else(|| "—".into());
    let list = |v: &[String]| {
        if v.is_empty() {
            "—".to_string()
        } else {
            format!("<ul>{}</ul>", v.iter().map(|x| format!("<li>{}</li>", escape(x))).collect::<String>())
        }
    };
    let criteria: Vec<String> = r
        .refusal_criteria
        .iter()
        .map(|c| match CRITERIA.get((*c as usize).wrapping_sub(1)) {
            Some(t) => format!("Criterion {c}: {t}"),
            None => format!("Criterion {c}"),
        })
        .collect();
    let rows: Vec<(&str, String)> = vec![
        ("Record number (log index)", p.index.to_string()),
        ("Record id", escape(&r.record_id)),
        ("Kind", humanise(r.kind.as_str())),
        ("Outcome", humanise(r.kind.outcome())),
        ("Published", escape(&r.published_at.to_rfc3339())),
        ("Date of this act", r.date_of_act().to_string()),
        (
            "Date of the licensing decision",
            r.decision_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
        ),
        (
            "Acts on",
            match (p.acts_on_index, &r.acts_on) {
                (Some(i), _) => format!("<a href=\"/register/{i}\">Record {i}</a>"),
                (None, Some(id)) => escape(id),
                (None, None) => "—".into(),
            },
        ),
        (
            "Case",
            match &r.case_id {
                Some(c) => format!(
                    "<a href=\"/register?case_id={}\">{} (every record of this case)</a>",
                    escape(&form_urlencoded::byte_serialize(c.as_bytes()).collect::<String>()),
                    escape(c)
                ),
                None => "—".into(),
            },
        ),
        ("Licence number", opt(&r.licence_number)),
        ("Licence type", opt(&r.licence_type)),
        ("Destination", destination(r)),
        ("End-user sector", r.end_user_sector.map(|s| humanise(s.as_str())).unwrap_or_else(|| "—".into())),
        ("Control entries", list(&r.control_entries)),
        ("Cyber-surveillance item", if r.cyber_surveillance { "Yes".into() } else { "No".into() }),
        ("Goods (control-list titles)", opt(&r.goods_summary)),
        ("Value band", opt(&r.value_band)),
        ("Refusal criteria", list(&criteria)),
        ("Conditions", list(&r.conditions)),
        (
            "Processing time",
            r.processing_working_days.map(|d| format!("{d} working days")).unwrap_or_else(|| "—".into()),
        ),
        ("Public rationale (the authority's)", opt(&r.public_rationale)),
        (
            "Statement of the applicant (their own words, released by the authority)",
            match &r.exporter_statement {
                Some(t) => format!("<blockquote class=\"exporter-statement\">{}</blockquote>", escape(t)),
                None => "—".into(),
            },
        ),
        (
            "Exporter",
            r.exporter.as_deref().map(escape).unwrap_or_else(|| "withheld (publication policy)".into()),
        ),
        ("Counted as a first decision", if r.first_decision { "Yes".into() } else { "No".into() }),
        (
            "Excluded from statistics",
            r.excluded_from_statistics.as_deref().map(escape).unwrap_or_else(|| "No".into()),
        ),
    ];
    let mut out = String::from(
        "<section aria-labelledby=\"fields\"><h2 id=\"fields\">Public fields</h2><table class=\"record\"><caption>Everything published about this record</caption><tbody>",
    );
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th scope=\"row\">{k}</th><td>{v}</td></tr>");
    }
    out += "</tbody></table></section>\n";
    out += "<section aria-labelledby=\"proof\" class=\"proof\"><h2 id=\"proof\">Proof that this record is in the log</h2>";
    let _ = write!(
        out,
        "<p>Leaf hash (SHA-256 of 0x00 followed by the record's JSON line, base64): <code class=\"hash\" id=\"leaf-hash\">{}</code></p>",
        escape(&p.leaf_hash)
    );
    match (&p.checkpoint, p.tree_size) {
        (Some(cp), Some(size)) if !p.inclusion_proof.is_empty() || size == 1 => {
            let _ = write!(
                out,
                "<h3>Inclusion proof</h3><p>Against the checkpoint below, for leaf {} in a tree of {size} leaves ({} hashes, RFC 9162 §2.1.3):</p><ol class=\"inclusion-proof\">",
                p.index,
                p.inclusion_proof.len()
            );
            for h in &p.inclusion_proof {
                let _ = write!(out, "<li><code class=\"hash\">{}</code></li>", escape(h));
            }
            out += "</ol>";
            let _ = write!(out, "<h3>Signed checkpoint</h3><pre class=\"checkpoint\">{}</pre>", escape(cp));
        }
        (Some(cp), Some(size)) => {
            let _ = write!(
                out,
                "<p>This record is newer than the latest signed checkpoint (tree of {size} leaves); its proof will be available once the next checkpoint is signed.</p><h3>Latest signed checkpoint</h3><pre class=\"checkpoint\">{}</pre>",
                escape(cp)
            );
        }
        _ => out += "<p>No checkpoint has been signed yet.</p>",
    }
    let _ = write!(
        out,
        "<h3>Verify it yourself</h3><p>You need not trust this page. Run <code>oversight verify --url {base}</code> \
         (or the standalone verifier): it downloads the signed checkpoint and every log entry, recomputes the tree, \
         checks the signature against the log's public key (<a href=\"/log/key\">/log/key</a>), checks that the log only \
         grew since your last run, and checks that every record in <a href=\"/register/decisions.jsonl\">decisions.jsonl</a> \
         is in the log. The JSON of this record with its proof is at <a href=\"/api/register/{i}\">/api/register/{i}</a>.</p></section>",
        base = escape(base),
        i = p.index
    );
    out
}

/// A horizontal bar chart as inline SVG, labelled for screen readers.
fn bar_chart(id: &str, title: &str, bars: &[(String, usize)]) -> String {
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (230usize, 300usize, 28usize);
    let height = bars.len().max(1) * row_h + 10;
    let width = label_w + bar_w + 60;
    let mut desc = bars.iter().map(|(l, n)| format!("{l}: {n}")).collect::<Vec<_>>().join("; ");
    if bars.is_empty() {
        desc = "no data".into();
    }
    let mut svg = format!(
        "<figure class=\"chart\" tabindex=\"0\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" \
         viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        escape(title),
        escape(&desc)
    );
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = 5 + i * row_h;
        let w = (n * bar_w).div_ceil(max).max(if *n > 0 { 2 } else { 0 });
        let _ = write!(
            svg,
            "<g><title>{label}: {n}</title><text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" class=\"bar\"></rect>\
             <text x=\"{nx}\" y=\"{ty}\">{n}</text></g>",
            label = escape(label),
            lx = label_w - 8,
            ty = y + 17,
            h = row_h - 8,
            nx = label_w + w + 6,
        );
    }
    svg += "</svg>";
    let _ = write!(svg, "<figcaption>{}</figcaption></figure>", escape(title));
    svg
}

fn percent(v: Option<f64>) -> String {
    v.map(|x| format!("{:.0} %", x * 100.0)).unwrap_or_else(|| "—".into())
}

fn count_table(
    caption: &str,
    key: &str,
    rows: &BTreeMap<String, usize>,
    label: impl Fn(&str) -> String,
) -> String {
    let mut out = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">Count</th></tr></thead><tbody>",
        escape(caption),
        escape(key)
    );
    if rows.is_empty() {
        out += "<tr><td colspan=\"2\">None</td></tr>";
    }
    for (k, n) in rows {
        let _ =
            write!(out, "<tr><th scope=\"row\">{}</th><td class=\"num\">{n}</td></tr>", escape(&label(k)));
    }
    out += "</tbody></table>";
    out
}

/// A table of row key → outcome → count, one column per outcome that occurs.
fn outcome_matrix(caption: &str, key: &str, rows: &BTreeMap<String, BTreeMap<String, usize>>) -> String {
    let outcomes: std::collections::BTreeSet<&String> = rows.values().flat_map(|m| m.keys()).collect();
    let mut out = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>",
        escape(caption),
        escape(key)
    );
    for o in &outcomes {
        let _ = write!(out, "<th scope=\"col\" class=\"num\">{}</th>", escape(&humanise(o)));
    }
    out += "</tr></thead><tbody>";
    if rows.is_empty() {
        let _ = write!(out, "<tr><td colspan=\"{}\">None</td></tr>", outcomes.len() + 1);
    }
    for (k, m) in rows {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", escape(k));
        for o in &outcomes {
            let _ = write!(out, "<td class=\"num\">{}</td>", m.get(*o).copied().unwrap_or(0));
        }
        out += "</tr>";
    }
    out += "</tbody></table>";
    out
}

fn criterion_label(c: &str) -> String {
    match c.parse::<usize>().ok().and_then(|n| CRITERIA.get(n.wrapping_sub(1))) {
        Some(t) => format!("Criterion {c}: {t}"),
        None => format!("Criterion {c}"),
    }
}

fn stats_body(s: &RegisterStats) -> String {
    let mut out = format!(
        "<p>Figures count <strong>first decisions only</strong>: each application counts once, at its first \
         licensing decision (issued, issued with conditions, or refused). Licence actions (suspensions, \
         reinstatements, revocations, surrenders, expiries) and withdrawn applications are on the register but \
         excluded from decision statistics, with their reason counted below — as the UK and EU publish their \
         figures. {} record{} on the register; {} first decision{}.</p>",
        s.total_records,
        if s.total_records == 1 { "" } else { "s" },
        s.first_decisions,
        if s.first_decisions == 1 { "" } else { "s" },
    );

    out += "<section aria-labelledby=\"outcomes\"><h2 id=\"outcomes\">Outcomes of first decisions</h2>";
    let bars: Vec<(String, usize)> = s.outcomes.iter().map(|(k, n)| (humanise(k), *n)).collect();
    out += &bar_chart("chart-outcomes", "First decisions by outcome", &bars);
    out += &count_table("First decisions by outcome", "Outcome", &s.outcomes, humanise);
    out += "</section>";

    out += "<section aria-labelledby=\"quarters\"><h2 id=\"quarters\">Decisions per quarter, destination and outcome</h2>";
    let outcomes: std::collections::BTreeSet<&String> =
        s.decisions_by_quarter.values().flat_map(|d| d.values()).flat_map(|m| m.keys()).collect();
    out += "<table><caption>First decisions per quarter (of the decision date) × destination × outcome</caption><thead><tr><th scope=\"col\">Quarter</th><th scope=\"col\">Destination</th>";
    for o in &outcomes {
        let _ = write!(out, "<th scope=\"col\" class=\"num\">{}</th>", escape(&humanise(o)));
    }
    out += "</tr></thead><tbody>";
    if s.decisions_by_quarter.is_empty() {
        let _ = write!(out, "<tr><td colspan=\"{}\">None</td></tr>", outcomes.len() + 2);
    }
    for (q, dests) in &s.decisions_by_quarter {
        for (d, m) in dests {
            let _ = write!(out, "<tr><th scope=\"row\">{}</th><td>{}</td>", escape(q), escape(d));
            for o in &outcomes {
                let _ = write!(out, "<td class=\"num\">{}</td>", m.get(*o).copied().unwrap_or(0));
            }
            out += "</tr>";
        }
    }
    out += "</tbody></table></section>";

    let _ = write!(
        out,
        "<section aria-labelledby=\"timeliness\"><h2 id=\"timeliness\">Processing times</h2>\
         <p>Working days from submission to the first decision (Monday to Friday).</p>\
         <table><caption>Processing times of first decisions</caption><tbody>\
         <tr><th scope=\"row\">Decided within 20 working days</th><td class=\"num\" id=\"within-20\">{}</td></tr>\
         <tr><th scope=\"row\">Decided within 60 working days</th><td class=\"num\" id=\"within-60\">{}</td></tr>\
         <tr><th scope=\"row\">Median processing time</th><td class=\"num\" id=\"median\">{}</td></tr>\
         </tbody></table></section>",
        percent(s.within_20_working_days),
        percent(s.within_60_working_days),
        s.median_processing_working_days.map(|d| format!("{d} working days")).unwrap_or_else(|| "—".into()),
    );

    out += "<section aria-labelledby=\"refusals\"><h2 id=\"refusals\">Refusals by criterion</h2>\
            <p>A refusal may rely on several criteria of Common Position 2008/944/CFSP; each is counted.</p>";
    let bars: Vec<(String, usize)> =
        s.refusals_by_criterion.iter().map(|(k, n)| (format!("Criterion {k}"), *n)).collect();
    out += &bar_chart("chart-refusals", "Refusals by criterion", &bars);
    out += &count_table("Refusals by criterion", "Criterion", &s.refusals_by_criterion, criterion_label);
    out += "</section>";

    out += "<section aria-labelledby=\"excluded\"><h2 id=\"excluded\">Excluded from statistics</h2>\
            <p>Records on the register that are not counted as first decisions, by reason.</p>";
    out += &count_table("Records excluded from decision statistics", "Reason", &s.excluded, str::to_string);
    out += "</section>";

    let c = &s.cyber_surveillance;
    let _ = write!(
        out,
        "<section aria-labelledby=\"cyber\"><h2 id=\"cyber\">Cyber-surveillance items</h2>\
         <p>Decisions on cyber-surveillance items (Regulation (EU) 2021/821, Article 26(2)): {} first decision{}.</p>",
        c.first_decisions,
        if c.first_decisions == 1 { "" } else { "s" }
    );
    let bars: Vec<(String, usize)> = c.outcomes.iter().map(|(k, n)| (humanise(k), *n)).collect();
    out += &bar_chart("chart-cyber", "Cyber-surveillance first decisions by outcome", &bars);
    out += &outcome_matrix(
        "Cyber-surveillance first decisions by destination",
        "Destination",
        &c.by_destination,
    );
    out += &outcome_matrix(
        "Cyber-surveillance first decisions by control entry",
        "Control entry",
        &c.by_control_entry,
    );
    out += &count_table(
        "Cyber-surveillance licence actions and withdrawals (not counted as decisions)",
        "Action",
        &c.licence_actions,
        humanise,
    );
    out += "</section>";
    out += "<p>These figures as JSON: <a href=\"/api/register/stats\">/api/register/stats</a>. The underlying records: <a href=\"/register/decisions.csv\">decisions.csv</a>.</p>";
    out
}

async fn stats_page(State(s): State<AppState>) -> Response {
    match s.app.register_stats() {
        Ok(stats) => html(StatusCode::OK, "Statistics", &stats_body(&stats)),
        Err(e) => error_page(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_at_a_word_and_marks_the_cut() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("one two three four", 10), "one two…");
    }

    #[test]
    fn empty_form_fields_mean_any() {
        let f = SearchForm { from: Some(String::new()), outcome: Some(" ".into()), ..Default::default() };
        let q = f.to_query().unwrap();
        assert!(q.from.is_none() && q.outcome.is_none());
    }

    #[test]
    fn bad_dates_and_outcomes_are_named_in_the_message() {
        let f = SearchForm {
            from: Some("yesterday".into()),
            outcome: Some("maybe".into()),
            ..Default::default()
        };
        let errors = f.to_query().unwrap_err();
        assert!(errors.iter().any(|e| e.starts_with("Date from")), "{errors:?}");
        assert!(errors.iter().any(|e| e.starts_with("Outcome")), "{errors:?}");
    }

    #[test]
    fn pagination_links_keep_the_filters_and_encode_them() {
        let f = SearchForm { q: Some("a&b c".into()), outcome: Some("refused".into()), ..Default::default() };
        assert_eq!(f.href(2), "/register?q=a%26b+c&amp;outcome=refused&amp;page=2");
    }

    #[test]
    fn chart_bars_are_proportional_and_titled() {
        let svg = bar_chart("c", "T <x>", &[("a".into(), 2), ("b".into(), 1)]);
        assert!(svg.contains("<title id=\"c-t\">T &lt;x&gt;</title>"));
        assert!(svg.contains("width=\"300\"") && svg.contains("width=\"150\""), "{svg}");
    }
}
