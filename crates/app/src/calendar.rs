//! The holiday calendar of the authority's country: the working days every case's clock counts.
//!
//! The shipped public holidays (`oversight_domain::calendar`) are the base; an administrator's
//! changes are stream `calendar-<country>`, events `oversight_domain::calendar::CalendarEvent`. The
//! authority's country is the country its organisation was registered with.
//!
//! Read model: each country's changes, folded over the shipped base when asked.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use oversight_domain::{
    Actor, CountryCode, OrgKind, Role,
    calendar::{self as rules, CalendarCommand, CalendarEvent, WorkingCalendar},
};
use oversight_store::StoredEvent;
use serde::{Deserialize, Serialize};

use crate::{
    App, AppError,
    app::{Result, decode, new_event},
    projections::Fold,
};

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarProjection {
    /// Country (alpha-2) → the administrators' changes, in order.
    changes: BTreeMap<String, Vec<CalendarEvent>>,
}

impl CalendarProjection {
    pub(crate) fn fold(&mut self, fold: &Fold) {
        if let Fold::Calendar(country, event) = fold {
            self.changes.entry(country.clone()).or_default().push(event.clone());
        }
    }
}

/// One holiday as the administrators' page shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holiday {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub name: String,
    /// Whether it came with the shipped calendar (else an administrator added it).
    pub shipped: bool,
}

/// The calendar the clock counts with.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarView {
    /// The authority's country (alpha-2), absent while no authority is registered.
    pub country: Option<String>,
    pub holidays: Vec<Holiday>,
    /// Holidays of the shipped calendar an administrator removed.
    pub removed: Vec<Holiday>,
}

impl App {
    /// The authority's country: the country its organisation was registered with.
    pub fn authority_country(&self) -> Option<CountryCode> {
        let org = self.orgs().into_iter().filter(|o| o.kind == OrgKind::Authority).min_by_key(|o| o.id.0)?;
        CountryCode::parse(&org.country).ok()
    }

    /// The working days of the authority's country: its shipped holidays with the
    /// administrators' changes (weekends only while no authority is registered).
    pub fn working_calendar(&self) -> WorkingCalendar {
        let Some(country) = self.authority_country() else { return WorkingCalendar::weekends_only() };
        let changes = self.read().calendar.changes.get(country.alpha2()).cloned().unwrap_or_default();
        changes.iter().fold(WorkingCalendar::shipped(&country), rules::apply)
    }

    /// The calendar, for the authority's users.
    pub fn calendar(&self, actor: &Actor) -> Result<CalendarView> {
        if actor.org_kind != OrgKind::Authority || actor.roles.is_empty() {
            return Err(AppError::Forbidden("the holiday calendar is the authority's".into()));
        }
        let country = self.authority_country();
        let shipped = country.as_ref().map(WorkingCalendar::shipped).unwrap_or_default();
        let now = self.working_calendar();
        let holidays = now
            .holidays
            .iter()
            .map(|(d, n)| Holiday { date: *d, name: n.clone(), shipped: shipped.holidays.contains_key(d) })
            .collect();
        let removed = shipped
            .holidays
            .iter()
            .filter(|(d, _)| !now.holidays.contains_key(d))
            .map(|(d, n)| Holiday { date: *d, name: n.clone(), shipped: true })
            .collect();
        Ok(CalendarView { country: country.map(|c| c.alpha2().to_string()), holidays, removed })
    }

    /// An administrator adds a holiday to the authority's calendar.
    pub async fn add_holiday(&self, actor: &Actor, date: NaiveDate, name: &str) -> Result<CalendarView> {
        self.calendar_command(actor, CalendarCommand::AddHoliday { date, name: name.to_string() }).await
    }

    /// An administrator removes a holiday (shipped or added) from the authority's calendar.
    pub async fn remove_holiday(&self, actor: &Actor, date: NaiveDate) -> Result<CalendarView> {
        self.calendar_command(actor, CalendarCommand::RemoveHoliday { date }).await
    }

    async fn calendar_command(&self, actor: &Actor, cmd: CalendarCommand) -> Result<CalendarView> {
        if !(actor.org_kind == OrgKind::Authority && actor.has(Role::Administrator)) {
            return Err(AppError::Forbidden(
                "changing the holiday calendar requires the role administrator".into(),
            ));
        }
        let country = self.authority_country().ok_or_else(|| {
            AppError::Conflict("no authority is registered: its country is not known".into())
        })?;
        let stream = rules::stream(&country);
        let now = self.now();
        self.retrying("the holiday calendar", || async {
            // Decided on the calendar as stored, not as this node's read model has it.
            let stored = self.store.read_stream(&stream).await?;
            let calendar = fold_stored(&stored, WorkingCalendar::shipped(&country))?;
            let events = rules::decide(&calendar, cmd.clone(), actor)?;
            let new: Vec<_> = events.iter().map(|e| new_event(e.kind(), e, Some(actor.user), now)).collect();
            self.append(&stream, stored.len() as u64, new, &[], &[]).await
        })
        .await?;
        self.calendar(actor)
    }
}

fn fold_stored(stored: &[StoredEvent], base: WorkingCalendar) -> Result<WorkingCalendar> {
    stored.iter().try_fold(base, |c, e| {
        let event: CalendarEvent = decode(e).map_err(AppError::Internal)?;
        Ok(rules::apply(c, &event))
    })
}
