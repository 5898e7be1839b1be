//! The public register as HTML pages (no login, no JavaScript needed): search, one record with its
//! inclusion proof, and statistics with charts drawn in HTML and CSS. The pages are askama
//! templates (`templates/register/`) inside the workspace's layout ([`Layout`]), so the authority
//! is named and the header is the same on every page.
//!
//! The pages render the same app calls as the JSON endpoints in `register.rs`; nothing here decides
//! what is public. What they add is reading: dates as dates, codes with what they stand for, and
//! records named by what they are. Internal ids (a record's, a case's) stay in the open data, where
//! they identify leaves; a page never shows them.

use askama::Template;
use axum::{
    Router,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::Response,
    routing::get,
};
use chrono::NaiveDate;
use oversight_app::{
    AppError,
    register::{RecordWithProof, RegisterPage, RegisterQuery, RegisterStats},
};
use oversight_domain::register::{PublicRecord, RecordKind};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

use super::register::{MAX_PAGE, OUTCOMES, SECTORS, is_sector};
use crate::{
    AppState,
    error::ApiError,
    public_url::PublicBase,
    workspace::{
        display::humanise,
        page::{Layout, Signed, Viewer, error_page, render},
        session::FieldMessage,
    },
};

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

/// Most records of one application the record page lists (a licence and its actions are a few).
const RELATED_MAX: u32 = 200;

/// The HTML routes. They are not in the OpenAPI document: they are pages, not an API.
/// (`/register/verify` is the workspace's: it needs the log's key, not the register.)
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/register", get(search_page))
        .route("/register/stats", get(stats_page))
        .route("/register/{index}", get(record_page))
}

// ----- words for codes -------------------------------------------------------------------------

/// What a record is, in words: "Licence refused", "Licence issued on appeal".
fn kind_label(kind: RecordKind) -> String {
    match kind {
        RecordKind::AppealOverturned => "Licence issued on appeal".into(),
        RecordKind::AppealUpheld => "Decision upheld on appeal".into(),
        RecordKind::ExporterStatement => "Statement of the applicant".into(),
        RecordKind::Penalty => "Enforcement penalty".into(),
        RecordKind::Debarment => "Exporter debarred".into(),
        k => humanise(k.as_str()),
    }
}

/// An enforcement penalty in words: "A fine of EUR 250,000 (investigation INV-…)".
fn penalty_words(p: &oversight_domain::register::PublishedPenalty) -> String {
    let what = match (p.penalty.as_str(), p.fine_eur, p.debarred_until) {
        ("fine", Some(eur), _) => oversight_domain::enforcement::Penalty::Fine { amount_eur: eur }.describe(),
        ("debarment", _, Some(until)) => {
            oversight_domain::enforcement::Penalty::Debarment { until }.describe()
        }
        (other, _, _) => format!("a {}", humanise(other).to_lowercase()),
    };
    format!("{} (investigation {})", crate::workspace::display::capitalise(&what), p.investigation)
}

/// A record as a link or a title names it: "Licence refused: Belarus".
fn record_name(r: &PublicRecord) -> String {
    match r.destination_name.as_deref().or(r.destination.as_deref()) {
        Some(d) => format!("{}: {d}", kind_label(r.kind)),
        None => kind_label(r.kind),
    }
}

fn destination(r: &PublicRecord) -> String {
    match (&r.destination_name, &r.destination) {
        (Some(n), Some(c)) => format!("{n} ({c})"),
        (None, Some(c)) => c.clone(),
        _ => "—".into(),
    }
}

/// A destination code of the statistics with its name: "Belarus (BY)".
fn country(code: &str) -> String {
    match oversight_domain::countries::Country::find(code) {
        Some(c) => format!("{} ({code})", c.common_name()),
        None => code.to_string(),
    }
}

