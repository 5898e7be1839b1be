//! The authority's work queue: every open case, what waits for the person asking first, grouped by
//! where the case stands against the working-day target, with filters and pages.
//!
//! Part of the cases capability (it reads the cases read model through [`App::case_rows`]) with one
//! fact from screening (which cases have an open alert, through [`App::cases_with_open_alerts`]).
//! The bands are the core's rule ([`oversight_domain::clock`]).

use chrono::{DateTime, Utc};
use oversight_domain::{
    Actor, Application, ApplicationId, ApplicationStatus, CountryCode, Role, Sector, UserId, access,
    clock::{ClockBand, ClockTargets},
};
use serde::Serialize;

use crate::{App, app::Result};

/// Rows per page.
pub const QUEUE_PAGE_SIZE: usize = 50;

/// Which cases of the queue, as chosen by filters (all optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueQuery {
    pub status: Option<ApplicationStatus>,
    pub destination: Option<CountryCode>,
    /// A control-list code carried by at least one item (exact, case-insensitive).
    pub control_entry: Option<String>,
    /// The sector of at least one party.
    pub sector: Option<Sector>,
    /// Only cases with an open screening alert.
    pub open_alert: bool,
    /// Only cases held for red flags an approver has not cleared.
    pub red_flag: bool,
    /// Only cases with a query to the exporter still open.
    pub open_query: bool,
    pub officer: Option<OfficerFilter>,
    pub band: Option<ClockBand>,
    pub newest_first: bool,
    /// 1-based.
    pub page: usize,
}

/// Whose cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficerFilter {
    Me,
    Unassigned,
    User(UserId),
}

/// Where a row sits in the queue: what waits for the viewer first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueSection {
    /// Assigned to the viewer, or waiting for the viewer's role (a decision for an approver).
    ForYou,
    /// Submitted and not yet assigned.
    Unassigned,
    /// Open and waiting for someone else (another officer, an approver, the exporter).
    Others,
}

impl QueueSection {
    pub fn label(&self) -> &'static str {
        match self {
            QueueSection::ForYou => "Waiting for you",
            QueueSection::Unassigned => "Not yet assigned",
            QueueSection::Others => "Waiting for others",
        }
    }
}

/// One case in the queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub id: ApplicationId,
    pub title: String,
    pub destination: CountryCode,
    pub organisation_name: String,
    pub status: ApplicationStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    pub working_days_elapsed: u32,
    pub band: ClockBand,
    pub section: QueueSection,
    /// Why it waits for the viewer (for rows in [`QueueSection::ForYou`]).
    pub reason: Option<&'static str>,
    pub officer: Option<UserId>,
    pub officer_name: Option<String>,
    pub open_alert: bool,
    pub red_flag_hold: bool,
    /// A query to the exporter is open (its clock is stopped), and whether one is past its date.
    pub open_query: bool,
    pub query_overdue: bool,
}

/// A page of the queue and the counts behind it.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    /// Matching cases per section and band, over every page.
    pub counts: Vec<(QueueSection, ClockBand, usize)>,
    pub targets: ClockTargets,
    /// The officers open cases are assigned to (whatever the filters), by name: the officer filter's
    /// choices.
    pub officers: Vec<(UserId, String)>,
}

/// The roles that have a work queue.
pub const QUEUE_ROLES: [Role; 3] = [Role::LicensingOfficer, Role::Approver, Role::HumanRightsAssessor];

/// Why an open case waits for `actor`, if it does.
fn waits_for(actor: &Actor, a: &Application) -> Option<&'static str> {
    use ApplicationStatus::*;
    let officer = actor.has(Role::LicensingOfficer);
    let approver = actor.has(Role::Approver);
    let assessor = actor.has(Role::HumanRightsAssessor);
    let mine = a.assigned_officer == Some(actor.user);
    match a.status {
        OnHold if approver && a.hold.as_ref().is_some_and(|h| h.red_flags_of.is_some()) => {
            Some("red flags to clear")
        }
        UnderReview | Consultation | OnHold if officer && mine => Some("assigned to you"),
        PendingDecision if approver && a.recommendation.as_ref().is_some_and(|r| r.by != actor.user) => {
            Some("decision to take")
        }
        UnderReview if assessor => Some("assessment and HRIA"),
        _ => None,
    }
}

