//! `GET /work`: the authority's work queue (filters in the query string, so a filtered queue can be
//! bookmarked and every filter works without JavaScript).

use askama::Template;
use axum::{
    extract::{RawQuery, State},
    http::StatusCode,
    response::Response,
};
use oversight_app::queue::{OfficerFilter, QueueQuery, QueueSection};
use oversight_domain::{ApplicationStatus, CountryCode, Sector, clock::ClockBand};
use serde::Deserialize;

use super::{
    display::{date, humanise, working_days},
    page::{Layout, SignedIn, app_error, render},
    session::FieldMessage,
};
use crate::AppState;

/// The filters as typed (an empty field means "any").
#[derive(Debug, Default, Deserialize)]
struct QueueForm {
    status: Option<String>,
    destination: Option<String>,
    control_entry: Option<String>,
    sector: Option<String>,
    alert: Option<String>,
    red_flag: Option<String>,
    query: Option<String>,
    officer: Option<String>,
    band: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl QueueForm {
    fn to_query(&self) -> (QueueQuery, Vec<FieldMessage>) {
        let mut q = QueueQuery { page: 1, ..Default::default() };
        let mut errors = Vec::new();
        let mut bad = |field: &'static str, message: String| errors.push(FieldMessage { field, message });
        if let Some(s) = filled(&self.status) {
            match ApplicationStatus::parse(s) {
                Some(st) if st.is_open() && st != ApplicationStatus::Draft => q.status = Some(st),
                _ => bad("status", format!("State: “{s}” is not a state of an open case")),
            }
        }
        if let Some(d) = filled(&self.destination) {
            match CountryCode::parse(d) {
                Ok(c) => q.destination = Some(c),
                Err(_) => {
                    bad("destination", format!("Destination: “{d}” is not a country code such as AE or DE"))
                }
            }
        }
        q.control_entry = filled(&self.control_entry).map(str::to_string);
        if let Some(s) = filled(&self.sector) {
            match s.parse::<Sector>() {
                Ok(sector) => q.sector = Some(sector),
                Err(e) => bad("sector", format!("End-user sector: {e}")),
            }
        }
        q.open_alert = filled(&self.alert) == Some("open");
        q.red_flag = filled(&self.red_flag) == Some("held");
        q.open_query = filled(&self.query) == Some("open");
        q.officer = match filled(&self.officer) {
            None => None,
            Some("me") => Some(OfficerFilter::Me),
            Some("unassigned") => Some(OfficerFilter::Unassigned),
            Some(id) => match id.parse::<uuid::Uuid>() {
                Ok(u) => Some(OfficerFilter::User(oversight_domain::UserId(u))),
                Err(_) => {
                    bad("officer", "Officer: choose an officer from the list".into());
                    None
                }
            },
        };
        if let Some(b) = filled(&self.band) {
            match ClockBand::ALL.iter().find(|x| x.as_str() == b) {
                Some(band) => q.band = Some(*band),
                None => bad("band", format!("Clock: “{b}” is not one of the bands")),
            }
        }
        q.newest_first = filled(&self.sort) == Some("newest");
        if let Some(p) = filled(&self.page) {
            match p.parse::<usize>() {
                Ok(n) if (1..=100_000).contains(&n) => q.page = n,
                _ => bad("page", "Page: must be a whole number from 1".into()),
            }
        }
        (q, errors)
    }

    /// The query string of these filters on another page.
    fn href(&self, page: usize) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &self.status),
            ("destination", &self.destination),
            ("control_entry", &self.control_entry),
            ("sector", &self.sector),
            ("alert", &self.alert),
            ("red_flag", &self.red_flag),
            ("query", &self.query),
            ("officer", &self.officer),
            ("band", &self.band),
            ("sort", &self.sort),
        ] {
            if let Some(v) = filled(v) {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &page.to_string());
        format!("/work?{}", s.finish())
    }
}

/// A choice of a select, with whether it is the one chosen.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices(current: Option<&str>, options: impl IntoIterator<Item = (String, String)>) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice { selected: current == Some(value.as_str()), value, label })
        .collect()
}

struct Row {
    href: String,
    title: String,
    organisation: String,
    destination: String,
    status: String,
    submitted: String,
    elapsed: String,
    band: &'static str,
    band_label: &'static str,
    reason: Option<&'static str>,
    officer: String,
    open_alert: bool,
    red_flag_hold: bool,
    open_query: bool,
    query_overdue: bool,
}

struct Group {
    heading: String,
    band: &'static str,
    count: usize,
    rows: Vec<Row>,
}

/// A licence needing attention: an open review, evidence to judge, a breach, a refused shipment.
struct LicenceRow {
    href: String,
    licence: String,
    what: String,
    since: String,
    bad: bool,
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    layout: Layout,
    licences: Vec<LicenceRow>,
    errors: Vec<FieldMessage>,
    statuses: Vec<Choice>,
    sectors: Vec<Choice>,
    bands: Vec<Choice>,
    officers: Vec<Choice>,
    destination: String,
    control_entry: String,
    alert_open: bool,
    red_flag_held: bool,
    query_open: bool,
    newest_first: bool,
    groups: Vec<Group>,
    total: usize,
    target: u32,
    second_marker: u32,
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
}

