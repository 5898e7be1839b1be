//! Working days: weekends and the public holidays of the authority's country are not counted.
//!
//! The holidays of 16 countries for 2024–2030 are shipped (`data/calendars/public_holidays.csv`,
//! compiled in); an administrator adds or removes holidays, as events of stream
//! `calendar-<country>` ([`decide`], [`apply`]) over the shipped base. [`WorkingCalendar`] is what
//! the clock counts with.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::{
    FieldError,
    access::require_authority,
    countries::CountryCode,
    lifecycle::Rejection,
    parse_text,
    roles::{Actor, Role},
};

const SHIPPED: &str = include_str!("../../../data/calendars/public_holidays.csv");

/// The stream of a country's holiday changes.
pub fn stream(country: &CountryCode) -> String {
    format!("calendar-{}", country.alpha2())
}

/// The days that are not working days besides weekends, with their names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingCalendar {
    pub holidays: BTreeMap<NaiveDate, String>,
}

impl WorkingCalendar {
    /// Weekends only (no holiday known).
    pub fn weekends_only() -> WorkingCalendar {
        WorkingCalendar::default()
    }

    /// The shipped public holidays of `country` (none for a country not shipped).
    pub fn shipped(country: &CountryCode) -> WorkingCalendar {
        WorkingCalendar { holidays: shipped_table().get(country.alpha2()).cloned().unwrap_or_default() }
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains_key(&d)
    }

    /// Working days after `start`'s day up to and including `end`'s day (0 when `end` is not later).
    pub fn working_days_between(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> u32 {
        self.working_days_in(start.date_naive(), end.date_naive(), |_| false)
    }

    /// Working days `d` with `from < d <= to` for which `stopped(d)` is false.
    pub fn working_days_in(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        stopped: impl Fn(NaiveDate) -> bool,
    ) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.succ_opt().expect("date in range");
            if self.is_working_day(d) && !stopped(d) {
                n += 1;
            }
        }
        n
    }
}

/// The countries whose holidays are shipped.
pub fn shipped_countries() -> Vec<&'static str> {
    shipped_table().keys().copied().collect()
}

/// The shipped file, read once.
fn shipped_table() -> &'static BTreeMap<&'static str, BTreeMap<NaiveDate, String>> {
    static TABLE: std::sync::OnceLock<BTreeMap<&'static str, BTreeMap<NaiveDate, String>>> =
        std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: BTreeMap<&str, BTreeMap<NaiveDate, String>> = BTreeMap::new();
        for (c, d, name) in shipped_rows() {
            t.entry(c).or_default().insert(d, name.to_string());
        }
        t
    })
}

fn shipped_rows() -> impl Iterator<Item = (&'static str, NaiveDate, &'static str)> {
    SHIPPED.lines().skip(1).filter(|l| !l.trim().is_empty()).map(|l| {
        let mut f = l.splitn(3, ',');
        let (c, d, name) = (f.next().unwrap_or(""), f.next().unwrap_or(""), f.next().unwrap_or(""));
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("the shipped calendar's dates are valid");
        (c, date, name.trim_matches('"'))
    })
}

/// An administrator's change to the holidays of the authority's country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CalendarCommand {
    AddHoliday { date: NaiveDate, name: String },
    RemoveHoliday { date: NaiveDate },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CalendarEvent {
    HolidayAdded { date: NaiveDate, name: String },
    HolidayRemoved { date: NaiveDate },
}

impl CalendarEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            CalendarEvent::HolidayAdded { .. } => "holiday_added",
            CalendarEvent::HolidayRemoved { .. } => "holiday_removed",
        }
    }
}

fn invalid(field: &str, msg: &str) -> Rejection {
    Rejection::Invalid(FieldError::new(field, msg))
}