impl QueueQuery {
    fn keeps(&self, actor: &Actor, a: &Application) -> bool {
        self.status.is_none_or(|s| a.status == s)
            && self.destination.as_ref().is_none_or(|d| &a.destination == d)
            && self
                .control_entry
                .as_deref()
                .is_none_or(|c| a.items.iter().any(|i| i.control_code.eq_ignore_ascii_case(c)))
            && self.sector.is_none_or(|s| a.parties.iter().any(|p| p.sector == s))
            && (!self.red_flag || a.hold.as_ref().is_some_and(|h| h.red_flags_of.is_some()))
            && (!self.open_query || a.has_open_query())
            && match self.officer {
                None => true,
                Some(OfficerFilter::Me) => a.assigned_officer == Some(actor.user),
                Some(OfficerFilter::Unassigned) => a.assigned_officer.is_none(),
                Some(OfficerFilter::User(u)) => a.assigned_officer == Some(u),
            }
    }
}

impl App {
    /// The working-day targets cases are measured against (configuration `cases.*`).
    pub fn clock_targets(&self) -> ClockTargets {
        self.clock_targets
    }

    /// The work queue of an authority user holding one of [`QUEUE_ROLES`]: every open case matching
    /// `q`, what waits for the viewer first, then unassigned cases, then the rest; within each, the
    /// most urgent band first and the oldest submission first (or newest, when asked).
    pub fn case_queue(&self, actor: &Actor, q: &QueueQuery) -> Result<QueuePage> {
        access::require_authority(actor, &QUEUE_ROLES, "the work queue")?;
        let now = self.now();
        let targets = self.clock_targets;
        let calendar = self.working_calendar();
        let with_alert = self.cases_with_open_alerts();
        let mut officers = std::collections::BTreeSet::new();
        let mut rows: Vec<QueueRow> = self.case_rows(|a| {
            if !a.status.is_open() || a.status == ApplicationStatus::Draft {
                return None;
            }
            officers.extend(a.assigned_officer);
            if !q.keeps(actor, a) {
                return None;
            }
            let open_alert = with_alert.contains(&a.id);
            if q.open_alert && !open_alert {
                return None;
            }
            let elapsed = a.working_days_elapsed(now, &calendar).unwrap_or(0);
            let band = targets.band(elapsed);
            if q.band.is_some_and(|b| b != band) {
                return None;
            }
            let reason = waits_for(actor, a);
            let section = if reason.is_some() {
                QueueSection::ForYou
            } else if a.assigned_officer.is_none() {
                QueueSection::Unassigned
            } else {
                QueueSection::Others
            };
            Some(QueueRow {
                id: a.id,
                title: a.title.clone(),
                destination: a.destination.clone(),
                organisation_name: String::new(),
                status: a.status,
                submitted_at: a.submitted_at,
                working_days_elapsed: elapsed,
                band,
                section,
                reason,
                officer: a.assigned_officer,
                officer_name: None,
                open_alert,
                red_flag_hold: a.hold.as_ref().is_some_and(|h| h.red_flags_of.is_some()),
                open_query: a.has_open_query(),
                query_overdue: a.queries.iter().any(|x| x.is_overdue(now.date_naive())),
            })
        });
        rows.sort_by(|x, y| {
            let when = if q.newest_first {
                y.submitted_at.cmp(&x.submitted_at)
            } else {
                x.submitted_at.cmp(&y.submitted_at)
            };
            (x.section, x.band).cmp(&(y.section, y.band)).then(when).then(x.id.cmp(&y.id))
        });
        let mut counts: Vec<(QueueSection, ClockBand, usize)> = Vec::new();
        for r in &rows {
            match counts.last_mut() {
                Some((s, b, n)) if *s == r.section && *b == r.band => *n += 1,
                _ => counts.push((r.section, r.band, 1)),
            }
        }
        let total = rows.len();
        let pages = total.div_ceil(QUEUE_PAGE_SIZE).max(1);
        let page = q.page.clamp(1, pages);
        let mut rows: Vec<QueueRow> =
            rows.into_iter().skip((page - 1) * QUEUE_PAGE_SIZE).take(QUEUE_PAGE_SIZE).collect();
        for r in &mut rows {
            let case_org = self.case_org(r.id);
            r.organisation_name = case_org.and_then(|o| self.org_name(o)).unwrap_or_default();
            r.officer_name = self.user_name(r.officer);
        }
        let mut officers: Vec<(UserId, String)> =
            officers.into_iter().map(|u| (u, self.user_name(Some(u)).unwrap_or_default())).collect();
        officers.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(QueuePage { rows, total, page, pages, counts, targets, officers })
    }
}