/// `GET /work`.
pub async fn work(State(s): State<AppState>, SignedIn(v): SignedIn, RawQuery(raw): RawQuery) -> Response {
    let unfiltered = raw.as_deref().unwrap_or_default().is_empty();
    let form: QueueForm = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let (query, errors) = form.to_query();
    let result = if errors.is_empty() {
        s.app.case_queue(&v.actor, &query)
    } else {
        s.app.case_queue(&v.actor, &QueueQuery { page: 1, ..Default::default() })
    };
    let page = match result {
        Ok(p) => p,
        Err(e) => return app_error(&s, e, Some(&v)),
    };
    let mut groups: Vec<Group> = Vec::new();
    for r in page.rows {
        let heading = format!("{} — {}", r.section.label(), r.band.label());
        let count =
            page.counts.iter().find(|(sec, b, _)| *sec == r.section && *b == r.band).map_or(0, |c| c.2);
        let row = Row {
            href: format!("/applications/{}", r.id),
            title: r.title,
            organisation: r.organisation_name,
            destination: r.destination.name().to_string(),
            status: humanise(r.status.as_str()),
            submitted: r.submitted_at.map(date).unwrap_or_default(),
            elapsed: working_days(i64::from(r.working_days_elapsed)),
            band: r.band.as_str(),
            band_label: r.band.label(),
            reason: r.reason,
            officer: match (r.officer_name, r.section) {
                (Some(n), _) => n,
                (None, QueueSection::Unassigned) | (None, _) => "Not assigned".into(),
            },
            open_alert: r.open_alert,
            red_flag_hold: r.red_flag_hold,
            open_query: r.open_query,
            query_overdue: r.query_overdue,
        };
        match groups.last_mut() {
            Some(g) if g.heading == heading => g.rows.push(row),
            _ => groups.push(Group { heading, band: r.band.as_str(), count, rows: vec![row] }),
        }
    }
    let f = |v: &Option<String>| filled(v).map(str::to_string);
    let open_states =
        ApplicationStatus::ALL.iter().filter(|st| st.is_open() && **st != ApplicationStatus::Draft);
    let officer_choices =
        [("me".to_string(), "Me".to_string()), ("unassigned".into(), "Not assigned".into())]
            .into_iter()
            .chain(page.officers.iter().map(|(id, name)| (id.to_string(), name.clone())));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let title = if errors.is_empty() { "Work queue" } else { "Error: Work queue" };
    render(
        status,
        &WorkPage {
            layout: Layout::new(&s, title, Some(&v), "/work"),
            // The licences needing attention head the unfiltered queue (a filter is about cases).
            licences: if unfiltered { licence_rows(&s, &v) } else { Vec::new() },
            statuses: choices(
                f(&form.status).as_deref(),
                open_states.map(|st| (st.as_str().to_string(), humanise(st.as_str()))),
            ),
            sectors: choices(
                f(&form.sector).as_deref(),
                Sector::ALL.iter().map(|x| (x.as_str().to_string(), humanise(x.as_str()))),
            ),
            bands: choices(
                f(&form.band).as_deref(),
                ClockBand::ALL.iter().map(|b| (b.as_str().to_string(), b.label().to_string())),
            ),
            officers: choices(f(&form.officer).as_deref(), officer_choices),
            destination: f(&form.destination).unwrap_or_default(),
            control_entry: f(&form.control_entry).unwrap_or_default(),
            alert_open: query.open_alert,
            red_flag_held: query.red_flag,
            query_open: query.open_query,
            newest_first: query.newest_first,
            errors,
            groups,
            total: page.total,
            target: page.targets.target,
            second_marker: page.targets.second_marker,
            page: page.page,
            pages: page.pages,
            previous: (page.page > 1).then(|| form.href(page.page - 1)),
            next: (page.page < page.pages).then(|| form.href(page.page + 1)),
        },
    )
}

/// Open licence reviews (for those who see them) and the compliance flags of the viewer's role.
fn licence_rows(s: &AppState, v: &super::page::Signed) -> Vec<LicenceRow> {
    let mut rows: Vec<LicenceRow> = s
        .app
        .reviews(&v.actor, true, None)
        .unwrap_or_default()
        .into_iter()
        .map(|r| LicenceRow {
            href: format!("/reviews/{}", r.id),
            licence: r.licence_number.clone(),
            what: format!(
                "Review{}: {}",
                r.proposed
                    .map(|p| format!(" ({} proposed)", super::display::label(&p).to_lowercase()))
                    .unwrap_or_default(),
                r.summary()
            ),
            since: date(r.opened_at),
            bad: r.proposed.is_some(),
        })
        .collect();
    rows.extend(s.app.licence_flags(&v.actor).into_iter().map(|f| LicenceRow {
        href: format!("/applications/{}/licence", f.case_id),
        licence: f.licence_number,
        bad: !f.reason.starts_with("evidence waiting"),
        what: format!("{}: {}", super::display::capitalise(&f.reason), f.subject),
        since: f.since.format("%-d %B %Y").to_string(),
    }));
    rows
}