/// Decides a change to `calendar` (the country's calendar as it stands).
pub fn decide(
    calendar: &WorkingCalendar,
    cmd: CalendarCommand,
    actor: &Actor,
) -> Result<Vec<CalendarEvent>, Rejection> {
    require_authority(actor, &[Role::Administrator], "changing the holiday calendar")?;
    let in_range = |d: NaiveDate| (2000..=2100).contains(&d.year());
    match cmd {
        CalendarCommand::AddHoliday { date, name } => {
            if !in_range(date) {
                return Err(invalid("date", "must be between 2000 and 2100"));
            }
            if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                return Err(invalid("date", "is a weekend day: it is never a working day"));
            }
            if calendar.holidays.contains_key(&date) {
                return Err(invalid("date", "is already a holiday"));
            }
            Ok(vec![CalendarEvent::HolidayAdded { date, name: parse_text("name", &name, 120)? }])
        }
        CalendarCommand::RemoveHoliday { date } => {
            if !calendar.holidays.contains_key(&date) {
                return Err(invalid("date", "is not a holiday"));
            }
            Ok(vec![CalendarEvent::HolidayRemoved { date }])
        }
    }
}

pub fn apply(mut calendar: WorkingCalendar, event: &CalendarEvent) -> WorkingCalendar {
    match event {
        CalendarEvent::HolidayAdded { date, name } => {
            calendar.holidays.insert(*date, name.clone());
        }
        CalendarEvent::HolidayRemoved { date } => {
            calendar.holidays.remove(date);
        }
    }
    calendar
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_shipped_calendar_skips_national_holidays_and_weekends() {
        let de = WorkingCalendar::shipped(&CountryCode::parse("DE").unwrap());
        assert_eq!(de.holidays.get(&day(2026, 12, 25)).map(String::as_str), Some("Christmas Day"));
        // Wednesday 23 December 2026 to Monday 28 December: Thu 24 is a working day, Fri 25 and
        // Sat/Sun are not, Mon 28 is: 2 working days (Christmas Day and Boxing Day excluded).
        let wed = Utc.with_ymd_and_hms(2026, 12, 23, 9, 0, 0).unwrap();
        let mon = Utc.with_ymd_and_hms(2026, 12, 28, 9, 0, 0).unwrap();
        assert_eq!(de.working_days_between(wed, mon), 2);
        assert_eq!(WorkingCalendar::weekends_only().working_days_between(wed, mon), 3);
        assert!(shipped_countries().contains(&"GB") && shipped_countries().len() == 16);
        assert!(WorkingCalendar::shipped(&CountryCode::parse("BR").unwrap()).holidays.is_empty());
    }

    #[test]
    fn only_an_administrator_changes_the_calendar_and_bad_dates_are_refused() {
        let admin = crate::test_support::authority(&[Role::Administrator], 50);
        let officer = crate::test_support::authority(&[Role::LicensingOfficer], 20);
        let cal = WorkingCalendar::shipped(&CountryCode::parse("DE").unwrap());
        let add = |d, name: &str| CalendarCommand::AddHoliday { date: d, name: name.into() };
        assert!(matches!(
            decide(&cal, add(day(2026, 11, 2), "Bridge day"), &officer),
            Err(Rejection::Forbidden(_))
        ));
        assert!(
            matches!(decide(&cal, add(day(2026, 11, 1), "Sunday"), &admin), Err(Rejection::Invalid(e)) if e.field == "date")
        );
        assert!(matches!(decide(&cal, add(day(2026, 12, 25), "again"), &admin), Err(Rejection::Invalid(_))));
        assert!(
            matches!(decide(&cal, add(day(2026, 11, 2), " "), &admin), Err(Rejection::Invalid(e)) if e.field == "name")
        );
        let ev = decide(&cal, add(day(2026, 11, 2), "Bridge day"), &admin).unwrap();
        let cal2 = ev.iter().fold(cal.clone(), apply);
        assert!(!cal2.is_working_day(day(2026, 11, 2)));
        let ev = decide(&cal2, CalendarCommand::RemoveHoliday { date: day(2026, 12, 25) }, &admin).unwrap();
        assert!(ev.iter().fold(cal2.clone(), apply).is_working_day(day(2026, 12, 25)));
        assert!(decide(&cal2, CalendarCommand::RemoveHoliday { date: day(2026, 12, 23) }, &admin).is_err());
    }
}