fn criterion(n: &str) -> String {
    match n.parse::<usize>().ok().and_then(|i| CRITERIA.get(i.wrapping_sub(1))) {
        Some(t) => format!("Criterion {n}: {t}"),
        None => format!("Criterion {n}"),
    }
}

/// `2026-Q3` → "July to September 2026".
fn quarter(q: &str) -> String {
    let months = match q.rsplit_once("-Q").map(|(_, n)| n) {
        Some("1") => "January to March",
        Some("2") => "April to June",
        Some("3") => "July to September",
        Some("4") => "October to December",
        _ => return q.to_string(),
    };
    format!("{months} {}", &q[..q.len() - 3])
}

/// The control list an entry comes from, in words (the codes of `data/control-list/`).
fn regime(code: &str) -> String {
    match code {
        "wassenaar" => "Wassenaar Arrangement list".into(),
        "national" => "national control list".into(),
        "eu-art5" => "EU catch-all (Regulation 2021/821, Article 5)".into(),
        other => humanise(other),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn percent(v: Option<f64>) -> String {
    v.map(|x| format!("{:.0} %", x * 100.0)).unwrap_or_else(|| "—".into())
}

/// A date for people, with its machine form for `<time datetime>`.
#[derive(Debug, Clone)]
struct Day {
    text: String,
    iso: String,
}

impl Day {
    fn of(d: NaiveDate) -> Day {
        Day { text: d.format("%-d %B %Y").to_string(), iso: d.to_string() }
    }
}

/// A control-list entry as the public reads it: its code and what the code covers.
#[derive(Debug, Clone)]
struct Entry {
    code: String,
    title: Option<String>,
    regime: Option<String>,
}

fn entries(s: &AppState, codes: &[String]) -> Vec<Entry> {
    let list = s.app.control_list();
    codes
        .iter()
        .map(|c| {
            let e = list.get(c);
            Entry { code: c.clone(), title: e.map(|e| e.title.clone()), regime: e.map(|e| regime(&e.regime)) }
        })
        .collect()
}

/// A control entry of the statistics as a row label: "5A001.f — Mobile telecommunications ...".
fn entry_label(s: &AppState, code: &str) -> String {
    match s.app.control_list().get(code) {
        Some(e) => format!("{code} — {}", e.title),
        None => code.to_string(),
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

// ----- search ----------------------------------------------------------------------------------

/// The search form's parameters, all as typed: an empty field means "any", and every value is
/// checked here so that a bad one yields a message beside its field rather than a bare error.
#[derive(Debug, Default, Deserialize)]
struct SearchForm {
    q: Option<String>,
    destination: Option<String>,
    outcome: Option<String>,
    control_entry: Option<String>,
    end_user_sector: Option<String>,
    /// Set by the links of a record page ("every record of this application"), not by the form.
    case_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn problem(field: &'static str, message: impl Into<String>) -> FieldMessage {
    FieldMessage { field, message: message.into() }
}

/// The form field an app error names, for its message to sit beside it. The page number has no
/// field: its message points at the page's content.
fn field_of(name: &str) -> &'static str {
    ["q", "destination", "outcome", "control_entry", "end_user_sector", "from", "to"]
        .into_iter()
        .find(|f| *f == name)
        .unwrap_or("main")
}

impl SearchForm {
    /// The app query, or the messages naming each invalid field.
    fn to_query(&self) -> Result<RegisterQuery, Vec<FieldMessage>> {
        let mut errors = Vec::new();
        let date = |field: &'static str, name: &str, v: &Option<String>, errors: &mut Vec<FieldMessage>| {
            filled(v).and_then(|s| match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors
                        .push(problem(field, format!("{name}: “{s}” is not a date in the form YYYY-MM-DD.")));
                    None
                }
            })
        };
        let from = date("from", "Date from", &self.from, &mut errors);
        let to = date("to", "Date to", &self.to, &mut errors);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.push(problem("from", "Date from: must not be after “Date to”."));
        }
        let outcome = filled(&self.outcome);
        if let Some(o) = &outcome
            && !OUTCOMES.contains(&o.as_str())
        {
            let known = OUTCOMES.map(humanise).join(", ");
            errors.push(problem("outcome", format!("Outcome: “{o}” is not one of {known}.")));
        }
        let sector = filled(&self.end_user_sector);
        if let Some(s) = &sector
            && !is_sector(s)
        {
            let known = SECTORS.map(humanise).join(", ");
            errors.push(problem("end_user_sector", format!("End-user sector: “{s}” is not one of {known}.")));
        }
        let page = match filled(&self.page).map(|p| p.parse::<u32>()) {
            None => None,
            Some(Ok(p)) if (1..=MAX_PAGE).contains(&p) => Some(p),
            Some(_) => {
                errors.push(problem("main", format!("Page: must be a whole number from 1 to {MAX_PAGE}.")));
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

    /// The address of these filters with another page number (the template escapes it).
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
        format!("/register?{}", query.finish())
    }

    /// What the person typed, to put back in the form.
    fn typed(&self) -> Typed {
        let v = |v: &Option<String>| v.clone().unwrap_or_default();
        Typed {
            q: v(&self.q),
            destination: v(&self.destination),
            control_entry: v(&self.control_entry),
            from: v(&self.from),
            to: v(&self.to),
        }
    }
}

/// The text fields of the search form as typed.
#[derive(Debug, Default)]
struct Typed {
    q: String,
    destination: String,
    control_entry: String,
    from: String,
    to: String,
}

/// One option of a select.
#[derive(Debug)]
struct Choice {
    value: &'static str,
    label: String,
    selected: bool,
}

fn choices(values: &[&'static str], selected: Option<&str>) -> Vec<Choice> {
    values.iter().map(|v| Choice { value: v, label: humanise(v), selected: selected == Some(*v) }).collect()
}

/// One row of the results: a record, named by what it is.
#[derive(Debug)]
struct Row {
    href: String,
    name: String,
    licence_number: Option<String>,
    outcome: &'static str,
    date: Day,
    destination: String,
    sector: String,
    entries: Vec<Entry>,
    cyber: bool,
    /// The authority's rationale, or the applicant's own words (then `statement`).
    rationale: String,
    statement: bool,
}

fn row(s: &AppState, index: u64, r: &PublicRecord) -> Row {
    let (rationale, statement) = match &r.exporter_statement {
        Some(words) => (excerpt(words, 120), true),
        None => (excerpt(r.public_rationale.as_deref().unwrap_or(""), 140), false),
    };
    Row {
        href: format!("/register/{index}"),
        name: kind_label(r.kind),
        licence_number: r.licence_number.clone(),
        outcome: r.kind.outcome(),
        date: Day::of(r.date_of_act()),
        destination: destination(r),
        sector: r.end_user_sector.map(|s| humanise(s.as_str())).unwrap_or_else(|| "—".into()),
        entries: entries(s, &r.control_entries),
        cyber: r.cyber_surveillance,
        rationale,
        statement,
    }
}

/// A page of results, or why there is none.
#[derive(Debug)]
struct Results {
    /// "3 matching records; showing 1–3, newest first."
    summary: String,
    rows: Vec<Row>,
    /// A link back to the first page when the page asked for is past the end.
    first: Option<String>,
    page: u32,
    pages: u64,
    previous: Option<String>,
    next: Option<String>,
}

fn results(s: &AppState, page: &RegisterPage, form: &SearchForm) -> Results {
    // In u64: no page number or total can overflow the arithmetic of the summary and the links.
    let per_page = u64::from(page.per_page.max(1));
    let (current, total) = (u64::from(page.page.max(1)), page.total as u64);
    let pages = total.div_ceil(per_page).max(1);
    let first = (current - 1).saturating_mul(per_page).saturating_add(1);
    let shown = page.records.len() as u64;
    let mut out = Results {
        summary: String::new(),
        rows: page.records.iter().map(|e| row(s, e.index, &e.record)).collect(),
        first: None,
        page: page.page,
        pages,
        previous: None,
        next: None,
    };
    if page.total == 0 {
        out.summary = "No published record matches these filters.".into();
    } else if shown == 0 {
        out.summary = format!(
            "There is no page {} of these results: {} in {}.",
            page.page,
            plural(page.total, "record", "records"),
            plural(pages as usize, "page", "pages"),
        );
        out.first = Some(form.href(1));
    } else {
        out.summary = format!(
            "{} matching {}; showing {first}–{}, newest first.",
            page.total,
            if page.total == 1 { "record" } else { "records" },
            first + shown.saturating_sub(1)
        );
        if page.page > 1 && shown > 0 {
            out.previous = Some(form.href(page.page - 1));
        }
        if current < pages {
            out.next = page.page.checked_add(1).map(|n| form.href(n));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "register/search.html")]
struct SearchPage {
    layout: Layout,
    /// Which of the register's own links is this page ("search", "stats", or none).
    here: &'static str,
    form: Typed,
    outcomes: Vec<Choice>,
    sectors: Vec<Choice>,
    /// Only one application's records are shown (a record page's link): how to see them all.
    one_application: bool,
    errors: Vec<FieldMessage>,
    results: Option<Results>,
}

impl SearchPage {
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

async fn search_page(State(s): State<AppState>, Viewer(v): Viewer, RawQuery(query): RawQuery) -> Response {
    // A withheld register is a 503 with the reason, whatever the search.
    if let Err(e) = s.app.register_guard() {
        return register_error(&s, e, v.as_ref());
    }
    let (form, unreadable) = match crate::query::parse::<SearchForm>(query.as_deref().unwrap_or_default()) {
        Ok(f) => (f, None),
        Err(e) => {
            let message = format!("The search could not be read: {}", e.message);
            (
                SearchForm::default(),
                Some((e.status, problem(field_of(e.field.as_deref().unwrap_or("")), message))),
            )
        }
    };
    let (status, errors, results) = match unreadable {
        Some((status, p)) => (status, vec![p], None),
        None => match form.to_query() {
            Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
            Ok(q) => match s.app.register_search(&q) {
                Ok(page) => (StatusCode::OK, vec![], Some(results(&s, &page, &form))),
                Err(AppError::Invalid(f)) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![problem(field_of(&f.field), format!("{}: {}", humanise(&f.field), f.message))],
                    None,
                ),
                Err(e) => return register_error(&s, e, v.as_ref()),
            },
        },
    };
    let title = if errors.is_empty() { "Search the register" } else { "Error: Search the register" };
    let page = SearchPage {
        layout: Layout::new(&s, title, v.as_ref(), "/register"),
        here: "search",
        form: form.typed(),
        outcomes: choices(&OUTCOMES, filled(&form.outcome).as_deref()),
        sectors: choices(&SECTORS, filled(&form.end_user_sector).as_deref()),
        one_application: filled(&form.case_id).is_some(),
        errors,
        results,
    };
    render(status, &page)
}

/// An app error as a register page, with the status the JSON API gives it (the mapping, and the
/// logging of 5xx causes, is [`ApiError`]'s).
fn register_error(s: &AppState, e: AppError, v: Option<&Signed>) -> Response {
    let e = ApiError::from(e);
    let (title, message) = match e.status {
        StatusCode::NOT_FOUND => {
            ("Record not found", "There is no record with this number on the register.".to_string())
        }
        StatusCode::SERVICE_UNAVAILABLE => {
            // "The register is withheld: …", with why.
            let mut why = e.message.chars();
            let why: String = why.next().map(|c| c.to_uppercase().chain(why).collect()).unwrap_or_default();
            ("Service unavailable", format!("{why}. Please try again shortly."))
        }
        st if st.is_server_error() => {
            ("Sorry, there is a problem with the service", "Try again later.".to_string())
        }
        _ => {
            let what = match &e.field {
                Some(f) => format!("{}: {}", humanise(f), e.message),
                None => e.message.clone(),
            };
            ("Invalid request", what)
        }
    };
    error_page(s, e.status, title, &message, v)
}

// ----- one record --------------------------------------------------------------------------------

/// Another record of the same application, named by what it is.
#[derive(Debug, Clone)]
struct Related {
    href: String,
    name: String,
    date: Option<Day>,
    licence_number: Option<String>,
    here: bool,
}

fn related(index: u64, r: &PublicRecord, here: u64) -> Related {
    Related {
        href: format!("/register/{index}"),
        name: record_name(r),
        date: Some(Day::of(r.date_of_act())),
        licence_number: r.licence_number.clone(),
        here: index == here,
    }
}

#[derive(Template)]
#[template(path = "register/record.html")]
struct RecordPage {
    layout: Layout,
    index: u64,
    kind: String,
    date: Day,
    decision_date: Option<Day>,
    published: String,
    published_iso: String,
    /// The record this one acts on (the licence a revocation revokes), named by what it is.
    acts_on: Option<Related>,
    /// The record acts on one this register does not hold (an older version's leaf).
    acts_on_unknown: bool,
    licence_number: Option<String>,
    licence_type: Option<String>,
    destination: String,
    sector: String,
    entries: Vec<Entry>,
    cyber: bool,
    goods: Option<String>,
    value_band: Option<String>,
    criteria: Vec<String>,
    conditions: Vec<String>,
    processing: Option<String>,
    rationale: Option<String>,
    statement: Option<String>,
    /// An enforcement penalty in words ("A fine of EUR 250,000 (investigation INV-…)").
    penalty: Option<String>,
    exporter: Option<String>,
    departed: bool,
    first_decision: bool,
    excluded: Option<String>,
    /// A `rule_change` record's rule: its kind, version and hash, and the consultation.
    rule: Option<oversight_domain::register::RuleRef>,
    /// Every record of the same application, oldest first (this one included), if more than one.
    application: Vec<Related>,
    leaf_hash: String,
    checkpoint: Option<String>,
    tree_size: Option<u64>,
    proof: Vec<String>,
    base: String,
}

impl RecordPage {
    fn build(
        s: &AppState,
        p: RecordWithProof,
        application: Vec<Related>,
        base: &str,
        layout: Layout,
    ) -> Self {
        let r = &p.record;
        // The record it acts on is of the same application, so it is in `application`.
        let acts_on = p.acts_on_index.map(|i| {
            let href = format!("/register/{i}");
            application.iter().find(|a| a.href == href).cloned().unwrap_or(Related {
                href,
                name: "The record it acts on".into(),
                date: None,
                licence_number: None,
                here: false,
            })
        });
        RecordPage {
            layout,
            index: p.index,
            kind: kind_label(r.kind),
            date: Day::of(r.date_of_act()),
            decision_date: r.decision_date.filter(|d| *d != r.date_of_act()).map(Day::of),
            published: crate::workspace::display::date_time(r.published_at),
            published_iso: crate::workspace::display::iso(r.published_at),
            acts_on_unknown: acts_on.is_none() && r.acts_on.is_some(),
            acts_on,
            licence_number: r.licence_number.clone(),
            licence_type: r.licence_type.clone(),
            destination: destination(r),
            sector: r.end_user_sector.map(|s| humanise(s.as_str())).unwrap_or_else(|| "—".into()),
            entries: entries(s, &r.control_entries),
            cyber: r.cyber_surveillance,
            goods: r.goods_summary.clone(),
            value_band: r.value_band.clone(),
            criteria: r.refusal_criteria.iter().map(|c| criterion(&c.to_string())).collect(),
            conditions: r.conditions.clone(),
            processing: r.processing_working_days.map(|d| crate::workspace::display::working_days(d.into())),
            rationale: r.public_rationale.clone(),
            statement: r.exporter_statement.clone(),
            penalty: r.penalty.as_ref().map(penalty_words),
            exporter: r.exporter.clone(),
            departed: r.departed_from_recommendation,
            first_decision: r.first_decision,
            excluded: r.excluded_from_statistics.clone(),
            rule: r.rule.clone(),
            application: if application.len() > 1 { application } else { vec![] },
            leaf_hash: p.leaf_hash.clone(),
            checkpoint: p.checkpoint.clone(),
            tree_size: p.tree_size,
            proof: p.inclusion_proof.clone(),
            base: base.to_string(),
        }
    }

    /// The checkpoint covers this record, so its inclusion proof can be shown.
    fn provable(&self) -> bool {
        self.tree_size.is_some_and(|size| self.index < size) && self.checkpoint.is_some()
    }
}

async fn record_page(
    State(s): State<AppState>,
    Viewer(v): Viewer,
    Path(index): Path<String>,
    PublicBase(base): PublicBase,
) -> Response {
    let Ok(index) = index.parse::<u64>() else {
        return register_error(&s, AppError::NotFound, v.as_ref());
    };
    let p = match s.app.register_record(index).await {
        Ok(p) => p,
        Err(e) => return register_error(&s, e, v.as_ref()),
    };
    // The application's other records, by its case id (which the page itself never shows).
    let application = match &p.record.case_id {
        Some(case) => {
            let q = RegisterQuery {
                case_id: Some(case.clone()),
                per_page: Some(RELATED_MAX),
                ..Default::default()
            };
            match s.app.register_search(&q) {
                Ok(page) => page.records.iter().rev().map(|e| related(e.index, &e.record, index)).collect(),
                Err(e) => return register_error(&s, e, v.as_ref()),
            }
        }
        None => vec![],
    };
    let layout = Layout::new(&s, record_name(&p.record), v.as_ref(), "/register");
    render(StatusCode::OK, &RecordPage::build(&s, p, application, base.as_str(), layout))
}

// ----- statistics ----------------------------------------------------------------------------------

/// One bar of a chart: its label, its number (always shown), and its length as a whole percentage
/// of the longest (a CSS class: the pages allow no inline style).
#[derive(Debug)]
struct Bar {
    label: String,
    count: usize,
    width: usize,
}

/// A bar chart drawn with HTML and CSS: a list of labelled bars, each with its number beside it.
#[derive(Debug)]
struct Chart {
    id: &'static str,
    title: String,
    bars: Vec<Bar>,
}

fn chart(id: &'static str, title: &str, bars: Vec<(String, usize)>) -> Chart {
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bars = bars
        .into_iter()
        .map(|(label, count)| {
            // At least 1 % for a count above zero, so that it never looks like nothing.
            let width = (count * 100).div_ceil(max).clamp(usize::from(count > 0), 100);
            Bar { label, count, width }
        })
        .collect();
    Chart { id, title: title.to_string(), bars }
}

/// A table of label → count.
#[derive(Debug)]
struct CountTable {
    caption: String,
    key: String,
    rows: Vec<(String, usize)>,
}

fn count_table(
    caption: &str,
    key: &str,
    rows: &BTreeMap<String, usize>,
    label: impl Fn(&str) -> String,
) -> CountTable {
    CountTable {
        caption: caption.into(),
        key: key.into(),
        rows: rows.iter().map(|(k, n)| (label(k), *n)).collect(),
    }
}

/// A table of row label(s) → one count per outcome that occurs.
#[derive(Debug)]
struct Matrix {
    caption: String,
    keys: Vec<String>,
    outcomes: Vec<String>,
    rows: Vec<MatrixRow>,
}

#[derive(Debug)]
struct MatrixRow {
    /// The row's header, then any further key cells (the destination of a quarter's row).
    head: String,
    keys: Vec<String>,
    counts: Vec<usize>,
}

fn matrix<'a>(
    caption: &str,
    keys: &[&str],
    rows: impl Iterator<Item = (String, Vec<String>, &'a BTreeMap<String, usize>)> + Clone,
) -> Matrix {
    let outcomes: BTreeSet<&String> = rows.clone().flat_map(|(_, _, m)| m.keys()).collect();
    Matrix {
        caption: caption.into(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
        outcomes: outcomes.iter().map(|o| humanise(o)).collect(),
        rows: rows
            .map(|(head, keys, m)| MatrixRow {
                head,
                keys,
                counts: outcomes.iter().map(|o| m.get(*o).copied().unwrap_or(0)).collect(),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "register/stats.html")]
struct StatsPage {
    layout: Layout,
    /// Which of the register's own links is this page ("search", "stats", or none).
    here: &'static str,
    total_records: String,
    first_decisions: String,
    outcomes_chart: Chart,
    outcomes: CountTable,
    quarters: Matrix,
    within_20: String,
    within_60: String,
    median: String,
    p90: String,
    target: u32,
    within_target: String,
    /// (quarter, decisions, median, 90th percentile, share within target).
    by_quarter: Vec<(String, usize, String, String, String)>,
    median_chart: Chart,
    p90_chart: Chart,
    refusals_chart: Chart,
    refusals: CountTable,
    excluded: CountTable,
    cyber_decisions: String,
    cyber_chart: Chart,
    cyber_destinations: Matrix,
    cyber_entries: Matrix,
    cyber_actions: CountTable,
}

fn stats(s: &AppState, st: &RegisterStats, layout: Layout) -> StatsPage {
    let c = &st.cyber_surveillance;
    let by_outcome = |m: &BTreeMap<String, usize>| m.iter().map(|(k, n)| (humanise(k), *n)).collect();
    StatsPage {
        layout,
        here: "stats",
        total_records: plural(st.total_records, "record", "records"),
        first_decisions: plural(st.first_decisions, "first decision", "first decisions"),
        outcomes_chart: chart("chart-outcomes", "First decisions by outcome", by_outcome(&st.outcomes)),
        outcomes: count_table("First decisions by outcome", "Outcome", &st.outcomes, humanise),
        quarters: matrix(
            "First decisions per quarter (of the decision date), destination and outcome",
            &["Quarter", "Destination"],
            st.decisions_by_quarter
                .iter()
                .flat_map(|(q, dests)| dests.iter().map(move |(d, m)| (quarter(q), vec![country(d)], m))),
        ),
        within_20: percent(st.within_20_working_days),
        within_60: percent(st.within_60_working_days),
        p90: st
            .p90_processing_working_days
            .map(|d| crate::workspace::display::working_days(d.into()))
            .unwrap_or_else(|| "—".into()),
        target: st.target_working_days,
        within_target: percent(st.within_target),
        by_quarter: st
            .processing_by_quarter
            .iter()
            .map(|(q, f)| {
                let wd = |d: u32| crate::workspace::display::working_days(d.into());
                (quarter(q), f.decisions, wd(f.median), wd(f.p90), percent(Some(f.within_target)))
            })
            .collect(),
        median_chart: chart(
            "chart-median",
            "Median working days to a first decision, per quarter",
            st.processing_by_quarter.iter().map(|(q, f)| (quarter(q), f.median as usize)).collect(),
        ),
        p90_chart: chart(
            "chart-p90",
            "90th percentile of working days to a first decision, per quarter",
            st.processing_by_quarter.iter().map(|(q, f)| (quarter(q), f.p90 as usize)).collect(),
        ),
        median: st
            .median_processing_working_days
            .map(|d| crate::workspace::display::working_days(d.into()))
            .unwrap_or_else(|| "—".into()),
        refusals_chart: chart(
            "chart-refusals",
            "Refusals by criterion",
            st.refusals_by_criterion.iter().map(|(k, n)| (criterion(k), *n)).collect(),
        ),
        refusals: count_table("Refusals by criterion", "Criterion", &st.refusals_by_criterion, criterion),
        excluded: count_table(
            "Records excluded from decision statistics",
            "Reason",
            &st.excluded,
            str::to_string,
        ),
        cyber_decisions: plural(c.first_decisions, "first decision", "first decisions"),
        cyber_chart: chart(
            "chart-cyber",
            "Cyber-surveillance first decisions by outcome",
            by_outcome(&c.outcomes),
        ),
        cyber_destinations: matrix(
            "Cyber-surveillance first decisions by destination",
            &["Destination"],
            c.by_destination.iter().map(|(d, m)| (country(d), vec![], m)),
        ),
        cyber_entries: matrix(
            "Cyber-surveillance first decisions by control entry",
            &["Control entry"],
            c.by_control_entry.iter().map(|(e, m)| (entry_label(s, e), vec![], m)),
        ),
        cyber_actions: count_table(
            "Cyber-surveillance licence actions and withdrawals (not counted as decisions)",
            "Action",
            &c.licence_actions,
            humanise,
        ),
    }
}

async fn stats_page(State(s): State<AppState>, Viewer(v): Viewer) -> Response {
    match s.app.register_stats() {
        Ok(st) => {
            let layout = Layout::new(&s, "Statistics", v.as_ref(), "/register");
            render(StatusCode::OK, &stats(&s, &st, layout))
        }
        Err(e) => register_error(&s, e, v.as_ref()),
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
    fn bad_dates_and_outcomes_are_named_in_the_message_and_tied_to_their_field() {
        let f = SearchForm {
            from: Some("yesterday".into()),
            outcome: Some("maybe".into()),
            ..Default::default()
        };
        let errors = f.to_query().unwrap_err();
        assert!(errors.iter().any(|e| e.field == "from" && e.message.starts_with("Date from")), "{errors:?}");
        assert!(
            errors.iter().any(|e| e.field == "outcome" && e.message.starts_with("Outcome")),
            "{errors:?}"
        );
    }

    #[test]
    fn pagination_links_keep_the_filters_and_encode_them() {
        let f = SearchForm { q: Some("a&b c".into()), outcome: Some("refused".into()), ..Default::default() };
        assert_eq!(f.href(2), "/register?q=a%26b+c&outcome=refused&page=2");
    }

    #[test]
    fn chart_bars_are_proportional_to_the_largest_and_never_vanish() {
        let c = chart("c", "T", vec![("a".into(), 2), ("b".into(), 1), ("c".into(), 0), ("d".into(), 1000)]);
        let widths: Vec<usize> = c.bars.iter().map(|b| b.width).collect();
        assert_eq!(widths, [1, 1, 0, 100]);
        let c = chart("c", "T", vec![("a".into(), 4), ("b".into(), 1)]);
        assert_eq!(c.bars.iter().map(|b| b.width).collect::<Vec<_>>(), [100, 25]);
    }

    #[test]
    fn codes_read_as_words() {
        assert_eq!(quarter("2026-Q3"), "July to September 2026");
        assert_eq!(regime("wassenaar"), "Wassenaar Arrangement list");
        assert_eq!(regime("eu-art5"), "EU catch-all (Regulation 2021/821, Article 5)");
        assert_eq!(quarter("odd"), "odd");
        assert_eq!(criterion("2"), "Criterion 2: human rights and international humanitarian law");
        assert_eq!(criterion("9"), "Criterion 9");
        assert_eq!(kind_label(RecordKind::LicenceRefused), "Licence refused");
        assert_eq!(kind_label(RecordKind::AppealOverturned), "Licence issued on appeal");
        assert_eq!(Day::of(NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()).text, "4 March 2026");
    }
}
